"""Stage 1: read content files into SourceDocs. The only stage that reads content from disk."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.model import SourceDoc, made
from sitegen.problems import Problem, problem

if TYPE_CHECKING:
    import yaml

# (path, mtime_ns, size) of one content file: what the build cache compares between builds.
# A file changed this shortly before a scan could change again and keep its mtime (file
# systems stamp times from a coarse clock, some in 2 s steps): the cache checks its bytes.
RACY_NS = 2_000_000_000
SourceStat = tuple[Path, int, int]


@cache
def _loader() -> type:
    """The YAML loader, made on first parse (a no-change build never imports YAML).

    It is libyaml's (C) loader; without libyaml parsing is several times slower, so that is
    said loudly. A date-like value that is no real date ("2020-13-45") stays a string, so
    normalize reports that one field instead of the file being lost."""
    import yaml

    base: type = yaml.CSafeLoader
    if not yaml.__with_libyaml__:  # pragma: no cover - depends on how PyYAML was built
        base = yaml.SafeLoader
        print(
            "sitegen: WARNING: PyYAML was built without libyaml, so reading content will be "
            "several times slower; reinstall PyYAML where libyaml is available",
            file=sys.stderr,
        )

    resolve, scalar = getattr(base, "resolve"), yaml.ScalarNode  # noqa: B009
    collection_tags = {yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}

    class _DigestLoader(base):  # type: ignore[misc]
        # libyaml's composer calls these around every node, for path resolvers; this loader
        # has none, so they do nothing: as builtins, a call costs no Python frame (72 nodes
        # a digest). descend_resolver(parent, index) -> index; ascend_resolver() -> ().
        descend_resolver = staticmethod(dict[Any, Any]().get)
        ascend_resolver = staticmethod(tuple)

        def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return self.construct_scalar(node)

        def construct_yaml_bool(self, node: yaml.ScalarNode) -> Any:
            # YAML 1.2's booleans: only true and false. YAML 1.1 also reads yes, no, on and
            # off, which would turn a headline "No" into a boolean and lose the file.
            text = self.construct_scalar(node)
            return text.lower() == "true" if text.lower() in ("true", "false") else text

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # libyaml asks for the tag of every node. Without path resolvers, PyYAML's
            # answer for a collection is its kind's tag and for a quoted scalar a string;
            # a plain scalar's runs a handful of regexes. A digest repeats its keys and many
            # values (field names, widths, booleans), so short ones are remembered (the tag
            # depends on nothing else here).
            if kind is not scalar:
                return collection_tags[kind]
            if not implicit[0]:
                return _STR
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = _plain_tag(self.yaml_implicit_resolvers, value)
                if tag is None:  # resolvers for any first character: PyYAML's own way
                    tag = resolve(self, kind, value, implicit)
                if len(value) <= 40 and len(_RESOLVED) < 10_000:
                    _RESOLVED[value] = tag
            return tag

    assert not _DigestLoader.yaml_path_resolvers, "resolving here assumes no path resolvers"
    _DigestLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", _DigestLoader.construct_yaml_timestamp
    )
    _DigestLoader.add_constructor("tag:yaml.org,2002:bool", _DigestLoader.construct_yaml_bool)
    return _DigestLoader


# A plain (unquoted) scalar's text -> its tag.
_RESOLVED: dict[str, str] = {}


def _plain_tag(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]], text: str) -> str | None:
    """The tag PyYAML's resolver gives a plain scalar (with no path resolvers): the first of
    the implicit resolvers for its first character whose pattern matches, else a string's;
    None when some resolver is for any first character. (PyYAML's own method adds two lists
    and looks them up on every call: the texts met once, as a digest's dates and hashes,
    each pay that.)"""
    if None in resolvers:
        return None
    if len(text) == 20 and _UTC_SECONDS.fullmatch(text):
        # A digest's dates, different in every file: the float and int patterns tried first
        # cannot match one (a digit run then "-"), the timestamp pattern does.
        return _TIMESTAMP
    for tag, pattern in resolvers.get(text[:1], ()):  # "" for an empty text, as PyYAML's
        if pattern.match(text):
            return tag
    return _STR


@cache
def _handler() -> Any:
    import frontmatter  # imported on first parse: a no-change build never needs it

    return frontmatter.default_handlers.YAMLHandler()


def prepare() -> None:
    """Everything parse_source imports or builds on first use, made now (before a pool of
    workers forks, so that they share it)."""
    _handler()
    _loader()


def find_sources(content_dir: Path) -> list[Path]:
    """Every ``*.md`` file under ``content_dir``, sorted, skipping hidden files and folders."""
    return [path for path, _, _ in stat_sources(content_dir)]


def stat_sources(content_dir: Path) -> list[SourceStat]:
    """Every content file (as find_sources) with its mtime and size, without reading it."""
    return [(Path(path), mtime, size) for path, mtime, size in scan_sources(content_dir)]


def scan_sources(content_dir: Path) -> list[tuple[str, int, int]]:
    """stat_sources with plain string paths: a build with nothing changed compares these
    with the last build's and never needs a Path (making 10,000 of them is slow).

    Folders are walked depth first in name order, which is the order of sorted Paths."""
    from sitegen.nochange import scan  # the one scan: the no-change check repeats it

    return scan(str(content_dir))[0]


def display_path(path: Path, base: Path) -> Path:
    """The path as users know it: relative to ``base`` when below it."""
    try:
        return path.relative_to(base)
    except ValueError:
        return path


def shown_path(key: str, prefix: str) -> Path:
    """display_path(Path(key), base) for a scanned path ``key``, where ``prefix`` is
    base_prefix(base): the text after the prefix parsed alone, without the Path of the
    whole key and its relative_to (a file's paths were ~3% of reading it). A key whose
    text does not start so (a base it is not below, or not spelt as pathlib spells it)
    goes the long way."""
    rest = key[len(prefix) :] if key.startswith(prefix) else ""
    if not rest or rest.startswith(_SEPARATORS):
        return display_path(Path(key), Path(prefix))
    return Path(rest)


_SEPARATORS = tuple({"/", os.sep})


def base_prefix(base: Path) -> str:
    """The text a path below ``base`` starts with, for shown_path."""
    return os.path.join(str(base), "")


def load_file(path: Path, shown: Path, max_bytes: int) -> SourceDoc | Problem:
    """Read one content file: a SourceDoc, or the one Problem that stops it being read."""
    raw = read_source(path, shown, max_bytes)
    return raw if isinstance(raw, Problem) else parse_source(raw, shown)


def read_source(path: Path | str, shown: Path, max_bytes: int) -> bytes | Problem:
    """The bytes of one content file, or the Problem that stops it being read."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            # a pipe or device named *.md would block the build or never end
            return problem(shown, 1, "file", "is not a regular file; skipped", error=True)
        size = st.st_size
        if size > max_bytes:
            return problem(
                shown,
                1,
                "file",
                f"is {size:,} bytes, over the {max_bytes:,}-byte limit (max_file_bytes); skipped",
                error=True,
            )
        with open(path, "rb", buffering=0) as file:  # (no buffer: it is read whole at once)
            return file.read()
    except OSError as exc:
        return problem(shown, 1, "file", f"cannot be read ({exc.strerror})", error=True)


def parse_source(raw: bytes, shown: Path) -> SourceDoc | Problem:
    """Split bytes into frontmatter and body and parse the YAML, keeping each key's line."""
    not_utf8 = None
    try:
        text = _decode(raw)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        try:
            # Old feed tools write Windows-1252 (Latin-1 with curly quotes): read it as such,
            # as browsers do, and say so, rather than lose the digest. Bytes that encoding
            # leaves undefined (all but certain in anything binary) still stop the file.
            text = raw.decode("cp1252")
            not_utf8 = (line, raw[exc.start])
        except UnicodeDecodeError:
            return problem(
                shown,
                line,
                "file",
                f"is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                error=True,
            )
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return problem(shown, line, "file", "contains a NUL character; skipped", error=True)
    if "\r" in text:  # (a search in C, where each replace would scan the text again)
        # Universal newlines, as Python reads text: old Mac tools end lines with a lone CR.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        split = _frontmatter_at(text)
    except ValueError:
        return problem(
            shown,
            1,
            "frontmatter",
            "is not closed: add a '---' line after the fields",
            error=True,
        )
    if split is None:
        return problem(
            shown,
            1,
            "frontmatter",
            "missing: the file must start with a '---' line, "
            "then YAML fields, then another '---' line",
            error=True,
        )
    fm_start, fm_end, body_start = split
    fm = text[fm_start:fm_end]
    import yaml

    # YAML marks count lines from the start of ``fm``; this turns them into file lines.
    offset = text.count("\n", 0, _first_place(text, fm, fm_start)) if fm else 1
    unprintable = None
    try:
        try:
            meta, field_lines, repeated, start = _parse_yaml(fm, offset + 1)
        except yaml.reader.ReaderError:
            # libyaml refuses what _NOT_YAML_PRINTABLE finds (it reads every character before
            # the document can end): the one reader error text can give. So it is searched for
            # only then, and repaired, said, and the frontmatter read again.
            bad = _NOT_YAML_PRINTABLE.search(fm)
            if bad is None:
                raise
            unprintable = (offset + fm.count("\n", 0, bad.start()) + 1, ord(bad.group()))
            fm = _repair_unprintable(fm)
            meta, field_lines, repeated, start = _parse_yaml(fm, offset + 1)
    except yaml.MarkedYAMLError as exc:
        mark, what = exc.problem_mark, exc.problem or exc.context or "syntax error"
        if exc.context_mark and (mark is None or mark.line >= fm.count("\n")):
            # Found only at the end ("unexpected end of stream"): point where it started.
            mark, what = exc.context_mark, f"{exc.context}, {what}" if exc.context else what
        line = offset + (mark.line + 1 if mark else 1)
        return problem(shown, line, "frontmatter", f"is not valid YAML: {what}", error=True)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        what = " ".join(str(exc).split())  # PyYAML's messages span lines; a problem is one
        return problem(shown, offset + 1, "frontmatter", f"is not valid YAML: {what}", error=True)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return problem(
            shown,
            start,
            "frontmatter",
            f"must be a mapping of fields, not a {_yaml_kind(meta)}",
            error=True,
        )
    fields = {  # (SourceDoc's, in its order: see model.made)
        "path": shown,
        "meta": meta,
        "body": text[body_start:],
        "field_lines": field_lines,
        "first_line": start,
        "body_line": text.count("\n", 0, body_start) + 1,
        "repeated": tuple(repeated),
        "not_utf8": not_utf8,
        "unprintable": unprintable,
    }
    return made(SourceDoc, fields)


# What YAML refuses to read (PyYAML's Reader): C0 controls but tab and newlines, DEL, C1
# controls but NEL, surrogates and U+FFFE/U+FFFF. Written as PyYAML's own pattern: re's
# cache then compiles it once for both (7 ms: a class reaching U+10FFFF is slow to compile).
_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _frontmatter_at(text: str) -> tuple[int, int, int] | None:
    """Where python-frontmatter's YAML handler splits ``text``: the frontmatter's start and
    end, and the body's start; None when the handler would not detect frontmatter;
    ValueError when it is not closed.

    The handler's boundary (a line of three or more "-") is matched where the handler
    matches it, but the handler's split searches the frontmatter for the second one
    character by character; only lines starting with "---" can match, so they are the
    places tried."""
    boundary = _handler().FM_BOUNDARY
    opening = boundary.match(text)  # the handler's detect, and its split's first match
    if opening is None:
        return None
    at = text.find("\n---", opening.end() - 1)
    while at >= 0:
        closing = boundary.match(text, at + 1)
        if closing is not None:
            return opening.end(), closing.start(), closing.end()
        at = text.find("\n---", at + 1)
    raise ValueError("no closing boundary")


def _first_place(text: str, part: str, at: int) -> int:
    """``text.find(part)``, given that ``part`` is in ``text`` at ``at``: only the places
    before it are tried (a frontmatter follows its opening line's few characters), where
    find would first study all of ``part`` (a frontmatter: a few thousand characters)."""
    return next((i for i in range(at) if text.startswith(part, i)), at)


def _repair_unprintable(fm: str) -> str:
    """Frontmatter YAML can read, without losing the digest to one stray character.

    Feeds leave C1 controls behind as mojibake (``â€\x9d`` is a UTF-8 closing quote read
    as Latin-1), so each line holding one is first repaired by ftfy; what is left is removed.
    Lines are kept one for one, so every field keeps its line number."""
    import ftfy

    lines = fm.split("\n")
    for i, line in enumerate(lines):
        if _NOT_YAML_PRINTABLE.search(line):
            line = ftfy.fix_text(
                line,
                uncurl_quotes=False,
                fix_character_width=False,
                unescape_html=False,
                fix_line_breaks=False,
            )
            lines[i] = _NOT_YAML_PRINTABLE.sub("", line.replace("\n", " "))
    return "\n".join(lines)


def _decode(raw: bytes) -> str:
    """UTF-8 (a byte order mark is dropped), or UTF-16 when a byte order mark says so."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        with suppress(UnicodeDecodeError):
            return raw.decode("utf-16")
    # What the "utf-8-sig" codec does (an error's place is after the mark too), in C: that
    # codec is Python code around this decode, four times its cost for a digest.
    return (raw[3:] if raw.startswith(_UTF8_BOM) else raw).decode()


_UTF8_BOM = b"\xef\xbb\xbf"


def _parse_yaml(
    text: str, first: int = 1
) -> tuple[Any, dict[str, int], list[tuple[str, int]], int]:
    """Parse once into nodes, take each key's line from them, then build the Python value.

    Returns the value, field name -> line (of the value YAML keeps: the last, for a key
    given twice), the repeated keys with the line of their first use, and the line where
    the document starts; ``text``'s first line is numbered ``first``."""
    import yaml

    loader = _loader()(text)
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int]] = []
    try:
        node = loader.get_single_node()
        value = _read_mapping(loader, node, lines, repeated, first) if "*" not in text else None
        if value is None:  # the long way: anything but a mapping, or aliases
            lines.clear()
            repeated.clear()
            value = _construct(loader, node) if node is not None else None
            if isinstance(node, yaml.MappingNode):
                _collect_lines(node, "", lines, repeated, depth=0, first=first)
    finally:
        loader.dispose()
    start = node.start_mark.line + first if node is not None else first
    return value, lines, repeated, start


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_INT, _BOOL, _NULL, _TIMESTAMP = (
    f"tag:yaml.org,2002:{t}" for t in ("int", "bool", "null", "timestamp")
)
_PLAIN_SCALARS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "null", "timestamp")
)
# A timestamp to the second in UTC ("2019-03-29T17:33:00Z"), the form feeds write.
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_FAST_DEPTH = 16  # deeper documents (never a digest) go the long way, as do their errors


