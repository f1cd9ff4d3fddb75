"""/stats/: the numbers (generator/stats.py), the charts (generator/charts.py) and the page.

The numbers are checked against tests/sites/stats, whose every count was worked out by hand
(its config.yaml says what each article is there for); the page against a real `digest build`
of it.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import copy_site, run_digest, tree, tree_differences
from test_site import CFG, URLS, art

from generator.builder import Builder
from generator.charts import nice_scale, period_label, stats_charts, tick_labels
from generator.config import load_config
from generator.errors import BuildFailed
from generator.pages import plan_pages
from generator.related import RelatedConfig, find_related
from generator.site import Site
from generator.stats import (
    MAX_PERIODS,
    Period,
    ReadTotal,
    SourceTotal,
    Streak,
    TagTotal,
    count_periods,
    read_ranking,
    site_stats,
    streaks,
)

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<b>&amp;"  # a tag, and the start of a source's name, in the fixture


def fixture_site(tmp_path: Path) -> Site:
    site_dir = copy_site("stats", tmp_path)
    with Builder(load_config(site_dir / "config.yaml"), use_cache=False) as builder:
        site, read = builder.load()
    assert not read.errors and not read.warnings
    return site


# The numbers.

def test_the_fixture_site_counts_as_worked_out_by_hand(tmp_path):
    stats = site_stats(fixture_site(tmp_path))
    assert (stats.articles, stats.words, stats.minutes) == (11, 1311, 14)  # the draft left out
    assert (stats.first_day, stats.last_day) == (date(2024, 1, 1), date(2024, 1, 23))
    assert stats.unit == "week"
    # Weeks start on Monday; the week of 8 January has only the draft; Sunday 21 January
    # belongs to the week of the 15th; 2024-01-23T00:30+02:00 is 22 January in UTC.
    assert stats.periods == (
        Period(date(2024, 1, 1), 3, 400, 4),
        Period(date(2024, 1, 8), 0, 0, 0),
        Period(date(2024, 1, 15), 5, 831, 7),
        Period(date(2024, 1, 22), 3, 80, 3),
    )
    assert stats.sources == (
        SourceTotal("alpha", "Alpha Daily", 5, 961),
        SourceTotal("beta", "Beta Wire", 4, 260),
        SourceTotal("evil", "<b>&amp; Co", 2, 90),
    )
    # Ties at 5 reads: the one read last first; at 1: e.g. no last_read comes last. A read
    # count of 0 is not a read.
    assert stats.most_read == (ReadTotal("evil/e1", 5), ReadTotal("beta/b1", 5),
                               ReadTotal("alpha/a1", 3), ReadTotal("alpha/a5", 1),
                               ReadTotal("beta/b3", 1))
    assert stats.read_counted == 5
    assert stats.tags == (TagTotal("news", "news", 3), TagTotal("python", "python", 3),
                          TagTotal("b-amp", EVIL, 2))
    assert stats.tag_count == 3
    assert stats.reading_days == 10
    assert stats.longest == Streak(4, date(2024, 1, 15), date(2024, 1, 18))
    # As of the newest article's day, however long ago that is.
    assert stats.current == Streak(3, date(2024, 1, 21), date(2024, 1, 23))


def test_lists_are_cut_to_their_length(tmp_path):
    stats = site_stats(fixture_site(tmp_path), most_read=2, top_tags=1)
    assert [r.id for r in stats.most_read] == ["evil/e1", "beta/b1"]
    assert stats.read_counted == 5 and stats.tag_count == 3
    assert [t.slug for t in stats.tags] == ["news"]


def test_an_empty_site_has_no_numbers():
    stats = site_stats(Site.from_articles([], CFG, URLS))
    assert (stats.articles, stats.periods, stats.sources, stats.most_read, stats.tags) == (
        0, (), (), (), ())
    assert stats.longest == stats.current == Streak() and stats.first_day is None
    assert stats_charts(stats) == {}


def test_streaks():
    d = date
    assert streaks([]) == (Streak(), Streak())
    assert streaks([d(2024, 3, 1)]) == (Streak(1, d(2024, 3, 1), d(2024, 3, 1)),) * 2
    # Two runs of two: the later one is the longest; across a month's end is still a run.
    days = [d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1), d(2024, 3, 5), d(2024, 3, 6),
            d(2024, 3, 9), d(2024, 3, 10), d(2024, 3, 10)]
    longest, current = streaks(reversed(days))
    assert longest == Streak(3, d(2024, 2, 28), d(2024, 3, 1))
    assert current == Streak(2, d(2024, 3, 9), d(2024, 3, 10))
    longest, _ = streaks([d(2024, 1, 1), d(2024, 1, 2), d(2024, 1, 5), d(2024, 1, 6)])
    assert longest == Streak(2, d(2024, 1, 5), d(2024, 1, 6))


def test_long_spans_are_counted_by_month_then_by_year():
    def on(day: date) -> object:
        return art("x", 1, date=datetime(day.year, day.month, day.day, tzinfo=UTC),
                   word_count=10)

    monday = date(2020, 1, 6)
    last = monday + timedelta(weeks=MAX_PERIODS - 1, days=6)  # the Sunday of the last week
    unit, periods = count_periods([on(monday), on(last)])
    assert unit == "week" and len(periods) == MAX_PERIODS
    unit, periods = count_periods([on(monday), on(last + timedelta(days=1))])
    assert unit == "month" and len(periods) == 60
    unit, periods = count_periods([on(date(2019, 12, 31)), on(date(2024, 12, 31))])
    assert unit == "month" and len(periods) == 61
    assert [p.start for p in periods[:2]] == [date(2019, 12, 1), date(2020, 1, 1)]
    assert periods[-1] == Period(date(2024, 12, 1), 1, 10, 1)
    unit, periods = count_periods([on(date(1990, 6, 1)), on(date(2024, 1, 1))])
    assert unit == "year" and [p.start.year for p in periods] == list(range(1990, 2025))
    assert count_periods([]) == ("week", ())


def test_read_ranking_breaks_ties_by_last_read_then_newest():
    when = datetime(2024, 1, 9, tzinfo=UTC)
    newest_first = [art("d", 9, read_count=2), art("c", 8, read_count=2, last_read=when),
                    art("b", 7, read_count=2), art("a", 6, read_count=7), art("z", 5)]
    assert [r.id for r in read_ranking(newest_first)] == ["a", "c", "d", "b"]


# The charts.

def test_nice_scale_and_labels():
    assert [nice_scale(n) for n in (0, 4, 5, 9, 40, 41, 1234)] == [
        (1, 1), (1, 4), (2, 6), (5, 10), (10, 40), (20, 60), (500, 1500)]
    weeks = [date(2023, 12, 4) + timedelta(weeks=i) for i in range(10)]
    # Five labels at most; the year at the ends and where it changes.
    assert tick_labels(weeks, "week") == {0: "4 Dec 2023", 2: "18 Dec", 4: "1 Jan 2024",
                                          7: "22 Jan", 9: "5 Feb 2024"}
    assert tick_labels(weeks[:3], "week") == {0: "4 Dec 2023", 1: "11 Dec", 2: "18 Dec 2023"}
    assert period_label(date(2024, 2, 1), "month") == "February 2024"
    assert period_label(date(2024, 2, 1), "month", short=True) == "Feb 2024"


def test_a_long_span_is_charted_by_month():
    site = Site.from_articles([
        art("old", 1, date=datetime(2018, 3, 5, tzinfo=UTC), word_count=400, reading_minutes=2),
        art("new", 1, date=datetime(2023, 9, 1, tzinfo=UTC)),
        art("newer", 2, date=datetime(2023, 9, 20, tzinfo=UTC))], CFG, URLS)
    charts = stats_charts(site_stats(site))
    articles = ET.fromstring(str(charts["articles"].svg))
    assert articles.find(f"{SVG}title").text == "Articles per month"
    assert charts["articles"].caption == ("3 articles over 67 months (Mar 2018 to Sep 2023); "
                                          "the most, 2, in September 2023.")
    assert charts["minutes"].caption.endswith("the most, 2 minutes, in March 2018.")
    ticks = [t.text for t in articles.iter(f"{SVG}text") if t.get("y") == "157"]
    assert ticks == ["Mar 2018", "Jul 2019", "Dec 2020", "May 2022", "Sep 2023"]
    assert len(articles.findall(f"{SVG}rect")) == 2  # empty months have no bar


def test_charts_escape_user_text_and_use_no_fixed_colour(tmp_path):
    stats = site_stats(fixture_site(tmp_path))
    charts = stats_charts(stats)
    assert set(charts) == {"articles", "minutes", "sources"}
    for chart in charts.values():
        root = ET.fromstring(str(chart.svg))
        assert not re.search(r"#[0-9a-fA-F]{3}|rgb\(|hsl\(", str(chart.svg))
        assert root.get("fill") == "currentColor"
        assert root.find(f"{SVG}desc").text == chart.caption
    sources = str(charts["sources"].svg)
    assert "&lt;b&gt;&amp;amp; Co" in sources and "<b>" not in sources
    assert ET.fromstring(sources).find(f"{SVG}desc").text.endswith(
        "<b>&amp; Co: 2 articles, 90 words.")
    assert stats_charts(replace(stats, periods=())) == {}


def test_an_article_at_stats_is_an_error():
    cfg = replace(CFG, article_permalink="/{slug}/")
    urls = type(URLS).for_config(cfg)
    site = Site.from_articles([art("stats", 1)], cfg, urls)
    with pytest.raises(BuildFailed) as caught:
        plan_pages(site, find_related(site.articles, RelatedConfig()), cfg, urls)
    assert [str(e) for e in caught.value.errors] == [
        ("content/stats.md: /stats/ is the URL of a page Digest makes (stats.html); change the "
         "slug or the permalink pattern")]


def test_the_page_is_in_the_plan_with_its_numbers_as_inputs():
    site = Site.from_articles([art("a", 1, read_count=2), art("b", 2)], CFG, URLS)
    plan = plan_pages(site, find_related(site.articles, RelatedConfig()), CFG, URLS)
    [page] = [p for p in plan if p.url == "/stats/"]
    assert page.template == "stats.html"
    assert page.inputs.data == (page.context["stats"],)
    assert page.inputs.shows == ("a",)  # the most-read article's title and URL


# The page, built by the real command.

def build(site_dir: Path, *args: str, env: dict[str, str | None] | None = None,
          under: tuple[str, ...] = ()) -> Path:
    result = run_digest("build", *args, cwd=site_dir, env=env, under=under)
    assert result.returncode == 0, result.stderr
    return site_dir / "output"


class _Elements(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(copy_site("stats", tmp_path_factory.mktemp("stats")))


@pytest.fixture(scope="module")
def page(built) -> str:
    return (built / "stats" / "index.html").read_text(encoding="utf-8")


def test_every_svg_is_well_formed_and_named(page):
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert len(svgs) == 3
    for text in svgs:
        root = ET.fromstring(text)  # raises on anything that is not well-formed XML
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert re.fullmatch(r"0 0 \d+ \d+(\.\d)?", root.get("viewBox"))
        assert root.get("width") == "100%"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text and root.get("aria-labelledby") == title.get("id")
        desc = root.find(f"{SVG}desc")
        assert root.get("aria-describedby") == desc.get("id")
        assert re.search(r"\d", desc.text)  # the numbers, in words
    ids = [attrs["id"] for _, attrs in elements(page) if attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_no_script_and_user_text_shows_as_text(page):
    tags = elements(page)
    assert "script" not in {tag for tag, _ in tags}
    assert "b" not in {tag for tag, _ in tags}  # neither the tag nor the source became markup
    assert '<a href="/tag/b-amp/">&lt;b&gt;&amp;amp;</a>' in page
    assert '<a href="/category/evil/">&lt;b&gt;&amp;amp; Co</a>' in page
    assert "&lt;b&gt;&amp;amp; Co: 2 articles, 90 words." in page  # inside the sources chart


def test_the_page_shows_the_numbers(page):
    def rows(heading: str) -> list[list[str]]:
        table = page.split(f'id="{heading}"', 1)[1].split("</table>", 1)[0]
        return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
                for row in re.findall(r"<tr>(.*?)</tr>", table)][1:]

    assert rows("by-period") == [["1 Jan 2024", "3", "400", "4"], ["8 Jan 2024", "0", "0", "0"],
                                 ["15 Jan 2024", "5", "831", "7"], ["22 Jan 2024", "3", "80", "3"]]
    assert [r[1:] for r in rows("by-source")] == [["5", "961"], ["4", "260"], ["2", "90"]]
    most_read = page.split('id="most-read"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<a href="([^"]+)">Article (\w+)</a>', most_read) == [
        ("/2024/01/16/e1/", "E1"), ("/2024/01/03/b1/", "B1"), ("/2024/01/01/a1/", "A1"),
        ("/2024/01/23/a5/", "A5"), ("/2024/01/21/b3/", "B3")]
    assert "5 of 11 articles have a read count." in most_read
    tags = page.split('id="top-tags"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<a href="(/tag/[^"]+)">', tags) == ["/tag/news/", "/tag/python/",
                                                            "/tag/b-amp/"]
    assert "<dt>Longest streak</dt><dd>4 days " in page
    assert "15 Jan 2024 to 18 Jan 2024" in page
    assert "<dt>Current streak</dt><dd>3 days " in page and "21 Jan 2024 to 23 Jan 2024" in page
    assert "11 articles over 4 weeks (1 Jan 2024 to 22 Jan 2024); the most, 5, in the week " \
           "of 15 Jan 2024." in page


def test_every_page_links_to_stats_and_the_sitemap_lists_it(built, page):
    assert '<a href="/stats/" aria-current="page">Stats</a>' in page
    home = (built / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="/stats/">Stats</a></li>' in home
    assert "<loc>https://stats.example/stats/</loc>" in (built / "sitemap.xml").read_text()


def test_without_read_counts_the_page_says_so(tmp_path):
    site_dir = copy_site("stats", tmp_path)
    for path in (site_dir / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^(read_count|last_read):.*\n", "", text), encoding="utf-8")
    html = (build(site_dir) / "stats" / "index.html").read_text(encoding="utf-8")
    assert "No article has a read count" in html
    assert "have a read count" not in html


def test_an_edit_renders_the_page_again_when_its_numbers_or_titles_change(tmp_path):
    site_dir = copy_site("stats", tmp_path)
    build(site_dir)
    b3 = site_dir / "content" / "beta" / "b3.md"
    b3.write_text(b3.read_text().replace("read_count: 1", "read_count: 9"))
    html = (build(site_dir) / "stats" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r">Article (\w+)</a>", html)[0] == "B3"
    b1 = site_dir / "content" / "beta" / "b1.md"
    b1.write_text(b1.read_text().replace("Article B1", "Renamed B1"))
    html = (build(site_dir) / "stats" / "index.html").read_text(encoding="utf-8")
    assert ">Renamed B1</a>" in html
    # A body-only edit of an article the page does not link changes only its numbers.
    a4 = site_dir / "content" / "alpha" / "a4.md"
    a4.write_text(a4.read_text() + "more words\n")
    html = (build(site_dir) / "stats" / "index.html").read_text(encoding="utf-8")
    assert "<dt>Words</dt><dd>1,313</dd>" in html


def test_two_builds_give_the_same_bytes(tmp_path, built):
    # Another folder, hash seed and time zone, no cache, and (with libfaketime) another year.
    clock = ("faketime", "2031-02-03 04:05:06") if shutil.which("faketime") else ()
    again = build(copy_site("stats", tmp_path), "--no-cache", under=clock,
                  env={"PYTHONHASHSEED": "12345", "TZ": "Pacific/Kiritimati",
                       "SOURCE_DATE_EPOCH": None})
    first, second = tree(built), tree(again)
    assert first["stats/index.html"] == second["stats/index.html"]
    assert not tree_differences(second, first, "the first build", "the second")
