"""Benchmark of the relate stage on a seeded synthetic site.

    python benchmarks/bench_relate.py 10000 100000

Articles get Zipf-distributed topics (a few very common ones, a long tail) and titles and
excerpts drawn from a Zipf vocabulary, dates over three years, a few explicit related links
and some same-story copies from other providers. Prints seconds per stage (wall clock;
relate also as CPU time of this process, which other load on the machine does not inflate)
and graph sizes.

``--edits N`` then edits one article N times (title, then topics, alternately), each
followed by an incremental relate from the previous state, and prints its CPU time;
``--check`` compares each incremental result with a full relate (slow).
``--phases`` also prints the CPU seconds of each step of the full relate (a little slower).
Each size's line ends with the process's peak resident memory so far.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import relatecand, relatevec
from sitegen.index import build_index
from sitegen.model import Article, Provider, RelatedLink, Slug, Topic
from sitegen.relate import RelateState, relate, relate_with_state
from sitegen.relateedges import EdgeMaker
from sitegen.slugs import slugify
from sitegen.urls import match_key

SYLLABLE_TEXT = "ka lo mi ne ru sa ti vo be da fe gi ho ju ki la mo ni pe ri so tu wa ye zo"
SYLLABLES = SYLLABLE_TEXT.split()


def _zipf_sampler(rng: random.Random, n: int, s: float) -> list[float]:
    weights = [1.0 / (k**s) for k in range(1, n + 1)]
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, items: list[str], cum: list[float]) -> str:
    return items[bisect.bisect_left(cum, rng.random() * cum[-1])]


def synthetic_articles(n: int, seed: int = 1) -> list[Article]:
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30000)})
    rng.shuffle(vocab)
    vocab_cum = _zipf_sampler(rng, len(vocab), 1.05)
    topic_names = [f"Topic {' '.join(rng.choices(SYLLABLES, k=2)).title()} {i}" for i in range(400)]
    topic_cum = _zipf_sampler(rng, len(topic_names), 1.1)
    providers = [
        Provider(f"Source {i}", f"source{i}.example", Slug(f"source-{i}")) for i in range(300)
    ]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    articles: list[Article] = []
    for i in range(n):
        if articles and rng.random() < 0.03:  # the same story from another provider
            base = articles[rng.randrange(len(articles))]
            words = base.title.split()
            rng.shuffle(words[:2])
            title = " ".join([*words, rng.choice(vocab)])
            topics = base.topics
            published = (base.published or start) + timedelta(hours=rng.randint(0, 40))
            excerpt = base.excerpt
        else:
            title = " ".join(_pick(rng, vocab, vocab_cum) for _ in range(rng.randint(6, 12)))
            k = rng.choice((1, 2, 2, 3, 3, 4))
            names = sorted({_pick(rng, topic_names, topic_cum) for _ in range(k)})
            topics = tuple(Topic(t, slugify(t)) for t in names)
            published = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            excerpt = " ".join(_pick(rng, vocab, vocab_cum) for _ in range(rng.randint(20, 40)))
        title = f"{title.capitalize()} {i}"
        url = f"https://www.source.example/{i}/{slugify(title)}.html"
        related = ()
        if articles and rng.random() < 0.1:
            other = articles[rng.randrange(len(articles))]
            related = (
                RelatedLink(other.title, other.url + "?AMP", (other.url + "?AMP",), None, None),
                RelatedLink("Elsewhere " + title, f"https://else.example/{i}", (), None, None),
            )
        urls = (url, url.replace(".html", ".amp"))
        articles.append(
            Article(
                slug=slugify(title),
                source=Path(f"content/{i}.md"),
                title=title,
                title_line=2,
                excerpt=excerpt,
                published=published,
                url=url,
                urls=urls,
                url_keys=tuple(dict.fromkeys(map(match_key, urls))),  # as normalize makes them
                provider=providers[rng.randrange(len(providers))],
                topics=topics,
                images=(),
                related=related,
                quality=None,
                heat=None,
                category="news",
                kind="article",
                draft=False,
                body_html="",
            )
        )
    return articles


# RelateState's steps, timed by --phases. _candidates runs inside _score: subtracted there.
# A full relate counts the words and makes the vectors of all articles at once
# (relatevec.site_vectors, added to "vectors"), makes every article's query slots and
# counts the candidates of a range of articles (relatecand.Candidates, added to
# "candidates"), scores a batch of articles at a time (_score_batch, added to "score") and
# makes the related lists of many articles at once (EdgeMaker.edges, added to "rank").
PHASES = ("_read", "_vectors", "_links", "_candidates", "_score", "_stories", "_rank", "_graph")
_BATCHED: tuple[tuple[object, str, str], ...] = (  # (owner, function, phase)
    (relatevec, "site_vectors", "_vectors"),
    (relatecand.Candidates, "__init__", "_candidates"),
    (relatecand.Candidates, "between", "_candidates"),
    (RelateState, "_score_batch", "_score"),
    (EdgeMaker, "edges", "_rank"),
)


@contextmanager
def phase_clock() -> Iterator[dict[str, float]]:
    """CPU seconds spent in each of RelateState's steps (PHASES) while in the block."""
    spent = dict.fromkeys(PHASES, 0.0)
    batched = dict.fromkeys(PHASES, 0.0)  # (added to spent after the subtraction below)
    wrapped: list[tuple[object, str, str, dict[str, float]]] = [
        (RelateState, name, name, spent) for name in PHASES
    ]
    wrapped += [(owner, name, phase, batched) for owner, name, phase in _BATCHED]
    originals = [getattr(owner, name) for owner, name, _, _ in wrapped]

    def timed(
        function: Callable[..., object], phase: str, into: dict[str, float]
    ) -> Callable[..., object]:
        clock = time.process_time

        def wrapper(*args: object, **kwargs: object) -> object:
            start = clock()
            try:
                return function(*args, **kwargs)
            finally:
                into[phase] += clock() - start

        return wrapper

    for (owner, name, phase, into), function in zip(wrapped, originals, strict=True):
        setattr(owner, name, timed(function, phase, into))
    try:
        yield spent
    finally:
        for (owner, name, _, _), function in zip(wrapped, originals, strict=True):
            setattr(owner, name, function)
        spent["_score"] -= spent["_candidates"]
        for phase, seconds in batched.items():
            spent[phase] += seconds


