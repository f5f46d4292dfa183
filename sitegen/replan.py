"""Planning after an edit: which pages' inputs may have changed since the last build.

The last build leaves a PlanMemo in the build state (beside its page keys) and the relate
state holds its related lists. From these, ``changes`` works out, from the articles whose
key changed and the related lists that are not the very tuples of the last relate, which
article pages, listing cards, graph page lines and graph data may show something new. Every
other page keeps the last build's key without its deps being made again: planning costs in
proportion to the change, not to the site (`sitegen build` after an edit and `serve`).

A page whose key is reused must have exactly the deps of the last build, so each set below
is a superset of the pages whose deps (render.PageKeys) can differ.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import attrgetter, is_, is_not, ne
from typing import Any

from sitegen.model import Article, Edge, RelatedGraph, RelatedLink, SiteIndex, Slug, StoryCluster

KeyOf = Callable[[Article], str]


def shown_text(article: Article) -> str:
    """What a page shows of another article: its URL (slug), title, provider and date."""
    provider = article.provider.name if article.provider else ""
    when = article.published.isoformat() if article.published else ""
    return f"{article.slug}\x1f{article.title}\x1f{provider}\x1f{when}"


def topics_text(article: Article) -> str:
    """Its topics as graph data and listings use them: slugs and names, in order."""
    return "\x1e".join([f"{t.slug}\x1d{t.name}" for t in article.topics])


def _article_entry(article: Article) -> tuple[str, str, str]:
    provider = article.provider.slug if article.provider else ""
    return shown_text(article), topics_text(article), provider


def article_entries(articles: Iterable[Article]) -> dict[Slug, tuple[str, str, str]]:
    """_article_entry of every article, by slug: the same texts, made in one loop (10,000
    articles in a build from scratch: the calls cost a tenth of it)."""
    entries = {}
    for a in articles:
        provider, when, topics = a.provider, a.published, a.topics
        if len(topics) == 1:
            topic = topics[0]
            filed = f"{topic.slug}\x1d{topic.name}"
        else:
            filed = "\x1e".join([f"{t.slug}\x1d{t.name}" for t in topics])
        entries[a.slug] = (
            f"{a.slug}\x1f{a.title}\x1f{provider.name if provider else ''}"
            f"\x1f{when.isoformat() if when else ''}",
            filed,
            provider.slug if provider else "",
        )
    return entries


def signatures_hash(signatures: Iterable[str]) -> str:
    """One hash of every article's key in site order: the same for the relate state and
    the plan memo of one build (they are checked to belong together)."""
    text = "\n".join(signatures).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


@dataclass
class ListingMemo:
    """A listing as the last build planned it: the slugs of its cards (one per story), the
    number of its articles and its own values (name, template...)."""

    leads: tuple[Slug, ...]
    total: int
    context: tuple[object, ...]


@dataclass
class PlanMemo:
    """What the last build planned from, kept in the build state with its page keys."""

    signatures: str  # signatures_hash of its articles' keys, in site order
    order: tuple[Slug, ...]  # its articles, in site order
    articles: dict[Slug, tuple[str, str, str]]  # slug -> shown_text, topics_text, provider
    clusters: dict[Slug, StoryCluster]
    cluster_of: dict[Slug, Slug]
    listings: dict[tuple[str, str], ListingMemo] = field(default_factory=dict)
    shared: str = ""  # the hash of what every graph page shows (render._graph_plan)
    # What the graph page's legend and topic map count of its articles (graphpages.
    # TopicCounts: per main topic, per pair of topics), when a build counted them: the
    # next one (a new process) patches them for the articles whose key changed.
    topic_main: dict[Slug | None, int] | None = None
    topic_pairs: dict[tuple[Slug, Slug], int] | None = None


@dataclass
class PlannedPages:
    """The pages the last plan of this process (serve) made from their last key, with what
    they were made from: planned again from the very same objects, such a page is the same
    page (not made again: 12,800 pages after every edit). Kept in memory only (the pages
    hold their makers)."""

    # slug -> the article and its page
    articles: dict[Slug, tuple[Article, Any]] = field(default_factory=dict)
    # (folder, template) -> the listing's articles, its own values and its pages
    listings: dict[tuple[str, str], tuple[object, tuple[object, ...], list[Any]]] = field(
        default_factory=dict
    )
    # (folder, template) of a topic or provider -> the slugs of its articles and of its
    # cards, and the stories (cluster_of), as last planned: the next plan finds its cards
    # from these (render._leads_after). Updated in place.
    members: dict[tuple[str, str], tuple[tuple[Slug, ...], tuple[Slug, ...], dict[Slug, Slug]]] = (
        field(default_factory=dict)
    )
    # slug -> the article and what pages show of it (render.PageKeys.shown), as the plans
    # of this process made it. Updated in place.
    shown: dict[Slug, tuple[Article, str]] = field(default_factory=dict)
    # slug -> the article, its edge list, the articles it links to and its line of the graph
    # page's list (render.PageKeys.links), as the plans of this process made it. In place.
    links: dict[Slug, tuple[Article, tuple[Edge, ...], tuple[Article, ...], str]] = field(
        default_factory=dict
    )


@dataclass
class RelateView:
    """The related lists and outside links of the last relate, taken before this build's
    relate updates the state in place: lists it did not rank again stay the very tuples."""

    signatures: str
    keys: dict[Slug, str]  # slug -> the article's key (key_of) in the last build
    edges: dict[Slug, tuple[Edge, ...]]
    external: dict[Slug, tuple[RelatedLink, ...]]


class ViewMemo:
    """serve's next relate view, made by this build from what its relate left (the lists
    and signatures planning made anyway), with the state's lists it was made from: the next
    build takes it while the state holds the very same entries (no relate ran since, e.g.
    in a failed build), instead of making its dicts of 10,000 again (~8 ms of an edit)."""

    def __init__(self) -> None:
        self.view: RelateView | None = None
        self.made_from: tuple[list[Any], ...] = ()
        self.external: dict[int, Any] = {}

    def keep(self, state: Any, view: RelateView) -> None:
        self.view = None
        try:
            lists = (state.order, state.slug, state.sig, state.edges)
            self.made_from, self.external = tuple(map(list, lists)), dict(state.external)
        except (AttributeError, TypeError):
            return
        self.view = view

    def taken(self, state: Any) -> RelateView | None:
        """The view kept, if made from the very entries ``state`` holds."""
        view, self.view = self.view, None  # (once)
        if view is None:
            return None
        try:
            lists = (state.order, state.slug, state.sig, state.edges)
            if not all(
                len(now) == len(was) and all(map(is_, now, was))
                for now, was in zip(lists, self.made_from, strict=True)
            ):
                return None
            return view if state.external == self.external else None
        except (AttributeError, TypeError):
            return None


def relate_view(state: Any, memo: ViewMemo | None = None) -> RelateView | None:
    """The last relate's lists, from its state (sitegen.relate.RelateState), or None.
    ``memo``: serve's (see ViewMemo)."""
    kept = memo.taken(state) if memo is not None else None
    if kept is not None:
        return kept
    try:
        order, slug, sig = state.order, state.slug, state.sig
        edges, external = state.edges, state.external
        # (Made in C: 10,000 articles after every edit, in serve.)
        slugs, sigs = list(map(slug.__getitem__, order)), list(map(sig.__getitem__, order))
        return RelateView(
            signatures_hash(sigs),
            dict(zip(slugs, sigs, strict=True)),
            dict(zip(slugs, map(edges.__getitem__, order), strict=True)),
            dict(zip(slugs, map(external.get, order, repeat(())), strict=True)),
        )
    except (AttributeError, IndexError, KeyError, TypeError):
        return None  # another kind of state: plan everything


