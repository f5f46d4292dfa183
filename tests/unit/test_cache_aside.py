"""Cache files written by a forked copy of the build process (sitegen.cache.Aside), or
from parts pickled elsewhere (sitegen.cache.SourcesFile): the file is the one the build
process would have written; a held file is put in place only when the build asks, and
never once the build has failed; the copy's problems reach the build process."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from sitegen import parallel
from sitegen.cache import BuildCache, MemoryCache, SourceEntries, dumped_part, loaded_part
from sitegen.index import build_index
from sitegen.model import Slug, Topic
from sitegen.relate import RelateState, relate_with_state
from tests.unit.test_relate_incremental import make_article

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")

FP = "fingerprint"
ENTRIES = {f"content/{n}.md": (n, 10, f"hash{n}", (Topic("AI", Slug("ai")), n)) for n in range(300)}


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_sources_written_aside_are_those_save_sources_writes(tmp_path: Path) -> None:
    log: list[str] = []
    cache = BuildCache(tmp_path / "aside", log.append)
    aside = cache.save_sources_aside(FP, ENTRIES)
    assert aside is not None
    aside.finish()
    assert _files(tmp_path / "aside") == ["sources.pickle"] and log == []
    assert BuildCache(tmp_path / "aside", print).load_sources(FP) == ENTRIES
    # What the build process knows of the file is as if it had written it: the next save
    # of a few changes is a delta.
    changed = {**ENTRIES, "content/1.md": (1, 11, "new", None)}
    cache.save_sources(FP, changed)
    assert _files(tmp_path / "aside") == ["sources-delta.pickle", "sources.pickle"]
    assert BuildCache(tmp_path / "aside", print).load_sources(FP) == changed


def test_a_held_file_is_not_put_in_place_unless_asked(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, print)
    cache.save_sources(FP, {"content/old.md": (1, 2, "h", None)})
    before = (tmp_path / "sources.pickle").read_bytes()
    aside = BuildCache(tmp_path, print).save_sources_aside(FP, ENTRIES)
    assert aside is not None
    aside.finish(place=False)
    assert _files(tmp_path) == ["sources.pickle"]  # no temporary file left either
    assert (tmp_path / "sources.pickle").read_bytes() == before


def test_a_build_that_fails_before_finishing_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    # The build process lets go of the aside without finishing it (its frame is gone with
    # the error): the file, written unnamed, goes with it.
    aside = BuildCache(tmp_path, print).save_sources_aside(FP, ENTRIES)
    assert aside is not None and aside._written is not None
    deadline = time.monotonic() + 20
    while not aside._written.ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert aside._written.ready()  # (the copy ends once the file is written)
    del aside
    assert _files(tmp_path) == []


def test_where_no_file_can_be_written_unnamed_the_sources_are_saved_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    assert BuildCache(tmp_path, print).save_sources_aside(FP, ENTRIES) is None


def test_the_relate_state_written_aside_loads_as_saved(tmp_path: Path) -> None:
    state = _relate_state()
    aside = BuildCache(tmp_path, print).save_relate_aside(FP, state)
    assert aside is not None
    aside.finish()
    loaded = BuildCache(tmp_path, print).load_relate(FP)
    assert isinstance(loaded, RelateState)
    assert loaded.__getstate__() == state.__getstate__()
    assert _files(tmp_path) == ["relate.pickle"]


def test_the_relate_state_is_written_aside_by_a_large_build_process_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Its copy runs while the build plans, before the render workers fork: no higher peak.)
    monkeypatch.setattr(parallel, "large_parent", lambda limit=0: True)
    assert BuildCache(tmp_path, print).save_sources_aside(FP, ENTRIES) is None
    aside = BuildCache(tmp_path, print).save_relate_aside(FP, _relate_state())
    assert aside is not None
    aside.finish()
    assert _files(tmp_path) == ["relate.pickle"]


def test_a_cache_folder_that_cannot_be_written_is_logged_by_the_build_process(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("x")
    log: list[str] = []
    cache = BuildCache(tmp_path / "file" / "cache", log.append)
    assert cache.save_sources_aside(FP, ENTRIES) is None  # (its unnamed file cannot be made)
    aside = cache.save_relate_aside(FP, _relate_state())
    assert aside is not None
    aside.finish()
    assert len(log) == 1 and log[0].startswith("sitegen: cannot write the build cache ")


def _relate_state() -> RelateState:
    rng = random.Random(3)
    index = build_index([make_article(rng, n) for n in range(60)])[0]
    return relate_with_state(index, 4, None)[1]


class _Unpicklable:
    def __reduce__(self) -> Any:
        raise TypeError("no pickling here")


def test_data_that_cannot_be_pickled_is_the_build_processs_error(tmp_path: Path) -> None:
    entries = {"content/a.md": (1, 2, "h", _Unpicklable())}
    aside = BuildCache(tmp_path, print).save_sources_aside(FP, entries)
    assert aside is not None
    with pytest.raises(RuntimeError, match=r"sources\.pickle: writing it failed: TypeError"):
        aside.finish()
    assert _files(tmp_path) == []


def test_no_aside_where_a_delta_is_written(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, print)
    cache.save_sources(FP, ENTRIES)
    cache.load_sources(FP)
    assert cache.save_sources_aside(FP, ENTRIES) is None  # (save_sources writes the delta)


class _KillsItsProcess:
    def __reduce__(self) -> Any:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)  # (the copy: as the kernel ends one out of memory)
        raise AssertionError("not reached")


def test_a_copy_killed_costs_the_file_not_the_build(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, print)
    cache.save_sources(FP, {"content/old.md": (1, 2, "h", None)})
    before = (tmp_path / "sources.pickle").read_bytes()
    log: list[str] = []
    entries = {"content/a.md": (1, 2, "h", _KillsItsProcess())}
    aside = BuildCache(tmp_path, log.append).save_sources_aside(FP, entries)
    assert aside is not None
    aside.finish()  # (no error)
    assert log == [f"{tmp_path / 'sources.pickle'}: not written: its process was ended"]
    assert _files(tmp_path) == ["sources.pickle"]
    assert (tmp_path / "sources.pickle").read_bytes() == before


def _parts_of(entries: SourceEntries, size: int) -> list[bytes]:
    items = list(entries.items())
    return [dumped_part(dict(items[at : at + size])) for at in range(0, len(items), size)]


def test_sources_written_from_parts_are_those_save_sources_writes(tmp_path: Path) -> None:
    log: list[str] = []
    cache = BuildCache(tmp_path / "parts", log.append)
    entries: SourceEntries = dict.fromkeys(ENTRIES, (0, 0, "", None))  # (filled as they come)
    written = cache.sources_file(FP, entries)
    assert written is not None
    for data in _parts_of(ENTRIES, 7):  # (parts of any size: a cold build's chunks)
        written.add(data)
        entries.update(loaded_part(data))
    assert entries == ENTRIES
    assert _files(tmp_path / "parts") == []  # named only once the build is through
    written.finish()
    assert _files(tmp_path / "parts") == ["sources.pickle"] and log == []
    assert BuildCache(tmp_path / "parts", print).load_sources(FP) == ENTRIES
    # What the build process knows of the file is as if it had written it: the next save
    # of a few changes is a delta.
    changed = {**entries, "content/1.md": (1, 11, "new", None)}
    cache.save_sources(FP, changed)
    assert _files(tmp_path / "parts") == ["sources-delta.pickle", "sources.pickle"]
    assert BuildCache(tmp_path / "parts", print).load_sources(FP) == changed


def test_sources_from_parts_are_not_put_in_place_unless_the_build_is_through(
    tmp_path: Path,
) -> None:
    cache = BuildCache(tmp_path, print)
    cache.save_sources(FP, {"content/old.md": (1, 2, "h", None)})
    before = (tmp_path / "sources.pickle").read_bytes()
    for finished in (False, True):
        written = BuildCache(tmp_path, print).sources_file(FP, dict(ENTRIES))
        assert written is not None
        for data in _parts_of(ENTRIES, 100):
            written.add(data)
        if finished:
            written.finish(place=False)
        del written  # (a failed build: the file goes with its descriptor)
        assert _files(tmp_path) == ["sources.pickle"]  # no temporary file left either
        assert (tmp_path / "sources.pickle").read_bytes() == before


def test_no_sources_from_parts_where_they_cannot_be_or_need_not_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MemoryCache(tmp_path / "held", print).sources_file(FP, {}) is None  # (flush does)
    cache = BuildCache(tmp_path / "delta", print)
    cache.save_sources(FP, ENTRIES)
    cache.load_sources(FP)
    assert cache.sources_file(FP, dict(ENTRIES)) is None  # (save_sources writes the delta)
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    assert BuildCache(tmp_path / "plain", print).sources_file(FP, {}) is None
