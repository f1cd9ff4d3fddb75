"""`digest serve`: the preview server. It serves output/ as a static host would, rebuilds on
change (generator.watch), reloads open pages when a build finishes, and shows a build's errors
over every page until the next good build. Requests that arrive during a build wait for it.

Only the responses change: a small script (and, after a failed build, an overlay) is added to
HTML as it is sent; the files in output/ stay exactly as `digest build` writes them.
"""

from __future__ import annotations

import html
import ipaddress
import json
import mimetypes
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .config import Config
from .errors import ContentError
from .output import MANIFEST, Staging
from .paths import shown_path
from .store import CACHE_FOLDER
from .watch import Outcome, Watcher, interrupts

EVENTS = "/__digest__/events"  # reserved: Server-Sent Events carrying the build number
RESERVED = "/__digest__/"
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle event stream
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Types a static host sends; the platform's own table varies from one machine to the next.
TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json", ".pdf": "application/pdf",
}
_PLATFORM_TYPES = mimetypes.MimeTypes()  # Python's built-in table, without /etc/mime.types


def content_type(path: Path) -> str:
    """Pagefind's index files (.pagefind, .pf_*) are fetched by its script: bytes will do."""
    suffix = path.suffix.lower()
    return TYPES.get(suffix) or _PLATFORM_TYPES.guess_type(path.name)[0] \
        or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state a response is made from: which build it shows and what went wrong."""

    session: str
    number: int  # bumped by every build that changed what a browser would see
    full: int  # the last number a browser must reload for (not a stylesheet-only change)
    errors: tuple[ContentError, ...]


class BuildState:
    """Shared by the watcher and the request threads: who may read output/, and when."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._building = True  # until the first build is done, requests wait for it
        self._readers = 0
        self._stopping = False
        self._snapshot = Snapshot(secrets.token_hex(6), 0, 0, ())

    def begin(self) -> None:
        """A build starts: new requests wait; those reading a file finish first."""
        with self._cond:
            self._building = True
            while self._readers:
                self._cond.wait()

    def finish(self, outcome: Outcome) -> None:
        with self._cond:
            old = self._snapshot
            errors = tuple(outcome.errors)
            report = outcome.report
            changed = (old.number == 0 or errors != old.errors
                       or (report is not None and (report.written or report.removed)))
            if changed:
                number = old.number + 1
                css_only = outcome.css_only and not errors and not old.errors
                self._snapshot = Snapshot(old.session, number, old.full if css_only else number,
                                          errors)
            self._building = False
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._building = False
            self._cond.notify_all()

    @contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """Hold off builds while a response reads output/ (never while it sends)."""
        with self._cond:
            while self._building and not self._stopping:
                self._cond.wait()
            self._readers += 1
            snapshot = self._snapshot
        try:
            yield snapshot
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def next_snapshot(self, seen: int | None, timeout: float) -> Snapshot | None:
        """The state once its number differs from `seen` (or after `timeout`); None on stop."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or (
                not self._building and self._snapshot.number != seen), timeout)
            return None if self._stopping else self._snapshot


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str


def resolve(root: Path, raw_path: str) -> Path | Redirect | None:
    """The file a URL path names inside `root` (resolved), a redirect to its slash form, or
    None: not found, outside `root` (`..` however encoded, links out), or one of our own."""
    if not raw_path.startswith("/"):
        return None
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\0" in decoded:
        return None
    names = [part for part in decoded.split("/") if part]
    if any(name in (".", "..") or _ours(name) for name in names):
        return None
    try:
        real = root.joinpath(*names).resolve(strict=True)
        relative = real.relative_to(root)
    except (OSError, RuntimeError, ValueError):
        return None  # missing, a link loop, or a link out of root
    if any(_ours(name) for name in relative.parts):
        return None
    if real.is_dir():
        if not decoded.endswith("/"):
            return Redirect("/" + "".join(quote(name) + "/" for name in names))
        return resolve(root, raw_path + "index.html")
    if decoded.endswith("/") or not real.is_file():
        return None
    return real


def _ours(name: str) -> bool:
    """The build's staging folder, its manifest and its temp files are never served."""
    return name in (Staging.FOLDER, MANIFEST) or name.startswith(".digest-")


def inject(page: bytes, snippet: str) -> bytes:
    """Add the snippet before the last </body>, or at the end when there is none."""
    at = page.lower().rfind(b"</body>")
    data = snippet.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


RELOAD_SCRIPT = """<script>(function(){var s=%s,b=%d,es=new EventSource(%s);
es.onmessage=function(e){var d=JSON.parse(e.data);
if(d.session!==s||d.full>b){es.close();location.reload();return;}
if(d.build!==b){b=d.build;document.querySelectorAll('link[rel~="stylesheet"]').forEach(function(l){
var u=new URL(l.href);u.searchParams.set("digest-build",b);l.href=u.href;});}};})();</script>
"""

OVERLAY = """<div id="digest-build-errors" role="alert" style="position:fixed;inset:0;\
z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:rgba(24,24,24,.95);\
color:#fdd;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;text-align:left">\
<p style="margin:0 0 1em;color:#ff8a80;font:bold 18px/1.3 system-ui,sans-serif">\
Build failed: %d error(s)</p><pre style="margin:0;white-space:pre-wrap">%s</pre>\
<p style="margin:1.5em 0 0;color:#ccc;font:14px/1.4 system-ui,sans-serif">The server keeps the \
last good build. Save a fix and this page reloads by itself.</p></div>
"""


