"""serve's second step: after the tabs are told to reload, requests for the files not in
place yet wait for them; the pages in place are served at once."""

from __future__ import annotations

import http.client
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from sitegen import serve


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_requests_for_the_rest_of_the_site_wait_until_it_is_in_place(tmp_path: Path) -> None:
    output = tmp_path / "output"
    (output / "articles" / "a").mkdir(parents=True)
    (output / "articles" / "a" / "index.html").write_bytes(b"<p>new page</p>")
    (output / "index.html").write_bytes(b"<p>home</p>")
    (output / "graph.json").write_bytes(b"old data")
    hub = serve.Hub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), serve.make_handler(output, "/", hub))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        hub.hold({"articles/a/index.html", "index.html"})
        # In place: served while the rest is being made.
        assert _get(port, "/articles/a/")[1].startswith(b"<p>new page</p>")
        assert _get(port, "/")[1].startswith(b"<p>home</p>")
        waited: list[tuple[int, bytes]] = []
        later = threading.Thread(target=lambda: waited.append(_get(port, "/graph.json")))
        later.start()
        later.join(0.2)
        (output / "graph.json").write_bytes(b"new data")  # the second step
        hub.release()
        later.join(60)
        assert waited == [(200, b"new data")]
        assert hub.complete.is_set()
    finally:
        server.shutdown()
        server.server_close()


def test_site_paths_are_relative_to_the_output_folder() -> None:
    assert serve.site_path("/", "/articles/a/") == "articles/a"
    assert serve.site_path("/blog/", "/blog/graph.json") == "graph.json"
    assert serve.site_path("/", "/") == ""
    assert serve.site_path("/", "/caf%C3%A9/") == "café"


def test_a_tab_names_the_file_it_shows_in_its_event_stream_url() -> None:
    assert serve.shown_file("/", "/__sitegen/events?page=%2Fgraph%2Fpage%2F3%2F") == (
        "graph/page/3/index.html"
    )
    assert serve.shown_file("/", "/__sitegen/events?page=%2F") == "index.html"
    assert serve.shown_file("/blog/", "/__sitegen/events?page=%2Fblog%2Fcaf%25C3%25A9%2F") == (
        "café/index.html"
    )
    assert serve.shown_file("/", "/__sitegen/events?page=%2F404.html") == "404.html"
    assert serve.shown_file("/blog/", "/__sitegen/events?page=%2Felsewhere%2F") == ""
    assert serve.shown_file("/", "/__sitegen/events") == ""
    hub = serve.Hub()
    tab, other = hub.subscribe("graph/index.html"), hub.subscribe()
    assert hub.shown() == {"graph/index.html"}
    hub.unsubscribe(tab)
    hub.unsubscribe(other)
    assert hub.shown() == frozenset()
