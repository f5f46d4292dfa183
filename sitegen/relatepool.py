"""A full relate's candidates, scores and edges, shared among forked processes.

Each article's candidates, scores and edges depend on the whole site's arrays (made once in
this process, and read by the workers through fork, never pickled) and on that article
alone: so ranges of articles are done in other processes, each range's results sent back
as plain lists, and put in place here in the order of the ranges. The results are the same
as a serial relate's, to the last bit (tests/unit/test_relate_pool.py).
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any

from sitegen import parallel

if TYPE_CHECKING:
    from sitegen.relate import RelateState
    from sitegen.relatecand import CandidateCounter, PairScorer
    from sitegen.relateedges import EdgeMaker, EdgeParts

# Below this many articles a full relate takes well under a second: not worth the forks.
MIN_ARTICLES = 3000
# Articles per task: small enough to even out the processes' shares, large enough that a
# task's fixed costs (a few dozen numpy calls) stay small.
RANGE = 512

# What a process scoring a range sends back: per article, its candidates, their scores,
# the best kept, its near-duplicates and its "similar words" hint (see RelateState).
Scored = tuple[
    list[list[int]], list[list[float]], list[dict[int, float]], list[tuple[int, ...]], list[Any]
]


def article_ranges(n: int, jobs: int | None) -> list[range] | None:
    """The ranges of articles to share among ``jobs`` processes; None to relate in this one
    (one job, a small site, or no fork)."""
    jobs = parallel.default_jobs() if jobs is None else jobs
    if jobs <= 1 or n < MIN_ARTICLES or not parallel.can_fork():
        return None
    return [range(start, min(n, start + RANGE)) for start in range(0, n, RANGE)]


def score(
    state: RelateState,
    counter: CandidateCounter,
    scorer: PairScorer,
    parts: list[range],
    jobs: int | None,
) -> None:
    """``state._score_range`` of every range of ``parts``, in other processes."""

    hints = state._hint
    assert hints is not None, "a full relate notes the hints"

    def scored(ids: range) -> Scored:
        state._score_range(ids, counter, scorer)
        a, b = ids.start, ids.stop
        return state.cands[a:b], state.scores[a:b], state.kept[a:b], state.dups[a:b], hints[a:b]

    from sitegen.relate import _NONE

    done = chain.from_iterable(parallel.parallel_chunks(scored, parts, jobs, min_items=1))
    for ids, (cands, scores, kept, dups, hint) in zip(parts, done, strict=True):
        a, b = ids.start, ids.stop
        state.cands[a:b], state.scores[a:b], state.kept[a:b] = cands, scores, kept
        state.dups[a:b] = dups
        # an empty hint is the one shared empty set, as in a serial relate
        hints[a:b] = [_NONE if h is not None and not h else h for h in hint]


def make_edges(state: RelateState, maker: EdgeMaker, parts: list[range], jobs: int | None) -> None:
    """The edges of every range of ``parts`` (``maker.edges`` of their best lists), made in
    other processes."""

    def made(ids: range) -> EdgeParts:
        return maker.parts(ids, list(map(state._best, ids)))

    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    done = chain.from_iterable(parallel.parallel_chunks(made, parts, jobs, min_items=1))
    for ids, edge_parts in zip(parts, done, strict=True):
        state.edges[ids.start : ids.stop] = maker.assemble(edge_parts, shared)