@dataclass
class Changes:
    """What may show something new since the last build (see ``changes``)."""

    memo: PlanMemo
    keys: dict[str, tuple[str, str, int]]  # the last build's pages: path -> key, digest, size
    keyed: set[Slug]  # articles new, gone or whose key changed
    articles: set[Slug]  # article pages to plan again
    cards: set[Slug]  # articles whose listing card or story may differ
    listings: set[str]  # listing folders ("" for home) that hold or held one of ``cards``
    links: set[Slug]  # articles whose line of the graph page's list may differ
    edges: set[Slug]  # articles whose related list differs from the last relate's
    common: bool  # what every graph page shows may differ
    data: bool  # graph.json and the graph page's data may differ
    summary: str  # the changed inputs, to derive the graph data's key from the last one

    def old_key(self, path: str) -> str | None:
        found = self.keys.get(path)
        return found[0] if found is not None else None


def changes(
    memo: PlanMemo | None,
    keys: dict[str, tuple[str, str, int]] | None,
    view: RelateView | None,
    index: SiteIndex,
    graph: RelatedGraph,
    key_of: KeyOf,
    relate: Any = None,
    order: tuple[Slug, ...] | None = None,
    referrers: EdgeReferrers | None = None,
    views: ViewMemo | None = None,
) -> tuple[Changes | None, str]:
    """The pages to plan again since the build ``memo`` and ``view`` are from, or None (plan
    everything); and this build's signatures_hash, for its memo. ``relate``: this build's
    relate state, whose signatures are the articles' keys (fewer calls of ``key_of``).
    ``order``: site_order(index), if made already. ``referrers``: serve's, kept between
    its builds (see EdgeReferrers); ``views``: likewise (see ViewMemo)."""
    slugs = order if order is not None else site_order(index)
    sigs = _signatures(relate, index, key_of)
    signatures = dict(zip(slugs, sigs, strict=True))
    now = signatures_hash(signatures.values())
    if views is not None and _from_state(relate, index):
        # What relate_view will make of the state relate left: its signatures by slug in
        # its order (the graph's), the graph's very lists.
        keyed_by = dict(zip(graph.edges, sigs, strict=True))
        views.keep(relate, RelateView(now, keyed_by, graph.edges, graph.external))
    if memo is None or keys is None or view is None or view.signatures != memo.signatures:
        return None, now
    by_slug, old, last_keys = index.by_slug, memo.articles, view.keys
    # Articles new, gone or whose key differs from the one the last relate read.
    keyed = set(compress(signatures, map(ne, map(last_keys.get, signatures), signatures.values())))
    keyed.update(last_keys.keys() - signatures.keys())
    entries: dict[Slug, tuple[str, str, str]] = {}  # this build's memo entries, when made
    shown: set[Slug] = set()  # what other pages show of it (shown_text) differs
    filed: set[Slug] = set()  # its topics or provider differ: listings, legend, graph data
    for slug in keyed:
        article = by_slug.get(slug)
        before = old.get(slug)
        if article is None or before is None:
            shown.add(slug)
            filed.add(slug)
            continue
        entries[slug] = after = _article_entry(article)
        if after[0] != before[0]:
            shown.add(slug)
        if after[1:] != before[1:]:
            filed.add(slug)
    edges = _changed_lists(view.edges, graph.edges)
    external = _changed_external(view.external, graph.external)
    story = _story_changes(memo, graph)
    storied = _story_mates(memo, graph, shown | story) | story
    # A related entry (near) shows the article, its related list and those articles.
    if referrers is not None:
        pointing = referrers.of(view.edges, graph.edges, edges)
    else:
        flat = _flat_edges(graph)
        pointing = lambda targets: _pointing(flat, targets)  # noqa: E731
    links = shown | edges | pointing(shown)  # also a line of the graph page's list
    articles = keyed | edges | external | storied | pointing(links)
    cards = keyed | storied
    listings: set[str] = {""} if cards else set()
    for slug in cards:
        for info in (old.get(slug), _entry(by_slug.get(slug), entries)):
            if info is not None:
                listings.update(_listing_folders(info))
    data = bool(shown or filed or edges or story)
    summary = "\x00".join(
        [
            *sorted(f"{s}\x1f{_entry(by_slug.get(s), entries)}" for s in shown | filed),
            *sorted(f"{s}\x1f{graph.edges.get(s)!r}" for s in edges),
            *sorted(f"{s}\x1f{graph.clusters.get(graph.cluster_of.get(s, s))!r}" for s in story),
        ]
    )
    found = Changes(
        memo,
        keys,
        keyed,
        articles,
        cards,
        listings,
        links,
        edges,
        common=bool(story)
        or _topics_moved(keyed, old, entries, index)
        or _in_stories(shown, memo, graph),
        data=data,
        summary=summary,
    )
    return found, now


