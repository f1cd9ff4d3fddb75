"""Full-text search with no server: Pagefind indexes the article pages into /pagefind/.

Pagefind runs before anything is written, on the rendered article pages, so its bundle goes
through the same changed-only, manifest-tracked writing as every page. The bundle is the same
bytes for the same pages, which Pagefind alone does not give (Pagefind issue #638):

- Pagefind numbers pages in the order it meets them, and the numbers are in its word index and
  metadata. Its command line walks a folder in the order the file system lists it, which differs
  between file systems and machines, so the pages go to Pagefind's service (`pagefind
  --service`, the protocol of its Python and Node wrappers) one by one, sorted by path.
- Pagefind up to 1.5.2 writes the values of each filter, the list of filters and the list of
  sorts in the order of a Rust HashMap, which changes on every run. `canonical_bundle` sorts them,
  as Pagefind's main branch does since #1124 (in no release yet), and names the files after their
  new content the way Pagefind names them. Pagefind's search reads filters into sorted maps, so
  the order in the file changes nothing in the browser.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import subprocess
import tempfile
import threading
from pathlib import Path

from .errors import BuildFailed, ContentError

BUNDLE = "pagefind"
# Bump when Digest changes how it makes the bundle from the same pages: an earlier build's
# bundle is then not reused.
BUNDLE_FORM = 2
TIMEOUT = 900  # seconds for the whole index
MISSING = ("search: the Pagefind binary is not installed; run `pip install 'pagefind[extended]'` "
           "(make build does) or set `search: false` in config.yaml")
_HEADER = b"pagefind_dcd"  # what Pagefind puts before the CBOR of each gzipped index file
_ENTRY = "pagefind-entry.json"


def check_available() -> None:
    """Fail before anything is written, not after, when the indexer cannot run."""
    if importlib.util.find_spec("pagefind") is None or not any(
            importlib.util.find_spec(name) for name in ("pagefind_bin_extended", "pagefind_bin")):
        raise BuildFailed([ContentError("config.yaml", None, MISSING)])


def index_version() -> str:
    return f"pagefind {importlib.metadata.version('pagefind')}, bundle form {BUNDLE_FORM}"


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
    """Pagefind's bundle for the given pages (output paths), as output paths under pagefind/."""
    files = canonical_bundle(run_service(pages))
    return {f"{BUNDLE}/{name}": files[name] for name in sorted(files)}


def _failed(message: str) -> BuildFailed:
    return BuildFailed([ContentError("config.yaml", None, f"search: Pagefind failed: {message}")])


def run_service(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Index the pages with `pagefind --service`, in sorted path order; its files by name.

    Every request is written at once, by a thread, while this one reads the answers: the
    service reads its input whatever its output is waiting for, and answers in order.
    """
    from pagefind.service import get_executable  # the binary the wrapper package would use

    executable = get_executable()
    if executable is None:
        raise BuildFailed([ContentError("config.yaml", None, MISSING)])
    order = sorted(pages)
    requests = [{"type": "NewIndex", "config": None}]
    requests += [{"type": "AddFile", "index_id": 0, "file_path": path, "url": None,
                  "file_contents": pages[path].decode("utf-8", "replace")} for path in order]
    requests.append({"type": "GetFiles", "index_id": 0})
    with tempfile.TemporaryFile() as errors:
        try:
            service = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors)
        except OSError as exc:
            raise _failed(str(exc)) from None
        timer = threading.Timer(TIMEOUT, service.kill)
        writer = threading.Thread(target=_send, args=(service, requests), daemon=True)
        timer.start()
        writer.start()
        try:
            answers = _receive(service, len(requests))
        finally:
            timer.cancel()
            if service.stdin:
                service.stdin.close()  # the service exits at the end of its input
            try:
                service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
            writer.join()
        if answers is None:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise _failed(detail[0] if detail else f"the service stopped (exit {service.returncode})")
    for number, answer in enumerate(answers):
        payload = answer.get("payload", {})
        if payload.get("type") == "Error" or answer.get("message_id") != number:
            page = f" on {order[number - 1]}" if 1 <= number <= len(order) else ""
            raise _failed(f"{payload.get('message', 'an unexpected answer')}{page}")
    try:
        return {file["path"]: base64.b64decode(file["content"])
                for file in answers[-1]["payload"]["files"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise _failed(f"unexpected answer to GetFiles ({exc})") from None


def _send(service: subprocess.Popen, requests: list[dict]) -> None:
    try:
        for number, payload in enumerate(requests):
            message = json.dumps({"message_id": number, "payload": payload}).encode("utf-8")
            service.stdin.write(base64.b64encode(message) + b",")  # a comma ends each message
        service.stdin.flush()
    except (BrokenPipeError, ValueError):
        pass  # the service stopped; the reader reports it


def _receive(service: subprocess.Popen, count: int) -> list[dict] | None:
    """`count` answers, or None when the service stopped before giving them all."""
    answers: list[dict] = []
    pending = bytearray()
    while len(answers) < count:
        end = pending.find(b",")
        if end < 0:
            more = service.stdout.read1(1 << 20)
            if not more:
                return None
            pending += more
            continue
        answers.append(json.loads(base64.b64decode(bytes(pending[:end]))))
        del pending[:end + 1]
    return answers


# ------------------------------------------------------------ the canonical order of the bundle


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's files with every filter value, filter and sort in sorted order.

    Only the filter indexes, the metadata (which names them) and the entry file (which names the
    metadata) change; their new names are Pagefind's hash of their new content. Anything this
    does not recognise is an error rather than a bundle that might not work.
    """
    files = dict(files)
    entry = _json(files, _ENTRY)
    for language, about in entry["languages"].items():
        meta_name = f"pagefind.{about['hash']}.pf_meta"
        meta = _index_file(files, meta_name)
        if not (isinstance(meta, list) and len(meta) >= 5
                and all(_is_pair(f, str) for f in meta[3]) and all(_is_pair(s, list)
                                                                   for s in meta[4])):
            raise _unreadable(meta_name)
        filters, taken = [], set()
        for name, old in sorted(meta[3]):
            filter_name = f"filter/{old}.pf_filter"
            index = _index_file(files, filter_name)
            if not (_is_pair(index, list) and all(_is_pair(v, list) for v in index[1])):
                raise _unreadable(filter_name)
            index[1].sort(key=lambda value: value[0])
            data = _cbor(index)
            short = _filter_hash(language, _pagefind_hash(data), taken)
            files[f"filter/{short}.pf_filter"] = _gzip(data)
            filters.append([name, short])
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda sort: sort[0])
        data = _cbor(meta)
        about["hash"] = f"{language}_{_pagefind_hash(data)[:len(language) + 8]}"
        files[f"pagefind.{about['hash']}.pf_meta"] = _gzip(data)
    entry["languages"] = dict(sorted(entry["languages"].items()))
    files[_ENTRY] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return files


