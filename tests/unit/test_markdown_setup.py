"""normalize's Markdown parser: made from extension instances (no entry-point look-up), it
is the parser the names "extra", "sane_lists" and "smarty" give."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_markdown_quick import _ours, _plain

from sitegen import normalize

SAMPLE = """\
*[HTML]: Hyper Text Markup Language

"Quotes" -- and... HTML{: .note}

| a | b |
|---|---|
| 1 | 2 |

Term
:   Definition[^1]

[^1]: A note.

```python
print("x")
```

<div markdown="1">*inside*</div>

3. three
4. four
"""


def test_the_parser_has_the_extensions_of_the_names() -> None:
    by_name = _plain()
    ours = normalize._new_markdown()
    assert [type(e) for e in ours.registeredExtensions] == [
        type(e) for e in by_name.registeredExtensions
    ]
    for registry in ("preprocessors", "inlinePatterns", "treeprocessors", "postprocessors"):
        mine, theirs = getattr(ours, registry), getattr(by_name, registry)
        assert [type(p) for p in mine] == [type(p) for p in theirs], registry
    assert ours.convert(SAMPLE) == by_name.reset().convert(SAMPLE)


def test_making_the_parser_reads_no_package_metadata() -> None:
    saved = sys.modules.pop("importlib.metadata", None)
    try:
        normalize._new_markdown()
        assert "importlib.metadata" not in sys.modules
    finally:
        if saved is not None:
            sys.modules["importlib.metadata"] = saved


# Markdown pieces, with and without what the skipped processors look for ({, quotes, dashes).
_PIECES = [
    "word",
    "*em* **strong** _u_",
    "[a](https://example.org/a)",
    "![p](/p.png)",
    "`code`",
    "&amp; &lt; &#8217; &quot;",
    "\\- \\* \\` \\\\",
    "# Head",
    "- item\n- item",
    "1. one\n2. two",
    "> quote",
    "    code block",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Term\n:   Def",
    "Term\n:\tDef",
    "- Term\n\n    : Def",
    "> : quoted def",
    "a|b",
    "1.\tone\n2.\ttwo",
    "\u0663. three",
    "- a\n\n\tcode in a list",
    "- a\n\n        code in a list",
    "\tcode",
    "[x]:\thttps://example.org/x [x]",
    "  > indented quote\n> > nested",
    "Head\n---",
    "#not a head",
    "text[^1]\n\n[^1]: note",
    "*[HTML]: Hyper Text",
    "HTML",
    "a -- b",
    "and...",
    'it\'s "quoted"',
    "para {: .cls }",
    "# H {: #id }",
    "\n\n",
    "  \n",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join))
def test_skipping_processors_changes_no_output(text: str) -> None:
    by_name = _plain()
    assert _ours().reset().convert(text) == by_name.convert(text)


def test_block_processors_a_source_cannot_use_are_not_tried(monkeypatch: Any) -> None:
    from markdown.extensions.tables import TableProcessor

    tried: list[str] = []
    test = TableProcessor.test

    def noting_test(self: TableProcessor, parent: Any, block: str) -> bool:
        tried.append(block)
        return bool(test(self, parent, block))

    monkeypatch.setattr(TableProcessor, "test", noting_test)
    md = normalize._new_markdown()
    html = md.convert("a\n\n- b\n- c\n\n> d")
    assert tried == []
    assert md.reset().convert("a | b\n--|--\n1 | 2") != html
    assert tried
    tried.clear()
    md.reset().convert("a\n\nb")
    assert tried == []


def test_the_block_parser_iterates_only_the_processors_a_source_can_use() -> None:
    md = normalize._new_markdown()
    md.convert("a\n\nb")
    tried = {type(p).__name__ for p in md.parser.blockprocessors}
    assert "TableProcessor" not in tried and "ParagraphProcessor" in tried
    md.reset().convert("a | b\n--|--\n1 | 2")
    assert "TableProcessor" in {type(p).__name__ for p in md.parser.blockprocessors}
    md.reset().convert("<b>raw</b> a\n\nb")  # raw HTML is stashed: every one is tried
    assert len(list(md.parser.blockprocessors)) == len(md.parser.blockprocessors)


def test_block_level_answers_are_markdowns_and_remembered() -> None:
    from xml.etree.ElementTree import Comment

    plain = _plain()
    md = normalize._new_markdown()
    for tag in ["p", "P", "div/", "em", "li", "x-y", "", Comment, "pre", "code", "p"]:
        assert md.is_block_level(tag) == plain.is_block_level(tag), tag
    md.convert("# h\n\n- a\n\nb *c*")
    assert {"p", "ul", "li", "h1", "P"} <= md.is_block_level.__self__.keys()
