"""How smooth the /graph/ page is in a real browser: a benchmark, not a test.

    python benchmarks/graph_smoothness.py OUTPUT_FOLDER [--runs 3] [--size 1440x900]

Serves a built site (e.g. a 10,000-article one) on 127.0.0.1, opens /graph/ in headless
Chromium (/usr/bin/chromium with /usr/bin/chromedriver) and prints, per run and as medians:

- first map: navigation start to the moment the first picture of the map is on screen (the
  graph app's ``data-drawn`` attribute);
- load to interactive: navigation start to the moment the whole graph is loaded and answers
  input (``data-ready``), and the first frame after it;
- long tasks (PerformanceObserver, buffered, installed before any page script): the longest
  after the load event, and how many took over 200 ms (over the whole visit and during pan/zoom);
- frame times while the script pans (pointer drag) and zooms (mouse wheel) with synthetic
  events sent to the map, measured between requestAnimationFrame callbacks: median and p95;
  and how many sharp pictures the page drew meanwhile (it redraws once the pointer rests);
- then the pointer rests on the 10 best-connected dots in turn: how many got their related
  articles highlighted (from graphology) and the longest frame meanwhile;
- long tasks while the graphology graph is filled (between the first map and ready).

Headless Chromium with --disable-gpu draws everything in software on the CPU, so the frame
times are a pessimistic bound for a desktop browser with a GPU. Give the machine's load
average with any figure (printed at the start and the end).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Installed before any page script: long tasks, and when the graph app says it is ready.
OBSERVE = """
window.__bench = {longtasks: [], drawn: null, ready: null, firstFrame: null};
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { __bench.longtasks.push([e.startTime, e.duration]); });
  }).observe({type: "longtask", buffered: true});
} catch (e) { __bench.noLongtasks = String(e); }
new MutationObserver(function (records, observer) {
  if (__bench.drawn === null && document.querySelector(".graph-app[data-drawn]")) {
    __bench.drawn = performance.now();
  }
  var app = document.querySelector(".graph-app[data-ready]");
  if (!app || __bench.ready !== null) return;
  __bench.ready = performance.now();
  requestAnimationFrame(function () { __bench.firstFrame = performance.now(); });
  observer.disconnect();
}).observe(document, {subtree: true, attributes: true,
               attributeFilter: ["data-drawn", "data-ready"]});
"""

# Pans with a mouse drag, zooms in and out with the wheel, pans again zoomed in; records the
# time between animation frames meanwhile. Calls back with the measurements.
INTERACT = """
var done = arguments[arguments.length - 1];
var view = window.sitegenGraph;
var container = view.container;
container.scrollIntoView({block: "center"});
var box = container.getBoundingClientRect();
var cx = box.left + box.width / 2, cy = box.top + box.height / 2;
var target = document.elementFromPoint(cx, cy);
var renders = 0;
view.onDraw(function () { renders++; });
function mouse(type, x, y, on) {
  (on || target).dispatchEvent(new PointerEvent(type, {
    bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, pointerId: 1,
    pointerType: "mouse", isPrimary: true, buttons: type === "pointerup" ? 0 : 1
  }));
}
function wheel(dy) {
  target.dispatchEvent(new WheelEvent("wheel", {
    bubbles: true, cancelable: true, clientX: cx, clientY: cy, deltaY: dy, deltaMode: 0
  }));
}
// The script: one step per frame, by the clock (a slow frame moves further, as a real drag
// would); a step returns false when its phase is over.
var phases = [];
function drag(ms, vx, vy) {
  var start = null;
  return function (now) {
    if (start === null) { start = now; mouse("pointerdown", cx, cy); return true; }
    var t = Math.min(now - start, ms);
    mouse("pointermove", cx + vx * t, cy + vy * t, document);
    if (t < ms) return true;
    mouse("pointerup", cx + vx * t, cy + vy * t, document); return false;
  };
}
function zoom(events, dy, every) {
  var i = 0, last = -1e9;
  return function (now) {
    if (i >= events) return now - last < 400;  // and the redraw after it
    if (now - last >= every) { wheel(dy); last = now; i++; }
    return true;
  };
}
// Hovers the best-connected dots in turn (the page highlights each one's related articles,
// read from graphology), one every 150 ms, then off the map.
function hover(count) {
  var g = view.graph, keys = [];
  g.forEachNode(function (k) { keys.push(k); });
  keys.sort(function (a, b) { return g.degree(b) - g.degree(a); });
  keys = keys.slice(0, count);
  var i = 0, last = -1e9, t0 = null;
  return function (now) {
    if (t0 === null) { t0 = now; hoverStart = performance.now(); }
    if (now - last < 150) return true;
    last = now;
    if (i < keys.length) {
      var at = view.nodePosition(keys[i++]);
      mouse("pointermove", at.x, at.y, document.elementFromPoint(at.x, at.y) || target);
      if (view.highlighted().related.length) lit++;
      return true;
    }
    mouse("pointermove", box.left + 2, box.top + 2);
    hoverMs = now - t0;
    return false;
  };
}
var lit = 0, hoverMs = 0, hoverStart = Infinity;
phases.push(drag(1500, 0.4, 0.2), drag(1500, -0.4, -0.2), zoom(6, -120, 200),
            drag(1000, 0.3, -0.25), zoom(6, 120, 200), drag(1000, -0.3, 0.25), hover(10));
