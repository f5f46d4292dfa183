"""Planning after an edit (sitegen/replan.py): the pages planned from the last build's key
are exactly pages whose deps a fresh plan finds unchanged, whatever the change."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sitegen import replan
from sitegen.build import BuildResult, read_articles
from sitegen.cache import page_key
from sitegen.config import SiteConfig, load_config
from sitegen.index import build_index, source_key
from sitegen.model import Article, Provider, RelatedGraph, SiteIndex, Slug, Topic
from sitegen.relate import relate_with_state
from sitegen.render import plan_site

REPO = Path(__file__).resolve().parents[2]
Change = Callable[[list[Article], RelatedGraph], list[Article]]


def sample() -> tuple[list[Article], SiteConfig]:
    config = load_config(REPO, None, {})
    return read_articles(config, BuildResult()), config


def keys_of(
    index: SiteIndex,
    config: SiteConfig,
    graph: RelatedGraph,
    changes: replan.Changes | None = None,
    out: replan.PlanMemo | None = None,
) -> dict[str, tuple[str, bool]]:
    """Each page's key and whether it was planned from the last build's key."""
    pages = plan_site(index, config, repr, graph, changes=changes, out=out)
    return {p.path: (p.key or page_key("", p.deps), bool(p.key)) for p in pages}


def _edited(
    change: Change,
    articles: list[Article],
    config: SiteConfig,
    graph: RelatedGraph,
    state: Any,
    memo: replan.PlanMemo,
    first: dict[str, tuple[str, bool]],
) -> tuple[SiteIndex, RelatedGraph, replan.Changes, str]:
    """The site after ``change``, related from the last build's ``state``, and what replan
    finds changed since the plan whose keys are ``first``, with this build's signatures."""
    view = replan.relate_view(state)  # before relate updates the state in place
    new_index, _ = build_index(change(articles, graph), source_key)
    new_graph, new_state = relate_with_state(new_index, config.related_count, state, repr)
    last = {path: (key, "", 0) for path, (key, _) in first.items()}
    changes, signatures = replan.changes(memo, last, view, new_index, new_graph, repr, new_state)
    assert changes is not None
    return new_index, new_graph, changes, signatures


def _record_story_leads(monkeypatch: pytest.MonkeyPatch) -> list[list[Article]]:
    """The listings whose cards GraphViews works out from here on (until monkeypatch.undo)."""
    from sitegen.graphpages import GraphViews

    worked_out: list[list[Article]] = []
    story_leads = GraphViews.story_leads

    def recorded(self: GraphViews, listed: list[Article]) -> list[Article]:
        worked_out.append(listed)
        return story_leads(self, listed)

    monkeypatch.setattr(GraphViews, "story_leads", recorded)
    return worked_out


def _hub(graph: RelatedGraph) -> Slug:
    """An article whose first related article has related articles too (two hops)."""
    return next(s for s, edges in graph.edges.items() if edges and graph.edges[edges[0].target])


