"""``sitemap.xml`` (sitemaps.org 0.9) and ``robots.txt``.

The sitemap lists every HTML page the build makes but the 404 page, so it cannot drift from
the pages; ``lastmod`` is the article's date, or for a listing page its newest article's.
Sitemaps need absolute URLs, so without a base_url there is no sitemap (the build says so).
A sitemap may list at most 50,000 URLs: a bigger site gets ``sitemap-1.xml``,
``sitemap-2.xml``... and ``sitemap.xml`` becomes the sitemap index naming them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from operator import attrgetter, methodcaller, ne
from pathlib import Path
from typing import Protocol

import jinja2

from sitegen.config import SiteConfig
from sitegen.model import Article, OutputFile, OutputPath, SiteIndex
from sitegen.public import absolute_url, iso

SITEMAP = "sitemap.xml"
MAX_URLS = 50_000  # the sitemaps.org limit per file
NOT_LISTED = {"404.html"}


class Listed(Protocol):
    """A file of the site, as the sitemap needs it: its path (an OutputFile, a planned page)."""

    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: str  # "" when no article on the page has a date


def page_dates(index: SiteIndex, page_size: int) -> dict[str, datetime]:
    """Output path of each page -> its last change: the newest dated article on it."""
    # The article pages' in C: 10,000 after every edit, in serve.
    articles = index.articles
    when = list(map(_PUBLISHED, articles))
    paths = map("articles/{}/index.html".format, map(_SLUG, articles))
    dates: dict[str, datetime] = dict(compress(zip(paths, when, strict=True), when))
    _listing_dates(dates, "", index.articles, page_size)
    for kind, listings in (("topics", index.topics), ("providers", index.providers)):
        newest = [_newest(listing.articles) for listing in listings.values()]
        known = [d for d in newest if d is not None]
        if known:
            dates[f"{kind}/index.html"] = max(known)
        for slug, listing in listings.items():
            _listing_dates(dates, f"{kind}/{slug}/", listing.articles, page_size)
    return dates


def _listing_dates(
    dates: dict[str, datetime], base: str, articles: Sequence[Article], size: int
) -> None:
    """The pages of a paginated listing, as render.listing_pages cuts them."""
    for start in range(0, len(articles), size):
        newest = _newest(articles[start : start + size])
        page = start // size + 1
        if newest is not None:
            dates[base + (f"page/{page}/" if page > 1 else "") + "index.html"] = newest


_PUBLISHED = attrgetter("published")
_SLUG = attrgetter("slug")
_PATH = attrgetter("path")
_IS_HTML = methodcaller("endswith", ".html")


def _newest(articles: Sequence[Article]) -> datetime | None:
    """The newest date in a run of the index's or a listing's articles: its first, as they
    are newest first with the undated last (one look instead of a scan per page)."""
    return articles[0].published if articles else None


@dataclass
class SitemapMemo:
    """What the last build of this process (``serve``) made of each page: output path ->
    its date, its entry and the entry's XML text; reused when the date is the same (the
    URL is made from the path and the settings, which the caller keeps it per)."""

    pages: dict[str, tuple[datetime | None, SitemapUrl, str]] = field(default_factory=dict)
    # The last sitemap: its pages (in the order given), their dates, its entries in order
    # and each page's place among them: with the same pages, only entries whose date
    # changed are made again, in place (no sort, no pass over 12,000 pages).
    last: LastSitemap | None = None


@dataclass
class LastSitemap:
    listed: set[str]  # the pages listed
    dates: dict[str, datetime]
    urls: list[SitemapUrl]  # the entries, sorted by URL
    locs: list[str]  # their URLs
    texts: list[str]  # their XML


MAX_PATCHED = 256  # more pages came and went than this: the sitemap is made in full


def sitemap_urls(
    files: Iterable[Listed],
    dates: dict[str, datetime],
    config: SiteConfig,
    memo: SitemapMemo | None = None,
) -> list[SitemapUrl]:
    """One entry per HTML page, sorted by URL; pages no article dates get no lastmod."""
    listed = set(filter(_IS_HTML, map(_PATH, files))) - NOT_LISTED  # (in C)
    last = memo.last if memo is not None else None
    if memo is not None and last is not None and _patch(memo, last, listed, dates, config):
        return last.urls
    urls = _sitemap_urls(sorted(listed), dates, config, memo)
    if memo is not None and absolute_url(config, ""):
        texts = {id(url): text for _, url, text in memo.pages.values()}
        memo.last = LastSitemap(
            listed, dates, urls, [u.loc for u in urls], [texts[id(u)] for u in urls]
        )
    return urls


def _loc(base: str, path: str) -> str:
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base + path.lstrip("/") if base else ""


def _patch(
    memo: SitemapMemo,
    last: LastSitemap,
    listed: set[str],
    dates: dict[str, datetime],
    config: SiteConfig,
) -> bool:
    """Bring the last sitemap's entries to these pages and dates: remove the pages that
    went, make again those whose date changed, add those that came (each in its place by
    URL). False when too many changed: then it is made in full."""
    gone, came = last.listed - listed, listed - last.listed
    if len(gone) + len(came) > MAX_PATCHED:
        return False
    old = last.dates
    changed = set()
    if dates != old:
        changed = set(compress(dates, map(ne, map(old.get, dates), dates.values())))
        changed.update(old.keys() - dates.keys())
        changed.intersection_update(listed)
        changed.difference_update(came)  # (listed last time too: in place to be remade)
    base = absolute_url(config, "")
    urls, locs, texts = last.urls, last.locs, last.texts
    for path in gone | changed:
        at = bisect_left(locs, _loc(base, path))
        del urls[at], locs[at], texts[at]
        memo.pages.pop(path, None)
    for path in came | changed:
        when = dates.get(path)
        url = SitemapUrl(_loc(base, path), iso(when) if when is not None else "")
        memo.pages[path] = (when, url, text := _entry_xml("url", url))
        at = bisect_left(locs, url.loc)
        urls.insert(at, url)
        locs.insert(at, url.loc)
        texts.insert(at, text)
    last.listed, last.dates = listed, dates
    return True


def _sitemap_urls(
    files: list[str],
    dates: dict[str, datetime],
    config: SiteConfig,
    memo: SitemapMemo | None = None,
) -> list[SitemapUrl]:
    # 12,000 pages at 10,000 articles, remade by every build that changes anything: plain
    # string operations, and each date (shared by an article and its listings) formatted once.
    base = absolute_url(config, "")
    shown: dict[datetime, str] = {}
    old = memo.pages if memo is not None else {}
    made: dict[str, tuple[datetime | None, SitemapUrl, str]] = {}
    urls = []
    for listed in files:
        path = listed
        if not path.endswith(".html") or path in NOT_LISTED:
            continue
        when = dates.get(path)
        hit = old.get(path)
        if hit is not None and hit[0] == when:
            made[path] = hit
            urls.append(hit[1])
            continue
        if path == "index.html" or path.endswith("/index.html"):
            path = path[: -len("index.html")]
        lastmod = ""
        if when is not None:
            lastmod = shown.get(when, "")
            if not lastmod:
                lastmod = shown[when] = iso(when)
        url = SitemapUrl(base + path.lstrip("/") if base else "", lastmod)
        made[listed] = (when, url, _entry_xml("url", url))
        urls.append(url)
    urls.sort(key=lambda u: u.loc)
    if memo is not None:
        memo.pages = made
    return urls


def sitemap_files(
    index: SiteIndex,
    config: SiteConfig,
    env: jinja2.Environment,
    files: Sequence[Listed],
    memo: SitemapMemo | None = None,
) -> list[OutputFile]:
    """``sitemap.xml`` (only with a base_url) and ``robots.txt`` pointing to it. ``memo``:
    see SitemapMemo (kept by the caller between builds, per settings)."""
    out = []
    sitemap_url = ""
    if config.base_url:
        memo = memo if memo is not None else SitemapMemo()
        urls = sitemap_urls(files, page_dates(index, config.page_size), config, memo)
        template = env.get_template("sitemap.xml")
        # A theme's own sitemap.xml is rendered; the built-in one is made as plain text.
        builtin = _is_builtin(template.filename)
        chunks = [urls[start : start + MAX_URLS] for start in range(0, len(urls), MAX_URLS)]
        kept = memo.last.texts if memo.last is not None and memo.last.urls is urls else None
        if len(chunks) <= 1 and builtin and kept is not None:
            # Each entry's text, in order, kept up to date: a join.
            xml = _joined("urlset", kept)
            out.append(OutputFile(OutputPath(SITEMAP), xml.encode("utf-8"), "sitemap"))
        elif len(chunks) <= 1:
            texts = {id(url): text for _, url, text in memo.pages.values()}
            xml = sitemap_xml(urls, texts) if builtin else template.render(urls=urls)
            out.append(OutputFile(OutputPath(SITEMAP), xml.encode("utf-8"), "sitemap"))
        else:
            texts = {id(url): text for _, url, text in memo.pages.values()}
            parts = []
            for number, chunk in enumerate(chunks, start=1):
                name = f"sitemap-{number}.xml"
                xml = sitemap_xml(chunk, texts) if builtin else template.render(urls=chunk)
                out.append(OutputFile(OutputPath(name), xml.encode("utf-8"), "sitemap"))
                newest = max((u.lastmod for u in chunk), default="")
                parts.append(SitemapUrl(absolute_url(config, name), newest))
            xml = sitemap_index_xml(parts)
            out.append(OutputFile(OutputPath(SITEMAP), xml.encode("utf-8"), "sitemap index"))
        sitemap_url = absolute_url(config, SITEMAP)
    robots = env.get_template("robots.txt").render(sitemap_url=sitemap_url)
    out.append(OutputFile(OutputPath("robots.txt"), robots.encode("utf-8"), "robots.txt"))
    return out


def sitemap_xml(urls: Sequence[SitemapUrl], made: dict[int, str] | None = None) -> str:
    """What the built-in ``sitemap.xml`` template makes of ``urls``, byte for byte, without
    a template expression per URL (a site has one URL a page, 12,000 at 10,000 articles).
    ``made``: see _entries_xml."""
    return _entries_xml("urlset", "url", urls, made)


def sitemap_index_xml(sitemaps: Sequence[SitemapUrl]) -> str:
    """A sitemap index: one ``<sitemap>`` per part, its lastmod the newest in it."""
    return _entries_xml("sitemapindex", "sitemap", sitemaps)


def _entries_xml(
    root: str, entry: str, items: Sequence[SitemapUrl], made: dict[int, str] | None = None
) -> str:
    """``made``: id of an item -> its XML text, for items made already (kept alive by the
    caller, so their ids are theirs)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ]
    made = made or {}
    for item in items:
        text = made.get(id(item))
        parts.append(text if text is not None else _entry_xml(entry, item))
    parts.append(f"</{root}>\n")
    return "".join(parts)


def _joined(root: str, texts: list[str]) -> str:
    """_entries_xml of items whose texts are made already."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{_NS}">\n'
    return head + "".join(texts) + f"</{root}>\n"


_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _entry_xml(entry: str, item: SitemapUrl) -> str:
    loc = item.loc.translate(_ESCAPES)  # as markupsafe.escape, one C call per URL
    if item.lastmod:
        lastmod = item.lastmod.translate(_ESCAPES)
        return (
            f"  <{entry}>\n    <loc>{loc}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </{entry}>\n"
        )
    return f"  <{entry}>\n    <loc>{loc}</loc>\n  </{entry}>\n"


# What markupsafe.escape (the templates' autoescape) makes of each special character.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def _is_builtin(filename: str | None) -> bool:
    from sitegen.render import builtin_theme_dir

    return filename is not None and Path(filename).parent == builtin_theme_dir()
