"""A per-article list (or a dict: LazyDict) of a saved state whose entries stay the bytes
they were saved as until one is read: an edit's relate update reads a few hundred entries
of each such list of 10,000, and unpickling them all (dicts of word weights, sets of words)
cost a fifth of the cache's reading (see sitegen/relate.py's _LAZY and _LAZY_KEYED).

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


class LazyDict:
    """A dict of a saved state whose values stay the bytes they were saved as until one is
    read, by its key: an edit's relate update reads the posting lists of the few hundred
    keys of the articles it scores, of some 10,000, and unpickled, those lists were the
    largest part of the state in memory (a new int object for every id in every list:
    13 MB of a 1 MB file). Keeps a dict's order: a key assigned anew goes last, one assigned
    again stays where it is. Supports what RelateState does to its posting lists and key
    holders: get, setdefault, ``[]``, assign, delete, ``in``, len and iterate over the keys;
    ``values()`` and ``items()`` read every value."""

    __slots__ = ("_read", "_saved")

    def __init__(self, saved: dict[Any, bytes | None]) -> None:
        self._saved = saved  # every key, in order (the bytes of those not assigned since)
        self._read: dict[Any, Any] = {}  # key -> the value, decoded or assigned

    def __len__(self) -> int:
        return len(self._saved)

    def __contains__(self, key: object) -> bool:
        return key in self._saved

    def __iter__(self) -> Iterator[Any]:
        return iter(self._saved)

    def keys(self) -> Iterable[Any]:
        return self._saved.keys()

    def values(self) -> Iterator[Any]:
        return map(self.__getitem__, list(self._saved))

    def items(self) -> Iterator[tuple[Any, Any]]:
        keys = list(self._saved)
        return zip(keys, map(self.__getitem__, keys), strict=True)

    def __getitem__(self, key: Any) -> Any:
        found = self._read.get(key, _UNREAD)
        if found is _UNREAD:
            blob = self._saved[key]  # (KeyError: not there)
            found = self._read[key] = None if blob is None else marshal.loads(blob)
        return found

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self._saved else default

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key in self._saved:
            return self[key]
        self[key] = default
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        if key not in self._saved:
            self._saved[key] = None  # (its bytes are made by saved)
        self._read[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._saved[key]
        self._read.pop(key, None)

    def saved(self) -> dict[Any, bytes | None]:
        """The values as saved: those never read are the very bytes loaded; those read are
        written again (changed in place or not: either way the delta compares the bytes)."""
        saved = self._saved.copy()
        for key, value in self._read.items():
            saved[key] = encode(value)
        return saved


def encode_values(values: dict[Any, Any]) -> dict[Any, bytes | None]:
    return {key: None if v is None else marshal.dumps(v, _FORMAT) for key, v in values.items()}


_UNREAD = object()
