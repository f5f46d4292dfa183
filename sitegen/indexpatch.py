"""The index of the last build of this process (``serve``), patched with the articles that
came and went instead of made again over the whole site: the same SiteIndex and problems
as build_index (tests/unit/test_index_patch.py checks it), in time proportional to the
change. Used by build_index through its IndexMemo; None whenever patching is not sure to
give the same result (then the index is made in full)."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import compress
from operator import attrgetter, not_

from sitegen.model import Article, Listing, SiteIndex, Slug, Topic
from sitegen.problems import Problem, problem
from sitegen.slugs import _suffixed, merge_key, slugify

_NO_DATE = datetime.min.replace(tzinfo=UTC)
MAX_CHANGED = 64  # more articles came and went than this: made in full
_Key = tuple[datetime, str]  # an input article's place in the oldest-first order


def newest_key(article: Article) -> tuple[bool, float, str]:
    """An article's place in the index's order (newest first, undated last, ties by slug);
    a timestamp keeps every microsecond of an aware date (below 2 ** 53)."""
    when = article.published
    return (when is None, -when.timestamp() if when else 0.0, article.slug)


def most_used(counts: Counter[str]) -> str:
    """The most used spelling of a name; ties go to the first in sort order."""
    return min(counts, key=lambda name: (-counts[name], name))


class Made:
    """A full build_index's inputs and results, kept for the next build to patch."""

    def __init__(
        self,
        articles: list[Article],
        ids: dict[int, str],
        slugs: list[Slug],
        out: list[Article],
        spellings: dict[str, Counter[str]],
        merged: dict[str, Topic],
        index: SiteIndex,
    ) -> None:
        self._made = (articles, slugs, out)  # turned into the dicts below by prepare
        self.inputs: dict[int, Article] = {}  # id of each input -> it (kept alive)
        self.ids = ids  # id -> its identity (path in the content folder)
        self.given: dict[int, Slug] = {}  # id -> the slug the index gave it
        self.out: dict[int, Article] = {}  # id -> the article in the index
        self.spellings = spellings  # merge key -> spellings used
        self.merged = merged  # merge key -> the topic it is shown as
        self.index = index
        self.problems: list[Problem] = []
        self.groups: dict[Slug, list[tuple[datetime, str, int]]] = {}  # wanted slug -> ids
        self.wanted: Counter[Slug] = Counter()
        self.taken: Counter[Slug] = Counter()  # slugs given
        self.renamed: dict[int, tuple[Slug, Slug]] = {}  # suffixed: wanted, given
        self.holders: dict[str, set[int]] = {}  # merge key -> input ids
        self.ordered: list[Article] = []
        self.keys: list[tuple[bool, float, str]] = []  # newest_key of ordered
        self.members: dict[str, dict[Slug, list[Article]]] = {}
        self.names: dict[str, dict[Slug, Counter[str]]] = {}
        self.ready = False
        self.patchable = True

    def prepare(self) -> None:
        """The structures a patch updates, from the full build's results, once."""
        self.ready = True
        articles, slugs, out = self._made
        self.inputs = {id(a): a for a in articles}
        self.given = {id(a): slug for a, slug in zip(articles, slugs, strict=True)}
        self.out = {id(a): b for a, b in zip(articles, out, strict=True)}
        self._made = ([], [], [])
        groups: dict[Slug, list[tuple[datetime, str, int]]] = {}
        for i, a in self.inputs.items():
            groups.setdefault(a.slug, []).append((a.published or _NO_DATE, self.ids[i], i))
        for members in groups.values():
            members.sort()
        self.groups = groups
        self.wanted = Counter({slug: len(m) for slug, m in groups.items()})
        self.taken = Counter(self.given.values())
        for members in groups.values():
            for _, _ident, i in members[1:]:
                self.renamed[i] = (self.inputs[i].slug, self.given[i])
        # Patching makes suffixes as if no other slug were in the way: only right while
        # that was so (see _check).
        self.patchable = _check(self, list(groups))
        for i, a in self.inputs.items():
            for t in a.topics:
                self.holders.setdefault(merge_key(t.name), set()).add(i)
        self.ordered = list(self.index.articles)
        self.keys = list(map(newest_key, self.ordered))
        for kind, listings in (("topics", self.index.topics), ("providers", self.index.providers)):
            self.members[kind] = {slug: list(x.articles) for slug, x in listings.items()}
            names: dict[Slug, Counter[str]] = {}
            for a in self.ordered:
                for item in _keys_of(kind, a):
                    names.setdefault(item.slug, Counter())[item.name] += 1
            self.names[kind] = names


