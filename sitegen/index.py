"""Stage 3: gather normalized articles into the SiteIndex: unique slugs, topics, providers."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sitegen.model import Article, Listing, Provider, SiteIndex, Slug, Topic
from sitegen.problems import Problem, problem
from sitegen.slugs import assign_unique, merge_key, slugify

_NO_DATE = datetime.min.replace(tzinfo=UTC)
_KeysOf = Callable[[Article], Iterable[Topic | Provider]]


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest first; undated articles last; ties broken by slug so the order never varies."""
    ordered = sorted(articles, key=lambda a: a.slug)
    return sorted(ordered, key=lambda a: a.published or _NO_DATE, reverse=True)


def source_key(article: Article) -> str:
    return article.source.as_posix()


def build_index(
    articles: Iterable[Article], identity: Callable[[Article], str] = source_key
) -> tuple[SiteIndex, list[Problem]]:
    """``identity`` names an article the same way in every build (the caller passes its path
    inside the content folder); slug suffixes of equal titles are made from it."""
    problems: list[Problem] = []
    articles = list(articles)
    # Each article's identity, worked out once: the caller's may be slow (it resolves paths).
    ids = {id(a): identity(a) for a in articles}
    unique = _unique_slugs(articles, lambda a: ids[id(a)], problems)
    unique = _merge_topic_names(unique)
    ordered = newest_first(unique)
    return (
        SiteIndex(
            articles=tuple(ordered),
            by_slug={a.slug: a for a in ordered},
            topics=_group(ordered, lambda a: a.topics),
            providers=_group(ordered, lambda a: (a.provider,) if a.provider else ()),
        ),
        problems,
    )


def _unique_slugs(
    articles: list[Article], identity: Callable[[Article], str], problems: list[Problem]
) -> list[Article]:
    """Equal titles get distinct slugs: the oldest keeps the plain one, so a URL that is
    already published stays put when a newer article with the same title arrives."""
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
    # Most slugs are unique already: copying those articles would be wasted work.
    new_slug = [given[identity(a)] for a in articles]
    return [
        a if s == a.slug else replace(a, slug=s) for a, s in zip(articles, new_slug, strict=True)
    ]


def _merge_topic_names(articles: list[Article]) -> list[Article]:
    """Topics whose names differ only in case, spacing or punctuation are one topic, shown
    under the most used spelling (ties: the first in sort order) and its slug."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        for topic in article.topics:
            spellings[merge_key(topic.name)][topic.name] += 1
    merged_topic = {}
    for key, counts in spellings.items():
        name = _most_used(counts)
        merged_topic[key] = Topic(name, slugify(name))
    merged = []
    for article in articles:
        topics = tuple(merged_topic[merge_key(t.name)] for t in article.topics)
        merged.append(replace(article, topics=topics) if topics != article.topics else article)
    return merged


def _group(ordered: list[Article], keys_of: _KeysOf) -> dict[Slug, Listing]:
    members: dict[Slug, list[Article]] = defaultdict(list)
    names: dict[Slug, Counter[str]] = defaultdict(Counter)
    for article in ordered:
        for key in keys_of(article):
            members[key.slug].append(article)
            names[key.slug][key.name] += 1
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
