"""The no-change check of ``sitegen build`` (sitegen/nochange.py): a second build with
nothing changed is answered from the record without building, and every kind of change
makes it build (and repair) instead."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeSite, Site, digest

import sitegen.build
import sitegen.cores
from sitegen import nochange
from sitegen.__main__ import main
from sitegen.cores import usable_cores

SITE = {
    "sitegen.toml": 'search = false\nbase_url = "https://x.org/"\n',
    "content/one.md": digest(title="One", publishedDateTime="2021-01-01T00:00:00Z", topics=["A"]),
    "content/2021/two.md": digest(title="Two", publishedDateTime="2021-01-02T00:00:00Z"),
    "content/2021/three.md": digest(title="Three", publishedDateTime="2021-01-03T00:00:00Z"),
}


class Cli:
    """Runs ``main`` and tells whether it built or repeated the last build's result."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.builds = 0
        real = sitegen.build.build

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.builds += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sitegen.build, "build", counted)

    def run(self, *argv: str) -> tuple[bool, int, str, str]:
        """(built, exit code, stdout, stderr)."""
        before = self.builds
        code = main(["build", *argv])
        out, err = self.capsys.readouterr()
        return self.builds > before, code, out, err

    def built(self, *argv: str) -> bool:
        return self.run(*argv)[0]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)


@pytest.fixture
def site(make_site: MakeSite, cli: Cli) -> Site:
    """A site built once, and once more to make sure the record answers."""
    made = make_site(SITE)
    assert cli.built()
    assert not cli.built()
    return made


def _old(path: Path) -> None:
    """Date a file back, out of the window where its stats prove nothing."""
    stamp = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(stamp, stamp))


def test_a_repeated_build_prints_the_same_summary(site: Site, cli: Cli) -> None:
    first = cli.run("--no-cache")  # a normal build: same bytes, so the record still holds
    assert first[0]
    built, code, out, err = cli.run()
    assert (built, code, err) == (False, 0, "")
    summary = out.splitlines()[0]
    assert re.fullmatch(
        r"built 3 article\(s\), \d+ page\(s\) \(0 written, \d+ unchanged, 0 removed\), "
        r"0 draft\(s\) left out \(--drafts to include\), 0 problem\(s\) in [\d.]+ s -> "
        + re.escape(str(site.output)),
        summary,
    ), out
    assert first[2].splitlines()[1:] == out.splitlines()[1:]  # the notes


def test_flags_that_change_no_output_still_repeat(site: Site, cli: Cli) -> None:
    built, code, out, err = cli.run("--profile", "-q", "--jobs", "2")
    assert (built, code, out) == (False, 0, "")
    assert [line.split()[0] for line in err.splitlines()] == ["stage", "scan", "cache", "total"]


@pytest.mark.parametrize("flag", [["--drafts"], ["--base-url", "https://y.org/"], ["--no-cache"]])
def test_flags_that_shape_the_output_build(site: Site, cli: Cli, flag: list[str]) -> None:
    assert cli.built(*flag)


def edit_body(site: Site) -> None:
    path = site.root / "content/2021/two.md"
    path.write_text(path.read_text("utf-8") + "\nMore.\n", "utf-8")


def add_file(site: Site) -> None:
    site.write({"content/2021/four.md": digest(title="Four")})


def add_folder(site: Site) -> None:
    site.write({"content/2022/new/five.md": digest(title="Five")})


def delete_file(site: Site) -> None:
    (site.root / "content/2021/three.md").unlink()


def rename_file(site: Site) -> None:
    (site.root / "content/one.md").rename(site.root / "content/uno.md")


def edit_settings(site: Site) -> None:
    site.write({"sitegen.toml": 'search = false\nbase_url = "https://x.org/"\ntitle = "T"\n'})


def add_template(site: Site) -> None:
    site.write({"templates/partials/footer.html": "<footer>mine</footer>\n"})
    # Dated back: stats from the 2 seconds before a record are not trusted (see below).
    for path in ("templates/partials/footer.html", "templates/partials", "templates"):
        _old(site.root / path)