def retitle_far(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    far = graph.edges[graph.edges[_hub(graph)][0].target][0].target
    return [dataclasses.replace(a, title="Retitled") if a.slug == far else a for a in articles]


def rename_provider_far(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    far = graph.edges[graph.edges[_hub(graph)][0].target][0].target
    return [
        dataclasses.replace(a, provider=Provider("Renamed", "", Slug("renamed")))
        if a.slug == far
        else a
        for a in articles
    ]


def retitle_story_member(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    member = next(iter(graph.clusters.values())).members[-1]
    return [dataclasses.replace(a, title="Retitled") if a.slug == member else a for a in articles]


def retitle_lone_new_slug(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    """An article in no story gets a new title and so a new slug."""
    lone = next(a for a in articles[5:] if a.slug not in graph.cluster_of)
    new = dataclasses.replace(lone, title="Retitled alone", slug=Slug("retitled-alone"))
    return [new if a is lone else a for a in articles]


def new_topic(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    first = articles[3]
    topics = (Topic(Slug("brand-new"), "Brand New"), *first.topics)
    return [dataclasses.replace(a, topics=topics) if a is first else a for a in articles]


def new_body(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    return [
        dataclasses.replace(a, body_html=a.body_html + "<p>more</p>") if k == 5 else a
        for k, a in enumerate(articles)
    ]


def drop_one(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    return [a for a in articles if a.slug != _hub(graph)]


def add_one(articles: list[Article], graph: RelatedGraph) -> list[Article]:
    copy = dataclasses.replace(articles[0], title=articles[0].title + " again")
    return [*articles, dataclasses.replace(copy, source=Path("content/copy.md"))]


@pytest.mark.parametrize(
    "change",
    [
        retitle_far,
        rename_provider_far,
        retitle_story_member,
        new_topic,
        new_body,
        drop_one,
        add_one,
    ],
)
def test_pages_planned_from_their_last_key_are_those_a_fresh_plan_finds_unchanged(
    change: Change,
) -> None:
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph, state = relate_with_state(index, config.related_count, None, repr)
    _, signatures = replan.changes(None, None, None, index, graph, repr)
    memo = replan.new_memo(None, signatures, index, graph)
    first = keys_of(index, config, graph, out=memo)
    assert not any(reused for _, reused in first.values())

    view = replan.relate_view(state)  # before relate updates the state in place
    new_index, _ = build_index(change(articles, graph), source_key)
    new_graph, new_state = relate_with_state(new_index, config.related_count, state, repr)
    last = {path: (key, "", 0) for path, (key, _) in first.items()}
    changes, signatures = replan.changes(memo, last, view, new_index, new_graph, repr, new_state)
    assert signatures == replan.changes(None, None, None, new_index, new_graph, repr)[1]
    assert changes is not None
    again = keys_of(
        new_index,
        config,
        new_graph,
        changes,
        replan.new_memo(changes, signatures, new_index, new_graph),
    )
    fresh = keys_of(new_index, config, new_graph)
    assert list(again) == list(fresh)  # the same pages in the same order
    if change is new_body:  # no page planned again in vain: the keys a fresh plan keeps
        kept = [path for path, (key, _) in again.items() if key == first[path][0]]
        assert kept == [path for path, (key, _) in fresh.items() if key == first[path][0]]
    for path, (key, _) in again.items():
        if path in first and key == first[path][0]:
            assert fresh[path][0] == key, path  # a key kept is still right
        if path in first and fresh[path][0] != first[path][0]:
            assert key != first[path][0], path  # a changed page gets a new key


def test_a_relate_state_of_another_build_plans_everything() -> None:
    """The relate state must be the one of the build that left the memo: else no reuse."""
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph, _ = relate_with_state(index, config.related_count, None, repr)
    _, signatures = replan.changes(None, None, None, index, graph, repr)
    memo = replan.new_memo(None, signatures, index, graph)
    first = keys_of(index, config, graph, out=memo)
    other, _ = build_index(retitle_far(articles, graph), source_key)
    _, other_state = relate_with_state(other, config.related_count, None, repr)
    last = {path: (key, "", 0) for path, (key, _) in first.items()}
    view = replan.relate_view(other_state)
    assert replan.changes(memo, last, view, index, graph, repr)[0] is None


@pytest.mark.parametrize(
    "change",
    [
        retitle_far,
        retitle_story_member,
        retitle_lone_new_slug,
        new_body,
        new_topic,
        drop_one,
        add_one,
    ],
)
def test_home_pages_planned_from_the_last_plans_cards_get_a_fresh_plans_keys(
    change: Change, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles in the same order and stories as the last plan (or one in no story replaced
    in its place): the home page's cards are known from the last plan's, not worked out
    again, and every listing page gets the key a fresh plan gives."""

    articles, config = sample()
    config = dataclasses.replace(config, page_size=2)  # many home pages
    index, _ = build_index(articles, source_key)
    graph, state = relate_with_state(index, config.related_count, None, repr)
    _, signatures = replan.changes(None, None, None, index, graph, repr)
    memo = replan.new_memo(None, signatures, index, graph)
    first = keys_of(index, config, graph, out=memo)
    new_index, new_graph, changes, signatures = _edited(
        change, articles, config, graph, state, memo, first
    )
    worked_out = _record_story_leads(monkeypatch)
    out = replan.new_memo(changes, signatures, new_index, new_graph)
    again = keys_of(new_index, config, new_graph, changes, out)
    monkeypatch.undo()
    fresh = keys_of(new_index, config, new_graph)
    assert list(again) == list(fresh)
    # (Other pages planned again may get keys of their own: see the test above.)
    listings = [p for p in fresh if p.startswith(("index", "page/", "topics/", "providers/"))]
    assert [again[p][0] for p in listings] == [fresh[p][0] for p in listings]
    known = change in (retitle_far, retitle_story_member, retitle_lone_new_slug, new_body)
    assert any(listed is new_index.articles for listed in worked_out) != known
    if change is retitle_lone_new_slug:
        assert out.order != memo.order
    # Some home pages were planned again, the others kept their key.
    home = [reused for path, (_, reused) in again.items() if path.startswith(("index", "page/"))]
    if known:
        assert any(home) and not all(home)


@pytest.mark.parametrize(
    "change",
    [retitle_far, retitle_story_member, retitle_lone_new_slug, new_body, new_topic, drop_one],
)
def test_the_graph_pages_common_parts_of_the_last_build_are_reused_only_when_the_same(
    change: Change,
) -> None:
    """serve keeps GraphViews.common between builds (GraphMemo.common): a plan after an edit
    takes it only when it is what this build would make."""
    from sitegen.graphpages import GraphMemo, GraphViews
    from sitegen.render import _replan_site
    from sitegen.views import Urls, ViewFactory

    articles, config = sample()
    urls = Urls(config.base_path)
    index, _ = build_index(articles, source_key)
    graph, state = relate_with_state(index, config.related_count, None, repr)
    _, signatures = replan.changes(None, None, None, index, graph, repr)
    memo = replan.new_memo(None, signatures, index, graph)
    graph_memo = GraphMemo()
    gv = GraphViews(index, graph, ViewFactory(urls, config.tz), graph_memo)
    first = plan_site(index, config, repr, graph, gv=gv, out=memo)
    assert graph_memo.common is not None
    before = graph_memo.common[0]
    keys = {p.path: (page_key("", p.deps), False) for p in first}
    new_index, new_graph, changes, signatures = _edited(
        change, articles, config, graph, state, memo, keys
    )
    out = replan.new_memo(changes, signatures, new_index, new_graph)
    again = GraphViews(new_index, new_graph, ViewFactory(urls, config.tz), graph_memo)
    _replan_site(new_index, config, repr, new_graph, again, changes, out, urls)
    fresh = GraphViews(new_index, new_graph, ViewFactory(urls, config.tz)).common()
    kept = again.common() is before
    assert again.common() == fresh
    assert repr(again.common()) == repr(fresh)
    assert kept == (not changes.common)
    assert kept == (change in (retitle_far, retitle_lone_new_slug, new_body))  # (both ways)
    # A memo of another site's common parts is never taken.
    other = GraphMemo(common=({"legend": ()}, ""))
    views = GraphViews(new_index, new_graph, ViewFactory(urls, config.tz), other)
    views.reuse_common(out.shared)
    assert views.common() == fresh


@pytest.mark.parametrize(
    "change", [retitle_far, retitle_lone_new_slug, new_body, new_topic, drop_one, add_one]
)
def test_topic_pages_planned_from_the_cards_of_this_process_last_plan_get_fresh_keys(
    change: Change, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve's plans keep each topic's and provider's articles and cards (PlannedPages):
    the next plan finds the cards from them when it can, and every listing page gets the
    key a fresh plan gives."""

    articles, config = sample()
    config = dataclasses.replace(config, page_size=2)
    index, _ = build_index(articles, source_key)
    graph, state = relate_with_state(index, config.related_count, None, repr)
    _, signatures = replan.changes(None, None, None, index, graph, repr)
    memo = replan.new_memo(None, signatures, index, graph)
    planned = replan.PlannedPages()
    pages = plan_site(index, config, repr, graph, out=memo, pages_memo=planned)
    first = {p.path: (p.key or page_key("", p.deps), bool(p.key)) for p in pages}
    assert planned.members  # every topic and provider, planned in full
    new_index, new_graph, changes, signatures = _edited(
        change, articles, config, graph, state, memo, first
    )
    worked_out = _record_story_leads(monkeypatch)
    out = replan.new_memo(changes, signatures, new_index, new_graph)
    again = plan_site(
        new_index, config, repr, new_graph, changes=changes, out=out, pages_memo=planned
    )
    monkeypatch.undo()
    fresh = keys_of(new_index, config, new_graph)
    keys = {p.path: p.key or page_key("", p.deps) for p in again}
    assert list(keys) == list(fresh)
    listings = [p for p in fresh if p.startswith(("index", "page/", "topics/", "providers/"))]
    assert [keys[p] for p in listings] == [fresh[p][0] for p in listings]
    if change in (retitle_far, retitle_lone_new_slug, new_body):
        assert worked_out == []  # no listing's cards worked out again
    # The members kept are this plan's: a third plan from them is right too.
    for (folder, _), (members, _, _) in planned.members.items():
        kind, slug = folder.split("/")[:2]
        group = new_index.topics if kind == "topics" else new_index.providers
        assert members == tuple(a.slug for a in group[Slug(slug)].articles)


@pytest.mark.parametrize("seed", range(12))
def test_serve_edge_referrers_find_what_every_edge_gone_through_finds(seed: int) -> None:
    """serve keeps who names each article in its related list (EdgeReferrers), brought up
    to date for the lists that changed: the same articles as from every edge of the site,
    edit after edit; and made again in full when the last lists are not the very ones."""
    import random

    from sitegen.model import Edge

    rng = random.Random(seed)
    slugs = [Slug(f"a{n}") for n in range(30)]

    def ranked(slug: Slug, pool: list[Slug]) -> tuple[Edge, ...]:
        others = [s for s in pool if s != slug]
        return tuple(Edge(t, 0.5, ()) for t in rng.sample(others, rng.randrange(0, 6)))

    edges = {s: ranked(s, slugs) for s in slugs}
    referrers = replan.EdgeReferrers()
    for step in range(8):
        pool = list(edges)
        if step == 5:  # other lists than those it was made for (another relate state)
            edges = {s: tuple([*listed]) for s, listed in edges.items()}
            edges[pool[0]] = ranked(pool[0], pool)
        new = dict(edges)
        for slug in rng.sample(pool, 3):  # lists ranked again, some equal to the last
            new[slug] = ranked(slug, pool) if rng.random() < 0.7 else tuple(edges[slug])
        if step % 3 == 2:  # an article gone: the lists naming it are ranked again
            gone = rng.choice(pool)
            del new[gone]
            pool.remove(gone)
            for slug, listed in new.items():
                if any(e.target == gone for e in listed):
                    new[slug] = ranked(slug, pool)
        changed = replan._changed_lists(edges, new)
        pointing = referrers.of(edges, new, changed)
        graph = RelatedGraph(edges=new, clusters={}, cluster_of={}, external={})
        flat = replan._flat_edges(graph)
        for targets in ({*rng.sample(list(new), 4)}, set(list(new)[:1]), set()):
            assert pointing(targets) == replan._pointing(flat, targets)
        edges = new


def test_serve_next_relate_view_is_the_one_made_from_the_state_while_no_relate_ran() -> None:
    """serve's planning keeps the next build's relate view (ViewMemo): the view relate_view
    makes of the state relate left, and none once another relate changed the state."""
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph, state = relate_with_state(index, config.related_count, None, repr)
    views = replan.ViewMemo()
    replan.changes(None, None, None, index, graph, repr, state, views=views)
    assert views.view is not None
    fresh = replan.relate_view(state)
    kept = replan.relate_view(state, views)
    assert kept is not None and kept == fresh and kept is not fresh
    assert list(kept.keys) == list(fresh.keys) and list(kept.edges) == list(fresh.edges)
    assert views.view is None  # taken once
    # Kept again, then the state changed by another relate (a build that failed later):
    # not taken.
    replan.changes(None, None, None, index, graph, repr, state, views=views)
    first = articles[0]
    edited = [dataclasses.replace(first, title="Another title entirely"), *articles[1:]]
    new_index, _ = build_index(edited, source_key)
    relate_with_state(new_index, config.related_count, state, repr)
    assert replan.relate_view(state, views) == replan.relate_view(state)
    assert views.view is None


def test_site_order_patched_from_the_last_call_is_the_order_made_anew() -> None:
    articles, _ = sample()
    index, _ = build_index(articles, source_key)
    assert replan.site_order(index) == tuple(a.slug for a in index.articles)
    renamed = [dataclasses.replace(a, title=f"Renamed {n}") for n, a in enumerate(articles[:3])]
    for edited in (
        renamed + articles[3:],  # replaced in place (new slugs)
        articles[1:],  # one gone
        list(reversed(articles)),  # all moved
        articles,
    ):
        index, _ = build_index(edited, source_key)
        assert replan.site_order(index) == tuple(a.slug for a in index.articles)


def test_a_plan_from_scratch_takes_the_memos_texts_and_keys_pages_as_without_them() -> None:
    articles, config = sample()
    index, _ = build_index(articles, source_key)
    graph, _ = relate_with_state(index, config.related_count, None, repr)
    plain = keys_of(index, config, graph)  # the texts made from the articles
    memo = replan.new_memo(None, "", index, graph)
    assert keys_of(index, config, graph, out=memo) == plain
    # the memo's texts are those used: other texts give other keys
    memo.articles = {slug: ("other", "other", p) for slug, (_, _, p) in memo.articles.items()}
    assert keys_of(index, config, graph, out=memo) != plain
