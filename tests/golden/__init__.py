"""The golden sample site: ``content/`` built with the fixed ``sitegen.toml`` must give
exactly ``expected/`` (and the problems in ``problems.txt``).

After an intended change to the output, regenerate it with ``python -m tests.golden.update``
and review the diff like code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sitegen.build import BuildResult, build
from sitegen.config import load_config
from sitegen.problems import format_problems
from sitegen.write import MANIFEST

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
PROBLEMS = HERE / "problems.txt"


@contextmanager
def _working_folder(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)  # problem paths are shown relative to it: content/...
    try:
        yield
    finally:
        os.chdir(before)


def build_golden(output: Path) -> tuple[BuildResult, list[str]]:
    """Build the golden site into ``output``; the result and its problem lines."""
    with _working_folder(HERE):
        config = load_config(HERE, HERE / "sitegen.toml", {"output_dir": str(output)})
        result = build(config, log=lambda _line: None)
    return result, format_problems(result.problems, limit_repeats=0)


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by POSIX path, without sitegen's manifest."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
