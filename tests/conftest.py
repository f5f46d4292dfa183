"""Shared fixtures: the bundled sample site built once per session, a real HTTP server, and
throwaway sites built from a dict of files.

``make_site({"content/a.md": digest(title="A")})`` writes the files under ``tmp_path``, changes
into that folder (so problem paths read ``content/a.md``, as a user sees them) and returns a
``Site`` whose ``config()`` and ``build()`` run the real pipeline on it.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

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


# -- sites built from a dict of files --------------------------------------------------------

Files = dict[str, str | bytes]


def digest(body: str = "", **fields: Any) -> str:
    """The text of a digest file with ``fields`` as its frontmatter, in the order given."""
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body}"


def write_files(root: Path, files: Files) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", newline="")


@dataclass
class Site:
    root: Path
    settings: dict[str, Any]

    def write(self, files: Files) -> None:
        write_files(self.root, files)

    def config(self, **overrides: Any) -> SiteConfig:
        return load_config(self.root, overrides={**self.settings, **overrides})

    def build(self, *, write: bool = True, **overrides: Any) -> BuildResult:
        return build(self.config(**overrides), write=write, log=lambda _line: None)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def read(self, rel: str) -> str:
        return (self.output / rel).read_text(encoding="utf-8")

    def output_files(self) -> dict[str, bytes]:
        """Every file of the output folder (sitegen's manifest included), by POSIX path."""
        return {
            p.relative_to(self.output).as_posix(): p.read_bytes()
            for p in sorted(self.output.rglob("*"))
            if p.is_file()
        }


MakeSite = Callable[..., Site]


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeSite]:
    """A factory: ``make_site(files, **settings)`` -> Site in ``tmp_path`` (the working folder)."""
    monkeypatch.chdir(tmp_path)

    def make(files: Files | None = None, **settings: Any) -> Site:
        write_files(tmp_path, files or {})
        (tmp_path / "content").mkdir(exist_ok=True)
        # Pagefind (a subprocess) is slow and tested on its own; sites here leave it out.
        return Site(tmp_path, {"search": False, **settings})

    yield make


def problem_lines(result: BuildResult) -> list[str]:
    return sorted(str(p) for p in result.problems)


class LinkParser(html.parser.HTMLParser):
    """Collects the href of every <a> and <link> and the src of every <script> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "link": "href", "script": "src"}.get(tag)
        self.links.extend(v for k, v in attrs if k == wanted and v)


def links_of(page: str) -> list[str]:
    parser = LinkParser()
    parser.feed(page)
    return parser.links


@pytest.fixture(scope="session")
def sample_site(root_site: tuple[SiteConfig, BuildResult]) -> Path:
    """The output folder of the sample site served at / (built once per session)."""
    config, result = root_site
    assert result.errors == 0, result.problems
    return config.path("output_dir")
