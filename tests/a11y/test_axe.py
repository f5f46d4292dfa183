"""axe-core finds no accessibility violations on any page kind, in the light and dark themes,
and the theme's keyboard and light/dark behaviour work in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import chrome, page_kinds, require_browser, serve

# axe-core as CI installs it from npm (SITEGEN_AXE_JS), else the same release kept in the repo.
AXE = Path(
    os.environ.get("SITEGEN_AXE_JS")
    or Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
)

# Waits until every CSS transition and animation on the page has finished.
# Every animation with an end jumps to it (getAnimations() starts the theme's transitions
# first): waiting for them to finish depended on the host's speed and never ended when the
# page's timeline stalled.
SETTLED = """
for (const a of document.getAnimations()) {
  const end = a.effect ? a.effect.getComputedTiming().endTime : Infinity;
  if (Number.isFinite(end)) a.finish();
}
"""
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(JSON.stringify(r.violations)))
  .catch(e => done(JSON.stringify([{id: "axe-error", help: String(e), nodes: []}])));
"""


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    require_browser()
    session = chrome()
    yield session
    session.quit()


@pytest.fixture(scope="module")
def site(sample_site: Path) -> Iterator[str]:
    with serve(sample_site) as base:
        yield base


def describe(kind: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n.get("target", []))) for n in v["nodes"][:3]]
        lines.append(f"{kind}: {v['id']}: {v['help']} at {targets}")
    return lines


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_axe_violations_on_any_page_kind(
    driver: Any, site: str, sample_site: Path, theme: str
) -> None:
    axe_source = AXE.read_text(encoding="utf-8")
    kinds = page_kinds(sample_site)
    problems: list[str] = []
    for kind, path in sorted(kinds.items()):
        driver.get(site + path)
        driver.execute_script(f"document.documentElement.setAttribute('data-theme', '{theme}')")
        # colours fade for 0.15 s: axe must see the theme's colours, not a blend on the way
        driver.execute_script(SETTLED)
        driver.execute_script(axe_source)
        violations = json.loads(driver.execute_async_script(RUN_AXE))
        problems.extend(describe(kind, violations))
    assert {"home", "article", "topic", "topics", "provider", "providers", "404"} <= set(kinds)
    assert problems == []


def test_axe_run_reports_a_planted_violation(driver: Any, site: str) -> None:
    """The harness itself works: a picture without alt text on our page is caught."""
    driver.get(site)
    driver.execute_script(
        "const img = document.createElement('img'); img.src = '/static/none.png';"
        "document.querySelector('main').append(img);"
    )
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = json.loads(driver.execute_async_script(RUN_AXE))
    assert [v["id"] for v in violations] == ["image-alt"]


def test_first_tab_reaches_a_visible_skip_link_that_moves_focus_to_main(
    driver: Any, site: str
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get(site)
    ActionChains(driver).send_keys(Keys.TAB).perform()
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    assert active.rect["y"] >= 0, "the focused skip link is off screen"
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    active.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"


def test_every_control_reached_by_tab_shows_a_focus_ring(driver: Any, site: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get(site)
    seen = []
    for _ in range(25):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        ring = driver.execute_script(
            "const s = getComputedStyle(document.activeElement);"
            "return [document.activeElement.outerHTML.slice(0, 60), s.outlineStyle, s.outlineWidth]"
        )
        seen.append(ring[0])
        assert ring[1] != "none" and ring[2] != "0px", f"no focus ring on {ring[0]}"
    assert any("theme-toggle" in html for html in seen), "the theme button is not reachable"


def test_theme_toggle_switches_and_is_remembered_across_pages(driver: Any, site: str) -> None:
    driver.get(site)
    driver.execute_script("localStorage.clear()")
    driver.get(site)
    html = driver.find_element("css selector", "html")
    toggle = driver.find_element("css selector", ".theme-toggle")
    assert toggle.is_displayed()
    start = toggle.get_attribute("aria-pressed")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") != start
    chosen = html.get_attribute("data-theme")
    assert chosen == ("dark" if start == "false" else "light")
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")

    driver.get(site + "topics/")  # a new page applies the choice before it paints
    assert driver.find_element("css selector", "html").get_attribute("data-theme") == chosen
    after = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert after == background
    driver.execute_script("localStorage.clear()")
