"""The incremental index's lists as `Related` (the site's Article objects put in for the ids),
and the index kept in the build cache, a row per article.

Making 50,000 RelatedItems at 10k articles takes longer than the index's update, so the items
are kept: a list is made again only when the index changed it, or when an article it shows (or
its owner) is a new object, i.e. was read again. Stories are remade when any changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields

from .config import RelatedConfig
from .fingerprints import fingerprint
from .model import Article
from .related import SHOWN_TERMS, Related, RelatedItem, computed_item, explicit_items, text_settings
from .related_index import RelatedDoc, Words, shared_terms
from .related_rows import Vocabulary
from .related_state import Match, RelatedIndex
from .store import Store

ROWS = 3  # the shape of the rows kept (related_rows): a new one drops them


class RelatedLists:
    """Holds the last `Related` made from one index, to remake only what changed."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[RelatedItem, ...]] = {}
        self.seen: dict[str, Article] = {}  # the Article object each list was made with
        # Lists and tuples, not sets: a set of eight ids takes 730 bytes, and these hold two
        # entries an article (140 MB at 100,000 articles, for incremental updates).
        self.refs: dict[str, list[str]] = {}  # id -> ids whose list shows it, each once
        self.shows: dict[str, tuple[str, ...]] = {}  # id -> ids its list shows, each once
        self.stories: tuple[tuple[Article, ...], ...] = ()
        self.story_of: dict[str, int] = {}

    def related(self, index: RelatedIndex, articles: Sequence[Article]) -> Related:
        """`find_related(articles, cfg, reasons=False)`, from the index."""
        by_id = {a.id: a for a in articles}
        renewed = {a.id for a in articles if self.seen.get(a.id) is not a}
        gone = self.seen.keys() - by_id.keys()
        todo = set(index.shown) | renewed
        for i in renewed | gone:
            todo.update(self.refs.get(i, ()))
        regroup = bool(todo & (index.group.keys() | self.story_of.keys()))
        index.shown = set()
        for i in gone:
            self._forget(i)
        for i in todo:
            if i in by_id:
                self._forget(i)
                self.items[i], shows = _items(index, i, by_id)
                self.seen[i] = by_id[i]
                self.shows[i] = tuple(shows)
                for j in shows:
                    self.refs.setdefault(j, []).append(i)
        if regroup:
            self.stories, self.story_of = _stories(index, by_id)
        return Related(dict(self.items), self.stories, dict(self.story_of))

    def _forget(self, i: str) -> None:
        self.items.pop(i, None)
        self.seen.pop(i, None)
        for j in self.shows.pop(i, ()):
            self.refs[j].remove(i)


def with_reasons(index: RelatedIndex, articles: Sequence[Article]) -> Related:
    """`find_related(articles, cfg)` with the reasons of every item: for `digest related`."""
    by_id = {a.id: a for a in articles}
    stories, story_of = _stories(index, by_id)
    return Related({a.id: _reasoned(index, a.id, by_id) for a in articles}, stories,
                   story_of)


def once(index: RelatedIndex, articles: Sequence[Article]) -> Related:
    """`find_related(articles, cfg, reasons=False)` for a build that keeps nothing for the
    next: the index is emptied as the lists are made. Made while all of it was held, with
    the bookkeeping an update needs (`RelatedLists`), the lists were the peak of a build at
    100,000 articles, 300 a day: only each article's list, its listed titles' matches and its
    story are needed, and what scored the pairs is let go first."""
    by_id = {a.id: a for a in articles}
    stories, story_of = _stories(index, by_id)
    similar = {i: d.similar for i, d in index.docs.items() if d.similar}
    matched, computed = index.matched, index.computed
    index.__dict__.clear()  # the vectors, postings, pairs and docs: the caller drops the rest
    items = {}
    for i in by_id:
        items[i] = _items_of(i, similar.get(i, ()), matched.pop(i, ()), computed.pop(i, ()),
                             by_id)
    return Related(items, stories, story_of)


def _items(index: RelatedIndex, i: str, by_id: dict[str, Article]
           ) -> tuple[tuple[RelatedItem, ...], set[str]]:
    """Article `i`'s list, and the ids it shows."""
    matched, computed = index.matched.get(i, ()), index.computed.get(i, ())
    shows = {m[0] for m in matched if m} | {j for j, _ in computed}
    return _items_of(i, index.docs[i].similar, matched, computed, by_id), shows


def _reasoned(index: RelatedIndex, i: str, by_id: dict[str, Article]
              ) -> tuple[RelatedItem, ...]:
    """Article `i`'s list, each item with its reasons."""
    doc, article = index.docs[i], by_id[i]
    computed = tuple(computed_item(
        article, by_id[j], score, shared_terms(index.vecs[i], index.vecs[j], SHOWN_TERMS),
        doc.tags & index.docs[j].tags, doc.stamp - index.docs[j].stamp)
        for j, score in index.computed.get(i, ()))
    return _explicit(i, doc.similar, index.matched.get(i, ()), by_id) + computed


def _items_of(i: str, similar: Sequence[str], matched: Sequence[Match],
              computed: Sequence[tuple[str, float]], by_id: dict[str, Article]
              ) -> tuple[RelatedItem, ...]:
    """A list without reasons, from the article's listed titles, their matches and its
    computed neighbours."""
    items = tuple(RelatedItem(by_id[j], by_id[j].title, score, False, ()) for j, score in computed)
    return _explicit(i, similar, matched, by_id) + items


def _explicit(i: str, similar: Sequence[str], matched: Sequence[Match],
              by_id: dict[str, Article]) -> tuple[RelatedItem, ...]:
    return explicit_items(i, [(t, by_id[m[0]], m[1]) if m else (t, None, 0.0)
                              for t, m in zip(similar, matched)])


