"""Atom feeds parse with feedparser, hold the newest entries, and link to pages that exist."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import SUB_BASE_URL


def parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def output_file(output: Path, url: str, base_path: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith(base_path), url
    rel = path[len(base_path) :]
    return output / (rel + "index.html" if rel.endswith("/") or not rel else rel)


def feeds_of(output: Path) -> list[Path]:
    return [output / "feed.xml", *sorted((output / "topics").glob("*/feed.xml"))]


@pytest.mark.parametrize("site", ["sub_site", "root_site"])
def test_every_entry_link_resolves_to_a_file(site, request):
    config, result = request.getfixturevalue(site)
    output = config.path("output_dir")
    feeds = feeds_of(output)
    assert len(feeds) == 1 + len(result.index.topics)
    for path in feeds:
        feed = parse(path)
        assert feed.entries
        for entry in feed.entries:
            links = {link.rel: link.href for link in entry.links}
            assert output_file(output, links["alternate"], config.base_path).is_file()
            if config.base_url:
                assert links["alternate"].startswith(SUB_BASE_URL)


def test_the_site_feed_holds_the_newest_articles_in_order(sub_site):
    config, result = sub_site
    feed = parse(config.path("output_dir") / "feed.xml")
    newest = result.index.articles[: config.feed_size]
    assert [e.link for e in feed.entries] == [f"{SUB_BASE_URL}articles/{a.slug}/" for a in newest]
    first = newest[0]
    entry = feed.entries[0]
    assert entry.title == first.title
    assert entry.summary == first.excerpt
    assert entry.author == first.provider.name
    assert {link.rel: link.href for link in entry.links}["related"] == first.url
    assert feed.feed.updated == first.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {link.rel: link.href for link in feed.feed.links}["self"] == SUB_BASE_URL + "feed.xml"


def test_topic_feeds_hold_only_their_topic(sub_site):
    config, result = sub_site
    for slug, topic in result.index.topics.items():
        feed = parse(config.path("output_dir") / "topics" / slug / "feed.xml")
        expected = [f"{SUB_BASE_URL}articles/{a.slug}/" for a in topic.articles]
        assert [e.link for e in feed.entries] == expected[: config.feed_size]


def test_ids_are_absolute_urls_with_a_base_url_and_tag_uris_without(sub_site, root_site):
    sub = parse(sub_site[0].path("output_dir") / "feed.xml")
    root = parse(root_site[0].path("output_dir") / "feed.xml")
    assert all(e.id == e.link for e in sub.entries)
    assert all(e.id.startswith("tag:") for e in root.entries)
    assert len({e.id for e in root.entries}) == len(root.entries)
    # no feed_authority: a tag URI nobody owns, made specific by the site title
    assert [e.id for e in root.entries] == [
        "tag:sitegen.invalid,2000:the-digest" + urlsplit(e.link).path for e in root.entries
    ]


def test_pages_link_to_the_site_feed_and_topic_pages_to_theirs(sub_site):
    config, result = sub_site
    output = config.path("output_dir")
    home = (output / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/myrepo/feed.xml"' in home
    slug = next(iter(result.index.topics))
    topic_page = (output / "topics" / slug / "index.html").read_text()
    assert f'href="/myrepo/topics/{slug}/feed.xml"' in topic_page
