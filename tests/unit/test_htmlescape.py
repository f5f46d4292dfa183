"""sitegen.htmlescape.escape gives markupsafe.escape's text for every value a template prints,
and the templates use it."""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
from hypothesis import given
from hypothesis import strategies as st

from sitegen import htmlescape
from sitegen.render import make_environment


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


class _Text(str):
    pass


_values = st.one_of(
    st.text(),
    st.text().map(markupsafe.Markup),
    st.text().map(markupsafe.escape),
    st.text().map(_Text),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.none(),
    st.just(_Html()),
    st.lists(st.text(max_size=3), max_size=3),
)


@given(_values)
def test_escape_gives_markupsafes_text(value: Any) -> None:
    fast, slow = htmlescape.escape(value), markupsafe.escape(value)
    assert type(fast) is markupsafe.Markup
    assert str(fast) == str(slow)


def test_escape_of_the_five_special_characters() -> None:
    assert htmlescape.escape("<a href=\"x\">'&'</a>") == (
        "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    )


@given(st.text(), st.integers(), st.text().map(markupsafe.Markup))
def test_templates_print_what_plain_jinja_prints(text: str, number: int, safe: str) -> None:
    source = "<p title='{{ t }}'>{{ t }} {{ n }} {{ s }} {{ t | upper }}</p>"
    plain = jinja2.Environment(autoescape=True).from_string(source)
    ours = make_environment([]).from_string(source)
    values = {"t": text, "n": number, "s": safe}
    assert ours.render(values) == plain.render(values)


def test_compiled_templates_use_the_fast_escape() -> None:
    template = make_environment([]).from_string("{{ x }}")
    assert template.root_render_func.__globals__["escape"] is htmlescape.escape
