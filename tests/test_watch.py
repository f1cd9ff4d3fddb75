"""`digest watch` as a real process: one rebuild per editor save or checkout burst, editor
litter never becomes an article, failures keep the last good site, nothing rebuilds without a
change. Then the event filter and the polling fallback, in-process."""

from __future__ import annotations

import errno
import os
import re
import signal
from pathlib import Path

import pytest
from conftest import copy_site, run_digest
from running import Running
from watchdog.events import (
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)
from watchdog.observers.polling import PollingObserver

from generator.config import load_config
from generator.watch import ChangeFilter, describe, start_observer

REBUILD = r"(changed|added|removed)[ :(].*(rendered|failed)"


def start(site: Path) -> Running:
    watcher = Running("watch", "--jobs", "1", cwd=site)
    watcher.wait_for(r"^first build: \d+ of \d+ pages rendered")
    return watcher


def rebuilds(watcher: Running, site: Path, start: int, expected: bool = True) -> list[str]:
    """Every rebuild line since `start`, once the watcher is quiet: waits for the first, then
    saves a marker file and takes the lines up to the build that read it (the marker's own
    build left out when it built nothing else). Without `expected`, there may be none."""
    if expected:
        watcher.wait_for(REBUILD, start)
    marker = site / "content" / "zz-marker.md"
    marker.write_text(f"---\ntitle: Marker\ndate: 2023-01-0{1 + marker.exists()}\n---\nm\n")
    end = watcher.wait_for(r"zz-marker\.md", start)
    lines = watcher.matching(REBUILD, start, end + 1)
    if re.match(r"content/zz-marker\.md (added|changed): ", lines[-1]):
        lines.pop()
    return lines


def article_count(site: Path) -> int:
    return sum(1 for _ in (site / "output").glob("20*/*/*/*/index.html"))


def test_an_editor_save_is_one_rebuild_and_its_litter_never_an_article(tmp_path):
    site = copy_site("basic", tmp_path)
    folder = site / "content" / "world"
    target = folder / "rail-tunnel.md"
    with start(site) as watcher:
        before = article_count(site)
        mark = len(watcher.lines)
        # vim: the write probe, the swap file, the backup renamed away, the new file written.
        (folder / "4913").write_text("")
        (folder / "4913").unlink()
        (folder / ".rail-tunnel.md.swp").write_bytes(b"\0swap")
        os.replace(target, folder / "rail-tunnel.md~")
        target.write_text((folder / "rail-tunnel.md~").read_text() + "\nVim was here.\n")
        (folder / "rail-tunnel.md~").unlink()
        # an atomic save: a temp file renamed over the original
        temp = folder / "rail-tunnel.md.tmp"
        temp.write_text(target.read_text() + "\nAnd an atomic save.\n")
        os.replace(temp, target)
        # emacs and JetBrains litter, left lying around
        (folder / ".#rail-tunnel.md").symlink_to("user@host.1234")
        (folder / "#rail-tunnel.md#").write_text("---\ntitle: Autosave\n---\n")
        (folder / "rail-tunnel.md___jb_tmp___").write_text("Title: Temp\nDate: 2023-09-22\n\nx")
        lines = rebuilds(watcher, site, mark)
        assert len(lines) == 1, lines
        assert lines[0].startswith("content/world/rail-tunnel.md changed: ")
        assert article_count(site) == before + 1  # the marker, nothing from the litter
        page = (site / "output/2023/09/22/rail-tunnel/index.html").read_text()
        assert "Vim was here." in page and "And an atomic save." in page
        assert watcher.stop() == 0
    # The cache, kept in memory while watching, is saved on the way out.
    assert "(0 rendered), 0 files written" in run_digest("build", cwd=site).stdout


def test_a_checkout_of_50_files_is_one_or_two_rebuilds(tmp_path):
    site = copy_site("basic", tmp_path)
    with start(site) as watcher:
        mark = len(watcher.lines)
        burst = site / "content" / "burst"
        burst.mkdir()
        for number in range(50):
            (burst / f"a{number:02}.md").write_text(
                f"---\ntitle: Burst {number}\ndate: 2023-09-{1 + number % 28:02}\n---\nText.\n")
        lines = rebuilds(watcher, site, mark)
        assert 1 <= len(lines) <= 2, lines
        assert "files changed" in lines[0]
        assert (site / "output/2023/09/01/a00/index.html").is_file()
        assert watcher.stop() == 0


def test_a_failed_build_keeps_the_site_and_the_fix_rebuilds_once(tmp_path):
    site = copy_site("basic", tmp_path)
    source = site / "content/world/2023-09-20-harbour-strike.md"
    page = site / "output/2023/09/20/harbour-strike/index.html"
    original = source.read_text()
    with start(site) as watcher:
        good = page.read_bytes()
        mark = len(watcher.lines)
        source.write_text(original.replace("author: Jane Doe", "author: Jane Doe\nstatus: sometimes"))
        failed = watcher.wait_for("build failed with 1 error", mark)
        assert watcher.matching(r"^error: content/world/2023-09-20-harbour-strike\.md:8: status: expected draft or "
                                r"published",
                                mark, failed + 1)
        assert page.read_bytes() == good
        # output/ and the cache change all the time; neither is an input
        (site / "output" / "stray.html").write_text("not ours")
        source.write_text(original.replace("ended on", "finally ended on"))
        fixed = watcher.wait_for(r"harbour-strike\.md changed: .* rendered", failed)
        assert "finally ended on" in page.read_text()
        assert rebuilds(watcher, site, fixed + 1, expected=False) == [], "no rebuild without a change"
        assert watcher.stop(signal.SIGTERM) == 0


