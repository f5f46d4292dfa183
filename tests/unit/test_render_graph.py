"""The related-articles graph in rendered pages: Related sections, the local SVG graph,
one entry per story on listings, the graph page and graph.json."""

from __future__ import annotations

import json
import pickle
import re
from functools import cache
from pathlib import Path

from sitegen import render
from sitegen.build import BuildResult, read_articles
from sitegen.config import load_config
from sitegen.index import build_index
from sitegen.model import Article, RelatedGraph
from sitegen.relate import relate
from sitegen.slugs import slugify

ROOT = Path(__file__).resolve().parents[2]
SEED = "it-takes-a-lot-of-energy-for-machines-to-learn-heres-why-ai-is-so-power-hungry"
TECHXPLORE = "it-takes-a-lot-of-energy-for-machines-to-learn-why-ai-is-so-power-hungry"


@cache
def sample_output() -> dict[str, str]:
    config = load_config(ROOT)
    index, _ = build_index(read_articles(config, BuildResult()))
    env = render.make_environment(render.theme_dirs(config))
    files = render.render_site(index, config, env, relate(index, config.related_count))
    return {f.path: f.data.decode("utf-8") for f in files}


def page(path: str) -> str:
    return sample_output()[path]


def file_of(href: str) -> str:
    assert href.startswith("/"), href
    path = href.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def test_article_pages_draw_a_local_graph_whose_links_all_resolve() -> None:
    html = page(f"articles/{SEED}/index.html")
    svg = re.search(r'<svg class="local-graph-svg".*?</svg>', html, re.S)
    assert svg is not None
    # Labelled, with no role: the Nu checker refuses role="group" on <svg>.
    assert "aria-label=" in svg.group(0) and "role=" not in svg.group(0).split(">", 1)[0]
    hrefs = re.findall(r'<a class="node ring-(\d)" href="([^"]+)"', svg.group(0))
    assert ("0", f"/articles/{SEED}/") in hrefs
    assert sum(ring == "1" for ring, _ in hrefs) == 8
    assert any(ring == "2" for ring, _ in hrefs)
    for _, href in hrefs:
        assert file_of(href) in sample_output()
    assert len(re.findall(r"<title>", svg.group(0))) == len(hrefs)


def test_every_local_graph_on_the_site_links_to_pages_that_exist() -> None:
    for path, html in sample_output().items():
        for svg in re.findall(r'<svg class="local-graph-svg".*?</svg>', html, re.S):
            for href in re.findall(r'href="([^"]+)"', svg):
                assert file_of(href) in sample_output(), (path, href)


def test_the_related_section_lists_internal_articles_first_then_external_links() -> None:
    html = page("articles/ais-carbon-footprint-is-bigger-than-its-cloud-bill/index.html")
    internal = html.index('class="related-list related-internal"')
    external = html.index('class="related-list related-external"')
    assert internal < external
    assert f'href="/articles/{SEED}/"' in html[internal:external]
    assert "carbon-tracker-machine-learning" in html[external:]
    assert "shared topics:" in html[internal:external]


def test_article_pages_link_their_story_siblings() -> None:
    html = page(f"articles/{SEED}/index.html")
    section = html[html.index('id="coverage-heading"') : html.index('id="related-heading"')]
    assert f'href="/articles/{TECHXPLORE}/"' in section
    assert "techxplore.com" in section


def test_listings_show_one_entry_per_story_with_its_other_providers() -> None:
    home = "".join(
        v for k, v in sample_output().items() if re.fullmatch(r"(page/\d+/)?index.html", k)
    )
    # every card's title, and the front page's lead story's
    titles = re.findall(r'<h2 class="(?:card|lead)-title"[^>]*><a href="/articles/([^"]+)/">', home)
    assert len(titles) == len(set(titles))
    story = {SEED, TECHXPLORE}
    assert len(story & set(titles)) == 1
    chips = {"carmakers-halt-factories-as-global-chip-shortage-bites",
             "chip-shortage-forces-carmakers-to-idle-production-lines",
             "the-chip-shortage-is-now-shutting-down-car-factories",
             slugify("半導体不足、自動車生産に影響広がる")}  # fmt: skip
    assert len(chips & set(titles)) == 1
    assert len(titles) == 48 - 1 - 3 - 2 - 2 - 2  # every story counted once
    nikkei = slugify("半導体不足、自動車生産に影響広がる")  # the newest of its story leads
    assert f'<a href="/articles/{nikkei}/">' in home
    assert home.count('<p class="also">Also covered by') == 5


