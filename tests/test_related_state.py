"""The incremental related index equals `find_related` from scratch after any sequence of edits,
additions, removals and date changes; and kept as rows, it comes back the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from test_related import T0, art, site_order

from generator import related_state
from generator.model import Article
from generator.related import RelatedConfig, find_related, text_settings
from generator.related_index import RelatedDoc
from generator.related_lists import RelatedLists, once, with_reasons
from generator.related_state import RelatedIndex

# Few words, so that articles share terms; near-duplicate and suffixed titles, so that listed
# titles match exactly, fuzzily, or not at all.
WORDS = ("harbor", "strike", "union", "dock", "pay", "rail", "tunnel", "storm", "flood", "vote",
         "budget", "school", "fire", "bridge", "court", "trial", "ferry", "wages")
TITLES = ("Harbor strike ends", "Harbor strike end", "Rail tunnel opens", "Rail tunel opens",
          "Storm floods the valley", "Budget vote delayed", "Court trial begins", "Ferry sails")
LISTED = TITLES + ("Storm floods the valley - Wire News", "Nothing like it",
                   # Longer headlines, found by the start of a derived title's summary.
                   "Harbor strike ends dock pay", "Rail tunnel opens storm flood")
SOURCES = ("north", "south", "wire")

text = st.lists(st.sampled_from(WORDS), min_size=2, max_size=14).map(" ".join)
# What follows the title in a derived title's summary: at times the rest of a listed headline.
lead_text = st.one_of(text, st.sampled_from(("dock pay", "dock pay rises", "storm flood")))
days = st.sampled_from((0.0, 0.25, 1.0, 2.0, 3.0, 4.5, 8.0, 20.0, 45.0))
fields = st.fixed_dictionaries({
    "title": st.one_of(st.sampled_from(TITLES), text),
    "body": text,
    # "+" starts the summary with the title: the title was derived from it.
    "summary": st.one_of(st.just(""), text, lead_text.map(lambda t: "+ " + t)),
    "days": days,
    "category": st.sampled_from(SOURCES),
    "tags": st.lists(st.sampled_from(("labour", "transport", "weather")), max_size=2,
                     unique=True).map(tuple),
    "similar": st.lists(st.sampled_from(LISTED), max_size=3).map(tuple),
})
operation = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 99), text),
    st.tuples(st.just("retitle"), st.integers(0, 99), st.sampled_from(TITLES)),
    st.tuples(st.just("redate"), st.integers(0, 99), days),
    st.tuples(st.just("lead"), st.integers(0, 99), lead_text),
    st.tuples(st.just("retag"), st.integers(0, 99), st.sampled_from(((), ("labour",)))),
    st.tuples(st.just("add"), st.integers(0, 99), fields),
    st.tuples(st.just("remove"), st.integers(0, 99), st.none()),
)
configs = st.builds(
    RelatedConfig,
    count=st.sampled_from((2, 5)),
    count_includes_explicit=st.booleans(),
    window_days=st.sampled_from((0, 5, 30)),
    min_score=st.sampled_from((0.05, 0.2)),
    max_candidates_per_term=st.sampled_from((2, 3, 200)),
    stories=st.booleans(),
    story_min_score=st.sampled_from((0.1, 0.3)),
    list_story_mates=st.booleans(),
    max_doc_share=st.sampled_from((0.3, 1.0)),
)


def make(n: int, f: dict) -> Article:
    summary = f["summary"]
    if summary.startswith("+ "):
        summary = f["title"] + " " + summary[2:]
    return art(f"s{n}", f["title"], f["body"], days=f["days"], category=f["category"],
               tags=f["tags"], similar=f["similar"], summary=summary)


def changed(article: Article, op: str, value) -> Article:
    if op == "edit":
        return replace(article, body_html=f"<p>{value}</p>")
    if op == "retitle":
        return replace(article, title=value)
    if op == "redate":
        return replace(article, date=T0 + timedelta(days=value))
    if op == "lead":  # a new summary that starts with the title, as a derived title's does
        return replace(article, summary=f"{article.title} {value}")
    return replace(article, tags=value)


def assert_same(index: RelatedIndex, lists: RelatedLists, site: dict[str, Article],
                cfg: RelatedConfig) -> None:
    articles = site_order(list(site.values()))
    expected = find_related(articles, cfg, reasons=False)
    got = lists.related(index, articles)
    assert got.by_article == expected.by_article
    assert got.stories == expected.stories
    assert got.story_of == expected.story_of


def run(site: dict[str, Article], ops: list, cfg: RelatedConfig, index: RelatedIndex,
        lists: RelatedLists, made: int) -> tuple[RelatedIndex, int]:
    doc = text_settings(cfg)
    for op, at, value in ops:
        ids = sorted(site)
        if op == "add":
            made += 1
            article = make(made, value)
            site[article.id] = article
            index.update([RelatedDoc.of(article, doc)])
        elif not ids:
            continue
        elif op == "remove":
            del site[ids[at % len(ids)]]
            index.update(removed=[ids[at % len(ids)]])
        else:
            article = changed(site[ids[at % len(ids)]], op, value)
            site[article.id] = article
            index.update([RelatedDoc.of(article, doc)])
        assert_same(index, lists, site, cfg)
    return index, made


# The margin as configured, where most moves in a small world are big ones (every pair found
# again); and one nearly as wide as the floor (0.15 with min_score 0.2), where more are small
# (only the kept pairs computed again).
margins = st.sampled_from((related_state.MARGIN, 0.14))


@settings(max_examples=150, deadline=None)
@given(start=st.lists(fields, min_size=1, max_size=14), ops=st.lists(operation, max_size=12),
       cfg=configs, margin=margins)
def test_incremental_equals_from_scratch(start, ops, cfg, margin):
    with patch.object(related_state, "MARGIN", margin):
        site = {a.id: a for a in (make(n, f) for n, f in enumerate(start))}
        index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in site.values()],
                                   cfg)
        lists = RelatedLists()
        assert_same(index, lists, site, cfg)
        run(site, ops, cfg, index, lists, len(start))


@settings(max_examples=40, deadline=None)
@given(start=st.lists(fields, min_size=1, max_size=10), ops=st.lists(operation, max_size=10),
       cfg=configs)
def test_rows_bring_the_index_back(start, ops, cfg):
    """Kept as rows (as the store keeps them) after some edits, loaded again, edited further:
    still what find_related gives."""
    site = {a.id: a for a in (make(n, f) for n, f in enumerate(start))}
    index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in site.values()], cfg)
    kept: dict = {}
    half = len(ops) // 2
    index, made = run(site, ops[:half], cfg, index, RelatedLists(), len(start))
    rows, gone = index.rows_changed()
    kept.update(rows)
    for i in gone:
        kept.pop(i, None)
    loaded = RelatedIndex.from_rows(kept, cfg)
    assert_same(loaded, RelatedLists(), site, cfg)
    run(site, ops[half:], cfg, loaded, RelatedLists(), made)


@settings(max_examples=60, deadline=None)
@given(start=st.lists(fields, min_size=1, max_size=12), ops=st.lists(operation, max_size=8),
       cfg=configs)
def test_once_gives_the_lists_of_find_related_and_lets_the_index_go(start, ops, cfg):
    """A one-shot build's lists, made as the index is emptied, after edits as from scratch."""
    site = {a.id: a for a in (make(n, f) for n, f in enumerate(start))}
    index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in site.values()], cfg)
    index, _ = run(site, ops, cfg, index, RelatedLists(), len(start))
    articles = site_order(list(site.values()))
    expected = find_related(articles, cfg, reasons=False)
    got = once(index, articles)
    assert got.by_article == expected.by_article
    assert (got.stories, got.story_of) == (expected.stories, expected.story_of)
    assert vars(index) == {}


