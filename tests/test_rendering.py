"""The render stage's dispatch: the lists of sources, tags and dates rendered by the workers
while related reading runs, the pages it shapes after it, and every error gathered."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import tree
from test_incremental import clean_build_of, edit_article
from test_render_tasks import built_alone

from generator import executors, rendering
from generator.build import build
from generator.builder import Builder
from generator.config import load_config
from generator.errors import BuildFailed, ContentError
from generator.model import Page

TAG_PAGE = "tag/gen-0/index.html"


def staged_tables(site):
    return [p.name for p in (site / ".digest-cache").iterdir() if p.name.startswith("render-")]


def test_lists_render_on_the_workers_while_related_reading_runs(tmp_path, monkeypatch):
    """A tag's list is staged by a worker before related reading ends (it waits for one here),
    and the site is the bytes an in-process build gives."""
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)  # the fixture has a few dozen lists
    staged = site / "output" / ".digest-staging" / TAG_PAGE
    seen = []
    real = Builder._relate

    def relate(self, *args):
        deadline = time.monotonic() + 20
        while not staged.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        seen.append(staged.exists())
        return real(self, *args)

    monkeypatch.setattr(Builder, "_relate", relate)
    (site / "output" / TAG_PAGE).unlink()
    report = build(cfg, jobs=2, use_cache=True)
    assert seen == [True]
    assert report.rendered == report.pages  # a first build with the cache: every page
    assert tree(site / "output") == alone
    assert staged_tables(site) == []


def test_a_live_builder_sends_lists_ahead_on_each_update_and_renders_each_page_once(
        tmp_path, monkeypatch):
    """As `serve` does: one Builder, two updates, the second after a template change that
    renders every page again. Each page is rendered once an update, lists included."""
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    ahead = spy_ahead(monkeypatch)
    gathered = []
    real = rendering.Rendering._gathered
    monkeypatch.setattr(rendering.Rendering, "_gathered",
                        lambda self, *a: gathered.append(real(self, *a)) or gathered[-1])
    with Builder(cfg, jobs=2) as builder:
        reports = [builder.update()]
        base = site / "templates" / "base.html"
        base.write_text(base.read_text().replace("</body>", "<!-- again --></body>", 1))
        reports.append(builder.update())
    assert len(ahead) == 2
    for report, done in zip(reports, gathered):
        paths = [r.path for r in done]
        assert len(paths) == len(set(paths)) == report.rendered == report.pages
    assert {p: b.replace(b"<!-- again --></body>", b"</body>")
            for p, b in tree(site / "output").items()} == alone


def test_edits_with_the_lists_ahead_leave_rows_the_next_edit_can_trust(tmp_path, monkeypatch):
    """Lists sent ahead are planned again after related reading; the pages an update did not
    render keep their rows (a digest of their inputs, builder._remember). After a first build,
    a title edit, a body edit (in one Builder) and another title edit (in a new one) each render
    the few pages they would with no list ahead, and the site is a clean build's."""
    def edited(name: str, least: int) -> tuple[list[int], dict[str, bytes], int]:
        site, cfg, _ = built_alone(tmp_path / name)
        monkeypatch.setattr(rendering, "EARLY_LEAST", least)
        ahead = spy_ahead(monkeypatch)
        source = site / "content/world/rail-tunnel.md"

        def retitled(title):
            source.write_text(re.sub(r"(?m)^Title: .*$", f"Title: {title}", source.read_text()))

        with Builder(cfg, jobs=2) as builder:  # as `serve`: the rows are kept in memory
            rendered = [builder.update().rendered]
            for change in (lambda: retitled("Rail tunnel opens at dawn"),
                           lambda: edit_article(site)):
                change()
                rendered.append(builder.update().rendered)
        retitled("The strait's rail tunnel opens")  # a new process: the rows the store kept
        rendered.append(build(cfg, jobs=2, use_cache=True).rendered)
        assert tree(site / "output") == clean_build_of(site, tmp_path / name)
        return rendered, tree(site / "output"), len(ahead)

    rendered, output, sent = edited("ahead", 1)
    assert sent >= 2  # the first build's lists and the first title edit's went ahead
    assert all(0 < count < rendered[0] / 4 for count in rendered[1:]), rendered
    assert edited("after", 10**9) == (rendered, output, 0)


