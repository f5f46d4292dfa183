"""The quick paths of reading a digest give exactly what the full library calls give:
building YAML values without PyYAML's constructor (and their fields' lines in the same walk),
and Markdown that skips inline patterns for text none of them can match."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.load import _collect_lines, _construct, _loader, _parse_yaml
from sitegen.normalize import _new_markdown

_PROCESS_PLACEHOLDERS = (
    markdown.treeprocessors.InlineProcessor._InlineProcessor__processPlaceholders
)  # type: ignore[attr-defined]


def _yaml_both(text: str) -> tuple[Any, Any]:
    """(quick value, PyYAML's value) of one document; an exception's type stands for it."""
    out: list[Any] = []
    for quick in (True, False):
        loader = _loader()(text)
        try:
            node = loader.get_single_node()
            if node is None:
                out.append(None)
            else:
                out.append(_construct(loader, node) if quick else loader.construct_document(node))
        except Exception as exc:  # compared by type and message
            out.append((type(exc), str(exc)))
        finally:
            loader.dispose()
    return out[0], out[1]


@pytest.mark.parametrize(
    "text",
    [
        "title: x\nquality: 79\nheat: -3\npublished: true\nwhen: 2019-03-29T17:33:00Z\n",
        "when: 2020-13-45\nday: 2020-01-02\nratio: 1.5e3\nnothing: ~\nempty:\n",
        "a: &x [1, 2]\nb: *x\n",  # an alias: PyYAML's value shares the list
        "base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n",  # a merge key
        "1: one\nnull: zero\n? [a, b]\n: c\n",  # keys that are no string
        "a: !!binary aGVsbG8=\nb: !!set {x, y}\nc: !!omap [x: 1]\n",
        "a: !custom x\n",  # no constructor: PyYAML's error
        "a: 1\na: 2\n",  # a repeated key: the last wins
        "=: value\n",
        "n: " + "9" * 5000 + "\n",  # over Python's digit limit: PyYAML's ValueError
        "deep: " + "[" * 60 + "]" * 60 + "\n",
        "- a\n- b: [c, {d: e}]\n",
    ],
)
def test_quick_yaml_values_are_pyyamls(text: str) -> None:
    quick, full = _yaml_both(text)
    assert repr(quick) == repr(full)


_scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(["2020-01-02", "2019-03-29T17:33:00Z", "2020-13-45", "yes", "0x1f", "1_000"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_values, st.booleans())
def test_quick_yaml_matches_pyyaml_on_any_document(value: Any, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    quick, full = _yaml_both(text.replace("'", ""))  # unquoted scalars too
    assert repr(quick) == repr(full)
    quick, full = _yaml_both(text)
    assert repr(quick) == repr(full)


_UTC_SECONDS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(_UTC_SECONDS, fullmatch=True)
    | st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda d: f"{d:%Y-%m-%dT%H:%M:%S}Z")
)
def test_quick_utc_timestamps_are_pyyamls(text: str) -> None:
    quick, full = _yaml_both(f"when: {text}\nlist: [{text}]\n")
    assert repr(quick) == repr(full)


@pytest.mark.parametrize(
    "text", ["2024-02-30T10:00:00Z", "2019-03-29T24:00:00Z", "0000-01-01T00:00:00Z"]
)
def test_impossible_utc_timestamps_stay_text(text: str) -> None:
    assert _parse_yaml(f"when: {text}\n")[0] == {"when": text}


def test_utc_timestamps_are_read_without_pyyamls_constructor(monkeypatch: Any) -> None:
    def refuse(self: Any, node: Any) -> Any:
        raise AssertionError("PyYAML's timestamp constructor called")

    monkeypatch.setattr(yaml.constructor.SafeConstructor, "construct_yaml_timestamp", refuse)
    value = _parse_yaml("when: 2019-03-29T17:33:00Z\nrelated:\n- at: 2020-05-04T22:33:00Z\n")[0]
    assert value == {
        "when": datetime(2019, 3, 29, 17, 33, tzinfo=UTC),
        "related": [{"at": datetime(2020, 5, 4, 22, 33, tzinfo=UTC)}],
    }


def _node_tree(text: str, loader_class: type) -> Any:
    """Every node's kind, tag, text and place, as ``loader_class`` composes ``text``."""

    def tree(node: Any) -> Any:
        if node is None:
            return None
        place = (node.start_mark.line, node.start_mark.column, node.end_mark.index)
        if node.id == "scalar":
            return (node.tag, node.value, node.style, place)
        if node.id == "sequence":
            return (node.tag, [tree(item) for item in node.value], place)
        return (node.tag, [(tree(key), tree(item)) for key, item in node.value], place)

    loader = loader_class(text)
    try:
        return tree(loader.get_single_node())
    except Exception as exc:
        return (type(exc), str(exc))
    finally:
        loader.dispose()


@settings(max_examples=200, deadline=None)
@given(_values, st.booleans())
def test_digest_loader_tags_every_node_as_pyyaml(value: Any, flow: bool) -> None:
    # Its resolving (no path resolvers, quoted scalars and collections answered directly,
    # plain scalars remembered) gives each node the tag PyYAML's own loader gives it.
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    for variant in (text, text.replace("'", ""), f"!!str x: {text}" if flow else text):
        assert _node_tree(variant, _loader()) == _node_tree(variant, yaml.CSafeLoader)


def _parse_long_way(text: str) -> Any:
    """_parse_yaml's answer by PyYAML's constructor and a separate walk for the lines."""
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except Exception as exc:
        return (type(exc), str(exc))
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        _collect_lines(node, "", lines, repeated, depth=0)
    return value, lines, repeated, node.start_mark.line + 1 if node is not None else 1


def _parse_quick(text: str) -> Any:
    try:
        return _parse_yaml(text)
    except Exception as exc:
        return (type(exc), str(exc))


FIELD_SAMPLES = [
    "title: x\ntitle: y\ntopics:\n  - a\n  - b\nprovider:\n  name: n\n  name: m\n",
    "related:\n- title: t\n  provider: {name: p, domain: d}\n- webUrl: u\n  webUrl: v\n",
    "a:\n  b:\n    c:\n      d:\n        e:\n          f: deep\n          f: again\n",
    "list:\n- - - - - - x\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: 1\n? [k]\n: v\nb: 2\n",
    "when: 2020-13-45\nday: 2020-01-02\nok: 2019-03-29T17:33:00Z\nn: 0x1f\nf: 1.5\n",
    "\n\n# comment\ntitle: late start\n",
    "- a\n- b\n",
    "just text\n",
    "",
    "deep: " + "[" * 20 + "]" * 20 + "\n",
]


@pytest.mark.parametrize("text", FIELD_SAMPLES)
def test_fields_lines_read_in_one_walk_are_the_long_ways(text: str) -> None:
    assert repr(_parse_quick(text)) == repr(_parse_long_way(text))


_keys = st.sampled_from(["title", "name", "a", "b", "topics", "x.y", "<<", "1", "~", "k k"])
_documents = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.lists(st.tuples(_keys, inner), max_size=5),
    max_leaves=25,
)


