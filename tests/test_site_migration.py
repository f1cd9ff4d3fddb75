"""Archives in the real shapes of Jekyll, Hugo and Pelican sites build unchanged: exit 0, a
warning for each guess and nothing else, a page for every post, and redirect pages where the
old sites had URLs."""

from __future__ import annotations

import json
import re

import pytest
from conftest import copy_site, run_digest

WARNINGS = {
    "jekyll": [
        "content/2024-05-29-harbour-reopens.md:19: template code of another generator "
        '({% include figure.html src="/assets/harb) is shown as text',
        'content/2024-06-01-garbled-date.md:3: date: cannot read "next tuesday, probably" as a '
        "date; the file name's date 2024-06-01 is used",
        "content/2024-06-02-date-disagrees.md:3: date: 2024-06-09 is more than a day from the "
        "file name's 2024-06-02; the front matter's date is used",
        "content/2024-06-03-moved.md: skipped: a redirect-only file, made a redirect page from "
        "/2024/06/03/moved.html to https://archive.gazette.example/2024/06/03/moved/",
        "content/2024-06-05-empty.md: skipped: empty file",
        "content/2024-06-06-code.md:8: template code of another generator "
        "({% highlight python %}) is shown as text",
        "content/2024-06-08-wordpress.md:8: template code of another generator "
        '([caption id="attachment_12" align="align) is shown as text',
        "content/README.txt: skipped: a .txt file that is not a reading-tracker export "
        "(no Details section)",
    ],
    "hugo": [
        "content/posts/_index.md: skipped: a Hugo section page (_index), not an article",
        "content/posts/chart.mdx:1: MDX read as Markdown: 4 import/export lines dropped, "
        "components shown as their text",
        "content/posts/harbour-bridge.md:13: template code of another generator "
        '({{< figure src="bridge.jpg" caption="The) is shown as text',
        "content/posts/weather-front/index.md:11: template code of another generator "
        "({{% notice warning %}}) is shown as text",
    ],
    "pelican": [
        "content/pages/about.md: skipped: a page without a date (in a pages/ folder), "
        "not an article",
    ],
}
PAGES = {
    "jekyll": ["2024/05/29/harbour-reopens", "2024/05/30/ferry-strike", "2024/06/01/garbled-date",
               "2024/06/09/date-disagrees", "2024/06/06/code", "2024/06/07/windows",
               "2024/06/08/wordpress"],
    "hugo": ["2024/05/29/harbour-bridge", "2024/06/01/weather-front", "2024/06/03/chart",
             "2024/06/04/two-authors"],
    "pelican": ["2024/05/29/harbour-dues", "2024/06/04/regatta", "2024/06/06/letters"],
}
REDIRECTS = {
    "jekyll": {"old/harbour-reopens/index.html": "/2024/05/29/harbour-reopens/",
               "2024/05/29/harbour.html": "/2024/05/29/harbour-reopens/",
               "2024/ferry-strike.html": "/2024/05/30/ferry-strike/",
               "2024/06/03/moved.html": "https://archive.gazette.example/2024/06/03/moved/"},
    "hugo": {"old-bridge/index.html": "/2024/05/29/harbour-bridge/",
             "2024/bridge.html": "/2024/05/29/harbour-bridge/",
             "weather/front/index.html": "/2024/06/01/weather-front/"},
    "pelican": {},
}


@pytest.fixture(params=sorted(WARNINGS))
def built(request, tmp_path):
    site = copy_site(request.param, tmp_path)
    result = run_digest("build", cwd=site)
    return request.param, site, result


def test_each_archive_builds_with_a_warning_for_each_guess(built):
    name, site, result = built
    assert result.returncode == 0, result.stderr
    assert [line.removeprefix("warning: ") for line in result.stderr.splitlines()] \
        == WARNINGS[name]
    assert f"Built {len(PAGES[name])} articles (1 draft skipped" in result.stdout
    out = site / "output"
    articles = sorted(p.parent.relative_to(out).as_posix()
                      for p in out.glob("20*/*/*/*/index.html"))
    assert articles == sorted(PAGES[name])


def test_old_urls_become_redirect_pages_outside_the_sitemap(built):
    name, site, _ = built
    out = site / "output"
    base = re.search(r"base_url: (\S+?)/?\n", (site / "config.yaml").read_text())[1]
    manifest = set(json.loads((out / ".digest-manifest.json").read_text())["files"])
    sitemap = (out / "sitemap.xml").read_text()
    for path, target in REDIRECTS[name].items():
        page = (out / path).read_text()
        absolute = target if "://" in target else base + target
        assert f'<meta http-equiv="refresh" content="0; url={absolute}">' in page
        assert f'<link rel="canonical" href="{absolute}">' in page
        assert path in manifest
        assert path.removesuffix("index.html") not in sitemap


def test_what_archives_write_reads_as_they_meant(tmp_path):
    site = copy_site("jekyll", tmp_path)
    assert run_digest("build", cwd=site).returncode == 0
    out = site / "output"
    page = (out / "2024/05/29/harbour-reopens/index.html").read_text()
    # a date with an unpadded hour, in UTC, shown in the site's zone (Lisbon, summer: +1)
    assert 'datetime="2024-05-29T10:00:00+01:00"' in page
    assert ">Ana Lima<" in page  # an author written as a mapping
    assert "{% include figure.html" in page  # another generator's code, shown as text
    # space-separated categories: the first is the source, shown title-cased
    assert '<a class="source" href="/category/news/" data-pagefind-filter="source" ' \
           'data-pagefind-meta="source">News</a>' in page
    # tags that differ only in case are one tag, in their most common spelling
    assert (out / "tag/harbour/index.html").is_file() and not (out / "tag/Harbour").exists()
    tags = (out / "tag/index.html").read_text()
    assert tags.count(">Harbour<") + tags.count(">harbour<") == 1
    windows = (out / "2024/06/07/windows/index.html").read_text()  # BOM, CRLF, `---  `
    assert "Saved on Windows" in windows and 'datetime="2024-06-07T08:05:00+01:00"' in windows
    assert (out / "tag/weather/index.html").is_file()  # "harbour, weather": comma-separated
    transport = (out / "tag/transport/index.html").read_text()  # "transport labour": spaces
    assert "Ferry crews walk out" in transport and (out / "tag/labour/index.html").is_file()
    shortcode = (copy_site("hugo", tmp_path / "h") / "content/posts/harbour-bridge.md")
    assert run_digest("build", cwd=shortcode.parents[2]).returncode == 0
    bridge = (shortcode.parents[2] / "output/2024/05/29/harbour-bridge/index.html").read_text()
    assert "{{&lt; figure" in bridge and "<figure" not in bridge.split("<main", 1)[1]
