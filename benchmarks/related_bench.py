"""Time find_related on generated news archives of 1k, 10k and 50k articles; print a table.

Not a test: run it by hand, `python3 benchmarks/related_bench.py [sizes...] [--stability]
[--updates N]`, and copy the table into benchmarks/README_related.md. `--updates N` times N
single-article changes through the incremental index (generator/related_state.py) at 10k.

The archive grows the way a digest does: a steady 30 articles a day from 6 sources, so 50k
articles span about 4.5 years. Each article belongs to one of 300 topics (a few of them much
busier than the rest, as elections or wars are) and often to an event covered by several sources
within three days. Text is drawn from a Zipf-distributed general vocabulary of 5,000 words plus
the topic's and the event's own words; bodies are about 220 words, as the sample's are. Every
article lists three similar titles: one of the site's as it is, one with a typo and a source
suffix, and one the site does not have.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import resource
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.model import Article
from generator.related import Related, RelatedConfig, find_related, text_settings
from generator.related_index import RelatedDoc
from generator.related_lists import RelatedLists
from generator.related_state import RelatedIndex

PER_DAY = 30
SOURCES = ("north", "south", "east", "west", "wire", "radio")
TOPICS = 300
BUSY_TOPICS = 5  # these get a quarter of all articles between them
_SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "di", "pa", "zu", "ri", "ba", "go",
              "he", "fi", "ju", "qua", "sel", "tor", "mar", "ven", "dal", "ost", "ik", "um")


def word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def vocabulary(rng: random.Random, size: int) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < size:
        seen[word(rng)] = None
    return list(seen)


def generate(count: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    general = vocabulary(rng, 5000)
    zipf = [1.0 / (rank + 1) for rank in range(len(general))]
    topics = [vocabulary(rng, 40) for _ in range(TOPICS)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    articles: list[Article] = []
    listing = random.Random(seed + 1)  # apart, so that the texts stay those measured before
    event_words: list[str] = []
    event_left = 0
    event_topic = 0
    for n in range(count):
        if event_left == 0:
            busy = rng.random() < 0.25
            event_topic = rng.randrange(BUSY_TOPICS) if busy else rng.randrange(TOPICS)
            event_words = vocabulary(rng, 8)
            event_left = rng.choice((1, 1, 2, 3, 4, 6))
        event_left -= 1
        topic = topics[event_topic]
        date = start + timedelta(days=n / PER_DAY + rng.uniform(0, 2.5))

        def text(length: int, topical: float, topic: list[str] = topic,
                 event: list[str] = event_words) -> str:
            words = rng.choices(general, weights=zipf, k=length)
            for i in range(length):
                r = rng.random()
                if r < topical:
                    words[i] = rng.choice(topic)
                elif r < topical * 1.5:
                    words[i] = rng.choice(event)
            return " ".join(words)

        body = "".join(f"<p>{text(55, 0.12)}.</p>" for _ in range(4))
        title = text(8, 0.3).capitalize()
        articles.append(Article(
            id=f"a{n}", title=title, slug=f"a{n}", date=date,
            category=SOURCES[rng.randrange(len(SOURCES))], category_label="",
            source_path=f"content/a{n}.md", body_html=body, summary=text(30, 0.2) + ".",
            tags=(f"topic{event_topic}",) if rng.random() < 0.4 else (),
            similar=listed_titles(listing, articles, general),
        ))
    articles.sort(key=lambda a: a.date, reverse=True)
    return articles


def listed_titles(rng: random.Random, earlier: list[Article], general: list[str]) -> tuple[str, ...]:
    """What a tracker export lists: an earlier title as it is, one with a typo and a source
    suffix, and one the site does not have."""
    if len(earlier) < 10:
        return ()
    exact = rng.choice(earlier[-10:]).title
    typo = list(rng.choice(earlier[-10:]).title)
    typo[rng.randrange(len(typo))] = "x"
    missing = " ".join(rng.choices(general, k=7)).capitalize()
    return exact, "".join(typo) + " - Wire News", missing


def timed(articles: list[Article], cfg: RelatedConfig, repeat: int) -> tuple[float, Related]:
    """The fastest of `repeat` runs, in CPU seconds of this process: the figure least moved by
    whatever else the machine runs. find_related uses one core."""
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        related = find_related(articles, cfg)
        best = min(best, time.process_time() - began)
    return best, related


def stability(articles: list[Article], cfg: RelatedConfig, edits: int = 5) -> None:
    """Edit one article (drop the second half of its body), then add one; count changed lists."""
    base = find_related(articles, cfg)

    def changed(related: Related) -> tuple[int, int]:
        order = sum(_links(related.by_article[k]) != _links(v) for k, v in base.by_article.items())
        items = sum(related.by_article[k] != v for k, v in base.by_article.items())
        return order, items

    for k in range(edits):
        target = articles[(len(articles) // 3 + 997 * k) % len(articles)]
        words = target.body_html.split()
        edited = replace(target, body_html=" ".join(words[: len(words) // 2]) + "</p>")
        order, items = changed(find_related([edited if a is target else a for a in articles], cfg))
        print(f"edit {target.id:>7}: {order:>4} lists show other articles or another order, "
              f"{items:>4} lists changed at all (scores included)", flush=True)
    donor = articles[len(articles) // 2]
    extra = replace(donor, id="extra", slug="extra", date=donor.date + timedelta(hours=3))
    order, items = changed(find_related(articles + [extra], cfg))
    print(f"add a copy of {donor.id}: {order} lists show other articles or another order, "
          f"{items} changed at all")


def updates(articles: list[Article], cfg: RelatedConfig, count: int) -> None:
    """Time `count` one-article changes through the incremental index against one run of
    find_related from scratch; check the last result equals find_related's."""
    settings = text_settings(cfg)
    began = time.process_time()
    scratch = find_related(articles, cfg, reasons=False)
    from_scratch = time.process_time() - began
    gc.collect()
    rss = _rss_mb()
    began = time.process_time()
    index = RelatedIndex.build([RelatedDoc.of(a, settings) for a in articles], cfg)
    lists = RelatedLists()
    assert lists.related(index, articles) == scratch
    built = time.process_time() - began
    gc.collect()
    grown = _rss_mb() - rss
    rows, _ = index.rows_changed()
    blobs = {i: pickle.dumps(row, pickle.HIGHEST_PROTOCOL) for i, row in rows.items()}
    began = time.process_time()
    RelatedIndex.from_rows({i: pickle.loads(b) for i, b in blobs.items()}, cfg)
    loaded = time.process_time() - began
    print(f"{len(articles)} articles: find_related from scratch {from_scratch:.2f} s; "
          f"index built {built:.2f} s (+{grown:.0f} MB RSS; rows {sum(map(len, blobs.values())) / 2**20:.1f} MB "
          f"pickled, loaded again in {loaded:.2f} s)")
    rng = random.Random(11)
    site = list(articles)
    kinds = ("body", "body", "body", "title", "date", "add", "remove")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    touched: list[int] = []
    for k in range(count):
        kind = kinds[k % len(kinds)]
        at = rng.randrange(len(site))
        target = site[at]
        began = time.perf_counter()
        if kind == "remove":
            site.pop(at)
            index.update(removed=[target.id])
        else:
            if kind == "body":
                words = target.body_html.split()
                new = replace(target, body_html=" ".join(words[: len(words) // 2]) + "</p>")
            elif kind == "title":
                new = replace(target, title=target.title + " again")
            elif kind == "date":
                new = replace(target, date=target.date + timedelta(hours=30))
            else:
                new = replace(target, id=f"new{k}", slug=f"new{k}", date=target.date + timedelta(hours=5))
            site[at:at + (kind != "add")] = [new]
            index.update([RelatedDoc.of(new, settings)])
        ordered = sorted(site, key=lambda a: (-a.date.timestamp(), a.slug, a.id))
        lists.related(index, ordered)
        times[kind].append(time.perf_counter() - began)
        touched.append(len(index.rows_changed()[0]))
    for kind, seconds in times.items():
        if seconds:
            print(f"  {kind:>6}: {len(seconds):>3} changes, median {1000 * statistics.median(seconds):6.1f} ms, "
                  f"max {1000 * max(seconds):6.1f} ms (wall clock, lists made included)")
    print(f"  rows rewritten per change: median {statistics.median(touched):.0f}, max {max(touched)}")
    ordered = sorted(site, key=lambda a: (-a.date.timestamp(), a.slug, a.id))
    same = lists.related(index, ordered) == find_related(ordered, cfg, reasons=False)
    print(f"  after {count} changes, equal to find_related from scratch: {same}")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _links(items: tuple) -> list[str]:
    return [i.article.id if i.article else i.title for i in items]


def main(sizes: list[int], repeat: int, check_stability: bool, changes: int = 0) -> None:
    cfg = RelatedConfig()
    if changes:
        updates(generate(10_000), cfg, changes)
        return
    print(f"{'articles':>9} {'seconds':>8} {'ms/article':>11} {'with related':>13} "
          f"{'mean items':>11} {'stories':>8} {'max RSS MB':>11}")
    timings = {}
    for size in sizes:
        articles = generate(size)
        seconds, related = timed(articles, cfg, repeat)
        timings[size] = seconds
        lists = related.by_article.values()
        filled = sum(1 for items in lists if items)
        mean = sum(len(items) for items in lists) / size
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{size:>9} {seconds:>8.2f} {1000 * seconds / size:>11.3f} {filled:>13} "
              f"{mean:>11.2f} {len(related.stories):>8} {rss:>11.0f}", flush=True)
    if 10_000 in timings and 50_000 in timings:
        print(f"growth 10k -> 50k: {timings[50_000] / timings[10_000]:.2f}x (linear would be 5x)")
    if check_stability:
        stability(generate(10_000), cfg)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts")
    parser.add_argument("--stability", action="store_true",
                        help="also count the lists one edit or one new article changes (10k)")
    parser.add_argument("--updates", type=int, default=0, metavar="N",
                        help="only time N one-article changes through the incremental index (10k)")
    args = parser.parse_args()
    main(args.sizes, args.repeat, args.stability, args.updates)
