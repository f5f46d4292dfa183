"""The persistent build cache: what the last build read and made, so the next one redoes
only what changed.

It lives in ``.sitegen-cache/<output folder name>/`` beside the output folder and is safe to
delete at any time: a build without it is a cold build with the same output. Its files:

- ``sources.pickle``: per content file, its mtime, size and content hash, and what load and
  normalize made of it (the Article and its Problems). A file whose mtime and size are
  unchanged is not read again; one whose content hash is unchanged is not parsed again.
  After a few edits only ``sources-delta.pickle`` is written: the entries changed since
  ``sources.pickle`` was (rewriting 20 MB for one edited file cost seconds), and apart, the
  new stats of files whose bytes did not change; it names the ``sources.pickle`` it applies
  to by a random token, so a stale one is ignored. A cold build's parse workers pickle most
  of its parts themselves (SourcesFile).
- ``state.pickle``: per output page, a hash of every input of the page (its *key*) and the
  hash of the bytes it rendered to; what the pages were planned from (sitegen/replan.py),
  so that the next build plans again only what an edit can change; and the sitemap's
  entries (sitegen/sitemap.py), so that only those of pages that came, went or changed
  date are made again. As with the relate state, an edit writes only
  ``state-delta.pickle``: the entries changed since ``state.pickle`` was written.
- ``quick.pickle``: the content files' stats, the output pages' paths, the output manifest's
  stat and the last build's summary, so a build with nothing changed returns at once (it
  reads only this small file).
- ``relate.pickle``: what the relate stage computed (sitegen.relate.RelateState), so after
  an edit it recomputes only the related lists the edit can change (the per-article lists
  an update reads little of are bytes per entry, decoded when read: sitegen/lazyentries.py).
  As with the sources, an edit writes only ``relate-delta.pickle``: the entries of the
  state changed since ``relate.pickle`` was written (sitegen/statedelta.py), named by the
  same kind of token.
- ``index.pickle``: the last build's index by the places of its articles in the list of
  the sources' articles (sitegen/indexrecord.py): an edit makes its index from it.
- ``repairs.pickle``: ftfy's repairs of the non-ASCII texts of the files the last builds
  read themselves (an edit's), so that a file edited again whose other texts are unchanged
  is read without importing ftfy (sitegen/normalize.py).
- ``templates/``: the theme's templates as Jinja compiled them (Jinja checks each against
  its source), in a folder per version of sitegen and its libraries.

Each file starts with a header naming the cache format and a *fingerprint* of everything
the cached data depends on besides the content: sitegen's version, Python's, the versions
of the libraries that shape the output, the settings, and (for pages) a hash of every
template and static file. Any difference, or a checksum mismatch (a truncated or damaged
file), makes the file count as absent: a stale or corrupt cache costs time, never
correctness. The data after the header is one pickle, or for the three large files several
pickled one after the other (_write_parts), so that the pickler's memory is that of a part;
each starts with the field names its objects refer to (_NAMES). A file is mapped and read
once, its checksum worked out on another thread while it is unpickled (_load_mapped).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import itertools
import mmap
import operator
import os
import pickle
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path, PosixPath
from typing import Any

from xxhash import xxh3_128_hexdigest

from sitegen import __version__, statedelta
from sitegen.digests import file_digest
from sitegen.gcpause import gc_paused
from sitegen.model import Provider, Topic

CACHE_DIR = ".sitegen-cache"
# 5: relate.pickle holds a plain state dict, and relate-delta.pickle; 6: equal topics and
# providers are pickled once, relative paths without parsing them again (_CachePickler), and
# sources-delta.pickle has the entries of which only the stats changed apart; 7: the checksum
# line is fixed-width, written after the payload (pickled straight to the file); 8: paths
# are pickled with their text, state.pickle holds a plain state dict with the sitemap's
# entries, and state-delta.pickle; 9: sources.pickle, relate.pickle and state.pickle are
# pickled in parts (_write_parts); 10: the build state's sitemap entries as texts with
# lengths (sitegen.sitemap.SitemapMemo.saved); 11: state.pickle's fields that a delta holds
# whole saved last (_state_groups); 12: each part starts with the field names (_NAMES)
CACHE_FORMAT = 12
_MAGIC = b"sitegen-cache\n"
# Libraries whose version can change what a page looks like.
_OUTPUT_DEPENDENCIES = (
    "jinja2",
    "markupsafe",
    "markdown",
    "pyyaml",
    "ftfy",
    "nh3",
    "python_frontmatter",
    "text_unidecode",
)

# Entries of sources.pickle pickled together (a part, with a pickler of its own: see
# _write_parts). Topics and providers are shared within a part only: ~700 objects a part.
SOURCES_PART = 4096

# A delta file is written while it holds at most this share of the entries of the whole
# file; then the whole file again (reading a large delta costs more than it saves).
MAX_DELTA = 1 / 16

# path -> (mtime_ns, size, content hash, what load+normalize made of it)
SourceEntries = dict[str, tuple[int, int, str, Any]]


def cache_dir(output: Path) -> Path:
    """The cache folder of an output folder: beside it, so deleting either is safe."""
    return output.parent / CACHE_DIR / output.name


def content_hash(data: bytes) -> str:
    """A content file's digest: the one the output's manifest records of a file."""
    return file_digest(data)


def _checksum(crc: int, size: int) -> str:
    """A cache file's checksum line: finds a truncated or damaged file (not a forged one:
    the cache is the user's own); CRC-32 checks 25 MB several times faster than a
    cryptographic hash. Fixed width, so that it can be written after the payload."""
    return f"crc32 {crc:08x} {size:016d}\n"


_CHECKSUM_CHARS = len(_checksum(0, 0))


def _header(fingerprint: str) -> bytes:
    """What a cache file of this sitegen for this fingerprint starts with (its checksum
    follows, in _CHECKSUM_CHARS)."""
    return _MAGIC + f"{CACHE_FORMAT} {fingerprint}\n".encode()


def _head_size(fingerprint: str) -> int:
    return len(_header(fingerprint)) + _CHECKSUM_CHARS


def _crc_of_rest(f: io.BufferedReader) -> tuple[int, int]:
    """The CRC-32 and size of the rest of an open file, read in parts of 1 MB."""
    crc = size = 0
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while count := f.readinto(buffer):
        crc = zlib.crc32(view[:count], crc)
        size += count
    return crc, size


def _mapped(f: io.BufferedReader) -> mmap.mmap | None:
    """An open cache file mapped whole, or None: empty, larger than MAX_MAPPED, or on a
    file system that cannot map it (then it is read as before)."""
    try:
        if 0 < os.fstat(f.fileno()).st_size <= MAX_MAPPED:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        pass
    return None


def _crc_into(data: memoryview, found: list[int]) -> None:
    found.append(zlib.crc32(data))
    data.release()


# Cache files up to this size are mapped whole and read once (_load_mapped): 30 MB at
# 10,000 articles. Larger ones (~300 MB at 100,000) are read as before, a part at a time:
# the pages of a mapping count in the process's memory while it is read.
MAX_MAPPED = 64 << 20
# Payloads at least this large have their checksum worked out on another thread.
_SUMMED_APART = 1 << 20


class _ChecksumWriter:
    """Passes what the pickler writes (frames of ~64 kB) on to the file, keeping their
    CRC-32 and size."""

    def __init__(self, file: io.BufferedWriter) -> None:
        self.file = file
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        written = self.file.write(data)
        self.size += written
        return written


def page_key(fingerprint: str, deps: Sequence[str]) -> str:
    """One hash of a page's inputs: equal keys mean equal bytes."""
    # One join and one update: 12,500 pages of ~30 deps each make this a hot loop.
    text = "\x00".join((fingerprint, *deps))
    return xxh3_128_hexdigest(text.encode("utf-8", "surrogatepass"))


