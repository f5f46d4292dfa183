"""Run a function over many items on every core, with a process pool; serially when small.

Workers are forked, so they inherit what the parent already holds (the site index, the
compiled templates) instead of receiving it pickled: only the items' indices go out and the
results come back (rendered pages' bytes through memory shared with the workers, see Bulk).
Where fork is unavailable, or the work is too small to pay for starting
the pool, everything runs in this process.
"""

from __future__ import annotations

import functools
import mmap
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import suppress
from typing import Any, Generic, TypeAlias, TypeVar, cast

R = TypeVar("R")

# Below this many items a pool costs more than it saves (fork, pickling, joining).
MIN_PARALLEL_ITEMS = 400
# A process that has held more than this is "large" (see large_parent).
LARGE_PARENT_BYTES = 1 << 30

# The function over a run of items, the items and what a chunk's results are gathered into
# (see parallel_chunks), for the workers.
_Gather = Callable[[int, list[Any]], Any]
_Many: TypeAlias = Callable[[Sequence[Any]], list[R]]
_TASK: tuple[_Many[Any], Sequence[Any], _Gather | None] | None = None
# With bulk results: how a result splits into (the rest, its bytes), the shared memory the
# bytes go to and a slot's size there.
_BULK: tuple[Callable[[Any], tuple[Any, bytes]], mmap.mmap, int] | None = None


def default_jobs() -> int:
    """The cores this process may use: those it may run on (a container or ``taskset`` can
    allow fewer than the machine has), and no more than its CPU quota (cgroup v2's
    ``cpu.max``, as ``docker --cpus`` sets it). A worker per core of the machine there
    would only share the allowed ones, each holding its own memory."""
    from sitegen.cores import usable_cores

    cores = usable_cores()
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as limits:
            quota = quota_cores(limits.read())
    except OSError:
        quota = None
    return max(1, min(cores, quota or cores))


