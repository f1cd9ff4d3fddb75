"""Render tasks for local workers: cards sent once through a file, tasks holding references."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime

from conftest import copy_site, tree
from test_incremental import add_articles

from generator import render_tasks, rendering
from generator.build import build
from generator.config import load_config
from generator.model import Article, Page
from generator.render_tasks import CardTable, pack, places_of, unpack


def card(n: int, **changes) -> Article:
    fields = dict(id=f"a{n}", title=f"Story {n} <&>", slug=f"story-{n}",
                  date=datetime(2023, 9, 1 + n, tzinfo=UTC), category="world",
                  category_label="World", source_path=f"content/a{n}.md", body_html="",
                  summary="ünïcode " * 20, tags=("x", "y"), extra={"k": [1, 2]})
    return Article(**{**fields, **changes})


def test_packed_pages_hold_references_to_the_very_cards_of_the_table(tmp_path):
    cards = [card(n) for n in range(5)]
    full = card(0, body_html="<p>Body</p>")  # an article page's own article, with its body
    copy = card(3)  # equal to a card, but not that object: sent whole
    pages = [Page("/a0/", "article.html", {"article": full, "older": cards[1],
                                           "similar": ({"article": cards[2], "title": "t"},)}),
             Page("/list/", "list.html", {"articles": [cards[4], cards[2], copy]})]
    table = CardTable.write(cards, tmp_path)
    data = pack(pages, places_of(cards))
    # The referenced cards are not in the task; the article with its body and the copy are.
    assert [n for n in range(5) if f"Story {n} ".encode() in data] == [0, 3]
    assert all(f"Story {n} ".encode() in pickle.dumps(pages) for n in range(5))
    render_tasks._TABLES.clear()  # as a worker that has not read the table yet
    back = unpack(data, table)
    assert back == pages
    read = table.reader().card
    assert back[0].context["older"] is read(1)
    assert back[0].context["similar"][0]["article"] is read(2)
    assert back[1].context["articles"][1] is read(2)
    assert back[0].context["article"] is not read(0) and back[0].context["article"].body_html
    assert back[1].context["articles"][2] is not read(3)  # pickled whole, as it came
    assert unpack(data, table)[1].context["articles"][0] is read(4)  # the card read once
    table.remove()
    assert list(tmp_path.iterdir()) == [] and table.path not in render_tasks._TABLES


def test_a_worker_keeps_only_its_latest_cards(tmp_path, monkeypatch):
    monkeypatch.setattr(render_tasks._Reader, "CACHED", 3)
    cards = [card(n) for n in range(6)]
    table = CardTable.write(cards, tmp_path)
    reader = table.reader()
    assert [reader.card(n) for n in range(6)] == cards
    assert list(reader.cards.entries) == [3, 4, 5]
    assert reader.card(3) == cards[3]  # read again: now the last to go
    assert reader.card(0) == cards[0] and list(reader.cards.entries) == [5, 3, 0]
    table.remove()


def test_the_latest_entries_are_kept_at_a_constant_cost_per_drop():
    """A dict whose oldest entry is deleted at each insert walks over the holes the deletions
    left to find it, so a drop costs more the more entries are kept: at 16,384, 25 times what
    it costs at 64. Here the same, measured side by side (the best of three, against noise)."""
    def drops(most: int) -> tuple[float, render_tasks.Latest]:
        latest = render_tasks.Latest(most)
        start = time.perf_counter()
        for n in range(200_000):
            latest.put(n, n)
        return time.perf_counter() - start, latest

    few = min(drops(64)[0] for _ in range(3))
    many = min(drops(16_384)[0] for _ in range(3))
    assert many < 3 * few
    latest = drops(16_384)[1]
    assert len(latest) == 16_384 and next(iter(latest.entries)) == 200_000 - 16_384
    assert latest.get(200_000 - 16_384) == 200_000 - 16_384 and latest.get(0) is None
    assert next(reversed(latest.entries)) == 200_000 - 16_384  # used last, kept longest


def built_alone(tmp_path):
    """A site with enough articles for several render tasks, and its output built in process."""
    site = copy_site("basic", tmp_path)
    (site / "config.yaml").write_text((site / "config.yaml").read_text() + "search: false\n")
    add_articles(site, 40)
    cfg = load_config(site / "config.yaml")
    build(cfg, jobs=1, use_cache=False)
    alone = tree(site / "output")
    return site, cfg, alone


def test_a_build_with_workers_sends_cards_once_and_leaves_no_table(tmp_path, monkeypatch):
    """Through the Builder with two workers: tasks go packed, the output is the bytes an
    in-process build gives, and the table's file is gone from the cache folder."""
    site, cfg, alone = built_alone(tmp_path)
    monkeypatch.setattr(rendering, "IN_PROCESS_MOST", 0)  # else so few pages render here

    written, packed = [], []
    real_write, real_pack = CardTable.write.__func__, rendering.pack
    monkeypatch.setattr(CardTable, "write", classmethod(
        lambda cls, cards, folder: written.append(len(cards)) or real_write(cls, cards, folder)))
    monkeypatch.setattr(rendering, "pack", lambda pages, places: packed.append(len(pages))
                        or real_pack(pages, places))
    for _ in range(2):  # cold, then with every page's bytes already in output/
        (site / "output" / "index.html").unlink()
        build(cfg, jobs=2, use_cache=True)
        assert tree(site / "output") == alone
    assert written and written[0] > 40  # every article of the site, once
    assert len(packed) >= 2
    assert [p.name for p in (site / ".digest-cache").iterdir()
            if p.name.startswith("render-cards-")] == []


def test_threads_and_no_cache_get_whole_tasks(tmp_path, monkeypatch):
    """Threads share this process's memory (packing would only cost, and their table would be
    shared); without a build cache there is no folder for the table. Same bytes either way."""
    from concurrent.futures import ThreadPoolExecutor

    site, cfg, alone = built_alone(tmp_path)
    written = []
    monkeypatch.setattr(CardTable, "write", classmethod(lambda cls, *a: written.append(a)))
    for jobs, factory, cache in ((2, ThreadPoolExecutor, True), (2, None, False)):
        (site / "output" / "index.html").unlink()
        build(cfg, jobs=jobs, executor_factory=factory, use_cache=cache)
        assert tree(site / "output") == alone
    assert written == []


def test_a_table_that_cannot_be_written_whole_is_removed_and_dead_builds_tables_swept(tmp_path):
    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("no")

    try:
        CardTable.write([card(0), card(1, extra={"x": Unpicklable()})], tmp_path)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []
    dead = tmp_path / f"{render_tasks.PREFIX}999999999-x.bin"  # no such process
    dead.write_bytes(b"left by a killed build")
    live = CardTable.write([card(0)], tmp_path)  # this process's: kept while it renders
    other = CardTable.write([card(1)], tmp_path)
    assert not dead.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.path.rpartition("/")[2], other.path.rpartition("/")[2]])
    live.remove()
    other.remove()
