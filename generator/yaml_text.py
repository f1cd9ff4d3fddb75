"""YAML as Digest reads it: config.yaml and front matter, where what is written is text.

`TextLoader` makes every plain scalar a string: a title `no`, a tag `1.10` or a slug `0x1F` is
the string the user wrote, not YAML 1.1's False, 1.1 or 31. Whoever reads the data converts a
value by the type it expects (the config schema, the front matter's fields), with its own
errors. YAML's aliases of lists and mappings are refused: expanded, a few lines of them make
billions of items.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextLoader(YAML_LOADER):  # type: ignore[misc, valid-type]
    """YAML whose plain scalars are all strings, but for an empty value or `~` (nothing)."""

    yaml_implicit_resolvers: ClassVar[dict] = {}  # none of YAML 1.1's guesses: see below

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects and not isinstance(node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping anchored here (&name) is used again through an "
                "alias (*name); aliases of lists and mappings are not supported", node.start_mark)
        return super().construct_object(node, deep)

    def construct_text(self, node: yaml.Node) -> str:
        return self.construct_scalar(node)

    def refuse(self, node: yaml.Node) -> None:
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag {node.tag} is not supported here", node.start_mark)


TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|)$"), ["~", ""])
TextLoader.yaml_constructors = dict(YAML_LOADER.yaml_constructors)
# Not "null": that tag is what an empty value and `~` resolve to above, and they mean nothing.
for _kind in ("bool", "int", "float", "timestamp", "binary"):
    # An explicit `!!int 0x1F` is text too: Digest parses counts and dates itself.
    TextLoader.add_constructor(f"tag:yaml.org,2002:{_kind}", TextLoader.construct_text)
for _kind in ("set", "omap", "pairs", "value", "merge", "yaml"):
    TextLoader.add_constructor(f"tag:yaml.org,2002:{_kind}", TextLoader.refuse)


# The front matter nearly every file has: flat `key: value` lines of plain or quoted text, and
# lists of words (`[a, b]`, or `- a` lines). Read here without YAML's machinery, which costs a
# fifth of reading a typical article (a node and a constructor call per scalar). Anything else, or
# anything unsure, is None: the caller then loads it with TextLoader, which also gives the
# errors. Equal to TextLoader on what it accepts (tests/test_yaml_text.py checks it).
_SIMPLE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
# A plain scalar that YAML reads as this very text: no indicator first, no `: ` or ` #`
# inside, no `:` last. In a flow list, no flow indicator anywhere.
_PLAIN = re.compile(r"(?![-?:,\[\]{}#&*!|>'\"%@`])(?:[^:#]|:(?! )|(?<! )#)*?(?<!:)")
_FLOW_ITEM = re.compile(r"(?![-?:#&*!|>'\"%@`])[^,\[\]{}:#]+")
_NOTHING = "~"


def load_simple(header: str) -> dict[str, Any] | None:
    """The mapping a simple front matter holds, or None when it is not that simple."""
    data: dict[str, Any] = {}
    listing: str | None = None  # the `key:` whose `- item` lines may follow
    indent = ""
    for line in header.split("\n"):
        if not line.isprintable():  # tabs, NEL, line separators: YAML's own rules apply
            return None
        if not line.strip() or line.startswith("#"):
            continue
        item = _BLOCK_ITEM.fullmatch(line)
        if item is not None:
            items = data[listing] if listing is not None else None
            if listing is None or (items and indent != item[1]):
                return None
            value = _simple_value(item[2].rstrip(" "))
            if value is _UNSURE or isinstance(value, list):
                return None
            if items is None:
                data[listing] = items = []
            indent = item[1]
            items.append(value)
            continue
        match = _SIMPLE_KEY.fullmatch(line)
        value = _simple_value((match[2] or "").rstrip(" ")) if match else _UNSURE
        if value is _UNSURE:
            return None
        data[match[1]] = value
        listing = None if match[2] else match[1]  # `key:` alone: nothing, or a list
    return data


_BLOCK_ITEM = re.compile(r"( *)- +(.*)")
_UNSURE = object()


def _simple_value(text: str) -> Any:
    if text in ("", _NOTHING):
        return None
    first = text[0]
    if first == '"':
        return _double_quoted(text)
    if first == "'":
        inner = text[1:-1]
        return inner if len(text) >= 2 and text[-1] == "'" and "'" not in inner else _UNSURE
    if first == "[":
        if text[-1] != "]":
            return _UNSURE
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        items = [_flow_item(item.strip(" ")) for item in inner.split(",")]
        return _UNSURE if _UNSURE in items else items
    return text if _PLAIN.fullmatch(text) else _UNSURE


def _flow_item(text: str) -> Any:
    if text == _NOTHING:
        return None
    if text[:1] == '"':  # a comma inside the quotes was split on: the halves fail here
        return _double_quoted(text)
    return text if _FLOW_ITEM.fullmatch(text) else _UNSURE


def _double_quoted(text: str) -> Any:
    """Double-quoted text without escapes or inner quotes: what is inside, as written."""
    inner = text[1:-1]
    if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
        return _UNSURE
    return inner
