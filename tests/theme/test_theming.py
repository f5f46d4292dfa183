"""A site restyles the default theme without copying templates: static/custom.css, a logo, and
the theme's template blocks."""

from __future__ import annotations

from pathlib import Path

from sitegen.build import build
from sitegen.config import load_config

DIGEST = """---
title: "Moon lander touches down"
excerpt: "A private lander reached the surface."
publishedDateTime: 2021-01-21T13:55:00Z
originalUrl: "https://example.org/moon"
provider: {name: Example News, domain: example.org}
topics: [Space]
---
"""


def make_site(root: Path, settings: str = "") -> Path:
    (root / "content").mkdir(parents=True)
    (root / "content" / "moon.md").write_text(DIGEST, encoding="utf-8")
    (root / "sitegen.toml").write_text(settings, encoding="utf-8")
    return root


def build_home(root: Path) -> str:
    config = load_config(root)
    result = build(config, log=lambda _: None)
    assert result.errors == 0, result.problems
    return (config.path("output_dir") / "index.html").read_text(encoding="utf-8")


def test_custom_css_is_linked_after_the_theme_only_when_the_site_has_one(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert "custom.css" not in build_home(site)
    custom = site / "templates" / "static" / "custom.css"
    custom.parent.mkdir(parents=True)
    custom.write_text(":root { --accent: #005f73; }", encoding="utf-8")
    home = build_home(site)
    assert home.index('href="/static/style.css"') < home.index('href="/static/custom.css"')
    assert (site / "output" / "static" / "custom.css").read_text() == custom.read_text()


def test_logo_from_settings_is_shown_in_the_header(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[extra]\nlogo = "static/logo.svg"\n')
    home = build_home(site)
    assert '<img class="logo" src="/static/logo.svg" alt="" height="32">' in home


def test_a_block_override_changes_one_part_of_every_page(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Lost in space</h1>{% endblock %}',
        encoding="utf-8",
    )
    build_home(site)
    page = (site / "output" / "404.html").read_text(encoding="utf-8")
    assert "<h1>Lost in space</h1>" in page and 'class="site-header"' in page
