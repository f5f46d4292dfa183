"""The golden sample site, built with fixed settings, must match ``expected/`` file by file.

After an intended change: ``python -m tests.golden.update``, then review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from . import EXPECTED, PROBLEMS, build_golden, site_files

HINT = "if the change is intended, run: python -m tests.golden.update"


def readable_diff(rel: str, want: bytes, got: bytes, limit: int = 40) -> str:
    try:
        lines = difflib.unified_diff(
            want.decode().splitlines(),
            got.decode().splitlines(),
            f"expected/{rel}",
            f"built/{rel}",
            lineterm="",
        )
        return "\n".join(list(lines)[:limit])
    except UnicodeDecodeError:
        return f"{rel}: binary files differ ({len(want)} vs {len(got)} bytes)"


def test_golden_site_matches_expected_output(tmp_path: Path) -> None:
    result, problems = build_golden(tmp_path / "site")
    built = site_files(tmp_path / "site")
    expected = site_files(EXPECTED)
    missing, extra = sorted(expected.keys() - built.keys()), sorted(built.keys() - expected.keys())
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}\n{HINT}"
    changed = [rel for rel in sorted(expected) if expected[rel] != built[rel]]
    diffs = "\n".join(readable_diff(rel, expected[rel], built[rel]) for rel in changed[:5])
    assert not changed, f"{len(changed)} file(s) differ: {changed}\n{diffs}\n{HINT}"
    assert problems == PROBLEMS.read_text(encoding="utf-8").splitlines(), HINT
    assert result.articles == 7
    assert result.drafts_skipped == 1


def test_golden_site_shows_the_repaired_seed_title() -> None:
    page = (EXPECTED / "articles").glob("it-takes-a-lot-of-energy-for-machines-to-learn-here*")
    html = next(page).joinpath("index.html").read_text(encoding="utf-8")
    assert "Learn – Here&#39;s Why" in html
    assert "â€“" not in html
