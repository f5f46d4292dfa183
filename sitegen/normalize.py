"""Stage 2: turn a raw SourceDoc into a typed Article, one normalizer per field.

Feed data is messy: every normalizer is total. It returns a clean value, or a default and a
Problem, for any input at all; it never raises.
"""

from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sitegen import bodyfix
from sitegen.bodyfix import (
    BODY_ATTRIBUTES,
    BODY_TAGS,
    escape_url,
    fix_structure,
    valid_attribute_value,
)
from sitegen.model import Article, Image, Provider, RelatedLink, SourceDoc, Topic, made
from sitegen.problems import Problem, problem
from sitegen.slugs import merge_key, slugify
from sitegen.urls import match_key

MAX_TOPICS = 50
MAX_RELATED = 100
MAX_IMAGES = 50


@dataclass(frozen=True)
class Options:
    """Per-site rules for normalizing (from SiteConfig); the defaults suit most feeds."""

    max_topics: int = MAX_TOPICS  # longer lists are cut, so one file cannot bloat every page
    max_related: int = MAX_RELATED
    max_images: int = MAX_IMAGES
    nofollow: bool = False  # add rel="nofollow" to links in bodies

    @property
    def link_rel(self) -> str:
        return "noopener noreferrer" + (" nofollow" if self.nofollow else "")


KNOWN_FIELDS = frozenset(
    [
        "title",
        "excerpt",
        "category",
        "type",
        "publishedDateTime",
        "originalUrl",
        "webUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "quality",
        "heat",
        "published",
        "provider",
        "topics",
        "images",
        "related",
        "secured",
    ]
)
URL_FIELDS = ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl")
# Never shown and never written anywhere: dropped here so no later stage can leak it.
PRIVATE_FIELDS = frozenset({"secured"})

# Bidi embeddings, overrides and isolates too: one left open in a title would reorder the
# text after it wherever the title is shown inline (a listing, a feed, the window title).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
# Some characters no URL may hold: whitespace, C0 controls and DEL.
_PLAIN_FIELD = re.compile(r"[\w.\[\]-]+")  # a field name as problems show it: provider.name
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
# An HTML character reference left after unescaping once: the text was escaped twice.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")
# The usual URL, plainly fine: http(s), a host of letters, digits, dots and hyphens, then
# printable ASCII with no backslash or bracket. Checked first, as urlsplit is slow.
_PLAIN_URL = re.compile(r"(?i:https?)://[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]*)?(?:[/?#][!-Z^-~]*)?")
# A _PLAIN_URL holding none of what escape_url encodes ('"', "%", "<", ">", "^", "`", "{",
# "|", "}"): a field's URL as feeds write it, kept as it is. One match, where checking it
# and then escaping it cost several times that (the escape's search tries every position).
_LINKABLE_URL = re.compile(
    r"(?i:https?)://[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]*)?(?:[/?#][!#$&-;=?-Z_a-z~]*)?"
)


@dataclass
class _Report:
    """Collects the problems of one file, each at its field's line."""

    doc: SourceDoc
    problems: list[Problem] = field(default_factory=list)

    def __call__(
        self, field_name: str, message: str, *, error: bool = False, at: str | None = None
    ) -> None:
        """``at``: the field whose line to give, when it is not ``field_name``."""
        line = self.doc.line_of(field_name if at is None else at)
        self.problems.append(problem(self.doc.path, line, field_name, message, error=error))


def normalize(
    doc: SourceDoc,
    tz: ZoneInfo,
    max_title_chars: int = 300,
    options: Options | None = None,
    body: tuple[str, list[str]] | None = None,
) -> tuple[Article | None, list[Problem]]:
    """A SourceDoc as an Article (None when its title is unusable) and what was wrong with it.
    ``body``: sanitize_body of its body with options.link_rel, when made already (a parse
    worker makes those of many files one after the other)."""
    options = options or Options()
    report = _Report(doc)
    if doc.not_utf8 is not None:
        line, byte = doc.not_utf8
        report.problems.append(
            problem(
                doc.path,
                line,
                "file",
                f"is not UTF-8 (byte 0x{byte:02x}); read as Windows-1252: save it as UTF-8",
            )
        )
    if doc.unprintable is not None:
        line, code = doc.unprintable
        at = next(
            (
                n
                for n, at_line in doc.field_lines.items()
                if at_line == line and _PLAIN_FIELD.fullmatch(n)
            ),
            "frontmatter",
        )
        report.problems.append(
            problem(
                doc.path,
                line,
                at,
                f"holds control character U+{code:04X}, which YAML does not allow; "
                "repaired as mojibake where possible, else removed",
            )
        )
    for name, first in doc.repeated:
        said = f"is given more than once (first on line {first}); the last one is used"
        if _PLAIN_FIELD.fullmatch(name):
            report(name, said)
        else:  # any YAML key can repeat: quoted, so the line keeps its "field: message" form
            shown = json.dumps(_short(name), ensure_ascii=False)
            report("frontmatter", f"key {shown} {said}", at=name)
    meta = doc.meta
    title = _title(meta.get("title"), report, max_title_chars)
    urls = {name: clean_url(meta.get(name), name, report) for name in URL_FIELDS if name in meta}
    published = to_datetime(meta.get("publishedDateTime"), "publishedDateTime", tz, report)
    provider = _provider(meta.get("provider"), "provider", report)
    main_url = urls.get("originalUrl") or urls.get("webUrl") or ""
    known = tuple(dict.fromkeys(filter(None, urls.values())))
    if provider is None and main_url:
        provider = provider_from_url(main_url)
    article = made(  # (the fields of Article, in its order)
        Article,
        {
            "slug": slugify(title or ""),
            "source": doc.path,
            "title": title or "",
            "title_line": doc.line_of("title"),
            "excerpt": clean_text(meta.get("excerpt"), "excerpt", report),
            "published": published,
            "url": main_url,
            "urls": known,
            "provider": provider,
            "topics": _topics(meta.get("topics"), report, options.max_topics),
            "images": _images(
                meta.get("images"), "images", title or "", report, options.max_images
            ),
            "related": _related(meta.get("related"), tz, report, options.max_related),
            "quality": to_int(meta.get("quality"), "quality", report),
            "heat": to_int(meta.get("heat"), "heat", report),
            "category": clean_text(meta.get("category"), "category", report),
            "kind": clean_text(meta.get("type"), "type", report),
            "draft": not _published(meta.get("published", True), report),
            "body_html": _body(
                doc, report, sanitize_body(doc.body, options.link_rel) if body is None else body
            ),
            "extra": _extra(meta),
            "url_keys": tuple(dict.fromkeys(map(match_key, known))),
        },
    )
    return (article if title else None), report.problems