@functools.cache  # once per process: the libraries it runs are the ones it imported
def dependency_versions() -> str:
    """Installed versions of the libraries that shape the output, from their dist-info
    folder names (reading package metadata or importing them would cost far more)."""
    from sitegen.nochange import dist_infos  # stdlib only: cheap to import

    found = [name for entry in sys.path for name in dist_infos(entry, _OUTPUT_DEPENDENCIES)]
    return ",".join(sorted(found))


@functools.cache  # once per process: ``serve`` runs the code it started with
def code_hash() -> str:
    """A hash of sitegen's own code, so a development install's cache follows its edits."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def parse_fingerprint(config_values: Iterable[object]) -> str:
    """What cached Articles depend on besides the files: sitegen, Python, libraries, the
    settings that parsing reads, and the working folder (paths are shown relative to it)."""
    parts = [
        f"format {CACHE_FORMAT}",
        f"sitegen {__version__}",
        code_hash(),
        sys.version,
        dependency_versions(),
        os.getcwd(),
        *map(repr, config_values),
    ]
    return content_hash("\n".join(parts).encode("utf-8", "surrogatepass"))


def templates_hash(dirs: Sequence[Path]) -> str:
    """A hash of every file of every template folder, static files included."""
    h = hashlib.blake2b(digest_size=16)
    for root in dirs:
        h.update(f"\x00dir {root}\x00".encode("utf-8", "surrogatepass"))
        for path in sorted(root.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(root).as_posix().encode("utf-8", "surrogatepass"))
                h.update(b"\x00")
                h.update(path.read_bytes())
    return h.hexdigest()


@dataclass
class BuildState:
    """What the last build made, for the next one to compare against."""

    pages: dict[str, tuple[str, str, int]]  # output path -> (page key, hash of bytes, size)
    # What the pages were planned from (sitegen.replan.PlanMemo): the next build plans again
    # only the pages whose inputs may have changed. Saved with the keys: they go together.
    plan: Any = None
    # The last sitemap's pages, URLs, dates and entries' XML (sitegen.sitemap.SitemapMemo.
    # saved): the next build makes again only the entries of pages whose date changed.
    sitemap: dict[Any, Any] = field(default_factory=dict)
    # The texts graph.json and the graph page's data were made of (sitegen.graphpages.
    # GraphDataState): the next build patches them. Saved with the keys of those files.
    graph: Any = None


def _state_parts(state: BuildState) -> dict[str, Any]:
    """A BuildState as a plain dict of lists and dicts, which statedelta compares entry by
    entry: each field, and a field holding a dataclass (the plan memo) split into its own
    fields (a tuple as a list), so that one changed entry is not the whole object."""
    parts: dict[str, Any] = {}
    for name in _STATE_FIELDS:
        value = getattr(state, name)
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            parts[name] = value
            continue
        parts[name] = _Split(type(value))
        tuples = []
        for key, item in vars(value).items():
            if type(item) is tuple:
                item = list(item)
                tuples.append(key)
            parts[f"{name}.{key}"] = item
        parts[f"{name} tuples"] = tuples
    return parts


@dataclass(frozen=True)
class _Split:
    """In the parts of a build state: this field is a dataclass of this kind, whose fields
    are the parts named ``field.name``."""

    kind: type


def _state_of(parts: dict[str, Any]) -> BuildState:
    """The BuildState of _state_parts (an exception: they do not make one)."""
    values: dict[str, Any] = {}
    for name in _STATE_FIELDS:
        value = parts[name]
        if type(value) is _Split:
            dot = f"{name}."
            made = {k[len(dot) :]: v for k, v in parts.items() if k.startswith(dot)}
            for key in parts[f"{name} tuples"]:
                made[key] = tuple(made[key])
            value = value.kind(**made)
        values[name] = value
    state = BuildState(**values)
    if type(state.pages) is not dict or type(state.sitemap) is not dict:
        raise TypeError("not a build state")
    return state


_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(BuildState))


def _state_groups(parts: dict[str, Any]) -> Iterator[dict[str, Any] | str]:
    """The parts of a build state (_state_parts) as the parts of state.pickle: a field
    with the fields it was split into; the pages (100,000 articles: over a million objects
    for one pickler) SOURCES_PART at a time. (The sitemap's entries are a few dozen texts:
    see sitegen.sitemap.SitemapMemo.saved.) Last, after _WHOLE_MARK, the fields that every
    state-delta.pickle holds whole (values that are not lists or dicts): a build state read
    with its delta does not unpickle them (load_state)."""
    groups: dict[str, dict[str, Any]] = {}
    for name, value in parts.items():
        groups.setdefault(name.partition(".")[0].partition(" ")[0], {})[name] = value
    pages = groups.pop("pages", {}).get("pages", {})
    whole = {name: groups.pop(name)[name] for name in _WHOLE_STATE if name in groups}
    yield from groups.values()
    keys = list(pages)
    for start in range(0, max(len(keys), 1), SOURCES_PART):  # (one part at least)
        chunk = keys[start : start + SOURCES_PART]
        yield {"pages": dict(zip(chunk, map(pages.__getitem__, chunk), strict=True))}
    yield _WHOLE_MARK
    yield whole


# Fields of the build state that are never a list or dict, so every delta holds them whole
# (statedelta.diff): the graph data's state (~2 MB at 10,000 articles). Saved last in
# state.pickle, after this mark.
_WHOLE_STATE = ("graph",)
_WHOLE_MARK = "fields a delta holds whole follow"


# Parts of the build state that are only looked up in: their key order means nothing (the
# sitemap's entries are made in URL order, the pages in plan order, the listings' memos in
# the order planning met them: a listing that came moved ~650 of them in every delta).
_UNORDERED_STATE = frozenset(("pages", "sitemap", "plan.listings"))


# In quick.pickle, between the quick state's own fields and its lists (see save_quick).
_LISTS_MARK = "the content files and pages follow"


@dataclass
class QuickState:
    """What a build with nothing changed reads: the last build's inputs and outputs, to
    compare, and its summary, to repeat."""

    sources: list[tuple[str, int, int]]  # content files: path, mtime_ns, size
    pages: list[str]  # output paths of every file of the site (older caches: of the pages)
    manifest: tuple[int, int]  # the output manifest's mtime_ns and size after that build
    summary: dict[str, Any] = field(default_factory=dict)  # counts and problems, to repeat
    # Files changed just before that build's scan (load.RACY_NS): path -> hash of their bytes.
    recent: dict[str, str] = field(default_factory=dict)
    # The output manifest as that build left it (write.manifest_stat): while it is that
    # file, its entries are the plain paths that build wrote, not to be checked again.
    manifest_file: tuple[str, int, int, int, int] | None = None


class Aside:
    """A cache file written by a forked copy of this process while the build goes on
    (parallel.Forked); the copy ends as soon as it is written (while it lives, each page
    either process writes is copied first). ``finish`` waits for it. ``held``: the file is
    written unnamed and named only by ``finish``, if asked to: a build that fails before
    leaves nothing behind (the file goes with this process's descriptor of it). Else the
    copy puts it in place."""

    def __init__(
        self,
        cache: BuildCache,
        name: str,
        fingerprint: str,
        parts: Callable[[], Iterable[Any]],
        *,
        held: bool,
        placed: Callable[[], None],
    ) -> None:
        """Start the copy. OSError: a held file cannot be made here (see _unnamed_file)."""
        from sitegen.parallel import Forked

        self._cache, self._name, self._placed = cache, name, placed
        self._unnamed = _unnamed_file(cache.folder) if held else -1
        write = functools.partial(_write_aside, cache, name, fingerprint, parts, self._unnamed)
        self._written: Forked[tuple[list[str], bool]] | None = Forked(write)

    def finish(self, place: bool = True) -> None:
        """Wait for the file; put a held one in place unless ``place`` is false. The copy's
        messages are logged here; its error (a bug) is raised."""
        written, self._written = self._written, None
        if written is None:
            return
        cache, unnamed, self._unnamed = self._cache, self._unnamed, -1
        try:
            try:
                lines, done = written.result()
            except ChildProcessError:  # killed (say, for want of memory): costs only speed
                cache.log(f"{cache.folder / self._name}: not written: its process was ended")
                return
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"
                raise RuntimeError(
                    f"{cache.folder / self._name}: writing it failed: {why}"
                ) from exc
            for line in lines:
                cache.log(line)
            done = done and place
            if done and unnamed >= 0:
                done = cache._name_unnamed(unnamed, self._name)
        finally:
            if unnamed >= 0:
                os.close(unnamed)
        if done:
            self._placed()

    def __del__(self) -> None:
        # Not finished (the build failed): an unnamed file goes with its descriptor.
        if getattr(self, "_unnamed", -1) >= 0:
            os.close(self._unnamed)


class SourcesFile:
    """sources.pickle written from parts pickled elsewhere (a cold build's parse workers:
    sitegen.build), as they come, into a file with no name yet: the token part, then each
    part of entries as dumped_part made it, in order. So a first build no longer pickles
    its whole sources again at its end, nor forks a copy of itself to do it (at 100,000
    articles, 200 MB). ``finish`` names the file, as Aside.finish does; a build that fails
    before leaves nothing behind (the file goes with the descriptor). ``entries``: what the
    parts hold, once all are added (what the cache then knows it wrote)."""

    def __init__(self, cache: BuildCache, fingerprint: str, entries: SourceEntries) -> None:
        """OSError: no file can be made here (see _unnamed_file)."""
        self._cache, self._fingerprint, self._entries = cache, fingerprint, entries
        self._token = os.urandom(8).hex()
        self._unnamed = _unnamed_file(cache.folder)
        self._file: io.BufferedWriter | None = None
        try:
            self._file = os.fdopen(self._unnamed, "wb", closefd=False)
            self._writer = _start_payload(self._file, fingerprint)
            _dump_part(self._writer, self._token)
            self._file.flush()  # (nothing buffered in the processes forked from this one)
        except OSError as exc:
            self._failed(exc)

    def add(self, part: bytes) -> None:
        """The next part of entries, as dumped_part made it."""
        if self._file is not None:
            try:
                self._writer.write(part)
                self._file.flush()
            except OSError as exc:
                self._failed(exc)

    def add_entries(self, entries: SourceEntries) -> None:
        """The next entries, pickled here in parts of SOURCES_PART."""
        if self._file is not None:
            try:
                with gc_paused():
                    for part in itertools.islice(_source_parts("", entries), 1, None):
                        _dump_part(self._writer, part)
                self._file.flush()
            except OSError as exc:
                self._failed(exc)

    def finish(self, place: bool = True) -> None:
        """Put the file in place of sources.pickle, unless ``place`` is false (or it could
        not be written: logged)."""
        file, self._file = self._file, None
        unnamed, self._unnamed = self._unnamed, -1
        if unnamed < 0:
            return
        try:
            if file is not None:
                try:
                    _end_payload(file, self._fingerprint, self._writer)
                    file.close()
                except OSError as exc:
                    self._cache._cannot_write(exc)
                    return
                cache = self._cache
                if place and cache._name_unnamed(unnamed, "sources.pickle"):
                    cache._wrote_sources(self._fingerprint, self._token, self._entries)
        finally:
            os.close(unnamed)

    def _failed(self, exc: OSError) -> None:
        """No more is written (the cache costs only speed): said once."""
        self._file = None
        self._cache._cannot_write(exc)

    def __del__(self) -> None:
        # Not finished (the build failed): the unnamed file goes with its descriptor.
        if getattr(self, "_unnamed", -1) >= 0:
            os.close(self._unnamed)


def _unnamed_file(folder: Path) -> int:
    """A new file in ``folder`` with no name yet (Linux's O_TMPFILE, named through
    /proc/self/fd: see BuildCache._name_unnamed). OSError where there is none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        raise OSError("no unnamed files here")
    folder.mkdir(parents=True, exist_ok=True)
    return os.open(folder, flag | os.O_WRONLY | os.O_CLOEXEC, 0o666)


def _write_aside(
    cache: BuildCache,
    name: str,
    fingerprint: str,
    parts: Callable[[], Iterable[Any]],
    unnamed: int,
) -> tuple[list[str], bool]:
    """In the forked copy: write the file (into ``unnamed``, else in place of ``name``);
    what it logged, and whether it was written. (Logged by the build process: a thread of
    it may have held its stdout's lock at the fork.)"""
    lines: list[str] = []
    cache.log = lines.append  # (the copy's cache)
    if unnamed >= 0:
        return lines, cache._write_unnamed(unnamed, fingerprint, parts())
    tmp = cache._write_tmp(name, fingerprint, parts())
    return lines, tmp is not None and cache._place(tmp, name)


def _can_fork() -> bool:
    """Whether a copy of this process can write a cache file (see Aside)."""
    from sitegen import parallel

    return parallel.can_fork() and not parallel.large_parent()


class BuildCache:
    """Reads and writes the cache files of one output folder."""

    def __init__(self, folder: Path, log: Callable[[str], None]) -> None:
        self.folder = folder
        self.log = log
        # The sources.pickle last read or written: fingerprint, token, entries.
        self._sources: tuple[str, str, SourceEntries] | None = None
        # Objects worth keeping for the next build of this process (the Jinja environment).
        self._kept: dict[str, tuple[str, Any]] = {}
        # The relate state last loaded: fingerprint, token, the state, a snapshot of
        # relate.pickle's state (what relate-delta.pickle is the change from).
        self._relate: tuple[str, str, Any, dict[str, Any]] | None = None
        # The build state last loaded: fingerprint, token, a snapshot of state.pickle's
        # parts (what state-delta.pickle is the change from).
        self._state: tuple[str, str, dict[str, Any]] | None = None
        # The entries load_sources last returned (as loaded: the build replaces the changed
        # ones in its own copy), so that the build knows the former version of an edited
        # file's article (see sitegen/indexrecord.py).
        self.loaded_sources: SourceEntries | None = None

    def kept(self, name: str, fingerprint: str, make: Callable[[], Any]) -> Any:
        """``make()``, or what it made for an earlier build of this process with the same
        fingerprint."""
        found = self._kept.get(name)
        if found is not None and found[0] == fingerprint:
            return found[1]
        value = make()
        self._kept[name] = (fingerprint, value)
        return value

    def forget_kept(self) -> None:
        """Let go of what ``kept`` kept: there will be no next build in this process."""
        self._kept.clear()

    def load_sources(self, fingerprint: str) -> SourceEntries:
        self._sources = None
        self.loaded_sources = None
        data = self._read_sources(fingerprint)
        if not (isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], dict)):
            return {}
        token, base = data
        self._sources = (fingerprint, token, base)
        entries = dict(base)
        delta = self._read("sources-delta.pickle", fingerprint)
        if isinstance(delta, tuple) and len(delta) == 4 and delta[0] == token:
            entries.update(delta[1])
            for key in delta[2]:
                entries.pop(key, None)
            for key, (mtime, size) in delta[3].items():
                kept = entries.get(key)
                if kept is not None:
                    entries[key] = (mtime, size, *kept[2:])
        self.loaded_sources = entries
        return entries

    def save_sources(self, fingerprint: str, entries: SourceEntries) -> None:
        """Only the entries changed since sources.pickle was written, while they are few.
        Entries of which only the stats changed (files touched, or too recent to trust last
        time: after a fresh checkout, every file) are only their stats in the delta."""
        if self._sources is not None and self._sources[0] == fingerprint:
            _, token, base = self._sources
            # Unchanged entries are the very objects load_sources returned (found in C:
            # 10,000 entries after every edit).
            other = map(operator.is_not, entries.values(), map(base.get, entries))
            changed = dict(itertools.compress(entries.items(), other))
            stats: dict[str, tuple[int, int]] = {}
            for key, (mtime, size, digest, value) in list(changed.items()):
                old = base.get(key)
                if old is not None and old[3] is value and old[2] == digest:
                    stats[key] = (mtime, size)
                    del changed[key]
            removed = list(itertools.filterfalse(entries.__contains__, base))
            if len(changed) + len(removed) <= max(64, len(base) * MAX_DELTA):
                delta = (token, changed, removed, stats)
                self._write("sources-delta.pickle", fingerprint, delta)
                return
        token = os.urandom(8).hex()
        self._write_sources(fingerprint, (token, entries))
        self._wrote_sources(fingerprint, token, entries)

    def _wrote_sources(self, fingerprint: str, token: str, entries: SourceEntries) -> None:
        self._remove("sources-delta.pickle")  # names the old token: ignored if this fails
        self._sources = (fingerprint, token, entries)

    def save_sources_aside(self, fingerprint: str, entries: SourceEntries) -> Aside | None:
        """save_sources, pickled by a forked copy of this process while the build goes on
        (a first build's: ~0.2 s at 10,000 articles, on a core that would idle through
        index and relate). The file is put in place by ``Aside.finish`` (a failed build
        leaves the cache as it was). None: it cannot be (no fork, no unnamed files) or
        need not be (a delta is written): call save_sources."""
        if (self._sources is not None and self._sources[0] == fingerprint) or not _can_fork():
            return None
        token = os.urandom(8).hex()

        parts = functools.partial(_source_parts, token, entries)
        placed = functools.partial(self._wrote_sources, fingerprint, token, entries)
        try:
            return Aside(self, "sources.pickle", fingerprint, parts, held=True, placed=placed)
        except OSError:
            return None

    def sources_file(self, fingerprint: str, entries: SourceEntries) -> SourcesFile | None:
        """A SourcesFile for ``entries`` (filled in as its parts are added), or None: it
        cannot be (no unnamed files), or need not be (the sources of this fingerprint were
        loaded: a delta is written)."""
        if self._sources is not None and self._sources[0] == fingerprint:
            return None
        try:
            return SourcesFile(self, fingerprint, entries)
        except OSError:
            return None

    def load_state(self, fingerprint: str) -> BuildState | None:
        self._state = None
        # The delta first: when there is one, it holds the _WHOLE_STATE fields, so
        # state.pickle's own (its last part) are not unpickled.
        delta = self._read_file("state-delta.pickle", fingerprint)
        whole = isinstance(delta, tuple) and len(delta) == 2 and isinstance(delta[1], dict)
        whole = whole and all(delta[1].get(name, ("",))[0] == "whole" for name in _WHOLE_STATE)
        found = self._read_parts("state.pickle", fingerprint, _WHOLE_MARK if whole else None)
        if found is None or not found or not isinstance(found[0], str):
            return None
        token = found[0]
        parts = _joined([part for part in found[1:] if part != _WHOLE_MARK])
        if parts is None:
            return None
        try:
            with gc_paused():
                before = statedelta.snapshot(parts)  # what the next delta is the change from
                if isinstance(delta, tuple) and len(delta) == 2 and delta[0] == token:
                    statedelta.apply(parts, delta[1])
                elif whole:  # (not read: a delta left by a crash names another token)
                    parts.update(dict.fromkeys(_WHOLE_STATE))
                state = _state_of(parts)
        except Exception:  # the checksums matched, so only a bug gets here; still recover
            self.log(f"sitegen: {self.folder / 'state.pickle'} cannot be read; rebuilding it")
            return None
        self._state = (fingerprint, token, before)
        return state

    def save_state(self, fingerprint: str, state: BuildState) -> None:
        """Only what changed since state.pickle was written, while that is little: after an
        edit, a few pages' keys, sitemap entries and plan entries of 12,000 or more."""
        parts = _state_parts(state)
        if self._state is not None and self._state[0] == fingerprint:
            _, token, before = self._state
            with gc_paused():
                delta = statedelta.diff(parts, before, _UNORDERED_STATE)
            if statedelta.size(delta) <= max(64, statedelta.entries(before) * MAX_DELTA):
                self._write_file("state-delta.pickle", fingerprint, (token, delta))
                return
        token = os.urandom(8).hex()
        groups = itertools.chain([token], _state_groups(parts))
        self._write_parts("state.pickle", fingerprint, groups)
        self._remove_file("state-delta.pickle")  # names the old token: ignored if this fails
        self._state = None  # (the next load takes its snapshot)

    def load_index(self, fingerprint: str) -> Any:
        """The index record of the last build (sitegen/indexrecord.py), or None (the
        build checks what it gets)."""
        return self._read_file("index.pickle", fingerprint)

    def save_index(self, fingerprint: str, record: Any) -> None:
        """The index record of this build; None: there is none (an older one is removed:
        it no longer describes the last build's articles)."""
        if record is None:
            self._remove_file("index.pickle")
        else:
            self._write_file("index.pickle", fingerprint, record)

    def load_repairs(self, fingerprint: str) -> dict[str, str]:
        data = self._read("repairs.pickle", fingerprint)
        return data if isinstance(data, dict) else {}

    def save_repairs(self, fingerprint: str, repairs: dict[str, str]) -> None:
        self._write("repairs.pickle", fingerprint, repairs)

    def load_quick(self, fingerprint: str, lists: bool = True) -> QuickState | None:
        """The quick state; ``lists=False``: without its content files and pages (empty),
        not read (~45,000 objects at 10,000 articles), for a build that knows already that
        something changed (see save_quick)."""
        found = self._read_parts("quick.pickle", fingerprint, None if lists else _LISTS_MARK)
        if found is None or not isinstance(found[0], QuickState):
            return None
        quick = found[0]
        if lists:
            if len(found) != 3 or found[1] != _LISTS_MARK or not isinstance(found[2], tuple):
                return None
            quick.sources, quick.pages = found[2]
        return quick

    def save_quick(self, fingerprint: str, quick: QuickState) -> None:
        """The quick state without its lists, then after a mark, its lists (load_quick)."""
        rest = dataclasses.replace(quick, sources=[], pages=[])
        parts = [rest, _LISTS_MARK, (quick.sources, quick.pages)]
        self._write_parts("quick.pickle", fingerprint, parts)

    def load_relate(self, fingerprint: str) -> Any:
        """The relate state of the last build, or None (relate checks what it gets)."""
        self._relate = None
        found = self._read_parts("relate.pickle", fingerprint)
        state = _joined(found[1:]) if found and isinstance(found[0], tuple) else None
        if found is None or state is None or len(found[0]) != 2:
            return None
        token, cls = found[0]
        delta = self._read_file("relate-delta.pickle", fingerprint)
        try:
            with gc_paused():  # many small containers, no cycles
                # what the next delta is the change from
                before = statedelta.snapshot(state, getattr(cls, "saved_immutable", tuple)())
                if isinstance(delta, tuple) and len(delta) == 2 and delta[0] == token:
                    statedelta.apply(state, delta[1])
                loaded = cls.__new__(cls)
                loaded.__setstate__(state)
        except Exception:  # the checksums matched, so only a bug gets here; still recover
            self.log(f"sitegen: {self.folder / 'relate.pickle'} cannot be read; rebuilding it")
            return None
        self._relate = (fingerprint, token, loaded, before)
        return loaded

    def save_relate(self, fingerprint: str, state: Any) -> None:
        """After an update of the state load_relate returned, only what changed since
        relate.pickle was written, while that is little (see sitegen/statedelta.py)."""
        if self._relate is not None and self._relate[0] == fingerprint:
            _, token, loaded, before = self._relate
            if loaded is state:
                with gc_paused():
                    delta = statedelta.diff(state.__getstate__(), before)
                if statedelta.size(delta) <= max(64, statedelta.entries(before) * MAX_DELTA):
                    self._write_file("relate-delta.pickle", fingerprint, (token, delta))
                    return
        token = os.urandom(8).hex()
        # The state's parts (dicts of some of its fields), each made when it is pickled.
        parts = state.saved_parts()
        self._write_parts(
            "relate.pickle", fingerprint, itertools.chain([(token, type(state))], parts)
        )
        self._wrote_relate()

    def _wrote_relate(self) -> None:
        self._remove_file("relate-delta.pickle")  # names the old token: ignored if this fails
        self._relate = None  # (a later save writes the whole state again)

    def save_relate_aside(self, fingerprint: str, state: Any) -> Aside | None:
        """save_relate of a state relate made from scratch, pickled and put in place by a
        forked copy of this process while the build goes on (~0.25 s at 10,000 articles);
        ``Aside.finish`` waits for it. None: it cannot be (no fork): call save_relate.

        Also from a large build process, unlike the other asides: the copy runs while the
        build plans, which holds the state anyway (100,000 articles: the same peak memory,
        render's, and ~4 s less of saving in the build process)."""
        from sitegen import parallel

        if self._relate is not None or not parallel.can_fork():
            return None
        token = os.urandom(8).hex()

        def parts() -> Iterable[Any]:
            return itertools.chain([(token, type(state))], state.saved_parts())

        return Aside(
            self, "relate.pickle", fingerprint, parts, held=False, placed=self._wrote_relate
        )

    def _read(self, name: str, fingerprint: str) -> Any:
        return self._read_file(name, fingerprint)

    def _read_sources(self, fingerprint: str) -> Any:
        """sources.pickle's (token, entries), or None."""
        found = self._read_parts("sources.pickle", fingerprint)
        entries = _joined(found[1:]) if found and isinstance(found[0], str) else None
        return (found[0], entries) if found is not None and entries is not None else None

    def _write_sources(self, fingerprint: str, data: tuple[str, SourceEntries]) -> None:
        """sources.pickle: its token, then its entries in parts of SOURCES_PART."""
        self._write_parts("sources.pickle", fingerprint, _source_parts(*data))

    def _write(self, name: str, fingerprint: str, data: Any) -> None:
        self._write_file(name, fingerprint, data)

    def _remove(self, name: str) -> None:
        self._remove_file(name)

    def _read_file(self, name: str, fingerprint: str) -> Any:
        """The data of a cache file of one part, or None."""
        found = self._read_parts(name, fingerprint)
        return found[0] if found is not None and len(found) == 1 else None

    def _read_parts(
        self, name: str, fingerprint: str, until: str | None = None
    ) -> list[Any] | None:
        """The parts of a cache file (see _write_parts), or None; with ``until``, those up
        to the first part that is this text (the rest is checked but not unpickled)."""
        path = self.folder / name
        try:
            with open(path, "rb") as f:
                mapped = _mapped(f)
                if mapped is None:
                    return self._load_checked(f, path, fingerprint, until)
                with mapped:
                    return self._load_mapped(mapped, path, fingerprint, until)
        except OSError:
            return None  # no cache yet (a cold build), or unreadable: built again

    def _load_checked(
        self, f: io.BufferedReader, path: Path, fingerprint: str, until: str | None = None
    ) -> list[Any] | None:
        """The parts of an open cache file, or None. Unpickled from the file, not from its
        bytes read whole: those would be held beside what they make (20-30 MB a file at
        10,000 articles); the checksum is checked first, reading the file in parts."""
        head = f.read(_head_size(fingerprint))
        expected = self._expected_checksum(head, path, fingerprint)
        if expected is None:
            return None
        crc, size = _crc_of_rest(f)
        if expected != _checksum(crc, size):
            self.log(f"sitegen: {path} is damaged (checksum mismatch); rebuilding it")
            return None
        f.seek(len(head))
        end = len(head) + size
        try:
            with gc_paused():
                parts = [_load_part(f)]
                while f.tell() < end and (until is None or parts[-1] != until):
                    parts.append(_load_part(f))
                return parts
        except Exception:  # the checksum matched, so only a bug gets here; still recover
            self.log(f"sitegen: {path} cannot be read; rebuilding it")
            return None

    def _expected_checksum(self, head: bytes, path: Path, fingerprint: str) -> str | None:
        """The checksum a cache file's head gives for the rest, or None: not a cache file
        (said), or one of another version, settings or theme (stale, not damaged)."""
        header = _header(fingerprint)
        if not head.startswith(_MAGIC):
            self.log(f"sitegen: {path} is not a sitegen cache file; rebuilding it")
            return None
        if not head.startswith(header):
            return None
        return head[len(header) :].decode("ascii", "replace")

    def _load_mapped(
        self, mapped: mmap.mmap, path: Path, fingerprint: str, until: str | None = None
    ) -> list[Any] | None:
        """_load_checked of a file mapped whole: read once, not twice (once for the
        checksum, once to unpickle), and its checksum worked out on another thread (zlib
        leaves the GIL) while this one unpickles; nothing is returned before it matched."""
        head = mapped[: _head_size(fingerprint)]
        expected = self._expected_checksum(head, path, fingerprint)
        if expected is None:
            return None
        crcs: list[int] = []
        with memoryview(mapped) as view:
            payload = view[len(head) :]
            summing = None
            if len(payload) >= _SUMMED_APART:  # (below, a thread costs more than it saves)
                summing = threading.Thread(target=_crc_into, args=(payload, crcs))
                try:
                    summing.start()
                except RuntimeError:  # (no thread to be had: summed here)
                    summing = None
            if summing is None:
                _crc_into(payload, crcs)
            parts: list[Any] | None = None
            try:
                mapped.seek(len(head))
                with gc_paused():
                    parts = [_load_part(mapped)]
                    while mapped.tell() < len(mapped) and (until is None or parts[-1] != until):
                        parts.append(_load_part(mapped))
            except Exception:  # damaged (then the checksum tells), else a bug: see below
                parts = None
            finally:
                if summing is not None:
                    summing.join()
                payload.release()  # (released by _crc_into, unless it failed)
        if expected != _checksum(crcs[0] if crcs else -1, len(mapped) - len(head)):
            self.log(f"sitegen: {path} is damaged (checksum mismatch); rebuilding it")
            return None
        if parts is None:  # the checksum matched, so only a bug gets here; still recover
            self.log(f"sitegen: {path} cannot be read; rebuilding it")
        return parts

    def _write_file(self, name: str, fingerprint: str, data: Any) -> None:
        """A cache file of one part."""
        self._write_parts(name, fingerprint, [data])

    def _write_parts(self, name: str, fingerprint: str, parts: Iterable[Any]) -> None:
        """Each part pickled after the other, by a pickler of its own: a pickler remembers
        every object it pickled until its end (and holds what their reductions made: the
        state of each datetime, path, dataclass), which for a whole file of 100,000
        articles was 150-220 MB on top of a cold build's peak. (Objects shared by two parts
        are pickled twice and loaded as two: parts are made of what shares little.)
        Pickled straight to the file, in the pickler's frames, not to bytes written after
        (a transient copy of the whole file, and more while it grew: 20-30 MB a file at
        10,000 articles); the checksum, known only at the end, goes into the fixed-width
        slot the header leaves for it."""
        tmp = self._write_tmp(name, fingerprint, parts)
        if tmp is not None:
            self._place(tmp, name)

    def _write_tmp(self, name: str, fingerprint: str, parts: Iterable[Any]) -> Path | None:
        """_write_parts up to its last step: the file written beside ``name``, or None (it
        could not be: logged)."""
        tmp = self.folder / f"{name}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                _write_payload(f, fingerprint, parts)
        except OSError as exc:  # a cache that cannot be written only costs speed
            self._remove_file(tmp.name)
            self._cannot_write(exc)
            return None
        except BaseException:  # data that cannot be pickled: a bug, for the caller to report
            self._remove_file(tmp.name)
            raise
        return tmp

    def _write_unnamed(self, unnamed: int, fingerprint: str, parts: Iterable[Any]) -> bool:
        """_write_tmp into a file with no name yet (see Aside); False: logged."""
        try:
            with os.fdopen(unnamed, "wb", closefd=False) as f:
                _write_payload(f, fingerprint, parts)
        except OSError as exc:
            self._cannot_write(exc)
            return False
        return True

    def _name_unnamed(self, unnamed: int, name: str) -> bool:
        """Put a file _write_unnamed wrote in place of ``name``."""
        tmp = self.folder / f"{name}.{os.getpid()}.tmp"
        try:
            self._remove_file(tmp.name)
            folder = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:  # (with a folder's descriptor, os.link follows the link: linkat)
                os.link(f"/proc/self/fd/{unnamed}", tmp.name, dst_dir_fd=folder)
            finally:
                os.close(folder)
        except OSError as exc:
            self._cannot_write(exc)
            return False
        return self._place(tmp, name)

    def _place(self, tmp: Path, name: str) -> bool:
        """Put a file _write_tmp wrote in place of ``name``."""
        try:
            os.replace(tmp, self.folder / name)  # readers see the old file or the new one
        except OSError as exc:
            self._remove_file(tmp.name)
            self._cannot_write(exc)
            return False
        return True

    def _cannot_write(self, exc: OSError) -> None:
        self.log(f"sitegen: cannot write the build cache {self.folder}: {exc}")

    def _remove_file(self, name: str) -> None:
        with suppress(OSError):  # a file left behind only costs the space
            (self.folder / name).unlink(missing_ok=True)


