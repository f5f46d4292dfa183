"""``sitegen check --links``: find internal links and assets in a built site that do not resolve.

It reads the output folder the way a static host serves it under the site's base path: a URL
ending in ``/`` is that folder's ``index.html``. Links to other hosts are not followed. The
404 page is served at any depth, so its relative links are resolved from a made-up deep URL:
they only pass if they would work from everywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from sitegen.problems import Problem, problem

# Attributes that hold a URL the browser loads or the reader follows, by tag.
_URL_ATTRS = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
}
_XML_URL = re.compile(r'\bhref="([^"]*)"|<loc>([^<]*)</loc>')
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
_NOT_FOLLOWED = ("mailto:", "tel:", "data:", "javascript:", "#")
_DEEP_PAGE = "sitegen-link-check/any/depth/"  # where the 404 page is pretended to be served


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _URL_ATTRS.get(tag, ())
        line = self.getpos()[0]
        for name, value in attrs:
            if name not in wanted or value is None:
                continue
            if name == "srcset":
                # "a.jpg 1x, b.jpg 2x": each candidate is a URL and a descriptor
                self.links.extend((line, c.split()[0]) for c in value.split(",") if c.split())
            else:
                self.links.append((line, value))


def links_in(path: Path, text: str) -> list[tuple[int, str]]:
    """(line, URL) of every link in an HTML, XML or CSS file."""
    if path.suffix == ".html":
        parser = _LinkParser()
        parser.feed(text)
        parser.close()
        return parser.links
    pattern = _XML_URL if path.suffix == ".xml" else _CSS_URL
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in pattern.finditer(line):
            value = next(g for g in match.groups() if g is not None)
            found.append((number, html.unescape(value) if path.suffix == ".xml" else value))
    return found


def page_url(rel: str, base_path: str) -> str:
    """The URL path a file of the output is served at."""
    if rel == "404.html":
        return base_path + _DEEP_PAGE
    folder = rel == "index.html" or rel.endswith("/index.html")
    return base_path + (rel.removesuffix("index.html") if folder else rel)


def resolve(output: Path, base_path: str, base_url: str, page: str, link: str) -> str:
    """Why ``link`` on the page at URL path ``page`` does not resolve, or "" when it does
    (or is not ours to check: another host, mailto:, a same-page #fragment)."""
    link = link.strip()
    if not link or link.lower().startswith(_NOT_FOLLOWED):
        return ""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        site = urlsplit(base_url) if base_url else None
        ours = site is not None and (parts.scheme or site.scheme, parts.netloc) == (
            site.scheme,
            site.netloc,
        )
        if not ours or not urlsplit(urljoin(page, link)).path.startswith(base_path):
            return ""  # another host, or another site on the same host
    path = urlsplit(urljoin(page, link)).path
    if not path.startswith(base_path):
        return f"points outside the site's base path {base_path}"
    rel = unquote(path[len(base_path) :])
    target = output / rel
    if ".." in Path(rel).parts:
        return "climbs out of the site"
    if rel == "" or rel.endswith("/"):
        if (target / "index.html").is_file():
            return ""
        return f"no {(target / 'index.html').relative_to(output).as_posix()} in the output"
    if target.is_file() or (target / "index.html").is_file():
        return ""
    return f"no {rel} in the output"


def check_links(output: Path, base_path: str = "/", base_url: str = "") -> list[Problem]:
    """Every link in the output's HTML, XML and CSS files that does not resolve."""
    problems = []
    for path, rel in _site_files(output):
        text = path.read_text(encoding="utf-8", errors="replace")
        page = page_url(rel, base_path)
        for line, link in links_in(path, text):
            why = resolve(output, base_path, base_url, page, link)
            if why:
                problems.append(problem(path, line, "link", f'"{link}": {why}', error=True))
    return problems


def _site_files(output: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output).as_posix()
        hidden = any(part.startswith(".") for part in rel.split("/"))
        if path.suffix in (".html", ".xml", ".css") and path.is_file() and not hidden:
            yield path, rel
