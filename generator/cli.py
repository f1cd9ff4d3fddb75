"""The `digest` command: arguments, exit codes (0 ok, 1 content errors, 2 usage), reports."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from . import __version__, dates
from .build import build, load_site
from .config import Config, load_config
from .errors import BuildFailed, ConfigError, ContentError, internal_error
from .executors import default_jobs, executor_factory
from .paths import shown_path
from .progress import for_terminal
from .related import explain
from .text import plural, slugify
from .urls import Urls

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def run() -> None:
    """The `digest` command: `main`, then out without the interpreter's teardown. Freeing what
    the modules' caches still hold and a last collection took 50 ms of a one-edit rebuild at
    10,000 articles (2.5%), and nothing needs them: by the time `main` returns, everything
    Digest writes is written and closed, and its pools are shut down. Only the standard
    streams are left to flush; where that fails (a closed pipe) the ordinary exit reports it."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - the ordinary exit says what went wrong
        sys.exit(code)
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if unknown:  # the command's own usage, not the top-level one
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        cfg = _config(args) if getattr(args, "needs_config", True) else None
        return args.handler(args, cfg)
    except ConfigError as exc:
        _print_errors(exc)
        return EXIT_USAGE if exc.usage else EXIT_CONTENT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback; say what broke, and where to tell
        print(f"error: {internal_error('digest ' + args.command, exc)}", file=sys.stderr)
        return EXIT_CONTENT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Build a news digest website.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_cmd = commands.add_parser("build", help="build the site into the output folder")
    _common(build_cmd)
    build_cmd.add_argument("--output", type=Path, metavar="D",
                           help="output folder (default: output/ beside the config)")
    build_cmd.add_argument("--drafts", action="store_true", help="include draft articles")
    build_cmd.add_argument("--base-url", metavar="U", help="override base_url from the config")
    build_cmd.add_argument("--jobs", "-j", type=_positive, metavar="N", default=default_jobs(),
                           help="worker processes for reading and rendering "
                                f"(default: the machine's cores, {default_jobs()} here)")
    build_cmd.add_argument("--no-cache", action="store_true",
                           help="neither read nor write .digest-cache/ (a cold build)")
    build_cmd.add_argument("--executor", default="process", metavar="E",
                           help="where reading and rendering run: process (a local pool, the "
                                "default), thread, dask (a local Dask cluster), or "
                                "dask://HOST:PORT (a Dask scheduler; pip install 'digest[dask]')")
    _safety(build_cmd)
    chatter = build_cmd.add_mutually_exclusive_group()
    chatter.add_argument("--quiet", "-q", action="store_true",
                         help="print warnings and errors only: no summary, no progress bar")
    chatter.add_argument("--verbose", "-v", action="store_true",
                         help="also print how long each stage took")
    build_cmd.set_defaults(handler=_build)

    related_cmd = commands.add_parser(
        "related", help="explain one article's related reading: scores and reasons")
    _common(related_cmd)
    related_cmd.add_argument("article", metavar="PATH_OR_SLUG",
                             help="the article's file, slug, id or URL path")
    related_cmd.add_argument("--drafts", action="store_true", help="include draft articles")
    related_cmd.set_defaults(handler=_related)

    new_cmd = commands.add_parser("new", help="write a new Markdown article into content/")
    _common(new_cmd)
    new_cmd.add_argument("title", help="the article's title")
    new_cmd.add_argument("--category", metavar="C", help="category id (also its folder)")
    new_cmd.add_argument("--tags", metavar="a,b", default="", help="comma-separated tags")
    new_cmd.set_defaults(handler=_new)

    fetch_cmd = commands.add_parser(
        "fetch", help="write the new entries of the feeds you follow into content/")
    _common(fetch_cmd)
    fetch_cmd.add_argument("--opml", type=Path, metavar="FILE",
                           help="also fetch the feeds an OPML file lists, and print the YAML "
                                "that adds them to config.yaml")
    fetch_cmd.set_defaults(handler=_fetch)
    _import_command(commands)
    _watch_commands(commands)

    init_cmd = commands.add_parser(
        "init", help="start a new site in a folder: config.yaml and example articles")
    init_cmd.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                          help="the site's folder (default: this one; made if missing)")
    init_cmd.add_argument("--eject", action="store_true",
                          help="copy the built-in theme into DIR/templates/ to edit it")
    init_cmd.set_defaults(handler=_init, needs_config=False, command_parser=init_cmd)
    return parser


def _safety(command: argparse.ArgumentParser) -> None:
    command.add_argument("--strict", action="store_true",
                         help="treat every warning as an error (for CI)")
    command.add_argument("--force", action="store_true",
                         help="write into an output folder that holds files Digest did not write")


