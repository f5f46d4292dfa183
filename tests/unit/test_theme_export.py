"""``sitegen theme export`` copies the built-in theme and never overwrites a site's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.__main__ import main
from sitegen.render import builtin_theme_dir
from sitegen.theme import ThemeError, export_theme, theme_files


def test_export_copies_every_theme_file(tmp_path: Path) -> None:
    report = export_theme(tmp_path / "templates")
    expected = theme_files(builtin_theme_dir())
    assert list(report.copied) == expected and report.kept == ()
    theme = builtin_theme_dir()
    for rel in expected:
        assert (tmp_path / "templates" / rel).read_bytes() == (theme / rel).read_bytes()
    assert {"base.html", "static/style.css", "static/site.js"} <= set(expected)


def test_export_keeps_files_the_site_already_has(tmp_path: Path) -> None:
    mine = tmp_path / "templates" / "static" / "style.css"
    mine.parent.mkdir(parents=True)
    mine.write_text("/* my colours */")
    report = export_theme(tmp_path / "templates")
    assert report.kept == ("static/style.css",)
    assert mine.read_text() == "/* my colours */"
    again = export_theme(tmp_path / "templates")
    assert again.copied == () and len(again.kept) == len(report.copied) + 1


def test_export_refuses_to_target_the_built_in_theme() -> None:
    with pytest.raises(ThemeError, match="built-in theme"):
        export_theme(builtin_theme_dir() / "partials")


def test_cli_exports_into_the_configured_templates_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sitegen.toml").write_text('templates_dir = "theme"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["theme", "export"]) == 0
    assert (tmp_path / "theme" / "base.html").is_file()
    assert "copied" in capsys.readouterr().out
