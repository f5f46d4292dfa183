"""Listing cards made for a parallel render's workers are the cards the listings would render."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_sample

from sitegen import parallel
from sitegen.config import theme_dirs
from sitegen.model import Article
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
    board = ahead.card_board([*articles, *articles])  # (each card once)

    def shown(article: Article) -> str:
        # No coverage given: a card the worker made itself would show none.
        return str(ahead.card_html(ahead.views.card(article)))

    try:
        parts = parallel.parallel_chunks(shown, articles, jobs, started=board.fill, max_chunk=3)
        from_board = [card for part in parts for card in part]
    finally:
        board.close()
    lazy = Renderer(config, make_environment(theme_dirs(config)), result.index)
    covered = 0
    for article, made in zip(articles, from_board, strict=True):
        siblings = lazy.graph.siblings(article.slug)
        covered += bool(siblings)
        assert made == lazy.card_html(lazy.views.card(article), siblings)
    assert covered, "the sample site has stories covered by several providers"
