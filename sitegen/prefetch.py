"""Have the kernel read the content files a build is about to parse, all at once.

A parse reads its files one at a time in each worker: on a disk that does not hold them
in its page cache (the first build after a boot, a large site not built for a while) every
file is a wait for the disk, two at a time on two cores. 100,000 digests read so took
9-15 s on a virtual disk, against under 3 s when the reads were asked for together. So a
small child process asks for every file first (``posix_fadvise(WILLNEED)``: the kernel
queues the reads and returns), while the workers parse; files already in memory cost it a
few microseconds each.

A process, not a thread: the build forks its workers while this runs, and a fork with a
second thread alive is unsafe.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress

# Fewer files than this are read before a child would be of use (a few ms on any disk).
MIN_PREFETCH_FILES = 400


def supported() -> bool:
    return hasattr(os, "fork") and hasattr(os, "posix_fadvise")


def advise_all(paths: Iterable[str]) -> int:
    """Ask for every readable file of ``paths`` to be read into the page cache; returns how
    many were asked for. A file that cannot be opened is left to the parse, which reports it."""
    asked = 0
    flags = os.O_RDONLY | getattr(os, "O_NOATIME", 0)
    for path in paths:
        try:
            fd = os.open(path, flags)
        except PermissionError:  # O_NOATIME needs the file's owner: open it plainly
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            asked += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return asked


class Prefetch:
    """A child process that runs ``advise_all(paths)``, started now; ``stop`` ends and
    reaps it. Where fork or posix_fadvise is missing, or for a few files, nothing runs."""

    def __init__(self, paths: list[str]) -> None:
        self.pid = 0
        if len(paths) < MIN_PREFETCH_FILES or not supported():
            return
        try:
            pid = os.fork()
        except OSError:  # (no memory or process slot for it: the parse reads as before)
            return
        if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
            try:
                advise_all(paths)
            finally:
                os._exit(0)  # (no atexit handlers, no buffers of the parent's flushed)
        self.pid = pid

    def stop(self) -> None:
        """End the child if it still runs (its reads are only hints) and reap it."""
        if self.pid <= 0:
            return
        with suppress(ChildProcessError):
            done, _status = os.waitpid(self.pid, os.WNOHANG)
            if done == 0:
                with suppress(ProcessLookupError):
                    os.kill(self.pid, 9)  # SIGKILL
                os.waitpid(self.pid, 0)
        self.pid = 0  # reaped: the pid may be another process's from now on

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
