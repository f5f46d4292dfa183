"""graph.json and the graph page's data patched in a new process (``sitegen build`` after an
edit) from the texts the last build kept (GraphDataState) are the files a fresh build makes,
after any sequence of title, topic, date and body edits, adds and deletes."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import graphpages
from sitegen.build import BuildResult, read_articles
from sitegen.config import load_config
from sitegen.graphpages import GraphDataState, GraphMemo, GraphViews, TopicCounts
from sitegen.index import build_index
from sitegen.model import Article, RelatedGraph, SiteIndex, Slug, Topic
from sitegen.relate import relate
from sitegen.slugs import slugify
from sitegen.views import Urls, ViewFactory
from sitegen.write import file_digest

ROOT = Path(__file__).resolve().parents[2]
PATHS = ("graph.json", "graph/data.json")


@cache
def sample() -> tuple[Article, ...]:
    return tuple(read_articles(load_config(ROOT), BuildResult()))


def views() -> ViewFactory:
    config = load_config(ROOT)
    return ViewFactory(Urls(config.base_path), config.tz)


def site(articles: list[Article]) -> tuple[SiteIndex, RelatedGraph]:
    index = build_index(articles)[0]
    return index, relate(index, load_config(ROOT).related_count)


def made(index: SiteIndex, graph: RelatedGraph, memo: GraphMemo) -> tuple[bytes, bytes]:
    gv = GraphViews(index, graph, views(), memo)
    return gv.graph_json(), gv.page_data()


def kept(
    memo: GraphMemo, index: SiteIndex, files: tuple[bytes, bytes], output: Path
) -> GraphDataState:
    """What the build state keeps, through a pickle, as a new process reads it, and the
    files as the build wrote them."""
    for path, data in zip(PATHS, files, strict=True):
        (output / path).parent.mkdir(parents=True, exist_ok=True)
        (output / path).write_bytes(data)
    digests = {path: file_digest(data) for path, data in zip(PATHS, files, strict=True)}
    saved = memo.saved(index.articles, digests)
    assert saved is not None
    return pickle.loads(pickle.dumps(saved))


def restored(
    saved: GraphDataState,
    last: tuple[SiteIndex, RelatedGraph],
    now: tuple[SiteIndex, RelatedGraph],
    output: Path,
) -> GraphMemo:
    """A new process's memo, filled as build() fills it from the plan's change set."""
    (old_index, old_graph), (index, graph) = last, now
    before, after = old_index.by_slug, index.by_slug
    keyed = {s for s in before.keys() | after.keys() if before.get(s) != after.get(s)}
    edges = {
        s
        for s in old_graph.edges.keys() | graph.edges.keys()
        if old_graph.edges.get(s) != graph.edges.get(s)
    }
    pages = {path: ("key", digest, 1) for path, digest in saved.files.items()}
    memo = GraphMemo()
    memo.restore(saved, pages, output, index.articles, graph.edges, keyed, edges, old_graph.edges)
    return memo


def fresh_degree(graph: RelatedGraph) -> Counter[Slug]:
    """Each article's edges, counted for their source and their target."""
    degree: Counter[Slug] = Counter()
    for slug, ranked in graph.edges.items():
        for edge in ranked:
            degree[slug] += 1
            degree[edge.target] += 1
    return degree


def edited(articles: list[Article], kind: str, n: int, step: int) -> list[Article]:
    articles = list(articles)
    at = n % len(articles)
    article = articles[at]
    if kind == "title":
        title = f"Edited {step}: {article.title}"
        articles[at] = replace(article, title=title, slug=slugify(title))
    elif kind == "title, same slug":
        articles[at] = replace(article, title=f"{article.title} ({step})")
    elif kind == "topics":
        topic = Topic(f"Topic {step % 3}", slugify(f"Topic {step % 3}"))
        articles[at] = replace(article, topics=(topic, *article.topics[1:]))
    elif kind == "date" and article.published is not None:
        articles[at] = replace(article, published=article.published + timedelta(days=400))
    elif kind == "body":
        articles[at] = replace(article, body_html=f"{article.body_html}<p>{step}</p>")
    elif kind == "add":
        title = f"Another take {step}: {article.title}"
        source = Path(f"content/added-{step}.md")  # a file of its own
        articles.append(replace(article, title=title, slug=slugify(title), source=source))
    elif kind == "delete" and len(articles) > 3:
        del articles[at]
    return articles


