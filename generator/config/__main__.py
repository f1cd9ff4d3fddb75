"""`python -m generator.config --markdown` prints the README's tables of config.yaml's keys;
`--readme README.md` writes them into the README, after a change to the schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .docs import markdown_tables, with_tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.config",
                                     description="The tables of config.yaml's keys, from the schema.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--markdown", action="store_true", help="print the tables")
    what.add_argument("--readme", type=Path, metavar="FILE",
                      help="write the tables into FILE, under its '## config.yaml' heading")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_tables())
        return 0
    text = args.readme.read_text(encoding="utf-8")
    try:
        args.readme.write_text(with_tables(text), encoding="utf-8")
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
