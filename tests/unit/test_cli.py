"""The command line: subcommands, help, exit codes, --strict, check and the summary."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import MakeSite, digest

from sitegen import __version__
from sitegen.__main__ import main

SITE = {
    "sitegen.toml": "search = false\n",
    "content/one.md": digest(title="One", publishedDateTime="2021-01-01T00:00:00Z", topics=["A"]),
    "content/two.md": digest(title="Two", publishedDateTime="2021-01-02T00:00:00Z"),
    "content/draft.md": digest(title="Draft", published=False),
}
BAD = {
    "content/bad-heat.md": "---\ntitle: Hot\nheat: very\n---\n",
    "content/no-title.md": "---\nexcerpt: x\n---\n",
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_python_dash_m_sitegen_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, f"sitegen {__version__}\n")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys)[:2] == (0, f"sitegen {__version__}\n")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--help"], ["build", "check", "--version"]),
        (["build", "--help"], ["--output", "--templates", "--base-url", "--drafts", "--strict"]),
        (["check", "--help"], ["--content", "--drafts", "--strict", "write nothing"]),
    ],
)
def test_help_on_each_command(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]
) -> None:
    code, out, _ = run(argv, capsys)
    assert code == 0
    for word in words:
        assert word in out


@pytest.mark.parametrize("argv", [[], ["publish"], ["build", "--no-such-flag"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "usage: sitegen" in err


def test_settings_error_exits_2(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    make_site({**SITE, "sitegen.toml": "page_sise = 3\n"})
    code, out, err = run(["build"], capsys)
    assert code == 2
    assert "did you mean 'page_size'?" in err
    assert out == ""


def test_build_succeeds_and_summarizes(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(SITE)
    code, out, err = run(["build"], capsys)
    assert (code, err) == (0, "")
    summary, *notes = out.splitlines()
    assert re.fullmatch(
        r"built 2 article\(s\), \d+ page\(s\) \(\d+ written, 0 unchanged, 0 removed\), "
        r"1 draft\(s\) left out \(--drafts to include\), 0 problem\(s\) in [\d.]+ s -> .+",
        summary,
    ), out
    assert all(line.startswith("note: ") for line in notes), notes
    assert (site.output / "articles/one/index.html").is_file()
    assert not (site.output / "articles/draft").exists()


def test_a_build_for_the_sitegen_command_keeps_what_it_made_and_collects_nothing(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc

    make_site(SITE)
    hold: list[object] = []
    try:
        assert main(["build", "--quiet"], hold=hold) == 0
        # The process ends next (os._exit): a collection or freeing everything is wasted.
        assert not gc.isenabled()
    finally:
        gc.enable()
    results = [item for item in hold if type(item).__name__ == "BuildResult"]
    assert len(results) == 1 and results[0].articles == 2  # type: ignore[attr-defined]
    assert any(isinstance(item, dict) and "index" in item for item in hold)  # build's own


def test_a_build_called_as_a_function_leaves_garbage_collection_on(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc

    make_site(SITE)
    assert gc.isenabled()
    assert main(["build", "--quiet"]) == 0
    assert gc.isenabled()


def test_drafts_flag_includes_drafts(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(SITE)
    code, out, _ = run(["build", "--drafts"], capsys)
    assert code == 0
    assert out.startswith("built 3 article(s)")
    assert "drafts included" in out
    assert "Draft: not published" in site.read("articles/draft/index.html")


def test_problems_are_printed_and_the_rest_builds(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site({**SITE, **BAD})
    code, out, err = run(["build"], capsys)
    assert code == 0
    assert err.splitlines() == [
        'content/bad-heat.md:3: heat: must be a whole number, not "very"; ignored',
        "content/no-title.md:2: title: missing; every digest needs a title, so the file was "
        "skipped",
    ]
    assert "built 3 article(s)" in out
    assert "2 problem(s)" in out
    assert (site.output / "articles/hot/index.html").is_file()


def test_strict_prints_every_problem_then_exits_1(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    many = {f"content/h{i}.md": f"---\ntitle: H{i}\nheat: x{i}\n---\n" for i in range(8)}
    make_site({**SITE, **many})
    code, _, err = run(["build", "--strict"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert len([line for line in lines if ": heat: " in line]) == 8
    assert "more like the above" not in err
    assert lines[-1] == "sitegen: 8 problem(s) and --strict: failing"


def test_without_strict_repeats_are_collapsed(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    many = {f"content/h{i}.md": f"---\ntitle: H{i}\nheat: x{i}\n---\n" for i in range(8)}
    make_site({**SITE, **many})
    code, _, err = run(["check"], capsys)
    assert code == 0
    assert err.splitlines()[-1] == "... and 3 more like the above (heat)"


def test_strict_without_problems_exits_0(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    make_site(SITE)
    assert run(["check", "--strict"], capsys)[0] == 0


def test_check_writes_nothing(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({**SITE, **BAD})
    before = sorted(site.root.rglob("*"))
    code, out, err = run(["check"], capsys)
    assert code == 0
    assert out.startswith(
        "checked 3 article(s), 1 draft(s) left out (--drafts to include), 2 problem(s) in "
    )
    assert len(err.splitlines()) == 2
    assert sorted(site.root.rglob("*")) == before
    assert run(["check", "--strict"], capsys)[0] == 1


def test_quiet_prints_only_problems(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    make_site({**SITE, **BAD})
    code, out, err = run(["build", "--quiet"], capsys)
    assert (code, out) == (0, "")
    assert len(err.splitlines()) == 2


def test_failed_build_exits_1_and_says_the_output_was_kept(
    make_site: MakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    make_site({**SITE, "templates/index.html": "{{ nope }}\n"})
    code, out, err = run(["build"], capsys)
    assert code == 1
    assert out == ""
    assert "sitegen: build failed: " in err
    assert "'nope' is undefined" in err
    assert err.endswith("sitegen: the output folder was left as it was\n")


def test_flags_override_settings(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(
        {"posts/p.md": digest(title="Post"), "sitegen.toml": 'output_dir = "x"\nsearch = false\n'}
    )
    code, _out, _ = run(["build", "--content", "posts", "--output", "public"], capsys)
    assert code == 0
    assert (site.root / "public/articles/post/index.html").is_file()
    assert not (site.root / "x").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "-q", "--jobs=2", "--drafts", "--output", "o", "--no-cache"],
        ["build", "--help"],
        ["build", "--bogus"],
        ["build", "-j", "x"],
        ["check", "--links"],
        ["serve", "--port", "9"],
        ["init", "x"],
        ["theme", "export", "--help"],
        ["theme"],
    ],
)
def test_the_parser_of_one_command_reads_its_command_line_as_the_whole_one(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """main makes only the parser of the command named first: values, help and errors are
    those of the parser of every command."""
    from sitegen.__main__ import make_parser

    seen = []
    for parser in (make_parser(), make_parser(argv[0])):
        try:
            seen.append((vars(parser.parse_args(argv)), None))
        except SystemExit as exc:
            seen.append((None, exc.code))
        seen.append(capsys.readouterr())
    assert seen[:2] == seen[2:]


@pytest.mark.parametrize(
    "argv",
    [
        ["build"],
        ["build", "-q"],
        ["build", "--quiet", "--profile", "--strict", "--all-problems"],
        ["build", "--jobs", "2", "-j", "3"],
        ["build", "--jobs=4", "--drafts", "--no-search"],
        ["build", "--output", "o", "--output=p", "--content", "c", "--templates", "t"],
        ["build", "--config", "s.toml", "--base-url", "https://x.test/r/"],
        ["build", "--base-url=https://x.test/", "--drafts", "--drafts", "-q"],
        ["build", "--output", ""],
    ],
)
def test_a_plain_build_command_line_is_read_as_argparse_reads_it(argv: list[str]) -> None:
    """main reads a plain build command line without argparse: every value as its parser
    gives it."""
    from sitegen import nochange
    from sitegen.__main__ import make_parser, plain_build_args

    flags = nochange.parse(argv)
    assert flags is not None
    assert vars(plain_build_args(flags)) == vars(make_parser("build").parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--no-cache"],
        ["build", "--help"],
        ["build", "--out", "o"],
        ["build", "-j3"],
        ["build", "-j", "０３"],
        ["build", "-j", "²"],
        ["build", "--output", "-o"],
        ["build", "--", "x"],
        ["check"],
    ],
)
def test_other_command_lines_are_left_to_argparse(argv: list[str]) -> None:
    from sitegen import nochange

    assert nochange.parse(argv) is None
