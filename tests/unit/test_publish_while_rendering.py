"""The sitemap and the other small files are made while the pages render, not after."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from sitegen import parallel, publish
from sitegen.build import build
from sitegen.config import load_config
from sitegen.write import StagedOutput


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_sitemap_is_made_before_the_last_pages_are_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """(Made after the last page, they kept one core idle at the end of a cold build.)"""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # fork even for a small site
    events: list[str] = []
    publish_files, add = publish.publish_files, StagedOutput.add

    def published(*args: Any, **kwargs: Any) -> Any:
        events.append("published")
        return publish_files(*args, **kwargs)

    def staged(self: StagedOutput, files: Iterable[Any], digests: Any = None) -> None:
        files = list(files)
        events.append("pages" if any(f.path.endswith(".html") for f in files) else "other")
        add(self, files, digests)

    monkeypatch.setattr(publish, "publish_files", published)
    monkeypatch.setattr(StagedOutput, "add", staged)
    overrides = {"output_dir": str(tmp_path / "out"), "base_url": "https://example.org/"}
    config = load_config(ROOT, overrides=overrides)
    build(config, log=lambda _: None, jobs=jobs)
    assert events.count("published") == 1
    last_pages = len(events) - 1 - events[::-1].index("pages")
    assert events.index("published") < last_pages
    assert (tmp_path / "out" / "sitemap.xml").is_file()
