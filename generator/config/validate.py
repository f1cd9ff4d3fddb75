"""One validator for every section of config.yaml: it walks a section dataclass's settings.

Its input is what `yaml_text.TextLoader` made of the file: mappings, lists, text and None (an
empty value). Each setting's text is converted by its type (or the kind its Option names,
`checks.kind_of`), then held to its range and choices, then given to its own check. Its output is
the valid values, and every problem as (path from the top of the file, message); `load.py`
turns a path into a line. A value with a problem is left out and the walk goes on, so that all
the problems of a file are reported together.
"""

from __future__ import annotations

import difflib
from dataclasses import MISSING
from typing import Any

from .checks import TEXT, kind_of
from .options import Invalid, Option, PathPart, Setting, describe, label, settings_of

Path = tuple[PathPart, ...]
Problems = list[tuple[Path, str]]  # (path from the top of config.yaml, message)
_NOTHING = {"null", "none"}  # besides an empty value and `~`, for a number that may be absent


def read_values(cls: type, data: dict, path: Path, problems: Problems) -> dict[str, Any]:
    """The valid values of `cls`'s settings that `data` writes, by field name."""
    values: dict[str, Any] = {}
    _read_mapping(_key_tree(settings_of(cls)), data, path, problems, values)
    return values


def read_section(cls: type, data: Any, path: Path, problems: Problems) -> Any:
    """`cls` made from the mapping `data`, or MISSING when it has a problem."""
    if not isinstance(data, dict):
        problems.append((path, f"{label(path)}: expected a mapping, got {describe(data)}"))
        return MISSING
    before = len(problems)
    values = read_values(cls, data, path, problems)
    for setting in settings_of(cls):
        if setting.default is MISSING and setting.key[0] not in data:
            problems.append((path, f"{label(path)}: {'.'.join(setting.key)} is missing"))
    return cls(**values) if len(problems) == before else MISSING


def _key_tree(settings: list[Setting]) -> dict[str, Any]:
    """Settings by their keys in config.yaml: `permalinks.article` is tree["permalinks"]["article"]."""
    tree: dict[str, Any] = {}
    for setting in settings:
        node = tree
        for part in setting.key[:-1]:
            node = node.setdefault(part, {})
        node[setting.key[-1]] = setting
    return tree


def _read_mapping(tree: dict[str, Any], data: dict, path: Path, problems: Problems,
                  values: dict[str, Any]) -> None:
    for key, value in data.items():
        where = (*path, str(key))
        node = tree.get(str(key))
        if node is None:
            problems.append((where, _unknown_key(path, str(key), tree)))
        elif isinstance(node, Setting):
            result = _read_setting(node, value, where, problems)
            if result is not MISSING:
                values[node.name] = result
        elif isinstance(value, dict):  # a group of settings, such as `permalinks:`
            _read_mapping(node, value, where, problems, values)
        elif value is not None:
            problems.append((where, f"{label(where)}: expected a mapping, got {describe(value)}"))


def _unknown_key(path: Path, key: str, tree: dict[str, Any]) -> str:
    known = sorted(tree)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
    where = f"{label(path)}: " if path else ""
    return f"{where}unknown key {key!r} ({hint})"


def _read_setting(setting: Setting, value: Any, path: Path, problems: Problems) -> Any:
    """The setting's value from what is written, checked; MISSING when it has a problem, or when
    a section is written empty (its defaults hold)."""
    if setting.is_section and value is None:
        return MISSING
    try:
        if setting.container is dict:
            result = _read_items(setting, value, path, problems)
        elif setting.container is tuple:
            result = _read_list(setting, value, path, problems)
        elif setting.is_section:
            result = read_section(setting.value_type, value, path, problems)
        else:
            result = _convert(setting, value)
        if result is not MISSING and setting.option.check is not None:
            result = setting.option.check(result)
    except Invalid as invalid:
        for where, message in invalid.problems:
            problems.append(((*path, *where), f"{label((*path, *where))}: {message}"))
        return MISSING
    return result


def _read_items(setting: Setting, data: Any, path: Path, problems: Problems) -> Any:
    """id → section, such as `categories:`; an item may be plain text, its shorthand field."""
    if not isinstance(data, dict):
        raise Invalid(f"expected a mapping, got {describe(data)}")
    shorthand = setting.option.shorthand
    before = len(problems)
    items = {}
    for key, item in data.items():
        if shorthand and isinstance(item, str):
            item = {shorthand: item}
        if shorthand and isinstance(item, dict | None):
            item = {shorthand: str(key), **(item or {})}
        items[str(key)] = read_section(setting.value_type, item, (*path, str(key)), problems)
    return items if len(problems) == before else MISSING


def _read_list(setting: Setting, data: Any, path: Path, problems: Problems) -> Any:
    if not isinstance(data, list):
        raise Invalid(f"expected a list, got {describe(data)}")
    before = len(problems)
    items = [read_section(setting.value_type, item, (*path, index), problems)
             for index, item in enumerate(data)]
    return tuple(items) if len(problems) == before else MISSING


def _convert(setting: Setting, value: Any) -> Any:
    """A value's text as the setting's kind, held to its choices and range; or Invalid."""
    opt = setting.option
    kind = kind_of(setting)
    absent = value is None or (
        kind is not TEXT and isinstance(value, str) and value.strip().lower() in _NOTHING)
    if absent and setting.optional:
        return None
    if not isinstance(value, str):
        raise Invalid(f"expected {kind.expected}, got {describe(value)}")
    converted = kind.parse(value)
    if converted is None:
        raise Invalid(f"expected {kind.expected}, got {value!r}")
    if opt.choices and converted not in opt.choices:
        raise Invalid(f"expected one of {', '.join(opt.choices)}, got {value!r}")
    if not _in_range(opt, converted):
        raise Invalid(f"must be {_bounds(opt)}, got {value.strip()}")
    return converted


def _in_range(opt: Option, value: Any) -> bool:
    return (opt.lo is None or value >= opt.lo) and (opt.hi is None or value <= opt.hi)


def _bounds(opt: Option) -> str:
    """`at least 1`, `between 0 and 1`: a range as messages say it."""
    if opt.hi is None:
        return f"at least {opt.lo}"
    if opt.lo is None:
        return f"at most {opt.hi}"
    return f"between {opt.lo} and {opt.hi}"