def _source_parts(token: str, entries: SourceEntries) -> Iterator[Any]:
    """sources.pickle's parts: its token, then its entries SOURCES_PART at a time."""
    items = iter(entries.items())
    return itertools.chain([token], iter(lambda: dict(itertools.islice(items, SOURCES_PART)), {}))


def _write_payload(f: io.BufferedWriter, fingerprint: str, parts: Iterable[Any]) -> None:
    """A cache file's header, its parts pickled one after the other, then its checksum
    (see BuildCache._write_parts), into ``f`` from its start."""
    writer = _start_payload(f, fingerprint)
    with gc_paused():
        for part in parts:  # (a part may be made only now: see save_relate)
            _dump_part(writer, part)
            del part  # freed before the next is made
    _end_payload(f, fingerprint, writer)


def _start_payload(f: io.BufferedWriter, fingerprint: str) -> _ChecksumWriter:
    """A cache file's header, into ``f`` from its start, and the writer of its parts."""
    f.write(_header(fingerprint) + b"-" * (_CHECKSUM_CHARS - 1) + b"\n")  # never a checksum
    return _ChecksumWriter(f)


def _end_payload(f: io.BufferedWriter, fingerprint: str, writer: _ChecksumWriter) -> None:
    """The checksum of what ``writer`` wrote, into the header's slot for it."""
    f.seek(len(_header(fingerprint)))
    f.write(_checksum(writer.crc, writer.size).encode())