def _topics_moved(
    keyed: set[Slug],
    old: dict[Slug, tuple[str, str, str]],
    entries: dict[Slug, tuple[str, str, str]],
    index: SiteIndex,
) -> bool:
    """Whether the site's topic counts (main topics, pairs, names) may differ: the topics of
    the articles that changed, came or went, counted before and after, differ. (A retitled
    article is one gone and one new when its slug changes: its topics are still counted.)"""
    before = Counter(old[s][1] for s in keyed if s in old)
    after: Counter[str] = Counter()
    for slug in keyed:
        entry = _entry(index.by_slug.get(slug), entries)
        if entry is not None:
            after[entry[1]] += 1
    return before != after


def _in_stories(shown: set[Slug], memo: PlanMemo, graph: RelatedGraph) -> bool:
    """Whether one of ``shown`` is in a story (the graph page lists the stories)."""
    return any(s in memo.cluster_of or s in graph.cluster_of for s in shown)


def _from_state(relate: Any, index: SiteIndex) -> bool:
    """Whether _signatures took the relate state's (see there)."""
    try:
        return len(relate.order) == len(index.articles)
    except (AttributeError, TypeError):
        return False


def _signatures(relate: Any, index: SiteIndex, key_of: KeyOf) -> list[str]:
    """Each article's key in site order: the relate state's signatures (relate was given
    key_of as its signature), else made again."""
    try:
        order, sig = relate.order, relate.sig
        if len(order) == len(index.articles):
            return list(map(sig.__getitem__, order))
    except (AttributeError, IndexError, TypeError):
        pass
    return [key_of(a) for a in index.articles]


