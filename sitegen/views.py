"""View models: what templates see. Built from domain objects, shaped for display."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from sitegen.htmlescape import escape
from sitegen.layout import LOCAL_WIDTH, LocalNode, Place, PlacedGraph
from sitegen.model import Article, Image, Listing, Provider, RelatedLink, Slug, Topic

PageUrl = Callable[[int], str]  # page number -> URL of that page of a listing


@dataclass(frozen=True)
class Urls:
    """Site-relative URLs of every page kind, all under the site's base path."""

    base_path: str  # "/" or "/repo/"

    def __call__(self, path: str = "") -> str:
        return self.base_path + path.lstrip("/")

    def article(self, slug: str) -> str:
        return self(f"articles/{slug}/")

    def topic(self, slug: str, page: int = 1) -> str:
        return self(f"topics/{slug}/" + (f"page/{page}/" if page > 1 else ""))

    def provider(self, slug: str, page: int = 1) -> str:
        return self(f"providers/{slug}/" + (f"page/{page}/" if page > 1 else ""))

    def home(self, page: int = 1) -> str:
        return self(f"page/{page}/" if page > 1 else "")


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class DateView:
    iso: str  # machine-readable, UTC, for <time datetime>
    display: str  # for readers, in the site's time zone
    day: str  # the date alone, in the site's time zone


@dataclass(frozen=True)
class Card:
    """An article as a listing shows it."""

    url: str
    title: str
    excerpt: str
    date: DateView | None
    provider: Link | None
    topics: tuple[Link, ...]
    image: Image | None
    heat: int | None
    quality: int | None


@dataclass(frozen=True)
class ExternalLink:
    url: str
    title: str
    provider: str
    date: DateView | None


@dataclass(frozen=True)
class ArticleView:
    card: Card
    source_url: str  # the original article ("" when none is usable)
    body_html: str  # already sanitized
    images: tuple[Image, ...]
    external: tuple[ExternalLink, ...]
    category: str
    kind: str
    draft: bool
    extra: dict[str, object]


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    prev_url: str
    next_url: str
    links: tuple[Link, ...]  # first, last and nearby pages; a gap is a Link with no url


@dataclass(frozen=True)
class ListingRow:
    url: str
    name: str
    count: int


