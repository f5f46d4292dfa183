"""Stage 3: gather normalized articles into the SiteIndex: unique slugs, topics, providers."""

from __future__ import annotations

import operator
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain, compress, repeat
from operator import attrgetter

from sitegen.indexpatch import Made, patch
from sitegen.model import Article, Listing, Provider, SiteIndex, Slug, Topic
from sitegen.problems import Problem, problem
from sitegen.slugs import assign_unique, merge_key, slugify

_NO_DATE = datetime.min.replace(tzinfo=UTC)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest first; undated articles last; ties broken by slug so the order never varies."""
    # Sorted by keys taken in C, the dated apart from the undated (None does not compare):
    # 10,000 articles after every edit. (Both sorts are stable: equal dates keep slug order.)
    ordered = sorted(articles, key=_SLUG)
    dated = list(map(operator.is_not, map(_PUBLISHED, ordered), repeat(None)))
    newest = sorted(compress(ordered, dated), key=_PUBLISHED, reverse=True)
    if newest and newest[-1].published == _NO_DATE:  # dated as the undated sort: mixed
        return sorted(ordered, key=lambda a: a.published or _NO_DATE, reverse=True)
    newest.extend(compress(ordered, map(operator.not_, dated)))
    return newest


def source_key(article: Article) -> str:
    return article.source.as_posix()


@dataclass
class IndexMemo:
    """The articles the last build of this process (``serve``) made, by the article they were
    made from: an article the index gives a new slug or merged topic names is a new object,
    and later stages reuse their work for an article only when it is the very object of the
    last build (cheap to check, and kept alive here, so the same object means the same
    value). With this, an unchanged article comes out as the same object again."""

    made: dict[int, tuple[Article, Article]] = field(default_factory=dict)
    # The last index, its inputs and what it was made of, to be patched with the articles
    # that came and went (sitegen/indexpatch.py) rather than made again.
    last: Made | None = None
    # Each input article's identity (see build_index), by the very object: an unchanged
    # file's article keeps its path, so its identity is not worked out again.
    ids: dict[int, tuple[Article, str]] = field(default_factory=dict)

    def warm(self) -> None:
        """Make now what the first patch would make (serve's first build: its first edit
        would otherwise wait for it)."""
        if self.last is not None and not self.last.ready:
            self.last.prepare()


def build_index(
    articles: Iterable[Article],
    identity: Callable[[Article], str] = source_key,
    memo: IndexMemo | None = None,
    identities: Callable[[list[Article]], list[str]] | None = None,
    parts: list[tuple[list[Article], dict[str, Counter[str]], dict[Slug, Counter[str]]]]
    | None = None,
) -> tuple[SiteIndex, list[Problem]]:
    """``identity`` names an article the same way in every build (the caller passes its path
    inside the content folder); slug suffixes of equal titles are made from it. ``memo``
    (kept by the caller between builds) is updated for the next build. ``identities``: the
    identities of many articles at once, as ``identity`` gives them (faster). ``parts``
    gets the index's article of each input, the topics' spellings by merge key and how
    often each topic's names are held, when the index is made in full (for its record:
    sitegen/indexrecord.py)."""
    problems: list[Problem] = []
    articles = list(articles)
    if memo is not None and memo.last is not None:
        patched = patch(memo.last, articles, identity, partial(_reuse, memo.made))
        if patched is not None:
            return patched
        memo.last = None  # made in full below
    # Each article's identity, worked out once: the caller's may be slow (it resolves paths).
    known = memo.ids if memo is not None else {}
    keys = list(map(id, articles))
    if known:
        kept: dict[int, tuple[Article, str]] = {}
        for a in articles:
            found = known.get(id(a))
            kept[id(a)] = found if found is not None and found[0] is a else (a, identity(a))
        idents = list(map(_ITEM_1, map(kept.__getitem__, keys)))
    else:  # a new process: none known
        idents = identities(articles) if identities else list(map(identity, articles))
    if memo is not None:  # (the CLI keeps no memo: its next build is another process's)
        if not known:
            kept = dict(zip(keys, zip(articles, idents, strict=True), strict=True))
        memo.ids = kept
    slugs = _unique_slugs(articles, idents, problems)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    merged_topic: dict[str, Topic] = {}
    topics = _merge_topic_names(articles, spellings, merged_topic)
    old = memo.made if memo is not None else {}
    made: dict[int, tuple[Article, Article]] = {}
    unique = list(articles)
    # Only the articles given another slug or merged topic names are looked at one by one
    # (found in C: 10,000 articles after every edit).
    same_slug = map(operator.eq, slugs, map(_SLUG, articles))
    as_read = map(operator.and_, same_slug, map(operator.is_, topics, repeat(None)))
    for at in compress(range(len(articles)), map(operator.not_, as_read)):
        a = articles[at]
        unique[at] = _reuse(old, a, slugs[at], topics[at])
        made[id(a)] = (a, unique[at])
    ordered = newest_first(unique)
    with_provider = list(compress(ordered, map(_PROVIDER, ordered)))
    topic_names: dict[Slug, Counter[str]] = {}  # per topic, how often each name is held
    # Each one's provider as a 1-tuple, made in C.
    providers: list[tuple[Provider]] = list(zip(map(_PROVIDER, with_provider)))
    index = SiteIndex(
        articles=tuple(ordered),
        by_slug=dict(zip(map(_SLUG, ordered), ordered, strict=True)),
        topics=_group(ordered, list(map(_TOPICS, ordered)), topic_names),
        providers=_group(with_provider, providers),
    )
    if parts is not None:
        parts.append((unique, dict(spellings), topic_names))
    if memo is not None:
        memo.made = made
        # (What a patch needs is made from these at the first patch: a process that
        # builds once, the CLI, does not pay for it.)
        ids = dict(zip(keys, idents, strict=True))
        memo.last = Made(articles, ids, slugs, unique, dict(spellings), merged_topic, index)
        memo.last.problems = list(problems)
    return index, problems


def _reuse(
    old: dict[int, tuple[Article, Article]],
    a: Article,
    slug: Slug,
    merged: tuple[Topic, ...] | None,
) -> Article:
    """``a`` as the index shows it: the article made from it last time if the same."""
    hit = old.get(id(a))
    wanted = a.topics if merged is None else merged
    if hit is not None and hit[0] is a and hit[1].slug == slug and hit[1].topics == wanted:
        return hit[1]
    return _changed(a, slug, merged)


def _unique_slugs(
    articles: list[Article], idents: list[str], problems: list[Problem]
) -> list[Slug]:
    """Equal titles get distinct slugs: the oldest keeps the plain one, so a URL that is
    already published stays put when a newer article with the same title arrives.
    ``idents``: each article's identity, in the same order."""
    slugs = list(map(_SLUG, articles))
    # Every slug wanted once and every identity once (the common case, found in C): each
    # article keeps its slug, as assign_unique would give it (10,000 after every edit).
    if len(set(slugs)) == len(slugs) and len(set(idents)) == len(slugs):
        return slugs
    ident_of = dict(zip(map(id, articles), idents, strict=True))

    def identity(a: Article) -> str:
        return ident_of[id(a)]

    oldest_first = sorted(articles, key=lambda a: (a.published or _NO_DATE, identity(a)))
    given, renamed = assign_unique(oldest_first, lambda a: a.slug, identity)
    owner = {a.slug: a for a in reversed(oldest_first)}
    for article, wanted, new in renamed:
        problems.append(
            problem(
                article.source,
                article.title_line,
                "title",
                f'gives the same URL as {owner[wanted].source} ("{wanted}"); published as "{new}"',
            )
        )
    return [given[identity(a)] for a in articles]


