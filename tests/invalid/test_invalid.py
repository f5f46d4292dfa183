"""Every kind of bad input of the digest format, each a file in ``content/`` with its exact
one-line message in ``expected.txt``; the valid files of the same site must still build."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import MakeSite, problem_lines

HERE = Path(__file__).parent
EXPECTED = [
    line
    for line in (HERE / "expected.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
# Files whose problem is fatal are skipped; the others lose one field and still build.
FATAL = ("); save it as UTF-8", ": file: contains", ": frontmatter: ", "the file was skipped")
SKIPPED = {line.split(":")[0] for line in EXPECTED if any(f in line for f in FATAL)}


def test_every_fixture_has_an_expected_message() -> None:
    fixtures = {
        f"content/{p.name}" for p in (HERE / "content").iterdir() if not p.name.startswith("ok-")
    }
    assert fixtures == {line.split(":")[0] for line in EXPECTED}


def test_bad_inputs_give_their_exact_messages_and_the_rest_builds(make_site: MakeSite) -> None:
    site = make_site()
    shutil.rmtree(site.root / "content")
    shutil.copytree(HERE / "content", site.root / "content")
    result = site.build(drafts=True)  # published: maybe makes a draft
    assert problem_lines(result) == sorted(EXPECTED)
    built = {str(a.source) for a in result.index.articles} if result.index else set()
    every = {f"content/{p.name}" for p in (HERE / "content").iterdir()}
    assert built == every - SKIPPED
    assert {"content/ok-valid.md", "content/ok-also-valid.md"} <= built
    assert "It builds." in site.read("articles/a-perfectly-valid-digest/index.html")
    assert (site.output / "articles/quality-is-text/index.html").is_file()
    # The C1 control was the last byte of a mojibake closing quote: repaired, not lost.
    assert "Latin-1: \u201dend</h1>" in site.read(
        "articles/a-closing-quote-read-as-latin-1-end/index.html"
    )
    assert (site.output / "articles/lines-end-with-a-lone-cr/index.html").is_file()
