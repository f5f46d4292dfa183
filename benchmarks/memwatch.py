"""Run a command and sample the memory of it and every process it starts (Linux only).

    python benchmarks/memwatch.py [--every 2] [--log FILE] [--pid PID | -- COMMAND ...]

Prints, when the command ends, the peak of the whole process tree's proportional set size
(PSS: shared pages counted once, split between the processes sharing them, so the sum is
what the build costs the machine), the peak RSS of the largest single process (what
``/usr/bin/time`` and wait4 report), and the wall and CPU seconds. With ``--log`` every sample
is written as a line: seconds, tree PSS MB, tree RSS MB, processes, the largest RSS MB.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from each thread's ``children`` list (cheaper than
    reading every process's stat)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in threads:
            with contextlib.suppress(OSError, ValueError):
                todo.extend(
                    int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                )
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(PSS kB, RSS kB) of one process; (0, 0) when it is gone."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return pss, rss


def tree_memory(root: int) -> tuple[int, int, int, int]:
    """(PSS kB, RSS kB, processes, the largest RSS kB) of ``root`` and its descendants."""
    sizes = [_memory(pid) for pid in _tree(root)]
    largest = max((s[1] for s in sizes), default=0)
    return sum(s[0] for s in sizes), sum(s[1] for s in sizes), len(sizes), largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Reading smaps_rollup walks the page tables: ~80 ms for a 500 MB build, more when larger.
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--pid", type=int, help="watch this running process instead")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    start = time.perf_counter()
    proc = subprocess.Popen(command) if not args.pid else None
    root = proc.pid if proc else args.pid
    peak_pss = peak_rss = peak_one = 0
    log = args.log.open("w") if args.log else None
    while proc.poll() is None if proc else os.path.exists(f"/proc/{root}"):
        pss, rss, count, one = tree_memory(root)
        peak_pss, peak_rss, peak_one = max(peak_pss, pss), max(peak_rss, rss), max(peak_one, one)
        if log:
            elapsed = time.perf_counter() - start
            log.write(
                f"{elapsed:8.1f} {pss / 1024:8.0f} {rss / 1024:8.0f} {count:3d} {one / 1024:8.0f}\n"
            )
            log.flush()
        time.sleep(args.every)
    wall = time.perf_counter() - start
    usage = os.times()
    cpu = usage.children_user + usage.children_system
    print(
        f"memwatch: exit {proc.returncode if proc else '?'}, wall {wall:.1f} s, cpu {cpu:.1f} s "
        f"(user {usage.children_user:.1f}, sys {usage.children_system:.1f}), "
        f"peak tree PSS {peak_pss / 1024:.0f} MB, peak tree RSS {peak_rss / 1024:.0f} MB, "
        f"largest process RSS {peak_one / 1024:.0f} MB, load {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    sys.exit(proc.returncode if proc else 0)


if __name__ == "__main__":
    main()
