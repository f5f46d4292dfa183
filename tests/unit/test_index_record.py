"""An index made from the last build's record and the edited articles (the CLI's edit:
sitegen/indexrecord.py) is the index build_index makes in full, whenever the record is
used; a record it cannot be sure of is not used."""

from __future__ import annotations

import pickle
import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from sitegen.index import build_index
from sitegen.indexrecord import IndexRecord, inputs_hash, record_of, reused
from sitegen.model import Article, Provider, SiteIndex, Topic
from sitegen.slugs import slugify
from tests.unit.test_index_patch import PROVIDERS, START, TOPICS, make, same

TITLES = ["Same title", "Other title", "Chips news", "Moon lander", "Grid power"]


def titled(rng: random.Random, count: int) -> list[Article]:
    """``count`` articles titled "T 0", "T 1"... (no two slugs alike)."""
    return [replace(make(rng, n), title=f"T {n}", slug=slugify(f"T {n}")) for n in range(count)]


def full(articles: list[Article]) -> tuple[tuple[SiteIndex, list[Any]], IndexRecord | None]:
    """build_index of ``articles`` and its record (as a build saves it)."""
    parts: list[Any] = []
    made = build_index(articles, parts=parts)
    unique, spellings, topic_names = parts[0]
    keys = [str(a.source) for a in articles]
    record = record_of(inputs_hash(keys, keys), articles, unique, made[0], spellings, topic_names)
    return made, record


def edited(rng: random.Random, article: Article) -> Article:
    """A new version of the article's file: mostly what a writer changes (the title, the
    topics), sometimes its date, provider or slug's neighbours' order."""
    kind = rng.randrange(6)
    if kind == 0:
        title = rng.choice(TITLES) + f" {rng.randrange(40)}"
        return replace(article, title=title, slug=slugify(title))
    if kind == 1:
        names = rng.sample(TOPICS, rng.randrange(4))
        return replace(article, topics=tuple(Topic(t, slugify(t)) for t in names))
    if kind == 2:
        return replace(article, published=START + timedelta(hours=rng.randrange(48)))
    if kind == 3:
        provider = rng.choice([None, *(Provider(p, "", slugify(p)) for p in PROVIDERS)])
        return replace(article, provider=provider)
    if kind == 4:  # a title another article has: suffixed by a full index
        title = rng.choice(TITLES)
        return replace(article, title=title, slug=slugify(title))
    return replace(article, excerpt="edited")


@pytest.mark.parametrize("first", range(0, 400, 50))
def test_an_index_from_the_record_is_the_full_index(first: int) -> None:
    """Sites of 1-40 articles, each edited 8 times (1-3 articles at once), from 50 seeds;
    the record of each step is the one the last step made (loaded back), or that of a full
    index when it was not used."""
    used = 0
    for seed in range(first, first + 50):
        rng = random.Random(seed)
        # Distinct titles, mostly (the benchmark site's): a record is of a site with no
        # slug suffixed.
        articles = [
            replace(a, title=f"{a.title} {n}", slug=slugify(f"{a.title} {n}"))
            for n, a in enumerate(make(rng, n) for n in range(rng.randint(1, 40)))
        ]
        made, record = full(articles)
        for step_number in range(8):
            step = random.Random(seed * 100 + step_number)
            places = step.sample(range(len(articles)), min(step.randint(1, 3), len(articles)))
            before = list(articles)
            for at in places:
                articles[at] = edited(step, articles[at])
            expected = build_index(articles)
            edits = [(at, before[at]) for at in places]
            found = reused(record, articles, edits) if record else None
            if found is not None:
                used += 1
                index, record = found
                same((index, []), expected)
                record = pickle.loads(pickle.dumps(record))  # (what the next build loads)
            else:
                made, record = full(articles)
                same(made, expected)
    assert used >= 50  # (the record is used often enough to be tested)


def test_a_title_edit_and_a_topics_edit_use_the_record() -> None:
    rng = random.Random(3)
    articles = titled(rng, 30)
    _, record = full(articles)
    assert record is not None
    old = articles[4]
    articles[4] = replace(old, title="Edited", slug=slugify("Edited"))
    found = reused(record, articles, [(4, old)])
    assert found is not None
    same((found[0], []), build_index(articles))
    old = articles[7]
    articles[7] = replace(old, topics=(*old.topics, Topic("Brand new", "brand-new")))
    found = reused(found[1], articles, [(7, old)])
    assert found is not None
    same((found[0], []), build_index(articles))
    assert "brand-new" in found[0].topics


def test_a_site_with_a_suffixed_slug_is_not_recorded() -> None:
    rng = random.Random(4)
    twins = [replace(make(rng, n), title="Twin", slug="twin") for n in range(2)]
    _, record = full(twins)
    assert record is None


def test_an_edit_that_takes_another_articles_slug_is_made_in_full() -> None:
    rng = random.Random(5)
    articles = titled(rng, 5)
    _, record = full(articles)
    assert record is not None
    old = articles[1]
    articles[1] = replace(old, title="T 2", slug=slugify("T 2"))
    assert reused(record, articles, [(1, old)]) is None


def test_a_topic_spelling_that_renames_other_articles_topics_is_made_in_full() -> None:
    rng = random.Random(6)
    articles = [
        replace(
            make(rng, n),
            title=f"T {n}",
            slug=slugify(f"T {n}"),
            published=START + timedelta(hours=n),
            topics=(Topic("AI" if n < 2 else "ai", "ai"),),
        )
        for n in range(4)
    ]  # "ai" twice, "AI" twice: "AI" is shown (ties: the first in sort order)
    _, record = full(articles)
    assert record is not None
    old = articles[0]
    articles[0] = replace(old, topics=(Topic("ai", "ai"),))  # now "ai" is the most used
    assert reused(record, articles, [(0, old)]) is None
    assert Counter(t.name for a in build_index(articles)[0].articles for t in a.topics) == {"ai": 4}


def test_a_record_loaded_back_makes_the_same_index() -> None:
    rng = random.Random(7)
    articles = titled(rng, 20)
    _, record = full(articles)
    assert record is not None
    loaded = pickle.loads(pickle.dumps(record))
    assert loaded == record
    found = reused(loaded, articles, [])
    assert found is not None
    same((found[0], []), build_index(articles))


def test_a_topic_new_to_the_site_in_two_spellings_at_once_is_shown_as_a_full_index_does() -> None:
    rng = random.Random(8)
    articles = titled(rng, 6)
    _, record = full(articles)
    assert record is not None
    before = list(articles)
    articles[1] = replace(before[1], topics=(Topic("zed", "zed"),))
    articles[3] = replace(before[3], topics=(Topic("Zed", "zed"),))
    found = reused(record, articles, [(1, before[1]), (3, before[3])])
    assert found is not None
    same((found[0], []), build_index(articles))
    assert [a.topics for a in found[0].topics["zed"].articles] == [(Topic("Zed", "zed"),)] * 2
