"""A reader for the one shape of YAML that digests' frontmatter has, without libyaml.

Reading frontmatter through libyaml cost a third of a cold build's load+normalize: libyaml
calls back into Python for every node (to make it and to resolve its tag). Frontmatter is
nearly always block mappings and lists of keys, quoted strings and one-line plain scalars,
one per line: that subset is read here line by line, giving the same value and the same
lines as load.py's long way (libyaml's nodes, then ``_quick`` and ``_collect_lines``).

Anything outside the subset (flow collections, block scalars, multi-line scalars, comments,
anchors, tags, escapes, tabs, odd keys) returns None and is read the long
way, so every error and every odd value stays exactly libyaml's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Every line: indentation, an optional "- " (a list entry), an optional "key:", the rest
# (an unmatched part is ""). A key is plain ASCII and short (YAML refuses keys over 1,024
# characters).
_LINES = re.compile(
    r"^( *)(-(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_.-]{0,127}):(?: +|$))?(.*)$", re.MULTILINE
)
_DOUBLE = re.compile(r'"([^"\\]*)" *')
_SINGLE = re.compile(r"'((?:[^']|'')*)' *")
# What a plain scalar may not start with (YAML's indicators), or hold anywhere in a line.
_NOT_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")
# Tabs, what YAML refuses to read (controls, surrogates), what it reads as a line break
# (NEL, U+2028, U+2029) and byte order marks: all left to libyaml.
_UNUSUAL = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")
_MAX_DEPTH = 8  # deeper nesting goes the long way
_LINES_DEPTH = 4  # as load._collect_lines: deeper fields are not part of the format

_STR, _INT, _BOOL, _NULL, _TS = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "timestamp")
)
_FLOAT = "tag:yaml.org,2002:float"


class _Unsupported(Exception):
    """The text is outside the subset read here."""


# A line: (indent, line number from 0, column of its content after any "- " or -1 when
# there is no "- ", key or None, the rest of the line).
_Line = tuple[int, int, int, str | None, str]
_END: _Line = (-1, -1, -1, None, "")  # after the last line: ends every block


def parse(
    text: str,
    tags: dict[str, str],
    tag_of: Callable[[str], str],
    construct: Callable[[str, str], Any],
) -> tuple[Any, dict[str, int], list[tuple[str, int]], int] | None:
    """As load._parse_yaml: (value, field lines, repeated keys, start line), or None when
    ``text`` is outside the subset.

    ``tag_of`` is the loader's tag of a plain scalar, and ``tags`` what it remembers of
    them (looked up first: most keys and values recur); ``construct(tag, text)`` is the
    loader's value for a scalar of a tag other than str, null, bool, and plain int and
    timestamp."""
    if _UNUSUAL.search(text):
        return None
    lines = _split(text)
    if lines is None or not lines or lines[0][2] >= 0 or lines[0][3] is None:
        return None
    lines.append(_END)
    reader = _Reader(lines, tags, tag_of, construct)
    try:
        value, end = reader.mapping(0, lines[0][0], None, "", 0, 0)
    except _Unsupported:
        return None
    if end != len(lines) - 1:
        return None
    return value, reader.field_lines, reader.repeated, lines[0][1] + 1


def _split(text: str) -> list[_Line] | None:
    out: list[_Line] = []
    # one match per line (findall in C is most of the speed of this reader)
    for number, (indent, dash, key, rest) in enumerate(_LINES.findall(text)):
        if dash:
            out.append((len(indent), number, len(indent) + len(dash), key or None, rest))
        elif key or rest:
            if rest[:1] == "#":
                return None  # comments go the long way
            out.append((len(indent), number, -1, key or None, rest))
    return out


class _Reader:
    def __init__(
        self,
        lines: list[_Line],
        tags: dict[str, str],
        tag_of: Callable[[str], str],
        construct: Callable[[str, str], Any],
    ) -> None:
        self.lines = lines
        self.tag_of = tag_of
        self.tags = tags
        self.construct = construct
        self.field_lines: dict[str, int] = {}
        self.repeated: list[tuple[str, int]] = []

    def mapping(
        self, i: int, column: int, first: _Line | None, prefix: str, depth: int, nest: int
    ) -> tuple[dict[str, Any], int]:
        """The mapping whose keys sit at ``column``, from line ``i`` (or from ``first``, the
        entry after a "- " on the line before ``i``). Returns it and the next line's index."""
        if nest > _MAX_DEPTH:
            raise _Unsupported
        lines, tags, scalar = self.lines, self.tags, self.scalar
        value: dict[str, Any] = {}
        record = depth <= _LINES_DEPTH
        while True:
            if first is not None:
                line, first = first, None
            else:
                line = lines[i]  # the last line is a sentinel, indented less than any
                if line[0] != column:
                    if line[0] > column:
                        raise _Unsupported  # a continuation, or a stray line
                    return value, i
                if line[2] >= 0 or line[3] is None:
                    raise _Unsupported  # a list after a scalar, a line without a key
                i += 1
            _, number, _, key, rest = line
            assert key is not None
            if (tags.get(key) or self.tag_of(key)) != _STR:
                raise _Unsupported  # "true:", "null:", "1:" are not string keys
            name = f"{prefix}.{key}" if prefix else key
            if record:
                if key in value:  # YAML keeps the last value: messages point at it
                    self.repeated.append((name, self.field_lines[name]))
                self.field_lines[name] = number + 1
            if rest:
                value[key] = scalar(rest)
                continue
            following = lines[i]
            if following[0] > column:
                value[key], i = self.block(i, name, depth + 1, nest + 1)
            elif following[0] == column and following[2] >= 0:
                # a list written at the key's own indentation
                value[key], i = self.sequence(i, column, name, depth + 1, nest + 1, True)
            else:
                value[key] = None

    def sequence(
        self, i: int, column: int, prefix: str, depth: int, nest: int, indentless: bool
    ) -> tuple[list[Any], int]:
        """The list whose "- " sit at ``column``, from line ``i``."""
        if nest > _MAX_DEPTH:
            raise _Unsupported
        lines = self.lines
        items: list[Any] = []
        record = depth <= _LINES_DEPTH
        while lines[i][0] == column and lines[i][2] >= 0:
            line = lines[i]
            _, number, content, key, rest = line
            i += 1
            name = f"{prefix}[{len(items)}]"
            if key is not None:  # "- key: value" starts a mapping on the entry's line
                if record:
                    self.field_lines.setdefault(name, number + 1)
                item, i = self.mapping(i, content, line, name, depth + 1, nest + 1)
            elif rest:
                if record:
                    self.field_lines.setdefault(name, number + 1)
                item = self.scalar(rest)
            elif lines[i][0] > column:  # "-" alone, its value on the next lines
                if record:
                    self.field_lines.setdefault(name, lines[i][1] + 1)
                item, i = self.block(i, name, depth + 1, nest + 1)
            else:
                raise _Unsupported  # an empty entry
            items.append(item)
        if lines[i][0] >= column and not (indentless and lines[i][0] == column):
            raise _Unsupported
        return items, i

    def block(self, i: int, prefix: str, depth: int, nest: int) -> tuple[Any, int]:
        """The mapping or list that starts at line ``i``, indented under its parent."""
        indent, _, content, key, _ = self.lines[i]
        if content >= 0:
            return self.sequence(i, indent, prefix, depth, nest, False)
        if key is not None:
            return self.mapping(i, indent, None, prefix, depth, nest)
        raise _Unsupported  # a scalar on the lines after its key

    def scalar(self, text: str) -> Any:
        first = text[0]
        if first == '"':
            found = _DOUBLE.fullmatch(text)
            if found is None:
                raise _Unsupported  # escapes, or a string over several lines
            return found[1]
        if first == "'":
            found = _SINGLE.fullmatch(text)
            if found is None:
                raise _Unsupported
            return found[1].replace("''", "'")
        if first in _NOT_FIRST or " #" in text or ": " in text:
            raise _Unsupported
        text = text.rstrip(" ")
        if text.endswith(":"):
            raise _Unsupported
        return self.plain(text)

    def plain(self, text: str) -> Any:
        """A plain scalar's value, as load._quick makes it."""
        tag = self.tags.get(text) or self.tag_of(text)
        if tag == _STR:
            return text
        if tag == _NULL:
            return None
        if tag == _BOOL:  # YAML 1.2's two booleans, as the loader's construct_yaml_bool
            low = text.lower()
            return low == "true" if low in ("true", "false") else text
        if tag == _INT and text.isascii() and text.isdigit() and text[0] != "0":
            return int(text)
        if tag == _TS and (found := _TIMESTAMP.fullmatch(text)):
            try:
                year, month, day, hour, minute, second = map(int, found.groups())
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except ValueError:
                return text  # as the loader: a date-like value that is no date stays text
        if tag in (_INT, _FLOAT, _TS):
            try:
                return self.construct(tag, text)
            except Exception:
                raise _Unsupported from None  # the long way reports it as it always has
        raise _Unsupported  # "<<", "=": PyYAML's merge and value keys
