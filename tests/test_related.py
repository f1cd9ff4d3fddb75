"""Related reading: explicit lists, computed lists, stories, config, and quality on a labelled corpus."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Article
from generator.related import (
    Related,
    RelatedConfig,
    explain,
    find_related,
)
from generator.related_index import (
    _WORD,
    TextSettings,
    Weights,
    Words,
    _term,
    df_step,
    idf_base,
    idf_table,
    term_counts,
    terms,
)
from generator.related_titles import edit_distance, title_keys

T0 = datetime(2023, 9, 20, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def art(slug: str, title: str = "", body: str = "", *, days: float = 0.0, category: str = "news",
        tags: tuple[str, ...] = (), similar: tuple[str, ...] = (), summary: str = "") -> Article:
    return Article(
        id=f"{category}/{slug}", title=title or slug.replace("-", " "), slug=slug,
        date=T0 + timedelta(days=days), category=category, category_label=category,
        source_path=f"content/{category}/{slug}.md", body_html=f"<p>{body}</p>", summary=summary,
        tags=tags, similar=similar,
    )


def site_order(articles: list[Article]) -> list[Article]:
    """Newest first, ties by slug: the order Site.articles has."""
    return sorted(sorted(articles, key=lambda a: a.slug), key=lambda a: a.date, reverse=True)


def ids(related: Related, article: Article) -> list[str | None]:
    return [i.article.id if i.article else None for i in related.by_article[article.id]]


# --- A labelled corpus: topic clusters sharing generic news words and random filler ------------

_GENERIC_TEXT = (
    "government official people country minister police city statement public local national "
    "group plan support issue state region leader spokesman meeting decision policy expert "
    "service member office team council agency company market price cost worker family school "
    "hospital water road border budget vote election court law rule security health energy "
    "director president committee board program project data result figure level rate change "
    "increase concern risk problem effort action measure step move deal talk call warning"
)
GENERIC = _GENERIC_TEXT.split()


def _words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    syllables = ("ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "di", "pa", "zu", "ri", "bo")
    found: list[str] = []
    while len(found) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4)))
        if word not in taken:
            taken.add(word)
            found.append(word)
    return found


def labelled_corpus(seed: int = 3, clusters: int = 6, per_cluster: int = 15, loners: int = 4,
                    p_topic: float = 0.15, p_bridge: float = 0.06,
                    ) -> tuple[list[Article], dict[str, int]]:
    """Articles with their cluster (-1: a loner about nothing else on the site).

    Each cluster has its own 20 words and shares 4 bridge words with the next cluster. Every
    article also draws from 100 generic news words (Zipf-weighted, so some are everywhere and
    some in a fifth of the site) and from 3,000 filler words that link articles at random.
    """
    rng = random.Random(seed)
    taken: set[str] = set(GENERIC)
    topics = [_words(rng, 20, taken) for _ in range(clusters)]
    bridges = [_words(rng, 4, taken) for _ in range(clusters)]
    filler = _words(rng, 3000, taken)
    generic_weights = [1.0 / (r + 1) ** 0.7 for r in range(len(GENERIC))]
    sources = ("north", "south", "east", "west", "wire")

    def draw(topic: list[str], bridge: list[str], n: int, p_topic: float) -> str:
        out = []
        for _ in range(n):
            r = rng.random()
            if r < p_topic:
                out.append(rng.choice(topic))
            elif r < p_topic + p_bridge and bridge:
                out.append(rng.choice(bridge))
            elif r < 0.7:
                out.append(rng.choices(GENERIC, generic_weights)[0])
            else:
                out.append(rng.choice(filler))
        return " ".join(out)

    articles, label = [], {}
    plan = [c for c in range(clusters) for _ in range(per_cluster)] + [-1] * loners
    for n, cluster in enumerate(plan):
        topic = topics[cluster] if cluster >= 0 else _words(rng, 20, taken)
        bridge = bridges[cluster] + bridges[cluster - 1] if cluster >= 0 else []
        tags = [f"topic-{cluster}"] if cluster >= 0 and rng.random() < 0.5 else []
        if rng.random() < 0.3:
            tags.append("world")
        a = art(f"a{n:03d}", draw(topic, bridge, 6, 0.35).capitalize(),
                ". ".join(draw(topic, bridge, 30, p_topic) for _ in range(3)),
                days=rng.uniform(0, 25), category=rng.choice(sources), tags=tuple(tags),
                summary=draw(topic, bridge, 14, 0.2))
        articles.append(a)
        label[a.id] = cluster
    return site_order(articles), label


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Article], dict[str, int], Related]:
    articles, label = labelled_corpus()
    return articles, label, find_related(articles, RelatedConfig())


def _precision_at_5(articles: list[Article], label: dict[str, int],
                    related: Related) -> tuple[float, float]:
    """(strict, of retrieved): a list shorter than 5 counts its empty places as misses in the
    strict figure; the other is the share of same-cluster items among those shown."""
    strict, retrieved = [], []
    for a in articles:
        if label[a.id] < 0:
            continue
        items = related.by_article[a.id][:5]
        hits = sum(label[i.article.id] == label[a.id] for i in items)
        strict.append(hits / 5)
        if items:
            retrieved.append(hits / len(items))
    return sum(strict) / len(strict), sum(retrieved) / len(retrieved)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_precision_at_5_on_labelled_clusters(seed):
    articles, label = labelled_corpus(seed)
    strict, retrieved = _precision_at_5(articles, label, find_related(articles, RelatedConfig()))
    assert strict >= 0.9
    assert retrieved >= 0.97


def test_weak_topics_give_shorter_lists_not_wrong_ones():
    """Topic words in 1 of 12 body words instead of 1 in 7: fewer links, still the right ones."""
    articles, label = labelled_corpus(3, p_topic=0.08)
    related = find_related(articles, RelatedConfig())
    strict, retrieved = _precision_at_5(articles, label, related)
    assert retrieved >= 0.95
    assert strict < 0.9  # the lists did get shorter: min_score, not noise, filled the gap


def test_no_other_cluster_outranks_the_same_cluster(corpus):
    articles, label, related = corpus
    for a in articles:
        same = [label[i.article.id] == label[a.id] for i in related.by_article[a.id]]
        assert same == sorted(same, reverse=True), a.id


def test_an_article_about_nothing_else_gets_fewer_than_count(corpus):
    articles, label, related = corpus
    loners = [a for a in articles if label[a.id] < 0]
    assert loners
    for a in loners:
        assert len(related.by_article[a.id]) < RelatedConfig().count


def test_lists_are_ordered_by_score_and_carry_reasons(corpus):
    articles, _, related = corpus
    for a in articles:
        scores = [i.score for i in related.by_article[a.id]]
        assert scores == sorted(scores, reverse=True)
        for item in related.by_article[a.id]:
            assert item.score >= RelatedConfig().min_score
            assert not item.explicit and item.article is not None and item.article.id != a.id
            assert item.reasons[0].startswith("shared terms: ")
            assert item.reasons[-1].endswith(("apart", "same day"))


def test_the_result_does_not_depend_on_input_order(corpus):
    articles, _, related = corpus
    shuffled = articles[:]
    random.Random(1).shuffle(shuffled)
    again = find_related(shuffled, RelatedConfig())
    assert again.by_article == related.by_article
    assert (again.stories, again.story_of) == (related.stories, related.story_of)


# --- Stability: what one changed article can move ---------------------------------------------

SETTINGS = TextSettings(RelatedConfig().title_weight, RelatedConfig().summary_weight,
                        RelatedConfig().max_doc_share, RelatedConfig().top_terms)


def _moved(before: list[Article], after: list[Article], changed_id: str) -> set[str]:
    """The changed article and every article containing a term whose IDF the change moved."""
    old_counts = {a.id: term_counts(a, SETTINGS) for a in before}
    new_counts = {a.id: term_counts(a, SETTINGS) for a in after}
    old_idf = idf_table(list(old_counts.values()), SETTINGS)
    new_idf = idf_table(list(new_counts.values()), SETTINGS)
    terms_moved = {t for t in old_idf.keys() | new_idf.keys() if old_idf.get(t) != new_idf.get(t)}
    counts = list(old_counts.items()) + list(new_counts.items())
    return {i for i, c in counts if terms_moved & c.keys()} | {changed_id}


def _check_locality(before: list[Article], after: list[Article], changed_id: str) -> int:
    """A list none of whose articles (nor its own) had a vector moved is exactly unchanged.

    Returns how many lists that covered: the test is only as good as that number is large.
    """
    old, new = find_related(before, RelatedConfig()), find_related(after, RelatedConfig())
    moved = _moved(before, after, changed_id)
    checked = 0
    for a in after:
        members = set(ids(old, a)) | set(ids(new, a)) if a.id in old.by_article else {a.id}
        if a.id not in moved and not members & moved:
            assert old.by_article[a.id] == new.by_article[a.id], a.id
            checked += 1
    return checked


def test_editing_one_article_leaves_other_lists_alone(corpus):
    articles, label, _ = corpus
    target = next(a for a in articles if label[a.id] == 2)
    words = target.body_html.split()
    edited = replace(target, body_html=" ".join(words[:-3] + ["pier"] + words[-2:]))
    after = [edited if a is target else a for a in articles]
    assert _check_locality(articles, after, target.id) > len(articles) // 2


def test_adding_an_article_leaves_other_lists_alone(corpus):
    articles, label, _ = corpus
    n = len(articles)
    assert idf_base(n) == idf_base(n + 1)  # no power of two crossed: see the module docstring
    donor = next(a for a in articles if label[a.id] == 4)
    extra = replace(donor, id="late/extra", slug="extra", category="late", summary="",
                    body_html=" ".join(donor.body_html.split()[:8]) + "</p>",
                    date=donor.date + timedelta(hours=5))
    assert _check_locality(articles, site_order(articles + [extra]), extra.id) > len(articles) // 3


def test_document_frequency_steps_are_geometric():
    assert [df_step(n) for n in (2, 4, 8)] == [2, 4, 8]
    assert df_step(100) == df_step(101) == df_step(103)  # one more article rarely moves a term
    assert df_step(2) < df_step(3) < df_step(4)  # but rare terms keep their resolution


def test_idf_base_is_a_power_of_two_at_least_the_count():
    assert [idf_base(n) for n in (0, 1, 2, 3, 31, 32, 33, 1000)] == [2, 2, 2, 4, 32, 32, 64, 1024]


# --- Explicit lists ---------------------------------------------------------------------------

EXPLICIT_SITE = [
    art("accusations", "Armenia, Azerbaijan trade accusations at UN", "armenia azerbaijan un",
        days=-5),
    art("ceasefire", "Ethnic Armenians accept ceasefire with Azerbaijan", "ceasefire", days=-7),
    art("seed", "Tensions escalate between Armenia and Russia", "armenia russia tensions",
        similar=("Ethnic armenians ACCEPT ceasefire with Azerbaijan",
                 "Azerbaijan-Armenia clashes leave scores dead",
                 "Armenia, Azerbaijan trade acccusations at UN - BBC News",
                 "Tensions escalate between Armenia and Russia",
                 "Armenia, Azerbaijan trade accusations at UN")),
]


def test_explicit_titles_come_first_in_listed_order():
    related = find_related(site_order(EXPLICIT_SITE), RelatedConfig())
    items = related.by_article["news/seed"]
    assert [i.title for i in items[:4]] == [
        "Ethnic Armenians accept ceasefire with Azerbaijan",  # case differs: the site's title
        "Azerbaijan-Armenia clashes leave scores dead",  # not on the site: plain text
        "Armenia, Azerbaijan trade accusations at UN",  # typo and source suffix forgiven
        "Tensions escalate between Armenia and Russia",  # itself: plain text, no self link
    ]
    assert [i.article.id if i.article else None for i in items] == [
        "news/ceasefire", None, "news/accusations", None]  # the repeat is dropped
    assert all(i.explicit for i in items)
    assert items[0].reasons == ("explicit match (score 1.00)",)
    assert 0.9 <= items[2].score < 1.0 and items[2].reasons[0].startswith("explicit match (score")


def test_explicit_items_come_before_computed_ones_and_are_not_repeated():
    body = "harbour strike dockers crane pay union terminal"
    site = site_order([
        art("a", "Dockers strike at harbour", body, similar=("Union ends strike",)),
        art("b", "Union ends strike", body, days=-1),
        art("c", "Cranes idle at terminal", body, days=-2),
    ])
    items = find_related(site, RelatedConfig()).by_article["news/a"]
    assert [(i.article.slug, i.explicit) for i in items] == [("b", True), ("c", False)]


def test_match_threshold_is_configurable():
    strict = find_related(site_order(EXPLICIT_SITE), RelatedConfig(title_match_threshold=1.0))
    assert ids(strict, EXPLICIT_SITE[2])[2] is None


@pytest.mark.parametrize("listed, site_title, matches", [
    ("Rail tunnel opens under the strait", "rail tunnel opens under the strait", True),
    ("Rail tunnel opens under the strait | Reuters", "Rail tunnel opens under the strait", True),
    ("Rail tunel opens under the strait", "Rail tunnel opens under the strait", True),
    ("Rail tunnel closes under the strait", "Rail tunnel opens under the strait", False),
    ("Rail tunnl opens", "Rail tunnel opens", True),  # few word pairs: found by its words
    ("Westmarch votes in tigth regional electoin", "Westmarch votes in tight regional election",
     True),  # two slips in two words: four of six word pairs broken, still found
    ("Westmarch votes in tight local election", "Westmarch votes in tight regional election",
     False),
])
def test_near_duplicate_titles(listed, site_title, matches):
    site = site_order([art("x", site_title, "x"), art("y", "Other", "y", similar=(listed,))])
    item = find_related(site, RelatedConfig()).by_article["news/y"][0]
    assert (item.article is not None) is matches


def test_count_includes_explicit_fills_up_to_count():
    body = "harbour strike dockers crane pay union terminal"
    site = site_order([art("a", "Strike", body, similar=("B", "nowhere"))]
                      + [art(s, s.upper(), body, days=-i) for i, s in enumerate("bcdefg", 1)])
    assert len(find_related(site, RelatedConfig(count=3)).by_article["news/a"]) == 3
    cfg = RelatedConfig(count=3, count_includes_explicit=False)
    assert len(find_related(site, cfg).by_article["news/a"]) == 5


def test_title_keys_and_edit_distance():
    assert title_keys("Armenia, Azerbaijan trade accusations at UN - BBC News") == (
        "armenia azerbaijan trade accusations at un bbc news",
        "armenia azerbaijan trade accusations at un")
    assert title_keys("Azerbaijan-Armenia clashes") == ("azerbaijan armenia clashes",)
    assert edit_distance("acccusations", "accusations") == 1
    assert edit_distance("", "abc") == 3
    assert edit_distance("armenia azerbaijan", "westmarch votes", limit=2) == 3


# --- Computed lists: ties, window, tags --------------------------------------------------------

def test_ties_are_broken_by_date_then_slug():
    body = "glacier melt meltwater fjord ice sheet"
    site = site_order([art("q", body=body), art("m", body=body, days=-1),
                       art("k", body=body, days=-1), art("z", body=body, days=-2)])
    related = find_related(site, RelatedConfig(recency_weight=0))
    assert [i.article.slug for i in related.by_article["news/q"]] == ["k", "m", "z"]
    assert len({i.score for i in related.by_article["news/q"]}) == 1


def test_window_limits_and_down_weights_by_days_apart():
    body = "glacier melt meltwater fjord ice sheet"
    site = site_order([art("now", body=body), art("week", body=body, days=-7),
                       art("old", body=body, days=-40)])
    related = find_related(site, RelatedConfig())
    items = related.by_article["news/now"]
    assert [i.article.slug for i in items] == ["week"]
    assert items[0].score == round(1 - 0.3 * 7 / 30, 3) and "7 days apart" in items[0].reasons
    unlimited = find_related(site, RelatedConfig(window_days=0))
    assert [i.article.slug for i in unlimited.by_article["news/now"]] == ["week", "old"]


def test_shared_tags_add_a_bonus_but_cannot_make_a_link_alone():
    site = site_order([
        art("a", "Glacier melt", "glacier melt fjord ice", tags=("Climate",)),
        art("b", "Glacier melt", "glacier melt fjord ice", tags=("climate",), days=-1),
        art("c", "Glacier melt", "glacier melt fjord ice", days=-1),
        art("d", "Stock market", "shares bonds traders", tags=("climate",), days=-1),
    ])
    items = find_related(site, RelatedConfig(recency_weight=0)).by_article["news/a"]
    assert [i.article.slug for i in items] == ["b", "c"]
    assert items[0].score == pytest.approx(items[1].score + RelatedConfig().tag_bonus)
    assert "shared tags: Climate" in items[0].reasons


def test_min_score_and_count():
    body = "glacier melt meltwater fjord ice sheet"
    site = site_order([art(f"s{i}", body=body, days=-i) for i in range(8)])
    assert len(find_related(site, RelatedConfig(count=3)).by_article["news/s0"]) == 3
    assert find_related(site, RelatedConfig(min_score=1.5)).by_article["news/s0"] == ()


def test_stop_words_and_stems():
    assert terms("The strikes and the Strike, said officials on Monday; 4,000 homes") == [
        "strike", "strike", "official", "home"]
    assert terms("Café in Zürich’s centre") == ["cafe", "zurich", "centre"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_text_splits_as_the_letters_pattern_does(text):
    """ASCII text is split as bytes (the hot loop); its words are those of the general path:
    runs of letters, case-folded. One `Words` serves both kinds of text."""
    known = Words()
    expected = list(filter(None, map(_term, _WORD.findall(text.casefold()))))
    assert terms(text, known) == expected
    assert terms(text + " Zürich", known) == expected + ["zurich"]
    assert terms(text, known) == expected  # its words now remembered


# --- Stories across sources ---------------------------------------------------------------------

PORT = "harlow dockers strike pay deal union terminal cranes vessels backlog vote"
HEAT = "heatwave grid electricity demand record temperatures coastline conditioners"


def test_stories_group_sources_covering_one_event():
    site = site_order([
        art("ends", "Port strike ends", PORT, category="meridian", days=0),
        art("return", "Dockers return", PORT, category="tidewater", days=0.7),
        art("walkout", "Dockers walk out", PORT, category="northwire", days=-8),  # too early
        art("followup", "Backlog clears", PORT[:40] + " clears ships", category="meridian",
            days=1),  # its source is in the story already
        art("heat", "Heatwave", HEAT, category="tidewater", days=0.2),
        art("grid", "Grid appeal", HEAT, category="northwire", days=0.5),
        art("film", "Film festival", "cinema festival tickets screen", category="atlas"),
    ])
    related = find_related(site, RelatedConfig())
    stories = [[a.slug for a in story] for story in related.stories]
    assert stories == [["return", "ends"], ["grid", "heat"]]
    for s, story in enumerate(related.stories):
        assert len({a.category for a in story}) == len(story) >= 2
        assert all(related.story_of[a.id] == s for a in story)
    assert "news/film" not in related.story_of and "atlas/film" not in related.story_of
    # story mates are shown as "Also covered by", so they are not repeated in the list
    mates = {a.id for a in related.stories[related.story_of["northwire/grid"]]}
    assert not mates & set(ids(related, site[0]))
    listed = find_related(site, RelatedConfig(list_story_mates=True))
    assert "tidewater/heat" in ids(listed, next(a for a in site if a.slug == "grid"))


def test_a_running_topic_does_not_chain_into_one_story():
    site = site_order([art(f"day{d}", f"Karabakh day {d}", PORT, category=f"src{d % 4}", days=d)
                       for d in range(10)])
    related = find_related(site, RelatedConfig())
    for story in related.stories:
        span = max(a.date for a in story) - min(a.date for a in story)
        assert span <= timedelta(days=3)
    assert len(related.stories) >= 2


def test_stories_can_be_turned_off():
    site = site_order([art("a", "A", PORT, category="x"), art("b", "B", PORT, category="y")])
    related = find_related(site, RelatedConfig(stories=False))
    assert related.stories == () and related.story_of == {}
    assert ids(related, site[0]) == ["y/b"]


# --- explain ----------------------------------------------------------------------------------

def test_explain_prints_scores_and_reasons():
    site = site_order([
        art("a", "Port strike ends", PORT, category="meridian", tags=("economy",),
            similar=("Unions warn of further action",)),
        art("b", "Dockers return", PORT, category="tidewater", tags=("economy",), days=-2),
        art("c", "Dockers return again", PORT, category="meridian", days=-20),
    ])
    text = explain(find_related(site, RelatedConfig()), "meridian/a")
    assert "1. Unions warn of further action [not on this site]" in text
    assert "listed, score 0.000: listed, no site article matches" in text
    assert "2. Dockers return again [meridian, 2023-08-31]" in text
    assert "computed, score" in text and "shared terms: " in text and "20 days apart" in text
    assert "Also covered by:\n  - Dockers return [tidewater, 2023-09-18]" in text
    with pytest.raises(KeyError):
        explain(find_related(site, RelatedConfig()), "nope")


def test_explain_says_when_there_is_nothing():
    site = [art("a", "Alone", "nothing shared here")]
    assert "(none:" in explain(find_related(site, RelatedConfig()), "news/a")


# --- The sample site --------------------------------------------------------------------------

@pytest.mark.skipif(not (ROOT / "content" / "tracker").is_dir(), reason="no sample content")
def test_sample_seed_lists_its_five_titles_first():
    from generator.config import load_config
    from generator.readers import discover, read_all
    from generator.site import Site
    from generator.urls import Urls

    cfg = load_config(ROOT / "config.yaml")
    result = read_all(discover(cfg.content_dir, cfg.root), cfg)
    articles, errors = result.articles, result.errors
    assert not errors
    site = Site.from_articles(articles, cfg, Urls.for_config(cfg))
    related = find_related(site.articles, RelatedConfig(count=8))  # as the sample config.yaml
    seed = next(a for a in site.articles
                if a.title == "Tensions escalate between Armenia and Russia over Nagorno-Karabakh "
                              "conflict")
    items = related.by_article[seed.id]
    assert [i.explicit for i in items[:5]] == [True] * 5
    assert [i.article is not None for i in items[:5]] == [True, True, False, True, True]
    assert items[3].title == "Armenia, Azerbaijan trade accusations at UN"
    assert items[2].title == "Azerbaijan-Armenia clashes leave scores dead"
    assert len(items) > 5 and not any(i.explicit for i in items[5:])
    stories = [{a.category for a in story} for story in related.stories]
    assert len(stories) >= 3


def test_a_listed_headline_finds_an_article_whose_title_was_derived():
    """An export has no title: Digest derives one from the summary, cut at a clause. Another
    article lists the source's own headline; it is found by the start of the summary, with or
    without a slip, and a headline that merely shares words is not."""
    from generator import text

    summary = ("Coastal hospitals saw about four times the usual number of heat-related visits "
               "during the heatwave, prompting officials to open cooling centres across the "
               "region for the whole weekend.")
    title = text.derive_title(summary, [])
    assert title != summary.rstrip(".")  # derived and cut: the headline is longer than it
    export = art("coastal-hospitals", title, summary, days=-1, category="tracker",
                 summary=summary)
    listing = art("cooling-centres", "Cooling centres open", "Cooling centres open.",
                  similar=("Coastal hospitals saw about four times the usual number of "
                           "heat-related visits",
                           "Coastal hospitals saw about four times the usal number of "
                           "heat-related visits - Tidewater Herald",
                           "Coastal hospitals brace for another heatwave"))
    other = art("hospital-budget", "Hospital budget approved",
                summary="Coastal hospitals saw their budget approved on Monday.")
    related = find_related(site_order([export, listing, other]), RelatedConfig(count=3))
    listed = [i.article.id if i.article else i.title
              for i in related.by_article[listing.id] if i.explicit]
    # The headline and its misspelt copy name one article, linked once; the third stays text.
    assert listed == [export.id, "Coastal hospitals brace for another heatwave"]


def test_the_word_index_is_built_only_for_a_title_no_key_matches():
    """Exact titles are looked up by key alone: the word, pair and lead index (most of related
    reading's memory at 100,000 articles) waits for the first listed title with a slip."""
    from generator.related_titles import TitleIndex

    site = [art("a", "Rail tunnel opens under the strait", "x"),
            art("b", "Harbour strike ends", "y", days=-1)]
    titles = TitleIndex.build(site)
    assert titles.match("Rail tunnel opens under the strait | Reuters", 0.8).article is site[0]
    assert titles.match("harbour strike ends", 0.8).article is site[1]
    assert titles._fuzzy is None
    found = titles.match("Rail tunel opens under the strait", 0.8)
    assert found.article is site[0] and found.score < 1.0
    assert titles._fuzzy is not None
    words = titles._fuzzy.words
    assert any(w is sys.intern("tunnel") for w in words[0])  # interned: titles share words


def test_a_vector_behaves_as_the_dict_it_replaces():
    """`weigh` gives a Weights where it gave a dict: the same answers, and the same type back
    from the store; a row an older Digest wrote holds a dict, and loads as a Weights."""
    import pickle

    from generator.related_index import weigh

    plain = {"harbour": 0.6, "strike": 0.8}
    vec = Weights(plain)
    assert vec == plain and plain == vec and vec != {"harbour": 0.6}
    assert list(vec) == list(plain) and list(vec.items()) == list(plain.items())
    assert list(vec.values()) == list(plain.values())
    assert vec["strike"] == 0.8 and vec.get("strike") == 0.8 and vec.get("dock") is None
    assert vec.get("dock", 0.0) == 0.0 and "harbour" in vec and "dock" not in vec
    with pytest.raises(KeyError):
        vec["dock"]
    other = {"strike": 0.5, "dock": 0.5}
    assert vec.keys() & other.keys() == {"strike"} == other.keys() & vec.keys()
    assert vec.keys() ^ Weights(other).keys() == {"harbour", "dock"}
    back = pickle.loads(pickle.dumps(vec))
    assert type(back) is Weights and back == plain and back.get("harbour") == 0.6
    assert type(pickle.loads(pickle.dumps(Weights(plain)))) is Weights
    weighed = weigh({"harbour": 2.0, "strike": 1.0}, {"harbour": 1.5, "strike": 2.5}, 10)
    assert type(weighed) is Weights and set(weighed) == {"harbour", "strike"}


def test_rows_of_an_older_digest_load_their_vectors_as_weights():
    from generator.config import RelatedConfig
    from generator.related_index import RelatedDoc, TermCounts
    from generator.related_state import RelatedIndex

    doc = RelatedDoc("a", "A", "a", 19000.0, "news", frozenset(), (), TermCounts({"x": 1.0}))
    index = RelatedIndex.from_rows({"a": (doc, {"x": 1.0}, {}, (), (), None)}, RelatedConfig())
    assert type(index.vecs["a"]) is Weights and index.vecs["a"] == {"x": 1.0}
