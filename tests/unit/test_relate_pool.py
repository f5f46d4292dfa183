"""A full relate shared among forked processes (sitegen/relatepool.py) gives the very state
and graph a serial one gives."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import parallel, relatepool
from sitegen.index import build_index
from sitegen.relate import RelateState, relate_with_state
from tests.unit.test_relate_batched import _site


def _forks(patch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pools relate asks for: each call appends its number of tasks."""
    calls: list[int] = []
    real = parallel.parallel_chunks

    def counted(func: Any, items: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(items))
        return real(func, items, *args, **kwargs)

    patch.setattr(parallel, "parallel_chunks", counted)
    return calls


def _everything(state: RelateState) -> list[Any]:
    """What a full relate leaves in its state, scores written to the last bit."""
    return [
        state.cands,
        list(map(repr, state.scores)),
        [list(map(repr, kept.items())) for kept in state.kept],
        state.dups,
        state.story,
        list(map(repr, state.edges)),
        state.in_story,
        state.link_keys,
        state.explicit,
    ]


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(60, 160),
    count=st.sampled_from([0, 3, 8]),
    share=st.sampled_from([1, 7, 50]),
)
def test_a_relate_shared_among_processes_equals_a_serial_one(
    seed: int, size: int, count: int, share: int
) -> None:
    index = _site(seed, size)
    serial_graph, serial = relate_with_state(index, count, None, jobs=1)
    with pytest.MonkeyPatch.context() as patch:  # (hypothesis runs many in one test)
        patch.setattr(relatepool, "MIN_ARTICLES", 1)  # fork even for a small site
        patch.setattr(relatepool, "RANGE", share)
        pools = _forks(patch)
        shared_graph, shared = relate_with_state(index, count, None, jobs=2)
    assert pools == ([-(-size // share)] if count else [])  # (nothing to score with count 0)
    assert shared_graph == serial_graph
    assert _everything(shared) == _everything(serial)
    assert shared._hint is None and serial._hint is None


def test_one_job_or_a_small_site_relates_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = _site(1, 80)
    pools = _forks(monkeypatch)
    relate_with_state(index, 8, None, jobs=1)
    relate_with_state(index, 8, None, jobs=2)  # 80 articles: below MIN_ARTICLES
    assert pools == []
    assert relatepool.article_ranges(80, 2) is None
    assert relatepool.article_ranges(10**5, 1) is None


def test_an_update_after_a_shared_relate_equals_a_serial_relate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state a shared relate leaves is as good for the next incremental update."""
    monkeypatch.setattr(relatepool, "MIN_ARTICLES", 1)
    index = _site(7, 120)
    _, state = relate_with_state(index, 8, None, jobs=2)
    articles = list(index.articles)
    articles[5] = replace(articles[5], title=articles[9].title + " too")
    edited, _ = build_index(articles)
    graph, updated = relate_with_state(edited, 8, state, jobs=2)
    assert updated is state, "updated in place, not related in full"
    assert graph == relate_with_state(edited, 8, None, jobs=1)[0]
