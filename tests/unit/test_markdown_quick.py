"""The shortcuts normalize's Markdown parser takes give what Markdown itself gives: the
whitespace pass skipped for plain text, block processors' regexes tried only on blocks holding
their text, inline patterns by literal texts, and references skipped when none is
defined."""

from __future__ import annotations

from typing import Any

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_bodies_lose_the_control_characters_the_regex_finds() -> None:
    for code in [*range(0x300), 0x2028, 0xFEFF]:
        for text in (f"a{chr(code)}b\n", f"é{chr(code)}b\t"):
            assert normalize._without_controls(text) == normalize._BODY_CONTROL.sub("", text)
