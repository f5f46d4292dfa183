"""The cores this process may run on. Only ``os``: the no-change check reads it before any
other module is imported (see sitegen/nochange.py), the process pool to size itself."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on: a container or ``taskset`` can allow fewer than the
    machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # (no affinity on macOS and Windows)
        return os.cpu_count() or 1
