import os
from pathlib import Path

import pytest

from generator.errors import BuildFailed
from generator.output import MANIFEST, Staging, output_dir_errors, read_manifest


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


def test_staging_nested_folders_and_the_folders_output_lacks(tmp_path, monkeypatch):
    """Pages deep in new folders, their parents made by an earlier page or not at all; pages
    unchanged in a folder output/ has; and a folder output/ lacks is never searched for an
    old copy (no stat of a file that cannot be there)."""
    out = tmp_path / "out"
    first = {"2023/12/01/a/index.html": b"a", "2023/12/01/b/index.html": b"b",
             "2023/12/01/index.html": b"day", "2023/12/02/c/index.html": b"c", "x.html": b"x"}
    assert write_site(first, out).written == 5
    assert all((out / name).read_bytes() == data for name, data in first.items())
    statted, lstatted = [], []
    real_stat, real_lstat = os.stat, os.lstat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: statted.append(str(path))
                        or real_stat(path, *a, **k))
    monkeypatch.setattr(os, "lstat", lambda path, *a, **k: lstatted.append(str(path))
                        or real_lstat(path, *a, **k))
    second = {**first, "2023/12/01/b/index.html": b"B", "2024/01/01/d/index.html": b"d"}
    report = write_site(second, out)
    assert (report.written, report.unchanged) == (2, 4)
    assert (out / "2023/12/01/b/index.html").read_bytes() == b"B"
    assert (out / "2024/01/01/d/index.html").read_bytes() == b"d"
    assert str(out / "2023/12/01/a/index.html") in statted
    assert str(out / "2024/01/01/d/index.html") not in statted
    # Only a folder whose parent output/ has is looked for: within one it lacks, none is.
    assert str(out / "2024") in lstatted and str(out / "2023/12/01/b") in lstatted
    assert not [p for p in lstatted if p.startswith(str(out / "2024") + "/")]


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
    (tmp_path / "link-target").mkdir()
    linked = tmp_path / "link-target" / "page.html"
    linked.write_text("keep too")
    write_site({"a.html": b"a"}, out)
    (out / "linked").symlink_to(tmp_path / "link-target")
    # A manifest in the shape read_manifest accepts, so that the guard is what saves them.
    (out / MANIFEST).write_text('{"version": 1, "notes": {}, "files": '
                                '["../victim.txt", "/etc/passwd", "linked/page.html", "a.html"]}')
    assert "../victim.txt" in read_manifest(out).files
    write_site({"a.html": b"a"}, out)
    assert victim.read_text() == "keep" and linked.read_text() == "keep too"


def test_never_writes_through_a_symlink_out_of_the_output(tmp_path):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "2023").symlink_to(elsewhere)
    with pytest.raises(BuildFailed, match="refusing to write outside"):
        write_site({"2023/index.html": b"x"}, out)
    assert list(elsewhere.iterdir()) == []


def test_a_loop_of_links_in_the_output_is_refused_not_a_traceback(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").symlink_to(out / "b")
    (out / "b").symlink_to(out / "a")
    with pytest.raises(BuildFailed, match="refusing to write outside"):
        write_site({"a/index.html": b"x"}, out)


@pytest.mark.parametrize("page", ["2023/12/01/index.html", "2023/12/01/story/index.html",
                                  "2023/./12/01/index.html"])
def test_never_writes_through_a_symlink_deeper_in_the_output(tmp_path, page):
    """Folders are checked from their parent's answer: a link anywhere on the way counts."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "2023" / "12").mkdir(parents=True)
    (out / "2023" / "12" / "01").symlink_to(elsewhere)
    (out / "2023" / "inside").symlink_to(out / "2023" / "12")
    with pytest.raises(BuildFailed, match="refusing to write outside"):
        write_site({"2023/11/index.html": b"x", page: b"x"}, out)
    assert list(elsewhere.iterdir()) == []
    write_site({"2023/11/index.html": b"x", "2023/inside/index.html": b"y"}, out)
    assert (out / "2023" / "12" / "index.html").read_bytes() == b"y"


def test_output_folder_checks(tmp_path):
    root = tmp_path / "site"
    content = root / "content"
    content.mkdir(parents=True)
    sources = [content, root / "config.yaml"]

    def problems(out, force=False):
        return [e.message for e in output_dir_errors(out, root, sources, force)]

    assert problems(root) == [f"output folder {root} is the project folder",
                              f"output folder {root} contains {content}, which the build reads",
                              f"output folder {root} contains {root / 'config.yaml'}, which the "
                              "build reads"]
    assert problems(content / "out") == [
        f"output folder {content / 'out'} is inside {content}, which the build reads"]
    assert problems(Path("/"))[0] == "output folder / is a filesystem root or the home folder"
    assert problems(Path.home())[0].endswith("is a filesystem root or the home folder")
    assert problems(root / "output") == []  # not there yet
    (root / "output").mkdir()
    assert problems(root / "output") == []  # empty
    (root / "output" / "notes.txt").write_text("someone's")
    [refusal] = problems(root / "output")
    assert refusal.startswith(f"output folder {root / 'output'} already holds files that Digest "
                              f"did not write (it has no {MANIFEST})")
    assert problems(root / "output", force=True) == []
    (root / "output" / MANIFEST).write_text('{"version": 1, "notes": {}, "files": []}')
    assert problems(root / "output") == []  # a folder a build of ours wrote


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
