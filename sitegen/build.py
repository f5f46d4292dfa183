"""Runs the stages in order, timing each: load -> normalize -> index -> relate -> render ->
write.

With the build cache (sitegen/cache.py) a build redoes only what changed: unchanged content
files are not parsed again, unchanged pages are not rendered again, and a build with no
change at all stops after comparing file stats. Per-article work (parse, normalize, render)
is spread over every core (sitegen/parallel.py). Page planning after an edit plans again
only the pages whose inputs may have changed (sitegen/replan.py).
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from itertools import compress, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sitegen import parallel
from sitegen.cache import (
    Aside,
    BuildCache,
    BuildState,
    QuickState,
    SourceEntries,
    SourcesFile,
    cache_dir,
    code_hash,
    content_hash,
    dependency_versions,
    page_key,
    parse_fingerprint,
    templates_hash,
)
from sitegen.config import SiteConfig, theme_dirs
from sitegen.digests import file_digest
from sitegen.load import (
    RACY_NS,
    base_prefix,
    display_path,
    read_source,
    scan_sources,
    shown_path,
)
from sitegen.model import Article, OutputFile, OutputPath, SiteIndex, Slug
from sitegen.nochange import scan
from sitegen.parallel import parallel_chunks, parallel_map
from sitegen.prefetch import Prefetch
from sitegen.problems import Problem, Severity, problem
from sitegen.progress import Progress
from sitegen.write import (
    MANIFEST,
    STAGING,
    OutputError,
    StagedOutput,
    WriteReport,
    check_output_dir,
    find_collisions,
    manifest_stat,
    manifest_text,
    read_manifest,
    recover,
    wrote_manifest,
)

if TYPE_CHECKING:
    from sitegen.normalize import Options
    from sitegen.relate import ArticleKeys
    from sitegen.render import Page


class BuildError(Exception):
    """The build cannot go on (templates, output folder); the output was not touched."""


@dataclass
class BuildResult:
    articles: int = 0
    drafts_skipped: int = 0
    pages: int = 0
    made: list[str] = field(default_factory=list)  # the paths of the files this build made
    problems: list[Problem] = field(default_factory=list)
    written: WriteReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    index: SiteIndex | None = None  # None when the cache showed nothing changed
    rendered: int = 0  # pages rendered by this build (the rest were unchanged)
    notes: list[str] = field(default_factory=list)  # for the summary, e.g. "no sitemap"
    pending_cache: tuple[str, SourceEntries] | None = field(default=None, repr=False)
    # Or sources.pickle written already, from what the parse workers pickled (a first build's)
    sources_file: SourcesFile | None = field(default=None, repr=False)
    # ftfy's repairs of the texts of the files this build read itself, to save (see cache.py)
    pending_repairs: tuple[str, dict[str, str]] | None = field(default=None, repr=False)
    # Content files changed within RACY_NS before the scan: path -> hash of their bytes.
    recent_sources: dict[str, str] = field(default_factory=dict, repr=False)
    # What the scan found, for the CLI's no-change record (sitegen/nochange.py): the time
    # before which stats are trusted, the files and the folders.
    scanned: tuple[int, list[tuple[str, int, int]], list[Any]] | None = field(
        default=None, repr=False
    )

    @property
    def errors(self) -> int:
        return sum(p.severity is Severity.ERROR for p in self.problems)


class _Steps:
    """Steps of work to run one at a time, with the seconds they took in all."""

    def __init__(self, steps: Iterable[Callable[[], object]]) -> None:
        self.steps = steps
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Callable[[], object]]:
        for step in self.steps:
            yield functools.partial(self._run, step)

    def _run(self, step: Callable[[], object]) -> None:
        start = time.perf_counter()
        step()
        self.seconds += time.perf_counter() - start


def _import_stages() -> None:
    # (A function: this module must not import these at its own import.)
    from sitegen import render  # noqa: F401  (its imports: graphpages, views, replan, ...)


def _import_index() -> None:
    from sitegen import index, indexrecord  # noqa: F401


def _import_publish() -> None:
    from sitegen import publish  # noqa: F401  (jinja2, feeds, sitemap)


def _prepare_reading() -> None:
    from sitegen import load, normalize  # noqa: F401

    load.prepare()  # (YAML and the front matter's handler)


def _hash_code() -> None:
    code_hash()  # (kept for the fingerprints: functools.cache)
    dependency_versions()


# What an edit of a few files imports (and works out) after the scan, most needed first:
# the CLI does it while the no-change check's child has not sent its scan yet
# (nochange.content_scanned).
_LATER_STAGES = (_import_stages, _import_index, _import_publish, _prepare_reading, _hash_code)


@contextmanager
def _timed(result: BuildResult, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    result.timings[stage] = result.timings.get(stage, 0.0) + time.perf_counter() - start


# The parse's chunks shrink to this many files as the work runs out (~50 ms of work), so
# neither worker waits long for the other at the end; smaller ones cost more round trips.
PARSE_LAST_CHUNK = 50
# The entries of the parse's smaller chunks are pickled into sources.pickle in parts of at
# least this many, as they come (see _parsed_into): each part makes an edit's load of the
# file a little slower (its topics and providers loaded anew); the entries left at the end
# are pickled after the parse, by this process alone.
SOURCES_REST_PART = 512

# What load+normalize makes of one file: a Problem, or an Article (None: skipped) + Problems.
_Parsed = Problem | tuple[Article | None, list[Problem]]


def read_articles(config: SiteConfig, result: BuildResult) -> list[Article]:
    """Load and normalize every content file; drafts are dropped unless config.drafts."""
    return _read_articles(config, result).articles


def _read_articles(
    config: SiteConfig,
    result: BuildResult,
    *,
    sources: list[tuple[str, int, int]] | None = None,
    cache: BuildCache | None = None,
    jobs: int | None = 1,
    progress: Progress | None = None,
    recent: int | None = None,
    memo: ReadMemo | None = None,
    moved: tuple[list[tuple[str, int, int]], list[int]] | None = None,
) -> Read:
    """read_articles, reusing what the cache holds for unchanged files, in ``jobs``
    processes. Returns the articles, per article source a hash of its file's bytes, and
    what relate reads of each article that worker processes parsed.
    ``memo``: what this did in the last build of this process (serve), updated; ``moved``:
    the scan that build read and the places in ``sources`` that may differ from it (see
    ScanMemo.patched). With both, only those files are looked at, and the last build's
    articles are patched (see ReadMemo)."""
    content = config.path("content_dir")
    if not content.is_dir():
        raise BuildError(f"{content}: the content folder does not exist (content_dir)")
    if sources is None:
        recent = time.time_ns() - RACY_NS
        sources = scan_sources(content)
    fingerprint = parse_fingerprint(_parse_settings(config))
    # The last build's entries stand for the cache's (which are the same, or behind by a
    # failed build: only ever slower, never wrong), when ``sources`` is its scan patched.
    patching = memo is not None and moved is not None and memo.sources is moved[0]
    with _timed(result, "read cache"):
        if memo is not None and patching:
            old = memo.entries
        else:
            old = cache.load_sources(fingerprint) if cache else {}
    entries: SourceEntries = {}
    todo: list[str] = []  # the files to read, as scanned (their Paths are made by workers)
    base = Path.cwd()
    refreshed = False  # entries whose stats changed but whose bytes did not
    with _timed(result, "load+normalize"):
        # The files whose stats are those of their entry keep it, found in one pass (10,000
        # files after every edit, in serve); only the others are looked at one by one, in
        # scan order (a stat that failed is -1).
        places: list[int] = []  # patching: the places in sources of the files looked at
        if memo is not None and moved is not None and patching:
            # Only the files changed since, and those too recent to trust last time.
            entries = dict(old)
            places = sorted({*moved[1], *memo.recent_at})
            looked_at = [sources[at] for at in places]
        else:
            keys = [key for key, _mtime, _size in sources]
            hits: list[Any] = [old.get(key, _NO_ENTRY) for key in keys]
            entries = dict(zip(keys, hits, strict=True))  # the others replaced below
            looked_at = [
                scanned
                for scanned, hit in zip(sources, hits, strict=True)
                if scanned[1] < 0 or hit[:2] != scanned[1:]
            ]
        for key, mtime, size in looked_at:
            hit = old.get(key)
            if hit and hit[0] == mtime and hit[1] == size and mtime >= 0:
                entries[key] = hit
                continue
            if hit and size >= 0:  # touched, or too recent to trust: compare the bytes
                path = Path(key)  # only for files read: making 10,000 Paths is slow
                raw = read_source(path, display_path(path, base), config.max_file_bytes)
                if isinstance(raw, bytes) and content_hash(raw) == hit[2]:
                    refreshed = refreshed or hit[0] != mtime or hit[1] != size
                    entries[key] = (mtime, size, hit[2], hit[3])
                    continue
            todo.append(key)
            entries[key] = (mtime, size, "", None)  # filled in below, in file order

        prefix = base_prefix(base)

        def parse_many(keys: Sequence[str]) -> list[Any]:
            return _parse_many(keys, prefix, config)

        def parse_for_relate(keys: Sequence[str]) -> list[Any]:
            return _parse_many(keys, prefix, config, for_relate=True)

        # Files a disk may not hold in memory are asked for all at once (see prefetch).
        with Prefetch(todo):
            pooled = len(todo) >= parallel.MIN_PARALLEL_ITEMS
            if pooled:
                _prepare_parsing(config)  # once here, not once in every worker process
            # An edit's few files are read here, with ftfy's repairs of their texts from the
            # last time they were read: unchanged texts need no ftfy (nor its import).
            known = _known_repairs(cache, fingerprint) if todo and not pooled else None
            # Every file is parsed by workers: they pickle sources.pickle's parts themselves.
            leading = _leading_parts(todo, jobs) if pooled and not old else 0
            every = leading and len(todo) == len(entries)
            written = cache.sources_file(fingerprint, entries) if cache and every else None
            parsed: list[Any] = []
            # What relate reads of each article parsed by a worker (relate.article_keys),
            # made there: relate's full pass then only gathers it.
            prepared: list[ArticleKeys] = []
            # ftfy's repairs of the texts the workers met, saved as a serial read saves them:
            # the next edit of one of these files then needs no ftfy (nor its import).
            repaired: dict[str, str] = {}
            with (progress or Progress(False)).stage("reading", len(todo)) as advance:
                if written is not None:
                    prepared = _parsed_into(
                        written,
                        parse_for_relate,
                        todo,
                        leading,
                        entries,
                        recent,
                        jobs,
                        advance,
                        repaired,
                    )
                else:
                    parsed = parallel_map(
                        parse_for_relate if pooled else parse_many,
                        todo,
                        jobs,
                        progress=advance,
                        last_chunk=PARSE_LAST_CHUNK,
                        started=_import_later_stages if pooled else None,
                        runs=True,
                    )
        if written is None:  # (else the entries are filled in already)
            for key, (digest, value, *_) in zip(todo, parsed, strict=True):
                mtime, size = entries[key][:2]
                entries[key] = (mtime, size, digest, value)
            if pooled:
                prepared = list(filter(None, map(_RELATE_KEYS, parsed)))
                for met in filter(None, map(_REPAIRS, parsed)):
                    repaired.update(met)
        if known is not None:
            result.pending_repairs = _repairs_to_save(fingerprint, known)
        elif repaired and cache is not None:
            saved = cache.load_repairs(fingerprint)
            result.pending_repairs = _repairs_to_save(fingerprint, saved, repaired)
        del parsed
    if recent is not None:
        # Their mtime proves nothing next time (-1): the next build compares their bytes.
        # (Patching, only the files looked at can be that recent: the others were so last
        # time, and are among them. Parsed into parts, the parts hold the -1 already.)
        if patching:
            looked = [s[0] for s in looked_at]
            maybe = zip(looked, map(entries.__getitem__, looked), strict=True)
            result.recent_sources = {k: e[2] for k, e in maybe if e[0] >= recent}
        elif written is not None:
            recents = [key for key, mtime, _size in sources if mtime >= recent]
            result.recent_sources = {k: entries[k][2] for k in recents}
        else:
            result.recent_sources = {k: e[2] for k, e in entries.items() if e[0] >= recent}
        for key in result.recent_sources if written is None else ():
            entries[key] = (-1, *entries[key][1:])
    changed = patching and any(entries[s[0]] is not old[s[0]] for s in looked_at)
    if written is not None:
        result.sources_file = written  # put in place once the build is through (see build)
    elif cache is not None and (todo or refreshed or len(entries) != len(old) or changed):
        # Saved once the build is through (see build): a failed build leaves the cache as it
        # was, and it is only ever ahead of the output by whole builds.
        result.pending_cache = (fingerprint, entries)
    if memo is not None:
        if patching:
            found = memo.patched(entries, looked_at, config.drafts)
            if found is not None:
                recent_at = [at for at in places if sources[at][0] in result.recent_sources]
                memo.keep(sources, entries, recent_at, found)
                result.problems.extend(found.problems)
                result.drafts_skipped += found.drafts
                return Read(list(found.articles), dict(found.digests), prepared)
        memo.sources = None  # kept below, when every file parsed
    values = list(map(_VALUE, entries.values()))
    if not any(map(isinstance, values, repeat(Problem))):
        made = _parsed_articles(config, result, values, list(map(_DIGEST, entries.values())))
        if memo is not None:
            recent_keys = result.recent_sources.__contains__
            recent_at = list(compress(itertools.count(), map(recent_keys, entries)))
            memo.keep(sources, entries, recent_at, made)
        return Read(list(made.articles), dict(made.digests), prepared)
    articles: list[Article] = []
    digests: dict[str, str] = {}
    for _mtime, _size, digest, value in entries.values():
        if isinstance(value, Problem):
            result.problems.append(value)
            continue
        article, problems = value
        result.problems.extend(problems)
        if article is None:
            continue
        if article.draft and not config.drafts:
            result.drafts_skipped += 1
            continue
        articles.append(article)
        digests[str(article.source)] = digest
    return Read(articles, digests, prepared)


class Read(NamedTuple):
    """What _read_articles read."""

    articles: list[Article]
    digests: dict[str, str]  # article source -> hash of its file's bytes
    relate_keys: list[ArticleKeys]  # (see relate.article_keys; only of workers' articles)


def _leading_parts(todo: list[str], jobs: int | None) -> int:
    """How many files of ``todo`` the parse workers would parse in chunks of SOURCES_PART
    (see _parsed_into; 0: none, or they parse in this process). Fewer than ~9,400 files on
    two cores make no such chunk: then the sources are saved as before."""
    from sitegen.cache import SOURCES_PART

    if not parallel.forks(jobs, len(todo)):
        return 0
    return parallel.lead_items(len(todo), jobs or parallel.default_jobs(), SOURCES_PART)


def _parsed_into(
    written: SourcesFile,
    parse: Callable[[Sequence[str]], list[tuple[str, _Parsed, ArticleKeys | None, Repairs]]],
    todo: list[str],
    leading: int,
    entries: SourceEntries,
    recent: int | None,
    jobs: int | None,
    advance: Callable[[int], None],
    repaired: dict[str, str],
) -> list[ArticleKeys]:
    """Every file of ``todo`` parsed by worker processes, the ``leading`` ones in chunks of
    SOURCES_PART, each made there into that part of sources.pickle (the entries with what
    the parse made, the recent rule of _read_articles applied), added to ``written`` and
    loaded into ``entries`` here: the cache's loader makes them faster than pickle's own
    (the Paths), and the file is not pickled again at the end. The rest, in the smaller
    chunks that let the workers end together, comes back as parsed and is pickled here as
    it comes, in parts of SOURCES_REST_PART or more: parts of a chunk each (~40 at 10,000
    files) made an edit's load of the file ~7% slower (each part loads its topics and
    providers anew), the whole rest pickled at the end was serial work after the parse. Returns
    what relate reads of each article (relate.article_keys); the repairs the workers met
    are added to ``repaired``."""
    from sitegen.cache import SOURCES_PART, dumped_part, loaded_part

    def entry(key: str, digest: str, value: _Parsed) -> tuple[int, int, str, _Parsed]:
        mtime, size = entries[key][:2]
        if recent is not None and mtime >= recent:
            mtime = -1  # (the recent rule of _read_articles)
        return mtime, size, digest, value

    def gather(start: int, parsed: list[tuple[str, _Parsed, Any, Repairs]]) -> tuple[Any, bytes]:
        """In a worker: a leading chunk's part, and its articles' relate keys but the
        article with the chunk's repairs; another chunk as parsed."""
        if start >= leading:
            return parsed, b""
        chunk = todo[start : start + len(parsed)]
        part = {k: entry(k, d, v) for k, (d, v, *_) in zip(chunk, parsed, strict=True)}
        keys = [made[2][1:] for made in parsed if made[2] is not None]
        met: dict[str, str] = {}
        for found in filter(None, map(_REPAIRS, parsed)):
            met.update(found)
        return (keys, met), dumped_part(part)

    found: list[ArticleKeys] = []
    rest: SourceEntries = {}
    unsaved: SourceEntries = {}  # the last of ``rest``, not yet pickled
    parts = parallel_chunks(
        parse,
        todo,
        jobs,
        runs=True,
        progress=advance,
        last_chunk=PARSE_LAST_CHUNK,
        started=_import_later_stages,
        gather=gather,
        lead=SOURCES_PART,
        bulk=parallel.Bulk(_as_pair, _pair, slot_bytes=16 << 20),
    )
    done = 0
    for [(made, data)] in parts:
        if not data:  # parsed
            keys = todo[done : done + len(made)]
            chunk = {k: entry(k, d, v) for k, (d, v, *_) in zip(keys, made, strict=True)}
            rest.update(chunk)
            unsaved.update(chunk)
            # Pickled as they come, while the workers parse the last chunks: only the last
            # few are left for after the parse, when this process works alone.
            if len(unsaved) >= SOURCES_REST_PART:
                written.add_entries(unsaved)
                unsaved = {}
            found.extend(filter(None, map(_RELATE_KEYS, made)))
            for met in filter(None, map(_REPAIRS, made)):
                repaired.update(met)
            done += len(made)
            continue
        made, met = made
        repaired.update(met)
        written.add(data)
        part: SourceEntries = loaded_part(data)
        del data
        entries.update(part)
        done += len(part)
        values = map(_VALUE, part.values())
        articles = [v[0] for v in values if type(v) is tuple and v[0] is not None]
        found.extend(map(_with_article, articles, made))
    entries.update(rest)
    written.add_entries(unsaved)
    return found


