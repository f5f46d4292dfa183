"""Run a function over many items on every core, with a process pool; serially when small.

Workers are forked, so they inherit what the parent already holds (the site index, the
compiled templates) instead of receiving it pickled: only the items' indices go out and the
results come back. Where fork is unavailable, or the work is too small to pay for starting
the pool, everything runs in this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

R = TypeVar("R")

# Below this many items a pool costs more than it saves (fork, pickling, joining).
MIN_PARALLEL_ITEMS = 400

_TASK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def default_jobs() -> int:
    return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing  # slow to import: only builds with enough work need it

    return "fork" in multiprocessing.get_all_start_methods()


def parallel_map(
    func: Callable[[Any], R],
    items: Sequence[Any],
    jobs: int | None = None,
    *,
    min_items: int = MIN_PARALLEL_ITEMS,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[func(x) for x in items]``, in order, split over ``jobs`` forked processes.

    ``func`` and ``items`` reach the workers through fork, so ``func`` may be a closure.
    ``progress`` is called with the number of items done after each chunk."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(items) < min_items or not can_fork():
        results = []
        for item in items:
            results.append(func(item))
            if progress and len(results) % 100 == 0:
                progress(100)
        if progress:
            progress(len(results) % 100)
        return results
    global _TASK
    _TASK = (func, items)
    # Chunks several times smaller than a fair share even out slow and fast items; each
    # chunk is one round trip, so they should not be tiny either.
    size = max(1, min(500, len(items) // (jobs * 8)))
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    out: list[R] = []
    import gc
    import multiprocessing

    # Objects the workers inherit are left out of their garbage collections: a collection
    # would write to every object's header and so copy every shared memory page.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap(_run_chunk, chunks):
                out.extend(part)
                if progress:
                    progress(len(part))
    finally:
        _TASK = None
        gc.unfreeze()
    return out


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _TASK is not None, "parallel_map's task reaches workers through fork"
    func, items = _TASK
    return [func(items[i]) for i in range(*bounds)]