class _LongWay(Exception):
    """The node tree has a shape the quick construction leaves to PyYAML's."""


def _construct(loader: Any, node: yaml.Node) -> Any:
    """The Python value of a document, as ``loader.construct_document`` makes it.

    PyYAML constructs every node through several Python calls, which was a third of the
    cost of reading a digest. Digests are plain mappings, lists and scalars: those are
    built here directly (a string is the node's text; other scalars use the loader's own
    constructors). Anything else (aliases, merge keys, non-string keys, explicit tags, deep
    nesting) is handed to PyYAML whole, so the value, and any error, is PyYAML's."""
    try:
        return _quick(loader, node, set(), 0)
    except _LongWay:
        # As a fresh loader's: a constructor that failed midway leaves its node behind.
        loader.constructed_objects, loader.recursive_objects = {}, {}
        loader.state_generators, loader.deep_construct = [], False
        return loader.construct_document(node)


def _quick(loader: Any, node: Any, seen: set[int], depth: int) -> Any:
    if id(node) in seen or depth > _FAST_DEPTH:  # an alias: PyYAML shares the value
        raise _LongWay
    seen.add(id(node))
    kind, tag = node.id, node.tag
    if kind == "scalar":
        return _scalar(loader, node)
    if kind == "sequence" and tag == _SEQ:
        return [_quick(loader, item, seen, depth + 1) for item in node.value]
    if kind == "mapping" and tag == _MAP:
        mapping = {}
        for key, value in node.value:
            if key.id != "scalar" or key.tag != _STR or id(key) in seen:
                raise _LongWay  # merge keys (<<), numbers, dates, null...
            seen.add(id(key))
            mapping[key.value] = _quick(loader, value, seen, depth + 1)
        return mapping
    raise _LongWay


