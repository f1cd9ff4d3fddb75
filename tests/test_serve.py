"""`digest serve` as a real process (as Hugo tests its server with scripts): edits are served,
a broken build shows an overlay over the last good site, unsafe requests are refused, and
Ctrl-C leaves nothing behind. The pieces it is made of are tested in-process at the end."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_site, run_digest, tree
from running import Running, get, poll, raw

from generator.build import BuildReport
from generator.errors import ContentError
from generator.serve import (
    BuildState,
    PreviewServer,
    Redirect,
    content_type,
    inject,
    page_additions,
    resolve,
)
from generator.watch import Outcome

ARTICLE = "/2023/09/20/harbour-strike/"
SOURCE = "content/world/2023-09-20-harbour-strike.md"


def preview(site: Path) -> Path:
    """Where `serve` builds: a folder of the cache's, never output/."""
    return site / ".digest-cache" / "serve"


def start(site: Path, *extra: str) -> tuple[Running, int]:
    server = Running("serve", "--port", "0", "--jobs", "1", *extra, cwd=site)
    _, port = server.url()
    return server, port


def text_of(port: int, path: str) -> str:
    status, _, body = get(port, path)
    return body.decode("utf-8") if status == 200 else ""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server for the tests that only read: (site folder, port)."""
    site = copy_site("basic", tmp_path_factory.mktemp("served"))
    server, port = start(site)
    try:
        poll(lambda: get(port, "/")[0] == 200, message="the first page")
        yield site, port
    finally:
        server.stop()


def test_an_edit_is_served_then_a_broken_edit_shows_the_overlay_over_the_last_good_site(
        tmp_path):
    site = copy_site("basic", tmp_path)
    source = site / SOURCE
    original = source.read_text()
    server, port = start(site)
    with server:
        page = poll(lambda: text_of(port, ARTICLE), message="the article")
        assert "The strike at the harbour ended" in page
        assert "/__digest__/events" in page
        assert "digest-build-errors" not in page
        assert not (preview(site) / ARTICLE.strip("/") / "index.html").read_text().count(
            "__digest__"), "the script is added to responses, not to the files"

        source.write_text(original.replace("ended on", "was settled on"))
        poll(lambda: "was settled on" in text_of(port, ARTICLE), message="the edited text")

        # (A broken date would not do: the file name's date stands in for it, with a warning.)
        source.write_text(original.replace("date: 2023-09-20T08:15:00+02:00",
                                           'date: 2023-09-20T08:15:00+02:00\nstatus: "<b>"'))
        page = poll(lambda: (p := text_of(port, ARTICLE)) and "digest-build-errors" in p and p,
                    message="the overlay")
        assert f"{SOURCE}:4: status: expected draft or published, got &#x27;&lt;b&gt;&#x27;" in page
        assert "was settled on" in page, "the last good build stays up"
        assert "digest-build-errors" in text_of(port, "/")
        status, _, missing = get(port, "/no/such/page/")
        assert status == 404 and b"digest-build-errors" in missing
        server.wait_for("build failed with 1 error")

        source.write_text(original)
        page = poll(lambda: (p := text_of(port, ARTICLE)) and "digest-build-errors" not in p
                    and p, message="the overlay to go")
        assert "ended on" in page
        assert server.stop() == 0


def test_a_request_during_a_build_waits_for_it(tmp_path):
    site = copy_site("basic", tmp_path)
    server, port = start(site)
    with server:
        poll(lambda: text_of(port, ARTICLE), message="the article")
        source = site / SOURCE
        for number in range(5):
            source.write_text(source.read_text().replace("harbour", f"harbour{number}", 1))
            # Every answer is a whole build: an old page or the new one, never a missing file.
            deadline = time.monotonic() + 10
            while f"harbour{number}" not in text_of(port, ARTICLE):
                status = get(port, ARTICLE)[0]
                assert status == 200
                assert time.monotonic() < deadline
        assert server.stop() == 0


def test_the_event_stream_carries_the_build_number(tmp_path):
    site = copy_site("basic", tmp_path)
    server, port = start(site)
    with server:
        poll(lambda: text_of(port, "/"), message="the home page")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET /__digest__/events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
                         .encode())
            stream = sock.makefile("rb")
            assert b"200" in stream.readline()
            first = _next_event(stream)
            assert first["build"] >= 1
            style = site / "templates" / "static" / "style.css"
            style.write_text(style.read_text() + "\nbody { color: #111; }\n")
            second = _next_event(stream)
            assert second["build"] == first["build"] + 1
            assert second["full"] == first["full"], "a stylesheet alone needs no reload"
            assert second["session"] == first["session"]
            (site / SOURCE).write_text((site / SOURCE).read_text() + "\nOne more line.\n")
            third = _next_event(stream)
            assert third["build"] == third["full"] == second["build"] + 1
        assert server.stop() == 0


def _next_event(stream) -> dict:
    while True:
        line = stream.readline()
        assert line, "the event stream ended"
        if line.startswith(b"data: "):
            return json.loads(line[6:])


def test_pretty_urls_redirects_404_and_types(served):
    site, port = served
    status, headers, body = get(port, "/2023/09/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!DOCTYPE html>")
    status, headers, _ = get(port, "/2023/09?x=1")
    assert status == 301 and headers["location"] == "/2023/09/?x=1"
    status, _, body = get(port, "/2023/09/nothing-here")
    assert status == 404 and b"__digest__/events" in body
    assert (preview(site) / "404.html").read_bytes().split(b"</body>")[0] in body
    status, headers, _ = get(port, "/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert headers["cache-control"] == "no-store"
    status, headers, body = get(port, "/feed.xml", method="HEAD")
    assert status == 200 and body == b"" and headers["content-type"] == "application/xml"
    pagefind = next((preview(site) / "pagefind").glob("pagefind*.js"))
    status, headers, _ = get(port, f"/pagefind/{pagefind.name}")
    assert status == 200 and headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", [
    "/../config.yaml", "/../../../../etc/passwd", "/%2e%2e/config.yaml", "/%2E%2E/config.yaml",
    "/..%2fconfig.yaml", "/2023/..%2f..%2fconfig.yaml", "/%252e%252e/config.yaml",
    "/%252e%252e%252fconfig.yaml", "/..\\config.yaml", "/%5c..%5cconfig.yaml", "/%00",
    "/.digest-manifest.json", "/.digest-staging/", "/.digest-staging/index.html",
    "/%2edigest-manifest.json", "/leak", "/leak-dir/config.yaml", "/%ff", "//etc/passwd",
])
def test_paths_outside_the_preview_and_our_own_files_are_404(served, path):
    site, port = served
    output = preview(site)
    (output / ".digest-staging").mkdir(exist_ok=True)
    (output / ".digest-staging" / "index.html").write_text("staged")
    for name, target in (("leak", site / "config.yaml"), ("leak-dir", site)):
        if not (output / name).is_symlink():
            (output / name).symlink_to(target)
    status, _, body = get(port, path)
    assert status in (400, 404)
    assert b"base_url" not in body and b"root:" not in body and b"staged" not in body


def test_a_foreign_host_is_refused(served):
    _, port = served
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert get(port, "/", host=host)[0] == 200, host
    for host in ("evil.example", f"evil.example:{port}", f"localhost.evil.example:{port}",
                 f"127.0.0.1:{port + 1}", "localhost", ""):
        status, _, body = get(port, "/", host=host)
        assert status == 403 and b"DOCTYPE" not in body, host
    assert get(port, "/__digest__/events", host=f"evil.example:{port}")[0] == 403


def test_malformed_requests_never_stop_the_server(served):
    _, port = served
    for data in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"\x00\xff\xfe\r\n\r\n",
                 b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"b" * 70000 + b"\r\n\r\n",
                 b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello",
                 b"GET / HTTP/1.1\r\n", b""):
        answer = raw(port, data)
        assert not answer.startswith(b"HTTP/1.0 200"), data[:20]
    for _ in range(20):  # clients that connect and vanish
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert get(port, "/")[0] == 200


def test_sigterm_and_sigint_stop_everything_with_exit_0(tmp_path):
    site = copy_site("basic", tmp_path)
    for signum in (signal.SIGINT, signal.SIGTERM):
        server, port = start(site, "--jobs", "2")
        with server:
            poll(lambda port=port: text_of(port, "/"), message="the home page")
            events = socket.create_connection(("127.0.0.1", port), timeout=10)
            events.sendall(f"GET /__digest__/events HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                           .encode())
            (site / SOURCE).write_text((site / SOURCE).read_text() + f"\n{signum}\n")
            time.sleep(0.2)  # the rebuild may be running with its worker processes
            children = server.descendants()
            assert server.stop(signum) == 0
            events.close()
            assert server.lines[-1] == "Stopped.", "\n".join(server.lines[-40:])
            # The pool's fork server sees its parent gone and exits a moment after.
            poll(lambda children=children: not [pid for pid in children if _alive(pid)],
                 timeout=3, message="every child process to exit")
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_usage_errors_exit_2(tmp_path, served):
    site, port = served
    from conftest import run_digest
    result = run_digest("serve", "--port", str(port), cwd=site)
    assert result.returncode == 2 and "cannot listen" in result.stderr
    assert run_digest("serve", "--port", "70000", cwd=site).returncode == 2
    assert run_digest("serve", "--config", "nope.yaml", cwd=site).returncode == 2


# The pieces, in-process.

def test_resolve_stays_inside_the_root(tmp_path):
    root = tmp_path / "out"
    (root / "a").mkdir(parents=True)
    (root / "a" / "index.html").write_text("a")
    (root / "a" / "b.css").write_text("b")
    (tmp_path / "secret").write_text("s")
    (root / "link").symlink_to(tmp_path / "secret")
    (root / "inner").symlink_to(root / "a" / "b.css")
    root = root.resolve()
    assert resolve(root, "/a/") == root / "a" / "index.html"
    assert resolve(root, "/a/b.css") == root / "a" / "b.css"
    assert resolve(root, "/inner") == root / "a" / "b.css"
    assert resolve(root, "/a") == Redirect("/a/")
    assert resolve(root, "/%61") == Redirect("/a/")
    assert resolve(root, "/%2f%2fevil.example/..%2f") is None
    for bad in ("/link", "/../secret", "/a/../../secret", "/a/%2e%2e/%2e%2e/secret",
                "/a/b.css/", "", "a/b.css", "/a/index.html/..", "/missing/"):
        assert resolve(root, bad) is None, bad


def test_types_for_what_a_site_holds():
    assert content_type(Path("x.wasm")) == "application/wasm"
    assert content_type(Path("pagefind-entry.json")) == "application/json"
    assert content_type(Path("en_1234.pf_meta")) == "application/octet-stream"
    assert content_type(Path("x.pagefind")) == "application/octet-stream"
    assert content_type(Path("x.svg")) == "image/svg+xml"
    assert content_type(Path("x.mp4")) == "video/mp4"


def test_overlay_is_escaped_and_injected_before_the_body_ends():
    state = BuildState()
    state.finish(_outcome(errors=(ContentError("content/<x>.md", 4, 'date: "<script>"'),)))
    with state.reading() as snapshot:
        additions = page_additions(snapshot)
    assert "content/&lt;x&gt;.md:4: date: &quot;&lt;script&gt;&quot;" in additions
    assert "<script>\"" not in additions
    page = inject(b"<html><body><p>x</p></BODY></html>", additions)
    assert page.startswith(b"<html><body><p>x</p><div id=\"digest-build-errors\"")
    assert page.endswith(b"</script>\n</BODY></html>")
    assert inject(b"<p>no body</p>", "<i>") == b"<p>no body</p><i>"


def test_a_reader_waits_for_the_build_and_the_build_for_readers():
    state = BuildState()
    served = []

    def reader():
        with state.reading() as snapshot:
            served.append(snapshot.number)

    first = threading.Thread(target=reader)
    first.start()
    time.sleep(0.05)
    assert not served, "nothing is served before the first build"
    state.finish(_outcome())
    first.join(5)
    assert served == [1]
    state.begin()
    second = threading.Thread(target=reader)
    second.start()
    time.sleep(0.05)
    assert served == [1], "a build holds requests"
    state.finish(_outcome(written=3))
    second.join(5)
    assert served == [1, 2]
    state.finish(_outcome(written=0))
    assert state.next_snapshot(2, 0.01).number == 2, "a build that changed nothing is no news"


def test_the_server_answers_to_its_names_only():
    server = PreviewServer("127.0.0.1", 0, Path(os.curdir))
    try:
        port = server.server_port
        assert server.url == f"http://127.0.0.1:{port}/"
        assert server.host_allowed(f"localhost:{port}") and server.host_allowed(None)
        assert not server.host_allowed(f"192.168.1.2:{port}")
    finally:
        server.server_close()
    wide = PreviewServer("0.0.0.0", 0, Path(os.curdir))
    try:
        port = wide.server_port
        assert wide.url == f"http://127.0.0.1:{port}/"
        assert wide.host_allowed(f"192.168.1.2:{port}") and wide.host_allowed(f"[fe80::1]:{port}")
        assert not wide.host_allowed(f"rebind.example:{port}")
    finally:
        wide.server_close()


def _outcome(errors=(), written=1) -> Outcome:
    report = None if errors else BuildReport(1, 1, 1, written, 0, 0)
    return Outcome(1, (), report, tuple(errors))


def test_serve_never_writes_to_output(tmp_path):
    """output/ keeps what `digest build` made for base_url: deploying it after a preview can
    never ship links to the preview's address."""
    site = copy_site("basic", tmp_path)
    assert run_digest("build", cwd=site).returncode == 0
    built = tree(site / "output")
    server, port = start(site)
    with server:
        server.wait_for("first build")
        source = site / SOURCE
        source.write_text(source.read_text().replace("ended on", "was over on"))
        poll(lambda: "was over on" in text_of(port, ARTICLE), message="the edit, served")
        assert f"http://127.0.0.1:{port}/" in text_of(port, ARTICLE)
        assert server.stop() == 0
    assert tree(site / "output") == built
    assert "https://fixture.example/" in (site / "output" / ARTICLE.strip("/") / "index.html"
                                          ).read_text()


def test_serve_renders_in_a_pool_started_by_a_fork_server(tmp_path):
    """serve runs threads: its workers must not be forked from it. With enough pages for
    several tasks, a pool really runs, and its workers come from a fork server."""
    from test_incremental import add_articles

    site = copy_site("basic", tmp_path)
    add_articles(site, 60)
    server, port = start(site, "--jobs", "2")
    with server:
        first = server.lines[server.wait_for("first build")]
        pages = re.search(r"(\d+) of \1 pages rendered", first).group(1)
        source = site / "templates/base.html"  # every page renders again: several tasks
        source.write_text(source.read_text().replace("Built with Digest", "Served by Digest"))
        server.wait_for(rf"^templates/base\.html changed: {pages} of {pages} pages rendered")
        commands = []
        for pid in server.descendants():
            try:
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                pass
        assert any(b"forkserver" in command for command in commands), commands
        assert "Served by Digest" in text_of(port, "/")
        assert server.stop() == 0
