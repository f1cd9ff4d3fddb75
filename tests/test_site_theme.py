"""The default theme (templates/) as a reader meets it: article pages, lists, the stylesheet's
budgets, colours and print rules, and, in Chromium, the layout on a phone and a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import chromium, need_browser, serve
from conftest import REPO, copy_site, run_digest

STYLE = REPO / "templates" / "static" / "style.css"
SEED = "2023/09/27/tensions-escalate-between-armenia-and-russia/"
STRIKE = "2023/09/20/strike-ends/"
WIDE = "2023/09/23/port-figures/"

WIDE_ARTICLE = """---
title: Port figures for the week
date: 2023-09-23T09:00:00+01:00
summary: Figures from the harbour authority, and the command that fetched them.
---
The harbour authority published its weekly figures on Saturday.

![A container ship at the quay](/static/favicon.svg)

| Terminal | Monday | Tuesday | Wednesday | Thursday | Friday | Saturday | Sunday | Week total | Change |
|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|
| North quay | 1,204 | 1,310 | 1,295 | 1,402 | 1,388 | 902 | 640 | 8,141 | +12.4% |

```
curl --silent --show-error --fail "https://harbour.example/api/v2/statistics/weekly?terminal=all&format=json"
```

A word that does not fit: Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung.
"""


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


@pytest.fixture(scope="module")
def stories(tmp_path_factory) -> Path:
    """The stories fixture with a listed title that is also a story mate, one that matches
    nothing, and computed story mates allowed: every way a similar item could repeat."""
    site = copy_site("stories", tmp_path_factory.mktemp("theme"))
    strike = site / "content/harbor-times/strike-ends.md"
    strike.write_text(strike.read_text().replace(
        "similar: [Rail tunnel opens under the strait]",
        "similar: [Harlow dockers return after union accepts terminal pay offer, "
        "Rail tunnel opens under the strait, Ferry fares rise on the strait crossing]"))
    config = site / "config.yaml"
    config.write_text(config.read_text() + "  list_story_mates: true\n")
    result = run_digest("build", cwd=site)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def basic(tmp_path_factory) -> Path:
    """The basic fixture with an article of an image, a wide table and long code."""
    site = copy_site("basic", tmp_path_factory.mktemp("theme"))
    (site / "content/world/port-figures.md").write_text(WIDE_ARTICLE)
    result = run_digest("build", cwd=site)
    assert result.returncode == 0, result.stderr
    return site


def test_similar_readings_never_repeat_also_covered(stories):
    related = run_digest("related", "content/harbor-times/strike-ends.md", cwd=stories).stdout
    assert "1. Harlow dockers return after union accepts terminal pay offer" in related  # listed

    page = (stories / "output" / STRIKE / "index.html").read_text()
    also = re.findall(r'<a href="([^"]+)">', _section(page, "also-heading"))
    similar = re.findall(r'<a href="([^"]+)">', _section(page, "similar-heading"))
    assert also == ["/2023/09/21/harlow-dockers-back/"]
    assert similar == ["/2023/09/22/tunnel/"]


def test_unmatched_similar_titles_are_marked_and_not_links(stories):
    similar = _section((stories / "output" / STRIKE / "index.html").read_text(), "similar-heading")
    assert ('<li class="offsite"><span class="offsite-title">Ferry fares rise on the strait '
            'crossing</span> <span class="source-name">not in this digest</span></li>') in similar
    assert similar.count("<li") == 2
    css = STYLE.read_text()
    assert ".offsite-title { color: var(--muted); }" in css  # not the colour of links


def test_an_article_page_reads_title_facts_summary_text(basic):
    page = (basic / "output" / SEED / "index.html").read_text()
    header = page.split('<header class="article-header">')[1].split("</header>")[0]
    facts = header.split('<p class="facts" data-pagefind-ignore>')[1].split("</p>")[0]
    shown = [re.sub(r"<[^>]+>", "", fact)
             for fact in re.findall(r'<span class="fact">(.*?)</span>\n', facts)]
    assert shown == ["Wed 27 Sep 2023, 07:30", "Nhk", "2 min read", "read once"]
    assert 'data-pagefind-filter="source" data-pagefind-meta="source">Nhk</a>' in facts
    assert '<span hidden data-pagefind-meta="date">27 Sep 2023</span>' in facts
    # The summary goes on after the title, which is its first sentence; then the text.
    assert re.search(r'</header>\s*<p class="standfirst">Azerbaijan launched military '
                     r'operations .*</p>\s*<div class="body">\s*<p>Relations between', page)
    footer = page.split('<footer class="article-footer" data-pagefind-ignore>')[1] \
        .split("</footer>")[0]
    assert footer.index('class="source-link"') < footer.index('<dl class="details">')
    assert "<div><dt>Updated</dt><dd><time datetime=\"2025-12-08T23:14:00+00:00\">8 Dec 2025, " \
           "23:14</time></dd></div>" in footer
    assert "<div><dt>Last read</dt><dd><time datetime=\"2023-09-27T10:42:00+01:00\">27 Sep 2023, " \
           "10:42</time></dd></div>" in footer
    for part in ('<section class="similar"', '<nav class="neighbours"'):
        assert re.search(part + r'[^>]*data-pagefind-ignore>', page), part
    assert page.count("<script") == 1  # the JSON-LD: no JavaScript for reading


def test_a_summary_taken_from_the_text_is_not_shown_twice(basic):
    loose = (basic / "output/2023/09/21/loose/index.html").read_text()
    assert "standfirst" not in loose
    main = loose.split('<main id="main" class="wrap">')[1].split("</main>")[0]
    assert main.count("Nothing much happened, and that is the news.") == 1


def test_the_home_page_has_one_h1_that_does_not_repeat_the_masthead(basic):
    home = (basic / "output/index.html").read_text()
    assert re.findall(r"<h1[^>]*>.*?</h1>", home) == \
        ['<h1 class="visually-hidden">Fixture Digest</h1>']
    second = (basic / "output/page/2/index.html").read_text()
    assert re.findall(r"<h1[^>]*>.*?</h1>", second) == [
        '<h1 class="page-title"><span class="visually-hidden">Fixture Digest: </span>'
        "Page 2 of 3</h1>"]


def test_images_in_articles_load_lazily(basic):
    page = (basic / "output" / WIDE / "index.html").read_text()
    assert '<img alt="A container ship at the quay" src="/static/favicon.svg" loading="lazy" ' \
           'decoding="async">' in page


def test_one_small_stylesheet_and_no_web_fonts():
    css = STYLE.read_text()
    assert len(css.encode()) < 20_000
    assert "@import" not in css and "@font-face" not in css
    assert not re.search(r"url\(", css)
    assert sorted(p.name for p in STYLE.parent.iterdir()) == ["favicon.svg", "search.js",
                                                               "style.css"]
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        assert "fonts.googleapis" not in text and 'as="font"' not in text, template
        assert text.count('rel="stylesheet"') == (1 if template.name == "base.html" else 0)


def _print_rules(css: str) -> str:
    start = css.index("@media print {")
    depth, i = 0, css.index("{", start)
    for i in range(i, len(css)):
        depth += {"{": 1, "}": -1}.get(css[i], 0)
        if depth == 0:
            break
    return css[start:i]


def test_print_shows_the_article_and_the_address_of_the_original():
    rules = _print_rules(STYLE.read_text())
    hidden = re.search(r"\n  ([^{}]+) \{ display: none; \}", rules)[1].split(", ")
    for part in (".masthead nav", ".site-footer", ".pager", ".neighbours", ".similar",
                 ".also-covered", ".details .tag-row", ".skip"):
        assert part in hidden, part
    assert 'a.source-link::after { content: " (" attr(href) ")";' in rules
    assert ".body pre { white-space: pre-wrap; overflow: visible; }" in rules


def _scheme(css: str, dark: bool) -> dict[str, str]:
    """The colours of one scheme: the first :root block, or the one in the dark media query."""
    block = css.split("@media (prefers-color-scheme: dark)")[1 if dark else 0].split("}")[0]
    return dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{3,6});", block))


def _luminance(colour: str) -> float:
    hex6 = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
    channels = [int(hex6[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_both_schemes_give_text_seven_to_one(dark):
    css = STYLE.read_text()
    assert "color-scheme: light dark;" in css
    colours = _scheme(css, dark)
    assert len(colours) == 11, colours
    for text in ("ink", "muted", "accent", "accent-strong"):
        for ground in ("paper", "surface", "tint"):
            assert contrast(colours[text], colours[ground]) >= 7, (text, ground)
    assert contrast(colours["paper"], colours["accent"]) >= 7  # the search button
    assert contrast(colours["paper"], colours["accent-strong"]) >= 7
    assert contrast(colours["ink"], colours["mark"]) >= 7
    for ground in ("paper", "surface"):  # borders of fields and the focus ring: 3:1
        assert contrast(colours["field"], colours[ground]) >= 3
        assert contrast(colours["focus"], colours[ground]) >= 3


SPACING = ("*{line-height:1.5!important;letter-spacing:.12em!important;"
           "word-spacing:.16em!important}p{margin-bottom:2em!important}")
LAYOUT = """
const box = (s) => { const e = document.querySelector(s); if (!e) return null;
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const clipped = [...document.querySelectorAll("body *")].filter((e) => {
  const s = getComputedStyle(e);
  return [s.overflowX, s.overflowY].some((o) => o === "hidden" || o === "clip")
    && !e.classList.contains("visually-hidden")
    && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1); });