def _as_pair(made: tuple[list[Any], bytes]) -> tuple[list[Any], bytes]:
    return made  # (a parsed part is its relate keys and its bytes already)


def _pair(keys: list[Any], data: bytes) -> tuple[list[Any], bytes]:
    return keys, data


def _with_article(article: Article, keys: tuple[Any, ...]) -> ArticleKeys:
    return (article, *keys)


def _known_repairs(cache: BuildCache | None, fingerprint: str) -> dict[str, str] | None:
    """ftfy's repairs saved by the last builds, given to normalize (None: no cache)."""
    if cache is None:
        return None
    from sitegen import normalize

    known = cache.load_repairs(fingerprint)
    normalize.known_repairs(known)
    return known


def _repairs_to_save(
    fingerprint: str, known: dict[str, str], met: dict[str, str] | None = None
) -> tuple[str, dict[str, str]] | None:
    """The repairs to save after files were read (``met``: the texts met and their repairs,
    by default those this process met): the texts met now last, then as many of the others
    as fit (MAX_REPAIRS); None when nothing new was met."""
    from sitegen import normalize

    if met is None:
        met = normalize.met_repairs()
    if met.items() <= known.items():
        return None
    kept = [(k, v) for k, v in known.items() if k not in met]
    merged = [*kept, *met.items()][-normalize.MAX_REPAIRS :]
    return fingerprint, dict(merged)


def _parsed_articles(
    config: SiteConfig, result: BuildResult, values: list[Any], digests: list[str]
) -> ReadArticles:
    """_read_articles' articles and digests when every file parsed (no Problem instead of
    an article): the same, found in C (10,000 entries after every edit, in serve)."""
    problems = list(itertools.chain.from_iterable(map(_SECOND, values)))
    result.problems.extend(problems)
    found = list(map(_FIRST, values))
    read = list(map(operator.is_not, found, repeat(None)))
    places = list(compress(range(len(values)), read))
    articles, digests = list(compress(found, read)), list(compress(digests, read))
    drafted = 0
    if not config.drafts:
        drafts = list(map(_DRAFT, articles))
        drafted = sum(drafts)
        result.drafts_skipped += drafted
        published = list(map(operator.not_, drafts))
        articles, digests = list(compress(articles, published)), list(compress(digests, published))
        places = list(compress(places, published))
    sources = dict(zip(map(str, map(_SOURCE, articles)), digests, strict=True))
    return ReadArticles(articles, sources, places, problems, drafted)


@dataclass
class ReadArticles:
    """_read_articles' articles and their sources' digests, with what it takes to patch
    them: each article's place among the entries, the problems reported, the drafts left
    out."""

    articles: list[Article]
    digests: dict[str, str]
    places: list[int]  # the article's entry's place among the entries, in order
    problems: list[Problem]
    drafts: int


class ReadMemo:
    """What _read_articles made in the last build of this process (serve), when every file
    parsed: after an edit, its articles are patched where the files looked at again changed,
    instead of 10,000 entries gone through again. Only an edit that leaves each of them an
    article that is shown, with no problem reported before or after, is patched; any other
    change reads the entries again."""

    def __init__(self) -> None:
        self.sources: list[tuple[str, int, int]] | None = None  # the scan it read
        self.entries: SourceEntries = {}
        self.made: ReadArticles | None = None
        self.at: dict[str, int] = {}  # an article's entry's key -> its place in articles
        self.recent_at: list[int] = []  # the entries too recent to trust: places in sources

    def keep(
        self,
        sources: list[tuple[str, int, int]],
        entries: SourceEntries,
        recent_at: list[int],
        made: ReadArticles,
    ) -> None:
        if self.made is None or made.places is not self.made.places:
            keys = list(entries)
            self.at = dict(zip(map(keys.__getitem__, made.places), itertools.count()))
        self.sources, self.entries, self.made = sources, entries, made
        self.recent_at = recent_at

    def patched(
        self, entries: SourceEntries, looked_at: list[tuple[str, int, int]], drafts: bool
    ) -> ReadArticles | None:
        """The last build's articles with those of ``looked_at`` replaced from ``entries``,
        or None when that is not how a full pass would find them (see the class)."""
        made = self.made
        if made is None:
            return None
        articles, digests = made.articles, made.digests
        for key, _mtime, _size in looked_at:
            before, after = self.entries[key], entries[key]
            if before[3] is after[3]:
                continue  # the same article (only its stats changed)
            at = self.at.get(key)
            value = after[3]
            if (
                at is None
                or not isinstance(before[3], tuple)
                or before[3][1]
                or not isinstance(value, tuple)
                or value[0] is None
                or value[1]
                or (value[0].draft and not drafts)
                or str(value[0].source) != str(articles[at].source)
            ):
                return None
            if articles is made.articles:  # copied on the first change
                articles, digests = list(articles), dict(digests)
            articles[at] = value[0]
            digests[str(value[0].source)] = after[2]
        if articles is made.articles:
            return made
        return ReadArticles(articles, digests, made.places, made.problems, made.drafts)


