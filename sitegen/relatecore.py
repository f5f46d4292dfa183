"""relate's inner loops (finding and scoring candidates) as plain typed loops over ints and
floats, for mypyc: an install with a C compiler compiles this file (see hatch_build.py) and
relate uses it; without one, relate keeps its own pure-Python code, which is faster than
these loops run by the interpreter. Both give the same numbers: the same products summed
the same way (two at most by +, more by math.fsum, whose result does not depend on order).
"""

from __future__ import annotations

import math
from typing import Final

TIME_WEIGHT: Final = 0.4
UNDATED_RECENCY: Final = 0.5
EXPLICIT_BONUS: Final = 0.5
STORY_TITLE_JACCARD: Final = 0.6
_DAY: Final = 86400.0
_DECAY: Final = math.log(2.0) / (14.0 * _DAY)
_STORY_SECONDS: Final = 7.0 * _DAY

# Per vocabulary id: how many query keys of the article at hand hold it (zero between calls).
_tally: list[int] = []


def sorted_vector(
    vector: dict[str, float], key_id: dict[str, int]
) -> tuple[list[int], list[float]]:
    """A vector as (key ids ascending, values), new keys numbered in key_id."""
    pairs: list[tuple[int, float]] = []
    for key, value in vector.items():
        kid = key_id.get(key, -1)
        if kid < 0:
            kid = len(key_id)
            key_id[key] = kid
        pairs.append((kid, value))
    pairs.sort()
    return [p[0] for p in pairs], [p[1] for p in pairs]


def candidates(
    i: int,
    query: list[str],
    postings: dict[str, list[int]],
    pos: list[int],
    n_ids: int,
    window: int,
    limit: int,
) -> list[int]:
    """relate's _candidates: the ids met most often in article i's query posting lists (a
    long list only near i's position), ties first met first; ``limit`` at most."""
    tally = _tally
    while len(tally) < n_ids:
        tally.append(0)
    seen: list[int] = []
    half = window // 2
    at_i = pos[i]
    for key in query:
        members = postings[key]
        size = len(members)
        start = 0
        stop = size
        if size > window:  # bisect_left by position
            lo = 0
            hi = size
            while lo < hi:
                mid = (lo + hi) // 2
                if pos[members[mid]] < at_i:
                    lo = mid + 1
                else:
                    hi = mid
            start = lo - half if lo > half else 0
            stop = lo + half + 1 if lo + half + 1 < size else size
        for k in range(start, stop):
            j = members[k]
            c = tally[j]
            if c == 0:
                seen.append(j)
            tally[j] = c + 1
    top = 1
    multi: list[int] = []
    for j in seen:
        if j != i:
            c = tally[j]
            if c > 1:
                multi.append(j)
                if c > top:
                    top = c
    best: list[int] = []
    c = top
    while c > 1 and len(best) < limit:
        for j in multi:
            if tally[j] == c:
                best.append(j)
        c -= 1
    if len(best) >= limit:
        del best[limit:]
    else:
        for j in seen:
            if j != i and tally[j] == 1:
                best.append(j)
                if len(best) >= limit:
                    break
    for j in seen:
        tally[j] = 0
    return best


def scores(
    i: int,
    cands: list[int],
    in_order: bool,
    old: dict[int, float],
    old_dups: set[int],
    linked: set[int],
    cids: list[list[int]],
    cvals: list[list[float]],
    times: list[float | None],
    titles: list[frozenset[str]],
    their_cands: list[list[int]],
    their_scores: list[list[float]],
    their_dups: list[list[int]],
) -> tuple[list[float], list[int]]:
    """relate's _score loop: the score of each candidate without the story bonus, and the
    near-duplicates among them."""
    out: list[float] = []
    dups: list[int] = []
    ka = cids[i]
    va = cvals[i]
    la = len(ka)
    time_a = times[i]
    title_a = titles[i]
    size_a = len(title_a)
    long_title = size_a >= 3
    products: list[float] = []
    for j in cands:
        if old and j in old:
            out.append(old[j])
            if j in old_dups:
                dups.append(j)
            continue
        if in_order and j < i:
            theirs = their_cands[j]
            if i in theirs:
                out.append(their_scores[j][theirs.index(i)])
                if i in their_dups[j]:
                    dups.append(j)
                continue
        kb = cids[j]
        vb = cvals[j]
        lb = len(kb)
        x = 0
        y = 0
        n = 0
        first = 0.0
        second = 0.0
        while x < la and y < lb:
            u = ka[x]
            w = kb[y]
            if u == w:
                p = va[x] * vb[y]
                if n == 0:
                    first = p
                elif n == 1:
                    second = p
                else:
                    if n == 2:
                        products.clear()
                        products.append(first)
                        products.append(second)
                    products.append(p)
                n += 1
                x += 1
                y += 1
            elif u < w:
                x += 1
            else:
                y += 1
        if n == 0:
            relevance = 0.0
        elif n == 1:
            relevance = first
        elif n == 2:
            relevance = first + second
        else:
            relevance = math.fsum(products)
        time_b = times[j]
        if time_a is None or time_b is None:
            score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * UNDATED_RECENCY)
        else:
            seconds = abs(time_a - time_b)
            score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * math.exp(-seconds * _DECAY))
            if seconds <= _STORY_SECONDS and long_title:
                title_b = titles[j]
                size_b = len(title_b)
                if size_b >= 3:
                    shared = len(title_a & title_b)
                    if shared / (size_a + size_b - shared) >= STORY_TITLE_JACCARD:
                        dups.append(j)
        if j in linked:
            score += EXPLICIT_BONUS
        out.append(score)
    return out, dups
