"""The Site index: every ordering, grouping and lookup the pages need, built once as dicts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from .config import Config
from .errors import BuildFailed, ContentError
from .model import Article, Category, Tag
from .text import display_name, slugify
from .urls import Urls


@dataclass(frozen=True, slots=True)
class Site:
    articles: tuple[Article, ...]  # newest first; ties broken by slug, then id
    categories: tuple[Category, ...]  # by name
    tags: tuple[Tag, ...]  # by name
    by_category: dict[str, tuple[Article, ...]] = field(hash=False)
    by_tag: dict[str, tuple[Article, ...]] = field(hash=False)
    by_day: dict[date, tuple[Article, ...]] = field(hash=False)
    position: dict[str, int] = field(hash=False)  # article id -> index in `articles`
    category_index: dict[str, Category] = field(hash=False)

    @classmethod
    def from_articles(cls, articles: list[Article], cfg: Config, urls: Urls,
                      check: bool = True) -> Site:
        """Index the articles; duplicate ids or URLs are errors naming both files (raised here
        unless `check` is off: the build collects them with every other error instead)."""
        if not cfg.drafts:
            articles = [a for a in articles if not a.draft]
        ordered = sorted(articles, key=lambda a: (a.slug, a.id, a.source_path))
        ordered.sort(key=lambda a: a.date, reverse=True)  # stable: the tie order above stays
        if check and (errors := duplicate_errors(ordered, urls)):
            raise BuildFailed(errors)

        by_category: dict[str, list[Article]] = defaultdict(list)
        by_tag: dict[str, list[Article]] = defaultdict(list)
        by_day: dict[date, list[Article]] = defaultdict(list)
        category_labels: dict[str, Counter[str]] = defaultdict(Counter)
        tag_names: dict[str, Counter[str]] = defaultdict(Counter)
        for article in ordered:
            by_category[article.category].append(article)
            category_labels[article.category][article.category_label] += 1
            by_day[article.day].append(article)
            for name in article.tags:
                slug = slugify(name)
                if slug and article not in by_tag[slug][-1:]:
                    by_tag[slug].append(article)
                    tag_names[slug][name] += 1

        categories = []
        for cat_id, labels in category_labels.items():
            configured = cfg.categories.get(cat_id)
            if configured:
                categories.append(Category(cat_id, configured.name, configured.description,
                                           configured.url))
            else:
                categories.append(Category(cat_id, display_name(_most_common(labels))))
        tags = [Tag(slug, _most_common(names)) for slug, names in tag_names.items()]
        return cls(
            articles=tuple(ordered),
            categories=tuple(sorted(categories, key=lambda c: (c.name.casefold(), c.id))),
            tags=tuple(sorted(tags, key=lambda t: (t.name.casefold(), t.slug))),
            by_category={k: tuple(v) for k, v in by_category.items()},
            by_tag={k: tuple(v) for k, v in by_tag.items()},
            by_day={k: tuple(v) for k, v in by_day.items()},
            position={a.id: i for i, a in enumerate(ordered)},
            category_index={c.id: c for c in categories},
        )

    def category(self, category_id: str) -> Category:
        return self.category_index[category_id]

    def newer(self, article: Article) -> Article | None:
        i = self.position[article.id]
        return self.articles[i - 1] if i > 0 else None

    def older(self, article: Article) -> Article | None:
        i = self.position[article.id]
        return self.articles[i + 1] if i + 1 < len(self.articles) else None

    def months(self) -> list[tuple[int, int, int]]:
        """(year, month, count) for every month with articles, newest first."""
        counts: Counter[tuple[int, int]] = Counter()
        for day, items in self.by_day.items():
            counts[(day.year, day.month)] += len(items)
        return [(y, m, counts[(y, m)]) for y, m in sorted(counts, reverse=True)]


def _most_common(counter: Counter[str]) -> str:
    return min(counter, key=lambda name: (-counter[name], name))


def duplicate_errors(articles: tuple[Article, ...] | list[Article], urls: Urls
                     ) -> list[ContentError]:
    """Two articles with one id, or one URL: an error naming both files."""
    errors = []
    by_id: dict[str, Article] = {}
    by_url: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.source_path):
        first = by_id.setdefault(article.id, article)
        if first is not article:
            errors.append(ContentError(article.source_path, None,
                          f"id {article.id!r} is also the id of {first.source_path}"))
        url = urls.article(article)
        first = by_url.setdefault(url, article)
        if first is not article:
            errors.append(ContentError(article.source_path, None,
                          f"URL {url} is also the URL of {first.source_path} (give one a `slug`)"))
    return errors
