"""The related lists of a saved relate state as flat records, not Edge objects.

Pickled as objects, each edge (~4 per article) was two objects (an Edge and its field dict)
for the pickler to remember until the end of relate.pickle: 100,000 articles, ~0.9 million.
Saved, each article's list is one bytes object of 16-byte records (the target's id, the
number of its reasons in a table of the state's reason tuples, the score); loading makes
the Edges of all articles at once, in C loops (map), each target the very slug of the
state's list (10,000 articles: relate.pickle loads in ~20 ms less CPU).

An article's entry stays a tuple of Edges when a target is not the slug of an article of
the state (none should be: then the entry is pickled as before).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain, compress
from operator import attrgetter, is_not
from typing import Any

from sitegen.model import Edge, Slug, made_edges

RECORD = 16  # bytes per edge: target id and reasons' number (int32 each), score (float64)
# The records are in this machine's byte order: a state saved in the other one is not used.
BYTE_ORDER = sys.byteorder

Reasons = tuple[str, ...]
Saved = bytes | tuple[Edge, ...] | None  # an article's saved list (None: the article is gone)

_TARGET = attrgetter("target")
_SCORE = attrgetter("score")
_REASONS = attrgetter("reasons")


class ReasonTable:
    """The distinct reason tuples of a state's edges, numbered in the order first saved: the
    table only grows, so the records of an unchanged list keep their numbers (and bytes)."""

    def __init__(self, reasons: list[Reasons]) -> None:
        self.reasons = reasons  # saved with the state
        self._number: dict[Reasons, int] | None = None  # made when first needed

    def numbers(self, found: Sequence[Reasons]) -> array[int]:
        number = self._number
        if number is None:
            number = self._number = dict(zip(self.reasons, range(len(self.reasons)), strict=True))
        for reasons in dict.fromkeys(found):  # (in the order found: the same bytes each run)
            if reasons not in number:
                number[reasons] = len(self.reasons)
                self.reasons.append(reasons)
        return array("i", map(number.__getitem__, found))


def encode(
    lists: Sequence[tuple[Edge, ...] | None], slugs: Sequence[Slug | None], table: ReasonTable
) -> list[Saved]:
    """Each article's edges as saved (see the module's docstring); BATCH articles at a
    time, so that what the encoding makes on the way stays small (all 100,000 articles'
    at once: ~40 MB on top of a cold build's save)."""
    ids: dict[Any, int] = dict(zip(slugs, range(len(slugs)), strict=True))
    ids.pop(None, None)
    saved: list[Saved] = list(lists)  # None and () as they are: () is b"" decoded
    for start in range(0, len(lists), BATCH):
        at: list[int] = []
        for i in range(start, min(start + BATCH, len(lists))):
            edges = lists[i]
            if edges:
                if all(map(ids.__contains__, map(_TARGET, edges))):
                    at.append(i)
            elif edges is not None:
                saved[i] = b""
        flat: list[Any] = list(map(lists.__getitem__, at))
        for i, piece in zip(at, _records(flat, ids, table), strict=True):
            saved[i] = piece
    return saved


BATCH = 4096


def _records(
    lists: list[tuple[Edge, ...]], ids: dict[Any, int], table: ReasonTable
) -> Iterator[bytes]:
    """The records of each of ``lists`` (edges whose targets are all in ``ids``)."""
    edges = list(chain.from_iterable(lists))
    buffer = bytearray(RECORD * len(edges))
    ints = memoryview(buffer).cast("i")
    ints[0::4] = array("i", map(ids.__getitem__, map(_TARGET, edges)))
    ints[1::4] = table.numbers(list(map(_REASONS, edges)))
    memoryview(buffer).cast("d")[1::2] = array("d", map(_SCORE, edges))
    blob = bytes(buffer)
    ends = list(accumulate(map(len, lists)))
    starts = [0, *ends[:-1]]
    return map(blob.__getitem__, map(slice, _times(starts), _times(ends)))


def decode(
    saved: Sequence[Saved], slugs: Sequence[Slug | None], reasons: Sequence[Reasons]
) -> list[tuple[Edge, ...] | None]:
    """The edges of every article from what ``encode`` saved."""
    lists: list[Any] = list(saved)
    flat = [i for i, entry in enumerate(saved) if type(entry) is bytes]
    blobs: list[bytes] = list(map(saved.__getitem__, flat))  # type: ignore[arg-type]
    blob = b"".join(blobs)
    count = len(blob) // RECORD
    ints = memoryview(blob).cast("i")
    edges = made_edges(
        count,
        map(slugs.__getitem__, ints[0::4].tolist()),  # type: ignore[arg-type]
        memoryview(blob).cast("d")[1::2].tolist(),
        map(reasons.__getitem__, ints[1::4].tolist()),
    )
    ends = list(accumulate(map(RECORD.__rfloordiv__, map(len, blobs))))  # (in C)
    starts = [0, *ends[:-1]]
    made = map(tuple, map(edges.__getitem__, map(slice, starts, ends)))
    if len(flat) == len(lists):  # (the usual case: every article's list was records)
        return list(made)
    for i, edges_of_i in zip(flat, made, strict=True):
        lists[i] = edges_of_i
    return lists


def changed(
    lists: Sequence[tuple[Edge, ...] | None], known: Sequence[tuple[Edge, ...] | None]
) -> list[int]:
    """The indices of ``lists`` whose entry is not the very tuple ``known`` has there (found
    in C: 10,000 articles after every edit)."""
    found = list(compress(range(len(known)), map(is_not, lists, known)))
    found.extend(range(len(known), len(lists)))
    return found


def _times(offsets: list[int]) -> map[int]:
    return map(RECORD.__mul__, offsets)
