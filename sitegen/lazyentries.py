"""A per-article list of a saved state whose entries stay the bytes they were saved as until
one is read: an edit's relate update reads a few hundred entries of each such list of
10,000, and unpickling them all (dicts of word weights, sets of words) cost a fifth of
the cache's reading (see sitegen/relate.py's _LAZY).

Entries are marshal bytes (format 2: no back-references, so equal values written alike
give equal bytes, which the delta of the build cache compares; sitegen/statedelta.py).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator
from typing import Any

_FORMAT = 2


def encode(value: Any) -> bytes | None:
    """An entry as it is saved (None stays None)."""
    return None if value is None else marshal.dumps(value, _FORMAT)


def encode_all(values: Iterable[Any]) -> list[bytes | None]:
    return [None if v is None else marshal.dumps(v, _FORMAT) for v in values]


class LazyEntries:
    """A list of saved entries, each decoded when first read and then kept (the same object
    at every read). Supports what RelateState does to its per-article lists: index, assign,
    extend, len and iterate; anything else (slices, ``list()``) fails rather than see
    bytes."""

    __slots__ = ("_read", "_saved")

    def __init__(self, saved: list[bytes | None]) -> None:
        self._saved = saved
        self._read: dict[int, Any] = {}  # index -> the entry, decoded or assigned

    def __len__(self) -> int:
        return len(self._saved)

    def _index(self, i: int) -> int:
        n = len(self._saved)
        if not -n <= i < n:
            raise IndexError("entry index out of range")
        return i + n if i < 0 else i

    def __getitem__(self, i: int) -> Any:
        found = self._read.get(i, _UNREAD)
        if found is _UNREAD:
            i = self._index(i)
            found = self._read.get(i, _UNREAD)
            if found is _UNREAD:
                blob = self._saved[i]
                found = self._read[i] = None if blob is None else marshal.loads(blob)
        return found

    def __setitem__(self, i: int, value: Any) -> None:
        self._read[self._index(i)] = value

    def extend(self, values: Iterable[Any]) -> None:
        for value in values:
            self._read[len(self._saved)] = value
            self._saved.append(None)

    def __iter__(self) -> Iterator[Any]:
        return map(self.__getitem__, range(len(self._saved)))

    def saved(self) -> list[bytes | None]:
        """The entries as saved: those never read are the very bytes loaded; those read are
        written again (changed in place or not: either way the delta compares the bytes)."""
        saved = self._saved.copy()
        for i, value in self._read.items():
            saved[i] = encode(value)
        return saved


_UNREAD = object()
