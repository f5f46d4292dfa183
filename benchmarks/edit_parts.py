"""Where a CLI edit's CPU goes: per stage, user and system seconds and minor page faults.

    python benchmarks/edit_parts.py SITE [--kind title|topics|body] [--runs N]

SITE is a site built once with the cache (a copy: its content is edited). Each run edits
one article as bench.py does, waits past the racy window (sitegen.load.RACY_NS), then runs
``sitegen build -q`` in a fresh process, in-process (``main(hold=[])``, the cyclic GC off as
the CLI runs builds), with every ``--profile`` stage wrapped to take the process's
``getrusage`` before and after. Wall time hides what the stages cost on a shared machine;
system time is mostly the minor faults of memory touched for the first time (a fresh
process's every object), which ``--profile`` cannot tell apart from the work itself.
Prints each run and the medians. ``PYTHONDONTWRITEBYTECODE`` is dropped, as in bench.py.
"other" is the rest of the process (interpreter, the no-change check, argparse, the settings,
the imports of later stages as they come, the no-change record's save); the child that the
no-change check forks to look at the output on the other core is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import edit_one  # noqa: E402

RACY_WAIT = 2.2  # seconds: past sitegen.load.RACY_NS, so the edit is read by its stats

# Run in the fresh process: the build with each stage's rusage noted (JSON on stderr's
# last line). "before build" is the interpreter, the no-change check and the imports.
_CHILD = r"""
import contextlib, gc, json, resource, sys
def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return [r.ru_utime, r.ru_stime, r.ru_minflt]
start = usage()
gc.disable()
import sitegen.build as build
stages, timed = {}, build._timed
@contextlib.contextmanager
def noted(result, stage):
    before = usage()
    with timed(result, stage):
        yield
    after = usage()
    row = stages.setdefault(stage, [0.0, 0.0, 0])
    for i in range(3):
        row[i] += after[i] - before[i]
build._timed = noted
sys.argv = ["sitegen", "build", "-q"]
from sitegen.__main__ import main
try:
    main(hold=[])
except SystemExit:
    pass
end = usage()
inside = [sum(row[i] for row in stages.values()) for i in range(3)]
stages["other"] = [end[i] - start[i] - inside[i] for i in range(3)]
stages["total"] = [end[i] - start[i] for i in range(3)]
print(json.dumps(stages), file=sys.stderr)
"""


def run(site: Path, kind: str, count: int) -> dict[str, list[float]]:
    """One edit and the build after it: stage -> [user s, system s, minor faults]."""
    edit_one(site, kind, count)
    os.sync()
    time.sleep(RACY_WAIT)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD], cwd=site, env=env, capture_output=True, text=True
    )
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    if proc.returncode != 0 or not last.startswith("{"):
        raise SystemExit(f"build failed:\n{proc.stderr}")
    stages: dict[str, list[float]] = json.loads(last)
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a site built once with the cache (edited)")
    parser.add_argument("--kind", choices=("title", "topics", "body"), default="title")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=10000, help="bench.py's size (picks the file)")
    args = parser.parse_args()
    runs = []
    for number in range(args.runs):
        stages = run(args.site, args.kind, args.count)
        runs.append(stages)
        total = stages["total"]
        load = os.getloadavg()[0]
        print(
            f"run {number + 1}: user {total[0]:.2f} s, sys {total[1]:.2f} s, "
            f"{int(total[2])} faults (load {load:.1f})"
        )
    print(f"\nmedians of {args.runs} {args.kind} edits:")
    print(f"{'stage':16} {'user s':>7} {'sys s':>7} {'faults':>7}")
    for stage in runs[0]:
        rows = [r[stage] for r in runs if stage in r]
        user, system, faults = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{stage:16} {user:7.3f} {system:7.3f} {faults:7.0f}")


if __name__ == "__main__":
    main()