def _changed(a: Article, slug: Slug, topics: tuple[Topic, ...] | None) -> Article:
    """``a`` with the slug and merged topics the index gave it. (A copy with those fields
    set, not dataclasses.replace, which runs __init__ with every field: ~500 articles with
    a merged topic name at 10,000, after every edit of the CLI.)"""
    changed = copy(a)
    if slug != a.slug:
        object.__setattr__(changed, "slug", slug)
    if topics is not None:
        object.__setattr__(changed, "topics", topics)
    return changed


def _merge_topic_names(
    articles: list[Article],
    spellings: dict[str, Counter[str]] | None = None,
    merged_topic: dict[str, Topic] | None = None,
) -> list[tuple[Topic, ...] | None]:
    """Topics whose names differ only in case, spacing or punctuation are one topic, shown
    under the most used spelling (ties: the first in sort order) and its slug. Per article,
    its topics so renamed, or None when they are unchanged. ``spellings`` and
    ``merged_topic`` (merge key -> spellings, -> topic) are filled in when given."""
    spellings = spellings if spellings is not None else defaultdict(Counter)
    merged_topic = merged_topic if merged_topic is not None else {}
    # Each article's topics and every topic held, gone through once (in C: 10,000 articles
    # spread over the heap, 23,000 topics, after every edit of the CLI).
    per_article = list(map(_TOPICS, articles))
    all_topics = list(chain.from_iterable(per_article))
    # Each spelling counted at once, and its merge key made once (a site has few).
    used = Counter(map(_NAME, all_topics))
    key_of = {name: merge_key(name) for name in used}
    for name, count in used.items():
        spellings.setdefault(key_of[name], Counter())[name] += count
    for key, counts in spellings.items():
        name = _most_used(counts)
        merged_topic[key] = Topic(name, slugify(name))
    shown = {name: merged_topic[key] for name, key in key_of.items()}
    # The distinct topics (equal ones read from the build cache are one object), and those
    # shown otherwise than they are: only the articles holding one of these have topics to
    # change, found without comparing 20,000 topics (10,000 articles after every edit).
    ids = list(map(id, all_topics))
    distinct = dict(zip(ids, all_topics, strict=True))
    renamed = {i for i, t in distinct.items() if shown[t.name] != t}
    merged: list[tuple[Topic, ...] | None] = [None] * len(articles)
    if renamed:  # (in C, then one by one for the few articles holding one)
        owners = chain.from_iterable(map(repeat, range(len(articles)), map(len, per_article)))
        for at in sorted(set(compress(owners, map(renamed.__contains__, ids)))):
            merged[at] = tuple([shown[t.name] for t in articles[at].topics])
    return merged


