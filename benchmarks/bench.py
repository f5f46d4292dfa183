"""Benchmark sitegen builds: cold, no-change, one edit, and serve's edit-to-reload time.

    python benchmarks/bench.py [--sizes 1000 10000] [--with-100k] [--jobs N] [--seed S]

For each size a corpus is generated (benchmarks/corpus.py, cached by size and seed) and
``sitegen build --profile`` runs in a fresh process per measurement. Prints one table row
per run: wall seconds, ms per article, peak RSS of the largest process, peak memory of the
build and its workers together (PSS, sampled every 2 s: shared pages counted once), output files and
bytes, and the time of each stage as sitegen reports it. ``--cold-only`` skips the
incremental runs (a 100,000-article cold build alone takes many minutes); ``--serve-only``
measures only serve's edit to reload, on the site the last run left; ``--serve-edits N``
times N edits of one running server (title and topics in turn) and prints their median and
slowest.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from memwatch import tree_memory  # noqa: E402

SERVE_TARGET = 0.3  # seconds from an edit to the reload (the edit loop's target)
WORK = Path(os.environ.get("SITEGEN_BENCH_DIR", Path(tempfile.gettempdir()) / "sitegen-bench"))
STAGES = (
    "scan",
    "cache check",
    "read cache",
    "load+normalize",
    "index",
    "relate",
    "plan",
    "render",
    "feeds+sitemap",
    "write",
    "save cache",
)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        ram = "RAM unknown"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({model}), {ram}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at start"
    )


def prepare(n: int, seed: int) -> Path:
    site = WORK / f"site-{n}-{seed}"
    if not (site / "content").is_dir():
        print(f"generating {n} digests ...", file=sys.stderr)
        generate(n, seed, site / "content")
    # The full site (feeds, sitemap with a base URL); search is a separate tool, left out.
    (site / "sitegen.toml").write_text(
        'title = "Benchmark"\nbase_url = "https://bench.example.org/"\nsearch = false\n',
        encoding="utf-8",
    )
    return site


def run_build(site: Path, jobs: int | None, *extra: str) -> dict[str, float | str]:
    """One ``sitegen build`` in a fresh process: wall time, peak RSS, stage times."""
    cmd = [sys.executable, "-m", "sitegen", "build", "--profile", *extra]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Each run starts with the last one's files on disk: a cold build leaves ~250 MB of
    # pages for the kernel to write out, work on the same disk that would otherwise overlap
    # the next run.
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(2.0):  # a sample costs ~0.1 s of CPU at 10,000 articles
            peak[0] = max(peak[0], tree_memory(proc.pid)[0] / 1024)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    # The pool's workers are the build's children: wait4 on the build reports the largest
    # of them and the build itself.
    rss = _peak_rss(proc)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{err.decode()}")
    row: dict[str, float | str] = {"wall": wall, "rss_mb": rss, "cpu": _CPU.pop(proc.pid, 0.0)}
    row["tree_mb"] = peak[0]
    for line in err.decode().splitlines():
        m = re.match(r"^(\S+(?: \S+)?)\s+(\d+\.\d+)$", line)
        if m:
            row[m.group(1)] = float(m.group(2))
    row["summary"] = out.decode().strip().splitlines()[-1] if out.strip() else ""
    return row


_RSS: dict[int, float] = {}
_CPU: dict[int, float] = {}  # user + system seconds of the build and its waited-for workers


def _peak_rss(proc: subprocess.Popen[bytes]) -> float:
    return _RSS.pop(proc.pid, float("nan"))


class _Popen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen that reaps with wait4, keeping the child's peak RSS (kB on Linux)."""

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid:
            _RSS[pid] = usage.ru_maxrss / 1024
            _CPU[pid] = usage.ru_utime + usage.ru_stime
        return pid, status


subprocess.Popen = _Popen  # type: ignore[misc]


def output_size(site: Path) -> tuple[int, int]:
    files = total = 0
    for folder, _, names in os.walk(site / "output"):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(folder, name))
    return files, total


def edited_file(site: Path, n: int) -> Path:
    """The content file the edits at size ``n`` change."""
    return sorted((site / "content").rglob("*.md"))[len(str(n)) * 7 % 97]


