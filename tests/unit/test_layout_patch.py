"""patch_layout: the graph page's layout patched after an edit (serve) is site_layout's."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sitegen.layout import LayoutMemo, patch_layout, site_layout
from sitegen.model import Article, RelatedGraph, Slug, StoryCluster, Topic

TOPICS = [Topic(name, Slug(name.lower())) for name in ("AI", "Climate", "Health", "Space")]


def article(n: int, rng: random.Random) -> Article:
    return Article(
        slug=Slug(f"story-{n:03d}"),
        source=Path(f"content/{n}.md"),
        title=f"Story {n}",
        excerpt="",
        published=datetime(2021, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(40)),
        url=f"https://news.example.org/{n}",
        urls=(),
        provider=None,
        topics=tuple(rng.sample(TOPICS, rng.randrange(0, 3))),
        images=(),
        related=(),
        quality=None,
        heat=None,
        category="news",
        kind="article",
        draft=False,
        body_html="",
        title_line=2,
    )


def ordered(articles: list[Article]) -> list[Article]:
    """Newest first, ties by slug: the index's order (a new slug may move an article)."""
    return sorted(articles, key=lambda a: (-a.published.timestamp(), a.slug))  # type: ignore[union-attr]


def graph(articles: list[Article], stories: list[list[int]]) -> RelatedGraph:
    clusters, cluster_of = {}, {}
    for members in stories:
        slugs = tuple(articles[k].slug for k in members)
        clusters[slugs[0]] = StoryCluster(slugs[0], slugs, "A story")
        cluster_of.update(dict.fromkeys(slugs, slugs[0]))
    return RelatedGraph({}, clusters, cluster_of, {})


def retitle(a: Article, slug: str) -> Article:
    return dataclasses.replace(a, slug=Slug(slug), title=slug)


@pytest.mark.parametrize("seed", range(12))
def test_patched_layouts_are_full_layouts_after_each_kind_of_edit(seed: int) -> None:
    rng = random.Random(seed)
    base = [article(n, rng) for n in range(80)]
    stories = [[1, 2, 3], [10, 40], [5, 6]]
    before = ordered(base)
    old_graph = graph(base, stories)
    memo: LayoutMemo = {}
    positions = site_layout(before, old_graph, memo)
    edited = list(base)
    k = rng.randrange(80)
    kind = seed % 4
    if kind == 0:  # retitled: a new slug, maybe another place in the order
        edited[k] = retitle(base[k], f"a-{seed}")
    elif kind == 1:  # another body: the same slug and topics, a new object
        edited[k] = dataclasses.replace(base[k], body_html="<p>new</p>")
    elif kind == 2:  # one gone, one come under the same main topic
        twin = next(a for a in base if a is not base[k] and a.topics[:1] == base[k].topics[:1])
        edited[k] = retitle(base[k], f"z-{seed}")
        edited[base.index(twin)] = retitle(twin, f"b-{seed}")
    else:  # retitled and its story changes
        edited[k] = retitle(base[k], f"c-{seed}")
        stories = [[1, 2, 3, k], [10, 40]] if k not in (1, 2, 3, 10, 40) else [[5, 6]]
    after = ordered(edited)
    new_graph = graph(edited, stories)
    by_slug = {a.slug: a for a in after}
    patched = patch_layout(before, after, by_slug, old_graph.cluster_of, new_graph, positions, memo)
    full_memo: LayoutMemo = {}
    expected = site_layout(after, new_graph, full_memo)
    assert patched is not None
    assert patched == expected
    assert list(patched) != [] and memo == full_memo  # the next patch starts from the same


def test_a_disc_that_grows_is_not_patched() -> None:
    rng = random.Random(1)
    base = [article(n, rng) for n in range(30)]
    memo: LayoutMemo = {}
    positions = site_layout(base, graph(base, []), memo)
    k = next(n for n, a in enumerate(base) if a.topics)
    other = next(t for t in TOPICS if t != base[k].topics[0])
    edited = list(base)
    edited[k] = dataclasses.replace(base[k], topics=(other,))
    by_slug = {a.slug: a for a in edited}
    kept = dict(memo)
    assert patch_layout(base, edited, by_slug, {}, graph(edited, []), positions, memo) is None
    assert memo == kept
