"""Full-text search with no server: Pagefind indexes the article pages into /pagefind/.

Pagefind runs over a staging copy of the rendered article pages, before anything is written,
so its bundle goes through the same changed-only, manifest-tracked writing as every page.
Pagefind's filter indexes are not byte-stable between runs (Pagefind issue #638), so when the
pages it would index have not changed, the bundle already in output/ is kept as it is.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import BuildFailed, ContentError

BUNDLE = "pagefind"
MISSING = ("search: the Pagefind binary is not installed; run `pip install 'pagefind[extended]'` "
           "(make build does) or set `search: false` in config.yaml")


def check_available() -> None:
    """Fail before anything is written, not after, when the indexer cannot run."""
    if importlib.util.find_spec("pagefind") is None or not any(
            importlib.util.find_spec(name) for name in ("pagefind_bin_extended", "pagefind_bin")):
        raise BuildFailed([ContentError("config.yaml", None, MISSING)])


def index_version() -> str:
    return importlib.metadata.version("pagefind")


def previous_bundle(output_dir: Path, previous_files: set[str]) -> dict[str, bytes] | None:
    """The bundle an earlier build wrote, if every file of it is still there."""
    names = sorted(n for n in previous_files if n.startswith(BUNDLE + "/"))
    if not names:
        return None
    try:
        return {name: (output_dir / name).read_bytes() for name in names}
    except OSError:
        return None


def build_index(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Run Pagefind over the given pages; its bundle as output paths under pagefind/."""
    with tempfile.TemporaryDirectory(prefix="digest-search-") as temp:
        site, bundle = Path(temp, "site"), Path(temp, "bundle")
        for relative, data in pages.items():
            target = site / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        command = [sys.executable, "-m", "pagefind", "--site", str(site),
                   "--output-path", str(bundle), "--silent"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BuildFailed([ContentError("config.yaml", None,
                                            f"search: Pagefind failed: {exc}")]) from None
        if result.returncode != 0 or not bundle.is_dir():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BuildFailed([ContentError("config.yaml", None,
                                            f"search: Pagefind failed: {detail[0]}")])
        return {f"{BUNDLE}/{p.relative_to(bundle).as_posix()}": p.read_bytes()
                for p in sorted(bundle.rglob("*")) if p.is_file()}
