from __future__ import annotations

import fcntl
import io
import itertools
import os
from typing import Any

import pytest

from sitegen import parallel
from sitegen.parallel import can_fork, chunk_bounds, parallel_chunks, parallel_map


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@pytest.mark.parametrize("jobs", [1, 2])
def test_parts_come_in_order_and_cover_every_item(jobs: int) -> None:
    items = list(range(1000))
    parts = list(parallel_chunks(lambda x: x * x, items, jobs, max_chunk=30))
    assert [x for part in parts for x in part] == [x * x for x in items]
    assert len(parts) > 1 and max(len(p) for p in parts) <= 30
    assert parallel_map(lambda x: x * x, items, jobs) == [x * x for x in items]


@pytest.mark.parametrize("count", [1, 7, 450, 1000, 10_000, 100_003])
def test_chunks_shrink_towards_the_end_and_cover_every_item(count: int) -> None:
    even = chunk_bounds(count, 2, 500)
    shrinking = chunk_bounds(count, 2, 500, last_chunk=50)
    for bounds in (even, shrinking):
        assert bounds[0][0] == 0 and bounds[-1][1] == count
        assert all(end == following for (_, end), (following, _) in itertools.pairwise(bounds))
        assert all(0 < end - start <= 500 for start, end in bounds)
    sizes = [end - start for start, end in shrinking]
    assert sizes == sorted(sizes, reverse=True)  # large first, small at the end
    if count >= 10_000:
        assert sizes[0] == 500 and sizes[-2] == 50 and len(set(sizes)) > 3
    assert len({end - start for start, end in even[:-1]}) <= 1  # None keeps them even


def test_parallel_map_passes_the_last_chunk_on() -> None:
    items = list(range(3000))
    assert parallel_map(lambda x: -x, items, 2, min_items=1, last_chunk=10) == [-x for x in items]


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_live_through_every_chunk() -> None:
    """Never replaced: a fresh worker would copy the parent's pages and fill its caches again."""
    parts = list(parallel_chunks(_square_and_pid, range(1000), 2, max_chunk=50))
    assert len(parts) == 20
    assert [sq for part in parts for sq, _ in part] == [x * x for x in range(1000)]
    assert len({pid for part in parts for _, pid in part} - {os.getpid()}) <= 2


def test_a_failing_item_stops_the_parts() -> None:
    def fail_at_700(x: int) -> int:
        if x == 700:
            raise ValueError("item 700")
        return x

    done = []
    with pytest.raises(ValueError, match="item 700"):
        for part in parallel_chunks(fail_at_700, range(1000), 2, max_chunk=50):
            done.extend(part)
    assert done == list(range(len(done))) and len(done) <= 700


def test_a_parent_is_large_once_it_has_held_more_than_the_limit() -> None:
    assert parallel.large_parent(0)
    assert not parallel.large_parent(1 << 60)


@pytest.mark.skipif(
    not can_fork() or not hasattr(fcntl, "F_GETPIPE_SZ"), reason="Linux pipes, forked workers"
)
def test_the_result_pipe_holds_a_whole_chunk() -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        reader = pool._outqueue._reader  # type: ignore[attr-defined]
        before = fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ)
        parallel._widen_result_pipe(pool)
        after = fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ)
    assert after >= before
    with open("/proc/sys/fs/pipe-max-size") as limit:
        if int(limit.read()) >= parallel.RESULT_PIPE_BYTES:
            assert after >= parallel.RESULT_PIPE_BYTES


def test_a_pool_without_the_pipe_is_left_alone() -> None:
    parallel._widen_result_pipe(object())  # no error: best effort


def _page(x: int) -> tuple[str, bytes]:
    return f"page {x}", bytes([x % 256]) * (x * 37 % 5000)


_PAGES = parallel.Bulk(lambda page: (page[0], page[1]), lambda name, data: (name, data), 20_000)


@pytest.mark.parametrize("jobs", [1, 2])
def test_bulk_results_come_back_whole_and_in_order(jobs: int) -> None:
    """Through the shared slots, and pickled where a chunk's bytes overflow its slot
    (chunks of 50 pages of up to 5 kB: most overflow a slot of 20 kB)."""
    items = list(range(2000))
    parts = list(parallel_chunks(_page, items, jobs, max_chunk=50, bulk=_PAGES, min_items=1))
    assert [page for part in parts for page in part] == [_page(x) for x in items]


