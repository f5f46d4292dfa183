"""Stage 4: relate articles. Pure: a SiteIndex in, a RelatedGraph out.

Three things come out of one pass over the site:

* **explicit links**: each entry of an article's ``related`` list is resolved to an article
  of the site by any of its URLs (compared with urls.match_key), else by its normalized title.
  Entries that match nothing stay external links; an entry naming the article itself is dropped.
* **story clusters**: articles covering the same story (see ``_same_story``) are merged with
  union-find; a story's id is the slug of its earliest article.
* **ranked related articles**: the top ``count`` articles for each article by

      relevance = TOPIC_WEIGHT * topic_cosine + TEXT_WEIGHT * text_cosine
      score     = relevance * (1 - TIME_WEIGHT + TIME_WEIGHT * recency)
                  + EXPLICIT_BONUS * linked + STORY_BONUS * same_story

  where topic_cosine compares the articles' topics weighted by rarity (IDF), text_cosine is
  the TF-IDF cosine of title (counted twice) and excerpt words, recency is
  ``0.5 ** (days_apart / HALF_LIFE_DAYS)`` (UNDATED_RECENCY when a date is missing), linked
  is 1 when either article lists the other. Articles scoring below MIN_SCORE are never
  shown, so an article with nothing in common with the rest of the site has no related list.

It scales near-linearly: candidates come from inverted indexes (topic -> articles, word ->
articles); a posting list longer than POSTING_WINDOW contributes only the articles nearest in
time; only the CANDIDATES most promising are scored exactly, and the top k kept with heapq.
Results never depend on input order: articles are numbered in the index's order (newest
first, ties by slug) and every ranking ends with a tie-break on slug.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from sitegen.model import (
    Article,
    Edge,
    RelatedGraph,
    RelatedLink,
    SiteIndex,
    Slug,
    StoryCluster,
)
from sitegen.urls import match_key

TOPIC_WEIGHT = 0.5
TEXT_WEIGHT = 0.5
TIME_WEIGHT = 0.4
HALF_LIFE_DAYS = 14.0
UNDATED_RECENCY = 0.5
EXPLICIT_BONUS = 0.5
STORY_BONUS = 0.3
MIN_SCORE = 0.15

POSTING_WINDOW = 64  # members of a long posting list considered, nearest in time
MAX_TERMS = 24  # words kept per article vector, the strongest by TF-IDF
QUERY_TERMS = 6  # an article's strongest words used to find candidates
CANDIDATES = 16  # candidates scored exactly per article
KEEP_EXTRA = 4  # candidates kept beyond k until story bonuses are known
MAX_SIBLINGS = 20  # story siblings scored per article when a story is large

# Same story: near-duplicate titles, or an explicit link between close, similar articles.
STORY_TITLE_JACCARD = 0.6
LINKED_TITLE_JACCARD = 0.25
STORY_DAYS = 7.0
LINKED_STORY_DAYS = 4.0

_DAY = 86400.0
_DECAY = math.log(2.0) / (HALF_LIFE_DAYS * _DAY)  # recency = exp(-seconds * _DECAY)
_WORD = re.compile(r"\w+")
_STOPWORD_TEXT = """
a about after again all also an and any are as at be been before being but by can could
did do does for from had has have he her his how i if in into is it its just more most
my new no not now of off on once one only or other our out over says said she so some
such than that the their them then there these they this those through to too up us very
was we were what when where which who why will with would you your der die das und ein
eine le la les des du un une et en el los las del y por para con
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def relate(index: SiteIndex, count: int = 8) -> RelatedGraph:
    """The related-articles graph of a site; ``count`` related articles at most per article."""
    articles = index.articles
    features = _Features.build(articles)
    url_keys = [_url_keys(a) for a in articles]
    explicit, external = _resolve_links(articles, url_keys)
    stories = _UnionFind(len(articles))
    for group in _url_groups(url_keys):
        for j in group[1:]:
            stories.union(group[0], j)
    for i, partners in explicit.items():
        for j in partners:
            if _linked_same_story(features, i, j):
                stories.union(i, j)
    linked = _symmetric(explicit)
    kept = [_best_candidates(features, i, linked, stories, count) for i in range(len(articles))]
    clusters, cluster_of = _clusters(articles, stories)
    position = {a.slug: i for i, a in enumerate(articles)}
    edges: dict[Slug, tuple[Edge, ...]] = {}
    for i, article in enumerate(articles):
        story = clusters.get(cluster_of.get(article.slug, Slug("")))
        members = [position[s] for s in story.members] if story else []
        siblings = [j for j in members if j != i][:MAX_SIBLINGS]
        ranked = _rank(features, i, kept[i], siblings, stories, count)
        edges[article.slug] = tuple(
            Edge(articles[j].slug, score, _reasons(features, i, j, explicit, stories))
            for score, j in ranked
        )
    return RelatedGraph(
        edges=edges,
        clusters=clusters,
        cluster_of=cluster_of,
        external={a.slug: external.get(i, ()) for i, a in enumerate(articles)},
    )