def test_deletions_moves_templates_and_config_rebuild(tmp_path):
    site = copy_site("basic", tmp_path)
    with start(site) as watcher:
        mark = len(watcher.lines)
        os.replace(site / "content/science/comet.md", site / "content/science/comet2.md")
        watcher.wait_for(r"^2 files changed \(content/science/comet\.md, "
                         r"content/science/comet2\.md\)", mark)
        mark = len(watcher.lines)
        (site / "content/loose.md").unlink()
        watcher.wait_for(r"^content/loose\.md removed: ", mark)
        assert not (site / "output/2023/09/21/loose").exists()

        base = site / "templates/base.html"
        base.write_text(base.read_text().replace("Built with Digest", "Made with Digest"))
        mark = watcher.wait_for(r"^templates/base\.html changed: ", mark)
        assert "Made with Digest" in (site / "output/index.html").read_text()

        config = site / "config.yaml"
        good = config.read_text()
        config.write_text(good.replace("title: Fixture Digest", "title: Renamed Digest"))
        mark = watcher.wait_for(r"^config\.yaml changed: ", mark)
        assert "Renamed Digest" in (site / "output/index.html").read_text()
        config.write_text(good + "colour: red\n")
        mark = watcher.wait_for(r"^config\.yaml changed: build failed", mark)
        assert watcher.matching(r"^error: config\.yaml:\d+: unknown key 'colour'")
        config.write_text(good)
        watcher.wait_for(r"^config\.yaml changed: .* rendered", mark)
        assert "Fixture Digest" in (site / "output/index.html").read_text()
        assert watcher.stop() == 0


# The event filter and the observer, in-process.

@pytest.fixture
def changes(basic_site):
    cfg = load_config(basic_site / "config.yaml")
    return ChangeFilter(cfg, basic_site / "config.yaml"), basic_site


def test_litter_hidden_folders_and_reads_are_not_changes(changes):
    check, site = changes
    content = site / "content" / "world"
    article = str(content / "rail-tunnel.md")
    assert check.changes(FileModifiedEvent(article)) == {"content/world/rail-tunnel.md": "changed"}
    assert check.changes(FileModifiedEvent(article)) == {}, "same bytes, same stamp: no change"
    for name in ("4913", ".rail-tunnel.md.swp", ".rail-tunnel.md.swx", "rail-tunnel.md~",
                 "#rail-tunnel.md#", ".#rail-tunnel.md", "rail-tunnel.md___jb_tmp___",
                 "rail-tunnel.md___jb_old___", "photo.jpg", "x.md.tmp"):
        assert check.changes(FileCreatedEvent(str(content / name))) == {}, name
    assert check.changes(FileCreatedEvent(str(site / "content/.git/x.md"))) == {}
    assert check.changes(FileCreatedEvent(str(site / "content/_drafts/x.md"))) == {}
    assert check.changes(FileOpenedEvent(article)) == {}
    assert check.changes(FileClosedNoWriteEvent(article)) == {}
    assert check.changes(DirModifiedEvent(str(content))) == {}
    assert check.changes(FileCreatedEvent(str(site / "output/index.html"))) == {}
    assert check.changes(FileCreatedEvent(str(site / ".digest-cache/x"))) == {}
    assert check.changes(FileCreatedEvent(str(site / "templates/.base.html.swp"))) == {}
    assert check.changes(FileDeletedEvent(str(site / "templates/base.html"))) == {
        "templates/base.html": "removed"}
    assert check.changes(FileMovedEvent(str(content / "rail-tunnel.md.tmp"), article)) == {
        "content/world/rail-tunnel.md": "changed"}
    assert check.changes(FileMovedEvent(article, str(content / "rail-tunnel.md~"))) == {
        "content/world/rail-tunnel.md": "removed"}
    assert check.changes(FileModifiedEvent(str(site / "config.yaml"))) == {
        "config.yaml": "changed"}


def test_describe_names_what_changed():
    assert describe({"content/x.md": "changed"}) == "content/x.md changed"
    assert describe({f"content/{n}.md": "added" for n in "abcd"}) == \
        "4 files changed (content/a.md, content/b.md and 2 more)"


def test_too_many_watches_fall_back_to_polling(basic_site):
    class Refusing(PollingObserver):
        def start(self):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    warnings = []
    observer = start_observer(_NullHandler(), [basic_site / "content"],
                              [basic_site], native=Refusing, warn=warnings.append)
    try:
        assert type(observer) is PollingObserver and observer.is_alive()
        assert "polling" in warnings[0] and "max_user_watches" in warnings[0]
    finally:
        observer.stop()
        observer.join()

    class Broken(PollingObserver):
        def start(self):
            raise OSError(errno.EACCES, "denied")

    with pytest.raises(OSError):
        start_observer(_NullHandler(), [basic_site], [], native=Broken, warn=warnings.append)


class _NullHandler:
    def dispatch(self, event):
        pass
