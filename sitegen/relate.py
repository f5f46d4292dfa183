"""Stage 4: relate articles. Pure: a SiteIndex in, a RelatedGraph out.

Three things come out of one pass over the site:

* **explicit links**: each entry of an article's ``related`` list is resolved to an article
  of the site by any of its URLs (compared with urls.match_key), else by its normalized title.
  Entries that match nothing stay external links; an entry naming the article itself is dropped.
* **story clusters**: articles covering the same story (see ``_linked_same_story`` and the
  near-duplicate test in ``RelateState._score``) are merged with union-find; a story's id is the
  slug of its earliest article.
* **ranked related articles**: the top ``count`` articles for each article by

      relevance = TOPIC_WEIGHT * topic_cosine + TEXT_WEIGHT * text_cosine
      score     = relevance * (1 - TIME_WEIGHT + TIME_WEIGHT * recency)
                  + EXPLICIT_BONUS * linked + STORY_BONUS * same_story

  where topic_cosine compares the articles' topics weighted by rarity (IDF), text_cosine is
  the TF-IDF cosine of title (counted twice) and excerpt words, recency is
  ``0.5 ** (days_apart / HALF_LIFE_DAYS)`` (UNDATED_RECENCY when a date is missing), linked
  is 1 when either article lists the other. Articles scoring below MIN_SCORE are never
  shown, so an article with nothing in common with the rest of the site has no related list.
  IDF is ``log(1 + q(articles) / q(articles with the word or topic))`` where q rounds a
  count to a step of IDF_STEPS per doubling: rarity, not the exact count, decides the
  weight, so adding or editing one article changes few weights (see incremental updates).

It scales near-linearly: candidates come from inverted indexes (topic -> articles, word ->
articles); a posting list longer than POSTING_WINDOW contributes only the articles nearest in
time; only the CANDIDATES most promising are scored exactly, and the best kept. Results
never depend on input order: articles are ordered as in the index (newest first, ties by
slug) and every ranking ends with a tie-break on that order or on slug; sums of products
are exact (math.fsum), so they do not depend on the order of their terms either.

A full relate counts the candidates and scores the pairs of many articles at once on numpy
arrays (sitegen/relatecand.py); an incremental one, one article at a time. Both give the
same results to the last bit: the same products and sums, fsum and math.exp as here.

**Incremental updates.** ``relate_with_state`` also returns a RelateState: everything it
computed, per article. Given the state of the previous build, it diffs the articles (by
source file) and recomputes only what can change: the vectors whose words' weights changed,
the candidates of articles whose posting windows, own vectors, candidates' vectors or links
changed, and the related lists whose inputs changed. The result is always equal to a full
relate of the same index (tests/unit/test_relate_incremental.py checks it); when the changes
are many, or the rounded article count changes (all weights change), it relates in full.
"""

from __future__ import annotations

import collections
import math
import operator
import re
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate, chain, compress, filterfalse, islice, repeat
from operator import eq, gt, is_, is_not, mul, neg, not_, truediv
from typing import TYPE_CHECKING, Any, cast

from sitegen import savededges
from sitegen.gcpause import gc_paused
from sitegen.lazyentries import LazyDict, LazyEntries, encode_all, encode_values
from sitegen.model import (
    Article,
    Edge,
    RelatedGraph,
    RelatedLink,
    SiteIndex,
    Slug,
    StoryCluster,
    Topic,
    made_edges,
)
from sitegen.savededges import ReasonTable
from sitegen.urls import match_key

if TYPE_CHECKING:
    from sitegen.relatecand import Candidates, PairScorer, TitleFilter
    from sitegen.relateedges import BestColumns, EdgeMaker, EdgeParts

TOPIC_WEIGHT = 0.5
TEXT_WEIGHT = 0.5
TIME_WEIGHT = 0.4
HALF_LIFE_DAYS = 14.0
UNDATED_RECENCY = 0.5
EXPLICIT_BONUS = 0.5
STORY_BONUS = 0.3
MIN_SCORE = 0.15
IDF_STEPS = 4  # counts in the IDF are rounded to 2 ** (1 / IDF_STEPS) steps

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

# 4: word counts as plain dicts; 5: kept as a dict; 6: _LAZY entries as bytes; 7: edges as
# flat records (sitegen/savededges.py); 8: the posting lists as bytes (_LAZY_KEYED); 9: URL
# keys and the holders of URL and title keys as bytes (_LAZY, _LAZY_KEYED)
STATE_FORMAT = 9
MAX_CHANGED_SHARE = 0.1  # more changed articles than this share: relate in full

_DAY = 86400.0
_DECAY = math.log(2.0) / (HALF_LIFE_DAYS * _DAY)  # recency = exp(-seconds * _DECAY)
_STORY_SECONDS = STORY_DAYS * _DAY
_T_SCALE = math.sqrt(TOPIC_WEIGHT)
_W_SCALE = math.sqrt(TEXT_WEIGHT)
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
_MAX_MEMO = 1_000_000


class _Memo(dict[str, Any]):
    """A memo that makes a missing entry itself (``make(key)``): lookups stay C calls
    (``map(memo.__getitem__, ...)``) even when some keys are new, as every title's are when
    titles end in a number, with no exception and no second pass."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> Any:
        if len(self) > _MAX_MEMO:
            self.clear()
        value = self[key] = self.make(key)
        return value


# Vector keys: "t:" + topic slug, "w:" + word; a raw token's key ("" for none) is memoized.
_KEY_OF = _Memo(lambda token: _key(token))
# A whitespace-separated piece of casefolded text -> its words; -> its vector keys.
_TOKENS = _Memo(lambda piece: tuple(_WORD.findall(piece)))
_PIECE_KEYS = _Memo(lambda piece: tuple(_keys_of(_WORD.findall(piece))))
_URL_KEY = _Memo(lambda url: match_key(url))  # links name the same URLs many times


def relate(index: SiteIndex, count: int = 8) -> RelatedGraph:
    """The related-articles graph of a site; ``count`` related articles at most per article."""
    return relate_with_state(index, count, None)[0]


def relate_with_state(
    index: SiteIndex,
    count: int,
    state: RelateState | None,
    signature: Callable[[Article], Hashable] | None = None,
    jobs: int | None = 1,
    prepared: Iterable[ArticleKeys] = (),
    signatures: Callable[[Sequence[Article], list[str]], list[Any]] | None = None,
) -> tuple[RelatedGraph, RelateState]:
    """relate, reusing ``state`` (what an earlier call returned, for any index) when it can:
    the graph is the same either way. Returns the graph and the state for the next call.

    ``signature`` names what relate reads of an article: equal signatures must mean equal
    fields (the build passes a short key made from the file's hash, so the saved state stays
    small); by default the fields themselves. ``jobs``: the processes a full relate of a
    large site may share its scoring with (None: one per core). ``prepared``: article_keys
    of some of the articles, made beforehand (a full relate uses them). ``signatures``: the
    signatures of many articles at once, given their source paths, as ``signature`` makes
    them one by one (faster; a full relate uses it)."""
    articles = index.articles
    sign = signature or _signature
    with gc_paused():
        if isinstance(state, RelateState) and state.usable(count):
            graph = state.update(articles, sign)
            if graph is not None:
                return graph, state
        state = RelateState(count)
        return state.full(articles, sign, jobs, prepared, signatures), state


# -- words -----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lowercase words without stopwords, with a plural ``s`` dropped ("chips" is "chip")."""
    return [key[2:] for key in _keys(text)]


def _key(token: str) -> str:
    if token in _STOPWORDS or (len(token) <= 1 and token.isascii()):
        return ""
    if token[-1] == "s" and len(token) > 3 and token[-2] != "s":
        token = token[:-1]
    return "w:" + token


def _keys(text: str) -> list[str]:
    """The vector keys of a text's words, in text order."""
    return _keys_of(_WORD.findall(text.casefold()))


def _keys_of(found: list[str]) -> list[str]:
    """The vector keys of words found by _WORD in a casefolded text."""
    return list(filter(None, map(_KEY_OF.__getitem__, found)))


def _tokens(text: str) -> list[str]:
    """_WORD.findall(text.casefold()), faster: split at whitespace (never part of a word),
    and each piece's words memoized (a site's texts repeat a small vocabulary)."""
    return list(chain.from_iterable(map(_TOKENS.__getitem__, text.casefold().split())))


def _text_keys(text: str) -> list[str]:
    """_keys(text), faster: as _piece_keys."""
    return _piece_keys(text.casefold().split())


def _piece_keys(pieces: list[str]) -> list[str]:
    """The vector keys of casefolded text split at whitespace, each piece's keys memoized."""
    return list(chain.from_iterable(map(_PIECE_KEYS.__getitem__, pieces)))


def _url_key(url: str) -> str:
    key: str = _URL_KEY[url]
    return key


def title_key(title: str) -> str:
    """A title as compared when a related entry is matched by title."""
    return " ".join(_WORD.findall(title.casefold()))


def title_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two titles' word sets."""
    return len(a & b) / len(a | b) if a and b else 0.0


def _rounded(count: int) -> float:
    return float(2.0 ** (round(math.log2(count) * IDF_STEPS) / IDF_STEPS))


def _idf(n_rounded: float, df: int) -> float:
    return math.log(1.0 + n_rounded / _rounded(df))


_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]
_TF_LEN = len(_TF)


def _unit(vector: dict[str, float]) -> dict[str, float]:
    values = list(vector.values())
    norm = math.sqrt(sum(map(mul, values, values)))
    return dict(zip(vector, map(truediv, values, repeat(norm)), strict=True)) if norm else {}


