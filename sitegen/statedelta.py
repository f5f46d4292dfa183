"""What changed in a saved state since it was loaded, so that the build cache writes only
that (sitegen/cache.py): the relate state of 10,000 articles is 20-30 MB, and pickling it
whole again after a one-article edit cost 1.5 s where the change is a few hundred entries.

A *state* is the dict an object's ``__getstate__`` makes. Its lists are compared entry by
entry, its dicts key by key (keys taken out and put back are moved to the end again, as
they were), anything else is kept whole. The comparison is with a
*snapshot* taken when the state was loaded, in which every list, dict or set entry is a copy
(one level deep), so an entry changed in place is found as surely as one replaced. Entries
are compared with ``!=``: equal values are unchanged ones.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import compress, filterfalse, repeat
from operator import ne
from typing import Any

State = dict[str, Any]
# name -> ("list", length, {index: entry}) | ("whole", value)
#   | ("dict", {key: entry}, [removed keys], [keys put (back) at the end, in order])
Delta = dict[str, tuple[Any, ...]]

_MUTABLE = (list, dict, set)
_MISSING = object()


def snapshot(state: State, immutable: Collection[str] = ()) -> State:
    """What ``diff`` compares with later: the lists and dicts of ``state``, copied with their
    mutable entries. (Other values are always saved whole: they need no copy.) The lists and
    dicts named in ``immutable`` hold only immutable entries (their owner saves them so, as
    bytes): copied without looking at each entry's type (~0.3 ms a list of 10,000)."""
    kept: State = {}
    for name, value in state.items():
        if name in immutable and type(value) in (list, dict):
            kept[name] = value.copy()
        elif type(value) is list:
            kept[name] = _copy_entries(value, set(map(type, value)))
        elif type(value) is dict:
            kinds = set(map(type, value.values()))
            if _MUTABLE_SET.isdisjoint(kinds):  # (the common case: a copy in C, no zip)
                kept[name] = value.copy()
            else:
                entries = _copy_entries(list(value.values()), kinds)
                kept[name] = dict(zip(value, entries, strict=True))
    return kept


def _copy_entries(values: list[Any], kinds: set[type]) -> list[Any]:
    """``values`` with each entry of a mutable kind copied; ``kinds``: their types."""
    if _MUTABLE_SET.isdisjoint(kinds):
        return values.copy()  # nothing in them can change in place (the common case)
    if len(kinds) == 1:  # all dicts, all lists or all sets: copied by a loop in C
        kind: Any = kinds.pop()
        return list(map(kind.copy, values))
    return [v.copy() if type(v) in _MUTABLE else v for v in values]


_MUTABLE_SET = frozenset(_MUTABLE)


def diff(state: State, before: State, unordered: Collection[str] = ()) -> Delta:
    """What turns the state ``before`` was the snapshot of into ``state``. The dicts named
    in ``unordered`` are ones whose key order means nothing: ``apply`` gives them the same
    keys and values, new keys last (a key order of its own, such as sorted, would else move
    half the keys after one that came, and make the delta as large as the dict)."""
    delta: Delta = {}
    for name, value in state.items():
        old = before.get(name)
        if type(value) is list and type(old) is list:
            shared = min(len(value), len(old))
            entries = {i: value[i] for i in _changed(value, old, 0, shared)}
            entries.update(enumerate(value[shared:], shared))
            delta[name] = ("list", len(value), entries)
        elif type(value) is dict and type(old) is dict:
            keys = list(value)
            if len(value) == len(old) and keys == list(old):
                # The same keys in the same order (the common case): the values compared by
                # place, none looked up; none came, went or moved.
                values = list(value.values())
                places = _changed(values, list(old.values()), 0, len(values))
                delta[name] = ("dict", {keys[i]: values[i] for i in places}, [], [])
            else:
                delta[name] = _dict_change(name in unordered, value, old)
        else:
            delta[name] = ("whole", value)
    return delta


