"""Reading statistics for /stats/: what the digest holds, counted from the Site's articles.

Every function here is pure: the same articles give the same numbers, and nothing reads the
clock. The "current" streak is the one that reaches the newest article's day, so a site built
a year later shows the same page.

A **reading day** is a day (in the site's time zone) with at least one article dated on it:
exactly the days that have a page in the day archive. `last_read` is not used for it: only some
articles carry it (tracker exports), it records only the last of several reads, and mixing the
two dates would make a day count for one article by its date and for another by its reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .model import Article
from .site import Site

# At most this many bars in a chart over time: five years of weeks. A longer span is counted by
# month (and past 260 months, by year), so that no bar is narrower than a pixel on a phone.
MAX_PERIODS = 260
MOST_READ = 10
TOP_TAGS = 15
UNITS = ("week", "month", "year")


@dataclass(frozen=True, slots=True)
class Period:
    """One bar of a chart over time: a week (from its Monday), a month or a year."""

    start: date
    articles: int = 0
    words: int = 0
    minutes: int = 0  # the sum of the articles' reading times, as their pages show them


@dataclass(frozen=True, slots=True)
class SourceTotal:
    id: str  # the category's id
    name: str
    articles: int
    words: int


@dataclass(frozen=True, slots=True)
class ReadTotal:
    id: str  # the article's id: the page shows it through the Site, so it follows its edits
    reads: int


@dataclass(frozen=True, slots=True)
class TagTotal:
    slug: str
    name: str
    articles: int


@dataclass(frozen=True, slots=True)
class Streak:
    """A run of reading days in a row, first and last day included."""

    days: int = 0
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything /stats/ shows, as plain values: the page is rendered again exactly when
    this changes (it is the page's `Inputs.data`)."""

    articles: int
    words: int
    minutes: int
    reading_days: int
    first_day: date | None
    last_day: date | None
    unit: str  # what each of `periods` spans: "week", "month" or "year"
    periods: tuple[Period, ...]  # oldest first, every period of the span, empty ones included
    sources: tuple[SourceTotal, ...]  # most articles first
    read_counted: int  # articles with a read count of 1 or more
    most_read: tuple[ReadTotal, ...]
    tag_count: int  # distinct tags on the site
    tags: tuple[TagTotal, ...]  # the most common, most articles first
    longest: Streak
    current: Streak


def site_stats(site: Site, most_read: int = MOST_READ, top_tags: int = TOP_TAGS) -> Stats:
    """The statistics of a site (its articles are newest first)."""
    articles = site.articles
    days = sorted(site.by_day)
    unit, periods = count_periods(articles)
    read = read_ranking(articles)
    longest, current = streaks(days)
    return Stats(
        articles=len(articles),
        words=sum(a.word_count for a in articles),
        minutes=sum(a.reading_minutes for a in articles),
        reading_days=len(days),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
        unit=unit,
        periods=periods,
        sources=source_totals(site),
        read_counted=len(read),
        most_read=read[:most_read],
        tag_count=len(site.tags),
        tags=tag_totals(site)[:top_tags],
        longest=longest,
        current=current,
    )


def period_start(day: date, unit: str) -> date:
    """The first day of the week (Monday, as ISO 8601 has it), month or year of a day."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_period(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def span_unit(first: date, last: date) -> str:
    """The finest unit that counts the span from `first` to `last` in MAX_PERIODS bars."""
    weeks = (period_start(last, "week") - period_start(first, "week")).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if weeks <= MAX_PERIODS:
        return "week"
    return "month" if months <= MAX_PERIODS else "year"


def count_periods(articles: Iterable[Article]) -> tuple[str, tuple[Period, ...]]:
    """Articles, words and reading minutes per period, from the oldest article's period to the
    newest's, periods without articles included (a gap in reading is part of the record)."""
    articles = list(articles)
    if not articles:
        return "week", ()
    days = [a.day for a in articles]
    unit = span_unit(min(days), max(days))
    totals: dict[date, list[int]] = {}
    for article in articles:
        total = totals.setdefault(period_start(article.day, unit), [0, 0, 0])
        total[0] += 1
        total[1] += article.word_count
        total[2] += article.reading_minutes
    periods = []
    start, end = period_start(min(days), unit), period_start(max(days), unit)
    while start <= end:
        periods.append(Period(start, *totals.get(start, (0, 0, 0))))
        start = next_period(start, unit)
    return unit, tuple(periods)


def source_totals(site: Site) -> tuple[SourceTotal, ...]:
    """Articles and words per source, most articles first; ties keep the Sources page's order
    (by name)."""
    totals = [SourceTotal(c.id, c.name, len(site.by_category[c.id]),
                          sum(a.word_count for a in site.by_category[c.id]))
              for c in site.categories]
    return tuple(sorted(totals, key=lambda s: -s.articles))


def read_ranking(articles: Iterable[Article]) -> tuple[ReadTotal, ...]:
    """Every article with a read count of 1 or more, most reads first. Ties go to the one read
    last (an article without `last_read` after those with one), then to the newer article."""
    ranked = [a for a in articles if a.read_count]  # newest first, as the Site orders them
    ranked.sort(key=lambda a: a.last_read.timestamp() if a.last_read else float("-inf"),
                reverse=True)  # stable: equal keys keep the newest-first order
    ranked.sort(key=lambda a: a.read_count or 0, reverse=True)
    return tuple(ReadTotal(a.id, a.read_count or 0) for a in ranked)


def tag_totals(site: Site) -> tuple[TagTotal, ...]:
    """Every tag with its article count, most articles first; ties by name, as on /tag/."""
    totals = [TagTotal(t.slug, t.name, len(site.by_tag[t.slug])) for t in site.tags]
    return tuple(sorted(totals, key=lambda t: -t.articles))


def streaks(days: Iterable[date]) -> tuple[Streak, Streak]:
    """The longest run of consecutive reading days (the latest of equally long runs), and the
    current one: the run that ends on the last reading day."""
    runs: list[Streak] = []
    for day in sorted(set(days)):
        if runs and runs[-1].last == day - timedelta(days=1):
            runs[-1] = Streak(runs[-1].days + 1, runs[-1].first, day)
        else:
            runs.append(Streak(1, day, day))
    if not runs:
        return Streak(), Streak()
    # max() keeps the first of equals: from the newest run back, that is the latest.
    return max(reversed(runs), key=lambda run: run.days), runs[-1]
