"""Candidates of every article of a full relate at once, on numpy arrays.

The same lists as ``RelateState._candidates`` gives one article at a time (the incremental
path still uses that): for article i, the members of its query keys' posting lists (a list
longer than ``window`` contributes only the members nearest i, ``window // 2`` on each side)
are counted; the candidates are the members other than i ordered by count, highest first,
ties by first appearance, the first ``limit`` of them. Counting with a dict per article is
the slow part of relate on a large site (each article counts a few hundred list members);
here all the members of a batch of articles are sorted once instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

# List members and articles counted at once: bounds the working arrays, and keeps
# (article in batch, member id, place) packed in 63 bits for up to 2 ** 25 articles.
_BATCH_MEMBERS = 1 << 20
_BATCH_ARTICLES = 1 << 16

Ints = npt.NDArray[np.int64]


def all_candidates(
    postings: dict[str, list[int]],
    queries: Sequence[Sequence[str]],
    window: int,
    limit: int,
) -> list[list[int]]:
    """The candidates of articles 0..n-1 (``queries[i]``: article i's query keys), when ids
    are positions in the index, so each posting list is sorted."""
    n = len(queries)
    keys = list(postings)
    key_id = {key: k for k, key in enumerate(keys)}
    lengths = _ints(map(len, postings.values()), len(keys))
    starts = np.zeros(len(keys) + 1, np.int64)
    np.cumsum(lengths, out=starts[1:])
    members = _ints(chain.from_iterable(postings.values()), int(starts[-1]))
    # Each query slot: its article, its list, and the slice of the list it counts.
    q_len = _ints(map(len, queries), n)
    q_article = np.repeat(np.arange(n, dtype=np.int64), q_len)
    q_key = _ints(map(key_id.__getitem__, chain.from_iterable(queries)), int(q_len.sum()))
    size = lengths[q_key]
    lo = starts[q_key]
    hi = lo + size
    long = np.flatnonzero(size > window)
    if len(long):
        # where the article sits in each long list: (list, id) pairs are sorted throughout
        ordered = np.repeat(np.arange(len(keys), dtype=np.int64), lengths) * n + members
        at = np.searchsorted(ordered, q_key[long] * n + q_article[long]) - lo[long]
        half = window // 2
        begin = lo[long] + np.maximum(0, at - half)
        hi[long] = lo[long] + np.minimum(size[long], at + half + 1)
        lo[long] = begin
    counted = hi - lo
    # Batches of whole articles, about _BATCH_MEMBERS list members each.
    per_article = np.zeros(n + 1, np.int64)
    np.cumsum(
        np.bincount(q_article, weights=counted, minlength=n).astype(np.int64), out=per_article[1:]
    )
    slot_start = np.zeros(n + 1, np.int64)
    np.cumsum(q_len, out=slot_start[1:])
    result: list[list[int]] = []
    first = 0
    while first < n:
        last = int(np.searchsorted(per_article, per_article[first] + _BATCH_MEMBERS, "right")) - 1
        last = min(n, first + _BATCH_ARTICLES, max(last, first + 1))
        s0, s1 = int(slot_start[first]), int(slot_start[last])
        result.extend(
            _batch(members, q_article[s0:s1], lo[s0:s1], counted[s0:s1], first, last, n, limit)
        )
        first = last
    return result


def _batch(
    members: Ints,
    article: Ints,
    lo: Ints,
    counted: Ints,
    first: int,
    last: int,
    n: int,
    limit: int,
) -> list[list[int]]:
    """Candidates of articles first..last-1 from their query slots (in article order)."""
    total = int(counted.sum())
    # every counted member, in the order the per-article count sees them
    offset = np.zeros(len(counted), np.int64)
    np.cumsum(counted[:-1], out=offset[1:])
    seen = members[np.repeat(lo - offset, counted) + np.arange(total, dtype=np.int64)]
    by = np.repeat(article - first, counted)  # articles numbered from the batch's first
    keep = seen != by + first
    seen, by = seen[keep], by[keep]
    if not len(seen):
        return [[] for _ in range(first, last)]
    # Count each (article, member) pair and note where it first appears: one sort of
    # pair and place packed in an integer (a plain sort, much faster than a stable one).
    place_bits = max(1, len(seen)).bit_length()
    packed = np.sort(((by * n + seen) << place_bits) | np.arange(len(seen), dtype=np.int64))
    pair = packed >> place_bits
    head = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    count = np.diff(np.append(head, len(pair)))
    first_seen = packed[head] & ((1 << place_bits) - 1)
    u_by = by[first_seen]
    # per article: highest count first, ties by first appearance (again one packed sort)
    count_bits = int(count.max(initial=0)).bit_length()
    rank = np.sort(
        (((u_by << count_bits) | ((1 << count_bits) - 1 - count)) << place_bits) | first_seen
    )
    chosen_place = rank & ((1 << place_bits) - 1)
    u_by, u_seen = by[chosen_place], seen[chosen_place]
    group = np.searchsorted(u_by, np.arange(last - first + 1, dtype=np.int64))
    within = np.arange(len(u_by), dtype=np.int64) - np.repeat(group[:-1], np.diff(group))
    chosen = within < limit
    picked = u_seen[chosen].tolist()
    ends = np.minimum(np.diff(group), limit).cumsum().tolist()
    out = []
    start = 0
    for end in ends:
        out.append(picked[start:end])
        start = end
    return out


def _ints(values: Iterable[int], count: int) -> Ints:
    return np.fromiter(values, np.int64, count)
