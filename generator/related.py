"""Related reading: explicit lists first, then text similarity, tags and recency; stories across sources.

The one entry point is `find_related(articles, cfg)`. It sees articles only through their title,
summary, body, tags, date, category, slug and listed similar titles. How texts become vectors is
in `related_index`, how pairs are found without comparing all pairs in `related_pairs`, and how
listed titles find their articles in `related_titles`.

Score of a computed item, in [0, 1 + tag_bonus]:

    recency * (cosine(text vectors) + tag_bonus * shared_tags / sqrt(tags_a * tags_b))
    recency = 1 - recency_weight * days_apart / window_days

rounded to three decimals, ties broken by date (newer first), then slug, then id.

Stability (what lets an incremental build skip pages): an article's vector depends only on its
own text and on the IDF of its terms; IDF uses the article count rounded up to a power of two and
document frequencies rounded to a geometric scale (`related_index.df_step`). Scores are pairwise
(no normalisation over the site). So one edited, added or removed article moves the vectors of
only the articles holding a term whose rounded frequency moved, and a list changes only if it
belongs to one of those or holds one before or after: tests/test_related.py checks exactly this.
The exceptions, by design: the count crossing a power of two re-weights every term; adding or
removing articles moves the `max_doc_share` cut for terms at its edge; and a term in more than
`max_candidates_per_term` articles of one window drops its oldest candidates. Measured at 10k articles, an edit changes
the order or members of 3-6 lists (benchmarks/README_related.md). Scores shift more often than
lists, so page context should hold a list's articles, not its scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import RelatedConfig
from .model import Article, quick_pickle
from .related_index import (
    Pair,
    TextSettings,
    shared_terms,
    stamp_of,
    tag_slugs,
    vectors,
)
from .related_titles import TitleIndex
from .text import slugify

SHOWN_TERMS = 4  # shared terms named in a reason


@quick_pickle
@dataclass(frozen=True, slots=True)
class RelatedItem:
    article: Article | None  # None for a listed title that matches no site article
    title: str  # the site article's title, or the listed title when unmatched
    score: float  # title match score for an explicit item, the related score otherwise
    explicit: bool
    reasons: tuple[str, ...]  # human-readable, for `digest related`


@dataclass(frozen=True, slots=True)
class Related:
    by_article: dict[str, tuple[RelatedItem, ...]] = field(hash=False)  # id -> explicit, computed
    stories: tuple[tuple[Article, ...], ...]  # each newest first; newest story first
    story_of: dict[str, int] = field(hash=False)  # article id -> index into stories


def find_related(articles: Sequence[Article], cfg: RelatedConfig,
                 reasons: bool = True) -> Related:
    """Related reading for every article of the site.

    The result does not depend on the order of `articles`: everything is ranked newest first,
    ties by slug, then id (the order Site.articles has).
    """
    n = len(articles)
    stamps = [stamp_of(a) for a in articles]
    newest = sorted(range(n), key=lambda i: (-stamps[i], articles[i].slug, articles[i].id))
    rank = {i: r for r, i in enumerate(newest)}
    vecs = vectors(articles, text_settings(cfg))
    tags = [tag_slugs(a.tags) for a in articles]
    horizon, floor = reach(cfg)
    oldest = sorted(range(n), key=lambda i: (stamps[i], articles[i].slug, articles[i].id))
    from .related_pairs import pair_blocks  # NumPy loads only when pairs are scored

    pairs = [Pair(*pair) for block in pair_blocks(oldest, stamps, vecs, horizon,
                                                  cfg.max_candidates_per_term, floor)
             for pair in zip(*block)]

    stories = _stories(pairs, articles, stamps, rank, cfg) if cfg.stories else ()
    story_of = {a.id: s for s, story in enumerate(stories) for a in story}
    titles = TitleIndex.build([articles[i] for i in newest])
    explicit = [_explicit(a, titles, cfg) for a in articles]
    listed = [{item.article.id for item in items if item.article} for items in explicit]

    candidates: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    for pair in pairs:
        a, b = pair.older, pair.newer
        days = stamps[b] - stamps[a]
        if cfg.window_days and days > cfg.window_days:
            continue
        score = _score(pair.similarity, tags[a], tags[b], days, cfg)
        if score < cfg.min_score:
            continue
        if not cfg.list_story_mates and articles[a].id in story_of and \
                story_of[articles[a].id] == story_of.get(articles[b].id):
            continue  # shown as "Also covered by" already
        if articles[b].id not in listed[a]:
            candidates[a].append((score, b))
        if articles[a].id not in listed[b]:
            candidates[b].append((score, a))

    by_article = {}
    for i, article in enumerate(articles):
        room = cfg.count - len(explicit[i]) if cfg.count_includes_explicit else cfg.count
        best = sorted(candidates[i], key=lambda c: (-c[0], rank[c[1]]))[: max(0, room)]
        computed = tuple(
            computed_item(article, articles[j], score, shared_terms(vecs[i], vecs[j], SHOWN_TERMS),
                           tags[i] & tags[j], stamps[i] - stamps[j])
            if reasons else RelatedItem(articles[j], articles[j].title, score, False, ())
            for score, j in best
        )
        by_article[article.id] = explicit[i] + computed
    return Related(by_article, stories, story_of)


def text_settings(cfg: RelatedConfig) -> TextSettings:
    return TextSettings(cfg.title_weight, cfg.summary_weight, cfg.max_doc_share, cfg.top_terms)


def reach(cfg: RelatedConfig) -> tuple[float, float]:
    """How far apart in days (0 = any) and how similar two articles must be to matter."""
    story_days = cfg.story_window_days if cfg.stories else 0
    horizon = max(cfg.window_days, story_days) if cfg.window_days else 0
    # The lowest text similarity that could still matter: a computed item's text score plus
    # its largest tag bonus, or a story link.
    floor = max(0.0, cfg.min_score - cfg.tag_bonus)
    if cfg.stories:
        floor = min(floor, cfg.story_min_score)
    return horizon, floor


def _score(similarity: float, tags_a: frozenset[str], tags_b: frozenset[str], days: float,
           cfg: RelatedConfig) -> float:
    overlap = len(tags_a & tags_b) / math.sqrt(len(tags_a) * len(tags_b)) if tags_a and tags_b \
        else 0.0
    recency = 1.0 - cfg.recency_weight * min(days / cfg.window_days, 1.0) if cfg.window_days \
        else 1.0
    return round(recency * (similarity + cfg.tag_bonus * overlap), 3)


def _explicit(article: Article, titles: TitleIndex, cfg: RelatedConfig) -> tuple[RelatedItem, ...]:
    matches = (titles.match(t, cfg.title_match_threshold) for t in article.similar)
    return explicit_items(article.id, [(t, m.article, m.score) if m else (t, None, 0.0)
                                       for t, m in zip(article.similar, matches)])


def explicit_items(own: str, listed: Sequence[tuple[str, Article | None, float]]
                   ) -> tuple[RelatedItem, ...]:
    """The listed titles in their order (each with the site article it matches and the match's
    score): links where they match, plain text where not.

    A title matching the article itself, or one already listed, stays plain text or is dropped:
    a page does not recommend itself, nor the same article twice.
    """
    items = []
    seen: set[str] = set()
    for title, match, score in listed:
        if match is None or match.id == own:
            items.append(RelatedItem(None, title, 0.0, True, ("listed, no site article matches",)))
        elif match.id not in seen:
            seen.add(match.id)
            items.append(RelatedItem(match, match.title, score, True,
                                     (f"explicit match (score {score:.2f})",)))
    return tuple(items)


def computed_item(article: Article, other: Article, score: float, terms: list[str],
                   tags: frozenset[str], days: float) -> RelatedItem:
    reasons = []
    if terms:
        reasons.append("shared terms: " + ", ".join(terms))
    if tags:
        # The article's own spelling of the tags it shares (they were compared as slugs).
        names = sorted({t for t in article.tags if slugify(t) in tags}, key=str.casefold)
        reasons.append("shared tags: " + ", ".join(names))
    whole = round(abs(days))
    reasons.append("same day" if whole == 0 else f"{whole} day{'s' * (whole != 1)} apart")
    return RelatedItem(other, other.title, score, False, tuple(reasons))


def _stories(pairs: list[Pair], articles: Sequence[Article], stamps: list[float],
             rank: dict[int, int], cfg: RelatedConfig) -> tuple[tuple[Article, ...], ...]:
    """Groups of articles from different sources about one event, strongest links joined first.

    Two groups join when a link between them is strong enough, they share no source, and the
    joined group still spans at most `story_window_days`: this stops a running topic (a war, a
    campaign) from chaining day after day into one endless "story". Each story lists its
    articles newest first; stories come in the order of their newest articles.
    """
    links = sorted(
        (p for p in pairs
         if p.similarity >= cfg.story_min_score
         and stamps[p.newer] - stamps[p.older] <= cfg.story_window_days
         and articles[p.older].category != articles[p.newer].category),
        key=lambda p: (-p.similarity, rank[p.newer], rank[p.older]),
    )
    group_of: dict[int, list[int]] = {}
    for link in links:
        a = group_of.get(link.older, [link.older])
        b = group_of.get(link.newer, [link.newer])
        if a is b:
            continue
        joined = a + b
        spread = max(stamps[i] for i in joined) - min(stamps[i] for i in joined)
        sources = {articles[i].category for i in joined}
        if spread > cfg.story_window_days or len(sources) < len(joined):
            continue
        for i in joined:
            group_of[i] = joined
    groups = {id(g): sorted(g, key=rank.__getitem__) for g in group_of.values()}
    ordered = sorted(groups.values(), key=lambda g: rank[g[0]])
    return tuple(tuple(articles[i] for i in g) for g in ordered)


def explain(related: Related, article_id: str) -> str:
    """What `digest related` prints: each item with its score and why it is there."""
    if article_id not in related.by_article:
        raise KeyError(f"no article with id {article_id!r}")
    items = related.by_article[article_id]
    lines = [f"Related reading for {article_id}:"]
    if not items:
        lines.append("  (none: no listed titles, and nothing scored at least min_score)")
    for number, item in enumerate(items, 1):
        kind = "listed" if item.explicit else "computed"
        where = f" [{item.article.category}, {item.article.day}]" if item.article else \
            " [not on this site]"
        lines.append(f"  {number}. {item.title}{where}")
        lines.append(f"     {kind}, score {item.score:.3f}: " + "; ".join(item.reasons))
    story = related.story_of.get(article_id)
    if story is not None:
        lines.append("Also covered by:")
        for other in related.stories[story]:
            if other.id != article_id:
                lines.append(f"  - {other.title} [{other.category}, {other.day}]")
    return "\n".join(lines)