def test_a_chunks_bytes_go_to_its_slot_until_it_is_full() -> None:
    import mmap

    shared = mmap.mmap(-1, 3 * 100)
    parallel._BULK = (_PAGES.split, shared, 100)
    try:
        made = [("a", b"x" * 60), ("b", b"y" * 50), ("c", b"z" * 40), ("d", b"")]
        sent = parallel._split(made, 1)
        assert sent == [("a", 60), ("b", b"y" * 50), ("c", 40), ("d", 0)]
        assert shared[100:200] == b"x" * 60 + b"z" * 40
        assert parallel._joined(sent, _PAGES.join, shared, 100) == made
    finally:
        parallel._BULK = None
        shared.close()


def _counted(x: int, done: Any) -> int:
    with done.get_lock():
        done.value += 1
    return x


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_go_on_while_the_caller_is_busy_up_to_ahead_parts() -> None:
    """2 workers: 6 chunks at the workers; with ahead=4, 4 more are done while the caller
    holds the first part, and no more."""
    import multiprocessing
    import time

    done = multiprocessing.get_context("fork").Value("i", 0)
    parts = parallel_chunks(
        lambda x: _counted(x, done), range(1000), 2, max_chunk=10, ahead=4, min_items=1
    )
    first = next(parts)
    deadline = time.monotonic() + 30
    while done.value < 110 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # (more would show by now)
    assert done.value == 110
    assert [first, *parts] == [list(range(s, s + 10)) for s in range(0, 1000, 10)]


def _fail_join(name: str, data: bytes) -> tuple[str, bytes]:
    raise ValueError("join failed")


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_an_error_made_from_a_done_chunk_reaches_the_caller() -> None:
    """(Raised in the pool's result thread, it would leave the caller waiting forever.)"""
    failing = parallel.Bulk(_PAGES.split, _fail_join)
    with pytest.raises(ValueError, match="join failed"):
        list(parallel_chunks(_page, range(100), 2, max_chunk=10, bulk=failing, min_items=1))


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_the_pools_worker_keeper_does_not_wake_for_each_result(monkeypatch: Any) -> None:
    """multiprocessing's Pool wakes its worker-keeping thread whenever a result waits to be
    read, and it spins until the result thread has read it (which needs the GIL that this
    thread, busy between parts, holds): 500-2,000 wakes here. It should wake only to start
    and to stop."""
    import multiprocessing.pool
    import time

    wakes = []
    wait = multiprocessing.pool.Pool._wait_for_updates

    def counted(*args: Any, **kwargs: Any) -> None:
        wakes.append(1)
        wait(*args, **kwargs)

    monkeypatch.setattr(multiprocessing.pool.Pool, "_wait_for_updates", staticmethod(counted))
    parts = []
    # (ahead: the workers are never out of work, so the pool's own state does not change)
    chunks = parallel_chunks(lambda x: x, range(400), 2, max_chunk=10, min_items=1, ahead=40)
    for part in chunks:
        busy_until = time.perf_counter() + 0.005  # (holding the GIL, as a build does)
        while time.perf_counter() < busy_until:
            pass
        parts.append(part)
    assert [x for part in parts for x in part] == list(range(400))
    assert len(wakes) < 10


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_no_more_workers_are_forked_than_there_are_chunks() -> None:
    """(A full relate sends one range per worker but its own: with two jobs, one chunk.)"""
    assert len(_forked([3], 2)) == 1
    assert len(_forked(list(range(10)), 3)) == 3


def _forked(items: list[int], jobs: int) -> list[int]:
    """The worker processes parallel_map(..., items, jobs) started."""
    import multiprocessing

    before = {p.pid for p in multiprocessing.active_children()}
    forked: list[int] = []

    def note() -> None:
        forked.extend(p.pid for p in multiprocessing.active_children() if p.pid not in before)

    assert parallel_map(abs, items, jobs, min_items=1, started=note) == items
    return forked


