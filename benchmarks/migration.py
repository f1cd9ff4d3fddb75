#!/usr/bin/env python3
"""Issue #10: a Jekyll archive built by Digest as it is, and by Hugo after `hugo import jekyll`.

    python benchmarks/migration.py [--posts 2000] [--repeat 3] [--work benchmarks/work]

`jekyll_corpus.py` writes the archive (_config.yml, _posts/). Digest builds it as a user would:
a three-line config.yaml beside _posts/ and `digest build --content _posts`, the built-in theme.
Hugo gets the archive through its own importer (`hugo import jekyll`, timed once), then the
minimal theme of run.py's Hugo site (benchmarks/peers/hugo), its `posts` section renamed `post`
as the importer names it, and tags printed as they come (the importer leaves `tags: a b`
strings, which the peers' `range` cannot walk). Both builds are cold (output and caches
removed), median of --repeat, in the same run. The table is printed and written into
benchmarks/README.md between `<!-- migration:begin -->` and `<!-- migration:end -->`.
"""

from __future__ import annotations

import argparse
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
import jekyll_corpus  # noqa: E402
import run  # noqa: E402 - run.py's measuring, peers and README helpers

CONFIG = "title: Jekyll Gazette\nbase_url: https://gazette.example/\ntimezone: UTC\nsearch: false\n"


def timed_runs(cmd: list[str], cwd: Path, repeat: int, prepare) -> tuple[run.Result, str]:
    """`repeat` cold runs of a command: the times, and the output of the last run."""
    result, output = run.Result(Path(cmd[0]).name), ""
    for _ in range(repeat):
        prepare()
        seconds, rss, output, cpu, pss = run.run_timed(cmd, cwd)
        if cpu is not None:
            result.cpu.append(cpu)
        result.times.append(seconds)
        result.rss_kb.append(rss)
        result.pss_kib.append(pss)
        print(f"{seconds:.2f}s ", end="", flush=True)
    print(flush=True)
    return result, output


def warnings_of(output: str) -> int:
    """Lines a tool gave as warnings: Digest's `warning:`, Hugo's `WARN`."""
    return sum(1 for line in output.splitlines() if re.match(r"(warning:|WARN\b)", line))


def hugo_site(peers: run.Peers, archive: Path, dest: Path) -> float:
    """Import the archive with Hugo's importer, add the peers' theme; the import's seconds."""
    run.remove(dest)
    start = time.perf_counter()
    subprocess.run([str(peers.hugo), "import", "jekyll", str(archive), str(dest)], check=True,
                   capture_output=True, text=True)
    seconds = time.perf_counter() - start
    layouts = dest / "layouts"
    run.remove(layouts)
    shutil.copytree(run.PEERS / "hugo" / "layouts", layouts)
    page = layouts / "page.html"
    page.write_text(page.read_text().replace(
        "{{ range .Params.tags }}<span>{{ . }}</span> {{ end }}",
        "{{ with .Params.tags }}<span>{{ . }}</span>{{ end }}"))
    config = (run.PEERS / "hugo" / "hugo.toml").read_text()
    (dest / "bench.toml").write_text(config.replace('  posts = "', '  post = "'))
    return seconds


def bench(posts: int, work: Path, repeat: int, peers: run.Peers) -> dict:
    archive, hugo_dir = work / f"jekyll-{posts}", work / f"jekyll-{posts}-hugo"
    run.remove(archive)
    load_before = os.getloadavg()  # the machine is shared: say how busy it was
    jekyll_corpus.generate(posts, archive)
    (archive / "config.yaml").write_text(CONFIG, encoding="utf-8")
    out, cache = archive / "output", archive / ".digest-cache"
    print("  Digest cold, --content _posts: ", end="", flush=True)
    digest, digest_out = timed_runs([str(run.DIGEST), "build", "--content", "_posts"], archive,
                                    repeat, lambda: run.remove(out, cache))
    digest.html, digest.files = run.count_output(out)
    built = re.search(r"Built ([\d,]+) articles", digest_out)
    import_seconds = hugo_site(peers, archive, hugo_dir)
    public, hugo_cache = hugo_dir / "public", hugo_dir / "cache"
    print(f"  hugo import jekyll: {import_seconds:.2f}s", flush=True)
    hugo_cmd = [str(peers.hugo), "--source", str(hugo_dir), "--config", "bench.toml",
                "--destination", str(public), "--cacheDir", str(hugo_cache), "--noBuildLock"]
    first = subprocess.run(hugo_cmd, cwd=hugo_dir, capture_output=True, text=True, check=False)
    as_imported = first.stdout + first.stderr
    fixed = unpublished_as_drafts(hugo_dir / "content") if first.returncode else 0
    print(f"  Hugo on the import as it is: exit {first.returncode}, "
          f"{errors_of(as_imported)} errors; {fixed} files fixed by hand\n  Hugo cold: ", end="",
          flush=True)
    try:
        hugo, hugo_out = timed_runs(
            hugo_cmd, hugo_dir, repeat,
            lambda: run.remove(public, hugo_cache, hugo_dir / "resources"))
    except run.RunFailed as exc:  # the importer's output may not build: that is a finding
        print(f"FAILED\n{exc}", flush=True)
        hugo, hugo_out = run.Result("hugo", note=str(exc).splitlines()[-1][:200]), str(exc)
    hugo.html, hugo.files = run.count_output(public)
    pages = re.search(r"Pages\s*│\s*(\d+)", hugo_out)
    return {"posts": posts, "load": (load_before, os.getloadavg()), "digest": digest, "as_imported": (first.returncode,
            errors_of(as_imported),
            [line.replace(f"{hugo_dir}/", "") for line in first_lines(as_imported, "ERROR")]),
            "fixed": fixed, "hugo": hugo, "import": import_seconds,
            "digest_articles": built.group(1) if built else "?",
            "hugo_pages": pages.group(1) if pages else "?",
            "digest_warnings": warnings_of(digest_out), "hugo_warnings": warnings_of(hugo_out),
            "hugo_first_warnings": first_lines(hugo_out, "WARN")}


