"""How a setting declares itself: its help, default, range, choices and any check of its own.

Every field of a section dataclass that config.yaml may set carries an `Option` in its metadata
(`option()` and `section()` write it). The validator (`validate.py`) and the README's tables
(`docs.py`) read nothing else, so a new setting is one declaration. The field's type annotation
says what its text becomes: `str`, `int`, `float`, `bool`, `X | None`, a section dataclass, a
`dict[str, Section]` (id → section) or a `tuple[Section, ...]` (a list of sections).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PathPart = str | int  # a key, or a list index (shown 1-based)


class Invalid(ValueError):
    """A value's problems, raised by a conversion or a field's check: each a message and the
    path below the field (an index and a key, say) when it is in one part of the value."""

    def __init__(self, message: str, where: tuple[PathPart, ...] = ()) -> None:
        super().__init__(message)
        self.problems = [(where, message)]

    @classmethod
    def check(cls, problems: list[tuple[tuple[PathPart, ...], str]]) -> None:
        """Raise every problem of a value at once, if it has any."""
        if problems:
            invalid = cls(problems[0][1], problems[0][0])
            invalid.problems = problems
            raise invalid


@dataclass(frozen=True, slots=True)
class Kind:
    """What a setting's text is read as: its name in messages and in the README, and how."""

    expected: str  # "expected a whole number, got 'twenty'"
    doc: str  # the README's type column
    parse: Callable[[str], Any]  # the value, or None when the text is not one


@dataclass(frozen=True, slots=True)
class Option:
    """What the validator and the README know of a setting, besides its type and default."""

    help: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    key: str = ""  # dotted path in config.yaml below its section, when not the field's name
    kind: Kind | None = None  # reads the text otherwise than the field's type says
    check: Callable[[Any], Any] | None = None  # the converted value → the value kept; or Invalid
    # For id → section: an item may be plain text, this field's value, which also defaults to
    # the item's id (`BBC: BBC News`).
    shorthand: str = ""
    own_table: bool = False  # for a section: documented in a table of its own
    doc_type: str = ""  # the README's type column, where the field's type says too little
    doc_default: str = ""


def option(default: Any = dataclasses.MISSING, help: str = "", *,
           factory: Callable[[], Any] | None = None, **settings: Any) -> Any:
    """A field that config.yaml sets; no default means every item must write it."""
    meta = {"option": Option(help, **settings)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def section(cls: type, help: str, **settings: Any) -> Any:
    """A field holding a section of its own (`feeds:`), its defaults when config.yaml has none."""
    return option(factory=cls, help=help, **settings)


@dataclass(frozen=True, slots=True)
class Setting:
    """One field that config.yaml may set, as its type annotation and its Option describe it."""

    name: str  # the field's
    key: tuple[str, ...]  # where config.yaml writes it, below the section
    value_type: type  # str, int, float, bool, or a section dataclass
    container: type | None  # None; dict for id → section; tuple for a list of sections
    optional: bool  # nothing (an empty value) is allowed, and means None
    option: Option
    default: Any  # the value when not written; dataclasses.MISSING when it must be

    @property
    def is_section(self) -> bool:
        return dataclasses.is_dataclass(self.value_type)


def settings_of(cls: type) -> list[Setting]:
    """The settings of a section dataclass, in declaration order; fields without an Option
    (a Config's paths and command-line flags) are not config.yaml's."""
    hints = typing.get_type_hints(cls)
    found = []
    for spec in dataclasses.fields(cls):
        opt = spec.metadata.get("option")
        if opt is None:
            continue
        value_type, container, optional = _shape(hints[spec.name])
        default = spec.default
        if spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        key = tuple((opt.key or spec.name).split("."))
        found.append(Setting(spec.name, key, value_type, container, optional, opt, default))
    return found


def _shape(hint: Any) -> tuple[type, type | None, bool]:
    """(value type, container, optional) of an annotation such as `int | None`, `dict[str, X]`."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        value_type, container, _ = _shape(next(a for a in args if a is not type(None)))
        return value_type, container, True
    origin = typing.get_origin(hint)
    if origin is dict:
        return args[1], dict, False
    if origin is tuple:
        return args[0], tuple, False
    return hint, None, False


def label(path: tuple[PathPart, ...]) -> str:
    """How a message names a place: `fetch.sources[2].url`, `categories.nhk`, `per_page`."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def describe(value: Any) -> str:
    """A written value as a message shows it after `got`."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
