from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.config import CategoryConfig, Config
from generator.errors import BuildFailed
from generator.model import Article
from generator.site import Site
from generator.urls import Urls

CFG = Config(root=Path("/x"), content_dir=Path("/x/content"), output_dir=Path("/x/output"),
             templates_dir=Path("/x/templates"),
             categories={"nhk": CategoryConfig("NHK World", "Public", "https://nhk.example/")})
URLS = Urls.for_config(CFG)


def art(slug, day, hour=0, **kw):
    values = dict(id=slug, title=slug.replace("-", " ").title(), slug=slug,
                  date=datetime(2023, 9, day, hour, tzinfo=UTC), category="nhk",
                  category_label="nhk", source_path=f"content/{slug}.md", body_html="")
    values.update(kw)
    return Article(**values)


def test_order_is_newest_first_with_explicit_ties():
    site = Site.from_articles([art("b", 1), art("a", 1), art("c", 2)], CFG, URLS)
    assert [a.slug for a in site.articles] == ["c", "a", "b"]
    assert site.newer(site.articles[1]).slug == "c" and site.older(site.articles[1]).slug == "b"
    assert site.newer(site.articles[0]) is None and site.older(site.articles[2]) is None


def test_drafts_are_left_out_unless_asked():
    items = [art("a", 1), art("d", 2, draft=True)]
    assert [a.slug for a in Site.from_articles(items, CFG, URLS).articles] == ["a"]
    from dataclasses import replace
    assert len(Site.from_articles(items, replace(CFG, drafts=True), URLS).articles) == 2


def test_groupings_and_names():
    site = Site.from_articles([
        art("a", 1, tags=("Economy", "transport")),
        art("b", 1, tags=("economy",), category="bbc", category_label="BBC News"),
        art("c", 3, tags=("Economy",), category="bbc", category_label="bbc news"),
    ], CFG, URLS)
    assert [c.name for c in site.categories] == ["BBC News", "NHK World"]  # tie: sorted first
    assert site.category("nhk").url == "https://nhk.example/"
    assert [(t.slug, t.name) for t in site.tags] == [("economy", "Economy"), ("transport", "transport")]
    assert [a.slug for a in site.by_tag["economy"]] == ["c", "a", "b"]
    assert [a.slug for a in site.by_category["bbc"]] == ["c", "b"]
    assert site.months() == [(2023, 9, 3)]


def test_duplicate_ids_and_urls_name_both_files():
    with pytest.raises(BuildFailed) as caught:
        Site.from_articles([art("a", 1), art("a", 1, id="other", source_path="content/z.md")],
                           CFG, URLS)
    [error] = caught.value.errors
    assert str(error) == ("content/z.md: URL /2023/09/01/a/ is also the URL of content/a.md "
                          "(give one a `slug`)")
