"""An incremental build's output equals a clean build's, byte for byte, after every kind of
change; and --jobs changes nothing but the time."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import copy_site, run_digest, tree

from generator import executors, rendering
from generator.build import build
from generator.builder import Builder
from generator.config import load_config
from generator.errors import BuildFailed
from generator.output import MANIFEST
from generator.store import FILE as CACHE_FILE
from generator.store import Store


def site_without_search(tmp_path: Path, name: str = "basic") -> Path:
    site = copy_site(name, tmp_path)
    config = site / "config.yaml"
    config.write_text(config.read_text() + "search: false\n")
    return site


def clean_build_of(site: Path, tmp_path: Path) -> dict[str, bytes]:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("output", ".digest-cache"))
    result = run_digest("build", "--no-cache", cwd=fresh)
    assert result.returncode == 0, result.stderr
    return tree(fresh / "output")


def rebuild(site: Path) -> str:
    result = run_digest("build", cwd=site)
    assert result.returncode == 0, result.stderr
    return result.stdout


def edit_article(site: Path) -> None:
    path = site / "content/world/rail-tunnel.md"
    path.write_text(path.read_text() + "\nA late train ran at midnight.\n")


def add_article(site: Path) -> None:
    (site / "content/world/ferry.md").write_text(
        "Title: Ferry resumes\nDate: 2023-09-23 09:00\nTags: transport\n\nThe ferry sails again.\n")


def delete_article(site: Path) -> None:
    (site / "content/loose.md").unlink()


def rename_article(site: Path) -> None:
    (site / "content/world/rail-tunnel.md").rename(site / "content/world/tunnel-opens.md")


def edit_template(site: Path) -> None:
    path = site / "templates/partials/entry.html"
    path.write_text(path.read_text().replace('class="entry"', 'class="entry item"'))


def edit_config(site: Path) -> None:
    path = site / "config.yaml"
    path.write_text(path.read_text().replace("title: Fixture Digest", "title: Renamed Digest"))


def edit_static(site: Path) -> None:
    path = site / "templates/static/style.css"
    path.write_text(path.read_text() + "\n.extra { color: red; }\n")


@pytest.mark.parametrize("change", [edit_article, add_article, delete_article, rename_article,
                                    edit_template, edit_config, edit_static])
def test_incremental_equals_clean(tmp_path, change):
    site = site_without_search(tmp_path)
    rebuild(site)
    assert "(0 rendered), 0 files written" in rebuild(site)
    change(site)
    report = rebuild(site)
    assert tree(site / "output") == clean_build_of(site, tmp_path), report
    assert "(0 rendered), 0 files written" in rebuild(site)


def test_a_process_with_another_hash_seed_finds_the_untouched_pages_unchanged(tmp_path):
    """The cache keeps a digest of each page's inputs (a page's row was 1.8 KB unpickled, 244
    MiB of an edit's peak at 100,000 articles): a digest that followed the order of a set or
    the identity of a string would make the next process render pages nothing changed."""
    def rendered_by_an_edit(name: str, seed: str) -> tuple[int, int]:
        site = site_without_search(tmp_path / name)
        first = run_digest("build", cwd=site, env={"PYTHONHASHSEED": "1"})
        assert first.returncode == 0, first.stderr
        rows = Store(site / ".digest-cache").pages(str(site / "output"))
        assert len(rows) > 20 and {len(row.inputs) for row in rows.values()} == {16}
        edit_article(site)  # every page is planned and compared with its row
        again = run_digest("build", cwd=site, env={"PYTHONHASHSEED": seed})
        pages, rendered = re.search(r"(\d+) pages \((\d+) rendered\)", again.stdout).groups()
        return int(pages), int(rendered)

    same = rendered_by_an_edit("same", "1")
    assert same[1] < same[0]
    assert rendered_by_an_edit("other", "4242") == same


def test_an_edit_renders_only_the_pages_it_touches(tmp_path):
    site = site_without_search(tmp_path)
    rebuild(site)
    edit_article(site)
    report = rebuild(site)
    rendered = int(re.search(r"\((\d+) rendered\)", report)[1])
    assert 1 <= rendered < 24 / 2, report


def test_a_deleted_output_file_is_written_again(tmp_path):
    site = site_without_search(tmp_path)
    rebuild(site)
    page = site / "output/2023/09/22/rail-tunnel/index.html"
    before = page.read_bytes()
    page.unlink()
    assert "(1 rendered), 1 file written" in rebuild(site)
    assert page.read_bytes() == before


def test_a_corrupt_cache_is_dropped_with_a_warning(tmp_path):
    site = site_without_search(tmp_path)
    rebuild(site)
    (site / ".digest-cache" / CACHE_FILE).write_bytes(b"not a database" * 1000)
    for suffix in ("-wal", "-shm"):
        (site / ".digest-cache" / (CACHE_FILE + suffix)).unlink(missing_ok=True)
    result = run_digest("build", cwd=site)
    assert result.returncode == 0
    assert "warning: " + str(site / ".digest-cache") + ": the build cache could not be read " \
           "(DatabaseError: file is not a database); building without it\n" in result.stderr
    assert tree(site / "output") == clean_build_of(site, tmp_path)


@pytest.mark.parametrize("held_at", ["open", "update"])
def test_a_cache_another_process_holds_is_an_error_and_stays(tmp_path, monkeypatch, held_at):
    """A second digest process on the same site (a build beside `serve`, two builds at once)
    waits for the cache, then fails saying why: never an internal error, and never a cache
    dropped as if it were broken while the other process uses it."""
    import sqlite3

    from generator import store

    site = site_without_search(tmp_path)
    rebuild(site)
    cfg = load_config(site / "config.yaml")
    builder = Builder(cfg) if held_at == "update" else None
    (site / "content/world/rail-tunnel.md").write_text(
        (site / "content/world/rail-tunnel.md").read_text() + "\nOne more line.\n")
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(site / ".digest-cache" / CACHE_FILE)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BuildFailed) as failed:
            (builder or Builder(cfg)).update()
    finally:
        other.rollback()
        other.close()
    [error] = failed.value.errors
    assert error.path.endswith(".digest-cache/" + CACHE_FILE)
    assert "in use by another digest process" in error.message
    assert "internal error" not in error.message
    pages, rendered = map(int, re.search(r"(\d+) pages \((\d+) rendered\)", rebuild(site)).groups())
    assert rendered < pages  # the cache survived: only what the edit touched renders


def add_articles(site: Path, count: int) -> None:
    """Enough files that reading and rendering each split into several tasks for a pool."""
    for n in range(count):
        (site / f"content/world/generated-{n:02d}.md").write_text(
            f"---\ntitle: Generated story {n}\ndate: 2023-09-{1 + n % 28:02d} 10:{n % 60:02d}\n"
            f"tags: [gen-{n % 5}]\n---\nBody of story {n}, about harbours and trains.\n")


class Counting(ThreadPoolExecutor):
    """A thread pool that remembers how many tasks of each stage's function it was sent."""

    maps: dict[str, int] = {}

    def submit(self, fn, /, *args, **kwargs):
        name = fn.func.__name__
        Counting.maps[name] = Counting.maps.get(name, 0) + 1
        return super().submit(fn, *args, **kwargs)