def test_an_edit_recomputes_only_what_it_can_move():
    """A body edit of one of 60 articles on three unrelated topics revisits its own topic only."""
    topics = [WORDS[:6], WORDS[6:12], WORDS[12:]]
    articles = [art(f"t{n}", " ".join(topics[n % 3][:3]), " ".join(topics[n % 3] * 2),
                    days=n / 3, category=SOURCES[n % 3]) for n in range(60)]
    cfg = RelatedConfig(window_days=5)
    doc = text_settings(cfg)
    index = RelatedIndex.build([RelatedDoc.of(a, doc) for a in articles], cfg)
    index.rows_changed()
    edited = replace(articles[30], body_html="<p>" + " ".join(topics[0][:4]) + "</p>")
    index.update([RelatedDoc.of(edited, doc)])
    assert not index.full
    rows, gone = index.rows_changed()
    assert edited.id in rows and not gone
    assert len(rows) < 20  # its topic within the window, not the site
    site = {a.id: a for a in articles} | {edited.id: edited}
    assert_same(index, RelatedLists(), site, cfg)


def test_reasons_are_those_of_find_related():
    articles = [art(f"r{n}", TITLES[n % len(TITLES)], " ".join(WORDS[n % 5: n % 5 + 6]),
                    days=n / 2, category=SOURCES[n % 3], tags=("labour",) * (n % 2),
                    similar=LISTED[n % 3: n % 3 + 2]) for n in range(24)]
    cfg = RelatedConfig()
    index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in articles], cfg)
    ordered = site_order(articles)
    assert with_reasons(index, ordered) == find_related(ordered, cfg)


