"""Reading and rendering on other executors: a Dask cluster gives the bytes a local build gives."""

from __future__ import annotations

import shutil

import pytest
from conftest import copy_site, run_digest, tree
from test_incremental import add_articles

from generator import rendering
from generator.build import build
from generator.config import load_config
from generator.executors import executor_factory, process_pool

distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_builds_the_same_bytes(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    (site / "config.yaml").write_text((site / "config.yaml").read_text() + "search: false\n")
    add_articles(site, 40)  # enough that reading and rendering each make several tasks
    # ...were a small render not kept in this process (test_rendering checks that)
    monkeypatch.setattr(rendering, "IN_PROCESS_MOST", 0)
    cfg = load_config(site / "config.yaml")
    build(cfg, use_cache=False)
    local = tree(site / "output")
    shutil.rmtree(site / "output")

    tasks: dict[str, int] = {}
    in_flight: list[int] = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:

        def factory(workers: int):
            executor = client.get_executor(pure=False)
            real_submit, sent = executor.submit, []

            def counting_submit(fn, *args, **kwargs):
                name = fn.func.__name__
                tasks[name] = tasks.get(name, 0) + 1
                in_flight.append(sum(not f.done() for f in sent) + 1)
                sent.append(real_submit(fn, *args, **kwargs))
                return sent[-1]

            executor.submit = counting_submit
            return executor

        factory.remote = True
        build(cfg, jobs=2, executor_factory=factory, use_cache=False)
        seen = set(client.run(lambda: __import__("os").getpid()).values())
    # Reading and rendering, several tasks each, never more than two a worker sent ahead.
    assert sorted(tasks) == ["_parse_batch", "render_chunk"] and min(tasks.values()) >= 2
    assert max(in_flight) <= 2 * 2
    assert len(seen) == 2
    assert tree(site / "output") == local


def test_the_executor_option(basic_site):
    assert executor_factory("process", 2)[0] is None
    pool = process_pool(2)  # workers hold what their tasks carry, never a copy of the parent
    assert pool._mp_context.get_start_method() == "forkserver"
    pool.shutdown()
    with pytest.raises(ValueError, match="unknown executor 'cloud'"):
        executor_factory("cloud", 2)
    result = run_digest("build", "--executor", "cloud", cwd=basic_site)
    assert result.returncode == 2 and "--executor: unknown executor" in result.stderr


def test_digest_build_on_a_local_dask_cluster(tmp_path):
    """The user's path: `digest build --executor dask` starts a cluster of --jobs workers,
    builds, stops it, and writes what a local build writes; Dask's own chatter is not shown."""
    site = copy_site("basic", tmp_path)
    (site / "config.yaml").write_text((site / "config.yaml").read_text() + "search: false\n")
    add_articles(site, 40)
    assert run_digest("build", "--no-cache", cwd=site).returncode == 0
    local = tree(site / "output")
    shutil.rmtree(site / "output")
    result = run_digest("build", "--no-cache", "--jobs", "2", "--executor", "dask", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr
    assert tree(site / "output") == local
