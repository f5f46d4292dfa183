"""Page keys reused between builds of one process (render.KeyMemo): a key made from the
same objects is reused, and one whose inputs changed, however far, is made again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sitegen.build import BuildResult, read_articles
from sitegen.config import SiteConfig, load_config
from sitegen.index import build_index, source_key
from sitegen.model import Article, RelatedGraph, SiteIndex
from sitegen.relate import relate
from sitegen.render import KeyMemo, plan_site

REPO = Path(__file__).resolve().parents[2]


def sample() -> tuple[list[Article], SiteConfig]:
    config = load_config(REPO, None, {})
    return read_articles(config, BuildResult()), config


def deps(
    index: SiteIndex, config: SiteConfig, graph: RelatedGraph, memo: KeyMemo | None
) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.path, p.deps) for p in plan_site(index, config, repr, graph, memo)]


def test_a_second_plan_with_the_memo_reuses_its_strings_and_matches() -> None:
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    memo = KeyMemo()
    first = deps(index, config, graph, memo)
    near = dict(memo.near)
    assert near  # the sample site has related articles
    assert deps(index, config, graph, memo) == first
    # Nothing changed: the very strings of the first plan were reused.
    assert all(memo.near[slug][3] is found[3] for slug, found in near.items())


def test_a_provider_renamed_two_hops_away_changes_the_keys_as_a_fresh_plan_does() -> None:
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    memo = KeyMemo()
    deps(index, config, graph, memo)
    # An article that is some article's related article's related article (ring 2).
    hub = next(s for s, edges in graph.edges.items() if edges and graph.edges[edges[0].target])
    far = graph.edges[graph.edges[hub][0].target][0].target
    changed = [
        dataclasses.replace(
            a, provider=dataclasses.replace(a.provider, name=a.provider.name + " renamed")
        )
        if a.slug == far and a.provider
        else a
        for a in index.articles
    ]
    assert changed != list(index.articles)
    # The same graph and every other article object: only the memo could hide the change.
    index2 = dataclasses.replace(
        index, articles=tuple(changed), by_slug={a.slug: a for a in changed}
    )
    assert deps(index2, config, graph, memo) == deps(index2, config, graph, None)
    assert deps(index2, config, graph, None) != deps(index, config, graph, None)
