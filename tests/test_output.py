import os
from pathlib import Path

import pytest

from generator.errors import BuildFailed
from generator.output import MANIFEST, Staging, check_output_dir


def write_site(files: dict[str, bytes], out: Path):
    """What a build does with its files: stage each, then commit them all."""
    staging = Staging(out).open()
    try:
        for relative, data in files.items():
            staging.put(relative, data)
    except BaseException:
        staging.discard()
        raise
    return staging.commit(set(files))


def test_writes_only_changed_bytes_and_removes_only_its_own_files(tmp_path):
    out = tmp_path / "out"
    report = write_site({"index.html": b"a", "x/index.html": b"b"}, out)
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    os.utime(out / "index.html", (1, 1))
    (out / "mine.txt").write_text("user file")
    report = write_site({"index.html": b"a", "y/index.html": b"c"}, out)
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert (out / "index.html").stat().st_mtime == 1  # untouched: same bytes
    assert not (out / "x").exists()  # emptied folder removed
    assert (out / "mine.txt").read_text() == "user file"
    assert (out / MANIFEST).is_file()


def test_a_corrupt_manifest_deletes_nothing(tmp_path):
    out = tmp_path / "out"
    write_site({"a.html": b"a"}, out)
    (out / MANIFEST).write_text("{not json")
    report = write_site({"b.html": b"b"}, out)
    assert report.removed == 0 and (out / "a.html").exists()


def test_manifest_entries_outside_output_are_never_deleted(tmp_path):
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    write_site({"a.html": b"a"}, out)
    (out / MANIFEST).write_text('["../victim.txt", "/etc/passwd"]')
    write_site({"a.html": b"a"}, out)
    assert victim.read_text() == "keep"


def test_never_writes_through_a_symlink_out_of_the_output(tmp_path):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "2023").symlink_to(elsewhere)
    with pytest.raises(BuildFailed, match="refusing to write outside"):
        write_site({"2023/index.html": b"x"}, out)
    assert list(elsewhere.iterdir()) == []


def test_output_folder_checks(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    with pytest.raises(BuildFailed, match="contains"):
        check_output_dir(tmp_path, [content])
    with pytest.raises(BuildFailed, match="is inside"):
        check_output_dir(content / "out", [content])
    with pytest.raises(BuildFailed, match="root or the home"):
        check_output_dir(Path("/"), [content])
    check_output_dir(tmp_path / "output", [content])


def test_two_builds_into_one_folder_take_turns(tmp_path):
    import threading
    import time

    from generator.output import Staging

    out = tmp_path / "out"
    first = Staging(out).open()
    first.put("a.html", b"first")
    entered = threading.Event()

    def second_build():
        second = Staging(out).open()  # waits for the first to finish
        entered.set()
        second.put("b.html", b"second")
        second.commit({"a.html", "b.html"})

    thread = threading.Thread(target=second_build)
    thread.start()
    time.sleep(0.2)
    assert not entered.is_set()
    first.commit({"a.html"})
    thread.join(5)
    assert entered.is_set()
    assert (out / "a.html").read_bytes() == b"first" and (out / "b.html").read_bytes() == b"second"
