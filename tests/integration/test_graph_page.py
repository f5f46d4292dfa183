"""The graph page in a real browser: it loads without console errors, draws the graph, and
clicking a node opens that article."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMEDRIVER, CHROMIUM, require_browser

from sitegen.build import build
from sitegen.config import load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def chrome() -> Iterator[Any]:
    """Headless Chromium with its console log kept, drawing in software as desktop browsers
    without a GPU do."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample site, built into a temporary folder and served on 127.0.0.1."""
    output = tmp_path_factory.mktemp("site") / "out"
    config = load_config(ROOT, overrides={"output_dir": str(output)})
    build(config, log=lambda _: None)
    handler = functools.partial(_QuietHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _errors(driver: Any) -> list[dict[str, Any]]:
    """Console errors of the page. Not counted: remote images of articles, which tests
    cannot reach offline. (A missing favicon counts: the theme links its own.)"""
    return [
        e
        for e in driver.get_log("browser")
        if e["level"] in ("SEVERE", "ERROR")
        and not (e["source"] == "network" and not e["message"].startswith("http://127.0.0.1"))
    ]


def _hover_dot(driver: Any, slug: str) -> None:
    """Scroll the map into view and move the pointer onto the dot of ``slug``."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    x, y = driver.execute_script(
        """
        const view = window.sitegenGraph;
        view.container.scrollIntoView({block: "center"});
        const at = view.nodePosition(arguments[0]);
        return [Math.round(at.x), Math.round(at.y)];
        """,
        slug,
    )
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(x, y).pause(0.3)
    actions.perform()


def _open_graph(driver: Any, site_url: str) -> None:
    """Open /graph/ and wait until the whole graph is loaded (the app's ``data-ready``)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(site_url + "/graph/")
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".graph-app").get_attribute("data-ready")
    )


def test_the_graph_page_draws_and_a_click_on_a_node_opens_its_article(
    chrome: Any, site_url: str
) -> None:
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open_graph(chrome, site_url)
    assert chrome.title.startswith("Related-articles graph")
    assert _errors(chrome) == []
    nodes = chrome.execute_script("return window.sitegenGraph.graph.order")
    assert nodes == 48
    # Where the node of the seed article's story partner is drawn, then a real click there.
    slug = "it-takes-a-lot-of-energy-for-machines-to-learn-why-ai-is-so-power-hungry"
    _hover_dot(chrome, slug)
    tip = chrome.find_element(By.CSS_SELECTOR, ".graph-tip")
    WebDriverWait(chrome, 5).until(lambda d: tip.is_displayed())
    assert "power-hungry" in tip.text  # hovering a dot shows its title
    actions = ActionBuilder(chrome)
    actions.pointer_action.click()
    actions.perform()
    WebDriverWait(chrome, 15).until(lambda d: f"/articles/{slug}/" in d.current_url)
    assert "power-hungry" in chrome.title
    assert _errors(chrome) == []