# counts[key] += 1 for each key, new keys appended in order: Counter.update's C helper
_count: Callable[[dict[Any, int], Iterable[Any]], None]
_count = collections._count_elements  # type: ignore[attr-defined]


def _signature(article: Article) -> tuple[Any, ...]:
    """What relate reads of an article: equal signatures give equal results."""
    a = article
    return (a.slug, a.title, a.excerpt, a.published, a.urls, a.topics, a.related)


# A related entry's URL keys, its title's key (None without one) and the key that tells
# apart the external links (the entry's URL's, else its title's).
LinkKeys = tuple[tuple[str, ...], str | None, str]
# What relate reads of an article that depends on it alone (article_keys): the article,
# its title_key and the set of its title word keys, its topic keys (sorted), its time (POSIX
# seconds), its related entries' keys and its word counts (title words twice, then the
# excerpt's; keys in text order).
ArticleKeys = tuple[
    Article, str, frozenset[str], list[str], float | None, list[LinkKeys], dict[str, int]
]


def article_keys(article: Article) -> ArticleKeys:
    """What relate reads of ``article`` alone. Made where the article is parsed when that
    is a worker process (a cold build's), so that a full relate only gathers it: this was
    most of a full relate's serial start (the related entries' URL keys the largest part).

    (_tokens, _keys_of, _text_keys, _topic_keys and _link_keys, written out with the memos'
    lookups mapped in C: each of those calls was a Python frame, for every article.)"""
    found = list(chain.from_iterable(map(_TOKENS.__getitem__, article.title.casefold().split())))
    title_words = list(filter(None, map(_KEY_OF.__getitem__, found)))
    # (The set made here, where the article is parsed: 10,000 sets made in a full relate
    # were ~5% of its serial start.)
    title_set = frozenset(title_words)
    counts: dict[str, int] = {}  # (a plain dict: smaller in the state)
    _count(counts, title_words)
    _count(counts, title_words)
    excerpt = article.excerpt.casefold().split()
    _count(counts, chain.from_iterable(map(_PIECE_KEYS.__getitem__, excerpt)))
    links: list[LinkKeys] = []
    url_key = _URL_KEY.__getitem__
    for link in article.related:
        title = " ".join(_WORD.findall(link.title.casefold())) if link.title else None
        # (An entry's key is its URL's, else its title's: title_key("") is "".)
        key = url_key(link.url) if link.url else title or ""
        links.append((tuple(map(url_key, link.urls)), title, key))
    return (
        article,
        " ".join(found),  # title_key of the title
        title_set,
        sorted(set(map("t:".__add__, map(_SLUG, article.topics)))),  # _topic_keys
        article.published.timestamp() if article.published else None,
        links,
        counts,
    )


def _keys_again(article: Article, keys: ArticleKeys | None) -> ArticleKeys:
    """article_keys(article), given those made for the article its source was parsed into
    (``keys``, if any): the index gives some articles another slug or topics (a title
    other articles have, topic names merged), and nothing else that relate reads."""
    if keys is None:
        return article_keys(article)
    was = keys[0]
    if (was.title, was.excerpt, was.published, was.related) != (
        article.title,
        article.excerpt,
        article.published,
        article.related,
    ):
        return article_keys(article)
    return (article, keys[1], keys[2], _topic_keys(article), *keys[4:])


def _topic_keys(article: Article) -> list[str]:
    return sorted({"t:" + t.slug for t in article.topics})


def _link_keys(related: Iterable[RelatedLink]) -> list[LinkKeys]:
    return [
        (
            tuple(map(_url_key, link.urls)),
            title_key(link.title) if link.title else None,
            (_url_key(link.url) if link.url else title_key(link.title)),
        )
        for link in related
    ]


def _article_url_keys(article: Article) -> tuple[str, ...]:
    # normalize made the keys (an Article built some other way may lack them)
    return article.url_keys or tuple(dict.fromkeys(map(_url_key, article.urls)))


_SOURCE = operator.attrgetter("source")
_URL_KEYS = operator.attrgetter("url_keys")
_FIRST = operator.itemgetter(0)
_SLUG = operator.attrgetter("slug")
_TITLE = operator.attrgetter("title")


# -- the state -------------------------------------------------------------------------------


