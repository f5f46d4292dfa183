"""The built site works where it is served: under /myrepo/ with a base URL, at / without.

A real HTTP server serves the output under the path only (anything else is a 404, as on
GitHub Pages); a crawler follows every internal link, asset, srcset candidate, feed and
sitemap link and canonical URL from the home page, and expects no 404.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from conftest import SUB_BASE_URL, serve

MAX_REQUESTS = 5000  # bound the crawl: the sample site has a few hundred URLs


class _Links(HTMLParser):
    """Every URL an HTML page points to: href, src, srcset, poster, and og:url/og:image."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "poster", "data"):
            if values.get(name):
                self.urls.append(str(values[name]))
        if values.get("srcset"):
            self.urls.extend(c.split()[0] for c in str(values["srcset"]).split(",") if c.strip())
        if tag == "meta" and values.get("property") == "og:url":
            self.urls.append(str(values["content"]))


def links_of(body: str, content_type: str) -> list[str]:
    if "html" in content_type:
        parser = _Links()
        parser.feed(body)
        return parser.urls
    if "xml" in content_type:
        return [a or b for a, b in re.findall(r'href="([^"]*)"|<loc>([^<]*)</loc>', body)]
    return []


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read().decode()


def local(url: str, served: str, public: str) -> str:
    """A URL of the published site (``public``) mapped to the local server; "" for others."""
    if public and url.startswith(public):
        return served + url[len(public) :]
    if url.startswith(served):
        return url
    return ""


def crawl(start: str, served: str, public: str) -> tuple[set[str], list[str]]:
    """All URLs reached from ``start``, and the broken ones as "page -> link (status)"."""
    seen = {start}
    queue = deque([(start, start)])
    broken = []
    while queue and len(seen) < MAX_REQUESTS:
        page, url = queue.popleft()
        status, kind, body = fetch(url)
        if status != 200:
            broken.append(f"{page} -> {url} ({status})")
            continue
        for link in links_of(body, kind):
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https"):
                continue
            mapped = local(urlunsplit(parts._replace(fragment="")), served, public)
            if not mapped and parts.netloc == urlsplit(served).netloc:
                broken.append(f"{url} -> {link} (outside {served})")
            elif mapped and mapped not in seen:
                seen.add(mapped)
                queue.append((url, mapped))
    return seen, broken


def check_site(output: Path, prefix: str, public: str) -> set[str]:
    with serve(output, prefix) as served:
        start = served + "index.html"
        seen, broken = crawl(start, served, public)
        assert broken == []
        # The 404 page is served for any missing URL, at any depth; its links must work there.
        deep = served + "no/such/page/at/depth/"
        status, kind, body = fetch(deep)
        assert status == 404 and "Page not found" in body
        for link in links_of(body, kind):
            target = urljoin(deep, link).split("#")[0]
            if target.startswith(served) and target != deep:
                assert fetch(target)[0] == 200, f"404 page link {link} broken"
        # Feeds and the sitemap are linked from pages, so the crawl reached them.
        return {url[len(served) :] for url in seen}


def test_every_link_works_under_a_sub_path(sub_site):
    config, _ = sub_site
    reached = check_site(config.path("output_dir"), "/myrepo/", SUB_BASE_URL)
    assert {"feed.xml", "static/style.css", "search/", "pagefind/pagefind-ui.js"} <= reached
    assert any(url.startswith("articles/") for url in reached)
    assert any(url.startswith("topics/") and url.endswith("feed.xml") for url in reached)


def test_every_link_works_at_the_root_without_a_base_url(root_site):
    config, _ = root_site
    reached = check_site(config.path("output_dir"), "/", "")
    assert {"feed.xml", "static/style.css", "search/", "pagefind/pagefind-ui.js"} <= reached


def test_the_crawl_reaches_every_page_the_build_made(sub_site):
    config, result = sub_site
    output = config.path("output_dir")
    with serve(output, "/myrepo/") as served:
        seen, _ = crawl(served + "index.html", served, SUB_BASE_URL)
    pages = {
        served + path.removesuffix("index.html")
        for path in result.made
        if path.endswith(".html") and path != "404.html"
    }
    pages = {p if p != served else p + "index.html" for p in pages} | {served + "index.html"}
    assert pages - seen - {served} == set()


def test_a_site_served_at_the_wrong_path_is_caught(root_site):
    """The crawler would notice links missing the base path: a root build served under
    /myrepo/ breaks (so the tests above would fail on such a bug)."""
    config, _ = root_site
    with serve(config.path("output_dir"), "/myrepo/") as served:
        _, broken = crawl(served + "index.html", served, "")
    assert broken
