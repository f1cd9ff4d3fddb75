"""Search: Pagefind indexes the built site, and a query on /search/ in Chromium finds the article."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from browser import chromium, need_browser, serve
from conftest import copy_site, run_digest

from generator import search
from generator.errors import BuildFailed


def test_index_is_built_and_only_articles_are_indexed(basic_site):
    result = run_digest("build", cwd=basic_site)
    assert result.returncode == 0, result.stderr
    out = basic_site / "output"
    assert (out / "search/index.html").is_file()
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 4  # the four published articles
    assert list((out / "pagefind/fragment").iterdir())
    manifest = json.loads((out / ".digest-manifest.json").read_text())
    assert "pagefind/pagefind.js" in manifest["files"]

    again = run_digest("build", cwd=basic_site)
    assert " 0 files written, " in again.stdout  # unchanged pages: the bundle is kept as it is

    (basic_site / "content/world/rail-tunnel.md").unlink()
    run_digest("build", cwd=basic_site)
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 3
    fragments = len(list((out / "pagefind/fragment").iterdir()))
    assert fragments == 3  # the stale fragment was removed with the rest of the old bundle


def test_search_off_builds_no_index_and_no_search_page(basic_site):
    config = basic_site / "config.yaml"
    config.write_text(config.read_text() + "search: false\n")
    assert run_digest("build", cwd=basic_site).returncode == 0
    out = basic_site / "output"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "/search/" not in (out / "index.html").read_text()


def test_missing_binary_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("pagefind") else real(name, *a))
    try:
        search.check_available()
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        assert "pip install 'pagefind[extended]'" in str(exc) and "search: false" in str(exc)
    else:
        raise AssertionError("no error without the binary")


def test_a_query_in_the_browser_finds_the_seed_article(basic_site, tmp_path):
    need_browser()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert run_digest("build", "--base-url", "https://fixture.example/news/",
                      cwd=basic_site).returncode == 0
    root = tmp_path / "host"
    root.mkdir()
    (root / "news").symlink_to(basic_site / "output")
    with serve(root) as origin, chromium(tmp_path) as browser:
        browser.get(f"{origin}/news/search/")
        box = browser.find_element(By.ID, "search-query")
        box.send_keys("Pashinyan")
        browser.find_element(By.CSS_SELECTOR, ".search-form button").click()
        WebDriverWait(browser, 15).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".search-result"))
        results = browser.find_elements(By.CSS_SELECTOR, ".search-result")
        assert len(results) == 1
        link = results[0].find_element(By.CSS_SELECTOR, "h2 a")
        assert link.text == "Tensions escalate between Armenia and Russia over Nagorno-Karabakh conflict"
        assert link.get_attribute("href") == (
            f"{origin}/news/2023/09/27/tensions-escalate-between-armenia-and-russia/")
        assert "Nhk · 27 Sep 2023" in results[0].text
        # The excerpt is the article's own text: no fact line ("PublishedWednesday…"), no title.
        excerpt = results[0].find_element(By.CSS_SELECTOR, ".entry-summary")
        assert excerpt.text == (
            "…on September 19, resulting in a truce. Armenia's Prime Minister Pashinyan "
            "criticized Russia for peacekeeping troops' role, which Russia deemed… Relations "
            "between Armenia and its ally Russia are believed to…")
        assert [m.text for m in excerpt.find_elements(By.TAG_NAME, "mark")] == ["Pashinyan"]
        assert browser.find_element(By.CSS_SELECTOR, ".search-status").text == "1 article found."
        assert browser.current_url.endswith("/news/search/?q=Pashinyan")


def _article_pages(site) -> dict[str, bytes]:
    """The article pages of a built site, by output path: what a build gives Pagefind."""
    out = site / "output"
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.glob("2023/*/*/*/index.html"))}


def _decoded(bundle: dict[str, bytes], suffix: str) -> list:
    return [search._uncbor(gzip.decompress(data), len(search._HEADER))[0]
            for name, data in sorted(bundle.items()) if name.endswith(suffix)]


@pytest.fixture(scope="module")
def article_pages(tmp_path_factory) -> dict[str, bytes]:
    site = copy_site("basic", tmp_path_factory.mktemp("pages"))
    result = run_digest("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    return _article_pages(site)


def test_search_reads_the_article_text_only(article_pages):
    """The title (searched as Pagefind's title metadata), the fact line, the details, tags,
    lists and navigation are data-pagefind-ignore: what Pagefind keeps as a page's text, and
    takes excerpts from, is the summary and the body. Filters and metadata inside the ignored
    parts are still read."""
    bundle = search.build_index(article_pages)
    fragments = {}
    for name, data in bundle.items():
        if name.endswith(".pf_fragment"):
            fragment = json.loads(gzip.decompress(data)[len(search._HEADER):])
            fragments[fragment["url"]] = fragment
    strike = fragments["/2023/09/20/harbour-strike/"]
    assert strike["content"] == ("Dockers return after nine days… The strike at the harbour "
                                 "ended on Wednesday. Second paragraph with a link and text.")
    assert strike["meta"] == {"title": "Harbour strike ends <quickly>", "source": "World Desk",
                              "date": "20 Sep 2023"}
    assert strike["filters"] == {"source": ["World Desk"], "tag": ["Economy", "transport"]}
    seed = fragments["/2023/09/27/tensions-escalate-between-armenia-and-russia/"]
    assert seed["content"].startswith("Azerbaijan launched military operations in the ethnic "
                                      "Armenian region on September 19, resulting in a truce.")
    assert seed["content"].endswith("next month mediated by the European Union.")
    assert seed["meta"]["title"] == ("Tensions escalate between Armenia and Russia over "
                                     "Nagorno-Karabakh conflict")


def test_the_same_pages_give_the_same_bundle_in_any_order(article_pages):
    first = search.build_index(article_pages)
    again = search.build_index(dict(reversed(article_pages.items())))
    assert first == again
    entry = json.loads(first["pagefind/pagefind-entry.json"])
    meta = _decoded(first, ".pf_meta")[0]
    assert f"pagefind/pagefind.{entry['languages']['en']['hash']}.pf_meta" in first
    # Pages are numbered in path order, whatever order the file system would list them in.
    assert meta[4] == [["date", [0, 1, 2, 3]]]
    assert [name for name, _ in meta[3]] == ["source", "tag"]
    for name, short in meta[3]:
        assert f"pagefind/filter/{short}.pf_filter" in first
    filters = {f[0]: f[1] for f in _decoded(first, ".pf_filter")}
    assert filters["tag"] == [["Economy", [0]], ["engineering", [2]], ["transport", [0, 2]]]
    assert filters["source"] == [["Misc", [1]], ["Nhk", [3]], ["World Desk", [0, 2]]]


def test_files_are_named_by_pagefinds_own_hash(article_pages):
    """Pagefind's names, recomputed from its files' content, are the names it gave them: the
    names Digest gives the sorted files are the ones Pagefind would."""
    raw = search.run_service(article_pages)
    checked = 0
    for name, data in raw.items():
        if name.endswith((".pf_filter", ".pf_meta")):
            content = gzip.decompress(data)[len(search._HEADER):]
            digest = search._pagefind_hash(content)
            short = digest[:7] if name.endswith(".pf_filter") else digest[:10]
            assert name.endswith(f"en_{short}{Path(name).suffix}"), name
            checked += 1
    assert checked == 3  # two filters and the metadata


def test_shuffled_filters_come_out_sorted(article_pages):
    """What a HashMap order gives, made here on purpose: every list the canonical form sorts is
    reversed, the files renamed and relinked as Pagefind would; the result is the same bundle."""
    raw = search.run_service(article_pages)
    canonical = search.canonical_bundle(raw)
    shuffled = dict(raw)
    entry = json.loads(shuffled["pagefind-entry.json"])
    meta_name = f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    meta = search._index_file(shuffled, meta_name)
    relinked = []
    for name, old in reversed(meta[3]):
        index = search._index_file(shuffled, f"filter/{old}.pf_filter")
        index[1].reverse()
        data = search._cbor(index)
        new = "en_" + search._pagefind_hash(data)[:7]
        shuffled[f"filter/{new}.pf_filter"] = search._gzip(data)
        relinked.append([name, new])
    meta[3] = relinked
    data = search._cbor(meta)
    entry["languages"]["en"]["hash"] = "en_" + search._pagefind_hash(data)[:10]
    shuffled[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"] = search._gzip(data)
    shuffled["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False,
                                                 separators=(",", ":")).encode()
    assert shuffled != raw
    assert search.canonical_bundle(shuffled) == canonical


def test_a_bundle_digest_cannot_read_is_an_error(article_pages):
    raw = search.run_service(article_pages)
    entry = json.loads(raw["pagefind-entry.json"])
    meta_name = f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    broken = dict(raw, **{meta_name: gzip.compress(search._HEADER + b"\xa1\x01\x02")})  # a map
    with pytest.raises(BuildFailed, match=f"wrote {re.escape(meta_name)} in a form Digest does "
                                          "not know"):
        search.canonical_bundle(broken)
    with pytest.raises(BuildFailed, match="pagefind-entry.json"):
        search.canonical_bundle(dict(raw, **{"pagefind-entry.json": b'{"languages": {}}'}))


def test_filters_work_in_the_browser_after_sorting(basic_site, tmp_path):
    """The rewritten filter and metadata files load in Pagefind's own search: filter counts,
    a filter alone and a query with a filter give what the pages say."""
    need_browser()
    assert run_digest("build", cwd=basic_site).returncode == 0
    with serve(basic_site / "output") as origin, chromium(tmp_path) as browser:
        browser.get(f"{origin}/search/")
        browser.set_script_timeout(20)
        found = browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const form = document.querySelector(".search-form");
            import(form.dataset.pagefind).then(async (pagefind) => {
              await pagefind.options({ baseUrl: form.dataset.base });
              const urls = async (search) =>
                (await Promise.all(search.results.map((r) => r.data()))).map((d) => d.url).sort();
              done({
                filters: await pagefind.filters(),
                transport: await urls(await pagefind.search(null, { filters: { tag: "transport" } })),
                strike: await urls(await pagefind.search("strike",
                                                         { filters: { source: "World Desk" } })),
                nhk: await urls(await pagefind.search(null, { filters: { source: "Nhk" } })),
              });
            }).catch((error) => done({ error: String(error) }));
        """)
    assert "error" not in found, found
    assert found["filters"] == {"source": {"World Desk": 2, "Misc": 1, "Nhk": 1},
                                "tag": {"Economy": 1, "engineering": 1, "transport": 2}}
    assert found["transport"] == ["/2023/09/20/harbour-strike/", "/2023/09/22/rail-tunnel/"]
    assert found["strike"] == ["/2023/09/20/harbour-strike/"]
    assert found["nhk"] == [
        "/2023/09/27/tensions-escalate-between-armenia-and-russia/"]
