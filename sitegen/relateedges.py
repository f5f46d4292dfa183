"""The edges of every article of a full relate at once.

The same Edge objects, scores and reasons as ``RelateState._edges`` makes one article at a
time (the incremental path still uses that). On a large site most edges' reasons are only
"shared topics: ..." and "published the same day": here those come from numpy arrays (the
topic reason once per pair of topic sets, not once per edge), as do same story and links,
and equal reason tuples are one shared tuple; similar words are looked for edge by edge as
there, where the scoring's hint does not rule them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress
from operator import neg
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sitegen.model import Edge, Slug, made_edges

if TYPE_CHECKING:
    from sitegen.relate import RelateState

Best = list[tuple[float, Slug, int]]  # (-score, slug, id), best first


@dataclass
class BestColumns:
    """The best lists of a range of articles as columns: each one's size, then the targets
    (ids) and scores of all, one list after the other."""

    sizes: list[int]
    targets: list[int]
    scores: list[float]


Ints = npt.NDArray[np.int64]
# The edges of a range of articles in parts: where each article's start (and the end), then
# each edge's target (an id), score and reasons. (Small to send from another process.)
EdgeParts = tuple[list[int], list[int], list[float], list[tuple[str, ...]]]


class EdgeMaker:
    """Makes the edges of a full relate, a range of articles at a time (the arrays of a few
    thousand articles' edges are small; those of all at once would add to relate's peak)."""

    def __init__(self, state: RelateState) -> None:
        self.state = state
        self.stories_known()
        # NaN: undated, never the same day
        self.times = np.array([np.nan if t is None else t for t in state.time], np.float64)
        # Each article's topic set; each set's topics strongest first (the order in which
        # shared topics are named), as topic numbers, one set after the other.
        set_id: dict[tuple[str, ...], int] = {}
        ids = [set_id.setdefault(tuple(keys), len(set_id)) for keys in state.topic_keys]
        self.sets = np.array(ids, np.int64)
        example = np.unique(self.sets, return_index=True)[1].tolist()  # an article of each
        orders = [state._topic_order(i) for i in example]
        topic_of: dict[str, int] = {}
        numbers = [topic_of.setdefault(t, len(topic_of)) for t in chain.from_iterable(orders)]
        self.topics = len(topic_of) + 1  # topic numbers 1.., 0 for none
        self.set_len = _ints(map(len, orders), len(orders))
        self.set_start = np.zeros(len(orders) + 1, np.int64)
        np.cumsum(self.set_len, out=self.set_start[1:])
        self.set_topic = np.array(numbers, np.int64) + 1
        self.set_rank = _within(self.set_len)
        # three topic numbers -> "shared topics: ..." (the first three shared are named)
        labels = [state.topic_labels[t] for t in topic_of]
        self.topic_reason = _Named(labels, self.topics)
        self.tuples = _Tuples()
        # Every explicit link, as source * n + target, sorted.
        n = len(state.time)
        links = [i * n + j for i, targets in state.explicit.items() for j in targets]
        self.explicit = np.unique(np.array(links, np.int64))

    def stories_known(self) -> None:
        """Take in the state's stories (a full relate makes them after the edges of the
        articles in none)."""
        state = self.state
        n = len(state.story)
        # Story: its earliest member (all members share one story tuple).
        self.root = np.full(n, -1, np.int64)
        for i in state.in_story:
            members = state.story[i]
            if members is not None:
                self.root[i] = members[0]

    def edges(self, ids: Sequence[int], bests: list[Best]) -> list[tuple[Edge, ...]]:
        """Per article i of ``ids``, the edges ``state._edges(i, best)`` makes (``()`` for
        none); ``bests``: the articles' best lists, in the order of ``ids``."""
        return made_from_parts(self.parts(ids, bests), self.state.slug)

    def parts(self, ids: Sequence[int], bests: list[Best]) -> EdgeParts:
        """The edges of articles ``ids`` (as ``edges``) in parts."""
        flat = list(chain.from_iterable(bests))
        if not flat:
            return self.parts_of(ids, BestColumns(list(map(len, bests)), [], []))
        neg_scores, _, targets = zip(*flat, strict=True)
        return self.parts_of(
            ids, BestColumns(list(map(len, bests)), list(targets), list(map(neg, neg_scores)))
        )

    def parts_of(self, ids: Sequence[int], best: BestColumns) -> EdgeParts:
        """``parts``, from the best lists as columns."""
        from sitegen.relate import _DAY, _words_reason

        state = self.state
        sizes, dst_list = best.sizes, best.targets
        starts = [0, *accumulate(sizes)]
        if not dst_list:
            return starts, [], [], []
        src = np.repeat(_ints(ids, len(ids)), sizes)
        dst = np.array(dst_list, np.int64)
        root, times = self.root, self.times
        same_story = ((root[src] >= 0) & (root[src] == root[dst])).tolist()
        same_day = (np.abs(times[src] - times[dst]) < _DAY).tolist()
        topic_reason = self._topic_reasons(src, dst)
        # Links: either article lists the other (pairs as source * n + target).
        n = len(times)
        by_source = among(src * n + dst, self.explicit)
        to_this = among(dst * n + src, self.explicit) & ~by_source
        links = list(map(_LINK_REASONS.__getitem__, (by_source + 2 * to_this).tolist()))
        # Similar words, edge by edge, where the hint does not rule them out (as _edges
        # decides): not for the common article, with an empty hint and in no story.
        words: list[str | None] = [None] * len(dst_list)
        story, hints, cands, term_vec = state.story, state._hint, state.cands, state.term_vec
        check = (
            [m for m, i in enumerate(ids) if hints[i] is None or hints[i] or story[i] is not None]
            if hints is not None
            else range(len(ids))
        )
        for m in check:
            i = ids[m]
            maybe = hints[i] if hints is not None else None
            in_story = story[i] is not None
            a = term_vec[i]
            a_keys = frozenset(a)
            for k in range(starts[m], starts[m + 1]):
                j = dst_list[k]
                if (maybe is None or j in maybe or (in_story and j not in cands[i])) and (
                    reason := _words_reason(a_keys, a, term_vec[j])
                ):
                    words[k] = reason
        # One reason tuple for each (story, topics, link, day), shared; those with similar
        # words (their own words) each their own.
        kinds = zip(same_story, topic_reason, links, same_day, strict=True)
        reasons = list(map(self.tuples.__getitem__, kinds))
        for k in compress(range(len(words)), words):
            reasons[k] = _reasons(same_story[k], topic_reason[k], links[k], words[k], same_day[k])
        return starts, dst_list, best.scores, reasons

    def _topic_reasons(self, src: Ints, dst: Ints) -> list[str | None]:
        """Each edge's "shared topics: ..." reason (None for none): the topics of the
        source's set that the target's set has too, in the source's order, first three."""
        edges = len(src)
        # every topic of both articles' sets, as (edge, topic): a shared one comes twice
        set_a, set_b = self.sets[src], self.sets[dst]
        len_a, len_b = self.set_len[set_a], self.set_len[set_b]
        at_a = np.repeat(self.set_start[set_a] - _starts(len_a), len_a) + np.arange(
            int(len_a.sum()), dtype=np.int64
        )
        at_b = np.repeat(self.set_start[set_b] - _starts(len_b), len_b) + np.arange(
            int(len_b.sum()), dtype=np.int64
        )
        topics = self.topics
        code_a = np.repeat(np.arange(edges, dtype=np.int64), len_a) * topics + self.set_topic[at_a]
        code_b = np.repeat(np.arange(edges, dtype=np.int64), len_b) * topics + self.set_topic[at_b]
        both = np.sort(np.concatenate((code_a, code_b)))
        shared = both[np.flatnonzero(both[1:] == both[:-1])]
        # their places in the source's order: (edge, rank) sorted, first three of each edge
        order = np.argsort(code_a)
        rank = self.set_rank[at_a][order][np.searchsorted(code_a[order], shared)]
        edge, topic = shared // topics, shared % topics
        ranked = np.argsort(edge * topics + rank)
        edge, topic = edge[ranked], topic[ranked]
        place = _within(np.bincount(edge, minlength=edges))
        named = place < 3
        weight = topics ** (2 - place[named])
        code = np.bincount(edge[named], topic[named] * weight, edges).astype(np.int64)
        return list(map(self.topic_reason.__getitem__, code.tolist()))