def _common(command: argparse.ArgumentParser) -> None:
    command.set_defaults(command_parser=command)
    command.add_argument("--config", type=Path, default=Path("config.yaml"), metavar="F",
                         help="site settings file (default: config.yaml)")
    command.add_argument("--content", type=Path, metavar="D",
                         help="content folder (default: content/ beside the config)")


def _config(args: argparse.Namespace) -> Config:
    try:
        dates.source_date_epoch()  # a malformed one stops every command, before it writes
    except ValueError as exc:
        raise ConfigError([ContentError(dates.SOURCE_DATE_EPOCH, None, str(exc))],
                          usage=True) from None
    cfg = load_config(args.config, args.content, getattr(args, "output", None))
    if getattr(args, "base_url", None):
        cfg = cfg.with_base_url(args.base_url)
    # Options only some commands have; the others build with the defaults.
    flags = {k: getattr(args, k, False) for k in ("drafts", "strict", "force")}
    return replace(cfg, **flags) if any(flags.values()) else cfg


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _build(args: argparse.Namespace, cfg: Config) -> int:
    try:
        factory, close = executor_factory(args.executor, args.jobs)
    except ValueError as exc:
        print(f"digest build: --executor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    bar = for_terminal(args.quiet)
    try:
        report = build(cfg, jobs=args.jobs, executor_factory=factory,
                       use_cache=not args.no_cache, progress=bar)
    except BuildFailed as exc:
        if bar is not None:
            bar.close()
        _print_warnings(exc.warnings)
        _print_errors(exc)
        print(f"Build failed: {plural(len(exc.errors), 'error')}"
              + (f", {plural(len(exc.warnings), 'warning')}" if exc.warnings else "")
              + f"; {_shown(cfg.output_dir)} was not changed.", file=sys.stderr)
        return EXIT_CONTENT
    finally:
        close()
    if bar is not None:
        bar.close()
    _print_warnings(report.warnings)
    if args.quiet:
        return EXIT_OK
    if args.verbose:
        print("  ".join(f"{stage} {seconds:.2f} s" for stage, seconds in report.timings.items()))
    print(f"Built {plural(report.articles, 'article')}{drafts_note(report.drafts)} into "
          f"{_shown(cfg.output_dir)}: "
          f"{plural(report.pages, 'page')} ({report.rendered} rendered), "
          f"{plural(report.written, 'file')} written, {report.unchanged} unchanged, "
          f"{report.removed} removed, {plural(len(report.warnings), 'warning')} "
          f"in {report.seconds:.2f} s")
    return EXIT_OK


def drafts_note(drafts: int) -> str:
    return f" ({plural(drafts, 'draft')} skipped; --drafts shows them)" if drafts else ""


def _print_warnings(warnings: tuple) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _related(args: argparse.Namespace, cfg: Config) -> int:
    try:
        site, related = load_site(cfg)
    except BuildFailed as exc:
        _print_errors(exc)
        return EXIT_CONTENT
    wanted = args.article.strip()
    as_path = Path(wanted).resolve().as_posix()
    urls = Urls.for_config(cfg)
    matches = [a for a in site.articles
               if wanted in (a.slug, a.id, a.source_path, urls.article(a), urls.article(a).strip("/"))
               or (cfg.root / a.source_path).as_posix() == as_path]
    if not matches:
        print(f"digest related: no article matches {wanted!r} (give its file, slug, id or URL)",
              file=sys.stderr)
        return EXIT_USAGE
    for number, article in enumerate(matches):
        if number:
            print()
        print(f"{article.title}\n  {article.source_path}, {urls.article(article)}")
        print(explain(related, article.id))
    return EXIT_OK


def _new(args: argparse.Namespace, cfg: Config) -> int:
    slug = slugify(args.title)
    if not slug:
        print("digest new: the title must contain letters or digits", file=sys.stderr)
        return EXIT_USAGE
    category = slugify(args.category) if args.category else None
    folder = cfg.content_dir / category if category else cfg.content_dir
    path = folder / f"{slug}.md"
    if path.exists():
        print(f"digest new: {_shown(path)} already exists; not overwriting it", file=sys.stderr)
        return EXIT_USAGE
    now = dates.now(cfg.tz)  # when written, or SOURCE_DATE_EPOCH's time when it is set
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    lines = ["---", f"title: {_yaml_text(args.title)}", f"date: {now.isoformat()}"]
    if category:
        lines.append(f"category: {category}")
    lines.append("tags: [" + ", ".join(_yaml_text(t) for t in tags) + "]")
    lines += ["summary: ", "source_url: ", "draft: true", "---", "", "Write the article here.", ""]
    folder.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    print(_shown(path))  # alone on stdout, for scripts: `$EDITOR "$(digest new Title)"`
    print("It is a draft: `digest serve --drafts` previews it; remove `draft: true` to "
          "publish it.", file=sys.stderr)
    return EXIT_OK


def _init(args: argparse.Namespace, cfg: None) -> int:
    from .scaffold import eject_theme, init_site

    folder: Path = args.folder
    done = eject_theme(folder / "templates") if args.eject else init_site(folder)
    for path in done.kept:
        print(f"kept {_shown(path)}: it exists already", file=sys.stderr)
    for path in done.written:
        print(f"wrote {_shown(path)}")
    if args.eject:
        print(f"The built-in theme is now yours in {_shown(folder / 'templates')}: "
              "a template there replaces the built-in one of its name.")
        return EXIT_OK
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(str(folder))}\n  "
    print(f"\nNext:\n  {go}digest build    # the site, in output/\n"
          "  digest serve    # a preview at http://127.0.0.1:8000/, live as you edit")
    return EXIT_OK