def _joined(parts: list[Any]) -> dict[Any, Any] | None:
    """The dicts of a file's parts as one (None: they are not dicts); a key of several
    parts is a dict or list split into them (state.pickle's pages, relate.pickle's lists
    of saved bytes), joined again."""
    if not all(type(part) is dict for part in parts):
        return None
    joined: dict[Any, Any] = {}
    for part in parts:
        split = part.keys() & joined.keys()
        if not split:  # (the common case: joined in C, 100,000 sources)
            joined.update(part)
            continue
        for key, value in part.items():
            found = joined.get(key)
            if key not in split:
                joined[key] = value
            elif type(found) is dict and type(value) is dict:
                found.update(value)
            elif type(found) is list and type(value) is list:
                found.extend(value)
            else:
                return None  # not parts of one dict or list
    return joined


def _dump_part(file: io.BytesIO | _ChecksumWriter, part: Any) -> None:
    """One part of a cache file: the field names (_NAMES), then the part by a pickler that
    refers to them."""
    file.write(_NAMES_PICKLE)
    pickler = _CachePickler(file)
    pickler.memo = _NAMES_MEMO  # (copied by the pickler)
    pickler.dump(part)


def _load_part(file: io.BufferedReader | io.BytesIO | mmap.mmap) -> Any:
    """A part that _dump_part wrote (an exception: it is not one)."""
    unpickler = pickle.Unpickler(file)
    if unpickler.load() != len(_NAMES):  # the names, now in the unpickler's memo
        raise ValueError("not a part of a cache file")
    return unpickler.load()


