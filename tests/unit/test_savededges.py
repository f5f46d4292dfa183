"""The related lists of a saved relate state as flat records (sitegen/savededges.py): they
load back equal, each target the very slug of the state's list; a list naming no article
of the state is kept as its Edges; unchanged lists are saved as the bytes they were loaded
from; a state saved in the other byte order is not used."""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from sitegen import savededges
from sitegen.cache import BuildCache
from sitegen.model import Edge, Slug
from sitegen.relate import RelateState, relate_with_state
from sitegen.savededges import ReasonTable, changed, decode, encode
from tests.unit.test_cache_relate import FP, edited, first_build, site
from tests.unit.test_relate_incremental import make_article

SLUGS: list[Slug | None] = [Slug("a"), None, Slug("b"), Slug("c")]


def edge(target: str, score: float, *reasons: str) -> Edge:
    return Edge(Slug("".join(target)), score, tuple(reasons))


@pytest.mark.parametrize("batch", [4096, 1, 3])
def test_lists_load_back_equal_with_the_states_slugs(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(savededges, "BATCH", batch)  # articles encoded together
    lists: list[tuple[Edge, ...] | None] = [
        (edge("b", 0.5, "same story"), edge("c", 0.123456789, "x", "published the same day")),
        None,  # a gone article
        (),
        (edge("a", 1.0),),
    ]
    table = ReasonTable([])
    saved = encode(lists, SLUGS, table)
    assert saved[1] is None and saved[2] == b""
    assert [len(entry) for entry in saved if type(entry) is bytes] == [32, 0, 16]
    loaded = decode(pickle.loads(pickle.dumps(saved)), SLUGS, table.reasons)
    assert loaded == lists
    first = loaded[0]
    assert first is not None and first[0].target is SLUGS[2]  # not a copy of the slug
    # every entry records (the usual case: made in one go) and some not
    for some in (lists[2:], lists[:1] + lists[2:], [lists[0], (edge("gone", 0.5),)]):
        again = decode(encode(some, SLUGS, table), SLUGS, table.reasons)
        assert type(again) is list and again == some


def test_a_list_naming_no_article_of_the_state_stays_its_edges() -> None:
    lists: list[tuple[Edge, ...] | None] = [(edge("gone", 0.3),), (edge("a", 0.2),)]
    saved = encode(lists, SLUGS, ReasonTable([]))
    assert saved[0] is lists[0] and type(saved[1]) is bytes
    assert decode(saved, SLUGS, [()]) == lists


def test_reasons_keep_their_numbers_as_the_table_grows() -> None:
    table = ReasonTable([])
    old = (edge("a", 0.5, "r1"), edge("b", 0.5, "r2"))
    before = encode([old], SLUGS, table)[0]
    encode([(edge("c", 0.4, "r3"), edge("a", 0.4, "r1"))], SLUGS, table)
    assert table.reasons[:2] == [("r1",), ("r2",)] and table.reasons[2:] == [("r3",)]
    assert encode([old], SLUGS, table)[0] == before


def test_changed_finds_other_tuples_and_new_entries() -> None:
    one, two = (edge("a", 0.5),), (edge("b", 0.5),)
    known: list[Any] = [one, two, None]
    assert changed([one, two, None], known) == []
    assert changed([one, (edge("b", 0.5),), None, two], known) == [1, 3]


def test_an_update_saves_unchanged_lists_as_the_bytes_loaded(tmp_path: Path) -> None:
    rng = random.Random(5)
    articles = {n: make_article(rng, n) for n in range(60)}
    first_build(tmp_path, articles)
    cache = BuildCache(tmp_path, print)
    old = cache.load_relate(FP)
    assert old is not None and old._edges_saved is not None
    lists, loaded = old._edges_saved
    edited(articles, 3, (7,))
    _, state = relate_with_state(site(articles), 8, old)
    assert state is old  # updated, not related in full
    redone = set(changed(state.edges, lists))
    assert redone and len(redone) < len(lists)
    again = state.__getstate__()["edges"]
    assert all(again[i] is loaded[i] for i in range(len(loaded)) if i not in redone)
    assert decode(again, state.slug, state.edge_reasons) == state.edges


def test_a_state_saved_in_the_other_byte_order_is_not_used(tmp_path: Path) -> None:
    rng = random.Random(6)
    articles = {n: make_article(rng, n) for n in range(30)}
    _, state = relate_with_state(site(articles), 8, None)
    saved = state.__getstate__()
    saved["edge_byte_order"] = "big" if savededges.BYTE_ORDER == "little" else "little"
    other = RelateState.__new__(RelateState)
    other.__setstate__(saved)
    assert not other.usable(8)
    assert relate_with_state(site(articles), 8, other)[1] is not other  # related in full
