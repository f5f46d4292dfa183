"""``sitemap.xml`` (sitemaps.org 0.9) and ``robots.txt``.

The sitemap lists every HTML page the build makes but the 404 page, so it cannot drift from
the pages; ``lastmod`` is the article's date, or for a listing page its newest article's.
Sitemaps need absolute URLs, so without a base_url there is no sitemap (the build says so).
A sitemap may list at most 50,000 URLs: a bigger site gets ``sitemap-1.xml``,
``sitemap-2.xml``... and ``sitemap.xml`` becomes the sitemap index naming them.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate, chain, compress, pairwise, repeat
from operator import attrgetter, is_not, itemgetter, methodcaller, ne
from pathlib import Path
from typing import Any, Protocol

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
    if len(articles) <= size:  # (most listings: one page)
        if articles and (newest := articles[0].published) is not None:
            dates[base + "index.html"] = newest
        return
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
    # The last sitemap: its pages and their dates, its entries in parts by URL: with the
    # same pages, only the entries whose date changed are made again, in their part (no
    # sort, no pass over 12,000 pages).
    last: LastSitemap | None = None

    def saved(self) -> dict[Any, Any]:
        """What the build state keeps of the last sitemap, for the next process to patch:
        its parts (see Chunk), each a key: the build state's delta holds only the parts
        whose entries changed (a renamed page leaves one part and joins another), not
        12,800 entries after every edit. The parts an edit did not touch are the very ones
        restored (nothing packed again, nor compared: see statedelta)."""
        last = self.last
        if last is None:
            return {}
        saved: dict[Any, Any] = {"format": _SAVED_FORMAT, "base": last.base}
        for name, chunk in last.ordered():
            saved[("chunk", name)] = chunk
        return saved

    @classmethod
    def restored(cls, saved: dict[Any, Any]) -> SitemapMemo:
        """The memo of ``saved`` (an empty one for another layout): its last sitemap, whose
        entries (SitemapUrl) are made only if asked for (a patched built-in sitemap is a
        join of the texts)."""
        if saved.get("format") != _SAVED_FORMAT or type(saved.get("base")) is not str:
            return cls()
        chunks = {name: saved[key] for name in _CHUNK_NAMES if (key := ("chunk", name)) in saved}
        if not chunks:
            return cls()
        parts = list(zip(*chunks.values(), strict=True))
        paths = _unpacked("".join(parts[0]), _joined_lengths(parts[1]))
        whens = list(chain.from_iterable(parts[6]))
        dates = dict(compress(zip(paths, whens, strict=True), map(is_not, whens, repeat(None))))
        return cls({}, LastSitemap(set(paths), dates, saved["base"], chunks))


def _joined_lengths(parts: Iterable[array[int]]) -> array[int]:
    joined = array("q")
    for lengths in parts:
        joined.extend(lengths)
    return joined


# Where the sitemap's parts start, after the site's URL (sorted): by the first character
# of the slug of an article, topic or provider (slugs are ASCII).
_FIRSTS = "-0123456789abcdefghijklmnopqrstuvwxyz"
CHUNK_STARTS = sorted(
    [f"{folder}/{c}" for folder in ("articles", "providers", "topics") for c in _FIRSTS]
    + ["page/", "providers/", "topics/"]
)
_CHUNK_NAMES = ("", *CHUNK_STARTS)  # the parts' names, in their URLs' order
_SAVED_FORMAT = 3  # SitemapMemo.saved's layout: another one is not read

# A part of the sitemap: the entries whose URLs start with the site's and one of
# CHUNK_STARTS (or come before the first), in their URLs' order: the pages, the URLs and
# the entries' XML each as one text with the lengths of its parts, and the pages' dates.
Chunk = tuple[str, "array[int]", str, "array[int]", str, "array[int]", list[datetime | None]]


def _packed(texts: list[str]) -> tuple[str, array[int]]:
    return "".join(texts), array("q", map(len, texts))


def _unpacked(text: str, lengths: array[int]) -> list[str]:
    """The texts _packed joined. (Cut in C: 12,800 of them.)"""
    starts = list(accumulate(lengths, initial=0))
    return list(map(text.__getitem__, map(slice, starts, starts[1:])))


def _chunk(
    paths: list[str], locs: list[str], texts: list[str], dates: list[datetime | None]
) -> Chunk:
    return (*_packed(paths), *_packed(locs), *_packed(texts), dates)


def _chunk_lists(chunk: Chunk) -> tuple[list[str], list[str], list[str], list[datetime | None]]:
    """A part's pages, URLs, entries' texts and dates as lists (to change in place)."""
    return (
        _unpacked(chunk[0], chunk[1]),
        _unpacked(chunk[2], chunk[3]),
        _unpacked(chunk[4], chunk[5]),
        list(chunk[6]),
    )


@dataclass
class LastSitemap:
    listed: set[str]  # the pages listed
    dates: dict[str, datetime]
    base: str  # the site's URL (absolute_url of ""), the start of every entry's
    chunks: dict[str, Chunk]  # the entries by part (see Chunk), each part's by its name
    urls: list[SitemapUrl] | None = None  # the entries, once asked for (see entries)

    def ordered(self) -> Iterator[tuple[str, Chunk]]:
        """The parts that have entries, in their URLs' order."""
        chunks = self.chunks
        return ((name, chunks[name]) for name in _CHUNK_NAMES if name in chunks)

    def count(self) -> int:
        return sum(len(chunk[5]) for chunk in self.chunks.values())

    def joined(self) -> str:
        """Every entry's XML, in order."""
        return "".join(chunk[4] for _, chunk in self.ordered())

    def texts(self) -> list[str]:
        return [text for _, chunk in self.ordered() for text in _unpacked(chunk[4], chunk[5])]

    def entries(self) -> list[SitemapUrl]:
        """The entries, made from the URLs and dates if not made yet."""
        if self.urls is None:
            self.urls = [
                SitemapUrl(loc, iso(when) if when is not None else "")
                for _, chunk in self.ordered()
                for loc, when in zip(_unpacked(chunk[2], chunk[3]), chunk[6], strict=True)
            ]
        return self.urls