def _phase_line(spent: dict[str, float], total: float) -> str:
    """Seconds per step; "other" is the rest (posting lists, weights, garbage collection)."""
    parts = [f"{name.strip('_')} {seconds:.2f}" for name, seconds in spent.items()]
    return "  phases cpu s: " + ", ".join(parts) + f", other {total - sum(spent.values()):.2f}"


def reference_loop_us() -> float:
    """CPU microseconds of ``sum(range(1000))`` here: about 10 on an idle desktop core of
    2024, so figures from busy or slow machines can be scaled."""
    start = time.process_time()
    for _ in range(3000):
        sum(range(1000))
    return (time.process_time() - start) / 3000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=0, help="timed one-article edits")
    parser.add_argument("--check", action="store_true", help="compare with a full relate")
    parser.add_argument("--phases", action="store_true", help="CPU seconds per relate step")
    args = parser.parse_args()
    print(f"reference loop: {reference_loop_us():.1f} us CPU", flush=True)
    for n in args.sizes:
        t0 = time.perf_counter()
        articles = synthetic_articles(n, args.seed)
        t1 = time.perf_counter()
        index, _ = build_index(articles)
        t2 = time.perf_counter()
        with phase_clock() if args.phases else _no_phases() as spent:
            cpu = time.process_time()
            graph, state = relate_with_state(index, 8, None)
            cpu = time.process_time() - cpu
        t3 = time.perf_counter()
        edges = sum(len(e) for e in graph.edges.values())
        print(
            f"{n:>7} articles: generate {t1 - t0:6.2f}s  index {t2 - t1:6.2f}s  "
            f"relate {t3 - t2:6.2f}s (cpu {cpu:6.2f}s)  "
            f"({edges} edges, {len(graph.clusters)} stories, "
            f"{sum(not e for e in graph.edges.values())} articles without related)  "
            f"peak RSS {_peak_rss_mb():.0f} MB",
            flush=True,
        )
        if args.phases:
            print(_phase_line(spent, cpu), flush=True)
        if args.edits:
            _edit_loop(articles, state, args.edits, args.check)


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far (the site and index included), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024  # kB; bytes on macOS


@contextmanager
def _no_phases() -> Iterator[dict[str, float]]:
    yield {}


def _edit_loop(articles: list[Article], state: object, edits: int, check: bool) -> None:
    """Edit one article at a time and relate incrementally; print CPU seconds per relate."""
    rng = random.Random(7)
    times = []
    reused = 0
    for n in range(edits):
        k = rng.randrange(len(articles))
        old = articles[k]
        if n % 2 == 0:
            title = f"{old.title.rsplit(' ', 1)[0]} edited {n}"
            articles[k] = replace(old, title=title, slug=slugify(title))
        else:
            others = articles[rng.randrange(len(articles))].topics
            articles[k] = replace(old, topics=others)
        index, _ = build_index(articles)
        cpu = time.process_time()
        graph, new_state = relate_with_state(index, 8, state)  # type: ignore[arg-type]
        times.append(time.process_time() - cpu)
        reused += new_state is state
        state = new_state
        if check:
            assert graph == relate(index, 8), f"edit {n}: incremental differs from full"
    print(
        f"  {edits} one-article edits: relate cpu median {statistics.median(times):.3f}s "
        f"max {max(times):.3f}s ({reused} incremental)" + (", equal to full" if check else ""),
        flush=True,
    )


if __name__ == "__main__":
    main()
