"""View models made faster are the same views: dates, topic and provider links, script JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sitegen.meta import compact_json, json_for_script
from sitegen.model import Provider, Slug, Topic
from sitegen.views import DateView, Urls, ViewFactory

ZONES = ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"]


def strftime_date(when: datetime, tz: ZoneInfo) -> DateView:
    """The date view as strftime writes it (how sitegen made it before)."""
    local = when.astimezone(tz)
    day = f"{local.day} {local:%b %Y}"
    return DateView(when.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{day}, {local:%H:%M}", day)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    st.sampled_from(ZONES),
)
def test_a_date_view_is_what_strftime_writes(when: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    views = ViewFactory(Urls("/"), tz)
    assert views.date(when) == strftime_date(when, tz)
    # The month's name comes from a memo the second time: the same text.
    later = when + timedelta(minutes=1) if when.year < 9999 else when
    assert views.date(later) == strftime_date(later, tz)


def test_a_year_before_1000_is_written_as_strftime_writes_it() -> None:
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    when = datetime(999, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert views.date(when) == strftime_date(when, ZoneInfo("UTC"))


def test_a_topic_or_provider_spelled_otherwise_under_the_same_slug_keeps_its_name() -> None:
    views = ViewFactory(Urls("/"), ZoneInfo("UTC"))
    assert views.topic(Topic("AI", Slug("ai"))).text == "AI"
    assert views.topic(Topic("A.I.", Slug("ai"))).text == "A.I."
    assert views.topic(Topic("A.I.", Slug("ai"))).url == "/topics/ai/"
    for name in ("BBC", "B.B.C.", "BBC"):
        link = views.provider(Provider(name, "bbc.co.uk", Slug("bbc")))
        assert link is not None and (link.text, link.url) == (name, "/providers/bbc/")
    assert views.provider(None) is None


@given(st.text())
def test_script_json_has_no_character_that_ends_a_script_and_reads_back(text: str) -> None:
    made = str(json_for_script({"t": text}))
    assert not any(c in made for c in "<>&\u2028\u2029")
    assert json.loads(made) == {"t": text}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_script_json_is_what_the_json_module_writes(data: object) -> None:
    expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        expected = expected.replace(char, escaped)
    expected = expected.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    assert str(json_for_script(data)) == expected


@given(JSON_VALUES)
def test_compact_json_is_what_the_json_module_writes(data: object) -> None:
    # (graph/data.json's rows and nodes: json.dumps's text, through one C encoder)
    assert compact_json(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
