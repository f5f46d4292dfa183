"""The index of the last build, saved in the build cache by the places of its articles in
the list build_index was given, so that the next ``sitegen build`` (another process) makes
it from that record and the articles an edit changed instead of gathering 10,000 articles
again (~0.1 s of every CLI edit at 10,000 articles).

A record is used only when it says exactly what build_index would make: the same files in
the same order with the same content hashes (checked by one hash of them all, ``inputs``),
except the few edited ones, each of which keeps its date and provider; no slug of the site
suffixed, before or after the edit; and a topics edit that shows no other article's topic
under another spelling. Anything else makes the index in full (and a new record).
tests/unit/test_index_record.py compares the two.
"""

from __future__ import annotations

import hashlib
from bisect import insort
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, compress, repeat
from operator import attrgetter, is_not
from typing import Any

from sitegen.indexpatch import most_used, newest_key
from sitegen.model import Article, Listing, Provider, SiteIndex, Slug, Topic, made
from sitegen.slugs import merge_key, slugify

MAX_EDITED = 16  # more edited articles than this: the index is made in full
_NO_DATE = datetime.min.replace(tzinfo=UTC)
_SLUG = attrgetter("slug")
_TOPICS = attrgetter("topics")
_PROVIDER = attrgetter("provider")


@dataclass
class IndexRecord:
    """What build_index made of a list of articles, by their places in that list."""

    inputs: str  # inputs_hash of the articles' paths and content hashes, in order
    order: list[int]  # the place of each index article in the list, in index order
    # Places of the articles the index shows with other topics (merged spellings): those.
    merged: dict[int, tuple[Topic, ...]]
    # Per topic and provider: its name and the ranks (places in ``order``) of its articles,
    # by slug; and how often each spelling of its name is held (the name: the most used).
    topics: dict[Slug, tuple[str, list[int]]]
    topic_names: dict[Slug, dict[str, int]]
    providers: dict[Slug, tuple[str, list[int]]]
    # Merge key -> how often each spelling of it is held (the topics as written).
    spellings: dict[str, dict[str, int]]


def inputs_hash(keys: Iterable[str], digests: Iterable[str]) -> str:
    """One hash of the articles' paths and content hashes, in order."""
    return digests_hash(keys_hash(keys), digests)


def keys_hash(keys: Iterable[str]) -> Any:
    """The first half of inputs_hash (the same paths, with other hashes: see digests_hash)."""
    text = "\x00".join(keys) + "\x01"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)


def digests_hash(keys: Any, digests: Iterable[str]) -> str:
    """inputs_hash, from the keys_hash of the paths."""
    made = keys.copy()
    made.update("\x00".join(digests).encode("ascii"))
    return str(made.hexdigest())


def record_of(
    inputs: str,
    articles: Sequence[Article],
    unique: Sequence[Article],
    index: SiteIndex,
    spellings: dict[str, Counter[str]],
    topic_names: dict[Slug, Counter[str]],
) -> IndexRecord | None:
    """The record of a full build_index of ``articles`` (``unique``: the index's article of
    each; ``topic_names``: how often each topic's names are held); None when a slug was
    suffixed (or two articles share one): not recorded. (Made in C but for the articles
    the index changed: 10,000 articles in a cold build.)"""
    if len(index.by_slug) != len(articles):
        return None
    merged: dict[int, tuple[Topic, ...]] = {}
    for at in compress(range(len(articles)), map(is_not, unique, articles)):
        if unique[at].slug != articles[at].slug:
            return None
        merged[at] = unique[at].topics
    place = dict(zip(map(id, unique), range(len(unique)), strict=True))
    ordered = index.articles
    providers: list[tuple[Provider, ...]] = [(p,) if p else () for p in map(_PROVIDER, ordered)]
    return IndexRecord(
        inputs=inputs,
        order=list(map(place.__getitem__, map(id, ordered))),
        merged=merged,
        topics=_ranked(index.topics, list(map(_TOPICS, ordered))),
        topic_names={slug: dict(counts) for slug, counts in topic_names.items()},
        providers=_ranked(index.providers, providers),
        spellings={key: dict(counts) for key, counts in spellings.items()},
    )


def _ranked(
    listings: dict[Slug, Listing], keys: Sequence[tuple[Topic | Provider, ...]]
) -> dict[Slug, tuple[str, list[int]]]:
    """Each listing's name and the ranks of its articles (``keys``: the topics or provider
    of the article at each rank), gathered as index._group gathers the articles: in C."""
    held = chain.from_iterable(keys)
    ranks = chain.from_iterable(map(repeat, range(len(keys)), map(len, keys)))
    members: dict[Slug, list[int]] = defaultdict(list)
    deque(map(list.append, map(members.__getitem__, map(_SLUG, held)), ranks), maxlen=0)
    return {slug: (x.name, members[slug]) for slug, x in listings.items()}


def index_of(record: IndexRecord, articles: Sequence[Article]) -> SiteIndex:
    """The index the record says ``articles`` make."""
    unique = list(articles)
    for at, topics in record.merged.items():
        unique[at] = _with_topics(articles[at], topics)
    ordered = list(map(unique.__getitem__, record.order))
    shown = ordered.__getitem__
    return SiteIndex(
        articles=tuple(ordered),
        by_slug=dict(zip(map(_SLUG, ordered), ordered, strict=True)),
        topics=_listings(record.topics, shown),
        providers=_listings(record.providers, shown),
    )


def _listings(
    listed: dict[Slug, tuple[str, list[int]]], shown: Callable[[int], Article]
) -> dict[Slug, Listing]:
    # (Made without the frozen dataclass's __init__: ~700 of them after every edit.)
    return {
        slug: made(Listing, {"slug": slug, "name": name, "articles": tuple(map(shown, ranks))})
        for slug, (name, ranks) in listed.items()
    }