class ViewFactory:
    """Makes view models for one build; holds the URL scheme and the time zone."""

    def __init__(self, urls: Urls, tz: ZoneInfo) -> None:
        self.urls = urls
        self.tz = tz
        # An article is shown on many pages (listings, neighbours' Related sections): its
        # views are made once per build and process.
        self._dates: dict[datetime, DateView] = {}
        self._months: dict[tuple[int, int], str] = {}
        self._cards: dict[str, Card] = {}
        self._nodes: dict[tuple[str, int], tuple[str, str, str]] = {}
        # A local graph node's URL, title and label, by article, one dict per ring.
        self._ring_texts: tuple[dict[str, tuple[str, str, str]], ...] = ({}, {}, {})
        self._topics: dict[str, Link] = {}
        self._providers: dict[str, Link] = {}
        self._links: dict[str, Link] = {}
        self._external: dict[int, tuple[RelatedLink, ExternalLink]] = {}  # by id of the link

    def date(self, when: datetime | None) -> DateView | None:
        if when is None:
            return None
        found = self._dates.get(when)
        if found is None:
            found = self._dates[when] = self._date(when)
        return found

    def _date(self, when: datetime) -> DateView:
        local = when.astimezone(self.tz)
        # The month's name from strftime (the locale's) once per month, the digits written
        # here: three strftime calls were most of a date's cost, and every render worker
        # makes the dates of all the articles it shows (some 13,000 at 10,000 articles).
        month = self._months.get((local.year, local.month))
        if month is None:
            month = self._months[(local.year, local.month)] = f"{local:%b %Y}"
        day = f"{local.day} {month}"
        return DateView(iso_utc(when), f"{day}, {local.hour:02d}:{local.minute:02d}", day)

    def topic(self, topic: Topic) -> Link:
        # One Link a topic (cards show a topic's link on every card of its articles).
        found = self._topics.get(topic.slug)
        if found is None or found.text != topic.name:
            found = self._topics[topic.slug] = Link(self.urls.topic(topic.slug), topic.name)
        return found

    def provider(self, provider: Provider | None) -> Link | None:
        if provider is None:
            return None
        found = self._providers.get(provider.slug)
        if found is None or found.text != provider.name:
            found = Link(self.urls.provider(provider.slug), provider.name)
            self._providers[provider.slug] = found
        return found

    def article_url(self, slug: Slug) -> str:
        """``urls.article(slug)``: the URL of the article's card when it has one (the cards
        of every article are made before the render workers fork, which then link each
        article from some 13 local graphs and 5 Related lists)."""
        card = self._cards.get(slug)
        return card.url if card is not None else self.urls.article(slug)

    def card(self, article: Article) -> Card:
        found = self._cards.get(article.slug)
        if found is None or found.title != article.title:  # the same article, not a namesake
            found = self._cards[article.slug] = self._card(article)
        return found

    def _card(self, article: Article) -> Card:
        return Card(
            url=self.urls.article(article.slug),
            title=article.title,
            excerpt=article.excerpt,
            date=self.date(article.published),
            provider=self.provider(article.provider),
            topics=tuple(map(self.topic, article.topics)),
            image=article.images[0] if article.images else None,
            heat=article.heat,
            quality=article.quality,
        )

    def graph_nodes(
        self, nodes: Sequence[LocalNode], by_slug: Mapping[Slug, Article], cx: float
    ) -> list[GraphNode]:
        """The nodes of an article page's graph (``cx`` the drawing's middle), each article
        at its place on its ring (0 the page's own article). An article's URL and label are
        made once per build and process: it is drawn on the local graphs of some 13 pages."""
        texts_of = self._nodes
        places = _PLACES
        made = []
        for node in nodes:
            slug, ring, x, y = node.slug, node.ring, node.x, node.y
            title = by_slug[slug].title
            texts = texts_of.get((slug, ring))
            if texts is None or texts[1] != title:
                texts = (self.urls.article(slug), title, node_label(title, ring))
                texts_of[(slug, ring)] = texts
            place = places.get((x, y, ring, cx))
            if place is None:
                made.append(place_node(*texts, x, y, ring, cx))
                continue
            # place_node's, without a call per node (~13 a page): the place is known.
            r, anchor, lx, ly, circle, label_attrs = place
            url, title, label = texts
            made.append(
                GraphNode(url, title, label, x, y, r, ring, anchor, lx, ly, circle, label_attrs)
            )
        return made

    def placed_graph(
        self, placed: PlacedGraph, by_slug: Mapping[Slug, Article]
    ) -> tuple[list[GraphNode], list[GraphLine]]:
        """The nodes and lines of an article page's graph drawn by layout.placed_local_graph
        (what graph_nodes and local_line make of local_graph's), each node's and line's
        numbers as text looked up by its place (one object each)."""
        slugs, places, edges = placed
        texts_by_ring = self._ring_texts
        url = self.article_url
        made = []
        for slug, place in zip(slugs, places, strict=True):
            title = by_slug[slug].title
            # A node's fields past its texts: its place's, made once (see _placed_fields).
            fields: NodeFields = place.shown or _placed_fields(place)
            texts_of = texts_by_ring[place.ring]
            texts = texts_of.get(slug)
            if texts is None or texts[1] != title:
                texts = texts_of[slug] = (url(slug), title, node_label(title, place.ring))
            made.append(GraphNode(*(texts + fields)))
        lines = []
        known = _PLACED_LINES
        widths = _LINE_WIDTHS
        for a, b, score in edges:
            source, target = places[a], places[b]
            # (round() to 2 places formats and parses the float: dearer than a lookup.)
            width = widths.get(score)
            if width is None:
                width = round(0.8 + 2.2 * min(score, 1.0), 2)
                if len(widths) < _MEMO_LIMIT:
                    widths[score] = width
            line = known.get((source, target, width))
            if line is None:
                line = GraphLine(source.x, source.y, target.x, target.y, width)
                if width > 0 and len(known) < _MEMO_LIMIT:  # (0.0 and -0.0 print apart)
                    known[(source, target, width)] = line
            lines.append(line)
        return made, lines

    def external(self, link: RelatedLink) -> ExternalLink:
        # Made once a link: an article page shows its links both in its view and its
        # Related list.
        found = self._external.get(id(link))
        if found is None or found[0] is not link:
            made = ExternalLink(
                url=link.url,
                title=link.title,
                provider=link.provider.name if link.provider else "",
                date=self.date(link.published),
            )
            found = self._external[id(link)] = (link, made)
        return found[1]

    def article(self, article: Article) -> ArticleView:
        return ArticleView(
            card=self.card(article),
            source_url=article.url,
            body_html=article.body_html,
            images=article.images,
            external=tuple(self.external(r) for r in article.related if r.url),
            category=article.category,
            kind=article.kind,
            draft=article.draft,
            extra=article.extra,
        )

    def link_to(self, article: Article) -> Link:
        # Made once an article: the graph page's list links it from some 6 entries.
        found = self._links.get(article.slug)
        if found is None or found.text != article.title:
            found = self._links[article.slug] = Link(self.urls.article(article.slug), article.title)
        return found

    def listing_row(self, listing: Listing, url: str) -> ListingRow:
        return ListingRow(url, listing.name, len(listing.articles))

    def pager(self, page: int, pages: int, url_of: PageUrl) -> Pager:
        return Pager(
            page=page,
            pages=pages,
            prev_url=url_of(page - 1) if page > 1 else "",
            next_url=url_of(page + 1) if page < pages else "",
            links=tuple(
                Link(url_of(n), str(n)) if n else Link("", "…") for n in pager_window(page, pages)
            ),
        )