def _parse_settings(config: SiteConfig) -> tuple[object, ...]:
    """The settings load and normalize read: cached articles depend on them."""
    return (
        config.timezone,
        config.max_title_chars,
        config.max_file_bytes,
        config.max_topics,
        config.max_related,
        config.max_images,
        config.nofollow_external,
    )


def _prepare_parsing(config: SiteConfig) -> None:
    """Import and build what reading content needs (YAML, Markdown, the sanitizers), before
    workers fork: each would otherwise do it again."""
    from sitegen import load, normalize, relate  # noqa: F401 (relate: see _relate_keys)

    load.prepare()
    normalize.prepare(normalize.Options(nofollow=config.nofollow_external).link_rel)


def _import_later_stages() -> None:
    """Import what the stages after reading use, while the workers parse many files (a cold
    build's: ~0.2-0.3 s, numpy's the most, was serial after reading, one core idle)."""
    # (numpy's masked arrays too: relate's first np.unique imports them, ~20 ms.)
    import numpy.ma  # noqa: F401

    import sitegen.publish
    import sitegen.relatecand
    import sitegen.relateedges
    import sitegen.relatevec
    import sitegen.render
    import sitegen.replan  # noqa: F401


def _relate_keys(parsed: _Parsed) -> ArticleKeys | None:
    """What relate reads of a parsed article alone (None: no article)."""
    if isinstance(parsed, Problem) or parsed[0] is None:
        return None
    # (A plain import, run for every article: "from a module import" looks for the module's
    # __path__ first, an AttributeError raised and cleared each time.)
    import sitegen.relate

    return sitegen.relate.article_keys(parsed[0])


# Files parsed together, stage by stage (see _parse_many): a hundred or so keep each stage's
# code and tables in the processor's caches; their texts and documents are held until
# normalized.
PARSE_BATCH = 128


def _parse_many(
    keys: Sequence[str], prefix: str, config: SiteConfig, for_relate: bool = False
) -> list[Any]:
    """Each of ``keys`` (shown as shown_path with ``prefix`` shows them) read, parsed and
    normalized: its bytes' hash and what was made of it; with ``for_relate``, also what
    relate reads of its article and the ftfy repairs its texts met (see _read_articles).
    Made stage by stage over PARSE_BATCH files at a time (read and hash them, parse their
    YAML, render their Markdown, normalize them, make what relate reads): file by file, each
    stage's code and tables (libyaml's, Markdown's, nh3's) left the processor's caches to
    the others', and the same work took ~15-30% more CPU."""
    made: list[Any] = []
    for start in range(0, len(keys), PARSE_BATCH):
        run = keys[start : start + PARSE_BATCH]
        shown = [shown_path(key, prefix) for key in run]
        made.extend(_parsed_batch(run, shown, config, for_relate))
    return made


def _parsed_batch(
    paths: Sequence[Path | str], shown: list[Path], config: SiteConfig, for_relate: bool
) -> list[Any]:
    # (Plain imports, run for every batch: see _relate_keys.)
    import sitegen.load
    import sitegen.normalize

    normalize = sitegen.normalize
    tz, options = _normalize_settings(
        config.timezone,
        config.max_topics,
        config.max_related,
        config.max_images,
        config.nofollow_external,
    )
    limit = config.max_file_bytes
    raws = [read_source(path, name, limit) for path, name in zip(paths, shown, strict=True)]
    hashes = [content_hash(raw) if type(raw) is bytes else "" for raw in raws]
    parse = sitegen.load.parse_source
    docs = [
        raw if isinstance(raw, Problem) else parse(raw, name)
        for raw, name in zip(raws, shown, strict=True)
    ]
    # (Each body is rendered as normalize would render it, the problems said in its order.)
    link_rel = options.link_rel
    bodies = [
        None if isinstance(doc, Problem) else normalize.sanitize_body(doc.body, link_rel)
        for doc in docs
    ]
    made: list[tuple[str, _Parsed]] = []
    repairs: list[Repairs] = []
    for doc, body, digest in zip(docs, bodies, hashes, strict=True):
        if isinstance(doc, Problem):
            made.append((digest, doc))
        else:
            value = normalize.normalize(doc, tz, config.max_title_chars, options, body)
            made.append((digest, value))
        if for_relate:  # (each file's repairs taken as soon as it is normalized)
            repairs.append(_taken_repairs())
    if not for_relate:
        return made
    keys = [_relate_keys(value) for _digest, value in made]
    return [(d, v, k, r) for (d, v), k, r in zip(made, keys, repairs, strict=True)]


@functools.lru_cache(maxsize=8)
def _normalize_settings(
    timezone: str, max_topics: int, max_related: int, max_images: int, nofollow: bool
) -> tuple[ZoneInfo, Options]:
    """The time zone and normalize.Options of these settings, made once, not for every file
    (a frozen dataclass's __init__ and a ZoneInfo lookup each time)."""
    import sitegen.normalize

    options = sitegen.normalize.Options(max_topics, max_related, max_images, nofollow)
    return ZoneInfo(timezone), options


