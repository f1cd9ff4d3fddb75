"""The hashes that say whether something changed."""

from __future__ import annotations

from generator.fingerprints import inputs_digest
from generator.model import Category, Inputs, Page


def page(template="list.html", **inputs):
    return Page("/a/", template, {}, Inputs(**inputs))


def copy(text: str) -> str:
    """An equal string that is another object (a slice of a longer one is a new string)."""
    again = (text + "!")[:-1]
    assert again == text and again is not text
    return again


def test_a_pages_inputs_digest_depends_on_their_values_not_on_which_objects_hold_them():
    """A source named by its id holds one string twice in one build and two equal strings in
    the next (made from the config, or from an article read from the cache): the pages that
    show it must not all render again for that."""
    name = "atlas-radio"
    once = page(own="a", shows=("b", "c"), data=(Category(name, name), name))
    twice = page(own="a", shows=("b", "c"), data=(Category(name, copy(name)), copy(name)))
    assert inputs_digest(once) == inputs_digest(twice)


def test_a_pages_inputs_digest_moves_with_its_template_and_each_input():
    base = inputs_digest(page(own="a", shows=("b",), data=(1, "x")))
    assert len(base) == 16
    others = [page(own="z", shows=("b",), data=(1, "x")),
              page(own="a", shows=("b", "c"), data=(1, "x")),
              page(own="a", shows=("c",), data=(1, "x")),
              page(own="a", shows=("b",), data=(2, "x")),
              page(own="a", shows=("b",), data=(1, "x", None)),
              page("tag.html", own="a", shows=("b",), data=(1, "x"))]
    digests = {inputs_digest(p) for p in others}
    assert base not in digests and len(digests) == len(others)