def test_jobs_and_executors_give_identical_output(tmp_path, monkeypatch):
    site = site_without_search(tmp_path)
    add_articles(site, 60)
    pools: list[int] = []
    real_pool = executors.process_pool
    monkeypatch.setattr(executors, "process_pool", lambda jobs: pools.append(jobs) or real_pool(jobs))
    monkeypatch.setattr(rendering, "IN_PROCESS_MOST", 0)  # else so few pages render here
    Counting.maps = {}
    outputs = []
    for options in [dict(jobs=1), dict(jobs=2), dict(jobs=3), dict(jobs=2, executor_factory=Counting)]:
        cfg = load_config(site / "config.yaml")
        shutil.rmtree(site / "output", ignore_errors=True)
        build(cfg, use_cache=False, **options)
        outputs.append(tree(site / "output"))
    for output in outputs[1:]:
        assert sorted(k for k in output.keys() | outputs[0].keys()
                      if output.get(k) != outputs[0].get(k)) == []
    # A pool really ran, for reading and for rendering, each time more than one job was asked.
    assert pools == [2, 2, 3, 3]
    assert sorted(Counting.maps) == ["_parse_batch", "render_chunk"]
    assert min(Counting.maps.values()) >= 2
    assert run_digest("build", "--jobs", "0", cwd=site).returncode == 2


