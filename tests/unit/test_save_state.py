"""The build state a build saves: its pages' entries, kept ones as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen.build import BuildResult, _save_state
from sitegen.cache import BuildState
from sitegen.model import OutputPath
from sitegen.render import Page
from sitegen.write import MANIFEST, manifest_stat


class _Saved:
    """Takes what _save_state saves, as BuildCache would be given it."""

    def __init__(self) -> None:
        self.state: BuildState | None = None
        self.quick: Any = None

    def save_state(self, fingerprint: str, state: BuildState) -> None:
        self.state = state

    def save_quick(self, fingerprint: str, quick: Any) -> None:
        self.quick = quick


def page(path: str) -> Page:
    return Page(OutputPath(path), "", (), lambda r: None)  # type: ignore[arg-type,return-value]


def test_kept_pages_keep_their_entries_rendered_ones_get_new_ones_others_are_left_out(
    tmp_path: Path,
) -> None:
    (tmp_path / MANIFEST).write_text("{}")
    old = {
        "a/index.html": ("key a", "hash a", 10),
        "b/index.html": ("key b", "hash b", 20),
        "gone/index.html": ("key gone", "hash gone", 30),
    }
    plan = [page("a/index.html"), page("b/index.html"), page("c/index.html")]
    keys = ["key a", "key b 2", "key c"]
    made = {"b/index.html": ("hash b 2", 21), "c/index.html": ("hash c", 5), "style.css": ("h", 1)}
    kept = {"a/index.html": "hash a"}
    cache = _Saved()
    _save_state(cache, "fp", BuildResult(), [], plan, keys, made, kept, tmp_path, old)  # type: ignore[arg-type]
    assert cache.state is not None
    assert cache.state.pages == {
        "a/index.html": ("key a", "hash a", 10),
        "b/index.html": ("key b 2", "hash b 2", 21),
        "c/index.html": ("key c", "hash c", 5),
    }
    assert cache.state.pages["a/index.html"] is old["a/index.html"]  # the very entry
    # The manifest as the build left it, so that the next build need not check it again.
    assert cache.quick.manifest_file == manifest_stat(tmp_path) is not None
