"""Shared fixtures: the bundled sample site built once per session, and a real HTTP server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sitegen.build import BuildResult, build
from sitegen.config import SiteConfig, load_config

pytest_plugins = ("browser",)

ROOT = Path(__file__).resolve().parent.parent
SUB_BASE_URL = "https://example.github.io/myrepo/"


def build_sample(output: Path, **overrides: Any) -> tuple[SiteConfig, BuildResult]:
    """Build the repository's sample site into ``output``."""
    config = load_config(ROOT, overrides={"output_dir": str(output), **overrides})
    return config, build(config, log=lambda _: None)


@pytest.fixture(scope="session")
def sub_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteConfig, BuildResult]:
    """The sample site built for https://example.github.io/myrepo/, with search."""
    return build_sample(tmp_path_factory.mktemp("sub") / "out", base_url=SUB_BASE_URL)


@pytest.fixture(scope="session")
def root_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteConfig, BuildResult]:
    """The sample site built with no base URL (served at /), with search."""
    return build_sample(tmp_path_factory.mktemp("root") / "out")


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` under ``prefix`` only, and 404.html (status 404) for anything
    missing, as GitHub Pages does."""

    prefix = "/"

    def send_head(self) -> Any:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(self.prefix):
            return self._not_found()
        self.path = "/" + path[len(self.prefix) :]
        target = Path(self.translate_path(self.path))
        if not (target.is_file() or target.is_dir()):
            return self._not_found()
        return super().send_head()

    def _not_found(self) -> Any:
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"not found"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path, prefix: str = "/") -> Iterator[str]:
    """Serve ``directory`` at http://127.0.0.1:PORT``prefix``; yields that URL."""
    handler = type("Handler", (_SubPathHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
