"""Fuzz target: any bytes through the loader and the normalizer must give an Article or a
`path:line: field: message` Problem, never an exception.

    pip install -e '.[fuzz]'
    python fuzz/fuzz_loader.py -max_total_time=60 fuzz/corpus
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import atheris

with atheris.instrument_imports():
    from sitegen.load import parse_source
    from sitegen.normalize import normalize
    from sitegen.problems import Problem

SHOWN = Path("content/fuzz.md")
UTC = ZoneInfo("UTC")
PROBLEM = re.compile(r"content/fuzz\.md:[1-9]\d*: [^\s:][^:]*: \S.*", re.DOTALL)


def check(data: bytes) -> None:
    doc = parse_source(data, SHOWN)
    problems = [doc] if isinstance(doc, Problem) else normalize(doc, UTC)[1]
    for p in problems:
        if not PROBLEM.fullmatch(str(p)):
            raise AssertionError(f"badly formed problem: {str(p)!r}")


def main() -> None:
    sys.setrecursionlimit(3000)  # the default; a RecursionError is a finding, not a crash
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
