"""No title, slug, topic, provider or file name writes outside the output folder, over another
page, or to a hidden or reserved name; two sources for one path are an error naming both."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sec_helpers import build_site, digest_file, site_config, snapshot, write_files

from sitegen.model import OutputFile, OutputPath
from sitegen.slugs import MAX_SLUG_CHARS, RESERVED_NAMES, is_slug, name_problem, slugify
from sitegen.write import OutputError, check_paths, find_collisions, path_problem, write_output

NASTY_NAMES = [
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "\\\\server\\share",
    "C:\\Windows\\system32",
    "a\x00b",
    ".htaccess",
    ".",
    "CON",
    "nul",
    "Com1",
    "LPT9",
    "aux.html",
    "x" * 2000,
    "日本語のタイトル" * 40,
    "%2e%2e%2f",
    "~",
    "...",
    "-",
    "index.html",
    ".sitegen-manifest.json",
]


@given(st.text())
def test_slugify_of_any_text_is_one_plain_portable_name(text: str) -> None:
    slug = slugify(text)
    assert is_slug(slug)
    assert 0 < len(slug) <= MAX_SLUG_CHARS
    assert name_problem(slug) == ""
    assert slug not in RESERVED_NAMES
    assert slugify(slug) == slug


@given(st.lists(st.text(max_size=30), max_size=8))
def test_a_path_that_passes_the_check_stays_inside_the_output(parts: list[str]) -> None:
    path = "/".join(parts)
    if path_problem(path):
        return
    normal = posixpath.normpath(path)
    assert normal == path and not normal.startswith(("/", "..", "."))
    assert all(p and not p.startswith(".") and "\\" not in p for p in path.split("/"))


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_nasty_names_become_safe_slugs(name: str) -> None:
    slug = slugify(name)
    assert is_slug(slug) and name_problem(slug) == "" and len(slug) <= MAX_SLUG_CHARS


@pytest.mark.parametrize(
    "path",
    [
        "../x.html",
        "a/../../x.html",
        "/etc/passwd",
        "a\\b.html",
        "a\x00.html",
        "CON/index.html",
        "topics/nul.txt",
        ".hidden/index.html",
        "a//b.html",
        "a/./b.html",
        "x" * 256 + ".html",
        ".sitegen-staging/0",
        ".sitegen-journal.json",
        "a/b:c.html",
        "trailing-dot./index.html",
        "",
    ],
)
def test_check_paths_refuses_unsafe_paths_before_anything_is_written(
    tmp_path: Path, path: str
) -> None:
    files = [
        OutputFile(OutputPath("ok.html"), b"ok", "ok"),
        OutputFile(OutputPath(path), b"x", "t"),
    ]
    with pytest.raises(OutputError, match="refusing to write"):
        check_paths(files)
    with pytest.raises(OutputError):
        write_output(tmp_path / "out", files)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_nasty_titles_topics_and_providers_stay_inside_the_output(tmp_path: Path) -> None:
    files = {}
    for i, name in enumerate(NASTY_NAMES):
        meta = {
            "title": name,
            "publishedDateTime": f"2021-02-{i + 1:02d}T00:00:00Z",
            "topics": [name, "C++", "C", "c#"],
            "provider": {"name": name, "domain": name},
        }
        files[f"content/n{i:02d}.md"] = digest_file(meta)
    write_files(tmp_path, files)
    config = site_config(tmp_path)
    outside_before = _outside(tmp_path)
    result = build_site(config)
    out = tmp_path / "output"
    written = snapshot(out)
    assert _outside(tmp_path) == outside_before
    assert result.errors == 0  # a NUL or a dot is stripped or hashed, not fatal
    for rel in written:
        if not rel.startswith(".sitegen"):
            assert path_problem(rel) == "", rel
    assert all(not Path(p).is_symlink() for p in out.rglob("*"))
    # Every article got a page of its own: none overwrote another.
    assert len(list((out / "articles").iterdir())) == result.articles == len(NASTY_NAMES)


def _outside(root: Path) -> set[str]:
    # The build cache lives beside the output folder by design (.sitegen-cache/output/).
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if "output" not in p.parts and ".sitegen-cache" not in p.parts
    }


def test_titles_that_slug_alike_get_their_own_pages_and_a_report(tmp_path: Path) -> None:
    titles = ["C++", "C", "c!", "CON", "con x", "Łódź", "lodz"]
    files = {
        f"content/t{i}.md": digest_file(
            {"title": t, "publishedDateTime": f"2021-03-{i + 1:02d}T00:00:00Z"}
        )
        for i, t in enumerate(titles)
    }
    write_files(tmp_path, files)
    result = build_site(site_config(tmp_path))
    pages = sorted(p.name for p in (tmp_path / "output/articles").iterdir())
    assert len(pages) == len(titles)
    reports = [str(p) for p in result.problems if p.field == "title"]
    # C and c! share "c" (C++ is "c-plus-plus"); CON and con x share "con-x"; Łódź and lodz
    # share "lodz". Each report names the newer file and the one that kept the slug.
    assert len(reports) == 3, reports
    assert any("t2.md" in r and "t1.md" in r for r in reports), reports
    assert all("gives the same URL as" in r for r in reports)


def test_find_collisions_names_both_sources() -> None:
    files = [
        OutputFile(OutputPath("static/style.css"), b"a", "theme/static/style.css"),
        OutputFile(OutputPath("static/Style.css"), b"b", "site/static/Style.css"),
        OutputFile(OutputPath("articles/a/index.html"), b"c", "content/a.md"),
        OutputFile(OutputPath("articles/a/index.html"), b"d", "content/b.md"),
    ]
    found = find_collisions(files)
    assert len(found) == 2
    assert "site/static/Style.css" in str(found[0]) and "theme/static/style.css" in str(found[0])
    assert "content/b.md" in str(found[1]) and "content/a.md" in str(found[1])
    assert all(p.severity == "error" for p in found)


def test_a_build_with_colliding_theme_files_reports_both_and_writes_one(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "content/a.md": digest_file({"title": "A"}),
            "templates/static/Style.css": "body{color:red}",
        },
    )
    result = build_site(site_config(tmp_path))
    errors = [str(p) for p in result.problems if p.field == "output"]
    assert len(errors) == 1 and "Style.css" in errors[0] and "style.css" in errors[0]
    statics = {p.name.lower() for p in (tmp_path / "output/static").iterdir()}
    assert sorted(statics).count("style.css") == 1


def test_a_file_in_the_way_of_a_page_folder_is_reported_not_replaced(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/a.md": digest_file({"title": "A", "topics": ["T"]})})
    config = site_config(tmp_path)
    build_site(config)
    out = tmp_path / "output"
    (out / "providers").mkdir(exist_ok=True)
    (out / "mine.txt").write_text("user file")
    os.symlink(tmp_path / "content", out / "topics-link")
    # A user replaces a sitegen folder with a file, and a page's folder with a link.
    import shutil

    shutil.rmtree(out / "topics")
    (out / "topics").write_text("not a folder")
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    shutil.rmtree(out / "articles")
    os.symlink(victim, out / "articles")
    (tmp_path / "content/a.md").write_text(digest_file({"title": "A", "topics": ["T", "U"]}))
    result = build_site(config)
    blocked = [str(p) for p in result.problems if p.field == "output"]
    assert any("topics is a file where a folder is needed" in b for b in blocked), blocked
    assert any("articles/ is a link" in b for b in blocked), blocked
    assert list(victim.iterdir()) == []  # nothing was written through the link
    assert (out / "topics").read_text() == "not a folder"
    assert (out / "mine.txt").read_text() == "user file"
    assert not (out / ".sitegen-journal.json").exists()
    # And the next build is not stuck on the last one.
    assert build_site(config).written is not None
