#!/usr/bin/env python3
"""Issue #10: one large article (several MB) must not slow the rest of the site out of proportion.

    python benchmarks/large_article.py [--articles 1000] [--mb 5] [--repeat 3] [--profile]

A corpus of --articles (corpus.py, the repository's templates, search off) is built cold
without and then with one extra article of --mb megabytes (ordinary paragraphs of the corpus's
words). Printed: both medians, the extra time, and the extra time the article's bytes would
cost at the corpus's own cost per byte (the proportion). Each build's stages come from one
in-process build. --profile adds cProfile's top entries of a one-worker in-process build with
the article. The table is written into benchmarks/README.md between `<!-- large:begin -->` and
`<!-- large:end -->`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
import migration  # noqa: E402 - its README block writer
import run  # noqa: E402

PROFILE = r"""
import cProfile, io, pstats, sys
from pathlib import Path
from generator.build import build
from generator.config import load_config
profile = cProfile.Profile()
profile.runcall(build, load_config(Path("config.yaml")), 1)
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(int(sys.argv[1]))
print(out.getvalue())
"""


def large_article(path: Path, megabytes: float, seed: int = 5) -> int:
    """An ordinary article, only long: paragraphs of 40-90 words up to the size asked for."""
    rng = random.Random(seed)
    words = [corpus._word(rng) for _ in range(2000)] + corpus.COMMON
    target = int(megabytes * 2**20)
    parts, size = [], 0
    while size < target:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(40, 90)))
        parts.append(sentence.capitalize() + ".")
        size += len(parts[-1]) + 2
    front = ("---\ntitle: \"The long report\"\ndate: 2022-02-01T12:00:00+00:00\n"
             "category: meridian\ntags: [report]\nid: bench-large\n---\n")
    path.write_text(front + "\n\n".join(parts) + "\n", encoding="utf-8")
    return path.stat().st_size


def timed(label: str, cmd: list[str], cwd: Path, repeat: int, prepare) -> run.Result:
    """Cold runs: wall clock and peak memory as run.py takes them, and the user + system CPU
    seconds of the same runs (GNU time, the process and its workers): steadier than wall clock
    on a shared machine, where other jobs stretch the wall clock but not the work done."""
    result = run.Result(label)
    print(f"  {label}: ", end="", flush=True)
    for i in range(repeat):
        prepare(i)
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            start = time.perf_counter()
            subprocess.run([run.GNU_TIME, "-v", "-o", report.name, *cmd], cwd=cwd, check=True,
                           capture_output=True)
            result.times.append(time.perf_counter() - start)
            text = report.read()
        result.cpu.append(sum(float(m) for m in re.findall(
            r"(?:User|System) time \(seconds\): ([\d.]+)", text)))
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        result.rss_kb.append(int(rss.group(1)) if rss else 0)
        print(f"{result.times[-1]:.2f}s (CPU {result.cpu[-1]:.2f}s) ", end="", flush=True)
    print(flush=True)
    return result


def corpus_bytes(content: Path) -> int:
    return sum(p.stat().st_size for p in content.rglob("*.md"))


def stages(site: Path) -> dict[str, float]:
    run.remove(site / "output", site / ".digest-cache")
    proc = subprocess.run([str(run.PROJECT_PYTHON), "-c", run.STAGES], cwd=site,
                          capture_output=True, text=True, check=False)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def bench(articles: int, megabytes: float, work: Path, repeat: int) -> dict:
    site = work / f"large-{articles}"
    run.remove(site)
    load_before = os.getloadavg()  # the machine is shared: say how busy it was
    corpus.generate(articles, site)
    with open(site / "config.yaml", "a", encoding="utf-8") as cfg:
        cfg.write("search: false\n")
    shutil.copytree(run.ROOT / "templates", site / "templates")
    base_bytes = corpus_bytes(site / "content")
    digest = [str(run.DIGEST), "build"]

    def cold(_: int) -> None:
        run.remove(site / "output", site / ".digest-cache")

    without = timed("Digest cold, without", digest, site, repeat, cold)
    stages_without = stages(site)
    big = site / "content" / "meridian" / "article-large.md"
    big_bytes = large_article(big, megabytes)
    with_big = timed("Digest cold, with the large article", digest, site, repeat, cold)
    stages_with = stages(site)
    return {"site": site, "load": (load_before, os.getloadavg()), "articles": articles, "base_bytes": base_bytes, "big_bytes": big_bytes,
            "without": without, "with": with_big,
            "stages": (stages_without, stages_with)}


def report(res: dict, info: dict[str, str], vers: str, repeat: int) -> str:
    a, b = res["without"], res["with"]
    if not (a.ok and b.ok):
        return f"Run {info['date']}: a build failed (see the script's output)."
    extra = b.median - a.median
    # What the article would cost if time grew with bytes at the corpus's own rate.
    fair = a.median * res["big_bytes"] / res["base_bytes"]
    cpu_a, cpu_b = statistics.median(a.cpu), statistics.median(b.cpu)
    cpu_fair = cpu_a * res["big_bytes"] / res["base_bytes"]
    runs = lambda r: " ".join(f"{t:.2f}" for t in r.times)  # noqa: E731
    before, after = res["stages"]
    moved = ", ".join(f"{k} {run.fmt_s(before.get(k, 0))} → {run.fmt_s(v)}" for k, v in after.items()
                      if v - before.get(k, 0) >= 0.05)
    return "\n".join([
        f"Run {info['date']} on {info['machine']}; median of {repeat}, cold. Versions: {vers}. "
        f"Load average at the start {' '.join(f'{x:.2f}' for x in res['load'][0])}, at the end "
        f"{' '.join(f'{x:.2f}' for x in res['load'][1])}.",
        "",
        "| Build | Median | All runs (s) | CPU (user+sys) | Peak RSS | Content |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
        f"| {res['articles']:,} articles | {run.fmt_s(a.median)} | {runs(a)} | "
        f"{run.fmt_s(cpu_a)} | {a.peak_mb:.0f} MB | {res['base_bytes'] / 2**20:.1f} MB |",
        f"| the same and one {res['big_bytes'] / 2**20:.1f} MB article | {run.fmt_s(b.median)} | "
        f"{runs(b)} | {run.fmt_s(cpu_b)} | {b.peak_mb:.0f} MB | "
        f"{(res['base_bytes'] + res['big_bytes']) / 2**20:.1f} MB |",
        "",
        f"The article adds {run.fmt_s(extra)}; at the corpus's own cost per byte its bytes would "
        f"add {run.fmt_s(fair)}: {extra / fair:.2f}× that proportion (in CPU time: "
        f"{run.fmt_s(cpu_b - cpu_a)} against {run.fmt_s(cpu_fair)}, "
        f"{(cpu_b - cpu_a) / cpu_fair:.2f}×). Stages that grew (one "
        f"in-process build each): {moved or 'none by 50 ms or more'}.",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top entries of a build with the large article")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    info, vers = run.machine(), run.versions(None)
    print(f"{info['date']} · {info['machine']}\n{vers}", flush=True)
    res = bench(args.articles, args.mb, work, args.repeat)
    text = report(res, info, vers, args.repeat)
    print("\n" + text, flush=True)
    if args.profile:
        run.remove(res["site"] / "output", res["site"] / ".digest-cache")
        proc = subprocess.run([str(run.PROJECT_PYTHON), "-c", PROFILE, "25"], cwd=res["site"],
                              capture_output=True, text=True, check=False)
        print(proc.stdout[-6000:] or proc.stderr[-3000:], flush=True)
    if not args.no_readme:
        migration.replace_block("large", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
