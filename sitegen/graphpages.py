"""View models and data for the related-articles graph: article pages' Related section and
local graph, story entries of listings, the graph page and ``graph.json``."""

from __future__ import annotations

import hashlib
import json
import math
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain, combinations, compress, repeat
from operator import add, attrgetter, eq, is_, is_not, itemgetter, ne, or_
from pathlib import Path
from typing import Any, TypeVar, cast, overload

from sitegen.digests import file_digest
from sitegen.layout import (
    LOCAL_HEIGHT,
    LOCAL_WIDTH,
    LayoutMemo,
    LocalGraph,
    disc_centres,
    main_topic,
    patch_layout,
    placed_local_graph,
    site_layout,
    taken_local_graph,
)
from sitegen.meta import compact_json
from sitegen.model import Article, Edge, RelatedGraph, SiteIndex, Slug, Topic
from sitegen.views import (
    OTHER_COLOR,
    TOPIC_COLORS,
    ArticleLinks,
    Coverage,
    DateView,
    GraphLine,
    LegendItem,
    LocalGraphView,
    RelatedItem,
    RelatedView,
    StoryView,
    ViewFactory,
    coverage_of,
    iso_utc,
    local_line,
)

# A JSON text of a data file: made by this build (bytes), or read back from the file the
# last build wrote (a view of its bytes: see GraphDataState.texts).
Text = bytes | memoryview

GRAPH_FORMAT_VERSION = 1
TOPIC_MAP_TOPICS = 40  # topics drawn on the topic map, the biggest
TOPIC_MAP_SIZE = 560


@dataclass
class GraphMemo:
    """What the last build of this process made of graph.json and the graph page's data: the
    JSON text of each node and each article's edges, the layout, the degrees, with what
    each was made from. After an edit only the fragments of what changed are made again;
    the files are then joins (1-2 s less at 10,000 articles). Not kept
    on disk: 20 MB of values cost more to read and write than to make the texts again.
    Only valid for one set of settings (the URLs are in the texts): the caller keeps one
    per build fingerprint."""

    # A list's text None: the text at its slug's place in ``link_file`` (a restored memo's).
    links: dict[Slug, tuple[tuple[Edge, ...], Text | None]] = field(default_factory=dict)
    link_file: tuple[FileTexts, dict[Slug, int]] | None = None
    # The site's articles, the stories, and the layout made from them: an edit that moves
    # no article between topics or stories keeps the layout.
    layout: tuple[Sequence[Article], dict[Slug, Slug], dict[Slug, tuple[float, float]]] | None = (
        None
    )
    # The edge lists (by slug, in site order) and what both files make of them alone: the
    # degrees and the graph page's edge list. An edit that changes no related list keeps
    # them (serve's relate hands out the same tuples for unchanged lists).
    edge_lists: tuple[list[Slug], dict[Slug, tuple[Edge, ...]]] | None = None
    layout_discs: LayoutMemo = field(default_factory=dict)  # site_layout's memo
    edges_version: int = 0  # counts the changes of the edge lists or the order
    page_pairs: PagePairs | None = None  # the graph page's edges, kept up to date
    page_edges: tuple[int, Counter[int], bytes] | None = None  # version, degrees, edges' text
    json_degree: tuple[int, Counter[Slug]] | None = None  # version, degrees
    # Per data file: the site's articles, each node's own values (degree, position), the
    # values shared by all nodes (stories or legend) and the texts, in site order.
    node_texts: dict[
        str,
        tuple[tuple[Article, ...], list[object], tuple[object, ...], Sequence[Text]],
    ] = field(default_factory=dict)
    # The site's articles (by id) and what the legend and topic map count of them.
    topic_counts: TopicCounts | None = None
    # GraphViews.common of the last build that made it, and its common_hash ("": not made).
    common: tuple[dict[str, object], str] | None = None
    # The graph page's list entries as the theme rendered them (Renderer.graph_entry_html):
    # article URL -> what the entry showed and its HTML.
    entries: dict[str, tuple[ArticleLinks, str]] = field(default_factory=dict)
    # The last build's nodes as restored (a new process's memo): the very article where it
    # was unchanged at its place, and each place's slug and main topic then.
    was: tuple[tuple[object, ...], tuple[Slug, ...], tuple[str, ...]] | None = None

    def saved(self, articles: Sequence[Article], files: dict[str, str]) -> GraphDataState | None:
        """What the build state keeps of this memo, when both data files were made from it
        for ``articles`` (this build's) into the files with these digests (path -> hash)."""
        json_, page = self.node_texts.get("json"), self.node_texts.get("page")
        pairs = self.page_pairs
        if json_ is None or page is None or pairs is None:
            return None
        if json_[0] is not articles or page[0] is not articles:
            return None  # made for another site: this build's files came from elsewhere
        links = (tuple(self.links), self._link_lengths())
        return GraphDataState(
            files, json_, page, links, dict(pairs.texts), pairs.degree.copy(), self.was
        )

    def _link_lengths(self) -> array[int]:
        """The length of each list's text, in the order of ``links``."""
        texts = list(map(_SECOND, self.links.values()))
        if self.link_file is None:
            return array("q", map(len, cast("list[Text]", texts)))
        file, places = self.link_file
        in_file = file.lengths()
        lengths = array("q", map(in_file.__getitem__, map(places.get, self.links, repeat(0))))
        for at in compress(range(len(texts)), map(is_not, texts, repeat(None))):
            lengths[at] = len(cast("Text", texts[at]))
        return lengths

    def restore(
        self,
        saved: GraphDataState | None,
        pages: dict[str, tuple[str, str, int]],
        output: Path,
        articles: Sequence[Article],
        edges: dict[Slug, tuple[Edge, ...]],
        keyed: set[Slug],
        changed: set[Slug],
        old_edges: dict[Slug, tuple[Edge, ...]],
    ) -> None:
        """Fill an empty memo (a new process's) from what the last build kept of its own
        (``saved``), so that its data files are patched, not made again: ``pages``, the last
        build's page keys and digests, and ``output``, its folder (the files must be those
        the texts make: the texts are read from them); ``keyed``,
        the articles new, gone or whose key changed since; ``changed``, the slugs whose
        related list differs from ``old_edges``, the last build's."""
        if saved is None or self.node_texts or self.links or self.page_pairs is not None:
            return  # nothing kept, or this process's own memo is there (serve)
        if any(pages.get(path, ("", "", 0))[1] != digest for path, digest in saved.files.items()):
            return  # the files are not those the texts make: make them again
        data = saved.texts(output)
        if data is None:
            return  # changed or gone since: made again
        order: tuple[Slug, ...] = data["order"]
        if len(order) == len(articles):
            # The very article where it is the same one; a stand-in (made again) elsewhere.
            same = _same_articles(articles, order, keyed)
            self.was = (same, order, data["mains"])
            for name in ("json", "page"):
                texts, keys, equal = data[name]
                self.node_texts[name] = (same, keys, equal, texts)  # type: ignore[assignment]
            self._restore_layout(order, data["mains"], same, data["json"])
        slugs, texts = data["links"]
        # (In C: 10,000 lines, their texts left in the file; those of the lists changed or
        # gone left out after.)
        links = dict(zip(slugs, zip(map(edges.get, slugs), repeat(None)), strict=True))
        self.link_file = (texts, dict(zip(slugs, range(len(slugs)), strict=True)))
        for slug in changed.union(compress(slugs, map(is_, map(edges.get, slugs), repeat(None)))):
            links.pop(slug, None)
        self.links = links
        nodes_degree = map(_FIRST, data["json"][1])
        self.json_degree = (
            self.edges_version,
            _patched_degree(order, nodes_degree, changed, old_edges, edges),
        )
        self.edge_lists = (list(map(_SLUG, articles)), edges)  # what the degrees are of
        rows, row_texts, degree = data["pairs"]
        # The lists of ``order`` (the old ones of those changed), in its order, in C.
        lists = dict(zip(order, map(edges.get, order), strict=True))
        for slug in changed.intersection(lists):
            lists[slug] = old_edges.get(slug)
        for slug in list(compress(lists, map(is_, lists.values(), repeat(None)))):
            del lists[slug]
        self.page_pairs = PagePairs.restored(
            order,
            cast("dict[Slug, tuple[Edge, ...]]", lists),
            dict(zip(rows, row_texts, strict=True)),
            degree,
        )

    def _restore_layout(
        self,
        order: tuple[Slug, ...],
        mains: tuple[str, ...],
        same: tuple[object, ...],
        saved: tuple[list[Text], list[Any], tuple[object, ...]],
    ) -> None:
        """The last build's layout, for GraphViews.positions to patch rather than lay out
        10,000 articles again: the articles it was made of (where not the very ones, a
        stand-in with the slug and main topic it had), its stories (graph.json's shared
        values) and positions (its nodes' own), and its discs, each made when first asked
        for (a title edit's patch asks for one or two of hundreds)."""
        stories = saved[2][0] if len(saved[2]) == 1 else None
        if type(stories) is not dict:
            return
        was = list(same)  # (in C: 10,000 articles; the few stand-ins put in after)
        for at in compress(range(len(was)), map(is_, was, repeat(_CHANGED))):
            was[at] = _Was(order[at], mains[at])
        positions = dict(zip(order, map(_SECOND, saved[1]), strict=True))
        self.layout = (cast("tuple[Article, ...]", tuple(was)), stories, positions)
        self.layout_discs = _SavedDiscs(order, mains, stories, positions)


