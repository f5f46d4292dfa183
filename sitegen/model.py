"""Plain typed data passed between the build stages.

load -> SourceDoc, normalize -> Article, index -> SiteIndex, render -> OutputFile.
Every class is frozen: a stage never changes what an earlier stage produced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any, NewType, TypeVar

# Path kinds get their own types so a slug is never mixed up with a file path or a URL.
Slug = NewType("Slug", str)
OutputPath = NewType("OutputPath", str)  # POSIX path relative to the output folder
T = TypeVar("T")


@dataclass(frozen=True)
class SourceDoc:
    """One content file as read from disk: raw frontmatter, body and where each field sits."""

    path: Path  # as shown in messages (relative to the working folder when possible)
    meta: dict[str, Any]
    body: str
    field_lines: dict[str, int]  # "title", "provider.name", "related[0].webUrl" -> line
    first_line: int = 1  # line of the opening ``---``
    body_line: int = 1  # line where the body starts, for problems found in it
    # Fields given more than once, as (name, line of the first); YAML keeps the last value.
    repeated: tuple[tuple[str, int], ...] = ()
    # A file that is not UTF-8 but reads as Windows-1252: (line, value) of its first byte
    # that is not UTF-8, so the problem can name it.
    not_utf8: tuple[int, int] | None = None
    # (line, code point) of the first character YAML cannot read (a control character),
    # repaired or removed before parsing, so the problem can name it.
    unprintable: tuple[int, int] | None = None

    def line_of(self, field_name: str) -> int:
        """The line of a field, falling back to its parent field, then the frontmatter start."""
        name = field_name
        while name:
            if name in self.field_lines:
                return self.field_lines[name]
            cut = max(name.rfind("."), name.rfind("["))
            name = name[:cut] if cut > 0 else ""
        return self.first_line


@dataclass(frozen=True)
class Topic:
    name: str  # display name, e.g. "AI Ethics"
    slug: Slug


@dataclass(frozen=True)
class Provider:
    name: str
    domain: str  # "" when unknown
    slug: Slug


@dataclass(frozen=True)
class Image:
    url: str
    width: int | None
    height: int | None
    alt: str = ""


@dataclass(frozen=True)
class RelatedLink:
    """An entry of a digest's ``related`` list, before it is resolved against the site."""

    title: str
    url: str  # "" when the entry has no usable URL
    urls: tuple[str, ...]  # every URL the entry is known by (web, original, AMP, AMP cache)
    provider: Provider | None
    published: datetime | None
    excerpt: str = ""


@dataclass(frozen=True)
class Article:
    slug: Slug
    source: Path
    title: str
    title_line: int  # where the title sits in the source, for messages about it
    excerpt: str
    published: datetime | None  # timezone-aware, UTC
    url: str  # the original article, the link readers follow ("" when none is usable)
    urls: tuple[str, ...]  # every URL the article is known by
    provider: Provider | None
    topics: tuple[Topic, ...]
    images: tuple[Image, ...]
    related: tuple[RelatedLink, ...]
    quality: int | None
    heat: int | None
    category: str
    kind: str  # the feed's ``type``
    draft: bool
    body_html: str  # sanitized HTML, "" when the body is empty
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, for templates
    # urls.match_key of each of ``urls`` (deduplicated), made once by normalize and kept in
    # the build cache, so relate does not work them out again on every build.
    url_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """A named group of articles: a topic or a provider page."""

    slug: Slug
    name: str
    articles: tuple[Article, ...]  # newest first


@dataclass(frozen=True)
class SiteIndex:
    """The one place that answers "what is on the site"."""

    articles: tuple[Article, ...]  # newest first, ties broken by slug
    by_slug: dict[Slug, Article]
    topics: dict[Slug, Listing]  # sorted by slug
    providers: dict[Slug, Listing]  # sorted by slug


@dataclass(frozen=True)
class OutputFile:
    path: OutputPath
    data: bytes
    source: str  # what produced it, named in collision errors


@dataclass(frozen=True, slots=True)
class Edge:
    """One article's link to a related article of the site, with why they are related.
    Slots, not a field dict: a site of 10,000 articles has ~45,000 edges, all made again
    from the build cache by every edit (an edge in a third of the memory, made in C loops:
    made_edges)."""

    target: Slug
    score: float  # rounded; higher is more related (see relate.py for the formula)
    reasons: tuple[str, ...]  # for readers: "shared topics: AI, Energy", "same story", ...


def made_edges(
    count: int,
    targets: Iterable[Slug],
    scores: Iterable[float],
    reasons: Iterable[tuple[str, ...]],
) -> list[Edge]:
    """``count`` Edges of these fields, made without the frozen dataclass's ``__init__``
    (an ``object.__setattr__`` per field, in Python): each field set through its slot in a
    C loop (``deque(..., 0)`` runs the map and keeps nothing)."""
    edges = list(map(object.__new__, repeat(Edge, count)))
    deque(map(_SET_TARGET, edges, targets), 0)
    deque(map(_SET_SCORE, edges, scores), 0)
    deque(map(_SET_REASONS, edges, reasons), 0)
    return edges


def made(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` (no slots, no __post_init__) whose fields
    are ``fields``: every one, in the order of the class. Made without the dataclass's
    ``__init__`` (an ``object.__setattr__`` call per field, in Python: an Article's twenty
    were a sixth of normalizing a digest), its attributes set by one C call."""
    obj: T = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


# The setters of Edge's slots (member descriptors: C functions).
_SET_TARGET, _SET_SCORE, _SET_REASONS = (vars(Edge)[f].__set__ for f in Edge.__slots__)


@dataclass(frozen=True)
class StoryCluster:
    """Articles that cover the same story, usually from different providers."""

    id: Slug  # the slug of its earliest member: stable while that article stays
    members: tuple[Slug, ...]  # earliest first, ties broken by slug
    title: str  # the earliest member's title


@dataclass(frozen=True)
class RelatedGraph:
    """What relate found: ranked related articles, story clusters and outside links."""

    edges: dict[Slug, tuple[Edge, ...]]  # every article, best first (may be empty)
    clusters: dict[Slug, StoryCluster]  # stories of two or more articles, by id
    cluster_of: dict[Slug, Slug]  # article -> its story's id (only articles in a story)
    external: dict[Slug, tuple[RelatedLink, ...]]  # related entries that are not on the site

    def siblings(self, slug: Slug) -> tuple[Slug, ...]:
        """The other articles of ``slug``'s story, earliest first."""
        cluster = self.clusters.get(self.cluster_of.get(slug, Slug("")))
        return tuple(m for m in cluster.members if m != slug) if cluster else ()
