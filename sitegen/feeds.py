"""Atom feeds (RFC 4287): ``feed.xml`` for the site and ``topics/<slug>/feed.xml`` per topic.

Feeds are rendered from the theme's ``feed.xml`` template (autoescaped, so every string is
escaped); strings are also stripped of the characters XML cannot hold. Nothing depends on the
build time, so an unchanged site gives byte-identical feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jinja2

from sitegen.config import SiteConfig
from sitegen.model import Article, OutputFile, OutputPath, SiteIndex
from sitegen.public import absolute_url, fallback_date, iso, public_url, xml_text
from sitegen.slugs import slugify

SITE_FEED = "feed.xml"
# Tag URIs need an owner; a site with neither feed_authority nor base_url gets one nobody
# can own (.invalid is reserved), made specific by the site title.
_FALLBACK_AUTHORITY = "sitegen.invalid,2000"


@dataclass(frozen=True)
class Category:
    term: str
    label: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str  # the article's page on this site
    original: str  # the article at its source ("" when none)
    updated: str
    published: str  # "" when the article has no date
    author: str  # the provider's name ("" when unknown)
    author_uri: str
    summary: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_url: str
    page_url: str  # the HTML page the feed follows
    updated: str
    author: str
    entries: tuple[Entry, ...]


def feed_id(config: SiteConfig, path: str) -> str:
    """A stable id for a site path: a tag URI when feed_authority is set (or when there is no
    base_url to make an absolute URL from), else the absolute URL."""
    if config.feed_authority:
        return f"tag:{config.feed_authority}:{path}"
    if config.base_url:
        return absolute_url(config, path)
    return f"tag:{_FALLBACK_AUTHORITY}:{slugify(config.title)}/{path}"


def entry(article: Article, config: SiteConfig) -> Entry:
    path = f"articles/{article.slug}/"
    provider = article.provider
    return Entry(
        id=feed_id(config, path),
        title=xml_text(article.title),
        url=public_url(config, path),
        original=xml_text(article.url),
        updated=iso(article.published or fallback_date()),
        published=iso(article.published) if article.published else "",
        author=xml_text(provider.name) if provider else "",
        author_uri=f"https://{xml_text(provider.domain)}/" if provider and provider.domain else "",
        summary=xml_text(article.excerpt),
        categories=tuple(Category(t.slug, xml_text(t.name)) for t in article.topics),
    )


def make_feed(
    articles: Sequence[Article],
    config: SiteConfig,
    path: str,
    page: str,
    title: str,
    entry_of: Callable[[Article, SiteConfig], Entry] = entry,
) -> Feed:
    """The newest ``feed_size`` of ``articles`` (newest first) as the feed at ``path``."""
    entries = tuple(entry_of(a, config) for a in articles[: config.feed_size])
    return Feed(
        id=feed_id(config, path),
        title=xml_text(title),
        subtitle=xml_text(config.description),
        self_url=public_url(config, path),
        page_url=public_url(config, page),
        updated=max((e.updated for e in entries), default=iso(fallback_date())),
        author=xml_text(config.title),
        entries=entries,
    )


@dataclass(frozen=True)
class FeedSpec:
    """One feed to make: where, from which articles (newest first), under which title."""

    path: str
    articles: Sequence[Article]
    page: str  # the HTML page the feed follows
    title: str
    source: str


def feed_specs(index: SiteIndex, config: SiteConfig) -> list[FeedSpec]:
    """The site feed and one feed per topic."""
    specs = [FeedSpec(SITE_FEED, index.articles, "", config.title, "site feed")]
    for slug, topic in index.topics.items():
        specs.append(
            FeedSpec(
                f"topics/{slug}/{SITE_FEED}",
                topic.articles,
                f"topics/{slug}/",
                f"{topic.name} · {config.title}",
                f"topic {topic.name} feed",
            )
        )
    return specs


def feed_deps(
    spec: FeedSpec, config: SiteConfig, key_of: Callable[[Article], str]
) -> tuple[str, ...]:
    """Every input of a feed's bytes besides the template and the settings: the build
    cache skips a feed whose deps are unchanged (``key_of`` names an article's content)."""
    shown = spec.articles[: config.feed_size]
    return (spec.path, "feed.xml", spec.page, spec.title, iso(fallback_date()), *map(key_of, shown))


def feed_file(
    spec: FeedSpec,
    config: SiteConfig,
    env: jinja2.Environment,
    entry_of: Callable[[Article, SiteConfig], Entry] = entry,
) -> OutputFile:
    feed = make_feed(spec.articles, config, spec.path, spec.page, spec.title, entry_of)
    data = env.get_template("feed.xml").render(feed=feed).encode("utf-8")
    return OutputFile(OutputPath(spec.path), data, spec.source)


def feed_files(index: SiteIndex, config: SiteConfig, env: jinja2.Environment) -> list[OutputFile]:
    """The site feed and one feed per topic."""
    made: dict[str, Entry] = {}  # an article is in the site feed and its topics' feeds

    def entry_of(article: Article, config: SiteConfig) -> Entry:
        found = made.get(article.slug)
        if found is None:
            found = made[article.slug] = entry(article, config)
        return found

    return [feed_file(spec, config, env, entry_of) for spec in feed_specs(index, config)]
