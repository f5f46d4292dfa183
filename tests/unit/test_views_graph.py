"""The local graph's attribute texts, made once per place, are those of each node and line."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from sitegen import views as view_module
from sitegen.layout import LOCAL_WIDTH, local_graph, placed_local_graph
from sitegen.model import Article, Edge, RelatedGraph, RelatedLink, Slug
from sitegen.views import GraphLine, Urls, ViewFactory, local_line, place_node


def test_a_line_prints_its_own_numbers_whatever_was_drawn_before() -> None:
    first = GraphLine(10.5, 20.0, 30.0, 40.25, 1.5).attrs
    assert first == 'x1="10.5" y1="20.0" x2="30.0" y2="40.25" stroke-width="1.5"'
    assert GraphLine(10.5, 20.0, 30.0, 40.25, 2.0).attrs.endswith('stroke-width="2.0"')
    # Equal as keys, printed differently: never taken from the memo of the other.
    assert GraphLine(0.0, 1.0, 2.0, 3.0, 1.0).attrs.startswith('x1="0.0" y1="1.0"')
    assert GraphLine(-0.0, 1.0, 2.0, 3.0, 1.0).attrs.startswith('x1="-0.0" y1="1.0"')


def test_a_node_placed_again_gets_the_same_attributes() -> None:
    made = [place_node("/a/", "A", "A", 500.0, 100.0, 1, 380.0) for _ in range(2)]
    assert made[0] == made[1]
    assert made[0].circle_attrs == 'cx="500.0" cy="100.0" r="8.0"'
    assert made[0].label_attrs == 'x="513.0" y="104.0" text-anchor="start"'
    other = place_node("/b/", "B", "", 200.0, 100.0, 2, 380.0)
    assert other.circle_attrs == 'cx="200.0" cy="100.0" r="5.0"'
    assert other.label_attrs == 'x="190.0" y="104.0" text-anchor="end"'


def test_a_placed_graph_has_the_nodes_and_lines_of_local_graphs_drawing() -> None:
    rng = random.Random(3)
    slugs = [Slug(f"a{n}") for n in range(30)]
    edges = {
        s: tuple(
            Edge(t, rng.choice([0.05, 0.4, 0.77, 1.0, 1.6, 0.0, -0.0]), ())
            for t in rng.sample(slugs, 9)
        )
        for s in slugs
    }
    graph = RelatedGraph(edges=edges, clusters={}, cluster_of={}, external={})
    titles = ["Short", "A title long enough to be cut short on its label", "Quotes “ ” & <b>"]
    by_slug = cast(
        dict[Slug, Article], {s: SimpleNamespace(title=rng.choice(titles)) for s in slugs}
    )
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    drawn = 0
    for _ in range(2):  # (the second time from what the first kept)
        for slug in slugs:
            placed = placed_local_graph(graph, slug)
            drawn += 1
            nodes, lines = local_graph(graph, slug)
            where = {n.slug: n for n in nodes}
            expected = (
                views.graph_nodes(nodes, by_slug, LOCAL_WIDTH / 2),
                [local_line(where[e.source], where[e.target], e.score) for e in lines],
            )
            assert repr(views.placed_graph(placed, by_slug)) == repr(expected)
            assert [line.attrs for line in views.placed_graph(placed, by_slug)[1]] == [
                line.attrs for line in expected[1]
            ]
    assert drawn > 30


def test_a_lines_width_is_worked_out_once_per_score(monkeypatch: pytest.MonkeyPatch) -> None:
    # (round() to 2 places formats and parses the float: ~15 lines a page.)
    slugs = [Slug(f"w{n}") for n in range(6)]
    scores = [0.123456, 0.654321, 1.5, 0.123456, 0.333333, 0.987654]
    graph = RelatedGraph(
        edges={
            s: tuple(Edge(t, score, ()) for t, score in zip(slugs, scores, strict=True))
            for s in slugs
        },
        clusters={},
        cluster_of={},
        external={},
    )
    by_slug = cast(dict[Slug, Article], {s: SimpleNamespace(title=s) for s in slugs})
    rounded: list[float] = []

    def counted(value: float, places: int) -> float:
        rounded.append(value)
        return round(value, places)

    monkeypatch.setattr(view_module, "round", counted, raising=False)
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    widths = [
        [line.width for line in views.placed_graph(placed_local_graph(graph, s), by_slug)[1]]
        for s in slugs
    ]
    assert len(rounded) <= len(set(scores))
    assert {w for drawn in widths for w in drawn} == {
        round(0.8 + 2.2 * min(x, 1.0), 2) for x in scores
    }


def test_a_lines_attributes_are_made_with_it_and_read_as_a_plain_attribute() -> None:
    # (A property was a Python call for each of the ~14 lines of every article page.)
    assert type(GraphLine.__dict__["attrs"]).__name__ == "member_descriptor"
    line = GraphLine(1.5, 2.0, 3.0, 4.0, 0.8)
    assert line.attrs == 'x1="1.5" y1="2.0" x2="3.0" y2="4.0" stroke-width="0.8"'
    assert repr(line) == "GraphLine(x1=1.5, y1=2.0, x2=3.0, y2=4.0, width=0.8)"


def test_an_outside_link_is_viewed_once_for_the_page_and_its_related_list() -> None:
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    link = RelatedLink("Elsewhere", "https://example.com/a", ("https://example.com/a",), None, None)
    made = views.external(link)
    assert views.external(link) is made
    assert (made.url, made.title, made.provider, made.date) == (link.url, "Elsewhere", "", None)
    equal = RelatedLink(
        "Elsewhere", "https://example.com/a", ("https://example.com/a",), None, None
    )
    assert views.external(equal) == made  # (another object: its own view, equal)


def test_an_articles_url_is_its_cards_once_the_card_is_made() -> None:
    views = ViewFactory(Urls("/base/"), ZoneInfo("UTC"))
    assert views.article_url(Slug("a-b")) == "/base/articles/a-b/"
    article = cast(
        Article,
        SimpleNamespace(
            slug=Slug("a-b"),
            title="A",
            excerpt="",
            published=None,
            provider=None,
            topics=(),
            images=(),
            heat=None,
            quality=None,
        ),
    )
    card = views.card(article)
    assert views.article_url(Slug("a-b")) is card.url


def test_a_places_node_fields_are_kept_on_the_place() -> None:
    # (Read as an attribute of the place: a dict keyed by place was looked up per node.)
    slugs = [Slug(f"k{n}") for n in range(4)]
    graph = RelatedGraph(
        edges={s: tuple(Edge(t, 0.5, ()) for t in slugs if t != s) for s in slugs},
        clusters={},
        cluster_of={},
        external={},
    )
    by_slug = cast(dict[Slug, Article], {s: SimpleNamespace(title=s) for s in slugs})
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    placed = placed_local_graph(graph, slugs[0])
    nodes, _ = views.placed_graph(placed, by_slug)
    for place, node in zip(placed[1], nodes, strict=True):
        assert place.shown == (
            node.x,
            node.y,
            node.r,
            node.ring,
            node.anchor,
            node.label_x,
            node.label_y,
            node.circle_attrs,
            node.label_attrs,
        )
