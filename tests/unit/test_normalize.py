"""Stage 2, normalize: every field of messy feed data to a clean value or a reported problem."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.load import parse_source
from sitegen.model import Article, SourceDoc
from sitegen.normalize import normalize

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
SEED_TITLE = "It Takes a Lot of Energy for Machines to Learn â€“ Here's Why AI Is So Power-Hungry"


def run(body: str = "", tz: ZoneInfo = UTC_ZONE, **meta: Any) -> tuple[Article | None, list[str]]:
    meta.setdefault("title", "A title")
    doc = SourceDoc(Path("content/a.md"), meta, body, field_lines={}, first_line=1)
    article, problems = normalize(doc, tz)
    return article, [f"{p.field}: {p.message}" for p in problems]


def ok(body: str = "", tz: ZoneInfo = UTC_ZONE, **meta: Any) -> Article:
    article, problems = run(body, tz, **meta)
    assert article is not None
    assert problems == []
    return article


def warned(**meta: Any) -> tuple[Article, list[str]]:
    article, problems = run(**meta)
    assert article is not None
    assert problems, "expected a problem"
    return article, problems


# -- title -----------------------------------------------------------------------------------


def test_seed_title_mojibake_is_repaired() -> None:
    assert ok(title=SEED_TITLE).title == (
        "It Takes a Lot of Energy for Machines to Learn – Here's Why AI Is So Power-Hungry"
    )


def test_correct_typography_is_left_alone() -> None:
    title = "“Quoted” words, it’s ＡＩ — Łódź"
    assert ok(title=title).title == title


def test_a_text_met_again_is_repaired_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import ftfy

    from sitegen import normalize as normalize_module

    calls: list[str] = []
    fix = ftfy.fix_text

    def counting(text: str, **settings: Any) -> str:
        calls.append(text)
        return fix(text, **settings)

    monkeypatch.setattr(ftfy, "fix_text", counting)
    monkeypatch.setattr(normalize_module, "_REPAIRS", {})
    mojibake = "Sch\u00c3\u00b6n \u00e2\u20ac\u201c a title met twice"
    title = "Schön – a title met twice"
    related = [{"title": mojibake, "webUrl": "https://example.org/a"}]
    assert ok(title=mojibake, related=related).related[0].title == title
    assert ok(title=mojibake).title == title
    assert calls == [mojibake]


def test_html_is_stripped_from_titles() -> None:
    assert ok(title="<b>Bold</b> &amp; <i>brave</i> <script>x()</script>").title == "Bold & brave"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Q&amp;amp;A &amp;quot;live&amp;quot;", 'Q&A "live"'),
        ("&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt; news", "Bold news"),
        ("AT&amp;T &lt;3", "AT&T <3"),
        ("Fish &amp; chips", "Fish & chips"),
    ],
)
def test_html_escaped_twice_by_the_feed_is_undone(title: str, expected: str) -> None:
    assert ok(title=title).title == expected


def test_title_whitespace_is_collapsed() -> None:
    assert ok(title="  Many \n\t spaces\u200b here  ").title == "Many spaces here"


def test_bidi_controls_are_dropped_from_text_but_marks_stay() -> None:
    # An override left open would reorder whatever follows the title where it is shown inline.
    article = ok(title="\u0627\u0644\u0630\u0643\u0627\u0621 \u202eevil\u2066 x\u2069\u200f")
    assert article.title == "\u0627\u0644\u0630\u0643\u0627\u0621 evil x\u200f"
    assert ok(excerpt="a\u202ab\u202c").excerpt == "ab"


def test_number_title_is_text() -> None:
    assert ok(title=2020).title == "2020"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "missing; every digest needs a title, so the file was skipped"),
        ("", "is empty once HTML and spaces are removed; the file was skipped"),
        ("<p> </p>", "is empty once HTML and spaces are removed; the file was skipped"),
        (
            "\u200c\u200d\u00ad \u2060",
            "is empty once HTML and spaces are removed; the file was skipped",
        ),
        (["a", "b"], "must be text, not a list; the file was skipped"),
        ({"a": 1}, "must be text, not a mapping; the file was skipped"),
        (True, "must be text, not true/false; the file was skipped"),
    ],
)
def test_unusable_title_skips_the_article(value: Any, message: str) -> None:
    article, problems = run(title=value)
    assert article is None
    assert problems == [f"title: {message}"]


def test_long_title_is_shortened_at_a_word() -> None:
    doc = SourceDoc(Path("a.md"), {"title": "word " * 100}, "", {})
    article, problems = normalize(doc, UTC_ZONE, max_title_chars=42)
    assert article is not None
    assert article.title == "word word word word word word word word…"
    assert [p.message for p in problems] == [
        "is longer than 42 characters (max_title_chars); shortened"
    ]


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-12-15T18:38:00Z", datetime(2020, 12, 15, 18, 38, tzinfo=UTC)),
        ("2020-12-15T19:38:00+01:00", datetime(2020, 12, 15, 18, 38, tzinfo=UTC)),
        (
            datetime(2020, 12, 15, 18, 38, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2020, 12, 15, 23, 38, tzinfo=UTC),
        ),
        ("Tue, 15 Dec 2020 18:38:00 +0000", datetime(2020, 12, 15, 18, 38, tzinfo=UTC)),
        ("Tue, 15 Dec 2020 18:38:00 GMT", datetime(2020, 12, 15, 18, 38, tzinfo=UTC)),
    ],
)
def test_dates_with_a_zone_become_utc(value: Any, expected: datetime) -> None:
    published = ok(publishedDateTime=value, tz=PARIS).published
    assert published == expected
    assert published is not None and published.utcoffset() == timedelta(0)


def test_naive_dates_are_read_in_the_site_time_zone() -> None:
    winter = ok(publishedDateTime="2020-12-15T18:38:00", tz=PARIS).published
    summer = ok(publishedDateTime=datetime(2020, 7, 1, 12, 0), tz=PARIS).published
    assert winter == datetime(2020, 12, 15, 17, 38, tzinfo=UTC)
    assert summer == datetime(2020, 7, 1, 10, 0, tzinfo=UTC)


def test_date_only_is_midnight_in_the_site_time_zone() -> None:
    assert ok(publishedDateTime=date(2020, 12, 15), tz=PARIS).published == datetime(
        2020, 12, 14, 23, 0, tzinfo=UTC
    )
    assert ok(publishedDateTime="2020-12-15").published == datetime(2020, 12, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Dec 15, 2020 6:38 PM", datetime(2020, 12, 15, 17, 38, tzinfo=UTC)),
        ("Dec 15, 2020, 6:38 p.m.", datetime(2020, 12, 15, 17, 38, tzinfo=UTC)),
        ("Dec 15, 2020 12:10 AM", datetime(2020, 12, 14, 23, 10, tzinfo=UTC)),
        ("Dec 15, 2020 12:10 PM", datetime(2020, 12, 15, 11, 10, tzinfo=UTC)),
        ("December 15, 2020 18:38", datetime(2020, 12, 15, 17, 38, tzinfo=UTC)),
        ("Sept. 3, 2021", datetime(2021, 9, 2, 22, 0, tzinfo=UTC)),
    ],
)
def test_month_name_dates_are_read_in_the_site_time_zone(value: str, expected: datetime) -> None:
    assert ok(publishedDateTime=value, tz=PARIS).published == expected


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
def test_a_twelve_hour_clock_date_reads_back_as_written(moment: datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    text = moment.strftime("%b %d, %Y %I:%M %p")
    assert ok(publishedDateTime=text).published == moment.replace(tzinfo=UTC)


def test_yaml_timestamps_from_a_file_are_read() -> None:
    text = "---\ntitle: t\npublishedDateTime: 2020-12-15T18:38:00Z\n---\n"
    doc = parse_source(text.encode(), Path("a.md"))
    assert isinstance(doc, SourceDoc)
    article, problems = normalize(doc, PARIS)
    assert article is not None and problems == []
    assert article.published == datetime(2020, 12, 15, 18, 38, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2020-13-45",
            '"2020-13-45" is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)',
        ),
        ("yesterday", '"yesterday" is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)'),
        # the email parser would read these as 06:38 with no zone: refused, not misread
        (
            "Dec 15, 2020 6:38 PM EST",
            '"Dec 15, 2020 6:38 PM EST" is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)',
        ),
        (
            "Dec 15, 2020 13:10 PM",
            '"Dec 15, 2020 13:10 PM" is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)',
        ),
        ("", '"" is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)'),
        (12, "12 is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)"),
        (["2020-01-01"], "a list is not a date (use ISO 8601, e.g. 2020-12-15T18:38:00Z)"),
        (
            "Mon, 1 Jan 99999999999 00:00:00",
            '"Mon, 1 Jan 99999999999 00:00:00" is not a date '
            "(use ISO 8601, e.g. 2020-12-15T18:38:00Z)",
        ),
    ],
)
def test_invalid_dates_are_dropped_with_a_warning(value: Any, message: str) -> None:
    article, problems = warned(publishedDateTime=value)
    assert article.published is None
    assert problems == [f"publishedDateTime: {message}"]


def test_invalid_unquoted_date_in_a_file_is_reported_at_its_line() -> None:
    text = "---\ntitle: t\nexcerpt: e\npublishedDateTime: 2020-13-45\n---\n"
    doc = parse_source(text.encode(), Path("content/ai-energy.md"))
    assert isinstance(doc, SourceDoc)
    article, problems = normalize(doc, UTC_ZONE)
    assert article is not None
    assert [str(p) for p in problems] == [
        'content/ai-energy.md:4: publishedDateTime: "2020-13-45" is not a date '
        "(use ISO 8601, e.g. 2020-12-15T18:38:00Z)"
    ]


# -- topics, provider, URLs ------------------------------------------------------------------


def test_topics_are_deduplicated_by_slug_keeping_the_first_spelling() -> None:
    topics = ok(topics=["AI Ethics", "ai ethics", "AI", " AI-Ethics ", "Climate"]).topics
    assert [(t.name, t.slug) for t in topics] == [
        ("AI Ethics", "ai-ethics"),
        ("AI", "ai"),
        ("Climate", "climate"),
    ]


def test_topics_may_be_a_comma_separated_string() -> None:
    assert [t.name for t in ok(topics="AI, Climate ,,Energy").topics] == [
        "AI",
        "Climate",
        "Energy",
    ]


def test_bad_topics_are_reported() -> None:
    article, problems = warned(topics=["AI", {"x": 1}, None])
    assert [t.name for t in article.topics] == ["AI"]
    assert problems == ["topics[1]: must be text, not a mapping; ignored"]
    article, problems = warned(topics=5)
    assert article.topics == ()
    assert problems == ["topics: must be a list of names, not a number; ignored"]


def test_provider_mapping() -> None:
    p = ok(provider={"name": "Government Technology", "domain": "www.GovTech.com"}).provider
    assert p is not None
    assert (p.name, p.domain, p.slug) == (
        "Government Technology",
        "govtech.com",
        "government-technology",
    )


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("https://www.GovTech.com/news/", "govtech.com"),
        ("techxplore.com/path", "techxplore.com"),
        ("bücher.de", "bücher.de"),
        ("News.BBC.co.uk.", "news.bbc.co.uk"),
        ("x" * 63 + ".com", "x" * 63 + ".com"),  # the longest label IDNA allows
    ],
)
def test_provider_domain_is_a_host_name(domain: str, expected: str) -> None:
    p = ok(provider={"name": "P", "domain": domain}).provider
    assert p is not None and p.domain == expected


@pytest.mark.parametrize(
    "domain",
    [
        "javascript:alert(1)",
        "two words.com",
        "http://[::1",
        "-bad-.com",
        "nodot",
        "a..b",
    ],
)
def test_provider_domain_that_is_no_host_name_is_dropped(domain: str) -> None:
    article, problems = warned(provider={"name": "P", "domain": domain})
    assert article.provider is not None
    assert (article.provider.name, article.provider.domain) == ("P", "")
    assert problems == [f"provider.domain: {json.dumps(domain)} is not a domain name; ignored"]


@pytest.mark.parametrize(
    "domain", ["x" * 64 + ".com", "b\u00fccher" + "x" * 60 + ".de", "example." + "x" * 64]
)
def test_provider_domain_with_a_label_idna_refuses_is_dropped(domain: str) -> None:
    # Too long a label, ASCII or not (an ASCII name is not handed to the IDNA codec).
    article, problems = warned(provider={"name": "P", "domain": domain})
    assert article.provider is not None and article.provider.domain == ""
    assert len(problems) == 1 and problems[0].startswith("provider.domain: ")
    assert problems[0].endswith(" is not a domain name; ignored")


def test_a_provider_named_again_is_reported_again_wherever_it_is() -> None:
    # Providers are remembered between digests: only those that made no problem.
    bad = {"name": "P", "domain": "two words.com"}
    for _ in range(2):
        _, problems = warned(provider=bad, related=[{"title": "R", "provider": bad}])
        assert problems == [
            'provider.domain: "two words.com" is not a domain name; ignored',
            'related[0].provider.domain: "two words.com" is not a domain name; ignored',
        ]


def test_a_provider_named_again_is_the_same_provider() -> None:
    given = {"name": "Government Technology", "domain": "www.GovTech.com"}
    first, again = ok(provider=given).provider, ok(provider=dict(given)).provider
    assert first == again == ok(related=[{"title": "R", "provider": given}]).related[0].provider


def test_topics_named_again_are_cleaned_the_same() -> None:
    for _ in range(2):
        article = ok(topics=["AI â€“ Ethics", "  AI – ethics ", "Climate"])
        assert [(t.name, t.slug) for t in article.topics] == [
            ("AI – Ethics", "ai-ethics"),
            ("Climate", "climate"),
        ]


def test_provider_string_is_its_name() -> None:
    p = ok(provider="techxplore.com").provider
    assert p is not None
    assert (p.name, p.domain, p.slug) == ("techxplore.com", "", "techxplore-com")


def test_missing_provider_is_derived_from_the_url() -> None:
    p = ok(originalUrl="https://www.govtech.com/a.html").provider
    assert p is not None
    assert (p.name, p.domain, p.slug) == ("govtech.com", "govtech.com", "govtech-com")
    assert ok().provider is None


def test_bad_provider_is_dropped() -> None:
    article, problems = warned(provider=["x"])
    assert article.provider is None
    assert problems == ["provider: must be a mapping with name and domain, not a list; ignored"]
    article, problems = warned(provider={"name": ""})
    assert problems == ["provider: has neither a name nor a domain; ignored"]


def test_urls_must_be_absolute_http() -> None:
    article, problems = warned(
        originalUrl="javascript:alert(1)",
        webUrl="https://example.com/a",
        ampWebUrl="https://example.com/a?AMP",
        cdnAmpWebUrl=42,
    )
    assert article.url == "https://example.com/a"
    assert article.urls == ("https://example.com/a", "https://example.com/a?AMP")
    assert problems == [
        'originalUrl: "javascript:alert(1)" is not an http(s) URL; ignored',
        "cdnAmpWebUrl: must be a URL, not a number; ignored",
    ]


def test_a_usual_url_is_kept_without_a_second_check_or_an_escape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sitegen import normalize as normalize_module

    def fail(url: str) -> str:
        raise AssertionError(url)

    monkeypatch.setattr(normalize_module, "url_problem", fail)
    monkeypatch.setattr(normalize_module, "escape_url", fail)
    url = "https://www.example.com:443/news/2021/a-b_c.html?AMP&x=1;y=(2)*~!$'+,@#top"
    assert ok(webUrl=url, related=[{"title": "T", "webUrl": url}]).urls == (url,)


_URLISH = st.text(alphabet=st.sampled_from([*"aZ09.-:/?#%\"<>^`{|}[]\\ \t~!$&'()*+,;=@_é\x7f"]))


@given(st.sampled_from(["http://", "HTTPS://", "https://", "hTTp://", "ftp://", "//", ""]), _URLISH)
def test_a_url_kept_as_it_is_is_one_the_check_passes_and_the_escape_keeps(
    scheme: str, rest: str
) -> None:
    from sitegen.bodyfix import escape_url
    from sitegen.normalize import _LINKABLE_URL, url_problem

    url = scheme + rest
    if _LINKABLE_URL.fullmatch(url):
        assert url_problem(url) == ""
        assert escape_url(url) == url


def test_no_character_the_escape_changes_is_in_a_url_kept_as_it_is() -> None:
    from sitegen.bodyfix import escape_url
    from sitegen.normalize import _LINKABLE_URL

    for code in range(0x110000):
        for url in (f"https://a.example/{chr(code)}", f"https://a.example/?{chr(code)}2F"):
            if _LINKABLE_URL.fullmatch(url):
                assert escape_url(url) == url, hex(code)


# -- images and related ----------------------------------------------------------------------


def test_images_keep_valid_urls_and_sizes() -> None:
    article, problems = warned(
        title="Pic",
        images=[
            {"url": "https://img.example/a.jpg", "width": 1120, "height": "630", "isCached": True},
            {"url": "ftp://img.example/b.jpg"},
            {"url": "https://img.example/c.jpg", "width": -3, "height": 2.0},
            "https://img.example/d.jpg",
        ],
    )
    assert [(i.url, i.width, i.height, i.alt) for i in article.images] == [
        ("https://img.example/a.jpg", 1120, 630, "Pic"),
        ("https://img.example/c.jpg", None, 2, "Pic"),
    ]
    assert sorted(problems) == [
        'images[1].url: "ftp://img.example/b.jpg" is not an http(s) URL; ignored',
        "images[2].width: -3 is not a size in pixels; ignored",
        "images[3]: must be a mapping, not text; ignored",
    ]


def test_related_entries_are_read() -> None:
    article = ok(
        related=[
            {
                "title": "It takes a lot of energy: Why AI is so power-hungry",
                "excerpt": "Google forced out <b>a researcher</b>",
                "publishedDateTime": "2020-12-15T14:03:00Z",
                "webUrl": "https://techxplore.com/news/a.html",
                "ampWebUrl": "https://techxplore.com/news/a.amp",
                "provider": {"name": "techxplore.com", "domain": "techxplore.com"},
                "quality": 58,
                "secured": "TOKEN",
            },
            {"webUrl": "https://www.example.org/b"},
        ]
    )
    first, second = article.related
    assert first.title == "It takes a lot of energy: Why AI is so power-hungry"
    assert first.url == "https://techxplore.com/news/a.html"
    assert first.urls == ("https://techxplore.com/news/a.html", "https://techxplore.com/news/a.amp")
    assert first.provider is not None and first.provider.name == "techxplore.com"
    assert first.published == datetime(2020, 12, 15, 14, 3, tzinfo=UTC)
    assert first.excerpt == "Google forced out a researcher"
    assert second.title == "https://www.example.org/b"
    assert second.provider is not None and second.provider.name == "example.org"


def test_bad_related_entries_are_reported_and_skipped() -> None:
    article, problems = warned(related=[{"excerpt": "no title, no url"}, "text"])
    assert article.related == ()
    assert sorted(problems) == [
        "related[0]: has neither a title nor a URL; ignored",
        "related[1]: must be a mapping, not text; ignored",
    ]


# -- numbers and flags -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(54, 54), ("58", 58), (" -1 ", -1), (7.0, 7)])
def test_quality_and_heat_are_whole_numbers(value: Any, expected: int) -> None:
    article = ok(quality=value, heat=value)
    assert (article.quality, article.heat) == (expected, expected)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("high", '"high"'), (5.5, "5.5"), (True, "true/false"), ([1], "a list")],
)
def test_non_integer_quality_is_dropped(value: Any, shown: str) -> None:
    article, problems = warned(quality=value)
    assert article.quality is None
    assert problems == [f"quality: must be a whole number, not {shown}; ignored"]


@pytest.mark.parametrize(
    ("value", "draft"),
    [(True, False), (False, True), ("yes", False), ("False", True), ("on", False), (0, True)],
)
def test_published_flag(value: Any, draft: bool) -> None:
    assert ok(published=value).draft is draft


def test_missing_published_means_published() -> None:
    assert ok().draft is False


@pytest.mark.parametrize(
    ("value", "shown"), [("maybe", '"maybe"'), (None, "empty"), ([True], "a list")]
)
def test_invalid_published_makes_a_draft(value: Any, shown: str) -> None:
    article, problems = warned(published=value)
    assert article.draft is True
    assert problems == [f"published: must be true or false, not {shown}; treated as a draft"]


# -- body, extra -----------------------------------------------------------------------------


def test_markdown_body_is_rendered() -> None:
    html = ok(body="# Head\n\nSome *text* and [a link](https://example.com).\n").body_html
    assert "<h1>Head</h1>" in html
    assert "<em>text</em>" in html
    assert 'href="https://example.com"' in html


def test_body_html_is_sanitized() -> None:
    article, problems = run(
        body='<script>alert(1)</script>\n\n<a href="javascript:x()" onclick="y()">l</a>\n\n'
        '<img src="https://i.example/a.png" onerror="z()">\n'
    )
    assert article is not None
    html = article.body_html
    assert problems == ['body: link "javascript:x()" is not an http(s) URL; removed']
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert "onerror" not in html
    assert 'src="https://i.example/a.png"' in html


def test_a_link_or_picture_whose_url_is_removed_leaves_valid_html() -> None:
    article, problems = run(
        body='[click](javascript:alert(1)) <a title="t" href="//evil">here</a> '
        "[kept](https://example.com/)\n\n![gone](javascript:x) ![shown](https://i.example/a.png)"
        '\n\n<map name="m"><area href="javascript:y" alt="a"></map>\n'
    )
    assert article is not None and len(problems) == 4
    html = article.body_html
    # an <a> keeping only rel, an <img> without src, an <area>: all invalid HTML
    assert "<a" not in html.replace('<a href="https://example.com/"', "")
    assert "click" in html and "here" in html
    assert html.count("<img") == 1 and 'src="https://i.example/a.png"' in html
    assert "<area" not in html and "<map" not in html


def test_empty_body_gives_no_html() -> None:
    assert ok(body="\n  \n").body_html == ""


def test_deeply_nested_body_is_reported_not_raised() -> None:
    article, problems = run(body="- " * 3000 + "x\n")
    assert article is not None
    assert article.body_html == ""
    assert problems == ["body: is nested too deeply to render; left out"]
    # and the next body renders as if nothing happened
    assert ok(body="Para *one*:\n\n1. item\n").body_html == (
        "<p>Para <em>one</em>:</p>\n<ol>\n<li>item</li>\n</ol>"
    )


def test_unknown_fields_go_to_extra_and_secured_never_does() -> None:
    article = ok(secured="TOKEN", mood="sunny", count=3, title="T", quality=5)
    assert article.extra == {"mood": "sunny", "count": 3}
    assert "TOKEN" not in repr(article)


def test_excerpt_and_text_fields_are_cleaned() -> None:
    article = ok(excerpt="  <p>Training  neural   networks</p> ", category="news", type="article")
    assert (article.excerpt, article.category, article.kind) == (
        "Training neural networks",
        "news",
        "article",
    )


def test_a_field_given_twice_gets_a_warning_at_the_value_used() -> None:
    source = parse_source(b"---\ntitle: One\ntitle: Two\n---\n", Path("content/a.md"))
    assert isinstance(source, SourceDoc)
    article, problems = normalize(source, UTC_ZONE)
    assert article is not None and article.title == "Two"
    assert [str(p) for p in problems] == [
        "content/a.md:3: title: is given more than once (first on line 2); the last one is used"
    ]


@pytest.mark.parametrize(
    ("key", "shown"),
    [("oics:", '"oics:"'), ("two words", '"two words"'), ('"', '"\\""'), ("a\nb", '"a\\nb"')],
)
def test_a_repeated_key_of_any_spelling_keeps_the_problem_line_form(key: str, shown: str) -> None:
    # found by the fuzzer: a key with a colon broke the "path:line: field: message" form
    text = f"---\ntitle: t\n{json.dumps(key)}: 1\n{json.dumps(key)}: 2\n---\n"
    source = parse_source(text.encode(), Path("content/a.md"))
    assert isinstance(source, SourceDoc)
    _, problems = normalize(source, UTC_ZONE)
    assert [str(p) for p in problems] == [
        f"content/a.md:4: frontmatter: key {shown} is given more than once (first on line 3); "
        "the last one is used"
    ]
    assert re.fullmatch(r"content/a\.md:[1-9]\d*: [^\s:][^:]*: \S.*", str(problems[0]))


def test_control_character_problem_names_a_plain_field_or_the_frontmatter() -> None:
    for text, shown in [
        (b"---\ntitle: ok\nexcerpt: a\x0fb\n---\n", "content/a.md:3: excerpt: holds control"),
        (b"---\ntitle: ok\n'a b: c': x\x0f\n---\n", "content/a.md:3: frontmatter: holds"),
    ]:
        doc = parse_source(text, Path("content/a.md"))
        assert isinstance(doc, SourceDoc)
        problems = normalize(doc, UTC_ZONE)[1]
        assert [str(p) for p in problems if str(p).startswith(shown)], problems


# Markdown that makes links, pictures, footnotes and attributes, with no raw HTML ("<").
_MARKDOWN_PIECES = [
    "[a](https://example.org/a)",
    "![p](/img/p.png)",
    "[b](javascript:alert(1))",
    '[c](https://example.org/?a=1&b=2 "t")',
    "[d][r]\n\n[r]: //example.org/r",
    "text[^1]\n\n[^1]: note",
    "# H {: #id .cls data-x.y=1 href=bad }",
    'para\n{: title="x" src="/s" }',
    "`code & co`",
    "&lt;b&gt; &amp; &#60;",
    "*em* **strong** -- ... 'q' \"q\"",
    "| a | b |\n|---|---|\n| [t](/t) | 1 |",
    "Term\n: def [x](/x)",
    "    indented code [y](/y)",
    "\n\n",
]


@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=6).map(" ".join))
def test_links_in_markdown_output_are_read_as_the_html_parser_reads_them(text: str) -> None:
    from sitegen.normalize import _MARKDOWN, _new_markdown, _urls_in, _urls_in_markdown

    if not _MARKDOWN:
        _MARKDOWN.append(_new_markdown())
    rendered = _MARKDOWN[0].reset().convert(text)
    found = _urls_in_markdown(rendered)
    assert found is None or found == _urls_in(rendered), rendered


def test_printable_text_holds_no_control_and_no_space_but_the_plain_one() -> None:
    # Why clean text may skip the removal of controls and the collapsing of spaces.
    from sitegen.normalize import _CONTROL

    for code in range(0x110000):
        char = chr(code)
        if char.isprintable():
            assert not _CONTROL.match(char) and (char == " " or not char.isspace()), hex(code)


_SPACY = st.text(alphabet=st.sampled_from([*" \t\n\xa0\u2028\u200b\x85\x0b\x1fab.é\u3000"]))


@given(st.one_of(st.text(), _SPACY))
def test_clean_text_comes_out_as_the_full_collapsing_gives_it(text: str) -> None:
    from sitegen.normalize import _CONTROL, _collapsed

    assert _collapsed(text) == " ".join(_CONTROL.sub("", text).split())


def test_a_body_links_spaces_and_controls_are_those_of_each_character() -> None:
    from sitegen.normalize import _URL_SPACE_OR_CONTROL

    for code in range(0x110000):
        char = chr(code)
        expected = char.isspace() or code < 32 or 127 <= code < 160
        assert bool(_URL_SPACE_OR_CONTROL.search(char)) == expected, hex(code)


def test_articles_entries_and_images_are_as_their_dataclasses_make_them() -> None:
    # normalize makes them without their __init__ (model.made): the same fields, in the same
    # order (so the same pickled bytes in the cache), equal (and hashing alike: an Article
    # holds a dict, so it has no hash).
    import dataclasses
    import pickle

    article = ok(
        title="A title",
        webUrl="https://example.org/a",
        provider={"name": "Example", "domain": "example.org"},
        topics=["AI"],
        images=[{"url": "https://example.org/a.jpg", "width": 10, "height": 20}],
        related=[{"title": "Other", "webUrl": "https://example.org/b", "excerpt": "Text"}],
        extraField=1,
    )
    for made in (article, *article.related, *article.images):
        again = dataclasses.replace(made)  # through __init__
        assert list(vars(made)) == [f.name for f in dataclasses.fields(made)]
        assert made == again
        if not isinstance(made, Article):
            assert hash(made) == hash(again)
        assert pickle.dumps(made) == pickle.dumps(again)