def _dict_change(unordered: bool, value: dict[Any, Any], old: dict[Any, Any]) -> tuple[Any, ...]:
    """What turns the dict ``old`` into ``value`` (see diff)."""
    flags = map(ne, value.values(), map(old.get, value, repeat(_MISSING)))
    changed = {key: value[key] for key in compress(value, flags)}
    removed = list(filterfalse(value.__contains__, old))  # (in C: 10,000 keys)
    if unordered:
        return ("dict", changed, removed, [key for key in changed if key not in old])
    moved = _moved(old, value, changed, removed)
    if moved is None:  # keys in another order: apply could not make it
        return ("whole", value)
    return ("dict", changed, removed, moved)


# Entries compared one by one below this many (halves compared whole above).
_RUN = 32


def _changed(new: list[Any], old: list[Any], start: int, end: int) -> list[int]:
    """The places from ``start`` to ``end`` where ``new`` has another entry than ``old``.
    Found by comparing halves whole, in C, down to the runs that differ: a list compared
    whole skips each entry that is the very object it was without reading it, where a
    comparison of every pair read all 10,000 freshly unpickled entries of every part of a
    state (~30 ms a save), for the few an edit changes."""
    if new[start:end] == old[start:end]:
        return []
    if end - start <= _RUN:
        return [i for i in range(start, end) if new[i] is not old[i] and new[i] != old[i]]
    middle = (start + end) // 2
    return _changed(new, old, start, middle) + _changed(new, old, middle, end)


def _moved(
    old: dict[Any, Any], new: dict[Any, Any], changed: dict[Any, Any], removed: list[Any]
) -> list[Any] | None:
    """The keys ``apply`` puts (back) at the end, in this order, after the old keys left in
    theirs, so that its dict has the keys of ``new`` in the same order: the keys taken out
    and put back since, and the new ones. None when no such keys make that order."""
    keys = list(new)
    if not removed and keys == list(old):
        return []  # the common case: no key came, went or moved
    gone = set(removed)
    stayed = list(filterfalse(gone.__contains__, old))
    if keys[: len(stayed)] == stayed:
        return keys[len(stayed) :]  # the usual case (compared in C): keys went or came last
    # Walk both orders; an old key not next in the new order was taken out: skip it.
    at = 0
    for key in stayed:
        if at < len(keys) and keys[at] == key:
            at += 1
    tail = keys[at:]
    back = set(tail)
    if [key for key in stayed if key not in back] != keys[:at]:
        return None
    return tail


def apply(state: State, delta: Delta) -> None:
    """Bring a loaded state to what ``delta`` describes (an exception: it does not fit)."""
    for name, change in delta.items():
        kind = change[0]
        if kind == "whole":
            state[name] = change[1]
        elif kind == "list":
            _, length, entries = change
            values = state.get(name)
            if type(values) is not list:
                raise ValueError(f"{name}: not a list")
            if length < len(values):
                del values[length:]
            else:
                values.extend(repeat(None, length - len(values)))
            for i, entry in entries.items():
                values[i] = entry
        elif kind == "dict":
            _, entries, removed, tail = change
            mapping = state.get(name)
            if type(mapping) is not dict:
                raise ValueError(f"{name}: not a dict")
            for key in removed:
                del mapping[key]
            taken = {key: mapping.pop(key) for key in tail if key in mapping}
            for key, entry in entries.items():
                if key in mapping:  # changed where it is
                    mapping[key] = entry
            for key in tail:  # KeyError: a key neither changed nor there before
                mapping[key] = entries[key] if key in entries else taken[key]
        else:
            raise ValueError(f"{name}: unknown change {kind!r}")


def size(delta: Delta) -> int:
    """How many entries ``delta`` holds (whole values count as one)."""
    total = 0
    for change in delta.values():
        if change[0] == "list":
            total += len(change[2])
        elif change[0] == "dict":
            total += len(change[1]) + len(change[2]) + len(change[3])
        else:
            total += 1
    return total


def entries(state: State) -> int:
    """How many entries ``state`` holds, as ``size`` counts them."""
    return sum(len(v) if type(v) in (list, dict) else 1 for v in state.values())