def _scalar(loader: Any, node: Any) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    # The common scalars, as the loader's constructors make them, without their calls.
    if tag == _NULL:
        return None
    if tag == _BOOL:  # the loader's construct_yaml_bool (YAML 1.2's two booleans)
        low = node.value.lower()
        return low == "true" if low in ("true", "false") else node.value
    if tag == _INT and node.value.isascii() and node.value.isdigit() and node.value[0] != "0":
        return int(node.value)  # no sign, base prefix, octal 0, "_" or ":" to read
    # (Not hour 24: newer Pythons' fromisoformat read it as the next day's midnight, where
    # the loader keeps the text, as for any other hour past 23.)
    if tag == _TIMESTAMP and _UTC_SECONDS.fullmatch(text := node.value) and text[11:13] != "24":
        try:
            # What the loader's construct_yaml_timestamp makes of this form (in UTC), without
            # its regex and group dictionary (digests date themselves and their related
            # links so): one C call reads it. (try, not suppress: a context manager's calls
            # cost more than the reading.)
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # no such day or time: the loader's way keeps the text
    if tag not in _PLAIN_SCALARS:
        raise _LongWay
    try:
        if tag == _TIMESTAMP:  # what construct_object would call, without its bookkeeping
            return loader.construct_yaml_timestamp(node)
        return loader.construct_object(node, deep=True)
    except Exception:
        raise _LongWay from None  # PyYAML's own run reports it


