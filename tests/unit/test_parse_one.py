"""What a parse worker does for each content file (build._parse_one): the per-site settings
are made once, not for every file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sitegen import build, normalize
from sitegen.config import load_config

DIGEST = """---
title: "Chips {n}"
publishedDateTime: 2021-03-04T05:06:07Z
---
"""


def test_the_normalize_settings_are_made_once_for_many_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Any] = []
    real = normalize.Options

    def counted(*args: Any) -> Any:
        made.append(args)
        return real(*args)

    monkeypatch.setattr(normalize, "Options", counted)
    build._normalize_settings.cache_clear()
    config = load_config(tmp_path, overrides={"timezone": "Europe/Berlin", "max_topics": 3})
    found = []
    for n in range(3):
        path = tmp_path / f"{n}.md"
        path.write_text(DIGEST.format(n=n))
        found.append(build._parse_one(str(path), Path(f"{n}.md"), config))
    assert len(made) == 1
    tz, options = build._normalize_settings(
        config.timezone,
        config.max_topics,
        config.max_related,
        config.max_images,
        config.nofollow_external,
    )
    assert (tz, options) == (config.tz, real(3, config.max_related, config.max_images, False))
    assert [value[0].title for _, value in found] == ["Chips 0", "Chips 1", "Chips 2"]
    build._normalize_settings.cache_clear()