_SLUG = attrgetter("slug")
_NAME = attrgetter("name")
_TOPICS = attrgetter("topics")
_PROVIDER = attrgetter("provider")
_PUBLISHED = attrgetter("published")
_ITEM_1 = operator.itemgetter(1)


def _group(
    ordered: list[Article],
    keys: Sequence[tuple[Topic | Provider, ...]],
    names: dict[Slug, Counter[str]] | None = None,
) -> dict[Slug, Listing]:
    """The listings of the topics or providers (``keys``: each article's) of ``ordered``;
    ``names`` gets how often each listing's names are held (its name: the most used)."""
    # One (key, article) pair per membership, each appended to its slug's list, in C and in
    # the articles' order: 23,000 topics of 10,000 articles after every edit.
    held = list(chain.from_iterable(keys))
    holders = chain.from_iterable(map(repeat, ordered, map(len, keys)))
    slugs = list(map(_SLUG, held))
    members: dict[Slug, list[Article]] = defaultdict(list)
    deque(map(list.append, map(members.__getitem__, slugs), holders), maxlen=0)
    names = names if names is not None else {}
    for (slug, name), count in Counter(zip(slugs, map(_NAME, held), strict=True)).items():
        names.setdefault(slug, Counter())[name] = count
    return {
        slug: Listing(
            slug=slug,
            name=_most_used(names[slug]),
            articles=tuple(members[slug]),
        )
        for slug in sorted(members)
    }


def _most_used(counts: Counter[str]) -> str:
    """The most used spelling of a name; ties go to the first in sort order."""
    return min(counts, key=lambda name: (-counts[name], name))