def _fetch(args: argparse.Namespace, cfg: Config) -> int:
    from .fetching.run import fetch_command  # feedparser loads only for this command

    return fetch_command(cfg, args.opml)


def _import_command(commands: argparse._SubParsersAction) -> None:
    """`digest import` (generator/importers/)."""
    import_cmd = commands.add_parser(
        "import", help="write articles from read-later exports and the tracker into content/")
    _common(import_cmd)
    import_cmd.add_argument("inputs", nargs="+", type=Path, metavar="FILE|DIR",
                            help="export files, or folders of them (the format is read from "
                                 "the content)")
    import_cmd.add_argument("--category", metavar="ID",
                            help="category (and folder) of every article imported (default: "
                                 "the tracker's Category ID, else the format's name)")
    import_cmd.add_argument("--dry-run", action="store_true",
                            help="write nothing; report what an import would do")
    import_cmd.add_argument("--force", action="store_true",
                            help="overwrite articles edited since they were imported")
    import_cmd.set_defaults(handler=_import)


def _import(args: argparse.Namespace, cfg: Config) -> int:
    from .importers import run_import

    if args.category is not None and not slugify(args.category):
        print("digest import: --category must contain letters or digits", file=sys.stderr)
        return EXIT_USAGE
    return run_import(args.inputs, cfg, category=args.category, dry_run=args.dry_run,
                      force=args.force)


def _watch_commands(commands: argparse._SubParsersAction) -> None:
    """`digest watch` and `digest serve` (generator/watch.py, generator/serve.py)."""
    watch_cmd = commands.add_parser("watch", help="build, then rebuild whenever the sources change")
    serve_cmd = commands.add_parser(
        "serve", help="build, serve output/ on 127.0.0.1 and reload pages on change")
    watch_cmd.add_argument("--output", type=Path, metavar="D",
                           help="output folder (default: output/ beside the config)")
    for command in (watch_cmd, serve_cmd):
        _common(command)
        command.add_argument("--drafts", action="store_true", help="include draft articles")
        command.add_argument("--jobs", "-j", type=_positive, metavar="N", default=default_jobs(),
                             help=f"worker processes (default: {default_jobs()})")
        _safety(command)
    watch_cmd.add_argument("--base-url", metavar="U", help="override base_url from the config")
    watch_cmd.set_defaults(handler=_watch)
    serve_cmd.add_argument("--port", type=_port, default=8000, metavar="N",
                           help="port to listen on (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                           help="address to listen on (default: 127.0.0.1, this machine only)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.set_defaults(handler=_serve)


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {value!r}")
    return int(value)


def _watch(args: argparse.Namespace, cfg: Config) -> int:
    from .watch import watch_site

    return watch_site(cfg, lambda: _config(args), args.config, args.jobs)


def _serve(args: argparse.Namespace, cfg: Config) -> int:
    from .serve import PreviewServer, preview_config, serve_site

    try:
        server = PreviewServer(args.bind, args.port, preview_config(cfg, "").output_dir)
    except (OSError, ValueError) as exc:
        print(f"digest serve: cannot listen on {args.bind} port {args.port}: "
              f"{getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_USAGE
    # Pages link to this server, as `hugo server` does, whatever base_url says; they are built
    # in a folder of the cache's, never in output/, which keeps what `digest build` made.
    return serve_site(server, preview_config(cfg, server.url),
                      lambda: preview_config(_config(args), server.url), args.config, args.jobs,
                      open_browser=args.open)


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _print_errors(exc: BuildFailed) -> None:
    for error in exc.errors:
        print(f"error: {error}", file=sys.stderr)


def _shown(path: Path) -> str:
    return shown_path(path, folder=path.is_dir())


if __name__ == "__main__":
    run()
