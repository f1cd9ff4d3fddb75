"""Writing the site: only changed bytes, staged until the build has succeeded, never outside
output/, and removing only files that an earlier build of ours wrote (listed in the manifest)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, ContentError

MANIFEST = ".digest-manifest.json"


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def output_dir_errors(output_dir: Path, root: Path, sources: list[Path],
                      force: bool = False) -> list[ContentError]:
    """Refuse, before anything is written, an output folder that a build could harm: a root or
    the home folder; the project root; one that holds or sits inside a folder the build reads
    (`sources`: content, templates, the config file); and, unless `force`, an existing folder
    with files in it that no Digest build wrote (it has no manifest)."""
    out = output_dir.resolve()
    problems = []
    if out == Path(out.anchor) or out == Path.home().resolve():
        problems.append(f"output folder {out} is a filesystem root or the home folder")
    if out == root.resolve():
        problems.append(f"output folder {out} is the project folder")
    for path in sources:
        path = path.resolve()
        if out == path or out in path.parents:
            problems.append(f"output folder {out} contains {path}, which the build reads")
        elif path in out.parents:
            problems.append(f"output folder {out} is inside {path}, which the build reads")
    if not problems and not force and _foreign(out):
        problems.append(f"output folder {out} already holds files that Digest did not write "
                        f"(it has no {MANIFEST}); choose another folder, empty it, or pass "
                        "--force to write into it (Digest never deletes files it did not write)")
    return [ContentError("--output", None, p) for p in problems]


def _foreign(out: Path) -> bool:
    """A folder with entries but no manifest: someone else's files."""
    try:
        names = set(os.listdir(out))
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return True
    return MANIFEST not in names and bool(names - {Staging.FOLDER})


