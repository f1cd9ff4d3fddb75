"""Related reading's rows as the build cache keeps them: terms by their place in one vocabulary.
Kept, loaded by a new process, edited further, the index is still what find_related gives; and
a vocabulary that does not go with the rows means related reading made again, not an error."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from test_related import art, site_order
from test_related_state import assert_same, configs, fields, make, operation, run

from generator.related import RelatedConfig, find_related, text_settings
from generator.related_index import RelatedDoc
from generator.related_lists import KeptRelated, RelatedLists
from generator.related_rows import Vocabulary
from generator.related_state import RelatedIndex
from generator.store import Store


def stored(vocabulary: Vocabulary, rows: dict) -> dict[str, bytes]:
    """The rows as the store holds them: encoded, then pickled."""
    return {i: pickle.dumps(row) for i, row in vocabulary.encoded(rows)}


@settings(max_examples=40, deadline=None)
@given(start=st.lists(fields, min_size=1, max_size=10), ops=st.lists(operation, max_size=10),
       cfg=configs)
def test_encoded_rows_bring_the_index_back(start, ops, cfg):
    """Rows written in two turns by one vocabulary, read back by a new one made from its
    terms (a new process), then edited further: still what find_related gives."""
    site = {a.id: a for a in (make(n, f) for n, f in enumerate(start))}
    index = RelatedIndex.build([RelatedDoc.of(a, text_settings(cfg)) for a in site.values()], cfg)
    writer, kept = Vocabulary(), {}
    kept.update(stored(writer, index.rows_changed()[0]))
    half = len(ops) // 2
    index, made = run(site, ops[:half], cfg, index, RelatedLists(), len(start))
    rows, gone = index.rows_changed()
    kept.update(stored(writer, rows))
    for i in gone:
        kept.pop(i, None)
    reader = Vocabulary(list(writer.terms))
    loaded = RelatedIndex.from_rows({i: reader.decoded(pickle.loads(b)) for i, b in kept.items()},
                                    cfg)
    assert_same(loaded, RelatedLists(), site, cfg)
    run(site, ops[half:], cfg, loaded, RelatedLists(), made)


def test_places_only_grow_and_terms_come_back_shared():
    cfg = RelatedConfig()
    docs = [RelatedDoc.of(art(f"a{n}", "Harbor strike", f"harbor strike dock {word}"),
                          text_settings(cfg)) for n, word in enumerate(("pay", "vote"))]
    index = RelatedIndex.build(docs, cfg)
    first = Vocabulary()
    rows = stored(first, {i: index.row(i) for i in ("news/a0",)})
    places = dict(first.places)
    assert first.grown and first.kept == 0
    first.kept = len(first.terms)
    rows.update(stored(first, {i: index.row(i) for i in ("news/a1",)}))
    assert {t: first.places[t] for t in places} == places  # earlier places never move
    assert "vote" in first.places and first.places["vote"] >= len(places)
    reader = Vocabulary(first.terms)
    a, b = (reader.decoded(pickle.loads(rows[i])) for i in ("news/a0", "news/a1"))
    assert a[0] == docs[0] and b[0] == docs[1]
    assert dict(a[1].items()) == dict(index.vecs["news/a0"].items())
    shared = [t for t in a[0].counts if t in b[0].counts]
    assert shared and all(x is y for x in a[0].counts for y in b[0].counts if x == y)


def _kept(store: Store, articles: list, cfg: RelatedConfig):
    related = KeptRelated(store).related(cfg, articles, lambda batch: batch)
    store.commit()
    return related


def test_a_new_process_loads_the_rows_and_a_mismatched_vocabulary_makes_them_again(
        tmp_path, monkeypatch):
    cfg = RelatedConfig(count=3)
    articles = site_order([art(f"a{n}", f"Harbor strike {n % 3}", f"harbor strike dock {w}",
                               days=n / 4) for n, w in enumerate("pay vote rail tunnel".split())])
    expected = find_related(articles, cfg, reasons=False)
    store = Store(tmp_path / "cache")
    assert _kept(store, articles, cfg).by_article == expected.by_article
    assert store.blob("related-terms")[1]  # the vocabulary is kept with the rows
    built = []
    real_build = RelatedIndex.build
    monkeypatch.setattr(RelatedIndex, "build", classmethod(
        lambda cls, *a: built.append(1) or real_build(*a)))
    assert _kept(store, articles, cfg).by_article == expected.by_article
    assert built == []  # loaded from the rows
    name, terms = "related-terms", store.blob("related-terms")
    store.put_blob(name, terms[0], terms[1][:2])  # a damaged cache: terms the rows lack
    store.commit()
    assert _kept(store, articles, cfg).by_article == expected.by_article
    assert built == [1]  # made again
    assert _kept(store, articles, cfg).by_article == expected.by_article
    assert built == [1]  # and kept again
    store.close()


def test_a_one_shot_build_stores_the_rows_and_keeps_no_doc(tmp_path):
    """`KeptRelated.once` (digest build) gives find_related's lists, stores the rows a next
    process loads, keeps no index, and empties the readers' docs: they are the index's."""
    cfg = RelatedConfig(count=3)
    articles = site_order([art(f"a{n}", f"Harbor strike {n % 3}", f"harbor strike dock {w}",
                               days=n / 4) for n, w in enumerate("pay vote rail tunnel".split())])
    expected = find_related(articles, cfg, reasons=False)
    made = {a.source_path: RelatedDoc.of(a, text_settings(cfg)) for a in articles}
    store = Store(tmp_path / "cache")
    kept = KeptRelated(store)
    got = kept.once(cfg, articles, lambda batch: batch, made)
    store.commit()
    assert (got.by_article, got.stories) == (expected.by_article, expected.stories)
    assert made == {} and kept.index is None
    assert _kept(store, articles, cfg).by_article == expected.by_article
    store.close()


def test_two_processes_adding_terms_keep_one_vocabulary(tmp_path):
    """Two long-lived processes on one cache (a `serve` beside a `build`), each adding terms
    the other has not seen: the rows each writes use the vocabulary the store holds then, so a
    new process reads every row with the terms it was written with."""
    from dataclasses import fields, replace

    from generator.fingerprints import fingerprint
    from generator.related_lists import ROWS

    def fingerprinted(articles):  # as read: a fingerprint that says whether it changed
        return [replace(a, fingerprint=str(hash((a.title, a.body_html)))) for a in articles]

    def edited(articles, slug, words):
        return fingerprinted([replace(a, body_html=f"<p>{words}</p>") if a.slug == slug else a
                              for a in articles])

    cfg = RelatedConfig(count=3)
    topics = ("harbor strike dock", "rail tunnel fire", "court trial school")
    articles = fingerprinted(site_order([
        art(f"a{n}", f"Story {n}", f"{topics[n % 3]} {n}", days=n / 8) for n in range(12)]))
    first, second = Store(tmp_path / "cache"), Store(tmp_path / "cache")
    one, two = KeptRelated(first), KeptRelated(second)
    for kept, store in ((one, first), (two, second)):
        kept.related(cfg, articles, lambda batch: batch)
        store.commit()
    airship = edited(articles, "a1", "rail tunnel fire zeppelin airship")
    two.related(cfg, airship, lambda batch: batch)  # new terms, numbered by the second
    second.commit()
    blimp = edited(articles, "a2", "court trial school blimp balloon")
    one.related(cfg, blimp, lambda batch: batch)  # others, by the first, behind the second
    first.commit()
    third = Store(tmp_path / "cache")
    key = fingerprint(cfg, [f.name for f in fields(RelatedDoc)], ROWS)
    assert third.blob("related-index")[0] == key
    vocabulary = Vocabulary(third.blob("related-terms")[1])
    stored = third.rows("related", vocabulary.decoded)
    versions = {a.fingerprint: a for a in articles + airship + blimp}
    assert {"news/a1", "news/a2"} <= stored.keys()
    for doc, *_ in stored.values():  # each row read with the terms it was written with
        assert doc == RelatedDoc.of(versions[doc.fingerprint], text_settings(cfg))
    assert "zeppelin" in stored["news/a1"][0].counts and "blimp" in stored["news/a2"][0].counts
    for store in (first, second, third):
        store.close()
