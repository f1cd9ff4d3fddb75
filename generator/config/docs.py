"""The README's tables of config.yaml's keys, made from the schema so that they cannot drift.

`python -m generator.config --markdown` prints them, `--readme README.md` writes them into the
README under `## config.yaml`, and tests/test_config.py checks that the README has them as made.
"""

from __future__ import annotations

import re
from dataclasses import MISSING

from .checks import kind_of
from .options import Setting, settings_of
from .schema import Config

_HEADER = "| key | type | default | meaning |\n|---|---|---|---|"
# The tables follow the heading, up to the first line that is neither blank nor a table row.
_README_TABLES = re.compile(r"(^## config\.yaml\n\n)((?:\|.*\n|\n)*)", re.MULTILINE)


def markdown_tables() -> str:
    """The table of every key, then one table for each section documented on its own."""
    rows: list[str] = []
    own_tables: list[str] = []
    _rows(Config, "", rows, own_tables)
    return "\n\n".join(_table(t) for t in [rows, *own_tables])


def with_tables(readme: str) -> str:
    """The README's text with the tables under `## config.yaml` made anew."""
    if not _README_TABLES.search(readme):
        raise ValueError("no '## config.yaml' heading followed by a blank line")
    return _README_TABLES.sub(lambda m: m[1] + markdown_tables() + "\n\n", readme, count=1)


def _rows(cls: type, prefix: str, rows: list[str], own_tables: list) -> None:
    for setting in settings_of(cls):
        key = prefix + ".".join(setting.key)
        if not setting.is_section:
            rows.append(_row(key, _type(setting), _default(setting), setting.option.help))
        elif setting.container is not None:  # id → section, or a list of sections
            shape, below = ("mapping", ".<id>.") if setting.container is dict else ("list", "[].")
            rows.append(_row(key, shape, "empty", setting.option.help))
            _rows(setting.value_type, key + below, rows, own_tables)
        elif setting.option.own_table:
            rows.append(_row(key + ".*", "mapping", "", setting.option.help))
            own_rows: list[str] = []
            own_tables.append(own_rows)
            _rows(setting.value_type, key + ".", own_rows, own_tables)
        else:
            _rows(setting.value_type, key + ".", rows, own_tables)


def _table(rows: list[str]) -> str:
    return "\n".join([_HEADER, *rows])


def _row(key: str, kind: str, default: str, help: str) -> str:
    cells = [f"`{key}`", kind, default, help.replace("|", "\\|")]
    return f"| {' | '.join(cells)} |"


def _type(setting: Setting) -> str:
    opt = setting.option
    if opt.doc_type:
        return opt.doc_type
    if opt.choices:
        *most, last = [f"`{choice}`" for choice in opt.choices]
        return f"{', '.join(most)} or {last}" if most else last
    kind = kind_of(setting).doc
    if opt.lo is not None and opt.hi is not None:
        return f"{kind} {opt.lo}–{opt.hi}"
    if opt.lo is not None:
        return f"{kind} ≥ {opt.lo}"
    return f"{kind} ≤ {opt.hi}" if opt.hi is not None else kind


def _default(setting: Setting) -> str:
    value = setting.default
    if setting.option.doc_default:
        return setting.option.doc_default
    if value is MISSING:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, str | tuple | dict) and not value:
        return "empty"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"
