"""The relate state in the build cache: saved whole, then after an update only what changed
(relate-delta.pickle); read back, the two give the updated state. A damaged, stale or
foreign file is never used: the state read is then an older one or none, and relate (which
checks every article's signature) gives the same graph either way."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from sitegen import cache as cache_module
from sitegen.cache import CACHE_FORMAT, BuildCache, MemoryCache
from sitegen.index import build_index
from sitegen.model import Article
from sitegen.relate import RelateState, relate, relate_with_state
from tests.unit.test_relate_incremental import edit, make_article

FP = "fingerprint"


def site(articles: dict[int, Article]) -> Any:
    return build_index(list(articles.values()))[0]


def edited(articles: dict[int, Article], seed: int, numbers: tuple[int, ...]) -> None:
    rng = random.Random(seed)
    for number in numbers:
        articles[number] = edit(rng, articles[number], list(articles.values())[:6])


def saved_state(state: RelateState) -> dict[str, Any]:
    return state.__getstate__()


@pytest.fixture(autouse=True)
def larger_deltas(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a site this small an edit changes a large share of the state: allow that."""
    monkeypatch.setattr(cache_module, "MAX_DELTA", 0.5)


@pytest.fixture
def articles() -> dict[int, Article]:
    rng = random.Random(11)
    return {n: make_article(rng, n) for n in range(120)}


def first_build(folder: Path, articles: dict[int, Article]) -> None:
    """A build that relates in full and writes the whole state."""
    _, state = relate_with_state(site(articles), 8, None)
    BuildCache(folder, print).save_relate(FP, state)


def edit_build(folder: Path, articles: dict[int, Article], log: list[str] | None = None) -> Any:
    """A CLI build after an edit: read the state, update it, save it; the state and graph."""
    cache = BuildCache(folder, (log if log is not None else []).append)
    old = cache.load_relate(FP)
    graph, state = relate_with_state(site(articles), 8, old)
    if state.modified:
        cache.save_relate(FP, state)
    return old, state, graph


def test_an_update_writes_only_a_delta_and_reads_back_the_same(
    tmp_path: Path, articles: dict[int, Article]
) -> None:
    first_build(tmp_path, articles)
    base = (tmp_path / "relate.pickle").read_bytes()
    for seed, numbers in ((1, (3,)), (2, (50, 99)), (3, (3, 7))):
        edited(articles, seed, numbers)
        old, state, graph = edit_build(tmp_path, articles)
        assert old is state  # the incremental path
        assert graph == relate(site(articles), 8)
        assert (tmp_path / "relate.pickle").read_bytes() == base
        assert (tmp_path / "relate-delta.pickle").stat().st_size < len(base)
        loaded = BuildCache(tmp_path, print).load_relate(FP)
        assert saved_state(loaded) == saved_state(state)
        loaded._derived(range(len(loaded.combined)))  # made when needed, the same again
        state._derived(range(len(state.combined)))
        assert loaded.combined == state.combined