def _is_pair(value: object, second: type) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], second))


def _unreadable(name: str) -> BuildFailed:
    version = importlib.metadata.version("pagefind")
    return BuildFailed([ContentError("config.yaml", None, (
        f"search: Pagefind {version} wrote {name} in a form Digest does not know; "
        "Digest reads the bundles of Pagefind 1.3 to 1.5"))])


def _json(files: dict[str, bytes], name: str) -> dict:
    """The entry file, checked to be what json.dumps writes back byte for byte."""
    raw = files.get(name)
    try:
        entry = json.loads(raw)
        same = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() == raw
    except (TypeError, ValueError):
        same = False
    if not same or not isinstance(entry.get("languages"), dict):
        raise _unreadable(name)
    return entry


def _index_file(files: dict[str, bytes], name: str) -> object:
    """A gzipped index file's CBOR, removed from `files`; it must encode back to the same bytes,
    which proves that the decoder understood all of it."""
    raw = files.pop(name, None)
    try:
        data = gzip.decompress(raw) if raw is not None else b""
    except (OSError, EOFError):
        data = b""
    if not data.startswith(_HEADER):
        raise _unreadable(name)
    try:
        value, end = _uncbor(data, len(_HEADER))
    except (IndexError, ValueError):
        raise _unreadable(name) from None
    if end != len(data) or _cbor(value) != data[len(_HEADER):]:
        raise _unreadable(name)
    return value


def _gzip(data: bytes) -> bytes:
    # mtime 0: a gzip header carries no clock (Pagefind writes 0 too).
    return gzip.compress(_HEADER + data, compresslevel=9, mtime=0)


def _pagefind_hash(data: bytes) -> str:
    """Pagefind's `full_hash`: SHA-1, each byte in hex without its leading zero."""
    return "".join(f"{byte:x}" for byte in hashlib.sha1(data).digest())


def _filter_hash(language: str, full: str, taken: set[str]) -> str:
    """A filter file's name as Pagefind shortens it, lengthened as Pagefind does on a clash."""
    whole = f"{language}_{full}"
    short = whole[:len(language) + 8]
    while short in taken and len(short) < len(whole):
        short = whole[:len(short) + 2]
    taken.add(short)
    return short


# The CBOR that Pagefind's index files use (RFC 8949): unsigned integers, text and arrays, all
# of definite length, integers in their shortest form.


def _uncbor(data: bytes, at: int) -> tuple[object, int]:
    head = data[at]
    kind, info = head >> 5, head & 31
    at += 1
    if info < 24:
        number = info
    elif info <= 27:
        size = 1 << (info - 24)
        number = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise ValueError(f"CBOR item {head:#x} is not one Pagefind writes")
    if kind == 0:
        return number, at
    if kind == 3:
        if at + number > len(data):
            raise ValueError("truncated text")
        return data[at:at + number].decode("utf-8"), at + number
    if kind == 4:
        items = []
        for _ in range(number):
            item, at = _uncbor(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"CBOR major type {kind} is not one Pagefind writes")


def _cbor(value: object) -> bytes:
    out = bytearray()
    _put(value, out)
    return bytes(out)


def _put(value: object, out: bytearray) -> None:
    if isinstance(value, list):
        _head(4, len(value), out)
        for item in value:
            _put(item, out)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _head(3, len(data), out)
        out += data
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        _head(0, value, out)
    else:
        raise ValueError(f"cannot write {type(value).__name__} as Pagefind's CBOR")


def _head(kind: int, number: int, out: bytearray) -> None:
    if number < 24:
        out.append(kind << 5 | number)
        return
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if number < 1 << (8 * size):
            out.append(kind << 5 | info)
            out += number.to_bytes(size, "big")
            return
    raise ValueError(f"{number} is too large for CBOR")