def test_the_topic_filter_and_title_search_update_the_status(chrome: Any, site_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _open_graph(chrome, site_url)
    Select(chrome.find_element(By.ID, "graph-topic")).select_by_value("space")
    status = chrome.find_element(By.ID, "graph-status")
    WebDriverWait(chrome, 5).until(lambda d: "articles shown" in status.text)
    shown = int(status.text.split()[0])
    assert 0 < shown < 48
    find = chrome.find_element(By.ID, "graph-find")
    find.send_keys("cargo lander", Keys.ENTER)
    WebDriverWait(chrome, 5).until(lambda d: status.text.startswith("Found:"))
    assert "lander" in status.text.lower()
    # The found article's related articles are highlighted, and the status says how many.
    lit = chrome.execute_script("return window.sitegenGraph.highlighted()")
    degree = chrome.execute_script(
        "return fetch('/graph/data.json').then(r => r.json())"
        ".then(d => d.nodes.find(n => n[0] === arguments[0])[3])",
        lit["focus"],
    )
    assert "lander" in lit["focus"]
    assert len(lit["related"]) == degree > 0
    assert f"({degree} related article" in status.text
    assert _errors(chrome) == []


def test_dragging_pans_and_the_wheel_zooms_then_the_map_is_drawn_again(
    chrome: Any, site_url: str
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open_graph(chrome, site_url)
    box = chrome.execute_script(
        """
        const view = window.sitegenGraph;
        view.container.scrollIntoView({block: "center"});
        window.draws = 0;
        view.onDraw(() => window.draws++);
        const b = view.container.getBoundingClientRect();
        return [Math.round(b.left + b.width / 2), Math.round(b.top + b.height / 2)];
        """
    )
    before = chrome.execute_script("return window.sitegenGraph.camera()")
    actions = ActionBuilder(chrome)
    actions.pointer_action.move_to_location(box[0] + 3, box[1] + 3).pointer_down()
    actions.pointer_action.move_to_location(box[0] + 120, box[1] + 60).pointer_up()
    actions.perform()
    panned = chrome.execute_script("return window.sitegenGraph.camera()")
    assert panned["x"] < before["x"] and panned["y"] < before["y"]  # the map follows the pointer
    assert panned["k"] == before["k"]
    container = chrome.find_element(By.ID, "graph-canvas")
    ActionChains(chrome).scroll_from_origin(ScrollOrigin.from_element(container), 0, -200).perform()
    WebDriverWait(chrome, 5).until(
        lambda d: d.execute_script("return window.sitegenGraph.camera().k") > panned["k"]
    )
    # Once the pointer rests, the map is drawn sharp again for the new view.
    WebDriverWait(chrome, 10).until(
        lambda d: d.execute_script("return window.draws > 0 && !window.sitegenGraph.drawing()")
    )
    assert _errors(chrome) == []


def test_hovering_a_node_highlights_its_related_articles(chrome: Any, site_url: str) -> None:
    """The highlight comes from the graphology graph: the related articles lit up are exactly
    the node's neighbours in graph/data.json, and the tooltip says how many there are."""
    import json
    import urllib.request

    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with urllib.request.urlopen(site_url + "/graph/data.json") as response:
        data = json.load(response)
    slugs = [node[0] for node in data["nodes"]]
    edges = data["edges"]
    neighbours: dict[str, set[str]] = {slug: set() for slug in slugs}
    for k in range(0, len(edges), 3):
        a, b = slugs[edges[k]], slugs[edges[k + 1]]
        neighbours[a].add(b)
        neighbours[b].add(a)
    # The best-connected article, so the highlight has something to show.
    slug = max(slugs, key=lambda s: (len(neighbours[s]), s))
    degree = data["nodes"][slugs.index(slug)][3]
    assert len(neighbours[slug]) == degree > 1

    _open_graph(chrome, site_url)
    container = chrome.find_element(By.ID, "graph-canvas")
    assert container.get_attribute("data-highlighted") in (None, "0")
    _hover_dot(chrome, slug)
    WebDriverWait(chrome, 5).until(
        lambda d: container.get_attribute("data-highlighted") == str(degree)
    )
    lit = chrome.execute_script("return window.sitegenGraph.highlighted()")
    assert lit["focus"] == slug
    assert set(lit["related"]) == neighbours[slug]
    among = sum(1 for a in neighbours[slug] for b in neighbours[a] if b in neighbours[slug]) // 2
    assert lit["links"] == degree + among  # its own links and those among its neighbours
    tip = chrome.find_element(By.CSS_SELECTOR, ".graph-tip")
    assert f"{degree} related articles" in tip.text
    # Moving off the map clears the highlight.
    actions = ActionBuilder(chrome)
    actions.pointer_action.move_to_location(5, 5).pause(0.2)
    actions.perform()
    WebDriverWait(chrome, 5).until(lambda d: container.get_attribute("data-highlighted") == "0")
    assert _errors(chrome) == []


# Reads the picture on screen (its first canvas) through a 2D canvas. For each link given as
# [slug, slug]: a point on it, halfway or 30 px from its first dot if that is nearer; null when
# that point is out of view, else whether its pixel or one next to it differs from the background
# (a corner of the picture, outside the map's bounding box).
_INKED_MIDPOINTS = """
const view = window.sitegenGraph, links = arguments[0];
const shown = view.container.querySelector("canvas");
const copy = document.createElement("canvas");
copy.width = shown.width; copy.height = shown.height;
const c = copy.getContext("2d");
c.drawImage(shown, 0, 0);
const box = view.container.getBoundingClientRect(), scale = shown.width / box.width;
function at(x, y) {
  return Array.from(c.getImageData(Math.round(x), Math.round(y), 1, 1).data).join();
}
const background = at(1, 1);
return links.map(function (l) {
  const p = view.nodePosition(l[0]), q = view.nodePosition(l[1]);
  const t = Math.min(0.5, 30 / Math.max(1, Math.hypot(q.x - p.x, q.y - p.y)));
  const x = (p.x + (q.x - p.x) * t - box.left) * scale;
  const y = (p.y + (q.y - p.y) * t - box.top) * scale;
  if (x < 2 || y < 2 || x > shown.width - 2 || y > shown.height - 2) return null;
  for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
    if (at(x + dx, y + dy) !== background) return true;
  }
  return false;
});
"""


def test_the_links_are_drawn_on_the_map_on_the_whole_and_zoomed_in(
    chrome: Any, site_url: str
) -> None:
    """Links are hairlines with their strength as opacity: the strongest links must still
    leave ink between their dots, both on the whole map and after zooming in."""
    import json
    import urllib.request

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.support.ui import WebDriverWait

    with urllib.request.urlopen(site_url + "/graph/data.json") as response:
        data = json.load(response)
    slugs = [node[0] for node in data["nodes"]]
    edges = data["edges"]
    triples = [(edges[k + 2], edges[k], edges[k + 1]) for k in range(0, len(edges), 3)]
    # The strongest links that are long enough to have a midpoint away from both dots.
    strong = sorted(triples, reverse=True)[:12]
    links = [[slugs[a], slugs[b]] for _, a, b in strong]
    assert len(links) >= 3

    _open_graph(chrome, site_url)
    chrome.execute_script(
        "window.drawnAt = 0; const v = window.sitegenGraph;"
        " v.onDraw(() => { window.drawnAt = v.camera().k; });"
        "window.sitegenGraph.container.scrollIntoView({block: 'center'});"
    )
    far = [
        link
        for link in links
        if chrome.execute_script(
            "const v = window.sitegenGraph, p = v.nodePosition(arguments[0]),"
            " q = v.nodePosition(arguments[1]); return Math.hypot(p.x - q.x, p.y - q.y);",
            *link,
        )
        > 14
    ]
    assert far, "no link long enough to test on the sample site's map"
    inked = chrome.execute_script(_INKED_MIDPOINTS, far)
    assert all(inked), inked
    # Zoom in on the first dot of the first of them, which stays in place under the pointer.
    x, y = chrome.execute_script(
        "const p = window.sitegenGraph.nodePosition(arguments[0]);"
        " return [Math.round(p.x), Math.round(p.y)];",
        *far[0],
    )
    for _ in range(3):
        ActionChains(chrome).scroll_from_origin(ScrollOrigin.from_viewport(x, y), 0, -300).perform()
    WebDriverWait(chrome, 10).until(
        lambda d: d.execute_script(
            "const v = window.sitegenGraph, k = v.camera().k;"
            " return k > 2 * v.camera().fit && window.drawnAt === k && !v.drawing()"
        )
    )
    inked = chrome.execute_script(_INKED_MIDPOINTS, far)
    assert inked[0] is True and all(i is not False for i in inked), inked
    assert _errors(chrome) == []


def test_the_map_is_usable_from_the_keyboard(chrome: Any, site_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    _open_graph(chrome, site_url)
    canvas = chrome.find_element(By.ID, "graph-canvas")
    status = chrome.find_element(By.ID, "graph-status")
    # The map is a tab stop: tabbing on from the find box reaches it.
    chrome.find_element(By.ID, "graph-find").click()
    chrome.switch_to.active_element.send_keys(Keys.TAB)
    assert chrome.switch_to.active_element == canvas
    assert canvas.get_attribute("role") == "application"
    # The first arrow picks the dot nearest the middle; each next one steps that way.
    seen = []
    for key in (Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_DOWN, Keys.ARROW_LEFT):
        canvas.send_keys(key)
        lit = chrome.execute_script("return window.sitegenGraph.highlighted()")
        assert lit["focus"], "no dot was chosen"
        seen.append(lit["focus"])
        WebDriverWait(chrome, 5).until(lambda d: "Enter opens it" in status.text)
    assert len(set(seen)) >= 3, seen  # the arrows moved between different articles
    first, second = chrome.execute_script(
        "return arguments[0].map(s => window.sitegenGraph.nodePosition(s))", seen[:2]
    )
    assert second["x"] > first["x"]  # ArrowRight went right
    # "+" zooms in, also while the glide to the chosen dot is still under way.
    camera = chrome.execute_script("return window.sitegenGraph.camera()")
    canvas.send_keys("+")
    zoomed = chrome.execute_script("return window.sitegenGraph.camera()")
    assert zoomed["k"] == pytest.approx(camera["k"] * 1.5)  # arrow glides keep the zoom
    time.sleep(0.5)  # longer than a glide: none may undo the zoom
    assert chrome.execute_script("return window.sitegenGraph.camera()") == zoomed
    canvas.send_keys(Keys.ESCAPE)
    assert chrome.execute_script("return window.sitegenGraph.highlighted()")["focus"] is None
    canvas.send_keys(Keys.ARROW_UP, Keys.ENTER)
    WebDriverWait(chrome, 15).until(lambda d: "/articles/" in d.current_url)
    assert _errors(chrome) == []
