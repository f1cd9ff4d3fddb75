"""A deterministic Jekyll-shaped archive for the migration benchmark (issue #10).

    python benchmarks/jekyll_corpus.py N DEST   # DEST/_config.yml, DEST/_posts/YYYY-MM-DD-slug.md

N posts in the shapes of tests/sites/jekyll: the date in the file name, and in the front matter
of only some posts (in Jekyll's forms); `categories` and `tags` as space-separated strings, flow
lists and block lists; `<!--more-->` excerpts; `redirect_from` lists and `permalink`s; authors
as text and as maps; a few drafts (`published: false`) and a few empty files among the N; and
a README.txt in _posts/, as archives have.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import _word, body_paragraphs  # noqa: E402 - the benchmark corpus's words

CATEGORIES = ["news", "world", "local", "business", "sport", "culture", "science", "opinion"]
AUTHORS = ["Ana Lima", "Tom Reyes", "Ines Park", "Joao Silva", "Mara Chen"]
DRAFTS, EMPTY = 10, 5  # of the N files: drafts and empty files


def generate(n: int, dest: Path, seed: int = 20240529) -> None:
    rng = random.Random(seed)
    vocab = [_word(rng) for _ in range(600)]
    tags = sorted({_word(rng) for _ in range(120)})[:60]
    posts = dest / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    start = datetime(2019, 1, 1, 8, 0, tzinfo=UTC)
    drafts = set(rng.sample(range(n), DRAFTS))
    empty = set(rng.sample(sorted(set(range(n)) - drafts), EMPTY))
    for i in range(n):
        date = start + timedelta(minutes=i * 720 + rng.randrange(600))
        words = rng.sample(vocab, 4)
        slug = "-".join(words[:3]) + f"-{i}"
        name = f"{date:%Y-%m-%d}-{slug}.md"
        if i in empty:
            (posts / name).write_text("", encoding="utf-8")
            continue
        title = " ".join(w.capitalize() for w in words) + f" {i}"
        front = ["---", "layout: post", _title(rng, title)]
        front += _date(rng, date) + _categories(rng) + _tags(rng, tags)
        front += _author(rng) + _redirects(rng, i, date, slug)
        if i in drafts:
            front.append("published: false")
        front.append("---")
        (posts / name).write_text("\n".join(front) + "\n" + _body(rng, vocab) + "\n",
                                  encoding="utf-8")
    (posts / "README.txt").write_text("These are the posts, one file per post.\n"
                                      "Edit them in Markdown.\n", encoding="utf-8")
    (dest / "_config.yml").write_text(
        "title: Jekyll Gazette\nurl: https://gazette.example\n"
        "permalink: /:year/:month/:day/:title/\nplugins:\n  - jekyll-redirect-from\n",
        encoding="utf-8")


def _title(rng: random.Random, title: str) -> str:
    return f'title:  "{title}"' if rng.random() < 0.5 else f"title: {title}"


def _date(rng: random.Random, date: datetime) -> list[str]:
    """Some posts have their date in the file name only, as Jekyll allows."""
    form = rng.randrange(4)
    if form == 0:
        return []
    if form == 1:
        return [f"date:   {date:%Y-%m-%d %H:%M:%S} +0000"]
    if form == 2:
        return [f"date: {date:%Y-%m-%dT%H:%M:%SZ}"]
    return [f"date: {date.year}-{date.month}-{date.day} {date.hour}:{date.minute:02d}"]


def _categories(rng: random.Random) -> list[str]:
    picked = rng.sample(CATEGORIES, 2)
    form = rng.randrange(4)
    if form == 0:
        return [f"categories: {picked[0]} {picked[1]}"]
    if form == 1:
        return [f"categories: [{picked[0]}, {picked[1]}]"]
    if form == 2:
        return [f"category: {picked[0]}"]
    return []


def _tags(rng: random.Random, tags: list[str]) -> list[str]:
    picked = rng.sample(tags, rng.randint(1, 3))
    form = rng.randrange(5)
    if form == 0:
        return ["tags: " + " ".join(picked)]
    if form == 1:
        return ["tags: [" + ", ".join(picked) + "]"]
    if form == 2:
        return ["tags:"] + [f"  - {t}" for t in picked]
    if form == 3:
        return ["tags: " + ", ".join(picked)]
    return []


def _author(rng: random.Random) -> list[str]:
    name = rng.choice(AUTHORS)
    form = rng.randrange(3)
    if form == 0:
        return [f"author: {name}"]
    if form == 1:
        return ["author:", f"  name: {name}"]
    return []


def _redirects(rng: random.Random, i: int, date: datetime, slug: str) -> list[str]:
    """Old URLs: unique to the post, as real ones are."""
    roll = rng.random()
    if roll < 0.05:
        return ["redirect_from:", f"  - /old/{slug}/", f"  - /{date:%Y/%m/%d}/{i}.html"]
    if roll < 0.08:
        return [f"permalink: /{date:%Y}/post-{i}.html"]
    return []


def _body(rng: random.Random, vocab: list[str]) -> str:
    paragraphs = body_paragraphs(rng, vocab)
    if len(paragraphs) > 1 and rng.random() < 0.3:
        paragraphs.insert(1, rng.choice(["<!--more-->", "<!-- more -->"]))
    return "\n\n".join(paragraphs)


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
