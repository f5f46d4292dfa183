"""Stage 6, write: a manifest, minimal rewrites, never a user's file, and crash safety."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import MakeSite, digest

from sitegen import write as write_module
from sitegen.build import BuildError
from sitegen.model import OutputFile, OutputPath
from sitegen.write import (
    JOURNAL,
    MANIFEST,
    STAGING,
    OutputError,
    StagedOutput,
    _digest,
    read_manifest,
    recover,
    write_output,
)


def out(path: str, data: str) -> OutputFile:
    return OutputFile(OutputPath(path), data.encode(), "test")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


TWO = {
    "content/one.md": digest(title="One", publishedDateTime="2021-01-01T00:00:00Z"),
    "content/two.md": digest(title="Two", publishedDateTime="2021-01-02T00:00:00Z"),
}


def test_manifest_lists_every_written_file(tmp_path: Path) -> None:
    report = write_output(tmp_path, [out("index.html", "home"), out("a/b/index.html", "b")])
    assert sorted(report.written) == ["a/b/index.html", "index.html"]
    assert set(read_manifest(tmp_path)) == {"index.html", "a/b/index.html"}
    data = json.loads((tmp_path / MANIFEST).read_text())
    assert data["generator"].startswith("sitegen ")
    assert tree(tmp_path).keys() == {MANIFEST, "index.html", "a/b/index.html"}


def test_many_new_files_are_all_written_with_their_bytes(tmp_path: Path) -> None:
    """Enough files for the writer threads: each lands at its path with its own bytes."""
    files = [out(f"p/{i}/index.html", f"page {i} " * (i % 7 + 1)) for i in range(300)]
    report = write_output(tmp_path, files)
    assert len(report.written) == 300
    assert tree(tmp_path) == {MANIFEST: (tmp_path / MANIFEST).read_bytes()} | {
        f.path: f.data for f in files
    }


def test_a_failed_write_of_many_leaves_the_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_output(tmp_path, [out("index.html", "old")])
    before = tree(tmp_path)
    real = write_module._write_new

    def flaky(path: str, data: bytes) -> None:
        if path.endswith("/p/150.html"):  # half way, in the staging's new folder tree
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write_module, "_write_new", flaky)
    files = [out("index.html", "new")] + [out(f"p/{i}.html", "x") for i in range(300)]
    with pytest.raises(OSError, match="No space"):
        write_output(tmp_path, files)
    assert tree(tmp_path) == before
    assert not (tmp_path / STAGING).exists()


def test_staged_parts_change_nothing_until_the_commit(tmp_path: Path) -> None:
    write_output(tmp_path, [out("index.html", "old"), out("gone.html", "x")])
    before = tree(tmp_path)
    with StagedOutput(tmp_path) as staged:
        staged.add([out("index.html", "new"), out("a/1.html", "1")])
        staged.add([out("a/2.html", "2"), out("A/1.html", "collision: the first stays")])
        assert tree(tmp_path) == before | {
            f"{STAGING}/0": b"new",  # replaces a file: staged alone
            f"{STAGING}/tree/a/1.html": b"1",  # a new folder: staged as a tree
            f"{STAGING}/tree/a/2.html": b"2",
        }
        assert {f.path: f.data for f in staged.site_files()} == {
            "index.html": b"new",
            "a/1.html": b"1",
            "a/2.html": b"2",
        }
        report = staged.commit()
    assert report.deleted == ["gone.html"]
    assert staged.made["a/1.html"] == (_digest(b"1"), 1) and staged.bytes == 3 + 1 + 1
    assert tree(tmp_path) == {MANIFEST: (tmp_path / MANIFEST).read_bytes()} | {
        "index.html": b"new",
        "a/1.html": b"1",
        "a/2.html": b"2",
    }


def test_a_commit_in_two_steps_keeps_the_rest_until_the_second(tmp_path: Path) -> None:
    write_output(tmp_path, [out("index.html", "old"), out("gone.html", "x")])
    with StagedOutput(tmp_path) as staged:
        staged.add([out("index.html", "new"), out("a/1.html", "1")])
        first = staged.commit(keep_others=True)
    # The files the first step did not make stay until the second.
    assert first.digests == {"index.html": _digest(b"new"), "a/1.html": _digest(b"1")}
    assert first.deleted == []
    assert read_manifest(tmp_path) == first.digests | {"gone.html": _digest(b"x")}
    assert tree(tmp_path) == {MANIFEST: (tmp_path / MANIFEST).read_bytes()} | {
        "index.html": b"new",
        "a/1.html": b"1",
        "gone.html": b"x",
    }
    with StagedOutput(tmp_path, first.digests) as rest:
        rest.add([out("data.json", "{}")])
        second = rest.commit()
    assert second.deleted == ["gone.html"] and second.unchanged == 2
    assert tree(tmp_path) == {MANIFEST: (tmp_path / MANIFEST).read_bytes()} | {
        "index.html": b"new",
        "a/1.html": b"1",
        "data.json": b"{}",
    }


def test_a_first_step_journals_the_manifest_changes_a_full_comparison_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_output(tmp_path, [out(f"{n}.html", str(n)) for n in range(6)])
    (tmp_path / "2.html").unlink()  # same bytes again, but the file is gone
    old = read_manifest(tmp_path)
    journals: list[dict[str, object]] = []
    real_commit = write_module._commit
    monkeypatch.setattr(
        write_module, "_commit", lambda o, j: (journals.append(j), real_commit(o, j))
    )
    kept = {"0.html": old["0.html"]}
    with StagedOutput(tmp_path, kept) as staged:
        # 1: unchanged; 2: the same, written again; 3: changed; new.html: new.
        staged.add([out("1.html", "1"), out("2.html", "2"), out("3.html", "three")])
        staged.add([out("new.html", "new")])
        first = staged.commit(keep_others=True)
    assert sorted(first.written) == ["2.html", "3.html", "new.html"]
    merged = old | first.digests
    assert journals[0]["changes"] == write_module._manifest_changes(old, merged)
    assert read_manifest(tmp_path) == merged
    assert (tmp_path / "2.html").read_text() == "2" and (tmp_path / "5.html").read_text() == "5"
    # Nothing to change: no journal, the manifest as it was.
    with StagedOutput(tmp_path, {"0.html": old["0.html"]}) as staged:
        staged.add([out("3.html", "three")])
        again = staged.commit(keep_others=True)
    assert again.written == [] and len(journals) == 1 and read_manifest(tmp_path) == merged


@pytest.mark.parametrize("killed", [False, True])
def test_a_commit_finished_later_keeps_its_journal_until_then(tmp_path: Path, killed: bool) -> None:
    write_output(tmp_path, [out("index.html", "old"), out("gone.html", "x")])
    before = (tmp_path / MANIFEST).read_bytes()
    staged = StagedOutput(tmp_path).__enter__()
    staged.add([out("index.html", "new"), out("a/1.html", "1")])
    first = staged.commit(keep_others=True, finish=False)
    # The files are in place; the manifest is the last one and the journal says what
    # changes in it, until finish.
    assert (tmp_path / "index.html").read_text() == "new"
    assert (tmp_path / "a/1.html").read_text() == "1"
    assert (tmp_path / MANIFEST).read_bytes() == before and (tmp_path / JOURNAL).is_file()
    expected = first.digests | {"gone.html": _digest(b"x")}
    if killed:  # the next build rolls it forward (and its staging replaces this one's)
        assert recover(tmp_path) == []
    else:
        staged.finish()
        assert not (tmp_path / STAGING).exists()
    assert not (tmp_path / JOURNAL).exists()
    assert read_manifest(tmp_path) == expected
    assert tree(tmp_path) == {MANIFEST: (tmp_path / MANIFEST).read_bytes()} | {
        "index.html": b"new",
        "a/1.html": b"1",
        "gone.html": b"x",
    }
    # As one step writes it.
    other = tmp_path / "other"
    write_output(other, [out("index.html", "old"), out("gone.html", "x")])
    with StagedOutput(other) as one:
        one.add([out("index.html", "new"), out("a/1.html", "1")])
        one.commit(keep_others=True)
    assert (other / MANIFEST).read_bytes() == (tmp_path / MANIFEST).read_bytes()


def test_leaving_a_commit_unfinished_finishes_it(tmp_path: Path) -> None:
    write_output(tmp_path, [out("index.html", "old")])
    with StagedOutput(tmp_path) as staged:
        staged.add([out("index.html", "new")])
        first = staged.commit(finish=False)
    assert read_manifest(tmp_path) == first.digests and not (tmp_path / JOURNAL).exists()


@pytest.mark.parametrize("fresh", [False, True])
def test_staged_parts_are_dropped_when_no_commit_comes(tmp_path: Path, fresh: bool) -> None:
    output = tmp_path / "out"
    if not fresh:
        write_output(output, [out("index.html", "old")])
    before = tree(tmp_path)
    with pytest.raises(RuntimeError), StagedOutput(output) as staged:
        staged.add([out("index.html", "new"), out("a/1.html", "1")])
        raise RuntimeError("a page failed to render")
    assert tree(tmp_path) == before
    assert output.is_dir() is not fresh  # a folder this build made is taken away again


def test_a_bad_path_in_a_later_part_stops_before_the_commit(tmp_path: Path) -> None:
    write_output(tmp_path, [out("index.html", "old")])
    before = tree(tmp_path)
    with pytest.raises(OutputError, match="refusing"), StagedOutput(tmp_path) as staged:
        staged.add([out("index.html", "new")])
        staged.add([out("../escape.html", "x")])
    assert tree(tmp_path) == before


def test_only_changed_files_are_rewritten(tmp_path: Path) -> None:
    write_output(tmp_path, [out("a.html", "a"), out("b.html", "b")])
    old = 1_000_000_000
    for name in ("a.html", "b.html"):
        os.utime(tmp_path / name, (old, old))
    report = write_output(tmp_path, [out("a.html", "a"), out("b.html", "B")])
    assert report.written == ["b.html"]
    assert report.unchanged == 1
    assert (tmp_path / "a.html").stat().st_mtime == old
    assert (tmp_path / "b.html").read_text() == "B"


def test_rebuilding_the_same_site_writes_nothing(make_site: MakeSite) -> None:
    site = make_site(TWO)
    first = site.build()
    assert first.written is not None and first.written.written
    mtimes = {p: p.stat().st_mtime_ns for p in site.output.rglob("*")}
    second = site.build()
    assert second.written is not None
    assert (second.written.written, second.written.deleted) == ([], [])
    assert second.written.unchanged == len(first.written.written)
    assert {p: p.stat().st_mtime_ns for p in site.output.rglob("*")} == mtimes


def test_stale_files_are_deleted_but_user_files_are_kept(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    mine = site.output / "articles/two/notes.txt"
    mine.write_text("my notes")
    (site.output / "CNAME").write_text("example.com")
    (site.root / "content/two.md").unlink()
    result = site.build()
    assert result.written is not None
    assert "articles/two/index.html" in result.written.deleted
    assert not (site.output / "articles/two/index.html").exists()
    assert mine.read_text() == "my notes"
    assert (site.output / "CNAME").read_text() == "example.com"
    assert result.problems == []


def test_stale_folders_are_removed_when_empty(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    (site.root / "content/two.md").unlink()
    site.build()
    assert not (site.output / "articles/two").exists()


def test_user_file_at_a_generated_path_is_reported_and_kept(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    (site.output / "articles/three").mkdir()
    (site.output / "articles/three/index.html").write_text("mine")
    site.write({"content/three.md": digest(title="Three")})
    result = site.build()
    assert (site.output / "articles/three/index.html").read_text() == "mine"
    assert [str(p) for p in result.problems] == [
        f"{site.output / 'articles/three/index.html'}:1: output: was not made by sitegen, "
        "so it is kept and content/three.md is not written there; "
        "move the file away to publish it"
    ]
    assert "articles/three/index.html" not in read_manifest(site.output)


@pytest.mark.parametrize(
    ("output", "name"),
    [
        ("content", "content folder"),
        ("templates", "templates folder"),
        (".", "project root"),
        ("..", "project root"),
        ("content/../..", "project root"),
    ],
)
def test_refuses_an_output_folder_that_holds_the_site(
    make_site: MakeSite, output: str, name: str
) -> None:
    site = make_site({**TWO, "templates/x.html": "x"})
    before = {p: p.read_bytes() for p in site.root.rglob("*") if p.is_file()}
    with pytest.raises(BuildError, match=f"refusing to use the {name} as output folder"):
        site.build(output_dir=output)
    assert {p: p.read_bytes() for p in site.root.rglob("*") if p.is_file()} == before


def test_refuses_a_non_empty_folder_it_did_not_make(make_site: MakeSite) -> None:
    site = make_site({**TWO, "public/index.html": "someone else's"})
    with pytest.raises(BuildError, match="not empty and was not made by sitegen"):
        site.build(output_dir="public")
    assert tree(site.root / "public") == {"index.html": b"someone else's"}


def test_an_empty_existing_folder_is_fine(make_site: MakeSite) -> None:
    site = make_site(TWO)
    (site.root / "public").mkdir()
    site.build(output_dir="public")
    assert (site.root / "public/index.html").is_file()


def test_failed_build_leaves_the_previous_output_byte_identical(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    before = site.output_files()
    site.write(
        {
            "content/three.md": digest(title="Three"),
            "templates/index.html": "{{ no_such_name.attr }}\n",
        }
    )
    with pytest.raises(BuildError):
        site.build()
    assert site.output_files() == before


def test_paths_outside_the_output_folder_are_refused(tmp_path: Path) -> None:
    for bad in ("../x.html", "/abs.html", "a/../../x", MANIFEST, "a\\b"):
        with pytest.raises(OutputError):
            write_output(tmp_path / "out", [out(bad, "x")])
    assert not (tmp_path / "x.html").exists()


# -- journal ---------------------------------------------------------------------------------


def test_a_committed_journal_is_rolled_forward(tmp_path: Path) -> None:
    write_output(tmp_path, [out("a.html", "old a"), out("gone.html", "gone")])
    # A build killed after its commit point: staged files and a journal, moves not yet made.
    (tmp_path / STAGING).mkdir()
    (tmp_path / STAGING / "0").write_text("new a")
    (tmp_path / STAGING / "1").write_text("new b")
    manifest = {"a.html": "x", "b/index.html": "y"}
    journal = {"moves": [["0", "a.html"], ["1", "b/index.html"]], "deletes": ["gone.html"]}
    (tmp_path / JOURNAL).write_text(json.dumps({**journal, "manifest": manifest}))
    recover(tmp_path)
    assert tree(tmp_path) == {
        MANIFEST: (tmp_path / MANIFEST).read_bytes(),
        "a.html": b"new a",
        "b/index.html": b"new b",
    }
    assert read_manifest(tmp_path) == manifest


@pytest.mark.parametrize("written", [False, True])
def test_a_journal_of_manifest_changes_is_rolled_forward(tmp_path: Path, written: bool) -> None:
    write_output(tmp_path, [out("a.html", "old a"), out("c.html", "c"), out("gone.html", "g")])
    before = read_manifest(tmp_path)
    (tmp_path / STAGING).mkdir()
    (tmp_path / STAGING / "0").write_text("new a")
    (tmp_path / STAGING / "1").write_text("new b")
    changes = {"set": {"a.html": _digest(b"new a"), "b.html": _digest(b"new b")}, "unset": []}
    changes["unset"] = ["gone.html"]
    journal = {"moves": [["0", "a.html"], ["1", "b.html"]], "deletes": ["gone.html"]}
    (tmp_path / JOURNAL).write_text(json.dumps({**journal, "changes": changes}))
    expected = {
        "a.html": _digest(b"new a"),
        "b.html": _digest(b"new b"),
        "c.html": before["c.html"],
    }
    if written:  # killed after the new manifest was written, before the journal went
        write_module._write_manifest(tmp_path, expected)
    assert recover(tmp_path) == []
    assert read_manifest(tmp_path) == expected
    assert (tmp_path / "a.html").read_text() == "new a" and not (tmp_path / "gone.html").exists()


def test_a_commit_journals_only_what_changes_in_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_output(tmp_path, [out(f"p{n}.html", str(n)) for n in range(50)])
    journals: list[dict[str, object]] = []
    commit = write_module._commit
    monkeypatch.setattr(write_module, "_commit", lambda o, j: (journals.append(j), commit(o, j))[1])
    files = [out(f"p{n}.html", str(n)) for n in range(1, 50)] + [out("p7.html", "seven")]
    write_output(tmp_path, files[:6] + files[7:])  # p0 gone, p7 changed
    assert journals[0]["changes"] == {"set": {"p7.html": _digest(b"seven")}, "unset": ["p0.html"]}
    assert "manifest" not in journals[0]
    assert read_manifest(tmp_path) == {f.path: _digest(f.data) for f in files[:6] + files[7:]}


def _staged_tree(output: Path) -> dict[str, str]:
    """A build killed after its commit: a new folder "t" staged as a tree, not yet moved."""
    write_output(output, [out("index.html", "home")])
    for rel, text in {"t/a/index.html": "a", "t/b/index.html": "b"}.items():
        (output / STAGING / "tree" / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / STAGING / "tree" / rel).write_text(text)
    manifest = {
        "index.html": _digest(b"home"),
        "t/a/index.html": _digest(b"a"),
        "t/b/index.html": _digest(b"b"),
    }
    journal = {"moves": [], "folders": ["t"], "deletes": [], "manifest": manifest}
    (output / JOURNAL).write_text(json.dumps(journal))
    return manifest


@pytest.mark.parametrize("moved", [False, True])
def test_a_committed_new_folder_tree_is_moved_in_whole(tmp_path: Path, moved: bool) -> None:
    manifest = _staged_tree(tmp_path)
    if moved:  # killed just after the tree's rename
        os.rename(tmp_path / STAGING / "tree" / "t", tmp_path / "t")
    assert recover(tmp_path) == []
    assert tree(tmp_path) == {
        MANIFEST: (tmp_path / MANIFEST).read_bytes(),
        "index.html": b"home",
        "t/a/index.html": b"a",
        "t/b/index.html": b"b",
    }
    assert read_manifest(tmp_path) == manifest


def test_a_folder_made_where_a_staged_tree_goes_gets_its_files_one_by_one(
    tmp_path: Path,
) -> None:
    _staged_tree(tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "mine.txt").write_text("a user's file")
    assert recover(tmp_path) == []
    assert tree(tmp_path) == {
        MANIFEST: (tmp_path / MANIFEST).read_bytes(),
        "index.html": b"home",
        "t/mine.txt": b"a user's file",
        "t/a/index.html": b"a",
        "t/b/index.html": b"b",
    }


def test_a_committed_journal_is_rolled_forward_by_the_next_build(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    (site.output / STAGING).mkdir()
    (site.output / STAGING / "0").write_text("half-built")
    # Digests are real: sitegen deletes a stale file only if it still holds what it wrote.
    manifest = {"extra.html": _digest(b"half-built")}
    journal = {"moves": [["0", "extra.html"]], "deletes": [], "manifest": manifest}
    (site.output / JOURNAL).write_text(json.dumps(journal))
    result = site.build()
    # rolled forward, then the normal build removed the file the journal added as stale
    assert result.written is not None and result.written.deleted == ["extra.html"]
    assert not (site.output / JOURNAL).exists()
    assert not (site.output / STAGING).exists()


def test_an_uncommitted_staging_folder_is_dropped(make_site: MakeSite) -> None:
    site = make_site(TWO)
    site.build()
    before = site.output_files()
    (site.output / STAGING).mkdir()
    (site.output / STAGING / "0").write_text("never committed")
    (site.output / (JOURNAL + ".tmp")).write_text("{half a journ")
    result = site.build()
    assert result.written is not None and result.written.written == []
    assert site.output_files() == before


def test_a_first_build_killed_before_its_commit_does_not_block_the_next(
    make_site: MakeSite,
) -> None:
    site = make_site(TWO)
    (site.output / STAGING).mkdir(parents=True)
    (site.output / STAGING / "0").write_text("never committed")
    site.build()
    assert (site.output / "index.html").is_file()
    assert not (site.output / STAGING).exists()


def test_a_first_build_killed_after_its_commit_is_finished_by_the_next(
    make_site: MakeSite,
) -> None:
    site = make_site(TWO)
    (site.output / STAGING).mkdir(parents=True)
    (site.output / STAGING / "0").write_text("staged")
    (site.output / "moved.html").write_text("moved before the kill")
    journal = {
        "moves": [["0", "late.html"]],
        "deletes": [],
        "manifest": {
            "moved.html": _digest(b"moved before the kill"),
            "late.html": _digest(b"staged"),
        },
    }
    (site.output / JOURNAL).write_text(json.dumps(journal))
    result = site.build()
    assert result.written is not None
    assert sorted(result.written.deleted) == ["late.html", "moved.html"]
    assert (site.output / "index.html").is_file()


def test_plain_path_shortcut_agrees_with_the_full_check() -> None:
    """The one-regex shortcut for plain paths may only accept what the part-by-part check
    accepts (device names, dots, case, lengths)."""
    import random

    from sitegen import write

    names = ["con", "nul", "com1", "lpt9", "aux", "conx", "con-1", "index", "a", "x" * 130]
    rng = random.Random(5)
    paths = ["con.txt/a", "a/com1.html", "a..b", "a.", "a/", "/a", "", "A/b", "a/.well-known"]
    for _ in range(20_000):
        parts = [
            rng.choice(names) + rng.choice(["", ".html", ".", ".x.y", "-", "_", "$", " "])
            for _ in range(rng.randint(1, 3))
        ]
        paths.append("/".join(parts))
    accepted = [p for p in paths if write._PLAIN_PATH.fullmatch(p)]
    assert len(accepted) > 1000  # the shortcut is taken, not only the full check
    for path in accepted:
        parts = path.split("/")
        assert all(not write.name_problem(part) for part in parts), path
    assert write._PLAIN_PATH.fullmatch("articles/some-slug/index.html")
    assert not write._PLAIN_PATH.fullmatch("articles/con/index.html")
    assert write.path_problem("articles/con/index.html")


def test_the_manifest_text_made_from_the_last_one_is_the_text_made_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = {f"p{n}/index.html": f"d{n}" for n in range(40)}
    steps = [
        {},  # the same
        {"p3/index.html": "changed"},
        {"p5/index.html": None, "q/index.html": "new"},  # renamed
        {"a.html": "first", "p39/index.html": None},
    ]
    write_module.manifest_text(files)
    for step in steps:
        for path, value in step.items():
            if value is None:
                del files[path]
            else:
                files[path] = value
        patched = write_module.manifest_text(files)
        monkeypatch.setattr(write_module, "_last_text", None)
        assert patched == write_module.manifest_text(files)
        assert json.loads(patched)["files"] == files


def test_a_new_process_patches_the_lines_of_the_manifest_the_last_build_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest a build wrote is its lines for the next process (read back, not made
    again): the text patched from them is the text made anew."""
    files = {f"p{n:02}/index.html": f"d{n}" for n in range(40)}
    write_module._write_manifest(tmp_path, dict(files))
    wrote = write_module.manifest_stat(tmp_path)
    for seen in (wrote, None):  # (None: not known to be the build's own: not used)
        monkeypatch.setattr(write_module, "_last_text", None)  # a new process
        monkeypatch.setattr(write_module, "_known_manifest", None)
        assert write_module.read_manifest(tmp_path, copy=False, wrote=seen) == files
        assert (write_module._last_text is not None) == (seen is not None)
    monkeypatch.setattr(write_module, "_last_text", None)
    write_module.read_manifest(tmp_path, copy=False, wrote=wrote)
    changed = {**files, "p03/index.html": "changed", "a/index.html": "new"}
    del changed["p07/index.html"]
    patched = write_module.manifest_text(changed)
    lines = write_module._last_text
    monkeypatch.setattr(write_module, "_last_text", None)
    assert patched == write_module.manifest_text(changed)
    assert lines is not None and lines[1] == sorted(changed)