return {page: document.scrollingElement.scrollWidth, view: document.documentElement.clientWidth,
        height: innerHeight,
        first: box(".body p"), older: box(".neighbours .older"), newer: box(".neighbours .newer"),
        clipped: clipped.map((e) => e.className || e.tagName)};
"""


def test_layout_on_a_phone_and_a_desktop_with_text_spacing(basic, tmp_path):
    """At 390 px the first paragraph is on the first screen; no width scrolls the page sideways
    (wide tables and code scroll in their own box), older is left of newer, and WCAG 1.4.12's
    text spacing clips nothing."""
    need_browser()
    with serve(basic / "output") as origin, chromium(tmp_path) as browser:
        for width, height in ((390, 844), (1280, 800)):
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700})
            for path in (SEED, WIDE, "2023/09/20/harbour-strike/", "", "category/world/",
                         "search/"):
                for spacing in (False, True):
                    browser.get(f"{origin}/{path}")
                    if spacing:
                        browser.execute_script(
                            "const s = document.createElement('style'); s.textContent = "
                            "arguments[0]; document.head.append(s)", SPACING)
                    got = browser.execute_script(LAYOUT)
                    where = (width, path, spacing)
                    assert got["page"] == got["view"] <= width, where
                    assert got["clipped"] == [], where
                    if path == SEED and not spacing:
                        assert got["first"][3] <= height, where  # the first paragraph, whole
                    if got["older"] and got["newer"]:
                        assert got["older"][2] <= got["newer"][0], where
                        assert got["older"][1] == got["newer"][1], where
            # Alone, the newer article's link still sits on the right, the older's on the left.
            browser.get(f"{origin}/2023/09/20/harbour-strike/")
            got = browser.execute_script(LAYOUT)
            assert got["older"] is None and got["newer"][0] > width / 2, width
            browser.get(f"{origin}/{SEED}")
            got = browser.execute_script(LAYOUT)
            assert got["newer"] is None and got["older"][2] < width / 2, width
