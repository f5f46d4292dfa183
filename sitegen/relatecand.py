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

import math
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

# List members and articles counted at once: arrays of a few hundred kB stay in the CPU's
# caches (with 2 ** 20 members a batch, counting is twice as slow, with 2 ** 22 four times);
# and (article in batch, member id, place) stay packed in 63 bits up to 2 ** 25 articles.
_BATCH_MEMBERS = 1 << 16
_BATCH_ARTICLES = 1 << 16

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class Candidates:
    """The candidates of articles 0..n-1 (``queries[i]``: article i's query keys), when ids
    are positions in the index, so each posting list is sorted; ``key_id``: each key's place
    in ``postings``; ``flat``: the lists' lengths and members, if made already. Given for any
    range of articles (between): each article's are the same whatever the range, so that
    processes can share the work; the query slots of every article are made once."""

    def __init__(
        self,
        postings: dict[str, list[int]],
        queries: Sequence[Sequence[str]],
        window: int,
        limit: int,
        key_id: dict[str, int],
        flat: tuple[Ints, Ints] | None = None,
    ) -> None:
        n = self.n = len(queries)
        self.limit = limit
        keys = postings.keys()
        if flat is None:
            lengths = _ints(map(len, postings.values()), len(keys))
            members = _ints(chain.from_iterable(postings.values()), int(lengths.sum()))
        else:
            lengths, members = flat
        self.members = members
        starts = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(lengths, out=starts[1:])
        # Each query slot: its article, its list, and the slice of the list it counts.
        q_len = _ints(map(len, queries), n)
        q_article = self.q_article = np.repeat(np.arange(n, dtype=np.int64), q_len)
        q_key = _ints(map(key_id.__getitem__, chain.from_iterable(queries)), int(q_len.sum()))
        size = lengths[q_key]
        lo = self.lo = starts[q_key]
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
        counted = self.counted = hi - lo
        # Batches of whole articles, about _BATCH_MEMBERS list members each.
        self.per_article = np.zeros(n + 1, np.int64)
        np.cumsum(
            np.bincount(q_article, weights=counted, minlength=n).astype(np.int64),
            out=self.per_article[1:],
        )
        self.slot_start = np.zeros(n + 1, np.int64)
        np.cumsum(q_len, out=self.slot_start[1:])

    def between(self, first: int, stop: int) -> list[list[int]]:
        """The candidates of articles ``first``..``stop``-1."""
        n, per_article, slot_start = self.n, self.per_article, self.slot_start
        result: list[list[int]] = []
        while first < stop:
            last = int(np.searchsorted(per_article, per_article[first] + _BATCH_MEMBERS, "right"))
            last = min(stop, first + _BATCH_ARTICLES, max(last - 1, first + 1))
            s0, s1 = int(slot_start[first]), int(slot_start[last])
            result.extend(
                _batch(
                    self.members,
                    self.q_article[s0:s1],
                    self.lo[s0:s1],
                    self.counted[s0:s1],
                    first,
                    last,
                    n,
                    self.limit,
                )
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


class PairScorer:
    """Scores of every candidate pair of a full relate, on numpy arrays, equal to
    ``RelateState._score``'s to the last bit: each product and each sum of one or two products
    is the same IEEE operation, longer sums are math.fsum's (see exact_sums) and recency
    math.exp's, as there."""

    def __init__(
        self,
        topic_vec: Sequence[dict[str, float]],
        term_vec: Sequence[dict[str, float]],
        topic_scale: float,
        term_scale: float,
        key_id: dict[str, int],
        times: Sequence[float | None],
        flat: tuple[Ints, Ints, Floats, Ints, Ints, Floats] | None = None,
    ) -> None:
        """``flat``, if made already: the sizes, key ids and values of the topic vectors,
        one after the other, then the same of the word vectors."""
        # Each article's combined vector (as RelateState._derive makes it): its topics scaled
        # by topic_scale, then its words by term_scale.
        n = len(topic_vec)
        both = np.empty(2 * n, np.int64)  # topics, words, topics, words, ...
        if flat is None:
            both[0::2], both[1::2] = _ints(map(len, topic_vec), n), _ints(map(len, term_vec), n)
        else:
            both[0::2], both[1::2] = flat[0], flat[3]
        self.row = np.zeros(n + 1, np.int64)
        np.cumsum(both.reshape(n, 2).sum(axis=1), out=self.row[1:])
        total = int(self.row[-1])
        scales = np.repeat(np.tile(np.array([topic_scale, term_scale]), n), both)
        if flat is None:
            keys = chain.from_iterable(map(chain, topic_vec, term_vec))
            self.keys = _ints(map(key_id.__getitem__, keys), total)
            values = chain.from_iterable(
                map(chain, map(dict.values, topic_vec), map(dict.values, term_vec))
            )
            self.values = np.fromiter(values, np.float64, total) * scales
        else:
            # each article's topics, then its words: a stable sort by article
            owner = np.concatenate(
                [np.repeat(np.arange(n, dtype=np.int64), s) for s in (flat[0], flat[3])]
            )
            order = np.argsort(owner, kind="stable")
            self.keys = np.concatenate((flat[1], flat[4]))[order]
            self.values = np.concatenate((flat[2], flat[5]))[order] * scales
        self.word = np.repeat(np.tile(np.array([0.0, 1.0]), n), both)  # 1.0: a word's entry
        # Per key, its number among those of a batch's first articles while it is scored
        # (-1 otherwise; see scores).
        self.local = np.full(len(key_id), -1, np.int64)
        self.undated = np.array([t is None for t in times], bool)
        self.time = np.array([0.0 if t is None else t for t in times], np.float64)

    def scores(
        self, first: Ints, second: Ints, base: float, weight: float, decay: float, flat: float
    ) -> tuple[Floats, Floats, Floats]:
        """Scores without bonuses of the pairs (first[k], second[k]), their seconds apart
        (inf when one is undated), and about the sum of their shared words' products in the
        combined vectors (rounded, not exact: only a hint). ``first``: in order, a batch of
        nearby articles (a table of their keys is made)."""
        pairs = len(first)
        row, keys, values = self.row, self.keys, self.values
        # The first articles' entries in a table: (article, key) -> entry + 1 (0: none), the
        # keys numbered among those the batch holds (a few hundred). Then each entry of the
        # second articles looks up its pair's first article there: a shared key is found.
        lo, hi = int(first[0]) if pairs else 0, int(first[-1]) + 1 if pairs else 0
        a0, a1 = int(row[lo]), int(row[hi])
        a_keys = keys[a0:a1]
        held = np.unique(a_keys)
        local = self.local
        local[held] = np.arange(len(held), dtype=np.int64)
        width = len(held)
        table = np.zeros((hi - lo) * width + 1, np.int64)  # (+1: a last slot, always 0)
        a_owner = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(row[lo : hi + 1]))
        table[a_owner * width + local[a_keys]] = np.arange(a0 + 1, a1 + 1, dtype=np.int64)
        size_b = row[second + 1] - row[second]
        total = int(size_b.sum())
        offset = np.zeros(pairs, np.int64)
        np.cumsum(size_b[:-1], out=offset[1:])
        right = np.repeat(row[second] - offset, size_b) + np.arange(total, dtype=np.int64)
        slot = local[keys[right]]
        local[held] = -1
        # the first article's row, or the last slot for a key no first article holds
        at_row = np.repeat((first - lo) * width, size_b) + slot
        at_row[slot < 0] = len(table) - 1
        left = table[at_row]
        shared = np.flatnonzero(left)
        left = left[shared] - 1
        right = right[shared]
        owner = np.repeat(np.arange(pairs, dtype=np.int64), size_b)[shared]  # in pair order
        products = values[left] * values[right]
        relevance = np.zeros(pairs, np.float64)
        count = np.bincount(owner, minlength=pairs)
        at = np.zeros(pairs + 1, np.int64)
        np.cumsum(count, out=at[1:])
        one = np.flatnonzero(count == 1)
        relevance[one] = products[at[one]]
        two = np.flatnonzero(count == 2)
        relevance[two] = products[at[two]] + products[at[two] + 1]
        more = np.flatnonzero(count > 2)
        if len(more):
            relevance[more] = exact_sums(products[count[owner] > 2], count[more])
        seconds: Floats = np.abs(self.time[first] - self.time[second])
        recency = np.array(list(map(math.exp, (-seconds * decay).tolist())), np.float64)
        factor = base + weight * recency
        undated = self.undated[first] | self.undated[second]
        if undated.any():
            factor[undated] = flat
            seconds[undated] = math.inf
        words = np.bincount(owner, products * self.word[left], pairs).astype(np.float64)
        return relevance * factor, seconds, words