var frames = [], startAt = performance.now(), prev = null, phase = 0;
function tick(now) {
  if (prev !== null) frames.push(now - prev);
  prev = now;
  if (phase < phases.length) {
    if (!phases[phase](now)) phase++;
    requestAnimationFrame(tick);
  } else {
    var end = performance.now();
    var camera = view.camera();
    done({frames: frames, start: startAt, end: end, renders: renders, camera: camera,
          lit: lit, hoverStart: hoverStart,
          hoverFrames: frames.slice(-Math.round(hoverMs / 16.7))});
  }
}
requestAnimationFrame(tick);
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def browser(width: int, height: int) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.page_load_strategy = "none"  # the script waits for the graph itself
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        # WebGL in software, as a desktop browser without a usable GPU has it.
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(300)
    executor: Any = driver.command_executor
    executor.client_config.timeout = 300  # a slow frame must not end the run
    return driver


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def one_run(driver: Any, url: str) -> dict[str, float]:
    import time

    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVE})
    driver.get(url + "/graph/")
    deadline = time.monotonic() + 120
    while driver.execute_script("return window.__bench && window.__bench.firstFrame") is None:
        if time.monotonic() > deadline:
            raise SystemExit("the graph was not ready within 120 s")
        time.sleep(0.05)
    nodes = driver.execute_script("return window.sitegenGraph.graph.order")  # graphology
    edges = driver.execute_script("return window.sitegenGraph.graph.size")
    time.sleep(1.0)  # let any work queued after the first frame show up as long tasks
    moved = driver.execute_async_script(INTERACT)
    bench = driver.execute_script(
        "var t = performance.timing, s = t.navigationStart; return {b: window.__bench,"
        " load: t.loadEventEnd - s, dcl: t.domContentLoadedEventEnd - s}"
    )
    tasks = bench["b"]["longtasks"]
    load = bench["load"]
    after_load = [d for s, d in tasks if s >= load]
    during = [d for s, d in tasks if moved["start"] <= s < moved["hoverStart"]]
    hovering = [d for s, d in tasks if moved["hoverStart"] <= s <= moved["end"]]
    # While the graphology graph is filled: between the first map and "ready".
    filling = [d for s, d in tasks if (bench["b"]["drawn"] or 0) <= s <= bench["b"]["ready"]]
    frames = moved["frames"]
    return {
        "nodes": nodes,
        "edges": edges,
        "dom_content_loaded_ms": bench["dcl"],
        "load_event_ms": load,
        "first_map_ms": bench["b"]["drawn"] or 0.0,
        "interactive_ms": bench["b"]["ready"],
        "first_frame_ms": bench["b"]["firstFrame"],
        "longest_task_ms": max((d for _, d in tasks), default=0.0),
        "longest_task_after_load_ms": max(after_load, default=0.0),
        "tasks_over_200ms_after_load": sum(1 for d in after_load if d > 200),
        "tasks_over_50ms_after_load": len(after_load),
        "tasks_over_200ms_while_filling_graphology": sum(1 for d in filling if d > 200),
        "longest_task_while_filling_graphology_ms": max(filling, default=0.0),
        "longest_task_during_pan_zoom_ms": max(during, default=0.0),
        "longest_task_during_hover_ms": max(hovering, default=0.0),
        "hovered_dots_highlighted": moved["lit"],
        "frames": len(frames),
        "renders": moved["renders"],
        "frame_median_ms": statistics.median(frames),
        "frame_p95_ms": percentile(frames, 95),
        "frame_max_ms": max(frames),
        "hover_frame_max_ms": max(moved["hoverFrames"], default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="a built site's output folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    data = args.output / "graph" / "data.json"
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {data}: {data.stat().st_size:,} bytes")
    results = []
    with serve(args.output) as url:
        for run in range(args.runs):
            driver = browser(width, height)  # a fresh browser each run: no warm caches
            try:
                result = one_run(driver, url)
            finally:
                driver.quit()
            results.append(result)
            print(f"run {run + 1}: " + ", ".join(f"{k}={v:.0f}" for k, v in result.items()))
    print(f"median of {len(results)} runs (load average now {os.getloadavg()[0]:.2f}):")
    for key in results[0]:
        print(f"  {key:34} {statistics.median(r[key] for r in results):10.1f}")


if __name__ == "__main__":
    main()
