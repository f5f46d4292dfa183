"""local_graph: the article-page drawing, with its places looked up, is the one it was."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest

from sitegen.layout import (
    LOCAL_FIRST,
    LOCAL_HEIGHT,
    LOCAL_RING1,
    LOCAL_RING2,
    LOCAL_SECOND,
    LOCAL_WIDTH,
    LocalEdge,
    LocalNode,
    PlacedGraph,
    drawn_local_graph,
    local_graph,
    placed_local_graph,
    take_local_graph,
)
from sitegen.model import Edge, RelatedGraph, Slug


def unique_edges(edges: list[LocalEdge]) -> list[LocalEdge]:
    """The edges without repeats, either way round, the first of each kept."""
    seen: set[tuple[Slug, Slug]] = set()
    out = []
    for edge in edges:
        a, b = edge.source, edge.target
        pair = (a, b) if a < b else (b, a)
        if pair not in seen:
            seen.add(pair)
            out.append(edge)
    return out


def drawn_before(
    graph: RelatedGraph, slug: Slug
) -> tuple[tuple[LocalNode, ...], tuple[LocalEdge, ...]]:
    """local_graph as it was written before its places were kept by count and place."""
    cx, cy = LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2
    nodes = [LocalNode(slug, cx, cy, 0)]
    placed = {slug}
    first = [e for e in graph.edges.get(slug, ())][:LOCAL_FIRST]
    angles: dict[Slug, float] = {}

    def on_ring(target: Slug, radius: float, angle: float, ring: int) -> LocalNode:
        x = cx + radius * 1.15 * math.cos(angle)
        y = cy + radius * 0.95 * math.sin(angle)
        return LocalNode(target, round(x, 1), round(y, 1), ring)

    for n, edge in enumerate(first):
        angle = -math.pi / 2 + 2 * math.pi * n / len(first)
        angles[edge.target] = angle
        nodes.append(on_ring(edge.target, LOCAL_RING1, angle, 1))
        placed.add(edge.target)
    edges = [LocalEdge(slug, e.target, e.score) for e in first]
    second: list[tuple[Slug, Slug, float]] = []
    for edge in first:
        taken = 0
        for further in graph.edges.get(edge.target, ()):
            if further.target in placed:
                if further.target != slug and further.target in angles:
                    edges.append(LocalEdge(edge.target, further.target, further.score))
                continue
            if taken == 2 or len(second) == LOCAL_SECOND:
                continue
            second.append((edge.target, further.target, further.score))
            placed.add(further.target)
            taken += 1
    spread = 2 * math.pi / max(len(first), 1) / 3
    by_parent: dict[Slug, int] = defaultdict(int)
    for parent, target, score in second:
        offset = (-0.5 + by_parent[parent]) * spread if len(first) > 1 else by_parent[parent]
        by_parent[parent] += 1
        nodes.append(on_ring(target, LOCAL_RING2, angles[parent] + offset, 2))
        edges.append(LocalEdge(parent, target, score))
    return tuple(nodes), tuple(unique_edges(edges))


def random_graph(rng: random.Random, size: int) -> RelatedGraph:
    slugs = [Slug(f"a{n}") for n in range(size)]
    edges = {}
    for slug in slugs:
        targets = rng.sample([s for s in slugs if s != slug], rng.randrange(0, min(size - 1, 11)))
        edges[slug] = tuple(Edge(t, round(rng.random() * 1.3, 3), ()) for t in targets)
    return RelatedGraph(edges=edges, clusters={}, cluster_of={}, external={})


@pytest.mark.parametrize("seed", range(40))
def test_the_local_graph_is_drawn_where_it_was(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([2, 5, 12, 40])
    for graph in (random_graph(rng, size), graph_with_repeats(rng, size)):
        for slug in graph.edges:
            made = local_graph(graph, slug)
            assert repr(made) == repr(drawn_before(graph, slug))


def test_the_renderer_takes_planning_drawing_only_for_the_same_edge_lists() -> None:
    rng = random.Random(7)
    graph = random_graph(rng, 12)
    slug = next(s for s, e in graph.edges.items() if len(e) > 1)
    drawn = drawn_local_graph(graph, slug)
    assert take_local_graph(graph, slug) is drawn  # planning's, for the same build
    assert take_local_graph(graph, slug) is not drawn  # once only
    assert repr(take_local_graph(graph, slug)) == repr(drawn)
    drawn_local_graph(graph, slug)
    # The next build's lists (a new dict, here with the article's list changed) never get
    # the last build's drawing.
    edges = dict(graph.edges)
    edges[slug] = edges[slug][:1]
    changed = RelatedGraph(edges=edges, clusters={}, cluster_of={}, external={})
    assert repr(take_local_graph(changed, slug)) == repr(local_graph(changed, slug))
    assert repr(take_local_graph(changed, slug)) != repr(drawn)


def graph_with_repeats(rng: random.Random, size: int) -> RelatedGraph:
    """A random graph whose lists may name an article twice or the article itself."""
    slugs = [Slug(f"a{n}") for n in range(size)]
    edges = {
        slug: tuple(
            Edge(rng.choice(slugs), round(rng.random() * 1.3, 3), ())
            for _ in range(rng.randrange(0, 11))
        )
        for slug in slugs
    }
    return RelatedGraph(edges=edges, clusters={}, cluster_of={}, external={})


def from_places(placed: PlacedGraph) -> tuple[tuple[LocalNode, ...], tuple[LocalEdge, ...]]:
    slugs, places, lines = placed
    nodes = tuple(LocalNode(s, p.x, p.y, p.ring) for s, p in zip(slugs, places, strict=True))
    return nodes, tuple(LocalEdge(slugs[a], slugs[b], score) for a, b, score in lines)


@pytest.mark.parametrize("seed", range(40))
def test_the_placed_drawing_is_local_graphs(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([2, 5, 12, 40])
    for graph in (random_graph(rng, size), graph_with_repeats(rng, size)):
        for slug in graph.edges:
            placed = placed_local_graph(graph, slug)
            assert repr(from_places(placed)) == repr(local_graph(graph, slug))