def _field_names() -> tuple[str, ...]:
    """The field names of the dataclasses a cache file holds many of, interned (see
    _NAMES)."""
    from sitegen import model

    kinds = [k for k in vars(model).values() if isinstance(k, type) and is_dataclass(k)]
    found = {f.name for kind in kinds for f in dataclasses.fields(kind)}
    return tuple(map(sys.intern, sorted(found)))


def _names_pickle(names: tuple[str, ...]) -> bytes:
    """A pickle that leaves ``sys.intern`` at memo index 0 and each of ``names`` interned at
    the next ones; its value is how many names it holds."""
    body = bytearray(b"csys\nintern\n" + pickle.MEMOIZE)
    for name in names:
        text = name.encode()
        body += pickle.BINGET + b"\x00" + pickle.SHORT_BINUNICODE + bytes([len(text)]) + text
        body += pickle.TUPLE1 + pickle.REDUCE + pickle.MEMOIZE + pickle.POP
    body += pickle.BININT + len(names).to_bytes(4, "little") + pickle.STOP
    # In one frame, as the pickler writes: read at once, not an opcode at a time.
    frame = pickle.FRAME + len(body).to_bytes(8, "little")
    return pickle.PROTO + bytes([pickle.HIGHEST_PROTOCOL]) + frame + bytes(body)