def _extra(meta: dict[Any, Any]) -> dict[str, Any]:
    """The fields of ``meta`` that are not part of the format (most files have none: then one
    subset test in C, where the loop looked each field up)."""
    if meta.keys() <= KNOWN_FIELDS:
        return {}
    return {k: v for k, v in meta.items() if k not in KNOWN_FIELDS and isinstance(k, str)}


def prepare(link_rel: str) -> None:
    """Everything normalize imports or builds on first use, made now (before a pool of
    workers forks, so that they share it); and the quick check of bodies' structure, which
    only a build of many files pays for."""
    import ftfy  # noqa: F401 - imported for the workers

    if not _MARKDOWN:
        _MARKDOWN.append(_new_markdown())
    _text_cleaner()
    _body_cleaner(link_rel)
    bodyfix.prepare()
    "example.org".encode("idna")  # the codec is imported on its first use (_domain)


# -- text ------------------------------------------------------------------------------------


# ftfy's repairs of texts met before (text -> repaired): those the build gives from its
# cache, so that an edited file read again whose non-ASCII texts are those of the last read
# needs no ftfy, nor its import (0.03-0.1 s of a CLI edit); then those made since, up to
# MAX_KNOWN (a digest's related entries repeat the titles of other digests: 10,000 digests
# hold 2,796 non-ASCII texts, 1,603 of them different). ftfy's answer depends on the text
# alone (and on ftfy's version, which is in the cache's fingerprint).
_REPAIRS: dict[str, str] = {}
MAX_KNOWN = 8192
# The non-ASCII texts met since known_repairs was called, with their repairs (at most
# MAX_REPAIRS: a process that reads thousands of files never saves them).
_MET: dict[str, str] = {}
MAX_REPAIRS = 4096


def known_repairs(repairs: dict[str, str]) -> None:
    """Take ``repairs`` as the repairs known (in place of those known before), and start
    noting the texts met anew."""
    _REPAIRS.clear()
    _REPAIRS.update(repairs)
    _MET.clear()


def met_repairs() -> dict[str, str]:
    """The non-ASCII texts met since known_repairs was called, with their repairs."""
    return dict(_MET)


def taken_repairs() -> dict[str, str] | None:
    """The non-ASCII texts met since this was last called, with their repairs (None: none),
    forgotten here: a parse worker sends them with each file it parsed, for the build to
    save (see build._read_articles)."""
    if not _MET:
        return None
    met = dict(_MET)
    _MET.clear()
    return met


def _repaired(text: str) -> str:
    """ftfy's repair of a non-ASCII text: curly quotes and full-width letters are correct
    text, not encoding damage, and are kept as the source wrote them."""
    fixed = _REPAIRS.get(text)
    if fixed is None:
        import ftfy  # slow to import too: only non-ASCII text not met before needs it

        fixed = ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False)
        if len(_REPAIRS) < MAX_KNOWN:
            _REPAIRS[text] = fixed
    if len(_MET) < MAX_REPAIRS:
        _MET[text] = fixed
    return fixed


def fix_text(text: str) -> str:
    """Repair mojibake, drop tags and control characters, collapse whitespace."""
    if not text.isascii():
        text = _repaired(text)  # ftfy is slow; pure ASCII cannot be mojibake
    if "<" in text or "&" in text:
        clean = _text_cleaner()
        text = html.unescape(clean(text))
        # Feeds often escape twice ("&amp;amp;", "&amp;lt;b&amp;gt;"): undo one more layer
        # at a time, dropping the tags each one reveals.
        for _ in range(2):
            if not _ENTITY.search(text):
                break
            text = html.unescape(clean(html.unescape(text)))
    if text.isprintable() and not (text.startswith(" ") or text.endswith(" ") or "  " in text):
        return text  # (_collapsed's own test, without its call: most text is clean)
    return _collapsed(text)


def _collapsed(text: str) -> str:
    """``text`` without _CONTROL characters, its runs of whitespace made one space, trimmed."""
    if text.isprintable() and not (text.startswith(" ") or text.endswith(" ") or "  " in text):
        return text  # every one of _CONTROL is unprintable, as is every space but " "
    return " ".join(_CONTROL.sub("", text).split())


