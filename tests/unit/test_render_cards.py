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


def test_a_listings_cards_are_each_card_with_its_coverage_in_order(tmp_path: Path) -> None:
    config, result = build_sample(tmp_path / "out")
    assert result.index is not None

    def renderer() -> Renderer:
        return Renderer(config, make_environment(theme_dirs(config)), result.index)

    one_by_one = renderer()
    # Covered stories last: cut short, the coverage leaves them out.
    articles = sorted(result.index.articles, key=lambda a: bool(one_by_one.graph.siblings(a.slug)))
    cards = [one_by_one.views.card(a) for a in articles]
    coverage = [one_by_one.graph.siblings(a.slug) for a in articles]
    assert coverage[-1], "the sample site has stories covered by several providers"
    made = renderer().cards_html(cards, coverage)
    assert made == "".join(map(one_by_one.card_html, cards, coverage))
    assert renderer().each_card_html(cards, coverage) == list(
        map(one_by_one.card_html, cards, coverage)
    )
    assert hasattr(made, "__html__")
    uncovered = renderer()
    short = coverage[: coverage.index(coverage[-1])]
    assert renderer().cards_html(cards, short) == "".join(
        [
            *map(uncovered.card_html, cards[: len(short)], short),
            *map(uncovered.card_html, cards[len(short) :]),
        ]
    )
    assert renderer().cards_html(cards, short) != made