def build(
    config: SiteConfig,
    *,
    write: bool = True,
    log: Callable[[str], None] = print,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    cache: BuildCache | None = None,
    quick: bool = True,
    changed: Collection[str] | None = None,
    hold: list[object] | None = None,
    committed: Callable[[BuildResult, Collection[str] | None], None] | None = None,
    output_checked: Callable[[str], bool] | None = None,
    content_scanned: Callable[
        [str, Iterable[Callable[[], object]], Iterable[Callable[[], object]]], Any
    ]
    | None = None,
    shown: Collection[str] = (),
) -> BuildResult:
    """Build the site of ``config``; with ``write=False`` only check the content.

    ``jobs`` processes share the work (default: one per core); ``use_cache=False`` ignores
    and leaves alone the build cache (the output is the same either way). ``quick=False``
    goes through every stage even when nothing changed (``serve`` does, once, so that its
    cache holds everything the next rebuild needs). ``changed``: the content files changed
    since the last build of this process (``serve``'s watcher knows them), so that the
    content folder is not scanned again (it still is if one of them is new or gone).
    ``hold`` gets what the build made, for a process that ends right after: kept, it is not
    freed object by object (see __main__). ``committed`` is called with the result and None as
    soon as the new site is in place, before the cache's bookkeeping (serve reloads the tabs
    then); given, it is called first once the pages are in place, with the paths that are:
    the others (the graph data, the sitemap, files to delete) follow, then the second call.
    ``output_checked(output folder)``: whether every file of the output's manifest was found
    there just before (the CLI's no-change check, sitegen/nochange.py, looked in a child
    process); then the files of unchanged pages are not looked for again one by one.
    ``content_scanned(content folder, meanwhile, first)``: what ``nochange.scan`` finds there,
    with the time before which its stats are trusted, the links and whether the content is
    known to have changed (that child's check found it), if a scan made just before (by a
    child, on the other core) is at hand; None: the folder is scanned here. It runs the steps of
    ``meanwhile`` (imports this build makes later), or of ``first`` (for a build no record
    answered: the parse's preparation), while that scan has not come.
    ``shown``: with ``committed``, the files open in serve's tabs: those of the graph page's
    list are put in place before the first call, the others after it."""
    result = BuildResult()
    output = config.path("output_dir")
    content = config.path("content_dir")
    if write:
        _check_output(config, output)
        # A build killed after its commit is finished first, whatever happens to this one.
        result.problems.extend(_recover(output))
    if not content.is_dir():
        raise BuildError(f"{content}: the content folder does not exist (content_dir)")
    # A cache passed in (serve's) is used again by the next build; one made here is not.
    reused = cache is not None
    if not (write and use_cache):
        cache = None
    elif cache is None:
        cache = BuildCache(cache_dir(output), log)
    told = False  # the content changed, as the CLI's no-change check found
    with _timed(result, "scan"):
        recent = time.time_ns() - RACY_NS  # files changed since then: their bytes decide
        # serve knows which files changed: the last scan, those files stat'ed again.
        scan_memo = cache.kept("scan", str(content), ScanMemo) if cache else None
        sources = scan_memo.patched(changed) if scan_memo and changed is not None else None
        if sources is None:
            # The links in each folder, from the scan's own listing: the alias check and the
            # articles' identities look for links in every folder (listing 10,000 files again).
            # Waiting for the scan, the modules an edit needs next are imported; a first
            # build prepares its parse (its workers fork once the scan is there).
            meanwhile = _Steps(_LATER_STAGES if write else ())
            first = _Steps([functools.partial(_prepare_parsing, config)] if write else [])
            given = content_scanned(str(content), meanwhile, first) if content_scanned else None
            # (Their imports would have come later, outside any stage.)
            result.timings["scan"] = (
                result.timings.get("scan", 0.0) - meanwhile.seconds - first.seconds
            )
            links: dict[str, tuple[int, set[str] | None]] = {}
            if given is None:
                sources, folders = scan(str(content), links)
            else:
                recent, sources, folders, links, told = given
            _LINKS_SEEN.update(links)
            result.scanned = (recent, sources, folders)
            if scan_memo is not None:
                scan_memo.keep(sources)
    state: BuildState | None = None
    last: QuickState | None = None  # the last build's quick state
    fingerprint = ""
    dirs = theme_dirs(config)
    search_problems: list[Problem] = []
    if write and config.search:
        from sitegen import search

        config, search_problems = search.resolve_search(config)
    if write:
        with _timed(result, "cache check"):
            fingerprint = _fingerprint_of(config, dirs, cache, changed)
            # Given a scan, the CLI's no-change check found a change: the lists not read.
            last = cache.load_quick(fingerprint, not told) if cache and quick else None
            if last is not None and not told and _nothing_changed(last, sources, output):
                return _repeat(result, last)
        with _timed(result, "read cache"):
            state = cache.load_state(fingerprint) if cache else None
    # The later stages are imported only when something has changed (Jinja's, once the
    # content is read: a first build's workers fork sooner, and it imports them meanwhile).
    from sitegen.index import IndexMemo, build_index

    # What reading made last time in this process (serve): patched after an edit. (Not
    # made by the CLI's one build.)
    serving = changed is not None or not quick
    read_memo = cache.kept("read", str(content), ReadMemo) if cache and serving else None
    articles, digests, prepared = _read_articles(
        config,
        result,
        sources=sources,
        cache=cache,
        jobs=jobs,
        progress=progress,
        recent=recent,
        memo=read_memo,
        moved=scan_memo.moved if scan_memo and result.scanned is None else None,
    )
    # (The scan's folders holding files, when this build scanned: fewer than its files.)
    listed = result.scanned[2] if result.scanned is not None else None
    articles = _drop_aliases(articles, result, sources, listed)
    # A first build's sources are pickled by a forked copy of this process, on the core
    # that would idle through index and relate; put in place once the build is through.
    # (Not for a few files: a fork costs more than pickling them.)
    cores = parallel.default_jobs() if jobs is None else jobs
    aside = cores > 1 and len(articles) >= parallel.MIN_PARALLEL_ITEMS
    sources_aside: Aside | SourcesFile | None = (
        cache.save_sources_aside(*result.pending_cache)
        if cache is not None and not reused and result.pending_cache and aside
        else None
    )
    if result.sources_file is not None:  # (written from the parse's own parts)
        sources_aside, result.sources_file = result.sources_file, None
    elif sources_aside is not None:
        result.pending_cache = None
    with _timed(result, "index"):
        # The articles the index made last time in this process (serve), reused if unchanged.
        # (Per content folder and working folder: the identities it keeps are paths in them.)
        where = f"{config.path('content_dir')}\x00{os.getcwd()}"
        # (Not made for a cache made here, the CLI's: its next build is another process's.)
        index_memo = cache.kept("index", where, IndexMemo) if cache and reused else None
        # The CLI's: the last build's index record, patched with the edited articles
        # (sitegen/indexrecord.py); else the index is made in full, and recorded.
        recording = cache is not None and not reused and len(digests) == len(articles)
        index_fingerprint = parse_fingerprint(_parse_settings(config)) if recording else ""
        recorded = _recorded_index(cache, index_fingerprint, articles, digests, result)
        problems: list[Problem] = []
        if recorded is not None:
            index, record = recorded
        else:
            content_key = _content_key(config)
            parts: list[Any] | None = [] if recording else None
            index, problems = build_index(
                articles, content_key, index_memo, content_key.many, parts
            )
            record = _index_record(articles, digests, index, parts)
    result.problems.extend(problems)
    result.index = index
    result.articles = len(index.articles)
    if not write:
        return result
    result.problems.extend(search_problems)
    from sitegen import publish, render, replan
    from sitegen.graphpages import GraphMemo
    from sitegen.relate import RelateState, relate_with_state

    with _timed(result, "read cache"):
        # The state of the last build lets relate redo only what the changes can affect.
        # Its signatures are the files' hashes: the settings normalize reads are in here.
        relate_fingerprint = parse_fingerprint(("relate", _parse_settings(config))) if cache else ""
        old_relate = cache.load_relate(relate_fingerprint) if cache else None
    with _timed(result, "relate"):
        # One for relate and planning: each article's key is made once a build.
        key_of = KeyOf(digests)
        # The last relate's lists, before relate updates its state in place: planning
        # compares them with this build's (only when the last plan is there to reuse).
        last_plan = state.plan if state is not None else None
        # (serve's next view is made by this build's planning: see replan.ViewMemo.)
        views = cache.kept("relate view", "", replan.ViewMemo) if cache and serving else None
        view = replan.relate_view(old_relate, views) if old_relate and last_plan else None
        graph, relate_state = relate_with_state(
            index, config.related_count, old_relate, key_of, jobs, prepared, key_of.many
        )
        del prepared
    # A cold relate's state is saved by a forked copy of this process, on the core that
    # would idle while this one plans (~0.25 s at 10,000 articles, ~4 s at 100,000; where
    # no copy can be forked, it is saved before render instead, see below). Nothing
    # changes the state after relate.
    cold_relate = cache is not None and not reused and quick and old_relate is None
    relate_aside = None
    if cache is not None and cold_relate and relate_state.modified and aside:
        with _timed(result, "save cache"):
            relate_aside = cache.save_relate_aside(relate_fingerprint, relate_state)
    with _timed(result, "plan"):
        # graph.json's fragments of the last build of this process (serve), reused if unchanged.
        graph_memo = cache.kept("graph fragments", fingerprint, GraphMemo) if cache else None
        # One for planning and rendering: the graph page's shared parts are made once.
        graph_views = _graph_views(config, index, graph, graph_memo)
    early: _Early | None = None
    from_scratch = state is None and not reused and quick and committed is None
    if _early_fits(from_scratch, jobs, len(index.articles)):
        with _timed(result, "render"):
            env, renderer = _env_and_renderer(render, config, dirs, cache, fingerprint, graph_views)
            # The cards and the graph data, in a child, while this process plans. (The
            # graph data alone for a large parent: see _render.)
            early = _Early(renderer, index, graph_memo, cards=not parallel.large_parent())
    with _timed(result, "plan"):
        # Only the pages whose inputs may have changed since the last build are planned
        # again; the others keep its keys (sitegen/replan.py).
        order = replan.site_order(index)
        changes, signatures = replan.changes(
            last_plan,
            state.pages if state else None,
            view,
            index,
            graph,
            key_of,
            relate_state,
            order,
            # serve's (a new process would make it from every edge: slower than it helps).
            cache.kept("edge referrers", "", replan.EdgeReferrers) if cache and serving else None,
            views,
        )
        plan_memo = replan.new_memo(changes, signatures, index, graph, order)
        if graph_memo is not None and graph_memo.topic_counts is None:
            # A new process: the legend's and topic map's counts of the last build, patched
            # (counting 10,000 articles' topics again was ~0.03 s of an edit).
            _hold_topic_counts(graph_memo, plan_memo, index)
        if graph_memo is not None and state is not None and changes is not None and view:
            # A new process (the CLI): the graph data's texts of the last build, patched.
            graph_memo.restore(
                state.graph,
                state.pages,
                output,
                index.articles,
                graph.edges,
                changes.keyed,
                changes.edges,
                view.edges,
            )
        # The pages the last plan of this process (serve) made from their keys.
        pages_memo = (
            cache.kept("planned pages", fingerprint, replan.PlannedPages)
            if cache and reused
            else None
        )
        plan = render.plan_site(
            index,
            config,
            key_of,
            graph,
            gv=graph_views,
            changes=changes,
            out=plan_memo,
            pages_memo=pages_memo,
        )
        # The feeds' deps of the last build of this process (serve), reused if unchanged.
        feed_memo = cache.kept("feed deps", fingerprint, dict) if cache else None
        plan += _feed_plan(index, config, key_of, feed_memo)
        folded = set(map(str.casefold, map(_PATH, plan)))
        if len(folded) == len(plan):
            collisions = []  # all different, even to a file system that ignores case
        else:
            collisions = find_collisions(plan)
            plan = _first_of_each_path(plan)
        # (Read by the build state and the unchanged pages' check alone: not without a cache.)
        keys = _page_keys(fingerprint, plan, None) if cache is not None else []
        # serve's: made by its last build, after its reload (see UnchangedMemo).
        unchanged_memo = (
            cache.kept("unchanged", fingerprint, UnchangedMemo) if cache and serving else None
        )
        todo, kept = _unchanged(
            plan,
            keys,
            state,
            output,
            trusted=changed is not None,
            checked=output_checked,
            wrote=last.manifest_file if last is not None else None,
            memo=unchanged_memo,
        )
    # What the relate state is still needed for: its save (it depends on the content and
    # the settings alone, not on the output), and serve's next build.
    relate_left: RelateState | None = relate_state
    if cache is not None and cold_relate:
        # A cold relate's state (100,000 articles: ~700 MB) is saved now, unless its copy
        # does, and let go, so that render and write reuse its memory (once the copy is
        # done). (Serve's cache holds on to what it is given, for its next build: there
        # this frees nothing.)
        with _timed(result, "save cache"):
            if relate_state.modified and relate_aside is None:
                cache.save_relate(relate_fingerprint, relate_state)
        if hold is not None and early is not None and early.board is not None:
            # Not freed here (the CLI's process ends right after the build; a small site's
            # state): while the early child and the relate state's copy live, freeing it
            # copied every page it lies in (~19,000 page faults at 10,000 articles). A large
            # parent's (no card board) is freed: render's peak would hold it too.
            hold.append(relate_state)
        del relate_state
        relate_left = None
    if early is None:
        with _timed(result, "render"):
            env, renderer = _env_and_renderer(render, config, dirs, cache, fingerprint, graph_views)
    # serve's tabs reload once the pages are in place: the graph data and the sitemap, which
    # no page needs, the graph page's list unless a tab shows one of its pages (its first
    # page, after a topic edit, was most of the pages' rendering), and the deletions come
    # after (its server holds requests for those paths until then). Not with search: its
    # index is made from every page.
    split = committed is not None and not config.search
    later = [p for p in todo if _after_reload(p.path, shown)] if split else []
    # Pages go to the output's staging folder as they are rendered, not held until the end
    # (3 GB at 100,000 articles); the site itself changes only at the commit below.
    staged = _writing(output, StagedOutput(output, kept).__enter__)
    rest = staged  # what the last commit puts in place
    # The sitemap's entries of the last build: of this process (serve), or from the build
    # state, so that only the changed ones are made again.
    sitemap_memo = _sitemap_memo(cache, fingerprint, state) if cache else None
    published: list[tuple[list[OutputFile], list[str]]] = []

    def publish_site() -> None:
        """The sitemap, robots.txt and such: global and cheap, made again by every build
        that changed anything (patched, in serve). The plan's pages name the files the
        sitemap lists: no page needs to be rendered first."""
        with _timed(result, "feeds+sitemap"):
            try:
                published.append(
                    publish.publish_files(
                        index, config, env, plan, feeds=False, sitemap_memo=sitemap_memo
                    )
                )
            except Exception as exc:  # a theme error: report it, leave the output alone
                # (serve's pages are in place already: its next rebuild finishes the rest)
                raise BuildError(_template_error(exc)) from exc

    try:
        now = [p for p in todo if not _after_reload(p.path, shown)] if later else todo
        # (serve's tabs reload before: not made while its pages render)
        publishing = None if split else publish_site
        _render(env, renderer, now, jobs, progress, staged, result, publishing, early)
        result.rendered = len(todo)
        theme = render.static_files(dirs)
        placed: WriteReport | None = None
        if split:
            with _timed(result, "write"):
                _writing(output, lambda: staged.add(theme))
                # (Its manifest is written once the tabs are told.)
                placed = _writing(output, lambda: staged.commit(keep_others=True, finish=False))
            result.written = placed
            assert committed is not None
            committed(result, placed.digests)
            with _timed(result, "write"):
                _writing(output, staged.finish)
            rest = _writing(output, StagedOutput(output, placed.digests).__enter__)
            _render(env, renderer, later, jobs, None, rest, result)
        if not published:  # (not made while the pages rendered)
            publish_site()
        extra, result.notes = published[0]
        static = [*theme, *extra]
        if config.search:
            from sitegen import search

            with _timed(result, "search"):
                found, problems = search.search_files(itertools.chain(staged.site_files(), static))
            static.extend(found)
            result.problems.extend(problems)
        # (Summed in C: loops over every page of the site, after every edit in serve.)
        kept_bytes = sum(map(_SIZE, map(state.pages.__getitem__, kept))) if state else 0
        extra_bytes = kept_bytes + staged.bytes + (rest.bytes if split else 0)
        unsized = extra if split else static  # (split: the theme's files are in staged)
        result.problems.extend(publish.size_problems(unsized, extra_bytes=extra_bytes))
        result.pages = sum(map(_IS_HTML, map(_PATH, plan)))
        result.pages += sum(f.path.endswith(".html") for f in static)
        if collisions:
            result.problems.extend(collisions)
        else:  # the other files against the pages (all different): looked at one by one only
            # when one has the path of a page or of another (12,800 pages after every edit)
            others = [f.path.casefold() for f in static]
            if len(set(others)) != len(others) or not folded.isdisjoint(others):
                result.problems.extend(find_collisions([*plan, *static]))
        with _timed(result, "write"):
            _writing(output, lambda: rest.add(unsized))
            result.written = _writing(output, rest.commit)
        if placed is not None:
            result.written = _both_steps(placed, result.written)
    finally:
        staged.__exit__(None, None, None)  # removes the staging unless committed
        if rest is not staged:
            rest.__exit__(None, None, None)
        if early is not None:
            early.close()
    result.problems.extend(result.written.problems)
    if committed is not None:
        committed(result, None)
    made = {**staged.made, **rest.made} if split else staged.made
    result.made = list(made)  # what this build made; unchanged pages are not here
    if not quick and graph_memo is not None:
        # serve's first build: the graph data's texts are made here, in this process, even
        # if the files were kept (or rendered by a worker), so that the first edit finds
        # them in memory (1-2 s at 10,000 articles otherwise).
        with _timed(result, "graph memo"):
            graph_views.graph_json()
            graph_views.page_data()
            # The graph page's list entries, so that an edit's graph pages render only the
            # entries that changed (a theme error is reported by the page that shows it).
            with suppress(Exception):
                renderer.warm_graph_entries()
        with _timed(result, "warm up"):
            # And what the first edit would make before anything else: the index's patch
            # structures, relate's referrers and topic spellings (~0.3 s at 10,000 articles).
            if index_memo is not None:
                index_memo.warm()
            if relate_left is not None:
                relate_left.warm()
            # The graph page's lines and the templates, which its first edit would make or
            # load first (~25 ms of it at 10,000 articles).
            if pages_memo is not None:
                render.warm_planned_pages(index, graph, key_of, pages_memo)
            with suppress(Exception):  # (a template's error is the page's to report)
                for name in env.list_templates(filter_func=_IS_TEMPLATE):
                    env.get_template(name)
            # The YAML loader, Markdown and the sanitizers, which a first build from the
            # cache never needed (~0.1 s of the first edit's reading, at any size).
            _prepare_parsing(config)
            # The manifest's lines, which the first edit's commit then only patches (made
            # from scratch, 12,800 lines took 30 ms of it).
            manifest_text(read_manifest(output, copy=False))
    counted = graph_views.counted() if plan_memo.topic_main is None else None
    if counted is not None:  # (for the next process: see _hold_topic_counts)
        plan_memo.topic_main, plan_memo.topic_pairs = counted
    # The sitemap's entries go into the build state (the memo itself is freed below).
    sitemap_pages = sitemap_memo.saved() if sitemap_memo is not None else {}
    made_early = early.graph_state() if early is not None else None
    graph_state = _graph_state(graph_memo, index, made, kept, state, output, made_early)
    if cache is not None and not reused:
        if graph_state is not None:
            graph_state.pack()  # (the texts are freed with the memo, before the save)
        # What was kept for a next build of this process, which there is not, and what the
        # save does not need, freed before it: what the save makes (a part of a file at a
        # time, see cache._write_parts) comes on top.
        cache.forget_kept()
        del sitemap_memo, index_memo, graph_memo, scan_memo, feed_memo, pages_memo
        del env, renderer
        del staged, static, extra, graph_views, graph
    if cache is not None:
        with _timed(result, "save cache"):
            if relate_aside is not None:
                relate_aside.finish()
            if sources_aside is not None:
                sources_aside.finish()
            if result.pending_cache is not None:
                cache.save_sources(*result.pending_cache)
                result.pending_cache = None
            if result.pending_repairs is not None:
                cache.save_repairs(*result.pending_repairs)
                result.pending_repairs = None
            if relate_left is not None and relate_left.modified:
                cache.save_relate(relate_fingerprint, relate_left)
            if index_fingerprint:
                cache.save_index(index_fingerprint, record)
            old_pages = state.pages if state else None
            saved = _save_state(
                cache,
                fingerprint,
                result,
                sources,
                plan,
                keys,
                made,
                kept,
                output,
                old_pages,
                plan_memo,
                sitemap_pages,
                graph_state,
            )
        if serving:
            with _timed(result, "unchanged memo"):
                cache.kept("unchanged", fingerprint, UnchangedMemo).note(plan, keys, saved, output)
    if hold is not None:
        hold.append(locals())
    return result