def test_a_template_changed_just_before_the_build_is_not_trusted(site: Site, cli: Cli) -> None:
    site.write({"templates/partials/footer.html": "<footer>mine</footer>\n"})
    assert cli.built()
    assert cli.built()  # its mtime could still change without showing


def set_epoch(site: Site) -> None:
    pass  # the test sets it


def delete_page(site: Site) -> None:
    (site.output / "articles/one/index.html").unlink()


def delete_feed(site: Site) -> None:
    (site.output / "feed.xml").unlink()


def delete_sitemap(site: Site) -> None:
    (site.output / "sitemap.xml").unlink()


def interrupted_build(site: Site) -> None:
    (site.output / ".sitegen-staging").mkdir()


def replace_manifest(site: Site) -> None:
    manifest = site.output / ".sitegen-manifest.json"
    manifest.write_bytes(manifest.read_bytes())


def retarget_content_link(site: Site) -> None:
    """content is a link to a folder; pointed at a copy with one file edited."""
    real, copy = site.root / "real-content", site.root / "other-content"
    shutil.copytree(real, copy)
    path = copy / "2021/two.md"
    path.write_text(path.read_text("utf-8").replace("Two", "Owt"), "utf-8")
    shutil.copystat(real / "2021/two.md", path)  # same mtime (and here size): stats alone match
    (site.root / "content").unlink()
    (site.root / "content").symlink_to(copy)


def new_library(site: Site) -> None:
    (site.root / "lib" / "jinja2-99.0.dist-info").mkdir(parents=True)
    sys.path.append(str(site.root / "lib"))


