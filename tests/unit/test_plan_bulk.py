"""A plan from scratch makes every article page's deps in bulk (render.PageKeys.article_pages,
over every edge at once): the very strings a plan makes entry by entry, whatever the graph
holds (repeated and odd scores, outside links equal to several entries, an article with no
related list, stories)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sitegen import replan
from sitegen.build import BuildResult, read_articles
from sitegen.cache import page_key
from sitegen.config import SiteConfig, load_config
from sitegen.index import build_index, source_key
from sitegen.model import Edge, RelatedGraph, RelatedLink, SiteIndex, StoryCluster
from sitegen.relate import relate
from sitegen.render import PageKeys, plan_site

REPO = Path(__file__).resolve().parents[2]


def sample() -> tuple[SiteIndex, RelatedGraph, SiteConfig]:
    config = load_config(REPO, None, {})
    index, _ = build_index(read_articles(config, BuildResult()), source_key)
    return index, relate(index, config.related_count), config


# Scores that repeat, need many digits, are 0.0 and -0.0 (equal, written otherwise), whole
# numbers as ints and as floats (likewise).
SCORES: list[list[float]] = [
    [0.5, 0.5, 0.1 + 0.2, 2.5e-05, 1e22, 0.5],
    [0.5, 0.5, 0.0, -0.0, 0.1 + 0.2, 2.5e-05, 0.5],
    [0.5, 1, 1.0, 0.25, 2, 2.0],
]


def odd(
    index: SiteIndex, graph: RelatedGraph, scores: list[float]
) -> tuple[SiteIndex, RelatedGraph]:
    """The site with related lists of these scores, an article whose related entries hold
    two equal to its outside link, and a story of three."""
    slugs = list(index.by_slug)
    edges = {
        slug: tuple(
            Edge(slugs[(n + k + 1) % len(slugs)], scores[(n + k) % len(scores)], ("r", "s")[:k])
            for k in range(n % 6)
        )
        for n, slug in enumerate(slugs)
    }
    link = RelatedLink("Elsewhere", "https://example.org/x", ("https://example.org/x",), None, None)
    first = index.articles[0]
    doubled = dataclasses.replace(
        first, related=(dataclasses.replace(link, title="Other"), link, dataclasses.replace(link))
    )
    articles = [doubled, *index.articles[1:]]
    new_index, _ = build_index(articles, source_key)
    story = StoryCluster(slugs[1], tuple(slugs[1:4]), "A story")
    return new_index, dataclasses.replace(
        graph,
        edges=edges,
        external={**graph.external, first.slug: (link,)},
        clusters={story.id: story},
        cluster_of={s: story.id for s in story.members},
    )


def entry_by_entry(index: SiteIndex, graph: RelatedGraph) -> list[tuple[str, ...]]:
    keys = PageKeys(index, graph, repr)  # a memo kept: never made in bulk
    return [keys.article_page(a) for a in index.articles]


def in_bulk(index: SiteIndex, graph: RelatedGraph) -> PageKeys:
    texts = replan.new_memo(None, "", index, graph).articles
    return PageKeys(index, graph, repr, texts=texts, remember=False)


def test_article_deps_made_in_bulk_are_those_made_entry_by_entry() -> None:
    index, graph, _ = sample()
    for site, related in ((index, graph), *(odd(index, graph, s) for s in SCORES)):
        keys = in_bulk(site, related)
        assert keys.article_pages(site.articles) == entry_by_entry(site, related)
        assert keys._named is not None  # (made in bulk)
        plain = PageKeys(site, related, repr)
        for article in site.articles:
            assert keys.links(article) == plain.links(article)
            assert keys.own(article.slug) == plain.own(article.slug)
            assert keys.near(article.slug) == plain.near(article.slug)


def test_an_article_with_no_related_list_is_planned_entry_by_entry() -> None:
    index, graph, _ = sample()
    site, related = odd(index, graph, SCORES[0])
    gone = site.articles[3].slug
    edges = {s: e for s, e in related.edges.items() if s != gone}
    related = dataclasses.replace(related, edges=edges)
    assert any(e.target == gone for listed in edges.values() for e in listed)
    keys = in_bulk(site, related)
    assert keys.article_pages(site.articles) == entry_by_entry(site, related)


@pytest.mark.parametrize("scores", [None, *SCORES])
def test_a_plan_from_scratch_keys_every_page_as_a_plan_without_the_memo(
    scores: list[float] | None,
) -> None:
    index, graph, config = sample()
    if scores is not None:
        index, graph = odd(index, graph, scores)

    def keys(out: replan.PlanMemo | None) -> dict[str, str]:
        pages = plan_site(index, config, repr, graph, out=out)
        return {p.path: page_key("", p.deps) for p in pages}

    assert keys(replan.new_memo(None, "", index, graph)) == keys(None)


def test_the_memo_entries_made_in_one_loop_are_those_made_one_by_one() -> None:
    index, _, _ = sample()
    first, second, third = index.articles[:3]
    odd_ones = [
        dataclasses.replace(first, provider=None, published=None, topics=()),
        dataclasses.replace(second, topics=second.topics[:1]),
        dataclasses.replace(third, topics=(*third.topics, *third.topics)),
    ]
    for articles in (index.articles, odd_ones):
        made = replan.article_entries(articles)
        assert made == {a.slug: replan._article_entry(a) for a in articles}


def test_topic_counts_counted_in_c_are_those_counted_article_by_article() -> None:
    from collections import Counter
    from itertools import chain

    from sitegen.graphpages import TopicCounts, _topic_pairs
    from sitegen.layout import main_topic

    index, _, _ = sample()
    first = index.articles[0]
    odd_ones = [
        dataclasses.replace(first, topics=()),
        dataclasses.replace(first, topics=first.topics[:1]),
        dataclasses.replace(first, topics=(*reversed(first.topics), *first.topics)),
    ]
    for articles in (index.articles, [*index.articles, *odd_ones]):
        counts = TopicCounts.of(articles, None)
        main = Counter(map(main_topic, articles))
        pairs = Counter(chain.from_iterable(map(_topic_pairs, articles)))
        assert list(counts.main.items()) == list(main.items())
        assert list(counts.pairs.items()) == list(pairs.items())


def test_story_leads_of_listings_with_and_without_stories() -> None:
    from sitegen.graphpages import story_leads

    index, graph, _ = sample()
    site, related = odd(index, graph, SCORES[0])
    members = set(related.cluster_of)
    alone = [a for a in site.articles if a.slug not in members]
    assert story_leads(related.cluster_of, alone) == alone
    leads = story_leads(related.cluster_of, site.articles)
    assert len(leads) == len(site.articles) - len(members) + 1
    assert [a.slug for a in leads if a.slug in members] == [
        next(a.slug for a in site.articles if a.slug in members)
    ]


def test_cards_made_in_bulk_are_those_made_one_by_one() -> None:
    index, graph, _ = sample()
    site, related = odd(index, graph, SCORES[0])
    keys, plain = in_bulk(site, related), PageKeys(site, related, repr)
    chunk = list(reversed(site.articles))
    assert list(keys.cards(chunk)) == [plain.card(a) for a in chunk]
    assert any("\x1d" in c and not c.endswith("\x1d") for c in keys.cards(chunk))  # a story


def test_a_build_without_the_cache_makes_no_page_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the build state and the check for unchanged pages read the page keys."""
    import shutil

    from sitegen import build as build_module

    shutil.copytree(REPO / "content", tmp_path / "content")
    config = load_config(tmp_path, None, {})

    def no_keys(*args: object) -> list[str]:
        raise AssertionError("page keys made")

    monkeypatch.setattr(build_module, "_page_keys", no_keys)
    result = build_module.build(config, use_cache=False, jobs=1, log=lambda _: None)
    assert result.pages and (tmp_path / "output" / "index.html").is_file()
