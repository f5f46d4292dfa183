"""``sitegen serve`` in a subprocess: pages, injected reload script, refused paths, and a
content edit seen as an SSE ``reload`` event and as new page content."""

from __future__ import annotations

import http.client
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitegen.slugs import slugify

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds; generous for loaded CI machines, the test ends as soon as it can


class Server:
    def __init__(self, proc: subprocess.Popen[str], port: int, site: Path) -> None:
        self.proc, self.port, self.site = proc, port, site
        self.lines: queue.Queue[str] = queue.Queue()

    def get(self, path: str) -> tuple[int, bytes, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        conn.request("GET", path)  # sent as is: no client-side normalisation of ".."
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body, response.getheader("Content-Type") or ""

    def events(self) -> queue.Queue[str]:
        """Event names from /__sitegen/events, read in a thread."""
        found: queue.Queue[str] = queue.Queue()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        conn.request("GET", "/__sitegen/events")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"

        def read() -> None:
            try:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if line.startswith("event: "):
                        found.put(line.removeprefix("event: "))
            except OSError:
                pass

        threading.Thread(target=read, daemon=True).start()
        return found

    def wait_for_line(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if text in line:
                return line
        raise AssertionError(f"sitegen serve never printed {text!r}")


def _start(site: Path, *args: str) -> Server:
    """``sitegen serve --port 0 ARGS`` in ``site``; its output lines go to Server.lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--port", "0", "--jobs", "1", *args],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    started = Server(proc, 0, site)
    started.lines = lines
    return started


def _stop(server: Server) -> None:
    server.proc.terminate()
    server.proc.wait(timeout=WAIT)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for path in sorted((REPO / "content").rglob("*.md"))[:8]:
        target = site / "content" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (site / "sitegen.toml").write_text('title = "Served"\n', encoding="utf-8")
    (site / "secret.txt").write_text("not for the web\n", encoding="utf-8")
    return site


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    probe = _start(site)
    try:
        url = probe.wait_for_line("serving http://")
        # Only this computer by default, and the server says where it listens.
        assert "http://127.0.0.1:" in url
        probe.port = int(url.rsplit(":", 1)[1].split("/")[0])
        probe.wait_for_line("watching for changes")
        yield probe
    finally:
        _stop(probe)


def test_pages_are_served_with_the_reload_script_injected_only_in_responses(
    server: Server,
) -> None:
    status, body, kind = server.get("/")
    assert status == 200 and kind.startswith("text/html")
    assert b'<script src="/__sitegen/reload.js" defer></script></body>' in body
    assert b"/__sitegen/" not in (server.site / "output" / "index.html").read_bytes()
    status, script, kind = server.get("/__sitegen/reload.js")
    assert status == 200 and kind.startswith("text/javascript")
    assert b"EventSource" in script
    status, css, kind = server.get("/static/style.css")
    assert status == 200 and kind.startswith("text/css") and b"__sitegen" not in css
    status, _, _ = server.get("/no/such/page/")
    assert status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/articles/..%2f..%2fsecret.txt",
        "/articles/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/.sitegen-manifest.json",
        "/%00",
    ],
)
def test_paths_outside_the_output_folder_are_refused(server: Server, path: str) -> None:
    status, body, _ = server.get(path)
    assert status in (400, 404)
    assert b"not for the web" not in body
    assert b'"files"' not in body


def test_a_content_edit_sends_reload_and_serves_the_new_page(server: Server) -> None:
    events = server.events()
    article = sorted((server.site / "content").glob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace("excerpt: ", "excerpt: Freshly edited lead. ", 1), encoding="utf-8"
    )
    assert events.get(timeout=WAIT) == "reload"
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    slug = slugify(yaml.safe_load(title)["title"])
    status, page, _ = server.get(f"/articles/{slug}/")
    assert status == 200
    assert b"Freshly edited lead." in page


def test_a_build_error_is_sent_to_the_browser_and_the_last_site_stays(server: Server) -> None:
    events = server.events()
    templates = server.site / "templates"
    templates.mkdir()
    (templates / "index.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ nope }}{% endblock %}", encoding="utf-8"
    )
    assert events.get(timeout=WAIT) == "build-error"
    status, body, _ = server.get("/")
    assert status == 200 and b"Served" in body  # the last good home page
    (templates / "index.html").unlink()
    assert events.get(timeout=WAIT) == "build-ok"
    assert events.get(timeout=WAIT) == "reload"


def test_folders_are_never_listed_and_symlinks_out_of_the_output_are_refused(
    server: Server,
) -> None:
    output = server.site / "output"
    (output / "empty-folder").mkdir()
    (output / "link-out.txt").symlink_to(server.site / "secret.txt")
    (output / "folder-out").symlink_to(server.site, target_is_directory=True)
    for path in ("/empty-folder/", "/link-out.txt", "/folder-out/", "/folder-out/secret.txt"):
        status, body, _ = server.get(path)
        assert status == 404, path
        assert b"not for the web" not in body and b"secret.txt" not in body
    status, body, _ = server.get("/articles/")  # a folder without index.html: no listing
    assert status == 404
    assert not any(name.encode() in body for name in os.listdir(output / "articles"))


def test_binding_beyond_this_computer_is_announced(site: Path) -> None:
    server = _start(site, "--host", "0.0.0.0")
    try:
        warning = server.wait_for_line("WARNING")
        assert "0.0.0.0" in warning and "not only this computer" in warning
        assert "serving http://0.0.0.0:" in server.wait_for_line("serving http://")
    finally:
        _stop(server)


@pytest.mark.parametrize("page", ["/", "/graph/"])
def test_an_open_browser_tab_reloads_and_shows_an_edited_title(
    chromium: Any, server: Server, page: str
) -> None:
    """In Chromium: the injected script's event stream reloads the tab after a content edit
    (the graph page's list is put in place before the reload only while a tab shows it)."""
    chromium.get(f"http://127.0.0.1:{server.port}{page}")
    article = sorted((server.site / "content").glob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    assert yaml.safe_load(title)["title"] in chromium.page_source
    deadline = time.monotonic() + WAIT
    shown = False
    while not shown:
        # Edited again if the tab missed it (its event stream may not have been open yet).
        assert time.monotonic() < deadline, f"the tab on {page} never showed a new title"
        stamp = f"Retitled in the open tab {time.time_ns()}"
        article.write_text(text.replace(title, f'title: "{stamp}"', 1), encoding="utf-8")
        tried = time.monotonic()
        while not shown and time.monotonic() - tried < 5:
            time.sleep(0.1)
            shown = stamp in chromium.page_source