def test_a_failure_in_related_reading_stops_the_lists_ahead_and_leaves_nothing(
        tmp_path, monkeypatch):
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    ahead = spy_ahead(monkeypatch)

    def relate(self, *args):
        raise KeyError("a bug in related reading")

    monkeypatch.setattr(Builder, "_relate", relate)
    (site / "output" / TAG_PAGE).unlink()
    alone.pop(TAG_PAGE)
    with pytest.raises(BuildFailed, match="a bug in related reading"):
        build(cfg, jobs=2, use_cache=True)
    assert ahead
    assert not any(t.name == "digest-render-ahead" for t in threading.enumerate())
    assert tree(site / "output") == alone  # no staging folder, nothing moved in
    assert staged_tables(site) == []


def test_feeds_are_made_after_related_reading_whether_lists_go_ahead_or_not(
        tmp_path, monkeypatch):
    """Made before related reading, the feeds were held through its peak (and with lists
    ahead, the coordinator's core makes them either way, before or after)."""
    site, cfg, alone = built_alone(tmp_path)
    order = []
    for name in ("_feeds", "_relate"):
        real = getattr(Builder, name)
        monkeypatch.setattr(Builder, name, lambda self, *a, name=name, real=real:
                            order.append(name) or real(self, *a))
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    ahead = spy_ahead(monkeypatch)
    for most, sent in ((50_000, 1), (10, 0)):  # a site this large, reaching this far: none
        monkeypatch.setattr(rendering, "EARLY_MOST_ARTICLES", most)
        monkeypatch.setattr(rendering, "EARLY_MOST_REACH", most)
        (site / "output" / TAG_PAGE).unlink()
        build(cfg, jobs=2, use_cache=True)
        assert tree(site / "output") == alone
        assert len(ahead) == sent
        ahead.clear()
    assert order == ["_relate", "_feeds", "_relate", "_feeds"]


def test_small_and_large_sites_render_their_lists_after_related_reading(tmp_path, monkeypatch):
    """Below EARLY_LEAST pages a pool start is not worth it; above EARLY_MOST_ARTICLES the
    worker would raise the build's peak memory. Either way the lists render with the rest."""
    site, cfg, alone = built_alone(tmp_path)
    started = []
    monkeypatch.setattr(rendering, "_Ahead", lambda *a: started.append(a))
    for least, most in ((10_000, 50_000), (1, 10)):
        monkeypatch.setattr(rendering, "EARLY_LEAST", least)
        monkeypatch.setattr(rendering, "EARLY_MOST_ARTICLES", most)
        monkeypatch.setattr(rendering, "EARLY_MOST_REACH", most)
        (site / "output" / TAG_PAGE).unlink()
        build(cfg, jobs=2, use_cache=True)
        assert tree(site / "output") == alone
    assert started == []


def test_a_large_site_whose_related_reading_reaches_few_articles_renders_its_lists_ahead(
        tmp_path, monkeypatch):
    """Past EARLY_MOST_ARTICLES, what decides is the related index's size: the articles times
    those within each one's horizon. The builder gives the horizon of the site's settings."""
    site, cfg, _ = built_alone(tmp_path)
    # A stories window past the related one: the horizon is the wider of the two.
    wider = cfg.related.window_days + 5
    cfg = replace(cfg, related=replace(cfg.related, stories=True, story_window_days=wider))
    build(cfg, jobs=1, use_cache=False)
    alone = tree(site / "output")
    started = []
    real = rendering._Ahead
    monkeypatch.setattr(rendering, "_Ahead", lambda *a: started.append(1) or real(*a))
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    monkeypatch.setattr(rendering, "EARLY_MOST_ARTICLES", 1)
    horizons = []
    real_fits = rendering.fits_ahead
    monkeypatch.setattr(rendering, "fits_ahead", lambda cards, days:
                        horizons.append(days) or real_fits(cards, days))
    for reach in (10**12, 0):  # more than every article reaching every other; none at all
        monkeypatch.setattr(rendering, "EARLY_MOST_REACH", reach)
        (site / "output" / TAG_PAGE).unlink()
        build(cfg, jobs=2, use_cache=True)
        assert tree(site / "output") == alone
    assert started == [1]
    assert horizons == [wider] * 2 and cfg.related.window_days > 0