@dataclass(frozen=True)
class _Was:
    """An article of the last build that is not this build's, as the layout's patch reads
    it: its slug and main topic then."""

    slug: Slug
    main: str

    @property
    def topics(self) -> tuple[Topic, ...]:
        return (Topic(self.main, Slug(self.main)),) if self.main else ()


class _SavedDiscs(dict[str, tuple[list[tuple[Slug, Slug]], tuple[float, float], dict[Slug, Any]]]):
    """site_layout's memo (LayoutMemo) in a new process: a disc's entry (its members' sort
    keys, centre and positions) made from the last build's layout when first asked for."""

    def __init__(
        self,
        order: tuple[Slug, ...],
        mains: tuple[str, ...],
        stories: dict[Slug, Slug],
        positions: dict[Slug, tuple[float, float]],
    ) -> None:
        super().__init__()
        self._saved = (order, mains, stories, positions)
        self._centres: dict[str, tuple[float, float]] | None = None

    def get(self, disc: str, default: Any = None) -> Any:
        if disc in self:
            return self[disc]
        order, mains, stories, positions = self._saved
        members = list(compress(order, map(eq, mains, repeat(disc))))
        if not members:
            return default
        if self._centres is None:  # (as site_layout packed them: by the discs' sizes)
            self._centres = disc_centres(Counter(mains))
        keys = sorted((stories.get(slug, slug), slug) for slug in members)
        entry = (keys, self._centres[disc], {slug: positions[slug] for _, slug in keys})
        self[disc] = entry
        return entry


def _patched_degree(
    order: Sequence[Slug],
    degrees: Iterable[int],
    changed: set[Slug],
    old_edges: dict[Slug, tuple[Edge, ...]],
    edges: dict[Slug, tuple[Edge, ...]],
) -> Counter[Slug]:
    """graph.json's degrees (each edge counts for its source and its target): the last
    build's (``degrees``, of the articles of ``order``) with the edges of the lists that
    changed since (``old_edges`` -> ``edges``) taken out and put in, not 50,000 edges
    counted again."""
    degree = Counter(dict(zip(order, degrees, strict=True)))
    for slug in changed:
        for ranked, sign in ((old_edges.get(slug, ()), -1), (edges.get(slug, ()), 1)):
            degree[slug] += sign * len(ranked)
            for edge in ranked:
                degree[edge.target] += sign
    return +degree  # (the articles with no edge left out, as when counted)


_CHANGED = object()  # a node's article that is not the last build's: its text is made again


def _same_articles(
    articles: Sequence[Article], order: Sequence[Slug], keyed: set[Slug]
) -> tuple[object, ...]:
    """The very article where it has the slug of ``order`` at its place and is not one of
    ``keyed``; _CHANGED elsewhere. (In C: 10,000 articles.)"""
    slugs = list(map(_SLUG, articles))
    same: list[object] = list(articles)
    for at in compress(range(len(slugs)), map(ne, slugs, order)):
        same[at] = _CHANGED
    for at in compress(range(len(slugs)), map(keyed.__contains__, order)):
        same[at] = _CHANGED
    return tuple(same)


NodeTexts = tuple[Sequence[Article], list[object], tuple[object, ...], Sequence[Text]]
_Live = tuple[
    NodeTexts, NodeTexts, tuple[tuple[Slug, ...], "array[int]"], dict[int, Text], Counter[int]
]


