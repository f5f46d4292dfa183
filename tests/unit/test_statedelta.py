"""statedelta: a loaded state brought up to date by the delta of its changes is the state
the changes made, whatever they were (entries replaced or changed in place, lists grown or
cut, keys added, removed or taken out and put back)."""

from __future__ import annotations

import copy
import pickle
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import statedelta


def make_state(rng: random.Random) -> dict[str, Any]:
    n = rng.randint(0, 30)
    return {
        "count": rng.randint(0, 9),
        "flags": {rng.randint(0, 20) for _ in range(rng.randint(0, 5))},
        "words": [rng.choice(["a", "b", None]) for _ in range(n)],
        "vectors": [{f"w{j}": rng.random() for j in range(rng.randint(0, 4))} for _ in range(n)],
        "lists": [[rng.randint(0, 9) for _ in range(rng.randint(0, 4))] for _ in range(n)],
        "postings": {f"k{j}": [rng.randint(0, 30)] for j in range(rng.randint(0, 12))},
        "weights": {f"k{j}": rng.random() for j in range(rng.randint(0, 12))},
    }


def change(rng: random.Random, state: dict[str, Any]) -> None:
    """One change of the kinds a state's own code makes."""
    name = rng.choice(sorted(state))
    value = state[name]
    kind = rng.randrange(6)
    if name in ("count",):
        state[name] = rng.randint(0, 9)
    elif name == "flags":
        value.add(rng.randint(0, 20))  # in place, kept whole
    elif isinstance(value, list):
        if kind == 0 or not value:
            value.extend([None] * rng.randint(1, 3))
        elif kind == 1:
            del value[rng.randrange(len(value)) :]
        elif kind == 2 and isinstance(entry := value[rng.randrange(len(value))], (list, dict)):
            if isinstance(entry, list):
                entry.append(rng.randint(0, 9))  # in place
            else:
                entry[f"w{rng.randint(0, 9)}"] = rng.random()
        else:
            value[rng.randrange(len(value))] = copy.deepcopy(rng.choice(value))  # replaced
    else:
        keys = list(value)
        key = rng.choice(keys) if keys else "k0"
        if kind == 0 and keys:
            del value[key]
        elif kind == 1 and keys:
            value[key] = value.pop(key)  # taken out and put back: now last
        elif kind == 2:
            value[f"new{rng.randint(0, 50)}"] = [1] if name == "postings" else 0.5
        elif kind == 3 and keys and name == "postings":
            value[key].append(rng.randint(0, 30))  # in place
        elif keys:
            value[key] = [7] if name == "postings" else rng.random()


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a == b
    for name, value in a.items():  # dicts in the same order too
        if isinstance(value, dict):
            assert list(value) == list(b[name])


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 10**9), changes=st.integers(0, 12))
def test_a_state_and_its_delta_give_the_changed_state(seed: int, changes: int) -> None:
    rng = random.Random(seed)
    state = make_state(rng)
    saved = pickle.dumps(state)
    before = statedelta.snapshot(state)
    for _ in range(changes):
        change(rng, state)
    delta = pickle.loads(pickle.dumps(statedelta.diff(state, before)))
    loaded = pickle.loads(saved)
    statedelta.apply(loaded, delta)
    assert_same(loaded, state)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**9), changes=st.integers(0, 12))
def test_an_unordered_dict_gets_the_same_keys_and_values(seed: int, changes: int) -> None:
    rng = random.Random(seed)
    state = make_state(rng)
    saved = pickle.dumps(state)
    before = statedelta.snapshot(state)
    for _ in range(changes):
        change(rng, state)
    state["postings"] = dict(sorted(state["postings"].items()))  # an order of its own
    delta = pickle.loads(pickle.dumps(statedelta.diff(state, before, {"postings"})))
    loaded = pickle.loads(saved)
    statedelta.apply(loaded, delta)
    assert loaded == state


def test_a_key_that_came_into_a_sorted_dict_moves_no_other_key() -> None:
    # One key new near the start of 1,000 sorted ones: one entry for the delta, where the
    # key order alone would put the 999 after it in it again.
    state: dict[str, Any] = {"sitemap": {f"k{n:04}": n for n in range(0, 2000, 2)}}
    before = statedelta.snapshot(state)
    state["sitemap"] = dict(sorted({**state["sitemap"], "k0001": 1}.items()))
    assert statedelta.size(statedelta.diff(state, before, {"sitemap"})) == 2  # (new, and last)
    assert statedelta.size(statedelta.diff(state, before)) > 900


