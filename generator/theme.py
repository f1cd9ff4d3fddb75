"""Where templates and static files come from: the site's own `templates/`, then the theme that
`theme:` names (a folder), then the theme built into Digest. Each file is taken from the first
folder that has it, so a site overrides one template, or one stylesheet, at a time; a template
may extend the built-in one it replaces by its name under `!digest/` (`{% extends
"!digest/base.html" %}`), as Pelican's `!simple/` does.

The built-in theme is this repository's `templates/`, shipped inside the package as
`generator/theme` (a link to it in the source tree, a copy in a built wheel).
"""

from __future__ import annotations

from pathlib import Path

from .config import Config

BUILTIN = Path(__file__).resolve().parent / "theme"
BUILTIN_PREFIX = "!digest/"
STATIC = "static"
# A page kind's own template, and the one it falls back to when a theme has none.
FALLBACKS = {"category.html": "list.html", "tag.html": "list.html", "day.html": "list.html",
             "month.html": "list.html", "year.html": "archive.html"}


def theme_folders(cfg: Config) -> list[Path]:
    """The folders templates are looked up in, first match wins."""
    folders = [cfg.templates_dir]
    if cfg.theme:
        folders.append(cfg.root / cfg.theme)
    folders.append(BUILTIN)
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in unique]:
            unique.append(folder)
    return unique


def read_templates(folders: list[Path]) -> dict[str, str]:
    """Every template by name, from the first folder that has it; the built-in theme's also
    under `!digest/`. Static files are not templates."""
    found: dict[str, str] = {}
    for folder in folders:
        for name, path in _files(folder, templates=True):
            found.setdefault(name, path.read_text(encoding="utf-8", errors="replace"))
            if folder == BUILTIN:
                found[BUILTIN_PREFIX + name] = found.get(BUILTIN_PREFIX + name) or \
                    path.read_text(encoding="utf-8", errors="replace")
    return found


def template_origin(folders: list[Path], name: str) -> Path:
    """The file a template name was read from, for error messages."""
    if name.startswith(BUILTIN_PREFIX):
        return BUILTIN / name.removeprefix(BUILTIN_PREFIX)
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    return folders[0] / name


def static_files(folders: list[Path]) -> dict[str, bytes]:
    """The theme's static files, to be served under /static/, first folder first; hidden files
    are left out."""
    files: dict[str, bytes] = {}
    for folder in folders:
        for name, path in _files(folder / STATIC, templates=False):
            files.setdefault(f"{STATIC}/{name}", path.read_bytes())
    return dict(sorted(files.items()))


def stamps(folders: list[Path]) -> list[tuple[str, int, int]]:
    """Every file's path, modification time and size: what tells cheaply that none changed."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = path.stat()
                found.append((path.as_posix(), info.st_mtime_ns, info.st_size))
    return found


def _files(folder: Path, templates: bool) -> list[tuple[str, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        if templates and relative.parts[0] == STATIC:
            continue
        found.append((relative.as_posix(), path))
    return found
