"""LazyEntries: a per-article list of a saved state, each entry decoded when first read."""

from __future__ import annotations

import pytest

from sitegen.lazyentries import LazyEntries, encode, encode_all

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
