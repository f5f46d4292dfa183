"""slugify transliterates with text_unidecode only text that is not ASCII (importing it
loads a table of every code point); ASCII text is what unidecode would make of it."""

from __future__ import annotations

import string
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from text_unidecode import unidecode

from sitegen.slugs import _ascii


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_what_unidecode_makes_of_it(text: str) -> None:
    assert _ascii(text) == unidecode(text) == text


@given(st.text())
def test_any_text_is_what_unidecode_makes_of_it(text: str) -> None:
    assert _ascii(text) == unidecode(text)


def test_slugifying_ascii_text_does_not_import_unidecode() -> None:
    code = (
        "import sys; from sitegen.slugs import slugify; "
        f"slugify({string.printable!r}); print('text_unidecode' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
