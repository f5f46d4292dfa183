"""A full relate counts candidates, scores pairs and makes edges for many articles at once on
numpy arrays; the incremental path does it one article at a time. Both must give the same
state."""

from __future__ import annotations

import math
import pickle
import random
from collections.abc import Iterator
from dataclasses import replace
from itertools import chain, pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import parallel, relate, relatecand, relatevec
from sitegen.index import build_index
from sitegen.model import Article, RelatedLink, SiteIndex, Slug
from sitegen.relate import (
    _WORD,
    _idf,
    _keys,
    _text_keys,
    _tokens,
    article_keys,
    relate_with_state,
)
from sitegen.slugs import slugify
from tests.unit.test_relate_incremental import START, edit, make_article


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch usable by a hypothesis test (function-scoped fixtures are not)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(60, 160), count=st.sampled_from([3, 8]))
def test_batched_candidates_and_scores_equal_one_at_a_time(
    seed: int, size: int, count: int
) -> None:
    index = _site(seed, size)
    _, state = relate_with_state(index, count, None)
    batched = [
        (state.cands[i], state.scores[i], list(state.kept[i].items()), state.dups[i])
        for i in range(len(index.articles))
    ]
    # the combined vectors, which the batched scores do without
    state._derived(range(len(state.combined)))
    state._in_order = True  # as in a full relate: ids are positions
    for i in range(len(index.articles)):
        state._score(i)
        alone = (state.cands[i], state.scores[i], list(state.kept[i].items()), state.dups[i])
        assert alone == batched[i], i
    assert any(state.dups), "no near-duplicates: the test site needs some"


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(60, 160), batch=st.sampled_from([7, 4096]))
def test_edges_made_together_equal_one_article_at_a_time(
    seed: int, size: int, batch: int, monkeypatch_module: pytest.MonkeyPatch
) -> None:
    monkeypatch_module.setattr(relate, "_EDGE_BATCH", batch)
    index = _site(seed, size)
    graph, state = relate_with_state(index, 8, None)
    together = list(graph.edges.values())
    # _rank: the best list, then _edges for one article (and without the hint of a full
    # relate, so the similar words are looked for on every edge)
    alone = [state._rank(i) for i in range(len(index.articles))]
    assert alone == together
    assert list(map(repr, alone)) == list(map(repr, together))  # every score to the last bit
    reasons = {r.split(":")[0] for edges in together for e in edges for r in e.reasons}
    needed = {"same story", "shared topics", "similar words", "published the same day"}
    assert needed <= reasons, "the test site needs edges with every reason"
    assert {"linked by the source", "links to this article"} & reasons