def _with_topics(a: Article, topics: tuple[Topic, ...]) -> Article:
    """``a`` with the merged topics the index shows (equal to build_index's copy, made
    without copy.copy's reduction: ~500 articles of 10,000 after every edit)."""
    fields = vars(a).copy()
    fields["topics"] = topics
    return made(Article, fields)


def patched(
    record: IndexRecord, articles: Sequence[Article], edited: list[tuple[int, Article]]
) -> IndexRecord | None:
    """The record of ``articles``, from the record of the same list before the edits:
    ``edited`` holds the place and the former version of each article changed since. None
    when the index must be made in full. (``record`` is left as it was.)"""
    if len(edited) > MAX_EDITED:
        return None
    merged = dict(record.merged)
    topics = dict(record.topics)
    topic_names = {slug: record.topic_names[slug] for slug in record.topic_names}
    spellings = dict(record.spellings)
    slugs_changed = False
    retopiced: list[tuple[int, Article]] = []  # the edited articles whose topics changed
    for at, old in edited:
        new = articles[at]
        if new.published != old.published or new.provider != old.provider:
            return None  # (another place in the order, or in the providers' listings)
        if new.slug != old.slug:
            if new.published is None or new.published == _NO_DATE:
                return None  # (placed among the undated by rules of their own)
            slugs_changed = True
        if new.topics != old.topics:
            retopiced.append((at, old))
    # Each spelling counted with the edits, all of them: a spelling that became (or
    # stopped being) the most used of its merge key renames a topic other articles hold.
    keys: set[str] = set()
    for at, old in retopiced:
        for t in old.topics:
            _count(spellings, merge_key(t.name), t.name, -1)
        for t in articles[at].topics:
            _count(spellings, merge_key(t.name), t.name, 1)
        keys.update(merge_key(t.name) for t in (*old.topics, *articles[at].topics))
    for key in keys:
        was, now = record.spellings.get(key), spellings.get(key)
        if was and now and most_used(Counter(was)) != most_used(Counter(now)):
            return None
    for at, old in retopiced:
        new = articles[at]
        before = merged.get(at, old.topics)
        shown = tuple(_shown(spellings, t) for t in new.topics)
        if shown == new.topics:
            merged.pop(at, None)
        else:
            merged[at] = shown
        rank = _rank_of(record.order, at)
        for t in before:
            _relist(topics, topic_names, t, rank, -1)
        for t in shown:
            _relist(topics, topic_names, t, rank, 1)
    if list(topics) != list(record.topics):  # (a topic came or went, or both)
        topics = {slug: topics[slug] for slug in sorted(topics)}
    out = IndexRecord(
        record.inputs,
        record.order,
        merged,
        topics,
        topic_names,
        record.providers,
        spellings,
    )
    if slugs_changed and not _still_ordered(out, articles, [at for at, _ in edited]):
        return None
    return out


def _count(spellings: dict[str, dict[str, int]], key: str, name: str, sign: int) -> None:
    counts = dict(spellings.get(key, {}))  # (a copy: the record's is left as it was)
    counts[name] = counts.get(name, 0) + sign
    if not counts[name]:
        del counts[name]
    if counts:
        spellings[key] = counts
    else:
        spellings.pop(key, None)


def _shown(spellings: dict[str, dict[str, int]], topic: Topic) -> Topic:
    """The topic as the index shows it: its merge key's most used spelling."""
    name = most_used(Counter(spellings[merge_key(topic.name)]))
    slug = slugify(name)
    return topic if name == topic.name and topic.slug == slug else Topic(name, slug)


def reused(
    record: IndexRecord, articles: Sequence[Article], edited: list[tuple[int, Article]]
) -> tuple[SiteIndex, IndexRecord] | None:
    """The index of ``articles`` and its record, from the record of the same list before
    the edits (see patched); None when the index must be made in full."""
    now = patched(record, articles, edited) if edited else record
    if now is None:
        return None
    index = index_of(now, articles)
    if len(index.by_slug) != len(articles):
        return None  # an edited article took another's slug: suffixed by a full index
    return index, now


def _rank_of(order: list[int], at: int) -> int:
    return order.index(at)


def _relist(
    topics: dict[Slug, tuple[str, list[int]]],
    names: dict[Slug, dict[str, int]],
    topic: Topic,
    rank: int,
    sign: int,
) -> None:
    """The article at ``rank`` out of (or into) the listing of ``topic``."""
    slug = topic.slug
    ranks = list(topics[slug][1]) if slug in topics else []
    counts = dict(names.get(slug, {}))
    counts[topic.name] = counts.get(topic.name, 0) + sign
    if not counts[topic.name]:
        del counts[topic.name]
    if sign < 0:
        ranks.remove(rank)
    else:
        insort(ranks, rank)
    if ranks:
        names[slug] = counts
        topics[slug] = (most_used(Counter(counts)), ranks)
    else:
        names.pop(slug, None)
        topics.pop(slug, None)


def _still_ordered(record: IndexRecord, articles: Sequence[Article], edited: list[int]) -> bool:
    """Whether the edited articles, whose slugs changed, are still in the index's order
    (newest first, ties by slug) where they were, and every slug is still distinct."""
    order = record.order
    slugs = {articles[at].slug for at in edited}
    if len(slugs) != len(edited):
        return False
    for at in edited:
        rank = _rank_of(order, at)
        key = newest_key(articles[at])
        if rank > 0 and not newest_key(articles[order[rank - 1]]) < key:
            return False
        if rank + 1 < len(order) and not key < newest_key(articles[order[rank + 1]]):
            return False
    return True
