"""Listing cards made ahead of a parallel render are the cards the listings would render."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_sample

from sitegen import parallel
from sitegen.config import theme_dirs
from sitegen.render import Renderer, make_environment


@pytest.mark.parametrize("jobs", [1, 2])
def test_cards_made_ahead_are_the_cards_listings_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # fork even for a small site
    config, result = build_sample(tmp_path / "out")
    assert result.index is not None
    articles = result.index.articles
    ahead = Renderer(config, make_environment(theme_dirs(config)), result.index)
    ahead.make_cards([*articles, *articles], jobs)  # (each card once)
    assert len(ahead._card_html) == len(articles)
    lazy = Renderer(config, make_environment(theme_dirs(config)), result.index)
    covered = 0
    for article in articles:
        siblings = lazy.graph.siblings(article.slug)
        covered += bool(siblings)
        made = ahead._card_html[ahead.urls.article(article.slug)]
        assert made == lazy.card_html(lazy.views.card(article), siblings)
    assert covered, "the sample site has stories covered by several providers"
