from dataclasses import replace

import pytest
from test_site import CFG, URLS, art

from generator.errors import BuildFailed
from generator.pages import newest_shown, paginate, plan_pages
from generator.related import RelatedConfig, find_related
from generator.site import Site


def test_paginate_links_pages_and_keeps_counts():
    items = tuple(art(f"a{i}", 1 + i) for i in range(5))
    pagers = paginate(items, 2, lambda n: URLS.home(n))
    assert [len(p.items) for p in pagers] == [2, 2, 1]
    assert [p.url for p in pagers] == ["/", "/page/2/", "/page/3/"]
    assert pagers[0].prev_url is None and pagers[0].next_url == "/page/2/"
    assert pagers[2].next_url is None and pagers[2].prev_url == "/page/2/"
    assert {p.item_count for p in pagers} == {5}
    assert len(paginate((), 2, URLS.home)) == 1  # an empty list still has its page


def test_groups_by_day_newest_first():
    site = Site.from_articles([art("a", 1, 5), art("b", 1, 9), art("c", 2)], CFG, URLS)
    [pager] = paginate(site.articles, 10, URLS.home)
    assert [(d.day, [a.slug for a in items]) for d, items in pager.groups] == [
        (2, ["c"]), (1, ["b", "a"])]


def test_plan_has_one_page_per_file():
    site = Site.from_articles([art("a", 1, tags=("x",)), art("b", 2)], CFG, URLS)
    plan = plan_pages(site, find_related(site.articles, RelatedConfig()), CFG, URLS)
    urls = [p.url for p in plan]
    assert len(urls) == len(set(urls))
    assert {"/", "/category/", "/category/nhk/", "/tag/", "/tag/x/", "/2023/", "/2023/09/",
            "/2023/09/01/", "/2023/09/01/a/", "/archive/", "/404.html"} <= set(urls)


def test_pages_are_sent_to_render_by_the_newest_article_each_is_about_or_lists():
    """So an article's own page, its neighbours' and the lists that show it render close
    together, while a worker still holds its card and its list entry."""
    site = Site.from_articles([art("a", 1, tags=("x",)), art("b", 2), art("c", 3, tags=("x",))],
                              CFG, URLS)
    plan = plan_pages(site, find_related(site.articles, RelatedConfig()), CFG, URLS)
    key = newest_shown(site)
    keys = {p.url: key(p) for p in plan}
    assert keys["/2023/09/03/c/"] == keys["/tag/x/"] == keys["/"] == keys["/2023/09/"] == 0
    assert keys["/2023/09/02/b/"] == keys["/2023/09/02/"] == 1  # b is newer than a, on x's list
    assert keys["/2023/09/01/a/"] == keys["/2023/09/01/"] == 2
    assert keys["/tag/"] == keys["/archive/"] == keys["/404.html"] == 3  # no article: last
    sent = sorted(plan, key=key)
    assert [p.url for p in sent if p.url.startswith("/2023/09/0")] == [
        "/2023/09/03/c/", "/2023/09/03/", "/2023/09/02/b/", "/2023/09/02/", "/2023/09/01/a/",
        "/2023/09/01/"]


def test_an_article_on_a_list_page_url_is_an_error():
    cfg = replace(CFG, article_permalink="/{slug}/")
    urls = type(URLS).for_config(cfg)
    site = Site.from_articles([art("archive", 1)], cfg, urls)
    with pytest.raises(BuildFailed, match=r"/archive/ is the URL of a page Digest makes \(archive.html\)"):
        plan_pages(site, find_related(site.articles, RelatedConfig()), cfg, urls)


def test_the_readme_describes_every_template_context():
    """The README's template reference is made from generator/contexts.py: never out of date."""
    from pathlib import Path

    from generator.contexts import reference

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    begin, end = "<!-- template-reference:begin -->\n", "<!-- template-reference:end -->"
    assert readme.split(begin)[1].split(end)[0] == reference()