def test_a_failed_incremental_build_leaves_output_and_stages_nothing(tmp_path):
    site = site_without_search(tmp_path)
    rebuild(site)
    before = tree(site / "output")
    edit_article(site)
    (site / "content/world/broken.md").write_text("---\ntitle: x\ndate: nope\n---\n")
    assert run_digest("build", cwd=site).returncode == 1
    assert tree(site / "output") == before
    (site / "content/world/broken.md").unlink()
    template = site / "templates/home.html"
    template.write_text(template.read_text().replace("{% endblock %}", "{{ 1 / 0 }}{% endblock %}", 1))
    result = run_digest("build", cwd=site)
    assert result.returncode == 1 and "ZeroDivisionError" in result.stderr
    assert tree(site / "output") == before
    assert not (site / "output/.digest-staging").exists()


def test_in_process_rebuilds_equal_a_clean_build(tmp_path):
    """What a watcher does: one Builder, updated after each change."""
    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    with Builder(cfg) as builder:
        builder.update()
        for change in (edit_article, add_article, rename_article):
            change(site)
            report = builder.update()
            assert report.rendered > 0
            assert tree(site / "output") == clean_build_of(site, tmp_path)
        assert builder.update().rendered == 0
    assert "(0 rendered), 0 files written" in rebuild(site)


def test_a_build_failing_after_render_forgets_what_it_rendered(tmp_path, monkeypatch):
    import generator.builder as builder_module

    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    with Builder(cfg) as builder:
        builder.update()
        # A same-size edit: the page's file on disk keeps its size, so only the cache can tell.
        path = site / "content/world/rail-tunnel.md"
        path.write_text(path.read_text().replace("at dawn", "at dusk"))

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        with monkeypatch.context() as patch:
            patch.setattr(builder_module, "tree_errors", broken)  # after render, before write
            with pytest.raises(BuildFailed, match="internal error: RuntimeError: disk full"):
                builder.update()
        builder.update()
        assert tree(site / "output") == clean_build_of(site, tmp_path)


def test_a_failed_build_in_one_process_is_made_good_by_the_next(tmp_path):
    """What was read is kept even when the build fails; what it would have rendered is not
    forgotten: the next process renders it."""
    site = site_without_search(tmp_path)
    rebuild(site)
    path = site / "content/world/rail-tunnel.md"
    path.write_text(path.read_text().replace("at dawn", "at dusk"))
    broken = site / "content/world/broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nx\n")
    assert run_digest("build", cwd=site).returncode == 1
    broken.unlink()
    rebuild(site)
    assert tree(site / "output") == clean_build_of(site, tmp_path)


KILLER = """
import os, signal, sys
real, calls = os.replace, [0]
def replace(*args, **kwargs):
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: as a power cut
    return real(*args, **kwargs)
os.replace = replace
from generator.cli import main
main(["build", "--jobs", "1"])
"""