# -- features --------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lowercase words without stopwords, with a plural ``s`` dropped ("chips" is "chip")."""
    found = [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]
    return [
        w[:-1] if w[-1] == "s" and len(w) > 3 and w[-2] != "s" else w
        for w in found
        if len(w) > 1 or not w.isascii()
    ]


def title_key(title: str) -> str:
    """A title as compared when a related entry is matched by title."""
    return " ".join(_WORD.findall(title.casefold()))


def title_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two titles' word sets."""
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class _Features:
    """Per-article vectors and the inverted indexes, positions as in SiteIndex.articles."""

    topics: list[dict[str, float]]  # topic slug -> IDF weight, L2-normalized
    terms: list[dict[str, float]]  # word -> TF-IDF weight, L2-normalized
    # Both in one vector ("t:slug" and "w:word" keys, scaled by the square roots of the
    # weights), so relevance is a single dot product.
    combined: list[dict[str, float]]
    query: list[list[str]]  # topic slugs and strongest words, for finding candidates
    titles: list[frozenset[str]]
    times: list[float | None]  # POSIX seconds
    postings: dict[str, list[int]]  # "t:slug" or "w:word" -> ascending positions
    topic_names: dict[str, str]
    slugs: list[str]

    @classmethod
    def build(cls, articles: Sequence[Article]) -> _Features:
        n = len(articles)
        topic_lists = [sorted({t.slug for t in a.topics}) for a in articles]
        title_words = [words(a.title) for a in articles]
        term_counts = [
            Counter(t * 2 + words(a.excerpt)) for t, a in zip(title_words, articles, strict=True)
        ]
        postings: dict[str, list[int]] = defaultdict(list)
        for i, (topics, terms) in enumerate(zip(topic_lists, term_counts, strict=True)):
            for t in topics:
                postings["t:" + t].append(i)
            for w in terms:
                postings["w:" + w].append(i)
        idf = {key: math.log(1.0 + n / len(members)) for key, members in postings.items()}
        topic_vectors = [_unit({t: idf["t:" + t] for t in topics}) for topics in topic_lists]
        term_vectors = [_term_vector(counts, idf) for counts in term_counts]
        query = [
            ["t:" + t for t in topics] + ["w:" + w for w in list(vector)[:QUERY_TERMS]]
            for topics, vector in zip(topic_lists, term_vectors, strict=True)
        ]
        t_scale, w_scale = math.sqrt(TOPIC_WEIGHT), math.sqrt(TEXT_WEIGHT)
        combined = [
            {"t:" + t: v * t_scale for t, v in topics.items()}
            | {"w:" + w: v * w_scale for w, v in terms.items()}
            for topics, terms in zip(topic_vectors, term_vectors, strict=True)
        ]
        return cls(
            topics=topic_vectors,
            terms=term_vectors,
            combined=combined,
            query=query,
            titles=[frozenset(t) for t in title_words],
            times=[a.published.timestamp() if a.published else None for a in articles],
            postings=dict(postings),
            topic_names={t.slug: t.name for a in articles for t in a.topics},
            slugs=[a.slug for a in articles],
        )

    def days_apart(self, i: int, j: int) -> float | None:
        a, b = self.times[i], self.times[j]
        return None if a is None or b is None else abs(a - b) / _DAY

    def near_duplicate(self, i: int, j: int) -> bool:
        """Near-duplicate titles published within a week: one story, two providers."""
        days = self.days_apart(i, j)
        if days is None or days > STORY_DAYS:
            return False
        a, b = self.titles[i], self.titles[j]
        return min(len(a), len(b)) >= 3 and title_similarity(a, b) >= STORY_TITLE_JACCARD

    def pre_score(self, i: int, j: int, linked: bool) -> float:
        """The score without the same-story bonus (not known yet when this is called)."""
        a, b = self.combined[i], self.combined[j]
        relevance = sum(a[k] * b[k] for k in a.keys() & b.keys())
        days = self.days_apart(i, j)
        recency = UNDATED_RECENCY if days is None else math.exp(-days * _DAY * _DECAY)
        score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * recency)
        return score + (EXPLICIT_BONUS if linked else 0.0)


