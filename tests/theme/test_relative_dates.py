"""site.js shows recent dates as "3 hours ago" in a real browser: built-in English phrases, the
browser's Intl.RelativeTimeFormat for other languages, and the absolute date otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from browser import serve

from sitegen.build import build
from sitegen.config import load_config

DIGEST = """---
title: "{title}"
excerpt: "A digest dated {title}."
publishedDateTime: {when}
originalUrl: "https://example.org/{slug}"
provider: {{name: Example News, domain: example.org}}
topics: [Space]
---
"""

AGES = {  # slug -> how long ago it was published
    "three-hours": timedelta(hours=3, minutes=5),
    "one-day": timedelta(days=1, hours=2),
    "two-days": timedelta(days=2, hours=1),
    "last-month": timedelta(days=40),
}


def build_site(root: Path, language: str) -> Path:
    now = datetime.now(UTC)
    (root / "content").mkdir(parents=True)
    for slug, age in AGES.items():
        when = (now - age).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = DIGEST.format(title=slug, slug=slug, when=when)
        (root / "content" / f"{slug}.md").write_text(text, encoding="utf-8")
    (root / "sitegen.toml").write_text(f'language = "{language}"\n', encoding="utf-8")
    config = load_config(root)
    assert build(config, log=lambda _: None).errors == 0
    return config.path("output_dir")


def shown_dates(chromium: Any, output: Path) -> dict[str, str]:
    """Article slug -> the text of the date on its article page, after site.js ran."""
    shown = {}
    with serve(output) as base:
        for slug in AGES:
            chromium.get(f"{base}articles/{slug}/")
            shown[slug] = chromium.execute_script(
                "return document.querySelector('.story-header time').textContent"
            )
    return shown


def test_recent_dates_read_as_english_phrases(chromium: Any, tmp_path: Path) -> None:
    shown = shown_dates(chromium, build_site(tmp_path, "en"))
    assert shown["three-hours"] == "3 hours ago"
    assert shown["one-day"] == "yesterday"
    assert shown["two-days"] == "2 days ago"
    assert "ago" not in shown["last-month"] and shown["last-month"][:1].isdigit()


def test_other_languages_use_the_browsers_own_phrases(chromium: Any, tmp_path: Path) -> None:
    shown = shown_dates(chromium, build_site(tmp_path, "fr"))
    expected = chromium.execute_script(
        "const f = new Intl.RelativeTimeFormat('fr', {numeric: 'auto'});"
        "return [f.format(-3, 'hour'), f.format(-1, 'day'), f.format(-2, 'day')]"
    )
    assert [shown["three-hours"], shown["one-day"], shown["two-days"]] == expected
    assert expected[0] != "3 hours ago"