def iso_utc(when: datetime) -> str:
    """``when.strftime("%Y-%m-%dT%H:%M:%SZ")``, of a UTC time: the same text, made faster."""
    if when.year < 1000:  # (strftime does not pad such a year to four digits everywhere)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{when.year}-{when.month:02d}-{when.day:02d}"
        f"T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )


PAGER_NEAR = 2  # pages linked on each side of the current one


def pager_window(page: int, pages: int) -> list[int]:
    """Page numbers a pager links: the first, the last and those near ``page``; 0 marks a gap.

    Linking every page would make each of N listing pages N links long: quadratic output."""
    near = range(page - PAGER_NEAR, page + PAGER_NEAR + 1)
    shown = sorted({1, pages, *near} & set(range(1, pages + 1)))
    out: list[int] = []
    for n in shown:
        if out and n - out[-1] == 2:
            out.append(n - 1)  # a gap of one page is shown as that page
        elif out and n - out[-1] > 2:
            out.append(0)
        out.append(n)
    return out


# -- the related-articles graph --------------------------------------------------------------

# Node colours of the graph page, one per main topic (the biggest first); the rest are grey.
TOPIC_COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39",
)  # fmt: skip
OTHER_COLOR = "#8a8a8a"
LABEL_CHARS = 34  # node labels of the article-page graph; the full title is the tooltip


@dataclass(frozen=True)
class Coverage:
    """Another provider's article of the same story."""

    url: str
    provider: str
    title: str