def test_the_graph_page_is_in_the_navigation_and_works_without_scripts_inline() -> None:
    html = page("graph/index.html")
    assert "<title>Related-articles graph" in html
    assert '<a href="/graph/" aria-current="page">Graph</a>' in html
    assert '<a href="/graph/">Graph</a>' in page("index.html")
    # The graph's scripts are files; the one inline script is the theme's, in <head>.
    body = html[html.index("<body") :]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == []
    assert 'src="/static/vendor/graphology.umd.min.js"' in html
    assert 'data-worker="/static/graph-data.js"' in html and 'src="/static/graph-data.js"' in html
    assert 'class="story-list"' in html and f'href="/articles/{SEED}/"' in html
    assert '<svg class="topic-map"' in html and 'href="/topics/ai/"' in html
    main = html[html.index("<main") : html.index("</main>")]
    for href in re.findall(r'href="(/[^"]*)"', main):
        if not href.startswith("/static/"):
            assert file_of(href) in sample_output(), href


def test_graph_json_describes_every_article_edge_and_story() -> None:
    data = json.loads(page("graph.json"))
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == len(data["nodes"]) == 48
    assert {"id", "url", "title", "topics", "provider", "cluster", "x", "y"} <= set(
        data["nodes"][0]
    )
    for edge in data["edges"]:
        assert edge["source"] in ids and edge["target"] in ids
        assert edge["score"] > 0 and edge["reasons"]
    stories = {c["id"]: c for c in data["clusters"]}
    assert stories[TECHXPLORE]["members"] == [TECHXPLORE, SEED]
    seed = next(n for n in data["nodes"] if n["id"] == SEED)
    assert seed["cluster"] == TECHXPLORE and seed["url"] == f"/articles/{SEED}/"
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 48  # no two nodes overlap exactly


def test_graph_data_made_from_a_memo_of_an_earlier_site_equals_data_made_afresh() -> None:
    """graph.json and the graph page's data reuse the JSON of unchanged nodes and edge lists
    (serve); after a retitle and a topic change they are still what a fresh build makes."""
    from dataclasses import replace

    from sitegen.graphpages import GraphMemo, GraphViews
    from sitegen.model import Topic
    from sitegen.views import Urls, ViewFactory

    config = load_config(ROOT)
    articles = read_articles(config, BuildResult())
    views = ViewFactory(Urls(config.base_path), config.tz)
    memo = GraphMemo()

    graph = relate(build_index(articles)[0], config.related_count)

    def both(
        articles: list[Article], memo: GraphMemo, graph: RelatedGraph = graph
    ) -> tuple[bytes, bytes]:
        # The same related graph: only the nodes' own values tell the edits apart.
        gv = GraphViews(build_index(articles)[0], graph, views, memo)
        return gv.graph_json(), gv.page_data()

    first = both(articles, memo)
    assert set(memo.node_texts) == {"json", "page"}
    assert both(articles, memo) == first  # the very objects: every text reused
    # Fewer related articles each: other edges and degrees, the same articles.
    fewer = relate(build_index(articles)[0], 2)
    assert both(articles, memo, fewer) == both(articles, GraphMemo(), fewer)
    assert both(articles, memo) == first
    # Equal values that are not the same objects are reused too.
    memo = pickle.loads(pickle.dumps(memo))
    assert both(articles, memo) == first
    edited = list(articles)
    edited[3] = replace(edited[3], title="A “new” title")
    edited[5] = replace(
        edited[5], topics=(Topic("Brand New", slugify("Brand New")), *edited[5].topics)
    )
    again = both(edited, memo)
    assert again == both(edited, GraphMemo())
    assert again != first
    assert b"A \xe2\x80\x9cnew\xe2\x80\x9d title" in again[0] and b"Brand New" in again[0]