_SIZE = operator.itemgetter(2)
_PATH = operator.attrgetter("path")
_KEY = operator.attrgetter("key")
_IS_HTML = operator.methodcaller("endswith", ".html")
_IS_TEMPLATE = operator.methodcaller("endswith", (".html", ".xml"))


def _recorded_index(
    cache: BuildCache | None,
    fingerprint: str,
    articles: list[Article],
    digests: dict[str, str],
    result: BuildResult,
) -> tuple[SiteIndex, Any] | None:
    """The index of ``articles`` and its record, from the last build's record and the
    articles edited since (sitegen/indexrecord.py); None: made in full."""
    from sitegen import indexrecord

    if not fingerprint or cache is None:
        return None
    edited = _edited_articles(cache, articles, result)
    if edited is None:
        return None
    record = cache.load_index(fingerprint)
    if not isinstance(record, indexrecord.IndexRecord):
        return None
    # The record is that of these files as they were before the edits.
    keys = indexrecord.keys_hash(digests)
    before = list(digests.values())
    for at, _old, digest in edited:
        before[at] = digest
    if indexrecord.digests_hash(keys, before) != record.inputs:
        return None
    found = indexrecord.reused(record, articles, [(at, old) for at, old, _ in edited])
    if found is None:
        return None
    index, now = found
    now.inputs = indexrecord.digests_hash(keys, digests.values()) if edited else record.inputs
    return index, now


def _edited_articles(
    cache: BuildCache, articles: list[Article], result: BuildResult
) -> list[tuple[int, Article, str]] | None:
    """The place in ``articles``, the former version and its content hash of each article
    whose file changed since the sources the cache loaded; None: not known (no sources
    loaded, a file came or went, too many changed)."""
    from sitegen.indexrecord import MAX_EDITED

    loaded = cache.loaded_sources
    if not loaded:
        return None
    if result.pending_cache is None:  # every entry is the one loaded
        return []
    entries = result.pending_cache[1]
    if entries.keys() != loaded.keys():
        return None  # a file came or went
    # The entries whose value is not the one loaded (only the stats of the others changed,
    # or they were too recent to trust), found in C: 10,000 entries after every edit.
    values = map(_VALUE, entries.values())
    other = map(operator.is_not, values, map(_VALUE, map(loaded.__getitem__, entries)))
    changed = list(compress(entries, other))
    if len(changed) > MAX_EDITED:
        return None
    edited: list[tuple[int, Article, str]] = []
    for key in changed:
        old = loaded[key]
        new_article, old_article = _article_of(entries[key][3]), _article_of(old[3])
        if new_article is None or old_article is None:
            return None
        at = next(compress(itertools.count(), map(operator.is_, articles, repeat(new_article))), -1)
        if at < 0:
            return None  # (a draft)
        edited.append((at, old_article, old[2]))
    return edited


def _article_of(value: Any) -> Article | None:
    """The article of a sources entry's value (None: a file that did not parse)."""
    if isinstance(value, tuple) and value and isinstance(value[0], Article):
        return value[0]
    return None


def _index_record(
    articles: list[Article], digests: dict[str, str], index: SiteIndex, parts: list[Any] | None
) -> Any:
    """The record of an index made in full (None: none to save)."""
    if not parts:
        return None
    from sitegen import indexrecord

    unique, spellings, topic_names = parts[0]
    inputs = indexrecord.inputs_hash(digests, digests.values())
    return indexrecord.record_of(inputs, articles, unique, index, spellings, topic_names)


def _sitemap_memo(cache: BuildCache, fingerprint: str, state: BuildState | None) -> Any:
    """The sitemap's entries as the last build left them: kept by this process (serve), or
    those of the build state (made of its texts: the memo changes them in place)."""
    from sitegen.sitemap import SitemapMemo

    def made() -> SitemapMemo:
        return SitemapMemo.restored(state.sitemap) if state is not None else SitemapMemo()

    return cache.kept("sitemap", fingerprint, made)


class ScanMemo:
    """The content folder as the last scan of this process (``serve``) found it."""

    def __init__(self) -> None:
        self.sources: list[tuple[str, int, int]] = []
        self.at: dict[str, int] = {}  # path -> its place in sources
        # The sources before the last patch, and the places the patch changed.
        self.moved: tuple[list[tuple[str, int, int]], list[int]] | None = None

    def keep(self, sources: list[tuple[str, int, int]]) -> None:
        self.sources = sources
        self.moved = None
        self.at = {path: i for i, (path, _, _) in enumerate(sources)}

    def patched(self, changed: Collection[str]) -> list[tuple[str, int, int]] | None:
        """What a scan would find now, given the paths changed since the last one; None when
        that cannot be told without a scan: a file new or gone, a folder, any other path."""
        if not self.at:
            return None
        base = self.sources
        sources = list(base)
        places = []
        for path in changed:
            at = self.at.get(path)
            if at is None:
                return None  # not a content file last time (new, a folder, not .md...)
            try:
                st = os.stat(path)
            except OSError:
                return None  # gone (or unreadable: the scan says which)
            if not stat.S_ISREG(st.st_mode):
                return None
            sources[at] = (path, st.st_mtime_ns, st.st_size)
            places.append(at)
        self.sources = sources
        self.moved = (base, places)
        return sources


def _fingerprint(config: SiteConfig, dirs: list[Path]) -> str:
    """Everything pages depend on besides the content: see sitegen/cache.py."""
    return parse_fingerprint((repr(config), [str(d) for d in dirs], templates_hash(dirs)))


def _fingerprint_of(
    config: SiteConfig, dirs: list[Path], cache: BuildCache | None, changed: object
) -> str:
    """_fingerprint; in serve, when its watcher named the files changed since the last build
    (``changed``: they are all content files, see serve.content_changes; it watches the
    template folders too), the last one made for the same settings and folders: their files
    were not changed (reading and hashing them took ~5 ms of every edit)."""
    if cache is None:
        return _fingerprint(config, dirs)
    memo = cache.kept("fingerprint", f"{config!r}\x00{[str(d) for d in dirs]}", dict)
    if changed is None or "made" not in memo:
        memo["made"] = _fingerprint(config, dirs)
    return str(memo["made"])


class KeyOf:
    """An article's key: its file's bytes decide everything normalize made of it; the index
    may then change its slug (equal titles) and its topics' display names (merged)."""

    def __init__(self, digests: dict[str, str]) -> None:
        self.digests = digests
        self.made: dict[Slug, str] = {}  # asked for once per page that shows the article

    def __call__(self, article: Article) -> str:
        found = self.made.get(article.slug)
        if found is None:
            topics = "\x1e".join(map(_NAME, article.topics))
            found = f"{self.digests[str(article.source)]}\x1f{article.slug}\x1f{topics}"
            self.made[article.slug] = found
        return found

    def many(self, articles: Sequence[Article], sources: list[str]) -> list[str]:
        """The keys of ``articles`` (``sources``: their source paths), as calls give them:
        made in C when none was asked for yet (a full relate's 10,000)."""
        slugs = list(map(_SLUG, articles))
        if self.made or len(set(slugs)) != len(slugs):
            return list(map(self, articles))
        topics = map("\x1e".join, map(map, repeat(_NAME), map(_TOPICS, articles)))
        digests = map(self.digests.__getitem__, sources)
        keys = list(map("\x1f".join, zip(digests, slugs, topics, strict=True)))
        self.made = dict(zip(slugs, keys, strict=True))
        return keys


