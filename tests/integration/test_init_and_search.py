"""`sitegen init` makes a site that builds; search is reproducible and works in a browser."""

from __future__ import annotations

import filecmp
import re
import time
from pathlib import Path

import pytest
from conftest import ROOT, SUB_BASE_URL, build_sample, serve

from sitegen.__main__ import main
from sitegen.search import pagefind_executable


def test_init_creates_a_site_that_builds_and_keeps_existing_files(tmp_path, capsys):
    site = tmp_path / "news"
    site.mkdir()
    (site / ".gitignore").write_text("mine\n")
    assert main(["init", str(site)]) == 0
    out = capsys.readouterr().out
    assert f"skipped {site / '.gitignore'}" in out
    assert (site / ".gitignore").read_text() == "mine\n"
    for path in ("sitegen.toml", "content/example-digest.md", ".github/workflows/pages.yml"):
        assert f"created {site / path}" in out
    assert main(["init", str(site)]) == 0
    assert "created" not in capsys.readouterr().out
    assert main(["build", "--quiet", "--config", str(site / "sitegen.toml"), "--no-search"]) == 0
    assert (site / "output" / "articles").is_dir()


def test_the_init_workflow_is_the_repository_workflow_but_for_the_install(tmp_path):
    ours = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    theirs = (ROOT / "sitegen" / "skeleton" / "pages.yml").read_text()

    def steps(text: str) -> list[str]:
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return [re.sub(r"pip install .*", "pip install SITEGEN", line) for line in lines]

    strip = [line for line in steps(theirs) if "# requirements.txt names" not in line]
    assert steps(ours) == strip
    for needed in (
        "actions/configure-pages@",
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
        "id-token: write",
        "pages: write",
        "name: github-pages",
        '--base-url "${{ steps.pages.outputs.base_url }}/"',
    ):
        assert needed in ours


def test_no_search_skips_the_index_page_and_nav_link(tmp_path):
    config, result = build_sample(tmp_path / "out", search=False)
    output = config.path("output_dir")
    assert not (output / "pagefind").exists()
    assert not (output / "search").exists()
    assert "/search/" not in (output / "index.html").read_text()
    assert not [p for p in result.problems if p.field == "search"]


def test_missing_pagefind_warns_once_and_builds_without_search(tmp_path, monkeypatch):
    monkeypatch.setattr("sitegen.search.pagefind_executable", lambda: None)
    config, result = build_sample(tmp_path / "out")
    warnings = [p for p in result.problems if p.field == "search"]
    assert len(warnings) == 1 and "not installed" in warnings[0].message
    assert not (config.path("output_dir") / "search").exists()


def test_search_index_is_in_the_manifest_and_byte_identical_across_builds(sub_site, tmp_path):
    config, result = sub_site
    assert pagefind_executable() is not None
    first = config.path("output_dir")
    owned = set(result.made)
    bundle = {p.relative_to(first).as_posix() for p in (first / "pagefind").rglob("*")}
    assert {p for p in bundle if (first / p).is_file()} <= owned
    assert any(p.startswith("pagefind/filter/") for p in owned)
    _, again = build_sample(tmp_path / "again", base_url=SUB_BASE_URL)
    assert again.made == result.made
    assert again.written and result.written
    assert again.written.digests == result.written.digests
    cmp = filecmp.dircmp(first, tmp_path / "again")
    assert cmp.left_only == cmp.right_only == []


def test_only_article_pages_are_indexed(sub_site):
    config, result = sub_site
    output = config.path("output_dir")
    marked = {
        p.relative_to(output).as_posix()
        for p in output.rglob("*.html")
        if "data-pagefind-body" in p.read_text()
    }
    assert marked == {f"articles/{a.slug}/index.html" for a in result.index.articles}


def _wait_for(driver, selector: str, timeout: float = 20) -> list:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if found:
            return found
        time.sleep(0.2)
    return []


@pytest.mark.parametrize("site", ["sub_site", "root_site"])
def test_search_finds_an_article_in_a_real_browser(site, request, chromium):
    from selenium.webdriver.common.by import By

    config, result = request.getfixturevalue(site)
    target = next(a for a in result.index.articles if "Satellite" in a.title)
    prefix = config.base_path
    with serve(config.path("output_dir"), prefix) as served:
        chromium.get(served + "search/")
        [box] = _wait_for(chromium, ".pagefind-ui__search-input")
        box.send_keys("satellite broadband")
        links = _wait_for(chromium, ".pagefind-ui__result-link")
        hrefs = [link.get_attribute("href") for link in links]
        assert f"{served}articles/{target.slug}/" in hrefs
        # The result link works under the base path.
        chromium.get(hrefs[0])
        assert chromium.find_element(By.CSS_SELECTOR, "h1").text
        assert "Page not found" not in chromium.title


def test_pagefind_binary_comes_from_the_package():
    path = pagefind_executable()
    assert path is not None and Path(path).is_file()


def test_init_names_the_sitegen_repository_and_commit_for_the_workflow(tmp_path, monkeypatch):
    import json
    import subprocess

    from sitegen import init

    checkout = tmp_path / "sitegen-checkout"
    checkout.mkdir()
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    subprocess.run(
        [*git, "remote", "add", "origin", "git@github.com:owner/sitegen.git"], check=True
    )
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()

    class Installed:
        def read_text(self, name: str) -> str:
            return json.dumps({"url": checkout.as_uri(), "dir_info": {"editable": True}})

    monkeypatch.setattr(init.metadata, "distribution", lambda name: Installed())
    report = init.init_site(tmp_path / "site")
    assert report.source_known and "requirements.txt" in report.created
    wanted = f"sitegen[search] @ git+https://github.com/owner/sitegen.git@{head}"
    assert wanted in (tmp_path / "site" / "requirements.txt").read_text().splitlines()
    workflow = (tmp_path / "site" / ".github" / "workflows" / "pages.yml").read_text()
    assert "pip install -r requirements.txt" in workflow


def test_init_without_a_known_repository_says_to_edit_requirements(tmp_path, monkeypatch):
    from sitegen import init

    monkeypatch.setattr(init, "install_spec", lambda: None)
    report = init.init_site(tmp_path)
    assert not report.source_known
    assert "OWNER" in (tmp_path / "requirements.txt").read_text()