class GraphDataState:
    """What ``sitegen build`` keeps of the graph data in the build state (beside the plan
    memo), for the next process to patch the files rather than make them again (1 s at
    10,000 articles): where each node's and each article's edges' JSON text lies in the
    files, each node's own values and the degrees. The texts are read back from the files
    themselves, checked against the digests the build wrote them with (15 MB of texts in
    the state cost more to write and read again than the files). Holds the memo's values
    as they were, compacted only when pickled: ``serve`` keeps it in memory and only
    writes it when it stops."""

    def __init__(
        self,
        files: dict[str, str],
        json_: NodeTexts,
        page: NodeTexts,
        links: tuple[tuple[Slug, ...], array[int]],
        rows: dict[int, Text],
        degree: Counter[int],
        was: tuple[tuple[object, ...], tuple[Slug, ...], tuple[str, ...]] | None = None,
    ) -> None:
        self.files = files  # the data files' paths and digests, as these texts make them
        # The files' inode, size and mtime once written (note_stats): a file that still has
        # them is not hashed again to find that it is the one these texts make.
        self.stats: dict[str, tuple[int, int, int]] = {}
        self._live: _Live | None = (json_, page, links, rows, degree)
        self._was = was  # see GraphMemo.was
        self._packed_form: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"files": self.files, "stats": self.stats, "packed": self._packed()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.files, self._live, self._packed_form = state["files"], None, state["packed"]
        self.stats = state.get("stats", {})

    def note_stats(self, output: Path) -> None:
        """Note the files' stats as the build that wrote them (into ``output``) left them."""
        self.stats = {}
        for path in self.files:
            with suppress(OSError):  # (not noted: hashed next time)
                self.stats[path] = _stat_key(os.stat(output / path))

    def pack(self) -> None:
        """Keep only the packed form: the memo's texts can be freed (a build that ends)."""
        self._packed()
        self._live = None

    def _packed(self) -> dict[str, Any]:
        found = self._packed_form
        if found is None:
            assert self._live is not None
            json_, page, links, rows, degree = self._live
            numbers = sorted(rows)
            order, mains = _places(json_[0], self._was)
            found = self._packed_form = {
                "format": _STATE_FORMAT,
                "order": order,
                "mains": mains,
                "json": (_lengths(json_[3]), _pack_keys(json_[1]), json_[2]),
                "page": (_lengths(page[3]), _pack_keys(page[1]), page[2]),
                "links": links,
                "pairs": (
                    array("q", numbers),
                    _lengths([rows[n] for n in numbers]),
                    array("q", map(degree.__getitem__, range(len(json_[0])))),
                ),
            }
        return found

    def texts(self, output: Path) -> dict[str, Any] | None:
        """The values again, the texts read from the files in ``output``: texts as lists of
        bytes, each node's own values as (degree, (x, y)), the degrees as a Counter. None
        when a file is not the one these texts make."""
        packed = self._packed()
        if packed.get("format") != _STATE_FORMAT:
            return None
        data: dict[str, bytes] = {}
        for path, digest in self.files.items():
            try:
                with open(output / path, "rb") as f:
                    stats = _stat_key(os.fstat(f.fileno()))
                    data[path] = f.read()
            except OSError:
                return None
            # Not replaced nor written to since the build that wrote it (which would give it
            # another inode or mtime): its bytes are those; else hashed (15 MB at 10,000
            # articles, after every edit), as a file changed by hand must not be patched.
            if self.stats.get(path) != stats and file_digest(data[path]) != digest:
                return None
        json_, page, links = packed["json"], packed["page"], packed["links"]
        rows, row_lengths, degree = packed["pairs"]
        # Both files hold their nodes, then their edges (see graph_json and page_data).
        whole, graph_page = data["graph.json"], data["graph/data.json"]
        nodes, end = _cut(whole, _nodes_start(whole), json_[0])
        link_texts, _ = _cut(whole, end + len(_EDGES), links[1], skip_empty=True)
        page_nodes, end = _cut(graph_page, _nodes_start(graph_page), page[0])
        row_texts, _ = _cut(graph_page, end + len(_EDGES), row_lengths)
        return {
            "order": packed["order"],
            "mains": packed["mains"],
            "json": (nodes, _unpack_keys(json_[1]), json_[2]),
            "page": (page_nodes, _unpack_keys(page[1]), page[2]),
            "links": (links[0], link_texts),
            "pairs": (list(rows), row_texts, Counter({n: d for n, d in enumerate(degree) if d})),
        }


_STATE_FORMAT = 3  # the packed form's layout: another one is not read


def _places(
    articles: Sequence[Article],
    was: tuple[tuple[object, ...], tuple[Slug, ...], tuple[str, ...]] | None,
) -> tuple[tuple[Slug, ...], tuple[str, ...]]:
    """Each node's slug and main topic ("" for none): those of the last build (``was``)
    where the article is the very one that was unchanged at its place then, so that only
    the others are read (10,000 freshly unpickled articles otherwise, after every edit)."""
    if was is None or len(was[0]) != len(articles):
        return tuple(map(_SLUG, articles)), tuple([main_topic(a) or "" for a in articles])
    same, old_order, old_mains = was
    order, mains = list(old_order), list(old_mains)
    for at in compress(range(len(articles)), map(is_not, articles, same)):
        article = articles[at]
        order[at], mains[at] = article.slug, main_topic(article) or ""
    return tuple(order), tuple(mains)


