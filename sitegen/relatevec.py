"""Posting lists, weights and vectors of every article of a full relate at once, on numpy
arrays.

The same values as ``RelateState._vectors`` gives one article at a time (the incremental
path still uses it), to the last bit: each weight is the same product of the same two
floats, each norm the same left-to-right sum of the same squares
(the sum Python's ``sum`` of floats makes before 3.12; later versions sum more precisely,
so there the norms are summed by ``sum`` itself), its square root and quotients the same
IEEE operations. Building a dict per article and sorting its words one article at a time is
most of what a full relate spends before it counts candidates; here it is a few sorts of
all the site's words together.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

# Python's sum of floats adds left to right up to 3.11; from 3.12 it compensates rounding.
_PLAIN_SUM = sys.version_info < (3, 12)


@dataclass
class SiteVectors:
    """What site_vectors makes: per article (lists by id) and for the whole site."""

    topic_vec: list[dict[str, float]]
    term_vec: list[dict[str, float]]  # strongest first
    postings: dict[str, list[int]]  # key -> ids in order, keys in order of first use
    idf: dict[str, float]
    lengths: Ints  # each posting list's length, in the order of postings
    members: Ints  # the posting lists one after the other
    # The vectors one after the other: sizes, key ids (places in postings) and values of
    # the topic vectors, then the same of the word vectors.
    flat: tuple[Ints, Ints, Floats, Ints, Ints, Floats]


def site_vectors(
    topic_keys: Sequence[list[str]],
    counts: Sequence[dict[str, int]],
    idf_of: Callable[[int], float],
    tf_of: Callable[[int], float],
    max_terms: int,
) -> SiteVectors:
    """From article i's word counts (``counts[i]``, keys in text order) and topic keys, the
    posting list of every topic and word key, each key's weight ``idf_of(posting list
    length)``, and each article's unit vectors: its topics weighted by IDF (in the order of
    ``topic_keys[i]``), and its ``max_terms`` strongest words by ``tf_of(count) * idf``
    (equal weights in text order)."""
    n = len(counts)
    c_len, p_len = _lengths(counts), _lengths(topic_keys)
    # Keys numbered in order of first use, article by article (its topics, then its words):
    # the order of the posting lists. Numbered in one pass, then told apart.
    numbers = _Numbers()
    held = _ints(
        map(numbers.__getitem__, chain.from_iterable(map(chain, topic_keys, counts))),
        int(c_len.sum() + p_len.sum()),
    )
    names = list(numbers)
    del numbers
    is_topic = np.repeat(np.tile(np.array([True, False]), n), np.stack((p_len, c_len), 1).ravel())
    p_ids, c_key = held[is_topic], held[~is_topic]
    del held, is_topic
    count = _ints(chain.from_iterable(map(dict.values, counts)), len(c_key))
    c_article = _owners(c_len)
    # Posting lists: the articles holding each key (a topic or a word), in order.
    held = np.concatenate((p_ids, c_key))
    members = np.sort((held << _bits(n)) | np.concatenate((_owners(p_len), c_article)))
    members &= (1 << _bits(n)) - 1
    lengths = np.bincount(held, minlength=len(names))
    del held, c_article
    df_list = lengths.tolist()
    dfs = sorted(set(df_list))
    idf_of_df = dict(zip(dfs, map(idf_of, dfs), strict=True))
    idf_list = list(map(idf_of_df.__getitem__, df_list))
    idf_arr = np.array(idf_list, np.float64)
    # Word weights: each article's strongest first, ties in text order, the first max_terms.
    tf_arr = np.array([tf_of(c) for c in range(int(count.max(initial=0)) + 1)], np.float64)
    # A weight is tf(count) * idf(df): ranked on a table of the (count, df) pairs.
    table = tf_arr[:, None] * np.array(list(map(idf_of_df.__getitem__, dfs)), np.float64)
    distinct, table_rank = np.unique(-table, return_inverse=True)
    df_class = np.searchsorted(np.array(dfs, np.int64), lengths)
    rank = table_rank.reshape(table.shape)[count, df_class[c_key]]
    top = _strongest(c_len, rank, len(distinct), max_terms)
    del rank
    w_key, w_len = c_key[top], np.minimum(c_len, max_terms)
    w_value = tf_arr[count[top]] * idf_arr[w_key]
    w_value /= _norms(w_value, w_len, max_terms)
    p_value = idf_arr[p_ids]
    p_value /= _norms(p_value, p_len, int(p_len.max(initial=0)))
    del top, tf_arr, idf_arr, c_key, count
    key_names = names.__getitem__
    topic_vec = _dicts(map(key_names, p_ids.tolist()), p_value.tolist(), p_len)
    term_vec = _dicts(map(key_names, w_key.tolist()), w_value.tolist(), w_len)
    # the posting lists share one int object per article id, as lists of ids made in Python
    ids = np.array(range(n), object)[members].tolist()
    postings = dict(zip(names, _slices(ids, lengths), strict=True))
    del ids
    idf = dict(zip(names, idf_list, strict=True))
    flat = (p_len, p_ids, p_value, w_len, w_key, w_value)
    return SiteVectors(topic_vec, term_vec, postings, idf, lengths, members, flat)


class _Numbers(dict[str, int]):
    """key -> its number: the keys numbered in the order they are first asked for."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number


