"""The content files a build is about to parse are asked of the kernel all at once, by a
child process (sitegen.prefetch): every readable file is asked for, the child is always
reaped (killed if it still runs), and a build with it writes what a build without it does."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from test_render_early import _files

from sitegen import prefetch
from sitegen.build import build
from sitegen.config import load_config

pytestmark = pytest.mark.skipif(not prefetch.supported(), reason="needs fork and posix_fadvise")


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_every_readable_file_is_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for n in range(5):
        (tmp_path / f"{n}.md").write_text("---\ntitle: x\n---\n")
        files.append(str(tmp_path / f"{n}.md"))
    asked: list[tuple[int, int, int, int]] = []
    real = os.posix_fadvise

    def noted(fd: int, offset: int, length: int, advice: int) -> None:
        asked.append((os.fstat(fd).st_ino, offset, length, advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", noted)
    missing = str(tmp_path / "gone.md")
    assert prefetch.advise_all([files[0], missing, *files[1:]]) == 5
    inodes = [os.stat(f).st_ino for f in files]
    assert asked == [(ino, 0, 0, os.POSIX_FADV_WILLNEED) for ino in inodes]


def test_the_child_asks_for_the_files_and_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = tmp_path / "done"

    def noted(paths: list[str]) -> int:  # (runs in the child: it reports through a file)
        done.write_text(str(len(paths)))
        return len(paths)

    monkeypatch.setattr(prefetch, "advise_all", noted)
    paths = [f"content/{n}.md" for n in range(prefetch.MIN_PREFETCH_FILES)]
    with prefetch.Prefetch(paths) as child:
        pid = child.pid
        assert pid > 0
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert done.read_text() == str(len(paths))
    assert child.pid == 0 and _reaped(pid)
    child.stop()  # (again: nothing to do)


def test_a_child_still_running_is_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefetch, "advise_all", lambda paths: time.sleep(60))
    child = prefetch.Prefetch(["x.md"] * prefetch.MIN_PREFETCH_FILES)
    pid = child.pid
    started = time.monotonic()
    child.stop()
    assert time.monotonic() - started < 10
    assert _reaped(pid)


def test_few_files_start_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def forked() -> Any:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", forked)
    child = prefetch.Prefetch(["a.md"] * (prefetch.MIN_PREFETCH_FILES - 1))
    assert child.pid == 0
    child.stop()


def test_a_build_with_the_files_asked_for_writes_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real = prefetch.Prefetch.__init__

    def noted(self: prefetch.Prefetch, paths: list[str]) -> None:
        real(self, paths)
        started.append(self.pid)

    monkeypatch.setattr(prefetch.Prefetch, "__init__", noted)
    monkeypatch.setattr(prefetch, "MIN_PREFETCH_FILES", 1)
    config = load_config(ROOT, overrides={"output_dir": str(tmp_path / "asked"), "search": False})
    build(config, log=lambda _: None, jobs=2, use_cache=False)
    assert len(started) == 1 and started[0] > 0 and _reaped(started[0])
    monkeypatch.setattr(prefetch, "MIN_PREFETCH_FILES", 10**9)
    plain = load_config(ROOT, overrides={"output_dir": str(tmp_path / "plain"), "search": False})
    build(plain, log=lambda _: None, jobs=2, use_cache=False)
    assert _files(tmp_path / "asked") == _files(tmp_path / "plain")