def test_what_lists_ahead_may_reach(monkeypatch):
    from types import SimpleNamespace as Card

    monkeypatch.setattr(rendering, "EARLY_MOST_ARTICLES", 100)
    monkeypatch.setattr(rendering, "EARLY_MOST_REACH", 100 * 9)
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def cards(count: int, days_apart: float) -> list:
        return [Card(date=start + timedelta(days=i * days_apart)) for i in range(count)]

    assert rendering.fits_ahead(cards(100, 0), 30)  # up to EARLY_MOST_ARTICLES, any density
    assert rendering.fits_ahead(cards(200, 10), 30)  # 3 older in each one's horizon: 594
    assert not rendering.fits_ahead(cards(200, 2), 30)  # 15 in it: about 3,000
    assert not rendering.fits_ahead(cards(200, 10), 0)  # no horizon: every pair, 19,900
    assert not rendering.fits_ahead(cards(200, 0), 30)  # all on one day
    # One article ten years older does not make a dense day sparse.
    assert not rendering.fits_ahead(cards(1, 0) + [
        Card(date=start + timedelta(days=3650)) for _ in range(199)], 30)


def test_an_edits_few_pages_render_in_this_process_and_more_on_the_workers(
        tmp_path, monkeypatch):
    """An edit reads one file and renders a handful of pages, here: a pool would take longer
    to start than they take. Past IN_PROCESS_MOST pages the workers render them."""
    site, cfg, _ = built_alone(tmp_path)
    build(cfg, jobs=2, use_cache=True)
    pools: list[int] = []
    real_pool = executors.process_pool
    monkeypatch.setattr(executors, "process_pool",
                        lambda jobs: pools.append(jobs) or real_pool(jobs))
    rendered = []
    for most in (rendering.IN_PROCESS_MOST, 0):
        monkeypatch.setattr(rendering, "IN_PROCESS_MOST", most)
        edit_article(site)
        rendered.append(build(cfg, jobs=2, use_cache=True).rendered)
    assert pools == [2] and rendered[0] == rendered[1] > 1  # only the second started a pool
    edited = tree(site / "output")
    build(cfg, jobs=1, use_cache=False)
    assert tree(site / "output") == edited


def test_a_build_sends_its_pages_newest_first_by_what_they_show(tmp_path, monkeypatch):
    """In plan order every article's page comes before every list; sent by date, the newest
    day's list comes before the oldest article's page. The bytes are the same."""
    site, cfg, alone = built_alone(tmp_path)
    sent: list[str] = []
    real = rendering.render_chunk
    monkeypatch.setattr(rendering, "render_chunk", lambda pages, job, staging: (
        sent.extend(p.url for p in pages) or real(pages, job, staging)))
    build(cfg, jobs=1, use_cache=False)
    assert tree(site / "output") == alone
    days = sorted(u for u in sent if re.fullmatch(r"/\d{4}/\d\d/\d\d/", u))
    oldest = [u for u in sent if u.startswith(days[0]) and u != days[0]]
    assert oldest and sent.index(days[-1]) < min(map(sent.index, oldest))


class FarThreads(ThreadPoolExecutor):
    """Threads standing in for workers on other machines: their pages come back compressed."""

    remote = True


def test_an_edits_pages_rendered_here_are_staged_once_with_remote_workers(
        tmp_path, monkeypatch):
    """Rendered in this process, an edit's pages go straight to staging: never compressed to
    be unpacked again, as the pages of workers elsewhere are. Past IN_PROCESS_MOST they are."""
    site, cfg, _ = built_alone(tmp_path)
    build(cfg, jobs=2, use_cache=True)
    unpacked: list[str] = []
    real = rendering._stage
    monkeypatch.setattr(rendering, "_stage",
                        lambda staging, page: unpacked.append(page.path) or real(staging, page))
    counts = []
    for most in (rendering.IN_PROCESS_MOST, 0):
        monkeypatch.setattr(rendering, "IN_PROCESS_MOST", most)
        edit_article(site)
        report = build(cfg, jobs=2, executor_factory=FarThreads, use_cache=True)
        counts.append((report.rendered, len(unpacked)))
    assert counts[0] == (counts[0][0], 0) and counts[1] == (counts[0][0], counts[0][0])
    edited = tree(site / "output")
    build(cfg, jobs=1, use_cache=False)
    assert tree(site / "output") == edited