# Field names, written once at the start of each part of a cache file: pickled as usual,
# each name was a new string in each part, which the unpickler interned again for every
# object it made (10,000 articles of 20 fields, 15,000 related entries of 6...: ~12% of
# loading the sources); loaded from _NAMES_PICKLE, the memo holds the interned string
# itself, and the pickler refers to it (_NAMES_MEMO: id -> (memo index, object)).
_NAMES = _field_names()
_NAMES_PICKLE = _names_pickle(_NAMES)
_NAMES_MEMO = {id(o): (i, o) for i, o in enumerate((sys.intern, *_NAMES))}


def dumped_part(part: Any) -> bytes:
    """``part`` as _dump_part writes it, for a cache file's part made elsewhere (see
    SourcesFile)."""
    buffer = io.BytesIO()
    _dump_part(buffer, part)
    return buffer.getvalue()


def loaded_part(data: bytes) -> Any:
    """The part of dumped_part's bytes."""
    with gc_paused():  # (many small containers, no cycles)
        return _load_part(io.BytesIO(data))


def dumps(data: Any) -> memoryview:
    """``data`` pickled for the cache (see _CachePickler); pickle.loads reads it."""
    buffer = io.BytesIO()
    _CachePickler(buffer).dump(data)
    return buffer.getbuffer()


