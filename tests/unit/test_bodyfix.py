"""Bodies come out as valid HTML: misplaced elements unwrapped, list content wrapped in items,
bad attribute values and unsafe URL characters handled."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.bodyfix import _mend, escape_url, fix_structure, prepare, valid_attribute_value
from sitegen.normalize import _body_cleaner, sanitize_body


@pytest.mark.parametrize(
    ("fragment", "fixed"),
    [
        ("<p>plain <em>x</em></p>", "<p>plain <em>x</em></p>"),
        ("<div><li>stray</li></div>", "<div>stray</div>"),
        (
            '<ul><li>a</li><p>b</p>text<img src="x"></ul>',
            '<ul><li>a</li><li><p>b</p></li><li>text</li><li><img src="x" alt=""></li></ul>',
        ),
        ("<span><div>block</div></span>", "<span>block</span>"),
        ("<em><ul><li>a</li></ul></em>", "<em>a</em>"),
        ("<dl><dt>t</dt><p>x</p></dl>", "<dl><dt>t</dt><dd><p>x</p></dd></dl>"),
        ('<ul><a href="h"><li>in a</li></a></ul>', '<ul><li><a href="h">in a</a></li></ul>'),
        ("<figcaption>c</figcaption>", "c"),
        ("<p><rt>r</rt></p>", "<p>r</p>"),
        ("<ruby>x<rt>r</rt></ruby>", "<ruby>x<rt>r</rt></ruby>"),
        ("<span><table><tbody><tr><td>x</td></tr></tbody></table></span>", "<span>x</span>"),
        ("<pre><div>x</div></pre>", "<pre>x</pre>"),
        ('<a href="h"><div>flow in a link</div></a>', '<a href="h"><div>flow in a link</div></a>'),
        ('<img src="a" alt="kept">', '<img src="a" alt="kept">'),
    ],
)
def test_elements_end_up_where_html_allows_them(fragment: str, fixed: str) -> None:
    assert fix_structure(fragment) == fixed


@pytest.mark.parametrize(
    ("url", "escaped"),
    [
        ("https://a.example/plain?q=1#f", "https://a.example/plain?q=1#f"),
        ('https://a.example/?q=<y>&z="w"', "https://a.example/?q=%3Cy%3E&z=%22w%22"),
        ("https://a.example/{x}|^`", "https://a.example/%7Bx%7D%7C%5E%60"),
        ("https://[::1]:80/x[1]", "https://[::1]:80/x%5B1%5D"),
        ("https://a.example/100%/ok%20", "https://a.example/100%25/ok%20"),
        ("/site/relative path", "/site/relative%20path"),
    ],
)
def test_urls_escape_only_what_a_url_may_not_hold(url: str, escaped: str) -> None:
    assert escape_url(url) == escaped


def test_attribute_values_html_restricts_are_checked() -> None:
    assert valid_attribute_value("colspan", "2")
    assert not valid_attribute_value("colspan", "0")
    assert not valid_attribute_value("width", "100px")
    assert not valid_attribute_value("height", "-3")
    assert not valid_attribute_value("start", "x")
    assert valid_attribute_value("title", "anything at all")


def test_a_hostile_body_keeps_its_text_in_valid_places() -> None:
    body = (
        "<li>stray item</li>\n\n<center>old</center> <tt>tele</tt>\n\n"
        '<details open><p>x</p><summary>late</summary></details>\n\n<td colspan="0">c</td>\n\n'
        '[q](https://a.example/?q=<y>) <img src="https://a.example/i.jpg">'
    )
    html, notes = sanitize_body(body)
    for gone in ("<li>", "<center", "<tt", "<details", "<summary", "colspan"):
        assert gone not in html
    for text in ("stray item", "old", "tele", "late"):
        assert text in html
    assert 'href="https://a.example/?q=%3Cy%3E"' in html
    assert '<img src="https://a.example/i.jpg" alt="">' in html
    assert notes == []  # an escaped URL is the same link, not a removed one


# What each element may hold directly, for the property below.
_LIST_ITEMS = {"ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd"}}
_NEEDS_PARENT = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "figcaption": {"figure"}}
_PHRASING_ONLY = {"p", "em", "strong", "span", "code", "h2", "pre"}
_FLOW_ONLY = {"div", "p", "ul", "ol", "dl", "blockquote", "table", "h2", "pre", "figure"}


class _Checker(HTMLParser):
    """Reports an element whose parent's content model does not allow it."""

    VOID = frozenset({"br", "img", "hr", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.wrong: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = next((t for t in reversed(self.stack) if t not in ("a", "ins", "del")), "")
        if tag in _NEEDS_PARENT and parent not in _NEEDS_PARENT[tag]:
            self.wrong.append(f"{tag} in {parent or 'top'}")
        if parent in _LIST_ITEMS and tag not in _LIST_ITEMS[parent]:
            self.wrong.append(f"{tag} in {parent}")
        if tag in _FLOW_ONLY and parent in _PHRASING_ONLY:
            self.wrong.append(f"{tag} in {parent}")
        if tag == "img" and not any(k == "alt" for k, _ in attrs):
            self.wrong.append("img without alt")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in _LIST_ITEMS and data.strip():
            self.wrong.append(f"text in {self.stack[-1]}")


_TAGS = ["li", "ul", "ol", "dl", "dt", "dd", "p", "div", "em", "span", "a", "figure"]
_TAGS += ["figcaption", "table", "tr", "td", "pre", "h2", "img", "blockquote", "code"]
_PIECES = st.one_of(
    st.sampled_from([f"<{t}>" for t in _TAGS] + [f"</{t}>" for t in _TAGS]),
    st.sampled_from(["text", " ", "\n\n", "* item\n", "1. one\n", "> quote\n", '<a href="/x">']),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_any_tag_soup_comes_out_with_every_element_in_an_allowed_place(pieces: list[str]) -> None:
    html, _notes = sanitize_body("".join(pieces))
    checker = _Checker()
    checker.feed(html)
    assert checker.wrong == [], html
    assert fix_structure(html) == html  # mending is done once and for all


# Markdown's usual output and its near misses, for the quick check of plainly valid fragments.
_PLAIN_TAGS = ["p", "h2", "h6", "pre", "code", "em", "strong", "a", "span", "sub", "ul", "ol"]
_PLAIN_TAGS += ["li", "blockquote", "div", "dl", "dd", "table", "td", "figure", "ruby", "rt"]
_PLAIN_PIECES = st.one_of(
    st.sampled_from([f"<{t}>" for t in _PLAIN_TAGS] + [f"</{t}>" for t in _PLAIN_TAGS]),
    st.sampled_from(["text", " ", "\n", "<br>", "<hr>", '<ol start="3">', '<a href="/x">']),
    st.sampled_from(['<img src="/i.png">', '<img src="/i.png" alt="i">', "&lt;p&gt;", "<P>"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PLAIN_PIECES, max_size=30))
def test_plainly_valid_fragments_come_back_as_the_walk_gives_them(pieces: list[str]) -> None:
    prepare()
    fragment = _body_cleaner("noopener noreferrer")("".join(pieces))  # a serialized tree
    assert fix_structure(fragment) == _mend(fragment)


def _refuse(fragment: str) -> str:
    raise AssertionError(f"walked: {fragment}")


def test_markdowns_usual_output_is_taken_as_plainly_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare()
    monkeypatch.setattr("sitegen.bodyfix._mend", _refuse)
    body = (
        "Words *and* **more**.\n\n### What happened\n\n- one `x`\n- two\n\n1. a\n\n2. b\n\n"
        "> quoted\n\n---\n\n    code\n\nSee *[the report](https://example.org/r/1)* now."
    )
    html, _notes = sanitize_body(body)
    assert "<li>\n<p>a</p>" in html and "<blockquote>" in html and "<pre>" in html
    with pytest.raises(AssertionError, match="walked"):
        sanitize_body("![p](https://example.org/p.png)")  # an image may need its alt text


def test_the_quick_check_is_made_only_when_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sitegen.bodyfix._QUICK_CHECK", [])
    walked: list[str] = []
    monkeypatch.setattr("sitegen.bodyfix._mend", lambda fragment: walked.append(fragment) or "")
    assert fix_structure("<p>x</p>") == ""  # an edit's build: its few bodies are walked
    assert walked == ["<p>x</p>"]
    prepare()
    assert fix_structure("<p>x</p>") == "<p>x</p>"
    assert walked == ["<p>x</p>"]
