"""An incremental build (with the build cache) writes exactly what a cold build writes.

Each test builds a site, changes something (content, templates, settings, the cache itself),
builds again with the cache, and compares the output folder byte for byte with a cold build
of the same input made without any cache.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sitegen import build as build_module
from sitegen import cache as cache_module
from sitegen import parallel
from sitegen.build import BuildError, BuildResult, build
from sitegen.cache import CACHE_DIR, BuildCache, cache_dir
from sitegen.config import load_config

REPO = Path(__file__).resolve().parents[2]
# Search (Pagefind) is left out: it indexes every page, a separate tool's output.
SETTINGS = 'title = "Incremental"\npage_size = 3\nsearch = false\nbase_url = "https://x.org/"\n'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the sample site with small listing pages, so edits move pagination."""
    root = tmp_path / "site"
    for path in sorted((REPO / "content").rglob("*.md"))[:26]:  # enough to paginate
        target = root / "content" / path.relative_to(REPO / "content")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (root / "sitegen.toml").write_text(SETTINGS, encoding="utf-8")
    return root


def run(
    site: Path,
    output: str = "output",
    *,
    cache: bool = True,
    jobs: int = 1,
    log: list[str] | None = None,
) -> BuildResult:
    config = load_config(site, None, {"output_dir": output})
    return build(config, jobs=jobs, use_cache=cache, log=(log if log is not None else []).append)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_same_as_cold(site: Path) -> None:
    cold = site / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    run(site, "cold", cache=False)
    incremental, expected = tree(site / "output"), tree(cold)
    assert sorted(incremental) == sorted(expected)
    different = [name for name in expected if incremental[name] != expected[name]]
    assert different == []
    assert not (site / CACHE_DIR / "cold").exists()  # --no-cache leaves no cache behind


def some_article(site: Path, n: int = 7) -> Path:
    return sorted((site / "content").rglob("*.md"))[n]


def edit_title(site: Path) -> None:
    path = some_article(site)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Édité ", 1), encoding="utf-8")


def edit_topics(site: Path) -> None:
    path = some_article(site, 3)
    text = path.read_text(encoding="utf-8")
    assert "topics:" in text
    path.write_text(text.replace("topics:", "topics:\n  - Brand New Topic", 1), encoding="utf-8")


def edit_date(site: Path) -> None:
    """A new date: the article moves in its listings, and their sitemap lastmod changes."""
    path = some_article(site, 5)
    text = path.read_text(encoding="utf-8")
    assert "publishedDateTime: " in text
    text = re.sub(
        r"publishedDateTime: .*", "publishedDateTime: 2031-02-03T04:05:06Z", text, count=1
    )
    path.write_text(text, encoding="utf-8")


def edit_body(site: Path) -> None:
    path = some_article(site, 11)
    path.write_text(path.read_text(encoding="utf-8") + "\nA new *closing* line.\n", "utf-8")


def add_article(site: Path) -> None:
    source = some_article(site, 2).read_text(encoding="utf-8")
    new = source.replace("title: ", "title: A second take on ", 1)
    new = new.replace("publishedDateTime: 20", "publishedDateTime: 29", 1)  # newest of all
    (site / "content" / "zz-new.md").write_text(new, encoding="utf-8")


def add_duplicate_title(site: Path) -> None:
    # Same title as an existing article: the index changes the slug of one of them.
    (site / "content" / "dup.md").write_text(some_article(site, 5).read_text("utf-8"), "utf-8")


def rename_article(site: Path) -> None:
    path = some_article(site, 9)
    path.rename(path.with_name("renamed-" + path.name))


def delete_article(site: Path) -> None:
    some_article(site, 13).unlink()


def make_draft(site: Path) -> None:
    path = some_article(site, 17)
    text = path.read_text(encoding="utf-8").replace("published: true", "published: false")
    path.write_text(text, encoding="utf-8")


def break_article(site: Path) -> None:
    some_article(site, 19).write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")


def touch_only(site: Path) -> None:
    path = some_article(site, 21)
    path.write_bytes(path.read_bytes())  # new mtime, same bytes


def edit_template(site: Path) -> None:
    templates = site / "templates"
    (templates / "partials").mkdir(parents=True, exist_ok=True)
    card = (REPO / "templates" / "partials" / "card.html").read_text(encoding="utf-8")
    (templates / "partials" / "card.html").write_text(
        card.replace('<article class="card">', '<article class="card edited">'), "utf-8"
    )


def edit_static(site: Path) -> None:
    (site / "templates" / "static").mkdir(parents=True, exist_ok=True)
    (site / "templates" / "static" / "style.css").write_text("body{color:red}\n", "utf-8")


def link_article(site: Path) -> None:
    """A second name for a content file: a link beside it, and one in another folder."""
    target = some_article(site, 3)
    (site / "content" / "zz-second-name.md").symlink_to(target)
    (site / "content" / "linked").mkdir()
    (site / "content" / "linked" / "third-name.md").symlink_to(target)


def edit_config(site: Path) -> None:
    (site / "sitegen.toml").write_text(
        'title = "Renamed site"\npage_size = 5\ntimezone = "Europe/Paris"\nsearch = false\n',
        encoding="utf-8",
    )


