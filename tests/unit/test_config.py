"""Settings: sitegen.toml or [tool.sitegen], flags on top, and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import ConfigError, SiteConfig, load_config


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(root: Path, **overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(root, overrides=overrides)
    return str(caught.value)


def test_defaults_without_a_settings_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == SiteConfig(root=tmp_path)
    assert config.page_size == 20
    assert config.path("output_dir") == (tmp_path / "output").resolve()


def test_reads_sitegen_toml(tmp_path: Path) -> None:
    write(tmp_path, "sitegen.toml", 'title = "Mine"\npage_size = 3\n[extra]\nowner = "me"\n')
    config = load_config(tmp_path)
    assert (config.title, config.page_size, config.extra) == ("Mine", 3, {"owner": "me"})


def test_reads_tool_sitegen_in_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.sitegen]\ntitle = "Py"\n')
    assert load_config(tmp_path).title == "Py"


def test_sitegen_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.sitegen]\ntitle = "Py"\n')
    write(tmp_path, "sitegen.toml", 'title = "Toml"\n')
    assert load_config(tmp_path).title == "Toml"


def test_explicit_config_file_sets_the_root(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    path = write(site, "other.toml", 'content_dir = "posts"\n')
    config = load_config(tmp_path, path)
    assert config.root == site.resolve()
    assert config.path("content_dir") == (site / "posts").resolve()


def test_flags_override_the_file_and_none_means_unset(tmp_path: Path) -> None:
    write(tmp_path, "sitegen.toml", 'title = "File"\npage_size = 3\n')
    config = load_config(tmp_path, overrides={"title": "Flag", "page_size": None})
    assert (config.title, config.page_size) == ("Flag", 3)


def test_unknown_key_names_the_closest_valid_key(tmp_path: Path) -> None:
    write(tmp_path, "sitegen.toml", "page_sise = 10\n")
    assert error_of(tmp_path) == (
        f"{tmp_path / 'sitegen.toml'}: unknown setting 'page_sise'; did you mean 'page_size'?"
    )


def test_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    assert error_of(tmp_path, zzzzzz=1) == "defaults: unknown setting 'zzzzzz'"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.sitegen]\npage_size = "ten"\ndrafts = 1\ntimezone = "Mars/Olympus"\n'
        'tittle = "x"\nfeed_size = 0\n',
    )
    source = f"{tmp_path / 'pyproject.toml'} [tool.sitegen]"
    assert error_of(tmp_path).splitlines() == [
        f"{source}: page_size must be int, not str",
        f"{source}: drafts must be bool, not int",
        f"{source}: unknown setting 'tittle'; did you mean 'title'?",
        f'{source}: timezone: "Mars/Olympus" is not an IANA zone such as "Europe/Paris"',
        f"{source}: feed_size: must be at least 1",
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("page_size", True, "page_size must be int, not bool"),
        ("page_size", 2.5, "page_size must be int, not float"),
        ("title", 5, "title must be str, not int"),
        ("extra", "x", "extra must be dict, not str"),
        ("related_count", -1, "related_count: must not be negative"),
    ],
)
def test_wrong_types_and_values(tmp_path: Path, key: str, value: object, message: str) -> None:
    assert error_of(tmp_path, **{key: value}) == f"defaults: {message}"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime"])
def test_bad_timezone(tmp_path: Path, zone: str) -> None:
    assert "is not an IANA zone" in error_of(tmp_path, timezone=zone)


def test_good_timezone(tmp_path: Path) -> None:
    assert load_config(tmp_path, overrides={"timezone": "Europe/Paris"}).tz.key == "Europe/Paris"


@pytest.mark.parametrize("url", ["owner.github.io/repo", "ftp://host/", "/repo/", "https://"])
def test_bad_base_url(tmp_path: Path, url: str) -> None:
    assert error_of(tmp_path, base_url=url) == (
        f'defaults: base_url: "{url}" must be an absolute http(s) URL, '
        'e.g. "https://owner.github.io/repo/"'
    )


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("", "/"),
        ("https://example.com", "/"),
        ("https://owner.github.io/repo", "/repo/"),
        ("https://owner.github.io/a/b/", "/a/b/"),
    ],
)
def test_base_path_comes_from_base_url(tmp_path: Path, url: str, path: str) -> None:
    assert load_config(tmp_path, overrides={"base_url": url}).base_path == path


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, "sitegen.toml", "title = \n")
    assert error_of(tmp_path).startswith(f"{tmp_path / 'sitegen.toml'}: not valid TOML")
