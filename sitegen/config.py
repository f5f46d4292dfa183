"""Site settings: a frozen SiteConfig read from ``sitegen.toml`` or ``[tool.sitegen]``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_FILE = "sitegen.toml"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# (Compiled on first use, by re's cache: most sites set neither.)
_HOSTNAME = rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})+"
_TAG_AUTHORITY = r"[A-Za-z0-9.@_-]+,\d{4}(-\d{2}(-\d{2})?)?"


class ConfigError(Exception):
    """The settings cannot be used; the message lists every problem, one a line."""


@dataclass(frozen=True)
class SiteConfig:
    # Shown in the header, the <title> of every page and the feeds.
    title: str = "sitegen digest"
    # One sentence about the site: the home page's meta description.
    description: str = "News article digests, built with sitegen."
    # Where the site is published, e.g. "https://owner.github.io/repo/". Its path becomes the
    # prefix of every link; empty means the site is served at "/" and has no absolute URLs.
    base_url: str = ""
    # BCP 47 language of the pages (<html lang>).
    language: str = "en"
    # IANA zone for dates written without an offset, and for the dates shown on pages.
    timezone: str = "UTC"
    # Folders, relative to the project root (the folder of the config file).
    content_dir: str = "content"
    output_dir: str = "output"
    # The site's own templates, searched before the built-in theme, file by file.
    templates_dir: str = "templates"
    # Articles a listing page shows before it paginates (home, topic and provider pages).
    page_size: int = 20
    # Include digests marked ``published: false``.
    drafts: bool = False
    # Articles in each Atom feed.
    feed_size: int = 20
    # Who owns the feed ids, as the "domain,date" of a tag URI (RFC 4151), e.g.
    # "example.org,2024". Set, entry ids are tag URIs that survive moving the site; empty,
    # they are the absolute page URLs (or, with no base_url, a tag URI from the site title).
    feed_authority: str = ""
    # Custom domain for GitHub Pages, e.g. "news.example.org": written to the CNAME file.
    cname: str = ""
    # Build the Pagefind search index and the /search/ page (needs the "search" extra).
    search: bool = True
    # Related articles shown per article.
    related_count: int = 8
    # Largest content file read, in bytes; larger files are reported and skipped.
    max_file_bytes: int = 1_000_000
    # Longest title kept, in characters; longer titles are cut at a word and reported.
    max_title_chars: int = 300
    # Most topics, related entries and images kept per digest; longer lists are cut and
    # reported, so one hostile file cannot bloat every page or slow the build down.
    max_topics: int = 50
    max_related: int = 100
    max_images: int = 50
    # Add rel="nofollow" to links that leave the site (they always get "noopener noreferrer").
    nofollow_external: bool = False
    # Free-form values for templates, as ``config.extra.<name>``.
    extra: dict[str, Any] = field(default_factory=dict)
    # The folder the relative paths above start from (set by load_config, not by the file).
    root: Path = field(default_factory=Path.cwd)

    @property
    def base_path(self) -> str:
        """The URL path the site is served under: "/" or "/repo/"."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def path(self, name: str) -> Path:
        return (self.root / str(getattr(self, name))).resolve()


_SETTABLE = {f.name: f for f in fields(SiteConfig) if f.name != "root"}


def load_config(
    root: Path, config_file: Path | None = None, overrides: dict[str, Any] | None = None
) -> SiteConfig:
    """Read settings from ``config_file``, else ``sitegen.toml``, else ``[tool.sitegen]`` in
    ``pyproject.toml`` under ``root``; then apply ``overrides`` (from CLI flags)."""
    values: dict[str, Any] = {}
    source = "defaults"
    if config_file is None:
        for candidate in (root / CONFIG_FILE, root / "pyproject.toml"):
            if candidate.is_file():
                config_file = candidate
                break
    if config_file is not None:
        values, source = _read_table(config_file)
        root = config_file.resolve().parent
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return _validate(values, root, source)


def _read_table(path: Path) -> tuple[dict[str, Any], str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    if path.name == "pyproject.toml":
        return dict(data.get("tool", {}).get("sitegen", {})), f"{path} [tool.sitegen]"
    return data, str(path)


def _validate(values: dict[str, Any], root: Path, source: str) -> SiteConfig:
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in values.items():
        spec = _SETTABLE.get(key)
        if spec is None:
            import difflib  # (slow to import: only a mistyped key needs it)

            close = difflib.get_close_matches(key, list(_SETTABLE), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            errors.append(f"{source}: unknown setting '{key}'{hint}")
            continue
        expected = _expected_type(spec.default, spec.name)
        if not _has_type(value, expected):
            errors.append(
                f"{source}: {key} must be {expected.__name__}, not {type(value).__name__}"
            )
            continue
        clean[key] = value
    config = replace(SiteConfig(root=root), **clean)
    errors.extend(f"{source}: {msg}" for msg in _check_values(config))
    if errors:
        raise ConfigError("\n".join(errors))
    return config


def _expected_type(default: Any, name: str) -> type:
    return dict if name == "extra" else type(default)


def _has_type(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _check_values(config: SiteConfig) -> list[str]:
    errors = []
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f'timezone: "{config.timezone}" is not an IANA zone such as "Europe/Paris"')
    if config.base_url:
        parts = urlsplit(config.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                f'base_url: "{config.base_url}" must be an absolute http(s) URL, '
                'e.g. "https://owner.github.io/repo/"'
            )
    if config.feed_authority and not re.fullmatch(_TAG_AUTHORITY, config.feed_authority):
        errors.append(
            f'feed_authority: "{config.feed_authority}" must be a domain or email and a date, '
            'e.g. "example.org,2024"'
        )
    if config.cname and not re.fullmatch(_HOSTNAME, config.cname):
        errors.append(f'cname: "{config.cname}" must be a host name, e.g. "news.example.org"')
    for name in ("page_size", "feed_size", "max_file_bytes", "max_title_chars"):
        if getattr(config, name) < 1:
            errors.append(f"{name}: must be at least 1")
    for name in ("related_count", "max_topics", "max_related", "max_images"):
        if getattr(config, name) < 0:
            errors.append(f"{name}: must not be negative")
    return errors


# Here, not in render.py, so a build can fingerprint its theme without importing Jinja or
# the rendering stages (a build with nothing changed stops before it needs them).
PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_theme_dir() -> Path:
    """The default theme: bundled in the wheel, or the repository's ``templates/``."""
    for candidate in (PACKAGE_DIR / "theme", PACKAGE_DIR.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError("the built-in theme is missing from this sitegen install")


def theme_dirs(config: SiteConfig) -> list[Path]:
    """Template folders, the site's first, so a site overrides the theme file by file."""
    dirs = [config.path("templates_dir"), builtin_theme_dir()]
    return list(dict.fromkeys(d for d in dirs if d.is_dir()))