KINDS = ["title", "title, same slug", "topics", "date", "body", "add", "delete"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 200)), min_size=1, max_size=4))
def test_patched_graph_data_equals_fresh_data_after_any_edits(
    edits: list[tuple[str, int]],
) -> None:
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    files = made(*last, memo)
    with tempfile.TemporaryDirectory() as folder:
        for step, (kind, n) in enumerate(edits):
            saved = kept(memo, last[0], files, Path(folder))
            articles = edited(articles, kind, n, step)
            now = site(articles)
            memo = restored(saved, last, now, Path(folder))
            assert memo.node_texts or len(now[0].articles) != len(last[0].articles)
            # graph.json's degrees patched, not counted again: those a count gives.
            assert memo.json_degree is not None
            patched = memo.json_degree[1]
            files = made(*now, memo)
            assert memo.json_degree[1] is patched
            assert patched == fresh_degree(now[1]), (step, kind)
            assert files == made(*now, GraphMemo()), (step, kind)
            # What the next build reads back: each node's slug and main topic, as now.
            packed = memo.saved(now[0].articles, {})._packed()  # type: ignore[union-attr]
            assert packed["order"] == tuple(a.slug for a in now[0].articles)
            assert packed["mains"] == tuple(graphpages.main_topic(a) or "" for a in now[0].articles)
            last = now


def test_a_retitle_makes_only_the_nodes_it_changed_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The restored texts are used: after a retitle in place, far fewer nodes are made than
    the site has (the article, and those whose degree or position moved)."""
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    saved = kept(memo, last[0], made(*last, memo), tmp_path)
    articles[10] = replace(articles[10], title=articles[10].title + " (updated)")
    now = site(articles)
    calls: list[Slug] = []
    node_json = GraphViews._node_json

    def counted(self: GraphViews, article: Article, *args: object) -> str:
        calls.append(article.slug)
        return node_json(self, article, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(GraphViews, "_node_json", counted)
    patched = made(*now, restored(saved, last, now, tmp_path))
    again = list(calls)
    assert patched == made(*now, GraphMemo())
    assert len(calls) - len(again) == len(articles)  # a fresh build makes every node
    assert articles[10].slug in again and len(again) < len(articles) // 4


def test_a_main_topic_edit_makes_only_the_graph_page_nodes_whose_topic_moved(
    tmp_path: Path,
) -> None:
    """An article filed under another topic changes the legend's counts; the graph page's
    nodes show only their topic's place in it, so only those whose topic's place changed
    (and the article's own) are made again, not every node."""
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    saved = kept(memo, last[0], made(*last, memo), tmp_path)
    # An article moves between two of the least used main topics: their places in the
    # legend change, and the layout's discs after them (packed biggest first) move, but
    # the big topics' articles keep their nodes.
    mains = Counter(a.topics[0].slug for a in articles if a.topics)
    least = sorted(mains, key=lambda s: (mains[s], s))
    source = next(s for s in least if mains[s] >= 2)
    target = next(s for s in least if s != source)
    topic = next(a.topics[0] for a in articles if a.topics and a.topics[0].slug == target)
    at = next(k for k, a in enumerate(articles) if a.topics and a.topics[0].slug == source)
    articles[at] = replace(articles[at], topics=(topic, *articles[at].topics[1:]))
    now = site(articles)
    memo = restored(saved, last, now, tmp_path)
    assert made(*now, memo) == made(*now, GraphMemo())
    after = memo.node_texts["page"][3]
    again = len(after.changed) if isinstance(after, graphpages.FileTexts) else -1
    assert 1 <= again < len(articles) // 2


@pytest.mark.parametrize("kind", ["title", "title, same slug", "body", "date"])
def test_an_edit_that_keeps_every_disc_lays_out_no_disc_of_the_last_build_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    """A new process patches the last build's layout (kept in the build state): the discs
    of the edited article and of those whose story changed are laid out again, not the
    site."""
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    saved = kept(memo, last[0], made(*last, memo), tmp_path)
    articles = edited(articles, kind, 10, 1)
    now = site(articles)
    fresh = made(*now, GraphMemo())
    memo = restored(saved, last, now, tmp_path)

    def not_again(*args: object) -> None:
        raise AssertionError("the whole site laid out again")

    monkeypatch.setattr(graphpages, "site_layout", not_again)
    assert made(*now, memo) == fresh


@pytest.mark.parametrize("path", PATHS)
def test_texts_of_other_files_are_not_used(tmp_path: Path, path: str) -> None:
    """Data files that are not those the kept texts make (changed by hand since, or gone)
    are made again in full."""
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    saved = kept(memo, last[0], made(*last, memo), tmp_path)
    (tmp_path / path).write_bytes((tmp_path / path).read_bytes().replace(b'"', b"'", 1))
    memo = restored(saved, last, last, tmp_path)
    assert not memo.node_texts and not memo.links and memo.page_pairs is None
    assert made(*last, memo) == made(*last, GraphMemo())
    (tmp_path / path).unlink()
    memo = restored(saved, last, last, tmp_path)
    assert not memo.node_texts and not memo.links and memo.page_pairs is None


@pytest.mark.parametrize("changed_by_hand", [None, *PATHS])
def test_files_with_the_stats_noted_are_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed_by_hand: str | None
) -> None:
    """The build notes the data files' stats once written: a new process that finds them
    so uses the texts without hashing the files (15 MB at 10,000 articles); a file changed
    by hand since (same size, another mtime) is hashed, found different, made again."""
    articles = list(sample())
    last = site(articles)
    memo = GraphMemo()
    files = made(*last, memo)
    for path, data in zip(PATHS, files, strict=True):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    digests = {path: file_digest(data) for path, data in zip(PATHS, files, strict=True)}
    noted = memo.saved(last[0].articles, digests)
    assert noted is not None
    noted.note_stats(tmp_path)
    saved = pickle.loads(pickle.dumps(noted))
    assert saved.stats == noted.stats and set(saved.stats) == set(PATHS)
    if changed_by_hand is not None:
        target = tmp_path / changed_by_hand
        target.write_bytes(target.read_bytes().replace(b'"', b"'", 1))
        mtime = target.stat().st_mtime_ns + 10**9
        os.utime(target, ns=(mtime, mtime))
    hashed: list[int] = []

    def counted(data: bytes) -> str:
        hashed.append(len(data))
        return file_digest(data)

    monkeypatch.setattr(graphpages, "file_digest", counted)
    now_memo = restored(saved, last, last, tmp_path)
    if changed_by_hand is None:
        assert not hashed and now_memo.node_texts
    else:
        assert len(hashed) == 1 and not now_memo.node_texts and now_memo.page_pairs is None
    monkeypatch.undo()
    assert made(*last, now_memo) == made(*last, GraphMemo())


