"""The values that flow through the pipeline: frozen dataclasses with no behaviour of their own."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any


def quick_pickle(cls: type) -> type:
    """A frozen, slotted dataclass that pickles its fields as one tuple. The state dataclasses
    give such a class calls `fields()` for every object, both ways: render tasks carry tens of
    thousands of these values, and that was a third of the main process's time in a build."""
    names = tuple(f.name for f in fields(cls))
    values = attrgetter(*names)
    cls.__getstate__ = lambda self: (values(self),) if len(names) == 1 else values(self)
    cls.__setstate__ = _state_setter(cls, names)
    _POSITIONS[cls] = {name: i for i, name in enumerate(names)}
    return cls


_POSITIONS: dict[type, dict[str, int]] = {}  # a quick_pickle class's fields -> their places


def evolve(value: Any, /, **changes: Any) -> Any:
    """`dataclasses.replace` for a quick_pickle class, without its `fields()` walk and its
    keyword call of `__init__`: a third of the time, for the copies every article goes
    through (its hashes set, its body dropped and put back)."""
    cls = type(value)
    positions = _POSITIONS[cls]
    state = list(value.__getstate__())
    for name, new in changes.items():
        try:
            state[positions[name]] = new
        except KeyError:
            raise TypeError(f"{cls.__name__} has no field {name!r}") from None
    made = object.__new__(cls)
    made.__setstate__(state)
    return made


def _state_setter(cls: type, names: tuple[str, ...]) -> Any:
    """A __setstate__ that sets each slot through its own descriptor, in straight-line code:
    a loop of object.__setattr__ was nine tenths of unpickling a render task's pages."""
    setters = {f"_set{i}": getattr(cls, name).__set__ for i, name in enumerate(names)}
    restored = getattr(cls, "_restored", None)  # a class's own last step, if it has one
    unpacked = ", ".join(f"v{i}" for i in range(len(names))) + ","
    lines = ["def setstate(self, state):", f"    {unpacked} = state"]
    lines += [f"    _set{i}(self, v{i})" for i in range(len(names))]
    if restored is not None:
        lines.append("    _restored(self)")
    scope = {**setters, "_restored": restored}
    exec("\n".join(lines), scope)  # noqa: S102 - code made here from field names only
    return scope["setstate"]


@quick_pickle
@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    slug: str
    date: datetime  # always timezone-aware
    category: str  # category id (slug form)
    category_label: str  # the category as the file wrote it; the config's name wins over it
    source_path: str  # relative to the project, with forward slashes
    body_html: str
    summary: str = ""  # plain text; ends with an ellipsis when the source cut it mid-sentence
    # What lists show under the title: the summary, or the rest of it when the title was taken
    # from it (a reader should not read the same words twice).
    teaser: str = ""
    updated: datetime | None = None
    created: datetime | None = None
    tags: tuple[str, ...] = ()
    source_url: str | None = None
    word_count: int = 0
    reading_minutes: int = 1
    read_count: int | None = None
    last_read: datetime | None = None
    similar: tuple[str, ...] = ()
    draft: bool = False
    authors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # old URL paths that redirect here
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    fingerprint: str = ""  # hash of the source bytes and every setting that shaped this Article
    card: str = ""  # hash of every field but the body: what lists and links show of it

    @property
    def day(self) -> date:
        return self.date.date()


@quick_pickle
@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    description: str = ""
    url: str | None = None  # the source's own home page


@quick_pickle
@dataclass(frozen=True, slots=True)
class Tag:
    slug: str
    name: str


@quick_pickle
@dataclass(frozen=True, slots=True)
class SimilarLink:
    """One entry of an article's Similar readings: a link when the site has that article."""

    title: str
    article: Article | None = None


@quick_pickle
@dataclass(frozen=True, slots=True)
class Inputs:
    """What a page is made from, as the plan knows it: enough to tell, without rendering or
    hashing the page, whether an edit can have changed it."""

    own: str | None = None  # the article the page is about: every field of it, body included
    shows: tuple[str, ...] = ()  # ids of the articles it lists or links: all but their body
    data: tuple[Any, ...] = ()  # everything else in its context, as plain values


@quick_pickle
@dataclass(frozen=True, slots=True)
class Page:
    """One output file, planned but not rendered: where it goes, which template, what it shows."""

    url: str  # site-relative URL path, always starting with "/" and ending with "/" or a file name
    template: str
    context: dict[str, Any] = field(hash=False)
    inputs: Inputs = field(default=Inputs(), hash=False)
