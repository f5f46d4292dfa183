"""serve's _unchanged from its last build's (UnchangedMemo): what a full comparison finds."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sitegen import build
from sitegen.write import _write_manifest, read_manifest


def test_pages_taken_from_the_last_build_are_found_as_a_full_comparison_finds(
    tmp_path: Path,
) -> None:
    plan: list[Any] = [SimpleNamespace(path=f"p{n}/index.html") for n in range(8)]
    keys = [f"k{n}" for n in range(8)]
    pages = {p.path: (k, f"d{n}", 10) for n, (p, k) in enumerate(zip(plan, keys, strict=True))}
    pages["p6/index.html"] = ("k6", "blocked", 10)  # made, but not in the manifest
    _write_manifest(tmp_path, {p.path: f"d{n}" for n, p in enumerate(plan)})
    memo = build.UnchangedMemo()
    memo.note(plan, keys, pages, tmp_path)
    manifest = read_manifest(tmp_path, copy=False)
    # The next build: one page planned again with a new key, one replaced by another page
    # object with the same key, one new path; the state the last build saved.
    again = list(plan)
    new_keys = list(keys)
    new_keys[1] = "k1 changed"
    again[2] = SimpleNamespace(path="p2/index.html")
    again[3] = SimpleNamespace(path="new/index.html")
    found = memo.found(again, new_keys, pages, manifest)
    assert found == build._kept_at(again, new_keys, pages, manifest)
    assert found is not None and found[2] == [True, False, True, False, True, True, False, True]
    # Another state or manifest than the ones it was made for: not taken.
    assert memo.found(again, new_keys, dict(pages), manifest) is None
    assert memo.found(again, new_keys, pages, dict(manifest)) is None
    assert memo.found(again[:-1], new_keys[:-1], pages, manifest) is None
