"""Properties, checked on generated input: slugs are safe and stable, normalize is total."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.model import Slug, SourceDoc
from sitegen.normalize import KNOWN_FIELDS, normalize
from sitegen.slugs import (
    MAX_SLUG_CHARS,
    RESERVED_NAMES,
    _ascii,
    assign_unique,
    is_slug,
    merge_key,
    slugify,
)

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}
# Text that tends to hit the edge cases: reserved names, separators, dots, mojibake, scripts.
tricky_text = st.one_of(
    st.text(),
    st.sampled_from([*sorted(WINDOWS_RESERVED), "CON", "Com1", "..", "/", "\\", "\x00", ""]),
    st.text(alphabet="-./\\ _&'aZ09éŁł日本語â€“\x00", max_size=200),
    st.text(min_size=70, max_size=300),
)


@given(tricky_text)
def test_slugify_is_url_safe_bounded_and_idempotent(text: str) -> None:
    slug = slugify(text)
    assert SLUG.fullmatch(slug), slug
    assert is_slug(slug)
    assert 1 <= len(slug) <= MAX_SLUG_CHARS
    assert slug not in WINDOWS_RESERVED
    assert not any(bad in slug for bad in ("..", "/", "\\", "\x00"))
    assert slugify(slug) == slug


@given(tricky_text, st.integers(min_value=10, max_value=120))
def test_slugify_respects_any_length_bound(text: str, bound: int) -> None:
    slug = slugify(text, max_chars=bound)
    assert len(slug) <= bound
    assert slugify(slug, max_chars=bound) == slug


wanted_slugs = st.lists(
    st.sampled_from(["news", "con-x", "a", "a-b", "x" * MAX_SLUG_CHARS, "same"]) | st.text(),
    max_size=30,
)


def assign(wanted: list[str]) -> tuple[dict[str, Slug], list[tuple[int, Slug, Slug]]]:
    items = list(enumerate(wanted))
    given_, renamed = assign_unique(
        items, lambda item: slugify(item[1]), lambda item: f"content/{item[0]}.md"
    )
    return given_, [(i, w, n) for (i, _), w, n in renamed]


@given(wanted_slugs)
def test_assign_unique_gives_distinct_safe_slugs(wanted: list[str]) -> None:
    given_, renamed = assign(wanted)
    assert len(given_) == len(wanted)
    assert len(set(given_.values())) == len(wanted)
    for slug in given_.values():
        assert is_slug(slug) and len(slug) <= MAX_SLUG_CHARS
    # the first to want a slug keeps it
    for i, text in enumerate(wanted):
        if slugify(text) not in {slugify(t) for t in wanted[:i]}:
            assert given_[f"content/{i}.md"] == slugify(text) or any(
                n == slugify(text) for _, _, n in renamed
            )


@given(wanted_slugs, wanted_slugs)
def test_assign_unique_is_stable_when_newer_items_arrive(old: list[str], new: list[str]) -> None:
    before, _ = assign(old)
    after, _ = assign(old + new)
    assert assign(old)[0] == before
    assert {k: after[k] for k in before} == before


def test_assign_unique_survives_duplicate_keys() -> None:
    items = ["same"] * 50
    _, renamed = assign_unique(items, lambda _: Slug("same"), lambda _: "one-key")
    assert len(renamed) == 49
    assert len({new for _, _, new in renamed} | {Slug("same")}) == 50


# -- normalize is total ----------------------------------------------------------------------

OFFSET_14 = timezone(timedelta(hours=14))
ZONES = [ZoneInfo("UTC"), ZoneInfo("Europe/Paris"), ZoneInfo("Pacific/Kiritimati")]
zones = st.sampled_from(ZONES)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(["", "2020-13-45", "Tue, 15 Dec 2020 18:38:00 +0000", "https://x.org/a"]),
    st.datetimes(),
    # fixed offsets, as YAML gives them (zone-aware draws make hypothesis slow)
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-12)), OFFSET_14])),
    st.dates(),
)
SUBKEYS = ["name", "domain", "url", "width", "height", "alt", "title", "webUrl", "provider"]
yaml_like = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(SUBKEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=8,
)
metas = st.dictionaries(
    st.sampled_from(sorted(KNOWN_FIELDS)) | st.text(max_size=8), yaml_like, max_size=8
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metas, st.text(max_size=200), zones)
def test_normalize_never_raises(meta: dict[str, Any], body: str, tz: ZoneInfo) -> None:
    doc = SourceDoc(Path("content/x.md"), meta, body, {"title": 2}, first_line=2)
    article, problems = normalize(doc, tz)
    for p in problems:
        assert p.path == "content/x.md" and p.line >= 1 and p.field and p.message
    if article is not None:
        assert article.title and is_slug(article.slug)
        assert article.published is None or article.published.utcoffset() == timedelta(0)
        assert article.published is None or article.published.tzinfo is UTC
        assert "secured" not in article.extra
        for url in (article.url, *article.urls, *(i.url for i in article.images)):
            assert url == "" or url.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("name", "slug"),
    [("C#", "c-sharp"), ("F# tips", "f-sharp-tips"), ("#MeToo", "metoo"), ("issue#5", "issue-5")],
)
def test_sharp_after_a_letter_is_a_different_name(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert merge_key("C#") != merge_key("C")


@given(st.text(st.sampled_from([*"aZ09-_ .#&+'/é", "\u0130", "ß"])))
def test_a_slug_is_its_ascii_texts_letter_and_digit_runs_joined(text: str) -> None:
    # slugify's runs of letters and digits joined by "-": what substituting every other run by
    # "-" and stripping the ends made.

    ascii_text = _ascii(unicodedata.normalize("NFKC", text)).lower()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ").replace("'", "")
    ascii_text = re.sub(r"(?<=[a-z])#(?![a-z0-9])", " sharp ", ascii_text)
    expected = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if expected and len(expected) <= 80 and expected not in RESERVED_NAMES:
        assert slugify(text) == expected