def _entry(
    article: Article | None, entries: dict[Slug, tuple[str, str, str]]
) -> tuple[str, str, str] | None:
    if article is None:
        return None
    found = entries.get(article.slug)
    if found is None:
        found = entries[article.slug] = _article_entry(article)
    return found


def _listing_folders(info: tuple[str, str, str]) -> list[str]:
    """The topic and provider listings an article with this memo entry is in."""
    folders = [f"topics/{part.split(chr(0x1D), 1)[0]}/" for part in info[1].split("\x1e") if part]
    if info[2]:
        folders.append(f"providers/{info[2]}/")
    return folders


def _changed_lists(old: dict[Slug, Any], new: dict[Slug, Any]) -> set[Slug]:
    """Slugs whose value is not the very object of the last relate, nor an equal one."""
    found = set(compress(new, map(is_not, map(old.get, new), new.values())))
    found = {s for s in found if s not in old or old[s] != new[s]}
    found.update(old.keys() - new.keys())
    return found


_LINK_FIELDS = attrgetter("title", "url", "urls")


def _changed_external(
    old: dict[Slug, tuple[RelatedLink, ...]], new: dict[Slug, tuple[RelatedLink, ...]]
) -> set[Slug]:
    """Slugs whose outside links differ from the last relate's. An article's outside links
    are some of its own related entries, the first of each link key (made from the title
    and the URLs): for an article whose key is unchanged (the others are planned again
    anyway), equal titles and URLs mean the same entries. Compared in bulk: the last
    relate's links are other objects (read from its state), and comparing 10,000 tuples
    of dataclasses one by one cost 40 ms."""
    found = set(old.keys() - new.keys())
    # Only those that are not the very tuples of the last relate, found in C (10,000 after
    # every edit, in serve).
    was = list(map(old.get, new, repeat(())))
    other = list(map(is_not, was, new.values()))
    pairs = list(
        zip(compress(new, other), compress(was, other), compress(new.values(), other), strict=True)
    )
    found.update(s for s, a, b in pairs if len(a) != len(b))
    pairs = [p for p in pairs if len(p[1]) == len(p[2])]
    owners = list(chain.from_iterable([repeat(p[0], len(p[1])) for p in pairs]))
    before = list(chain.from_iterable([p[1] for p in pairs]))
    after = list(chain.from_iterable([p[2] for p in pairs]))
    # The very same links (serve keeps the articles), else equal titles and URLs.
    if all(map(is_, before, after)):  # the very same links: serve keeps the articles
        return found
    was, now = list(map(_LINK_FIELDS, before)), list(map(_LINK_FIELDS, after))
    found.update(compress(owners, map(ne, was, now)))
    return found