class RelateState:
    """Everything relate computed, indexed by a per-article id stable between builds (ids
    are the index positions after a full relate; later articles get new ids). A pickled
    state leaves out what follows from the two vectors (_DERIVED): made again on loading."""

    def __init__(self, count: int) -> None:
        self.format = STATE_FORMAT
        self.count = count
        self.modified = True  # whether the last call changed anything (to save it or not)
        self.n_rounded = 0.0
        self.id_of: dict[str, int] = {}  # source path -> id
        self.order: list[int] = []  # ids in index order
        # Per id (None once the article is gone):
        self.sig: list[Any] = []
        self.source: list[str] = []
        self.tkey: list[str] = []  # title_key of the title
        self.slug: list[Slug] = []
        self.title: list[str] = []
        self.pos: list[int] = []  # position in the index
        self.time: list[float | None] = []  # POSIX seconds
        self.titles: list[frozenset[str]] = []  # title word keys
        self.topic_keys: list[list[str]] = []  # "t:slug", sorted
        self.counts: list[dict[str, int]] = []  # word key -> count, text order
        self.url_keys: list[tuple[str, ...]] = []
        self.link_keys: list[list[tuple[tuple[str, ...], str | None, str]]] = []
        self.topic_vec: list[dict[str, float]] = []  # "t:slug" -> IDF, L2-normalized
        self.term_vec: list[dict[str, float]] = []  # "w:word" -> TF-IDF, strongest first
        # Both in one vector, scaled by the square roots of the weights, so relevance is a
        # single dot product; and its keys, for fast intersections.
        self.combined: list[dict[str, float]] = []
        self.ckeys: list[frozenset[str]] = []
        self.query: list[list[str]] = []  # topic keys and strongest words: finds candidates
        self.cands: list[list[int]] = []  # every article scored for this one
        self.scores: list[list[float]] = []  # their scores without the story bonus
        # The best scored, best first: id -> score (one dict of plain values, which the
        # cyclic garbage collector does not track, not a list of pairs, which it does).
        self.kept: list[dict[int, float]] = []
        self.dups: list[tuple[int, ...]] = []  # near-duplicates found among the candidates
        self.story: list[tuple[int, ...] | None] = []  # story members, earliest first
        self.edges: list[tuple[Edge, ...]] = []
        # The distinct reasons of the saved edges, numbered (saved; see savededges.py).
        self.edge_reasons: list[tuple[str, ...]] = []
        # Whole site:
        self.postings: dict[str, list[int]] = {}  # key -> ids in index order
        self.idf: dict[str, float] = {}
        self.explicit: dict[int, list[int]] = {}
        self.external: dict[int, tuple[RelatedLink, ...]] = {}
        self.linked: dict[int, set[int]] = {}
        self.topic_names: dict[str, str] = {}
        self.topic_labels: dict[str, str] = {}  # "t:slug" -> name (not saved)
        self._named: dict[tuple[str, ...], str] = {}  # topic keys -> reason (not saved)
        self.in_story: set[int] = set()  # ids of articles in a story
        # URL key / title key -> the ids known by it, in index order: the first one wins.
        self.url_holders: dict[str, list[int]] = {}
        self.title_holders: dict[str, list[int]] = {}
        self._sign: Callable[[Article], Hashable] = _signature  # set by full and update
        # While full relates: ids are index positions, and articles are scored in that
        # order, so a pair scored from the other side already can reuse that score.
        self._in_order = False
        # While a full relate ranks: per id, the candidates with which the sum of the
        # products of the words it shares may reach SIMILAR_WORDS (about that sum comes with
        # the batched scores): for the others, the exact sum (for "similar words") is skipped.
        self._hint: list[Any] | None = None
        # Whether combined vectors may be missing (None) for some articles: a full relate
        # makes them only when needed, a loaded state none (see _derived).
        self._underived = False
        # Not saved: the articles of the last call in this process, by id (unchanged while
        # the very same objects), and who links to which keys (see _referrers).
        self._seen: dict[int, int] = {}  # id of an article object -> its id here
        self._seen_articles: Sequence[Article] = ()
        self._spellings: dict[str, collections.Counter[str]] | None = None  # see _names
        # Per URL key (0) and title key (1), made when first needed (see _referrers).
        self._refs: list[dict[str, set[int]] | None] = [None, None]
        self._edges_saved: tuple[list[Any], list[Any]] | None = None  # see _saved_edges
        self._reason_table = ReasonTable(self.edge_reasons)

    def __getstate__(self) -> dict[str, Any]:
        state = self._saved_fields()
        for name in _LAZY:  # an entry's bytes, read only when needed (see _LAZY)
            state[name] = self._saved_lazy(name)
        return state

    def saved_parts(self) -> Iterator[dict[str, Any]]:
        """``__getstate__()`` in parts, for the build cache to pickle one after the other
        (sitegen/cache.py's _write_parts, which joins a list split into parts again):
        fields that share objects in one part, and the saved bytes of a _LAZY list
        _SAVED_ENTRIES at a time, each made only when its part is pickled (100,000
        articles: ~100 MB for all of them at once)."""
        state = self._saved_fields()
        for names in _SAVED_TOGETHER:
            yield {name: state.pop(name) for name in names}
        edges = state.pop("edges")
        for start in range(0, max(len(edges), 1), _SAVED_ENTRIES):  # (one part at least)
            yield {"edges": edges[start : start + _SAVED_ENTRIES]}
        for name in _LAZY:
            value = getattr(self, name)
            if type(value) is LazyEntries:  # (a loaded state saved whole: not the cold build)
                yield {name: value.saved()}
                continue
            for start in range(0, max(len(value), 1), _SAVED_ENTRIES):
                yield {name: encode_all(value[start : start + _SAVED_ENTRIES])}
        yield state  # the rest (each part is pickled apart from the others, see above)

    def _saved_fields(self) -> dict[str, Any]:
        """The saved state without the _LAZY lists."""
        state = dict(self.__dict__)
        del state["_sign"]  # a function of the build that made the state: not saved
        del state["_in_order"]
        del state["_hint"]
        del state["_underived"]
        del state["_seen"]
        del state["_seen_articles"]
        del state["_spellings"]
        del state["_refs"]
        del state["topic_labels"]
        del state["_named"]
        del state["_edges_saved"]
        del state["_reason_table"]
        state["edges"] = self._saved_edges()
        state["edge_byte_order"] = savededges.BYTE_ORDER
        for name in _DERIVED:  # made again on loading: a smaller file, as fast to load
            del state[name]
        for name in _LAZY:
            del state[name]
        for name in _LAZY_KEYED:
            value = state[name]
            state[name] = value.saved() if type(value) is LazyDict else encode_values(value)
        return state

    def _saved_lazy(self, name: str) -> list[bytes | None]:
        value = getattr(self, name)
        saved: list[bytes | None]
        saved = value.saved() if type(value) is LazyEntries else encode_all(value)
        return saved

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in _LAZY:
            setattr(self, name, LazyEntries(state[name]))
        for name in _LAZY_KEYED:
            setattr(self, name, LazyDict(state[name]))
        self.edge_reasons = state.get("edge_reasons", [])
        self._reason_table = ReasonTable(self.edge_reasons)
        self.__dict__.pop("edge_byte_order", None)
        if state.get("edge_byte_order") == savededges.BYTE_ORDER:
            decoded = savededges.decode(state["edges"], self.slug, self.edge_reasons)
            self.edges = cast("list[tuple[Edge, ...]]", decoded)  # (None: a gone article)
            # An unchanged list is saved again as the very bytes it was loaded from.
            self._edges_saved = (self.edges.copy(), state["edges"])
        else:  # saved by a machine of the other byte order: not usable (see usable)
            self.format = 0
            self._edges_saved = None
        self._sign = _signature
        self._in_order = False
        self._hint = None
        self._seen = {}
        self._seen_articles = ()
        self._spellings = None
        self._refs = [None, None]
        self.topic_labels = _labels(getattr(self, "topic_names", {}))
        self._named = {}
        # Made when first needed (_derived): an edit reads those of a few hundred articles,
        # and making all 10,000 on loading cost more than the rest of the update.
        for name in _DERIVED:
            setattr(self, name, [None] * len(self.sig))
        self._underived = True

    @staticmethod
    def saved_immutable() -> frozenset[str]:
        """The fields of the saved state whose entries are immutable, as saved: bytes, None
        or tuples of Edges (for statedelta.snapshot)."""
        return _SAVED_IMMUTABLE

    def usable(self, count: int) -> bool:
        return getattr(self, "format", None) == STATE_FORMAT and self.count == count

    def _saved_edges(self) -> list[Any]:
        """The related lists as saved (savededges.encode): only those changed since the
        state was loaded or last saved are encoded again (an edit changes a few)."""
        known = self._edges_saved
        if known is None:
            saved = savededges.encode(self.edges, self.slug, self._reason_table)
        else:
            lists, entries = known
            changed = savededges.changed(self.edges, lists)
            saved = entries + [None] * (len(self.edges) - len(entries))
            made = savededges.encode(
                list(map(self.edges.__getitem__, changed)), self.slug, self._reason_table
            )
            for i, entry in zip(changed, made, strict=True):
                saved[i] = entry
        self._edges_saved = (self.edges.copy(), saved)
        return saved

    # -- full ------------------------------------------------------------------------------

    def full(
        self,
        articles: Sequence[Article],
        sign: Callable[[Article], Hashable],
        jobs: int | None = 1,
        prepared: Iterable[ArticleKeys] = (),
        signatures: Callable[[Sequence[Article], list[str]], list[Any]] | None = None,
    ) -> RelatedGraph:
        """Relate ``articles`` from scratch; ``prepared``: article_keys of some of them,
        made beforehand (where they were parsed); ``signatures``: see relate_with_state."""
        self._sign = sign
        n = len(articles)
        self.n_rounded = _rounded(n) if n else 0.0
        self._grow(n)
        self.order = list(range(n))
        self.pos = list(range(n))
        self._read_all(articles, prepared, signatures)
        url_holders: dict[str, list[int]] = defaultdict(list)
        title_holders: dict[str, list[int]] = defaultdict(list)
        for i in range(n):
            for key in self.url_keys[i]:
                url_holders[key].append(i)
            title_holders[self.tkey[i]].append(i)
        self.url_holders, self.title_holders = dict(url_holders), dict(title_holders)
        self._links(articles)
        self.topic_names = _topic_names(articles)
        self.topic_labels = _labels(self.topic_names)
        self._named = {}
        # The rest on numpy arrays, many articles at once (imported only when relating in full).
        from sitegen.relatevec import small_pages

        try:
            with small_pages():
                maker = self._full_batched(articles, jobs)
            self._stories()
            # Every related list was made as if no article were in a story (stories are
            # known once every article is scored): those of the members are made again.
            maker.stories_known()
            members = sorted(self.in_story)
            for start in range(0, len(members), _EDGE_BATCH):
                ids = members[start : start + _EDGE_BATCH]
                made = maker.edges(ids, list(map(self._best, ids)))
                for i, edges in zip(ids, made, strict=True):
                    self.edges[i] = edges
        finally:
            self._hint = None
        self._saw(articles, self.order)
        return self._graph(articles)

    def _names(
        self,
        articles: Sequence[Article],
        old_topics: list[tuple[Topic, ...]] | None,
        new: list[Article],
    ) -> dict[str, str]:
        """_topic_names(articles), from the spellings counted last time in this process
        (serve) when each topic slug has one spelling (as the index makes them), with the
        topics of the articles that went (``old_topics``) and came (``new``)."""
        counts = self._spellings
        if old_topics is None:  # the first call of this process
            return _topic_names(articles)
        if counts is None:  # the second: counted for the next
            self._spellings = _spellings(articles)
            return _topic_names(articles)
        touched = set()
        for topics, sign in chain(
            zip(old_topics, repeat(-1)), zip((a.topics for a in new), repeat(1))
        ):
            for t in topics:
                names = counts.setdefault(t.slug, collections.Counter())
                names[t.name] += sign
                if not names[t.name]:
                    del names[t.name]
                touched.add(t.slug)
        result = dict(self.topic_names)
        for slug in touched:
            names = counts[slug]
            if len(names) > 1:  # which spelling wins depends on the order: as a full one
                return _topic_names(articles)
            if names:
                result[slug] = next(iter(names))
            else:
                del counts[slug]
                result.pop(slug, None)
        return result

    def warm(self) -> None:
        """Make now what the next update would make first (the referrers, the topic
        spellings of the last call's articles): serve's first build does, so that its first
        edit does not wait for them."""
        self._referrers(_BY_URL)
        self._referrers(_BY_TITLE)
        if self._spellings is None and self._seen_articles:
            self._spellings = _spellings(self._seen_articles)

    def _saw(self, articles: Sequence[Article], ids: list[int]) -> None:
        """Remember these very articles (kept alive, so their ids stay theirs) and their ids."""
        self._seen = dict(zip(map(id, articles), ids, strict=True))
        self._seen_articles = articles

    def _full_batched(self, articles: Sequence[Article], jobs: int | None) -> EdgeMaker:
        """full's posting lists, weights, vectors, candidates, scores and edges (those of
        no story: see full). Returns what made the edges."""
        from sitegen.relatecand import Candidates, PairScorer
        from sitegen.relateedges import EdgeMaker
        from sitegen.relatevec import site_vectors

        n = len(articles)
        site = site_vectors(
            self.topic_keys, self.counts, partial(_idf, self.n_rounded), _tf, MAX_TERMS
        )
        self.topic_vec, self.term_vec = site.topic_vec, site.term_vec
        self.postings, self.idf = site.postings, site.idf
        # combined vectors are made when needed: a full relate scores on numpy arrays
        self.query = [
            t + list(islice(v, QUERY_TERMS))
            for t, v in zip(self.topic_keys, self.term_vec, strict=True)
        ]
        self._underived = True
        self._in_order = True
        try:
            # Every article's candidates, and then their scores, a batch of articles at a time.
            key_id = {key: k for k, key in enumerate(self.postings)}
            lists, vectors = (site.lengths, site.members), site.flat
            del site
            candidates = Candidates(
                self.postings, self.query, POSTING_WINDOW, CANDIDATES, key_id, lists
            )
            del lists
            self._hint = [None] * n
            maker = EdgeMaker(self)
            if self.count:
                scorer = PairScorer(
                    self.topic_vec, self.term_vec, _T_SCALE, _W_SCALE, key_id, self.time, vectors
                )
                del vectors
                self._score_all(candidates, scorer, maker, jobs)
            else:
                for i in range(n):
                    self._score(i)
                self._rank_range(maker, 0, n)
        finally:
            self._in_order = False
        return maker

    def _score_all(
        self, candidates: Candidates, scorer: PairScorer, maker: EdgeMaker, jobs: int | None
    ) -> None:
        """Every article's candidates, scores and edges, a batch of articles at a time; on a
        large site shared with forked processes, each of which does a range of articles and
        sends back what it found for them (a full relate's ids are positions)."""
        from sitegen import parallel

        n = candidates.n
        jobs = parallel.default_jobs() if jobs is None else jobs
        if jobs <= 1 or n < _SHARED_SCORING:
            self._score_range(candidates, scorer, 0, n)
            self._rank_range(maker, 0, n)
            return
        # This process does the first range while the others do theirs: a little less than
        # a fair share, as it also takes in their results.
        mine = int(n * _OWN_SHARE / jobs)
        step = -(-(n - mine) // (jobs - 1))
        ranges = [(start, min(n, start + step)) for start in range(mine, n, step)]

        def own_range() -> None:
            self._score_range(candidates, scorer, 0, mine)
            self._rank_range(maker, 0, mine)

        parts = parallel.parallel_map(
            partial(self._done_range, candidates, scorer, maker),
            ranges,
            jobs,
            min_items=1,
            started=own_range,
        )
        from sitegen.relateedges import made_from_parts

        slug, edges = self.slug, self.edges
        for (first, last), (scored, made) in zip(ranges, parts, strict=True):
            for name, values in zip(_SCORED, scored, strict=True):
                getattr(self, name)[first:last] = values
            at = first
            for part in made:
                found = made_from_parts(part, slug)
                edges[at : at + len(found)] = found
                at += len(found)

    def _score_range(
        self, candidates: Candidates, scorer: PairScorer, first: int, last: int
    ) -> None:
        """Score the candidates of articles ``first``..``last``-1."""
        from sitegen.relatecand import TitleFilter

        found: list[list[int]] = [[]] * first
        found += candidates.between(first, last)
        title_filter = TitleFilter(self.titles, STORY_TITLE_JACCARD)
        for start in range(first, last, _SCORE_BATCH):
            batch = range(start, min(last, start + _SCORE_BATCH))
            self._score_batch(batch, found, scorer, title_filter)

    def _rank_range(self, maker: EdgeMaker, first: int, last: int) -> None:
        """The edges of articles ``first``..``last``-1, as if none were in a story."""
        from sitegen.relateedges import made_from_parts

        for start in range(first, last, _EDGE_BATCH):
            ids = range(start, min(last, start + _EDGE_BATCH))
            parts = maker.parts_of(ids, self._best_columns(ids))
            self.edges[ids.start : ids.stop] = made_from_parts(parts, self.slug)

    def _done_range(
        self, candidates: Candidates, scorer: PairScorer, maker: EdgeMaker, bounds: tuple[int, int]
    ) -> tuple[list[list[Any]], list[EdgeParts]]:
        """_score_range and _rank_range in a forked process: what they found, to send back
        (the edges as their parts: ids, not slugs, and no Edge objects)."""
        first, last = bounds
        # (The articles before ``first`` are not scored here: no score is reused from them.)
        self._in_order = False
        self._score_range(candidates, scorer, first, last)
        made = []
        for start in range(first, last, _EDGE_BATCH):
            ids = range(start, min(last, start + _EDGE_BATCH))
            made.append(maker.parts_of(ids, self._best_columns(ids)))
        return [getattr(self, name)[first:last] for name in _SCORED], made

    def _grow(self, n: int) -> None:
        for name in _PER_ID:
            getattr(self, name).extend([None] * n)

    def _read_all(
        self,
        articles: Sequence[Article],
        prepared: Iterable[ArticleKeys],
        signatures: Callable[[Sequence[Article], list[str]], list[Any]] | None = None,
    ) -> None:
        """_read of every article of a full relate (ids are positions), from the article_keys
        ``prepared`` made of them (where they were parsed) when there are. ``signatures``:
        the articles' signatures all at once, given their sources (else one by one)."""
        n = len(articles)
        sources = list(map(str, map(_SOURCE, articles)))
        # Each article's keys found by the very article they were made of, in C; those of an
        # article the index made anew (another slug, merged topic names) by its source.
        prepared = list(prepared)
        made_of = list(map(id, map(_FIRST, prepared)))
        by_article = dict(zip(made_of, prepared, strict=True))
        found: list[Any] = list(map(by_article.get, map(id, articles)))
        del by_article
        missing = list(compress(range(n), map(is_, found, repeat(None))))
        if missing:
            held = set(map(id, articles))
            unheld = compress(prepared, map(not_, map(held.__contains__, made_of)))
            by_source = {str(keys[0].source): keys for keys in unheld}
            for at in missing:
                found[at] = _keys_again(articles[at], by_source.get(sources[at]))
        columns = list(map(list, zip(*found, strict=True))) if found else [[] for _ in range(7)]
        del found
        _, tkey, titles, topic_keys, time, link_keys, counts = columns
        self.source = sources
        self.id_of = dict(zip(sources, range(n), strict=True))
        if signatures is not None:
            self.sig = signatures(articles, sources)
        else:
            self.sig = list(map(self._sign, articles))
        self.slug = list(map(_SLUG, articles))
        self.title = list(map(_TITLE, articles))
        self.tkey, self.topic_keys, self.time, self.link_keys = tkey, topic_keys, time, link_keys
        self.titles = titles
        self.counts = counts
        # normalize made the URL keys: only an Article made some other way may lack them
        url_keys = list(map(_URL_KEYS, articles))
        for at in compress(range(n), map(not_, url_keys)):
            url_keys[at] = _article_url_keys(articles[at])
        self.url_keys = url_keys

    def _read(self, i: int, article: Article) -> None:
        """The per-article data that depends on the article alone (article_keys)."""
        keys = article_keys(article)
        self.source[i] = str(article.source)
        self.sig[i] = self._sign(article)
        self.slug[i] = article.slug
        self.title[i] = article.title
        _, self.tkey[i], self.titles[i], self.topic_keys[i], self.time[i], links, counts = keys
        self.counts[i] = counts
        self.url_keys[i] = _article_url_keys(article)
        self.link_keys[i] = links

    def _vectors(self, i: int, derive: bool = True) -> None:
        idf = self.idf
        topic_keys = self.topic_keys[i]
        topics = _unit({t: idf[t] for t in topic_keys})
        counts = self.counts[i]
        tf = _TF.__getitem__ if len(counts) and max(counts.values()) < _TF_LEN else _tf
        weights = dict(
            zip(
                counts,
                map(mul, map(tf, counts.values()), map(idf.__getitem__, counts)),
                strict=True,
            )
        )
        # A stable sort: equal weights keep the order of the words in the text.
        strongest = sorted(weights, key=weights.__getitem__, reverse=True)[:MAX_TERMS]
        # strongest first: queried first
        terms = _unit(dict(zip(strongest, map(weights.__getitem__, strongest), strict=True)))
        self.topic_vec[i] = topics
        self.term_vec[i] = terms
        if derive:
            self._derive(i)
        else:  # a full relate scores on numpy arrays: combined vectors are made when needed
            self.query[i] = self.topic_keys[i] + list(terms)[:QUERY_TERMS]

    def _derive(self, i: int) -> None:
        """What follows from article i's two vectors alone (not saved with the state)."""
        topics, terms = self.topic_vec[i], self.term_vec[i]
        combined = dict(zip(topics, map(mul, topics.values(), repeat(_T_SCALE)), strict=True))
        combined.update(zip(terms, map(mul, terms.values(), repeat(_W_SCALE)), strict=True))
        self.combined[i] = combined
        self.ckeys[i] = frozenset(combined)
        self.query[i] = self.topic_keys[i] + list(terms)[:QUERY_TERMS]  # strongest first

    def _derived(self, ids: Iterable[int]) -> None:
        """Make the derived vectors of articles ``ids`` that lack them."""
        if self._underived:
            combined, vectors = self.combined, self.topic_vec
            for i in ids:
                if combined[i] is None and vectors[i] is not None:
                    self._derive(i)

    def _query(self, i: int) -> list[str] | None:
        """Article i's query keys (None once it is gone), made if missing."""
        query = self.query[i]
        if query is None and self.topic_vec[i] is not None:
            self._derive(i)
            query = self.query[i]
        return query

    # -- explicit links --------------------------------------------------------------------

    def _links(self, articles: Sequence[Article]) -> None:
        """Resolve every related entry: to an article's id, or kept as an external link."""
        order = self.order
        explicit: dict[int, list[int]] = {}
        external: dict[int, tuple[RelatedLink, ...]] = {}
        for i, article in zip(order, articles, strict=True):
            if not article.related:
                continue
            targets, outside = self._resolve(i, article)
            if targets:
                explicit[i] = targets
            if outside:
                external[i] = outside
        linked: dict[int, set[int]] = defaultdict(set)
        for i, targets in explicit.items():
            for j in targets:
                linked[i].add(j)
                linked[j].add(i)
        self.explicit = explicit
        self.external = external
        self.linked = dict(linked)

    def _resolve(self, i: int, article: Article) -> tuple[list[int], tuple[RelatedLink, ...]]:
        """Article i's related entries: the ids they name, and the external links."""
        by_url, by_title = self.url_holders, self.title_holders
        targets: list[int] = []
        outside: dict[str, RelatedLink] = {}
        for link, (urls, by, key) in zip(article.related, self.link_keys[i], strict=True):
            target = next((by_url[u][0] for u in urls if u in by_url), None)
            if target is None and by is not None and by in by_title:
                target = by_title[by][0]
            if target is None:
                outside.setdefault(key, link)
            elif target != i and target not in targets:
                targets.append(target)
        return targets, tuple(outside.values())

    def _relink(
        self, articles: Sequence[Article], relink: set[int], removed: list[int]
    ) -> tuple[set[int], set[int]]:
        """_links for the articles ``relink`` only (the others' entries resolve as before),
        and without those ``removed``. Returns the articles whose links (either way) changed
        and those whose own explicit links changed, with their old and new targets."""
        explicit, external, linked = self.explicit, self.external, self.linked
        before: dict[int, list[int]] = {}
        for i in removed:
            before[i] = explicit.pop(i, [])
            external.pop(i, None)
        pos = self.pos
        for i in relink.difference(removed):
            article = articles[pos[i]]
            before[i] = explicit.get(i, [])
            targets, outside = self._resolve(i, article) if article.related else ([], ())
            if targets:
                explicit[i] = targets
            else:
                explicit.pop(i, None)
            if outside:
                external[i] = outside
            else:
                external.pop(i, None)
        reexplicit: set[int] = set()
        pairs: set[tuple[int, int]] = set()
        for i, old in before.items():
            new = explicit.get(i, [])
            if old != new:
                reexplicit.add(i)
                reexplicit.update(old, new)
                pairs.update((i, j) for j in chain(old, new))
        relinked: set[int] = set()
        for i, j in pairs:
            now = j in explicit.get(i, ()) or i in explicit.get(j, ())
            if now != (j in linked.get(i, ())):
                relinked.update((i, j))
                for a, b in ((i, j), (j, i)):
                    if now:
                        linked.setdefault(a, set()).add(b)
                    elif a in linked:
                        linked[a].discard(b)
                        if not linked[a]:
                            del linked[a]
        for i in removed:  # (none is left: their partners were resolved again)
            for j in linked.pop(i, ()):
                relinked.update((i, j))
                linked[j].discard(i)
                if not linked[j]:
                    del linked[j]
        return relinked, reexplicit

    def _referrers(self, kind: int) -> dict[str, set[int]]:
        """Per URL key (``kind`` _BY_URL) or per title key (_BY_TITLE), the articles with a
        related entry naming it: made when first needed, then kept up to date by updates
        (not saved). Each kind on its own: a title edit's update asks for the title keys
        only (the CLI's, a new process, went through every entry's URLs for nothing)."""
        found = self._refs[kind]
        if found is None:
            refs: dict[str, set[int]] = defaultdict(set)
            link_keys = self.link_keys
            # (inline: a call per entry cost more than the rest)
            if kind == _BY_URL:
                for i in self.order:
                    for urls, _, _ in link_keys[i] or ():
                        for key in urls:
                            refs[key].add(i)
            else:
                for i in self.order:
                    for _, by, _ in link_keys[i] or ():
                        if by is not None:
                            refs[by].add(i)
            found = self._refs[kind] = dict(refs)
        return found

    def _refer(self, i: int, sign: int) -> None:
        """Add (``sign`` 1) or remove (-1) article i's related entries in _referrers."""
        by_url, by_title = self._refs
        if (by_url is None and by_title is None) or not self.link_keys[i]:
            return
        for urls, by, _ in self.link_keys[i]:
            if by_url is not None:
                for key in urls:
                    _refer_key(by_url, key, i, sign)
            if by is not None and by_title is not None:
                _refer_key(by_title, by, i, sign)

    # -- candidates and scores -------------------------------------------------------------

    def _candidates(self, i: int) -> list[int]:
        """The articles sharing the most topics and strong words with article i."""
        counts: dict[int, int] = {}
        half = POSTING_WINDOW // 2
        postings, pos = self.postings, self.pos
        in_order = self._in_order
        query = self.query[i]
        for key in query if query is not None else self._query(i) or ():
            members = postings[key]
            if len(members) <= POSTING_WINDOW:
                _count(counts, members)
            else:  # a common topic or word: only the articles nearest in time
                # (ids are positions after a full relate: no key function needed)
                at = bisect_left(members, i) if in_order else _rank_in(members, i, pos)
                _count(counts, members[max(0, at - half) : at + half + 1])
        counts.pop(i, None)
        # As Counter.most_common (ties: first seen first). Few are counted more than once:
        # sort those, then the first seen of the others; faster than sorting all.
        values = counts.values()
        best = sorted(
            compress(counts, map(gt, values, repeat(1))), key=counts.__getitem__, reverse=True
        )
        if len(best) >= CANDIDATES:
            return best[:CANDIDATES]
        best += islice(compress(counts, map(eq, values, repeat(1))), CANDIDATES - len(best))
        return best

    def _score(self, i: int, stale: set[int] | None = None, found: list[int] | None = None) -> None:
        """Score the candidates of article i; keep the best few, note near-duplicates.
        With ``stale``, the scores of last time are reused for candidates not in it (only
        valid while article i's own data and links are unchanged)."""
        if self.count == 0:
            self.cands[i], self.scores[i], self.kept[i], self.dups[i] = [], [], {}, ()
            return
        pos = self.pos
        in_order = self._in_order
        linked = self.linked.get(i, ())
        cands = self._candidates(i) if found is None else found
        if linked:
            cands = list(dict.fromkeys(chain(cands, sorted(linked, key=pos.__getitem__))))
        old: dict[int, float] = {}
        old_dups: set[int] = set()
        if stale is not None:
            old = dict(zip(self.cands[i], self.scores[i], strict=True))
            old_dups = set(self.dups[i])
            for j in stale:
                old.pop(j, None)
        if self._underived:
            self._derived(chain((i,), cands))
        combined, ckeys, times, titles = self.combined, self.ckeys, self.time, self.titles
        a, ka, time_a, title_a = combined[i], ckeys[i], times[i], titles[i]
        scores: list[float] = []
        dups: list[int] = []
        add_score, add_dup = scores.append, dups.append
        size_a = len(title_a)
        long_title = size_a >= 3
        # Scored from j's side already: every term of the score is symmetric.
        their_cands, their_scores, their_dups = self.cands, self.scores, self.dups
        fsum, exp = math.fsum, math.exp
        for j in cands:
            if old and j in old:
                add_score(old[j])
                if j in old_dups:
                    add_dup(j)
                continue
            if in_order and j < i and i in (theirs := their_cands[j]):
                add_score(their_scores[j][theirs.index(i)])
                if i in their_dups[j]:
                    add_dup(j)
                continue
            common = ka & ckeys[j]
            # One or two products: their sum is already exact (what fsum gives).
            if not common:
                relevance = 0.0
            elif len(common) == 1:
                (k,) = common
                relevance = a[k] * combined[j][k]
            elif len(common) == 2:
                k, k2 = common
                b = combined[j]
                relevance = a[k] * b[k] + a[k2] * b[k2]
            else:
                b = combined[j]
                relevance = fsum([a[k] * b[k] for k in common])
            time_b = times[j]
            if time_a is None or time_b is None:
                score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * UNDATED_RECENCY)
            else:
                seconds = abs(time_a - time_b)
                score = relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * exp(-seconds * _DECAY))
                if seconds <= _STORY_SECONDS and long_title:
                    # title_similarity, inline: on a large site most candidates are close
                    title_b = titles[j]
                    size_b = len(title_b)
                    if size_b >= 3:
                        shared = len(title_a & title_b)
                        if shared / (size_a + size_b - shared) >= STORY_TITLE_JACCARD:
                            add_dup(j)
            if linked and j in linked:
                score += EXPLICIT_BONUS
            add_score(score)
        ranks = map(neg, cands) if in_order else [-pos[j] for j in cands]  # positions are ids
        best = sorted(zip(scores, ranks, cands, strict=True), reverse=True)[
            : self.count + KEEP_EXTRA
        ]
        self.cands[i] = cands
        self.scores[i] = scores
        self.kept[i] = {j: score for score, _, j in best}
        self.dups[i] = tuple(dups) if dups else ()

    def _score_batch(
        self, ids: range, found: list[list[int]], scorer: PairScorer, title_filter: TitleFilter
    ) -> None:
        """_score for articles ``ids`` of a full relate (ids are positions), their candidates
        ``found``: the same results, with the scores of all their pairs computed together
        and ranked together (``title_filter``: of the site's titles)."""
        import numpy as np

        from sitegen.relateedges import among

        linked_of = self.linked
        a, b = ids.start, ids.stop
        cand_lists = found[a:b]
        # The articles linked either way are scored too, after the candidates (in index
        # order: ids are positions).
        linked_here = list(filter(linked_of.__contains__, ids))
        linked_lists = list(map(sorted, map(linked_of.__getitem__, linked_here)))
        for i, linked in zip(linked_here, linked_lists, strict=True):
            cands = found[i]
            cand_lists[i - a] = cands + [j for j in linked if j not in cands]
        sizes = list(map(len, cand_lists))
        starts = [0, *accumulate(sizes)]
        second_list = list(chain.from_iterable(cand_lists))
        first = np.repeat(np.arange(a, b, dtype=np.int64), sizes)
        second = np.array(second_list, np.int64)
        flat = 1.0 - TIME_WEIGHT + TIME_WEIGHT * UNDATED_RECENCY
        scored = scorer.scores(first, second, 1.0 - TIME_WEIGHT, TIME_WEIGHT, _DECAY, flat)
        score_arr, seconds, words = scored
        if linked_here:  # (pairs as first * n + second)
            n = len(self.pos)
            linked_first = np.repeat(np.array(linked_here, np.int64), list(map(len, linked_lists)))
            linked_pairs = linked_first * n + np.array(list(chain.from_iterable(linked_lists)))
            score_arr[among(first * n + second, np.sort(linked_pairs))] += EXPLICIT_BONUS
        # Near-duplicates: close in time, titles of 3 words or more and alike.
        titles = self.titles
        close = np.flatnonzero(seconds <= _STORY_SECONDS)
        dups_of: dict[int, list[int]] = {}
        for k in close[title_filter.may_be_alike(first[close], second[close])].tolist():
            i, j = a + bisect_right(starts, k) - 1, second_list[k]
            title_a, title_b = titles[i], titles[j]
            shared = len(title_a & title_b)
            if shared / (len(title_a) + len(title_b) - shared) >= STORY_TITLE_JACCARD:
                dups_of.setdefault(i, []).append(j)
        hint = self._hint
        if hint is not None:
            # the hint is within far less than 1e-6 of the exact sum: below this, no similar words
            maybe = np.flatnonzero(words >= _NO_SIMILAR_WORDS)
            for i, j in zip(first[maybe].tolist(), second[maybe].tolist(), strict=True):
                if hint[i] is None:
                    hint[i] = set()
                hint[i].add(j)
            hint[a:b] = [_NONE if h is None else h for h in hint[a:b]]
        # Each article's best: highest score first, then lowest id (ids are positions in a
        # full relate: -id ranks as -position), as _score sorts them.
        keep = self.count + KEEP_EXTRA
        order = np.lexsort((second, -score_arr, first))
        place = np.arange(len(order)) - np.repeat(np.array(starts[:-1], np.int64), sizes)
        top = order[place < keep]
        # (the very int and float objects of the candidate and score lists: not more of them)
        scores = score_arr.tolist()
        top_list = top.tolist()
        best = zip(
            map(second_list.__getitem__, top_list), map(scores.__getitem__, top_list), strict=True
        )  # (consumed in part)
        self.cands[a:b] = cand_lists
        self.scores[a:b] = list(map(scores.__getitem__, map(slice, starts, starts[1:])))
        self.kept[a:b] = [dict(islice(best, min(size, keep))) for size in sizes]
        self.dups[a:b] = [tuple(dups_of[i]) if i in dups_of else () for i in ids]

    def _pre_score(self, i: int, j: int) -> float:
        """The score without the bonuses, as _score computes it."""
        for m in (i, j):
            if self.ckeys[m] is None:
                self._derive(m)
        common = self.ckeys[i] & self.ckeys[j]
        a, b = self.combined[i], self.combined[j]
        relevance = math.fsum(a[k] * b[k] for k in common) if common else 0.0
        time_a, time_b = self.time[i], self.time[j]
        if time_a is None or time_b is None:
            recency = UNDATED_RECENCY
        else:
            recency = math.exp(-abs(time_a - time_b) * _DECAY)
        return relevance * (1.0 - TIME_WEIGHT + TIME_WEIGHT * recency)

    # -- story clusters --------------------------------------------------------------------

    def _stories(self) -> None:
        """Union-find over shared URLs, same-story links and near-duplicates; then each
        article's story (members earliest first, one tuple shared by them) in self.story."""
        parent: dict[int, int] = {}

        def find(i: int) -> int:
            while (up := parent.get(i, i)) != i:
                parent[i] = parent.get(up, up)
                i = up
            return i

        def union(i: int, j: int) -> None:
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
                parent.setdefault(min(a, b), min(a, b))

        for holders in self.url_holders.values():
            if len(holders) > 1:
                for j in holders[1:]:
                    union(holders[0], j)
        for i, partners in self.explicit.items():
            for j in partners:
                if self._linked_same_story(i, j):
                    union(i, j)
        for i in self.order:
            dups = self.dups[i]
            if dups:
                for j in dups:
                    union(i, j)
        groups: dict[int, list[int]] = defaultdict(list)
        for i in parent:
            groups[find(i)].append(i)
        story = self.story
        for i in self.in_story:
            if story[i] is not None:  # removed articles' entries are gone already
                story[i] = None
        time, slug = self.time, self.slug
        self.in_story = set(parent)
        for members in groups.values():
            members.sort(key=lambda m: (time[m] is None, time[m] or 0.0, slug[m]))
            ordered = tuple(members)
            for m in ordered:
                story[m] = ordered

    def _linked_same_story(self, i: int, j: int) -> bool:
        """An explicit link is the same story when the two are close in time and their titles
        are alike, or (for coverage in other languages) their topics are exactly the same."""
        similar = title_similarity(self.titles[i], self.titles[j])
        time_a, time_b = self.time[i], self.time[j]
        if time_a is None or time_b is None:
            return similar >= STORY_TITLE_JACCARD
        if abs(time_a - time_b) / _DAY > LINKED_STORY_DAYS:
            return False
        topics = self.topic_keys[i]
        return similar >= LINKED_TITLE_JACCARD or (bool(topics) and topics == self.topic_keys[j])

    # -- ranking ---------------------------------------------------------------------------

    def _rank(self, i: int) -> tuple[Edge, ...]:
        best = self._best(i)
        return self._edges(i, best) if best else ()

    def _best(self, i: int) -> list[tuple[float, Slug, int]]:
        """The articles article i links to, best first: (-score, slug, id)."""
        count = self.count
        if count == 0:
            return []
        story = self.story[i]
        slug = self.slug
        # (-total, slug, id): sorted best first, ties by slug
        final: list[tuple[float, Slug, int]] = []
        if story is None:  # the common case: the kept scores are all there is
            floor = math.floor
            # Kept best first, and rounding keeps the order: stop at the first total too
            # low to be shown or to tie with the last shown.
            for j, score in self.kept[i].items():
                # round(score, 4), which is slow, where no tie is near (as _round4)
                y = score * 10000.0
                d = y - (k := floor(y))
                if -_NEAR_HALF < d - 0.5 < _NEAR_HALF:
                    total = round(score, 4)
                else:
                    total = (k + (d > 0.5)) / 10000.0
                if total < MIN_SCORE or (len(final) >= count and -total > final[count - 1][0]):
                    break
                final.append((-total, slug[j], j))
        else:
            pre = dict(self.kept[i])
            for j in [j for j in story if j != i][:MAX_SIBLINGS]:
                if j not in pre:
                    pre[j] = self._pre_score(i, j)
            stories = self.story
            for j, score in pre.items():
                total = _round4(score + (STORY_BONUS if stories[j] is story else 0.0))
                if total >= MIN_SCORE:
                    final.append((-total, slug[j], j))
        final.sort()
        return final[:count]

    def _best_columns(self, ids: range) -> BestColumns:
        """_best of articles ``ids`` while no article is in a story (a full relate's first
        ranking, ids positions), all at once: the same totals, in the same order."""
        import numpy as np

        from sitegen.relateedges import BestColumns

        kept = self.kept[ids.start : ids.stop]
        count = self.count
        if count == 0:
            return BestColumns([0] * len(kept), [], [])
        sizes = np.fromiter(map(len, kept), np.int64, len(kept))
        targets = np.array(list(chain.from_iterable(kept)), np.int64)
        scores = np.array(list(chain.from_iterable(map(dict.values, kept))), np.float64)
        # round(score, 4) as _best rounds it (see _round4)
        y = scores * 10000.0
        k = np.floor(y)
        d = y - k
        totals = (k + (d > 0.5)) / 10000.0
        near = np.flatnonzero(np.abs(d - 0.5) < _NEAR_HALF)
        totals[near] = [round(x, 4) for x in scores[near].tolist()]
        # Kept best first, and rounding keeps the order: the totals shown are those of
        # MIN_SCORE or more, and past the count-th only those tied with it.
        starts = np.zeros(len(kept), np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        owner = np.repeat(np.arange(len(kept), dtype=np.int64), sizes)
        place = np.arange(len(targets), dtype=np.int64) - starts[owner]
        last = starts + np.minimum(sizes, count) - 1  # (-1 for none: never read)
        shown = (totals >= MIN_SCORE) & ((place < count) | (totals >= totals[last[owner]]))
        owner, targets, totals = owner[shown], targets[shown], totals[shown]
        # Ties: by slug (few articles have any): those articles' lists sorted as _best does.
        tied = owner[np.flatnonzero((owner[1:] == owner[:-1]) & (totals[1:] == totals[:-1]))]
        shown_sizes = np.bincount(owner, minlength=len(kept))
        starts[1:] = np.cumsum(shown_sizes[:-1])
        slug = self.slug
        for m in np.unique(tied).tolist():
            part = slice(int(starts[m]), int(starts[m] + shown_sizes[m]))
            ids_m = targets[part].tolist()
            negs = (-totals[part]).tolist()
            final = sorted(zip(negs, map(slug.__getitem__, ids_m), ids_m, strict=True))
            targets[part] = [j for _, _, j in final]
            totals[part] = [-t for t, _, _ in final]
        first = np.arange(len(owner), dtype=np.int64) - starts[owner] < count
        return BestColumns(
            np.minimum(shown_sizes, count).tolist(), targets[first].tolist(), totals[first].tolist()
        )

    def _edges(self, i: int, best: list[tuple[float, Slug, int]]) -> tuple[Edge, ...]:
        """The edges of article i to the articles ``best`` ((-score, slug, id), in order),
        each with why they are related. (A full relate makes all articles' edges at once:
        sitegen/relateedges.py, with the same reasons.)"""
        stories, story = self.story, self.story[i]
        linked = self.linked.get(i, ())  # either links to the other
        topic_order = self._topic_order(i)
        topic_vec, term_vec, a = self.topic_vec, self.term_vec, self.term_vec[i]
        a_keys = frozenset(a)  # a set made once, not once per edge
        times, time_a = self.time, self.time[i]
        maybe = self._hint[i] if self._hint is not None else None
        # kept scores (all there is without a story) are of candidates: they have a hint
        hinted = self.cands[i] if maybe is not None and story is not None else ()
        targets: list[Slug] = []
        scores: list[float] = []
        reasons: list[tuple[str, ...]] = []
        for neg_score, target, j in best:
            found = []
            if story is not None and stories[j] is story:
                found.append("same story")
            if linked and j in linked and (reason := self._link_reason(i, j)):
                found.append(reason)
            if topic_order and (reason := self._topics_reason(topic_order, topic_vec[j])):
                found.append(reason)
            # unless the hint says: no similar words
            if (maybe is None or j in maybe or (story is not None and j not in hinted)) and (
                reason := _words_reason(a_keys, a, term_vec[j])
            ):
                found.append(reason)
            time_b = times[j]
            if time_a is not None and time_b is not None and abs(time_a - time_b) < _DAY:
                found.append("published the same day")
            targets.append(target)
            scores.append(-neg_score)
            reasons.append(tuple(found))
        # Edge(...) without the frozen dataclass's slow __init__: the graph of a large site
        # has many edges.
        return tuple(made_edges(len(targets), targets, scores, reasons))

    def _topic_order(self, i: int) -> list[str]:
        """Article i's topics strongest first: the shared ones are named in this order."""
        topics_i = self.topic_vec[i]
        return [t for _, t in sorted(zip(map(neg, topics_i.values()), topics_i, strict=True))]

    def _topics_reason(self, topic_order: list[str], topics_j: dict[str, float]) -> str | None:
        """ "shared topics: ..." for an article's topics (``topic_order``) and another's."""
        shared = tuple(filter(topics_j.__contains__, topic_order))
        if not shared:
            return None
        # one string for each set of topics named: many edges share it
        reason = self._named.get(shared)
        if reason is None:
            labels = self.topic_labels
            reason = self._named[shared] = "shared topics: " + ", ".join(
                map(labels.__getitem__, shared[:3])
            )
        return reason

    def _link_reason(self, i: int, j: int) -> str | None:
        """The reason of the edge i -> j when one of the two links to the other."""
        explicit = self.explicit
        if j in explicit.get(i, ()):
            return "linked by the source"
        if j in explicit and i in explicit[j]:
            return "links to this article"
        return None

    def _graph(self, articles: Sequence[Article]) -> RelatedGraph:
        clusters: dict[Slug, StoryCluster] = {}
        cluster_of: dict[Slug, Slug] = {}
        slug = self.slug
        for i in self.in_story:  # (sorted below: the order they are found in is no matter)
            members = self.story[i]
            if members and members[0] == i:
                story = StoryCluster(slug[i], tuple(slug[m] for m in members), self.title[i])
                clusters[story.id] = story
                for m in members:
                    cluster_of[slug[m]] = story.id
        # Built in C (map, zip): these are remade by every update.
        order = self.order
        slugs = list(map(slug.__getitem__, order))
        return RelatedGraph(
            edges=dict(zip(slugs, map(self.edges.__getitem__, order), strict=True)),
            clusters=dict(sorted(clusters.items())),
            cluster_of=dict(sorted(cluster_of.items())),
            external=dict(zip(slugs, map(self.external.get, order, repeat(())), strict=True)),
        )

    # -- incremental -----------------------------------------------------------------------

    def update(
        self, articles: Sequence[Article], sign: Callable[[Article], Hashable]
    ) -> RelatedGraph | None:
        """Bring the state to ``articles``; None when a full relate is the better way."""
        self._sign = sign
        n = len(articles)
        if not n or _rounded(n) != self.n_rounded:
            return None  # every weight changes
        id_of, sig = self.id_of, self.sig
        # The very objects of the last call in this process (serve) are unchanged: their
        # ids are known; the others' are found by source, and their signatures compared.
        found: list[int | None] = list(map(self._seen.get, map(id, articles)))
        changed = []
        new_sources = set()
        for k in [k for k, i in enumerate(found) if i is None]:
            a = articles[k]
            source = str(a.source)
            i = found[k] = id_of.get(source, -1)
            if i < 0 or sig[i] != sign(a):
                changed.append(k)
            if i < 0:
                new_sources.add(source)
        ids = cast(list[int], found)
        present = set(ids)
        removed = list(filterfalse(present.__contains__, self.order))
        new_count = n - len(present.difference((-1,)))  # (unless sources repeat)
        limit = max(8, int(MAX_CHANGED_SHARE * n))
        if len(changed) + len(removed) > limit or len(new_sources) != new_count:
            return None
        self.modified = bool(changed or removed) or ids != self.order
        if not self.modified:
            self._saw(articles, ids)
            return self._graph(articles)
        # Unusable until the update is through: an error half-way leaves no wrong state.
        self.format = 0
        postings, pos = self.postings, self.pos
        touched: dict[str, list[int]] = {}  # posting lists as they were
        # The article each URL or title key named before (links resolve to it), per key of
        # an article that changed or went.
        url_firsts: dict[str, int | None] = {}
        title_firsts: dict[str, int | None] = {}
        # The topics of the articles that changed or went, as they were (serve keeps the
        # articles of the last call), for the topic names.
        last = self._seen_articles
        before = [ids[k] for k in changed if ids[k] >= 0] + removed
        old_topics = [last[pos[i]].topics for i in before] if last else None
        for i in before:
            for key in chain(self.topic_keys[i], self.counts[i]):
                if key not in touched:
                    touched[key] = list(postings[key])
                postings[key].remove(i)
            for key in self.url_keys[i]:
                _first(url_firsts, self.url_holders, key)
                _discard(self.url_holders, key, i)
            _first(title_firsts, self.title_holders, self.tkey[i])
            _discard(self.title_holders, self.tkey[i], i)
            self._refer(i, -1)
        # New ids, positions and per-article data.
        added = [k for k in changed if ids[k] < 0]
        if added:
            start = len(sig)
            self._grow(len(added))
            for offset, k in enumerate(added):
                ids[k] = start + offset
                id_of[str(articles[k].source)] = start + offset
        for i in removed:
            del id_of[self.source[i]]
            for name in _PER_ID:
                getattr(self, name)[i] = None
        self.order = ids
        deque(map(pos.__setitem__, ids, range(len(ids))), maxlen=0)  # (in C: 10,000)
        by_pos = pos.__getitem__
        changed_ids = [ids[k] for k in changed]
        for k in changed:
            i = ids[k]
            self._read(i, articles[k])
            for key in chain(self.topic_keys[i], self.counts[i]):
                members = postings.get(key)
                if members is None:
                    members = postings[key] = []
                if key not in touched:
                    touched[key] = list(members)
                insort(members, i, key=by_pos)
            for key in self.url_keys[i]:
                _first(url_firsts, self.url_holders, key)
                insort(self.url_holders.setdefault(key, []), i, key=by_pos)
            _first(title_firsts, self.title_holders, self.tkey[i])
            insort(self.title_holders.setdefault(self.tkey[i], []), i, key=by_pos)
            self._refer(i, 1)
        # Weights of the touched keys; the vectors of articles holding a key whose weight
        # changed, and which of them actually changed.
        idf = self.idf
        revector = set(changed_ids)
        for key, before in touched.items():
            after = postings[key]
            if not after:
                del postings[key]
                idf.pop(key, None)
            elif len(after) != len(before):
                weight = _idf(self.n_rounded, len(after))
                if idf.get(key) != weight:
                    idf[key] = weight
                    revector.update(after)
        moved = set(changed_ids)  # articles whose data, as a candidate, changed
        for i in revector:
            # (The query follows from the topic keys, the same unless i changed, and the
            # term vector.)
            old = (self.topic_vec[i], self.term_vec[i])
            self._vectors(i)
            if (self.topic_vec[i], self.term_vec[i]) != old:
                moved.add(i)
        # Candidates to find again: articles whose window of a posting list they search
        # changed (an article came, went or moved within reach), whose own data or links
        # changed, or among whose candidates one changed or went.
        events = moved.union(removed)
        shifted = set(changed_ids).union(removed)  # came, went or may have moved in a list
        windowed: set[int] = set()  # only a window changed: rescored if candidates did
        reach = POSTING_WINDOW // 2 + 2
        query = self._query
        for key, before in touched.items():
            after = postings.get(key, [])
            if after == before:
                continue
            if min(len(before), len(after)) <= POSTING_WINDOW + 2:
                near = set(after)
            else:
                near = set()
                for members in (before, after):
                    for i in shifted.intersection(members):
                        at = members.index(i)
                        near.update(members[max(0, at - reach) : at + reach + 1])
            windowed.update(i for i in near if key in (query(i) or ()))
        # Links to resolve again: those of changed articles, and those naming a key that now
        # names another article (or none, or one where none was).
        relink = set(changed_ids)
        for firsts, holders, kind in (
            (url_firsts, self.url_holders, _BY_URL),
            (title_firsts, self.title_holders, _BY_TITLE),
        ):
            for key, first in firsts.items():
                now = holders.get(key)
                if (now[0] if now else None) != first:
                    relink.update(self._referrers(kind).get(key, ()))
        relinked, reexplicit = self._relink(articles, relink, removed)
        own = moved | relinked  # scored from scratch
        own.difference_update(removed)
        cands, kept = self.cands, self.kept
        # Those among whose candidates one changed or went, found in C (10,000 articles
        # after every edit, in serve).
        listed = list(map(cands.__getitem__, ids))
        scored = list(map(is_not, listed, repeat(None)))
        listed = list(compress(listed, scored))
        hit = map(not_, map(events.isdisjoint, listed))
        dirty = windowed.union(compress(compress(ids, scored), hit))
        dirty.difference_update(own, removed)
        dups = self.dups
        old_dups: dict[int, tuple[int, ...] | None] = {i: dups[i] for i in chain(own, dirty)}
        for i in own:
            self._score(i)
        rescored = set(own)
        for i in dirty:
            kept_before = kept[i]
            self._score(i, events)
            if list(kept[i].items()) != list(kept_before.items()) or not events.isdisjoint(
                kept_before
            ):
                rescored.add(i)
        # Related lists to rank again: those of rescored articles, of articles whose links,
        # story or a story member changed, and of holders of a renamed topic.
        story = self.story
        old_story = {i: story[i] for i in self.in_story}
        if self._stories_may_change(changed_ids, removed, relinked, old_dups):
            self._stories()
        rerank = rescored | relinked | reexplicit
        for i in old_story.keys() | self.in_story:
            if old_story.get(i) != story[i] or not events.isdisjoint(story[i] or ()):
                rerank.add(i)
        old_names = self.topic_names
        self.topic_names = self._names(articles, old_topics, [articles[k] for k in changed])
        for t in old_names.keys() | self.topic_names.keys():
            if old_names.get(t) != self.topic_names.get(t):
                rerank.update(postings.get("t:" + t, ()))
                self.topic_labels = {}  # made again below
        if not self.topic_labels:
            self.topic_labels = _labels(self.topic_names)
            self._named = {}
        rerank.difference_update(removed)
        for i in rerank:
            self.edges[i] = self._rank(i)
        self._saw(articles, ids)
        self.format = STATE_FORMAT
        return self._graph(articles)

    def _stories_may_change(
        self,
        changed: list[int],
        removed: list[int],
        relinked: set[int],
        old_dups: dict[int, tuple[int, ...] | None],
    ) -> bool:
        """Whether an update may have changed a story: an article in one changed, went or
        links or is linked differently; a changed article shares a URL or (by a link) the
        story of another; near-duplicates found differ. Else the union-find over the whole
        site would give the stories of last time."""
        in_story = self.in_story
        if not in_story.isdisjoint(changed) or not in_story.isdisjoint(removed):
            return True
        if not in_story.isdisjoint(relinked):
            return True
        holders = self.url_holders
        for i in changed:
            if any(len(holders[key]) > 1 for key in self.url_keys[i]):
                return True
        for i in chain(changed, relinked):
            for j in self.linked.get(i, ()):  # links either way (the test is symmetric)
                if self._linked_same_story(i, j):
                    return True
        dups = self.dups
        return any((dups[i] or ()) != (before or ()) for i, before in old_dups.items())


def _words_reason(a_keys: frozenset[str], a: dict[str, float], b: dict[str, float]) -> str | None:
    """ "similar words: ..." when the products of the words two vectors share (``a_keys``:
    the keys of ``a``) sum to SIMILAR_WORDS or more."""
    common = a_keys.intersection(b)
    if not common:
        return None
    products = list(map(mul, map(a.__getitem__, common), map(b.__getitem__, common)))
    if (math.fsum(products) if len(products) > 2 else sum(products)) < SIMILAR_WORDS:
        return None
    top = sorted(zip(map(neg, products), common, strict=True))[:3]
    return "similar words: " + ", ".join([w[2:] for _, w in top])


SIMILAR_WORDS = 0.1  # the sum of the shared words' products that names them as a reason
# Shared words' products in the combined vectors are TEXT_WEIGHT times those of the word
# vectors (each rounded): a hint this far below that cannot come from a sum reaching it.
_NO_SIMILAR_WORDS = SIMILAR_WORDS * TEXT_WEIGHT * (1.0 - 1e-6)
_NONE: frozenset[int] = frozenset()
_SCORE_BATCH = 128  # articles whose pairs are scored together in a full relate
# A full relate of this many articles or more shares its scoring with other processes
# (fewer: forking costs more than it saves), this process taking this share of a fair one.
_SHARED_SCORING = 3000
_OWN_SHARE = 0.95
_SCORED = ("cands", "scores", "kept", "dups", "_hint")  # what scoring makes, per article
_EDGE_BATCH = 4096  # articles whose edges are made together in a full relate


_DERIVED = ("combined", "ckeys", "query")  # per id, from topic_vec and term_vec (_derive)
# Per id, saved as one marshal text per entry and decoded when first read (LazyEntries):
# an edit's update reads a few hundred entries of each (the articles it scores and their
# candidates); unpickling all 10,000 of each was ~70 of the ~190 ms the state took to load,
# and copying them for the delta's snapshot ~15 more. (The others are read whole by an
# update: candidates, edges, stories, link keys for the referrers.) The URL keys: an edit
# reads those of the articles it changes.
_LAZY = (
    "term_vec",
    "counts",
    "kept",
    "titles",
    "scores",
    "topic_keys",
    "topic_vec",
    "url_keys",
)
# Dicts read by key whose values stay their saved bytes until read (lazyentries.LazyDict):
# an update reads the posting lists of the keys of the articles it scores (a few hundred of
# ~10,000 keys); unpickled, their ids were 13 of the state's ~74 MB in memory. The holders
# of URL and title keys: an edit reads those of the keys of the articles it changes and
# of their related entries (a few of ~10,000 each).
_LAZY_KEYED = ("postings", "url_holders", "title_holders")
_SAVED_IMMUTABLE = frozenset((*_LAZY, *_LAZY_KEYED, "edges"))
_SAVED_ENTRIES = 4096  # entries of a list of saved bytes in a part of relate.pickle
# Parts of relate.pickle (see RelateState.saved_parts): fields that share objects (strings)
# or are large, each _LAZY list, then the other fields in one last part.
_SAVED_TOGETHER = (
    ("source", "id_of"),
    ("url_holders", "link_keys"),
    ("tkey", "title_holders"),
    ("postings", "idf"),
    ("edge_reasons",),
    ("external",),
    ("cands",),
    ("sig",),
    ("slug", "title"),
)


def _first(firsts: dict[str, int | None], holders: dict[str, list[int]], key: str) -> None:
    """Note the article ``key`` names now, unless noted already."""
    if key not in firsts:
        members = holders.get(key)
        firsts[key] = members[0] if members else None


_BY_URL, _BY_TITLE = 0, 1  # RelateState._referrers' kinds


def _refer_key(refs: dict[str, set[int]], key: str, i: int, sign: int) -> None:
    if sign > 0:
        refs.setdefault(key, set()).add(i)
    else:
        found = refs.get(key)
        if found is not None:
            found.discard(i)
            if not found:
                del refs[key]


def _discard(holders: dict[str, list[int]], key: str, i: int) -> None:
    members = holders[key]
    members.remove(i)
    if not members:
        del holders[key]


_PER_ID = (
    "sig",
    "source",
    "tkey",
    "slug",
    "title",
    "pos",
    "time",
    "titles",
    "topic_keys",
    "counts",
    "url_keys",
    "link_keys",
    "topic_vec",
    "term_vec",
    "combined",
    "ckeys",
    "query",
    "cands",
    "scores",
    "kept",
    "dups",
    "story",
    "edges",
)


_NEAR_HALF = 1e-6  # a product x * 10000 this close to a half: round(x, 4) decides


def _round4(x: float) -> float:
    """round(x, 4), faster: x * 10000 is within far less than _NEAR_HALF of the exact
    product, so rounding it half up gives round's integer unless the two are near a half."""
    y = x * 10000.0
    k = math.floor(y)
    d = y - k
    if -_NEAR_HALF < d - 0.5 < _NEAR_HALF:
        return round(x, 4)
    return (k + (d > 0.5)) / 10000.0


def _tf(count: int) -> float:
    return _TF[count] if count < len(_TF) else 1.0 + math.log(count)


def _rank_in(members: list[int], i: int, pos: list[int]) -> int:
    """Where article i sits in a posting list (sorted by position)."""
    return bisect_left(members, pos[i], key=pos.__getitem__)


def _topic_names(articles: Iterable[Article]) -> dict[str, str]:
    """Per topic slug, its name as the last article holding it spells it (made in C: the
    CLI's every edit)."""
    return dict(map(_SLUG_NAME, chain.from_iterable(map(_TOPICS, articles))))


_TOPICS = operator.attrgetter("topics")
_SLUG_NAME = operator.attrgetter("slug", "name")


def _spellings(articles: Iterable[Article]) -> dict[str, collections.Counter[str]]:
    """Per topic slug, how many of the articles spell it which way."""
    counts: dict[str, collections.Counter[str]] = defaultdict(collections.Counter)
    for a in articles:
        for t in a.topics:
            counts[t.slug][t.name] += 1
    return dict(counts)


def _labels(topic_names: dict[str, str]) -> dict[str, str]:
    """Topic names by vector key ("t:" + slug)."""
    return {"t:" + t: name for t, name in topic_names.items()}