def _feed_plan(
    index: SiteIndex,
    config: SiteConfig,
    key_of: Callable[[Article], str],
    memo: dict[str, tuple[tuple[object, ...], list[Article], tuple[str, ...]]] | None = None,
) -> list[Page]:
    """The feeds, planned as pages: a feed whose articles did not change is not made again
    (rendering every topic's feed cost seconds at 10,000 articles). ``memo``: each feed's
    deps as the last build of this process (serve) made them, with what it made them from:
    a feed that shows the very same articles keeps them (no key made for its 20 articles)."""
    from sitegen import feeds
    from sitegen.public import fallback_date
    from sitegen.render import Page

    old = memo.copy() if memo is not None else {}
    if memo is not None:
        memo.clear()
    undated = str(fallback_date())
    pages = []
    for spec in feeds.feed_specs(index, config):
        shown = list(spec.articles[: config.feed_size])
        head = (spec.page, spec.title, undated)
        hit = old.get(spec.path)
        if (
            hit is not None
            and hit[0] == head
            and len(hit[1]) == len(shown)
            and all(map(operator.is_, hit[1], shown))
        ):
            deps = hit[2]
        else:
            deps = feeds.feed_deps(spec, config, key_of)
        if memo is not None:
            memo[spec.path] = (head, shown, deps)
        pages.append(
            Page(
                OutputPath(spec.path),
                spec.source,
                deps,
                lambda r, spec=spec: feeds.feed_file(spec, r.config, r.env),  # type: ignore[misc]
            )
        )
    return pages


def _page_keys(fingerprint: str, plan: list[Page], memo: Any) -> list[str]:
    """Each page's key; a page whose deps are those of the last build in this process (in
    ``memo``, a render.KeyMemo) keeps its key without hashing them again."""
    old: dict[str, tuple[tuple[str, ...], str]] = memo.pages if memo is not None else {}
    new: dict[str, tuple[tuple[str, ...], str]] = {}
    # The keys of the pages planned from the last build's (sitegen/replan.py), in C; the
    # others' (empty) are made below.
    keys: list[str] = list(map(_KEY, plan))
    for at in compress(range(len(plan)), map(operator.not_, keys)):
        page = plan[at]
        hit = old.get(page.path)
        key = (
            hit[1] if hit is not None and hit[0] == page.deps else page_key(fingerprint, page.deps)
        )
        new[page.path] = (page.deps, key)
        keys[at] = key
    if memo is not None:
        memo.pages = new
    return keys


def _first_of_each_path(plan: list[Page]) -> list[Page]:
    """Of pages sharing a path, the first is written (find_collisions reports the rest)."""
    seen: set[str] = set()
    unique = []
    for page in plan:
        if page.path.casefold() not in seen:  # as write_output: some file systems ignore case
            seen.add(page.path.casefold())
            unique.append(page)
    return unique


def _unchanged(
    plan: list[Page],
    keys: list[str],
    state: BuildState | None,
    output: Path,
    *,
    trusted: bool = False,
    checked: Callable[[str], bool] | None = None,
    wrote: tuple[str, int, int, int, int] | None = None,
    memo: UnchangedMemo | None = None,
) -> tuple[list[Page], dict[str, str]]:
    """Split the plan into pages to render and pages whose output file is already right:
    same key as last time, and the file is still there with the bytes sitegen wrote.
    ``trusted``: the caller tracks changes (serve's watcher), so the files of a manifest
    this process wrote are taken to be there; ``checked(output)`` True: every file of the
    manifest was found there just before (by the CLI's no-change check). ``memo``: serve's
    (see UnchangedMemo)."""
    if state is None:
        return plan, {}
    manifest = read_manifest(output, copy=False, wrote=wrote)
    # The files of the manifest this process wrote (serve's last rebuild) are there: a stat
    # of each of 12,800 pages after every edit cost more than all else in this stage.
    # (A file deleted by hand while serving comes back with the next change of its page,
    # the next rebuild without a change set, or the next `sitegen build`.)
    trusted = trusted and wrote_manifest(output)
    # Or the CLI's no-change check found every file of this manifest (not replaced since)
    # there, in a process of its own on the other core, while this one read its cache.
    trusted = trusted or (checked is not None and checked(str(output)))
    root = str(output)  # plain strings: a Path per page costs more than the check
    found = memo.found(plan, keys, state.pages, manifest) if memo and trusted else None
    if found is not None:
        paths, digests, kept_at = found
    else:
        paths, digests, kept_at = _kept_at(plan, keys, state.pages, manifest)
    if not trusted:
        isfile = os.path.isfile
        for at in compress(range(len(plan)), kept_at):
            kept_at[at] = isfile(f"{root}/{paths[at]}")
    todo = list(compress(plan, map(operator.not_, kept_at)))
    kept = dict(zip(compress(paths, kept_at), compress(digests, kept_at), strict=True))
    return todo, kept


def _kept_at(
    plan: list[Page],
    keys: list[str],
    pages: dict[str, tuple[str, str, int]],
    manifest: dict[str, str],
) -> tuple[list[str], list[Any], list[bool]]:
    """The pages' paths, their digests in the build state (``pages``), and whether each has
    the state's key and the manifest's digest: found in C (12,800 pages)."""
    paths = list(map(_PATH, plan))
    olds = list(map(pages.get, paths, repeat(_NO_PAGE)))
    digests = list(map(_SECOND, olds))
    same = map(operator.eq, map(_FIRST, olds), keys)
    listed = map(operator.eq, map(manifest.get, paths), digests)
    return paths, digests, list(map(operator.and_, same, listed))


class UnchangedMemo:
    """serve: _kept_at of a build's own plan, for the state it saved and the manifest it
    wrote, worked out once its tabs were told (``note``). The next build takes it for every
    page of its plan that is the very page at the same place with the same key, and looks
    only at the others (its 12,800 pages were looked up in two dicts, before the reload)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str, int]] | None = None  # the state's it is for
        self.manifest: dict[str, str] | None = None  # and the manifest's
        self.plan: list[Page] = []
        self.keys: list[str] = []
        self.made: tuple[list[str], list[Any], list[bool]] = ([], [], [])

    def note(
        self,
        plan: list[Page],
        keys: list[str],
        pages: dict[str, tuple[str, str, int]] | None,
        output: Path,
    ) -> None:
        self.pages = None
        if pages is None or not wrote_manifest(output):
            return
        manifest = read_manifest(output, copy=False)
        self.made = _kept_at(plan, keys, pages, manifest)
        self.plan, self.keys, self.pages, self.manifest = plan, keys, pages, manifest

    def found(
        self,
        plan: list[Page],
        keys: list[str],
        pages: dict[str, tuple[str, str, int]],
        manifest: dict[str, str],
    ) -> tuple[list[str], list[Any], list[bool]] | None:
        """_kept_at(plan, keys, pages, manifest), or None when not made for these."""
        if pages is not self.pages or manifest is not self.manifest:
            return None
        if len(plan) != len(self.plan):
            return None
        same = map(
            operator.and_, map(operator.is_, plan, self.plan), map(operator.eq, keys, self.keys)
        )
        paths, digests, kept_at = list(self.made[0]), list(self.made[1]), list(self.made[2])
        for at in compress(range(len(plan)), map(operator.not_, same)):
            path = paths[at] = plan[at].path
            old = pages.get(path, _NO_PAGE)
            digests[at] = old[1]
            kept_at[at] = old[0] == keys[at] and manifest.get(path) == old[1]
        return paths, digests, kept_at


def _both_steps(placed: WriteReport, rest: WriteReport) -> WriteReport:
    """The report of a site put in place in two steps, as one step would have made it: the
    second step keeps every file of the first."""
    return WriteReport(
        written=placed.written + rest.written,
        unchanged=placed.unchanged + rest.unchanged - len(placed.digests),
        deleted=rest.deleted,
        problems=placed.problems + rest.problems,
        digests=rest.digests,
    )


def _render(
    env: Any,
    renderer: Any,
    todo: list[Page],
    jobs: int | None,
    progress: Progress | None,
    staged: StagedOutput,
    result: BuildResult,
    meanwhile: Callable[[], object] | None = None,
    early: _Early | None = None,
) -> None:
    """Render ``todo`` and stage each part as it comes; the staging counts as "write".
    ``meanwhile`` is called once, while the workers render (or before a serial render's
    end): what it does no longer waits for the last page. (It times itself.) ``early``:
    the cards and the graph data, made by a child while the build planned."""
    if not todo:
        if meanwhile is not None:
            meanwhile()
        return
    writing = aside = 0.0
    board = None
    with _timed(result, "render"):
        try:
            # Compile every template once, before the workers fork; a small, serial render
            # compiles only the templates it uses.
            if len(todo) >= parallel.MIN_PARALLEL_ITEMS and (jobs is None or jobs > 1):
                for name in env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml"))):
                    env.get_template(name)
                # Each listing card once, for all the page workers (made here while they
                # render the article pages, first). Not for a large parent (100,000
                # articles): the cards' views stay in it, ~200 MB more at its peak (the
                # cache's save), which is over 3 GB already.
                if early is not None:  # (made by its child, on its board)
                    board = early.board
                    if board is not None:
                        todo = _articles_first(todo)
                elif not parallel.large_parent():
                    board = renderer.card_board([a for page in todo for a in page.cards])
                    todo = _articles_first(todo)
            # The graph data is made here, while the workers render the pages: the texts
            # it is made of stay in this process, for the build state (see _graph_state).
            # (graph.json first: it is hashed while graph/data.json is made) Or by the
            # early child, which sends what the build state keeps of them.
            here = sorted(
                (p for p in todo if p.path in GRAPH_DATA), key=lambda p: GRAPH_DATA.index(p.path)
            )
            there = [p for p in todo if p.path not in GRAPH_DATA] if here else todo
            with (progress or Progress(False)).stage("rendering", len(todo)) as advance:
                if here and early is not None and early.board is None and early.ready():
                    # A large parent's graph data, made already: staged and let go before
                    # the page workers fork (each would start with it, ~150 MB at 100,000
                    # articles, in its RSS).
                    made = early.graph_files(here)
                    if made is not None:
                        writing += _staged_part(staged, made)
                        del made
                        advance(len(here))
                        here = []
                parts = parallel_chunks(
                    lambda page: _render_page(renderer, page),
                    there,
                    jobs,
                    progress=advance,
                    max_chunk=RENDER_CHUNK,
                    last_chunk=RENDER_LAST_CHUNK,
                    bulk=_RENDERED_BULK,
                    # While this process makes the cards, then the graph data, or stages a
                    # part, the workers go on (they sat idle ~0.7-0.8 s each during the
                    # graph data).
                    ahead=RENDER_AHEAD,
                    started=board.fill if board is not None and early is None else None,
                )
                # Closed at once on an error: that stops the workers.
                with closing(parts):
                    for part in itertools.chain(parts, [[]] if here else []):
                        # (Once the workers are busy, or the early child is done; at the end.)
                        if here and (early is None or not part or early.ready()):
                            made = early.graph_files(here) if early is not None else None
                            if made is None:  # (made here, also when the early child was lost)
                                made = _rendered_here(renderer, here)
                            part = part + made
                            advance(len(here))
                            here = []
                        if meanwhile is not None:  # (then, while they render on)
                            start = time.perf_counter()
                            meanwhile()
                            meanwhile = None
                            aside += time.perf_counter() - start
                        if part:
                            writing += _staged_part(staged, part)
        except BuildError:
            raise
        except Exception as exc:  # a theme error: report it, leave the output alone
            raise BuildError(_template_error(exc)) from exc
        finally:
            if board is not None and early is None:  # (the early child's: closed with it)
                board.close()
    result.timings["render"] -= writing + aside
    result.timings["write"] = result.timings.get("write", 0.0) + writing
    if meanwhile is not None:
        meanwhile()


# Pages a worker sends back at once: a few chunks per worker are in flight, so this bounds
# the rendered pages held in memory (~25 kB each).
RENDER_CHUNK = 100
# Rendered chunks that may wait for this process (~2.5 MB each at 10,000 articles): enough
# for the workers to go on while it makes the graph data (0.4-0.6 s at 10,000 articles;
# with 24, both waited ~0.3 s for it, one core idle).
RENDER_AHEAD = 48
# The last pages are listings and the graph page's list, up to 10 times an article page's
# work: chunks shrink to this many pages at the end, so that neither worker waits long for
# the other (a chunk of 100 of them left one idle for up to 0.3 s; renderwall, session 15).
RENDER_LAST_CHUNK = 10


def _articles_first(todo: list[Page]) -> list[Page]:
    """The article pages first (they show no listing card), then the others in order: the
    workers render them while this process makes the cards (Renderer.card_board)."""
    articles = [p for p in todo if p.path.startswith("articles/")]
    return articles + [p for p in todo if not p.path.startswith("articles/")]


def _rendered_split(
    rendered: tuple[OutputFile, str],
) -> tuple[tuple[OutputPath, str, str], bytes]:
    made, digest = rendered
    return (made.path, made.source, digest), made.data


def _rendered_join(rest: tuple[OutputPath, str, str], data: bytes) -> tuple[OutputFile, str]:
    path, source, digest = rest
    return OutputFile(path, data, source), digest


# A rendered page's bytes come back from its worker through shared memory (parallel.Bulk).
_RENDERED_BULK = parallel.Bulk(_rendered_split, _rendered_join)

T = TypeVar("T")


def _writing(output: Path, step: Callable[[], T]) -> T:
    """A step of the write stage; its failures are the build's, reported with the folder."""
    try:
        return step()
    except (OSError, OutputError) as exc:
        raise BuildError(f"{output}: writing the site failed: {exc}") from exc