def test_a_build_killed_while_writing_leaves_files_old_or_new_and_the_next_one_heals(tmp_path):
    """SIGKILL at the k-th rename of the write phase (pages, folders, manifest, cache): every
    file is whole, old or new; the next build leaves exactly what a clean build makes."""
    import subprocess
    import sys

    site = site_without_search(tmp_path)
    add_articles(site, 12)
    rebuild(site)
    old = tree(site / "output")
    for path in sorted((site / "content/world").glob("generated-*.md"))[::2]:
        path.write_text(path.read_text().replace("harbours", "airports"))
    (site / "content/world/generated-01.md").unlink()
    (site / "content/world/later.md").write_text("---\ntitle: Later\ndate: 2024-01-02\n---\nNew.\n")
    new = clean_build_of(site, tmp_path)
    saved = tmp_path / "saved"
    shutil.copytree(site, saved)
    renames = None
    for k in [1, 2, 4, 8, 10**6]:
        shutil.rmtree(site)
        shutil.copytree(saved, site)
        result = subprocess.run([sys.executable, "-c", KILLER, str(k)], cwd=site,
                                capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            renames = k  # more renames asked than the build makes: it finished
            assert tree(site / "output") == new
            break
        assert result.returncode == -9, result.stderr
        now = tree(site / "output")
        for name, data in now.items():
            if name == MANIFEST and data not in (old[name], new[name]):
                # Written before the first move: it claims the old files and the new ones.
                claimed = set(json.loads(data)["files"])
                assert claimed == {n for n in old.keys() | new.keys() if n != MANIFEST}
            elif not name.startswith(".digest-staging/"):
                assert data in (old.get(name), new.get(name)), f"{name} after rename {k}"
        assert run_digest("build", cwd=site).returncode == 0
        assert tree(site / "output") == new, f"after a kill at rename {k}"
    assert renames is not None, "every kill landed before the build's end: ask for more renames"


def test_a_one_shot_build_lets_the_related_index_go_and_a_next_update_loads_it(tmp_path):
    """`digest build` keeps nothing for a next update: the related index (7 KB an article) is
    dropped once the lists are made. A Builder that does update again loads it from the store,
    and the output is what a Builder that kept it makes."""
    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    with Builder(cfg, keep=False) as builder:
        builder.update()
        assert builder.kept_related.index is None
        edit_article(site)
        assert builder.update().rendered > 0
        assert builder.kept_related.index is None
    assert tree(site / "output") == clean_build_of(site, tmp_path)
    with Builder(cfg) as builder:
        add_article(site)
        builder.update()
        assert builder.kept_related.index is not None
    assert tree(site / "output") == clean_build_of(site, tmp_path)


def test_a_build_interrupted_midway_leaves_the_cache_as_last_committed(tmp_path, monkeypatch):
    """Ctrl-C while an update writes the cache (here, halfway through related reading's rows):
    `digest build` closes its Builder, and `serve` its own, on the way out; what the update
    had written is rolled back, never committed then, and the next build is a clean one's."""
    from generator.store import Store

    site = site_without_search(tmp_path)
    rebuild(site)
    path = site / "content/world/rail-tunnel.md"
    path.write_text(path.read_text().replace("at dawn", "at dusk with the harbour crews"))
    real = Store.put_rows

    def interrupted(self, kind, rows):
        real(self, kind, list(rows)[:1])
        raise KeyboardInterrupt

    def related_rows() -> list:
        with sqlite3.connect(site / ".digest-cache" / CACHE_FILE) as db:
            return db.execute("SELECT * FROM rows ORDER BY kind, key").fetchall()

    before = related_rows()
    monkeypatch.setattr(Store, "put_rows", interrupted)
    cfg = load_config(site / "config.yaml")
    with pytest.raises(KeyboardInterrupt), Builder(cfg, 1, None, True, None, keep=False) as b:
        b.update()
    monkeypatch.undo()
    assert related_rows() == before
    rebuild(site)
    assert tree(site / "output") == clean_build_of(site, tmp_path)


def test_the_sitemap_is_kept_while_what_it_shows_holds(tmp_path, monkeypatch):
    """An edit to a body leaves what the sitemap shows as it was: the one kept is written. A
    new article, or only a new time for one, makes it again. The output is a clean build's."""
    import generator.builder as builder_module

    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    made = []
    real = builder_module.sitemap_files
    monkeypatch.setattr(builder_module, "sitemap_files", lambda *a: made.append(1) or real(*a))
    with Builder(cfg) as builder:
        builder.update()
        edit_article(site)
        builder.update()
        assert tree(site / "output") == clean_build_of(site, tmp_path)
        assert len(made) == 1
        add_article(site)
        builder.update()
        assert tree(site / "output") == clean_build_of(site, tmp_path)
        path = site / "content/world/rail-tunnel.md"  # a new time, the same day: only dates
        path.write_text(path.read_text().replace("Date: 2023-09-22 14:30",
                                                 "Date: 2023-09-22 14:45"))
        builder.update()
        assert tree(site / "output") == clean_build_of(site, tmp_path)
        # Moved between tags that both stay: no page comes or goes, but what two tags' pages
        # list does, and with it their dates.
        path.write_text(path.read_text().replace("Tags: transport, engineering",
                                                 "Tags: economy, engineering"))
        builder.update()
        assert tree(site / "output") == clean_build_of(site, tmp_path)
    assert len(made) == 4


def test_a_failure_making_the_sitemap_is_reported_with_its_stage_and_writes_nothing(
        tmp_path, monkeypatch):
    import generator.builder as builder_module

    site = site_without_search(tmp_path)
    rebuild(site)
    before = tree(site / "output")
    add_article(site)

    def broken(*args):
        raise RuntimeError("no sitemap today")

    monkeypatch.setattr(builder_module, "sitemap_files", broken)
    cfg = load_config(site / "config.yaml")
    with pytest.raises(BuildFailed, match=r"\(sitemap\): internal error: RuntimeError: no "):
        build(cfg, jobs=2, use_cache=True)
    assert tree(site / "output") == before
    assert not (site / "output/.digest-staging").exists()


def test_the_sitemaps_key_moves_with_what_it_shows_and_not_with_a_body(tmp_path):
    """A tag or source moved between lists that both stay changes no page, but what two
    lists show, and so their dates in the sitemap."""
    from dataclasses import replace as changed_config
    from datetime import timedelta
    from types import SimpleNamespace

    from generator.builder import sitemap_key
    from generator.model import evolve
    from generator.pages import plan_pages
    from generator.urls import Urls

    cfg = load_config(site_without_search(tmp_path) / "config.yaml")
    with Builder(cfg) as builder:
        builder.update()
        site, related = builder.site, builder.related
    plan = plan_pages(site, related, cfg, Urls.for_config(cfg))
    first, rest = site.articles[0], site.articles[1:]

    def key(config=cfg, **fields):
        articles = [evolve(first, **fields), *rest]
        return sitemap_key(config, SimpleNamespace(articles=articles), related, plan)

    assert key() == key(body_html="<p>Another text.</p>", summary="Another summary.")
    for fields in ({"tags": ("elsewhere",)}, {"category": "elsewhere"},
                   {"date": first.date + timedelta(minutes=1)},
                   {"updated": first.date + timedelta(days=1)}):
        assert key(**fields) != key(), fields
    assert key(changed_config(cfg, per_page=cfg.per_page + 1)) != key()


@pytest.mark.parametrize("name, stage", [("listing_pages", "plan"), ("relate", "related"),
                                         ("linked_pages", "plan"), ("feed_files", "feeds")])
def test_an_internal_error_names_the_stage_it_happened_in(tmp_path, monkeypatch, name, stage):
    """The lists planned before related reading are the plan's, the feeds come after
    rendering: each failure is reported under the stage that ran it."""
    import generator.builder as builder_module

    site = site_without_search(tmp_path)
    before = tree(site / "output")

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    if name == "relate":
        monkeypatch.setattr(builder_module.Builder, "_relate", broken)
    else:
        monkeypatch.setattr(builder_module, name, broken)
    cfg = load_config(site / "config.yaml")
    with pytest.raises(BuildFailed, match=rf"\({stage}\): internal error: RuntimeError: broken"):
        build(cfg, jobs=2, use_cache=True)
    assert tree(site / "output") == before
