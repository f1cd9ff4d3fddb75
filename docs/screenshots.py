#!/usr/bin/env python3
"""Screenshots of the sample site, for the README: home, an article, a source, /stats/ and
search results, at a phone's and a desktop's width, in the light and the dark scheme.

    .venv/bin/python docs/screenshots.py      # writes docs/screenshots/*.png

It builds this repository's sample site into a temporary folder, serves it on 127.0.0.1 and
drives Debian's headless Chromium (packages chromium and chromium-driver) with Selenium.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
PAGES = {
    "home": "/",
    "article": "/2023/09/27/tensions-escalate-between-armenia-and-russia/",
    "source": "/category/meridian/",
    "stats": "/stats/",
    "search": "/search/?q=Armenia",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def build(site: Path) -> Path:
    for name in ("config.yaml", "content", "templates"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, site / name)
    digest = Path(sys.executable).parent / "digest"
    subprocess.run([str(digest), "build", "--quiet"], cwd=site, check=True)
    return site / "output"


def main() -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="digest-shots-") as temp:
        output = build(Path(temp))
        options = Options()
        for flag in FLAGS + [f"--user-data-dir={Path(temp) / 'profile'}"]:
            options.add_argument(flag)
        options.binary_location = CHROMIUM
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        try:
            with served(output) as origin:
                for scheme in ("light", "dark"):
                    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                        "features": [{"name": "prefers-color-scheme", "value": scheme}]})
                    for width_name, (width, height) in WIDTHS.items():
                        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                            "width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": width_name == "phone"})
                        for page, path in PAGES.items():
                            driver.get(origin + path)
                            time.sleep(1.5 if page == "search" else 0.3)  # Pagefind answers
                            target = OUT / f"{page}-{width_name}-{scheme}.png"
                            driver.save_screenshot(str(target))
                            print(target.relative_to(ROOT))
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