def test_lists_sent_ahead_go_by_date_too(tmp_path, monkeypatch):
    """In plan order every source's pages come before the days'; by date, the newest day's
    list goes before the pages of a source that show older articles."""
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    ahead = spy_ahead(monkeypatch)
    sent: list[list[str]] = []
    real = rendering.Rendering._tasks
    monkeypatch.setattr(rendering.Rendering, "_tasks", lambda self, chunks: real(
        self, [c for c in chunks if not sent.append([p.url for p in c])]))
    (site / "output" / TAG_PAGE).unlink()
    build(cfg, jobs=2, use_cache=True)
    assert ahead and tree(site / "output") == alone
    first = [u for chunk in sent for u in chunk]  # `start`'s chunks come first
    days = sorted(u for u in first if re.fullmatch(r"/\d{4}/\d\d/\d\d/", u))
    later = [u for u in first if u.startswith("/category/") and "/page/" in u]
    assert days and later and first.index(days[-1]) < max(map(first.index, later))


def test_pages_are_sent_in_the_order_given_and_errors_named_in_any_order(monkeypatch):
    sent = []
    monkeypatch.setattr(rendering, "render_chunk", lambda pages, job, staging: (
        sent.append([p.url for p in pages]) or ([], [])))
    pages = [Page(f"/{n}/", "t.html", {}) for n in (2, 3, 1)]
    rendering.Rendering(None, None, order=lambda p: int(p.url[1])).finish(pages)
    assert sent == [["/1/", "/2/", "/3/"]]

    first = ContentError("templates/t.html", 3, "while rendering /a/: no such thing")
    second = ContentError("templates/t.html", 3, "while rendering /b/: no such thing")
    for results in ([([], [first]), ([], [second])], [([], [second]), ([], [first])]):
        with pytest.raises(BuildFailed) as caught:
            rendering.Rendering(None, None)._gathered(iter(results), 2)
        assert caught.value.errors == [first]


def broken_lists(tmp_path, monkeypatch, change):
    """A site whose lists go ahead, changed by `change(site)` so that its build fails."""
    site, _, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
    change(site)
    return site, load_config(site / "config.yaml"), alone


def spy_ahead(monkeypatch) -> list:
    """The tasks sent ahead, each time some are."""
    sent: list = []
    real = rendering._Ahead
    monkeypatch.setattr(rendering, "_Ahead", lambda *a: sent.append(a) or real(*a))
    return sent


def failed(cfg, jobs):
    with pytest.raises(BuildFailed) as caught:
        build(cfg, jobs=jobs, use_cache=jobs > 1)
    return [str(e) for e in caught.value.errors]


def test_an_error_in_a_list_template_is_reported_as_an_in_process_build_reports_it(
        tmp_path, monkeypatch):
    def break_tag_list(site):  # a tag.html of the site's own, which only tags' lists use
        lists = (site / "templates" / "list.html").read_text()
        (site / "templates" / "tag.html").write_text(lists.replace(
            "{% block main %}", "{% block main %}{{ page.url.no_such_thing() }}", 1))

    site, cfg, alone = broken_lists(tmp_path, monkeypatch, break_tag_list)
    ahead = spy_ahead(monkeypatch)
    errors = failed(cfg, 2)
    assert ahead and errors == failed(cfg, 1)
    assert errors[0].startswith("templates/tag.html:") and "while rendering /tag/" in errors[0]
    assert tree(site / "output") == alone  # output/ as it was
    assert staged_tables(site) == []