def is_blank(text: str) -> bool:
    """Nothing a reader could see: only spaces and invisible format characters (zero-width
    joiners, soft hyphens, word joiners)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def clean_text(value: Any, name: str, report: _Report) -> str:
    if type(value) is str:  # (the usual value, told at once)
        return fix_text(value)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        report(name, f"must be text, not {_kind(value)}; ignored")
        return ""
    return fix_text(str(value))


def _title(value: Any, report: _Report, max_chars: int) -> str | None:
    if value is None:
        report("title", "missing; every digest needs a title, so the file was skipped", error=True)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        report("title", f"must be text, not {_kind(value)}; the file was skipped", error=True)
        return None
    title = fix_text(str(value))
    if is_blank(title):
        report(
            "title", "is empty once HTML and spaces are removed; the file was skipped", error=True
        )
        return None
    if len(title) > max_chars:
        cut = title.rfind(" ", 0, max_chars)
        title = title[: cut if cut > max_chars // 2 else max_chars].rstrip() + "…"
        report("title", f"is longer than {max_chars} characters (max_title_chars); shortened")
    return title


# -- dates -----------------------------------------------------------------------------------


def to_datetime(value: Any, name: str, tz: ZoneInfo, report: _Report) -> datetime | None:
    """Any date-like value as an aware UTC datetime; naive values are read in ``tz``."""
    if value is None:
        return None
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        parsed = _parse_date_text(value.strip())
    if parsed is None:
        shown = _describe(value)
        report(name, f"{shown} is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)")
        return None
    try:
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        report(name, f'"{value}" is out of the range of dates; ignored')
        return None


# RFC 2822 as RSS feeds write it: "Tue, 15 Dec 2020 18:38:00 +0000". The email parser itself
# is lenient: it reads "Dec 15, 2020 6:38 PM EST" as 06:38 with no zone, so only this shape
# is handed to it. (This and the next are compiled on first use, by re's own cache: most
# dates are ISO 8601, and a process reading one edited file would compile them for nothing.)
_RFC2822 = (
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|UT|GMT|[ECMP][SD]T|Z))?"
)
# "Dec 15, 2020", "December 15, 2020 6:38 PM": English month-name dates as pages show them,
# read in the site's time zone.
_MONTH_DAY_YEAR = (
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def _parse_date_text(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if re.fullmatch(_RFC2822, text):
        import email.utils  # slow to import (sockets, random): only RSS dates need it

        try:
            return email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    found = re.fullmatch(_MONTH_DAY_YEAR, text)
    month = _MONTHS.get(found["month"].lower()) if found else None
    if found is None or month is None:
        return None
    hour = int(found["hour"] or 0)
    if found["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found["ampm"][0] in "Pp" else 0)
    try:
        return datetime(
            int(found["year"]),
            month,
            int(found["day"]),
            hour,
            int(found["minute"] or 0),
            int(found["second"] or 0),
        )
    except ValueError:
        return None


# -- URLs ------------------------------------------------------------------------------------


def clean_url(value: Any, name: str, report: _Report) -> str:
    """An absolute http(s) URL, or "" (with a warning) for anything else."""
    if type(value) is str and _LINKABLE_URL.fullmatch(value):
        return value  # url_problem finds nothing in it, and escape_url would change nothing
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        report(name, f"must be a URL, not {_kind(value)}; ignored")
        return ""
    url = value.strip()
    reason = url_problem(url)
    if reason:
        report(name, f'"{_short(url)}" {reason}; ignored')
        return ""
    return escape_url(url)


def url_problem(url: str) -> str:
    """Why ``url`` cannot be linked to, or "" when it is a plain absolute http(s) URL."""
    if _PLAIN_URL.fullmatch(url):
        return ""
    if _BAD_URL_CHAR.search(url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    if not parts.hostname or "\\" in url:
        return "has no valid host"
    return ""


@functools.lru_cache(maxsize=1 << 14)  # related entries name the same sites over and over
def provider_from_url(url: str) -> Provider | None:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return Provider(host, host, slugify(host)) if host else None


# -- structured fields -----------------------------------------------------------------------


# (name, domain) as a feed wrote them -> the Provider they make without any problem. A few
# hundred providers are named on every article and in its related entries.
_PROVIDERS: dict[tuple[str | None, str | None], Provider] = {}
_MAX_REMEMBERED = 50_000


def _provider(value: Any, name: str, report: _Report) -> Provider | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        report(name, f"must be a mapping with name and domain, not {_kind(value)}; ignored")
        return None
    key = (pname, domain) = (value.get("name"), value.get("domain"))
    if not (pname is None or type(pname) is str) or not (domain is None or type(domain) is str):
        return _new_provider(value, name, report)
    found = _PROVIDERS.get(key)
    if found is None:
        before = len(report.problems)
        found = _new_provider(value, name, report)
        if found is None or len(report.problems) > before:
            return found
        if len(_PROVIDERS) < _MAX_REMEMBERED:
            _PROVIDERS[key] = found
    return found


def _new_provider(value: dict[str, Any], name: str, report: _Report) -> Provider | None:
    pname = clean_text(value.get("name"), f"{name}.name", report)
    domain = _domain(clean_text(value.get("domain"), f"{name}.domain", report), name, report)
    if not (pname or domain):
        report(name, "has neither a name nor a domain; ignored")
        return None
    shown = pname or domain
    return Provider(shown, domain, slugify(shown))


def _domain(text: str, name: str, report: _Report) -> str:
    """A provider's host name. Feeds write "govtech.com", "www.GovTech.com" or a whole URL;
    anything that is no host name is dropped, as it becomes a link in feeds."""
    if not text:
        return ""
    try:
        host = (urlsplit(text).hostname or "") if "://" in text else text.split("/", 1)[0]
        host = host.lower().rstrip(".").removeprefix("www.")
        # An ASCII name is its own IDNA form (the codec only checks its label lengths, as
        # _HOST_NAME does): its import (0.001 s) only for the others.
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):  # a broken URL, or a label idna cannot encode
        host = ascii_host = ""
    if not _HOST_NAME.fullmatch(ascii_host):
        report(f"{name}.domain", f"{_describe(text)} is not a domain name; ignored")
        return ""
    return host


def _topics(value: Any, report: _Report, limit: int = MAX_TOPICS) -> tuple[Topic, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")  # "AI, Climate" is a common feed shortcut
    if not isinstance(value, list):
        report("topics", f"must be a list of names, not {_kind(value)}; ignored")
        return ()
    if len(value) > limit:
        report("topics", f"has {len(value)} entries; only the first {limit} are kept (max_topics)")
        value = value[:limit]
    topics: dict[str, Topic] = {}
    for i, item in enumerate(value):
        if type(item) is str:
            key, topic = _topic(item)
        else:
            name = clean_text(item, f"topics[{i}]", report)
            key, topic = merge_key(name), Topic(name, slugify(name))
        if topic.name:
            topics.setdefault(key, topic)
    return tuple(topics.values())


# Topic names recur on thousands of articles: each is cleaned once (the text is all the
# cleaning reads, and text never makes a problem).
@functools.lru_cache(maxsize=1 << 14)
def _topic(text: str) -> tuple[str, Topic]:
    name = fix_text(text)
    return merge_key(name), Topic(name, slugify(name))


def _images(
    value: Any, name: str, alt: str, report: _Report, limit: int = MAX_IMAGES
) -> tuple[Image, ...]:
    items = _list_of_mappings(value, name, report, limit, "max_images")
    images = []
    for i, item in items:
        # (As _related: the usual values taken at once, the others normalized.)
        url = item.get("url")
        if type(url) is not str or not _LINKABLE_URL.fullmatch(url):
            url = clean_url(url, f"{name}[{i}].url", report)
            if not url:
                continue
        width = item.get("width")
        if type(width) is not int or not 0 < width <= _MAX_PIXELS:
            width = _dimension(width, f"{name}[{i}].width", report)
        height = item.get("height")
        if type(height) is not int or not 0 < height <= _MAX_PIXELS:
            height = _dimension(height, f"{name}[{i}].height", report)
        text = fix_text(str(item.get("alt") or item.get("title") or "")) or alt
        images.append(made(Image, {"url": url, "width": width, "height": height, "alt": text}))
    return tuple(images)


def _related(
    value: Any, tz: ZoneInfo, report: _Report, limit: int = MAX_RELATED
) -> tuple[RelatedLink, ...]:
    links = []
    # Each value as feeds write it (text, a URL kept as it is, a UTC date) is taken at once;
    # any other goes to its field's normalizer, with the field's name for a problem.
    for i, item in _list_of_mappings(value, "related", report, limit, "max_related"):
        at = f"related[{i}]"
        title = item.get("title")
        title = fix_text(title) if type(title) is str else clean_text(title, f"{at}.title", report)
        # (An entry names a few of the URL fields: the others need no name for a problem.)
        urls = [
            ""
            if (url := item.get(n)) is None
            else url
            if type(url) is str and _LINKABLE_URL.fullmatch(url)
            else clean_url(url, f"{at}.{n}", report)
            for n in URL_FIELDS
        ]
        known = tuple(dict.fromkeys(filter(None, urls)))
        if not title and not known:
            report(at, "has neither a title nor a URL; ignored")
            continue
        provider = _provider(item.get("provider"), f"{at}.provider", report)
        main = urls[0] or urls[1]
        if provider is None and main:
            provider = provider_from_url(main)
        published = item.get("publishedDateTime")
        if type(published) is not datetime or published.tzinfo is not UTC:
            published = to_datetime(published, f"{at}.publishedDateTime", tz, report)
        excerpt = item.get("excerpt")
        if excerpt is not None:
            excerpt = (
                fix_text(excerpt)
                if type(excerpt) is str
                else clean_text(excerpt, f"{at}.excerpt", report)
            )
        link = {
            "title": title or _short(main),
            "url": main,
            "urls": known,
            "provider": provider,
            "published": published,
            "excerpt": excerpt or "",
        }
        links.append(made(RelatedLink, link))
    return tuple(links)


def _list_of_mappings(
    value: Any, name: str, report: _Report, limit: int, setting: str
) -> list[tuple[int, dict[str, Any]]]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        report(name, f"must be a list, not {_kind(value)}; ignored")
        return []
    if len(value) > limit:
        report(name, f"has {len(value)} entries; only the first {limit} are kept ({setting})")
        value = value[:limit]
    items = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            items.append((i, item))
        else:
            report(f"{name}[{i}]", f"must be a mapping, not {_kind(item)}; ignored")
    return items


# -- numbers and flags -----------------------------------------------------------------------


def to_int(value: Any, name: str, report: _Report) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    report(name, f"must be a whole number, not {_describe(value)}; ignored")
    return None


_MAX_PIXELS = 100_000


def _dimension(value: Any, name: str, report: _Report) -> int | None:
    number = to_int(value, name, report)
    if number is not None and not 0 < number <= _MAX_PIXELS:
        report(name, f"{number} is not a size in pixels; ignored")
        return None
    return number


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _published(value: Any, report: _Report) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    report("published", f"must be true or false, not {_describe(value)}; treated as a draft")
    return False


@functools.cache
def _text_cleaner() -> Any:
    return _cleaner(tags=set())


def _cleaner(**settings: Any) -> Any:
    """nh3's sanitizer with ``settings``, to be made once: ``nh3.clean`` builds a new one
    from its arguments on every call, which costs more than cleaning a title."""
    import nh3

    if not hasattr(nh3, "Cleaner"):  # pragma: no cover - nh3 before 0.2.19
        return functools.partial(nh3.clean, **settings)
    return nh3.Cleaner(**settings).clean


# -- body ------------------------------------------------------------------------------------


def _new_markdown() -> Any:
    import importlib

    import markdown  # imported on first use: slow, and most digests have no body
    from markdown.extensions import extra

    # "extra", "sane_lists" and "smarty", as instances: Markdown looks a name up among the
    # installed packages' entry points first (importlib.metadata reads every package's
    # metadata: 25 ms of an edit build's parse of one file).
    names = [*extra.extensions, "sane_lists", "smarty"]
    modules = [importlib.import_module(f"markdown.extensions.{name}") for name in names]
    extensions = [module.makeExtension() for module in modules]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    for name in ("inline", "smarty"):
        if name in md.treeprocessors:
            _skip_plain_text(md.treeprocessors[name])
    _skip_when_absent(md)
    _skip_plain_whitespace(md)
    _gate_block_processors(md)
    md.is_block_level = _BlockLevel(md.is_block_level).__getitem__  # type: ignore[method-assign,assignment]
    from markdown.serializers import to_html_string

    quick = _html_serializer()
    if md.serializer is to_html_string and quick is not None:
        md.serializer = quick
    return md


class _Unusual(Exception):
    """A tree the quick serializer leaves to Markdown's."""


