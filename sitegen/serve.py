"""``sitegen serve``: build, serve the output folder, rebuild on change, reload open tabs.

- Only files inside the output folder are served; a path that leaves it (``..``, encoded or
  not) or names a hidden file is refused, and there are no directory listings.
- HTML responses get one ``<script src="/__sitegen/reload.js">`` at response time; the built
  files never contain it. The script is a separate URL (no inline code), so a strict
  Content-Security-Policy still allows it.
- ``/__sitegen/events`` is a Server-Sent Events stream: ``reload`` after each successful
  rebuild, ``build-error`` (shown over the page) when a rebuild fails, ``build-ok`` when the
  error is fixed. A failed build leaves the last good site in place and served. The script
  names its tab's page (``?page=``): the graph page's list, which a rebuild otherwise puts
  in place after the reload, comes before it while a tab shows it.
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import json
import mimetypes
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Collection, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sitegen.build import BuildError, BuildResult, build
from sitegen.cache import MemoryCache, cache_dir
from sitegen.config import ConfigError, SiteConfig, load_config, theme_dirs
from sitegen.gcpause import gc_paused
from sitegen.problems import format_problems

SCRIPT_URL = "/__sitegen/reload.js"
EVENTS_URL = "/__sitegen/events"
_SCRIPT = (Path(__file__).parent / "assets" / "reload.js").read_bytes()
_SCRIPT_TAG = f'<script src="{SCRIPT_URL}" defer></script>'.encode()
_KEEPALIVE_SECONDS = 10.0
_HOLD_SECONDS = 60.0  # at most (a rebuild's second step takes a fraction of a second)


class Hub:
    """Fans build events out to every open event stream; remembers the last error."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: list[queue.Queue[tuple[str, str]]] = []
        # The file each tab shows (relative to the output), by its listener's id: a
        # rebuild puts those in place before telling them to reload.
        self.pages: dict[int, str] = {}
        self.error = ""
        self.closed = threading.Event()
        # While a rebuild puts the rest of the site in place after the tabs were told to
        # reload: the paths in place already (the others' requests wait for the rest).
        self.ready: Collection[str] = ()
        self.complete = threading.Event()
        self.complete.set()

    def subscribe(self, page: str = "") -> queue.Queue[tuple[str, str]]:
        """A new listener; ``page``: the file its tab shows, if it said (reload.js does)."""
        q: queue.Queue[tuple[str, str]] = queue.Queue()
        with self.lock:
            self.listeners.append(q)
            if page:
                self.pages[id(q)] = page
            if self.error:
                q.put(("build-error", json.dumps({"message": self.error})))
        return q

    def unsubscribe(self, q: queue.Queue[tuple[str, str]]) -> None:
        with self.lock:
            if q in self.listeners:
                self.listeners.remove(q)
            self.pages.pop(id(q), None)

    def shown(self) -> frozenset[str]:
        """The files the open tabs show."""
        with self.lock:
            return frozenset(self.pages.values())

    def hold(self, ready: Collection[str]) -> None:
        """Requests for paths not in ``ready`` wait until ``release``."""
        self.ready = ready
        self.complete.clear()

    def release(self) -> None:
        self.complete.set()

    def wait_for(self, path: str) -> None:
        """Wait until the file at ``path`` (relative to the output) is the rebuilt one."""
        if not self.complete.is_set() and path not in self.ready:
            self.complete.wait(_HOLD_SECONDS)

    def publish(self, event: str, data: dict[str, object]) -> None:
        with self.lock:
            self.error = str(data.get("message", "")) if event == "build-error" else ""
            for q in self.listeners:
                q.put((event, json.dumps(data)))