CHANGES: dict[str, Callable[[Path], None]] = {
    "nothing": lambda site: None,
    "title edit": edit_title,
    "topics edit": edit_topics,
    "body edit": edit_body,
    "date edit": edit_date,
    "add": add_article,
    "add with a taken title": add_duplicate_title,
    "rename": rename_article,
    "delete": delete_article,
    "published to draft": make_draft,
    "broken file": break_article,
    "touch without change": touch_only,
    "template edit": edit_template,
    "static file edit": edit_static,
    "a second name for a file": link_article,
    "config edit": edit_config,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_build_equals_cold_build_after(site: Path, change: str) -> None:
    run(site)
    CHANGES[change](site)
    run(site)
    assert_same_as_cold(site)


def test_changes_in_a_row_keep_matching_cold_builds(site: Path) -> None:
    run(site)
    for change in ("title edit", "add", "template edit", "delete", "config edit", "rename"):
        CHANGES[change](site)
        run(site)
        assert_same_as_cold(site)


def test_a_second_name_for_a_content_file_is_skipped_with_a_warning(site: Path) -> None:
    before = run(site, "before")
    link_article(site)
    after = run(site, "after")
    target = some_article(site, 3)
    assert sorted(str(p) for p in after.problems) == sorted(
        f"{site / 'content' / name}:1: file: is a link to {target}, which is read already; skipped"
        for name in ("linked/third-name.md", "zz-second-name.md")
    )
    assert after.articles == before.articles  # the file is published once, under its name
    assert tree(site / "after") == tree(site / "before")


def test_no_change_rebuild_renders_and_writes_nothing(site: Path) -> None:
    first = run(site)
    again = run(site)
    assert again.written is not None and first.written is not None
    assert again.written.written == [] and again.written.deleted == []
    assert again.written.unchanged == len(first.written.written)
    assert (again.articles, again.pages) == (first.articles, first.pages)
    assert again.problems == first.problems
    assert again.index is None  # stopped before reading any content


def test_body_edit_rewrites_only_that_article_page(site: Path) -> None:
    first = run(site)
    edit_body(site)  # the body is only on the article page, so exactly one page changes
    again = run(site)
    assert again.written is not None
    assert first.rendered > 50
    assert again.written.written == [f"articles/{_slug_of_body_edit(site)}/index.html"]


def _slug_of_body_edit(site: Path) -> str:
    result = run(site, "probe", cache=False)
    assert result.index is not None
    edited = sorted((site / "content").rglob("*.md"))[11]
    for article in result.index.articles:
        if Path(article.source).name == edited.name:
            return article.slug
    raise AssertionError("the edited article is not on the site")


def _graph_pages_made(result: BuildResult) -> list[str]:
    return sorted(p for p in result.made if p.startswith("graph/page/"))


def test_a_topic_edit_leaves_the_later_graph_pages_alone(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The legend, stories and topic map are on the graph page's first page only: a new
    topic changes them, and the other pages of the list are not rendered again."""
    from sitegen import render

    monkeypatch.setattr(render, "GRAPH_PAGE_SIZE", 3)  # 9 pages of the list
    run(site)
    edit_topics(site)
    again = run(site)
    assert "graph/index.html" in again.made  # its legend has the new topic
    assert len(_graph_pages_made(again)) < 4  # those whose lines changed, if any
    assert_same_as_cold(site)


def test_a_theme_that_shows_the_legend_on_every_graph_page_gets_them_all_again(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen import render

    monkeypatch.setattr(render, "GRAPH_PAGE_SIZE", 3)
    builtin = (REPO / "templates" / "graph.html").read_text(encoding="utf-8")
    heading = '<h2 id="articles-heading">Articles and their related articles</h2>'
    assert heading in builtin
    (site / "templates").mkdir()
    (site / "templates" / "graph.html").write_text(
        builtin.replace(heading, heading + "<p>{{ legend | length }} topics</p>"), "utf-8"
    )
    run(site)
    edit_topics(site)
    again = run(site)
    later = sorted((site / "output" / "graph" / "page").iterdir())
    assert len(later) > 4
    assert len(_graph_pages_made(again)) == len(later)
    assert_same_as_cold(site)


def test_the_graph_page_list_s_later_pages_show_nothing_of_what_all_are_given(
    tmp_path: Path,
) -> None:
    """What common_on_first_page_only relies on, in the built-in theme; and a site
    template naming any of it turns it off."""
    from sitegen import render

    config = load_config(tmp_path, None, {})
    assert render.common_on_first_page_only(config)
    (tmp_path / "templates" / "partials").mkdir(parents=True)
    (tmp_path / "templates" / "partials" / "card.html").write_text("{{ card.title }}", "utf-8")
    (tmp_path / "templates" / "static").mkdir()
    (tmp_path / "templates" / "static" / "legend.svg").write_text(
        "<svg><title>legend</title></svg>", "utf-8"
    )
    assert render.common_on_first_page_only(config)  # (static files are not templates)
    (tmp_path / "templates" / "partials" / "pager.html").write_text("{{ stories }}", "utf-8")
    assert not render.common_on_first_page_only(config)
    (tmp_path / "templates" / "partials" / "pager.html").unlink()
    (tmp_path / "templates" / "base.html").write_text("{% block content %}{% endblock %}", "utf-8")
    assert not render.common_on_first_page_only(config)  # may show them: not read
    assert render.common_on_first_page_only(load_config(REPO, None, {}))  # the theme itself
    # The built-in theme: a later page is the same whatever they are given.
    from sitegen.build import read_articles
    from sitegen.graphpages import GraphViews
    from sitegen.index import build_index
    from sitegen.relate import relate
    from sitegen.views import Urls, ViewFactory

    config = load_config(REPO, None, {})
    index, _ = build_index(read_articles(config, BuildResult()))
    graph = relate(index, config.related_count)
    views = GraphViews(index, graph, ViewFactory(Urls(config.base_path), config.tz))
    renderer = render.Renderer(
        config, render.make_environment(render.theme_dirs(config)), graph_views=views
    )
    chunk = index.articles[3:6]
    common = views.common()
    other = {name: f"<{name} was shown>" for name in render.GRAPH_COMMON_NAMES}
    assert set(common) == set(other)
    page = renderer.graph_page(chunk, 2, 4, len(index.articles), common)
    assert renderer.graph_page(chunk, 2, 4, len(index.articles), other).data == page.data
    first = renderer.graph_page(chunk, 1, 4, len(index.articles), common)
    assert common["legend"]
    fewer = dict(common, legend=())
    assert renderer.graph_page(chunk, 1, 4, len(index.articles), fewer).data != first.data


def test_output_file_deleted_by_hand_is_written_again(site: Path) -> None:
    run(site)
    (site / "output" / "index.html").unlink()
    run(site)
    assert_same_as_cold(site)


def test_parallel_build_equals_serial_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    forked = []  # can_fork is asked only once a stage has chosen to use workers
    can_fork = parallel.can_fork
    monkeypatch.setattr(parallel, "can_fork", lambda: forked.append(1) or can_fork())
    run(site, jobs=2)
    assert len(forked) >= 2  # reading and rendering
    edit_title(site)
    run(site, jobs=2)
    assert_same_as_cold(site)


def test_graph_data_is_patched_from_the_state_of_a_parallel_cold_build(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build that renders in workers still keeps the graph data's texts (made in the
    main process) for the next process, which patches the files: a body edit's build, which
    keeps the files, passes them on; a topic edit's makes only some nodes again."""
    from sitegen.build import _fingerprint
    from sitegen.config import theme_dirs
    from sitegen.graphpages import GraphViews

    def graph_state() -> object:
        config = load_config(site, None, {"output_dir": "output"})
        fingerprint = _fingerprint(config, theme_dirs(config))
        state = BuildCache(cache_dir(site / "output"), print).load_state(fingerprint)
        assert state is not None
        return state.graph

    import functools

    from sitegen import build as build_module

    # (parallel_chunks' own default was bound when it was defined.)
    chunks = functools.partial(parallel.parallel_chunks, min_items=1)
    monkeypatch.setattr(build_module, "parallel_chunks", chunks)
    run(site, jobs=2)
    assert graph_state() is not None
    edit_body(site)
    run(site, jobs=2)
    assert graph_state() is not None
    made: list[str] = []
    node_json = GraphViews._node_json

    def counted(self: GraphViews, article: Any, *rest: Any) -> str:
        made.append(article.slug)
        return node_json(self, article, *rest)

    monkeypatch.setattr(GraphViews, "_node_json", counted)
    path = some_article(site, 3)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("topics:", "topics:\n  - Brand New Topic", 1), "utf-8")
    run(site, jobs=2)
    assert 1 <= len(made) < len(list((site / "content").rglob("*.md")))
    assert_same_as_cold(site)


def _corrupt_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_garbage(path: Path) -> None:
    path.write_bytes(b"\x80\x04garbage" * 100)


def _corrupt_flip_payload(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def _corrupt_version(path: Path) -> None:
    data = path.read_bytes()
    magic, _, rest = data.partition(b"\n")
    _, _, rest = rest.partition(b" ")
    path.write_bytes(magic + b"\n999 " + rest)


@pytest.mark.parametrize(
    "damage", [_corrupt_truncate, _corrupt_garbage, _corrupt_flip_payload, _corrupt_version]
)
def test_damaged_cache_is_detected_and_rebuilt(site: Path, damage: Callable[[Path], None]) -> None:
    run(site)
    edit_title(site)
    for name in ("sources.pickle", "state.pickle"):
        damage(cache_dir(site / "output") / name)
    messages: list[str] = []
    run(site, log=messages)
    assert_same_as_cold(site)
    if damage is not _corrupt_version:  # another version is stale, not damaged: no message
        assert any("sources.pickle" in m for m in messages)
        assert any("state.pickle" in m for m in messages)
    edit_topics(site)
    run(site)  # and the cache written in its place works
    assert_same_as_cold(site)


@pytest.mark.parametrize(
    "damage", [_corrupt_truncate, _corrupt_garbage, _corrupt_flip_payload, _corrupt_version]
)
def test_a_damaged_index_record_is_detected_and_made_again(
    site: Path, damage: Callable[[Path], None]
) -> None:
    run(site)
    edit_title(site)
    damage(cache_dir(site / "output") / "index.pickle")
    messages: list[str] = []
    run(site, log=messages)
    assert_same_as_cold(site)
    if damage is not _corrupt_version:
        assert any("index.pickle" in m for m in messages)
    edit_topics(site)
    run(site)  # and the record written in its place is used
    assert_same_as_cold(site)


def test_an_index_record_of_other_content_is_not_used(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record left by an older build (say, one whose last save failed) describes other
    articles than the sources the cache holds: the index is made in full."""
    run(site)
    record = cache_dir(site / "output") / "index.pickle"
    older = record.read_bytes()
    edit_title(site)
    run(site)
    edit_topics(site)
    record.write_bytes(older)
    from sitegen import build as build_module

    used: list[bool] = []
    recorded = build_module._recorded_index

    def noted(*args: Any) -> Any:
        found = recorded(*args)
        if args[0] is not None:  # (not the cold build's, which has no cache)
            used.append(found is not None)
        return found

    monkeypatch.setattr(build_module, "_recorded_index", noted)
    run(site)
    assert used == [False]
    assert_same_as_cold(site)
    edit_body(site)
    run(site)
    assert used == [False, True]  # (the record this build wrote)
    assert_same_as_cold(site)


def test_cache_lives_beside_the_output_and_is_safe_to_delete(site: Path) -> None:
    run(site)
    folder = cache_dir(site / "output")
    assert folder.parent == site / CACHE_DIR
    assert not any(p.name == CACHE_DIR for p in (site / "output").rglob("*"))
    shutil.rmtree(folder)
    edit_topics(site)
    run(site)
    assert_same_as_cold(site)


def _ring_two(site: Path) -> tuple[str, Path]:
    """An article page and the source of an article its local graph shows on ring 2 only
    (related to a related article): the farthest thing an article page shows."""
    from sitegen.layout import local_graph
    from sitegen.relate import relate

    result = run(site, "probe", cache=False)
    assert result.index is not None
    graph = relate(result.index, 8)
    for article in result.index.articles:
        nodes, _ = local_graph(graph, article.slug)
        for node in nodes:
            if node.ring == 2:
                far = result.index.by_slug[node.slug]
                shutil.rmtree(site / "probe")
                return f"articles/{article.slug}/index.html", Path(far.source)
    raise AssertionError("no local graph of the sample site has a second ring")


@pytest.mark.parametrize(
    ("edit", "shown"),
    [
        (("title: ", "title: Retitled "), True),  # the node's tooltip
        (("provider:\n  name: ", "provider:\n  name: Renamed "), False),  # not on ring 2
        # A date moves the article in the graph too: only the output is compared.
        (("publishedDateTime: 20", "publishedDateTime: 19"), None),
    ],
)
def test_editing_an_article_rerenders_the_pages_that_show_it_two_hops_away(
    site: Path, edit: tuple[str, str], shown: bool | None
) -> None:
    page, far = _ring_two(site)
    run(site)
    (source,) = [p for p in (site / "content").rglob(far.name) if p.samefile(far)]
    text = source.read_text(encoding="utf-8")
    assert edit[0] in text
    source.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    again = run(site)
    assert_same_as_cold(site)
    assert again.written is not None
    if shown is not None:
        assert (page in again.written.written) == shown


def test_an_edit_rewrites_only_the_changed_sources_entries(site: Path) -> None:
    run(site)
    folder = cache_dir(site / "output")
    base = (folder / "sources.pickle").read_bytes()
    edit_title(site)
    run(site)
    delete_article(site)
    run(site)
    assert (folder / "sources.pickle").read_bytes() == base  # the edits went to the delta
    assert (folder / "sources-delta.pickle").is_file()
    assert_same_as_cold(site)
    # A delta of another sources.pickle is ignored: the files are parsed again, same site.
    (folder / "sources.pickle").unlink()
    edit_topics(site)
    run(site)
    assert not (folder / "sources-delta.pickle").exists()
    assert_same_as_cold(site)
    edit_body(site)
    run(site)
    assert_same_as_cold(site)


def test_an_edit_writes_the_build_state_as_a_delta_and_remakes_few_sitemap_entries(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each run is a new process's build (a new BuildCache): the sitemap's entries and the
    # page keys come from the build state, and only their changes are written (on this
    # small site, only a body edit's are few enough for a delta).
    from sitegen import sitemap

    run(site)
    folder = cache_dir(site / "output")
    base = (folder / "state.pickle").read_bytes()
    made: list[str] = []
    real = sitemap._entry_xml

    def counted(entry: str, item: sitemap.SitemapUrl) -> str:
        made.append(item.loc)
        return real(entry, item)

    monkeypatch.setattr(sitemap, "_entry_xml", counted)
    edit_body(site)
    run(site)
    assert made == []  # no page came, went or changed date: every entry was kept
    assert (folder / "state.pickle").read_bytes() == base  # the edit went to the delta
    assert (folder / "state-delta.pickle").is_file()
    assert_same_as_cold(site)
    for change in (edit_title, edit_date, add_article, delete_article, edit_topics):
        change(site)
        made.clear()
        run(site)
        assert 0 < len(made) < 20  # the pages that came or changed date, of 50
        assert_same_as_cold(site)


def test_the_graph_page_s_topic_counts_are_patched_from_the_build_state(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run a new process's build: the legend's and topic map's counts come from the
    last build's plan memo, patched for the articles that changed, not counted again over
    the site; they are the counts of the site's articles, and the output a cold build's."""
    from sitegen import graphpages

    real = graphpages.TopicCounts.of.__func__  # type: ignore[attr-defined]
    counted_afresh: list[int] = []

    def of(cls: Any, articles: Any, last: Any) -> Any:
        if last is None:
            counted_afresh.append(len(articles))
        return real(cls, articles, last)

    run(site)
    monkeypatch.setattr(graphpages.TopicCounts, "of", classmethod(of))
    for change in (edit_topics, edit_title, add_article, delete_article, rename_article):
        change(site)
        counted_afresh.clear()  # (the cold builds count afresh)
        held: list[Any] = []
        config = load_config(site, None, {"output_dir": "output"})
        build(config, jobs=1, log=[].append, hold=held)
        assert counted_afresh == []
        made = held[0]
        fresh = real(graphpages.TopicCounts, made["index"].articles, None)
        assert made["plan_memo"].topic_main == dict(fresh.main)
        assert made["plan_memo"].topic_pairs == dict(fresh.pairs)
        assert_same_as_cold(site)


def test_serve_rebuilds_in_memory_match_cold_builds(site: Path) -> None:
    """serve's path: one process, the cache held in memory from a first full build (made
    from the cache on disk), edits one after another, each compared with a cold build."""
    import argparse

    from sitegen import serve

    run(site)  # a cache on disk, as a serve started after a build finds it
    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    assert {"sources.pickle", "relate.pickle"} <= set(rebuilder.cache.held)
    # The graph data's texts are in memory for the first edit, though no file was made.
    graph_memo = rebuilder.cache._kept["graph fragments"][1]
    assert set(graph_memo.node_texts) == {"json", "page"}
    # Nothing changed: the big files are not written back.
    assert not {"sources.pickle", "relate.pickle"} & rebuilder.cache.dirty
    sitemap = (site / "output" / "sitemap.xml").read_bytes()
    for change in ("title edit", "topics edit", "add", "delete", "rename", "body edit"):
        CHANGES[change](site)
        result = rebuilder.run(change)
        assert result is not None and result.index is not None
        assert_same_as_cold(site)
    # A new date changes lastmod of entries the sitemap reused from the builds before.
    edit_date(site)
    assert rebuilder.run("date edit") is not None
    assert_same_as_cold(site)
    assert (
        b"<lastmod>2031-02-03T04:05:06Z</lastmod>" in (site / "output" / "sitemap.xml").read_bytes()
    )
    assert b"2031-02-03" not in sitemap
    # Nothing was written to the cache folder while serving; on exit it is, and a build
    # from it is as good as a cold one.
    rebuilder.cache.flush()
    assert not rebuilder.cache.dirty
    edit_title(site)
    again = run(site)
    assert again.rendered < 40
    assert_same_as_cold(site)


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*")}


def test_serve_rebuilds_from_the_watchers_change_sets_match_cold_builds(site: Path) -> None:
    """serve passes the paths the watcher reported: only those are stat'ed again, and a path
    the last scan did not list (a new file, a folder) or that is gone makes a full scan."""
    import argparse

    from sitegen import serve

    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    content = config.path("content_dir")
    for change in [*CHANGES, "title edit"]:
        before = _stats(site)
        CHANGES[change](site)
        after = _stats(site)
        paths = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        changed = serve.content_changes(config, paths)
        if change in ("title edit", "body edit", "topics edit"):
            assert changed is not None and len(changed) == 1
        if change in ("template edit", "config edit"):
            assert changed is None
        result = rebuilder.run(change, changed)
        if change == "config edit":
            rebuilder.config = load_config(site, None, {})
            result = rebuilder.run(change, changed)
        assert result is not None
        # Only a scan of the content folder sets result.scanned: one is made when a path is
        # new or gone, or when the change set is not known.
        scanned = changed is None or any(p not in before or p not in after for p in changed)
        assert (result.scanned is not None) == scanned
        assert_same_as_cold(site)
    # A folder named as changed, or a path of no content file: the folder is scanned.
    (content / "more").mkdir()
    shutil.copy(some_article(site, 3), content / "more" / "copy.md")
    result = rebuilder.run("folder", {str(content / "more")})
    assert result is not None and result.scanned is not None
    assert_same_as_cold(site)
    (content / "more" / "copy.md").unlink()
    result = rebuilder.run("gone", {str(content / "more" / "copy.md")})
    assert result is not None and result.scanned is not None
    assert_same_as_cold(site)


def test_serve_hashes_the_templates_again_only_when_a_change_set_is_not_all_content(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild whose change set names only content files takes the last build's hash of
    the templates and settings (the watcher names any other file: the set is then None)."""
    import argparse

    from sitegen import build as build_module
    from sitegen import serve
    from sitegen.config import builtin_theme_dir

    made: list[str] = []
    real = build_module._fingerprint
    monkeypatch.setattr(build_module, "_fingerprint", lambda *a: made.append(real(*a)) or made[-1])
    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None and len(made) == 1
    edit_title(site)
    assert rebuilder.run("title", {str(some_article(site))}) is not None
    assert len(made) == 1
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "404.html").write_text("<p>gone</p>", encoding="utf-8")
    changed = serve.content_changes(config, {str(site / "templates" / "404.html")})
    assert changed is None
    assert rebuilder.run("template", changed) is not None and len(made) == 2
    assert made[1] != made[0]
    assert_same_as_cold(site)
    # The built-in theme's folder is watched too.
    assert str(builtin_theme_dir()) in serve._watched(config, argparse.Namespace(config=None))


def test_serve_rebuild_after_a_failed_one_matches_a_cold_build(site: Path) -> None:
    import argparse

    from sitegen import serve

    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text("{% broken", encoding="utf-8")
    edit_title(site)
    assert rebuilder.run("broken template") is None
    (site / "templates" / "article.html").unlink()
    edit_topics(site)
    assert rebuilder.run("fixed") is not None
    assert_same_as_cold(site)


def test_serve_reloads_the_tabs_once_the_site_is_in_place_before_the_bookkeeping(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reload goes out as soon as the rebuilt pages are in place, before the rest of the
    site (requests for it wait) and before the build state for the next rebuild is saved."""
    import argparse

    from sitegen import serve

    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    saved: list[str] = []
    save_state = rebuilder.cache.save_state

    def record_save(fingerprint: str, state: object) -> None:
        saved.append(fingerprint)
        save_state(fingerprint, state)  # type: ignore[arg-type]

    hub = rebuilder.hub
    at_reload: list[tuple[dict[str, bytes], set[str], int]] = []
    publish = hub.publish

    def record_publish(event: str, data: dict[str, object]) -> None:
        if event == "reload":
            assert not hub.complete.is_set()  # requests for the rest wait
            at_reload.append((tree(site / "output"), set(hub.ready), len(saved)))
        publish(event, data)

    monkeypatch.setattr(rebuilder.cache, "save_state", record_save)
    monkeypatch.setattr(hub, "publish", record_publish)
    for change in (edit_title, edit_topics, delete_article):
        change(site)
        at_reload.clear()
        assert rebuilder.run("edit") is not None
        assert hub.complete.is_set()
        [(output, ready, saves_before)] = at_reload
        assert saves_before == len(saved) - 1  # saved after the reload
        final = tree(site / "output")
        # The pages were in place, and are served at once; the graph data and the sitemap
        # came after, and so did the deletion of a deleted article's page.
        assert {path for path in final if output.get(path) == final[path]} >= ready
        assert "articles/" in "".join(ready) and not {"graph.json", "sitemap.xml"} & ready
        assert {path for path in set(output) | set(final) if output.get(path) != final.get(path)}
        # No tab shows the graph page: its changed list came after too.
        assert output["graph/index.html"] != final["graph/index.html"]
        assert "graph/index.html" not in ready
        assert_same_as_cold(site)
    # A tab that shows the graph page gets it before the reload.
    tab = hub.subscribe("graph/index.html")
    edit_title(site)
    at_reload.clear()
    assert rebuilder.run("edit") is not None
    [(output, ready, _)] = at_reload
    assert "graph/index.html" in ready
    assert output["graph/index.html"] == tree(site / "output")["graph/index.html"]
    hub.unsubscribe(tab)
    assert hub.shown() == frozenset()
    assert_same_as_cold(site)


def test_serve_rerenders_the_pages_that_show_an_edited_article_two_hops_away(site: Path) -> None:
    """The page keys serve reuses between rebuilds still see a title two hops away."""
    import argparse

    from sitegen import serve

    page, far = _ring_two(site)
    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    (source,) = [p for p in (site / "content").rglob(far.name) if p.samefile(far)]
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("title: ", "title: Retitled ", 1), encoding="utf-8")
    again = rebuilder.run("title two hops away")
    assert again is not None and again.written is not None
    assert page in again.written.written
    assert_same_as_cold(site)


def test_an_edit_that_keeps_the_size_and_the_mtime_is_still_seen(site: Path) -> None:
    """Two writes within one tick of a file system's coarse clock get the same mtime: a file
    changed that shortly before a build is checked by its bytes the next time."""
    path = some_article(site)
    # Within the window before every scan below however slow the machine: a stamp ahead of
    # the clock (as a skewed clock gives) counts as "changed just before the scan" too.
    stamp = time.time_ns() + 3600 * 10**9
    os.utime(path, ns=(stamp, stamp))
    run(site)
    text = path.read_text(encoding="utf-8")
    start = text.index("\ntitle: ") + len("\ntitle: ")
    start += text[start] in "'\""
    letter = "Q" if text[start] != "Q" else "W"
    edited = text[:start] + letter + text[start + 1 :]
    assert len(edited.encode()) == len(text.encode())
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    run(site)
    assert_same_as_cold(site)
    # Its bytes were compared, not only its stats: with nothing changed the next build is
    # the quick one again, and another same-size edit is still seen.
    again = run(site)
    assert again.index is None and again.written is not None and again.written.written == []
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert run(site).index is not None
    assert_same_as_cold(site)


def test_only_a_cache_the_build_made_itself_lets_go_of_what_it_kept(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # serve passes its cache in, to reuse what the build kept; the CLI's build made its own,
    # of which nothing is used again: freed before the save (see build).
    config = load_config(site, None, {"output_dir": "output"})
    passed_in = BuildCache(cache_dir(site / "output"), print)
    build(config, jobs=1, cache=passed_in)
    assert "jinja" in passed_in._kept and "sitemap" in passed_in._kept
    forgotten: list[BuildCache] = []
    monkeypatch.setattr(BuildCache, "forget_kept", lambda self: forgotten.append(self))
    edit_title(site)
    run(site)
    assert len(forgotten) == 1 and forgotten[0] is not passed_in
    assert_same_as_cold(site)


def test_a_cache_that_forgot_what_it_kept_makes_it_again(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, print)
    made: list[int] = []
    assert cache.kept("x", "fp", lambda: made.append(1) or "one") == "one"
    assert cache.kept("x", "fp", lambda: made.append(2) or "two") == "one"
    cache.forget_kept()
    assert cache.kept("x", "fp", lambda: made.append(3) or "three") == "three"
    assert made == [1, 3]


def test_serve_pages_planned_again_from_the_last_plan_render_as_cold_ones(site: Path) -> None:
    """serve reuses the pages its last plan made from their keys (PlannedPages); such a page
    whose file is gone is rendered from this build's data, as a cold build renders it."""
    import argparse

    from sitegen import serve

    config = load_config(site, None, {})
    rebuilder = serve.Rebuilder(config, argparse.Namespace(jobs=1, no_cache=False), serve.Hub())
    assert rebuilder.run() is not None
    for change in ("title edit", "topics edit", "title edit"):
        CHANGES[change](site)
        assert rebuilder.run(change) is not None
    planned = rebuilder.cache._kept["planned pages"][1]
    assert planned.articles and planned.listings  # the last edit reused pages of both kinds
    output = site / "output"
    gone = [p for p in output.rglob("index.html") if "graph" not in p.parts]
    for path in gone:
        path.unlink()
    assert rebuilder.run("pages deleted") is not None  # no change set: the files are checked
    assert all(path.is_file() for path in gone)
    assert_same_as_cold(site)


def test_a_file_with_the_path_of_a_page_is_reported(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages' paths are checked against each other in bulk; another file (a theme's, the
    sitemap...) with a page's path, in any case, is still reported."""
    from sitegen import render
    from sitegen.model import OutputFile, OutputPath

    static_files = render.static_files

    def with_a_clash(dirs: list[Path]) -> list[OutputFile]:
        return [*static_files(dirs), OutputFile(OutputPath("404.HTML"), b"x", "theme file")]

    monkeypatch.setattr(render, "static_files", with_a_clash)
    result = run(site)
    assert [str(p) for p in result.problems if "also produced by" in str(p)] == [
        'theme file:1: output: "404.HTML" is also produced by 404 page; only the first is written'
    ]


def test_reading_patched_after_an_edit_finds_what_reading_every_entry_finds(site: Path) -> None:
    """serve's reading after an edit patches the last build's articles (build.ReadMemo):
    the same articles, digests, problems and drafts as a pass over every entry, for edits it
    patches (title, topics, body, date) and those it reads again for (a draft, a warning)."""
    from sitegen.build import RACY_NS, ReadMemo, ScanMemo, _read_articles, scan

    config = load_config(site, None, {})
    content = str(config.path("content_dir"))
    scan_memo, memo = ScanMemo(), ReadMemo()
    sources, _folders = scan(content)
    scan_memo.keep(sources)
    _read_articles(config, BuildResult(), sources=sources, memo=memo, recent=0)

    def warn(site: Path) -> None:  # an unusable optional field: a warning, still an article
        path = some_article(site, 19)
        text = path.read_text(encoding="utf-8").replace("title: ", "heat: hot\ntitle: ", 1)
        path.write_text(text, encoding="utf-8")

    def draft(site: Path) -> None:
        path = some_article(site, 2)
        text = path.read_text(encoding="utf-8").replace("published: true\n", "")
        path.write_text(text.replace("---\n", "---\npublished: false\n", 1), encoding="utf-8")

    def untouched(site: Path) -> None:  # the same bytes, a new mtime
        os.utime(some_article(site, 7), ns=(1, 1))

    patched_by = {"title edit", "topics edit", "body edit", "date edit", "untouched"}
    changes = [*(CHANGES[c] for c in ("title edit", "topics edit", "body edit", "date edit"))]
    changes += [draft, warn, untouched, CHANGES["title edit"]]
    names = ["title edit", "topics edit", "body edit", "date edit", "draft", "warning"]
    names += ["untouched", "title edit"]
    for name, change in zip(names, changes, strict=True):
        before = _stats(site / "content")
        change(site)
        after = _stats(site / "content")
        paths = {p for p in after if before.get(p) != after[p]}
        assert paths
        patched_sources = scan_memo.patched(paths)
        assert patched_sources is not None and scan_memo.moved is not None
        assert memo.made is not None
        places = memo.made.places
        recent = time.time_ns() - RACY_NS  # the edited file is too recent to trust
        patched, full = BuildResult(), BuildResult()
        found = _read_articles(
            config,
            patched,
            sources=patched_sources,
            memo=memo,
            moved=scan_memo.moved,
            recent=recent,
        )
        full_memo = ReadMemo()  # (keeps the entries it read)
        expected = _read_articles(
            config, full, sources=list(patched_sources), recent=recent, memo=full_memo
        )
        assert found == expected, name
        assert [a.source for a in found[0]] == [a.source for a in expected[0]]
        assert patched.problems == full.problems, name
        assert patched.drafts_skipped == full.drafts_skipped, name
        assert patched.recent_sources == full.recent_sources, name
        assert memo.entries == full_memo.entries, name  # what the cache is given to save
        # Patched, not read again (which makes the articles' places anew).
        assert (memo.made.places is places) == (name in patched_by), name


def test_a_cold_build_lets_its_relate_state_go_once_saved(site: Path) -> None:
    # Nothing after planning reads a cold relate's state but its save: saved then, it is
    # not held for the rest of the build (its memory is render's and write's), and an edit
    # after finds it, as after any build.
    hold: list[Any] = []
    config = load_config(site, None, {"output_dir": "output"})
    build(config, jobs=1, log=[].append, hold=hold)
    kept = hold[0]
    assert kept["relate_left"] is None and "relate_state" not in kept
    assert (cache_dir(site / "output") / "relate.pickle").is_file()
    edit_title(site)
    hold.clear()
    build(config, jobs=1, log=[].append, hold=hold)
    assert hold[0]["old_relate"] is not None and hold[0]["relate_left"] is hold[0]["old_relate"]
    assert_same_as_cold(site)


def _with_mojibake_excerpt(site: Path) -> tuple[Path, str]:
    """An article given an excerpt that is mojibake ftfy repairs ("Café talk – a review"):
    its path and its new text."""
    path = some_article(site)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^excerpt:.*\n", "", text)
    mojibake = "Caf\u00c3\u00a9 talk \u00e2\u20ac\u201c a review"
    text = text.replace("title: ", f'excerpt: "{mojibake}"\ntitle: ', 1)
    path.write_text(text, encoding="utf-8")
    return path, text


def test_a_file_edited_again_is_read_with_the_repairs_of_its_unchanged_texts(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its excerpt is mojibake that ftfy repairs; read once (with ftfy), the repair is saved
    # in the cache, so the next edit of its title reads it without ftfy, not even imported.
    path, text = _with_mojibake_excerpt(site)
    run(site)
    path.write_text(text.replace("title: ", "title: Again ", 1), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ftfy", None)  # importing it fails
    result = run(site)
    assert result.errors == 0 and result.rendered > 0
    monkeypatch.undo()
    assert_same_as_cold(site)  # the cold build repairs it with ftfy: the same bytes
    pages = [p.read_text(encoding="utf-8") for p in (site / "output").rglob("*.html")]
    assert any("Café talk – a review" in page for page in pages)


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")
@pytest.mark.parametrize("parts", [False, True])
def test_a_parallel_cold_build_saves_the_repairs_its_workers_made(
    site: Path, monkeypatch: pytest.MonkeyPatch, parts: bool
) -> None:
    # As the test above, with the first build's files parsed by workers (each file's results
    # sent back, or, ``parts``, made there into parts of sources.pickle): the repairs they
    # made are saved too, so the first edit after a cold build needs no ftfy either.
    pool_from = parallel.MIN_PARALLEL_ITEMS
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    if parts:
        monkeypatch.setattr(cache_module, "SOURCES_PART", 4)
    path, text = _with_mojibake_excerpt(site)
    run(site, jobs=2)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", pool_from)  # an edit's one file: here
    path.write_text(text.replace("title: ", "title: Again ", 1), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ftfy", None)  # importing it fails
    result = run(site, jobs=2)
    assert result.errors == 0 and result.rendered > 0
    monkeypatch.undo()
    assert_same_as_cold(site)


def _cache_files(site: Path, output: str = "output") -> dict[str, bytes]:
    folder = cache_dir(site / output)
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")
def test_a_parallel_cold_build_saves_its_cache_aside_as_a_serial_one_saves_it(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The relate state of a first build is pickled by a forked copy of the build process
    # (sitegen.cache.Aside) while it goes on; its sources are written from the parts the
    # parse workers pickled (sitegen.cache.SourcesFile): the same files, then the same edit
    # builds from them. Files changed just before the build are saved with the mtime -1
    # (their bytes are compared next time) either way.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(cache_module, "SOURCES_PART", 4)  # (the workers' parts: 5 of 26 files)
    files = sorted((site / "content").rglob("*.md"))
    for n, path in enumerate(files):
        stamp = time.time_ns() + 3600 * 10**9 if n % 3 == 0 else 10**18
        os.utime(path, ns=(stamp, stamp))
    asides: list[str] = []
    aside = cache_module.Aside.__init__

    def counted(self: Any, cache: Any, name: str, *args: Any, **kwargs: Any) -> None:
        asides.append(name)
        aside(self, cache, name, *args, **kwargs)

    monkeypatch.setattr(cache_module.Aside, "__init__", counted)
    parts: list[bytes] = []
    add = cache_module.SourcesFile.add
    monkeypatch.setattr(
        cache_module.SourcesFile, "add", lambda self, data: (parts.append(data), add(self, data))
    )
    run(site, "serial", jobs=1)
    assert asides == [] and parts == []
    run(site, jobs=2)
    assert asides == ["relate.pickle"] and len(parts) == 5
    folder, serial = cache_dir(site / "output"), cache_dir(site / "serial")
    assert sorted(_cache_files(site)) == sorted(_cache_files(site, "serial"))
    sources = BuildCache(folder, print).load_sources(_fingerprints(folder)["load_sources"])
    recent = sorted(key for key, entry in sources.items() if entry[0] == -1)
    assert recent == sorted(map(str, files[::3]))
    for load in (BuildCache.load_sources, BuildCache.load_relate):
        fingerprint = _fingerprints(folder)[load.__name__]
        forked, alone = (load(BuildCache(f, print), fingerprint) for f in (folder, serial))
        assert forked is not None and alone is not None
        if load is BuildCache.load_relate:
            forked, alone = forked.__getstate__(), alone.__getstate__()
        assert forked == alone
    edit_title(site)
    run(site, jobs=1)
    assert_same_as_cold(site)


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")
def test_the_last_files_parsed_are_pickled_into_the_sources_as_they_come(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The files parsed after the workers' parts (in the smaller chunks that let them end
    # together) come back as parsed: their entries are pickled a few chunks at a time as
    # they come, not all after the parse. The file loads as the serial build's.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(cache_module, "SOURCES_PART", 4)  # (the workers' parts: 20 of 26)
    monkeypatch.setattr(build_module, "SOURCES_REST_PART", 2)
    added: list[int] = []
    add = cache_module.SourcesFile.add_entries
    monkeypatch.setattr(
        cache_module.SourcesFile,
        "add_entries",
        lambda self, entries: (added.append(len(entries)), add(self, entries)),
    )
    run(site, "serial", jobs=1)
    assert added == []
    run(site, jobs=2)
    assert sum(added) == 6 and len(added) >= 3 and min(added[:-1]) >= 2
    folder, serial = cache_dir(site / "output"), cache_dir(site / "serial")
    fingerprint = _fingerprints(folder)["load_sources"]
    loaded = [BuildCache(f, print).load_sources(fingerprint) for f in (folder, serial)]
    assert loaded[0] == loaded[1] and list(loaded[0]) == list(loaded[1])
    edit_title(site)
    run(site, jobs=2)
    assert_same_as_cold(site)


def _fingerprints(folder: Path) -> dict[str, str]:
    """The fingerprint each of the two files was written with (their header's)."""
    found = {}
    for name, load in (("sources.pickle", "load_sources"), ("relate.pickle", "load_relate")):
        head = (folder / name).read_bytes().split(b"\n", 2)[1]
        found[load] = head.decode().split(" ", 1)[1]
    return found


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")
@pytest.mark.parametrize("part", [None, 4])
def test_a_parallel_first_build_that_fails_leaves_no_sources_behind(
    site: Path, monkeypatch: pytest.MonkeyPatch, part: int | None
) -> None:
    # The sources are written aside (or from the parse workers' parts: see the test
    # above) while the build goes on; the build then fails on a template: they are not
    # put in place (the cache is only ever ahead of the output by whole builds), and
    # nothing of them is left in the cache folder.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    if part is not None:
        monkeypatch.setattr(cache_module, "SOURCES_PART", part)
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text("{% broken", encoding="utf-8")
    with pytest.raises(BuildError):
        run(site, jobs=2)
    gc.collect()  # (the failed build's frame, and with it the aside, is gone)
    folder = cache_dir(site / "output")
    deadline = time.monotonic() + 30
    while any(p.suffix == ".tmp" for p in folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["relate.pickle"]
    (site / "templates" / "article.html").unlink()
    run(site, jobs=2)
    assert_same_as_cold(site)