def test_a_removed_article_leaves_no_trace():
    articles = [art(f"x{n}", "Harbor strike ends", "harbor strike union dock pay",
                    days=n, category=SOURCES[n % 3]) for n in range(5)]
    cfg = RelatedConfig()
    index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in articles], cfg)
    lists = RelatedLists()
    lists.related(index, site_order(articles))
    index.update(removed=[articles[2].id])
    related = lists.related(index, site_order(articles[:2] + articles[3:]))
    assert articles[2].id not in related.by_article
    assert all(item.article is None or item.article.id != articles[2].id
               for items in related.by_article.values() for item in items)
    assert all(articles[2] not in story for story in related.stories)


def test_a_new_summary_start_rematches_the_headlines_listed_for_it():
    """A derived title's article is found by the start of its summary: when that start
    changes, the articles listing a headline are matched again, as from scratch."""
    cfg = RelatedConfig()
    settings_ = text_settings(cfg)
    derived = art("s1", "Harbor strike ends", "Dock workers return.", days=-1,
                  summary="Harbor strike ends over overtime.")
    listing = art("s2", "Ferry sails", "The ferry sails again.",
                  similar=("Harbor strike ends with dock pay deal",))
    site = {a.id: a for a in (derived, listing)}
    index = RelatedIndex.build([RelatedDoc.of(a, settings_) for a in site.values()], cfg)
    lists = RelatedLists()
    assert_same(index, lists, site, cfg)
    site[derived.id] = replace(derived, summary="Harbor strike ends with dock pay deal agreed.")
    index.update([RelatedDoc.of(site[derived.id], settings_)])
    assert_same(index, lists, site, cfg)
    linked = lists.related(index, site_order(list(site.values()))).by_article[listing.id]
    assert linked[0].article is not None and linked[0].article.id == derived.id


def test_unpickled_docs_share_their_terms():
    """Docs come to the main process a batch (or a store row) at a time: each term is kept
    once, whatever batch or row it came in."""
    import pickle
    import sys
    from collections import Counter

    from generator.related_index import RelatedDoc, TermCounts

    counts = Counter({"harbour": 2, "strike": 1.5})
    doc = RelatedDoc("a", "Strike", "strike", 1.0, "news", frozenset({"port"}), (),
                     TermCounts(counts))
    one, two = pickle.loads(pickle.dumps(doc)), pickle.loads(pickle.dumps(doc))
    assert one == doc and one.counts == counts and one.counts != Counter({"harbour": 2})
    assert list(one.counts.items()) == [("harbour", 2), ("strike", 1.5)]
    assert one.counts["strike"] == 1.5 and "strike" in one.counts and "port" not in one.counts
    for a, b in zip(one.counts, two.counts):
        assert a is b is sys.intern(a)
    assert next(iter(one.tags)) is next(iter(two.tags))


def test_rows_owed_by_earlier_updates_survive_a_rebuild():
    """Two updates before the store takes the rows: the second rebuilds the index (the count
    crossed a power of two); the article the first removed must still be dropped from it."""
    cfg = RelatedConfig()
    docs = [RelatedDoc.of(art(f"a{n}", "Harbor strike", f"harbor strike dock {n}"),
                          text_settings(cfg)) for n in range(6)]
    index = RelatedIndex.build(docs, cfg)
    index.rows_changed()
    index.update(removed=["news/a0"])  # 5 left: the same base, no rebuild
    assert not index.full
    index.update(removed=["news/a1"])  # 4 left: a new base, a rebuild
    assert index.full
    rows, gone = index.rows_changed()
    assert gone == {"news/a0", "news/a1"} and sorted(rows) == [f"news/a{n}" for n in range(2, 6)]
