#!/usr/bin/env python3
"""What writing the site's files costs: the same cold builds with output/ on disk and on tmpfs.

Not a test: run it by hand (issue #13 asks for the file-creation cost measured apart).

    python benchmarks/writes.py [--size 10000] [--repeat 3] [--tmpfs /dev/shm] [--skip-peers]

On one corpus (benchmarks/corpus.py, the fast engine, search off), in rounds that alternate
the four runs so that the machine's drift falls on all of them alike: Digest cold into a folder
on the work folder's disk, Digest cold into a folder on tmpfs, and the same two for Hugo. Then
a probe without any generator: one folder and one file of the site's median page size per
page, on each. The difference between disk and tmpfs is what the files cost beyond the CPU.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
run = importlib.import_module("run")  # benchmarks/run.py: the corpus, the peers, the timing


def digest_cold(site: Path, out: Path) -> tuple[float, dict[str, float]]:
    run.remove(out, site / ".digest-cache")
    start = time.perf_counter()
    proc = subprocess.run([str(run.DIGEST), "build", "--verbose", "--output", str(out)],
                          cwd=site, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    stages = {name: float(value) for name, value in
              re.findall(r"(\w+) (\d+\.\d+) s", proc.stdout + proc.stderr)}
    return seconds, stages


def hugo_cold(hugo: Path, site: Path, out: Path) -> float:
    run.remove(out, site.parent / "cache", site / "resources")
    start = time.perf_counter()
    subprocess.run([str(hugo), "--source", str(site), "--destination", str(out),
                    "--cacheDir", str(site.parent / "cache"), "--noBuildLock", "--quiet"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def probe(folder: Path, pages: int, size: int) -> float:
    """One folder and one file per page, as a generator writes a site: nothing else."""
    run.remove(folder)
    data = b"x" * size
    start = time.perf_counter()
    for i in range(pages):
        page = folder / f"{i % 12:02d}" / f"{i % 28:02d}" / f"page-{i}"
        page.mkdir(parents=True)
        (page / "index.html").write_bytes(data)
    os.sync()  # what the disk holds, not only the page cache
    return time.perf_counter() - start


def median_page(out: Path) -> tuple[int, int]:
    sizes = [p.stat().st_size for p in out.rglob("*.html")]
    return len(sizes), int(statistics.median(sizes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--tmpfs", type=Path, default=Path("/dev/shm"))
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    work, fast = args.work.resolve(), args.tmpfs / f"digest-writes-{os.getpid()}"
    site, hug = work / f"writes-{args.size}", work / f"writes-hugo-{args.size}"
    run.remove(site, hug)
    run.corpus.generate(args.size, site)
    with open(site / "config.yaml", "a", encoding="utf-8") as cfg:
        cfg.write("search: false\nmarkdown: {engine: commonmark}\n")
    shutil.copytree(run.ROOT / "templates", site / "templates")
    peers = None if args.skip_peers else run.install_peers(work)
    if peers:
        shutil.copytree(run.PEERS / "hugo", hug / "site")
        run.make_peer_inputs(site / "content", work / "writes-pelican-unused",
                             hug / "site" / "content" / "posts")
        run.remove(work / "writes-pelican-unused")
    places = {"disk": site / "output", "tmpfs": fast / "digest"}
    times: dict[str, list[float]] = {}
    stages: dict[str, list[dict[str, float]]] = {"disk": [], "tmpfs": []}
    try:
        for round_ in range(args.repeat):
            for where, out in places.items():
                seconds, staged = digest_cold(site, out)
                times.setdefault(f"Digest, {where}", []).append(seconds)
                stages[where].append(staged)
                print(f"round {round_ + 1}: Digest {where} {seconds:.2f} s "
                      f"(render {staged.get('render', 0):.2f} s, "
                      f"write {staged.get('write', 0):.2f} s)", flush=True)
            if peers:
                for where, out in (("disk", hug / "public"), ("tmpfs", fast / "hugo")):
                    seconds = hugo_cold(peers.hugo, hug / "site", out)
                    times.setdefault(f"Hugo, {where}", []).append(seconds)
                    print(f"round {round_ + 1}: Hugo {where} {seconds:.2f} s", flush=True)
        pages, size = median_page(places["tmpfs"])
        for where, folder in (("disk", site / "probe"), ("tmpfs", fast / "probe")):
            times[f"files alone, {where}"] = [probe(folder, pages, size)
                                             for _ in range(args.repeat)]
            run.remove(folder)
    finally:
        run.remove(fast)
    print(f"\n{args.size:,} articles, {pages:,} pages of median {size:,} bytes, "
          f"median of {args.repeat}:\n")
    print("| run | disk | tmpfs | disk − tmpfs |\n|---|---:|---:|---:|")
    for what in ("Digest", "Hugo", "files alone"):
        disk, ram = times.get(f"{what}, disk"), times.get(f"{what}, tmpfs")
        if disk and ram:
            d, r = statistics.median(disk), statistics.median(ram)
            print(f"| {what} | {d:.2f} s | {r:.2f} s | {d - r:+.2f} s |")
    for stage in ("render", "write"):
        d = statistics.median(s.get(stage, 0) for s in stages["disk"])
        r = statistics.median(s.get(stage, 0) for s in stages["tmpfs"])
        print(f"| Digest's {stage} stage | {d:.2f} s | {r:.2f} s | {d - r:+.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
