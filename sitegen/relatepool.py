"""A full relate's candidates and scores, shared among forked processes.

Each article's candidates and scores depend on the whole site's arrays (made once in this
process, and read by the workers through fork, never pickled) and on that article alone:
so ranges of articles are scored in other processes, each range's results sent back as
plain lists, and put in place here in the order of the ranges. The results are the same as
a serial relate's, to the last bit (tests/unit/test_relate_pool.py).

Only this step is shared: it reads numpy arrays, which a forked worker reads without
copying. The steps before and after it (reading the articles, making the edges) read and
reference-count Python objects all over the site, so each worker copies most of the pages
it reads: at 100,000 articles making the edges took a forked worker 40% more CPU than this
process, where scoring took 15% more (and the edges must be made again as objects here).
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any

from sitegen import parallel

if TYPE_CHECKING:
    from sitegen.relate import RelateState
    from sitegen.relatecand import CandidateCounter, PairScorer

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
