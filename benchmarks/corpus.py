"""A deterministic synthetic news corpus for benchmarks: the same N always gives the same files.

Articles are Markdown with YAML front matter, 250-600 words, from ~12 sources with ~200 tags,
written around topic clusters (each with its own vocabulary) over a common stock of news words,
so that related reading has real structure to find.

    python benchmarks/corpus.py N DEST [--per-day K]  # writes DEST/config.yaml and DEST/content/

Dates are spread evenly at random over N / K days (K articles a day, default 16: one every 90
minutes; 300 spreads 100,000 over a year), and never over less than three weeks.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

PER_DAY = 16  # articles a day by default: one every 90 minutes
SOURCES = ["meridian", "northwire", "tidewater", "civic-ledger", "atlas-radio", "harbor-times",
           "summit-daily", "riverside-news", "coastal-wire", "metro-post", "valley-herald",
           "capital-report"]
COMMON = ["said", "officials", "report", "week", "people", "government", "city", "year", "statement", "plans", "minister", "local", "public", "according", "announced", "monday", "tuesday", "wednesday", "thursday", "friday", "new", "region", "national", "spokesperson", "expected", "support", "council", "agency", "residents", "company", "program", "percent", "million", "increase", "data", "recent", "told", "early", "later", "meeting"]
SYLLABLES = ["ka", "lo", "ri", "ven", "tor", "mar", "sel", "dun", "bra", "phi", "quo", "zen", "tal", "mir", "gor", "nex", "ul", "ast", "ber", "cos", "dri", "fen", "gal", "hol", "ing", "jas", "kel", "lum", "nor", "oth", "pel", "rus", "sam", "tev"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def body_paragraphs(rng: random.Random, words: list[str]) -> list[str]:
    """250-600 words in paragraphs of 40-90: a third from the topic's words, the rest common."""
    paragraphs = []
    total, written = rng.randint(250, 600), 0
    while written < total:
        length = min(rng.randint(40, 90), total - written)
        sentence = [rng.choice(words) if rng.random() < 0.3 else rng.choice(COMMON)
                    for _ in range(length)]
        sentence[0] = sentence[0].capitalize()
        paragraphs.append(" ".join(sentence) + ".")
        written += length
    return paragraphs


def generate(n: int, dest: Path, seed: int = 20231001, per_day: int = PER_DAY) -> None:
    if per_day < 1:
        raise ValueError(f"per_day must be at least 1, not {per_day}")
    rng = random.Random(seed)
    clusters = max(8, n // 40)
    vocab = [[_word(rng) for _ in range(25)] for _ in range(clusters)]
    tags = sorted({_word(rng) for _ in range(400)})[:200]
    cluster_tags = [rng.sample(tags, 4) for _ in range(clusters)]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    span_minutes = max(n * 60 * 24 // per_day, 60 * 24 * 21)
    content = dest / "content"
    content.mkdir(parents=True, exist_ok=True)
    titles = []
    for i in range(n):
        cluster = rng.randrange(clusters)
        words = vocab[cluster]
        source = SOURCES[rng.randrange(len(SOURCES))]
        date = start + timedelta(minutes=rng.randrange(span_minutes))
        title = " ".join([rng.choice(words).capitalize()] + rng.sample(words, 3) +
                         rng.sample(COMMON, 2)) + f" {i}"
        titles.append(title)
        paragraphs = body_paragraphs(rng, words)
        similar = [titles[rng.randrange(len(titles))] for _ in range(rng.randint(0, 2))]
        front = [
            "---",
            f'title: "{title}"',
            f"date: {date.isoformat()}",
            f"category: {source}",
            "tags: [" + ", ".join(rng.sample(cluster_tags[cluster], 2) +
                                  [rng.choice(tags)]) + "]",
            f'summary: "{paragraphs[0][:160].rsplit(" ", 1)[0]}."',
            f"source_url: https://{source}.example/{date:%Y/%m/%d}/{i}",
            f"id: bench-{i}",
        ]
        if similar:
            front.append("similar:")
            front += [f'  - "{t}"' for t in similar]
        front.append("---")
        folder = content / source
        folder.mkdir(exist_ok=True)
        (folder / f"article-{i:06d}.md").write_text(
            "\n".join(front) + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    (dest / "config.yaml").write_text(
        "title: Benchmark Digest\nbase_url: https://bench.example/\ntimezone: UTC\nper_page: 20\n",
        encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many articles")
    parser.add_argument("dest", type=Path, help="the site folder to write")
    parser.add_argument("--per-day", type=int, default=PER_DAY, metavar="K",
                        help=f"articles a day (default {PER_DAY}, one every 90 minutes)")
    args = parser.parse_args()
    if args.per_day < 1:
        parser.error("--per-day must be at least 1")
    generate(args.n, args.dest, per_day=args.per_day)


if __name__ == "__main__":
    main()