def test_an_unchanged_state_has_an_empty_delta() -> None:
    state = make_state(random.Random(5))
    before = statedelta.snapshot(state)
    delta = statedelta.diff(state, before)
    assert statedelta.size(delta) == 2  # "count" and "flags": whole values count as one
    assert statedelta.entries(before) < statedelta.entries(state)


def test_an_entry_changed_in_place_is_in_the_delta() -> None:
    state: dict[str, Any] = {"kept": [{1: 0.5}, {2: 0.25}], "postings": {"a": [1, 2]}}
    before = statedelta.snapshot(state)
    state["kept"][1][3] = 0.125
    state["postings"]["a"].remove(1)
    delta = statedelta.diff(state, before)
    assert delta["kept"] == ("list", 2, {1: {2: 0.25, 3: 0.125}})
    assert delta["postings"] == ("dict", {"a": [2]}, [], [])


def test_entries_changed_in_place_are_found_in_lists_of_one_kind_or_of_many() -> None:
    # Lists of one mutable kind are copied by one C loop; mixed ones (None for a removed
    # article, lists beside sets) entry by entry: either way a change in place shows.
    state: dict[str, Any] = {
        "dicts": [{1: 0.5}, {2: 0.25}],
        "lists": [[1], [2, 3]],
        "sets": [{1}, {2}],
        "mixed": [{1: 0.5}, None, [4], {5}],
    }
    before = statedelta.snapshot(state)
    state["dicts"][0][9] = 1.0
    state["lists"][1].append(4)
    state["sets"][1].add(7)
    state["mixed"][2].append(5)
    state["mixed"][3].discard(5)
    delta = statedelta.diff(state, before)
    assert delta["dicts"] == ("list", 2, {0: {1: 0.5, 9: 1.0}})
    assert delta["lists"] == ("list", 2, {1: [2, 3, 4]})
    assert delta["sets"] == ("list", 2, {1: {2, 7}})
    assert delta["mixed"] == ("list", 4, {2: [4, 5], 3: set()})


def test_a_delta_that_does_not_fit_its_state_is_refused() -> None:
    delta = statedelta.diff({"a": [1, 2]}, statedelta.snapshot({"a": [1]}))
    try:
        statedelta.apply({"a": {"x": 1}}, delta)
    except ValueError:
        return
    raise AssertionError("applied a list delta to a dict")


def test_lists_named_immutable_are_copied_without_their_entries() -> None:
    # Their owner saves them as bytes: the list or dict is copied (an entry appended or
    # replaced later is still found), not its entries.
    entry = b"saved"
    state: dict[str, Any] = {"vec": [entry, None], "keyed": {"a": entry}, "cands": [[1]]}
    before = statedelta.snapshot(state, frozenset(("vec", "keyed")))
    assert before["vec"] is not state["vec"] and before["vec"][0] is entry
    assert before["keyed"] is not state["keyed"] and before["keyed"]["a"] is entry
    assert before["cands"][0] is not state["cands"][0]  # not named: copied entry by entry
    state["vec"].append(b"new")
    state["vec"][1] = b"read"
    state["keyed"]["b"] = entry
    delta = statedelta.diff(state, before)
    assert delta["vec"] == ("list", 3, {1: b"read", 2: b"new"})
    assert delta["keyed"] == ("dict", {"b": entry}, [], ["b"])


class _Untouchable:
    """An entry that fails when compared: an unchanged entry (the very object it was) must
    not be read by the comparison at all."""

    def __eq__(self, other: object) -> bool:
        raise AssertionError("an unchanged entry was compared")

    def __ne__(self, other: object) -> bool:
        raise AssertionError("an unchanged entry was compared")

    __hash__ = object.__hash__


def test_entries_that_are_the_very_objects_they_were_are_not_compared() -> None:
    kept: list[Any] = [_Untouchable() for _ in range(1000)]
    kept[500] = kept[7] = 0  # (the entries changed are compared)
    state: dict[str, Any] = {"list": list(kept), "dict": dict(enumerate(kept))}
    before = statedelta.snapshot(state)
    state["list"][500] = "new"
    state["list"].append("last")
    state["dict"][7] = "new"
    delta = statedelta.diff(state, before)
    assert delta["list"] == ("list", 1001, {500: "new", 1000: "last"})
    assert delta["dict"] == ("dict", {7: "new"}, [], [])
    loaded: dict[str, Any] = {"list": list(kept), "dict": dict(enumerate(kept))}
    statedelta.apply(loaded, delta)
    assert loaded["list"][500] == "new" and loaded["dict"][7] == "new"
