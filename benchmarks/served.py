"""Save to served (issue #11): from an article's write to the first HTTP answer that shows it.

A preview server (`digest serve`, `hugo server`) is started on 127.0.0.1 at a free port and
given its first build; then, `repeat` times, a sentence is appended to one article and its page
is polled every POLL seconds until an answer contains the sentence. The time is from just
before the write to the end of that answer. Every server started here is stopped on the way
out, on error and on SIGTERM too (each runs in its own process group, which is signalled).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL = 0.01  # seconds between requests while waiting for the edit
FIRST_BUILD_TIMEOUT = 1800.0  # the first build of a large corpus under load
EDIT_TIMEOUT = 300.0
SETTLE = 1.0  # seconds between edits: the server finishes what follows the answer


class ServeFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(cmd: list[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    """A server process in its own group, stopped (TERM, then KILL) however the block ends."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        # A SIGTERM to the harness unwinds through the finally below instead of orphaning it.
        def interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, interrupt)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            yield proc
        finally:
            stop(proc)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)  # the group this harness made for it: its workers too
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:  # workers left in the group after the leader exited
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(url: str, marker: bytes, timeout: float, proc: subprocess.Popen) -> float:
    """Poll until an answer contains `marker`; the perf_counter time of that answer."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        body = fetch(url)
        if body is not None and marker in body:
            return time.perf_counter()
        if proc.poll() is not None:
            raise ServeFailed(f"the server exited ({proc.returncode}) before serving {url}")
        time.sleep(POLL)
    raise ServeFailed(f"{url} did not show {marker.decode()!r} within {timeout:.0f} s")


def save_to_served(cmd: list[str], cwd: Path, url_path: str, port: int, article: Path,
                   repeat: int, tag: str, log: Path) -> list[float]:
    """Seconds from each write to the first answer with the sentence, `repeat` edits."""
    url = f"http://127.0.0.1:{port}{url_path}"
    original = article.read_bytes()
    times = []
    try:
        with server(cmd, cwd, log) as proc:
            wait_for(url, body_end(article), FIRST_BUILD_TIMEOUT, proc)  # the first build
            time.sleep(SETTLE)
            for i in range(repeat):
                sentence = f"Saved and served {tag} {i} {time.time_ns()}."
                text = article.read_bytes().rstrip(b"\n") + f" {sentence}\n".encode()
                start = time.perf_counter()
                article.write_bytes(text)
                times.append(wait_for(url, sentence.encode(), EDIT_TIMEOUT, proc) - start)
                time.sleep(SETTLE)
    finally:
        article.write_bytes(original)
    return times


def page_of(output: Path, article: Path) -> str:
    """The URL path of an article's own page in a built site: the deepest HTML file holding
    the end of its body (lists show summaries, never a body's last words)."""
    marker = body_end(article)
    found = [p for p in output.rglob("*.html") if marker in p.read_bytes()]
    if not found:
        raise ServeFailed(f"no page in {output} holds the end of {article.name}")
    page = max(found, key=lambda p: (len(p.parts), str(p)))
    rel = page.relative_to(output).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def body_end(article: Path) -> bytes:
    """The last words of an article's body, whole words only: found on its page only."""
    body = article.read_bytes().rstrip()
    return body[-60:].split(b" ", 1)[-1]
