"""Headless Chromium for browser tests: skipped when Chromium is missing, unless
SITEGEN_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the test instead."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _missing() -> str:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file() and shutil.which(path.name) is None:
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return ""


def require_browser() -> None:
    """Skip (or, with SITEGEN_REQUIRE_BROWSER=1, fail) when there is no Chromium."""
    why = _missing()
    if why:
        if os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required but {why}")
        pytest.skip(why)


@pytest.fixture
def chromium() -> Iterator[Any]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def require(available: bool, what: str) -> None:
    """Skip the test when ``what`` is missing; fail instead under SITEGEN_REQUIRE_BROWSER=1."""
    if available:
        return
    if os.environ.get("SITEGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required (SITEGEN_REQUIRE_BROWSER=1) but missing")
    pytest.skip(f"{what} is not installed")


def require_java() -> None:
    require(shutil.which("java") is not None, "Java (for the Nu HTML Checker)")


def chrome(width: int = 1280, height: int = 900) -> Any:
    """A headless Chromium session with a fixed window size and no network beyond this
    machine: remote article images fail at once instead of waiting (the pages must look and
    work right without them anyway)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    return driver


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free local port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def page_kinds(output: Path) -> dict[str, str]:
    """One page of each kind in a built site: kind -> path relative to the output folder.

    The article is the first with a picture and related coverage, the topic and source the
    largest (so their pages paginate); /graph/ and /search/ are included when the site has them.
    """
    kinds = {
        "home": "index.html",
        "topics": "topics/index.html",
        "providers": "providers/index.html",
        "404": "404.html",
    }
    articles = sorted((output / "articles").glob("*/index.html"))
    rich = [p for p in articles if _has(p, 'class="story-image"') and _has(p, 'class="related')]
    kinds["article"] = (rich or articles)[0].relative_to(output).as_posix()
    for kind in ("topic", "provider"):
        pages = sorted((output / f"{kind}s").glob("*/index.html"))
        largest = max(pages, key=lambda p: (_card_count(p), p.as_posix()))
        kinds[kind] = largest.relative_to(output).as_posix()
    for extra in ("graph", "search"):
        if (output / extra / "index.html").is_file():
            kinds[extra] = f"{extra}/index.html"
    return kinds


def _has(path: Path, text: str) -> bool:
    return text in path.read_text(encoding="utf-8")


def _card_count(path: Path) -> int:
    return len(re.findall(r'class="card[ "]', path.read_text(encoding="utf-8")))
