"""Stage 3, index: unique slugs, merged topics, grouped providers, a stable order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeSite, digest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.index import build_index, newest_first
from sitegen.model import Article, Provider, Slug, Topic
from sitegen.slugs import slugify


def article(source: str, title: str, day: int | None = 1, **fields: Any) -> Article:
    topics = tuple(Topic(name, slugify(name)) for name in fields.pop("topics", ()))
    provider = fields.pop("provider", None)
    return Article(
        slug=slugify(title),
        source=Path(source),
        title=title,
        title_line=2,
        excerpt="",
        published=datetime(2021, 1, day, tzinfo=UTC) if day else None,
        url="",
        urls=(),
        provider=Provider(provider, "", slugify(provider)) if provider else None,
        topics=topics,
        images=(),
        related=(),
        quality=None,
        heat=None,
        category="",
        kind="",
        draft=False,
        body_html="",
        **fields,
    )


def test_equal_titles_get_unique_slugs_and_the_oldest_keeps_the_plain_one() -> None:
    old = article("content/old.md", "Same Title", day=1)
    new = article("content/new.md", "Same Title", day=5)
    newer = article("content/newer.md", "Same  title!", day=9)
    index, problems = build_index([newer, new, old])
    slugs = {str(a.source): a.slug for a in index.articles}
    assert slugs["content/old.md"] == "same-title"
    assert slugs["content/new.md"].startswith("same-title-")
    assert slugs["content/newer.md"].startswith("same-title-")
    assert len(set(slugs.values())) == 3
    assert sorted(str(p) for p in problems) == [
        f'content/new.md:2: title: gives the same URL as content/old.md ("same-title"); '
        f'published as "{slugs["content/new.md"]}"',
        f'content/newer.md:2: title: gives the same URL as content/old.md ("same-title"); '
        f'published as "{slugs["content/newer.md"]}"',
    ]
    assert set(index.by_slug) == set(slugs.values())


def test_suffix_of_a_duplicate_is_stable_when_more_duplicates_arrive() -> None:
    old = article("content/old.md", "Same", day=1)
    new = article("content/new.md", "Same", day=5)
    first, _ = build_index([old, new])
    later, _ = build_index([old, new, article("content/third.md", "Same", day=9)])
    slug_of_new = {a.slug for a in first.articles if a.source == new.source}
    assert slug_of_new == {a.slug for a in later.articles if a.source == new.source}


def test_topics_differing_in_case_spacing_and_punctuation_are_merged() -> None:
    articles = [
        article("a.md", "A", 1, topics=["AI Ethics"]),
        article("b.md", "B", 2, topics=["ai ethics"]),
        article("c.md", "C", 3, topics=["AI-ethics "]),
        article("d.md", "D", 4, topics=["ai ethics", "Climate"]),
    ]
    index, _ = build_index(articles)
    assert list(index.topics) == ["ai-ethics", "climate"]
    listing = index.topics[Slug("ai-ethics")]
    assert listing.name == "ai ethics"  # the most used spelling
    assert [a.title for a in listing.articles] == ["D", "C", "B", "A"]
    # every article shows the merged display name
    assert {t.name for a in index.articles for t in a.topics} == {"ai ethics", "Climate"}


def test_articles_of_one_identity_share_the_slug_the_last_of_them_is_given() -> None:
    """Distinct slugs but one identity twice (an alias build() would have dropped): no
    shortcut, every article gets the slug given to that identity, as assign_unique does."""
    one = article("content/a.md", "First", day=1)
    two = article("content/b.md", "Second", day=2)
    index, _ = build_index([one, two], identity=lambda _a: "same")
    assert [a.slug for a in index.articles] == ["second", "second"]


def test_topics_shared_by_articles_are_merged_too() -> None:
    """Equal topics read from the build cache are one object: a spelling used by several
    articles through one object is still merged into the most used one, and the index is
    the one made of articles with topics of their own."""
    shared = Topic("ai ethics", "ai-ethics")  # the most used spelling, one object
    other = Topic("AI-Ethics", "ai-ethics")  # the same topic, another spelling
    spellings = [shared, shared, shared, other, other]
    made = [article(f"{n}.md", n, day) for day, n in enumerate("abcde", 1)]
    articles = [replace(a, topics=(t,)) for a, t in zip(made, spellings, strict=True)]
    index, _ = build_index(articles)
    assert {t for a in index.articles for t in a.topics} == {shared}
    fresh = [
        replace(a, topics=(Topic(t.name, t.slug),)) for a, t in zip(made, spellings, strict=True)
    ]
    assert build_index(fresh)[0] == index
    unmerged = [replace(a, topics=(shared,)) for a in made]
    again, _ = build_index(unmerged)
    assert {id(a) for a in again.articles} == {id(a) for a in unmerged}  # none made again


def test_topic_name_tie_goes_to_the_first_in_sort_order() -> None:
    index, _ = build_index(
        [article("a.md", "A", 1, topics=["ai"]), article("b.md", "B", 2, topics=["AI"])]
    )
    assert index.topics[Slug("ai")].name == "AI"


def test_providers_are_grouped() -> None:
    index, _ = build_index(
        [
            article("a.md", "A", 1, provider="Government Technology"),
            article("b.md", "B", 2, provider="techxplore.com"),
            article("c.md", "C", 3, provider="Government Technology"),
            article("d.md", "D", 4),
        ]
    )
    assert list(index.providers) == ["government-technology", "techxplore-com"]
    assert [a.title for a in index.providers[Slug("government-technology")].articles] == ["C", "A"]


def test_articles_are_newest_first_with_slug_tie_break_and_undated_last() -> None:
    articles = [
        article("1.md", "Beta", 3),
        article("2.md", "Alpha", 3),
        article("3.md", "Undated", None),
        article("4.md", "Newest", 9),
        article("5.md", "Oldest", 1),
    ]
    expected = ["Newest", "Alpha", "Beta", "Oldest", "Undated"]
    assert [a.title for a in newest_first(articles)] == expected
    index, _ = build_index(reversed(articles))
    assert [a.title for a in index.articles] == expected


def test_an_article_dated_at_the_earliest_date_sorts_among_the_undated_by_slug() -> None:
    # newest_first sorts the dated apart from the undated; one dated as the undated sort
    # (datetime.min) is ordered with them by slug, as one sort by date-or-min would.
    earliest = replace(article("1.md", "Zed", None), published=datetime.min.replace(tzinfo=UTC))
    articles = [earliest, article("2.md", "Undated", None), article("3.md", "Dated", 2)]
    assert [a.title for a in newest_first(articles)] == ["Dated", "Undated", "Zed"]


def test_listings_keep_the_index_order_and_name_each_group_by_its_most_used_spelling() -> None:
    articles = [
        article(f"{n}.md", f"T{n}", day, topics=topics, provider=provider)
        for n, (day, topics, provider) in enumerate(
            [
                (1, ("AI", "Energy"), "Wire"),
                (5, ("ai",), None),
                (3, ("AI", "Grid"), "wire"),
                (None, ("Energy",), "Wire"),
                (3, ("A.I.",), "Other"),
            ]
        )
    ]
    index, _ = build_index(articles)
    order = [a.title for a in index.articles]
    assert order == ["T1", "T2", "T4", "T0", "T3"]
    for listings in (index.topics, index.providers):
        assert list(listings) == sorted(listings)
        for listing in listings.values():
            titles = [a.title for a in listing.articles]
            assert titles == [t for t in order if t in titles]
    assert index.topics[Slug("ai")].name == "AI"
    assert [a.title for a in index.topics[Slug("ai")].articles] == ["T1", "T2", "T4", "T0"]
    assert [a.title for a in index.providers[Slug("wire")].articles] == ["T2", "T0", "T3"]
    assert index.providers[Slug("wire")].name == "Wire"


def test_duplicate_suffix_does_not_depend_on_the_working_folder(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(
        {
            "content/a.md": digest(title="Same", publishedDateTime="2021-01-01"),
            "content/b.md": digest(title="Same", publishedDateTime="2021-01-02"),
        }
    )
    from_root = site.build(write=False)
    monkeypatch.chdir(site.root / "content")
    from_content = build(load_config(site.root), write=False)
    assert from_root.index is not None and from_content.index is not None
    assert [a.slug for a in from_root.index.articles] == [
        a.slug for a in from_content.index.articles
    ]


def test_index_memo_reuses_unchanged_articles_and_remakes_changed_ones() -> None:
    from sitegen.index import IndexMemo

    same = article("a.md", "Same", 1, topics=["ai"])
    renamed = [
        same,
        article("b.md", "Same", 2, topics=["AI", "Climate"]),
        article("c.md", "Other", 3, topics=["AI"]),
        article("d.md", "Plain", 4, topics=["Climate"]),
    ]
    memo = IndexMemo()
    first, _ = build_index(renamed, memo=memo)
    assert first == build_index(renamed)[0]
    again, _ = build_index(renamed, memo=memo)
    # Made by the index (a suffixed slug, a merged topic name) and still right: the same object.
    assert all(x is y for x, y in zip(first.articles, again.articles, strict=True))
    # More "ai" spellings: the merged name changes, so every article showing it is new.
    edited = [
        *renamed[:2],
        article("c.md", "Other", 3, topics=["ai"]),
        article("d.md", "Plain", 4, topics=["ai", "Climate"]),
    ]
    later, _ = build_index(edited, memo=memo)
    assert later == build_index(edited)[0]
    assert {t.name for a in later.articles for t in a.topics} == {"ai", "Climate"}
    old = {a.slug: a for a in first.articles}
    assert all(a is not old[a.slug] for a in later.articles if a.topics[0].slug == "ai")


def test_index_memo_works_out_the_identity_of_new_articles_only() -> None:
    from sitegen.index import IndexMemo

    asked: list[str] = []

    def identity(a: Article) -> str:
        asked.append(a.source.as_posix())
        return a.source.as_posix()

    articles = [article(f"{n}.md", "Same", n) for n in range(4)]
    memo = IndexMemo()
    first, _ = build_index(articles, identity, memo)
    assert sorted(asked) == ["0.md", "1.md", "2.md", "3.md"]
    asked.clear()
    # An edited file is a new Article: only its identity is asked for; slugs as a cold index.
    edited = [*articles[:2], article("2.md", "Same", 9), articles[3]]
    again, _ = build_index(edited, identity, memo)
    assert asked == ["2.md"]
    assert again == build_index(edited, identity)[0]
    assert [a.slug for a in again.articles] != [a.slug for a in first.articles]
