"""The local graph's attribute texts, made once per place, are those of each node and line."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

from sitegen.layout import LOCAL_WIDTH, local_graph, placed_local_graph
from sitegen.model import Article, Edge, RelatedGraph, Slug
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
        s: tuple(Edge(t, rng.choice([0.05, 0.4, 0.77, 1.0, 1.6]), ()) for t in rng.sample(slugs, 9))
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
