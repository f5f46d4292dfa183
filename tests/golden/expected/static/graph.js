// sitegen default theme: the interactive related-articles graph (graph page only).
// Draws graph/data.json (graph.json, compacted) with sigma (WebGL); positions come from
// the build. The lists on the page
// hold the same links, so without this file, or without WebGL, nothing is lost.
(function () {
  "use strict";
  var app = document.querySelector(".graph-app");
  if (!app || !window.graphology || !window.Sigma) return;
  var status = document.getElementById("graph-status");
  var container = document.getElementById("graph-canvas");
  var topicSelect = document.getElementById("graph-topic");
  var findInput = document.getElementById("graph-find");
  var titles = document.getElementById("graph-titles");
  var CHUNK = 4000; // items added per task, so no task blocks the page for long

  function say(text) { status.textContent = text; }

  function webglAvailable() {
    try {
      var canvas = document.createElement("canvas");
      return !!(canvas.getContext("webgl2") || canvas.getContext("webgl"));
    } catch (e) {
      return false;
    }
  }

  // Run fn over items in chunks, one task each, then done().
  function inChunks(items, fn, done) {
    var i = 0;
    function step() {
      var end = Math.min(i + CHUNK, items.length);
      for (; i < end; i++) fn(items[i]);
      if (i < items.length) setTimeout(step, 0); else done();
    }
    step();
  }

  // data.json: nodes are [slug, title, topic index or -1, degree, x, y]; edges a flat list
  // of (node index, node index, score) triples, each pair once.
  function build(data) {
    var graph = new graphology.UndirectedGraph();
    var ids = [];
    inChunks(data.nodes, function (n) {
      var topic = n[2] >= 0 ? data.topics[n[2]] : null;
      ids.push(n[0]);
      graph.addNode(n[0], {
        x: n[4], y: -n[5], label: n[1], url: data.articles + n[0] + "/",
        topic: topic ? topic[0] : "", size: 2 + Math.sqrt(n[3]) * 1.1,
        color: topic ? topic[1] : "#8a8a8a"
      });
    }, function () {
      var triples = [];
      for (var i = 0; i + 2 < data.edges.length; i += 3) triples.push(i);
      inChunks(triples, function (i) {
        var score = data.edges[i + 2];
        graph.addEdge(ids[data.edges[i]], ids[data.edges[i + 1]], { size: 0.3 + score, color: "#c4c4cc" });
      }, function () { draw(graph, data); });
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

    var byTitle = {};
    var options = document.createDocumentFragment();
    data.nodes.forEach(function (n) {
      byTitle[n[1].toLowerCase()] = n[0];
      if (options.childNodes.length < 2000) {
        var option = document.createElement("option");
        option.value = n[1];
        options.appendChild(option);
      }
    });
    titles.appendChild(options);

    function find() {
      var query = findInput.value.trim().toLowerCase();
      found = null;
      if (query) {
        found = byTitle[query] || null;
        if (!found) {
          found = graph.findNode(function (n, a) { return a.label.toLowerCase().indexOf(query) !== -1; }) || null;
        }
      }
      renderer.refresh();
      if (found) {
        var at = renderer.getNodeDisplayData(found);
        renderer.getCamera().animate({ x: at.x, y: at.y, ratio: 0.15 }, { duration: 400 });
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
