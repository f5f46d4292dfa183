"""Any bytes, any YAML value in any field: an Article or a `path:line: field: message`
Problem, never a traceback. Plus the limits on file size, titles, topics and related."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sec_helpers import digest_file

import sitegen.normalize as normalize_module
from sitegen.load import parse_source
from sitegen.model import Article, SourceDoc
from sitegen.normalize import KNOWN_FIELDS, Options, normalize, sanitize_body
from sitegen.problems import Problem
from sitegen.slugs import is_slug, slugify

SHOWN = Path("content/fuzz.md")
PROBLEM_LINE = re.compile(r"^content/fuzz\.md:[1-9]\d*: [^\s:][^:]*: \S.*", re.DOTALL)
UTC_TZ = ZoneInfo("UTC")


def assert_problem(p: Problem) -> None:
    assert PROBLEM_LINE.match(str(p)), repr(str(p))


def check_doc(doc: SourceDoc | Problem) -> None:
    if isinstance(doc, Problem):
        assert_problem(doc)
        return
    article, problems = normalize(doc, UTC_TZ)
    for p in problems:
        assert_problem(p)
    if article is None:
        assert any(p.field == "title" and p.severity == "error" for p in problems)
    else:
        assert isinstance(article, Article) and is_slug(article.slug) and article.title


# -- any bytes -------------------------------------------------------------------------------

FRAGMENTS = [
    b"---\n",
    b"title: ",
    b"topics: [",
    b"- ",
    b"{",
    b"}",
    b"]",
    b"&a ",
    b"*a ",
    b"!!python/object:os.system ",
    b"!!binary ",
    b"<<: ",
    b'"\\ud800"',
    b"? ",
    b": ",
    b"\n",
    b"\t",
    b"\xff",
    b"\xc3\xa2\xe2\x82\xac\xe2\x80\x9c",
    b"\x00",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"2020-13-45T25:61:00Z",
    b"9999-12-31T23:59:59-23:59",
    b"0001-01-01",
    b"1e400",
    b".nan",
    b"[x](javascript:alert(1))",
    b"<script>",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_load_to_a_doc_or_a_problem(raw: bytes) -> None:
    check_doc(parse_source(raw, SHOWN))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=6), max_size=40))
def test_yaml_shaped_bytes_load_to_a_doc_or_a_problem(parts: list[bytes]) -> None:
    check_doc(parse_source(b"---\ntitle: t\n" + b"".join(parts), SHOWN))
    check_doc(parse_source(b"".join(parts), SHOWN))


@pytest.mark.parametrize(
    "raw",
    [
        b"---\ntitle: " + b"[" * 5000 + b"\n---\n",  # deep nesting
        b"---\na: &a [" + b"*a, " * 9 + b"*a]\ntitle: x\n---\n",
        b"---\ntitle: !!python/object/apply:os.system [echo hi]\n---\n",
        b'---\ntitle: "\\ud800"\n---\n',
        b"---\ntitle: x\npublishedDateTime: 0000-01-01\n---\n",
        b"---\n? [a, b]\n: c\ntitle: x\n---\n",
        b"---\ntitle: x\n---\n" + b"- " * 3000 + b"x",  # a body nested too deeply
        b"---\ntitle: x\n---\n" + b"[" * 5000 + b"x",  # a body that is slow to parse
        b"---\n- a\n- b\n---\n",
        b"---\n---\n",
        b"---\ntitle: x\n",
        b"",
    ],
)
def test_known_bad_inputs_load_to_a_doc_or_a_problem(raw: bytes) -> None:
    check_doc(parse_source(raw, SHOWN))


# -- any YAML value in any field ---------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.datetimes(timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=-23))))
    | st.dates()
    | st.binary(max_size=10)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=5,
)
FIELDS = [*sorted(KNOWN_FIELDS), "url", "width", "name", "domain", "extra"]
NESTED_FIELDS = st.dictionaries(
    st.sampled_from(FIELDS), VALUES, max_size=3
)  # the shape of provider, images[i] and related[i]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8),
        VALUES | NESTED_FIELDS | st.lists(NESTED_FIELDS, max_size=2),
        max_size=6,
    ),
    st.text(max_size=60),
)
def test_normalize_takes_any_value_in_any_field(meta: dict[str, Any], body: str) -> None:
    lines = {name: i + 2 for i, name in enumerate(meta)}
    check_doc(SourceDoc(SHOWN, meta, body, lines, first_line=1, body_line=len(meta) + 3))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
def test_any_yaml_dump_round_trips_to_an_article_or_a_problem(meta: dict[str, Any]) -> None:
    try:
        text = digest_file(meta)
    except yaml.YAMLError:
        return  # not representable (bytes in a key and so on)
    check_doc(parse_source(text.encode("utf-8", "surrogatepass"), SHOWN))


@given(st.text())
def test_slugify_never_raises_and_is_idempotent(text: str) -> None:
    assert slugify(slugify(text)) == slugify(text)


@given(st.text(max_size=300))
def test_sanitize_body_never_raises(body: str) -> None:
    clean, notes = sanitize_body(body)
    assert "<script" not in clean.lower() and all(isinstance(n, str) for n in notes)


# -- limits ------------------------------------------------------------------------------------


def test_a_huge_topic_list_is_cut_reported_and_handled_in_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"clean_text": 0}
    real = normalize_module.clean_text

    def counting(*args: Any, **kwargs: Any) -> str:
        calls["clean_text"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(normalize_module, "clean_text", counting)
    raw = "---\ntitle: Many\ntopics:\n" + "".join(f"- Topic {i}\n" for i in range(100_000))
    doc = parse_source((raw + "---\n").encode(), SHOWN)
    assert isinstance(doc, SourceDoc)
    article, problems = normalize(doc, UTC_TZ, options=Options(max_topics=25))
    assert article is not None and len(article.topics) == 25
    assert [p.field for p in problems] == ["topics"]
    assert "100000 entries; only the first 25 are kept (max_topics)" in problems[0].message
    assert calls["clean_text"] < 25 + 10  # the 99,975 others are never looked at


@pytest.mark.parametrize(
    ("field", "setting"), [("related", "max_related"), ("images", "max_images")]
)
def test_huge_related_and_image_lists_are_cut_and_reported(field: str, setting: str) -> None:
    item = (
        {"title": "R", "webUrl": "https://r.example/"}
        if field == "related"
        else {"url": "https://i.example/a.jpg"}
    )
    meta = {"title": "Many", field: [item] * 100_000}
    article, problems = normalize(
        SourceDoc(SHOWN, meta, "", {}), UTC_TZ, options=Options(max_related=7, max_images=7)
    )
    assert article is not None and len(getattr(article, field)) == 7
    assert len(problems) == 1 and f"({setting})" in problems[0].message


def test_limits_come_from_the_config(tmp_path: Path) -> None:
    from sec_helpers import build_site, site_config, write_files

    topics = [f"T{i}" for i in range(500)]
    write_files(tmp_path, {"content/a.md": digest_file({"title": "A", "topics": topics})})
    write_files(tmp_path, {"content/b.md": digest_file({"title": "A much longer title"})})
    result = build_site(site_config(tmp_path, max_topics=3, max_title_chars=8))
    assert result.index is not None
    assert len(result.index.articles[0].topics) == 3
    assert len(list((tmp_path / "output/topics").iterdir())) == 3 + 1  # and index.html
    assert any("max_title_chars" in p.message for p in result.problems)


def test_a_file_over_max_file_bytes_is_skipped_unread(tmp_path: Path) -> None:
    from sec_helpers import build_site, site_config, write_files

    write_files(tmp_path, {"content/big.md": digest_file({"title": "Big"}, "x" * 5000)})
    result = build_site(site_config(tmp_path, max_file_bytes=1000))
    assert result.articles == 0
    assert any("over the 1,000-byte limit (max_file_bytes)" in str(p) for p in result.problems)


def test_a_body_too_deep_to_parse_does_not_break_the_next_one() -> None:
    _, notes = sanitize_body("- " * 3000 + "x")
    assert notes == ["is nested too deeply to render; left out"]
    assert sanitize_body("[x](https://ok.example/)")[0].startswith('<p><a href="https://ok')


def test_datetimes_at_the_edges_are_reported_not_raised() -> None:
    for value in (datetime.min, datetime.max.replace(tzinfo=UTC), date.min, "+999999-01-01"):
        doc = SourceDoc(SHOWN, {"title": "x", "publishedDateTime": value}, "", {})
        check_doc(doc)
