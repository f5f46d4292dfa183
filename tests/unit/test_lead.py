"""The front page's lead story: the hottest, then best rated, of the newest day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sitegen.model import Article, Slug
from sitegen.views import pick_lead

UTC_ZONE = ZoneInfo("UTC")


def article(
    slug: str, when: str | None, heat: int | None = None, quality: int | None = None
) -> Article:
    return Article(
        slug=Slug(slug),
        source=Path(f"{slug}.md"),
        title=slug,
        title_line=2,
        excerpt="",
        published=datetime.fromisoformat(when).replace(tzinfo=UTC) if when else None,
        url="",
        urls=(),
        provider=None,
        topics=(),
        images=(),
        related=(),
        quality=quality,
        heat=heat,
        category="",
        kind="",
        draft=False,
        body_html="",
    )


def test_lead_is_the_hottest_story_of_the_newest_day() -> None:
    stories = [
        article("newest", "2021-01-21T20:00", heat=10),
        article("hot", "2021-01-21T08:00", heat=400),
        article("hotter-but-older", "2021-01-20T23:00", heat=900),
    ]
    assert pick_lead(stories, UTC_ZONE) is stories[1]


def test_quality_breaks_a_tie_in_heat_and_known_scores_beat_missing_ones() -> None:
    stories = [
        article("unscored", "2021-01-21T20:00"),
        article("good", "2021-01-21T10:00", heat=5, quality=80),
        article("fair", "2021-01-21T11:00", heat=5, quality=60),
    ]
    assert pick_lead(stories, UTC_ZONE).slug == "good"  # type: ignore[union-attr]


def test_without_scores_the_newest_story_leads() -> None:
    stories = [article("older", "2021-01-21T08:00"), article("newer", "2021-01-21T09:00")]
    assert pick_lead(stories, UTC_ZONE).slug == "newer"  # type: ignore[union-attr]


def test_the_newest_day_is_counted_in_the_site_time_zone() -> None:
    # 23:30 UTC on the 20th is already the 21st in Tokyo, so both stories share a day there.
    stories = [
        article("late-utc", "2021-01-20T23:30", heat=900),
        article("next-day", "2021-01-21T01:00", heat=1),
    ]
    assert pick_lead(stories, UTC_ZONE).slug == "next-day"  # type: ignore[union-attr]
    assert pick_lead(stories, ZoneInfo("Asia/Tokyo")).slug == "late-utc"  # type: ignore[union-attr]


def test_undated_stories_never_lead() -> None:
    assert pick_lead([article("undated", None, heat=999)], UTC_ZONE) is None
    assert pick_lead([], UTC_ZONE) is None
