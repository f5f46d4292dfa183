"""Weight and loading budgets of the default theme, measured on the built sample site, and the
rules that keep it compatible with a strict Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

from browser import page_kinds

CSS_BUDGET = 30 * 1024
TOPIC_PAGE_BUDGET = 100 * 1024  # HTML, CSS and JS of a topic page, images left out
INIT_SCRIPT_BUDGET = 1024  # the one inline script, run before the first paint


def is_data_block(attrs: dict[str, str | None]) -> bool:
    """A <script> the browser never runs, such as JSON-LD metadata."""
    kind = (attrs.get("type") or "").strip().lower()
    return kind not in ("", "module", "text/javascript", "application/javascript")


class Tags(HTMLParser):
    """Collects the start tags of a page with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script" and not is_data_block(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def csp(self) -> str:
        metas = [a for t, a in self.tags if t == "meta" and a.get("http-equiv")]
        return next((a.get("content") or "" for a in metas), "")


def csp_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def parse(path: Path) -> Tags:
    tags = Tags()
    tags.feed(path.read_text(encoding="utf-8"))
    return tags


def local_assets(tags: Tags) -> list[str]:
    """Stylesheets and scripts a page loads (images left out)."""
    found = [a["src"] or "" for t, a in tags.tags if t == "script" and a.get("src")]
    found += [
        a["href"] or ""
        for t, a in tags.tags
        if t == "link" and a.get("rel") in ("stylesheet", "preload", "icon", "modulepreload")
    ]
    return found


def test_stylesheet_is_under_budget(sample_site: Path) -> None:
    size = (sample_site / "static" / "style.css").stat().st_size
    assert size < CSS_BUDGET, f"style.css is {size} bytes"


def test_no_page_loads_a_render_blocking_script(sample_site: Path) -> None:
    for path in page_kinds(sample_site).values():
        for tag, attrs in parse(sample_site / path).tags:
            if tag != "script" or is_data_block(attrs) or not attrs.get("src"):
                continue
            assert "defer" in attrs or "async" in attrs or attrs.get("type") == "module", (
                f"{path}: {attrs['src']} blocks rendering"
            )


def test_the_one_inline_script_is_the_small_theme_init_allowed_by_its_csp_hash(
    sample_site: Path,
) -> None:
    init = (sample_site / "static" / "theme-init.js").read_text(encoding="utf-8")
    assert len(init.encode()) < INIT_SCRIPT_BUDGET  # it is in every page
    for path in page_kinds(sample_site).values():
        tags = parse(sample_site / path)
        assert tags.inline_scripts == [init], f"{path}: inline scripts {tags.inline_scripts}"
        script_src = next(
            d for d in tags.csp().split(";") if d.strip().startswith("script-src")
        ).split()
        assert script_src == ["script-src", "'self'", csp_hash(init)], path


def test_topic_page_weighs_under_budget_before_images(sample_site: Path) -> None:
    topic = sample_site / page_kinds(sample_site)["topic"]
    total = topic.stat().st_size
    for asset in local_assets(parse(topic)):
        total += (sample_site / asset.lstrip("/")).stat().st_size
    assert total < TOPIC_PAGE_BUDGET, f"a topic page weighs {total} bytes before images"


def test_pages_make_no_external_requests_except_article_images(sample_site: Path) -> None:
    for path in page_kinds(sample_site).values():
        for asset in local_assets(parse(sample_site / path)):
            assert asset.startswith("/") and not asset.startswith("//"), f"{path}: {asset}"
    css = (sample_site / "static" / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css


def test_no_page_uses_inline_scripts_styles_or_event_handlers(sample_site: Path) -> None:
    theme_init = (sample_site / "static" / "theme-init.js").read_text(encoding="utf-8")
    for page in sorted(sample_site.rglob("*.html")):
        tags = parse(page)
        assert tags.inline_scripts in ([], [theme_init]), f"{page}: inline <script>"
        if tags.inline_scripts:
            assert csp_hash(theme_init) in tags.csp(), f"{page}: inline <script> not in its CSP"
        for tag, attrs in tags.tags:
            assert tag != "style", f"{page}: <style> element"
            assert "style" not in attrs, f"{page}: style attribute on <{tag}>"
            handlers = [a for a in attrs if a.startswith("on")]
            assert not handlers, f"{page}: {handlers} on <{tag}>"


def test_theme_toggle_is_hidden_until_the_script_can_run(sample_site: Path) -> None:
    buttons = [a for t, a in parse(sample_site / "index.html").tags if t == "button"]
    toggle = [a for a in buttons if "theme-toggle" in (a.get("class") or "")]
    assert len(toggle) == 1 and "hidden" in toggle[0]