def test_topic_counts_read_back_are_keyed_by_the_articles_they_hold() -> None:
    """The counts know the articles they counted by id: a copy read back from a pickle is
    keyed by its own articles' ids, not by those of the originals, which may be freed and
    their ids given to other articles (then taken for ones already counted)."""
    articles = [replace(a) for a in sample()]  # objects of this test's own
    counts = TopicCounts.of(articles, None)
    copy = pickle.loads(pickle.dumps(counts))
    assert set(copy.articles) == {id(a) for a in copy.articles.values()}
    assert not set(copy.articles) & {id(a) for a in articles}
    # Brought up to date from the copy, the counts are those of a fresh count.
    edited = articles[:-5]
    edited[0] = replace(edited[0], topics=(Topic("Brand New", "brand-new"),))
    updated, fresh = TopicCounts.of(edited, copy), TopicCounts.of(edited, None)
    assert (updated.main, updated.pairs) == (fresh.main, fresh.pairs)


def test_the_saved_places_of_unchanged_articles_are_the_last_builds() -> None:
    """A node's slug and main topic are read from its article only where it is not the
    very article that was unchanged at that place when the memo was restored."""
    articles = list(sample()[:6])
    same: tuple[object, ...] = (*articles[:3], object(), *articles[4:])
    order = tuple(Slug(f"was-{n}") for n in range(6))
    mains = tuple(f"topic-{n}" for n in range(6))
    articles[5] = replace(articles[5], title="Another")  # not the very object any more
    got_order, got_mains = graphpages._places(articles, (same, order, mains))
    assert got_order[:3] == order[:3] and got_order[4] == order[4]
    assert got_order[3] == articles[3].slug and got_order[5] == articles[5].slug
    assert got_mains[5] == (graphpages.main_topic(articles[5]) or "")
    assert got_mains[:3] == mains[:3]
    assert graphpages._places(articles, None) == (
        tuple(a.slug for a in articles),
        tuple(graphpages.main_topic(a) or "" for a in articles),
    )


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.sampled_from([b"", b"a", b"bc", b"{d}"]), max_size=12),
    replaced=st.dictionaries(st.integers(0, 11), st.sampled_from([b"", b"x", b"yz"])),
    order=st.randoms(use_true_random=False),
    skip_empty=st.booleans(),
)
def test_texts_left_in_their_file_join_as_the_texts_do(
    texts: list[bytes],
    replaced: dict[int, bytes],
    order: Any,
    skip_empty: bool,
) -> None:
    """A data file's texts read back (FileTexts: not cut out of it), with some replaced, or
    taken in another order with some made anew, join as the texts themselves do."""
    from array import array

    kept = [t for t in texts if t] if skip_empty else texts
    data = b"head:" + b",".join(kept) + b";tail"
    file, _ = graphpages._cut(data, 5, array("q", map(len, texts)), skip_empty=skip_empty)
    assert [bytes(t) for t in file] == texts
    now = list(texts)
    for at, text in replaced.items():
        if at < len(now):
            now[at] = text
    patched = file.replaced({at: t for at, t in replaced.items() if at < len(texts)})
    shown = [t for t in now if t] if skip_empty else now
    assert b"".join(graphpages._joined(patched)) == b",".join(shown)
    assert list(patched.lengths()) == list(map(len, now))
    if skip_empty:  # (the edge lists' case: in any order, some made anew)
        places: list[Any] = list(range(len(texts)))
        order.shuffle(places)
        items = [texts[p] + b"!" if p in replaced else p for p in places]
        expected = [texts[p] + b"!" if p in replaced else texts[p] for p in places]
        joined = b",".join(file.runs_of(items))
        assert joined == b",".join(t for t in expected if t)
