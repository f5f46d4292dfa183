"""A cold build's parse workers make what relate reads of each article alone, and relate
only gathers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from sitegen import parallel, relate
from sitegen.build import build
from sitegen.config import load_config


@pytest.mark.parametrize("jobs", [1, 2])
def test_relate_is_given_the_keys_of_every_article_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # a pool even for a small site
    given: list[Any] = []
    real = relate.relate_with_state

    def spy(index: Any, *args: Any) -> Any:
        given.append((index, args[-1]))
        return real(index, *args)

    monkeypatch.setattr(relate, "relate_with_state", spy)
    overrides = {"output_dir": str(tmp_path / "out"), "base_url": "https://example.org/"}
    build(load_config(ROOT, overrides=overrides), log=lambda _: None, jobs=jobs)
    [(index, prepared)] = given
    by_source = {str(keys[0].source): keys for keys in prepared}
    assert len(by_source) >= len(index.articles) > 10
    for article in index.articles:
        keys = by_source[str(article.source)]
        # (Equal but for the article itself: the index may have renamed its slug or topics.)
        assert keys[0].title == article.title
        assert keys[1:] == relate.article_keys(keys[0])[1:]
