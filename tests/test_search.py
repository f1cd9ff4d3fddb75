"""Search: Pagefind indexes the built site, and a query on /search/ in Chromium finds the article."""

from __future__ import annotations

import json

from browser import chromium, need_browser, serve
from conftest import run_digest

from generator import search


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
            f"{origin}/news/2023/09/27/tensions-escalate-between-armenia-and-russia-over-"
            "nagorno-karabakh-conflict/")
        assert "nhk · 27 Sep 2023" in results[0].text
        assert browser.find_element(By.CSS_SELECTOR, ".search-status").text == "1 article found."
        assert browser.current_url.endswith("/news/search/?q=Pashinyan")