def _chunked(
    base: str, rows: list[tuple[str, str, SitemapUrl, str]], dates: dict[str, datetime]
) -> dict[str, Chunk]:
    """Sorted rows (URL, path, entry, XML) cut into the sitemap's parts (``dates``: the
    pages')."""
    locs = [row[0] for row in rows]
    # (Found by bisection: a key per entry cost more than the rest of the save.)
    cuts = [0, *(bisect_left(locs, base + start) for start in CHUNK_STARTS), len(rows)]
    chunks = {}
    for name, (start, end) in zip(_CHUNK_NAMES, pairwise(cuts), strict=True):
        if start != end:
            paths = [row[1] for row in rows[start:end]]
            texts = [row[3] for row in rows[start:end]]
            chunks[name] = _chunk(paths, locs[start:end], texts, list(map(dates.get, paths)))
    return chunks


MAX_PATCHED = 256  # more pages came and went than this: the sitemap is made in full


def sitemap_urls(
    files: Iterable[Listed],
    dates: dict[str, datetime],
    config: SiteConfig,
    memo: SitemapMemo | None = None,
) -> list[SitemapUrl]:
    """One entry per HTML page, sorted by URL; pages no article dates get no lastmod."""
    if memo is not None and absolute_url(config, ""):
        return _updated(files, dates, config, memo).entries()
    listed = set(filter(_IS_HTML, map(_PATH, files))) - NOT_LISTED  # (in C)
    return [row[2] for row in _sitemap_rows(sorted(listed), dates, config, memo)]


def _updated(
    files: Iterable[Listed], dates: dict[str, datetime], config: SiteConfig, memo: SitemapMemo
) -> LastSitemap:
    """The memo's last sitemap brought to these pages and dates: patched, or made in full
    (only with a base URL: without one the URLs are all "")."""
    listed = set(filter(_IS_HTML, map(_PATH, files))) - NOT_LISTED  # (in C)
    last = memo.last
    base = absolute_url(config, "")
    if last is not None and last.base == base and _patch(memo, last, listed, dates):
        return last
    rows = _sitemap_rows(sorted(listed), dates, config, memo)
    chunks = _chunked(base, rows, dates)
    memo.last = LastSitemap(listed, dates, base, chunks, [row[2] for row in rows])
    return memo.last


def _loc(base: str, path: str) -> str:
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base + path.lstrip("/") if base else ""


