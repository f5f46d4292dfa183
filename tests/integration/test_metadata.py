"""Article and listing pages carry sharing and search-engine metadata that parses."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from conftest import SUB_BASE_URL


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str | None]] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in: str = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.meta.setdefault(key, []).append(values.get("content") or "")
        elif tag == "link":
            self.links.append(values)
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in = "ld"
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        self._in = ""

    def handle_data(self, data):
        if self._in == "ld":
            self.scripts.append(data)
        elif self._in == "title":
            self.title += data


def head_of(html: str) -> _Head:
    parser = _Head()
    parser.feed(html)
    return parser


def test_article_pages_have_open_graph_twitter_and_json_ld(sub_site):
    config, result = sub_site
    output = config.path("output_dir")
    checked = 0
    for article in result.index.articles:
        page = head_of((output / "articles" / article.slug / "index.html").read_text())
        url = f"{SUB_BASE_URL}articles/{article.slug}/"
        assert page.title.startswith(article.title)
        assert page.meta["og:type"] == ["article"]
        assert page.meta["og:title"] == [article.title]
        assert page.meta["og:url"] == [url]
        assert page.meta["og:site_name"] == [config.title]
        assert page.meta["description"] == page.meta["og:description"]
        assert {"rel": "canonical", "href": url} in page.links
        [ld] = [json.loads(s) for s in page.scripts]
        assert ld["@type"] == "NewsArticle"
        assert ld["headline"] == article.title
        assert ld["url"] == ld["mainEntityOfPage"]["@id"] == url
        if article.url:
            assert ld["isBasedOn"] == article.url
        if article.published:
            stamp = article.published.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert ld["datePublished"] == stamp
            assert page.meta["article:published_time"] == [stamp]
        if article.images:
            image = article.images[0]
            assert page.meta["og:image"] == [image.url]
            assert page.meta["twitter:card"] == ["summary_large_image"]
            if image.width and image.height:
                assert page.meta["og:image:width"] == [str(image.width)]
                assert page.meta["og:image:height"] == [str(image.height)]
        else:
            assert page.meta["twitter:card"] == ["summary"]
        checked += 1
    assert checked == len(result.index.articles) > 0


def test_listing_pages_are_websites_without_json_ld(sub_site):
    config, _ = sub_site
    page = head_of((config.path("output_dir") / "index.html").read_text())
    assert page.meta["og:type"] == ["website"]
    assert page.meta["description"] == [config.description]
    assert page.scripts == []


def test_without_a_base_url_no_absolute_page_urls_are_claimed(root_site):
    config, result = root_site
    slug = result.index.articles[0].slug
    html = (config.path("output_dir") / "articles" / slug / "index.html").read_text()
    page = head_of(html)
    assert "og:url" not in page.meta
    assert not any(link.get("rel") == "canonical" for link in page.links)
    [ld] = [json.loads(s) for s in page.scripts]
    assert ld["url"] == f"/articles/{slug}/"
    assert not re.search(r"<script[^>]*>[^<]*</script>[^<]*</script>", html)