def _html_serializer() -> Callable[[Any], str] | None:
    """Markdown's HTML serializer (``markdown.serializers.to_html_string``), written as a
    recursive walk with each tag's start and end remembered: Markdown's makes four stack
    entries and three f-strings an element. A tree with anything but string tags,
    attributes and texts (comments, processing instructions, QNames), or too deep to walk,
    goes to Markdown's. None for a Markdown whose serializer writes otherwise (earlier ones
    wrote any attribute whose value is its name without the value)."""
    from xml.etree.ElementTree import HTML_EMPTY

    from markdown import serializers

    to_html_string = serializers.to_html_string
    boolean = getattr(serializers, "BOOLEAN_ATTRIBUTES", {}).get("html")
    _escape_attrib_html = getattr(serializers, "_escape_attrib_html", None)
    _escape_cdata = getattr(serializers, "_escape_cdata", None)
    if boolean is None or _escape_attrib_html is None or _escape_cdata is None:
        return None
    # Tag -> its start tag, its end tag ("" for a void element) and whether its text is
    # written as it is (script and style).
    parts_of: dict[str, tuple[str, str, bool]] = {}

    def parts(tag: str) -> tuple[str, str, bool]:
        lower = tag.lower()
        end = "" if lower in HTML_EMPTY else f"</{tag}>"
        found = (f"<{tag}>", end, lower in ("script", "style"))
        if len(parts_of) < 1024:  # raw HTML in md_in_html may name any tag
            parts_of[tag] = found
        return found

    def escaped(text: Any) -> str:
        if not isinstance(text, str):
            raise _Unusual
        if "&" in text or "<" in text or ">" in text:
            return str(_escape_cdata(text))
        return text

    def attributes(attrib: dict[Any, Any]) -> str:
        written = []
        for name, value in sorted(attrib.items()):
            if name.__class__ is not str or (value is not None and value.__class__ is not str):
                raise _Unusual
            if value is None:
                written.append(f" {name}")
                continue
            value = _escape_attrib_html(value)
            if name == value and name in boolean:
                written.append(f" {value}")
            else:
                written.append(f' {name}="{value}"')
        return "".join(written)

    def write_element(element: Any, write: Callable[[str], Any]) -> None:
        tag = element.tag
        if tag.__class__ is not str:
            raise _Unusual
        start, end, raw = parts_of.get(tag) or parts(tag)
        write(f"<{tag}{attributes(element.attrib)}>" if element.attrib else start)
        text = element.text
        if text:
            write(text if raw else escaped(text))
        for child in element:
            write_element(child, write)
        if end:
            write(end)
        tail = element.tail
        if tail:
            write(escaped(tail))

    def to_html(root: Any) -> str:
        out: list[str] = []
        try:
            write_element(root, out.append)
        except (_Unusual, RecursionError):
            return str(to_html_string(root))
        return "".join(out)

    sample = _serializer_sample()
    try:
        same = to_html(sample) == to_html_string(sample)
    except Exception:  # (a Markdown whose serializer refuses part of the sample: its own)
        return None
    return to_html if same else None


