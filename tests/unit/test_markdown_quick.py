"""The shortcuts normalize's Markdown parser takes give what Markdown itself gives: the
whitespace pass skipped for plain text, block processors' regexes tried only on blocks holding
their text, inline patterns by literal texts, references skipped when none is defined, and a
quicker serializer of the same HTML."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as etree
from typing import Any

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.serializers import to_html_string

from sitegen import normalize


def _plain() -> markdown.Markdown:
    return markdown.Markdown(extensions=["extra", "sane_lists", "smarty"], output_format="html")


_OURS: list[markdown.Markdown] = []


def _ours() -> markdown.Markdown:
    if not _OURS:
        _OURS.append(normalize._new_markdown())
    return _OURS[0]


def _same(text: str) -> None:
    assert _ours().reset().convert(text) == _plain().convert(text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "a\n   ",  # spaces at the very end: the two added line ends make them a line
        "a\n   \nb",
        "a \nb\n \n\nc",
        "    code\n    \n    more",
        "a\tb\n\tcode",
        "a\r\nb\rc\r\n\r\nd",
        "a\x02b\x03c",
        "- item  \n  next",
        "plain\n\ntext",
    ],
)
def test_the_whitespace_pass_is_skipped_only_when_it_changes_nothing(text: str) -> None:
    _same(text)


def test_the_whitespace_pass_is_left_alone_when_another_runs_before_it() -> None:
    from markdown.preprocessors import Preprocessor

    md = _plain()
    md.preprocessors.register(Preprocessor(md), "first", 100)
    own = md.preprocessors["normalize_whitespace"].run
    normalize._skip_plain_whitespace(md)
    assert md.preprocessors["normalize_whitespace"].run == own
    md = _plain()
    own = md.preprocessors["normalize_whitespace"].run
    normalize._skip_plain_whitespace(md)
    assert md.preprocessors["normalize_whitespace"].run != own


_BLOCKS = [
    *["# h", "## h ##", "#not", "Head\n===", "Head\n---", "Head\n-- x", "- - -", "***", "___"],
    *["a | b\n--|--\n1 | 2", "| a |\n|---|", "> q", "> q\n> > r", "Term\n: def", ": def"],
    *["[^1]: note", "text[^1]", "*[HTML]: Hyper", "HTML", "[r]: http://r.org", "[r]", "[x][r]"],
    *["plain words", "a-b_c*d", "*em* _u_", "1. one\n2. two", "- a\n- b", "    code", "x:  y"],
    *["```\nf\n```", "<div>raw</div>", "&amp;", "{: .c}", "a\n#b", "a\n> b", "a\n: b"],
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_BLOCKS), st.sampled_from(["\n\n", "\n", " "]))))
def test_block_processors_tried_by_block_give_markdowns_output(blocks: list[Any]) -> None:
    _same("".join(block + sep for block, sep in blocks))


def test_a_heading_regex_is_tried_only_on_blocks_holding_a_hash(monkeypatch: Any) -> None:
    from markdown.blockprocessors import HashHeaderProcessor

    text = "# h\n\nplain\n\nwords"
    expected = _plain().convert(text)
    tried: list[str] = []
    test = HashHeaderProcessor.test

    def noting_test(self: Any, parent: Any, block: str) -> bool:
        tried.append(block)
        return bool(test(self, parent, block))

    monkeypatch.setattr(HashHeaderProcessor, "test", noting_test)
    md = normalize._new_markdown()
    assert md.convert(text) == expected
    assert tried == ["# h"]


@pytest.mark.parametrize(
    "text",
    [
        "it's \"quoted\" and 'single' and \"'both'\" and '\"other\"' and '90s",
        "\"'Hello,' she said.\" -- then --- and ... and ....",
        "a'\"a and b\"'b",
        "![alt](/i.png) and ![ref][r] and ![r]\n\n[r]: /r.png",
        "[a][] and [b] and [c][r] and [r]\n\n[r]: http://r.org",
        "[a][] and [b] and [c][r] and ![r] without a definition",
        "text[^1] and [^2]\n\n[^1]: one",
        "a  \nbreak, `code`, \\*esc\\*, <http://a.org>, <a@b.org>, &copy; & *em* __s__",
    ],
)
def test_inline_patterns_by_literal_texts_give_markdowns_output(text: str) -> None:
    _same(text)


def test_references_are_looked_up_only_when_one_is_defined(monkeypatch: Any) -> None:
    from markdown.inlinepatterns import ReferenceInlineProcessor

    text = "a [b][r] and [c](http://c.org)"
    defined = f"{text}\n\n[r]: http://r.org"
    expected = [_plain().convert(text), _plain().convert(defined)]
    tried: list[str] = []
    handle = ReferenceInlineProcessor.handleMatch

    def noting(self: Any, m: Any, data: str) -> Any:
        tried.append(data)
        return handle(self, m, data)

    monkeypatch.setattr(ReferenceInlineProcessor, "handleMatch", noting)
    md = normalize._new_markdown()
    assert md.convert(text) == expected[0]
    assert tried == []
    assert md.reset().convert(defined) == expected[1]
    assert tried


def test_the_parser_serializes_with_the_quick_serializer() -> None:
    assert normalize._new_markdown().serializer is not to_html_string


_TAGS = ["p", "em", "a", "br", "hr", "img", "script", "style", "DIV", "Br", "x-y", "code"]
_TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["", "\n", "a & b", "&amp; &#38; &copy", "<b>", "x > y", "\x02amp\x03"]),
    st.text(alphabet="ab &<>\"';#\n", max_size=12),
)
_ATTRIBUTES = st.dictionaries(
    st.sampled_from(["href", "title", "hidden", "checked", "class", "id"]),
    st.one_of(st.none(), st.sampled_from(["hidden", "checked", "x"]), _TEXTS.filter(bool)),
    max_size=3,
)


def _tree(draw: Any, depth: int = 0) -> etree.Element:
    element = etree.Element(draw(st.sampled_from(_TAGS)), draw(_ATTRIBUTES))
    element.text = draw(_TEXTS)
    element.tail = draw(_TEXTS)
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            element.append(_tree(draw, depth + 1))
    return element


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_the_quick_serializer_writes_what_markdowns_writes(data: Any) -> None:
    tree = _tree(data.draw)
    assert normalize._new_markdown().serializer(tree) == to_html_string(tree)


def test_a_markdown_whose_serializer_refuses_the_sample_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from markdown import serializers

    def refusing(element: Any) -> str:
        raise TypeError("cannot serialize None")  # (as Markdowns before valueless attributes)

    monkeypatch.setattr(serializers, "to_html_string", refusing)
    assert normalize._html_serializer() is None


def test_trees_the_quick_serializer_leaves_to_markdowns() -> None:
    serialize = normalize._new_markdown().serializer
    root = etree.Element("div")
    root.append(etree.Comment("a <comment>"))
    root.append(etree.ProcessingInstruction("pi", "x"))
    etree.SubElement(root, "p", {"lang": etree.QName("en")}).text = "q"
    assert serialize(root) == to_html_string(root)
    deep = root
    for _ in range(sys.getrecursionlimit() + 10):  # deeper than a recursive walk can go
        deep = etree.SubElement(deep, "em")
    deep.text = "deep & low"
    assert serialize(root) == to_html_string(root)


def test_bodies_lose_the_control_characters_the_regex_finds() -> None:
    for code in [*range(0x300), 0x2028, 0xFEFF]:
        for text in (f"a{chr(code)}b\n", f"é{chr(code)}b\t"):
            assert normalize._without_controls(text) == normalize._BODY_CONTROL.sub("", text)


_HTML_PIECES = [
    *['<a href="http://a.org/">', '<a title="t" href="/x">', "<a>", '<a title="x">', "</a>"],
    *['<img src="/i.png">', '<img alt="" src="/i.png">', '<img alt="x">', "<abbr>", "</abbr>"],
    *["<p>", "</p>", "<br>", "<br />", '<p class="c">', '<q cite="http://q.org/">', "text"],
    *['<a hidden href="/h">', '<img src="/s" ismap>', "<p hidden>", "<br/>"],
    *['<a href="x" title="<b x=&quot;y&quot;>">', "&amp;", "&lt;", '"', "=", "<", ">", " "],
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_HTML_PIECES), max_size=20).map("".join))
def test_links_and_urls_of_clean_html_are_found_as_the_plain_regexes_find_them(
    fragment: str,
) -> None:
    import html

    found = [
        html.unescape(value)
        for attributes in normalize._CLEAN_TAG.findall(fragment)
        for name, value in normalize._CLEAN_ATTRIBUTE.findall(attributes)
        if name in normalize.URL_ATTRIBUTES
    ]
    assert normalize._urls_in_clean(fragment) == found
    dropped = normalize._LINK_WITHOUT_HREF.sub(r"\2", fragment)
    dropped = normalize._IMAGE_WITHOUT_SRC.sub("", dropped)
    assert normalize._drop_empty_links(fragment) == dropped


def test_smarty_quotes_in_another_order_keep_the_full_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import markdown

    md = markdown.Markdown(extensions=["smarty"])
    smarty = md.treeprocessors["smarty"]
    normalize._skip_plain_text(smarty)
    assert "_InlineProcessor__handleInline" in vars(smarty)  # (the quick one, as installed)
    # The last pattern (a lone double quote) said to need a single quote: not its regex's.
    needs = {**normalize._INLINE_NEEDS, "smarty-quotes-14": ("'",)}
    monkeypatch.setattr(normalize, "_INLINE_NEEDS", needs)
    other = markdown.Markdown(extensions=["smarty"]).treeprocessors["smarty"]
    normalize._skip_plain_text(other)
    assert "_InlineProcessor__handleInline" not in vars(other)