def make_handler(output: Path, base_path: str, hub: Hub) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``output`` under ``base_path``, plus the reload endpoints."""
    root = output.resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "sitegen-serve"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would drown the build messages

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            path = urlsplit(self.path).path
            if path == EVENTS_URL:
                self._events(shown_file(base_path, self.path))
            elif path == SCRIPT_URL:
                self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _SCRIPT, head)
            elif base_path != "/" and path in ("/", base_path.rstrip("/")):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", base_path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._file(path, head)

        def _file(self, url_path: str, head: bool) -> None:
            if not hub.complete.is_set():
                page = site_path(base_path, url_path)
                hub.wait_for(page if page in hub.ready else f"{page}/index.html".lstrip("/"))
            target = resolve(root, base_path, url_path)
            status = HTTPStatus.OK
            if target is None:
                status, target = HTTPStatus.NOT_FOUND, root / "404.html"
                if not target.is_file():
                    self._send(status, "text/plain; charset=utf-8", b"not found\n", head)
                    return
            if target.is_dir():
                if not url_path.endswith("/"):  # relative links need the trailing slash
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                    self.send_header("Location", url_path + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                target = target / "index.html"
            try:
                data = target.read_bytes()
            except OSError:
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", head)
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind == "text/html":
                data = inject_script(data)
            if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            self._send(status, kind, data, head)

        def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _events(self, page: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            q = hub.subscribe(page)
            try:
                self.wfile.write(b"retry: 500\n\n")
                self.wfile.flush()
                while not hub.closed.is_set():
                    try:
                        event, data = q.get(timeout=_KEEPALIVE_SECONDS)
                        message = f"event: {event}\ndata: {data}\n\n"
                    except queue.Empty:
                        message = ": keep-alive\n\n"
                    self.wfile.write(message.encode("utf-8"))
                    self.wfile.flush()
            except OSError:
                pass  # the tab went away
            finally:
                hub.unsubscribe(q)

    return Handler


def shown_file(base_path: str, events_url: str) -> str:
    """The file (relative to the output) of the page a tab shows, from the URL of its event
    stream (reload.js names its page: ``?page=/articles/a/``); "" if it does not say."""
    named = parse_qs(urlsplit(events_url).query).get("page")
    if not named or not named[0].startswith(base_path):
        return ""
    page = site_path(base_path, urlsplit(named[0]).path)
    return page if page.endswith(".html") else f"{page}/index.html".lstrip("/")


def resolve(root: Path, base_path: str, url_path: str) -> Path | None:
    """The file or folder under ``root`` a URL path names, or None if it is not one of the
    site's: outside ``base_path``, leaving ``root``, or naming a hidden file."""
    if not url_path.startswith(base_path):
        return None
    rel = unquote(url_path[len(base_path) :], errors="strict")
    parts = [p for p in rel.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        return None  # "..", sitegen's own files and other hidden files
    target = root.joinpath(*parts)
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real != root and root not in real.parents:
        return None  # a symlink out of the output folder
    return target


def site_path(base_path: str, url_path: str) -> str:
    """The path relative to the output folder a URL path names (not checked: see resolve)."""
    rel = unquote(url_path[len(base_path) :]) if url_path.startswith(base_path) else url_path
    return "/".join(p for p in rel.split("/") if p)


def inject_script(html: bytes) -> bytes:
    """The reload script tag, before ``</body>`` (or at the end when there is none)."""
    at = html.rfind(b"</body>")
    if at < 0:
        return html + _SCRIPT_TAG
    return html[:at] + _SCRIPT_TAG + html[at:]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Rebuilder:
    """Builds the site and tells the browser tabs; one build at a time."""

    def __init__(self, config: SiteConfig, args: argparse.Namespace, hub: Hub) -> None:
        self.config = config
        self.args = args
        self.hub = hub
        self.cache = MemoryCache(cache_dir(config.path("output_dir")), _err)
        self.warm = False  # the cache holds the last build's sources, relate state and pages
        self.rescan = True  # the next build must scan the content folder (no change set)

    def run(self, reason: str = "", changed: set[str] | None = None) -> BuildResult | None:
        """Build; ``changed``: the content files changed since the last build (None: not
        known, the content folder is scanned)."""
        start = time.perf_counter()
        if self.rescan:
            changed = None  # a failed build may not have seen the changes before these
        told: list[BuildResult] = []

        def committed(result: BuildResult, ready: Collection[str] | None) -> None:
            # The tabs reload as soon as the pages are in place: the rest of the site (the
            # requests for it wait), the build's bookkeeping for the next one, and freeing
            # what it made, come after.
            if ready is not None:
                self.hub.hold(ready)
            if not told:
                told.append(result)
                self._tell(result)
                # The event streams' threads send it now, not when this thread next lets
                # go of the interpreter (every 5 ms while the rest is made).
                time.sleep(0.001)
            if ready is None:
                self.hub.release()

        try:
            # No cyclic collection during a rebuild: it would walk the whole site held in
            # memory, many times (see after_build).
            with gc_paused():
                result = build(
                    self.config,
                    jobs=self.args.jobs,
                    use_cache=not self.args.no_cache,
                    log=_err,
                    cache=self.cache,
                    # The first build goes through every stage even if nothing changed, so
                    # that the first edit finds the cache in memory and Jinja loaded.
                    quick=self.warm,
                    changed=changed,
                    committed=committed,
                    shown=self.hub.shown(),
                )
            self.rescan = False
            if not self.warm:
                _preload()
            self.warm = True
        except BuildError as exc:
            self.rescan = True
            message = str(exc)
            _err(f"sitegen: build failed: {message}")
            _err("sitegen: still serving the last good site")
            self.hub.publish("build-error", {"message": message})
            return None
        finally:
            self.hub.release()  # (after a failure: no request waits for the rest)
        seconds = time.perf_counter() - start
        if not told:  # nothing changed: no commit
            self._tell(result)
        for line in format_problems(result.problems, limit_repeats=5):
            _err(line)
        what = f" ({reason})" if reason else ""
        print(
            f"sitegen: built {result.articles} article(s){what}: {_changed(result)} file(s) "
            f"changed, {len(result.problems)} problem(s) in {seconds:.2f} s",
            flush=True,
        )
        after_build()
        return result

    def _tell(self, result: BuildResult) -> None:
        """Tell the tabs the site is rebuilt (and no longer broken)."""
        if self.hub.error:
            self.hub.publish("build-ok", {})
        self.hub.publish("reload", {"changed": _changed(result)})


def _changed(result: BuildResult) -> int:
    """How many files a build wrote or deleted."""
    written = result.written
    return len(written.written) + len(written.deleted) if written else 0


def _preload() -> None:
    """Import what parsing an edited file needs: slow imports, made once before the first
    edit rather than during it (a build that parsed nothing did not need them)."""
    import importlib

    for name in ("frontmatter", "yaml", "ftfy", "markdown", "nh3"):  # all dependencies
        importlib.import_module(name)


# A full collection walks the whole site held in memory (0.5-1 CPU s at 10,000 articles):
# after the other rebuilds only what they made is walked.
FULL_COLLECTION_EVERY = 8
_builds = 0


def after_build() -> None:
    """Once the tabs are told: collect the garbage, then set what is left (the site held for
    the next rebuild, hundreds of MB at 10,000 articles) aside from the collections between
    builds, which then walk only what is new. Most rebuilds collect only what was made since
    the last (what they drop of the older objects is freed as it goes, except cycles: those
    wait for the full collection every FULL_COLLECTION_EVERY rebuilds)."""
    global _builds
    if _builds % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
    _builds += 1
    gc.collect()
    gc.freeze()


def serve(config: SiteConfig, args: argparse.Namespace) -> int:
    """Run the dev server until interrupted."""
    if not is_loopback(args.host):
        _err(
            f"sitegen: WARNING: serving on {args.host}, not only this computer: anyone who "
            "can reach it can read the site and the build errors"
        )
    hub = Hub()
    rebuilder = Rebuilder(config, args, hub)
    if rebuilder.run() is None and not (config.path("output_dir") / "index.html").is_file():
        _err("sitegen: fix the error above; serving as soon as the site builds")
    output = config.path("output_dir")
    output.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(
        (args.host, args.port), make_handler(output, config.base_path, hub)
    )
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"sitegen: serving http://{_url_host(str(host))}:{port}{config.base_path}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        watch(config, args, rebuilder)
    except KeyboardInterrupt:
        pass
    finally:
        hub.closed.set()
        server.shutdown()
        rebuilder.cache.flush()
    return 0


def watch(config: SiteConfig, args: argparse.Namespace, rebuilder: Rebuilder) -> None:
    """Rebuild whenever content, templates or settings change."""
    announced = False
    while True:
        watched = _watched(rebuilder.config, args)
        for reason, paths in _changes(rebuilder.config, watched):
            if not announced:  # the first answer means the watcher is running
                print("sitegen: watching for changes; Ctrl-C to stop", flush=True)
                announced = True
            if _watched(rebuilder.config, args) != watched:
                rebuilder.run(reason or "templates folder created or removed")
                break  # watch the new set of folders
            if reason is None:
                continue
            if reason.startswith("settings"):
                try:
                    rebuilder.config = load_config(config.root, args.config, _overrides(args))
                except ConfigError as exc:
                    _err(f"sitegen: {exc}")
                    rebuilder.hub.publish("build-error", {"message": str(exc)})
                    continue
            rebuilder.run(reason, content_changes(rebuilder.config, paths))
        else:
            return  # interrupted


def content_changes(config: SiteConfig, paths: set[str]) -> set[str] | None:
    """``paths`` when all are in the content folder (the build then stats only those), else
    None (a template or the settings changed: the build scans the content folder)."""
    below = str(config.path("content_dir")).rstrip(os.sep) + os.sep
    return paths if all(p.startswith(below) for p in paths) else None


def _watched(config: SiteConfig, args: argparse.Namespace) -> list[str]:
    """The folders and the settings file to watch, those that exist: the built-in theme's
    too (a build whose change set names only content files takes the templates to be those
    of the last build: see build._fingerprint_of)."""
    settings = _settings_file(config, args)
    paths = [config.path("content_dir"), config.path("templates_dir"), settings]
    paths += [d for d in theme_dirs(config) if d not in paths]
    return [str(p) for p in paths if p is not None and p.exists()]


def _changes(config: SiteConfig, watched: list[str]) -> Iterator[tuple[str | None, set[str]]]:
    """What changed, as a short text, and the paths that changed; (None, empty) every half
    second without changes."""
    import watchfiles

    output = config.path("output_dir")
    ignored = (str(output), str(cache_dir(output).parent))
    settings = {p for p in watched if Path(p).is_file()}

    # (Hidden files and folders are told by the part of the path below the site's folder,
    # or below the watched folder outside it that holds it: the built-in theme's.)
    bases = [str(config.root), *(w for w in watched if not w.startswith(str(config.root)))]

    def relevant(_change: object, path: str) -> bool:
        if path.startswith(ignored):
            return False
        base = next((b for b in bases if path.startswith(b)), str(config.root))
        return "/." not in path[len(base) :]

    for changes in watchfiles.watch(
        *watched,
        watch_filter=relevant,
        debounce=400,
        # Wait this many ms of quiet before rebuilding: editors save in bursts, a ms or
        # two long. (The watcher yields a change one to two steps after it came: 8-13 ms
        # with 5, 12-20 ms with 10, measured; a burst split in two rebuilds twice.)
        step=5,
        rust_timeout=500,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if not changes:
            yield None, set()
            continue
        paths = {p for _, p in changes}
        names = sorted({Path(p).name for p in paths})
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        prefix = "settings: " if paths & settings else ""
        yield prefix + ", ".join(names[:3]) + more, paths


def _settings_file(config: SiteConfig, args: argparse.Namespace) -> Path | None:
    if args.config is not None:
        return Path(args.config).resolve()
    for name in ("sitegen.toml", "pyproject.toml"):
        if (config.root / name).is_file():
            return config.root / name
    return None


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    from sitegen.__main__ import _overrides as overrides

    return overrides(args)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