def _story_changes(memo: PlanMemo, graph: RelatedGraph) -> set[Slug]:
    """Articles whose story (its members, order or title) is not the last build's."""
    changed: set[Slug] = set()
    if memo.clusters != graph.clusters:
        for key in memo.clusters.keys() | graph.clusters.keys():
            before, after = memo.clusters.get(key), graph.clusters.get(key)
            if before != after:
                changed.update(before.members if before else ())
                changed.update(after.members if after else ())
    if memo.cluster_of != graph.cluster_of:
        for slug in memo.cluster_of.keys() | graph.cluster_of.keys():
            if memo.cluster_of.get(slug) != graph.cluster_of.get(slug):
                changed.add(slug)
    return changed


def _story_mates(memo: PlanMemo, graph: RelatedGraph, slugs: set[Slug]) -> set[Slug]:
    """The members of the stories (last build's and this one's) of ``slugs``."""
    found: set[Slug] = set()
    for slug in slugs:
        for clusters, cluster_of in (
            (memo.clusters, memo.cluster_of),
            (graph.clusters, graph.cluster_of),
        ):
            cluster = clusters.get(cluster_of.get(slug, Slug("")))
            if cluster is not None:
                found.update(cluster.members)
    return found


def _pointing(flat: tuple[list[Slug], list[Slug]], targets: set[Slug]) -> set[Slug]:
    """The articles whose related lists name one of ``targets`` (``flat``: _flat_edges)."""
    if not targets:
        return set()
    owners, named = flat
    return set(compress(owners, map(targets.__contains__, named)))


class EdgeReferrers:
    """Per article, the articles whose related lists name it, for the lists of serve's last
    build, brought up to date for the lists an edit changed: instead of every edge of the
    site gone through after every edit (_flat_edges: 50,000 at 10,000 articles)."""

    def __init__(self) -> None:
        self.edges: dict[Slug, tuple[Edge, ...]] | None = None  # the lists they are for
        self.named_by: dict[Slug, set[Slug]] = {}

    def of(
        self,
        old: dict[Slug, tuple[Edge, ...]],
        new: dict[Slug, tuple[Edge, ...]],
        changed: set[Slug],
    ) -> Callable[[set[Slug]], set[Slug]]:
        """_pointing for the lists ``new``, given the last relate's (``old``) and the slugs
        whose list differs between them (``changed``, see _changed_lists); made in full
        when ``old`` is not the very lists these are for."""
        last, named_by = self.edges, self.named_by
        if (
            last is not None
            and len(last) == len(old)
            and all(map(is_, map(last.get, old), old.values()))
        ):
            for slug in changed:
                for edge in old.get(slug, ()):
                    named_by[edge.target].discard(slug)
                for edge in new.get(slug, ()):
                    named_by.setdefault(edge.target, set()).add(slug)
        else:
            named_by = self.named_by = {}
            for slug, ranked in new.items():
                for edge in ranked:
                    named_by.setdefault(edge.target, set()).add(slug)
        self.edges = new

        def pointing(targets: set[Slug]) -> set[Slug]:
            found: set[Slug] = set()
            for target in targets:
                found.update(named_by.get(target, ()))
            return found

        return pointing


