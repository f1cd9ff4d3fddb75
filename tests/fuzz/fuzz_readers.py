"""A mutation fuzzer for Digest's readers, in pure Python (no atheris needed).

It starts from real files (content/, tests/sites/, /work/shared/seeds/, --corpus), mutates
their bytes (bit flips, tokens that mean something to a reader: `---`, `+++`, `:`, NUL, `\\r`,
huge numbers, impossible dates, YAML tags and aliases, deep nesting, long lines, invalid
UTF-8), and reads each result as a Markdown file and as a tracker export. A finding is:

- an exception other than a ContentError/ContentWarning: one escaping `_parse`, or an
  `internal error` from `parse_source` (what a user would see);
- an article whose URL or category, tag or feed path is not a plain path inside output/;
- an input that takes more than --slow seconds (1 s) of CPU twice in a row, and more than
  three times as long as its first half does: quadratic behaviour (CPU time, not the clock's:
  on a shared machine, the clock counts the other jobs too). A slow input whose half takes half
  the time is linear, only big: it is counted and saved (kind `linear`), not a finding;
- an input still running after --hang seconds: the fuzzer saves it and exits.

Each finding is written to the findings folder (the input, and a .txt saying what happened),
once per kind and place. Usage:

    python tests/fuzz/fuzz_readers.py --seconds 600 --seed 1 [--corpus DIR] [--out DIR]
    python tests/fuzz/fuzz_readers.py --seed 1 --replay 8690:8700   # which of these hangs?
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Config
from generator.model import Article
from generator.readers import MARKDOWN_SUFFIXES, Source, _parse
from generator.text import slugify
from generator.urls import Urls

REPO = Path(__file__).resolve().parents[2]
SEED_FOLDERS = (REPO / "content", REPO / "tests" / "sites", Path("/work/shared/seeds"))
ROOT = Path("/nonexistent-site")
OUTPUT = Path("/srv/fuzz/output")
MAX_INPUT = 64 * 1024  # bytes, by default: bigger inputs only slow the run down
PERMALINKS = ("/{year}/{month}/{day}/{slug}/", "/{category}/{slug}.html", "/{id}/", "/{slug}")
NAMES = ("post.md", "news/2023-09-27-story.md", "tracker/000_1.txt", "pages/about.md",
         "x.mdx", "bundle/index.md", "2023-02-31-bad.md", "plain.txt")

TOKENS = (
    b"---\n", b"---", b"+++\n", b"...\n", b":", b": ", b"\x00", b"\r", b"\r\n", b"\n\n", b"\t",
    b"99999999999999999999999999999", b"-1", b"1e999", b"0x1F", b"2023-02-31", b"0000-00-00",
    b"2023-02-31 25:61:00", b"9999-12-31T23:59:59-23:59", b"0001-01-01T00:00:00+14:00",
    b"Sept. 31, 2023", b"!!python/object:os.system", b"!!python/name:os.system", b"!!binary ",
    b"!!timestamp ", b"!!set ", b"!!omap ", b"!custom ", b"&a [*a,*a]", b"&a ", b"*a", b"<<: *a",
    b"[" * 200, b"{" * 200, b"- " * 200, b"? ", b"|\n", b">-\n", b"'", b'"', b"\\", b"%YAML 1.1\n",
    b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"\xc2\x85",
    b"Details\n", b"Summary\n", b"Statistics\n", b"Similar Readings (99999999999 items)\n",
    b"Date: ", b"Created: ", b"URL: javascript:alert(1)", b"title: ", b"date: ", b"tags: ",
    b"slug: ../../x", b"id: ../../etc/passwd", b"category: ..", b"redirect_to: /x",
    b"permalink: //evil", b"{% raw %}", b"{{< x >}}", b"```\n", b"import x from 'y'\n",
    b"<script>", b"]]>", b"&#0;", b"[caption]", b"{{ x ", b"\x1b[31m",
)
LONG_LINES = (b"a" * 100_000, b"{" * 50_000, b"[" * 20_000, b"*" * 50_000, b"<" * 50_000,
              b"a: " * 30_000, b"- " * 30_000, b"1," * 50_000, b"{{ " * 30_000, b"`" * 50_000,
              b"_" * 50_000, b"[a](" * 20_000, b"\\" * 50_000, b"Details" * 10_000,
              b"12 Words" * 20_000, b"&" * 50_000, b"#" * 50_000, b"> " * 30_000)


@dataclass
class Finding:
    kind: str  # "exception", "internal error", "path", "slow", "hang"
    where: str  # what makes two findings one: the exception's type and last frame
    detail: str
    data: bytes
    name: str


@dataclass
class Report:
    inputs: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    slowest: float = 0.0
    linear: int = 0  # inputs over --slow whose time grows in proportion to their size

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        kinds = sorted({f.kind for f in self.findings})
        return (f"{self.inputs:,} inputs in {self.seconds:.0f} s ({self.rate:,.0f}/s), slowest "
                f"{self.slowest:.2f} s, {self.linear} slow but linear, "
                f"{len(self.findings)} finding(s)"
                + (f": {', '.join(kinds)}" if kinds else ""))


def make_config(permalink: str = PERMALINKS[0]) -> Config:
    return Config(root=ROOT, content_dir=ROOT / "content", output_dir=OUTPUT,
                  templates_dir=ROOT / "templates", title="Fuzz", search=False,
                  base_url="https://digest.example/news/", timezone="Asia/Tokyo",
                  article_permalink=permalink)


def load_seeds(folders: list[Path]) -> list[bytes]:
    suffixes = MARKDOWN_SUFFIXES + (".txt", ".yaml", ".toml")
    seeds = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in suffixes and "golden" not in path.parts:
                seeds.append(path.read_bytes()[:MAX_INPUT])
    return seeds or [b"---\ntitle: x\ndate: 2023-09-27\n---\nBody.\n"]


class Mutator:
    def __init__(self, seeds: list[bytes], rng: random.Random, max_size: int = MAX_INPUT
                 ) -> None:
        self.seeds = seeds
        self.rng = rng
        self.max_size = max_size
        self.unmutated = 0

    def __call__(self) -> bytes:
        if self.unmutated < len(self.seeds):  # each seed as it is first
            self.unmutated += 1
            return self.seeds[self.unmutated - 1][:self.max_size]
        data = bytearray(self.rng.choice(self.seeds))
        for _ in range(self.rng.choice((1, 1, 2, 3, 5, 8))):
            data = self.rng.choice(self.MUTATIONS)(self, data)
        return bytes(data[:self.max_size])

    def _at(self, data: bytearray, line_start: bool = False) -> int:
        if not data:
            return 0
        at = self.rng.randrange(len(data) + 1)
        if line_start:
            at = data.rfind(b"\n", 0, at) + 1
        return at

    def flip(self, data: bytearray) -> bytearray:
        if data:
            at = self.rng.randrange(len(data))
            data[at] ^= 1 << self.rng.randrange(8)
        return data

    def token(self, data: bytearray) -> bytearray:
        at = self._at(data, line_start=self.rng.random() < 0.5)
        data[at:at] = self.rng.choice(TOKENS)
        return data

    def byte(self, data: bytearray) -> bytearray:
        if data:
            data[self.rng.randrange(len(data))] = self.rng.choice(
                (0, 0xFF, 0xC3, 0x80, 0x0D, 0x0A, 0x3A, 0x2D, 0x20, 0x85))
        return data

    def delete(self, data: bytearray) -> bytearray:
        at = self._at(data)
        del data[at:at + self.rng.randrange(1, 200)]
        return data

    def repeat(self, data: bytearray) -> bytearray:
        at = self._at(data)
        chunk = data[at:at + self.rng.randrange(1, 64)]
        data[at:at] = chunk * self.rng.choice((2, 10, 100, 1000))
        return data

    def splice(self, data: bytearray) -> bytearray:
        other = self.rng.choice(self.seeds)
        start = self.rng.randrange(len(other) + 1)
        at = self._at(data, line_start=True)
        data[at:at] = other[start:start + self.rng.randrange(1, 400)]
        return data

    def long_line(self, data: bytearray) -> bytearray:
        at = self._at(data, line_start=True)
        data[at:at] = self.rng.choice(LONG_LINES) + b"\n"
        return data

    def truncate(self, data: bytearray) -> bytearray:
        return data[:self._at(data)]

    MUTATIONS: tuple[Callable[[Mutator, bytearray], bytearray], ...] = (
        flip, token, token, token, byte, delete, repeat, splice, long_line, truncate)


def source(name: str) -> Source:
    folder = name.split("/")[0] if "/" in name else None
    return Source(ROOT / "content" / name, f"content/{name}", folder, name.rsplit(".", 1)[0])


def path_problem(urls: Urls, href: str) -> str | None:
    """Why an href's file is not a plain path inside output/, or None."""
    try:
        path = urls.output_path(href)
    except ValueError as exc:
        return str(exc)
    parts = path.split("/")
    if not path or path.startswith("/") or {"", ".", ".."} & set(parts) or "\0" in path:
        return f"{href} -> {path!r}"
    if any(len(part.encode()) > 255 for part in parts):
        return f"{href}: a segment over 255 bytes"
    if not (OUTPUT / path).resolve().is_relative_to(OUTPUT):
        return f"{href} -> {path!r} resolves outside output/"
    return None


