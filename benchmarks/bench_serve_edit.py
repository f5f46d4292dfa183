"""The in-memory edit path of ``sitegen serve``, in one process: a first build, then edits,
each rebuilt as serve's rebuilder does after the watcher reported the edited file.

    python benchmarks/bench_serve_edit.py SITE [--edits 5] [--what title] [--profile x.prof]

SITE is a site folder (content/ and sitegen.toml, e.g. a copy of a benchmark corpus); its
content files are edited. Prints, per edit, the wall and CPU seconds until the tabs are told
to reload (serve does it once the pages are in place) and of the whole rebuild, and the
stage timings sitegen reports. ``--profile`` writes a cProfile of the edits (not of the first
build); with ``--profile-to-reload`` only of each edit's part before the reload.
``--no-changes`` rebuilds without telling which files changed (a full rescan).
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import edit_one  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--what", choices=("title", "topics", "body"), default="title")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--profile-to-reload",
        action="store_true",
        help="with --profile: profile each edit only until the tabs are told to reload",
    )
    parser.add_argument("--no-changes", action="store_true", help="do not pass the change set")
    parser.add_argument(
        "--keep-cache",
        action="store_true",
        help="keep the site's build cache across changes to sitegen's code (a fixed code hash)",
    )
    args = parser.parse_args()
    site = args.site.resolve()
    os.chdir(site)

    import sitegen.cache
    from sitegen.config import load_config

    if args.keep_cache:
        sitegen.cache.code_hash = lambda: "bench_serve_edit"
    from sitegen.serve import Hub, Rebuilder

    class TimedHub(Hub):
        """Notes when the tabs are told to reload (serve does it before the build ends)."""

        told = (0.0, 0.0)
        profiler: cProfile.Profile | None = None

        def publish(self, event: str, data: dict[str, object]) -> None:
            if event == "reload":
                self.told = (time.perf_counter(), time.process_time())
                if self.profiler and args.profile_to_reload:
                    self.profiler.disable()
            super().publish(event, data)

    config = load_config(site)
    ns = argparse.Namespace(jobs=args.jobs, no_cache=False)
    hub = TimedHub()
    rebuilder = Rebuilder(config, ns, hub)
    start = time.perf_counter()
    rebuilder.run("first build")
    print(f"first build {time.perf_counter() - start:.2f} s", flush=True)
    # CPU time, not wall: the figures stay comparable on a busy machine.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    hub.profiler = profiler
    # (An older sitegen, to compare with, has no change sets.)
    with_changes = "changed" in inspect.signature(rebuilder.run).parameters
    files = sorted((site / "content").rglob("*.md"))
    for i in range(args.edits):
        path = files[(i * 7919 + 13) % len(files)]
        edit_one(site, args.what, 0, path)
        changed = None if args.no_changes else {str(path)}
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        if with_changes:
            result = rebuilder.run(f"edit {i}", changed=changed)
        else:
            result = rebuilder.run(f"edit {i}")
        if profiler:
            profiler.disable()
        told = hub.told[0] - wall, hub.told[1] - cpu
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stages = " ".join(f"{k}={v:.3f}" for k, v in (result.timings if result else {}).items())
        load = os.getloadavg()[0]
        print(
            f"edit {i}: reload after {told[0]:.3f} s, {told[1]:.3f} cpu s; built in {wall:.3f} s, "
            f"{cpu:.3f} cpu s (load {load:.1f})  {stages}",
            flush=True,
        )
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
    rebuilder.cache.flush()  # as serve does when it stops: the next run starts warm


if __name__ == "__main__":
    main()
