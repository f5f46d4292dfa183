"""Nothing lost: a build that fails or is killed at any moment leaves the old site or the new
one, never a mix; content is never modified; a user's own files are never deleted."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sec_helpers import build_site, digest_file, site_config, snapshot, tree_hash, write_files

import sitegen.build
import sitegen.index
import sitegen.normalize
import sitegen.publish
import sitegen.render
import sitegen.write
from sitegen.build import BuildError
from sitegen.write import JOURNAL, MANIFEST, STAGING, recover

USER_FILES = {
    "CNAME": b"news.example\n",
    ".well-known/security.txt": b"me",
    "notes/keep.txt": b"mine",
}
_SCRATCH = (STAGING, JOURNAL + ".tmp", MANIFEST + ".tmp")


def generate(root: Path, n: int, variant: str) -> None:
    """``n`` digests; variant "b" renames a third, edits a third and drops some of "a"'s."""
    content = root / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    words = [
        "energy",
        "climate",
        "chip",
        "model",
        "river",
        "solar",
        "wind",
        "grid",
        "data",
        "cloud",
        "city",
        "law",
    ]
    for i in range(n):
        if variant == "b" and i % 7 == 0:
            continue  # removed in b
        title = f"Story {i} about {words[i % len(words)]} and {words[i * 7 % len(words)]}"
        excerpt = f"What happened in story {i}. " * 8
        if variant == "b" and i % 3 == 1:
            title += " (updated)"
        if variant == "b" and i % 3 == 2:
            excerpt += "Now with more detail."
        topics = [words[i % 5].title(), words[(i + 3) % len(words)].title()]
        if variant == "b" and i % 11 == 0:
            topics.append("Brand New Topic")
        meta = {
            "title": title,
            "excerpt": excerpt,
            "publishedDateTime": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "originalUrl": f"https://news{i % 25}.example/story/{i}",
            "provider": {"name": f"Provider {i % 25}", "domain": f"news{i % 25}.example"},
            "topics": topics,
        }
        (content / f"s{i:05d}.md").write_text(digest_file(meta), encoding="utf-8")
    if variant == "b":
        for i in range(n, n + n // 10):
            meta = {"title": f"Late story {i}", "excerpt": "New.", "topics": ["Late"]}
            (content / f"late{i:05d}.md").write_text(digest_file(meta), encoding="utf-8")


def site_only(folder: Path) -> dict[str, bytes]:
    """The site sitegen is responsible for: everything but the user's files and scratch."""
    return {
        rel: data
        for rel, data in snapshot(folder).items()
        if rel not in USER_FILES and not rel.startswith(_SCRATCH)
    }


def add_user_files(output: Path) -> None:
    for rel, data in USER_FILES.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(data)


def assert_user_files_intact(output: Path) -> None:
    for rel, data in USER_FILES.items():
        assert (output / rel).read_bytes() == data, rel


SMALL = 25


@pytest.fixture(scope="module")
def built_versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built once: a site folder holding "a" (content and output, plus a user's files), the
    "b" content beside it, and the bytes of both builds."""
    base = tmp_path_factory.mktemp("versions")
    root = base / "site"
    config = site_config(root)
    generate(root, SMALL, "b")
    build_site(config)
    ref_b = site_only(root / "output")
    shutil.move(root / "content", base / "content-b")
    shutil.rmtree(root / "output")
    generate(root, SMALL, "a")
    build_site(config)
    add_user_files(root / "output")
    shutil.copytree(root / "content", base / "content-a")
    assert site_only(root / "output") != ref_b
    return {"base": base, "a": site_only(root / "output"), "b": ref_b}


@pytest.fixture
def two_versions(built_versions: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A fresh copy of the "a" site, for a test to break."""
    root = tmp_path / "site"
    shutil.copytree(built_versions["base"] / "site", root, symlinks=True)
    return {**built_versions, "root": root, "config": site_config(root)}


def use(versions: dict[str, Any], variant: str) -> None:
    """Switch the site's content folder to version ``variant``."""
    content = versions["root"] / "content"
    shutil.rmtree(content)
    shutil.copytree(versions["base"] / f"content-{variant}", content)


def _raise(*args: object, **kwargs: object) -> Any:
    raise RuntimeError("injected fault")


STAGES: list[tuple[Any, str]] = [
    (sitegen.build, "read_source"),
    (sitegen.normalize, "normalize"),
    (sitegen.index, "build_index"),
    (sitegen.render, "make_environment"),
    (sitegen.render, "plan_site"),
    (sitegen.build, "_render_page"),
    (sitegen.render, "static_files"),
    # (The checks between render and write: find_collisions runs only when paths clash.)
    (sitegen.publish, "size_problems"),
    (sitegen.write, "_write_new"),
    (sitegen.write, "_stale"),
    (sitegen.write, "_digest"),
    (sitegen.write, "_commit"),
]


@pytest.mark.parametrize(("module", "name"), STAGES, ids=[n for _, n in STAGES])
def test_a_fault_before_the_commit_leaves_the_old_site_byte_identical(
    two_versions: dict[str, Any], monkeypatch: pytest.MonkeyPatch, module: Any, name: str
) -> None:
    root = two_versions["root"]
    content_before = tree_hash(root / "content")
    use(two_versions, "b")
    content_b = tree_hash(root / "content")
    monkeypatch.setattr(module, name, _raise)
    with pytest.raises((RuntimeError, BuildError)):
        build_site(two_versions["config"])
    monkeypatch.undo()
    assert site_only(root / "output") == two_versions["a"]
    assert snapshot(root / "output").keys() == two_versions["a"].keys() | USER_FILES.keys()
    assert_user_files_intact(root / "output")
    assert tree_hash(root / "content") == content_b != content_before


def _fail_on_call(n: int, real: Callable[..., Any]) -> Callable[..., Any]:
    calls = {"n": 0}

    def replace(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > n:
            raise RuntimeError(f"injected fault after {n} renames")
        return real(*args, **kwargs)

    return replace


@pytest.mark.parametrize("renames", [0, 1, 2, 10, 40])
def test_a_crash_during_the_moves_is_finished_by_recovery(
    two_versions: dict[str, Any], monkeypatch: pytest.MonkeyPatch, renames: int
) -> None:
    """The first rename is the commit; after it, a crash leaves a journal that the next
    recovery (or the start of the next build, whatever it builds) rolls forward."""
    out = two_versions["root"] / "output"
    use(two_versions, "b")
    monkeypatch.setattr(sitegen.write.os, "replace", _fail_on_call(renames, os.replace))
    with pytest.raises(RuntimeError):
        build_site(two_versions["config"])
    monkeypatch.undo()
    committed = (out / JOURNAL).exists()
    assert committed == (renames > 0)
    if not committed:
        assert site_only(out) == two_versions["a"]
    # Recovery alone gives the new site; it can itself be interrupted and run again.
    monkeypatch.setattr(sitegen.write.os, "replace", _fail_on_call(renames // 2, os.replace))
    try:
        recover(out)
    except RuntimeError:
        assert (out / JOURNAL).exists()
    monkeypatch.undo()
    recover(out)
    assert site_only(out) == (two_versions["b"] if committed else two_versions["a"])
    assert_user_files_intact(out)
    # A build of the old content after a crash also starts by finishing the crashed one.
    use(two_versions, "a")
    build_site(two_versions["config"])
    assert site_only(out) == two_versions["a"]
    assert_user_files_intact(out)


def test_a_user_file_where_a_page_would_go_is_reported_and_kept(
    two_versions: dict[str, Any],
) -> None:
    out = two_versions["root"] / "output"
    mine = out / "topics/late/index.html"  # "b" adds the topic "Late"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own page")
    use(two_versions, "b")
    result = build_site(two_versions["config"])
    shadowed = [str(p) for p in result.problems if "topics/late/index.html" in p.path]
    assert len(shadowed) == 1 and "was not made by sitegen" in shadowed[0], shadowed
    assert "topic Late" in shadowed[0]
    assert mine.read_bytes() == b"my own page"
    assert "topics/late/index.html" not in json.loads((out / MANIFEST).read_text())["files"]
    # Removing the page from the site later must not delete the user's file either.
    use(two_versions, "a")
    build_site(two_versions["config"])
    assert mine.read_bytes() == b"my own page"
    assert_user_files_intact(out)


def test_a_generated_file_the_user_changed_is_not_deleted(two_versions: dict[str, Any]) -> None:
    out = two_versions["root"] / "output"
    page = next(p for p in (out / "articles").iterdir() if "story-0-" in p.name) / "index.html"
    page.write_bytes(page.read_bytes() + b"<!-- my note -->")
    use(two_versions, "b")  # story 0 is not in "b"
    result = build_site(two_versions["config"])
    assert page.exists()
    assert any("was changed since sitegen wrote it" in str(p) for p in result.problems)


def test_a_first_build_killed_before_its_commit_does_not_lock_the_folder(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/a.md": digest_file({"title": "A"})})
    (tmp_path / "output" / STAGING).mkdir(parents=True)
    (tmp_path / "output" / STAGING / "0").write_text("half")
    result = build_site(site_config(tmp_path))
    assert result.written and (tmp_path / "output/index.html").exists()
    assert not (tmp_path / "output" / STAGING).exists()


def test_an_edited_manifest_cannot_make_sitegen_delete_outside_files(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/a.md": digest_file({"title": "A"}), "victim.txt": "keep"})
    config = site_config(tmp_path)
    build_site(config)
    manifest_path = tmp_path / "output" / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["../victim.txt"] = "0" * 32
    manifest["files"]["/etc/hostname"] = "0" * 32
    manifest_path.write_text(json.dumps(manifest))
    build_site(config)
    assert (tmp_path / "victim.txt").read_text() == "keep"


def test_a_journal_naming_outside_paths_is_refused(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/a.md": digest_file({"title": "A"}), "victim.txt": "keep"})
    config = site_config(tmp_path)
    build_site(config)
    journal = {"moves": [], "deletes": ["../victim.txt"], "manifest": {}}
    (tmp_path / "output" / JOURNAL).write_text(json.dumps(journal))
    with pytest.raises(BuildError, match="outside the site"):
        build_site(config)
    assert (tmp_path / "victim.txt").read_text() == "keep"
    (tmp_path / "output" / JOURNAL).write_text("{not json")
    with pytest.raises(BuildError, match="cannot be read"):
        build_site(config)


# -- SIGKILL of a real build ----------------------------------------------------------------

KILL_DIGESTS = 80


def _sitegen(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "build", "--quiet"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], delay: float) -> bool:
    """SIGKILL ``proc`` ``delay`` seconds after ``ready()``; False if it ended first."""
    while not ready():
        if proc.poll() is not None:
            return False
        time.sleep(0.0002)
    if delay:
        time.sleep(delay)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_site(tmp_path: Path) -> None:
    root = tmp_path / "site"
    out = root / "output"
    config = site_config(root)
    generate(root, KILL_DIGESTS, "a")
    build_site(config)
    add_user_files(out)
    ref_a = site_only(out)
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine, symlinks=True)
    generate(root, KILL_DIGESTS, "b")
    content = tree_hash(root / "content")
    result = build_site(config)  # "a" -> "b" in-process: the new site, and how long it writes
    ref_b = site_only(out)
    assert ref_b != ref_a and len(result.written.written) > KILL_DIGESTS  # type: ignore[union-attr]

    staging, journal = out / STAGING, out / JOURNAL
    rng = random.Random(6)
    plans: list[tuple[str, Callable[[], bool], float]] = [
        ("staging starts", staging.exists, 0.0),
        ("journal committed", journal.exists, 0.0),
    ]
    write_seconds = result.timings["write"]
    plans += [("during write", staging.exists, rng.uniform(0, write_seconds / 2)) for _ in range(2)]
    outcomes = []
    for what, ready, delay in plans:
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
        proc = _sitegen(root)
        killed = _kill_when(proc, ready, delay)
        assert killed or proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        committed = journal.exists()
        before = site_only(out)
        # Before the commit the old site is untouched; once the journal is gone it is whole.
        assert committed or before in (ref_a, ref_b), (what, delay, _diff(before, ref_a, ref_b))
        assert tree_hash(root / "content") == content
        assert_user_files_intact(out)
        recover(out)
        after = site_only(out)
        assert after == (ref_b if committed else before), (what, delay)
        assert_user_files_intact(out)
        outcomes.append((what, round(delay, 3), killed, committed, after == ref_b))
    print(outcomes)
    # The kills hit both sides of the commit: before it, and in the middle of the moves.
    assert any(killed and not new for _, _, killed, _, new in outcomes), outcomes
    assert any(killed and committed for _, _, killed, committed, _ in outcomes), outcomes
    # After a kill in the middle of the moves, the next real build finishes the job.
    shutil.rmtree(out)
    shutil.copytree(pristine, out, symlinks=True)
    assert _kill_when(_sitegen(root), journal.exists, 0.0)
    assert (
        subprocess.run([sys.executable, "-m", "sitegen", "build", "-q"], cwd=root).returncode == 0
    )
    assert site_only(out) == ref_b
    assert_user_files_intact(out)
    assert not any((out / name).exists() for name in (*_SCRATCH, JOURNAL))


def _diff(state: dict[str, bytes], a: dict[str, bytes], b: dict[str, bytes]) -> str:
    def differ(ref: dict[str, bytes]) -> list[str]:
        keys = state.keys() ^ ref.keys()
        keys |= {k for k in state.keys() & ref.keys() if state[k] != ref[k]}
        return sorted(keys)[:5]

    return f"vs old: {differ(a)}; vs new: {differ(b)}"


def test_generated_digests_are_valid_yaml(tmp_path: Path) -> None:
    generate(tmp_path, 3, "b")
    for path in (tmp_path / "content").iterdir():
        meta = yaml.safe_load(path.read_text().split("---")[1])
        assert meta["title"].startswith(("Story", "Late"))