def article_problems(article: Article, cfgs: list[Config]) -> list[str]:
    problems = []
    for cfg in cfgs:
        urls = Urls.for_config(cfg)
        hrefs = [urls.article(article), urls.category(article.category),
                 urls.category_feed(article.category)]
        hrefs += [urls.tag(slugify(t)) for t in article.tags if slugify(t)]
        problems += [p for p in map(lambda h: path_problem(urls, h), hrefs) if p]
    return problems


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{type(exc).__name__} at {last.filename}:{last.lineno}" if last else type(exc).__name__


def check(data: bytes, name: str, cfgs: list[Config]) -> Finding | None:
    """Read one input as `name`; a Finding when a property breaks."""
    src = source(name)
    try:  # parse_source without its net, which would turn this into an `internal error`
        parsed = _parse(src, data, cfgs[0])
    except Exception as exc:  # noqa: BLE001 - that is the finding
        return Finding("exception", _where(exc), traceback.format_exc(), data, name)
    internal = [e for e in parsed.errors if "internal error" in e.message]
    if internal:
        return Finding("internal error", internal[0].message[:120], str(internal[0]), data, name)
    if parsed.article is not None:
        problems = article_problems(parsed.article, cfgs)
        if problems:
            return Finding("path", problems[0][:120], "\n".join(problems), data, name)
    return None


