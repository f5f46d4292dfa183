"""plainyaml reads the common frontmatter shape exactly as libyaml's long way does, and
leaves everything else to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen import load, plainyaml


def quick(text: str) -> Any:
    return plainyaml.parse(text, load._RESOLVED, load._tag_of, load._construct_scalar)


def long_way(text: str) -> Any:
    """What load._parse_yaml makes of ``text`` without plainyaml (or the error it raises)."""
    parse = plainyaml.parse
    plainyaml.parse = lambda *_: None  # type: ignore[assignment]
    try:
        return load._parse_yaml(text)
    except Exception as exc:  # an error is one possible outcome to compare
        return ("error", type(exc).__name__, str(exc))
    finally:
        plainyaml.parse = parse


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (True == 1, but not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (datetime, date)):
        return repr(a) == repr(b)
    return bool(a == b)


SEED = """
category: news
title: "It Takes a Lot: of 'things' # here"
excerpt: 'it''s'
publishedDateTime: 2020-12-15T18:38:00Z
quality: 89
heat: 0
published: true
provider:
  name: Government Technology
  domain: govtech.com
topics:
  - "AI"
  - Climate
images:
  - url: "https://img.example.org/1.jpg"
    width: 1200
    isCached: true
related:
- title: Other
  webUrl: https://techxplore.com/a.html
  provider:
    name: techxplore.com
  publishedDateTime: 2020-12-14
title: again
"""


def test_the_common_shape_is_read_here_with_the_long_ways_value_and_lines() -> None:
    fast = quick(SEED)
    assert fast is not None
    assert same(fast, long_way(SEED))
    assert fast[2] == [("title", 3)]  # the repeated key, with the line of its first use


@pytest.mark.parametrize(
    "text",
    [
        "title: a\n# a comment\n",
        "title: a # a comment\n",
        "title: |\n  block\n",
        "title: [a, b]\n",
        "title: a\n  continued\n",
        'title: "escaped \\" quote"\n',
        "title: &anchor a\nother: *anchor\n",
        "title: !!str 1\n",
        "title:\ta\n",
        "true: a\n",
        "<<: a\n",
        "title: a: b\n",
        "- a\n- b\n",
        "title: x\x85y\n",
        "title: Nul\x00 byte\n",
        "list:\n  -\n  - a\n",
    ],
)
def test_anything_else_goes_the_long_way(text: str) -> None:
    assert quick(text) is None


KEYS = ["title", "a", "a.b", "b-c", "_x", "yes", "null", "true", "On", "x1", "a" * 200]
SCALARS = [
    "plain words",
    "C#",
    "a #b",
    "a:b",
    "a: b",
    "trailing:",
    "https://example.org/a?b=c#d",
    "0",
    "012",
    "-3",
    "1_000",
    "0x1F",
    "1.5",
    ".inf",
    "1e3",
    "~",
    "null",
    "Null",
    "Yes",
    "no",
    "TRUE",
    "2020-12-15T18:38:00Z",
    "2020-12-15T18:38:00+02:00",
    "2020-13-45T18:38:00Z",
    "2020-02-30",
    "2020-12-15",
    "2020-12-15 18:38:00",
    '"quoted # not: a comment"',
    '"with \\"escape"',
    '""',
    "'single ''quoted'''",
    "'unclosed",
    '"unclosed',
    "[a, b]",
    "{a: b}",
    "&a x",
    "*a",
    "!t x",
    "|",
    ">",
    "-",
    "- x",
    "? x",
    "=",
    "<<",
    "%x",
    "@x",
    "`x",
    "москва",
    "a  b  ",
    "",
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Frontmatter-like text: lines of keys, list entries and scalars at small indentations."""
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        indent = " " * draw(st.sampled_from([0, 0, 0, 2, 2, 4, 4, 6, 1, 3]))
        dash = draw(st.sampled_from(["", "", "", "- ", "-  ", "-"]))
        key = draw(st.sampled_from(["", *KEYS]))
        value = draw(st.sampled_from(SCALARS))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "# c", "  # c"])))
        if key:
            lines.append(f"{indent}{dash}{key}:{' ' if value else ''}{value}")
        else:
            lines.append(f"{indent}{dash}{value}")
    return "\n" + "\n".join(lines) + "\n"


COMMON = [s for s in SCALARS if quick(f"k: {s}\n") is not None]
GOOD_KEYS = ["title", "a", "a.b", "b-c", "_x", "x1"]
keys = st.sampled_from(GOOD_KEYS) | st.sampled_from(GOOD_KEYS) | st.sampled_from(KEYS)
# A tree: a scalar's text, a list of trees, or (key, tree) pairs (keys may repeat).
trees = st.recursive(
    st.sampled_from(COMMON) | st.sampled_from(COMMON) | st.sampled_from(SCALARS),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=4)
        | st.lists(st.tuples(keys, inner), min_size=1, max_size=4).map(tuple)
    ),
    max_leaves=14,
)


def _write(tree: Any, indent: int, draw: st.DrawFn, out: list[str], lead: str = "") -> None:
    """Block YAML for ``tree`` at ``indent``; ``lead`` is a "- " already written on the line
    of the first entry."""
    step = draw(st.sampled_from([1, 2, 2, 4]))
    if isinstance(tree, str):
        out.append(f"{lead}{tree}" if lead else f"{' ' * indent}{tree}")
        return
    for i, entry in enumerate(tree):
        start = lead if i == 0 and lead else " " * indent
        if isinstance(tree, tuple):
            key, value = entry
            if isinstance(value, str):
                out.append(f"{start}{key}:{' ' if value else ''}{value}")
                continue
            out.append(f"{start}{key}:")
            flush = isinstance(value, list) and draw(st.booleans())  # a list at the key's level
            _write(value, indent if flush else indent + step, draw, out)
        else:
            dash = draw(st.sampled_from(["- ", "- ", "-  "]))
            if isinstance(entry, str):
                out.append(f"{start}{dash}{entry}")
            elif draw(st.booleans()):
                _write(entry, indent + len(dash), draw, out, lead=start + dash)
            else:
                out.append(f"{start}-")
                _write(entry, indent + step, draw, out)
    if draw(st.integers(0, 9)) == 0:
        out.append("")


@st.composite
def block_documents(draw: st.DrawFn) -> str:
    """Well-formed block YAML of mappings, lists and scalars, written in the ways people do."""
    pairs = draw(st.lists(st.tuples(keys, trees), min_size=1, max_size=6))
    out: list[str] = []
    _write(tuple(pairs), draw(st.sampled_from([0, 0, 0, 2])), draw, out)
    return "\n" + "\n".join(out) + "\n"


@settings(max_examples=1000)
@example("\nlist:\n- a\n- b: 1\n  c:\n  - d\nnext: 1\n")
@example("\n  indented: 1\n  root: 2\n")
@example("\nlist:\n  -\n    a: 1\n  -\n    - b\n")
@example("\na:\n  b: 1\na.b: 2\n")
@given(documents() | block_documents())
def test_what_is_read_here_is_what_the_long_way_reads(text: str) -> None:
    fast = quick(text)
    if fast is not None:
        assert same(fast, long_way(text)), text
