// sitegen default theme: the interactive related-articles graph (graph page only).
// Draws graph/data.json (graph.json, compacted) with sigma (WebGL); positions come from
// the build. The lists on the page
// hold the same links, so without this file, or without WebGL, nothing is lost.
(function () {
  "use strict";
  var app = document.querySelector(".graph-app");
  if (!app || !window.graphology || !window.Sigma || !window.Sigma.rendering) return;
  var status = document.getElementById("graph-status");
  var container = document.getElementById("graph-canvas");
  var topicSelect = document.getElementById("graph-topic");
  var findInput = document.getElementById("graph-find");
  var titles = document.getElementById("graph-titles");
  var SLICE_MS = 30; // work per task before yielding, so no task blocks the page for long

  function say(text) { status.textContent = text; }

  function webglAvailable() {
    try {
      var gl = document.createElement("canvas").getContext("webgl");
      var lose = gl && gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext(); // free it: sigma makes its own
      return !!gl;
    } catch (e) {
      return false;
    }
  }

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

  // Closer pairs get darker lines (a line program draws every edge 1 px wide: thick lines
  // cost a software renderer dearly at 10,000 articles).
  function edgeColor(score) {
    var level = Math.round(214 - 90 * Math.min(1, Math.max(0, score)));
    return "rgb(" + level + "," + level + "," + (level + 8) + ")";
  }

  // data.json: nodes are [slug, title, topic index or -1, degree, x, y]; edges a flat list
  // of (node index, node index, score) triples, each pair once.
  function build(data) {
    var graph = new graphology.UndirectedGraph();
    var ids = [];
    inSlices(data.nodes.length, function (k) {
      var n = data.nodes[k];
      var topic = n[2] >= 0 ? data.topics[n[2]] : null;
      ids.push(n[0]);
      graph.addNode(n[0], {
        x: n[4], y: -n[5], label: n[1], url: data.articles + n[0] + "/",
        topic: topic ? topic[0] : "", size: 2 + Math.sqrt(n[3]) * 1.1,
        color: topic ? topic[1] : "#8a8a8a"
      });
    }, function () {
      var edges = data.edges;
      inSlices(Math.floor(edges.length / 3), function (k) {
        var i = 3 * k;
        graph.addEdge(ids[edges[i]], ids[edges[i + 1]], { color: edgeColor(edges[i + 2]) });
      }, function () { setTimeout(function () { draw(graph, data); }, 0); });
    });
  }

  function draw(graph, data) {
    var topic = "";
    var found = null;
    var renderer = new Sigma(graph, container, {
      labelRenderedSizeThreshold: 7,
      labelDensity: 0.5,
      zIndex: true,
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
      // While the map moves, draw only the dots: edges and labels come back when it stops.
      hideEdgesOnMove: true,
      hideLabelsOnMove: true,
      defaultEdgeType: "line",
      edgeProgramClasses: { line: Sigma.rendering.EdgeLineProgram },
      nodeReducer: function (node, attrs) {
        if (found === node) return Object.assign({}, attrs, { highlighted: true, forceLabel: true, zIndex: 2 });
        if (topic && attrs.topic !== topic) return Object.assign({}, attrs, { color: "#dcdcdc", label: "", zIndex: 0 });
        return attrs;
      },
      edgeReducer: function (edge, attrs) {
        if (!topic) return attrs;
        var ends = graph.extremities(edge);
        if (graph.getNodeAttribute(ends[0], "topic") === topic || graph.getNodeAttribute(ends[1], "topic") === topic) return attrs;
        return Object.assign({}, attrs, { hidden: true });
      }
    });
    // Which dot is under the pointer is read back from the GPU, which waits for every queued
    // frame: skip it while the map moves (a drag, a wheel zoom, an animation) and for a moment
    // after, so panning and zooming never stall on it.
    var camera = renderer.getCamera();
    var captor = renderer.getMouseCaptor();
    var movedAt = 0;
    camera.on("updated", function () { movedAt = performance.now(); });
    var pick = renderer.getNodeAtPosition.bind(renderer);
    renderer.getNodeAtPosition = function (position) {
      if (captor.isMouseDown || camera.isAnimated() || performance.now() - movedAt < 150) return null;
      return pick(position);
    };
    renderer.on("clickNode", function (event) {
      window.location.href = graph.getNodeAttribute(event.node, "url");
    });
    renderer.on("enterNode", function () { container.style.cursor = "pointer"; });
    renderer.on("leaveNode", function () { container.style.cursor = ""; });

    topicSelect.addEventListener("change", function () {
      topic = topicSelect.value;
      renderer.refresh();
      var shown = topic ? graph.filterNodes(function (n, a) { return a.topic === topic; }).length : graph.order;
      say(shown + " articles shown");
    });

    // Title suggestions: made when the reader first goes to the box, not during the load.
    var byTitle = null;
    function suggest() {
      if (byTitle) return;
      byTitle = {};
      var options = document.createDocumentFragment();
      data.nodes.forEach(function (n, k) {
        byTitle[n[1].toLowerCase()] = n[0];
        if (k < 2000) {
          var option = document.createElement("option");
          option.value = n[1];
          options.appendChild(option);
        }
      });
      titles.appendChild(options);
    }
    findInput.addEventListener("focus", suggest);

    function find() {
      var query = findInput.value.trim().toLowerCase();
      found = null;
      suggest();
      if (query) {
        found = byTitle[query] || null;
        if (!found) {
          found = graph.findNode(function (n, a) { return a.label.toLowerCase().indexOf(query) !== -1; }) || null;
        }
      }
      renderer.refresh();
      if (found) {
        var at = renderer.getNodeDisplayData(found);
        camera.animate({ x: at.x, y: at.y, ratio: 0.15 }, { duration: 400 });
        say("Found: " + graph.getNodeAttribute(found, "label"));
      } else if (query) {
        say("No title matches “" + findInput.value.trim() + "”");
      } else {
        say("");
      }
    }
    findInput.addEventListener("change", find);
    findInput.addEventListener("keydown", function (event) { if (event.key === "Enter") find(); });

    say(graph.order + " articles, " + graph.size + " links");
    // For tests and for curious readers in the console.
    window.sitegenGraph = { graph: graph, renderer: renderer };
    app.setAttribute("data-ready", "true");
  }

  app.hidden = false;
  if (!webglAvailable()) {
    app.hidden = true;
    return;
  }
  say("Loading the graph…");
  fetch(app.getAttribute("data-src"))
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(build)
    .catch(function (error) { say("The graph could not be loaded (" + error.message + "); the lists below have every link."); });
})();