def _read_mapping(
    loader: Any, node: Any, lines: dict[str, int], repeated: list[tuple[str, int]], first: int
) -> dict[str, Any] | None:
    """_construct's value and _collect_lines' lines of a document that is a mapping and has
    no aliases (its text holds no "*"), in one walk; None when it takes the long way."""
    if node is None or node.id != "mapping":
        return None
    try:
        value: dict[str, Any] = _walk(loader, node, "", lines, repeated, 0, first)
    except _LongWay:
        # As a fresh loader's, for the long way (a constructor may have cached its node).
        loader.constructed_objects, loader.recursive_objects = {}, {}
        loader.state_generators, loader.deep_construct = [], False
        return None
    return value


def _walk(
    loader: Any,
    node: Any,
    prefix: str,
    lines: dict[str, int],
    repeated: list[tuple[str, int]],
    depth: int,
    first: int,
) -> Any:
    """_quick and _collect_lines at once (no alias: every node is reached once)."""
    if depth > _FAST_DEPTH:
        raise _LongWay
    kind, tag = node.id, node.tag
    if kind == "scalar":
        return _scalar(loader, node)
    collect = depth <= 4  # as _collect_lines: deeper fields are not part of the format
    below = depth + 1
    quick = below <= _FAST_DEPTH  # a scalar below is read in place
    if kind == "mapping" and tag == _MAP:
        mapping = {}
        for key, item in node.value:
            if key.id != "scalar" or key.tag != _STR:
                raise _LongWay  # merge keys (<<), numbers, dates, null...
            field = name = key.value
            if collect:
                if prefix:
                    name = f"{prefix}.{field}"
                if field in mapping:  # YAML keeps the last value: point messages at it
                    repeated.append((name, lines[name]))
                lines[name] = key.start_mark.line + first
            if quick and item.id == "scalar":
                mapping[field] = item.value if item.tag == _STR else _scalar(loader, item)
            else:
                mapping[field] = _walk(loader, item, name, lines, repeated, below, first)
        return mapping
    if kind == "sequence" and tag == _SEQ:
        items = []
        for i, item in enumerate(node.value):
            name = ""
            if collect:
                name = f"{prefix}[{i}]"
                lines.setdefault(name, item.start_mark.line + first)
            if quick and item.id == "scalar":
                items.append(item.value if item.tag == _STR else _scalar(loader, item))
            else:
                items.append(_walk(loader, item, name, lines, repeated, below, first))
        return items
    raise _LongWay


def _collect_lines(
    node: yaml.Node,
    prefix: str,
    lines: dict[str, int],
    repeated: list[tuple[str, int]],
    depth: int,
    first: int = 1,
) -> None:
    if depth > 4:  # deeper fields are not part of the format
        return
    kind = node.id  # type: ignore[attr-defined]  # "mapping", "sequence" or "scalar"
    if kind == "mapping":
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                continue
            name = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            if name in seen:  # YAML keeps the last value: point messages at it
                repeated.append((name, lines[name]))
            seen.add(name)
            lines[name] = key_node.start_mark.line + first
            if value_node.id != "scalar":
                _collect_lines(value_node, name, lines, repeated, depth + 1, first)
    elif kind == "sequence":
        for i, item in enumerate(node.value):
            name = f"{prefix}[{i}]"
            lines.setdefault(name, item.start_mark.line + first)
            if item.id != "scalar":
                _collect_lines(item, name, lines, repeated, depth + 1, first)


def _yaml_kind(value: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def load_all(content_dir: Path, base: Path, max_bytes: int) -> Iterator[SourceDoc | Problem]:
    for path in find_sources(content_dir):
        yield load_file(path, display_path(path, base), max_bytes)
