"""How paths are shown in messages, and which file names are editors' litter rather than files
anyone meant: one rule for the readers, the watcher and the importer."""

from __future__ import annotations

import re
from pathlib import Path

# vim's write probe `4913`, swap files, emacs autosave `#x#` and lock `.#x`, backups `x~`,
# JetBrains `x___jb_tmp___`, and hidden files.
_LITTER = re.compile(r"^(\..*|#.*#|.*~|\d+|.*\.sw[a-p]x?|.*___jb_(tmp|old)___|.*\.(tmp|bak|orig))$")


def is_litter(name: str) -> bool:
    return bool(_LITTER.match(name))


def shown_path(path: Path, root: Path | None = None, folder: bool = False) -> str:
    """`path` relative to `root` (the current folder when None), with forward slashes, and a
    closing slash for a folder; as it is when it lies elsewhere."""
    try:
        shown = path.relative_to(root if root is not None else Path.cwd()).as_posix()
    except ValueError:
        try:  # the same place by another name (a link in the path)
            shown = path.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
        except (OSError, ValueError):
            return path.as_posix()
    return shown + "/" if folder and shown != "." else shown
