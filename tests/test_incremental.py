"""An incremental build's output equals a clean build's, byte for byte, after every kind of
change; and --jobs changes nothing but the time."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import copy_site, run_digest, tree

from generator.build import build
from generator.cache import FILE as CACHE_FILE
from generator.errors import BuildFailed
from generator.config import load_config


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


def test_an_edit_renders_only_the_pages_it_touches(tmp_path):
    site = site_without_search(tmp_path)
    rebuild(site)
    edit_article(site)
    report = rebuild(site)
    rendered = int(report.split("(")[1].split(" rendered")[0])
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
    (site / ".digest-cache" / CACHE_FILE).write_bytes(b"not a pickle")
    result = run_digest("build", cwd=site)
    assert result.returncode == 0
    assert "warning: " + str(site / ".digest-cache") + ": the build cache could not be read " \
           "(UnpicklingError); building without it\n" in result.stderr
    assert tree(site / "output") == clean_build_of(site, tmp_path)


def test_jobs_and_executors_give_identical_output(tmp_path):
    site = site_without_search(tmp_path)
    outputs = []
    for options in [dict(jobs=1), dict(jobs=2), dict(jobs=3),
                    dict(jobs=2, executor_factory=lambda n: ThreadPoolExecutor(n))]:
        cfg = load_config(site / "config.yaml")
        shutil.rmtree(site / "output", ignore_errors=True)
        build(cfg, use_cache=False, **options)
        outputs.append(tree(site / "output"))
    assert all(o == outputs[0] for o in outputs[1:])
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
    """What a watcher calls: the cache stays in memory between rebuilds."""
    from generator.build import rebuild as in_process
    from generator.build import save_cache

    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    in_process(cfg)
    for change in (edit_article, add_article, rename_article):
        change(site)
        report = in_process(cfg)
        assert report.rendered > 0
        assert tree(site / "output") == clean_build_of(site, tmp_path)
    assert in_process(cfg).rendered == 0
    assert not (site / ".digest-cache").exists()  # nothing written until asked
    save_cache(cfg)
    assert "(0 rendered), 0 files written" in rebuild(site)


def test_a_build_failing_after_render_forgets_what_it_rendered(tmp_path, monkeypatch):
    import generator.build as build_module

    site = site_without_search(tmp_path)
    cfg = load_config(site / "config.yaml")
    build_module.rebuild(cfg)
    # A same-size edit: the page's file on disk keeps its size, so only the cache can tell.
    path = site / "content/world/rail-tunnel.md"
    path.write_text(path.read_text().replace("at dawn", "at dusk"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(build_module, "feed_files", broken)
        patch.setattr(build_module.Cache, "reuse", lambda self, name, key, make: make())
        with pytest.raises(BuildFailed, match="internal error: RuntimeError: disk full"):
            build_module.rebuild(cfg)
    build_module.rebuild(cfg)
    assert tree(site / "output") == clean_build_of(site, tmp_path)