def _serializer_sample() -> Any:
    """A tree with what serializers write in different ways: void elements (holding text),
    raw text, entities, boolean and valueless attributes, tags in capitals."""
    from xml.etree.ElementTree import Element, SubElement

    root = Element("div")
    root.text = "a & b &amp; <c> "
    SubElement(root, "BR", {"hidden": "hidden", "title": 'x"&y'}).tail = "t"
    valueless: dict[str, Any] = {"checked": "x", "id": "id", "open": None}
    SubElement(root, "hr", valueless).text = "in"
    SubElement(root, "script").text = "1 < 2 && x"
    SubElement(SubElement(root, "p"), "img", {"src": "/i?a=1&b=2"}).tail = "\n"
    return root


class _BlockLevel(dict[Any, bool]):
    """Markdown's ``is_block_level`` remembered by tag, as a dict whose lookup is its
    ``__getitem__``: a tag met before costs no Python frame (the prettifier asks for every
    element, and Markdown's answer scans a list of fifty names). Its answer depends on the
    tag and on Markdown's list of block-level names, which extensions fill when it is made."""

    def __init__(self, is_block_level: Callable[[Any], bool]) -> None:
        super().__init__()
        self.is_block_level = is_block_level

    def __missing__(self, tag: Any) -> bool:
        answer = self.is_block_level(tag)
        if len(self) < 1024:  # raw HTML may name any tag: the ones met first are kept
            self[tag] = answer
        return answer


# Tree processors that change nothing in a document whose source holds none of these texts
# (looked for with "in": a regex search tries every position): each walks the whole tree,
# looking for one in every text. Markdown makes no text holding them that its source did
# not (escapes and entities stay as they were written; an escaped character, which
# unescape restores, is only ever made from a backslash).
_TREE_NEEDS = {"attr_list": ("{",), "smarty": ("...", "--", "'", '"'), "unescape": ("\\",)}
# Preprocessors that give back the lines they were given for such a source: the HTML
# parser that stores raw HTML away finds no tag without a "<" and keeps entities as they
# are, but for a character reference, which it writes again with its ";" ("&#1" becomes
# "&#1;"); a fenced code block starts with its fence.
_PRE_NEEDS = {"html_block": ("<", "&#"), "fenced_code_block": ("```", "~~~")}
# Block processors that let every block of such a source pass (their test is false, or their
# run gives False), with the texts one of which they need (looked for with "in", as above):
# each block is a part of the source, less list and quote markers and indents (tabs become
# spaces first), unless _STASHED. A table's rows hold "|"; a definition starts ": ";
# footnotes "[^", abbreviations "*[", link references "]:"; a quote ">"; a header "#"; code
# and indented list content start with four spaces; HTML that Markdown is parsed in was
# stashed from a "<" by html_block. Every processor is tried on every block in turn, most
# with a regex search over all of it.
# Raw HTML and fenced code are stashed away by preprocessors, which leave blocks that are
# not parts of the source (four spaces where "&amp; &lt;" stood): then every one is tried.
_STASHED = ("<", "```", "~~~")
_INDENT = ("    ", "\t")
_BLOCK_NEEDS = {
    "table": ("|",),
    "deflist": (": ", ":\t"),
    "footnote": ("[^",),
    "abbr": ("*[",),
    "reference": ("]:",),
    "quote": (">",),
    "hashheader": ("#",),
    "indent": _INDENT,
    "defindent": _INDENT,
    "code": _INDENT,
    "markdown_block": ("<",),
}

# Block processors whose regex, tried on a block, needs one of these texts in the block itself
# (a search over all of it costs 80 to 200 instructions a character: more than the rest of
# the parser): checked on each block, as a source holding one (a "#" in one heading, a "*["
# in "*[a link](...)*") has every block tried. Tests that are false without them...
_BLOCK_TEST_NEEDS = {
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),  # the block's second line is = or -
    "hr": ("-", "_", "*"),
    "quote": (">",),
    "table": ("|",),  # a table's first row (its test sets state only a run after it reads)
    "deflist": (": ",),
}
# ... and runs that give False and leave the blocks as they were without them (they pop the
# block and put it back).
_BLOCK_RUN_NEEDS = {"abbr": "*[", "footnote": "[^", "reference": "]:"}


def _gate_block_processors(md: Any) -> None:
    """Make each of Markdown's own block processors of ``_BLOCK_TEST_NEEDS`` and
    ``_BLOCK_RUN_NEEDS`` try its regex only on a block holding one of its texts."""
    registry = md.parser.blockprocessors

    def own(name: str) -> Any:
        if name not in registry:  # a Registry: no get()
            return None
        processor = registry[name]
        return processor if type(processor).__module__.startswith("markdown.") else None

    for name, needs in _BLOCK_TEST_NEEDS.items():
        if processor := own(name):
            processor.test = _gated_test(processor.test, needs)
    for name, need in _BLOCK_RUN_NEEDS.items():
        if processor := own(name):
            processor.run = _gated_run(processor.run, need)


