"""The default theme's Content-Security-Policy, checked in the templates and in a real browser."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_html import THEME_INIT_HASH, THEME_SCRIPTS, scan_html
from sec_helpers import REPO, build_site, sample_config, site_config, write_files
from test_hostile_content import hostile_files

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRED = {
    "default-src": {"'self'"},
    "script-src": {"'self'", THEME_INIT_HASH},
    "img-src": {"'self'", "https:", "data:"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
}


def csp_of(page: str) -> dict[str, set[str]]:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert match, "no CSP meta tag"
    directives = {}
    for part in match.group(1).split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    build_site(sample_config(out))
    return out


def test_every_page_of_the_sample_site_has_the_policy(sample_site: Path) -> None:
    pages = list(sample_site.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert csp_of(text) == REQUIRED, page
        head = text[: text.index("</head>")]
        assert head.index("Content-Security-Policy") < head.index("<script"), page
        assert scan_html(text, THEME_SCRIPTS) == [], page


def test_the_theme_has_no_inline_script_or_style() -> None:
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        # Every <script> is a file, or a JSON-LD data block (data, not script: CSP ignores it),
        # or theme-init.js inlined whole (the policy allows it by hash).
        text = text.replace("<script>{{ theme_init_script }}</script>", "")
        assert not re.search(r"<script(?![^>]*(\bsrc=|application/ld\+json))[^>]*>", text), template
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", text), template
        assert "javascript:" not in text, template


def test_scanner_finds_what_the_policy_would_block() -> None:
    bad = (
        '<head><meta http-equiv="Content-Security-Policy" content="x"></head><body>'
        '<script>1</script><img src=x onerror=alert(1)><a href=" javascript:1">a</a>'
        '<iframe src="https://x/"></iframe><p style="color:red">s</p><style>p{}</style></body>'
    )
    assert len(scan_html(bad, set())) == 6


# -- in a browser -------------------------------------------------------------------------


def _browser_missing() -> str:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return "Chromium or chromedriver is not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing} but SITEGEN_REQUIRE_BROWSER=1")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    # Remote images fail at once instead of waiting for DNS: the tests need 127.0.0.1 only.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.page_load_strategy = "eager"  # remote images cannot load here; do not wait
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An empty folder served over http on 127.0.0.1; yields it and its URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _violations(driver: Any, url: str) -> list[str]:
    started = time.perf_counter()
    driver.get(url)
    print(f"loaded {url} in {time.perf_counter() - started:.2f} s")
    driver.execute_script("return document.readyState")  # an external script: allowed
    logs = driver.get_log("browser")
    return [e["message"] for e in logs if "Content Security Policy" in e["message"]]


def _no_alert(driver: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        driver.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return True
    return False


def test_sample_site_runs_without_csp_violations(
    browser: Any, served: tuple[Path, str], sample_site: Path
) -> None:
    root, base = served
    shutil.copytree(sample_site, root, dirs_exist_ok=True)
    article = sorted((root / "articles").iterdir())[0].name
    pages = [f"{base}/", f"{base}/articles/{article}/", f"{base}/topics/"]
    if (root / "search/index.html").exists():  # Pagefind's UI and its WebAssembly
        pages.append(f"{base}/search/")
    for url in pages:
        assert _violations(browser, url) == [], url
        # The theme's script ran (it is a file, so the policy allows it) and styles applied.
        assert browser.execute_script(
            "return getComputedStyle(document.querySelector('.site-header')).display"
        )
        assert browser.find_element("css selector", "link[rel=stylesheet]")


def test_the_policy_blocks_inline_script_in_a_browser(
    browser: Any, served: tuple[Path, str], sample_site: Path
) -> None:
    """The negative control: an inline script in a page with the theme's policy is refused."""
    root, base = served
    page = (sample_site / "index.html").read_text(encoding="utf-8")
    meta = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', page)
    assert meta
    (root / "bad.html").write_text(
        f"<!DOCTYPE html><html><head>{meta.group(0)}</head><body>"
        "<script>document.title='ran'</script><img src=x onerror=\"document.title='ran'\">"
        "</body></html>",
        encoding="utf-8",
    )
    violations = _violations(browser, f"{base}/bad.html")
    assert violations, "the browser reported no CSP violation for an inline script"
    assert browser.title != "ran"


def test_hostile_site_runs_nothing_in_a_browser(
    browser: Any, served: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = served
    write_files(tmp_path, hostile_files())
    build_site(site_config(tmp_path, output_dir=str(root)))
    for page in sorted((root / "articles").iterdir())[:4]:
        assert _violations(browser, f"{base}/articles/{page.name}/") == [], page.name
        assert _no_alert(browser), page.name
        script = "return document.querySelectorAll('iframe,object,embed,style').length"
        assert browser.execute_script(script) == 0
