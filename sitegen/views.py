"""View models: what templates see. Built from domain objects, shaped for display."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sitegen.model import Article, Image, Listing, Provider, RelatedLink, Topic

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
    links: tuple[Link, ...]  # every page, text is the number


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

    def date(self, when: datetime | None) -> DateView | None:
        if when is None:
            return None
        local = when.astimezone(self.tz)
        iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        day = f"{local.day} {local:%b %Y}"
        return DateView(iso, f"{day}, {local:%H:%M}", day)

    def topic(self, topic: Topic) -> Link:
        return Link(self.urls.topic(topic.slug), topic.name)

    def provider(self, provider: Provider | None) -> Link | None:
        return Link(self.urls.provider(provider.slug), provider.name) if provider else None

    def card(self, article: Article) -> Card:
        return Card(
            url=self.urls.article(article.slug),
            title=article.title,
            excerpt=article.excerpt,
            date=self.date(article.published),
            provider=self.provider(article.provider),
            topics=tuple(self.topic(t) for t in article.topics),
            image=article.images[0] if article.images else None,
            heat=article.heat,
            quality=article.quality,
        )

    def external(self, link: RelatedLink) -> ExternalLink:
        return ExternalLink(
            url=link.url,
            title=link.title,
            provider=link.provider.name if link.provider else "",
            date=self.date(link.published),
        )

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

    def listing_row(self, listing: Listing, url: str) -> ListingRow:
        return ListingRow(url, listing.name, len(listing.articles))

    def pager(self, page: int, pages: int, url_of: PageUrl) -> Pager:
        return Pager(
            page=page,
            pages=pages,
            prev_url=url_of(page - 1) if page > 1 else "",
            next_url=url_of(page + 1) if page < pages else "",
            links=tuple(Link(url_of(n), str(n)) for n in range(1, pages + 1)),
        )
