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

from sitegen.model import Article, RelatedGraph, Slug

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
    """The article in the middle, its related articles on ring 1, theirs on ring 2."""
    cx, cy = LOCAL_WIDTH / 2, LOCAL_HEIGHT / 2
    nodes = [LocalNode(slug, cx, cy, 0)]
    placed = {slug}
    first = [e for e in graph.edges.get(slug, ())][:LOCAL_FIRST]
    angles: dict[Slug, float] = {}
    for n, edge in enumerate(first):
        angle = -math.pi / 2 + 2 * math.pi * n / len(first)
        angles[edge.target] = angle
        nodes.append(_on_ring(edge.target, cx, cy, LOCAL_RING1, angle, 1))
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
        nodes.append(_on_ring(target, cx, cy, LOCAL_RING2, angles[parent] + offset, 2))
        edges.append(LocalEdge(parent, target, score))
    return tuple(nodes), tuple(_unique(edges))


def _on_ring(slug: Slug, cx: float, cy: float, radius: float, angle: float, ring: int) -> LocalNode:
    where = (cx, cy, radius, angle)
    point = _RING_POINTS.get(where)
    if point is None:
        # Rings are squashed vertically to fit a wide box.
        x = cx + radius * 1.15 * math.cos(angle)
        y = cy + radius * 0.95 * math.sin(angle)
        point = _RING_POINTS[where] = (round(x, 1), round(y, 1))
    return LocalNode(slug, point[0], point[1], ring)


# Where a node at an angle of a ring is drawn. The angles come from a few counts (related
# articles drawn, the node's place among them), so every page uses the same couple of
# hundred points: worked out once per process, not once per node (trigonometry, rounding).
_RING_POINTS: dict[tuple[float, float, float, float], tuple[float, float]] = {}


def _unique(edges: list[LocalEdge]) -> list[LocalEdge]:
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
    order = sorted(groups, key=lambda g: (-len(groups[g]), g))
    radius = {g: NODE_SPACING * math.sqrt(len(groups[g]) + 1) for g in order}
    total_area = sum((2 * r + GROUP_GAP) ** 2 for r in radius.values())
    row_width = max(math.sqrt(total_area) * 1.3, 2 * max(radius.values(), default=0.0))
    positions: dict[Slug, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for g in order:
        r = radius[g]
        if x > 0 and x + 2 * r > row_width:
            x, y, row_height = 0.0, y + row_height + GROUP_GAP, 0.0
        cx, cy = x + r, y + r
        keys = sorted((graph.cluster_of.get(a.slug, a.slug), a.slug) for a in groups[g])
        hit = old.get(g)
        if hit is not None and hit[0] == keys and hit[1] == (cx, cy):
            disc = hit[2]
        else:
            disc = _disc(keys, cx, cy)
        positions.update(disc)
        if memo is not None:
            memo[g] = (keys, (cx, cy), disc)
        x += 2 * r + GROUP_GAP
        row_height = max(row_height, 2 * r)
    return positions


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
