"""Progress of long build stages: a bar on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Advance = Callable[[int], None]

# Stages with less work than this finish before a bar would be worth drawing.
MIN_ITEMS = 500


class Progress:
    """Reports stages of ``total`` items; silent when disabled or the stage is small."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Advance]:
        if not self.enabled or total < MIN_ITEMS:
            yield _ignore
            return
        if self.stream.isatty():
            try:
                import rich.console  # only for a terminal: importing it takes a while
                import rich.progress
            except ImportError:  # pragma: no cover - rich is a dependency
                pass
            else:
                with rich.progress.Progress(
                    rich.progress.TextColumn("{task.description}"),
                    rich.progress.BarColumn(),
                    rich.progress.MofNCompleteColumn(),
                    rich.progress.TimeElapsedColumn(),
                    transient=True,
                    console=rich.console.Console(file=self.stream),
                ) as bar:
                    task = bar.add_task(name, total=total)
                    yield lambda n: bar.advance(task, n)
                return
        start = time.perf_counter()
        print(f"sitegen: {name} {total} ...", file=self.stream, flush=True)
        yield _ignore
        seconds = time.perf_counter() - start
        print(f"sitegen: {name} {total} done in {seconds:.2f} s", file=self.stream, flush=True)


def _ignore(_: int) -> None:
    pass
