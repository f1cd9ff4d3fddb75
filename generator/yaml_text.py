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
