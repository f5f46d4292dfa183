// sitegen default theme: the interactive related-articles graph (graph page only).
// graph/data.json (graph.json, compacted) arrives as columns of typed arrays (graph-data.js);
// positions come from the build, so the first picture is the final map. Who is related to whom
// also goes into a graphology graph after the first picture: hovering or finding a dot lights
// up its related articles and the links among them from it. The map is drawn with Canvas 2D off screen in
// small batches, each rasterized before the next task (the browser defers canvas drawing, and
// 31,000 lines rasterized at once take seconds in software), then handed to the canvas on
// screen without a copy. While the map is panned or zoomed the last picture is only moved and
// scaled (a CSS transform) and drawn again sharp once the pointer rests. The lists on the page
// hold the same links, so without this file nothing is lost.
(function () {
  "use strict";
  var app = document.querySelector(".graph-app");
  if (!app || !window.graphology) return;
  var status = document.getElementById("graph-status");
  var container = document.getElementById("graph-canvas");
  var topicSelect = document.getElementById("graph-topic");
  var findInput = document.getElementById("graph-find");
  var titles = document.getElementById("graph-titles");
  var SLICE_MS = 25; // work per task before yielding, so no task blocks the page for long
  var SETTLE_MS = 150; // redraw sharp this long after the last pan or zoom step

  function say(text) { status.textContent = text; }

  // Run fn(0..count-1) in time slices, one task each, then done(): however slow the
  // machine, the page keeps answering input while the graph is built.
  function inSlices(count, fn, done) {
    var i = 0;
    function step() {
      var until = performance.now() + SLICE_MS;
      while (i < count) {
        fn(i++);
        if ((i & 127) === 0 && performance.now() > until) break;
      }
      if (i < count) setTimeout(step, 0); else done();
    }
    step();
  }

  // Closer pairs get stronger lines: the text colour at four opacities (light and dark
  // themes alike), each one path to stroke.
  var EDGE_ALPHA = [0.12, 0.2, 0.3, 0.45];
  function shadeOf(score) {
    return Math.min(3, Math.max(0, Math.floor(Math.min(1, Math.max(0, score)) * 4)));
  }

  // `data`: data.json as columns (graph-data.js): slug, title, topic (index or -1), degree,
  // x, y per node; a, b (node indexes), score per edge.
  function build(data) {
    if (typeof data.slug === "string") { data.slug = data.slug.split("\u0000"); data.title = data.title.split("\u0000"); }
    var n = data.slug.length, m = data.a.length;
    var g = {
      data: data, n: n, m: m, x: data.x, y: data.y, r: new Float32Array(n),
      topic: data.topic, src: data.a, dst: data.b,
      shade: new Uint8Array(m), graph: new graphology.UndirectedGraph()
    };
    for (var k = 0; k < n; k++) g.r[k] = 1.6 + Math.sqrt(data.degree[k]) * 0.7; // pixels at the overview
    for (k = 0; k < m; k++) g.shade[k] = shadeOf(data.score[k]);
    // The map is drawn from the arrays (so are hit tests, click, filter and find); the
    // graphology graph, for the highlight of a dot's neighbourhood, is filled after the first
    // picture, and the highlight is shown from then on.
    setTimeout(function () {
      start(g, function () {
        app.setAttribute("data-drawn", "true");
        fill(g, function () { g.ready = true; app.setAttribute("data-ready", "true"); g.refresh(); });
      });
    }, 0);
  }

  // Nodes are keyed by their index in the arrays (which keep positions, colours and titles)
  // with no attributes of their own, edges carry only their score: few objects to make, and
  // so little garbage, in slices.
  function fill(g, done) {
    var graph = g.graph, a = g.src, b = g.dst, score = g.data.score;
    inSlices(g.n, function (k) { graph.addNode(k); }, function () {
      inSlices(g.m, function (k) { graph.addEdge(a[k], b[k], { score: score[k] }); }, done);
    });
  }

  // Draws the map and wires the controls; firstDrawn() once the first picture is on screen.
  function start(g, firstDrawn) {
    var n = g.n, m = g.m, data = g.data;
    var colors = data.topics.map(function (t) { return t[1]; });
    // Draw order: edges weakest first (stronger on top), by counting; dots biggest last,
    // by a numeric sort of degree and index packed in one number (no comparator to call).
    var edgeOrder = new Int32Array(m), starts = [0, 0, 0, 0, 0], i;
    for (i = 0; i < m; i++) starts[g.shade[i] + 1]++;
    for (i = 1; i < 5; i++) starts[i] += starts[i - 1];
    for (i = 0; i < m; i++) edgeOrder[starts[g.shade[i]]++] = i;
    var nodeOrder = new Float64Array(n);
    for (i = 0; i < n; i++) nodeOrder[i] = data.degree[i] * n + i;
    nodeOrder.sort();
    for (i = 0; i < n; i++) nodeOrder[i] = nodeOrder[i] % n;

    // The bounding box and a grid of nodes for hit tests.
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (i = 0; i < n; i++) {
      if (g.x[i] < minX) minX = g.x[i]; if (g.x[i] > maxX) maxX = g.x[i];
      if (g.y[i] < minY) minY = g.y[i]; if (g.y[i] > maxY) maxY = g.y[i];
    }
    if (!n) { minX = minY = -1; maxX = maxY = 1; }
    var spanX = Math.max(maxX - minX, 1e-6), spanY = Math.max(maxY - minY, 1e-6);
    var CELLS = Math.max(1, Math.round(Math.sqrt(n / 4)));
    var cellW = spanX / CELLS, cellH = spanY / CELLS;
    var grid = [];
    for (i = 0; i < CELLS * CELLS; i++) grid.push([]);
    function cellOf(v, lo, w) { return Math.min(CELLS - 1, Math.max(0, Math.floor((v - lo) / w))); }
    for (i = 0; i < n; i++) grid[cellOf(g.y[i], minY, cellH) * CELLS + cellOf(g.x[i], minX, cellW)].push(i);

    // Canvases: the picture (moved by CSS while the map moves), an overlay for the hovered
    // or found dot, and a tooltip with the title.
    var canvas = document.createElement("canvas");
    var offscreen = typeof OffscreenCanvas === "function" && typeof ImageBitmap === "function";
    var off = offscreen ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
    var o = off.getContext("2d", { alpha: false, willReadFrequently: true });
    var shown2d = offscreen ? null : canvas.getContext("2d", { alpha: false });
    var shownBitmap = offscreen ? canvas.getContext("bitmaprenderer") : null;
    var overlay = document.createElement("canvas");
    var tip = document.createElement("div");
    // Styled here (not in style.css): they exist only when this script runs.
    container.style.position = "relative";
    container.style.overflow = "hidden";
    container.style.touchAction = "none";
    container.style.contain = "layout paint"; // changes inside never lay out the long page
    [canvas, overlay].forEach(function (c) {
      c.style.position = "absolute"; c.style.left = "0"; c.style.top = "0";
      c.style.transformOrigin = "0 0";
    });
    canvas.style.willChange = "transform"; // moved by the compositor alone
    tip.className = "graph-tip"; tip.hidden = true;
    var tipTitle = document.createElement("span"), tipNote = document.createElement("small");
    tipNote.style.display = "block"; tipNote.style.opacity = "0.75";
    tip.appendChild(tipTitle); tip.appendChild(tipNote);
    tip.setAttribute("aria-hidden", "true");
    ["position:absolute", "pointer-events:none", "max-width:24rem", "padding:0.2rem 0.45rem",
     "font:0.85rem/1.3 system-ui,sans-serif", "border-radius:4px", "white-space:normal"].forEach(function (rule) {
      var at = rule.indexOf(":");
      tip.style.setProperty(rule.slice(0, at), rule.slice(at + 1));
    });
    container.appendChild(canvas);
    container.appendChild(overlay); container.appendChild(tip);
    var octx = overlay.getContext("2d");
    var W = 0, H = 0, dpr = 1;

    // Camera: the world point at the centre and pixels per world unit.
    var cam = { x: (minX + maxX) / 2, y: (minY + maxY) / 2, k: 1 };
    var fitK = 1;
    var drawn = null; // the camera of the picture on screen
    var topic = -2; // -2: all topics; else the topic index shown in colour
    var found = -1, hovered = -1;
    var listeners = { afterRender: [] };

    // Colours of the page's theme (light or dark), read again when the reader switches.
    var theme = {};
    function readTheme() {
      var style = getComputedStyle(container);
      theme.background = style.backgroundColor;
      if (!theme.background || theme.background === "rgba(0, 0, 0, 0)") theme.background = "#fff";
      theme.text = style.color || "#222";
      theme.dim = style.getPropertyValue("--border").trim() || "#dcdcdc";
      tip.style.background = theme.background; tip.style.color = theme.text;
      tip.style.border = "1px solid " + theme.dim;
    }
    readTheme();
    new MutationObserver(function () { readTheme(); redraw(0); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    if (window.matchMedia) {
      var dark = window.matchMedia("(prefers-color-scheme: dark)");
      if (dark.addEventListener) dark.addEventListener("change", function () { readTheme(); redraw(0); });
    }

    var atFit = true; // the whole map in view, as at the start: kept so on resize
    function resize() {
      var box = container.getBoundingClientRect();
      var w = Math.max(1, Math.round(box.width)), h = Math.max(1, Math.round(box.height));
      var ratio = Math.min(window.devicePixelRatio || 1, 2);
      if (w === W && h === H && ratio === dpr) return;
      W = w; H = h; dpr = ratio;
      [canvas, overlay, off].forEach(function (c) {
        c.width = Math.round(W * dpr); c.height = Math.round(H * dpr);
        if (c.style) { c.style.width = W + "px"; c.style.height = H + "px"; }
      });
      fitK = 0.92 * Math.min(W / spanX, H / spanY);
      if (atFit) { cam.k = fitK; cam.x = (minX + maxX) / 2; cam.y = (minY + maxY) / 2; }
      drawn = null;
      redraw(0);
    }

    function toScreen(i, c) {
      c = c || cam;
      return { x: (g.x[i] - c.x) * c.k + W / 2, y: (g.y[i] - c.y) * c.k + H / 2 };
    }
    // Dots grow more slowly than the map when zooming in, so close-ups stay readable.
    function zoomOf(c) { return Math.sqrt(Math.max(c.k / fitK, 0.25)); }
    function shown(i) { return topic === -2 || g.topic[i] === topic; }

    // One sharp picture for the camera `c`, drawn off screen in slices; each step returns true
    // when there is more to do. A step draws about SLICE_MS worth of edges, dots or titles,
    // then reads a pixel back, which makes the browser rasterize them now; the cost per unit
    // of work is learnt from the steps before, so a step takes about SLICE_MS on this machine.
    // A link costs in proportion to its length on screen (zoomed in, links are hundreds of
    // pixels long), so its units are counted by length; a step that took longer than
    // expected raises the estimate at once, a quicker one lowers it by a quarter of the gap.
    var job = null, perItem = { edge: 0.01, node: 0.05, title: 0.2 };
    function makeJob(c) {
      o.setTransform(dpr, 0, 0, dpr, 0, 0);
      o.fillStyle = theme.background;
      o.fillRect(0, 0, W, H);
      var z = zoomOf(c), margin = 40;
      var x0 = c.x - (W / 2 + margin) / c.k, x1 = c.x + (W / 2 + margin) / c.k;
      var y0 = c.y - (H / 2 + margin) / c.k, y1 = c.y + (H / 2 + margin) / c.k;
      function inView(i) { return g.x[i] >= x0 && g.x[i] <= x1 && g.y[i] >= y0 && g.y[i] <= y1; }
      var visible = [];
      for (var i = 0; i < n; i++) if (inView(nodeOrder[i])) visible.push(nodeOrder[i]);
      // Titles only when few dots are in view: then there is room for them.
      var e = 0, v = 0, t = visible.length > 400 ? -1 : visible.length - 1;
      var occupied = {};
      // Level of detail: the whole map shows the closer three quarters of the links (the
      // weakest, nearly half of them, only grey the picture); zoomed in, all of them.
      var weakest = c.k < 2 * fitK ? 1 : 0;
      // Links are hairlines, one device pixel wide, with their intended width given as
      // opacity (the same ink): Chromium rasterizes a hairline in a fraction of the time of
      // a wider stroke, which it fills as a polygon (400 long links at 1.5 px: 0.4-0.7 s in
      // software, against 15 ms as hairlines).
      var edgeInk = Math.min(1.5, Math.max(0.5, 0.4 * z)) * dpr;
      var edgeAlpha = EDGE_ALPHA.map(function (alpha) { return Math.min(1, alpha * edgeInk); });
      var reach = W + H;
      o.strokeStyle = theme.text;
      return {
        cam: c,
        step: function () {
          var kind = e < m ? "edge" : v < visible.length ? "node" : "title", t0 = performance.now();
          var limit = Math.max(20, Math.round(SLICE_MS / perItem[kind]));
          var more = drawSome(limit);
          o.getImageData(0, 0, 1, 1);
          var took = performance.now() - t0;
          if (drew > 0) {
            var cost = took / drew;
            perItem[kind] = Math.max(0.0005, cost > perItem[kind] ? cost : 0.75 * perItem[kind] + 0.25 * cost);
          }
          return more;
        }
      };
      var drew = 0;
      function drawSome(limit) {
          drew = 0;
          if (e < m) {
            o.lineWidth = 1 / dpr;
            var shade = -1;
            o.beginPath();
            for (; e < m; e++) {
              var k = edgeOrder[e], a = g.src[k], b = g.dst[k];
              // Only links with an end in view: those that merely cross it would cover a
              // close-up in long lines to dots far away.
              if (g.shade[k] < weakest || (!inView(a) && !inView(b))) continue;
              if (topic !== -2 && g.topic[a] !== topic && g.topic[b] !== topic) continue;
              if (g.shade[k] !== shade) {
                if (shade >= 0) { o.stroke(); o.beginPath(); }
                shade = g.shade[k]; o.globalAlpha = edgeAlpha[shade];
              }
              var ax = (g.x[a] - c.x) * c.k + W / 2, ay = (g.y[a] - c.y) * c.k + H / 2;
              var bx = (g.x[b] - c.x) * c.k + W / 2, by = (g.y[b] - c.y) * c.k + H / 2;
              o.moveTo(ax, ay); o.lineTo(bx, by);
              // One unit per link and one per 32 pixels of it (at most the view's size).
              drew += 1 + Math.min(reach, Math.abs(bx - ax) + Math.abs(by - ay)) / 32;
              if (drew >= limit) { e++; break; }
            }
            if (shade >= 0) o.stroke();
            o.globalAlpha = 1;
            return true;
          }
          if (v < visible.length) {
            // Small dots as squares (a tenth of the cost of arcs), grouped by colour.
            var last = null;
            for (; v < visible.length; v++) {
              var i = visible[v];
              var fill = !shown(i) ? theme.dim : g.topic[i] >= 0 ? colors[g.topic[i]] : "#8a8a8a";
              var r = g.r[i] * z, sx = (g.x[i] - c.x) * c.k + W / 2, sy = (g.y[i] - c.y) * c.k + H / 2;
              if (fill !== last) { o.fillStyle = fill; last = fill; }
              if (r < 2.5) {
                o.fillRect(sx - r, sy - r, 2 * r, 2 * r);
              } else {
                o.beginPath(); o.arc(sx, sy, r, 0, 6.2832); o.fill();
              }
              if (++drew >= limit) { v++; break; }
            }
            return true;
          }
          if (t >= 0) {
            // Titles of the biggest dots first, each where no other title is.
            o.font = "12px system-ui, sans-serif";
            o.fillStyle = theme.text; o.textBaseline = "middle";
            for (; t >= 0 && drew < limit; t--) {
              var j = visible[t];
              if (!shown(j)) continue;
              var p = toScreen(j, c), rr = g.r[j] * z;
              var text = data.title[j];
              if (text.length > 48) text = text.slice(0, 46) + "…";
              // Cells of 20 x 8 px that the title covers must all be free.
              var width = o.measureText(text).width;
              var col0 = Math.floor((p.x + rr + 3) / 20), col1 = Math.floor((p.x + rr + 3 + width) / 20);
              var row0 = Math.floor((p.y - 7) / 8), row1 = Math.floor((p.y + 7) / 8);
              var free = true, q, w;
              for (w = row0; w <= row1 && free; w++) for (q = col0; q <= col1 && free; q++) if (occupied[w * 4096 + q]) free = false;
              if (!free) continue;
              for (w = row0; w <= row1; w++) for (q = col0; q <= col1; q++) occupied[w * 4096 + q] = true;
              o.fillText(text, p.x + rr + 3, p.y);
              drew++;
            }
            return true;
          }
          return false;
      }
    }

    // Draw sharp after `delay` ms, in slices; a pan or zoom meanwhile starts over.
    var timer = 0;
    function redraw(delay) {
      clearTimeout(timer);
      job = null;
      timer = setTimeout(function () {
        job = makeJob({ x: cam.x, y: cam.y, k: cam.k });
        var mine = job;
        (function step() {
          if (job !== mine) return;
          if (mine.step()) { setTimeout(step, 0); return; }
          job = null;
          if (shownBitmap) {
            shownBitmap.transferFromImageBitmap(off.transferToImageBitmap());
          } else {
            shown2d.drawImage(off, 0, 0);
          }
          drawn = mine.cam;
          place();
          listeners.afterRender.slice().forEach(function (f) { f(); });
        })();
      }, delay);
    }

    // Move and scale the last picture to the current camera (the compositor does it).
    function place() {
      if (drawn) {
        var s = cam.k / drawn.k;
        var tx = W / 2 - (W / 2) * s + (drawn.x - cam.x) * cam.k;
        var ty = H / 2 - (H / 2) * s + (drawn.y - cam.y) * cam.k;
        canvas.style.transform = s === 1 && tx === 0 && ty === 0 ? "" :
          "translate(" + tx + "px," + ty + "px) scale(" + s + ")";
      }
      paintOverlay();
    }

    // The neighbourhood of the hovered dot (else of the found one), read from graphology once
    // per dot: its related articles, its links to them with their scores, and the links among
    // them. Drawn on the overlay over the rest of the map, dimmed; the picture below stays.
    var hood = { focus: -1, ready: false, near: [], links: [] };
    function neighbourhood(f) {
      if (hood.focus === f && hood.ready === !!g.ready) return hood;
      hood = { focus: f, ready: !!g.ready, near: [], links: [] };
      if (f < 0 || !g.ready) return hood;
      var graph = g.graph, key = String(f), isNear = {};
      graph.forEachNeighbor(key, function (k) { isNear[k] = true; hood.near.push(+k); });
      graph.forEachEdge(key, function (e, attr, s, t) { hood.links.push([+s, +t, attr.score, true]); });
      hood.near.forEach(function (i) {
        graph.forEachEdge(String(i), function (e, attr, s, t) {
          var other = +s === i ? +t : +s;
          if (other > i && isNear[other]) hood.links.push([i, other, attr.score, false]); // once each
        });
      });
      return hood;
    }

    var overlayInk = false; // anything on the overlay now
    var dimmed = false, litCount = -1; // related articles highlighted, also in data-highlighted for tests
    function paintOverlay() {
      var f = hovered >= 0 ? hovered : found;
      var h = neighbourhood(f);
      if (h.near.length !== litCount) { litCount = h.near.length; container.setAttribute("data-highlighted", String(litCount)); }
      // The rest of the map dimmed by the compositor (the picture has its own layer): no
      // pixel of it is drawn again.
      var dim = h.ready && h.near.length > 0;
      if (dim !== dimmed) { dimmed = dim; canvas.style.opacity = dim ? "0.3" : ""; }
      if (f < 0 && !overlayInk) return; // nothing to clear or draw
      overlayInk = f >= 0;
      octx.setTransform(dpr, 0, 0, dpr, 0, 0);
      octx.clearRect(0, 0, W, H);
      if (f < 0) return;
      var z = zoomOf(cam);
      if (dim) {
        octx.strokeStyle = theme.text;
        h.links.forEach(function (l) {
          var p = toScreen(l[0]), q = toScreen(l[1]);
          octx.globalAlpha = l[3] ? 0.35 + 0.6 * Math.min(1, Math.max(0, l[2])) : 0.3;
          octx.lineWidth = l[3] ? 1 + 1.5 * Math.min(1, Math.max(0, l[2])) : 1;
          octx.beginPath(); octx.moveTo(p.x, p.y); octx.lineTo(q.x, q.y); octx.stroke();
        });
        octx.globalAlpha = 1;
        h.near.concat([f]).forEach(function (i) {
          var p = toScreen(i), r = Math.max(3, g.r[i] * z);
          octx.fillStyle = g.topic[i] >= 0 ? colors[g.topic[i]] : "#8a8a8a";
          octx.beginPath(); octx.arc(p.x, p.y, r, 0, 6.2832); octx.fill();
        });
      }
      [found, hovered].forEach(function (i) {
        if (i < 0) return;
        var p = toScreen(i), r = Math.max(4, g.r[i] * z) + 2;
        octx.lineWidth = 2; octx.strokeStyle = theme.text;
        octx.beginPath(); octx.arc(p.x, p.y, r, 0, 6.2832); octx.stroke();
      });
    }
    g.refresh = function () { paintOverlay(); if (hovered >= 0) showTip(hovered); };

    var MIN_K = function () { return fitK / 4; }, MAX_K = function () { return fitK * 60; };
    // A zoom or drag by the reader stops any glide under way, which would undo it.
    function moved() { glide = null; atFit = false; place(); redraw(SETTLE_MS); }
    function zoomAt(px, py, factor) {
      var k = Math.min(MAX_K(), Math.max(MIN_K(), cam.k * factor));
      // Keep the world point under the pointer where it is.
      var wx = cam.x + (px - W / 2) / cam.k, wy = cam.y + (py - H / 2) / cam.k;
      cam.k = k; cam.x = wx - (px - W / 2) / k; cam.y = wy - (py - H / 2) / k;
      moved();
    }

    function nodeAt(px, py) {
      var wx = cam.x + (px - W / 2) / cam.k, wy = cam.y + (py - H / 2) / cam.k;
      var z = zoomOf(cam), best = -1, bestD = Infinity;
      var reach = (8 * z + 4) / cam.k;
      var c0 = cellOf(wx - reach, minX, cellW), c1 = cellOf(wx + reach, minX, cellW);
      var r0 = cellOf(wy - reach, minY, cellH), r1 = cellOf(wy + reach, minY, cellH);
      for (var r = r0; r <= r1; r++) {
        for (var c = c0; c <= c1; c++) {
          var cell = grid[r * CELLS + c];
          for (var t = 0; t < cell.length; t++) {
            var i = cell[t];
            if (!shown(i)) continue;
            var dx = (g.x[i] - wx) * cam.k, dy = (g.y[i] - wy) * cam.k, d = dx * dx + dy * dy;
            var hit = Math.max(g.r[i] * z, 3) + 2;
            if (d <= hit * hit && d < bestD) { best = i; bestD = d; }
          }
        }
      }
      return best;
    }

    function hover(i, px, py) {
      if (i !== hovered) {
        hovered = i;
        container.style.cursor = i >= 0 ? "pointer" : "";
        paintOverlay();
      }
      if (i < 0) { tip.hidden = true; return; }
      showTip(i);
      tip.style.left = Math.min(px + 12, Math.max(0, W - tip.offsetWidth)) + "px";
      tip.style.top = Math.max(0, py - 30) + "px";
    }
    function showTip(i) {
      tipTitle.textContent = data.title[i];
      var related = g.ready ? g.graph.degree(String(i)) : data.degree[i];
      tipNote.textContent = related === 1 ? "1 related article" : related + " related articles";
      tip.hidden = false;
    }

    // Pointers: one drags, two pinch; a press and release in place on a dot opens it.
    var pointers = {}, pressAt = null, travelled = 0, pinch = null;
    function local(event) {
      var box = container.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }
    container.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      var p = local(event);
      pointers[event.pointerId] = p;
      if (container.setPointerCapture) { try { container.setPointerCapture(event.pointerId); } catch (e) { /* synthetic */ } }
      var ids = Object.keys(pointers);
      if (ids.length === 1) { pressAt = p; travelled = 0; }
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        pinch = Math.hypot(a.x - b.x, a.y - b.y);
        pressAt = null;
      }
      hover(-1);
    });
    function pointerMove(event) {
      var p = local(event);
      var was = pointers[event.pointerId];
      if (!was) {
        if (container.contains(event.target)) {
          hover(nodeAt(p.x, p.y), p.x, p.y);
        }
        return;
      }
      pointers[event.pointerId] = p;
      var ids = Object.keys(pointers);
      if (ids.length === 2 && pinch) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a.x - b.x, a.y - b.y);
        if (d > 0) zoomAt((a.x + b.x) / 2, (a.y + b.y) / 2, d / pinch);
        pinch = d;
        return;
      }
      travelled += Math.abs(p.x - was.x) + Math.abs(p.y - was.y);
      cam.x -= (p.x - was.x) / cam.k; cam.y -= (p.y - was.y) / cam.k;
      moved();
    }
    function pointerUp(event) {
      if (!pointers[event.pointerId]) return;
      var p = local(event);
      delete pointers[event.pointerId];
      if (Object.keys(pointers).length < 2) pinch = null;
      if (pressAt && travelled < 5) {
        var i = nodeAt(p.x, p.y);
        if (i >= 0) window.location.href = data.articles + data.slug[i] + "/";
      }
      pressAt = null;
    }
    window.addEventListener("pointermove", pointerMove);
    window.addEventListener("pointerup", pointerUp);
    window.addEventListener("pointercancel", function (event) { delete pointers[event.pointerId]; pinch = null; pressAt = null; });
    container.addEventListener("pointerleave", function () { if (!Object.keys(pointers).length) hover(-1); });
    container.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = local(event);
      var dy = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      zoomAt(p.x, p.y, Math.exp(-Math.max(-300, Math.min(300, dy)) / 300));
    }, { passive: false });

    // A smooth glide to a dot (the picture is only moved during it).
    var glide = null; // the glide under way, if any
    function flyTo(i, k) {
      var from = { x: cam.x, y: cam.y, k: cam.k }, t0 = performance.now(), mine = {};
      glide = mine;
      atFit = false;
      (function frame(now) {
        if (glide !== mine) return;
        var t = Math.min(1, (now - t0) / 400), e = t * (2 - t);
        cam.x = from.x + (g.x[i] - from.x) * e; cam.y = from.y + (g.y[i] - from.y) * e;
        cam.k = from.k * Math.pow(k / from.k, e);
        place();
        if (t < 1) requestAnimationFrame(frame); else redraw(0);
      })(t0);
    }

    topicSelect.addEventListener("change", function () {
      var slug = topicSelect.value, count = 0;
      topic = -2;
      if (slug) {
        topic = -1;
        for (var t = 0; t < data.topics.length; t++) if (data.topics[t][0] === slug) topic = t;
        for (var i = 0; i < n; i++) if (g.topic[i] === topic) count++;
      }
      redraw(0);
      say((slug ? count : n) + " articles shown");
    });

    // Title suggestions: made when the reader first goes to the box, not during the load.
    var byTitle = null;
    function suggest() {
      if (byTitle) return;
      byTitle = {};
      var options = document.createDocumentFragment();
      data.title.forEach(function (title, k) {
        byTitle[title.toLowerCase()] = k;
        if (k < 2000) {
          var option = document.createElement("option");
          option.value = title;
          options.appendChild(option);
        }
      });
      titles.appendChild(options);
    }
    findInput.addEventListener("focus", suggest);

    function find() {
      var query = findInput.value.trim().toLowerCase();
      found = -1;
      suggest();
      if (query) {
        found = query in byTitle ? byTitle[query] : -1;
        for (var i = 0; found < 0 && i < n; i++) {
          if (data.title[i].toLowerCase().indexOf(query) !== -1) found = i;
        }
      }
      paintOverlay();
      if (found >= 0) {
        flyTo(found, Math.max(cam.k, fitK * 6));
        var related = neighbourhood(found).ready ? neighbourhood(found).near.length : data.degree[found];
        say("Found: " + data.title[found] + " (" + related + " related article" + (related === 1 ? ")" : "s)"));
      } else if (query) {
        say("No title matches “" + findInput.value.trim() + "”");
      } else {
        say("");
      }
    }
    findInput.addEventListener("change", find);
    findInput.addEventListener("keydown", function (event) { if (event.key === "Enter") find(); });

    // Keyboard: the map is one tab stop. Arrows step from dot to dot (the nearest one that
    // way), Enter opens it, + and - zoom, Shift with arrows pans, Escape lets go.
    container.tabIndex = 0;
    container.setAttribute("role", "application");
    container.setAttribute("aria-roledescription", "map");
    container.setAttribute("aria-label", "Map of related articles. Arrow keys move between " +
      "articles, Enter opens one, plus and minus zoom, Shift with arrows pans.");
    function nearestToCentre() {
      var best = -1, bestD = Infinity;
      for (var i = 0; i < n; i++) {
        if (!shown(i)) continue;
        var dx = g.x[i] - cam.x, dy = g.y[i] - cam.y, d = dx * dx + dy * dy;
        if (d < bestD) { best = i; bestD = d; }
      }
      return best;
    }
    // The next dot in direction (ux, uy): within 60 degrees of it, nearest ahead, with
    // sideways distance counted twice so the step goes where the arrow points.
    function nextDot(from, ux, uy) {
      var best = -1, bestD = Infinity;
      for (var i = 0; i < n; i++) {
        if (i === from || !shown(i)) continue;
        var dx = g.x[i] - g.x[from], dy = g.y[i] - g.y[from];
        var ahead = dx * ux + dy * uy, side = Math.abs(dx * uy - dy * ux);
        if (ahead <= 0 || side > ahead * 1.732) continue;
        if (ahead + 2 * side < bestD) { best = i; bestD = ahead + 2 * side; }
      }
      return best;
    }
    function choose(i) {
      if (i < 0) { say("No article further that way"); return; }
      found = i;
      paintOverlay();
      var p = toScreen(i);
      if (p.x < W * 0.1 || p.x > W * 0.9 || p.y < H * 0.1 || p.y > H * 0.9) flyTo(i, cam.k);
      var related = neighbourhood(i).ready ? neighbourhood(i).near.length : data.degree[i];
      say(data.title[i] + " (" + related + " related article" + (related === 1 ? "" : "s") +
        "); Enter opens it");
    }
    var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    container.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var d = ARROWS[event.key], key = event.key;
      if (d && event.shiftKey) {
        cam.x += d[0] * W / 4 / cam.k; cam.y += d[1] * H / 4 / cam.k;
        moved();
      } else if (d) {
        choose(found >= 0 && shown(found) ? nextDot(found, d[0], d[1]) : nearestToCentre());
      } else if (key === "+" || key === "=" || key === "-" || key === "_") {
        zoomAt(W / 2, H / 2, key === "+" || key === "=" ? 1.5 : 1 / 1.5);
      } else if (key === "Enter" && found >= 0) {
        window.location.href = data.articles + data.slug[found] + "/";
      } else if (key === "Escape" && found >= 0) {
        found = -1;
        paintOverlay();
        say("");
      } else {
        return;
      }
      event.preventDefault();
    });

    if (window.ResizeObserver) new ResizeObserver(function () { resize(); }).observe(container);
    resize();
    say(n + " articles, " + m + " links");
    // For tests, benchmarks and curious readers in the console.
    window.sitegenGraph = {
      graph: g.graph,
      container: container,
      // Where a dot is on the page now (viewport pixels), by slug or graphology node key.
      nodePosition: function (slug) {
        var i = data.slug.indexOf(slug);
        if (i < 0 && String(+slug) === String(slug)) i = +slug;
        var p = toScreen(i), box = container.getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      },
      camera: function () { return { x: cam.x, y: cam.y, k: cam.k, fit: fitK }; },
      // The highlighted dot and its related articles, by slug (from graphology).
      highlighted: function () {
        var h = neighbourhood(hovered >= 0 ? hovered : found);
        return {
          focus: h.focus >= 0 ? data.slug[h.focus] : null,
          related: h.near.map(function (i) { return data.slug[i]; }),
          links: h.links.length
        };
      },
      // f() after each sharp picture is on screen.
      onDraw: function (f) { listeners.afterRender.push(f); },
      drawing: function () { return job !== null; }
    };
    listeners.afterRender.push(function once() {
      listeners.afterRender.splice(listeners.afterRender.indexOf(once), 1);
      firstDrawn();
    });
  }

  app.hidden = false;
  if (!document.createElement("canvas").getContext) {
    app.hidden = true;
    return;
  }
  say("Loading the graph…");
  function failed(message) {
    say("The graph could not be loaded (" + message + "); the lists below have every link.");
  }
  var src = new URL(app.getAttribute("data-src"), document.baseURI).href;
  var worker = null;
  try {
    worker = window.Worker ? new Worker(app.getAttribute("data-worker")) : null;
  } catch (e) {
    worker = null; // e.g. a page opened from disk
  }
  if (worker) {
    // Fetched and parsed in a worker: the page's thread never holds the whole file.
    worker.onmessage = function (event) {
      worker.terminate();
      if (event.data.error) failed(event.data.error); else build(event.data.columns);
    };
    worker.onerror = function () { worker.terminate(); failed("worker error"); };
    worker.postMessage(src);
  } else {
    fetch(src)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { build(window.sitegenGraphColumns(data)); })
      .catch(function (error) { failed(error.message); });
  }
})();
