"""Scans built output for anything from content that could run: used by the security tests."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

# Attributes a browser follows, fetches or submits to.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "cite",
    "srcset",
    "poster",
    "background",
    "longdesc",
    "data",
    "xlink:href",
    "ping",
}
FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "style", "frame", "frameset", "applet", "base"}
FORBIDDEN_ELEMENTS |= {"link", "meta"}  # in <head> only, where content never goes
# What a browser ignores before the scheme: C0 controls and space, tab and newline anywhere.
_IGNORED = re.compile(r"[\x00-\x20\x7f]")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
# The theme's own script files (and Pagefind's UI, when search is on), at a site served at "/".
_THEME_STATIC = Path(__file__).resolve().parents[2] / "templates" / "static"
THEME_SCRIPTS = {
    "/static/" + p.relative_to(_THEME_STATIC).as_posix() for p in _THEME_STATIC.rglob("*.js")
} | {"/pagefind/pagefind-ui.js"}
# The one inline script: the theme's theme-init.js, in <head>, allowed by its hash in the CSP.
THEME_INIT = (_THEME_STATIC / "theme-init.js").read_text(encoding="utf-8")
THEME_INIT_HASH = (
    "'sha256-" + base64.b64encode(hashlib.sha256(THEME_INIT.encode()).digest()).decode() + "'"
)


def url_danger(value: str) -> str:
    """Why a browser could treat ``value`` as script or a foreign-origin trick, or ""."""
    squashed = _IGNORED.sub("", value).lower()
    if squashed.startswith(BAD_SCHEMES):
        return "script-capable scheme"
    if squashed.startswith(("//", "\\\\", "/\\", "\\/")):
        return "protocol-relative URL"
    return ""


class _Scanner(HTMLParser):
    def __init__(self, theme_scripts: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.theme_scripts = theme_scripts
        self.found: list[str] = []
        self.in_head = False
        self.in_script: str | None = None
        self.script_text = ""
        self.csp_metas = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "head":
            self.in_head = True
        if tag == "body":
            self.in_head = False
        where = f"<{tag}>"
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"{where} has an event handler {name}={value!r}")
            if name == "style":
                self.found.append(f"{where} has a style attribute {value!r}")
            if name in URL_ATTRIBUTES and url_danger(value):
                self.found.append(f"{where} {name}={value!r}: {url_danger(value)}")
        if tag in ("link", "meta") and self.in_head:
            pass
        elif tag in FORBIDDEN_ELEMENTS:
            self.found.append(f"{where} element is not allowed: {values}")
        if tag == "meta" and "http-equiv" in values:
            if values["http-equiv"].lower() == "content-security-policy" and self.in_head:
                self.csp_metas += 1
            else:
                self.found.append(f"<meta http-equiv={values['http-equiv']!r}> from content")
        if tag == "script":
            kind = values.get("type", "")
            if kind == "application/ld+json":
                self.in_script = "json"
            elif values.get("src") in self.theme_scripts:
                self.in_script = "theme"
            elif "src" not in values and self.in_head:
                self.in_script = "theme-init"
            else:
                self.found.append(f"<script> that is not a theme file: {values}")
                self.in_script = "other"
            self.script_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.in_script:
            if self.in_script == "theme" and self.script_text.strip():
                self.found.append("theme <script src> with inline code")
            if self.in_script == "theme-init" and self.script_text != THEME_INIT:
                self.found.append(
                    f"inline <script> in <head> is not theme-init: {self.script_text!r}"
                )
            if self.in_script == "json":
                try:
                    json.loads(self.script_text)
                except ValueError:
                    self.found.append("JSON-LD block is not plain JSON")
            self.in_script = None

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.script_text += data


def scan_html(text: str, theme_scripts: set[str]) -> list[str]:
    """Everything in one page that content could have used to run code or restyle it."""
    scanner = _Scanner(theme_scripts)
    scanner.feed(text)
    scanner.close()
    if scanner.csp_metas != 1:
        scanner.found.append(f"expected one CSP meta tag in <head>, found {scanner.csp_metas}")
    return scanner.found


def scan_json(value: object, where: str = "$") -> list[str]:
    """URLs in JSON data (keys ending in url/href/src/link) must be safe to put in a link."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k).lower()
            if isinstance(v, str) and key.endswith(("url", "href", "src", "link")):
                if url_danger(v):
                    found.append(f"{where}.{k} = {v!r}: {url_danger(v)}")
            else:
                found.extend(scan_json(v, f"{where}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(scan_json(v, f"{where}[{i}]"))
    return found


def scan_xml(text: str) -> list[str]:
    """Feeds and sitemaps: well-formed, safe link targets, and any embedded HTML scanned."""
    found = []
    root = ET.fromstring(text)
    for el in root.iter():
        for name, value in el.attrib.items():
            if name in URL_ATTRIBUTES and url_danger(value):
                found.append(f"<{el.tag}> {name}={value!r}")
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("loc", "link", "id", "uri") and el.text and url_danger(el.text):
            found.append(f"<{tag}>{el.text!r}")
        if el.attrib.get("type") == "html" and el.text:
            scanner = _Scanner(set())
            scanner.feed(el.text)
            found.extend(f"<{tag}> embedded HTML: {f}" for f in scanner.found)
    return found


def scan_output(output: Path, theme_scripts: set[str]) -> dict[str, list[str]]:
    """Every finding in every .html, .json and .xml file of a built site, by file."""
    findings: dict[str, list[str]] = {}
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output).as_posix()
        if not path.is_file() or rel.startswith(".sitegen"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            found = scan_html(text, theme_scripts)
        elif path.suffix == ".json":
            found = scan_json(json.loads(text))
        elif path.suffix == ".xml":
            found = scan_xml(text)
        else:
            continue
        if found:
            findings[rel] = found
    return findings