def test_graph_page_edges_kept_up_to_date_equal_edges_made_afresh() -> None:
    """PagePairs (serve) after renames, new lists, moves and removals: the same degrees and
    text as a fresh one, as json.dumps writes the flat list."""
    import random

    from sitegen.graphpages import PagePairs
    from sitegen.model import Edge, Slug

    rng = random.Random(5)
    order = [Slug(f"a{n}") for n in range(40)]

    def lists(order: list[Slug]) -> dict[Slug, tuple[Edge, ...]]:
        return {
            s: tuple(
                Edge(t, rng.choice([0.5, 0.25, 0.123456]), ("r",))
                for t in rng.sample(order, rng.randint(0, 4))
            )
            for s in order
        }

    edges = lists(order)
    kept = PagePairs()
    for step in range(30):
        degree, text = kept.update(list(order), edges)
        fresh_degree, fresh_text = PagePairs().update(list(order), edges)
        assert text == fresh_text and +degree == +fresh_degree, step
        pairs: dict[tuple[int, int], float] = {}
        number = {s: n for n, s in enumerate(order)}
        for s, ranked in edges.items():
            for e in ranked:
                n, m = sorted((number[s], number[e.target]))
                pairs[(n, m)] = max(pairs.get((n, m), 0.0), e.score)
        flat = [x for (i, j), v in sorted(pairs.items()) for x in (i, j, round(v, 2))]
        assert json.loads(text) == flat
        edges = dict(edges)
        kind = step % 3
        if kind == 0:  # new lists for a few articles
            for s in rng.sample(order, 3):
                edges[s] = lists(order)[s]
        elif kind == 1:  # a rename in place: the lists naming it are new too
            at = rng.randrange(len(order))
            old, new = order[at], Slug(f"r{step}")
            order[at] = new
            edges = {
                (new if s == old else s): tuple(
                    Edge(new, e.score, e.reasons) if e.target == old else e for e in ranked
                )
                if any(e.target == old for e in ranked)
                else ranked
                for s, ranked in edges.items()
            }
        elif step % 6 == 2:  # an article moves in the order
            order.insert(0, order.pop(rng.randrange(len(order))))


def test_graph_page_edges_made_afresh_in_one_pass_are_those_made_pair_by_pair() -> None:
    """A cold build's PagePairs (every pair in one pass over the edges) holds what applying
    every list pair by pair makes: the same rows, texts, degrees and lists, with lists that
    name an article twice or the article itself."""
    import random
    from collections import Counter

    from sitegen.graphpages import PagePairs
    from sitegen.model import Edge, Slug

    rng = random.Random(7)
    for _ in range(20):
        order = [Slug(f"a{n}") for n in range(rng.randint(2, 30))]
        edges = {
            s: tuple(
                Edge(rng.choice(order), rng.choice([0.5, 0.25, 0.123456, 1.7, -0.1]), ())
                for _ in range(rng.randint(0, 5))
            )
            for s in order
        }
        fresh = PagePairs()
        made = fresh.update(list(order), edges)
        # A list applied before (never this build's): update goes pair by pair.
        stale = {order[0]: (Edge(order[1], 0.0, ()),)}
        slow = PagePairs.restored(order, stale, {}, Counter())
        assert slow.update(list(order), edges) == made
        assert fresh.rows == slow.rows and fresh.texts == slow.texts
        assert +fresh.degree == +slow.degree and fresh.lists == slow.lists


def test_graph_page_entries_reused_from_the_memo_are_never_stale() -> None:
    """The graph page's list entries are rendered once and kept in the graph memo (serve);
    after a retitle of an article other entries link to, and a topic change that changes
    related lists, the pages are still what a renderer without the memo makes."""
    from dataclasses import replace

    from sitegen.graphpages import GraphMemo, GraphViews
    from sitegen.model import Topic
    from sitegen.views import Urls, ViewFactory

    config = load_config(ROOT)
    articles = read_articles(config, BuildResult())
    env = render.make_environment(render.theme_dirs(config))

    def graph_pages(articles: list[Article], memo: GraphMemo) -> dict[str, bytes]:
        index = build_index(articles)[0]
        graph = relate(index, config.related_count)
        views = ViewFactory(Urls(config.base_path), config.tz)
        renderer = render.Renderer(config, env, graph_views=GraphViews(index, graph, views, memo))
        return {f.path: f.data for f in renderer.graph_pages(index) if f.path.endswith(".html")}

    memo = GraphMemo()
    first = graph_pages(articles, memo)
    assert first == graph_pages(articles, GraphMemo())
    assert len(memo.entries) == len(articles)
    kept = dict(memo.entries)
    assert graph_pages(articles, memo) == first
    assert all(memo.entries[url][1] is html for url, (_, html) in kept.items())  # reused
    # A retitled article that other entries link to, and an article with a new topic.
    graph = relate(build_index(articles)[0], config.related_count)
    target = next(e.target for edges in graph.edges.values() for e in edges)
    at = next(k for k, a in enumerate(articles) if a.slug == target)
    edited = list(articles)
    edited[at] = replace(edited[at], title="A “new” title & more")
    edited[5] = replace(
        edited[5], topics=(Topic("Brand New", slugify("Brand New")), *edited[5].topics)
    )
    again = graph_pages(edited, memo)
    assert again == graph_pages(edited, GraphMemo())
    assert again != first
    title = "A “new” title &amp; more".encode()
    assert sum(html.count(title) for html in again.values()) > 1  # its entry and another's
    # Most entries were not rendered again.
    assert sum(memo.entries[url][1] is html for url, (_, html) in kept.items()) > len(kept) // 2