class _CachePickler(pickle.Pickler):
    """Pickles what loads faster: loading the cache is most of an edit's start (10,000
    articles are hundreds of thousands of objects, each made again from the file).

    - Equal topics and providers are pickled once and shared: the 10,000 articles of the
      benchmark site name ~270 topics 23,000 times, and ~400 providers 25,000 times (their
      related entries' too). Frozen and compared by value, a shared one is as good.
    - Paths are made from their parts as they were, not parsed again: PosixPath(*parts)
      costs ~10 us in Python, a third of a loaded article (see _path)."""

    def __init__(self, file: io.BytesIO | _ChecksumWriter) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        # A topic or provider -> how the equal ones after it are pickled: _FIRST((first,)),
        # made once, so that it too is pickled once and then by reference (made again for
        # every one, it was new objects for the pickler to remember until the end).
        self._first: dict[Any, tuple[Any, ...]] = {}

    def reducer_override(self, obj: Any) -> Any:  # called for objects of classes only
        kind = type(obj)
        if kind is Topic or kind is Provider:
            reduced = self._first.get(obj)
            if reduced is None:  # the first one: pickled as usual
                self._first[obj] = (_FIRST, ((obj,),))
            elif reduced[1][0][0] is not obj:  # loaded as the first one, shared
                return reduced
        elif kind is PosixPath and _PARSED_PARTS:
            parts: Any = obj
            return _path, (parts._drv, parts._root, tuple(parts._parts), str(obj))
        return NotImplemented  # pickled as usual