def _stat_key(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


_NODES = b'"nodes":['
_EDGES = b'],"edges":['  # after the nodes, in both files


def _nodes_start(data: bytes) -> int:
    """Where the first node begins (no key of the heads is "nodes", and a quote inside a
    string is escaped)."""
    return data.index(_NODES) + len(_NODES)


def _cut(
    data: bytes, start: int, lengths: array[int], skip_empty: bool = False
) -> tuple[FileTexts, int]:
    """The texts of these ``lengths``, joined by commas from ``start`` on (the empty ones
    left out of the join when ``skip_empty``), and where the last one ends. (Not cut: see
    FileTexts.)"""
    steps = map(add, lengths, map(bool, lengths) if skip_empty else repeat(1))
    starts = list(accumulate(steps, initial=start))
    texts = FileTexts(memoryview(data), starts, lengths, skip_empty)
    return texts, (starts[-1] - 1 if starts[-1] > start else start)


def _lengths(texts: Iterable[Text]) -> array[int]:
    if isinstance(texts, FileTexts):
        return texts.lengths()
    return array("q", map(len, texts))


class FileTexts(Sequence[Text]):
    """Texts as they lie in a data file the last build wrote, joined by commas from
    ``starts[0]`` on (the empty ones left out of the join when ``skip_empty``), and those
    replaced since (place -> text). The others are not cut out of the file (10,000 texts)
    unless one is asked for: the texts' join is made of runs of the file's bytes and the
    replaced texts."""

    __slots__ = ("_data", "_lengths", "_skip_empty", "_starts", "changed")

    def __init__(
        self,
        data: memoryview,
        starts: list[int],
        lengths: array[int],
        skip_empty: bool,
        changed: dict[int, Text] | None = None,
    ) -> None:
        self._data, self._starts, self._lengths = data, starts, lengths  # (starts: one more)
        self._skip_empty = skip_empty
        self.changed: dict[int, Text] = changed or {}

    def __len__(self) -> int:
        return len(self._lengths)

    @overload
    def __getitem__(self, at: int) -> Text: ...
    @overload
    def __getitem__(self, at: slice) -> Sequence[Text]: ...
    def __getitem__(self, at: int | slice) -> Text | Sequence[Text]:
        if isinstance(at, slice):
            return [self[k] for k in range(len(self))[at]]
        found = self.changed.get(at)
        if found is not None:
            return found
        start = self._starts[at]
        return self._data[start : start + self._lengths[at]]

    def __iter__(self) -> Iterator[Text]:
        # (Cut in C: views of the file's bytes; the graph page's 8,600 rows are read so.)
        starts = self._starts[:-1]
        texts: list[Text] = list(
            map(self._data.__getitem__, map(slice, starts, map(add, starts, self._lengths)))
        )
        for at, text in self.changed.items():
            texts[at] = text
        return iter(texts)

    def replaced(self, texts: dict[int, Text]) -> FileTexts:
        """These texts with those of ``texts`` (place -> text) replaced."""
        changed = {**self.changed, **texts}
        return FileTexts(self._data, self._starts, self._lengths, self._skip_empty, changed)

    def lengths(self) -> array[int]:
        lengths = array("q", self._lengths)
        for at, text in self.changed.items():
            lengths[at] = len(text)
        return lengths

    def run(self, start: int, end: int) -> Text:
        """The file's texts from place ``start`` to ``end`` as the file joins them."""
        starts = self._starts
        first, after = starts[start], starts[end]
        return self._data[first : after - 1] if after > first else b""

    def runs(self) -> list[Text]:
        """Pieces whose join by commas is the join of these texts."""
        pieces: list[Text] = []
        at = 0
        for place in sorted(self.changed):
            if place > at:
                pieces.append(self.run(at, place))
            pieces.append(self.changed[place])
            at = place + 1
        if at < len(self):
            pieces.append(self.run(at, len(self)))
        return list(filter(None, pieces)) if self._skip_empty else pieces

    def runs_of(self, items: Iterable[Text | int | None]) -> list[Text]:
        """Pieces (none empty) whose join by commas is that of ``items`` with the empty ones
        left out, each a text or the place of a text of the file (None: none): for texts
        joined so (``skip_empty``)."""
        assert self._skip_empty
        pieces: list[Text] = []
        start = end = -1  # the run of places being read
        for item in items:
            if isinstance(item, int):
                if item == end:
                    end += 1
                    continue
                if start != end:
                    pieces.append(self.run(start, end))
                start, end = item, item + 1
            elif item:
                if start != end:
                    pieces.append(self.run(start, end))
                    start = end = -1
                pieces.append(item)
        if start != end:
            pieces.append(self.run(start, end))
        return list(filter(None, pieces))


def _joined(texts: Sequence[Text]) -> list[Text]:
    """Pieces whose concatenation is ``texts`` joined by commas (for the data file's join:
    a few runs of the last file's bytes, not a join of 10,000 texts, then another)."""
    if isinstance(texts, FileTexts):
        return list(chain.from_iterable(zip(texts.runs(), repeat(b","))))[:-1]
    return [b",".join(texts)]


def _pack_keys(keys: Sequence[object]) -> tuple[array[int], array[float], array[float]]:
    """Each node's own values (degree, (x, y)), as three arrays."""
    pairs = cast("Sequence[tuple[int, tuple[float, float]]]", keys)
    places = list(map(_SECOND, pairs))
    # (In C: 10,000 nodes, twice, when every build's state is saved.)
    return (
        array("q", map(_FIRST, pairs)),
        array("d", map(_FIRST, places)),
        array("d", map(_SECOND, places)),
    )


def _unpack_keys(packed: tuple[array[int], array[float], array[float]]) -> list[object]:
    degrees, xs, ys = packed
    return list(zip(degrees, zip(xs, ys, strict=True), strict=True))


@dataclass
class TopicCounts:
    """Per main topic the articles that have it, per pair of topics the articles that have
    both: counted once, then brought up to date with the articles that came and went (by
    the very object), not counted again over the whole site after every edit."""

    articles: dict[int, Article]
    main: Counter[Slug | None]
    pairs: Counter[tuple[Slug, Slug]]

    @classmethod
    def of(cls, articles: Sequence[Article], last: TopicCounts | None) -> TopicCounts:
        now = dict(zip(map(id, articles), articles, strict=True))
        if last is None:  # (every build of the CLI: counted in C, 10,000 articles)
            topics = list(map(_TOPICS, articles))
            main = Counter([filed[0].slug if filed else None for filed in topics])  # main_topic
            # _topic_pairs of each article, in order.
            slugs = map(sorted, map(set, map(partial(map, _SLUG), topics)))
            pairs = Counter(chain.from_iterable(map(combinations, slugs, repeat(2))))
            return cls(now, main, pairs)
        gone = [last.articles[i] for i in last.articles.keys() - now.keys()]
        came = [now[i] for i in now.keys() - last.articles.keys()]
        counts = cls(now, last.main, last.pairs)  # changed in place: the last is replaced
        counts._add(gone, -1)
        counts._add(came, 1)
        return counts

    @classmethod
    def held(
        cls, articles: Sequence[Article], main: dict[Slug | None, int], pairs: dict[Any, int]
    ) -> TopicCounts:
        """The counts of ``articles`` known already (kept in the build state's plan memo:
        see topic_counts_patched), for them: a new process does not count them again."""
        now = dict(zip(map(id, articles), articles, strict=True))
        return cls(now, Counter(main), Counter(pairs))

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Keyed by the ids of the articles held, which keeps every key's object alive: a
        # copy (unpickled) keyed by the originals' ids would take a new article that comes
        # to lie where a freed original lay for one already counted.
        self.__dict__.update(state)
        self.articles = {id(a): a for a in self.articles.values()}

    def _add(self, articles: Sequence[Article], sign: int) -> None:
        for article in articles:
            _count(self.main, [main_topic(article)], sign)
            _count(self.pairs, _topic_pairs(article), sign)


def topic_counts_patched(
    main: dict[Slug | None, int],
    pairs: dict[tuple[Slug, Slug], int],
    gone: Iterable[Sequence[Slug]],
    came: Iterable[Article],
) -> tuple[dict[Slug | None, int], dict[tuple[Slug, Slug], int]]:
    """TopicCounts' counts (copies) with the articles that had the topic slugs of ``gone``
    taken out and those of ``came`` put in."""
    main_now, pairs_now = Counter(main), Counter(pairs)
    for slugs in gone:
        _count(main_now, [slugs[0] if slugs else None], -1)
        _count(pairs_now, combinations(sorted(set(slugs)), 2), -1)
    for article in came:
        _count(main_now, [main_topic(article)], 1)
        _count(pairs_now, _topic_pairs(article), 1)
    return dict(main_now), dict(pairs_now)


def _topic_pairs(article: Article) -> Iterator[tuple[Slug, Slug]]:
    """The pairs of an article's topics, each in slug order."""
    return combinations(sorted({t.slug for t in article.topics}), 2)


K = TypeVar("K")


def _count(counter: Counter[K], keys: Iterable[K], sign: int) -> None:
    """Add ``sign`` to each key's count; a count that drops to 0 leaves the counter."""
    for key in keys:
        n = counter[key] + sign
        if n:
            counter[key] = n
        else:
            del counter[key]


class PagePairs:
    """The graph page's edges: per pair of article numbers (their places in the site), the
    best score of either direction, written as one flat JSON list in pair order. Kept
    between builds (in ``serve``'s memory, and in the build state as texts: see
    GraphDataState): while no article moved in the site's order (a retitle may rename one
    in place), only the edge lists that are not the very tuples of the last build are
    applied again, and only the text of the pairs they touch is made again (the full work
    is a loop over every edge and a sort of every pair)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.order: list[Slug] = []
        self.number: dict[Slug, int] = {}
        self.lists: dict[Slug, tuple[Edge, ...]] = {}
        # smaller number -> larger -> score: only the rows touched since the texts were
        # read back (a row's text is read when it is touched again).
        self.rows: dict[int, dict[int, float]] = {}
        self.texts: dict[int, Text] = {}  # a row as part of the flat JSON list
        self.degree: Counter[int] = Counter()

    @classmethod
    def restored(
        cls,
        order: Sequence[Slug],
        lists: dict[Slug, tuple[Edge, ...]],
        texts: dict[int, Text],
        degree: Counter[int],
    ) -> PagePairs:
        """The pairs of a last build (another process's) from its order, its edge lists (the
        lists of this build where they did not change, so that only the others are applied
        again), its rows' texts and degrees."""
        pairs = cls()
        pairs.order, pairs.number = list(order), {slug: n for n, slug in enumerate(order)}
        pairs.lists, pairs.texts, pairs.degree = lists, texts, degree
        return pairs

    def _score(self, source: int, target: int) -> float | None:
        """The score of the edge from article number ``source`` to ``target``, if any."""
        found = None
        slug = self.order[target]
        for edge in self.lists.get(self.order[source], ()):
            if edge.target == slug:
                found = edge.score
        return found

    def _row(self, i: int) -> dict[int, float]:
        row = self.rows.get(i)
        if row is None:
            text = self.texts.get(i)
            flat = json.loads(b"[" + text + b"]") if text else []
            # (The scores read back are rounded already: rounding again keeps them.)
            row = self.rows[i] = {flat[k + 1]: flat[k + 2] for k in range(0, len(flat), 3)}
        return row

    def update(
        self, order: list[Slug], edges: dict[Slug, tuple[Edge, ...]]
    ) -> tuple[Counter[int], bytes]:
        """The degrees and the edges' JSON text for the site's slugs in ``order`` and its
        related lists ``edges``."""
        number = dict(zip(order, range(len(order)), strict=True))
        old = self.number
        if len(order) != len(self.order) or any(
            map(old.__contains__, compress(order, map(ne, order, self.order)))
        ):
            self._reset()  # an article moved: every number after it changed
        self.order, self.number = order, number
        if not (self.lists or self.texts or self.rows or self.degree):
            return self._made_afresh(number, edges)
        touched: set[tuple[int, int]] = set()
        lists = self.lists
        # (Found in C: both loops run over every article after every edit, in serve.)
        for slug in list(compress(lists, map(is_not, map(edges.get, lists), lists.values()))):
            n = old[slug]
            for edge in lists.pop(slug):
                touched.add((n, old[edge.target]))
        for slug in list(compress(edges, map(is_not, map(lists.get, edges), edges.values()))):
            ranked = lists[slug] = edges[slug]
            n = number[slug]
            for edge in ranked:
                touched.add((n, number[edge.target]))
        dirty: set[int] = set()
        score = self._score
        for n, m in touched:
            i, j = (n, m) if n < m else (m, n)
            dirty.add(i)
            row = self._row(i)
            had = j in row
            there, back = score(i, j), score(j, i)
            if there is not None or back is not None:
                row[j] = max(0.0, there or 0.0, back or 0.0)
                if not had:
                    self.degree[i] += 1
                    self.degree[j] += 1
            elif had:
                del row[j]
                self.degree[i] -= 1
                self.degree[j] -= 1
        return self._written(dirty)

    def _made_afresh(
        self, number: dict[Slug, int], edges: dict[Slug, tuple[Edge, ...]]
    ) -> tuple[Counter[int], bytes]:
        """update's pairs when nothing was applied before (a cold build): every pair made in
        one pass over the edges, not by looking each of its two directions up in the edge
        lists (what update does for the pairs an edit touched: ~0.4 s at 10,000 articles)."""
        last: dict[tuple[int, int], float] = {}  # a direction -> its last edge's score
        for slug, ranked in edges.items():
            n = number[slug]
            for edge in ranked:
                last[(n, number[edge.target])] = edge.score
        self.lists = dict(edges)
        rows, degree = self.rows, self.degree
        for (n, m), there in last.items():
            i, j = (n, m) if n < m else (m, n)
            row = rows.get(i)
            if row is None:
                row = rows[i] = {}
            elif j in row:
                continue  # (made from both directions already)
            row[j] = max(0.0, there or 0.0, last.get((m, n)) or 0.0)
            degree[i] += 1
            degree[j] += 1
        return self._written(set(rows))

    def _written(self, dirty: set[int]) -> tuple[Counter[int], bytes]:
        """The degrees and the edges' text, the rows ``dirty`` written again."""
        for i in dirty:
            row = self.rows[i]
            if row:
                flat = [x for j in sorted(row) for x in (i, j, round(row[j], 2))]
                # (JSONEncoder.encode makes a C encoder on every call: ~8,600 rows.)
                self.texts[i] = compact_json(flat)[1:-1].encode()
            else:
                del self.rows[i]
                self.texts.pop(i, None)
        texts = self.texts
        return self.degree, b"[" + b",".join([texts[i] for i in sorted(texts)]) + b"]"


def common_hash(common: dict[str, object]) -> str:
    """A hash of GraphViews.common: what every page of the graph page's list shows."""
    return hashlib.blake2b(repr(common).encode("utf-8", "surrogatepass")).hexdigest()


def story_leads(cluster_of: dict[Slug, Slug], articles: Sequence[Article]) -> list[Article]:
    """The first article of each story in ``articles`` (``cluster_of``: the graph's)."""
    stories = list(map(cluster_of.get, map(_SLUG, articles)))
    if stories.count(None) == len(stories):  # none in a story (found in C: most listings)
        return list(articles)
    leads: list[Article] = []
    seen: set[Slug] = set()
    for article, story in zip(articles, stories, strict=True):
        if story is not None:
            if story in seen:
                continue
            seen.add(story)
        leads.append(article)
    return leads


class GraphViews:
    """Everything the templates show about related articles, for one build."""

    def __init__(
        self,
        index: SiteIndex,
        graph: RelatedGraph,
        views: ViewFactory,
        memo: GraphMemo | None = None,
    ) -> None:
        self.index = index
        self.graph = graph
        self.views = views
        self.memo = memo if memo is not None else GraphMemo()
        self.urls = views.urls
        self._legend: tuple[LegendItem, ...] | None = None
        self._positions: dict[Slug, tuple[float, float]] | None = None
        self._common: dict[str, object] | None = None
        self._counts: TopicCounts | None = None
        # id of a listing's article list -> (that list, its story leads); see listing_leads
        self._leads: dict[int, tuple[Sequence[Article], list[Article]]] = {}
        # slug -> (article, what its entry in Related lists shows but the reasons); see related
        self._shown: dict[Slug, tuple[Article, str, str, str, DateView | None]] = {}
        self._siblings: dict[Slug, tuple[Coverage, ...]] = {}  # see siblings

    def common(self) -> dict[str, object]:
        """What every page of the graph page's list shows, made once for planning and
        rendering them."""
        if self._common is None:
            self._common = {
                "legend": self.legend(),
                "stories": self.story_list(),
                "topic_map": self.topic_map(),
                "data_url": self.urls("graph/data.json"),
            }
            self.memo.common = (self._common, "")
        return self._common

    def reuse_common(self, shared: str) -> None:
        """Take the common() of the last build of this process (serve) when its common_hash
        is ``shared``, which planning found to be this build's (the legend, stories and
        topic map of 10,000 articles made again after every edit, otherwise)."""
        kept = self.memo.common
        if kept is None or self._common is not None:
            return
        common, digest = kept
        if not digest:
            digest = common_hash(common)
            self.memo.common = (common, digest)
        if digest == shared:
            self._common = common
            self._legend = cast(tuple[LegendItem, ...], common["legend"])

    def positions(self) -> dict[Slug, tuple[float, float]]:
        """The graph page's layout, made once for the page and both data files."""
        if self._positions is None:
            articles = self.index.articles
            cluster_of = self.graph.cluster_of
            last = self.memo.layout
            if last is not None and last[1] == cluster_of and _same_places(last[0], articles):
                self._positions = last[2]
            else:
                # Only the topic discs an edit changed, when it leaves every disc's size.
                patched = None
                if last is not None:
                    discs = self.memo.layout_discs
                    by_slug = self.index.by_slug
                    patched = patch_layout(
                        last[0], articles, by_slug, last[1], self.graph, last[2], discs
                    )
                self._positions = (
                    patched
                    if patched is not None
                    else site_layout(articles, self.graph, self.memo.layout_discs)
                )
            self.memo.layout = (articles, cluster_of, self._positions)
        return self._positions

    def _edges_version(self) -> int:
        """A number that changes whenever the edge lists or the site's order differ from
        those of the last call in this process (see GraphMemo.edge_lists)."""
        order = list(map(_SLUG, self.index.articles))
        edges = self.graph.edges
        last = self.memo.edge_lists
        self.memo.edge_lists = (order, edges)
        if last is not None and (
            last[1] is edges
            or (
                last[0] == order
                and len(last[1]) == len(edges)
                and all(
                    last[1].get(s) == edges[s]
                    for s in compress(edges, map(is_not, map(last[1].get, edges), edges.values()))
                )
            )
        ):
            return self.memo.edges_version
        self.memo.edges_version += 1
        return self.memo.edges_version

    # -- article pages -----------------------------------------------------------------------

    def related(self, article: Article) -> RelatedView:
        by_slug = self.index.by_slug
        shown = self._shown
        internal = []
        for edge in self.graph.edges.get(article.slug, ()):
            slug = edge.target
            target = by_slug[slug]
            # What a related article's entry shows, made once: it is in some 5 lists.
            hit = shown.get(slug)
            if hit is None or hit[0] is not target:
                hit = shown[slug] = (
                    target,
                    self.views.article_url(slug),
                    target.title,
                    _provider_name(target),
                    self.views.date(target.published),
                )
            internal.append(RelatedItem(hit[1], hit[2], hit[3], hit[4], edge.reasons))
        links = self.graph.external.get(article.slug)
        return RelatedView(
            tuple(internal),
            tuple(map(self.views.external, links)) if links else (),
            self.siblings(article.slug),
            self.local_graph(article) if internal else None,
        )

    def siblings(self, slug: Slug) -> tuple[Coverage, ...]:
        """The coverage of ``slug``'s story by its other articles, made once per build and
        process: it is on the article's page and on its card in every listing it is in
        (made before the render workers fork when the cards are)."""
        found = self._siblings.get(slug)
        if found is None:
            by_slug = self.index.by_slug
            found = tuple(coverage_of(self.urls, by_slug[s]) for s in self.graph.siblings(slug))
            self._siblings[slug] = found
        return found

    def local_graph(self, article: Article) -> LocalGraphView:
        drawn = taken_local_graph(self.graph, article.slug)  # (planning's, after an edit)
        if drawn is not None:
            return self._local_graph(article, drawn)
        placed = placed_local_graph(self.graph, article.slug)
        views, lines = self.views.placed_graph(placed, self.index.by_slug)
        rings = list(map(_RING, placed[1]))
        ring1, ring2 = rings.count(1), rings.count(2)
        # Ring 2 first, so the article and its neighbours are drawn on top.
        ordered = (*views[1 + ring1 :], *views[1 : 1 + ring1], views[0])
        return LocalGraphView(
            LOCAL_WIDTH, LOCAL_HEIGHT, ordered, tuple(lines), _graph_label(article, ring1, ring2)
        )

    def _local_graph(self, article: Article, drawn: LocalGraph) -> LocalGraphView:
        """local_graph of a drawing made by layout.local_graph."""
        nodes, edges = drawn
        cx = LOCAL_WIDTH / 2
        by_slug = self.index.by_slug
        views = self.views.graph_nodes(nodes, by_slug, cx)
        where = {n.slug: n for n in nodes}
        lines = tuple([local_line(where[e.source], where[e.target], e.score) for e in edges])
        rings = [n.ring for n in nodes]
        label = _graph_label(article, rings.count(1), rings.count(2))
        # Ring 2 first, so the article and its neighbours are drawn on top (a stable sort).
        ordered = sorted(views, key=_RING, reverse=True)
        return LocalGraphView(LOCAL_WIDTH, LOCAL_HEIGHT, tuple(ordered), lines, label)

    # -- listings: one entry per story -------------------------------------------------------

    def stories(
        self, articles: Sequence[Article]
    ) -> tuple[list[Article], list[tuple[Coverage, ...]]]:
        """The first article of each story in ``articles`` and the coverage of the others."""
        leads = self.story_leads(articles)
        return leads, [self.siblings(a.slug) for a in leads]

    def story_leads(self, articles: Sequence[Article]) -> list[Article]:
        """The first article of each story in ``articles``: listings show one card a story."""
        return story_leads(self.graph.cluster_of, articles)

    def listing_leads(self, articles: Sequence[Article]) -> list[Article]:
        """story_leads, worked out once a listing: each of its pages planned only from its
        last key asks for them when rendered (asking each time made a topic's pages
        quadratic in its length)."""
        hit = self._leads.get(id(articles))
        if hit is None or hit[0] is not articles:
            hit = (articles, self.story_leads(articles))
            self._leads[id(articles)] = hit
        return hit[1]

    # -- the graph page ----------------------------------------------------------------------

    def legend(self) -> tuple[LegendItem, ...]:
        """Main topics by number of articles, with their node colour."""
        if self._legend is None:
            counts = self._topic_counts().main
            named = sorted((s for s in counts if s), key=lambda s: (-counts[s], s))
            items = [
                LegendItem(
                    s,
                    self.index.topics[s].name,
                    self.urls.topic(s),
                    TOPIC_COLORS[n] if n < len(TOPIC_COLORS) else OTHER_COLOR,
                    counts[s],
                )
                for n, s in enumerate(named)
                if s in self.index.topics
            ]
            self._legend = tuple(items)
        return self._legend

    def counted(self) -> tuple[dict[Slug | None, int], dict[tuple[Slug, Slug], int]] | None:
        """The topic counts of this build's articles (copies), if they were counted."""
        if self._counts is None:
            return None
        return dict(self._counts.main), dict(self._counts.pairs)

    def _topic_counts(self) -> TopicCounts:
        if self._counts is None:
            self._counts = TopicCounts.of(self.index.articles, self.memo.topic_counts)
            self.memo.topic_counts = self._counts
        return self._counts

    def color_of(self, topic: Slug | None) -> str:
        colors = {item.slug: item.color for item in self.legend()}
        return colors.get(topic, OTHER_COLOR) if topic else OTHER_COLOR

    def story_list(self) -> tuple[StoryView, ...]:
        by_slug = self.index.by_slug
        stories = sorted(
            self.graph.clusters.values(),
            key=lambda c: (-_newest(by_slug, c.members), c.id),
        )
        return tuple(
            StoryView(c.title, tuple(coverage_of(self.urls, by_slug[m]) for m in c.members))
            for c in stories
        )

    def article_links(self, articles: Sequence[Article]) -> tuple[ArticleLinks, ...]:
        by_slug = self.index.by_slug
        link_to = self.views.link_to
        edges = self.graph.edges
        return tuple(
            [
                ArticleLinks(
                    link_to(a), tuple([link_to(by_slug[e.target]) for e in edges.get(a.slug, ())])
                )
                for a in articles
            ]
        )

    def topic_map(self) -> dict[str, object]:
        """Topics as nodes on a circle (the biggest), edges by how often they co-occur."""
        topics = sorted(self.index.topics.values(), key=lambda t: (-len(t.articles), t.slug))
        topics = topics[:TOPIC_MAP_TOPICS]
        chosen = {t.slug for t in topics}
        # (The pairs of an article's chosen topics are its pairs of topics that are chosen.)
        pairs = {
            (a, b): n
            for (a, b), n in self._topic_counts().pairs.items()
            if a in chosen and b in chosen
        }
        size = TOPIC_MAP_SIZE
        c, ring = size / 2, size / 2 - 110
        where: dict[Slug, tuple[float, float]] = {}
        nodes = []
        biggest = max((len(t.articles) for t in topics), default=1)
        for n, topic in enumerate(topics):
            angle = -math.pi / 2 + 2 * math.pi * n / max(len(topics), 1)
            x, y = round(c + ring * math.cos(angle), 1), round(c + ring * math.sin(angle), 1)
            where[topic.slug] = (x, y)
            right = math.cos(angle) >= 0
            nodes.append(
                {
                    "url": self.urls.topic(topic.slug),
                    "name": topic.name,
                    "count": len(topic.articles),
                    "x": x,
                    "y": y,
                    "r": round(4 + 10 * math.sqrt(len(topic.articles) / biggest), 1),
                    "anchor": "start" if right else "end",
                    "label_x": round(x + (16 if right else -16), 1),
                    "label_y": round(y + 4, 1),
                    "color": self.color_of(topic.slug),
                }
            )
        strongest = max(pairs.values(), default=1)
        lines = [
            GraphLine(*where[a], *where[b], round(0.5 + 5 * n / strongest, 2))
            for (a, b), n in sorted(pairs.items())
        ]
        return {"size": size, "nodes": nodes, "lines": lines}

    # -- graph.json and the graph page's own data ----------------------------------------------

    def page_data(self) -> bytes:
        """What the graph page draws, compact (a few bytes per node and edge) so that even
        10,000 articles load and parse quickly: graph.json, for reuse, has far more."""
        positions = self.positions()
        legend = self.legend()
        topic_index = {item.slug: n for n, item in enumerate(legend)}
        version = self._edges_version()
        if self.memo.page_edges is None or self.memo.page_edges[0] != version:
            self.memo.page_edges = (version, *self._page_edges())
        _, degree, edges_text = self.memo.page_edges
        encode = compact_json  # (one C encoder for the ~10,000 nodes)

        def node(k: int, a: Article) -> bytes:
            topic = topic_index.get(main_topic(a) or "", -1)
            return encode([a.slug, a.title, topic, degree[k], *positions[a.slug]]).encode()

        slugs = list(map(_SLUG, self.index.articles))
        keys: list[object] = list(
            zip(
                map(degree.__getitem__, range(len(slugs))),
                map(positions.__getitem__, slugs),
                strict=True,
            )
        )
        # A node shows its main topic's place in the legend, not the legend's counts: after a
        # topic edit only the nodes of the topics whose place changed are made again (the
        # legend's counts changed, and with them 10,000 nodes were made again).
        places = tuple(topic_index)
        nodes = self._node_texts("page", keys, (places,), node, partial(self._moved, places))
        # As json.dumps(data) writes it, the nodes joined from their texts.
        topics = [[item.slug, item.color] for item in legend]
        head = f'{{"articles":{encode(self.urls("articles/"))},"topics":{encode(topics)},'
        # Joined as UTF-8 bytes: each node is encoded once, when it is made (the file is a
        # few MB; encoding all of it again cost more than joining).
        return b"".join(
            [head.encode(), b'"nodes":[', *_joined(nodes), b'],"edges":', edges_text, b"}\n"]
        )

    def _node_texts(
        self,
        name: str,
        keys: list[object],
        equal: tuple[object, ...],
        make: Callable[[int, Article], bytes],
        moved: Callable[[tuple[object, ...]], list[int] | None] | None = None,
    ) -> Sequence[Text]:
        """The node texts of a data file, ``make(position in the site, article)`` for each
        article. While the values shared by all nodes (``equal``) are those of the last build
        of this process, only the nodes of articles that are not the very objects of the last
        build, or whose own other values (``keys``: degree, position) changed, are made
        again. ``moved(last equal)``: when those values changed, the positions of the nodes
        that show a change of them (None: all)."""
        articles = self.index.articles
        last = self.memo.node_texts.get(name)
        shown = None
        if last is not None and last[2] != equal:
            shown = moved(last[2]) if moved is not None else None
            last = last if shown is not None else None
        texts: Sequence[Text]
        if last is not None and len(last[0]) == len(articles):
            old, old_keys = last[0], last[1]
            # (Compared in C: a loop over 10,000 nodes after every edit, in serve.)
            again = map(or_, map(is_not, articles, old), map(ne, keys, old_keys))
            places = sorted({*compress(range(len(articles)), again), *(shown or ())})
            made: dict[int, Text] = {k: make(k, articles[k]) for k in places}
            if isinstance(last[3], FileTexts):  # (the last file's, read back: not cut)
                texts = last[3].replaced(made)
            else:
                texts = list(last[3])
                for k, text in made.items():
                    texts[k] = text
        else:
            texts = [make(k, a) for k, a in enumerate(articles)]
        self.memo.node_texts[name] = (articles, keys, equal, texts)
        return texts

    def _moved(self, places: tuple[str, ...], last: tuple[object, ...]) -> list[int] | None:
        """The positions of the articles whose main topic has another place in the legend
        (``places``) than in the last one (``last``, as page_data gives it); None when that
        is not known."""
        if len(last) != 1 or type(last[0]) is not tuple:
            return None  # another form (an older build state's): all are made again
        was = {slug: n for n, slug in enumerate(last[0])}
        now = {slug: n for n, slug in enumerate(places)}
        topics = {s for s in was.keys() | now.keys() if was.get(s) != now.get(s)}
        if not topics:
            return []
        mains = map(main_topic, self.index.articles)
        return list(compress(range(len(self.index.articles)), map(topics.__contains__, mains)))

    def _page_edges(self) -> tuple[Counter[int], bytes]:
        """The graph page's edges (article numbers, best score of either direction) as JSON
        text, and each article number's degree."""
        pairs = self.memo.page_pairs
        if pairs is None:
            pairs = self.memo.page_pairs = PagePairs()
        return pairs.update([a.slug for a in self.index.articles], self.graph.edges)

    def graph_json(self) -> bytes:
        """The graph for the graph page and anyone else (format in README, "graph.json")."""
        positions = self.positions()
        version = self._edges_version()
        if self.memo.json_degree is None or self.memo.json_degree[0] != version:
            # Each edge counts for its source and its target: counted in C, not in a loop
            # over 50,000 edges.
            edges_of = self.graph.edges
            counted: Counter[Slug] = Counter()
            counted.update(chain.from_iterable(map(repeat, edges_of, map(len, edges_of.values()))))
            counted.update(map(_TARGET, chain.from_iterable(edges_of.values())))
            self.memo.json_degree = (version, counted)
        degree = self.memo.json_degree[1]
        # A node and 3-8 edges per article: written as JSON text directly, as json.dumps
        # would write them, each slug and list of reasons encoded once.
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        text_of: dict[object, str] = {}

        def text(value: str | tuple[str, ...]) -> str:
            found = text_of.get(value)
            if found is None:
                found = text_of[value] = encode(list(value) if isinstance(value, tuple) else value)
            return found

        cluster_of = self.graph.cluster_of

        def node(_k: int, a: Article) -> bytes:
            slug = a.slug
            made = self._node_json(a, cluster_of.get(slug), degree[slug], *positions[slug])
            return made.encode()

        slugs = list(map(_SLUG, self.index.articles))
        keys: list[object] = list(
            zip(map(degree.__getitem__, slugs), map(positions.__getitem__, slugs), strict=True)
        )
        nodes = self._node_texts("json", keys, (cluster_of,), node)
        edges = self.graph.edges
        old_links = self.memo.links
        # The texts of the lists that are the very tuples of the last build (serve, or a
        # restored memo), found in C: only the others are made (10,000 lists).
        old_lists = dict(zip(old_links, map(_FIRST, old_links.values()), strict=True))
        old_texts = dict(zip(old_links, map(_SECOND, old_links.values()), strict=True))
        # (A list whose text is not there yet is not the very tuple either: made below.)
        made_links = cast(
            "dict[Slug, tuple[tuple[Edge, ...], Text | None]]",
            dict(
                zip(edges, zip(edges.values(), map(old_texts.get, edges), strict=True), strict=True)
            ),
        )
        for slug in compress(edges, map(is_not, map(old_lists.get, edges), edges.values())):
            ranked = edges[slug]
            found = old_links.get(slug)
            if found is not None and found[0] == ranked:  # equal (another build's) lists
                continue
            # Each source's opening is made once, not once per edge.
            head = f'{{"source":{text(slug)},"target":'
            made_links[slug] = (
                ranked,
                b",".join(
                    [
                        f'{head}{text(e.target)},"score":{e.score!r},"reasons":{text(e.reasons)}}}'.encode()
                        for e in ranked
                    ]
                ),
            )
        self.memo.links = made_links
        links = self._links_joined()
        clusters = [
            {"id": c.id, "title": c.title, "members": list(c.members)}
            for c in self.graph.clusters.values()
        ]
        topics = [
            {"id": item.slug, "name": item.name, "color": item.color} for item in self.legend()
        ]
        head = f'{{"version":{GRAPH_FORMAT_VERSION},"topics":{encode(topics)},'
        tail = f'],"clusters":{encode(clusters)}}}\n'
        # UTF-8 bytes joined, each node and edge list encoded once, when made.
        return b"".join(
            [head.encode(), b'"nodes":[', *_joined(nodes), b'],"edges":[', *links, tail.encode()]
        )

    def _links_joined(self) -> list[Text]:
        """Pieces whose concatenation is the edge lists' texts joined by commas (the empty
        ones left out), in the memo's order: those of a restored memo as runs of the last
        file's bytes where they follow each other there (10,000 texts not joined)."""
        links = self.memo.links
        texts = list(map(_SECOND, links.values()))
        if self.memo.link_file is None:
            return [b",".join(filter(None, cast("list[Text]", texts)))]
        file, places = self.memo.link_file
        items: list[Text | int | None] = list(map(places.get, links))
        for at in compress(range(len(texts)), map(is_not, texts, repeat(None))):
            items[at] = texts[at]
        return list(chain.from_iterable(zip(file.runs_of(items), repeat(b","))))[:-1]

    def _node_json(
        self, article: Article, cluster: str | None, degree: int, x: float, y: float
    ) -> str:
        """One node of graph.json, as json.dumps would write it."""
        slug = article.slug
        topic_names = ",".join(_json_text(t.name) for t in article.topics)
        return (
            f'{{"id":{_json_text(slug)},"url":{_json_text(self.urls.article(slug))},'
            f'"title":{_json_text(article.title)},"topics":[{topic_names}],'
            f'"topic":{_json_text(main_topic(article))},'
            f'"provider":{_json_text(_provider_name(article))},'
            f'"published":{_json_text(_iso(article))},'
            f'"cluster":{_json_text(cluster)},'
            f'"degree":{degree},"x":{x!r},"y":{y!r}}}'
        )


def _same_places(old: Sequence[Article], new: Sequence[Article]) -> bool:
    """Whether the site's articles have the same slugs and main topics in the same order as
    the last build's: compared only where an article is not the very object it was (found
    in C: the whole list is 10,000 calls after every edit, in serve)."""
    if len(old) != len(new):
        return False
    return all(
        old[k].slug == new[k].slug and main_topic(old[k]) == main_topic(new[k])
        for k in compress(range(len(new)), map(is_not, old, new))
    )


def same_article(old: Article, new: Article) -> bool:
    """The same article: the very object, or an equal one (the index of another process, or
    without its memo, makes a new Article of every article whose topics it renames)."""
    return old is new or old == new


def _json_text(value: str | None) -> str:
    """A string or null as json.dumps(ensure_ascii=False) writes it."""
    return "null" if value is None else _encode_string(value)


_encode_string = json.encoder.encode_basestring
_TARGET = attrgetter("target")
_SLUG = attrgetter("slug")
_TOPICS = attrgetter("topics")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def _iso(article: Article) -> str | None:
    when = article.published
    return iso_utc(when) if when else None


_RING = attrgetter("ring")


def _graph_label(article: Article, ring1: int, ring2: int) -> str:
    """The aria-label of an article page's graph (``ring1`` related articles drawn, and
    ``ring2`` of theirs)."""
    return (
        f"Graph of articles related to “{article.title}”: {ring1} related, {ring2} "
        "more related to those. The Related list below has the same links."
    )


def _provider_name(article: Article) -> str:
    return article.provider.name if article.provider else ""


def _newest(by_slug: dict[Slug, Article], members: Sequence[Slug]) -> float:
    dates = [by_slug[m].published for m in members]
    return max((d.timestamp() for d in dates if d), default=0.0)
