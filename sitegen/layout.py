"""Graph layouts computed at build time: deterministic, fast, no randomness.

* local_graph: an article, its related articles and theirs, on two rings (article pages).
* site_layout: every article of the site, grouped by main topic: each topic is a disc of
  its articles in a sunflower pattern (stories kept together), discs packed on shelves. It is
  linear in the number of articles, so the graph page's first paint is already a readable map.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import is_not, ne
from typing import Any

from sitegen.model import Article, Edge, RelatedGraph, Slug

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
NODE_SPACING = 10.0  # distance between neighbouring articles in a topic disc
GROUP_GAP = 30.0  # space between topic discs

# The article-page graph: a width x height box, two rings around the article.
LOCAL_WIDTH = 760
LOCAL_HEIGHT = 460
LOCAL_RING1 = 140
LOCAL_RING2 = 215
LOCAL_FIRST = 8  # related articles drawn
LOCAL_SECOND = 12  # their related articles drawn (at most 2 each)


# Not frozen (a frozen dataclass sets each field through object.__setattr__): an article
# page draws some 13 nodes and 13 lines, and local graphs are made for every article page.
@dataclass(slots=True)
class LocalNode:
    slug: Slug
    x: float
    y: float
    ring: int  # 0 the article itself, 1 its related articles, 2 theirs


@dataclass(slots=True)
class LocalEdge:
    source: Slug
    target: Slug
    score: float


def local_graph(
    graph: RelatedGraph, slug: Slug
) -> tuple[tuple[LocalNode, ...], tuple[LocalEdge, ...]]:
    """The article in the middle, its related articles on ring 1, theirs on ring 2
    (placed_local_graph's drawing as a node and an edge object each)."""
    slugs, places, lines = placed_local_graph(graph, slug)
    nodes = tuple(LocalNode(s, p.x, p.y, p.ring) for s, p in zip(slugs, places, strict=True))
    return nodes, tuple(LocalEdge(slugs[a], slugs[b], score) for a, b, score in lines)


# The local graphs planning drew to key the article pages it planned again (serve, after an
# edit), for the renderer to take instead of drawing them again: per slug, for the edge
# lists they were drawn from (this build's: a new dict each build, kept alive here so that
# it cannot be mistaken for another). Each is taken once; the others go with the next build.
# At most _DRAWN_KEPT: pages rendered by workers are not taken from this process's.
LocalGraph = tuple[tuple[LocalNode, ...], tuple[LocalEdge, ...]]
_DRAWN: tuple[dict[Slug, tuple[Edge, ...]], dict[Slug, LocalGraph]] | None = None
_DRAWN_KEPT = 1000


def drawn_local_graph(graph: RelatedGraph, slug: Slug) -> LocalGraph:
    """local_graph, kept for take_local_graph (planning's: see _DRAWN)."""
    global _DRAWN
    if _DRAWN is None or _DRAWN[0] is not graph.edges:
        _DRAWN = (graph.edges, {})
    found = local_graph(graph, slug)
    if len(_DRAWN[1]) < _DRAWN_KEPT:
        _DRAWN[1][slug] = found
    return found


def take_local_graph(graph: RelatedGraph, slug: Slug) -> LocalGraph:
    """local_graph: the one planning drew for this very graph, if it did (once)."""
    found = taken_local_graph(graph, slug)
    return found if found is not None else local_graph(graph, slug)


def taken_local_graph(graph: RelatedGraph, slug: Slug) -> LocalGraph | None:
    """The local graph planning drew for this very graph, if it did (taken once), or None."""
    if _DRAWN is not None and _DRAWN[0] is graph.edges:
        return _DRAWN[1].pop(slug, None)
    return None


class Place:
    """A place of the local graphs' nodes: one object per place (a few hundred in all), so
    that what is made of a place (its numbers as text, the lines from it) can be kept by
    place (hashed by identity). A plain class: a dataclass is made by compiling code, at
    every start of sitegen."""

    __slots__ = ("ring", "shown", "x", "y")

    def __init__(self, x: float, y: float, ring: int) -> None:
        self.x = x
        self.y = y
        self.ring = ring
        # What the views make of the place, kept on it (see views._placed_fields): read as
        # an attribute where a dict keyed by place was looked up for every node drawn.
        self.shown: Any = None  # (views.py's to type)

    def __repr__(self) -> str:
        return f"Place(x={self.x!r}, y={self.y!r}, ring={self.ring!r})"


# local_graph's drawing as places: the article and each related article drawn, in
# local_graph's order, their places, and the lines between them as (index, index, score).
PlacedGraph = tuple[list[Slug], list[Place], list[tuple[int, int, float]]]


def placed_local_graph(graph: RelatedGraph, slug: Slug) -> PlacedGraph:
    """An article page's graph: the article in the middle, its related articles on ring 1,
    theirs on ring 2 (at most 2 each), each at one of a few hundred shared places, and the
    lines between them as node indices; no LocalNode or LocalEdge made for each (the
    renderer's, once per article page)."""
    edges_of = graph.edges
    first = edges_of.get(slug, ())[:LOCAL_FIRST]
    count = len(first)
    # The article and ring 1, each -> its node (an article listed twice: its last one,
    # where its lines go; the article itself listed too: its node on ring 1), and the
    # article's lines to them: made in one loop (two comprehensions were two more calls).
    slugs = [slug]
    index = {slug: 0}
    lines = []
    for edge in first:
        n = len(slugs)
        target = edge.target
        slugs.append(target)
        index[target] = n
        lines.append((0, n, edge.score))
    ring1 = _RING1_PLACES.get(count)
    places = [_CENTRE, *(ring1 if ring1 is not None else _ring1_places(count))]
    placed = set(index)
    # Each pair of ring-1 articles joined once, by the first list that names the other;
    # ring 2's nodes placed as they are found, their lines after all of those.
    joined: set[tuple[int, int]] = set()
    outer: list[tuple[int, int, float]] = []
    by_parent = [0] * (count + 1)  # ring-2 nodes drawn beside each ring-1 node
    room = LOCAL_SECOND
    for edge in first:
        parent = index[edge.target]
        taken = 0
        for further in edges_of.get(edge.target, ()):
            target = further.target
            if target in placed:
                other = index.get(target, 0)
                if other and target != slug:
                    pair = (parent, other) if parent < other else (other, parent)
                    if pair not in joined:
                        joined.add(pair)
                        lines.append((parent, other, further.score))
                continue
            if taken == 2 or not room:
                continue
            k = by_parent[parent]
            by_parent[parent] = k + 1
            outer.append((parent, len(slugs), further.score))
            slugs.append(target)
            places.append(_RING2_PLACES.get((count, parent, k)) or _ring2_place(count, parent, k))
            placed.add(target)
            taken += 1
            room -= 1
    lines += outer
    if len(index) <= count:
        # A list naming an article twice or the article itself (never from relate): its
        # lines go to each article's node (see index), and may repeat.
        lines = _unique([(index.get(slugs[a], a), index.get(slugs[b], b), s) for a, b, s in lines])
    return slugs, places, lines


_CENTRE = Place(LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2, 0)
_RING1_PLACES: dict[int, tuple[Place, ...]] = {}  # (see _ring1_points)
_RING2_PLACES: dict[tuple[int, int, int], Place] = {}  # (count, parent's node, k)


def _ring1_places(count: int) -> tuple[Place, ...]:
    found = _RING1_PLACES[count] = tuple(Place(x, y, 1) for x, y in _ring1_points(count))
    return found


def _ring2_place(count: int, parent: int, k: int) -> Place:
    """The place of the ``k``th article drawn beside the ``parent``th node (ring 1's first
    is 1)."""
    found = _RING2_PLACES[(count, parent, k)] = Place(*_ring2_point(count, parent - 1, k), 2)
    return found


# Where the nodes of the local graphs go. The places come from a few small numbers (how
# many related articles are drawn, a node's place among them, a ring-2 node's among its
# parent's), so every page uses the same couple of hundred points: each is worked out once
# per process (trigonometry, rounding), looked up by those numbers.
_RING1: dict[int, tuple[tuple[float, float], ...]] = {}
_RING2: dict[tuple[int, int, int], tuple[float, float]] = {}


def _ring1_angle(count: int, n: int) -> float:
    """The angle of the ``n``th of ``count`` related articles, the first at the top."""
    return -math.pi / 2 + 2 * math.pi * n / count


def _ring1_points(count: int) -> tuple[tuple[float, float], ...]:
    """The places of ``count`` related articles on ring 1."""
    found = _RING1.get(count)
    if found is None:
        cx, cy = LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2
        found = _RING1[count] = tuple(
            _ring_point(cx, cy, LOCAL_RING1, _ring1_angle(count, n)) for n in range(count)
        )
    return found


def _ring2_point(count: int, parent: int, k: int) -> tuple[float, float]:
    """The place on ring 2 of the ``k``th article drawn beside ring 1's ``parent``th."""
    found = _RING2.get((count, parent, k))
    if found is None:
        cx, cy = LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2
        spread = 2 * math.pi / max(count, 1) / 3
        offset = (-0.5 + k) * spread if count > 1 else k
        angle = _ring1_angle(count, parent) + offset
        found = _RING2[(count, parent, k)] = _ring_point(cx, cy, LOCAL_RING2, angle)
    return found


def _ring_point(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    # Rings are squashed vertically to fit a wide box.
    x = cx + radius * 1.15 * math.cos(angle)
    y = cy + radius * 0.95 * math.sin(angle)
    return (round(x, 1), round(y, 1))


def _unique(lines: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The lines without repeats, either way round, the first of each kept."""
    seen: set[tuple[int, int]] = set()
    out = []
    for line in lines:
        a, b, _score = line
        pair = (a, b) if a < b else (b, a)
        if pair not in seen:
            seen.add(pair)
            out.append(line)
    return out


def main_topic(article: Article) -> Slug | None:
    """The topic an article is filed under on the graph: its first one."""
    return article.topics[0].slug if article.topics else None


# Per topic disc: its members' sort keys, its centre, and their positions.
LayoutMemo = dict[
    str, tuple[list[tuple[Slug, Slug]], tuple[float, float], dict[Slug, tuple[float, float]]]
]


def site_layout(
    articles: Sequence[Article], graph: RelatedGraph, memo: LayoutMemo | None = None
) -> dict[Slug, tuple[float, float]]:
    """x, y of every article: topic discs packed in rows, biggest first. ``memo`` (what the
    last call left in it, updated for the next) gives the positions of a disc whose members
    and centre are unchanged without working them out again."""
    old = dict(memo) if memo is not None else {}
    if memo is not None:
        memo.clear()
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        groups[main_topic(article) or ""].append(article)
    positions: dict[Slug, tuple[float, float]] = {}
    for g, centre in disc_centres({g: len(members) for g, members in groups.items()}).items():
        keys = sorted((graph.cluster_of.get(a.slug, a.slug), a.slug) for a in groups[g])
        hit = old.get(g)
        if hit is not None and hit[0] == keys and hit[1] == centre:
            disc = hit[2]
        else:
            disc = _disc(keys, *centre)
        positions.update(disc)
        if memo is not None:
            memo[g] = (keys, centre, disc)
    return positions


def disc_centres(sizes: Mapping[str, int]) -> dict[str, tuple[float, float]]:
    """The centre of each topic disc (main topic -> its number of articles), packed in
    rows, biggest first (ties by topic), in that order."""
    order = sorted(sizes, key=lambda g: (-sizes[g], g))
    radius = {g: NODE_SPACING * math.sqrt(sizes[g] + 1) for g in order}
    total_area = sum((2 * r + GROUP_GAP) ** 2 for r in radius.values())
    row_width = max(math.sqrt(total_area) * 1.3, 2 * max(radius.values(), default=0.0))
    centres: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for g in order:
        r = radius[g]
        if x > 0 and x + 2 * r > row_width:
            x, y, row_height = 0.0, y + row_height + GROUP_GAP, 0.0
        centres[g] = (x + r, y + r)
        x += 2 * r + GROUP_GAP
        row_height = max(row_height, 2 * r)
    return centres


def _disc(keys: list[tuple[Slug, Slug]], cx: float, cy: float) -> dict[Slug, tuple[float, float]]:
    """The positions of a topic disc's members (sorted by story, then slug) around its
    centre, in a sunflower pattern."""
    disc = {}
    for k, (_, slug) in enumerate(keys):
        dist = NODE_SPACING * math.sqrt(k + 0.5)
        angle = k * GOLDEN_ANGLE
        disc[slug] = (round(cx + dist * math.cos(angle), 2), round(cy + dist * math.sin(angle), 2))
    return disc


MAX_PATCHED = 64  # more articles changed places than this: site_layout in full


def patch_layout(
    old: Sequence[Article],
    new: Sequence[Article],
    by_slug: Mapping[Slug, Article],
    old_cluster_of: dict[Slug, Slug],
    graph: RelatedGraph,
    positions: dict[Slug, tuple[float, float]],
    memo: LayoutMemo,
) -> dict[Slug, tuple[float, float]] | None:
    """site_layout(new, graph, memo), from the last call's: its articles ``old`` (``new``
    by slug: ``by_slug``), their stories ``old_cluster_of``, the ``positions`` it returned
    and the ``memo`` it left (updated in place). When every topic disc keeps its size (an
    article retitled, edited, or one gone and one come in the same topic), every disc keeps
    its centre: only the discs of the articles that changed, or whose story did, are laid
    out again. None when that is not so (``memo`` is then untouched)."""
    if len(old) != len(new):
        return None
    # The places where the article is not the very object of the last call, found in C.
    places = list(compress(range(len(new)), map(is_not, old, new)))
    if len(places) > MAX_PATCHED:
        return None
    before = {old[k].slug: old[k] for k in places}
    after = {new[k].slug: new[k] for k in places}
    left: dict[str, set[Slug]] = defaultdict(set)  # disc -> slugs that left it
    joined: dict[str, set[Slug]] = defaultdict(set)  # disc -> slugs that joined it
    touched: set[str] = set()  # discs to lay out again
    for slug, a in before.items():
        g = main_topic(a) or ""
        touched.add(g)
        b = after.get(slug)
        if b is None or (main_topic(b) or "") != g:
            left[g].add(slug)
    for slug, b in after.items():
        g = main_topic(b) or ""
        touched.add(g)
        was = before.get(slug)
        if was is None or (main_topic(was) or "") != g:
            joined[g].add(slug)
    if any(len(left[g]) != len(joined[g]) for g in touched):
        return None  # a disc grows or shrinks: the centres move
    cluster_of = graph.cluster_of
    if old_cluster_of != cluster_of:
        # Articles whose story is another: their discs' order may differ (found in C).
        moved = set(
            compress(cluster_of, map(ne, map(old_cluster_of.get, cluster_of), cluster_of.values()))
        )
        moved.update(old_cluster_of.keys() - cluster_of.keys())
        for slug in moved:
            found = by_slug.get(slug) or before.get(slug)
            if found is not None:
                touched.add(main_topic(found) or "")
    made: LayoutMemo = {}
    for g in touched:
        hit = memo.get(g)
        if hit is None:
            return None
        members = {slug for _, slug in hit[0]} - left[g] | joined[g]
        keys = sorted((cluster_of.get(slug, slug), slug) for slug in members)
        made[g] = (keys, hit[1], hit[2] if keys == hit[0] else _disc(keys, *hit[1]))
    patched = dict(positions)
    for slug in before.keys() - after.keys():
        del patched[slug]
    for g, entry in made.items():
        memo[g] = entry
        patched.update(entry[2])
    return patched