_FIRST = operator.itemgetter(0)


def _path(drv: str, root: str, parts: tuple[str, ...], text: str) -> Path:
    """A path from what Python 3.11's pathlib parsed it into (no parsing, ~1 us), with its
    text, which pathlib would otherwise make at the first str() (every article's source is
    made a string several times a build); pickled only by a Python whose pathlib has these
    (see _parsed_parts), and the cache is read only by the Python that wrote it (its version
    is in every fingerprint)."""
    kind: Any = PosixPath
    made = kind._from_parsed_parts(drv, root, list(parts))
    made._str = text
    path: Path = made
    return path


def _parsed_parts() -> bool:
    """Whether this pathlib makes a path from its parsed parts as _path does (3.11's):
    checked on a relative and an absolute path."""
    try:
        for text in ("content/a/b.md", "/srv/site/content/x.md"):
            made: Any = PosixPath(text)
            again = _path(made._drv, made._root, tuple(made._parts), text)
            fresh: Any = _path(made._drv, made._root, tuple(made._parts), text)
            del fresh._str  # its text as pathlib makes it
            if again != made or str(fresh) != text or again.parts != made.parts:
                return False
    except Exception:  # another pathlib (3.12 has other internals): pickle as usual
        return False
    return True


_PARSED_PARTS = _parsed_parts()


class MemoryCache(BuildCache):
    """A cache kept in memory between builds of one long-running process (``serve``), so a
    rebuild does not read its cache back from disk, nor write it: what a build would write is
    held, and ``flush`` saves it for the next run. Files read from disk are held too."""

    def __init__(self, folder: Path, log: Callable[[str], None]) -> None:
        super().__init__(folder, log)
        self.held: dict[str, tuple[str, Any]] = {}
        self.dirty: set[str] = set()  # held files newer than their copy on disk

    def _held_or_read(self, name: str, fingerprint: str, read: Callable[[str], Any]) -> Any:
        """What is held of ``name`` for ``fingerprint``, or ``read(fingerprint)``, then held."""
        held = self.held.get(name)
        if held is not None and held[0] == fingerprint:
            return held[1]
        data = read(fingerprint)
        if data is not None:
            self.held[name] = (fingerprint, data)
        return data

    def _read(self, name: str, fingerprint: str) -> Any:
        return self._held_or_read(name, fingerprint, functools.partial(super()._read, name))

    def _read_sources(self, fingerprint: str) -> Any:
        return self._held_or_read("sources.pickle", fingerprint, super()._read_sources)

    def _write_sources(self, fingerprint: str, data: tuple[str, SourceEntries]) -> None:
        self._write("sources.pickle", fingerprint, data)

    def sources_file(self, fingerprint: str, entries: SourceEntries) -> SourcesFile | None:
        return None  # (the sources are held: flush writes them)

    def _write(self, name: str, fingerprint: str, data: Any) -> None:
        self.held[name] = (fingerprint, data)
        self.dirty.add(name)

    def _remove(self, name: str) -> None:
        self.held.pop(name, None)
        self.dirty.discard(name)
        super()._remove(name)

    def load_quick(self, fingerprint: str, lists: bool = True) -> QuickState | None:
        # (Whole: held for the next builds.)
        found = self._held_or_read("quick.pickle", fingerprint, super().load_quick)
        return found if isinstance(found, QuickState) else None

    def save_quick(self, fingerprint: str, quick: QuickState) -> None:
        self._write("quick.pickle", fingerprint, quick)

    def load_relate(self, fingerprint: str) -> Any:
        return self._held_or_read("relate.pickle", fingerprint, super().load_relate)

    def save_relate(self, fingerprint: str, state: Any) -> None:
        self.held["relate.pickle"] = (fingerprint, state)
        self.dirty.add("relate.pickle")

    def load_state(self, fingerprint: str) -> BuildState | None:
        # The BuildState itself is held: no pickling, and no delta made, per rebuild.
        held = self.held.get("state.pickle")
        if held is not None and held[0] == fingerprint:
            state: BuildState = held[1]
            return state
        loaded = super().load_state(fingerprint)
        if loaded is not None:
            self.held["state.pickle"] = (fingerprint, loaded)
        return loaded

    def save_state(self, fingerprint: str, state: BuildState) -> None:
        self.held["state.pickle"] = (fingerprint, state)
        self.dirty.add("state.pickle")

    def flush(self) -> None:
        for name in sorted(self.dirty):
            fingerprint, data = self.held[name]
            if name == "relate.pickle":
                super().save_relate(fingerprint, data)  # only what changed, when it can
            elif name == "state.pickle":
                super().save_state(fingerprint, data)  # the same
            elif name == "sources.pickle":
                super()._write_sources(fingerprint, data)  # in parts
            elif name == "quick.pickle":
                super().save_quick(fingerprint, data)  # (its lists apart)
            else:
                self._write_file(name, fingerprint, data)
        self.dirty.clear()
