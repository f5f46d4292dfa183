"""slugify transliterates with text_unidecode only text that is not ASCII (importing it
loads a table of every code point); ASCII text is what unidecode would make of it."""

from __future__ import annotations

import string
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from text_unidecode import unidecode

from sitegen.slugs import _ascii, slugify


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


def _runs_by_regex(text: str) -> str:
    """slugify as it found its runs of letters and digits: by a regex."""
    import hashlib
    import re
    import unicodedata

    from sitegen.slugs import _SHARP, RESERVED_NAMES

    ascii_text = unidecode(unicodedata.normalize("NFKC", text)).lower()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ").replace("'", "")
    if "#" in ascii_text:
        ascii_text = _SHARP.sub(" sharp ", ascii_text)
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text))
    if len(slug) > 80:
        cut = slug.rfind("-", 0, 81)
        slug = slug[: cut if cut > 40 else 80].strip("-")
    if not slug:
        slug = "x-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug + "-x" if slug in RESERVED_NAMES else slug


@given(
    st.text() | st.text(alphabet=st.characters(max_codepoint=127)) | st.text("aZ09 -\t\x0b\x1c#&'")
)
def test_slug_runs_are_those_a_regex_finds(text: str) -> None:
    assert slugify.__wrapped__(text) == _runs_by_regex(text)
