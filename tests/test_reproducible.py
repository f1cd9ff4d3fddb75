"""Byte-identical output: the same sources give the same bytes whatever else differs.

The sample site (the repository's content/, config.yaml and templates/, search on) is built in
two folders by the real `digest build --no-cache`: once as it comes, and once with everything
that might leak into the output changed. Every file must be the same, Pagefind's bundle and the
manifest included. The clock is covered by builds under SOURCE_DATE_EPOCH and under libfaketime.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, copy_site, run_digest, tree, tree_differences

from generator.build import build
from generator.config import load_config
from generator.errors import BuildFailed

DATED = {"feed.xml", "rss.xml"}  # what an empty site dates (JSON Feed has no date)
OTHER_CLOCK = "2031-02-03 04:05:06"  # another year, month, day, hour, minute and second
EPOCH_2023 = "1700000000"  # 2023-11-14 22:13:20 UTC
EPOCH_2024 = "1717171717"  # 2024-05-31 16:08:37 UTC


def _other_locale() -> str:
    """A locale for the second build: a real one when the system has one besides C, else POSIX,
    whose encoding is ASCII once Python's UTF-8 mode is off (PYTHONUTF8=0)."""
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True,
                                check=False).stdout.split()
    except OSError:
        listed = []
    real = sorted(n for n in listed if n.split(".")[0] not in ("C", "POSIX"))
    return real[0] if real else "POSIX"


def _sources() -> list[Path]:
    """The sample site's files, in sorted order."""
    files = [REPO / "config.yaml"]
    for folder in ("templates", "content"):
        files += sorted(p for p in (REPO / folder).rglob("*") if p.is_file())
    return files


def _copy_as_it_comes(dest: Path) -> Path:
    dest.mkdir()
    shutil.copy2(REPO / "config.yaml", dest)
    shutil.copytree(REPO / "templates", dest / "templates")
    shutil.copytree(REPO / "content", dest / "content")
    return dest


def _copy_scrambled(dest: Path, seed: int) -> Path:
    """The files written in reverse order, so that folders list them in another order (on
    file systems that list in creation order), then every file and folder given a random
    modification time between 1970 and 2038."""
    for source in reversed(_sources()):
        target = dest / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    rng = random.Random(seed)
    for path in sorted(dest.rglob("*"), reverse=True):  # files before the folders holding them
        stamp = rng.randrange(1, 2**31)
        os.utime(path, (stamp, stamp))
    return dest


def _built(site: Path, *args: str, env: dict[str, str | None] | None = None,
           under: tuple[str, ...] = ()) -> dict[str, bytes]:
    result = run_digest("build", *args, cwd=site, env=env, under=under)
    assert result.returncode == 0, result.stderr
    return tree(site / "output")


def test_another_hash_seed_locale_zone_file_order_mtimes_and_jobs_give_the_same_bytes(tmp_path):
    plain = _copy_as_it_comes(tmp_path / "plain")
    scrambled = _copy_scrambled(tmp_path / "scrambled", seed=638)
    other = _other_locale()
    first = _built(plain, "--no-cache", "--jobs", "2",
                   env={"PYTHONHASHSEED": "1", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                        "TZ": "UTC", "PYTHONUTF8": None, "SOURCE_DATE_EPOCH": None})
    second = _built(scrambled, "--no-cache", "--jobs", "1",
                    env={"PYTHONHASHSEED": "4242", "LC_ALL": other, "LANG": other,
                         "TZ": "Pacific/Chatham", "PYTHONUTF8": "0", "SOURCE_DATE_EPOCH": None})
    assert "pagefind/pagefind-entry.json" in first  # search is on: the bundle is compared too
    assert any(path.startswith("pagefind/filter/") for path in first)
    differences = tree_differences(second, first, "the plain build", "the scrambled build")
    if differences:
        pytest.fail(differences, pytrace=False)


def _empty_site(dest: Path) -> Path:
    (dest / "content").mkdir(parents=True)
    shutil.copytree(REPO / "templates", dest / "templates")
    (dest / "config.yaml").write_text("title: Nothing yet\nbase_url: https://empty.example/\n")
    return dest


def _feed_updated(output: dict[str, bytes]) -> str:
    feed = output["feed.xml"].decode()
    return feed.split("<updated>", 1)[1].split("</updated>", 1)[0]


def test_source_date_epoch_dates_an_empty_site_and_nothing_else(tmp_path):
    """Unset, an empty site's feeds are dated 1970; set, they show it, also when the feeds come
    from the cache; a site with articles does not change with it at all."""
    empty = _empty_site(tmp_path / "empty")
    unset = _built(empty, env={"SOURCE_DATE_EPOCH": None})
    assert _feed_updated(unset) == "1970-01-01T00:00:00+00:00"
    in_2023 = _built(empty, env={"SOURCE_DATE_EPOCH": EPOCH_2023})
    assert _feed_updated(in_2023) == "2023-11-14T22:13:20+00:00"
    in_2024 = _built(empty, env={"SOURCE_DATE_EPOCH": EPOCH_2024})  # feeds cached for 2023
    assert _feed_updated(in_2024) == "2024-05-31T16:08:37+00:00"
    assert b"<lastBuildDate>Fri, 31 May 2024 16:08:37 +0000</lastBuildDate>" in in_2024["rss.xml"]
    assert json.loads(in_2024["feed.json"])["items"] == []
    changed = {p for p in unset if unset[p] != in_2023[p] or in_2023[p] != in_2024[p]}
    assert changed == DATED and unset.keys() == in_2023.keys() == in_2024.keys()

    site = copy_site("basic", tmp_path)
    assert _built(site, env={"SOURCE_DATE_EPOCH": None}) == _built(
        site, "--no-cache", env={"SOURCE_DATE_EPOCH": EPOCH_2023})


@pytest.mark.parametrize("source_date", [None, EPOCH_2023])
def test_the_clock_never_reaches_the_output(tmp_path, source_date):
    """Builds under the real clock and under libfaketime's, years apart, give the same bytes:
    with SOURCE_DATE_EPOCH unset or set, for an empty site and for one with articles."""
    if shutil.which("faketime") is None:
        pytest.skip("Debian's faketime is not installed (.ci/run installs it)")
    env = {"SOURCE_DATE_EPOCH": source_date}
    for site in (_empty_site(tmp_path / "empty"), copy_site("basic", tmp_path)):
        now = _built(site, "--no-cache", env=env)
        shutil.rmtree(site / "output")
        later = _built(site, "--no-cache", env=env, under=("faketime", OTHER_CLOCK))
        differences = tree_differences(later, now, "the build now", f"the build at {OTHER_CLOCK}")
        if differences:
            pytest.fail(differences, pytrace=False)


def test_a_malformed_source_date_epoch_fails_a_build_called_in_process(basic_site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2023-11-14")
    with pytest.raises(BuildFailed, match="SOURCE_DATE_EPOCH: expected a whole number"):
        build(load_config(basic_site / "config.yaml"))
    assert not (basic_site / "output").exists()