class Staging:
    """Changed files wait in output/.digest-staging/ until the whole build has succeeded.

    `put` compares a file with what output/ holds and stages it only when its bytes differ, so a
    render worker can stage its own pages and nothing need be kept in memory. `commit` moves the
    staged files into place and removes what an earlier build wrote and this one did not;
    `discard` forgets them, leaving output/ as it was. It holds only paths: a worker in another
    process works with a copy.
    """

    FOLDER = ".digest-staging"

    def __init__(self, output_dir: Path) -> None:
        self.root = output_dir.resolve()
        self.folder = self.root / self.FOLDER
        self._lock: int | None = None
        self._paths()

    def _paths(self) -> None:
        """The folders as strings, and what is known of them: `put` runs once a page."""
        self._root, self._staging = str(self.root), str(self.folder)
        self._checked: dict[str, bool] = {}
        self._absent: set[str] = set()  # folders that output/ does not have
        self._staged_folders: set[str] = set()

    def open(self) -> Staging:
        try:
            return self._open()
        except OSError as exc:
            raise _cannot_write(self.root, exc) from None

    def _open(self) -> Staging:
        self.root.mkdir(parents=True, exist_ok=True)
        # Two builds into one folder (a watcher and a `digest build`) take turns: the second
        # waits here for the first to commit or discard. The lock is on the folder itself, so
        # no lock file is left among the site's files.
        self._lock = os.open(self.root, os.O_RDONLY)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        shutil.rmtree(self.folder, ignore_errors=True)  # what a crashed build left behind
        self.folder.mkdir()
        self._paths()  # what the last build learned of output/ may be stale
        return self

    def put(self, relative: str, data: bytes) -> bool:
        """Stage a file unless output/ already holds these bytes; True when staged."""
        folder = self._checked_folder(relative)
        # A folder that output/ lacks holds no old copy: a first build skips the stat.
        if folder not in self._absent:
            target = os.path.join(self._root, relative)
            try:
                if os.stat(target).st_size == len(data):
                    with open(target, "rb") as old:
                        if old.read() == data:
                            return False
            except OSError:
                pass
        # Most pages have a folder of their own: made here before the first write into it,
        # rather than after a failed open; from its parent, when that was made, in one call.
        if folder not in self._staged_folders:
            path = os.path.join(self._staging, folder)
            if folder.rpartition("/")[0] in self._staged_folders:
                try:
                    os.mkdir(path)
                except FileExistsError:
                    pass
            else:
                os.makedirs(path, exist_ok=True)
                while "/" in folder:  # and its parents, where the next page's folder goes
                    self._staged_folders.add(folder)
                    folder = folder.rpartition("/")[0]
            self._staged_folders.add(folder)
        with open(os.path.join(self._staging, relative), "wb") as handle:
            handle.write(data)
        return True

    def read(self, relative: str) -> bytes:
        """A file as the committed build will have it: staged, else already in output/."""
        staged = self.folder / relative
        return staged.read_bytes() if staged.is_file() else self._target(relative).read_bytes()

    def commit(self, files: set[str], notes: dict[str, str] | None = None) -> WriteReport:
        try:
            return self._commit(files, notes)
        except OSError as exc:  # a full disk, a permission: named, never a traceback
            raise _cannot_write(Path(exc.filename or self.root), exc) from None

    def _commit(self, files: set[str], notes: dict[str, str] | None = None) -> WriteReport:
        """Move staged files into place; remove our files that `files` no longer lists.

        Each move is a rename within one file system, so a reader of output/ (a browser, the
        preview server, rsync) sees every file whole, old or new. Before the first move, the
        manifest already claims the new files: a build killed midway leaves nothing that the
        next build would take for someone else's.
        """
        previous = read_manifest(self.root)
        if files - previous.files:
            self._write_manifest(previous.files | files, previous.notes)
        written = 0
        for folder, subfolders, names in os.walk(self.folder):
            inner = os.path.relpath(folder, self.folder).replace(os.sep, "/")
            prefix = "" if inner == "." else inner + "/"
            for name in list(subfolders):
                # A folder output/ does not have yet moves in one piece: on a first build,
                # a handful of renames instead of one per page.
                target = self._target(prefix + name + "/x").parent
                if not os.path.lexists(target):
                    written += sum(len(files) for _, _, files in os.walk(Path(folder, name)))
                    os.replace(Path(folder, name), target)
                    subfolders.remove(name)
            for name in names:
                staged = Path(folder, name)
                target = self._target(prefix + name)
                try:
                    os.replace(staged, target)
                except FileNotFoundError:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, target)
                written += 1
        removed = 0
        for relative in sorted(previous.files - files, reverse=True):
            try:
                target = self._target(relative)
            except BuildFailed:
                continue  # a manifest entry pointing outside output/ is never acted on
            if target.is_file() and not target.is_symlink():
                target.unlink()
                removed += 1
                _prune_empty(target.parent, self.root)
        self._write_manifest(files, notes or {})
        self.discard()
        return WriteReport(written, len(files) - written, removed)

    def _write_manifest(self, files: set[str], notes: dict[str, str]) -> None:
        manifest = {"version": 1, "notes": dict(sorted(notes.items())), "files": sorted(files)}
        data = json.dumps(manifest, indent=0).encode("utf-8")
        try:
            same = (self.root / MANIFEST).read_bytes() == data
        except OSError:
            same = False
        if not same:  # the temporary file lives in staging: a kill leaves it where it is swept
            _atomic_write(self.root / MANIFEST, data, self.folder)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self._paths()  # what the last build learned of output/ may be stale
        if self._lock is not None:
            os.close(self._lock)  # closing releases the lock
            self._lock = None

    def _target(self, relative: str) -> Path:
        """output/relative, refusing any path that leads outside output/ (`..`, links)."""
        self._checked_folder(relative)
        # The file itself may be a link: os.replace swaps the link, never what it points to.
        return self.root / relative

    def _checked_folder(self, relative: str) -> str:
        """The folder of output/relative, once it is known to lie inside output/."""
        parts = relative.split("/")
        if not relative or relative.startswith("/") or ".." in parts or parts[0] == self.FOLDER:
            raise _outside(self.root, relative)
        folder = relative.rpartition("/")[0]
        if not self._inside(folder):
            raise _outside(self.root, relative)
        return folder

    def _inside(self, folder: str) -> bool:
        """Whether output/folder really is inside output/, links followed. Checked once per
        folder, from its parent's answer: a folder that is not a link is inside exactly when
        its parent is, so a page's own folder costs one lstat, not one per path component.
        The lstat also tells which folders output/ lacks (`_absent`)."""
        inside = self._checked.get(folder)
        if inside is None:
            parent, _, name = folder.rpartition("/")
            link = True
            if parent and self._inside(parent) and parent in self._absent:
                # Nothing can lie in a folder that output/ lacks: a first build's page
                # folders cost no lstat at all (a tenth of a page's staging).
                link = False
                self._absent.add(folder)
            elif folder and name not in ("", "."):
                try:
                    link = stat.S_ISLNK(os.lstat(os.path.join(self._root, folder)).st_mode)
                except FileNotFoundError:
                    link = False
                    self._absent.add(folder)
                except OSError:
                    link = False
            if not link:
                inside = self._inside(parent)
            else:
                try:
                    real = (self.root / folder).resolve()
                    inside = real == self.root or self.root in real.parents
                except (OSError, RuntimeError):  # a loop of links (RuntimeError before 3.13)
                    inside = False
            self._checked[folder] = inside
        return inside

    def __getstate__(self) -> dict[str, Path]:
        return {"root": self.root, "folder": self.folder}

    def __setstate__(self, state: dict[str, Path]) -> None:
        self.root, self.folder = state["root"], state["folder"]
        self._paths()
        self._lock = None


def _cannot_write(path: Path, exc: OSError) -> BuildFailed:
    return BuildFailed([ContentError(str(path), None, f"cannot write: {exc.strerror or exc}")])


def _outside(root: Path, relative: str) -> BuildFailed:
    return BuildFailed([ContentError(str(root / relative), None,
                                     f"refusing to write outside the output folder {root}")])


def _atomic_write(target: Path, data: bytes, folder: Path) -> None:
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".digest-", suffix=".tmp")
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


def tree_errors(pages: set[str], others: Iterable[str]) -> list[ContentError]:
    """A file where another needs a folder (a theme's static file against a page): the last
    check before anything moves into output/."""
    paths = pages | set(others)
    errors = []
    for path in sorted(paths):
        parts = path.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder in paths:
                errors.append(ContentError(path, None, f"needs a folder where the file {folder} "
                                                       "is written; rename one of them"))
                break
    return errors
