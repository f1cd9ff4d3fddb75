"""Downloading one feed: conditional, with a time limit and a size limit, read in chunks.

urllib rather than feedparser's own fetching, so that Digest decides the time the whole download
may take, how many bytes it may have, and what is sent: the ETag and Last-Modified of the last
answer (a 304 then costs the server nothing), gzip, and a User-Agent that names Digest.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass

from .. import __version__

USER_AGENT = f"Digest/{__version__} (static site generator; digest fetch)"
ACCEPT = ("application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
          "application/feed+json, application/json;q=0.9, application/xml;q=0.8, "
          "text/xml;q=0.8, */*;q=0.1")
CHUNK = 64 * 1024


class FetchFailed(Exception):
    """One feed could not be had; the message says why, for a warning naming the feed."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said identifies its last answer; sent back to ask "anything new?"."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Downloaded:
    url: str  # after redirects: the base that relative links in the feed are read against
    body: bytes | None  # None: 304, nothing new since the validators were given
    content_type: str
    validators: Validators


def download(url: str, validators: Validators, timeout: float, max_bytes: int) -> Downloaded:
    """The feed's bytes, or None for "not modified". Raises FetchFailed with a short reason."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            body = _read_limited(response, deadline, max_bytes)
            if response.headers.get("Content-Encoding", "").strip().lower() == "gzip":
                body = _gunzip(body, max_bytes)
            got = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
            return Downloaded(response.geturl(), body,
                              response.headers.get("Content-Type", ""), got)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            renewed = Validators(exc.headers.get("ETag") or validators.etag,
                                 exc.headers.get("Last-Modified") or validators.last_modified)
            return Downloaded(url, None, "", renewed)
        raise FetchFailed(f"HTTP {exc.code} {exc.reason}".rstrip()) from None
    except urllib.error.URLError as exc:
        raise FetchFailed(_reason(exc.reason, timeout)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailed(_reason(exc, timeout)) from None


def _opener() -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only: a redirect to file: or ftp: fails instead of being followed."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPRedirectHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _read_limited(response: http.client.HTTPResponse, deadline: float, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(_too_big(max_bytes))
    chunks: list[bytes] = []
    size = 0
    while True:
        # The socket's timeout bounds each read; this bounds the whole download, against a
        # server that sends a trickle of bytes just fast enough never to time out.
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed(_too_big(max_bytes))
        chunks.append(chunk)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompressed with the same limit, so that a small gzip bomb is refused too."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise FetchFailed(f"cannot decompress its gzip body ({exc})") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise FetchFailed(_too_big(max_bytes))
    return out


def _too_big(max_bytes: int) -> str:
    return f"larger than {max_bytes:,} bytes (fetch.max_bytes)"


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"cannot find the host ({error.strerror or error})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or error})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error) or type(error).__name__
