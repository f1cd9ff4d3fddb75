"""Related reading kept between builds: an edit recomputes only the lists it can move.

`RelatedIndex` holds what `find_related` computes and throws away: each article's term counts
(as a `RelatedDoc`, never its body), the document frequencies and IDF, each article's vector,
the inverted index of top terms in date order, the pairs found when each article was visited,
the listed titles' matches, each article's computed list and its story. It works on ids; its
`Related` is made with the site's Article objects by `RelatedLists`.

`update(docs, removed)` after an edit, an addition, a removal or a date change:

1. the document frequencies move by the terms of the docs that came and went; a term's IDF
   changes only when its rounded frequency crosses a step (`related_index.df_step`), or the
   `max_doc_share` cut moves past it; the vectors holding such a term are recomputed;
2. each changed vector leaves and enters the postings of its terms. One that moved a lot (the
   edited article, a new one, a date change) finds all its pairs again, as `pair_blocks`
   would; one that moved little (an IDF step) recomputes only its kept pairs (see MARGIN);
   where a term's postings are capped (`max_candidates_per_term`), the later articles whose
   window the change shifts are visited again;
3. lists are recomputed for the ends of every pair that moved, the changed articles and their
   neighbours, the articles whose listed titles match anew, and those whose story changed;
   stories are regrouped only in the parts of the link graph that hold a changed link.

Past the tolerance (the article count crossing a power of two re-weights every term, or more
than a tenth of the vectors move) it recomputes everything, as `find_related` does. Either way
the result equals `find_related`'s exactly: tests/test_related_state.py checks it on random
sequences of edits.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Sequence

from .config import RelatedConfig
from .related import _score, _stories, reach, text_settings
from .related_index import (
    RelatedDoc,
    Weights,
    common_cut,
    idf_base,
    idf_value,
    weigh,
)
from .related_titles import TitleIndex, title_features

Key = tuple[float, str, str]  # (stamp, slug, id): oldest first, the order pairs are found in
Match = tuple[str, float] | None  # a listed title's site article (id) and score
Row = tuple  # what the store keeps per article: see `row`

# Pairs are kept down to this much under the similarity floor: a vector that moves less than
# half of it (an IDF step elsewhere) cannot bring a pair not kept over the floor, so only the
# kept ones are computed again.
MARGIN = 0.05


class RelatedIndex:
    """Related reading of a whole site, by article id, brought up to date one change at a time."""

    def __init__(self, cfg: RelatedConfig) -> None:
        self.cfg = cfg
        self.settings = text_settings(cfg)
        self.horizon, self.floor = reach(cfg)
        self.shadow = self.floor - MARGIN  # the pairs kept: see MARGIN
        self.journal: dict[tuple[str, str], float | None] = {}  # pair -> before this update
        self.seeds: set[str] = set()  # ids whose story a moved link can change
        self.docs: dict[str, RelatedDoc] = {}
        self.df: Counter[str] = Counter()
        self.idf: dict[str, float] = {}
        self.base, self.most = 0, 0.0  # what the IDF was computed against
        self.vecs: dict[str, Weights] = {}
        self.postings: dict[str, list[Key]] = {}  # term -> docs with it in their vector
        self.older: dict[str, dict[str, float]] = {}  # id -> {older id: similarity}
        self.nbrs: dict[str, dict[str, float]] = {}  # id -> {either side: similarity}
        self.matched: dict[str, tuple[Match, ...]] = {}  # id -> a match per listed title
        self.computed: dict[str, tuple[tuple[str, float], ...]] = {}  # id -> (id, score)
        self.group: dict[str, tuple[str, ...]] = {}  # id -> its story's ids, newest first
        self.matches: dict[str, Match] = {}  # listed title -> its match, while titles hold
        self._titles: TitleIndex | None = None  # built when a listed title must be matched
        self.changed: set[str] = set()  # ids whose row changed since the last `rows_changed`
        self.shown: set[str] = set()  # ids whose list or story changed since `RelatedLists` saw
        self.full = False  # the last update recomputed everything

    # Keys and orders.

    def key(self, i: str) -> Key:
        d = self.docs[i]
        return d.stamp, d.slug, d.id

    def rank(self, i: str) -> tuple[float, str, str]:
        """Site order, newest first: the order lists break ties in."""
        d = self.docs[i]
        return -d.stamp, d.slug, d.id

    # Updating.

    def update(self, docs: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> None:
        """Take in new and changed docs, and drop the removed ids."""
        new = {d.id: d for d in docs if self.docs.get(d.id) != d}
        gone = {i for i in removed if i in self.docs and i not in new}
        if not new and not gone:
            return
        self.full = False
        old = {i: self.docs[i] for i in new.keys() | gone if i in self.docs}
        for d in old.values():
            self.df.subtract(d.counts.keys())
        for d in new.values():
            self.df.update(d.counts.keys())
        touched_terms = {t for d in (*old.values(), *new.values()) for t in d.counts}
        for t in touched_terms:
            if self.df[t] <= 0:
                del self.df[t]
        count = len(self.docs) + len(new.keys() - old.keys()) - len(gone)
        if idf_base(count) != self.base:
            self._rebuild(old, new, gone)
            return
        revector = self._reweigh(touched_terms, count) | new.keys()
        if len(revector) > max(64, count // 5):
            self._rebuild(old, new, gone)
            return
        self._apply(old, new, gone, revector)

    def _rebuild(self, old: dict[str, RelatedDoc], new: dict[str, RelatedDoc],
                 gone: set[str]) -> None:
        docs = {i: d for i, d in self.docs.items() if i not in gone}
        docs.update(new)
        fresh = RelatedIndex.build(docs.values(), self.cfg)
        # What earlier updates changed is still owed to the store (`rows_changed`) and to the
        # lists, an article removed by one of them included.
        before, owed, shown = set(self.docs), self.changed, self.shown
        self.__dict__.update(fresh.__dict__)
        self.changed = owed | set(docs) | before
        self.shown = shown | self.changed

    @classmethod
    def build(cls, docs: Iterable[RelatedDoc], cfg: RelatedConfig) -> RelatedIndex:
        """Everything from scratch, as `find_related` computes it."""
        index = cls(cfg)
        index.full = True
        index.docs = {d.id: d for d in docs}
        for d in index.docs.values():
            index.df.update(d.counts.keys())
        n = len(index.docs)
        index.base, index.most = idf_base(n), common_cut(n, index.settings)
        steps: dict[int, float | None] = {}
        for t, df in index.df.items():
            if df not in steps:
                steps[df] = idf_value(df, index.base, index.most)
            if steps[df] is not None:
                index.idf[t] = steps[df]
        top = index.settings.top_terms
        index.vecs = {i: weigh(d.counts, index.idf, top) for i, d in index.docs.items()}
        ids = sorted(index.docs, key=index.key)
        stamps = [index.docs[i].stamp for i in ids]
        for i in ids:
            key = index.key(i)  # one tuple for all its postings: 25 per article
            for t in index.vecs[i]:
                index.postings.setdefault(t, []).append(key)
        from .related_pairs import pair_blocks  # NumPy loads only when pairs are scored

        index.older = {i: {} for i in ids}
        index.nbrs = {i: {} for i in ids}
        for block in pair_blocks(range(n), stamps, [index.vecs[i] for i in ids], index.horizon,
                                 cfg.max_candidates_per_term, index.shadow):
            for x, y, similarity in zip(*block):
                a, b = ids[x], ids[y]
                index.older[b][a] = similarity
                index.nbrs[a][b] = index.nbrs[b][a] = similarity
        index.matched = {i: index._match(d) for i, d in index.docs.items()}
        # Its fuzzy part, where some listed title has a slip, is 2 KB an article, and an update
        # rarely needs it (any title that moves drops it anyway): made again then.
        index._titles = None
        index._regroup(set(ids))
        index.computed = {i: index._candidates(i) for i in ids}
        index.changed = set(ids)
        index.shown = set(ids)
        return index

    def _reweigh(self, terms: set[str], count: int) -> set[str]:
        """The ids whose vector the new document frequencies change."""
        most = common_cut(count, self.settings)
        if int(most) != int(self.most):  # the cut moved: terms at its edge come or go
            low, high = sorted((int(most), int(self.most)))
            terms = terms | {t for t, df in self.df.items() if low < df <= high}
        self.most = most
        moved = set()
        for t in terms:
            value = idf_value(self.df.get(t, 0), self.base, most)
            if value != self.idf.get(t):
                moved.add(t)
                if value is None:
                    del self.idf[t]
                else:
                    self.idf[t] = value
        if not moved:
            return set()
        return {i for i, d in self.docs.items() if not moved.isdisjoint(d.counts.keys())}

    def _apply(self, old: dict[str, RelatedDoc], new: dict[str, RelatedDoc], gone: set[str],
               revector: set[str]) -> None:
        before_nbrs = {i: set(self.nbrs.get(i, {})) for i in old.keys() | new.keys()}
        vecs = {}
        for i in revector - gone:
            doc = new[i] if i in new else self.docs[i]
            vec = weigh(doc.counts, self.idf, self.settings.top_terms)
            if vec != self.vecs.get(i) or i in old and _key(old[i]) != _key(doc):
                vecs[i] = vec
        # A small move (most vectors an IDF step touches): only the kept pairs, those down to
        # MARGIN under the floor, can cross it. A big one: every pair is found again.
        # (Only with a floor above MARGIN: a pair not kept is then one under it, found or not.)
        small = {i for i, vec in vecs.items() if self.shadow > 0 and i in self.vecs
                 and i not in new.keys() - old.keys()
                 and _key(self.docs[i]) == _key(new.get(i, self.docs[i]))
                 and _distance(self.vecs[i], vec) <= MARGIN / 2}
        big = vecs.keys() - small
        checks = {(x, j) for x in small for j in self.older.get(x, {})}
        checks |= {(i, x) for x in small for i in self.nbrs.get(x, {}) if x in self.older.get(i, {})}
        shifted = {x: self.vecs[x].keys() ^ vecs[x].keys() for x in small}
        # A term's postings gaining or losing an article shift the capped windows after it.
        revisit = set()
        for x in big | gone:
            if x in self.vecs:
                revisit |= self._after(self.key(x), self.vecs[x], capped=True)
        for x in small:
            revisit |= self._after(self.key(x), shifted[x], capped=True)
        self.journal: dict[tuple[str, str], float | None] = {}
        for x in big | gone:
            self._drop(x)
        for x in vecs.keys() | gone:
            if x in self.vecs:
                key = self.key(x)
                for t in self.vecs[x]:
                    postings = self.postings[t]
                    del postings[bisect_left(postings, key)]
                    if not postings:
                        del self.postings[t]
        for i in gone:
            del self.docs[i]
            del self.vecs[i]
        self.docs.update(new)
        for x, vec in vecs.items():
            self.vecs[x] = vec
            key = self.key(x)
            for t in vec:
                insort(self.postings.setdefault(t, []), key)
            revisit |= self._after(key, vec if x in big else shifted[x], capped=True)
        revisit = (revisit | big) - gone
        for i in revisit:
            was, now = self.older.get(i, {}), self._visit(i)
            for j in was.keys() - now.keys():
                self._set_pair(i, j, None)
            for j, sim in now.items():
                self._set_pair(i, j, sim)
        for x in big:
            for i, sim in self._as_older(x).items():
                if i not in revisit:
                    self._set_pair(i, x, sim)
        for i, j in checks:
            if i not in revisit and i in self.docs and j in self.docs \
                    and self.key(j) < self.key(i):
                self._set_pair(i, j, self._pair(i, j))
        lists = self._moved_pairs(gone)
        for i, was in before_nbrs.items():
            lists |= was | self.nbrs.get(i, {}).keys()
        lists |= new.keys()
        lists |= self._rematch(old, new, gone)
        lists |= self._regroup(self.seeds | old.keys() | new.keys())
        lists -= gone
        for i in gone:
            for name in (self.matched, self.computed, self.group, self.older, self.nbrs):
                name.pop(i, None)
        for i in lists:
            made = self._candidates(i)
            if made != self.computed.get(i):
                self.computed[i] = made
                self.shown.add(i)
        self.changed |= lists | {i for i, _ in self.journal} | gone | vecs.keys()
        self.shown |= gone

    def _after(self, key: Key, terms: Iterable[str], capped: bool) -> set[str]:
        """The articles whose visit reads the one at `key` in the postings of `terms`: the next
        `max_candidates_per_term` within the horizon; with `capped`, only in postings longer
        than that (where an article coming or going moves the others' windows)."""
        limit = self.cfg.max_candidates_per_term
        found = set()
        for t in terms:
            postings = self.postings.get(t, ())
            if capped and len(postings) <= limit:
                continue
            start = bisect_left(postings, key) + 1
            for k in postings[start:start + limit]:
                if self.horizon and key[0] < k[0] - self.horizon:
                    break  # (the very test `_visit` makes)
                found.add(k[2])
        return found

    def _as_older(self, x: str) -> dict[str, float | None]:
        """The similarity each newer article's visit finds for `x` (None: below what is kept),
        for all of them at once: the terms a visit reads `x` by are those whose postings hold
        it among the `max_candidates_per_term` before the newer one, within the horizon."""
        key, vec = self.key(x), self.vecs[x]
        limit = self.cfg.max_candidates_per_term
        shared: dict[str, set[str]] = {}
        for t in vec:
            postings = self.postings[t]
            start = bisect_left(postings, key) + 1
            for k in postings[start:start + limit]:
                if self.horizon and key[0] < k[0] - self.horizon:
                    break
                shared.setdefault(k[2], set()).add(t)
        found: dict[str, float | None] = {}
        for i, terms in shared.items():
            acc = 0.0
            for t, weight in self.vecs[i].items():  # summed in the visit's order: the same float
                if t in terms:
                    acc += weight * vec[t]
            found[i] = acc if acc >= self.shadow else None
        return found

    def _visit(self, i: str) -> dict[str, float]:
        """The older articles similar enough to `i`, as `related_pairs.pair_blocks` finds them."""
        key = self.key(i)
        limit = self.cfg.max_candidates_per_term
        earliest = (key[0] - self.horizon,) if self.horizon else (float("-inf"),)
        acc: dict[str, float] = {}
        get = acc.get
        vecs = self.vecs
        for term, weight in vecs[i].items():
            postings = self.postings[term]
            at = bisect_left(postings, key)
            first = max(at - limit, bisect_left(postings, earliest))
            for k in postings[first:at]:
                j = k[2]
                acc[j] = get(j, 0.0) + weight * vecs[j][term]
        return {j: s for j, s in acc.items() if s >= self.shadow}

    def _pair(self, i: str, j: str) -> float | None:
        """The similarity `_visit(i)` finds for the older `j`, computed for that pair alone."""
        ki, kj = self.key(i), self.key(j)
        if self.horizon and kj[0] < ki[0] - self.horizon:
            return None
        limit = self.cfg.max_candidates_per_term
        other = self.vecs[j]
        acc = None
        for term, weight in self.vecs[i].items():
            theirs = other.get(term)
            if theirs is None:
                continue
            postings = self.postings[term]
            if len(postings) > limit and \
                    bisect_left(postings, ki) - bisect_left(postings, kj) > limit:
                continue  # outside i's window of this term
            acc = weight * theirs if acc is None else acc + weight * theirs
        return acc if acc is not None and acc >= self.shadow else None

    def _set_pair(self, newer: str, older: str, similarity: float | None) -> None:
        """Keep or drop one pair; the journal keeps what it was before this update."""
        mine = self.older.setdefault(newer, {})
        if (newer, older) not in self.journal:
            self.journal[(newer, older)] = mine.get(older)
        if similarity is None:
            mine.pop(older, None)
            self.nbrs.get(newer, {}).pop(older, None)
            self.nbrs.get(older, {}).pop(newer, None)
        else:
            mine[older] = similarity
            self.nbrs.setdefault(newer, {})[older] = similarity
            self.nbrs.setdefault(older, {})[newer] = similarity

    def _drop(self, x: str) -> None:
        for j in list(self.nbrs.get(x, {})):
            if j in self.older.get(x, {}):
                self._set_pair(x, j, None)
            else:
                self._set_pair(j, x, None)

    def _moved_pairs(self, gone: set[str]) -> set[str]:
        """The ids whose list a moved pair can change (its score as a list shows it moved),
        and, in `seeds`, those whose story it can change (a link moved)."""
        lists, self.seeds = set(), set()
        for (i, j), was in self.journal.items():
            now = self.older.get(i, {}).get(j)
            if now == was:
                continue
            if i in gone or j in gone or self._shown_score(i, j, was) != self._shown_score(i, j, now):
                lists |= {i, j}
            if max(was or 0.0, now or 0.0) >= self.cfg.story_min_score:
                self.seeds |= {i, j}
        return lists

    def _shown_score(self, i: str, j: str, similarity: float | None) -> float | None:
        if similarity is None or similarity < self.floor:
            return None
        a, b = self.docs[i], self.docs[j]
        days = abs(a.stamp - b.stamp)
        if self.cfg.window_days and days > self.cfg.window_days:
            return None
        score = _score(similarity, a.tags, b.tags, days, self.cfg)
        return score if score >= self.cfg.min_score else None

    # Listed titles.

    def _match(self, doc: RelatedDoc) -> tuple[Match, ...]:
        return tuple(self._title_match(t) for t in doc.similar)

    def _title_match(self, title: str) -> Match:
        if title not in self.matches:
            if self._titles is None:
                self._titles = TitleIndex.build(sorted(self.docs.values(),
                                                       key=lambda d: self.rank(d.id)))
            found = self._titles.match(title, self.cfg.title_match_threshold)
            self.matches[title] = (found.article.id, found.score) if found else None
        return self.matches[title]

    def _rematch(self, old: dict[str, RelatedDoc], new: dict[str, RelatedDoc],
                 gone: set[str]) -> set[str]:
        """The ids whose listed titles match anew: titles sharing a key, word or word pair with
        a site title that came, went, changed or moved in site order are matched again."""
        moved = [d for d in (*old.values(), *new.values())
                 if d.id in gone or d.id not in old or d.id not in new
                 or (old[d.id].title, old[d.id].stamp, old[d.id].slug, old[d.id].lead)
                 != (new[d.id].title, new[d.id].stamp, new[d.id].slug, new[d.id].lead)]
        stale: set[str] = set()
        if moved:
            self._titles = None
            features = frozenset().union(*(title_features(d.title, d.lead) for d in moved))
            ids = {d.id for d in moved}
            stale = {t for t, m in self.matches.items()
                     if (m is not None and m[0] in ids) or not features.isdisjoint(
                         title_features(t))}
            for t in stale:
                del self.matches[t]
        listing = {i for i, d in self.docs.items() if not stale.isdisjoint(d.similar)} \
            if stale else set()
        changed = set()
        for i in listing | new.keys():
            if i in self.docs:
                matched = self._match(self.docs[i])
                if matched != self.matched.get(i):
                    self.matched[i] = matched
                    self.shown.add(i)
                    changed.add(i)
        return changed

    # Stories and lists.

    def _regroup(self, seeds: set[str]) -> set[str]:
        """Regroup the parts of the link graph around `seeds`; the ids whose story changed."""
        if not self.cfg.stories:
            return set()
        seeds = seeds | {j for i in seeds for j in self.group.get(i, ())}
        part, todo = set(), [i for i in seeds if i in self.docs]
        while todo:
            i = todo.pop()
            if i in part:
                continue
            part.add(i)
            todo.extend(j for j, s in self.nbrs.get(i, {}).items()
                        if j not in part and self._link(i, j, s))
        pairs = [_Pair(j, i, s) for i in part for j, s in self.older.get(i, {}).items()
                 if j in part]
        stamps = {i: self.docs[i].stamp for i in part}
        ranks = {i: self.rank(i) for i in part}
        stories = _stories(pairs, self.docs, stamps, ranks, self.cfg)
        changed = set()
        for i in seeds - part:
            if self.group.pop(i, None) is not None:
                changed.add(i)
        now = {d.id: tuple(x.id for x in story) for story in stories for d in story}
        for i in part:
            if self.group.get(i) != now.get(i):
                changed.add(i)
                if i in now:
                    self.group[i] = now[i]
                else:
                    self.group.pop(i, None)
        self.shown |= changed
        return changed

    def _link(self, i: str, j: str, similarity: float) -> bool:
        """Whether two articles may join one story (what `related._stories` links)."""
        a, b = self.docs[i], self.docs[j]
        return similarity >= self.cfg.story_min_score and a.category != b.category \
            and abs(a.stamp - b.stamp) <= self.cfg.story_window_days

    def _candidates(self, i: str) -> tuple[tuple[str, float], ...]:
        """The computed part of `i`'s list, as find_related ranks it."""
        cfg, doc = self.cfg, self.docs[i]
        matched = self.matched.get(i, ())
        listed = {m[0] for m in matched if m is not None}
        room = cfg.count - _explicit_count(i, matched) if cfg.count_includes_explicit \
            else cfg.count
        if room <= 0:
            return ()
        mates = set(self.group.get(i, ())) if not cfg.list_story_mates else set()
        found = []
        for j, similarity in self.nbrs.get(i, {}).items():
            if similarity < self.floor:
                continue  # kept only for a later update (see MARGIN)
            other = self.docs[j]
            days = abs(doc.stamp - other.stamp)
            if cfg.window_days and days > cfg.window_days:
                continue
            score = _score(similarity, doc.tags, other.tags, days, cfg)
            if score < cfg.min_score or j in mates or j in listed:
                continue
            found.append((score, j))
        found.sort(key=lambda c: (-c[0], self.rank(c[1])))
        return tuple((j, score) for score, j in found[:room])

    # Persisting: a row per article.

    def row(self, i: str) -> Row:
        return (self.docs[i], self.vecs[i], self.older.get(i, {}), self.matched.get(i, ()),
                self.computed.get(i, ()), self.group.get(i))

    def rows_changed(self) -> tuple[dict[str, Row], set[str]]:
        """The rows to write and the ids to delete since the last call."""
        rows = {i: self.row(i) for i in self.changed if i in self.docs}
        gone = self.changed - rows.keys()
        self.changed = set()
        return rows, gone

    @classmethod
    def from_rows(cls, rows: dict[str, Row], cfg: RelatedConfig) -> RelatedIndex:
        """The index as `row` kept it; what can be derived from the rows is derived."""
        index = cls(cfg)
        for i, (doc, vec, older, matched, computed, group) in rows.items():
            if not isinstance(vec, Weights):  # a row of an older Digest (unpickled, it interns)
                vec = Weights(vec)
            index.docs[i], index.vecs[i], index.older[i] = doc, vec, older
            index.matched[i], index.computed[i] = matched, computed
            if group is not None:
                index.group[i] = group
            index.df.update(doc.counts.keys())
            index.nbrs[i] = {}
            for title, match in zip(doc.similar, matched, strict=True):
                index.matches[title] = match
        n = len(index.docs)
        index.base, index.most = idf_base(n), common_cut(n, index.settings)
        for t, df in index.df.items():
            value = idf_value(df, index.base, index.most)
            if value is not None:
                index.idf[t] = value
        for i in sorted(index.docs, key=index.key):
            key = index.key(i)
            for t in index.vecs[i]:
                index.postings.setdefault(t, []).append(key)
            for j, s in index.older[i].items():
                index.nbrs[i][j] = index.nbrs[j][i] = s
        index.shown = set(index.docs)
        return index


def _key(doc: RelatedDoc) -> Key:
    return doc.stamp, doc.slug, doc.id


def _distance(a: dict[str, float], b: dict[str, float]) -> float:
    return math.sqrt(sum((a.get(t, 0.0) - b.get(t, 0.0)) ** 2 for t in a.keys() | b.keys()))


class _Pair:
    """A pair as `related._stories` reads it (`related_index.Pair`, on ids)."""

    __slots__ = ("older", "newer", "similarity")

    def __init__(self, older: str, newer: str, similarity: float) -> None:
        self.older, self.newer, self.similarity = older, newer, similarity


def _explicit_count(i: str, matched: Sequence[Match]) -> int:
    """How many listed items `related._explicit` makes: a site article only once."""
    seen: set[str] = set()
    count = 0
    for m in matched:
        if m is None or m[0] == i:
            count += 1
        elif m[0] not in seen:
            seen.add(m[0])
            count += 1
    return count
