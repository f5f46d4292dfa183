"""An article's identity (its path inside the content folder): the keys made for many
articles at once are those made one by one, in plain folders and where links or folders
outside the content folder make the one-by-one way resolve them."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.build import ContentKey
from sitegen.config import SiteConfig
from sitegen.model import Article
from tests.unit.test_relate_incremental import make_article


def _articles(sources: list[str]) -> list[Article]:
    rng = random.Random(5)
    return [replace(make_article(rng, n), source=Path(s)) for n, s in enumerate(sources)]


def _both(root: Path, sources: list[str]) -> tuple[list[str], list[str]]:
    config = SiteConfig(root=root)
    articles = _articles(sources)
    return ContentKey(config).many(articles), list(map(ContentKey(config), articles))


def test_plain_folders_give_the_keys_made_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "content" / "world" / "asia").mkdir(parents=True)
    sources = ["content/a.md", "content/world/b.md", "content/world/asia/c.md", "content/d.md"]
    for source in sources:
        (tmp_path / source).write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    many, each = _both(tmp_path, sources)
    assert many == each == ["a.md", "world/b.md", "world/asia/c.md", "d.md"]


def test_links_and_outside_folders_give_the_keys_made_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    (content / "linked").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (content / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere" / "e.md").write_text("x", encoding="utf-8")
    os.symlink(content / "a.md", content / "linked" / "alias.md")
    os.symlink(tmp_path / "elsewhere", content / "away")
    monkeypatch.chdir(tmp_path)
    for sources in (
        ["content/a.md", "content/linked/alias.md"],  # a link to a file
        ["content/a.md", "content/away/e.md"],  # a folder that lies outside
        ["content/a.md", "elsewhere/e.md"],  # a file outside the content folder
        ["content/a.md", str(content / "a.md")],  # an absolute path
    ):
        many, each = _both(tmp_path, sources)
        assert many == each
    assert _both(tmp_path, ["content/linked/alias.md"])[0] == ["a.md"]