def _gated_test(test: Callable[[Any, str], Any], needs: tuple[str, ...]) -> Any:
    """``test(parent, block)`` when the block holds one of ``needs``, else False."""
    if len(needs) == 1:
        (need,) = needs

        def gated_one(parent: Any, block: str) -> Any:
            return need in block and test(parent, block)

        return gated_one

    def gated_any(parent: Any, block: str) -> Any:
        return any(map(block.__contains__, needs)) and test(parent, block)

    return gated_any


def _gated_run(run: Callable[[Any, list[str]], Any], need: str) -> Any:
    """``run(parent, blocks)`` when the first block holds ``need``, else False."""

    def gated_run(parent: Any, blocks: list[str]) -> Any:
        return need in blocks[0] and run(parent, blocks)

    return gated_run


def _skip_when_absent(md: Any) -> None:
    """Make ``md`` skip each of ``_TREE_NEEDS`` and ``_PRE_NEEDS`` for a source holding none
    of its text. Only for Markdown's own processors of those names: any other keeps
    running."""
    source = [""]
    convert = md.convert

    set_block_processors = _block_processors_for_source(md)

    def convert_noting_source(text: str) -> str:
        source[0] = text
        set_block_processors(text)
        return str(convert(text))

    md.convert = convert_noting_source
    for registry, needs_of, unchanged in (
        (md.treeprocessors, _TREE_NEEDS, lambda root: None),  # None: the tree as it was
        (md.preprocessors, _PRE_NEEDS, lambda lines: lines),
    ):
        for name, needs in needs_of.items():
            if name not in registry:  # a Registry: no get()
                continue
            processor = registry[name]
            if not type(processor).__module__.startswith("markdown."):
                continue
            run = processor.run

            def run_if_needed(
                given: Any, run: Any = run, needs: Any = needs, unchanged: Any = unchanged
            ) -> Any:
                text = source[0]
                return run(given) if any(map(text.__contains__, needs)) else unchanged(given)

            processor.run = run_if_needed


# NormalizeWhitespace joins the lines, drops STX and ETX, ends every line with "\n", expands
# tabs, adds two line ends and empties the lines of spaces only after the first line: each
# needs one of these (the last a space before a line end, or at the end, before the two
# added), and without them only the two empty lines at the end are new (the lines are the
# source's, split at "\n", when it runs first). Its regex search, a lookbehind tried at
# every position, cost as much as the rest of the preprocessors.
_WHITESPACE_NEEDS = ("\r", "\x02", "\x03", "\t", " \n")