def test_a_manifest_is_checked_again_unless_it_is_the_very_file_the_build_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries outside the output are dropped from a manifest edited since the build wrote
    it (its stat is another), even when the caller says which file that build wrote."""
    write_output(tmp_path, [out("index.html", "home")])
    wrote = write_module.manifest_stat(tmp_path)
    assert wrote is not None
    expected = json.loads((tmp_path / MANIFEST).read_text())["files"]
    monkeypatch.setattr(write_module, "_known_manifest", None)  # a new process
    checked: list[str] = []
    path_problem = write_module.path_problem
    monkeypatch.setattr(
        write_module, "path_problem", lambda p: checked.append(p) or path_problem(p)
    )
    assert read_manifest(tmp_path, wrote=wrote) == expected
    assert not checked  # the very file: not checked again
    data = json.loads((tmp_path / MANIFEST).read_text())
    data["files"]["../outside.txt"] = "0" * 32
    (tmp_path / MANIFEST).write_text(json.dumps(data))
    os.utime(tmp_path / MANIFEST, ns=(wrote[3], wrote[3]))  # the old mtime, put back
    monkeypatch.setattr(write_module, "_known_manifest", None)
    assert read_manifest(tmp_path, wrote=wrote) == expected
    assert "../outside.txt" in checked


def test_an_older_sitegens_manifest_still_says_which_files_are_sitegens(tmp_path: Path) -> None:
    """A manifest written before the digests changed (BLAKE2b): a page the site no longer
    has is deleted if its bytes are the ones recorded, kept if someone changed it, and a page
    the site still has is written again (its digest cannot match) and recorded anew."""
    import hashlib

    def older(data: bytes) -> str:
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    files = {"index.html": b"home", "gone.html": b"old page", "edited.html": b"old text"}
    for rel, data in files.items():
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "edited.html").write_bytes(b"the user's text")
    manifest = {"generator": "sitegen 0.1.0", "files": {r: older(d) for r, d in files.items()}}
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    report = write_output(tmp_path, [out("index.html", "home")])
    assert report.deleted == ["gone.html"]
    assert [p.message for p in report.problems] == [
        "was changed since sitegen wrote it, so it is kept although the site no longer has "
        "this page"
    ]
    assert not (tmp_path / "gone.html").exists()
    assert (tmp_path / "edited.html").read_bytes() == b"the user's text"
    assert report.written == ["index.html"]
    assert read_manifest(tmp_path) == {"index.html": _digest(b"home")}
