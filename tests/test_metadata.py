import json
import re

from conftest import run_digest
from test_site import CFG, URLS, art

from generator.metadata import news_article_json_ld
from generator.model import Category


def test_json_ld_is_valid_json_and_cannot_end_its_script_element():
    article = art("x", 3, title="Evil </script><script>alert(1)</script> & co",
                  authors=("A. Writer",), tags=("t",), source_url="https://src.example/a?b=1&c=2")
    text = news_article_json_ld(article, Category("nhk", "NHK World"), URLS, "Site", CFG.base_url)
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Evil </script><script>alert(1)</script> & co"
    assert data["author"] == [{"@type": "Person", "name": "A. Writer"}]
    assert data["isBasedOn"] == "https://src.example/a?b=1&c=2"
    assert data["datePublished"] == "2023-09-03T00:00:00+00:00"
    assert data["url"] == "http://127.0.0.1:8000/2023/09/03/x/"


def test_pages_carry_canonical_open_graph_and_structured_data(basic_site):
    assert run_digest("build", "--base-url", "https://fixture.example/news/",
                      cwd=basic_site).returncode == 0
    page = (basic_site / "output/2023/09/20/harbour-strike/index.html").read_text()
    url = "https://fixture.example/news/2023/09/20/harbour-strike/"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Harbour strike ends &lt;quickly&gt;">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert '<meta property="article:tag" content="transport">' in page
    assert '<link rel="alternate" type="application/atom+xml" title="Fixture Digest: World Desk" ' \
           'href="/news/category/world/feed.xml">' in page
    [ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page)
    data = json.loads(ld)
    assert data["headline"] == "Harbour strike ends <quickly>"
    assert data["isBasedOn"] == "https://world.example/strike"
    assert data["dateModified"] == data["datePublished"] == "2023-09-20T07:15:00+01:00"
    home = (basic_site / "output/index.html").read_text()
    assert '<meta property="og:type" content="website">' in home
    assert "application/ld+json" not in home