def test_a_large_change_writes_the_whole_state_again(
    tmp_path: Path, articles: dict[int, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "MAX_DELTA", 1 / 16)
    first_build(tmp_path, articles)
    base = (tmp_path / "relate.pickle").read_bytes()
    edited(articles, 4, tuple(range(0, 120, 11)))  # 11 of 120: the incremental path still
    old, state, _ = edit_build(tmp_path, articles)
    assert old is state
    assert (tmp_path / "relate.pickle").read_bytes() != base
    assert not (tmp_path / "relate-delta.pickle").exists()
    assert saved_state(BuildCache(tmp_path, print).load_relate(FP)) == saved_state(state)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _old_format(path: Path) -> None:
    magic, _, rest = path.read_bytes().partition(b"\n")
    _, _, rest = rest.partition(b" ")
    path.write_bytes(magic + f"\n{CACHE_FORMAT - 1} ".encode() + rest)


@pytest.mark.parametrize("damage", [_truncate, _flip, _old_format])
def test_a_damaged_or_old_delta_is_not_used(
    tmp_path: Path, articles: dict[int, Article], damage: Any
) -> None:
    first_build(tmp_path, articles)
    edited(articles, 5, (10,))
    edit_build(tmp_path, articles)
    damage(tmp_path / "relate-delta.pickle")
    log: list[str] = []
    edited(articles, 6, (20,))
    old, state, graph = edit_build(tmp_path, articles, log)
    assert old is state  # the whole state is still good: an older one, updated further
    assert graph == relate(site(articles), 8)
    assert (damage is _old_format) == (log == [])  # damage is reported, another format not
    assert saved_state(BuildCache(tmp_path, print).load_relate(FP)) == saved_state(state)


@pytest.mark.parametrize("damage", [_truncate, _flip, _old_format])
def test_a_damaged_or_old_whole_state_is_not_used(
    tmp_path: Path, articles: dict[int, Article], damage: Any
) -> None:
    first_build(tmp_path, articles)
    edited(articles, 7, (10,))
    edit_build(tmp_path, articles)
    damage(tmp_path / "relate.pickle")
    edited(articles, 8, (30,))
    old, state, graph = edit_build(tmp_path, articles)
    assert old is None and state is not None  # related in full
    assert graph == relate(site(articles), 8)
    assert not (tmp_path / "relate-delta.pickle").exists()  # the whole state written again


def test_a_delta_of_another_whole_state_is_not_used(
    tmp_path: Path, articles: dict[int, Article]
) -> None:
    first_build(tmp_path, articles)
    edited(articles, 9, (10,))
    edit_build(tmp_path, articles)
    delta = (tmp_path / "relate-delta.pickle").read_bytes()
    first_build(tmp_path, articles)  # a new relate.pickle (another token)
    (tmp_path / "relate-delta.pickle").write_bytes(delta)
    edited(articles, 10, (40,))
    old, state, graph = edit_build(tmp_path, articles)
    assert old is state
    assert graph == relate(site(articles), 8)


def test_a_delta_that_does_not_fit_is_reported_and_not_used(
    tmp_path: Path, articles: dict[int, Article]
) -> None:
    first_build(tmp_path, articles)
    cache = BuildCache(tmp_path, print)
    state = cache.load_relate(FP)
    token = cache._relate[1] if cache._relate else ""
    cache._write_file("relate-delta.pickle", FP, (token, {"sig": ("dict", {}, [], [])}))
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_relate(FP) is None
    assert log and "relate.pickle" in log[0]
    assert state is not None


def test_serve_holds_the_state_and_flushes_only_the_delta(
    tmp_path: Path, articles: dict[int, Article]
) -> None:
    first_build(tmp_path, articles)
    base = (tmp_path / "relate.pickle").read_bytes()
    cache = MemoryCache(tmp_path, print)
    for seed in (12, 13):
        edited(articles, seed, (seed,))
        old = cache.load_relate(FP)
        graph, state = relate_with_state(site(articles), 8, old)
        assert state is old
        cache.save_relate(FP, state)
        assert not (tmp_path / "relate-delta.pickle").exists()  # held until flushed
    cache.flush()
    assert (tmp_path / "relate.pickle").read_bytes() == base
    assert saved_state(BuildCache(tmp_path, print).load_relate(FP)) == saved_state(state)
    assert graph == relate(site(articles), 8)


def test_lists_of_saved_bytes_split_into_parts_load_back_whole(
    tmp_path: Path, articles: dict[int, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    # relate.pickle's lists of saved bytes are pickled a few entries at a time (their
    # pickler's memory is that of one part): read back, the same state.
    from sitegen import relate as relate_module

    monkeypatch.setattr(relate_module, "_SAVED_ENTRIES", 16)
    _, state = relate_with_state(site(articles), 8, None)
    parts = list(state.saved_parts())
    assert sum("edges" in part for part in parts) == len(articles) // 16 + 1
    assert sum("term_vec" in part for part in parts) == len(articles) // 16 + 1
    BuildCache(tmp_path, print).save_relate(FP, state)
    loaded = BuildCache(tmp_path, print).load_relate(FP)
    assert saved_state(loaded) == saved_state(state) and loaded.edges == state.edges
    edited(articles, 5, (9,))
    assert relate_with_state(site(articles), 8, loaded)[0] == relate(site(articles), 8)


def test_the_fields_saved_immutable_hold_only_immutable_entries(
    tmp_path: Path, articles: dict[int, Article]
) -> None:
    # (load_relate's snapshot copies these without looking at their entries)
    first_build(tmp_path, articles)
    edited(articles, 3, (5, 40))
    _, state, _ = edit_build(tmp_path, articles)
    saved = saved_state(state)
    names = RelateState.saved_immutable()
    assert names and names <= saved.keys()
    for name in names:
        value = saved[name]
        entries = value.values() if type(value) is dict else value
        assert {type(entry) for entry in entries} <= {bytes, type(None), tuple}, name
