"""normalize's Markdown parser: made from extension instances (no entry-point look-up), it
is the parser the names "extra", "sane_lists" and "smarty" give."""

from __future__ import annotations

import sys

import markdown

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
    by_name = markdown.Markdown(extensions=["extra", "sane_lists", "smarty"], output_format="html")
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