def _stories(index: RelatedIndex, by_id: dict[str, Article]
             ) -> tuple[tuple[tuple[Article, ...], ...], dict[str, int]]:
    """Each story newest first; stories in the order of their newest articles."""
    groups = {g[0]: g for g in index.group.values()}
    ordered = sorted(groups.values(), key=lambda g: index.rank(g[0]))
    stories = tuple(tuple(by_id[i] for i in g) for g in ordered)
    return stories, {a.id: s for s, story in enumerate(stories) for a in story}


class KeptRelated:
    """A Builder's related reading: the index loaded from the store once, brought up to date by
    each build with the articles read anew, and only its changed rows written back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key = ""
        self.index: RelatedIndex | None = None
        self.lists = RelatedLists()
        self.vocabulary = Vocabulary()  # the terms of the index's rows (related_rows)

    def related(self, cfg: RelatedConfig, articles: Sequence[Article],
                bodies: Callable[[list[Article]], list[Article]],
                made: Mapping[str, RelatedDoc] | None = None) -> Related:
        """`find_related(articles, cfg, reasons=False)`; `bodies` gives articles their bodies,
        `made` the docs the readers already made (by source path)."""
        return self.lists.related(self.updated(cfg, articles, bodies, made), articles)

    def once(self, cfg: RelatedConfig, articles: Sequence[Article],
             bodies: Callable[[list[Article]], list[Article]],
             made: dict[str, RelatedDoc] | None = None) -> Related:
        """`related` for a build that is not followed by another in this process: the index
        is brought up to date and stored, then let go as its lists are made (`once`). `made`
        is emptied: on a first build its docs are the index's, which would otherwise live on
        through the lists (54 MiB at 40,000 articles)."""
        index = self.updated(cfg, articles, bodies, made)
        if made:
            made.clear()
        self.forget()
        return once(index, articles)

    def updated(self, cfg: RelatedConfig, articles: Sequence[Article],
                bodies: Callable[[list[Article]], list[Article]],
                made: Mapping[str, RelatedDoc] | None = None) -> RelatedIndex:
        key = fingerprint(cfg, [f.name for f in fields(RelatedDoc)], ROWS)
        if key != self.key:
            self.key, self.index, self.lists = key, self._load(key, cfg), RelatedLists()
        index = self.index
        if index is None:
            index = self.index = RelatedIndex.build(_docs(cfg, articles, bodies, made), cfg)
        else:
            docs = index.docs
            stale = [a for a in articles
                     if a.id not in docs or not a.fingerprint or docs[a.id].fingerprint != a.fingerprint]
            removed = docs.keys() - {a.id for a in articles}
            index.update(_docs(cfg, stale, bodies, made), removed)
        self._save(index)
        return index

    def _save(self, index: RelatedIndex) -> None:
        """The rows the update changed, and the terms new to them, in one transaction. The
        vocabulary is read again under the write lock when another process (a `build` beside
        a `serve`) has stored one since: the rows are encoded with the stored one, so a place
        always means the stored term."""
        rows, gone = index.rows_changed()
        if self.store.claimed_key("related-terms") != self.vocabulary.stored_as(self.key):
            stored = Vocabulary.kept_for(self.key, self.store.blob("related-terms"))
            if stored is not None:
                self.vocabulary = stored
            else:  # the store's rows are another index's: all of this one's go in
                self._reset(self.key)
                rows = {i: index.row(i) for i in index.docs}
        vocabulary = self.vocabulary
        self.store.put_rows("related", vocabulary.encoded(rows))
        if vocabulary.grown:
            vocabulary.renewed()
            self.store.put_blob("related-terms", vocabulary.stored_as(self.key), vocabulary.terms)
        self.store.drop_rows("related", gone)

    def _load(self, key: str, cfg: RelatedConfig) -> RelatedIndex | None:
        kept = self.store.blob("related-index")
        stored = Vocabulary.kept_for(key, self.store.blob("related-terms"))
        if kept is not None and kept[0] == key and stored is not None:
            self.vocabulary = stored
            try:
                rows = self.store.rows("related", stored.decoded)
            except IndexError:  # rows whose terms the store lacks (a damaged cache)
                pass
            else:
                return RelatedIndex.from_rows(rows, cfg)
        self._reset(key)
        return None

    def _reset(self, key: str) -> None:
        """The store keeps no rows of the index of `key` yet, and an empty vocabulary."""
        self.vocabulary = Vocabulary()
        self.vocabulary.renewed()
        self.store.drop_rows("related")
        self.store.put_blob("related-index", key, None)
        self.store.put_blob("related-terms", self.vocabulary.stored_as(key), [])

    def forget(self) -> None:
        """After a failed build, or to free the memory: the next update loads the index from
        the store again (what its last commit holds, plus the rows this update put)."""
        self.key, self.index, self.lists = "", None, RelatedLists()
        self.vocabulary = Vocabulary()


def _docs(cfg: RelatedConfig, articles: Sequence[Article],
          bodies: Callable[[list[Article]], list[Article]],
          made: Mapping[str, RelatedDoc] | None) -> list[RelatedDoc]:
    """Each article's RelatedDoc, in order: the reader's where it was made from this very
    article (the same id and fingerprint), else made here from the article's body."""
    made = made or {}
    ready = [made.get(a.source_path) for a in articles]
    ready = [d if d is not None and a.fingerprint and (d.id, d.fingerprint) == (a.id, a.fingerprint)
             else None for a, d in zip(articles, ready)]
    settings, known = text_settings(cfg), Words()
    fresh = iter([RelatedDoc.of(a, settings, known)
                  for a in bodies([a for a, d in zip(articles, ready) if d is None])])
    return [d if d is not None else next(fresh) for d in ready]