def _patch(
    memo: SitemapMemo, last: LastSitemap, listed: set[str], dates: dict[str, datetime]
) -> bool:
    """Bring the last sitemap's entries to these pages and dates: remove the pages that
    went, make again those whose date changed, add those that came (each in its place by
    URL, in its part: the others are left as they are). False when too many changed:
    then it is made in full."""
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
    last.listed, last.dates = listed, dates
    if not (gone or came or changed):
        return True  # (the entries stay as they are)
    base = last.base
    starts = [base + start for start in CHUNK_STARTS]
    touched: dict[str, tuple[list[str], list[str], list[str], list[datetime | None]]] = {}

    def part(loc: str) -> tuple[list[str], list[str], list[str], list[datetime | None]]:
        name = _CHUNK_NAMES[bisect_right(starts, loc)]
        found = touched.get(name)
        if found is None:
            chunk = last.chunks.get(name)
            found = touched[name] = _chunk_lists(chunk) if chunk else ([], [], [], [])
        return found

    for path in gone | changed:
        loc = _loc(base, path)
        paths, locs, texts, whens = part(loc)
        at = bisect_left(locs, loc)
        del paths[at], locs[at], texts[at], whens[at]
        memo.pages.pop(path, None)
    for path in came | changed:
        when = dates.get(path)
        url = SitemapUrl(_loc(base, path), iso(when) if when is not None else "")
        memo.pages[path] = (when, url, text := _entry_xml("url", url))
        paths, locs, texts, whens = part(url.loc)
        at = bisect_left(locs, url.loc)
        paths.insert(at, path)
        locs.insert(at, url.loc)
        texts.insert(at, text)
        whens.insert(at, when)
    for name, lists in touched.items():
        if lists[0]:
            last.chunks[name] = _chunk(*lists)
        else:
            last.chunks.pop(name, None)
    last.urls = None  # (made again if asked for: a theme's own sitemap)
    return True


def _sitemap_rows(
    files: list[str],
    dates: dict[str, datetime],
    config: SiteConfig,
    memo: SitemapMemo | None = None,
) -> list[tuple[str, str, SitemapUrl, str]]:
    """Per HTML page of ``files``, its URL, path, entry and the entry's XML, sorted by URL."""
    # 12,000 pages at 10,000 articles, remade by every build that changes anything: plain
    # string operations, and each date (shared by an article and its listings) formatted once.
    base = absolute_url(config, "")
    shown: dict[datetime, str] = {}
    old = memo.pages if memo is not None else {}
    made: dict[str, tuple[datetime | None, SitemapUrl, str]] = {}
    rows = []
    for listed in files:
        path = listed
        if not path.endswith(".html") or path in NOT_LISTED:
            continue
        when = dates.get(path)
        hit = old.get(path)
        if hit is not None and hit[0] == when:
            made[path] = hit
            rows.append((hit[1].loc, path, hit[1], hit[2]))
            continue
        if path == "index.html" or path.endswith("/index.html"):
            path = path[: -len("index.html")]
        lastmod = ""
        if when is not None:
            lastmod = shown.get(when, "")
            if not lastmod:
                lastmod = shown[when] = iso(when)
        url = SitemapUrl(base + path.lstrip("/") if base else "", lastmod)
        made[listed] = entry = (when, url, _entry_xml("url", url))
        rows.append((url.loc, listed, url, entry[2]))
    # By URL: each page's is its own (with a base URL; without one, all are "" and the
    # paths, distinct, decide).
    rows.sort(key=_ROW_ORDER)
    if memo is not None:
        memo.pages = made
    return rows


_ROW_ORDER = itemgetter(0, 1)


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
        dates = page_dates(index, config.page_size)
        last = _updated(files, dates, config, memo)
        template = env.get_template("sitemap.xml")
        # A theme's own sitemap.xml is rendered; the built-in one is made as plain text.
        builtin = _is_builtin(template.filename)
        if builtin and last.count() <= MAX_URLS:
            # Each entry's text, in order, kept up to date: a join (no entry objects).
            xml = _joined("urlset", last.joined())
            out.append(OutputFile(OutputPath(SITEMAP), xml.encode("utf-8"), "sitemap"))
            return _with_robots(out, env, absolute_url(config, SITEMAP))
        urls = last.entries()
        texts = dict(zip(map(id, urls), last.texts(), strict=True))
        chunks = [urls[start : start + MAX_URLS] for start in range(0, len(urls), MAX_URLS)]
        if len(chunks) <= 1:
            xml = sitemap_xml(urls, texts) if builtin else template.render(urls=urls)
            out.append(OutputFile(OutputPath(SITEMAP), xml.encode("utf-8"), "sitemap"))
        else:
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
    return _with_robots(out, env, sitemap_url)


def _with_robots(
    out: list[OutputFile], env: jinja2.Environment, sitemap_url: str
) -> list[OutputFile]:
    """``out`` and ``robots.txt`` pointing to the sitemap (if there is one)."""
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


def _joined(root: str, texts: str) -> str:
    """_entries_xml of items whose texts are made already (and joined)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{_NS}">\n'
    return head + texts + f"</{root}>\n"


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
