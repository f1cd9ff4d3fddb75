"""`digest serve` in a real browser (Debian's Chromium through Selenium): an open page shows
an edit by itself within two seconds, and a broken edit shows the error overlay."""

from __future__ import annotations

import time

from browser import chromium, need_browser
from conftest import copy_site
from running import Running, poll

SOURCE = "content/world/2023-09-20-harbour-strike.md"


def test_an_open_page_reloads_itself_after_an_edit(tmp_path):
    need_browser()
    site = copy_site("basic", tmp_path)
    source = site / SOURCE
    original = source.read_text()
    with Running("serve", "--port", "0", "--jobs", "1", cwd=site) as server, \
            chromium(tmp_path) as driver:
        _, port = server.url()
        driver.get(f"http://127.0.0.1:{port}/2023/09/20/harbour-strike/")
        assert "The strike at the harbour ended" in driver.find_element("tag name", "main").text
        # No need to wait for the page to listen: it compares build numbers when it connects.
        driver.execute_script("window.digestTestMark = 1")

        saved = time.monotonic()
        source.write_text(original.replace("ended on", "was settled on"))
        poll(lambda: "was settled on" in _main_text(driver), timeout=2, every=0.02,
             message="the page to show the edit within 2 s")
        print(f"save to reload in the browser: {time.monotonic() - saved:.2f} s")
        assert driver.execute_script("return window.digestTestMark") is None, "it reloaded"

        source.write_text(original.replace("author: Jane Doe", "author: Jane Doe\nstatus: sometimes"))
        overlay = poll(lambda: driver.find_elements("id", "digest-build-errors"), timeout=5,
                       message="the error overlay")
        assert f"{SOURCE}:8: status: expected draft or published" in overlay[0].text
        source.write_text(original)
        poll(lambda: not driver.find_elements("id", "digest-build-errors")
             and "ended on" in _main_text(driver), timeout=5, message="the overlay to go")
        assert server.stop() == 0


def _main_text(driver) -> str:
    from selenium.common.exceptions import WebDriverException

    try:
        return driver.find_element("tag name", "main").text
    except WebDriverException:  # the page is between two loads
        return ""