def _site(seed: int, size: int) -> SiteIndex:
    """A small random site with links, shared URLs, other dates and near-duplicates."""
    rng = random.Random(seed)
    articles = [make_article(rng, n) for n in range(size)]
    for k in rng.sample(range(size), size // 5):  # links, shared URLs, other dates
        articles[k] = edit(rng, articles[k], articles[:k] + articles[k + 1 :])
    # One link by URL whatever the draws (some seeds make none): the tests need link edges.
    first, second = articles[0], articles[1]
    link = RelatedLink(first.title, first.url, (first.url,), None, None)
    articles[1] = replace(second, related=(*second.related, link))
    for k in rng.sample(range(1, size), size // 10):  # near-duplicates of an earlier article
        b = rng.randrange(k)
        base = articles[b] = replace(articles[b], published=START)
        title = base.title + " again"
        articles[k] = replace(
            base,
            title=title,
            slug=slugify(title),
            source=articles[k].source,
            url=articles[k].url,
            urls=articles[k].urls,
            url_keys=articles[k].url_keys,
            related=articles[k].related,
        )
    index, _ = build_index(articles)
    return index


def _vectors_state(state: Any) -> list[Any]:
    n = len(state.sig)
    return [
        [list(state.counts[i].items()) for i in range(n)],
        [list(map(repr, state.topic_vec[i].items())) for i in range(n)],
        [list(map(repr, state.term_vec[i].items())) for i in range(n)],
        [state.query[i] for i in range(n)],
        list(state.postings.items()),
        list(map(repr, state.idf.items())),
    ]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(40, 120), plain_sum=st.booleans())
def test_batched_counts_and_vectors_equal_one_at_a_time(
    seed: int, size: int, plain_sum: bool, monkeypatch_module: Any
) -> None:
    rng = random.Random(seed)
    articles = [make_article(rng, n) for n in range(size)]
    for k in rng.sample(range(size), size // 4):
        articles[k] = edit(rng, articles[k], articles[:k] + articles[k + 1 :])
    index, _ = build_index(articles)
    # plain_sum False: the norms summed by sum() itself, as on Python 3.12 and later
    monkeypatch_module.setattr(relatevec, "_PLAIN_SUM", plain_sum)
    _, state = relate_with_state(index, 8, None)
    batched = _vectors_state(state)
    postings: dict[str, list[int]] = {}
    for i, article in enumerate(index.articles):
        state._read(i, article)
        for key in chain(state.topic_keys[i], state.counts[i]):
            postings.setdefault(key, []).append(i)
    state.postings = postings
    state.idf = {key: _idf(state.n_rounded, len(p)) for key, p in postings.items()}
    for i in range(size):
        state._vectors(i)
    assert _vectors_state(state) == batched


@given(st.text())
def test_tokens_are_the_words_found_in_the_casefolded_text(text: str) -> None:
    assert _tokens(text) == _WORD.findall(text.casefold())
    assert _text_keys(text) == _keys(text)


def test_a_site_without_a_single_word_relates_by_topics_alone() -> None:
    rng = random.Random(1)
    articles = [
        replace(make_article(rng, n), title="The", slug=slugify(f"the {n}"), excerpt="a")
        for n in range(3)
    ]
    index, _ = build_index(articles)
    graph, state = relate_with_state(index, 8, None)
    assert state.counts == [{}, {}, {}] and state.term_vec == [{}, {}, {}]
    assert set(graph.edges) == {a.slug for a in index.articles}


@pytest.mark.parametrize(("jobs", "seed"), [(2, 1), (3, 2), (2, 3)])
def test_scoring_shared_with_forked_processes_gives_the_same_state(
    jobs: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not parallel.can_fork():
        pytest.skip("no fork here: the scoring is never shared")
    index = _site(seed, 150)
    graph, state = relate_with_state(index, 8, None)
    shared = []
    real = parallel.parallel_map

    def spy(*args: Any, **kwargs: Any) -> Any:
        shared.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(relate, "_SHARED_SCORING", 20)
    monkeypatch.setattr(parallel, "parallel_map", spy)
    graph2, state2 = relate_with_state(index, 8, None, jobs=jobs)
    assert len(shared) == 1 and len(shared[0]) == jobs - 1  # ranges scored elsewhere
    assert graph2 == graph
    # (Equal, not the same bytes: strings the other processes made are other objects.)
    assert state2.__getstate__() == state.__getstate__()
    assert pickle.loads(pickle.dumps(state2)).__getstate__() == state.__getstate__()
    assert any(state2.dups[shared[0][0][0] :]), "no near-duplicates scored elsewhere"


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), cuts=st.lists(st.integers(0, 120), max_size=4))
def test_the_candidates_of_a_range_of_articles_are_the_same_whatever_the_ranges(
    seed: int, cuts: list[int]
) -> None:
    rng = random.Random(seed)
    n, keys = 120, [f"k{k}" for k in range(30)]
    queries = [rng.sample(keys, rng.randint(0, 6)) for _ in range(n)]
    postings: dict[str, list[int]] = {}
    for i, query in enumerate(queries):  # (ids in order: each list sorted)
        for key in query:
            postings.setdefault(key, []).append(i)
    key_id = {key: k for k, key in enumerate(postings)}
    whole = relatecand.Candidates(postings, queries, 8, 5, key_id).between(0, n)
    bounds = [0, *sorted(cuts), n]
    found = relatecand.Candidates(postings, queries, 8, 5, key_id)
    pieces = [found.between(a, b) for a, b in pairwise(bounds)]
    assert list(chain.from_iterable(pieces)) == whole
    assert any(whole)


def test_a_full_relate_gathers_the_keys_made_where_the_articles_were_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = _site(4, 120)
    graph, state = relate_with_state(index, 8, None)
    articles = index.articles
    # Made where they were parsed: for every other article; for one the index gave another
    # slug and topics (the keys' article is not the index's); for one whose title the index
    # would never change (made again here).
    prepared = [article_keys(a) for a in articles[::2]]
    renamed, retitled = articles[2], articles[4]
    prepared[1] = article_keys(replace(renamed, slug=Slug("other"), topics=()))
    prepared[2] = article_keys(replace(retitled, title="Another title"))
    made_here = []
    real = relate.article_keys

    def spy(article: Article) -> Any:
        made_here.append(article)
        return real(article)

    monkeypatch.setattr(relate, "article_keys", spy)
    graph2, state2 = relate_with_state(index, 8, None, prepared=prepared)
    assert made_here == [a for a in articles if a is retitled or articles.index(a) % 2]
    assert graph2 == graph
    assert state2.__getstate__() == state.__getstate__()


# Whether this machine's long doubles serve exact_sums (read before any test replaces the probe).
_LONG_DOUBLES = relatecand._long_enough()

_TIES = [
    [1.0, 2.0**-53, 2.0**-80],  # just over a halfway point: summed in long double, a tie
    [1.0, 2.0**-53, 2.0**-53],
    [1.0, 2.0**-54, 2.0**-54, 2.0**-90],
    [0.5, 0.25, 2.0**-55, 2.0**-55, 2.0**-120],
    [3.0, 2.0**-52, 2.0**-105, 2.0**-106],
]


@settings(max_examples=60, deadline=None)
@given(
    sums=st.lists(
        st.lists(st.floats(1e-30, 1.0, allow_subnormal=False), min_size=3, max_size=30),
        max_size=20,
    ),
    long_sums=st.booleans(),
)
def test_exact_sums_are_those_of_fsum(
    sums: list[list[float]], long_sums: bool, monkeypatch_module: pytest.MonkeyPatch
) -> None:
    # (without long doubles of 64 bits or more, every sum is fsum's own)
    long_enough = long_sums and _LONG_DOUBLES
    monkeypatch_module.setattr(relatecand, "_long_enough", lambda: long_enough)
    sums = [*sums, *_TIES]
    values = np.array(list(chain.from_iterable(sums)), np.float64)
    sizes = np.array(list(map(len, sums)), np.int64)
    found = relatecand.exact_sums(values, sizes).tolist()
    assert list(map(repr, found)) == list(map(repr, map(math.fsum, sums)))


def test_exact_sums_are_fsums_once_long_doubles_add_as_doubles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The long double probe is made for each call: precision lost after the import sends
    every sum to fsum."""
    summed: list[int] = []
    fsum = math.fsum

    def counted(values: list[float]) -> float:
        summed.append(len(values))
        return fsum(values)

    monkeypatch.setattr(math, "fsum", counted)
    monkeypatch.setattr(relatecand, "_long_enough", lambda: False)
    sums = [[0.1, 0.2, 0.3], [1.0, 2.0, 3.0, 4.0]]
    values = np.array(list(chain.from_iterable(sums)), np.float64)
    found = relatecand.exact_sums(values, np.array([3, 4], np.int64)).tolist()
    assert summed == [3, 4]
    assert found == [fsum(sums[0]), fsum(sums[1])]


@settings(max_examples=40, deadline=None)
@given(
    titles=st.lists(
        st.frozensets(st.sampled_from([f"w:{w}" for w in "abcdefghijklmnopqrstuvwxyz"])),
        min_size=2,
        max_size=40,
    ),
    bit_count=st.booleans(),
)
def test_the_title_filter_keeps_every_pair_of_alike_titles(
    titles: list[frozenset[str]], bit_count: bool
) -> None:
    pairs = [(a, b) for a in range(len(titles)) for b in range(len(titles))]
    first, second = (np.array(side, np.int64) for side in zip(*pairs, strict=True))
    with pytest.MonkeyPatch.context() as patch:
        if not bit_count:  # (numpy 1 has no bitwise_count)
            patch.delattr(np, "bitwise_count", raising=False)
        title_filter = relatecand.TitleFilter(titles, relate.STORY_TITLE_JACCARD)
        kept = title_filter.may_be_alike(first, second)
    for (a, b), may in zip(pairs, kept.tolist(), strict=True):
        shared = len(titles[a] & titles[b])
        if len(titles[a]) >= 3 and len(titles[b]) >= 3:
            alike = shared / (len(titles[a]) + len(titles[b]) - shared) >= 0.6
            assert may or not alike, (titles[a], titles[b])
        else:
            assert not may


def test_the_title_filter_rules_out_most_titles_that_are_not_alike() -> None:
    rng = random.Random(5)
    words = [f"w:{k}" for k in range(5000)]
    titles = [frozenset(rng.sample(words, rng.randint(6, 12))) for _ in range(500)]
    first = np.repeat(np.arange(500, dtype=np.int64), 500)
    second = np.tile(np.arange(500, dtype=np.int64), 500)
    kept = relatecand.TitleFilter(titles, 0.6).may_be_alike(first, second)
    assert kept[first == second].all()  # each title is alike itself
    assert kept.sum() < 500 + 0.01 * 500 * 499


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), digits=st.sampled_from([1, 2, 3, 4, 6]), count=st.integers(0, 9))
def test_the_best_lists_of_a_range_are_those_of_each_article(
    seed: int, digits: int, count: int
) -> None:
    index = _site(seed, 80)
    _, state = relate_with_state(index, 8, None)
    n = len(index.articles)
    state.count = count
    state.story = [None] * n  # (as in a full relate's first ranking)
    # scores rounded to fewer digits: many ties, which the slugs decide
    state.kept = [{j: round(s, digits) for j, s in kept.items()} for kept in state.kept]
    alone = [state._best(i) for i in range(n)]
    together = state._best_columns(range(n))
    assert together.sizes == list(map(len, alone))
    assert together.targets == [j for best in alone for _, _, j in best]
    assert list(map(repr, together.scores)) == [repr(-t) for best in alone for t, _, _ in best]