def made_from_parts(parts: EdgeParts, slug: list[Slug]) -> list[tuple[Edge, ...]]:
    """The edges of each article of a range, from their parts (``slug``: by id)."""
    starts, targets, scores, reasons = parts
    if not targets:
        return [()] * (len(starts) - 1)
    edges = made_edges(len(targets), map(slug.__getitem__, targets), scores, reasons)
    return list(map(tuple, map(edges.__getitem__, map(slice, starts, starts[1:]))))


class _Named(dict[int, str | None]):
    """Up to three topic numbers (base ``topics``, 0 for none) -> "shared topics: ..."."""

    def __init__(self, labels: list[str], topics: int) -> None:
        super().__init__()
        self.labels, self.topics = labels, topics

    def __missing__(self, code: int) -> str | None:
        named = []
        rest = code
        for _ in range(3):  # the last named first
            rest, topic = divmod(rest, self.topics)
            if topic:
                named.append(self.labels[topic - 1])
        value = self[code] = "shared topics: " + ", ".join(reversed(named)) if named else None
        return value


def among(values: Ints, known: Ints) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` is one of ``known`` (sorted). (np.isin, for values spread
    over a wide range, as pairs of ids are, can take a table as large as that range.)"""
    if not len(known):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(known, values), len(known) - 1)
    found: npt.NDArray[np.bool_] = known[at] == values
    return found


def _ints(values: Iterable[int], count: int) -> Ints:
    return np.fromiter(values, np.int64, count)


def _starts(sizes: Ints) -> Ints:
    starts = np.zeros(len(sizes), np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return starts


def _within(sizes: Ints) -> Ints:
    """Each entry's place among its group's entries (``sizes[g]`` entries of group g)."""
    return np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(_starts(sizes), sizes)


_Kind = tuple[bool, str | None, str | None, bool]
# An edge's link reason: by (the source lists the target) + 2 * (the target lists the source)
_LINK_REASONS = (None, "linked by the source", "links to this article")


class _Tuples(dict[_Kind, tuple[str, ...]]):
    """(same story, topics reason, link reason, same day) -> the reasons: one tuple shared
    by many edges."""

    def __missing__(self, kind: _Kind) -> tuple[str, ...]:
        value = self[kind] = _reasons(kind[0], kind[1], kind[2], None, kind[3])
        return value


def _reasons(
    story: bool, topics: str | None, link: str | None, words: str | None, day: bool
) -> tuple[str, ...]:
    """An edge's reasons, in the order _edges gives them."""
    found = ["same story"] if story else []
    found += [reason for reason in (link, topics, words) if reason]
    if day:
        found.append("published the same day")
    return tuple(found)
