#!/usr/bin/env python3
"""Peak memory of a whole process tree: the PSS of a command and all its descendants, summed.

`/usr/bin/time` reports the largest single process's resident set, which hides a pool of
workers, and RSS counts pages that forked workers share with their parent once per process.
PSS (proportional set size) divides each shared page among the processes that map it, so the
sum over the tree is the memory the build really holds. Sampled every `--every` seconds from
/proc/PID/smaps_rollup (Linux 4.14+).

    python3 benchmarks/treemem.py [--every 0.2] [--json FILE] -- digest build ...

Prints `wall S s, peak PSS (tree) N MiB, peak processes K, exit C` on stderr, and writes the same
figures as JSON when asked. The command's own output passes through.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children(current)
    return pids


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass  # the process ended between the listing and the read
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class Sampler:
    """The peak PSS of a running process's tree and the CPU its processes used, sampled.

    A process's CPU is its last sample's: a worker that ends between two samples loses at
    most one interval's time, so the tree's CPU is a slight undercount, never an overcount."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib, self.most = pid, 0, 0
        self.cpu: dict[int, float] = {}

    def sample(self) -> None:
        pids = tree(self.pid)
        self.peak_kib = max(self.peak_kib, sum(pss_kib(p) for p in pids))
        self.most = max(self.most, len(pids))
        for pid in pids:
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())


def measure(command: list[str], every: float) -> dict[str, float]:
    start = time.monotonic()
    proc = subprocess.Popen(command)
    sampler = Sampler(proc.pid)
    while proc.poll() is None:
        sampler.sample()
        time.sleep(every)
    return {"wall_s": round(time.monotonic() - start, 2),
            "peak_pss_mib": round(sampler.peak_kib / 1024, 1), "peak_processes": sampler.most,
            "cpu_s": round(sampler.cpu_s, 2), "exit": proc.returncode}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    figures = measure(command, args.every)
    print(f"wall {figures['wall_s']} s, peak PSS (tree) {figures['peak_pss_mib']} MiB, "
          f"CPU (tree) {figures['cpu_s']} s, peak processes {figures['peak_processes']}, "
          f"exit {figures['exit']}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return int(figures["exit"])


if __name__ == "__main__":
    sys.exit(main())
