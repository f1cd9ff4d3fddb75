"""Reading config.yaml: the file, its YAML as text, the schema's checks, a line for each problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ContentError
from ..paths import shown_path
from ..yaml_text import TextLoader
from .options import label
from .schema import Config
from .validate import Problems, read_values


def load_config(
    path: Path, content_dir: Path | None = None, output_dir: Path | None = None
) -> Config:
    """Read and validate config.yaml; paths default to content/, output/ and templates/ beside it.

    Raises ConfigError with every problem of the file, each with its line.
    """
    path = path.resolve()
    root = path.parent
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ContentError(where, None, "no such config file")], usage=True) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ContentError(where, None, f"cannot read: {exc}")]) from None
    node, data = _parse(text, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([ContentError(where, 1, "must be a mapping of keys to values")])
    lines, problems = _key_lines(node)
    values = read_values(Config, data, (), problems)
    if problems:
        raise ConfigError([ContentError(where, _line(lines, at), message)
                           for at, message in problems])
    return Config(
        root=root,
        content_dir=(content_dir or root / "content").resolve(),
        output_dir=(output_dir or root / "output").resolve(),
        templates_dir=(root / "templates").resolve(),
        **values,
    )


def _parse(text: str, where: str) -> tuple[yaml.Node | None, Any]:
    """The file's node tree (for lines) and its data, every plain scalar as text."""
    loader = TextLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ContentError(where, line, f"invalid YAML: {problem}")]) from None
    except (ValueError, TypeError, RecursionError) as exc:  # a YAML constructor's own refusal
        raise ConfigError([ContentError(where, None, f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


def _key_lines(node: yaml.Node | None) -> tuple[dict[tuple[str, ...], int], Problems]:
    """Line (1-based) of every mapping key, by its path of keys, and a problem for each key
    written twice in one mapping (YAML would keep the last silently). A list item's path ends
    in its index ("0", "1", ...), so that an error in `fetch.sources` can name the entry's line.
    """
    lines: dict[tuple[str, ...], int] = {}
    twice: Problems = []
    _walk(node, (), lines, twice)
    return lines, twice


def _walk(node: yaml.Node | None, prefix: tuple[str, ...], lines: dict[tuple[str, ...], int],
          twice: Problems) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            if path in lines:
                twice.append((path, f"{label(path)}: written twice, first on line {lines[path]}"))
                for stale in [k for k in lines if k[:len(path)] == path]:  # YAML drops the first
                    del lines[stale]
            lines[path] = key_node.start_mark.line + 1
            _walk(value_node, path, lines, twice)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, str(index))] = item.start_mark.line + 1
            _walk(item, (*prefix, str(index)), lines, twice)


def _line(lines: dict[tuple[str, ...], int], path: tuple[str | int, ...]) -> int:
    """The line of the key at `path`, else of the nearest key above it."""
    keys = tuple(str(part) for part in path)
    while keys and keys not in lines:
        keys = keys[:-1]
    return lines.get(keys, 1)


def _display(path: Path) -> str:
    return shown_path(path)