def _strongest(sizes: Ints, rank: Ints, ranks: int, limit: int) -> Ints:
    """The entries (``sizes[i]`` of article i, one after the other) of each article's
    ``limit`` lowest ``rank``, lowest first, ties in entry order."""
    a_bits, r_bits, i_bits = _bits(len(sizes)), _bits(ranks), _bits(len(rank))
    if a_bits + r_bits + i_bits > 63:
        raise OverflowError("too many words to pack")
    order = np.sort(
        (((_owners(sizes) << r_bits) | rank) << i_bits) | np.arange(len(rank), dtype=np.int64)
    )
    order &= (1 << i_bits) - 1
    return order[_within(sizes) < limit]


@contextmanager
def small_pages() -> Iterator[None]:
    """Inside, numpy does not ask the kernel for huge pages for its large arrays: relating a
    large site makes many short-lived arrays, and where the kernel gives huge pages on
    request (madvise), faulting them in cost more system time than the arrays' work (2 s
    of 8 at 30,000 articles on the benchmark machine)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)  # numpy 2 renamed it
    setting = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setting is None:
        yield
        return
    before = setting(False)
    try:
        yield
    finally:
        setting(before)


def _norms(values: Floats, sizes: Ints, width: int) -> Floats:
    """Per value, the L2 norm of its article's values (``sizes[i]`` values of article i, in
    order), summed as ``math.sqrt(sum(map(mul, values, values)))`` sums them."""
    squares = values * values
    n = len(sizes)
    if not _PLAIN_SUM:
        listed = squares.tolist()
        sums = np.array([sum(part) for part in _slices(listed, sizes)], np.float64)
    else:
        # one column per place: sum column after column, as sum() adds left to right
        grid = np.zeros((n, max(1, width)), np.float64)
        grid[_owners(sizes), _within(sizes)] = squares
        sums = grid[:, 0].copy()
        for column in range(1, width):
            sums += grid[:, column]
    norms: Floats = np.sqrt(sums)
    return np.repeat(norms, sizes)


def _dicts(keys: Iterable[str], values: list[Any], sizes: Ints) -> list[dict[str, Any]]:
    pairs = zip(keys, values, strict=True)  # consumed in part: never exhausted
    return [dict(islice(pairs, size)) for size in sizes.tolist()]


def _slices(values: list[int], sizes: Ints) -> Iterator[list[int]]:
    it = iter(values)
    return (list(islice(it, size)) for size in sizes.tolist())


def _lengths(lists: Sequence[Sized]) -> Ints:
    return np.fromiter(map(len, lists), np.int64, len(lists))


def _owners(sizes: Ints) -> Ints:
    """Each entry's article: sizes[i] entries of article i, one after the other."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _within(sizes: Ints) -> Ints:
    """Each entry's place among its article's entries."""
    starts = np.zeros(len(sizes), np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes)


def _bits(count: int) -> int:
    """Bits enough for the numbers 0..count-1."""
    return max(1, count - 1).bit_length()


def _ints(values: Iterable[int], count: int) -> Ints:
    return np.fromiter(values, np.int64, count)