# Not frozen, as the other parts of an article page's graph and Related list below: a
# frozen dataclass sets each field through object.__setattr__, and a page makes some 35.
@dataclass(slots=True)
class RelatedItem:
    url: str
    title: str
    provider: str
    date: DateView | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class GraphNode:
    url: str
    title: str  # the tooltip
    label: str  # shortened, "" for no label
    x: float
    y: float
    r: float
    ring: int
    anchor: str  # text-anchor of the label: start, middle or end
    label_x: float
    label_y: float
    # The drawing's numbers as attributes, made in one go: a page draws some 20 nodes and
    # 25 lines, and one template expression per number was most of an article page's cost.
    circle_attrs: Markup
    label_attrs: Markup


@dataclass(slots=True)
class GraphLine:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    # Its numbers as attributes, made with the line and read as a plain attribute (a line of
    # an article page's graph is one object for every page that draws it: see local_line).
    attrs: Markup = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.attrs = self._attrs()

    def _attrs(self) -> Markup:
        ends = (self.x1, self.y1, self.x2, self.y2)
        text = _LINE_ENDS.get(ends)
        if text is None:
            text = f'x1="{self.x1}" y1="{self.y1}" x2="{self.x2}" y2="{self.y2}" stroke-width="'
            if len(_LINE_ENDS) < _MEMO_LIMIT and _memorable(ends):
                _LINE_ENDS[ends] = text
        width = _WIDTHS.get(self.width)
        if width is None:
            width = f'{self.width}"'
            if _memorable((self.width,)):
                _WIDTHS[self.width] = width
        return _safe(text + width)


def local_line(source: LocalNode, target: LocalNode, score: float) -> GraphLine:
    """The line of an article page's graph from ``source`` to ``target``, as wide as the
    edge's ``score`` says: one object for each place and width, shared by the pages that
    draw it (the local graphs of 10,000 articles draw ~16,500 different lines, ~133,000 in
    all: a new line and its attributes for each cost a fifth of drawing a page's graph)."""
    key = (source.x, source.y, target.x, target.y, round(0.8 + 2.2 * min(score, 1.0), 2))
    found = _LOCAL_LINES.get(key)
    if found is None:
        found = GraphLine(*key)
        if len(_LOCAL_LINES) < _MEMO_LIMIT and _memorable(key):
            _LOCAL_LINES[key] = found
    return found


# The numbers of lines and nodes as attributes, by where they are: the local graphs of
# article pages draw at a few hundred places (see layout._on_ring), so formatting each
# float again for every page cost more than the rest of the drawing.
_LINE_ENDS: dict[tuple[float, float, float, float], str] = {}
_LOCAL_LINES: dict[tuple[float, float, float, float, float], GraphLine] = {}
_WIDTHS: dict[float, str] = {}
_PLACES: dict[tuple[float, float, int, float], tuple[float, str, float, float, Markup, Markup]] = {}
_MEMO_LIMIT = 100_000  # (the graph page's lines are all at places of their own)
# The same for placed_graph, by place object (see layout.Place; a node's fields from x on
# are kept on the place itself: see _placed_fields).
_PLACED_LINES: dict[tuple[Place, Place, float], GraphLine] = {}
# A line's width by its edge's score (a site's edges have a few thousand scores).
_LINE_WIDTHS: dict[float, float] = {}


# A local graph node's fields from x on (GraphNode's order): its place's.
NodeFields = tuple[float, float, float, int, str, float, float, Markup, Markup]


def _placed_fields(place: Place) -> NodeFields:
    """The fields of a node at ``place`` from x on (GraphNode's order), kept on the place
    (``Place.shown``)."""
    r, anchor, lx, ly, circle, label_attrs = _place(place.x, place.y, place.ring, LOCAL_WIDTH / 2)
    found = (place.x, place.y, r, place.ring, anchor, lx, ly, circle, label_attrs)
    place.shown = found
    return found


def _memorable(numbers: tuple[float, ...]) -> bool:
    """Numbers a memo above may be keyed by: positive floats (0.0 and -0.0 are one key but
    print differently). sitegen draws with floats only (2 and 2.0 would be one key too), and
    its drawings are all at positive places."""
    return all(type(n) is float and n > 0 for n in numbers)