def _keys_of(kind: str, a: Article) -> Iterable[Topic]:
    if kind == "topics":
        return a.topics
    return (a.provider,) if a.provider else ()  # type: ignore[return-value]


def _check(made: Made, wanted_slugs: Iterable[Slug]) -> bool:
    """Whether the slugs of these groups are those of the plain rule (the oldest keeps the
    slug, the others get the first suffix of their identity) and no suffixed slug is one
    another article wants or was given: then assign_unique gives the same, whatever else
    changes elsewhere."""
    for slug in wanted_slugs:
        for n, (_, ident, i) in enumerate(made.groups.get(slug, ())):
            given = made.given[i]
            if n == 0:
                if given != slug:
                    return False
                continue
            if given != _suffixed(slug, ident, set()) or made.wanted[given]:
                return False
            if made.taken[given] != 1:
                return False
    return all(made.taken[slug] == 1 for slug in wanted_slugs if slug in made.taken)


def patch(
    made: Made,
    articles: list[Article],
    identity: Callable[[Article], str],
    reuse: Callable[[Article, Slug, tuple[Topic, ...] | None], Article],
) -> tuple[SiteIndex, list[Problem]] | None:
    """The index of ``articles``, patched from ``made`` (updated in place); None when it
    must be made in full (``made`` is then unusable)."""
    # (In C, in the same orders: 10,000 articles after every edit, in serve.)
    now = dict(zip(map(id, articles), articles, strict=True))
    if len(now) != len(articles):
        return None
    if not made.ready:
        made.prepare()
    inputs = made.inputs
    gone = list(compress(inputs, map(not_, map(now.__contains__, inputs))))
    came = list(compress(now, map(not_, map(inputs.__contains__, now))))
    if not gone and not came:
        return made.index, list(made.problems)
    if len(gone) + len(came) > MAX_CHANGED or not made.patchable:
        return None
    # Slugs: each group of equal wanted slugs that lost or gained an article is given again.
    affected: set[Slug] = set()
    gone_inputs: dict[int, Article] = {}
    for i in gone:
        a = gone_inputs[i] = inputs.pop(i)
        _remove_member(made.groups, a.slug, i)
        made.wanted[a.slug] -= 1
        affected.add(a.slug)
        made.ids.pop(i)
    for i in came:
        a = inputs[i] = now[i]
        made.ids[i] = identity(a)
        insort(made.groups.setdefault(a.slug, []), (a.published or _NO_DATE, made.ids[i], i))
        made.wanted[a.slug] += 1
        affected.add(a.slug)
    reslugged: set[int] = set(came)
    for i in gone:
        _untake(made, made.given.pop(i))
        made.renamed.pop(i, None)
    for slug in affected:
        for n, (_, ident, i) in enumerate(made.groups.get(slug, ())):
            new = slug if n == 0 else _suffixed(slug, ident, set())
            old = made.given.get(i)
            if old != new:
                if old is not None:
                    _untake(made, old)
                made.given[i] = new
                made.taken[new] += 1
                reslugged.add(i)
            if n == 0:
                made.renamed.pop(i, None)
            else:
                made.renamed[i] = (slug, new)
    suffixed = {made.given[i] for i in reslugged if i in made.renamed}
    if not _check(made, affected | suffixed) or any(made.wanted[s] for s in suffixed):
        made.patchable = False
        return None
    # Topic names: merge keys whose spellings changed may show another name.
    changed_keys: set[str] = set()
    for i, sign in [(i, -1) for i in gone] + [(i, 1) for i in came]:
        a = gone_inputs[i] if sign < 0 else now[i]
        for t in a.topics:
            key = merge_key(t.name)
            counts = made.spellings.setdefault(key, Counter())
            counts[t.name] += sign
            if not counts[t.name]:
                del counts[t.name]
            holders = made.holders.setdefault(key, set())
            (holders.discard if sign < 0 else holders.add)(i)
            changed_keys.add(key)
    remerge: set[int] = set(came)
    for key in changed_keys:
        left = made.spellings.get(key)
        if not left:
            made.spellings.pop(key, None)
            made.holders.pop(key, None)
            made.merged.pop(key, None)
            continue
        name = most_used(left)
        topic = Topic(name, slugify(name))
        if made.merged.get(key) != topic:
            made.merged[key] = topic
            remerge.update(made.holders[key])
    # The articles whose index article changes, out with the old, in with the new.
    redo = (reslugged | remerge).difference(gone)
    old_out = [made.out.pop(i) for i in gone] + [made.out[i] for i in redo if i in made.out]
    new_out = []
    for i in redo:
        a = inputs[i]
        topics = tuple(made.merged[merge_key(t.name)] for t in a.topics)
        merged = topics if topics != a.topics else None
        slug = made.given[i]
        out = a if slug == a.slug and merged is None else reuse(a, slug, merged)
        if made.out.get(i) is out:
            old_out = [x for x in old_out if x is not out]
            continue
        made.out[i] = out
        new_out.append(out)
    for a in old_out:
        at = bisect_left(made.keys, newest_key(a))
        del made.ordered[at], made.keys[at]
    for a in new_out:
        place = newest_key(a)
        at = bisect_left(made.keys, place)
        made.ordered.insert(at, a)
        made.keys.insert(at, place)
    listings = {kind: _relist(made, kind, old_out, new_out) for kind in ("topics", "providers")}
    ordered = made.ordered
    made.index = SiteIndex(
        articles=tuple(ordered),
        by_slug=dict(zip(map(_SLUG, ordered), ordered, strict=True)),
        topics=listings["topics"],
        providers=listings["providers"],
    )
    made.problems = _problems(made)
    return made.index, list(made.problems)