def _early_fits(from_scratch: bool, jobs: int | None, articles: int) -> bool:
    """Whether a child makes the cards and the graph data (a large parent's: the graph data
    alone) while this process plans (see _Early): a build from scratch (every page is
    rendered, its board holds every listing's cards) by render workers."""
    jobs = parallel.default_jobs() if jobs is None else jobs
    return (
        from_scratch
        and jobs > 1
        and articles >= parallel.MIN_PARALLEL_ITEMS  # (and so the pages to render are)
        and parallel.can_fork()
    )


@dataclass
class _MadeEarly:
    """What _Early's child sends back: a theme error's one-line message ("": none), or the
    graph data's files with their digests and what the build state keeps of their texts."""

    error: str = ""
    files: list[tuple[OutputFile, str]] = field(default_factory=list)
    graph_state: Any = None


class _Early:
    """The render stage's work that needs only the site and the graph views, the listings'
    cards and the graph data (~1 s at 10,000 articles), made by a child forked as planning
    starts, on the core the build leaves idle until the page workers fork. (This process made
    them while those workers rendered: three busy processes on two cores.) The cards go to
    the board the page workers read; the graph data's files come back, with their digests
    and, for the build state, what it keeps of their texts. (The memo's texts stay in the
    child: only for a build with no next build in its process to patch them, the CLI's,
    not serve's.)

    Without ``cards`` (a large parent: 100,000 articles), the child makes the graph data
    alone (~5 CPU s, which the build process made while the page workers rendered: the
    three of them on two cores), and the page workers make the cards they show: the
    cards' views would stay in this process, ~200 MB more at its peak."""

    def __init__(self, renderer: Any, index: SiteIndex, memo: Any, cards: bool = True) -> None:
        self.board = renderer.board_for_listings() if cards else None
        made = functools.partial(_made_early, renderer, index, self.board, memo)
        # (A child lost before its cards were there: the workers render their own.)
        self._made = parallel.Forked(made, lost=self.board.give_up if self.board else None)

    def ready(self) -> bool:
        return self._made.ready()

    def graph_files(self, pages: list[Page]) -> list[tuple[OutputFile, str]] | None:
        """The graph data's files of ``pages`` (with their digests), once made; a theme
        error of the child's raised as the build's. None: the child ended without them
        (killed, say for want of memory): the caller makes them."""
        try:
            made = self._made.result()
        except ChildProcessError:
            return None
        if made.error:
            raise BuildError(made.error)
        paths = {page.path for page in pages}
        files, made.files = made.files, []  # (staged by the caller: not held here)
        return [(file, digest) for file, digest in files if file.path in paths]

    def graph_state(self) -> Any:
        """What the build state keeps of the graph data's texts (GraphDataState), if made."""
        if not self._made.ready():
            return None
        with suppress(Exception):  # (its error was the build's)
            return self._made.result().graph_state
        return None

    def close(self) -> None:
        self._made.close()  # (a build that failed does not wait for it)
        if self.board is not None:
            self.board.close()


def _made_early(renderer: Any, index: SiteIndex, board: Any, memo: Any) -> _MadeEarly:
    """In _Early's child: the cards on the board (if any), then the graph data."""
    if board is not None:
        try:
            board.fill(renderer.listing_cards())
        except Exception as exc:  # a theme error: the build's (any other is raised)
            return _MadeEarly(_template_error(exc))
        finally:
            board.give_up()  # (set already once filled; else the workers render their own)
    from sitegen.render import GRAPH_DATA_FILES, graph_data_file

    # (graph.json first: it is hashed while graph/data.json is made)
    made = [_Hashed(graph_data_file(renderer.graph, path)) for path in GRAPH_DATA_FILES]
    files = [(hashed.file, hashed.digest()) for hashed in made]
    state = None
    if memo is not None:  # (the memo of the cache's texts: only a build with the cache)
        state = memo.saved(index.articles, {file.path: digest for file, digest in files})
    return _MadeEarly("", files, state)


def _env_and_renderer(
    render: Any,
    config: SiteConfig,
    dirs: list[Path],
    cache: BuildCache | None,
    fingerprint: str,
    graph_views: Any,
) -> tuple[Any, Any]:
    """The templates' environment and the page renderer."""
    # Kept for the next build of the process (serve): its templates are compiled already.
    if cache is not None:
        env = cache.kept(
            "jinja", fingerprint, lambda: _environment(render, dirs, _bytecode_dir(cache))
        )
    else:
        env = _environment(render, dirs, None)
    return env, _renderer(render, config, env, graph_views)


def _bytecode_dir(cache: BuildCache | None) -> Path | None:
    """Where compiled templates are kept: one folder per version of sitegen and Jinja (the
    code Jinja generates depends on both); folders of other versions are removed."""
    if cache is None:
        return None
    root = cache.folder / "templates"
    name = parse_fingerprint(("templates",))
    try:
        for old in os.listdir(root):
            if old != name:
                shutil.rmtree(root / old, ignore_errors=True)
    except OSError:
        pass  # no folder yet
    return root / name


def _environment(render: Any, dirs: list[Path], bytecode_dir: Path | None) -> Any:
    try:
        return render.make_environment(dirs, bytecode_dir)
    except Exception as exc:
        raise BuildError(_template_error(exc)) from exc


GRAPH_DATA = ("graph.json", "graph/data.json")


def _after_reload(path: str, shown: Collection[str]) -> bool:
    """Whether serve puts the file at ``path`` in place after the tabs are told to reload:
    the graph data, and the graph page's list where no tab (``shown``) shows it."""
    if path in GRAPH_DATA:
        return True
    return path.startswith("graph/") and path.endswith("index.html") and path not in shown


def _graph_state(
    memo: Any,
    index: SiteIndex,
    made: dict[str, tuple[str, int]],
    kept: dict[str, str],
    state: BuildState | None,
    output: Path,
    elsewhere: Any = None,
) -> Any:
    """What the build state keeps of the graph data's texts for the next build: this build's
    when it made both files from them (with their stats as written, in ``output``), else
    the last build's while both files are kept. ``elsewhere``: this build's, when another
    process made the files (see _Early)."""
    if memo is not None and all(path in made for path in GRAPH_DATA):
        digests = {path: made[path][0] for path in GRAPH_DATA}
        saved = elsewhere or memo.saved(index.articles, digests)
        if saved is not None:
            saved.note_stats(output)
            return saved
    if state is not None and all(path in kept for path in GRAPH_DATA):
        return state.graph
    return None


def _hold_topic_counts(graph_memo: Any, plan_memo: Any, index: SiteIndex) -> None:
    from sitegen.graphpages import TopicCounts

    if plan_memo.topic_main is not None and plan_memo.topic_pairs is not None:
        graph_memo.topic_counts = TopicCounts.held(
            index.articles, plan_memo.topic_main, plan_memo.topic_pairs
        )


def _graph_views(config: SiteConfig, index: SiteIndex, graph: Any, memo: Any) -> Any:
    from sitegen.graphpages import GraphViews
    from sitegen.views import Urls, ViewFactory

    return GraphViews(index, graph, ViewFactory(Urls(config.base_path), config.tz), memo)


def _renderer(render: Any, config: SiteConfig, env: Any, graph_views: Any) -> Any:
    """The page renderer; it also gives the templates their globals (site, url)."""
    try:
        return render.Renderer(config, env, graph_views=graph_views)
    except Exception as exc:
        raise BuildError(_template_error(exc)) from exc


def _staged_part(staged: StagedOutput, part: list[tuple[OutputFile, str]]) -> float:
    """Stage rendered files with their digests; the seconds it took."""
    start = time.perf_counter()
    files = [f for f, _ in part]
    digests = [d for _, d in part]
    _writing(staged.output, functools.partial(staged.add, files, digests))
    return time.perf_counter() - start


def _render_page(renderer: Any, page: Page) -> tuple[OutputFile, str]:
    """The page and its digest for the manifest (hashed in the worker, not the writer)."""
    made = _made(renderer, page)
    return made, file_digest(made.data)


def _rendered_here(renderer: Any, pages: list[Page]) -> list[tuple[OutputFile, str]]:
    """_render_page of each page, each hashed on a thread of its own while the next one
    renders (hashlib lets go of the GIL: graph.json is 13 MB at 10,000 articles, ~20 ms
    of hashing beside the ~25 ms of making graph/data.json)."""
    made = [_Hashed(_made(renderer, page)) for page in pages]
    return [(hashed.file, hashed.digest()) for hashed in made]


class _Hashed(threading.Thread):
    """A file's digest, made on a thread of its own."""

    def __init__(self, file: OutputFile) -> None:
        super().__init__(daemon=True)
        self.file, self._digest = file, ""
        self.start()

    def run(self) -> None:
        self._digest = file_digest(self.file.data)

    def digest(self) -> str:
        self.join()
        return self._digest or file_digest(self.file.data)  # (the thread failed: here)


def _made(renderer: Any, page: Page) -> OutputFile:
    """The page rendered; a template's error described with its file and line."""
    try:
        made: OutputFile = page.make(renderer)
        return made
    except Exception as exc:
        # Tracebacks do not survive the trip back from a worker: describe it here.
        import jinja2

        if isinstance(exc, jinja2.TemplateError):
            raise _RenderFailure(_template_error(exc)) from None
        raise


class _RenderFailure(Exception):
    """A template error, already described with its file and line."""


