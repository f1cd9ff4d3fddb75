"""Whole-site tests: `digest build` on fixture sites, then a look at the files it produced."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import copy_site, run_digest, tree
from linkcheck import broken_links

from generator.output import MANIFEST

SEED_PAGE = "2023/09/27/tensions-escalate-between-armenia-and-russia/index.html"


def build(site: Path, *args: str):
    result = run_digest("build", *args, cwd=site)
    assert result.returncode == 0, result.stderr
    return result


def test_build_writes_every_kind_of_page(basic_site):
    result = build(basic_site)
    assert re.fullmatch(r"Built 4 articles \(1 draft skipped; --drafts shows them\) into output/: 25 pages \(25 rendered\), \d+ files written, 0 unchanged, "
                        r"0 removed, 0 warnings in \d+\.\d\d s\n", result.stdout), result.stdout
    out = basic_site / "output"
    for path in [
        "index.html", "page/2/index.html", "404.html", "static/style.css",
        "2023/09/20/harbour-strike/index.html", "2023/09/22/rail-tunnel/index.html",
        "2023/09/21/loose/index.html", SEED_PAGE,
        "category/index.html", "category/world/index.html", "category/nhk/index.html",
        "category/misc/index.html", "tag/index.html", "tag/economy/index.html",
        "tag/transport/index.html", "2023/09/20/index.html", "2023/09/index.html",
        "2023/09/page/2/index.html", "2023/index.html", "archive/index.html",
    ]:
        assert (out / path).is_file(), path
    assert not list(out.rglob("comet")), "a draft was published"
    assert not (out / "category" / "science-desk").exists()
    assert not (out / "page" / "3").exists()


def test_pages_show_what_they_should(basic_site):
    build(basic_site)
    out = basic_site / "output"
    strike = (out / "2023/09/20/harbour-strike/index.html").read_text()
    assert ('<h1 class="page-title" data-pagefind-meta="title" data-pagefind-ignore>'
            'Harbour strike ends &lt;quickly&gt;</h1>') in strike
    assert "Harbour strike ends &lt;quickly&gt;" in strike
    assert "alert(" not in strike
    assert strike.count("<script") == 1 and '<script type="application/ld+json">' in strike
    assert '<a class="source-link" href="https://world.example/strike" rel="noopener">' \
           'Read the original at World Desk</a>' in strike
    assert '<a href="/2023/09/22/rail-tunnel/">Rail tunnel opens</a>' in strike
    assert ('<li class="offsite"><span class="offsite-title">A title nobody wrote</span> '
            '<span class="source-name">not in this digest</span></li>') in strike
    assert 'href="/tag/economy/" data-pagefind-filter="tag">Economy</a>' in strike
    assert "Jane Doe" in strike
    assert 'rel="next" href="/2023/09/21/loose/"' in strike

    home = (out / "index.html").read_text()
    days = re.findall(r'<h2 id="day-([\d-]+)">', home)
    assert days == ["2023-09-27", "2023-09-22"]  # newest first, grouped by day, 2 per page
    assert "Tensions escalate between Armenia and Russia" in home
    assert 'href="/page/2/"' in home

    world = (out / "category/world/index.html").read_text()
    assert "<h1 class=\"page-title\">World Desk" in world and "News from everywhere." in world
    categories = (out / "category/index.html").read_text()
    assert re.search(r'World Desk</a> <span class="term-count">2 articles', categories)
    assert re.search(r'Nhk</a> <span class="term-count">1 article<', categories)
    archive = (out / "archive/index.html").read_text()
    assert re.search(r'September 2023</a> <span class="term-count">4 articles', archive)


def test_seed_page(basic_site):
    build(basic_site)
    page = (basic_site / "output" / SEED_PAGE).read_text()
    assert "<h1 class=\"page-title\" data-pagefind-meta=\"title\" data-pagefind-ignore>Tensions escalate " \
           "between Armenia and Russia over Nagorno-Karabakh conflict</h1>" in page
    assert '<span class="fact">2 min read</span>' in page
    assert '<span class="fact">read once</span>' in page
    assert "<div><dt>Length</dt><dd>239 words</dd></div>" in page
    assert 'href="https://www3.nhk.or.jp/nhkworld/en/news/20230927_01/" rel="noopener"' in page
    similar = page.split('id="similar-heading"')[1].split("</section>")[0]
    assert similar.count('<li class="offsite">') == 5
    assert "which Russia deemed…" in page


def test_drafts_flag(basic_site):
    build(basic_site, "--drafts")
    page = basic_site / "output/2023/09/22/comet/index.html"
    assert "Draft" in page.read_text()
    assert (basic_site / "output/category/science-desk/index.html").is_file()


def test_every_internal_link_resolves_at_the_root(basic_site):
    build(basic_site)
    assert broken_links(basic_site / "output", "https://fixture.example/") == []


def test_every_internal_link_resolves_under_a_sub_path(basic_site):
    build(basic_site, "--base-url", "https://fixture.example/news/")
    out = basic_site / "output"
    assert broken_links(out, "https://fixture.example/news/") == []
    home = (out / "index.html").read_text()
    assert 'href="/news/static/style.css"' in home
    assert '<link rel="canonical" href="https://fixture.example/news/">' in home
    assert "href=\"/category/" not in home


def test_same_input_gives_byte_identical_output(basic_site, tmp_path):
    config = basic_site / "config.yaml"
    config.write_text(config.read_text() + "search: false\n")
    build(basic_site)
    first = tree(basic_site / "output")
    other = shutil.copytree(basic_site, tmp_path / "again")
    shutil.rmtree(other / "output")
    build(other)
    assert tree(other / "output") == first
    again = build(basic_site)
    assert " 0 files written, " in again.stdout


def test_with_search_only_pagefinds_filter_index_varies(basic_site, tmp_path):
    """Pagefind writes its filter index in hash-map order (Pagefind issue #638): those files
    and the two that name them by hash are the one known exception to byte-identical output."""
    build(basic_site)
    other = shutil.copytree(basic_site, tmp_path / "again")
    shutil.rmtree(other / "output")
    build(other)
    varying = re.compile(r"^pagefind/(filter/.*\.pf_filter|pagefind\..*\.pf_meta|pagefind-entry\.json)$"
                         r"|^\.digest-manifest\.json$")
    first = {k: v for k, v in tree(basic_site / "output").items() if not varying.match(k)}
    second = {k: v for k, v in tree(other / "output").items() if not varying.match(k)}
    assert first == second
    assert any(k.startswith("pagefind/fragment/") for k in first)


def test_a_broken_site_reports_every_error_and_writes_nothing(tmp_path):
    site = copy_site("broken", tmp_path)
    (site / "output").mkdir()
    (site / "output" / "index.html").write_text("previous build")
    manifest = '{"version": 1, "notes": {}, "files": ["index.html"]}'
    (site / "output" / MANIFEST).write_text(manifest)
    result = run_digest("build", cwd=site)
    assert result.returncode == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    # The YAML parser's own wording differs between libyaml and pure Python; the place does not.
    assert errors[1].startswith("error: content/bad-yaml.md:5: front matter: invalid YAML: ")
    del errors[1]
    assert errors == [
        'error: content/bad-date.md:3: date: cannot read "Sept 31, 2023" as a date',
        'error: content/export.txt:7: Date: cannot read "2023/02/30 07:30" as a date',
        "error: content/no-date.md:1: date: missing (add `date: 2023-09-27` or name the file "
        "2023-09-27-name.md)",
    ], result.stderr
    assert "output/ was not changed" in result.stderr
    assert sorted(p.name for p in (site / "output").iterdir()) == [MANIFEST, "index.html"]
    assert (site / "output" / "index.html").read_text() == "previous build"
    assert (site / "output" / MANIFEST).read_text() == manifest


def test_template_error_names_the_template_line(basic_site):
    build(basic_site)
    before = tree(basic_site / "output")
    article = basic_site / "templates" / "article.html"
    lines = article.read_text().splitlines()
    where = lines.index("{% block main %}") + 1
    lines[where] = "{{ article.title | no_such_filter }}" + lines[where]
    article.write_text("\n".join(lines))
    result = run_digest("build", cwd=basic_site)
    assert result.returncode == 1
    assert (f"error: templates/article.html:{where + 1}: template syntax: No filter named "
            "'no_such_filter'.") in result.stderr
    assert tree(basic_site / "output") == before


def test_collisions_name_both_files(basic_site):
    twin = basic_site / "content" / "world" / "twin.md"
    twin.write_text("---\ntitle: Twin\ndate: 2023-09-20T12:00:00+01:00\nslug: harbour-strike\n"
                    "id: d803467a-7fa5-4594-a24f-554d4d5aff36\n---\nx\n")
    result = run_digest("build", cwd=basic_site)
    assert result.returncode == 1
    assert ("error: content/world/twin.md: URL /2023/09/20/harbour-strike/ is also the URL of "
            "content/world/2023-09-20-harbour-strike.md (give one a `slug`)") in result.stderr
    assert ("error: content/world/twin.md: id 'd803467a-7fa5-4594-a24f-554d4d5aff36' is also "
            "the id of content/tracker/000_605b23a3d821c83e.txt") in result.stderr


def test_rebuild_removes_only_files_it_wrote(basic_site):
    build(basic_site)
    out = basic_site / "output"
    (out / "CNAME").write_text("fixture.example")
    (out / "2023" / "notes.txt").write_text("mine")
    (basic_site / "content" / "world" / "rail-tunnel.md").unlink()
    result = build(basic_site)
    assert " 0 removed" not in result.stdout
    assert not (out / "2023/09/22/rail-tunnel").exists()
    assert not (out / "tag/engineering").exists()
    assert (out / "CNAME").read_text() == "fixture.example"
    assert (out / "2023" / "notes.txt").read_text() == "mine"


def test_output_folder_that_holds_the_content_is_refused(basic_site):
    result = run_digest("build", "--output", ".", cwd=basic_site)
    assert result.returncode == 1
    assert "contains" in result.stderr and "which the build reads" in result.stderr
    result = run_digest("build", "--output", "content/out", cwd=basic_site)
    assert result.returncode == 1 and "is inside" in result.stderr
    assert not (basic_site / "content" / "out").exists()


def test_custom_permalink(basic_site):
    config = basic_site / "config.yaml"
    config.write_text(config.read_text() + "permalinks:\n  article: /{category}/{slug}/\n")
    build(basic_site)
    assert (basic_site / "output/world/harbour-strike/index.html").is_file()
    assert broken_links(basic_site / "output", "https://fixture.example/") == []
