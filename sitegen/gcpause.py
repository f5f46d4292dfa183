"""Pausing Python's cyclic garbage collector around work that makes millions of objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside.

    Relating a site and (un)pickling the build cache make millions of small containers and no
    reference cycles; each collection of the oldest generation would walk all of them again
    (a third of a large relate, more than half of a 30 MB cache's load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
