"""The relate stage: explicit links, computed scores, story clusters, determinism."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.build import BuildResult, read_articles
from sitegen.config import load_config
from sitegen.index import build_index
from sitegen.model import Article, Provider, RelatedGraph, RelatedLink, SiteIndex, Slug, Topic
from sitegen.relate import MIN_SCORE, relate
from sitegen.slugs import slugify

ROOT = Path(__file__).resolve().parents[2]
DAY0 = datetime(2020, 12, 15, 12, 0, tzinfo=UTC)


def article(
    title: str,
    *,
    topics: tuple[str, ...] = (),
    excerpt: str = "",
    urls: tuple[str, ...] = (),
    related: tuple[RelatedLink, ...] = (),
    days: float | None = 0.0,
    provider: str = "Example News",
) -> Article:
    return Article(
        slug=slugify(title),
        source=Path(f"content/{slugify(title)}.md"),
        title=title,
        title_line=2,
        excerpt=excerpt,
        published=None if days is None else DAY0 + timedelta(days=days),
        url=urls[0] if urls else "",
        urls=urls,
        provider=Provider(provider, "", slugify(provider)),
        topics=tuple(Topic(t, slugify(t)) for t in topics),
        images=(),
        related=related,
        quality=None,
        heat=None,
        category="news",
        kind="article",
        draft=False,
        body_html="",
    )


def link(title: str, *urls: str) -> RelatedLink:
    return RelatedLink(title, urls[0] if urls else "", tuple(urls), None, None)


def site(*articles: Article) -> SiteIndex:
    index, _ = build_index(articles)
    return index


def targets(graph: RelatedGraph, title: str) -> list[str]:
    return [e.target for e in graph.edges[slugify(title)]]


def reasons(graph: RelatedGraph, source: str, target: str) -> tuple[str, ...]:
    edge = next(e for e in graph.edges[slugify(source)] if e.target == slugify(target))
    return edge.reasons


# -- explicit links --------------------------------------------------------------------------

TARGET_URLS = (
    "https://techxplore.com/news/2020-12-energy-ai.html",
    "https://www.govtech.com/computing/energy-ai.html",
)


@pytest.mark.parametrize(
    "url",
    [
        "https://techxplore.com/news/2020-12-energy-ai.html",
        "http://www.techxplore.com/news/2020-12-energy-ai.html/",
        "https://techxplore.com/news/2020-12-energy-ai.amp",
        "https://techxplore-com.cdn.ampproject.org/c/s/techxplore.com/news/2020-12-energy-ai.amp",
        "https://www.govtech.com/computing/energy-ai.html?AMP",
        "https://www.govtech.com/amp/computing/energy-ai.html",
        "https://www.govtech.com/computing/energy-ai.html?outputType=amp&utm_source=rss",
    ],
)
def test_a_related_entry_resolves_by_any_url_variant(url: str) -> None:
    target = article("Solar farms", urls=TARGET_URLS, topics=("Energy",))
    source = article("Wind parks", related=(link("Some other title", url),), topics=("Wind",))
    graph = relate(site(source, target))
    assert targets(graph, "Wind parks") == [target.slug]
    assert "linked by the source" in reasons(graph, "Wind parks", "Solar farms")
    assert "links to this article" in reasons(graph, "Solar farms", "Wind parks")
    assert graph.external[source.slug] == ()


def test_a_related_entry_without_urls_resolves_by_title() -> None:
    target = article("Covid lockdowns caused record fall in CO2 emissions", topics=("Climate",))
    entry = link("COVID lockdowns caused record fall in CO2 emissions!")
    source = article("Corona-Lockdowns senkten den CO2-Ausstoss", related=(entry,), topics=("X",))
    graph = relate(site(source, target))
    assert targets(graph, source.title) == [target.slug]


def test_a_url_match_wins_over_a_title_match() -> None:
    by_url = article("Moon lander lands", urls=("https://a.example/moon",))
    by_title = article("Private lander touches down")
    entry = link("Private lander touches down", "https://a.example/amp/moon")
    source = article("Space roundup", related=(entry,))
    graph = relate(site(source, by_url, by_title))
    assert targets(graph, "Space roundup")[0] == by_url.slug


def test_unresolved_entries_stay_external_links_once_each() -> None:
    outside = link("Tracking ML carbon", "https://elsewhere.example/carbon/")
    again = link("Tracking ML carbon (AMP)", "https://elsewhere.example/carbon/amp/")
    only_title = link("An untitled rumour")
    source = article("AI energy use", related=(outside, again, only_title))
    graph = relate(site(source))
    assert graph.external[source.slug] == (outside, only_title)
    assert graph.edges[source.slug] == ()


def test_self_links_are_dropped() -> None:
    own = "https://news.example/ai-energy"
    source = article(
        "AI energy use",
        urls=(own,),
        related=(link("Itself by URL", own + "?AMP"), link("AI Energy Use")),
        topics=("AI",),
    )
    graph = relate(site(source, article("Unrelated gardening tips", topics=("Garden",))))
    assert graph.edges[source.slug] == ()
    assert graph.external[source.slug] == ()


def test_cyclic_links_give_edges_both_ways() -> None:
    a = article(
        "Alpha story", urls=("https://x.example/a",), related=(link("b", "https://x.example/b"),)
    )
    b = article(
        "Beta story", urls=("https://x.example/b",), related=(link("c", "https://x.example/c"),)
    )
    c = article(
        "Gamma story", urls=("https://x.example/c",), related=(link("a", "https://x.example/a"),)
    )
    graph = relate(site(a, b, c))
    for one, other in [(a, b), (b, c), (c, a)]:
        assert other.slug in targets(graph, one.title)
        assert one.slug in targets(graph, other.title)


# -- computed edges --------------------------------------------------------------------------


def test_articles_with_nothing_in_common_are_not_related() -> None:
    a = article("Chip shortage hits carmakers", topics=("Semiconductors",), excerpt="chips")
    b = article("Gardeners plant tulips early", topics=("Gardening",), excerpt="bulbs")
    graph = relate(site(a, b))
    assert graph.edges == {a.slug: (), b.slug: ()}


def test_every_edge_reaches_the_minimum_score_and_lists_are_ranked() -> None:
    graph = relate(sample_site())
    for edges in graph.edges.values():
        assert all(e.score >= MIN_SCORE for e in edges)
        keys = [(-e.score, e.target) for e in edges]
        assert keys == sorted(keys)


def test_weak_links_fall_below_the_threshold() -> None:
    # One shared, very common topic and a year apart: too weak to show.
    common = [
        article(f"Story number {n} about things", topics=("News",), days=n) for n in range(30)
    ]
    old = article("Archive piece on pottery", topics=("News", "Pottery", "Craft"), days=-365)
    graph = relate(site(old, *common))
    assert graph.edges[old.slug] == ()


def test_shared_rare_topics_beat_shared_common_topics() -> None:
    base = article("Battery swap stations", topics=("EV", "Batteries"), days=0)
    rare = article("Solid-state cells", topics=("Batteries",), days=30)
    common = article("Car sales", topics=("EV",), days=30)
    filler = [article(f"EV note {n}", topics=("EV",), days=60 + n) for n in range(10)]
    graph = relate(site(base, rare, common, *filler))
    ranked = targets(graph, base.title)
    assert ranked[0] == rare.slug
    assert common.slug not in ranked[:1]
    assert reasons(graph, base.title, rare.title)[0] == "shared topics: Batteries"


def test_top_k_keeps_the_best_count_with_ties_broken_by_slug() -> None:
    hub = article("Hub", topics=("Robotics",), days=0)
    spokes = [article(f"Robot {c}", topics=("Robotics",), days=0) for c in "edcba"]
    graph = relate(site(hub, *spokes), count=3)
    assert targets(graph, "Hub") == ["robot-a", "robot-b", "robot-c"]
    assert len({e.score for e in graph.edges[hub.slug]}) == 1
    assert relate(site(hub, *spokes), count=0).edges[hub.slug] == ()


# -- story clusters --------------------------------------------------------------------------


def sample_site() -> SiteIndex:
    config = load_config(ROOT)
    return build_index(read_articles(config, BuildResult()))[0]


def test_the_sample_site_has_its_five_stories() -> None:
    graph = relate(sample_site())
    stories = {frozenset(c.members) for c in graph.clusters.values()}
    assert stories == {
        frozenset(
            {
                "it-takes-a-lot-of-energy-for-machines-to-learn-heres-why-ai-is-so-power-hungry",
                "it-takes-a-lot-of-energy-for-machines-to-learn-why-ai-is-so-power-hungry",
            }
        ),
        frozenset(
            {
                "chip-shortage-forces-carmakers-to-idle-production-lines",
                "carmakers-halt-factories-as-global-chip-shortage-bites",
                "the-chip-shortage-is-now-shutting-down-car-factories",
                slugify("半導体不足、自動車生産に影響広がる"),
            }
        ),
        frozenset(
            {
                "pandemic-lockdowns-drove-a-record-drop-in-global-carbon-emissions-in-2020",
                "covid-lockdowns-caused-record-fall-in-global-co2-emissions-scientists-say",
                "corona-lockdowns-liessen-co2-ausstoss-so-stark-sinken-wie-nie-zuvor",
            }
        ),
        frozenset(
            {
                "french-privacy-watchdog-hits-ad-tech-firm-with-record-cookie-fine",
                "french-regulator-fines-ad-tech-firm-record-sum-over-cookie-consent",
                "la-cnil-inflige-une-amende-record-a-une-regie-publicitaire-pour-ses-cookies",
            }
        ),
        frozenset(
            {
                "first-commercial-lander-touches-down-on-the-moon",
                "private-cargo-lander-touches-down-on-moon-in-commercial-first",
                "startups-cargo-lander-makes-a-soft-touchdown-on-the-moon",
            }
        ),
    }


def test_the_seed_article_and_its_techxplore_piece_are_one_story() -> None:
    graph = relate(sample_site())
    seed = Slug("it-takes-a-lot-of-energy-for-machines-to-learn-heres-why-ai-is-so-power-hungry")
    other = Slug("it-takes-a-lot-of-energy-for-machines-to-learn-why-ai-is-so-power-hungry")
    story = graph.clusters[graph.cluster_of[seed]]
    assert story.id == other  # the earliest member names the story
    assert story.members == (other, seed)
    assert graph.siblings(seed) == (other,)
    assert graph.edges[seed][0].target == other
    assert graph.edges[seed][0].reasons[:2] == ("same story", "linked by the source")


def test_near_duplicate_titles_without_links_are_one_story() -> None:
    a = article("Startup lander touches down on the Moon", provider="A", days=0)
    b = article("Startup lander touches down on Moon", provider="B", days=0.2)
    late = article("Startup lander touches down on the Moon again", provider="C", days=40)
    graph = relate(site(a, b, late))
    assert set(graph.clusters) == {a.slug}
    assert graph.clusters[a.slug].members == (a.slug, b.slug)
    assert late.slug not in graph.cluster_of


def test_an_explicit_link_alone_is_not_the_same_story() -> None:
    a = article(
        "AI's Carbon Footprint Is Bigger Than Its Cloud Bill",
        topics=("AI", "Climate"),
        related=(link("Why AI is so power-hungry"),),
    )
    b = article("Why AI is so power-hungry", topics=("AI", "Ethics"), days=1)
    graph = relate(site(a, b))
    assert graph.clusters == {}
    assert b.slug in targets(graph, a.title)


def test_articles_sharing_a_url_are_one_story() -> None:
    a = article("Report one", urls=("https://x.example/r",), days=0)
    b = article("Report two", urls=("https://x.example/amp/r",), days=3)
    assert relate(site(a, b)).cluster_of == {a.slug: a.slug, b.slug: a.slug}


# -- determinism -----------------------------------------------------------------------------

SAMPLE_ARTICLES = sample_site().articles


@settings(max_examples=10, deadline=None)
@given(st.permutations(SAMPLE_ARTICLES))
def test_the_graph_does_not_depend_on_input_order(shuffled: list[Article]) -> None:
    assert relate(site(*shuffled)) == relate(site(*SAMPLE_ARTICLES))
