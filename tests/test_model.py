import pickle
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from generator.model import Article, Inputs, Page, evolve, quick_pickle


def article(**changes):
    values = dict(id="a", title="T", slug="t", date=datetime(2024, 1, 2, tzinfo=UTC),
                  category="c", category_label="C", source_path="content/a.md", body_html="<p>b",
                  tags=("x",), extra={"k": [1]}, card="h")
    return Article(**{**values, **changes})


def test_quick_pickle_round_trips_every_field():
    page = Page("/a/", "article.html", {"article": article()}, Inputs("a", ("b",), (1,)))
    again = pickle.loads(pickle.dumps(page, pickle.HIGHEST_PROTOCOL))
    assert again == page and again.context == page.context
    assert pickle.loads(pickle.dumps(article(draft=True))).draft is True


def test_quick_pickle_state_is_a_plain_tuple_of_the_fields():
    """Not `fields()` per object; and a list, as dataclasses pickled it, still loads."""
    state = article().__getstate__()
    assert isinstance(state, tuple) and state[:3] == ("a", "T", "t")
    loaded = Article.__new__(Article)
    loaded.__setstate__(list(state))
    assert loaded == article()


@quick_pickle
@dataclass(frozen=True, slots=True)
class One:
    value: int


def test_quick_pickle_of_one_field():
    assert One(3).__getstate__() == (3,)
    assert pickle.loads(pickle.dumps(One(3))) == One(3)


def test_evolve_is_dataclasses_replace_for_quick_pickle_classes():
    import pytest

    base = article()
    for changes in ({}, {"body_html": ""}, {"title": "New", "tags": ("x", "y")},
                    {"fingerprint": "f", "card": "c"}):
        made = evolve(base, **changes)
        assert made == replace(base, **changes) and made is not base
        assert type(made) is Article
    assert base.body_html and base.title == "T"  # the original is untouched
    assert evolve(One(3), value=4) == One(4)
    with pytest.raises(TypeError, match="no field 'titel'"):
        evolve(base, titel="x")
