// sitegen default theme: reads graph/data.json for graph.js. Run as a worker it fetches and
// parses the file off the page's main thread (1.9 MB at 10,000 articles: one long task there)
// and sends it back as columns, the numbers in typed arrays that move without a copy; loaded
// as a plain script it only defines the same conversion, for browsers without workers.
(function (scope) {
  "use strict";
  // data.json: nodes are [slug, title, topic index or -1, degree, x, y]; edges a flat list of
  // (node index, node index, score) triples, each pair once.
  function columns(data) {
    var n = data.nodes.length, m = Math.floor(data.edges.length / 3);
    var c = {
      articles: data.articles, topics: data.topics, slug: new Array(n), title: new Array(n),
      topic: new Int32Array(n), degree: new Int32Array(n), x: new Float64Array(n), y: new Float64Array(n),
      a: new Int32Array(m), b: new Int32Array(m), score: new Float32Array(m)
    };
    for (var i = 0; i < n; i++) {
      var d = data.nodes[i];
      c.slug[i] = d[0]; c.title[i] = d[1]; c.topic[i] = d[2]; c.degree[i] = d[3]; c.x[i] = d[4]; c.y[i] = d[5];
    }
    for (var k = 0; k < m; k++) {
      c.a[k] = data.edges[3 * k]; c.b[k] = data.edges[3 * k + 1]; c.score[k] = data.edges[3 * k + 2];
    }
    return c;
  }
  if (typeof document !== "undefined") {
    scope.sitegenGraphColumns = columns;
    return;
  }
  scope.onmessage = function (event) {
    fetch(event.data)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var c = columns(data);
        // 20,000 short strings take the page's thread 100 ms and more to receive; two long
        // ones joined with a character no slug or title has are split there in a few.
        if (c.slug.length && !/\u0000/.test(c.slug.join("") + c.title.join(""))) {
          c.slug = c.slug.join("\u0000"); c.title = c.title.join("\u0000");
        }
        scope.postMessage({ columns: c }, [c.topic.buffer, c.degree.buffer, c.x.buffer, c.y.buffer, c.a.buffer, c.b.buffer, c.score.buffer]);
      })
      .catch(function (error) { scope.postMessage({ error: error.message }); });
  };
})(self);
