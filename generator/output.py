"""Writing the site: only changed bytes, atomically per file, never outside output/, and
removing only files that an earlier build of ours wrote (listed in the manifest)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, ContentError

MANIFEST = ".digest-manifest.json"


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def check_output_dir(output_dir: Path, protected: list[Path]) -> None:
    """Refuse an output folder that holds, or sits inside, something the build reads."""
    out = output_dir.resolve()
    problems = []
    if out == Path(out.anchor) or out == Path.home().resolve():
        problems.append(f"output folder {out} is a filesystem root or the home folder")
    for path in protected:
        path = path.resolve()
        if out == path or out in path.parents:
            problems.append(f"output folder {out} contains {path}, which the build reads")
        elif path.is_dir() and path in out.parents:
            problems.append(f"output folder {out} is inside {path}, which the build reads")
    if problems:
        raise BuildFailed([ContentError("--output", None, p) for p in problems])


def write_site(files: dict[str, bytes], output_dir: Path, notes: dict[str, str] | None = None
               ) -> WriteReport:
    """Make output/ hold exactly `files` plus whatever we did not write ourselves.

    `notes` are kept in the manifest for the next build (such as the search input's hash).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    root = output_dir.resolve()
    for relative in files:
        _inside(root, relative)

    written = unchanged = 0
    for relative in sorted(files):
        data = files[relative]
        target = root / relative
        try:
            if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
                unchanged += 1
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        _inside(root, relative)  # a folder on the way may be a symlink that points elsewhere
        _atomic_write(target, data)
        written += 1

    previous = read_manifest(root).files
    removed = 0
    for relative in sorted(previous - files.keys(), reverse=True):
        try:
            target = _inside(root, relative)
        except BuildFailed:
            continue
        if target.is_file() and not target.is_symlink():
            target.unlink()
            removed += 1
            _prune_empty(target.parent, root)
    manifest = {"version": 1, "notes": dict(sorted((notes or {}).items())), "files": sorted(files)}
    _atomic_write(root / MANIFEST, json.dumps(manifest, indent=0).encode("utf-8"))
    return WriteReport(written, unchanged, removed)


def _inside(root: Path, relative: str) -> Path:
    target = root / relative
    resolved = target.resolve()
    if relative.startswith("/") or ".." in Path(relative).parts or (
            resolved != root and root not in resolved.parents):
        raise BuildFailed([ContentError(str(target), None, "refusing to write outside the "
                                        f"output folder {root}")])
    return target


def _atomic_write(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".digest-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class Manifest:
    files: set[str]
    notes: dict[str, str]


def read_manifest(output_dir: Path) -> Manifest:
    """What the last build wrote. No manifest, or a broken one, means nothing is ours."""
    try:
        data = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest(set(), {})
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return Manifest(set(), {})
    notes = data.get("notes") if isinstance(data.get("notes"), dict) else {}
    return Manifest({n for n in data["files"] if isinstance(n, str)},
                    {k: v for k, v in notes.items() if isinstance(v, str)})


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            return
        folder = folder.parent