CHANGES: dict[str, Callable[[Site], None]] = {
    "body edit": edit_body,
    "file added": add_file,
    "folder added": add_folder,
    "file deleted": delete_file,
    "file renamed": rename_file,
    "settings edited": edit_settings,
    "template added": add_template,
    "SOURCE_DATE_EPOCH set": set_epoch,
    "page deleted": delete_page,
    "feed deleted": delete_feed,
    "sitemap deleted": delete_sitemap,
    "interrupted build": interrupted_build,
    "manifest replaced": replace_manifest,
    "library installed": new_library,
    "content link retargeted": retarget_content_link,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_kind_of_change_builds(
    site: Site, cli: Cli, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    if change == "content link retargeted":
        (site.root / "content").rename(site.root / "real-content")
        (site.root / "content").symlink_to(site.root / "real-content")
        assert cli.built()
        for path in (site.root / "real-content").rglob("*"):
            _old(path)
        _old(site.root / "real-content")
        assert cli.built()
        assert not cli.built()
    if change == "SOURCE_DATE_EPOCH set":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    before = site.output_files()
    CHANGES[change](site)
    assert cli.built()
    if change in ("page deleted", "feed deleted", "sitemap deleted", "interrupted build"):
        assert site.output_files() == before  # written again, byte for byte
    assert not cli.built()  # and the new record answers the next one


@pytest.mark.parametrize("change", ["page deleted", "settings edited", "body edit"])
def test_changes_are_noticed_with_the_forked_check(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """On a large site the inputs and the output are checked in a child process."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    assert not cli.built()
    before = site.output_files()
    CHANGES[change](site)
    assert cli.built()
    if change == "page deleted":
        assert site.output_files() == before
    assert not cli.built()


class _Spy:
    """Records what nochange.output_intact answered the build."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[bool] = []
        real = nochange.output_intact

        def spied(output: str) -> bool:
            self.answers.append(real(output))
            return self.answers[-1]

        monkeypatch.setattr(nochange, "output_intact", spied)


@pytest.mark.parametrize("page_deleted", [False, True])
def test_an_edit_uses_the_forked_check_of_the_output(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch, page_deleted: bool
) -> None:
    """After a content edit the build asks the child the no-change check forked whether every
    output file is there: yes spares it a stat per unchanged page; a page deleted by hand
    makes it no, and the page is written again."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    spy = _Spy(monkeypatch)
    edit_body(site)
    if page_deleted:
        delete_page(site)  # another article's page: unchanged, so not rendered for the edit
    assert cli.built()
    assert spy.answers == [not page_deleted]
    assert not nochange._OUTPUT_CHECKS  # the child was reaped
    edited = site.output_files()
    assert cli.built("--no-cache", "--output", "cold")
    cold = [p for p in sorted((site.root / "cold").rglob("*")) if p.is_file()]
    assert edited == {p.relative_to(site.root / "cold").as_posix(): p.read_bytes() for p in cold}


def test_no_forked_check_on_one_allowed_core(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process allowed one core (``taskset``, a container) checks everything itself: a
    child would only take turns with it."""
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity here")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    spy = _Spy(monkeypatch)
    edit_body(site)
    assert cli.built()
    assert spy.answers == [False]  # no child's answer to take
    assert not cli.built()


def _spy_scans(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What nochange.content_scanned gives the builds, from now on."""
    given: list[Any] = []
    real = nochange.content_scanned

    def spied(content_dir: str, meanwhile: Any = (), first: Any = ()) -> Any:
        given.append(real(content_dir, meanwhile, first))
        return given[-1]

    monkeypatch.setattr(nochange, "content_scanned", spied)
    return given


def test_an_edit_takes_the_scan_of_the_content_the_child_made(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child also scans the content (after its checks); the build takes that scan, the
    same as its own but for the time before which stats are trusted (taken earlier)."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    given = _spy_scans(monkeypatch)
    edit_body(site)
    before = time.time_ns() - nochange.RACY_NS
    assert cli.built()
    after = time.time_ns() - nochange.RACY_NS
    assert len(given) == 1 and given[0] is not None
    recent, sources, folders, links, changed = given[0]
    assert before <= recent <= after
    assert changed  # (the child's check found the edit)
    own_links: dict[str, tuple[int, set[str] | None]] = {}
    assert (sources, folders) == nochange.scan(str(site.root / "content"), own_links)
    assert links == own_links
    assert not nochange._OUTPUT_CHECKS  # the child was reaped
    assert not cli.built()  # the record made from that scan answers the next build


def test_a_first_build_takes_the_scan_a_child_made(
    make_site: MakeSite, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no record to answer, the content is scanned by a child while the build
    prepares; the build takes that scan, which says nothing of a change, and the site is
    the same as one built without it."""
    if not hasattr(os, "fork") or usable_cores() < 2:
        pytest.skip("no fork or one core here: the build scans the content itself")
    made = make_site(SITE)
    given = _spy_scans(monkeypatch)
    before = time.time_ns() - nochange.RACY_NS
    assert cli.built()
    after = time.time_ns() - nochange.RACY_NS
    assert len(given) == 1 and given[0] is not None
    recent, sources, folders, links, changed = given[0]
    assert before <= recent <= after and not changed
    own_links: dict[str, tuple[int, set[str] | None]] = {}
    assert (sources, folders) == nochange.scan(str(made.root / "content"), own_links)
    assert links == own_links
    assert not nochange._OUTPUT_CHECKS  # the child was reaped
    scanned = made.output_files()
    assert not cli.built()  # the record made from that scan answers the next build
    monkeypatch.setattr(sitegen.cores, "usable_cores", lambda: 1)  # no child: scanned here
    assert cli.built("--no-cache", "--output", "cold")
    assert given[-1] is None
    cold = [p for p in sorted((made.root / "cold").rglob("*")) if p.is_file()]
    assert scanned == {p.relative_to(made.root / "cold").as_posix(): p.read_bytes() for p in cold}


def test_a_scan_made_aside_does_not_say_the_content_changed(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without its record, the no-change check cannot answer: the build runs, takes a
    child's scan, and still finds from its cache that nothing changed (no page read or
    rendered again)."""
    if not hasattr(os, "fork") or usable_cores() < 2:
        pytest.skip("no fork or one core here: the build scans the content itself")
    for record in (site.root / ".sitegen-cache").glob("nochange-*"):
        record.unlink()
    given = _spy_scans(monkeypatch)
    built, code, out, err = cli.run("--profile")
    assert built and code == 0
    assert given[0] is not None and not given[0][4]
    assert [line.split()[0] for line in err.splitlines()] == ["stage", "scan", "cache", "total"]
    assert "(0 written," in out


def test_work_is_done_while_the_scan_has_not_come(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The steps given to content_scanned run while the child's scan has not come (here it
    comes late), one at a time; once it has come, none run. The scan is the same."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    monkeypatch.chdir(site.root)
    content = str(site.root / "content")
    real = nochange._scan_payload
    for late in (True, False):
        if late:  # (the child is forked from this process: it runs the patched one)
            monkeypatch.setattr(nochange, "_scan_payload", lambda root: time.sleep(1) or real(root))
        else:
            monkeypatch.setattr(nochange, "_scan_payload", real)
        edit_body(site)
        assert nochange.repeat(["build"]) is None
        (child,) = nochange._OUTPUT_CHECKS
        if not late:
            deadline = time.monotonic() + 30
            while not child.scan_begun() and time.monotonic() < deadline:
                time.sleep(0.01)
        done: list[int] = []
        steps = [functools.partial(done.append, i) for i in range(3)]
        found = nochange.content_scanned(content, steps)
        assert done == ([0, 1, 2] if late else [])
        assert found is not None and (found[1], found[2]) == nochange.scan(content, {})
        assert nochange.output_intact(str(site.output))
        assert not nochange._OUTPUT_CHECKS


def test_a_scan_not_asked_for_ends_with_the_child(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child whose scan nobody reads (a build that failed first, another content folder)
    is stopped, even blocked on a pipe the scan overfills; one of another folder is no
    scan of this one."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    monkeypatch.chdir(site.root)
    edit_body(site)
    for read in ("nothing", "answer", "other folder"):
        if read == "other folder":
            monkeypatch.setattr(nochange, "_scan_payload", lambda root: b"x" * 10**7)
        assert nochange.repeat(["build"]) is None  # the content changed: build
        (child,) = nochange._OUTPUT_CHECKS
        if read == "answer":
            assert nochange.output_intact(str(site.output))
        elif read == "other folder":
            assert nochange.content_scanned(str(site.root / "content")) is None
        nochange.forget_output_checks()
        assert not nochange._OUTPUT_CHECKS
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid or -1, os.WNOHANG)  # reaped already


def test_no_forked_check_of_the_output_without_a_record(site: Site, cli: Cli) -> None:
    """A build the no-change check did not look at first trusts no child: none was forked."""
    shutil.rmtree(site.root / ".sitegen-cache" / "output")  # the build cache, not the record
    for record in (site.root / ".sitegen-cache").glob("nochange-*"):
        record.unlink()
    edit_body(site)
    assert cli.built()
    assert not nochange.output_intact(str(site.output))


def test_hidden_and_other_files_in_content_change_nothing(site: Site, cli: Cli) -> None:
    # An editor's swap file and a note: the folder's mtime changes, the listing is compared.
    site.write({"content/2021/.two.md.swp": "x", "content/2021/notes.txt": "y"})
    assert not cli.built()


def test_a_same_size_edit_within_the_racy_window_is_seen(site: Site, cli: Cli) -> None:
    path = site.root / "content/2021/two.md"
    stamp = time.time_ns() + 3600 * 10**9  # "just before the scan", whatever the clock
    os.utime(path, ns=(stamp, stamp))
    assert cli.built()
    text = path.read_text("utf-8")
    path.write_text(text.replace("title: Two", "title: Owt"), "utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert cli.built()
    assert "Owt" in (site.output / "articles/owt/index.html").read_text("utf-8")
    assert not cli.built()


def test_new_mtimes_build_once(site: Site, cli: Cli) -> None:
    for path in (site.root / "content").rglob("*"):
        _old(path)
    assert cli.built()  # folders' and files' mtimes changed
    assert not cli.built()


def _record(site: Site) -> Path:
    (found,) = (site.root / ".sitegen-cache").glob("nochange-*")
    return found


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:-10] + bytes(b ^ 0xFF for b in raw[-10:]),
        lambda raw: b"garbage" * 50,
        lambda raw: raw.replace(sys.version.encode()[:6], b"0.0.0 ", 1),
        lambda raw: b"",
    ],
)
def test_a_damaged_record_means_a_normal_build(
    site: Site, cli: Cli, damage: Callable[[bytes], bytes]
) -> None:
    record = _record(site)
    record.write_bytes(damage(record.read_bytes()))
    edit_body(site)  # a change, so a wrong "nothing changed" would show
    built, code, _, _ = cli.run()
    assert (built, code) == (True, 0)
    assert "More." in (site.output / "articles/two/index.html").read_text("utf-8")
    assert not cli.built()


def test_a_missing_record_means_a_normal_build(site: Site, cli: Cli) -> None:
    _record(site).unlink()
    assert cli.built()
    assert not cli.built()


def test_problems_are_repeated_and_strict_still_fails(make_site: MakeSite, cli: Cli) -> None:
    make_site({**SITE, "content/bad.md": "---\ntitle: Bad\nheat: very\n---\n"})
    first = cli.run("--strict")
    again = cli.run("--strict")
    assert first[0] and not again[0]
    assert first[1] == again[1] == 1
    assert "heat" in again[3]
    assert first[3] == again[3]


def test_no_record_when_the_output_is_elsewhere(
    make_site: MakeSite, cli: Cli, tmp_path: Path
) -> None:
    make_site(SITE)
    out = tmp_path / "elsewhere" / "out"
    assert cli.built("--output", str(out))
    assert cli.built("--output", str(out))  # the build's own cache check answers instead
    assert not (tmp_path / ".sitegen-cache").exists()


def test_the_command_line_grammar() -> None:
    parse = nochange.parse
    flags = parse(["build", "--output=out", "-j", "3", "--drafts", "--profile"])
    assert flags is not None and flags.key == ["--output", "out", "--drafts"] and flags.profile
    again = parse(["build", "--output", "out"])
    assert again is not None and again.key == flags.key[:2]
    for argv in (
        ["check"],
        ["build", "--no-cache"],
        ["build", "--help"],
        ["build", "--prof"],  # argparse's abbreviation
        ["build", "--jobs", "0"],
        ["build", "--output"],
        ["build", "-qj2"],
        [],
    ):
        assert parse(argv) is None, argv


def test_problems_are_repeated_five_of_a_kind_or_all(make_site: MakeSite, cli: Cli) -> None:
    bad = {f"content/bad{n}.md": f"---\ntitle: Bad {n}\nheat: very\n---\n" for n in range(7)}
    make_site({**SITE, **bad})
    built = cli.run()
    again = cli.run()
    assert built[0] and not again[0]
    assert again[3] == built[3] and "... and 2 more like the above (heat)" in again[3]
    every = cli.run("--all-problems")
    assert not every[0]
    assert every[3] == cli.run("--all-problems", "--no-cache")[3]
    assert every[3].count("heat: must be a whole number") == 7


@pytest.mark.parametrize("name", ["content/new\nline.md", "content/new\nline/four.md"])
def test_no_record_of_names_it_cannot_keep(site: Site, cli: Cli, name: str) -> None:
    """The record joins names with newlines: with a file or folder so named, none is made,
    and each build is a normal one."""
    site.write({name: digest(title="Four")})
    assert cli.built()
    assert cli.built()
    top = site.root / "content" / name.split("/")[1]
    shutil.rmtree(top) if top.is_dir() else top.unlink()
    assert cli.built()
    assert not cli.built()


@pytest.mark.parametrize("problem", [False, True])
def test_the_check_imports_nothing_it_can_do_without(site: Site, cli: Cli, problem: bool) -> None:
    if problem:  # a site with problems repeats them, still without sitegen.problems
        site.write({"content/bad.md": "---\ntitle: Bad\nheat: very\n---\n"})
    for path in (site.root / "content").rglob("*.md"):
        _old(path)  # else their bytes are compared (hashlib)
    assert cli.built()
    code = (
        "import sys\nfrom sitegen.__main__ import main\ncode = main(['build'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sitegen', 'argparse', 'pathlib', 'typing', 'dataclasses', 'pickle', 'tomllib', "
        "'jinja2', 'yaml', 'markdown', 'rich', 'hashlib', 're')), code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "['sitegen', 'sitegen.__main__', 'sitegen.nochange'] 0"


def test_another_copy_of_sitegen_builds(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Another checkout or environment building the same folder: the record watched the code
    # and templates of the copy that made it, so it proves nothing about this one.
    monkeypatch.setattr(nochange, "_RUNNING", str(tmp_path / "other" / "sitegen"))
    assert cli.built()
    assert not cli.built()  # the new record names the copy that made it


def test_the_scan_finds_the_links_of_each_folder_as_the_build_lists_them(tmp_path: Path) -> None:
    """The links scan hands the build are those _links_in finds, hidden names aside (no
    article has one), with the folder's mtime from before its listing."""
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "a.md").write_text("a")
    (content / "b.md").symlink_to(content / "a.md")
    (content / ".hidden.md").symlink_to(content / "a.md")
    (content / "sub" / "c.md").write_text("c")
    (content / "sub" / "elsewhere").symlink_to(tmp_path)
    links: dict[str, tuple[int, set[str] | None]] = {}
    nochange.scan(str(content), links)
    for folder in (str(content), str(content / "sub")):
        listed = sitegen.build._links_in(folder)
        assert listed is not None
        assert links[folder] == (os.stat(folder).st_mtime_ns, {n for n in listed if n[0] != "."})
    assert links[str(content)][1] == {"b.md"}


def test_the_folder_of_the_newest_file_is_checked_first(
    site: Site, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit is most often to a file written lately: its folder is looked at first, so the
    change is found before the other folders' files are stat'ed."""
    for path in (site.root / "content").rglob("*.md"):
        _old(path)
    edit_body(site)  # content/2021/two.md: the newest file
    assert cli.built()
    record = nochange._read(nochange.record_path(str(site.root), []))
    assert record is not None
    opened: list[str] = []
    real = os.open

    def spied(path: str, *args: Any, **kwargs: Any) -> int:
        opened.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(nochange.os, "open", spied)
    nochange._check_content(record["content"])  # nothing changed: every folder
    assert opened[0] == str(site.root / "content" / "2021")
    assert sorted(opened) == sorted({f[0] for f in record["content"][1]})


def test_a_hurried_child_sends_its_scan_before_its_answer(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content changed: the build needs the child's scan first, its answer about the
    output only when it writes. So the child, told so, sends the scan as soon as it sees
    that, between parts of its check of the output."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork here: everything is checked in one process")
    monkeypatch.setattr(nochange, "_FORK_FILES", 0)
    monkeypatch.chdir(site.root)
    real = nochange._check_output

    def slow(output: Any, between: Any = None) -> None:  # (the child runs this one)
        time.sleep(0.5)  # the parent has told it by now
        between()
        time.sleep(3)
        real(output, between)

    monkeypatch.setattr(nochange, "_check_output", slow)
    edit_body(site)
    assert nochange.repeat(["build"]) is None
    (child,) = nochange._OUTPUT_CHECKS
    found = nochange.content_scanned(str(site.root / "content"))
    assert found is not None and child.answer is None  # the scan came first
    assert nochange.output_intact(str(site.output))