def _term_vector(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear TF-IDF, pruned to the MAX_TERMS strongest words."""
    weights = {w: (1.0 + math.log(c)) * idf["w:" + w] for w, c in counts.items()}
    # A stable sort: equal weights keep the order of the words in the text.
    strongest = sorted(weights.items(), key=itemgetter(1), reverse=True)[:MAX_TERMS]
    return _unit(dict(strongest))  # strongest first: the query takes the first few


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


# -- explicit links --------------------------------------------------------------------------


def _resolve_links(
    articles: Sequence[Article], url_keys: Sequence[tuple[str, ...]]
) -> tuple[dict[int, list[int]], dict[int, tuple[RelatedLink, ...]]]:
    """Resolve every related entry: to an article's position, or kept as an external link."""
    by_url: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for i, article in enumerate(articles):
        for key in url_keys[i]:
            by_url.setdefault(key, i)
        by_title.setdefault(title_key(article.title), i)
    explicit: dict[int, list[int]] = {}
    external: dict[int, tuple[RelatedLink, ...]] = {}
    for i, article in enumerate(articles):
        targets: list[int] = []
        outside: dict[str, RelatedLink] = {}
        for link in article.related:
            target = _resolve(link, by_url, by_title)
            if target is None:
                key = match_key(link.url) if link.url else title_key(link.title)
                outside.setdefault(key, link)
            elif target != i and target not in targets:
                targets.append(target)
        if targets:
            explicit[i] = targets
        if outside:
            external[i] = tuple(outside.values())
    return explicit, external


def _resolve(link: RelatedLink, by_url: dict[str, int], by_title: dict[str, int]) -> int | None:
    for url in link.urls:
        found = by_url.get(match_key(url))
        if found is not None:
            return found
    return by_title.get(title_key(link.title)) if link.title else None


def _symmetric(explicit: dict[int, list[int]]) -> dict[int, set[int]]:
    both: dict[int, set[int]] = defaultdict(set)
    for i, targets in explicit.items():
        for j in targets:
            both[i].add(j)
            both[j].add(i)
    return both


# -- story clusters --------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def same(self, i: int, j: int) -> bool:
        return self.find(i) == self.find(j)


def _url_groups(url_keys: Sequence[tuple[str, ...]]) -> Iterable[list[int]]:
    """Articles known by one URL (after match_key): the same report, twice."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, keys in enumerate(url_keys):
        for key in keys:
            by_key[key].append(i)
    return (group for group in by_key.values() if len(group) > 1)


def _linked_same_story(features: _Features, i: int, j: int) -> bool:
    """An explicit link is the same story when the two are close in time and their titles
    are alike, or (for coverage in other languages) their topics are exactly the same."""
    similar = title_similarity(features.titles[i], features.titles[j])
    days = features.days_apart(i, j)
    if days is None:
        return similar >= STORY_TITLE_JACCARD
    if days > LINKED_STORY_DAYS:
        return False
    same_topics = (
        bool(features.topics[i]) and features.topics[i].keys() == features.topics[j].keys()
    )
    return similar >= LINKED_TITLE_JACCARD or same_topics


def _clusters(
    articles: Sequence[Article], stories: _UnionFind
) -> tuple[dict[Slug, StoryCluster], dict[Slug, Slug]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(articles)):
        groups[stories.find(i)].append(i)
    clusters: dict[Slug, StoryCluster] = {}
    cluster_of: dict[Slug, Slug] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        ordered = sorted((articles[i] for i in members), key=_earliest_first)
        story = StoryCluster(ordered[0].slug, tuple(a.slug for a in ordered), ordered[0].title)
        clusters[story.id] = story
        for a in ordered:
            cluster_of[a.slug] = story.id
    return dict(sorted(clusters.items())), dict(sorted(cluster_of.items()))


def _earliest_first(article: Article) -> tuple[bool, float, str]:
    when = article.published
    return (when is None, when.timestamp() if when else 0.0, article.slug)


# -- ranking ---------------------------------------------------------------------------------


def _candidates(features: _Features, i: int) -> list[int]:
    """The articles sharing the most topics and strong words with article i."""
    pieces: list[list[int]] = []
    half = POSTING_WINDOW // 2
    for key in features.query[i]:
        members = features.postings[key]
        if len(members) <= POSTING_WINDOW:
            pieces.append(members)
        else:  # a common topic or word: only the articles nearest in time
            at = bisect_left(members, i)
            pieces.append(members[max(0, at - half) : at + half + 1])
    counts = Counter(chain.from_iterable(pieces))
    counts.pop(i, None)
    return [j for j, _ in counts.most_common(CANDIDATES)]


def _best_candidates(
    features: _Features,
    i: int,
    partners: dict[int, set[int]],
    stories: _UnionFind,
    count: int,
) -> list[tuple[float, int]]:
    """Score the candidates of article i; keep the best few, and merge near-duplicates."""
    if count == 0:
        return []
    linked = partners.get(i, set())
    scored = []
    # The hot loop of the stage: features.pre_score and near_duplicate, inlined.
    combined, times = features.combined, features.times
    a, time_a = combined[i], times[i]
    for j in dict.fromkeys(chain(_candidates(features, i), sorted(linked))):
        b, time_b = combined[j], times[j]
        relevance = sum(a[k] * b[k] for k in a.keys() & b.keys())
        if time_a is None or time_b is None:
            recency = UNDATED_RECENCY
        else:
            seconds = abs(time_a - time_b)
            recency = math.exp(-seconds * _DECAY)
            if seconds <= STORY_DAYS * _DAY and features.near_duplicate(i, j):
                stories.union(i, j)
        score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * recency)
        scored.append((score + (EXPLICIT_BONUS if j in linked else 0.0), -j))
    return [(score, -j) for score, j in heapq.nlargest(count + KEEP_EXTRA, scored)]


def _rank(
    features: _Features,
    i: int,
    kept: list[tuple[float, int]],
    siblings: list[int],
    stories: _UnionFind,
    count: int,
) -> list[tuple[float, int]]:
    if count == 0:
        return []
    pre = {j: score for score, j in kept}
    for j in siblings:
        if j not in pre:
            pre[j] = features.pre_score(i, j, False)
    final = []
    for j, score in pre.items():
        total = round(score + (STORY_BONUS if stories.same(i, j) else 0.0), 4)
        if total >= MIN_SCORE:
            final.append((total, j))
    slugs = features.slugs
    return heapq.nsmallest(count, final, key=lambda s: (-s[0], slugs[s[1]]))


def _reasons(
    features: _Features,
    i: int,
    j: int,
    explicit: dict[int, list[int]],
    stories: _UnionFind,
) -> tuple[str, ...]:
    reasons = []
    if stories.same(i, j):
        reasons.append("same story")
    if j in explicit.get(i, ()):
        reasons.append("linked by the source")
    elif i in explicit.get(j, ()):
        reasons.append("links to this article")
    shared = sorted(
        features.topics[i].keys() & features.topics[j].keys(),
        key=lambda t: (-features.topics[i][t], t),
    )
    if shared:
        names = ", ".join(features.topic_names[t] for t in shared[:3])
        reasons.append(f"shared topics: {names}")
    a, b = features.terms[i], features.terms[j]
    products = {w: a[w] * b[w] for w in a.keys() & b.keys()}
    if sum(products.values()) >= 0.1:
        top = sorted(products, key=lambda w: (-products[w], w))[:3]
        reasons.append("similar words: " + ", ".join(top))
    days = features.days_apart(i, j)
    if days is not None and days < 1.0:
        reasons.append("published the same day")
    return tuple(reasons)


def _url_keys(article: Article) -> tuple[str, ...]:
    """The match keys of an article's URLs: normalize made them (made here for an Article
    built some other way)."""
    if article.url_keys or not article.urls:
        return article.url_keys
    return tuple(dict.fromkeys(match_key(u) for u in article.urls))