def _flat_edges(graph: RelatedGraph) -> tuple[list[Slug], list[Slug]]:
    """Every edge of the graph as two flat lists, its source and its target: made in C, so
    that finding the articles that name some of them costs no Python loop over 50,000
    edges."""
    edges = graph.edges
    owners = list(chain.from_iterable(map(repeat, edges.keys(), map(len, edges.values()))))
    return owners, list(map(_TARGET, chain.from_iterable(edges.values())))


_TARGET = attrgetter("target")
_SLUG = attrgetter("slug")


def site_order(index: SiteIndex) -> tuple[Slug, ...]:
    """The slugs of the site's articles in site order (made once a build and shared: 10,000
    slugs after every edit, in serve). Patched from the last call's where the articles are
    the very same objects (articles are frozen): reading the slug of 10,000 articles spread
    over the heap cost 3-6 ms of every edit, comparing the tuples far less."""
    global _LAST_ORDER
    articles = index.articles
    last = _LAST_ORDER
    if last is not None and len(last[0]) == len(articles):
        moved = list(compress(range(len(articles)), map(is_not, articles, last[0])))
        if len(moved) <= _MOST_PATCHED:
            slugs = list(last[1])
            for at in moved:
                slugs[at] = articles[at].slug
            order = tuple(slugs)
            _LAST_ORDER = (articles, order)
            return order
    order = tuple(map(_SLUG, articles))
    _LAST_ORDER = (articles, order)
    return order


# The articles of the last site_order call and their slugs; at most this many articles
# replaced in place are patched (an edit replaces one or two).
_LAST_ORDER: tuple[tuple[Article, ...], tuple[Slug, ...]] | None = None
_MOST_PATCHED = 64


def new_memo(
    last: Changes | None,
    signatures: str,
    index: SiteIndex,
    graph: RelatedGraph,
    order: tuple[Slug, ...] | None = None,
) -> PlanMemo:
    """This build's memo: the last one's entries, brought up to date for what changed.
    ``order``: site_order(index), if made already (planning reads it from the memo)."""
    counts = None
    if last is None:
        articles = article_entries(index.articles)
    else:
        articles = dict(last.memo.articles)
        for slug in last.keyed:
            article = index.by_slug.get(slug)
            if article is None:
                articles.pop(slug, None)
            else:
                articles[slug] = _article_entry(article)
        counts = _topic_counts(last, index)
    memo = PlanMemo(
        signatures,
        order if order is not None else site_order(index),
        articles,
        graph.clusters,
        graph.cluster_of,
    )
    if counts is not None:
        memo.topic_main, memo.topic_pairs = counts
    return memo


def _topic_counts(last: Changes, index: SiteIndex) -> tuple[dict[Any, int], dict[Any, int]] | None:
    """The last memo's topic counts brought to this build's articles: those whose key
    changed taken out with the topics they had (their memo entry's) and put back with
    theirs now. None when the last build did not count them."""
    from sitegen.graphpages import topic_counts_patched

    memo = last.memo
    if memo.topic_main is None or memo.topic_pairs is None:
        return None
    gone = []
    for slug in last.keyed:
        before = memo.articles.get(slug)
        if before is not None:
            topics = before[1].split("\x1e") if before[1] else []
            gone.append([Slug(t.partition("\x1d")[0]) for t in topics])
    came = [a for a in map(index.by_slug.get, last.keyed) if a is not None]
    return topic_counts_patched(memo.topic_main, memo.topic_pairs, gone, came)