def _gathered(start: int, results: list[int]) -> tuple[int, int, int]:
    return start, len(results), os.getpid()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_chunks_results_are_gathered_where_they_are_made(jobs: int) -> None:
    items = list(range(1000))
    counted: list[int] = []
    parts = list(
        parallel_chunks(
            lambda x: x, items, jobs, max_chunk=30, gather=_gathered, progress=counted.append
        )
    )
    assert all(len(part) == 1 for part in parts)
    gathered = [part[0] for part in parts]
    starts = [start for start, _count, _pid in gathered]
    assert starts == list(itertools.accumulate([0] + [n for _s, n, _p in gathered[:-1]]))
    assert sum(n for _s, n, _p in gathered) == sum(counted) == len(items)
    pids = {pid for _s, _n, pid in gathered}
    assert (os.getpid() in pids) == (jobs == 1) or not can_fork()


def test_forks_says_whether_the_items_go_to_workers() -> None:
    assert not parallel.forks(1, 10_000)
    assert not parallel.forks(2, parallel.MIN_PARALLEL_ITEMS - 1)
    assert parallel.forks(2, 1, min_items=1) == can_fork()


@pytest.mark.parametrize("count", [400, 5_000, 9_000, 10_000, 20_000, 100_003])
@pytest.mark.parametrize("jobs", [2, 3])
def test_leading_chunks_are_whole_and_leave_enough_to_even_out(count: int, jobs: int) -> None:
    lead = 4096
    bounds = chunk_bounds(count, jobs, 500, last_chunk=50, lead=lead)
    leading = parallel.lead_items(count, jobs, lead)
    assert [b for b in bounds if b[0] < leading] == [
        (at, at + lead) for at in range(0, leading, lead)
    ]
    assert bounds[0][0] == 0 and bounds[-1][1] == count
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    if leading:  # a chunk for each worker at least, and after them enough left to share
        assert leading >= jobs * lead and count - jobs * lead >= count // 8
    if leading > jobs * lead:
        assert count - leading >= (jobs - 1) * lead
    assert leading == {(10_000, 2): 8192, (100_003, 2): 94208}.get((count, jobs), leading)
    assert (leading > 0) == (count >= 20_000 or (count, jobs) == (10_000, 2))


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [
        ("max 100000\n", None),
        ("200000 100000\n", 2),
        ("150000 100000", 2),  # a core and a half: both cores run, each part of the time
        ("50000 100000", 1),
        ("0 100000", None),
        ("", None),
        ("lots of cores", None),
    ],
)
def test_a_cgroup_quota_is_read_as_cores(cpu_max: str, cores: int | None) -> None:
    assert parallel.quota_cores(cpu_max) == cores


def test_default_jobs_are_the_cores_this_process_may_run_on_within_its_quota(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity here")
    quota = ["max 100000\n"]

    def cpu_max(path: str, *args: Any, **kwargs: Any) -> io.StringIO:
        assert path == "/sys/fs/cgroup/cpu.max"
        if not quota:
            raise FileNotFoundError(path)
        return io.StringIO(quota[0])

    monkeypatch.setattr(parallel, "open", cpu_max, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 7})
    assert parallel.default_jobs() == 3
    quota[0] = "200000 100000\n"  # docker --cpus 2
    assert parallel.default_jobs() == 2
    quota.clear()  # no cgroup v2 here
    assert parallel.default_jobs() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5})
    assert parallel.default_jobs() == 1


def _runs_seen(run: Any) -> list[tuple[int, int, int]]:
    """A run of consecutive items as (first, count, pid), once per item."""
    seen = (run[0], len(run), os.getpid())
    return [seen] * len(run)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_function_of_runs_is_given_runs_of_consecutive_items_within_a_chunk(jobs: int) -> None:
    items = list(range(1000))
    counted: list[int] = []
    parts = list(
        parallel_chunks(_runs_seen, items, jobs, max_chunk=250, runs=True, progress=counted.append)
    )
    runs = [seen for part in parts for seen in part]
    assert len(runs) == len(items) == sum(counted)
    # Runs follow each other, each within a chunk (serially, of 250).
    bounds = [(0, 250), (250, 500), (500, 750), (750, 1000)]
    if jobs == 2 and can_fork():
        bounds = chunk_bounds(len(items), jobs, 250)
    assert all(
        any(start <= first and first + count <= end for start, end in bounds)
        for first, count, _ in runs
    )
    assert [first for first, count, _pid in runs] == [
        first for first, count, _pid in dict.fromkeys(runs) for _ in range(count)
    ]
    assert parallel_map(lambda run: [-x for x in run], items, jobs, runs=True) == [
        -x for x in items
    ]
