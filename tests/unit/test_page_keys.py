"""Page keys reused between builds of one process (render.KeyMemo): a key made from the
same objects is reused, and one whose inputs changed, however far, is made again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sitegen.build import BuildResult, read_articles
from sitegen.config import SiteConfig, load_config
from sitegen.index import build_index, source_key
from sitegen.model import Article, Edge, RelatedGraph, SiteIndex, Slug
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
    assert memo.near  # the sample site has related articles
    pages, links = dict(memo.articles), dict(memo.links)
    assert set(links) == set(memo.parts) == set(index.by_slug)
    assert deps(index, config, graph, memo) == first
    # Nothing changed: the very deps of the first plan's article pages were reused, and
    # the graph page's lines.
    assert all(memo.articles[slug][4] is found[4] for slug, found in pages.items())
    assert all(memo.links[slug][2] is found[2] for slug, found in links.items())


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


def _with_edges(graph: RelatedGraph, slug: Slug, edges: tuple[Edge, ...]) -> RelatedGraph:
    return dataclasses.replace(graph, edges={**graph.edges, slug: edges})


def test_a_changed_related_list_changes_the_pages_that_show_it_as_a_fresh_plan_does() -> None:
    """Another article's related list (new scores, one entry dropped) changes its own page and
    the pages that list it as related (their local graph draws its links)."""
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    memo = KeyMemo()
    first = dict(deps(index, config, graph, memo))
    hub = next(s for s, edges in graph.edges.items() if len(edges) >= 2)
    pointing = next(s for s, edges in graph.edges.items() if any(e.target == hub for e in edges))
    edges = tuple(dataclasses.replace(e, score=e.score / 2) for e in graph.edges[hub][:-1])
    changed = _with_edges(graph, hub, edges)
    again = dict(deps(index, config, changed, memo))
    assert again == dict(deps(index, config, changed, None))
    for slug in (hub, pointing):
        path = f"articles/{slug}/index.html"
        assert again[path] != first[path]


def test_a_retitled_related_article_changes_the_pages_two_hops_away_with_the_memo() -> None:
    """A title shows on the pages that list the article and on their neighbours' pages
    (ring 2 of the local graph): with reused deps, exactly as a fresh plan."""
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    memo = KeyMemo()
    first = dict(deps(index, config, graph, memo))
    hub = next(s for s, edges in graph.edges.items() if edges and graph.edges[edges[0].target])
    far = graph.edges[graph.edges[hub][0].target][0].target
    retitled = [dataclasses.replace(a, title="Retitled") if a.slug == far else a for a in articles]
    new_index, _ = build_index(retitled, source_key)
    again = dict(deps(new_index, config, graph, memo))
    assert again == dict(deps(new_index, config, graph, None))
    assert again[f"articles/{hub}/index.html"] != first[f"articles/{hub}/index.html"]
    unchanged = [p for p in first if p.startswith("articles/") and first[p] == again[p]]
    assert unchanged  # the rest kept their deps


def test_a_retitled_story_member_changes_its_siblings_cards_and_pages_with_the_memo() -> None:
    """A story's other articles show a member's title on their cards (coverage) and pages:
    listings and article pages planned with the memo match a fresh plan, and the listings
    that show none of the story keep their very pages."""
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    assert graph.clusters  # the sample site has stories
    memo = KeyMemo()
    first = dict(deps(index, config, graph, memo))
    kept = dict(memo.listings)
    story = next(iter(graph.clusters.values()))
    member = story.members[-1]
    retitled = [
        dataclasses.replace(a, title="Retitled") if a.slug == member else a for a in articles
    ]
    new_index, _ = build_index(retitled, source_key)
    new_graph = relate(new_index, 8)
    again = dict(deps(new_index, config, new_graph, memo))
    assert again == dict(deps(new_index, config, new_graph, None))
    sibling = next(s for s in story.members if s != member)
    if new_graph.cluster_of.get(sibling) == new_graph.cluster_of.get(member):
        path = f"articles/{sibling}/index.html"
        assert again[path] != first[path]
    # Listings without the story's articles reused their pages (the same Page objects).
    untouched = [
        where
        for where, plan in kept.items()
        if not set(plan.slugs) & set(story.members) and where in memo.listings
    ]
    assert untouched
    assert any(memo.listings[where].pages is kept[where].pages for where in untouched)


def test_the_graph_pages_topic_counts_kept_between_builds_match_fresh_ones() -> None:
    """The legend and the topic map count topics once, then only the articles that changed."""
    from sitegen.graphpages import GraphMemo, GraphViews
    from sitegen.views import Urls, ViewFactory

    articles, config = sample()
    views = ViewFactory(Urls(config.base_path), config.tz)
    memo = GraphMemo()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    assert (
        GraphViews(index, graph, views, memo).common() == GraphViews(index, graph, views).common()
    )
    first = articles[0]
    assert first.topics
    moved = [
        dataclasses.replace(a, topics=a.topics[1:] + articles[5].topics) if a is first else a
        for a in articles[:-1]  # one gone, one with other topics
    ]
    index2, _ = build_index(moved, source_key)
    graph2 = relate(index2, 8)
    kept = GraphViews(index2, graph2, views, memo).common()
    assert kept == GraphViews(index2, graph2, views).common()
    assert kept != GraphViews(index, graph, views).common()


def test_graph_page_lines_kept_between_plans_are_made_again_when_a_linked_article_changes() -> None:
    """serve's plans keep each line of the graph page's list (PageKeys.links) while the
    article, its related list and the articles it links to are the very same objects."""
    from sitegen.render import LinksMemo, PageKeys

    articles, _ = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    kept: LinksMemo = {}

    def lines(index: SiteIndex, kept: LinksMemo | None) -> dict[Slug, str]:
        keys = PageKeys(index, graph, repr, kept_links=kept)
        return {a.slug: keys.links(a) for a in index.articles}

    first = lines(index, kept)
    assert first == lines(index, None) and set(kept) == set(first)
    made = {slug: hit[3] for slug, hit in kept.items()}
    assert lines(index, kept) == first
    assert all(kept[slug][3] is text for slug, text in made.items())  # reused
    # A retitled article that others link to (its slug kept): their lines are made again.
    target = next(e.target for edges in graph.edges.values() for e in edges)
    edited = [dataclasses.replace(a, title="Retitled") if a.slug == target else a for a in articles]
    index, _ = build_index(edited, source_key)
    again = lines(index, kept)
    assert again == lines(index, None)
    changed = {slug for slug in again if again[slug] != first[slug]}
    assert target in changed and len(changed) > 1


def test_graph_page_lines_warmed_by_serve_first_build_are_those_a_plan_makes() -> None:
    """serve's first build makes every line of the graph page's list into its kept pages
    (warm_planned_pages): the same lines a plan makes, which the next plan then reuses."""
    from sitegen.render import PageKeys, warm_planned_pages
    from sitegen.replan import PlannedPages

    articles, _ = sample()
    index, _ = build_index(articles, source_key)
    graph = relate(index, 8)
    planned = PlannedPages()
    warm_planned_pages(index, graph, repr, planned)
    fresh = PageKeys(index, graph, repr)
    assert {slug: hit[3] for slug, hit in planned.links.items()} == {
        a.slug: fresh.links(a) for a in index.articles
    }
    assert set(planned.shown) == {a.slug for a in index.articles}
    made = dict(planned.links)
    keys = PageKeys(index, graph, repr, KeyMemo(shown=planned.shown), kept_links=planned.links)
    assert all(keys.links(a) is made[a.slug][3] for a in index.articles)  # reused
    # Each topic's and provider's articles and cards, as a plan keeps them.
    from sitegen.graphpages import GraphViews
    from sitegen.views import Urls, ViewFactory

    gv = GraphViews(index, graph, ViewFactory(Urls("/"), None))
    for kind, group in (("topic", index.topics), ("provider", index.providers)):
        for listing in group.values():
            members, leads, cluster_of = planned.members[
                (f"{kind}s/{listing.slug}/", f"{kind}.html")
            ]
            assert members == tuple(a.slug for a in listing.articles)
            assert leads == tuple(a.slug for a in gv.story_leads(listing.articles))
            assert cluster_of is graph.cluster_of
