"""Structured data for search engines: JSON-LD built as a value and serialized, never pasted."""

from __future__ import annotations

import json

from .model import Article, Category
from .urls import Urls

HEADLINE_MAX = 110  # Google's limit for NewsArticle.headline


def news_article_json_ld(article: Article, category: Category, urls: Urls, site_title: str,
                         base_url: str) -> str:
    """A schema.org NewsArticle, safe to place inside a <script> element."""
    url = urls.absolute(urls.article(article))
    authors = [{"@type": "Person", "name": name} for name in article.authors]
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:HEADLINE_MAX],
        "description": article.summary,
        "datePublished": article.date.isoformat(),
        "dateModified": (article.updated or article.date).isoformat(),
        "author": authors or [{"@type": "Organization", "name": category.name}],
        "publisher": {"@type": "Organization", "name": site_title, "url": base_url},
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "articleSection": category.name,
        "wordCount": article.word_count,
    }
    if article.tags:
        data["keywords"] = list(article.tags)
    if article.source_url:
        data["isBasedOn"] = article.source_url
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    # "</script>" or "<!--" inside a string would end or confuse the element; the escapes
    # below are equivalent JSON.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
