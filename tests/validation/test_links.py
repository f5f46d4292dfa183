"""Every link and asset inside the built sample site points at a file the build wrote."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def target(output: Path, page: Path, url: str) -> Path | None:
    """The file a site-internal URL resolves to, or None for an external or fragment URL."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    base = output if path.startswith("/") else page.parent
    resolved = base / path.lstrip("/")
    return resolved / "index.html" if path.endswith("/") else resolved


def page_links(page: Path) -> list[str]:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links.urls


def test_every_internal_link_resolves(sample_site: Path) -> None:
    broken = []
    pages = sorted(sample_site.rglob("*.html"))
    for page in pages:
        for url in page_links(page):
            found = target(sample_site, page, url)
            if found is not None and not found.is_file():
                broken.append(f"{page.relative_to(sample_site)}: {url}")
    assert len(pages) > 50
    assert broken == []


def test_fragment_links_point_at_an_element_of_the_page(sample_site: Path) -> None:
    for page in sorted(sample_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for url in page_links(page):
            if url.startswith("#"):
                assert f'id="{url[1:]}"' in html, f"{page}: {url}"
