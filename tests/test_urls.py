from datetime import UTC, date, datetime

import pytest

from generator.model import Article
from generator.urls import Urls

ARTICLE = Article(id="1", title="T", slug="café-news", date=datetime(2023, 9, 7, tzinfo=UTC),
                  category="nhk", category_label="nhk", source_path="content/x.md", body_html="")


@pytest.mark.parametrize("base", ["https://example.org/", "https://example.org/news/"])
def test_every_href_maps_back_to_a_file(base):
    path = base.removeprefix("https://example.org")
    urls = Urls(base, path, "/{year}/{month}/{day}/{slug}/")
    assert urls.article(ARTICLE) == f"{path}2023/09/07/caf%C3%A9-news/"
    assert urls.output_path(urls.article(ARTICLE)) == "2023/09/07/café-news/index.html"
    assert urls.home() == path and urls.output_path(urls.home()) == "index.html"
    assert urls.home(2) == f"{path}page/2/"
    assert urls.category("nhk", 3) == f"{path}category/nhk/page/3/"
    assert urls.tag("x") == f"{path}tag/x/"
    assert urls.day(date(2023, 9, 7)) == f"{path}2023/09/07/"
    assert urls.month(2023, 9, 2) == f"{path}2023/09/page/2/"
    assert urls.static("style.css") == f"{path}static/style.css"
    assert urls.output_path(urls.file("404.html")) == "404.html"
    assert urls.absolute(urls.tag("x")) == f"{base}tag/x/"


def test_hrefs_outside_the_base_path_are_refused():
    urls = Urls("https://example.org/news/", "/news/", "/{slug}/")
    with pytest.raises(ValueError):
        urls.output_path("/other/")


def test_pattern_fields():
    urls = Urls("https://e.org/", "/", "/{category}/{id}/")
    assert urls.article(ARTICLE) == "/nhk/1/"


def test_an_article_url_follows_its_own_days_in_every_time_zone():
    """One instant falls on two days in two zones: Urls.article's memo must not mix them."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from generator.model import Article
    from generator.urls import Urls

    urls = Urls("https://example.org/", "/", "/{year}/{month}/{day}/{slug}/")
    instant = datetime(2023, 9, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    hrefs = []
    for zone in ("UTC", "Europe/Paris", "UTC"):
        article = Article("a", "T", "midnight", instant.astimezone(ZoneInfo(zone)), "c", "C",
                          "a.md", "")
        hrefs.append(urls.article(article))
    assert hrefs == ["/2023/09/30/midnight/", "/2023/10/01/midnight/", "/2023/09/30/midnight/"]