def page_additions(snapshot: Snapshot) -> str:
    script = RELOAD_SCRIPT % (json.dumps(snapshot.session), snapshot.number, json.dumps(EVENTS))
    if not snapshot.errors:
        return script
    lines = "\n".join(html.escape(str(error)) for error in snapshot.errors)
    return OVERLAY % (len(snapshot.errors), lines) + script


NOT_FOUND = b"<!DOCTYPE html>\n<title>Not found</title>\n<body><h1>Not found</h1></body>\n"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.0"  # one response per connection; the event stream ends at close
    server_version = "digest-serve"
    timeout = 60  # an idle or half-sent request is dropped, not waited on forever

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        host = self.headers.get("Host")
        if host is None and self.request_version != "HTTP/1.0":
            self.send_error(HTTPStatus.BAD_REQUEST, "Host header missing")
            return
        if not self.server.host_allowed(host):
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: unknown Host header\n",
                       "text/plain; charset=utf-8", send_body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS and send_body:
            self._events()
            return
        state = self.server.state
        with state.reading() as snapshot:
            found = None if path.startswith(RESERVED) else resolve(self.server.root, path)
            status = HTTPStatus.OK
            if isinstance(found, Redirect):
                query = urlsplit(self.path).query
                location = found.location + (f"?{query}" if query else "")
                self._send(HTTPStatus.MOVED_PERMANENTLY, b"", None, send_body,
                           {"Location": location})
                return
            if found is None:
                status = HTTPStatus.NOT_FOUND
                found = self.server.root / "404.html"
            try:
                data = found.read_bytes()
                kind = content_type(found)
            except OSError:
                data, kind = NOT_FOUND, TYPES[".html"]
        if kind.startswith("text/html"):
            data = inject(data, page_additions(snapshot))
        self._send(status, data, kind, send_body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str | None, send_body: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(b"retry: 500\n\n")
        self.wfile.flush()
        seen = None
        try:
            while True:
                snapshot = self.server.state.next_snapshot(seen, HEARTBEAT)
                if snapshot is None:
                    return  # the server is stopping
                if snapshot.number == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    seen = snapshot.number
                    message = {"session": snapshot.session, "build": snapshot.number,
                               "full": snapshot.full}
                    self.wfile.write(f"data: {json.dumps(message)}\n\n".encode())
                self.wfile.flush()
        except OSError:
            return  # the page went away

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per build is what the terminal shows, not one per request


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, bind: str, port: int, root: Path) -> None:
        self.address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        super().__init__((bind, port), PreviewHandler)
        self.bind = bind
        self.root = root.resolve()
        self.state = BuildState()
        self._hosts = allowed_hosts(bind, self.server_port)

    @property
    def url(self) -> str:
        """The address pages link to: the bind address, or 127.0.0.1 for a wildcard."""
        host = self.bind if not _wildcard(self.bind) else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.server_port}/"

    def host_allowed(self, host: str | None) -> bool:
        """Refuse names we do not answer to (DNS rebinding). A wildcard bind also answers to any
        IP address: a rebinding attack needs a name."""
        if host is None:
            return True  # HTTP/1.0 without Host: no browser sends that
        host = host.strip().lower()
        if host in self._hosts:
            return True
        if _wildcard(self.bind):
            name, _, port = host.rpartition(":")
            try:
                ipaddress.ip_address(name.strip("[]"))
            except ValueError:
                return False
            return port == str(self.server_port)
        return False

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        kind, error = sys.exc_info()[:2]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            return  # the browser closed the connection
        print(f"digest serve: error answering {client_address[0]}: {kind.__name__ if kind else ''}"
              f": {error}", file=sys.stderr, flush=True)


def allowed_hosts(bind: str, port: int) -> set[str]:
    names = {"127.0.0.1", "localhost", "[::1]"}
    if not _wildcard(bind):
        names.add(f"[{bind.lower()}]" if ":" in bind else bind.lower())
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:
        hosts |= names
    return hosts


def _wildcard(bind: str) -> bool:
    return bind in ("0.0.0.0", "::", "")


PREVIEW_FOLDER = "serve"  # under .digest-cache/: the preview's own output folder


def preview_config(cfg: Config, url: str) -> Config:
    """The site as the preview builds it: for the server's address, into a folder of the
    cache's, so that output/ never holds links to localhost."""
    cfg = replace(cfg, output_dir=cfg.root / CACHE_FOLDER / PREVIEW_FOLDER)
    return cfg.with_base_url(url) if url else cfg


def serve_site(server: PreviewServer, cfg: Config, load: Callable[[], Config], config_file: Path,
               jobs: int, open_browser: bool = False, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM (or `stop`), rebuilding on change; returns the exit code."""
    if server.bind not in LOOPBACK:
        print(f"warning: serving on {server.bind}: other machines on the network can read "
              "the site; the default, 127.0.0.1, is only reachable from this one",
              file=sys.stderr, flush=True)
    state = server.state
    opened = threading.Event()

    def done(outcome: Outcome) -> None:
        state.finish(outcome)
        if open_browser and not opened.is_set():
            opened.set()
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()

    watcher = Watcher(cfg, load, config_file, jobs, on_start=state.begin, on_done=done)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="digest-serve", daemon=True)
    thread.start()
    print(f"Serving {_shown(cfg.content_dir)} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        with interrupts():
            watcher.run(stop or threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        state.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    print("Stopped.", flush=True)
    return 0


def _shown(path: Path) -> str:
    return shown_path(path, folder=True)
