"""Regenerate the golden output: ``python -m tests.golden.update`` (from the repository root).

Rebuilds ``tests/golden/expected/`` and ``tests/golden/problems.txt`` from
``tests/golden/content`` and ``tests/golden/sitegen.toml``. Review the diff before committing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from . import EXPECTED, PROBLEMS, build_golden, site_files


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result, problems = build_golden(Path(tmp) / "site")
        files = site_files(Path(tmp) / "site")
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for rel, data in files.items():
        target = EXPECTED / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    PROBLEMS.write_text("".join(line + "\n" for line in problems), encoding="utf-8")
    print(
        f"golden site: {result.articles} article(s), {len(files)} file(s), "
        f"{len(problems)} problem(s) -> {EXPECTED}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
