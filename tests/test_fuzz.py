"""A short run of the readers' fuzzer (tests/fuzz/fuzz_readers.py) with a fixed seed, and
proof that it reports what it is meant to find: a crash, a path outside output/, slowness."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from generator import readers
from generator.readers import frontmatter, pelican
from generator.urls import Urls

FUZZER = Path(__file__).resolve().parent / "fuzz" / "fuzz_readers.py"
SEEDS = [b"---\ntitle: A\ndate: 2023-09-27\ntags: [a, b]\n---\nBody *text*.\n",
         b"Title: P\nDate: 2023-09-27\n\nBody [link](http://x.example/).\n"]


@pytest.fixture(scope="module")
def fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_readers", FUZZER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_short_fuzz_run_finds_nothing(fuzzer, tmp_path):
    """CI's run: 20 s, seed 20261204, inputs cut at 16 kB so that a busy machine keeps a
    quadratic input's time apart from a big one's. The long run is in tests/fuzz/README.md."""
    seeds = fuzzer.load_seeds(list(fuzzer.SEED_FOLDERS))
    report = fuzzer.fuzz(20, 20261204, seeds, tmp_path / "findings", max_size=16 * 1024)
    assert report.inputs > 100, report.summary()
    assert not report.findings, "\n".join(
        f"{f.kind}: {f.where}\n{f.detail[-800:]}" for f in report.findings)


def test_the_fuzzer_reports_a_planted_crash(fuzzer, tmp_path, monkeypatch):
    real = pelican.read

    def planted(text, source, cfg):
        if "Body" in text:
            raise ValueError("planted")
        return real(text, source, cfg)

    monkeypatch.setattr(pelican, "read", planted)
    report = fuzzer.fuzz(2, 1, SEEDS, tmp_path)
    [crash] = [f for f in report.findings if f.kind == "exception"]
    assert crash.where.startswith("ValueError at ")
    saved = tmp_path / f"exception-{fuzzer.hashlib.sha1(crash.data).hexdigest()[:12]}.md"
    assert saved.read_bytes() == crash.data
    assert "planted" in saved.with_suffix(".finding.txt").read_text()
    with pytest.raises(ValueError):  # the saved input replays the crash
        readers._parse(fuzzer.source(crash.name), saved.read_bytes(), fuzzer.make_config())


def test_the_fuzzer_reports_a_path_outside_output(fuzzer, tmp_path, monkeypatch):
    monkeypatch.setattr(Urls, "article", lambda self, article: self.base_path + "../../etc/")
    report = fuzzer.fuzz(1, 1, SEEDS, None)
    assert {f.kind for f in report.findings} == {"path"}


def test_the_fuzzer_tells_quadratic_time_from_linear(fuzzer, tmp_path, monkeypatch):
    real = frontmatter.read

    def quadratic(text, source, cfg):
        end = time.process_time() + (len(text) / 8000) ** 2  # CPU time: the fuzzer counts it
        while time.process_time() < end:
            pass
        return real(text, source, cfg)

    monkeypatch.setattr(frontmatter, "read", quadratic)
    big = SEEDS[0] + b"Words and more words.\n" * 300  # 6.6 kB: 0.7 s, half of it 0.2 s
    report = fuzzer.fuzz(3, 1, [big], tmp_path, slow=0.2, max_size=8000)
    assert "slow" in {f.kind for f in report.findings}, report.summary()