def first_lines(output: str, prefix: str, count: int = 3) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(prefix)][:count]


def errors_of(output: str) -> int:
    return sum(1 for line in output.splitlines() if line.startswith("ERROR"))


def unpublished_as_drafts(content: Path) -> int:
    """The hand fix the import needs: Hugo reads `published` as a date, so the importer's
    `published: false` stops the build; Hugo's own word for it is `draft: true`."""
    fixed = 0
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = re.sub(r"^published: false$", "draft: true", text, flags=re.MULTILINE)
        if new != text:
            path.write_text(new, encoding="utf-8")
            fixed += 1
    return fixed


def report(res: dict, info: dict[str, str], vers: str, repeat: int) -> str:
    d, h = res["digest"], res["hugo"]
    runs = lambda r: " ".join(f"{t:.2f}" for t in r.times)  # noqa: E731
    if not h.ok:
        return (f"Run {info['date']} on {info['machine']}. Versions: {vers}.\n\n"
                f"Digest: {run.fmt_s(d.median)} (runs {runs(d)}), {res['digest_articles']} "
                f"articles, {d.html:,} HTML pages, {res['digest_warnings']} warnings. "
                f"Hugo after `hugo import jekyll` failed: `{h.note}`.")
    lines = [
        f"Run {info['date']} on {info['machine']}; median of {repeat}, cold. Versions: {vers}. "
        f"Load average at the start {' '.join(f'{x:.2f}' for x in res['load'][0])}, at the end "
        f"{' '.join(f'{x:.2f}' for x in res['load'][1])}.",
        "",
        "| Build | Median | All runs (s) | CPU | Peak RSS | Articles | HTML pages | Files | "
        "Warnings |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| Digest, `digest build --content _posts` | {run.fmt_s(d.median)} | {runs(d)} | "
        f"{cpu(d)} | {d.peak_mb:.0f} MB | {res['digest_articles']} | {d.html:,} | {d.files:,} | "
        f"{res['digest_warnings']} |",
        f"| Hugo, after `hugo import jekyll` ({run.fmt_s(res['import'])}, not included) | "
        f"{run.fmt_s(h.median)} | {runs(h)} | {cpu(h)} | {h.peak_mb:.0f} MB | {res['hugo_pages']} pages "
        f"(Hugo's count) | {h.html:,} | {h.files:,} | {res['hugo_warnings']} |",
        "",
        f"Digest ÷ Hugo: {d.median / h.median:.2f}.",
        "",
        import_note(res),
    ]
    if res["hugo_first_warnings"]:
        lines += ["", "Hugo's first warnings: " + "; ".join(
            f"`{w[:120]}`" for w in res["hugo_first_warnings"])]
    return "\n".join(lines)


def cpu(result: run.Result) -> str:
    """User + system seconds, median: what other jobs on the machine do not stretch."""
    return run.fmt_s(statistics.median(result.cpu)) if result.cpu else "—"


def import_note(res: dict) -> str:
    code, errors, shown = res["as_imported"]
    if code == 0:
        return "Hugo built the import as it was."
    return (f"Hugo did not build the import as it was (exit {code}, {errors} errors, e.g. "
            f"`{shown[0][:150] if shown else '?'}`); the times are after the hand fix of "
            f"{res['fixed']} files (`published: false` made `draft: true`).")


def replace_block(name: str, text: str) -> None:
    """Write `text` into benchmarks/README.md between `<!-- NAME:begin -->` and `:end -->`."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    readme = run.README.read_text(encoding="utf-8")
    if begin not in readme or end not in readme:
        readme = readme.rstrip() + f"\n\n{begin}\n{end}\n"
    head, rest = readme.split(begin, 1)
    tail = rest.split(end, 1)[1]
    run.README.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    peers = run.install_peers(work)
    info, vers = run.machine(), run.versions(peers)
    print(f"{info['date']} · {info['machine']}\n{vers}", flush=True)
    text = report(bench(args.posts, work, args.repeat, peers), info, vers, args.repeat)
    print("\n" + text, flush=True)
    if not args.no_readme:
        replace_block("migration", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
