"""`sitegen check --links` finds the broken internal links of a built site."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import ROOT, SUB_BASE_URL

from sitegen.__main__ import main
from sitegen.linkcheck import check_links, resolve


def test_the_sample_site_has_no_broken_links(sub_site, root_site, capsys):
    for config, _ in (sub_site, root_site):
        assert check_links(config.path("output_dir"), config.base_path, config.base_url) == []


def test_a_broken_theme_is_reported_with_file_line_and_exit_1(tmp_path, capsys, monkeypatch):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "sitegen.toml").write_text('title = "Broken"\nsearch = false\n')
    theme = site / "templates"
    theme.mkdir()
    base = (ROOT / "templates" / "base.html").read_text()
    # A stylesheet that does not exist, and a link written without the base path.
    base = base.replace("static/style.css", "static/missing.css")
    base = base.replace('<main id="main"', '<a href="/about/">About</a>\n<main id="main"')
    (theme / "base.html").write_text(base)
    monkeypatch.chdir(site)
    base_url = "https://example.github.io/myrepo/"
    assert main(["build", "--quiet", "--base-url", base_url]) == 0
    capsys.readouterr()
    assert main(["check", "--links", "--quiet", "--base-url", base_url]) == 1
    err = capsys.readouterr().err.splitlines()
    home = site / "output" / "index.html"
    lines = home.read_text().splitlines()
    line_of = {
        name: next(n for n, text in enumerate(lines, 1) if name in text)
        for name in ("missing.css", "/about/")
    }
    assert (
        f'{home}:{line_of["missing.css"]}: link: "/myrepo/static/missing.css": '
        "no static/missing.css in the output" in err
    )
    assert (
        f'{home}:{line_of["/about/"]}: link: "/about/": '
        "points outside the site's base path /myrepo/" in err
    )
    pages = sum(1 for _ in (site / "output").rglob("*.html"))
    assert len([e for e in err if "missing.css" in e]) == pages
    assert all(re.match(r".+:\d+: link: ", e) for e in err)


def test_check_links_without_a_built_site_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--links", "--quiet"]) == 2


def test_resolve_rules(tmp_path):
    out = tmp_path
    (out / "a").mkdir()
    (out / "a" / "index.html").write_text("")
    (out / "x.css").write_text("")
    page = "/r/a/"
    assert resolve(out, "/r/", SUB_BASE_URL, page, "/r/a/") == ""
    assert resolve(out, "/r/", SUB_BASE_URL, page, "/r/a") == ""  # folder, server redirects
    assert resolve(out, "/r/", SUB_BASE_URL, page, "../x.css") == ""
    assert resolve(out, "/r/", SUB_BASE_URL, page, "#top") == ""
    assert resolve(out, "/r/", SUB_BASE_URL, page, "mailto:a@b.c") == ""
    assert resolve(out, "/r/", SUB_BASE_URL, page, "https://other.org/x") == ""
    assert resolve(out, "/r/", SUB_BASE_URL, page, "../b/") == "no b/index.html in the output"
    assert "outside" in resolve(out, "/r/", SUB_BASE_URL, page, "/x.css")


def test_relative_links_on_the_404_page_are_broken_links(tmp_path):
    out = tmp_path
    (out / "static").mkdir()
    (out / "static" / "s.css").write_text("")
    (out / "404.html").write_text('<link rel=stylesheet href="static/s.css">\n')
    [broken] = check_links(out)
    assert broken.path == str(Path(out / "404.html"))
    assert "static/s.css" in broken.message