def edit_one(site: Path, what: str, n: int, path: Path | None = None) -> None:
    """Change one article's title, topics or body text, as a writer would."""
    if path is None:
        path = edited_file(site, n)
    text = path.read_text(encoding="utf-8")
    if what == "title":
        # The last edit's mark replaced, not added to: repeated runs made the title longer
        # than max_title_chars (shortened, with a warning each build), not an edit's cost.
        text = re.sub(r'title: "(Edit \d+ )*', f'title: "Edit {time.time_ns()} ', text, count=1)
    elif what == "topics":
        # A topic the article lacks (one it already has would make the edit a no-op);
        # when it has them all, they are taken away again, which is an edit too.
        lines = [f'  - "Bench Topic {i}"\n' for i in range(7)]
        missing = [line for line in lines if line not in text]
        if missing:
            text = text.replace("topics:\n", "topics:\n" + missing[0], 1)
        else:
            for line in lines:
                text = text.replace(line, "")
    else:  # the body: a line added at the end
        text = text.rstrip("\n") + f"\n\nEdited {time.time_ns()}.\n"
    path.write_text(text, encoding="utf-8")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_reload(site: Path, jobs: int | None, edits: int = 1) -> list[tuple[float, float]]:
    """Seconds from saving a content file to the ``reload`` event of ``sitegen serve``, and
    the CPU seconds the server spent in between (wall time is noisy on a shared machine):
    for each of ``edits`` edits of one running server, title and topics edits in turn, each
    made once the last rebuild has ended and settled."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cmd = [sys.executable, "-m", "sitegen", "serve", "--port", "0"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    proc = subprocess.Popen(cmd, cwd=site, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = 0
        for line in proc.stdout:
            if "serving http://" in line:
                port = int(line.rsplit(":", 1)[1].split("/")[0])
            if "watching for changes" in line:
                break
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/__sitegen/events")
        response = conn.getresponse()
        got = threading.Event()

        def read() -> None:
            for raw in response:
                if raw.startswith(b"event: reload"):
                    got.set()

        threading.Thread(target=read, daemon=True).start()
        time.sleep(1.0)
        # Found before the clock starts: listing 10,000 files took 0.05-0.3 s of the time.
        path = edited_file(site, 1)
        timings: list[tuple[float, float]] = []
        for number in range(edits):
            got.clear()
            start, cpu = time.perf_counter(), _cpu_seconds(proc.pid)
            edit_one(site, ("title", "topics")[number % 2], 1, path)
            if not got.wait(300):
                return [*timings, (float("nan"), float("nan"))]
            timings.append((time.perf_counter() - start, _cpu_seconds(proc.pid) - cpu))
            if number + 1 < edits:
                # The rest of the rebuild (after the reload) ends with this line; then the
                # server tidies its memory: the next edit comes to an idle server, as a
                # writer's does.
                for line in proc.stdout:
                    if line.startswith("sitegen: built"):
                        break
                time.sleep(1.0)
        return timings
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--with-100k", action="store_true", help="also build 100,000 articles")
    parser.add_argument("--jobs", type=int, default=None, help="sitegen --jobs (default: cores)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-serve", action="store_true", help="skip the serve measurement")
    parser.add_argument(
        "--serve-edits",
        type=int,
        default=1,
        help="edits timed in one running server (title and topics in turn; default 1)",
    )
    parser.add_argument("--cold-only", action="store_true", help="only the cold build per size")
    parser.add_argument(
        "--serve-only",
        action="store_true",
        help="only serve's edit to reload, on the site as the last run left it (see also "
        "benchmarks/bench_serve_edit.py: serve's rebuilds in one process, with a profile)",
    )
    args = parser.parse_args()
    sizes = [*args.sizes, *([100_000] if args.with_100k else [])]
    print(f"machine: {machine()}")
    head = f"{'articles':>8} {'run':<12} {'wall s':>7} {'cpu s':>7} {'ms/art':>7} {'RSS MB':>7} "
    head += f"{'tree MB':>7} "
    head += f"{'files':>7} {'MB out':>7}  " + " ".join(f"{s[:9]:>9}" for s in STAGES)
    print(head)
    for n in sizes:
        site = prepare(n, args.seed)
        if args.serve_only:
            print_serve(n, serve_reload(site, args.jobs, args.serve_edits))
            continue
        # Moved aside and deleted after the runs: a folder of 12,000 pages deleted right
        # before the cold build made its write stage several times slower (the file system
        # was still freeing the old one), which is no cost of sitegen's.
        trash = site / f".bench-trash-{os.getpid()}"
        trash.mkdir()
        for old in ("output", ".sitegen-cache"):
            if (site / old).exists():
                (site / old).rename(trash / old)
        runs = [
            ("cold", None),
            ("no change", None),
            ("edit title", "title"),
            ("edit topics", "topics"),
            ("edit body", "body"),
            ("no change", None),
        ]
        if args.cold_only:
            runs = runs[:1]
        for name, edit in runs:
            if edit:
                edit_one(site, edit, n)
            row = run_build(site, args.jobs)
            files, size = output_size(site)
            stages = " ".join(f"{row.get(s, 0.0):9.3f}" for s in STAGES)
            wall = float(row["wall"])
            print(
                f"{n:>8} {name:<12} {wall:7.2f} {row['cpu']:7.2f} {wall * 1000 / n:7.3f} "
                f"{row['rss_mb']:7.0f} {row['tree_mb']:7.0f} "
                f"{files:>7} {size / 1e6:7.1f}  {stages}",
                flush=True,
            )
        shutil.rmtree(trash, ignore_errors=True)
        if not args.no_serve and not args.cold_only:
            print_serve(n, serve_reload(site, args.jobs, args.serve_edits))


def print_serve(n: int, timings: list[tuple[float, float]]) -> None:
    """The serve row: the edit's time, or each edit's with their median and slowest."""
    for wall, cpu in timings:
        print(f"{n:>8} serve: edit to reload {wall:.2f} s, {cpu:.2f} cpu s", flush=True)
    if len(timings) > 1:
        walls = [wall for wall, _ in timings]
        over = sum(wall > SERVE_TARGET for wall in walls)
        print(
            f"{n:>8} serve: {len(walls)} edits, median {statistics.median(walls):.3f} s, "
            f"slowest {max(walls):.2f} s, {over} over {SERVE_TARGET} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
