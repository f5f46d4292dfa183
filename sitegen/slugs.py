"""URL slugs: ASCII, lowercase, hyphenated, bounded, and never a path of their own."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from sitegen.model import Slug

MAX_SLUG_CHARS = 80
T = TypeVar("T")
# A byte -> itself if a letter or digit of a slug, else a space.
_RUNS_APART = bytes(c if re.fullmatch(b"[a-z0-9]", bytes([c])) else 32 for c in range(256))
_SHARP = re.compile(r"(?<=[a-z])#(?![a-z0-9])")
# Names Windows refuses as files, whatever their extension.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{p}{n}" for p in ("com", "lpt") for n in [*range(10), "¹", "²", "³"]}
)
_RESERVED = RESERVED_NAMES
# Characters no output path may hold: separators, NUL and what Windows forbids in names.
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME_BYTES = 255  # the usual limit for one file name (ext4, APFS, NTFS)


# Remembered: topic and provider names recur on thousands of articles, and slugifying
# (NFKC, unidecode, regexes) is one of the slower steps of reading an article.
@lru_cache(maxsize=1 << 16)
def slugify(text: str, *, max_chars: int = MAX_SLUG_CHARS) -> Slug:
    """Turn any text into a URL-safe slug; text with no letters or digits gets a hash slug.

    The result matches ``[a-z0-9]+(-[a-z0-9]+)*``, so it cannot hold ``/``, ``\\``, ``..``,
    NUL or a leading dot, and slugify(slugify(x)) == slugify(x).
    """
    ascii_text = _ascii(unicodedata.normalize("NFKC", text)).lower()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ").replace("'", "")
    if "#" in ascii_text:  # C#, F#: a different name from C and F, so a different slug
        ascii_text = _SHARP.sub(" sharp ", ascii_text)
    # Its runs of letters and digits joined by "-" (each run of anything else made one "-",
    # none at the ends): the text between the others, each made a space in C (a regex
    # finding the runs took 250 instructions a character, this a third of that). A
    # character outside ASCII, were one left, is a "?" there: apart, like any other.
    runs = ascii_text.encode("ascii", "replace").translate(_RUNS_APART).split()
    slug = b"-".join(runs).decode("ascii")
    if len(slug) > max_chars:
        cut = slug.rfind("-", 0, max_chars + 1)
        slug = slug[: cut if cut > max_chars // 2 else max_chars].strip("-")
    if not slug:
        slug = "x-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if slug in _RESERVED:
        slug += "-x"
    return Slug(slug)


def _ascii(text: str) -> str:
    """unidecode's transliteration; ASCII text is its own (text_unidecode loads a table of
    every code point on import, 12 ms of an edit build that slugifies one ASCII title)."""
    if text.isascii():
        return text
    # unidecode transliterates character by character in a Python loop: its answer for
    # each character met is remembered, and the text translated in C.
    return text.translate(_TRANSLITERATED)


class _Transliterated(dict[int, str]):
    """Code point -> unidecode's answer for that one character (unidecode reads each
    character alone: the text's answer is theirs joined), made when first asked."""

    def __missing__(self, code: int) -> str:
        from text_unidecode import unidecode

        answer = str(unidecode(chr(code)))
        if len(self) < 1 << 16:
            self[code] = answer
        return answer


_TRANSLITERATED = _Transliterated()


@lru_cache(maxsize=1 << 16)
def merge_key(text: str) -> str:
    """Names with the same key are one name: "AI Ethics", "ai-ethics" and "A.I. ethics" differ
    only in case, spacing or punctuation."""
    return slugify(text).replace("-", "")


def is_slug(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", text))


def assign_unique(
    items: Iterable[T], wanted: Callable[[T], Slug], key: Callable[[T], str]
) -> tuple[dict[str, Slug], list[tuple[T, Slug, Slug]]]:
    """Give every item a distinct slug.

    Items are taken in order (the caller sorts them, oldest first, so an existing page keeps
    its URL when newer ones arrive); the first to want a slug gets it, later ones get a suffix
    made from a hash of their ``key`` (stable however many others share the slug).
    Returns key -> slug and the (item, wanted, given) of every item that was suffixed.
    """
    taken: set[Slug] = set()
    given: dict[str, Slug] = {}
    renamed: list[tuple[T, Slug, Slug]] = []
    for item in items:
        slug = wanted(item)
        if slug in taken:
            new = _suffixed(slug, key(item), taken)
            renamed.append((item, slug, new))
            slug = new
        taken.add(slug)
        given[key(item)] = slug
    return given, renamed


def _suffixed(slug: Slug, key: str, taken: set[Slug]) -> Slug:
    """``slug`` plus a hash of ``key``, lengthened until free; a counter takes over when the
    whole hash is taken (only possible when two items share a key)."""
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()
    suffixes = (digest[:n] for n in range(6, len(digest) + 1))
    for suffix in itertools.chain(suffixes, (f"{digest[:6]}{i}" for i in itertools.count(2))):
        base = slug[: MAX_SLUG_CHARS - len(suffix) - 1].rstrip("-")
        new = Slug(f"{base}-{suffix}")
        if new not in taken:
            return new
    raise AssertionError("unreachable: the counter never ends")


def name_problem(name: str) -> str:
    """Why ``name`` cannot be one part of an output path, or "" when it is a plain name.

    Refused: empty, ``.`` and ``..``, hidden names, separators and characters Windows forbids,
    names ending in a dot or space, Windows device names (``CON``, ``nul.txt``, ``COM1``...),
    and names over 255 bytes.
    """
    if name in ("", ".", ".."):
        return "is empty, '.' or '..'"
    if name.startswith("."):
        return "is a hidden name"
    if _BAD_NAME_CHARS.search(name):
        return "holds a separator or a character not allowed in file names"
    if name.endswith((".", " ")):
        return "ends in a dot or a space"
    if name.split(".", 1)[0].rstrip(" ").lower() in RESERVED_NAMES:
        return "is a name reserved by Windows"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return ""
