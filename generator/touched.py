"""Which pages an update must render: those whose inputs changed.

The plan records, for each page, what it is made from (`model.Inputs`): its own article, the
articles it lists or links, and its other values. A page renders again when it is new, when its
file is missing, when everything changed (templates, config, site-wide values), when its inputs
differ from the last build's (other articles listed, another page count, other names), when its
own article changed in any way, or when an article it lists changed in what lists show of it
(anything but the body). So a title change re-renders the lists that show the article, and a
body-only change renders the article's own page alone. No list of dependencies is kept by hand:
the inputs come from the plan itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fingerprints import inputs_digest
from .model import Page
from .urls import Urls


@dataclass(frozen=True, slots=True)
class Touched:
    """What changed since the last build, as the pages see it."""

    everything: bool  # templates, config or site-wide values: every page renders
    full: frozenset[str]  # ids of articles changed in any way, body included
    card: frozenset[str]  # ids of articles changed in what a list or a link shows of them


def pages_touched(plan: list[Page], touched: Touched, before: dict[str, bytes],
                  present: set[str], urls: Urls) -> list[Page]:
    """The pages of `plan` to render, in plan order. `before` holds the digest of each page's
    template and inputs at the last build (`inputs_digest`), by output path; `present` the
    output files still as it left them."""
    if touched.everything:
        return list(plan)
    full, card = touched.full, touched.card
    todo = []
    for page in plan:
        path = urls.output_path(page.url)
        inputs = page.inputs
        if path not in present or inputs.own in full \
                or (card and not card.isdisjoint(inputs.shows)) \
                or before.get(path) != inputs_digest(page):
            todo.append(page)
    return todo