def _long_enough() -> bool:
    """Whether numpy's long double adds with 64 bits of mantissa or more (x86's, a quad):
    then a sum of a few doubles in it is within a bound small enough to tell almost always
    what the exact sum rounds to (see exact_sums). Tried, not read from finfo: an emulated
    x87 (valgrind's) adds long doubles as doubles."""
    one, tiny = np.longdouble(1), np.longdouble(2.0) ** -63
    return bool(np.finfo(np.longdouble).nmant >= 63 and (one + tiny) - one == tiny)


def exact_sums(values: Floats, sizes: Ints) -> Floats:
    """The sums of ``values`` (``sizes[i]`` of them for sum i, one after the other, each
    positive), each rounded once from the exact sum: math.fsum's results. Summed in long
    double, where a sum is within its error bound of the exact one; when the double nearest
    that bound's both ends is the same, it is the exact sum's, else (rare) fsum decides."""
    starts = np.zeros(len(sizes), np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    # (Tried again for each call: code that sets the x87 unit to double precision after
    # the import would make the bound below too small.)
    if len(sizes) and _long_enough():
        long = np.longdouble
        sums = np.add.reduceat(values.astype(long), starts)
        rounded = sums.astype(np.float64)
        # The halfway points to the neighbouring doubles (exact in long double).
        as_long = rounded.astype(long)
        low = (as_long + np.nextafter(rounded, -np.inf).astype(long)) / 2
        high = (as_long + np.nextafter(rounded, np.inf).astype(long)) / 2
        # Summing n positive values in any order errs by less than n - 1 rounding units
        # (half an epsilon each) of the sum; one more for the rounding of sums -+ bound.
        bound = sums * ((sizes + 1).astype(long) * (np.finfo(long).eps / 2))
        unsure = np.flatnonzero((sums - bound <= low) | (sums + bound >= high))
    else:
        rounded = np.zeros(len(sizes), np.float64)
        unsure = np.arange(len(sizes), dtype=np.int64)
    if len(unsure):  # (only their values made Python floats)
        some = sizes[unsure]
        ends = np.cumsum(some)
        at = np.repeat(starts[unsure] - (ends - some), some) + np.arange(ends[-1], dtype=np.int64)
        listed = values[at].tolist()
        parts = map(slice, (ends - some).tolist(), ends.tolist())
        rounded[unsure] = list(map(math.fsum, map(listed.__getitem__, parts)))
    return rounded


class TitleFilter:
    """Rules out, for most pairs of articles, that their titles (sets of words) are alike:
    that they share ``share`` of their words or more (Jaccard), with three words or more
    each. Each title's words hashed to one of 64 bits: a word of one title whose bit the
    other's lacks is not in the other, so the words two titles share are at most the
    words of either less the bits only it has."""

    def __init__(self, titles: Sequence[frozenset[str]], share: float) -> None:
        self.sizes = _ints(map(len, titles), len(titles))
        words = _ints(map(hash, chain.from_iterable(titles)), int(self.sizes.sum()))
        bits = np.left_shift(np.uint64(1), (words & 63).astype(np.uint64))
        ends = np.cumsum(self.sizes)
        self.bits = np.zeros(len(titles), np.uint64)
        full = np.flatnonzero(self.sizes)
        if len(full):
            self.bits[full] = np.bitwise_or.reduceat(bits, (ends - self.sizes)[full])
        # shared / (a + b - shared) >= share <=> shared >= (a + b) * share / (1 + share):
        # a little less, for the rounding of the floats
        self.least = share / (1.0 + share) * (1.0 - 1e-9)

    def may_be_alike(self, first: Ints, second: Ints) -> npt.NDArray[np.bool_]:
        """For each pair (first[k], second[k]), False where their titles are not alike."""
        size_a, size_b = self.sizes[first], self.sizes[second]
        bits_a, bits_b = self.bits[first], self.bits[second]
        shared = np.minimum(
            size_a - _bit_count(bits_a & ~bits_b), size_b - _bit_count(bits_b & ~bits_a)
        )
        alike: npt.NDArray[np.bool_] = shared >= (size_a + size_b) * self.least
        return alike & (size_a >= 3) & (size_b >= 3)


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], np.int64)


def _bit_count(values: npt.NDArray[np.uint64]) -> Ints:
    """The set bits of each value."""
    count = getattr(np, "bitwise_count", None)  # (numpy 2)
    found: Ints
    if count is not None:
        found = count(values).astype(np.int64)
    else:
        found = _BYTE_BITS[values.view(np.uint8)].reshape(-1, 8).sum(axis=1)
    return found