_SLUG = attrgetter("slug")


def _remove_member(groups: dict[Slug, list[tuple[datetime, str, int]]], slug: Slug, i: int) -> None:
    members = groups[slug]
    members[:] = [m for m in members if m[2] != i]
    if not members:
        del groups[slug]


def _untake(made: Made, slug: Slug) -> None:
    made.taken[slug] -= 1
    if not made.taken[slug]:
        del made.taken[slug]


def _relist(made: Made, kind: str, old: list[Article], new: list[Article]) -> dict[Slug, Listing]:
    """The topic or provider listings with the old index articles out and the new in."""
    members, names = made.members[kind], made.names[kind]
    touched: set[Slug] = set()
    for a, sign in [(a, -1) for a in old] + [(a, 1) for a in new]:
        for item in _keys_of(kind, a):
            slug = item.slug
            touched.add(slug)
            listed = members.setdefault(slug, [])
            key = newest_key(a)
            at = bisect_left(listed, key, key=newest_key)
            counts = names.setdefault(slug, Counter())
            counts[item.name] += sign
            if not counts[item.name]:
                del counts[item.name]
            if sign < 0:
                del listed[at]
            else:
                listed.insert(at, a)
    last = made.index.topics if kind == "topics" else made.index.providers
    result = dict(last)
    for slug in touched:
        if members.get(slug):
            result[slug] = Listing(slug, most_used(names[slug]), tuple(members[slug]))
        else:
            members.pop(slug, None)
            names.pop(slug, None)
            result.pop(slug, None)
    if result.keys() != last.keys():
        result = {slug: result[slug] for slug in sorted(result)}
    return result


def _problems(made: Made) -> list[Problem]:
    """A problem per suffixed slug, oldest first, as build_index reports them."""
    found = []
    inputs, ids = made.inputs, made.ids
    for i in sorted(made.renamed, key=lambda i: (inputs[i].published or _NO_DATE, ids[i])):
        a = made.inputs[i]
        wanted, new = made.renamed[i]
        owner = made.inputs[made.groups[wanted][0][2]]
        found.append(
            problem(
                a.source,
                a.title_line,
                "title",
                f'gives the same URL as {owner.source} ("{wanted}"); published as "{new}"',
            )
        )
    return found
