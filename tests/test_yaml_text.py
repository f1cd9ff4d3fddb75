"""The simple front matter reader: wherever it answers, it answers as YAML (TextLoader) does."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.yaml_text import TextLoader, load_simple


def by_yaml(header: str):
    return yaml.load(header, Loader=TextLoader) or {}


def test_a_typical_front_matter_is_read_without_yaml():
    header = ('title: "Harbour: the new pier, opened"\ndate: 2023-09-27T10:00:00+09:00\n'
              "category: nhk\ntags: [Port, ships, 1.10]\nsummary: It's open; 50 % done.\n"
              "similar:\n  - \"Pier works begin\"\n  - Old pier closes\nauthor: ~\ndraft: no\n"
              "# a comment\n\nslug:\n")
    assert load_simple(header) == by_yaml(header) == {
        "title": "Harbour: the new pier, opened", "date": "2023-09-27T10:00:00+09:00",
        "category": "nhk", "tags": ["Port", "ships", "1.10"],
        "summary": "It's open; 50 % done.", "similar": ["Pier works begin", "Old pier closes"],
        "author": None, "draft": "no", "slug": None}


def test_what_is_not_simple_is_left_to_yaml():
    for header in ('title: "a \\" b"', "title: a: b", "title: a #c", "title: &x a",
                   "title: !!str a", "title: |\n  a", "tags:\n  - a\n    - b", "a:\n  b: c",
                   "title: [a, [b]]", 'tags: ["a, b"]', "title:\ta", "t: 'it''s'",
                   "title: a\u2028b", "- a", "title: -a", "key: ~\n- a", "title: {a: b}",
                   "tags:\n  - a\n- b", "tags:\n- a\n  - b"):
        assert load_simple(header) is None, header


_LINE_TEXT = st.text(st.sampled_from(list("aZé 1-:#,[]{}\"'~!&*|>%@`?.\\/\t") + ["\u2028", "\x85"]),
                     max_size=12)


@st.composite
def headers(draw):
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(st.sampled_from(["title", "tags", "a_b", "x-y", "1", "#c", "", " k", "- "]))
        kind = draw(st.sampled_from(["plain", "quoted", "single", "flow", "block", "raw"]))
        text = draw(_LINE_TEXT)
        if kind == "quoted":
            text = f'"{text}"'
        elif kind == "single":
            text = f"'{text}'"
        elif kind == "flow":
            text = "[" + ", ".join(draw(st.lists(_LINE_TEXT, max_size=3))) + "]"
        if kind == "block":
            indents = st.sampled_from(["", "  ", " "])
            indent = draw(indents)
            mixed = draw(st.booleans())  # items at different depths: nested, or an error
            lines.append(f"{key}:")
            lines.extend(f"{draw(indents) if mixed else indent}- {item}"
                         for item in draw(st.lists(_LINE_TEXT, max_size=3)))
        elif kind == "raw":
            lines.append(text)
        else:
            lines.append(f"{key}:{draw(st.sampled_from([' ', '  ', '']))}{text}")
    return "\n".join(lines)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers())
def test_the_simple_reader_agrees_with_yaml_wherever_it_answers(header):
    simple = load_simple(header)
    if simple is None:
        return
    try:
        expected = by_yaml(header)
    except yaml.YAMLError as exc:
        raise AssertionError(f"read {simple!r} where YAML says {exc}") from None
    assert simple == expected


def test_the_reader_takes_the_simple_path_and_falls_back_to_yaml(monkeypatch):
    from generator.readers import frontmatter

    calls = []
    real = yaml.load
    monkeypatch.setattr(yaml, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert frontmatter.load_yaml_text('title: "A"\ntags: [a, b]') == {"title": "A",
                                                                     "tags": ["a", "b"]}
    assert calls == []
    assert frontmatter.load_yaml_text("title: >\n  folded\n  text") == {"title": "folded text"}
    assert len(calls) == 1
