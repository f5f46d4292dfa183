"""Headless Chromium for browser tests: skipped when Chromium is missing, unless
SITEGEN_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the test instead."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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
