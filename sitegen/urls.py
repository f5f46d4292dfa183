"""URL keys for matching: one article is known by many URLs (canonical, AMP, AMP cache, with
tracking parameters); they all reduce to the same key here. Keys are for comparing only,
never for linking: readers always get the URL the feed gave.
"""

from __future__ import annotations

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


def _key(text: str) -> str:
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").rstrip(".")
    segments = [s for s in parts.path.split("/") if s]
    if host.endswith(_AMP_CACHE_SUFFIX) and segments and segments[0] in _AMP_CACHE_KINDS:
        inner = segments[2:] if segments[1:2] == ["s"] else segments[1:]
        if inner:  # the cached page's own host and path
            rebuilt = "//" + "/".join(inner) + (f"?{parts.query}" if parts.query else "")
            return _key(rebuilt)
    host = _clean_host(host)
    path = "/".join(_clean_segments(segments))
    query = _clean_query(parts.query) if parts.query else ""
    return f"https://{host}/{path}" + (f"?{query}" if query else "")


def _clean_host(host: str) -> str:
    stripped = True
    while stripped:  # "www.amp.example.com" loses both prefixes
        stripped = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host, stripped = host.removeprefix(prefix), True
    return f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets


def _clean_segments(segments: list[str]) -> list[str]:
    """Drop AMP segments and extensions until nothing changes ("a.html/amp" is "a")."""
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
    if kept:
        last = kept[-1]
        for ext in _EXTENSIONS:
            if last.lower().endswith(ext) and len(last) > len(ext):
                kept[-1] = last[: -len(ext)]
                break
    return kept


def _clean_query(query: str) -> str:
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