def _timed(data: bytes, name: str, cfgs: list[Config]) -> float:
    began = time.process_time()
    check(data, name, cfgs)
    return time.process_time() - began


def _slow(data: bytes, name: str, cfgs: list[Config], slow: float, took: float
          ) -> Finding | None:
    """A finding when the input is slow again (a busy machine is not a finding) and takes more
    than three times as long as its first half: time that grows with the square of the size."""
    again = _timed(data, name, cfgs)
    if again <= slow:
        return None
    half = _timed(data[:len(data) // 2], name, cfgs)
    ratio = again / max(half, 1e-3)
    detail = (f"{took:.2f} s, then {again:.2f} s ({len(data):,} bytes); its first half "
              f"{half:.2f} s: {ratio:.1f} times less")
    kind = "slow" if ratio > 3 else "linear"
    return Finding(kind, f"{kind} {name}", detail, data, name)


class Watchdog(threading.Thread):
    """Saves the input that has run for `limit` seconds and ends the process: a regex or a
    parser in C cannot be interrupted, and a hung fuzzer reports nothing."""

    def __init__(self, limit: float, out: Path) -> None:
        super().__init__(daemon=True)
        self.limit, self.out = limit, out
        self.current: tuple[float, bytes, str] | None = None

    def run(self) -> None:
        while True:
            time.sleep(min(1.0, self.limit / 4))
            current = self.current
            if current and time.monotonic() - current[0] > self.limit:
                save(Finding("hang", "hang", f"still running after {self.limit:.0f} s",
                             current[1], current[2]), self.out)
                print(f"HANG: input saved in {self.out}", file=sys.stderr, flush=True)
                os._exit(3)


def save(finding: Finding, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(finding.data).hexdigest()[:12]
    suffix = Path(finding.name).suffix
    path = out / f"{finding.kind.replace(' ', '-')}-{digest}{suffix}"
    path.write_bytes(finding.data)
    path.with_suffix(".finding.txt").write_text(
        f"{finding.kind}: {finding.where}\nread as: {finding.name}\n\n{finding.detail}\n",
        encoding="utf-8")
    return path


def inputs(seed: int, seeds: list[bytes], max_size: int = MAX_INPUT):
    """(data, name) pairs: each mutated input, as a Markdown file and as a tracker export. The
    same seed and seed files give the same pairs, on any machine, at any speed."""
    rng = random.Random(seed)
    mutate = Mutator(seeds, rng, max_size)
    while True:
        data = mutate()
        for name in (rng.choice(NAMES[:3] + NAMES[4:]), "tracker/000_1.txt"):
            yield data, name


def replay(seed: int, seeds: list[bytes], first: int, last: int, out: Path,
           max_size: int = MAX_INPUT) -> None:
    """Inputs `first` to `last` (counted as a run counts them), each written to out/current.*
    and numbered before it runs: the last number printed is the one that hangs."""
    cfgs = [make_config(p) for p in PERMALINKS]
    out.mkdir(parents=True, exist_ok=True)
    for number, (data, name) in enumerate(inputs(seed, seeds, max_size), start=1):
        if number > last:
            return
        if number >= first:
            print(number, name, f"{len(data):,} bytes", flush=True)
            (out / f"current{Path(name).suffix}").write_bytes(data)
            check(data, name, cfgs)


def fuzz(seconds: float, seed: int, seeds: list[bytes], out: Path | None = None,
         slow: float = 1.0, hang: float = 60.0, log: Callable[[str], None] | None = None,
         max_size: int = MAX_INPUT) -> Report:
    pairs = inputs(seed, seeds, max_size)
    cfgs = [make_config(p) for p in PERMALINKS]
    report, seen = Report(), set()
    watchdog = Watchdog(hang, out or Path("fuzz-findings"))
    watchdog.start()
    start = time.monotonic()
    next_log = start + 30
    while time.monotonic() - start < seconds:
        for data, name in (next(pairs), next(pairs)):
            began, cpu = time.monotonic(), time.process_time()
            watchdog.current = (began, data, name)
            finding = check(data, name, cfgs)
            took = time.process_time() - cpu
            if finding is None and took > slow:
                finding = _slow(data, name, cfgs, slow, took)
                if finding is not None and finding.kind == "linear":
                    report.linear += 1
                    if out is not None:
                        save(finding, out)
                    finding = None
            watchdog.current = None
            report.slowest = max(report.slowest, took)
            report.inputs += 1
            if finding is not None and (finding.kind, finding.where) not in seen:
                seen.add((finding.kind, finding.where))
                report.findings.append(finding)
                where = save(finding, out) if out is not None else "(not saved)"
                if log:
                    log(f"FINDING {finding.kind}: {finding.where} -> {where}")
        if log and time.monotonic() > next_log:
            next_log += 30
            report.seconds = time.monotonic() - start
            log(report.summary())
    report.seconds = time.monotonic() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="another folder of seed files (may be repeated)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"),
                        help="where each finding's input is written")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds an input may take")
    parser.add_argument("--hang", type=float, default=60.0,
                        help="seconds after which a running input ends the run")
    parser.add_argument("--max-size", type=int, default=MAX_INPUT,
                        help="bytes: longer inputs are cut")
    parser.add_argument("--replay", metavar="FIRST:LAST",
                        help="run inputs FIRST to LAST of --seed one by one, numbered")
    args = parser.parse_args(argv)
    seeds = load_seeds([*SEED_FOLDERS, *args.corpus])
    if args.replay:
        first, _, last = args.replay.partition(":")
        replay(args.seed, seeds, int(first), int(last or first), args.out, args.max_size)
        return 0
    print(f"{len(seeds)} seed files; fuzzing for {args.seconds:.0f} s with seed {args.seed}",
          flush=True)
    report = fuzz(args.seconds, args.seed, seeds, args.out, args.slow, args.hang,
                  log=lambda line: print(line, flush=True), max_size=args.max_size)
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
