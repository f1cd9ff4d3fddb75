"""Related reading and stories across sources, through `digest build` on a fixture site."""

from __future__ import annotations

import re

from conftest import copy_site, run_digest
from linkcheck import broken_links

STRIKE = "2023/09/20/strike-ends/index.html"
DOCKERS = "2023/09/21/harlow-dockers-back/index.html"


def test_listed_titles_first_then_computed_and_stories(tmp_path):
    site = copy_site("stories", tmp_path)
    result = run_digest("build", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "output"

    strike = (out / STRIKE).read_text()
    similar = strike.split('id="similar-heading"')[1].split("</section>")[0]
    titles = re.findall(r'<a href="([^"]+)">([^<]+)</a>', similar)
    assert titles[0] == ("/2023/09/22/tunnel/", "Rail tunnel opens under the strait")  # listed
    also = strike.split('id="also-heading"')[1].split("</section>")[0]
    assert '<a href="/2023/09/21/harlow-dockers-back/">Harlow dockers return after union ' \
           'accepts terminal pay offer</a>' in also
    assert "Film festival" not in strike.split("<nav class=\"neighbours\"")[0]

    dockers = (out / DOCKERS).read_text()
    assert '<a href="/2023/09/20/strike-ends/">Harlow dock strike ends' in \
        dockers.split('id="also-heading"')[1]

    home = (out / "index.html").read_text()
    entries = re.findall(r'<h3 class="entry-title"><a href="([^"]+)"', home)
    assert "/2023/09/21/harlow-dockers-back/" in entries  # the story's newest article
    assert "/2023/09/20/strike-ends/" not in entries  # shown once, not per source
    assert re.search(r'Also covered by\s*<a href="/2023/09/20/strike-ends/">Harbor Times</a>', home)
    # The other source's index still lists its own article.
    assert "/2023/09/20/strike-ends/" in (out / "category/harbor-times/index.html").read_text()
    assert broken_links(out, "https://stories.example/") == []


def test_stories_can_be_turned_off(tmp_path):
    site = copy_site("stories", tmp_path)
    config = site / "config.yaml"
    config.write_text(config.read_text() + "  stories: false\n")
    assert run_digest("build", cwd=site).returncode == 0
    home = (site / "output/index.html").read_text()
    assert "/2023/09/20/strike-ends/" in home and "Also covered by" not in home


def test_bad_related_config_names_its_line(tmp_path):
    site = copy_site("stories", tmp_path)
    config = site / "config.yaml"
    config.write_text(config.read_text() + "  cuont: 3\n  min_score: -1\n")
    result = run_digest("build", cwd=site)
    assert result.returncode == 1
    assert "config.yaml:6: related: unknown key 'cuont' (did you mean 'count'?)" in result.stderr
    assert "config.yaml:7: related.min_score: must be at least 0" in result.stderr