def quota_cores(cpu_max: str) -> int | None:
    """The cores a cgroup v2 ``cpu.max`` ("QUOTA PERIOD" in microseconds, or "max PERIOD")
    allows, rounded up; None when it sets no limit or cannot be read."""
    parts = cpu_max.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    return -(-quota // period) if quota > 0 and period > 0 else None


def can_fork() -> bool:
    import multiprocessing  # slow to import: only builds with enough work need it

    return "fork" in multiprocessing.get_all_start_methods()


def forks(jobs: int | None, count: int, min_items: int | None = None) -> bool:
    """Whether parallel_chunks runs ``count`` items in worker processes (else here)."""
    jobs = default_jobs() if jobs is None else jobs
    if min_items is None:  # read now, not when defined: a test lowers it to fork small sites
        min_items = MIN_PARALLEL_ITEMS
    return jobs > 1 and count >= min_items and can_fork()


def parallel_map(
    func: Callable[[Any], R] | _Many[R],
    items: Sequence[Any],
    jobs: int | None = None,
    *,
    min_items: int | None = None,
    progress: Callable[[int], None] | None = None,
    last_chunk: int | None = None,
    started: Callable[[], None] | None = None,
    runs: bool = False,
) -> list[R]:
    """``[func(x) for x in items]``, in order, split over ``jobs`` forked processes.

    ``func`` and ``items`` reach the workers through fork, so ``func`` may be a closure.
    ``progress`` is called with the number of items done after each chunk; ``last_chunk``,
    ``started`` and ``runs`` as parallel_chunks'."""
    out: list[R] = []
    parts = parallel_chunks(
        func,
        items,
        jobs,
        min_items=min_items,
        progress=progress,
        last_chunk=last_chunk,
        started=started,
        runs=runs,
    )
    for part in parts:
        out.extend(part)
    return out


def parallel_chunks(
    func: Callable[[Any], R] | _Many[R],
    items: Sequence[Any],
    jobs: int | None = None,
    *,
    min_items: int | None = None,
    progress: Callable[[int], None] | None = None,
    max_chunk: int = 500,
    last_chunk: int | None = None,
    bulk: Bulk[Any] | None = None,
    ahead: int = 0,
    started: Callable[[], None] | None = None,
    gather: Callable[[int, list[R]], Any] | None = None,
    lead: int = 0,
    runs: bool = False,
) -> Generator[list[Any], None, None]:
    """``parallel_map`` in consecutive parts, as they are done: the caller can use and drop
    each part before the next one comes (rendered pages are the largest thing a build makes:
    3 GB at 100,000 articles). Only a few chunks are ever ahead of the caller.

    ``last_chunk``: chunks shrink towards this size as the work runs out, so that the
    workers finish together (with chunks of 500 digests, one worker sat idle for up to a
    chunk's time, 0.2-0.5 s, at the end of a cold build's parse); None keeps them even.

    The workers live through every chunk. A worker copies what it reads of the parent's
    objects (reading one writes its reference count), but its RSS counts those pages from
    the fork on either way, and a fresh worker would copy them again and fill its caches
    again: at 100,000 articles, render workers forked again every 20 chunks took 54-69 CPU
    s more (~0.5 ms a page), and were no smaller (a worker's RSS is its parent's at the
    fork plus what it makes: 2.4-2.5 GB either way).

    ``bulk``: how a result splits into a little to pickle and many bytes (rendered pages),
    and back; the bytes then come back through memory the workers share with this process
    (see Bulk).

    ``ahead``: how many done parts may wait for the caller while the workers go on. With
    0, a chunk is sent only when the caller takes a part: a caller busy between parts (the
    build process makes the graph data, ~1 s at 10,000 articles) let both workers sit idle
    once their few chunks were done.

    ``started`` is called once the workers have their first chunks, before any part is
    waited for (serially: before the first item): what this process does there overlaps
    their work.

    ``gather(start, results)``: what a chunk's results (``start`` the place of its first
    item) are turned into where they are made, a worker process, to be sent back instead;
    each part is then a list of that one object. ``lead``: chunk_bounds'.

    ``runs``: ``func`` takes a run of consecutive items (never across chunks) and gives
    their results, in order (work that goes faster by stages over many items than item by
    item)."""
    jobs = default_jobs() if jobs is None else jobs
    # (Which kind ``func`` is, ``runs`` says: a cast, as mypy cannot tell.)
    run = cast("_Many[R]", func if runs else functools.partial(_each, func))
    if not forks(jobs, len(items), min_items):
        if started is not None:
            started()
        yield from _serial_chunks(run, items, progress, max_chunk, gather)
        return
    global _TASK, _BULK
    _TASK = (run, items, gather)
    bounds = chunk_bounds(len(items), jobs, max_chunk, last_chunk, lead)
    chunks = iter(bounds)
    window = jobs * 3
    # A slot of shared memory per chunk in flight, for bulk results (mapped before the
    # workers fork, so that they share it).
    shared = mmap.mmap(-1, window * bulk.slot_bytes) if bulk is not None else None
    if bulk is not None and shared is not None:
        _BULK = (bulk.split, shared, bulk.slot_bytes)
    import gc
    import multiprocessing

    # Objects the workers inherit are left out of their garbage collections: a collection
    # would write to every object's header and so copy every shared memory page.
    gc.freeze()
    try:
        # No more workers than chunks (a full relate sends one range per worker but its
        # own: with two jobs, a second worker forked for it would only wait).
        workers = min(jobs, len(bounds))
        with _pool_class()(workers, context=multiprocessing.get_context("fork")) as pool:
            _widen_result_pipe(pool)
            feed = _Feed(pool, chunks, window, ahead, bulk, shared)
            try:
                if started is not None:
                    started()
                while (taken := feed.take()) is not None:
                    part, count = taken
                    if progress:
                        progress(count)
                    yield part
            finally:
                feed.stop()
    finally:
        _TASK = _BULK = None
        gc.unfreeze()
        if shared is not None:
            shared.close()


class _Feed:
    """Sends the chunks to a pool's workers, ``window`` at a time, and takes their parts in
    order. A chunk done is replaced at once, from the pool's result thread, while fewer than
    ``ahead`` done parts wait for the caller; else when the caller takes one (Pool.imap
    would queue every result the caller has not taken yet, however many). With ``bulk``,
    each chunk at the workers has a slot of ``shared``, copied out as soon as it is done."""

    def __init__(
        self,
        pool: Any,
        chunks: Iterator[tuple[int, int]],
        window: int,
        ahead: int,
        bulk: Bulk[Any] | None,
        shared: mmap.mmap | None,
    ) -> None:
        self._pool, self._chunks, self._window, self._ahead = pool, chunks, window, ahead
        self._bulk, self._shared = bulk, shared
        self._lock = threading.Lock()
        # In the chunks' order: the result, its box, its count of items.
        self._pending: deque[tuple[Any, list[Any], int]] = deque()
        self._free = list(range(window))  # slots; the others are the chunks at the workers
        self._waiting = 0  # parts done, not taken yet
        self._stopped = False
        with self._lock:
            self._send_more()

    def take(self) -> tuple[list[Any], int] | None:
        """The next part and its count of items, once done (None after the last); a
        worker's error is raised."""
        with self._lock:
            if not self._pending:
                return None
            done, box, count = self._pending.popleft()
        done.get()  # (the callback has run when the result is set)
        with self._lock:
            self._waiting -= 1
            self._send_more()
        part: list[Any] | BaseException = box[0]
        if isinstance(part, BaseException):
            raise part
        return part, count

    def stop(self) -> None:
        with self._lock:
            self._stopped = True

    def _send_more(self) -> None:
        while not self._stopped and self._free:
            at_workers = self._window - len(self._free)
            if at_workers + self._waiting >= self._window + self._ahead:
                return
            bounds = next(self._chunks, None)
            if bounds is None:
                return
            slot = self._free.pop()
            box: list[Any] = []
            done = self._pool.apply_async(
                _run_chunk, (bounds, slot), callback=functools.partial(self._done, slot, box)
            )
            self._pending.append((done, box, bounds[1] - bounds[0]))

    def _done(self, slot: int, box: list[Any], sent: list[Any]) -> None:
        """In the pool's result thread: a chunk is done. (An error raised here would end
        that thread, and the caller would wait forever: it is handed to take.)"""
        try:
            if self._bulk is not None and self._shared is not None:
                at = slot * self._bulk.slot_bytes
                sent = _joined(sent, self._bulk.join, self._shared, at)
            box.append(sent)
        except BaseException as exc:
            box.append(exc)
        with self._lock:
            self._free.append(slot)
            self._waiting += 1
            if self._ahead:
                self._send_more()


@functools.cache
def _pool_class() -> type:
    """multiprocessing's Pool, but its thread that keeps the workers alive wakes only when
    a worker ends or the pool changes state. (Pool's own also wakes while a result waits to
    be read, and then spins until the result thread, which needs the GIL this process's
    main thread holds, has read it: 0.2-0.3 CPU s of a cold 10,000-article build, and the
    GIL taken from the other two threads as often.)"""
    import multiprocessing.pool

    class QuietPool(multiprocessing.pool.Pool):
        def _get_sentinels(self) -> list[Any]:
            notifier = getattr(self, "_change_notifier", None)  # (a private attribute)
            if notifier is None:
                return super()._get_sentinels()  # type: ignore[misc,no-any-return]
            return [notifier._reader]

    return QuietPool


def chunk_bounds(
    count: int, jobs: int, max_chunk: int, last_chunk: int | None = None, lead: int = 0
) -> list[tuple[int, int]]:
    """The (start, end) of each chunk of ``count`` items, in order, covering them all.

    Chunks several times smaller than a fair share even out slow and fast items; each
    chunk is one round trip, so they should not be tiny either. With ``last_chunk``, a
    chunk is at most a quarter of a worker's share of what is left, and never below
    ``last_chunk``: large while there is much to do, small at the end. ``lead`` (with
    ``last_chunk``): chunks of exactly this many items first (see lead_items)."""
    size = max(1, min(max_chunk, count // (jobs * 8)))
    if last_chunk is None:
        return [(start, min(start + size, count)) for start in range(0, count, size)]
    bounds, start = [], 0
    if lead:
        bounds = [(at, at + lead) for at in range(0, lead_items(count, jobs, lead), lead)]
        start = bounds[-1][1] if bounds else 0
    while start < count:
        left = count - start
        step = max(1, min(size, max(last_chunk, left // (jobs * 4)), left))
        bounds.append((start, start + step))
        start += step
    return bounds


def lead_items(count: int, jobs: int, lead: int) -> int:
    """How many of ``count`` items chunk_bounds gives in chunks of ``lead`` first (a multiple
    of it), leaving enough after them for the workers to even out on: a first round, one
    chunk per worker (started together), when it leaves an eighth of the items; each chunk
    after it only while it leaves ``jobs - 1`` chunks' worth (a worker may finish its last
    one up to a chunk's time after another)."""
    if lead <= 0 or count - jobs * lead < count // 8:
        return 0
    taken = jobs * lead
    while count - taken - lead >= (jobs - 1) * lead:
        taken += lead
    return taken


# The most a pipe may hold without privileges (Linux's /proc/sys/fs/pipe-max-size default).
RESULT_PIPE_BYTES = 1 << 20


def _widen_result_pipe(pool: Any) -> None:
    """Let the pipe that brings results back hold a whole chunk's (Linux).

    A result larger than the pipe (64 kB by default; a chunk of 500 digests pickles to
    ~0.9 MB) is written piece by piece, each waiting for the parent's reading thread to be
    scheduled: under load the parse's workers spent 0.15-0.45 s blocked in these writes.
    Best effort: without the call, or over the limit, the pipe stays as it was."""
    import fcntl

    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    reader = getattr(getattr(pool, "_outqueue", None), "_reader", None)
    if setter is None or reader is None:
        return
    with suppress(OSError, ValueError):
        fcntl.fcntl(reader.fileno(), setter, RESULT_PIPE_BYTES)


def large_parent(limit: int = LARGE_PARENT_BYTES) -> bool:
    """Whether this process has held more than ``limit`` bytes: what every worker forked
    from it starts with (its RSS counts the pages it shares)."""
    return _peak_bytes() > limit


def _peak_bytes() -> int:
    """The most memory this process has held (an upper bound of what a worker can copy)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, else kB


def _each(func: Callable[[Any], R], run: Sequence[Any]) -> list[R]:
    return list(map(func, run))


def _serial_chunks(
    run: Callable[[Sequence[Any]], list[R]],
    items: Sequence[Any],
    progress: Callable[[int], None] | None,
    size: int,
    gather: Callable[[int, list[R]], Any] | None = None,
) -> Generator[list[Any], None, None]:
    for start in range(0, len(items), size):
        end = min(start + size, len(items))
        part: list[R] = []
        for at in range(start, end, 100):  # (progress is told every 100 items)
            part.extend(run(items[at : min(at + 100, end)]))
            if progress:
                progress(min(100, end - at))
        yield part if gather is None else [gather(start, part)]


def _run_chunk(bounds: tuple[int, int], slot: int) -> list[Any]:
    assert _TASK is not None, "parallel_map's task reaches workers through fork"
    run, items, gather = _TASK
    made = run(items[bounds[0] : bounds[1]])
    if gather is not None:
        made = [gather(bounds[0], made)]
    return made if _BULK is None else _split(made, slot)


class Bulk(Generic[R]):
    """How parallel_chunks brings back results that are mostly bytes (rendered pages: 250 MB
    at 10,000 articles). Through the result pipe, each byte was copied five times (pickled,
    written to the pipe, read in parts, joined, unpickled), the workers waiting for the
    parent's reading thread whenever the pipe was full: ~1-2 CPU s at 10,000 articles on a
    loaded host. Instead a worker copies a chunk's bytes into a slot of memory it shares
    with this process and sends the rest; this process copies them out once.

    ``split(result)`` gives (the rest, to pickle; the bytes), ``join(rest, bytes)`` the
    result again. Bytes that do not fit in the chunk's slot (``slot_bytes``) come back
    pickled, as before."""

    def __init__(
        self,
        split: Callable[[R], tuple[Any, bytes]],
        join: Callable[[Any, bytes], R],
        slot_bytes: int = 8 << 20,
    ) -> None:
        self.split, self.join, self.slot_bytes = split, join, slot_bytes


def _split(made: list[Any], slot: int) -> list[tuple[Any, int | bytes]]:
    """A worker's chunk of results, their bytes put in ``slot``: (rest, length in the slot)
    for each that fits, (rest, bytes) for the others."""
    assert _BULK is not None
    split, shared, size = _BULK
    at = slot * size
    end = at + size
    sent: list[tuple[Any, int | bytes]] = []
    for result in made:
        rest, data = split(result)
        n = len(data)
        if at + n > end:
            sent.append((rest, data))
            continue
        shared[at : at + n] = data
        at += n
        sent.append((rest, n))
    return sent


def _joined(
    sent: list[tuple[Any, int | bytes]],
    join: Callable[[Any, bytes], R],
    shared: mmap.mmap,
    at: int,
) -> list[R]:
    """The results _split sent from the slot at ``at``, their bytes copied out of it."""
    part: list[R] = []
    with memoryview(shared) as view:
        for rest, data in sent:
            if isinstance(data, int):
                part.append(join(rest, view[at : at + data].tobytes()))
                at += data
            else:
                part.append(join(rest, data))
    return part


class Forked(Generic[R]):
    """``func()`` run in a child process forked now, on a core this process leaves idle
    (a cold build's planning is one process): the child inherits what this one holds, as
    the workers do, and sends back only its result, pickled. A thread of this process reads
    it as it comes, so the child never waits for this one. ``lost`` is called on that thread
    if the child ends without sending it (killed); then ``result`` raises."""

    def __init__(self, func: Callable[[], R], lost: Callable[[], None] | None = None) -> None:
        import pickle

        reading, writing = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child
            os.close(reading)
            code = 1
            try:
                import gc

                # (A collection would write to every inherited object's header: copied pages.)
                gc.disable()
                try:
                    sent: tuple[bool, Any] = (True, func())
                except BaseException as exc:  # raised in this process again by result
                    sent = (False, exc)
                try:
                    data = pickle.dumps(sent, pickle.HIGHEST_PROTOCOL)
                except Exception:  # (an error that does not pickle)
                    data = pickle.dumps((False, RuntimeError(repr(sent[1]))))
                with open(writing, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)  # (no atexit handlers, no buffers of the parent's flushed)
        os.close(writing)
        self._sent: tuple[bool, Any] | None = None
        self._reader = threading.Thread(target=self._read, args=(reading, lost), daemon=True)
        self._reader.start()

    def _read(self, reading: int, lost: Callable[[], None] | None) -> None:
        import pickle

        with open(reading, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self._pid, 0)
        if data:
            with suppress(Exception):
                self._sent = pickle.loads(data)
        if self._sent is None and lost is not None:
            lost()

    def ready(self) -> bool:
        """Whether ``result`` would return (or raise) at once."""
        return not self._reader.is_alive()

    def result(self) -> R:
        """The child's result, once sent; its error raised here."""
        self._reader.join()
        if self._sent is None:
            raise ChildProcessError(f"process {self._pid} ended without its result")
        done, value = self._sent
        if not done:
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the child if it has not sent its result yet (the build failed)."""
        if self._reader.is_alive():
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reader.join()