# Markup of text known to be safe (numbers, escaped words), without Markup.__new__, which
# costs more than making the text.
_safe: Callable[[str], Markup] = functools.partial(str.__new__, Markup)


# Not frozen either (see RelatedItem): one of each below a page.
@dataclass(slots=True)
class LocalGraphView:
    width: int
    height: int
    nodes: tuple[GraphNode, ...]
    lines: tuple[GraphLine, ...]
    label: str  # aria-label of the drawing


@dataclass(slots=True)
class RelatedView:
    """The Related section and the local graph of an article page."""

    internal: tuple[RelatedItem, ...]
    external: tuple[ExternalLink, ...]
    siblings: tuple[Coverage, ...]
    graph: LocalGraphView | None


@dataclass(frozen=True)
class StoryView:
    title: str
    coverage: tuple[Coverage, ...]


@dataclass(frozen=True)
class ArticleLinks:
    link: Link
    related: tuple[Link, ...]


@dataclass(frozen=True)
class LegendItem:
    slug: str
    name: str
    url: str
    color: str
    count: int


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """Cut at a word, with an ellipsis, so labels stay readable."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,:;–-") + "…"


def coverage_of(urls: Urls, article: Article) -> Coverage:
    provider = article.provider.name if article.provider else article.title
    return Coverage(urls.article(article.slug), provider, article.title)


def node_label(title: str, ring: int) -> str:
    """The label of a node of the article-page graph: none on the outer ring."""
    return "" if ring == 2 else shorten(title, LABEL_CHARS + (10 if ring == 0 else 0))


def place_node(
    url: str, title: str, label: str, x: float, y: float, ring: int, cx: float
) -> GraphNode:
    """A node of the article-page graph, its label beside it, away from the middle."""
    where = (x, y, ring, cx)
    place = _PLACES.get(where)
    if place is None:
        place = _place(x, y, ring, cx)
        if len(_PLACES) < _MEMO_LIMIT and _memorable((x, y, cx)) and type(ring) is int:
            _PLACES[where] = place
    r, anchor, lx, ly, circle, label_attrs = place
    return GraphNode(url, title, label, x, y, r, ring, anchor, lx, ly, circle, label_attrs)


def _place(
    x: float, y: float, ring: int, cx: float
) -> tuple[float, str, float, float, Markup, Markup]:
    r = (12.0, 8.0, 5.0)[ring]
    if ring == 0:
        anchor, lx, ly = "middle", x, y + r + 16
    elif abs(x - cx) < 30:
        anchor, lx, ly = "middle", x, y + (r + 15 if y > cx / 2 else -(r + 6))
    else:
        anchor = "start" if x > cx else "end"
        lx, ly = x + (r + 5 if x > cx else -(r + 5)), y + 4
    circle = _safe(f'cx="{x}" cy="{y}" r="{r}"')
    label_attrs = _safe(f'x="{lx}" y="{ly}" text-anchor="{escape(anchor)}"')
    return r, anchor, lx, ly, circle, label_attrs


def pick_lead(articles: Sequence[Article], tz: ZoneInfo) -> Article | None:
    """The front page's lead story: among the newest day's articles (in the site's zone), the
    hottest, then the best rated, then the newest. Feeds leave heat and quality out often."""
    dated = [a for a in articles if a.published is not None]
    if not dated:
        return None
    newest_day = max(a.published.astimezone(tz).date() for a in dated if a.published)
    day = [a for a in dated if a.published and a.published.astimezone(tz).date() == newest_day]
    missing = -(10**9)  # below any real score, so a known score always wins
    return max(
        day,
        key=lambda a: (
            a.heat if a.heat is not None else missing,
            a.quality if a.quality is not None else missing,
            a.published,
            a.slug,
        ),
    )
