"""No script from content reaches a page: hostile values in every field, then scan every file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hostile_html import THEME_SCRIPTS, scan_html, scan_output, url_danger
from sec_helpers import build_site, digest_file, site_config, write_files

from sitegen.build import BuildResult
from sitegen.normalize import sanitize_body

# Markup that would run script, load a frame or plugin, or restyle the page.
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<style>body{display:none}</style>",
    '<p style="position:fixed;top:0">covered</p>',
    '<a href="javascript:alert(1)" onclick="alert(1)">click</a>',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/">'
    '<button formaction="javascript:alert(1)">go</button></form>',
    '<details open ontoggle="alert(1)">x</details>',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    "<!-- unclosed comment",
    "]]> <![CDATA[",
    "ctrl \x07\x1b[31m\u202e\u200b chars",
    "{{ 7*7 }} {% raw %}",  # content is data, never a template
]
# URLs that must never become a link, image or related entry.
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\njavascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "\\\\evil.example\\x",
    "/\\evil.example",
    "https:evil.example",
    "http://",
    "https://evil.example/\x00x",
    "file:///etc/passwd",
]


def hostile_files() -> dict[str, str]:
    files = {}
    for i, payload in enumerate(MARKUP):
        bad = BAD_URLS[i % len(BAD_URLS)]
        meta: dict[str, Any] = {
            "title": f"Hostile {i} {payload}",
            "excerpt": payload,
            "category": payload,
            "type": payload,
            "publishedDateTime": f"2021-01-{i + 1:02d}T10:00:00Z",
            "originalUrl": bad,
            "webUrl": BAD_URLS[(i + 1) % len(BAD_URLS)],
            "ampWebUrl": BAD_URLS[(i + 2) % len(BAD_URLS)],
            "cdnAmpWebUrl": BAD_URLS[(i + 3) % len(BAD_URLS)],
            "provider": {"name": payload, "domain": payload},
            "topics": [payload, f"T{i} {payload}"],
            "images": [
                {"url": bad, "alt": payload},
                {"url": "https://img.example/ok.jpg", "alt": payload, "width": 10, "height": 10},
            ],
            "related": [
                {
                    "title": payload,
                    "webUrl": bad,
                    "excerpt": payload,
                    "provider": {"name": payload},
                },
                {"title": f"Related {payload}", "webUrl": "https://ok.example/related"},
            ],
            "note": payload,
            "secured": "SECRET-TOKEN-" + str(i),
        }
        # A NUL makes the whole file unreadable (tested elsewhere); bodies get another control.
        body_urls = [u.replace("\x00", "\x01") for u in BAD_URLS]
        body = "\n\n".join(
            [
                payload,
                *(f"[link {n}]({u})" for n, u in enumerate(body_urls)),
                *(f"![img {n}]({u})" for n, u in enumerate(body_urls)),
                *(f'<a href="{u}">raw {n}</a>' for n, u in enumerate(body_urls) if "\n" not in u),
                "<javascript:alert(1)> <https://ok.example/auto>",
                "[fine](https://ok.example/page) and [local](/articles/)",
            ]
        )
        files[f"content/hostile-{i:02d}.md"] = digest_file(meta, body)
    # Providers known only by a hostile URL, and the same hostile names in one more file.
    files["content/only-urls.md"] = digest_file(
        {"title": "Only URLs", "originalUrl": "javascript:alert(1)", "provider": MARKUP[1]}
    )
    return files


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("hostile")
    write_files(root, hostile_files())
    result = build_site(site_config(root))
    return root / "output", result


def test_hostile_site_builds_every_article(hostile_site: tuple[Path, BuildResult]) -> None:
    output, result = hostile_site
    assert result.articles == len(MARKUP) + 1
    assert result.errors == 0, [str(p) for p in result.problems if p.severity == "error"]
    assert len(list((output / "articles").iterdir())) == len(MARKUP) + 1


def test_no_output_file_carries_script_from_content(
    hostile_site: tuple[Path, BuildResult],
) -> None:
    output, _ = hostile_site
    findings = scan_output(output, THEME_SCRIPTS)
    assert findings == {}


def test_hostile_text_is_shown_as_text(hostile_site: tuple[Path, BuildResult]) -> None:
    output, _ = hostile_site
    pages = "".join(p.read_text(encoding="utf-8") for p in output.rglob("*.html"))
    # A template that evaluated the title would print 49 where the title stands; attribute
    # values (SVG coordinates, dates) are left out of the search.
    text = re.sub(r'="[^"]*"', "", pages).replace("2049", "")
    assert "{{ 7*7 }}" in pages and "49" not in text
    # Tags are stripped from text fields; what is left of the attack is escaped text.
    assert "Hostile 1 &#34;&gt;</h1>" in pages
    assert "\x07" not in pages and "\x1b" not in pages and "\x00" not in pages


def test_secured_token_is_never_written(hostile_site: tuple[Path, BuildResult]) -> None:
    output, _ = hostile_site
    for path in output.rglob("*"):
        if path.is_file():
            assert b"SECRET-TOKEN" not in path.read_bytes(), path


def test_every_dropped_frontmatter_url_is_reported(
    hostile_site: tuple[Path, BuildResult],
) -> None:
    _, result = hostile_site
    reported = {(Path(p.path).name, p.field) for p in result.problems}
    for i in range(len(MARKUP)):
        name = f"hostile-{i:02d}.md"
        for field in ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "images[0].url"):
            assert (name, field) in reported, (name, field)
        assert (name, "related[0].webUrl") in reported


def test_dropped_body_links_are_reported_with_file_and_line(
    hostile_site: tuple[Path, BuildResult],
) -> None:
    _, result = hostile_site
    body = [p for p in result.problems if p.field == "body" and "hostile-00" in p.path]
    text = "\n".join(str(p) for p in body)
    for url in ("javascript:alert(1)", "vbscript:msgbox(1)", "//evil.example/x", "file:///etc"):
        assert url in text, f"{url} not reported in:\n{text}"
    assert all(re.fullmatch(r".*content/hostile-00\.md:\d+: body: .+", str(p)) for p in body)
    # The line points into the body, at the link itself.
    js_line = min(p.line for p in body if '"javascript:alert(1)"' in p.message)
    lines = hostile_files()["content/hostile-00.md"].split("\n")
    assert "javascript:alert(1)" in lines[js_line - 1], (js_line, lines[js_line - 1])
    assert lines.index("---", 1) + 1 < js_line


def test_sanitize_body_reports_exactly_the_links_it_removes() -> None:
    body = "\n\n".join(f"[x{n}]({u})" for n, u in enumerate(BAD_URLS[:11]))
    body += "\n\n[ok](https://ok.example/a) [rel](/topics/) [frag](#top)"
    clean, notes = sanitize_body(body)
    assert 'href="https://ok.example/a"' in clean
    assert 'href="/topics/"' in clean and 'href="#top"' in clean
    assert not any("ok.example" in n or "/topics/" in n for n in notes)
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)"):
        assert any(f'"{url}"' in n for n in notes), (url, notes)
    assert any("//evil.example/x" in n for n in notes)
    assert scan_html(f"<head>{_CSP}</head><body>{clean}</body>", set()) == []


_CSP = '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_url_never_survives_a_body(url: str) -> None:
    body = f'[a]({url}) ![b]({url}) <a href="{url}">c</a> <img src="{url}"> <q cite="{url}">d</q>'
    clean, _ = sanitize_body(body)
    found = scan_html(f"<head>{_CSP}</head><body>{clean}</body>", set())
    assert found == [], clean


def test_url_danger_recognises_what_browsers_strip() -> None:
    assert url_danger(" \tjava\nscript:x") and url_danger("//x") and not url_danger("/ok")


@pytest.mark.parametrize("nofollow", [False, True])
def test_external_links_get_noopener_and_optional_nofollow(tmp_path: Path, nofollow: bool) -> None:
    meta = {
        "title": "Links",
        "originalUrl": "https://news.example/a",
        "related": [{"title": "Other", "webUrl": "https://other.example/b"}],
    }
    write_files(tmp_path, {"content/a.md": digest_file(meta, "[x](https://body.example/c)")})
    build_site(site_config(tmp_path, nofollow_external=nofollow))
    page = (tmp_path / "output/articles/links/index.html").read_text(encoding="utf-8")
    anchors = re.findall(r'<a [^>]*href="https://[^"]*"[^>]*>', page)
    assert len(anchors) == 3, anchors
    for anchor in anchors:
        rel = set(re.search(r'rel="([^"]*)"', anchor).group(1).split())  # type: ignore[union-attr]
        assert {"noopener", "noreferrer"} <= rel, anchor
        assert ("nofollow" in rel) == nofollow, anchor
