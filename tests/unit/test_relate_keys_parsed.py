"""A cold build's parse workers make what relate reads of each article alone, and relate
only gathers it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_relate import article as relate_article

from sitegen import parallel, relate
from sitegen.build import KeyOf, build
from sitegen.config import load_config
from sitegen.model import RelatedLink


@pytest.mark.parametrize("jobs", [1, 2])
def test_relate_is_given_the_keys_of_every_article_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # a pool even for a small site
    given: list[Any] = []
    real = relate.relate_with_state

    def spy(index: Any, *args: Any) -> Any:
        given.append((index, args[4]))  # (count, state, key, jobs, prepared, ...)
        return real(index, *args)

    monkeypatch.setattr(relate, "relate_with_state", spy)
    overrides = {"output_dir": str(tmp_path / "out"), "base_url": "https://example.org/"}
    build(load_config(ROOT, overrides=overrides), log=lambda _: None, jobs=jobs)
    [(index, prepared)] = given
    by_source = {str(keys[0].source): keys for keys in prepared}
    assert len(by_source) >= len(index.articles) > 10
    for article in index.articles:
        keys = by_source[str(article.source)]
        # (Equal but for the article itself: the index may have renamed its slug or topics.)
        assert keys[0].title == article.title
        assert keys[1:] == relate.article_keys(keys[0])[1:]


PIECES = [*"aAbß İΣσ1_-.,'é\u00a0\t", "the", "chips", "news", "x s"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
URLS = st.lists(st.sampled_from(["", "https://www.a.org/x.html", "a.org/x?AMP", "https://b.io/1"]))


@settings(max_examples=300, deadline=None)
@given(
    TEXT,
    TEXT,
    st.lists(TEXT, max_size=4),
    st.lists(st.tuples(TEXT, URLS), max_size=4),
    st.booleans(),
)
def test_article_keys_are_the_keys_each_helper_makes(
    title: str,
    excerpt: str,
    topics: list[str],
    links: list[tuple[str, list[str]]],
    dated: bool,
) -> None:
    # article_keys writes these helpers out; it must give what they give.
    related = tuple(
        RelatedLink(t, urls[0] if urls else "", tuple(filter(None, urls)), None, None)
        for t, urls in links
    )
    article = relate_article(
        title,
        topics=tuple(topics),
        excerpt=excerpt,
        related=related,
        days=0.0 if dated else None,
    )
    title_words = relate._keys(title)
    counts: dict[str, int] = {}
    for key in [*title_words, *title_words, *relate._keys(excerpt)]:
        counts[key] = counts.get(key, 0) + 1
    expected = (
        article,
        relate.title_key(title),
        frozenset(title_words),
        relate._topic_keys(article),
        article.published.timestamp() if article.published else None,
        relate._link_keys(related),
        counts,
    )
    keys = relate.article_keys(article)
    assert keys == expected
    assert list(keys[6]) == list(counts)  # in text order


def test_the_keys_of_many_articles_are_those_made_one_by_one() -> None:
    # A full relate asks for every article's key at once (made in C); planning then asks
    # one by one, from the same memo.
    articles = [
        relate_article("First title", topics=("AI", "Chips")),
        relate_article("Second title"),
        relate_article("Third title", topics=("Energy",)),
    ]
    digests = {str(a.source): f"hash{n}" for n, a in enumerate(articles)}
    sources = list(digests)
    one_by_one, at_once = KeyOf(digests), KeyOf(digests)
    assert at_once.many(articles, sources) == list(map(one_by_one, articles))
    assert at_once.made == one_by_one.made
    assert at_once(articles[1]) == one_by_one(articles[1])
    # Asked for after some were made: the memo's keys, one by one.
    renamed = replace(articles[0], topics=())
    assert at_once.many([renamed], sources[:1]) == [one_by_one(articles[0])]