def _skip_plain_whitespace(md: Any) -> None:
    """Make ``md``'s whitespace preprocessor (Markdown's own only, and only when it runs
    first) give the lines with two empty ones after them for a text holding none of
    ``_WHITESPACE_NEEDS``."""
    from markdown.preprocessors import NormalizeWhitespace

    if "normalize_whitespace" not in md.preprocessors:
        return
    processor = md.preprocessors["normalize_whitespace"]
    if type(processor) is not NormalizeWhitespace or next(iter(md.preprocessors)) is not processor:
        return
    run = processor.run

    def run_if_needed(lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if text.endswith(" ") or any(map(text.__contains__, _WHITESPACE_NEEDS)):
            return run(lines)
        return [*lines, "", ""]

    processor.run = run_if_needed  # type: ignore[method-assign]


def _block_processors_for_source(md: Any) -> Callable[[str], None]:
    """A function that, given a source, makes ``md``'s block parser try only the block
    processors the source can use: each of ``_BLOCK_NEEDS`` whose texts it holds none of
    (only Markdown's own processors of those names) lets every block pass, so the parser's
    loop leaves it out. Markdown's processors are fixed once it is made."""
    from markdown.util import Registry

    registry = md.parser.blockprocessors
    needs_of = {
        name: needs
        for name, needs in _BLOCK_NEEDS.items()
        if name in registry and type(registry[name]).__module__.startswith("markdown.")
    }
    texts = tuple(dict.fromkeys([*_STASHED, *(n for needs in needs_of.values() for n in needs)]))
    # The texts a source holds -> the processors it can use, in the registry's order.
    usable_for: dict[frozenset[str], list[Any]] = {}
    listed: list[list[Any]] = [list(Registry.__iter__(registry))]

    class ListedRegistry(type(registry)):  # type: ignore[misc]
        # The parser's loop iterates its registry once per block: it gets the list made
        # for the source (a Registry sorts and lists its items anew on every iteration).
        def __iter__(self) -> Any:
            return iter(listed[0])

    registry.__class__ = ListedRegistry

    def usable(held: frozenset[str]) -> list[Any]:
        stashed = not held.isdisjoint(_STASHED)
        own = {id(registry[name]): needs for name, needs in needs_of.items()}
        return [
            processor
            for processor in Registry.__iter__(registry)
            if stashed or id(processor) not in own or not held.isdisjoint(own[id(processor)])
        ]

    def set_processors(text: str) -> None:
        held = frozenset(filter(text.__contains__, texts))  # a C loop: no Python frame
        found = usable_for.get(held)
        if found is None:
            found = usable_for[held] = usable(held)
        listed[0] = found

    return set_processors


# What each inline pattern needs in a text to match at all: texts one of which every match
# of the pattern holds (looked for with "in": a regex search, even for a set of characters,
# costs 50 to 250 instructions a character of the text). Inline processing tries every
# pattern on every run of text, which was most of the cost of a body; a run holding none of
# these comes out as it went in.
_INLINE_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    **dict.fromkeys(["reference", "link", "short_reference"], ("[",)),
    **dict.fromkeys(["image_link", "image_reference", "short_image_ref"], ("![",)),
    **dict.fromkeys(["autolink", "automail", "html"], ("<",)),
    "linebreak": ("  \n",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
    "smarty-ellipses": ("...",),
    "smarty-en-dashes": ("--",),
    "smarty-em-dashes": ("---",),
    # The quotes: each pattern's quote characters, in the order it names them.
    **{f"smarty-quotes-{i}": ("'",) for i in (0, 6, 7, 8, 9, 10)},
    **{f"smarty-quotes-{i}": ('"',) for i in (1, 11, 12, 13, 14)},
    **{f"smarty-quotes-{i}": ("\"'",) for i in (2, 5)},
    **{f"smarty-quotes-{i}": ("'\"",) for i in (3, 4)},
}


# The patterns of links and images by reference ("[text][id]", "[id]", "![alt][id]").
_BY_REFERENCE = frozenset(["reference", "short_reference", "image_reference", "short_image_ref"])


# The InlineProcessor methods and attribute _skip_plain_text takes over (private names: a
# Markdown without them keeps its own way).
_INLINE_PRIVATE = (
    "_InlineProcessor__applyPattern",
    "_InlineProcessor__handleInline",
    "_InlineProcessor__processPlaceholders",
    "_InlineProcessor__placeholder_prefix",
)


def _skip_plain_text(processor: Any) -> None:
    """Make ``processor`` (a Python-Markdown InlineProcessor) try on a run of text only the
    patterns that can match it: one whose text is not in the run is a miss, as trying it
    would be; a run in which none matched is joined to its element without a search for
    placeholders. Only when every registered pattern is one of ``_INLINE_NEEDS``: any other
    (a newer Markdown's) keeps the full search."""
    patterns = processor.inlinePatterns
    names = [name for name in _INLINE_NEEDS if name in patterns]
    if len(names) != len(patterns) or not all(hasattr(processor, n) for n in _INLINE_PRIVATE):
        return
    # The smarty quotes' texts go by each pattern's place in the extension's list: a Markdown
    # whose pattern there does not hold them (ordered otherwise) keeps the full search.
    for name in names:
        if name.startswith("smarty-quotes-"):
            regex = getattr(getattr(patterns[name], "compiled_re", None), "pattern", "")
            if not all(text in regex for text in _INLINE_NEEDS[name]):
                return
    every = dict.fromkeys(text for name in names for text in _INLINE_NEEDS[name])
    # A run holding "[^" holds "[": the shorter is enough to know whether any can match.
    texts = tuple(t for t in every if not any(u != t and u in t for u in every))
    # In the order InlineProcessor.__handleInline tries them (by index in the registry).
    names.sort(key=patterns.get_index_for_name)
    tried = [patterns[name] for name in names]
    needs = [_INLINE_NEEDS[name] for name in names]
    # A reference to no defined link is passed over, the text left as it was: with no
    # references defined, those patterns change nothing.
    needs_unreferenced = [() if n in _BY_REFERENCE else _INLINE_NEEDS[n] for n in names]
    md = processor.md
    count = len(tried)
    apply = processor._InlineProcessor__applyPattern
    from markdown.util import AtomicString  # text no pattern is tried on

    def handle_inline(data: str, pattern_index: int = 0) -> str:
        # InlineProcessor.__handleInline, skipping the patterns that cannot match: a
        # pattern that does not match returns the data as it was, "no match" and index 0.
        if isinstance(data, AtomicString) or not any(map(data.__contains__, texts)):
            return data
        start = 0
        needed = needs if md.references else needs_unreferenced
        while pattern_index < count:
            if not any(map(data.__contains__, needed[pattern_index])):
                pattern_index += 1
                start = 0
                continue
            data, matched, start = apply(tried[pattern_index], data, pattern_index, start)
            if not matched:
                pattern_index += 1
        return data

    processor._InlineProcessor__handleInline = handle_inline
    process = processor._InlineProcessor__processPlaceholders
    placeholder = processor._InlineProcessor__placeholder_prefix

    def process_placeholders(data: Any, parent: Any, is_text: bool = True) -> Any:
        # InlineProcessor.__processPlaceholders, for a text holding no placeholder (no
        # pattern matched in it): the text is joined to the parent's text (or tail), and
        # no element is made.
        if type(data) is not str or not data or placeholder in data:
            return process(data, parent, is_text)
        if is_text:
            parent.text = parent.text + data if parent.text else data
        else:
            parent.tail = parent.tail + data if parent.tail else data
        return []

    processor._InlineProcessor__processPlaceholders = process_placeholders


# One parser, reused (building one is slow), made on first use; replaced after a failure,
# which leaves it broken.
_MARKDOWN: list[Any] = []


# Attributes browsers follow or fetch: checked in every body, before and after sanitizing.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "cite", "srcset", "action", "formaction", "poster", "background"}
    | {"longdesc", "data", "xlink:href", "ping", "manifest", "codebase", "archive"}
)
# Control characters are invalid in HTML and XML; tabs and line ends are kept.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Those of them that are ASCII, as bytes: bytes.translate finds them in C a few instructions
# a character, where the regex's character class takes fifty.
_ASCII_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Whitespace (\s is str.isspace's) and C0 and C1 controls: no link in a body may hold them.
_URL_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
# Python-Markdown's link patterns take super-linear time on long runs of unmatched brackets
# (2,000 "[" take seconds); a block with more than this many is shown with them escaped.
MAX_BRACKETS_PER_BLOCK = 200


def body_url_problem(url: str) -> str:
    """Why a link in a body cannot be kept: only http(s) URLs and site-relative links are."""
    if _URL_SPACE_OR_CONTROL.search(url):
        return "contains spaces or control characters"
    if "\\" in url:
        return "contains a backslash"
    if url.startswith("//"):
        return "is protocol-relative (starts with //)"
    return url_problem(url) if _SCHEME.match(url) else ""


def _keep_body_url(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: drop any URL attribute that is not plainly safe (and escape
    what a URL may not hold), and any value HTML does not allow (``colspan="0"``)."""
    if attribute in URL_ATTRIBUTES:
        return None if body_url_problem(value) else escape_url(value)
    return value if valid_attribute_value(attribute, value) else None


class _UrlCollector(HTMLParser):
    """Every URL-valued attribute in an HTML fragment, with entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(v for k, v in attrs if k in URL_ATTRIBUTES and v is not None)


# A tag as nh3 writes it (every attribute as name="value"; a "<" in text is written &lt;),
# and one attribute in it.
_CLEAN_TAG = re.compile(r'<[a-zA-Z][\w:-]*((?:\s[\w:-]+(?:="[^"]*")?)*)\s*/?>')
_CLEAN_ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')
# The same tag with one attribute or more: it finds the attributes _CLEAN_TAG finds (a tag
# without any holds no "<" where another could start), with no empty match for every other
# tag of the fragment.
_CLEAN_TAG_WITH_ATTRIBUTES = re.compile(r'<[a-zA-Z][\w:-]*((?:\s[\w:-]+(?:="[^"]*")?)+)\s*/?>')


def _urls_in_clean(fragment: str) -> list[str]:
    """``_urls_in`` for nh3's output, whose one canonical form a regex reads exactly (an
    HTML parser in Python was a quarter of the cost of a body)."""
    return [
        html.unescape(value)
        for attributes in _CLEAN_TAG_WITH_ATTRIBUTES.findall(fragment)
        for name, value in _CLEAN_ATTRIBUTE.findall(attributes)
        if name in URL_ATTRIBUTES
    ]


# An end tag as Python-Markdown writes it.
_END_TAG = re.compile(r"</[a-zA-Z][\w:-]*>")


def _urls_in_markdown(fragment: str) -> list[str] | None:
    """``_urls_in`` for Markdown's output of a text holding no "<" (so no raw HTML: every
    tag is the serializer's, attributes as name="value"), or None when some "<" in it is
    not such a tag. Names are lower-cased, as the HTML parser does."""
    tags = _CLEAN_TAG.findall(fragment)
    if len(tags) + len(_END_TAG.findall(fragment)) != fragment.count("<"):
        return None
    return [
        html.unescape(value)
        for attributes in tags
        if attributes  # most tags have none
        for name, value in _CLEAN_ATTRIBUTE.findall(attributes)
        if name.lower() in URL_ATTRIBUTES
    ]


def _urls_in(fragment: str) -> list[str]:
    collector = _UrlCollector()
    collector.feed(fragment)
    collector.close()
    return collector.urls


def sanitize_body(body: str, link_rel: str = "noopener noreferrer") -> tuple[str, list[str]]:
    """Markdown to sanitized HTML, and a message for every link or image that was removed.

    Content may carry any HTML: only allowlisted tags and attributes survive, and URLs only
    when http(s) or site-relative. Links found before sanitizing but not after are reported.
    """
    if not body.strip():
        return "", []
    notes: list[str] = []
    text = _escape_bracket_runs(_without_controls(body), notes)
    if not _MARKDOWN:
        _MARKDOWN.append(_new_markdown())
    try:
        rendered = _MARKDOWN[0].reset().convert(text)
    except Exception as exc:
        # A parse that failed midway leaves state behind (reset() does not clear an open
        # list), which would garble every later body: start again with a fresh converter.
        _MARKDOWN[0] = _new_markdown()
        if not isinstance(exc, RecursionError):  # Markdown recurses per nesting level
            raise
        return "", [*notes, "is nested too deeply to render; left out"]
    clean = _body_cleaner(link_rel)(rendered).strip()
    if "=" not in rendered:  # no attributes at all, so no links to compare
        return fix_structure(clean), notes
    clean = fix_structure(_drop_empty_links(clean))
    kept = set(_urls_in_clean(clean))
    found = _urls_in_markdown(rendered) if "<" not in text else None
    for url in dict.fromkeys(_urls_in(rendered) if found is None else found):
        if url not in kept and escape_url(url) not in kept:
            why = body_url_problem(url) or "is in an element that is not allowed"
            notes.append(f'link "{_short(url)}" {why}; removed')
    return clean, notes


# nh3 writes tags in one canonical form (lower case, attributes in double quotes), so these
# find a link or a picture whose URL was removed: a link without href is kept as its text
# (its rel alone is invalid), a picture without src is dropped.
_LINK_WITHOUT_HREF = re.compile(r'<a((?:\s(?!href=)[\w:-]+="[^"]*")*)>(.*?)</a>', re.DOTALL)
_IMAGE_WITHOUT_SRC = re.compile(r'<img(?:\s(?!src=)[\w:-]+="[^"]*")*>')


@functools.cache
def _body_cleaner(link_rel: str) -> Any:
    return _cleaner(
        tags=set(BODY_TAGS),
        attributes=BODY_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel=link_rel,
        attribute_filter=_keep_body_url,
    )


def _drop_empty_links(html_text: str) -> str:
    # Neither regex can match when every link starts with its href and every picture with
    # its src (nh3 keeps attributes in their order): counting, in C, tells.
    if html_text.count("<a") != html_text.count('<a href="'):
        html_text = _LINK_WITHOUT_HREF.sub(r"\2", html_text)
    if html_text.count("<img") != html_text.count('<img src="'):
        html_text = _IMAGE_WITHOUT_SRC.sub("", html_text)
    return html_text


def render_body(body: str, link_rel: str = "noopener noreferrer") -> str:
    """Markdown to HTML, then sanitized: content may carry any HTML, only safe tags survive."""
    return sanitize_body(body, link_rel)[0]


def _body(doc: SourceDoc, report: _Report, sanitized: tuple[str, list[str]]) -> str:
    """The sanitized body (sanitize_body's), its notes reported at their lines."""
    clean, notes = sanitized
    for note in notes:
        start = note.find('"') + 1
        at = doc.body.find(note[start : note.find('"', start)]) if start else -1
        line = doc.body_line + (doc.body.count("\n", 0, at) if at >= 0 else 0)
        report.problems.append(problem(doc.path, line, "body", note))
    return clean


def _without_controls(body: str) -> str:
    if body.isascii():
        raw = body.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROL)) == len(raw):
            return body
    return _BODY_CONTROL.sub("", body)


def _escape_bracket_runs(body: str, notes: list[str]) -> str:
    if body.count("[") <= MAX_BRACKETS_PER_BLOCK:  # then no block has more
        return body
    blocks = body.split("\n\n")
    if all(b.count("[") <= MAX_BRACKETS_PER_BLOCK for b in blocks):
        return body
    notes.append(
        f"has a paragraph with over {MAX_BRACKETS_PER_BLOCK} '[' characters; "
        "its brackets are shown as text, not links"
    )
    return "\n\n".join(
        b.replace("[", "\\[") if b.count("[") > MAX_BRACKETS_PER_BLOCK else b for b in blocks
    )


# -- messages --------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    names: dict[type, str] = {
        list: "a list",
        dict: "a mapping",
        bool: "true/false",
        int: "a number",
        float: "a number",
        datetime: "a date",
        date: "a date",
        str: "text",
        type(None): "empty",
        bytes: "binary data",
        set: "a set",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _describe(value: Any) -> str:
    """A value as a message shows it: short text quoted, a number as written, else its kind."""
    if isinstance(value, str):
        return f'"{_short(value)}"'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _short(repr(value), 30)
    return _kind(value)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