def _block(value: Any, indent: str = "") -> str:
    """``value`` as block YAML; a list of pairs is a mapping whose keys may repeat."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return "".join(f"{indent}{k}:\n{_block(v, indent + '  ')}" for k, v in value)
    if isinstance(value, list) and value:
        return "".join(f"{indent}-\n{_block(v, indent + '  ')}" for v in value)
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000)
    return f"{indent}{dumped.removesuffix(chr(10) + '...' + chr(10)).strip()}\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_keys, _documents), min_size=1, max_size=6))
def test_fields_lines_read_in_one_walk_match_on_any_mapping(fields: list[Any]) -> None:
    text = _block(fields)
    assert repr(_parse_quick(text)) == repr(_parse_long_way(text))
    unquoted = text.replace("'", "")
    assert repr(_parse_quick(unquoted)) == repr(_parse_long_way(unquoted))


def _plain_markdown() -> Any:
    return markdown.Markdown(extensions=["extra", "sane_lists", "smarty"], output_format="html")


MARKDOWN_SAMPLES = [
    "Plain words only.\n\nAnother paragraph\nwith a second line.",
    "### What happened\n\n- one two\n- three\n\nSee *[the report](https://example.org/r/1)* now.",
    "Line with a break  \nnext line, a dash -- and dots... and 'quotes' \"here\".",
    "Text with `code`, \\*escaped\\*, <b>html</b>, &amp; and &copy; and a_b_c.",
    "A [^1] footnote.\n\n[^1]: The note.\n\n*[HTML]: Hyper Text\n\nHTML here.",
    "Term\n: Definition\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```",
    "Title\n=====\n\n1. one\n2. two\n\n> quoted\n\n    indented code",
    "~~~\nfenced ~~~ <code> & `more`\n~~~\n\n```\nx\n```\n\n\\*escaped\\* \\\\ a \\` tick",
    "An &amp; and &#38; entity, & alone &copy\n\n<div>\n*raw* &amp;\n</div>",
    # Stashing the raw HTML leaves four spaces where the entities were: an empty code block.
    '<div>\n*raw* &amp;\n</div> &amp; &lt; &#8217; &quot;\nit\'s "quoted"\n: \n[r]',
    # The raw HTML parser writes a character reference again with its ";", even outside HTML.
    "A reference without its semicolon: &#1, &#x41 and &#38 here; &copy stays.",
]


@pytest.mark.parametrize("body", MARKDOWN_SAMPLES)
def test_markdown_quick_path_changes_no_output(body: str) -> None:
    assert _new_markdown().convert(body) == _plain_markdown().convert(body)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .,;:-_*`'\"\\[]()<>&!#=|~^{}1\n\t", max_size=80))
def test_markdown_quick_path_matches_on_any_text(body: str) -> None:
    quick, plain = _new_markdown(), _plain_markdown()
    assert quick.convert(body) == plain.convert(body)


_MARKDOWN_PIECES = [
    *["*a*", "**b**", "_c_", "[x](http://e.org/a)", "![i](u.png)", "`k`", "<b>t</b>", "&amp;"],
    *["--", "...", "'q'", '"d"', "\\*", "[^1]", "[r]", "\n", "  \n", "- ", "1. ", "> ", "# "],
    *["<http://a.b>", "x", " ", "[r]: http://r.org", "*[HTML]: H", "\n\n", "***"],
    *["```\n", "~~~\n", "\\\\", "\\`", "&#38;", "<div>", "</div>", "{: .c}", "\t"],
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=40))
def test_markdown_quick_path_matches_on_any_mix_of_markup(pieces: list[str]) -> None:
    body = "".join(pieces)
    quick, plain = _new_markdown(), _plain_markdown()
    assert quick.convert(body) == plain.convert(body)


def test_markdown_quick_path_is_in_place() -> None:
    """If a Markdown upgrade adds a pattern, the quick path turns itself off (and this fails,
    asking for its table to be checked)."""
    md = _new_markdown()
    for name in ("inline", "smarty"):
        assert "_InlineProcessor__handleInline" in vars(md.treeprocessors[name])
        assert "_InlineProcessor__processPlaceholders" in vars(md.treeprocessors[name])


@pytest.mark.parametrize(
    "body",
    [
        "Plain words, then *em*, then plain.\n\n- item\n- *item*",
        "A [link](http://e.org/a) and `code` with plain\ntext around it  \nand a break.",
        "> quote *x*\n\n1. a\n2. b *c* d\n\nTerm\n: *def*",
        "\x02klzzwxh:0\x03 a placeholder written by hand, *then* text",
    ],
)
def test_texts_without_placeholders_are_joined_as_markdown_joins_them(body: str) -> None:
    md = _new_markdown()
    joined: list[str] = []
    for name in ("inline", "smarty"):
        processor = md.treeprocessors[name]
        quick = processor._InlineProcessor__processPlaceholders

        def noting(data: Any, parent: Any, is_text: bool = True, quick: Any = quick) -> Any:
            joined.append(data)
            return quick(data, parent, is_text)

        processor._InlineProcessor__processPlaceholders = noting
    assert md.convert(body) == _plain_markdown().convert(body)
    assert joined


def test_a_markdown_without_the_private_names_keeps_its_own_inline_way() -> None:
    # A later Markdown may rename InlineProcessor's private methods: the shortcut is then
    # left out (the parser still works), instead of failing on the missing name.
    from sitegen.normalize import _skip_plain_text

    processor = _plain_markdown().treeprocessors["inline"]
    own = processor._InlineProcessor__handleInline
    del type(processor)._InlineProcessor__processPlaceholders
    try:
        _skip_plain_text(processor)
    finally:
        type(processor)._InlineProcessor__processPlaceholders = _PROCESS_PLACEHOLDERS
    assert processor._InlineProcessor__handleInline == own


def test_scanned_folders_kept_from_the_last_call_are_those_of_the_paths() -> None:
    from sitegen.build import _scanned_folders

    scanned = [(f"content/{d}/{n}.md", 1, 2) for d in ("a", "b") for n in range(5)]
    assert _scanned_folders(scanned) == {"content/a", "content/b"}
    touched = [(path, 3, 4) for path, _, _ in scanned]  # other stats, other strings
    touched[0] = ("content/" + "a/0.md", 5, 6)
    assert _scanned_folders(touched) == {"content/a", "content/b"}
    moved = [*scanned[:-1], ("content/c/4.md", 1, 2)]  # as many paths, one elsewhere
    assert _scanned_folders(moved) == {"content/a", "content/b", "content/c"}
    assert _scanned_folders(scanned[:3]) == {"content/a"}


def test_links_are_looked_for_in_the_scans_folders_as_in_its_files_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """_drop_aliases given the scan's folders looks in the folders of its files, each once,
    not in the folders that hold none (10 folders rather than 10,000 file paths split)."""
    from sitegen import build as build_module
    from sitegen.nochange import scan

    for rel in ("a/1.md", "a/b/2.md", "c/3.md", "empty/note.txt"):
        (tmp_path / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / rel).write_text("x")
    monkeypatch.chdir(tmp_path)
    files, folders = scan("content")
    looked: list[str] = []
    monkeypatch.setattr(build_module, "_links_kept", lambda p: looked.append(p))
    build_module._drop_aliases([], build_module.BuildResult(), files, folders)
    assert sorted(looked) == sorted(build_module._scanned_folders(files))
    assert sorted(looked) == ["content/a", "content/a/b", "content/c"]


_PLAIN_TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789+-._:eExXoObB~nNuUlLtTrRfFyYsS ", max_size=25),
    st.sampled_from(["", "~", "null", "Yes", "0x1f", "0o17", "1_000", ".inf", "-.NaN", "1:20"]),
    st.sampled_from(["2019-03-29T17:33:00Z", "2020-01-02", "2001-12-14 21:59:43.10 -5", "=", "<<"]),
)


@settings(max_examples=500, deadline=None)
@given(_PLAIN_TEXTS)
def test_plain_scalars_get_the_tag_pyyamls_resolver_gives(text: str) -> None:
    from sitegen.load import _plain_tag

    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    assert _plain_tag(_loader().yaml_implicit_resolvers, text) == expected
