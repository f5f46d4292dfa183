"""URL keys: every name of one article (AMP, AMP cache, tracking...) matches the others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.urls import _clean_query, _parse_query, _parts, _split_parts, match_key

GOVTECH = "https://www.govtech.com/computing/Energy-AI.html"
VARIANTS = [
    ("scheme", "http://www.govtech.com/computing/Energy-AI.html", GOVTECH),
    ("www", "https://govtech.com/computing/Energy-AI.html", GOVTECH),
    ("host case", "https://WWW.GovTech.com/computing/Energy-AI.html", GOVTECH),
    ("trailing slash", "https://example.com/a/b/", "https://example.com/a/b"),
    ("fragment", "https://example.com/a#comments", "https://example.com/a"),
    ("utm", "https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
    ("param order", "https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("?AMP", GOVTECH + "?AMP", GOVTECH),
    ("amp=1", "https://example.com/story?amp=1", "https://example.com/story"),
    ("outputType=amp", "https://www.reuters.com/article/x-id1?outputType=amp",
     "https://www.reuters.com/article/x-id1"),
    ("/amp/ segment", "https://www.bbc.co.uk/news/amp/business-1", "https://www.bbc.co.uk/news/business-1"),
    ("trailing /amp", "https://www.wired.com/story/robots/amp", "https://www.wired.com/story/robots/"),
    ("trailing /amp/", "https://arstechnica.com/a/2020/x/amp/", "https://arstechnica.com/a/2020/x/"),
    ("/platform/amp/", "https://www.theverge.com/platform/amp/2021/1/8/1/chips",
     "https://www.theverge.com/2021/1/8/1/chips"),
    (".amp suffix", "https://techxplore.com/news/2020-12-energy.amp",
     "https://techxplore.com/news/2020-12-energy.html"),
    ("AMP cache /c/s/",
     "https://www-govtech-com.cdn.ampproject.org/c/s/www.govtech.com/computing/Energy-AI.html?AMP",
     GOVTECH),
    ("AMP cache /v/s/", "https://techxplore-com.cdn.ampproject.org/v/s/techxplore.com/news/x.amp",
     "https://techxplore.com/news/x.html"),
    ("AMP cache /i/s/", "https://example-com.cdn.ampproject.org/i/s/example.com/img.jpg",
     "https://example.com/img.jpg"),
    ("AMP cache over http", "https://example-com.cdn.ampproject.org/c/example.com/a/amp/",
     "http://example.com/a"),
    ("spaces around", "  https://example.com/a  ", "https://example.com/a"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "variant", "canonical"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_every_variant_matches_its_canonical_url(name: str, variant: str, canonical: str) -> None:
    assert match_key(variant) == match_key(canonical)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a", "https://example.com/b"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("https://example.com/Story", "https://example.com/story"),  # paths are case-sensitive
        ("https://example.com/ampere", "https://example.com/"),
    ],
)
def test_different_articles_keep_different_keys(a: str, b: str) -> None:
    assert match_key(a) != match_key(b)


def test_unparsable_urls_match_only_themselves() -> None:
    assert match_key("http://[broken") == "http://[broken"


URLISH = st.builds(
    lambda scheme, host, parts, query, frag: f"{scheme}{host}/{'/'.join(parts)}{query}{frag}",
    st.sampled_from(["https://", "http://", "//", "", "HTTPS://www."]),
    st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z]{2,5}){1,2}", fullmatch=True),
    st.lists(st.sampled_from(["amp", "AMP", "platform", "a.html", "b.amp", "x", "", "c.htm"]),
             max_size=5),
    st.sampled_from(["", "?AMP", "?amp=1&b=2", "?outputType=amp", "?utm_source=x&id=3",
                     "?a=%zz+b"]),
    st.sampled_from(["", "#top", "#"]),
)  # fmt: skip


@given(st.one_of(st.text(), URLISH))
def test_match_key_never_raises_and_is_idempotent(url: str) -> None:
    key = match_key(url)
    assert isinstance(key, str)
    assert match_key(key) == key


@given(URLISH)
def test_amp_and_tracking_variants_of_any_url_share_its_key(url: str) -> None:
    base = url.split("#")[0]
    sep = "&" if "?" in base else "?"
    assert match_key(base + sep + "utm_campaign=z&amp=1") == match_key(url)


# Printable ASCII and the few characters the quick routes treat specially, so that the
# generated URLs often take them.
URL_TEXT = st.lists(
    st.sampled_from([*"aAmpP09.-_~/?#=&:@[]%+ !\"'\\é", "amp", ".html", "utm_a"])
).map("".join)


@given(
    st.sampled_from(["https://", "http://", "//", "HTTP://", ""]),
    st.sampled_from(["example.com", "www.amp.example.com", "Ex.com", "a-b.c.", "", "x:8"]),
    URL_TEXT,
)
def test_quick_url_split_agrees_with_urlsplit(scheme: str, host: str, rest: str) -> None:
    text = scheme + host + rest
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    try:
        expected = _split_parts(text)
    except ValueError:
        return  # the quick route does not take what urlsplit refuses: nothing to compare
    assert _parts(text) == expected


@given(st.lists(st.sampled_from([*"aA0_.~-=&+%é ", "amp", "utm_x", "AMP"])).map("".join))
def test_quick_query_cleaning_agrees_with_parse_qsl(query: str) -> None:
    assert _clean_query(query) == _parse_query(query)


def test_the_urls_of_one_article_clean_its_path_once() -> None:
    from sitegen.urls import _path_key

    match_key.cache_clear()
    _path_key.cache_clear()
    canonical = "https://www.example.com/news/2019/01/one-story.html"
    cached = "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/2019/01/one-story.html?AMP"
    assert {match_key(u) for u in (canonical, canonical + "?AMP", cached)} == {
        "https://example.com/news/2019/01/one-story"
    }
    assert _path_key.cache_info().misses == 1


PATH_TEXT = st.lists(
    st.sampled_from([*"/aAmpP0.-_é", "//", "amp", "AMP", ".html", ".htm", ".amp", ".amp.html", "İ"])
).map("".join)


@given(PATH_TEXT)
def test_a_path_key_is_its_cleaned_segments_joined(path: str) -> None:
    from sitegen.urls import _clean_segments, _path_key

    assert _path_key(path) == "/".join(_clean_segments([s for s in path.split("/") if s]))