def _save_state(
    cache: BuildCache,
    fingerprint: str,
    result: BuildResult,
    sources: list[tuple[str, int, int]],
    plan: list[Page],
    keys: list[str],
    made: dict[str, tuple[str, int]],
    kept: dict[str, str],
    output: Path,
    state_pages: dict[str, tuple[str, str, int]] | None,
    plan_memo: Any = None,
    sitemap_pages: dict[str, Any] | None = None,
    graph_state: Any = None,
) -> dict[str, tuple[str, str, int]] | None:
    """Save the build state and the no-change record; returns the state's pages (None: not
    saved)."""
    # The writer hashed every file it was given (the hash of content_hash): path -> (hash, size).
    old = state_pages or {}
    # A kept page has the key and digest of its last entry (see _unchanged): that very entry,
    # taken in C (12,800 pages after every edit; their order in the state means nothing).
    pages: dict[str, tuple[str, str, int]] = dict(
        zip(kept, map(old.__getitem__, kept), strict=True)
    )
    paths = list(map(_PATH, plan))
    for at in compress(range(len(plan)), map(made.__contains__, paths)):
        if paths[at] not in kept:
            pages[paths[at]] = (keys[at], *made[paths[at]])
    try:
        st = (output / MANIFEST).stat()
        manifest = (st.st_mtime_ns, st.st_size)
    except OSError:
        return None
    summary = {
        "articles": result.articles,
        "drafts_skipped": result.drafts_skipped,
        "pages": result.pages,
        "files": len(result.written.written) + result.written.unchanged if result.written else 0,
        "problems": result.problems,
        "notes": result.notes,
    }
    cache.save_state(fingerprint, BuildState(pages, plan_memo, sitemap_pages or {}, graph_state))
    # Every file of the site, not only the pages: a deleted feed or stylesheet is written
    # again too.
    files = list(result.written.digests) if result.written else list(pages)
    quick = QuickState(
        sources, files, manifest, summary, result.recent_sources, manifest_stat(output)
    )
    cache.save_quick(fingerprint, quick)
    return pages


def _nothing_changed(state: QuickState, sources: list[tuple[str, int, int]], output: Path) -> bool:
    """Same content stats and the output as the last build left it: nothing to redo."""
    if state.sources != sources or any(mtime < 0 for _, mtime, _ in sources):
        return False  # (an unreadable file is read again, to report it again)
    for path, digest in state.recent.items():  # same stats prove nothing for these
        try:
            with open(path, "rb") as f:
                if content_hash(f.read()) != digest:
                    return False
        except OSError:
            return False
    try:
        st = (output / MANIFEST).stat()
    except OSError:
        return False
    if (output / STAGING).exists():
        return False  # a build killed before its commit: let write_output clean up
    if (st.st_mtime_ns, st.st_size) != state.manifest:
        return False
    # Plain strings: joining 12,000 Paths would cost more than the stats themselves.
    folder, isfile = f"{output}{os.sep}", os.path.isfile
    return all(isfile(folder + path) for path in state.pages)


def _repeat(result: BuildResult, state: QuickState) -> BuildResult:
    """The result of a build that found nothing to do: the last build's, all unchanged."""
    summary = state.summary
    result.articles = summary["articles"]
    result.drafts_skipped = summary["drafts_skipped"]
    result.pages = summary["pages"]
    result.problems = list(summary["problems"])
    result.notes = list(summary["notes"])
    result.written = WriteReport(unchanged=summary["files"])
    result.recent_sources = dict(state.recent)  # their bytes were just compared again
    return result


def _content_key(config: SiteConfig) -> ContentKey:
    return ContentKey(config)


class ContentKey:
    """An article's path inside the content folder: the same whatever folder sitegen runs
    in, so the slug suffix of a duplicate title (made from it) never changes."""

    def __init__(self, config: SiteConfig) -> None:
        content = str(config.path("content_dir"))
        self.cwd = os.getcwd().rstrip(os.sep)  # "" for the root folder
        # Plain strings, one realpath and one listing per folder (for its links, instead of
        # an lstat per file): this runs for every article of every build.
        self.folders: dict[str, tuple[str, set[str] | None]] = {}
        self.below = content.rstrip(os.sep) + os.sep

    def __call__(self, article: Article) -> str:
        # os.path.join and split, as plain string operations (10,000 calls a build).
        source = str(article.source)
        path = source if source.startswith(os.sep) else f"{self.cwd}{os.sep}{source}"
        parent, _, name = path.rpartition(os.sep)
        folder, links = self._folder(parent or os.sep)
        if name in links if links is not None else os.path.islink(path):
            real = os.path.realpath(path)  # resolved on its own: it may point anywhere
        else:
            real = folder + name
        below = self.below
        if real.startswith(below):
            return real[len(below) :].replace(os.sep, "/")
        return Path(real).as_posix()  # outside the content folder (display_path's rule)

    def _folder(self, parent: str) -> tuple[str, set[str] | None]:
        """A folder's real path (with a separator at the end) and the links in it."""
        found = self.folders.get(parent)
        if found is None:
            real_parent = os.path.realpath(parent).rstrip(os.sep) + os.sep
            found = self.folders[parent] = (real_parent, _links_kept(parent))
        return found

    def many(self, articles: list[Article]) -> list[str]:
        """Each article's key, as a call gives it: in C when their folders (named relative
        to the working folder) hold no link and lie in the content folder, the usual case
        (10,000 articles a build, in a few folders)."""
        split = list(map(_SPLIT_NAME, map(str, map(_SOURCE, articles))))
        shown: dict[str, str] = {}  # folder as named -> as the keys show it
        for parent in set(map(_FIRST, split)):
            if not parent or parent.startswith(os.sep):
                return list(map(self, articles))  # (a plain name, or an absolute path)
            folder, links = self._folder(f"{self.cwd}{os.sep}{parent}")
            if links is None or links or not folder.startswith(self.below):
                return list(map(self, articles))
            shown[parent] = folder[len(self.below) :].replace(os.sep, "/")
        folders = map(shown.__getitem__, map(_FIRST, split))
        return list(map(operator.add, folders, map(_LAST, split)))


def _drop_aliases(
    articles: list[Article],
    result: BuildResult,
    scanned: list[tuple[str, int, int]] | None = None,
    listed: list[tuple[str, int, tuple[str, ...], tuple[str, ...]]] | None = None,
) -> list[Article]:
    """A link in the content folder to another content file (or two links to one file)
    names one digest twice: it is read once, under the file's own name (else the first
    name), and each other name is skipped with a warning, rather than published twice.
    ``scanned``: the scan's files, whose folders are the articles' (named another way);
    ``listed``: the scan's folders (those with files: the same folders, fewer to look at)."""
    if scanned is not None:
        # No link in any of them: nothing to drop, found without making a string of each
        # article's Path (10,000 calls after every edit, in serve).
        if listed is not None:
            folders = {path.rstrip(os.sep) for path, _mtime, _subfolders, names in listed if names}
        else:
            folders = _scanned_folders(scanned)
        if not any(_links_kept(p or os.curdir) for p in folders):
            return articles
    sources = list(map(str, map(_SOURCE, articles)))
    # The folders, found in C: this runs for the 10,000 articles of every build (serve's).
    folders = set(map(_FIRST, map(_SPLIT_NAME, sources)))
    links_of = {p: _links_kept(p or os.curdir) for p in folders}
    if not any(links_of.values()):
        return articles  # the usual case: one listing per folder, nothing resolved
    linked: list[int] = []
    for n, source in enumerate(sources):
        parent, _, name = source.rpartition(os.sep)
        if name in (links_of[parent] or ()):
            linked.append(n)
    real_parents = {parent: os.path.realpath(parent or os.curdir) for parent in links_of}
    first: dict[str, Article] = {}
    for article in articles:  # files before links: a file keeps its own name
        parent, _, name = str(article.source).rpartition(os.sep)
        if name not in (links_of[parent] or ()):
            first.setdefault(os.path.join(real_parents[parent], name), article)
    dropped: set[int] = set()
    for n in linked:
        article = articles[n]
        kept = first.setdefault(os.path.realpath(article.source), article)
        if kept is not article:
            dropped.add(n)
            result.problems.append(
                problem(
                    article.source,
                    1,
                    "file",
                    f"is a link to {kept.source}, which is read already; skipped",
                )
            )
    return [a for n, a in enumerate(articles) if n not in dropped]


# The paths of the last scan _scanned_folders was given, and their folders.
_FOLDERS_OF: tuple[list[str], set[str]] = ([], set())


def _scanned_folders(scanned: list[tuple[str, int, int]]) -> set[str]:
    """The folders of the scanned files: the last call's when its paths are the same (serve,
    after an edit: comparing them cost less than splitting 10,000 paths again)."""
    global _FOLDERS_OF
    paths = list(map(_FIRST, scanned))
    last, folders = _FOLDERS_OF
    if len(last) != len(paths) or not all(map(operator.eq, paths, last)):
        folders = set(map(_FIRST, map(_SPLIT_NAME, paths)))
        _FOLDERS_OF = (paths, folders)
    return folders


_SOURCE = operator.attrgetter("source")
_SECOND = operator.itemgetter(1)
_DIGEST, _VALUE = operator.itemgetter(2), operator.itemgetter(3)  # of a source entry
_RELATE_KEYS, _REPAIRS = operator.itemgetter(2), operator.itemgetter(3)  # of a worker's parse
# ftfy's repairs a worker met while parsing a file (None: none new).
Repairs = dict[str, str] | None


def _taken_repairs() -> Repairs:
    import sitegen.normalize  # (a plain import, run for every file: see _relate_keys)

    return sitegen.normalize.taken_repairs()


_DRAFT = operator.attrgetter("draft")
_NO_ENTRY = (None, None, "", None)  # the entry of a file the cache does not know
_NO_PAGE = (None, None, 0)  # the state's entry of a page the last build did not make
_SPLIT_NAME = operator.methodcaller("rpartition", os.sep)
_FIRST = operator.itemgetter(0)
_LAST = operator.itemgetter(2)
_NAME = operator.attrgetter("name")
_SLUG = operator.attrgetter("slug")
_TOPICS = operator.attrgetter("topics")

# folder -> its mtime and the links in it when listed: a folder's entries change only with
# its mtime, so serve lists again only the folders an edit changed (a 10,000-file folder
# takes ~10 ms to list).
_LINKS_SEEN: dict[str, tuple[int, set[str] | None]] = {}


def _links_kept(folder: str) -> set[str] | None:
    """_links_in, listed again only when the folder's mtime moved."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    seen = _LINKS_SEEN.get(folder)
    if seen is None or seen[0] != mtime or mtime >= time.time_ns() - RACY_NS:
        seen = _LINKS_SEEN[folder] = (mtime, _links_in(folder))
    return seen[1]


def _links_in(folder: str) -> set[str] | None:
    """The names of the symbolic links in ``folder`` (None: it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_symlink()}
    except OSError:
        return None


def _recover(output: Path) -> list[Problem]:
    if not output.is_dir():
        return []
    try:
        return recover(output)
    except (OSError, OutputError) as exc:
        raise BuildError(f"{output}: finishing the last, interrupted build failed: {exc}") from exc


def _check_output(config: SiteConfig, output: Path) -> None:
    protected = {
        "content folder": config.path("content_dir"),
        "templates folder": config.path("templates_dir"),
        "project root": config.root,
    }
    try:
        check_output_dir(output, protected)
    except OutputError as exc:
        raise BuildError(str(exc)) from exc


def _template_error(exc: Exception) -> str:
    import jinja2

    if isinstance(exc, _RenderFailure):
        return str(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: template: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        where = _template_frame(exc)
        return f"{where}template: {exc}"
    raise exc


def _template_frame(exc: BaseException) -> str:
    """file:line of the innermost template frame in a traceback, for runtime errors."""
    tb = exc.__traceback__
    found = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".html") or name.endswith(".xml"):
            found = f"{name}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return found
