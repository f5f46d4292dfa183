"""What a parse worker does for each content file (build._parsed_batch): the per-site
settings are made once, not for every file, and a batch gives what each file alone gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sitegen import build, normalize
from sitegen.config import load_config


def _parse_one(path: str, shown: Path, config: Any) -> Any:
    """One file parsed alone: a batch of one."""
    return build._parsed_batch([path], [shown], config, False)[0]


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
        found.append(_parse_one(str(path), Path(f"{n}.md"), config))
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


FILES = {
    "a.md": DIGEST.format(n=1) + "Some *text* and [a link](https://example.org/a).\n",
    "b.md": DIGEST.format(n=2) + "[bad](javascript:alert(1)) and ![x](ftp://x/y.png)\n",
    "c.md": "---\ntitle: [unclosed\n---\n",
    "d.md": '---\ntitle: "CafÃ© prices"\nexcerpt: "naÃ¯ve"\n---\nBody.\n',
    "e.md": "---\nexcerpt: no title\n---\nBody.\n",
    "f.md": DIGEST.format(n=6),
    "g.md": "no frontmatter\n",
}


def _site(tmp_path: Path) -> tuple[list[str], list[Path]]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "h.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")  # Windows-1252
    (tmp_path / "dir.md").mkdir()
    names = [*FILES, "h.md", "dir.md", "gone.md"]
    return [str(tmp_path / name) for name in names], [Path(name) for name in names]


def test_files_parsed_in_a_batch_are_parsed_as_one_by_one(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    keys, shown = _site(tmp_path)
    prefix = str(tmp_path) + "/"
    normalize.taken_repairs()
    batch = build._parse_many(keys, prefix, config, for_relate=True)
    alone = []
    for key, name in zip(keys, shown, strict=True):
        digest, value = _parse_one(key, name, config)
        alone.append((digest, value, build._relate_keys(value), build._taken_repairs()))
    assert repr(batch) == repr(alone)
    problems = [len(v[1]) if isinstance(v, tuple) else "file" for _d, v, _k, _r in batch]
    assert problems == [0, 2, "file", 0, 1, 0, "file", 1, "file", "file"]
    assert [bool(repairs) for *_, repairs in batch] == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]


def test_a_batch_is_parsed_stage_by_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(tmp_path)
    keys, _shown = _site(tmp_path)
    calls: list[str] = []
    for name in ("sanitize_body", "normalize"):
        real = getattr(normalize, name)

        def spy(*args: Any, real: Any = real, name: str = name) -> Any:
            calls.append(name)
            return real(*args)

        monkeypatch.setattr(normalize, name, spy)
    real_keys = build._relate_keys

    def keys_spy(parsed: Any) -> Any:
        calls.append("relate")
        return real_keys(parsed)

    monkeypatch.setattr(build, "_relate_keys", keys_spy)
    build._parse_many(keys, str(tmp_path) + "/", config, for_relate=True)
    # Every body rendered (its Markdown and sanitizer one after the other), then normalized,
    # then what relate reads of each file made.
    assert calls == ["sanitize_body"] * 6 + ["normalize"] * 6 + ["relate"] * 10
