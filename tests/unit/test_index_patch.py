"""A patched index (serve: the last build's index with the articles that came and went) is
the index a full build_index makes, problems included, after any sequence of changes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.index import IndexMemo, build_index
from sitegen.model import Article, Provider, SiteIndex, Topic
from sitegen.slugs import _suffixed, slugify

START = datetime(2024, 1, 1, tzinfo=UTC)
TITLES = ["Same title", "Other title", "Chips news", "Moon lander", "Grid power"]
# Spellings that merge into one topic, and plain ones.
TOPICS = ["AI", "ai", "A-I", "Energy", "energy", "Space", "Chips", "Health"]
PROVIDERS = ["Example", "example", "Wire", "Daily"]


def make(rng: random.Random, number: int) -> Article:
    title = rng.choice(TITLES) + ("" if rng.random() < 0.5 else f" {rng.randrange(4)}")
    return Article(
        slug=slugify(title),
        source=Path(f"content/{number}.md"),
        title=title,
        title_line=2,
        excerpt="",
        published=rng.choice([None, START + timedelta(hours=rng.randrange(48))]),
        url=f"https://news.example/{number}",
        urls=(),
        provider=rng.choice([None, *(Provider(p, "", slugify(p)) for p in PROVIDERS)]),
        topics=tuple(Topic(t, slugify(t)) for t in rng.sample(TOPICS, rng.randrange(4))),
        images=(),
        related=(),
        quality=None,
        heat=None,
        category="news",
        kind="article",
        draft=False,
        body_html="",
    )


def changed(rng: random.Random, article: Article, number: int) -> Article:
    """A new version of the article's file: another title, topics, date or all of it."""
    kind = rng.randrange(4)
    if kind == 0:
        title = rng.choice(TITLES)
        return replace(article, title=title, slug=slugify(title))
    if kind == 1:
        topics = rng.sample(TOPICS, rng.randrange(4))
        return replace(article, topics=tuple(Topic(t, slugify(t)) for t in topics))
    if kind == 2:
        return replace(article, published=START + timedelta(hours=rng.randrange(48)))
    return make(rng, number)


def same(a: tuple[SiteIndex, list[object]], b: tuple[SiteIndex, list[object]]) -> None:
    assert a == b
    for x, y in ((a[0].by_slug, b[0].by_slug), (a[0].topics, b[0].topics)):
        assert list(x) == list(y)
    assert list(a[0].providers) == list(b[0].providers)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(1, 40),
    steps=st.lists(st.tuples(st.sampled_from("aedd"), st.integers(0, 10**6)), max_size=8),
    warm=st.booleans(),
)
def test_a_patched_index_is_the_full_index(
    seed: int, size: int, steps: list[tuple[str, int]], warm: bool
) -> None:
    """``warm``: the patch's structures are made right after the full index (serve's first
    build), not by the first patch."""
    rng = random.Random(seed)
    articles = {n: make(rng, n) for n in range(size)}
    memo = IndexMemo()
    same(build_index(list(articles.values()), memo=memo), build_index(list(articles.values())))
    if warm:
        memo.warm()
        memo.warm()  # (once: a second call changes nothing)
    for op, step_seed in steps:
        step = random.Random(step_seed)
        if op == "a":
            number = max(articles, default=0) + 1
            articles[number] = make(step, number)
        elif op == "d" and articles:
            del articles[step.choice(sorted(articles))]
        elif articles:
            for _ in range(step.randint(1, 3)):
                number = step.choice(sorted(articles))
                articles[number] = changed(step, articles[number], number)
        inputs = list(articles.values())
        step.shuffle(inputs)  # the order of the files does not matter
        same(build_index(inputs, memo=memo), build_index(inputs))


def test_unchanged_articles_stay_the_same_objects_and_the_index_is_patched() -> None:
    rng = random.Random(5)
    articles = {n: make(rng, n) for n in range(30)}
    memo = IndexMemo()
    first, _ = build_index(list(articles.values()), memo=memo)
    articles[3] = replace(articles[3], title="Edited", slug=slugify("Edited"))
    second, _ = build_index(list(articles.values()), memo=memo)
    assert memo.last is not None and memo.last.ready  # patched, not made again
    kept = [a for a in second.articles if a.source != Path("content/3.md")]
    assert all(any(a is b for b in first.articles) for a in kept)


def test_a_title_equal_to_a_suffixed_slug_is_made_in_full() -> None:
    rng = random.Random(6)
    older = replace(make(rng, 0), title="Same title", slug="same-title", published=START)
    newer = replace(make(rng, 1), title="Same title", slug="same-title", published=None)
    memo = IndexMemo()
    first, _ = build_index([older, newer], memo=memo)
    # The dated one is "same-title-<hash>" (undated counts as oldest); a third article
    # wants exactly that slug.
    taken = _suffixed(slugify("Same title"), "content/0.md", set())
    assert taken in first.by_slug
    third = replace(make(rng, 2), title=taken, slug=taken)
    inputs = [older, newer, third]
    same(build_index(inputs, memo=memo), build_index(inputs))
    assert memo.last is not None and not memo.last.ready  # made in full again
