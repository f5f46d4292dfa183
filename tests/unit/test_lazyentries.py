"""LazyEntries: a per-article list of a saved state, each entry decoded when first read;
LazyDict: the same for a dict read by key."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.lazyentries import LazyDict, LazyEntries, encode, encode_all, encode_values

VALUES = [{"w:a": 0.5, "w:b": 0.25}, None, frozenset({"x", "y"}), [1.0, 2.0], {3: 0.5}]


def test_entries_read_back_equal_and_the_same_object_at_every_read() -> None:
    entries = LazyEntries(encode_all(VALUES))
    assert len(entries) == len(VALUES)
    assert list(entries) == VALUES
    assert entries[0] is entries[0] and entries[-1] == VALUES[-1]
    with pytest.raises(IndexError):
        entries[len(VALUES)]


def test_saved_gives_the_bytes_loaded_for_unread_entries_and_the_values_for_others() -> None:
    saved = encode_all(VALUES)
    entries = LazyEntries(list(saved))
    entries[0]["w:c"] = 0.125  # changed in place
    entries[3] = [9.0]
    entries.extend([{"new": 1}, None])
    now = entries.saved()
    assert now[1:3] == saved[1:3] and now[1] is None and now[2] is saved[2]
    assert now[0] == encode({**VALUES[0], "w:c": 0.125}) and now[3] == encode([9.0])
    assert now[5:] == [encode({"new": 1}), None]
    assert list(LazyEntries(now)) == [entries[k] for k in range(len(entries))]


def test_equal_values_give_equal_bytes() -> None:
    # (no back-references: the delta of the build cache compares the bytes)
    shared = "w:shared"
    assert encode({shared: 1.0, "w:" + "shared2"[:-1] + "2": 2.0}) == encode(
        {"w:shared": 1.0, "w:shared2": 2.0}
    )


def test_a_lazy_dict_decodes_only_the_values_read() -> None:
    values = {f"w:{n}": [n, n + 1] for n in range(50)}
    lazy = LazyDict(encode_values(values))
    assert len(lazy) == 50 and "w:3" in lazy and "w:x" not in lazy
    assert lazy["w:3"] == [3, 4] and lazy["w:3"] is lazy["w:3"]
    assert lazy.get("w:4") == [4, 5] and lazy.get("w:x") is None and lazy.get("w:x", ()) == ()
    assert lazy._read.keys() == {"w:3", "w:4"}  # the other 48 are still their bytes
    with pytest.raises(KeyError):
        lazy["w:x"]
    assert dict(lazy.items()) == values and list(lazy) == list(values)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 12)), max_size=40), st.integers())
def test_a_lazy_dict_keeps_the_values_and_order_of_a_dict(
    steps: list[tuple[int, int]], seed: int
) -> None:
    """Whatever is read, changed in place, assigned, set by default and deleted, in any
    order: the same keys in the same order and the same values as a plain dict, before and
    after saving."""
    rng = random.Random(seed)
    plain: dict[str, list[int]] = {f"k{n}": [n] for n in range(6)}
    lazy = LazyDict(encode_values(plain))
    for kind, n in steps:
        key = f"k{n}"
        if kind == 0 and key in plain:  # read and changed in place
            plain[key].append(rng.randint(0, 9))
            lazy[key].append(plain[key][-1])
        elif kind == 1:  # assigned (anew: last; again: where it is)
            plain[key] = [n, n]
            lazy[key] = [n, n]
        elif kind == 2 and key in plain:
            del plain[key]
            del lazy[key]
        elif kind == 3:  # set default (new: last), then changed in place
            plain.setdefault(key, []).append(n)
            lazy.setdefault(key, []).append(n)
        else:
            assert lazy.get(key) == plain.get(key)
        assert list(lazy) == list(plain) and len(lazy) == len(plain)
    saved = lazy.saved()
    assert list(saved) == list(plain)
    assert dict(LazyDict(saved).items()) == plain


def test_a_lazy_dict_saves_the_bytes_loaded_for_values_never_read() -> None:
    saved = encode_values({"a": [1], "b": [2], "c": [3]})
    lazy = LazyDict(dict(saved))
    lazy["a"].append(5)
    lazy["d"] = [4]
    now = lazy.saved()
    assert now["b"] is saved["b"] and now["c"] is saved["c"]  # (the delta compares these)
    assert now["a"] == encode([1, 5]) and now["d"] == encode([4])