def test_a_collision_found_after_related_reading_stops_the_lists_sent_ahead(
        tmp_path, monkeypatch):
    """An article whose URL is a list's: the lists have gone ahead when the whole plan is
    checked. The build fails with the error alone, leaves output/ and the cache clean."""
    def collide(site):
        (site / "config.yaml").write_text((site / "config.yaml").read_text()
                                          + "permalinks:\n  article: /{slug}/\n")
        (site / "content" / "bad.md").write_text(
            "---\ntitle: Tags\nslug: tag\ndate: 2023-09-02\n---\nBody.\n")

    site, cfg, alone = broken_lists(tmp_path, monkeypatch, collide)
    ahead = spy_ahead(monkeypatch)
    errors = failed(cfg, 2)
    assert ahead
    assert errors == failed(cfg, 1) == [
        "content/bad.md: /tag/ is the URL of a page Digest makes (terms.html); change the "
        "slug or the permalink pattern"]
    assert tree(site / "output") == alone
    assert staged_tables(site) == []


def test_tasks_ahead_run_one_fewer_than_the_workers_until_released():
    gate, running = threading.Event(), threading.Semaphore(0)

    def task(n):
        running.release()
        return gate.wait(30) and n * 10

    with ThreadPoolExecutor(4) as pool:
        ahead = rendering._Ahead(pool, task, [1, 2, 3, 4, 5], 1)
        ahead.start()
        assert running.acquire(timeout=30)
        assert not running.acquire(timeout=0.3)  # the others wait while the first runs
        assert len(ahead.futures) == 1
        futures = ahead.release()
        assert len(futures) == 5 and not ahead.tasks  # all sent at once, none still held
        gate.set()
        assert [f.result(timeout=30) for f in futures] == [10, 20, 30, 40, 50]


def test_tasks_ahead_stopped_are_cancelled_and_a_thread_never_started_is_no_matter():
    gate, running = threading.Event(), threading.Event()

    def task(n):
        running.set()
        return gate.wait(30) and n

    with ThreadPoolExecutor(1) as pool:
        rendering._Ahead(pool, task, [1], 1).stop()  # stopped before its start
        ahead = rendering._Ahead(pool, task, [1, 2, 3], 1)
        ahead.start()
        assert running.wait(30)
        ahead.stop()
        assert len(ahead.futures) == 1 and not ahead.futures[0].cancelled()  # it was running
        gate.set()
        assert ahead.futures[0].result(timeout=30) == 1


def test_lists_sent_ahead_are_planned_again_after_related_reading_and_kept_ones_are_not(
        tmp_path, monkeypatch):
    """Sent, the list pages are let go (related reading is the build's memory peak) and the
    plan makes them again; an edit's few, kept for `finish`, are planned once."""
    site, cfg, alone = built_alone(tmp_path)
    from generator import builder as builder_module
    made = []
    real = builder_module.listing_pages
    monkeypatch.setattr(builder_module, "listing_pages",
                        lambda *a: made.append(1) or real(*a))
    with Builder(cfg, jobs=2) as builder:
        monkeypatch.setattr(rendering, "EARLY_LEAST", 1)
        (site / "output" / TAG_PAGE).unlink()
        builder.update()
        assert len(made) == 2
        monkeypatch.setattr(rendering, "EARLY_LEAST", 10_000)  # nothing sent: kept
        edit_article(site)
        builder.update()
        assert len(made) == 3


def test_lists_planned_ahead_render_once_when_the_card_table_cannot_be_written(
        tmp_path, monkeypatch):
    """With no room for the card table, `start` keeps the lists for `finish` and the rest of
    the build stops going ahead: the lists were selected already, and are not selected again."""
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "EARLY_LEAST", 1)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rendering.CardTable, "write", full)
    gathered = []
    real = rendering.Rendering._gathered
    monkeypatch.setattr(rendering.Rendering, "_gathered",
                        lambda self, *a: gathered.append(real(self, *a)) or gathered[-1])
    (site / "output" / TAG_PAGE).unlink()
    report = build(cfg, jobs=2, use_cache=True)
    paths = [r.path for r in gathered[0]]
    assert len(paths) == len(set(paths)) == report.rendered == report.pages
    assert tree(site / "output") == alone
