"""URL keys for matching: one article is known by many URLs (canonical, AMP, AMP cache, with
tracking parameters); they all reduce to the same key here. Keys are for comparing only,
never for linking: readers always get the URL the feed gave.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

# Hosts of the AMP cache: https://<host-with-dashes>.cdn.ampproject.org/c/s/<host>/<path>
_AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
_AMP_CACHE_KINDS = frozenset({"c", "v", "i"})  # content, viewer, image
# Query parameters that never change which article a URL names.
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "mc_cid", "mc_eid", "ocid", "cmpid"})
# A file extension on the last path segment: "/story.html", "/story.amp" and "/story" match.
_EXTENSIONS = (".amp.html", ".amp", ".html", ".htm")
_HOST_PREFIXES = ("www.", "amp.", "m.")


# Remembered: related entries name the same few URLs over and over.
@lru_cache(maxsize=1 << 16)
def match_key(url: str) -> str:
    """The key two URLs of one article share; never raises, and match_key is idempotent.

    Ignored: scheme, ``www.``/``amp.``/``m.`` host prefixes, default ports, user info,
    a trailing slash, the fragment, tracking parameters (``utm_*``, ``fbclid``...), the order
    of parameters and every AMP variant (``?AMP``, ``amp=1``, ``outputType=amp``, an ``/amp/``
    or ``/platform/amp/`` path segment, a ``.amp`` suffix, the AMP cache form).
    """
    text = url.strip()
    try:
        return _key(text)
    except ValueError:  # an unparsable URL matches only itself
        return text


# The usual URL, which urlsplit would take apart the same way: http(s) or no scheme, a
# lowercase host of letters, digits, dots and hyphens (no user, no port), then a path and a
# query of printable ASCII. urlsplit and parse_qsl were most of the cost of a key.
_PLAIN = re.compile(
    r"(?:https?:)?//([a-z0-9.-]*)(/[!\"$->@-~]*)?(?:\?([!\"$-~]*))?(?:#.*)?", re.DOTALL
)
# A query whose names and values neither parse_qsl nor urlencode would change.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


def _key(text: str) -> str:
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    host, path, query = _parts(text)
    if host.endswith(_AMP_CACHE_SUFFIX):
        segments = list(filter(None, path.split("/")))  # the non-empty ones
        if segments and segments[0] in _AMP_CACHE_KINDS:
            inner = segments[2:] if segments[1:2] == ["s"] else segments[1:]
            if inner:  # the cached page's own host and path
                rebuilt = "//" + "/".join(inner) + (f"?{query}" if query else "")
                return _key(rebuilt)
    key = f"https://{_host_key(host)}/{_path_key(path)}"
    query = _query_key(query) if query else ""
    return f"{key}?{query}" if query else key


# The parts of a key, remembered: an article's URLs (canonical, AMP, AMP cache) share their
# path, and its provider's host and the AMP query recur on every article.
@lru_cache(maxsize=1 << 12)
def _host_key(host: str) -> str:
    return _clean_host(host)


@lru_cache(maxsize=1 << 12)
def _path_key(path: str) -> str:
    if "//" not in path and "amp" not in path.lower():
        # The usual path: its segments are those between its slashes, and only the last one
        # can change (_clean_segments' first case), so it is cut there, not split.
        head, _, last = path.strip("/").rpartition("/")
        while (ext := _extension(last)) is not None:
            last = last[: -len(ext)]
        return f"{head}/{last}" if head else last
    return "/".join(_clean_segments(list(filter(None, path.split("/")))))


@lru_cache(maxsize=1 << 12)
def _query_key(query: str) -> str:
    return _clean_query(query)


def _parts(text: str) -> tuple[str, str, str]:
    """The host (lower case, no trailing dot), path and query of ``text``, as _split_parts
    finds them."""
    plain = _PLAIN.fullmatch(text)
    if plain is None:
        return _split_parts(text)
    host, path, query = plain.groups("")  # ("": a part not there)
    return host.rstrip("."), path, query


def _split_parts(text: str) -> tuple[str, str, str]:
    parts = urlsplit(text)
    return (parts.hostname or "").rstrip("."), parts.path, parts.query


def _clean_host(host: str) -> str:
    if not host.startswith(_HOST_PREFIXES):
        return f"[{host}]" if ":" in host else host
    stripped = True
    while stripped:  # "www.amp.example.com" loses both prefixes
        stripped = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host, stripped = host.removeprefix(prefix), True
    return f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets


def _clean_segments(segments: list[str]) -> list[str]:
    """Drop AMP segments and extensions until nothing changes ("a.html/amp" is "a")."""
    if segments and "amp" not in "/".join(segments).lower():
        # No segment is or can become "amp": only the last one loses extensions.
        last = segments[-1]
        while (ext := _extension(last)) is not None:
            last = last[: -len(ext)]
        return [*segments[:-1], last]
    while True:
        cleaned = _clean_once(segments)
        if cleaned == segments:
            return cleaned
        segments = cleaned


def _clean_once(segments: list[str]) -> list[str]:
    kept: list[str] = []
    for i, segment in enumerate(segments):
        lower = segment.lower()
        if lower == "amp":
            continue
        if lower == "platform" and i + 1 < len(segments) and segments[i + 1].lower() == "amp":
            continue
        kept.append(segment)
    if kept and (ext := _extension(kept[-1])) is not None:
        kept[-1] = kept[-1][: -len(ext)]
    return kept


def _extension(segment: str) -> str | None:
    """The first of _EXTENSIONS that ends ``segment`` (and is not all of it)."""
    lower = segment.lower()
    if not lower.endswith(_EXTENSIONS):  # (one call: most segments have none)
        return None
    for ext in _EXTENSIONS:
        if lower.endswith(ext) and len(segment) > len(ext):
            return ext
    return None


def _clean_query(query: str) -> str:
    pieces = [piece.partition("=") for piece in query.split("&") if piece]
    if _PLAIN_QUERY.fullmatch(query) and not any("=" in value for _, _, value in pieces):
        # What parse_qsl and urlencode make of it: nothing here is quoted or unquoted.
        pairs = [(name, value) for name, _, value in pieces if not _ignored_param(name, value)]
        return "&".join(f"{name}={value}" for name, value in sorted(pairs))
    return _parse_query(query)


def _parse_query(query: str) -> str:
    pairs = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not _ignored_param(name, value)
    ]
    return urlencode(sorted(pairs))


def _ignored_param(name: str, value: str) -> bool:
    lower = name.lower()
    if lower.startswith("utm_") or lower in _TRACKING:
        return True
    if lower == "amp" or (lower == "outputtype" and value.lower() == "amp"):
        return True
    return lower == "output" and value.lower() == "amp"
