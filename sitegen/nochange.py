"""The no-change check of ``sitegen build``: is everything as the last build left it?

A build with nothing to do should cost little more than starting Python, so this module
answers that question from the command line before anything else is imported: it uses only
modules Python has loaded at start-up (plus ``marshal`` and ``zlib``, both built in). Loading
the settings (TOML, dataclasses), the build cache (pickle) or the stages would each cost more
than the check itself on a slow machine.

After every successful ``sitegen build`` the CLI saves a *record* of what that build depended
on and made, keyed by the command line and the working folder, in
``.sitegen-cache/nochange-<key>`` (only when the output folder is in the working folder, so
the record sits beside the build cache and is as safe to delete). The next ``sitegen build``
with the same flags compares, in this order, and builds normally at the first difference:

- Python's version, the flags, ``SOURCE_DATE_EPOCH``, the settings file's bytes;
- the stats of sitegen's code, of every template and static file and of every folder holding
  them (a file added changes its folder's mtime), and the installed versions of the libraries
  that shape the output (their dist-info names, as sitegen.cache does);
- the content: every folder's mtime (an unchanged one is not listed again) and every content
  file's mtime and size; a file changed within RACY_NS before the last build's scan has its
  bytes compared instead (its mtime proves nothing, see sitegen.load);
- the output: the manifest's inode, size and mtime (any build that changed the output
  replaced it), no journal or staging folder (a killed build), and every file the manifest
  lists still there: a file deleted by hand is written again by the normal build.

Stats noted less than RACY_NS before the record was made are not trusted either. Anything
unexpected (no record, a damaged one, an unreadable file) means "build normally": the check
can cost a build time, never give a wrong site.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
import zlib
from contextlib import suppress

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs more to import than this whole check)
    from collections.abc import Callable, Iterable
    from typing import Any

    from sitegen.build import BuildResult
    from sitegen.config import SiteConfig
    from sitegen.problems import Problem

    # (path, mtime_ns, size): one content file, as the build cache compares them.
    Source = tuple[str, int, int]
    # A content folder: path, mtime_ns (-1: could not be listed), subfolders, .md files.
    Folder = tuple[str, int, tuple[str, ...], tuple[str, ...]]
    Signature = tuple[int, int, int] | None

# Keep in step with sitegen.load.RACY_NS (not imported from there: load imports far more).
RACY_NS = 2_000_000_000
CACHE_DIR = ".sitegen-cache"
_MAGIC = b"sitegen-nochange 3 "
# The sitegen that runs: a record made by another copy of it (another checkout or virtual
# environment building the same folder) watched that copy's code and templates, not this one's.
_RUNNING = os.path.dirname(os.path.abspath(__file__))
MANIFEST = ".sitegen-manifest.json"  # as in sitegen.write
_OWN_NOT_ALLOWED = (".sitegen-journal.json", ".sitegen-staging")  # a build was interrupted

# Flags that change nothing in the output: not part of the record's key.
_FLAGS_FREE = {"--profile", "-q", "--quiet", "--all-problems", "--strict"}
_VALUES_FREE = {"--jobs", "-j"}
# Flags that shape the output: the record belongs to one combination of these.
_FLAGS_KEYED = {"--drafts", "--no-search"}
_VALUES_KEYED = {"--config", "--content", "--output", "--templates", "--base-url"}


class _Changed(Exception):
    """Something differs from the record (or cannot be compared): build normally."""


# --- the content scan, shared with the build -------------------------------------------------


def scan(
    content_dir: str, links: dict[str, tuple[int, set[str] | None]] | None = None
) -> tuple[list[Source], list[Folder]]:
    """Every ``.md`` file below ``content_dir`` with its mtime and size (-1, -1 when it cannot
    be stat'ed: reading it reports why), and every folder visited with its mtime, taken
    before it is listed (so an entry added after the listing shows next time). Hidden names
    are skipped; folders are walked depth first in name order, the order of sorted Paths.
    ``links`` gets each folder's mtime and the names of the links among its entries that
    are not hidden, from the same listing (the build looks for links in every folder)."""
    found: list[Source] = []
    folders: list[Folder] = []
    pending = [(content_dir, True)]  # (path, is a folder) still to visit, next last
    while pending:
        path, is_dir = pending.pop()
        if not is_dir:
            try:
                st = os.stat(path)
                found.append((path, st.st_mtime_ns, st.st_size))
            except OSError:
                found.append((path, -1, -1))
            continue
        try:
            mtime = os.stat(path).st_mtime_ns
            with os.scandir(path) as it:
                listed = [e for e in it if not e.name.startswith(".")]
            entries = sorted(map(_entry, listed))
        except OSError:
            folders.append((path, -1, (), ()))
            continue
        if links is not None:
            with suppress(OSError):  # (not known: the build lists the folder itself)
                links[path] = (mtime, {e.name for e in listed if e.is_symlink()})
        kept = [(name, p, d) for name, p, d in entries if d or name.endswith(".md")]
        subfolders = tuple(name for name, _, d in kept if d)
        folders.append((path, mtime, subfolders, tuple(name for name, _, d in kept if not d)))
        pending.extend((p, d) for _, p, d in reversed(kept))
    return found, folders


def _entry(entry: os.DirEntry[str]) -> tuple[str, str, bool]:
    try:
        return entry.name, entry.path, entry.is_dir(follow_symlinks=False)
    except OSError:
        return entry.name, entry.path, False


def _listing(path: str) -> tuple[str, str]:
    """A folder's subfolders and .md files as ``scan`` lists them, each joined by newlines
    (the record keeps them so: one string loads faster than thousands)."""
    with os.scandir(path) as it:
        entries = sorted(_entry(e) for e in it if not e.name.startswith("."))
    return (
        "\n".join(name for name, _, d in entries if d),
        "\n".join(name for name, _, d in entries if not d and name.endswith(".md")),
    )


# --- the command line ------------------------------------------------------------------------


class Flags:
    """What ``repeat`` needs of a ``sitegen build`` command line."""

    def __init__(self) -> None:
        self.key: list[str] = []  # the flags that shape the output, in order
        self.quiet = self.profile = self.strict = self.all_problems = False
        self.jobs: int | None = None  # --jobs (the last one given)

    def values(self) -> dict[str, str]:
        """The values of the output-shaping flags given one (``--output`` ...), the last of
        each, as argparse reads them."""
        found: dict[str, str] = {}
        key = iter(self.key)
        for name in key:
            if name in _VALUES_KEYED:
                found[name] = next(key)
        return found


def parse(argv: list[str]) -> Flags | None:
    """The flags of a plain ``build`` command line, or None for anything else (another
    command, ``--no-cache``, ``--help``, an abbreviation): argparse handles those."""
    if not argv or argv[0] != "build":
        return None
    flags = Flags()
    i = 1
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if not eq and (name in _VALUES_FREE or name in _VALUES_KEYED):
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None
            value = argv[i + 1]
            i += 1
        elif eq and not name.startswith("--"):
            return None
        if name in _VALUES_FREE:
            if not (value.isascii() and value.isdigit() and int(value) >= 1):
                return None  # argparse reports it (or reads it: "０３")
            flags.jobs = int(value)
        elif name in _VALUES_KEYED:
            flags.key += [name, value]
        elif eq:
            return None
        elif name in _FLAGS_KEYED:
            flags.key.append(name)
        elif name in _FLAGS_FREE:
            setattr(flags, _FREE_NAMES[name], True)
        else:
            return None
        i += 1
    return flags


_FREE_NAMES = {
    "--profile": "profile",
    "-q": "quiet",
    "--quiet": "quiet",
    "--all-problems": "all_problems",
    "--strict": "strict",
}


def record_path(cwd: str, key: list[str]) -> str:
    """One record per working folder and set of output-shaping flags."""
    digest = zlib.crc32("\x00".join(key).encode("utf-8", "surrogatepass"))
    return f"{cwd}{os.sep}{CACHE_DIR}{os.sep}nochange-{digest:08x}"


# --- the check -------------------------------------------------------------------------------


def repeat(argv: list[str]) -> int | None:
    """Print the last build's result and return its exit code if nothing changed since;
    None when a build is needed (or this cannot tell)."""
    start = time.perf_counter()
    flags = parse(argv)
    if flags is None:
        return None
    try:
        cwd = os.getcwd()
        record = _read(record_path(cwd, flags.key))
        if record is None or record["key"] != flags.key or record["cwd"] != cwd:
            return None
        scanned = time.perf_counter()
        child = _fork_check(record, cwd)
        try:
            _check_content(record["content"])
        except _Changed:
            if child is not None:
                # The content changed: the build that follows asks the child's answer
                # (output_intact) instead of checking every kept page's file itself, and
                # takes its scan of the content (content_scanned), which it needs first.
                child.hurry()
                child.output = record["output"][0]
                _OUTPUT_CHECKS.append(child)
                child = None
            raise
        except BaseException:
            if child is not None:
                child.stop()  # its answer no longer matters
                child = None
            raise
        finally:
            checked = time.perf_counter()
            if child is not None:
                try:
                    intact = child.intact()
                finally:
                    child.stop()  # (its scan is not needed)
                if not intact:
                    raise _Changed
        if child is None:
            _check_inputs(record, cwd)
            _check_output(record["output"])
    except Exception:  # a change, a damaged record, no dir_fd on this system...
        return None
    end = time.perf_counter()
    timings = {"scan": checked - scanned, "cache check": (scanned - start) + (end - checked)}
    return _report(record["summary"], flags, timings)


class _Child:
    """A child process checking the inputs and the output, then scanning the content. It
    writes two messages to its pipe: its answer, one byte (1 if all it checked is as
    recorded, 0 otherwise), and the scan (b"S", its length in 8 bytes, then the scan
    marshalled: see _scan_payload); the scan first once told to hurry. Then it exits."""

    def __init__(self, pid: int, fd: int, hurry_fd: int = -1) -> None:
        self.pid = pid
        self.fd = fd  # the pipe's reading end; -1 once closed
        self.hurry_fd = hurry_fd  # the other pipe's writing end (see hurry); -1 once closed
        self.answer: bool | None = None  # its answer, once read
        self.scanned: bytes | None = None  # its scan, once read
        self.scan_coming = False  # the scan's first byte is read (the rest is on its way)
        self.output = ""  # the output folder it checked
        # Whether it checks the inputs and the output (and found the content changed), or
        # only scans (see scan_aside).
        self.checks = True

    def hurry(self) -> None:
        """Ask it for the scan before its answer (it looks between parts of its check)."""
        if self.hurry_fd >= 0:
            with suppress(OSError):
                os.write(self.hurry_fd, b"s")
            os.close(self.hurry_fd)
            self.hurry_fd = -1

    def intact(self) -> bool:
        """Its answer (waiting for it): were the inputs and the output as recorded?"""
        while self.answer is None and self._read_message():
            pass
        return bool(self.answer)

    def scan_begun(self) -> bool:
        """Whether its scan has begun to come (or it ended): never waits."""
        while self.scanned is None and not self.scan_coming and self.fd >= 0:
            os.set_blocking(self.fd, False)
            try:
                kind = os.read(self.fd, 1)
            except BlockingIOError:
                return False
            except OSError:
                return True  # (scan says what)
            finally:
                os.set_blocking(self.fd, True)
            if not self._read_message(kind):
                return True  # it ended
        return True

    def scan(self) -> bytes:
        """Its scan of the content (waiting for it); b"" if it sent none."""
        while self.scanned is None and self._read_message():
            pass
        return self.scanned or b""

    def _read_message(self, first: bytes | None = None) -> bool:
        """Read its next message (``first``: its first byte, read by scan_begun, which only
        notes that the scan comes); False: there is none (it ended)."""
        if self.fd < 0:
            return False
        kind = first
        if kind is None:
            kind = b"S" if self.scan_coming else os.read(self.fd, 1)
        if kind in (b"0", b"1"):
            self.answer = kind == b"1"
            return True
        if kind != b"S":
            return False  # it ended (a child that died mid-message: the same)
        self.scan_coming = first is not None
        if first is None:
            size = int.from_bytes(self._read_exactly(8), "big")
            self.scanned = self._read_exactly(size)  # (cut short if it died: not marshal)
        return True

    def _read_exactly(self, size: int) -> bytes:
        chunks = []
        while size > 0 and (chunk := os.read(self.fd, min(size, 1 << 20))):
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        """Close the pipes, end the child (done or not) and reap it."""
        self.hurry()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid > 0:
            with suppress(ProcessLookupError):
                os.kill(self.pid, 9)  # SIGKILL (a zombie until reaped: the pid is still its)
            with suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0  # reaped: the pid may be another process's from now on


def _can_fork() -> bool:
    """Whether a child would work beside this process: fork is there and safe (no other
    thread alive) and this process may use two cores (with one, the child would only take
    turns with it)."""
    threading = sys.modules.get("threading")
    if not hasattr(os, "fork") or (threading is not None and threading.active_count() > 1):
        return False
    from sitegen.cores import usable_cores

    return usable_cores() >= 2


def _fork_check(record: dict[str, Any], cwd: str) -> _Child | None:
    """Check the inputs and the output in a child process while this one checks the
    content: both are mostly stat system calls, so on two cores they take half the time
    together. The child then scans the content, which the build takes if the content
    changed (content_scanned): on the other core while this process imports its stages.
    None: no child, check here."""
    folders = record["content"][1]
    if record["output"][2].count("\n") < _FORK_FILES or not folders or not _can_fork():
        return None
    read_end, write_end = os.pipe()
    hurry_end, hurried_end = os.pipe()  # (the parent writes to it; see _Child.hurry)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process (what it writes is the result)
        try:
            os.close(read_end)
            os.close(hurried_end)
            os.set_blocking(hurry_end, False)
            scan = _ScanSender(write_end, folders[0][0], hurry_end)
            answer = b"0"
            with suppress(Exception):
                _check_inputs(record, cwd)
                _check_output(record["output"], scan.if_asked)
                answer = b"1"
            _write_all(write_end, answer)
            scan.send()
        finally:  # (a closed pipe too: the parent no longer wants the scan)
            os._exit(0)
    os.close(write_end)
    os.close(hurry_end)
    return _Child(pid, read_end, hurried_end)


def scan_aside(content_dir: str) -> None:
    """Scan ``content_dir`` in a child process, on the other core, while this one goes on
    importing and preparing the build; the build takes the scan from content_scanned. For a
    build that no record answers (a first build, other flags): an edit's scan comes from the
    no-change check's child already. (At 10,000 files the scan is ~0.07 s, the build's
    imports and preparation before its first stage ~0.15 s, one core idle.)"""
    if _OUTPUT_CHECKS or not os.path.isdir(content_dir) or not _can_fork():
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process (what it writes is the result)
        try:
            os.close(read_end)
            _ScanSender(write_end, content_dir, -1).send()
        finally:  # (a closed pipe too: the parent no longer wants the scan)
            os._exit(0)
    os.close(write_end)
    child = _Child(pid, read_end)
    child.checks = False
    _OUTPUT_CHECKS.append(child)


class _ScanSender:
    """The child's scan of the content, sent once: when asked (the parent hurried it: the
    content changed, the build needs the scan first) or after the answer."""

    def __init__(self, fd: int, content_dir: str, hurry_fd: int) -> None:
        self.fd = fd
        self.content_dir = content_dir
        self.hurry_fd = hurry_fd
        self.sent = False

    def if_asked(self) -> None:
        if not self.sent:
            with suppress(BlockingIOError):
                if os.read(self.hurry_fd, 1) == b"s":
                    self.send()

    def send(self) -> None:
        if not self.sent:
            self.sent = True
            payload = _scan_payload(self.content_dir)
            with suppress(ImportError, AttributeError, OSError):  # (Linux only; at most 1 MB)
                import fcntl

                # ~2 MB through a 64 kB pipe: 30 turns of each process waiting for the other.
                fcntl.fcntl(self.fd, fcntl.F_SETPIPE_SZ, min(len(payload) + 9, 1 << 20))
            _write_all(self.fd, b"S" + len(payload).to_bytes(8, "big") + payload)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _scan_payload(content_dir: str) -> bytes:
    """scan(content_dir) as content_scanned returns it, with the time before which its
    stats are trusted (taken before it starts), marshalled."""
    recent = time.time_ns() - RACY_NS
    links: dict[str, tuple[int, set[str] | None]] = {}
    sources, folders = scan(content_dir, links)
    return marshal.dumps((content_dir, recent, sources, folders, links))


# Below this many output files, forking costs more than it saves.
_FORK_FILES = 2_000


# The forked checks of a ``repeat`` that found the content changed, still running or not yet
# reaped.
_OUTPUT_CHECKS: list[_Child] = []


def content_scanned(
    content_dir: str,
    meanwhile: Iterable[Callable[[], object]] = (),
    first: Iterable[Callable[[], object]] = (),
) -> tuple[int, list[Source], list[Folder], dict[str, tuple[int, set[str] | None]], bool] | None:
    """What ``scan(content_dir, links)`` would find, from the child the last ``repeat`` or
    ``scan_aside`` forked (it scanned on the other core while this process went on): the
    time before which its stats are trusted (RACY_NS before it started), the files, the
    folders, the links, and whether the content is known to have changed since the last
    build (``repeat``'s child: its record said so; ``scan_aside``'s knows nothing). Waits for
    it; None when there is no child or it scanned another folder (or failed).

    ``meanwhile``: steps of work the caller would do later anyway, done one by one here
    while the scan has not begun to come (rather than waiting idle for it); the rest are
    left undone. ``first``: the steps instead for a build no record answered (most likely
    a first build, whose next work is not an edit's)."""
    if not _OUTPUT_CHECKS:
        return None
    child = _OUTPUT_CHECKS[-1]
    for step in meanwhile if child.checks else first:
        if child.scan_begun():
            break
        step()
    try:
        found = marshal.loads(child.scan())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(found, tuple) or len(found) != 5 or found[0] != content_dir:
        return None
    _, recent, sources, folders, links = found
    return recent, sources, folders, links, child.checks


def output_intact(output: str) -> bool:
    """Whether the child the last ``repeat`` forked found the settings, code, templates and
    libraries as recorded and the output folder ``output`` as the last build left it: its
    manifest not replaced since and every file it lists there. The build then need not look
    for each unchanged page's file (12,800 stats after an edit at 10,000 articles: the child
    made them on the other core while this process read its cache). Waits for the child;
    False when there is none (no record, too few files, no fork) or it found a difference."""
    return _reap_checks(output)


def forget_output_checks() -> None:
    """Reap the children output_intact was not asked about (a build that failed first)."""
    _reap_checks("")


def _reap_checks(output: str) -> bool:
    intact = None  # the answer of the last one; older ones (none in the CLI) are only reaped
    while _OUTPUT_CHECKS:
        child = _OUTPUT_CHECKS.pop()
        try:
            done = intact is None and child.intact()
        except OSError:
            done = False
        finally:
            child.stop()  # (done scanning by now, unless its scan was not asked for)
        if intact is None:
            intact = done and child.output == output
    return bool(intact)


def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    head, _, payload = raw.partition(b"\n")
    expected = _MAGIC + f"{zlib.crc32(payload):08x} {sys.version}".encode()
    if head != expected.replace(b"\n", b" "):
        return None  # damaged, or made by another Python (marshal's format may differ)
    data = marshal.loads(payload)
    return data if isinstance(data, dict) else None


def _check_inputs(record: dict[str, Any], cwd: str) -> None:
    """The settings, sitegen's code, the templates and the libraries are the same."""
    if os.environ.get("SOURCE_DATE_EPOCH") != record["epoch"] or record["running"] != _RUNNING:
        raise _Changed
    if _settings(cwd, record["key"]) != record["settings"]:
        raise _Changed
    realpath = os.path.realpath
    for given, resolved in record["links"]:
        if realpath(given) != resolved:
            raise _Changed  # a link on the way now leads elsewhere
    trusted = record["made"] - RACY_NS
    for path, signature in record["watched"]:
        if signature is not None and signature[1] >= trusted:
            raise _Changed  # changed just before the record was made: not to be trusted
        if _signature(path) != signature:
            raise _Changed
    if _libraries(record["libraries"], trusted) != record["libraries"][2]:
        raise _Changed


def _settings(cwd: str, key: list[str]) -> tuple[str, bytes] | None:
    """The settings file load_config would read, and its bytes (None: no file, defaults)."""
    if "--config" in key:
        chosen = key[key.index("--config") + 1]
        with open(os.path.join(cwd, chosen), "rb") as f:
            return chosen, f.read()
    for name in ("sitegen.toml", "pyproject.toml"):
        try:
            with open(os.path.join(cwd, name), "rb") as f:
                return name, f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue  # as load_config: not a file, so the next candidate
    return None


def _signature(path: str) -> Signature:
    """What changes when a file or folder does: its type, mtime and size (None: absent)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (stat.S_IFMT(st.st_mode), st.st_mtime_ns, st.st_size)


def _libraries(recorded: tuple[Any, ...], trusted: int) -> str:
    """sitegen.cache.dependency_versions, reusing the record's names of each folder of
    ``sys.path`` whose mtime is unchanged (listing site-packages costs more)."""
    names, folders, _ = recorded
    found = []
    for entry in sys.path:
        known = folders.get(entry)
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = -1
        if known is not None and known[0] == mtime and 0 <= mtime < trusted:
            found.extend(known[1])
        else:
            found.extend(dist_infos(entry, names))
    return ",".join(sorted(found))


def dist_infos(entry: str, projects: Iterable[str]) -> list[str]:
    """The dist-info folder names of ``projects`` in one folder of ``sys.path``."""
    try:
        names = os.listdir(entry or ".")
    except OSError:
        return []
    wanted = set(projects)
    found = []
    for name in names:
        if name.endswith(".dist-info"):
            project = name[: -len(".dist-info")].rsplit("-", 1)[0]
            if project.lower().replace("-", "_").replace(".", "_") in wanted:
                found.append(name)
    return found


def _check_content(content: tuple[Any, ...]) -> None:
    """The same content files with the same stats (and, for recent ones, bytes)."""
    cutoff, folders, recent = content
    stat_at, fstat = os.stat, os.fstat
    # The folder of the newest file first: an edit is most often to a file written lately
    # (the same as last time, or a new article's), found there before the other 10,000.
    folders = sorted(folders, key=_newest, reverse=True)
    for path, mtime, subfolders, names, stats in folders:
        # Each file is stat'ed relative to its folder: the kernel walks a shorter path.
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            # Entries were added or removed (or may have been): list it again.
            if (fstat(fd).st_mtime_ns != mtime or mtime >= cutoff) and _listing(path) != (
                subfolders,
                names,
            ):
                raise _Changed
            if names:
                found: list[int] = []
                add = found.append
                for name in names.split("\n"):
                    st = stat_at(name, dir_fd=fd)
                    add(st.st_mtime_ns)
                    add(st.st_size)
                if found != stats:
                    raise _Changed
        finally:
            os.close(fd)
    if recent:
        from sitegen.digests import file_digest  # only when there are such files

        for path, digest in recent.items():
            with open(path, "rb") as f:
                if file_digest(f.read()) != digest:  # (the cache's content_hash)
                    raise _Changed


def _newest(folder: tuple[Any, ...]) -> int:
    """The newest mtime of a recorded folder's files (their stats: mtime, size, ...)."""
    return max(folder[4][::2], default=-1)


def _check_output(output: tuple[Any, ...], between: Callable[[], None] | None = None) -> None:
    """The output folder as the last build left it: its manifest not replaced since, no
    interrupted build, and every file the manifest lists still there. ``between`` is called
    before each part of 1,000 files (the child sends its scan there when asked)."""
    root, manifest, files = output
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        st = os.stat(MANIFEST, dir_fd=fd)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != tuple(manifest):
            raise _Changed
        access, exists = os.access, os.F_OK
        for name in _OWN_NOT_ALLOWED:
            if access(name, exists, dir_fd=fd):
                raise _Changed
        # access, not stat: a third cheaper, and a deleted file is what this looks for.
        paths = files.split("\n") if files else []
        for start in range(0, len(paths), 1000):
            if between is not None:
                between()
            for path in paths[start : start + 1000]:
                if not access(path, exists, dir_fd=fd):
                    raise _Changed
    finally:
        os.close(fd)


def _report(summary: dict[str, Any], flags: Flags, timings: dict[str, float]) -> int:
    """Print what ``main`` prints after a build, from the record."""
    problems = summary["problems"]
    short, every = summary["problem_lines"]
    for line in every if (flags.all_problems or flags.strict) and every is not None else short:
        print(line, file=sys.stderr)
    if not flags.quiet:
        print(
            summary_line(
                summary["articles"],
                summary["pages"],
                (0, summary["files"], 0),
                summary["drafts"],
                problems,
                sum(timings.values()),
                summary["output"],
            )
        )
        for note in summary["notes"]:
            print(f"note: {note}")
    if flags.profile:
        print(profile_table(timings), file=sys.stderr)
    if problems and flags.strict:
        print(f"sitegen: {problems} problem(s) and --strict: failing", file=sys.stderr)
        return 1
    return 0


def summary_line(
    articles: int,
    pages: int,
    files: tuple[int, int, int] | None,
    drafts: str,
    problems: int,
    seconds: float,
    output: str,
) -> str:
    """The line ``sitegen build`` ends with; ``files``: written, unchanged, removed."""
    changes = f"{files[0]} written, {files[1]} unchanged, {files[2]} removed" if files else ""
    return (
        f"built {articles} article(s), {pages} page(s) ({changes}), {drafts}, "
        f"{problems} problem(s) in {seconds:.2f} s -> {output}"
    )


def profile_table(timings: dict[str, float]) -> str:
    """Seconds per stage, one a line, then the total."""
    lines = ["stage              seconds"]
    lines += [f"{stage:<18} {seconds:7.3f}" for stage, seconds in timings.items()]
    lines.append(f"{'total':<18} {sum(timings.values()):7.3f}")
    return "\n".join(lines)


# --- making the record -----------------------------------------------------------------------


class Watch:
    """The stats of what a build depends on besides the content, taken before it runs (a
    file changed during the build then shows as changed next time)."""

    def __init__(self, flags: Flags, config: SiteConfig) -> None:
        from sitegen.cache import _OUTPUT_DEPENDENCIES
        from sitegen.config import PACKAGE_DIR, builtin_theme_dir

        self.made = time.time_ns()
        self.flags = flags
        cwd = os.getcwd()
        self.settings = _settings(cwd, flags.key)
        self.epoch = os.environ.get("SOURCE_DATE_EPOCH")
        # The folders (and settings file) as given, and where they led: the record names
        # the resolved ones, so a link retargeted since must show.
        given = []
        if self.settings is not None:
            given.append(os.path.join(cwd, self.settings[0]))
        for flag, name in (
            ("--content", "content_dir"),
            ("--output", "output_dir"),
            ("--templates", "templates_dir"),
        ):
            if flag in flags.key:
                given.append(os.path.join(cwd, flags.key[flags.key.index(flag) + 1]))
            else:
                given.append(os.path.join(str(config.root), str(getattr(config, name))))
        self.links = [(path, os.path.realpath(path)) for path in given]
        watched: list[tuple[str, Signature]] = []
        _watch_tree(str(PACKAGE_DIR), watched, lambda name: name.endswith(".py"))
        themes = [str(config.path("templates_dir")), str(builtin_theme_dir())]
        for candidate in (str(PACKAGE_DIR / "theme"), *themes):
            if os.path.isdir(candidate):
                _watch_tree(candidate, watched, lambda name: True)
            else:
                watched.append((candidate, _signature(candidate)))
        self.watched = watched
        # pagefind_bin too: whether it is installed decides whether the site has search.
        names = tuple(sorted({*_OUTPUT_DEPENDENCIES, "pagefind_bin"}))
        folders = {}
        for entry in sys.path:
            try:
                mtime = os.stat(entry or ".").st_mtime_ns
            except OSError:
                mtime = -1
            folders[entry] = (mtime, dist_infos(entry, names))
        every = sorted(name for _, found in folders.values() for name in found)
        self.libraries = (names, folders, ",".join(every))


def _watch_tree(root: str, watched: list[tuple[str, Signature]], wanted: Any) -> None:
    """Every folder below ``root`` and the files ``wanted`` picks, with their signatures."""
    watched.append((root, _signature(root)))
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in subfolders:
            path = os.path.join(folder, name)
            watched.append((path, _signature(path)))
        for name in sorted(files):
            if wanted(name):
                path = os.path.join(folder, name)
                watched.append((path, _signature(path)))


def save(watch: Watch, result: BuildResult, config: SiteConfig) -> None:
    """Record a successful build for the next ``repeat`` (never fails the build)."""
    output = config.path("output_dir")
    cwd = os.getcwd()
    if str(output.parent) != cwd or result.scanned is None:
        return  # the record lives beside the build cache, which is not in this folder
    if result.written is not None and result.written.problems:
        return  # some files could not be written: the next build tries again
    from contextlib import suppress
    from operator import itemgetter

    from sitegen.write import read_manifest

    path = record_path(cwd, watch.flags.key)
    with suppress(OSError):
        os.unlink(path)  # a stale record must not outlive a failed save
    cutoff, sources, folders = result.scanned
    # (Each check of the 10,000 files' stats and names made in C.)
    mtimes = list(map(itemgetter(1), sources))
    if (mtimes and min(mtimes) < 0) or any(f[1] < 0 for f in folders):
        return  # unreadable files or folders: a build reports them again
    if any("\n" in "".join(subs) or "\n" in "".join(names) for _, _, subs, names in folders):
        return  # the record joins names with newlines
    recent = result.recent_sources
    if (
        mtimes
        and max(mtimes) >= cutoff
        and any(mtime >= cutoff and path not in recent for path, mtime, _ in sources)
    ):
        return  # a file too recent to trust its stats, and no hash of its bytes
    try:
        st = os.stat(output / MANIFEST)
    except OSError:
        return
    files = read_manifest(output, copy=False)  # (only read)
    if "\n" in "".join(files):
        return
    stats = {p: (m, s) for p, m, s in sources}
    record = {
        "key": watch.flags.key,
        "cwd": cwd,
        "made": watch.made,
        "epoch": watch.epoch,
        "running": _RUNNING,
        "settings": watch.settings,
        "links": watch.links,
        "watched": watch.watched,
        "libraries": watch.libraries,
        "content": (
            cutoff,
            [
                (
                    folder,
                    mtime,
                    "\n".join(subs),
                    "\n".join(names),
                    [x for n in names for x in stats[below + n]],
                )
                for folder, mtime, subs, names in folders
                # os.path.join(folder, n), as plain strings (10,000 names after every edit)
                for below in [folder if folder.endswith(os.sep) or not folder else folder + os.sep]
            ],
            dict(recent),
        ),
        "output": (
            str(output),
            (st.st_ino, st.st_size, st.st_mtime_ns),
            "\n".join(files),
        ),
        "summary": {
            "articles": result.articles,
            "pages": result.pages,
            "files": len(result.written.written) + result.written.unchanged
            if result.written
            else 0,
            "drafts": drafts_text(config.drafts, result.drafts_skipped),
            # Printed as main prints them (five of a kind, or every one): formatting them here
            # spares the next build importing sitegen.problems (a tenth of a second).
            "problems": len(result.problems),
            "problem_lines": _problem_lines(result.problems),
            "notes": list(result.notes),
            "output": str(output),
        },
    }
    payload = marshal.dumps(record)
    head = (_MAGIC + f"{zlib.crc32(payload):08x} {sys.version}".encode()).replace(b"\n", b" ")
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(head + b"\n")
            f.write(payload)
        os.replace(tmp, path)  # readers see the old record (removed above) or the new one
    except OSError:  # no record: the next build is a normal one
        with suppress(OSError):
            os.unlink(tmp)


def _problem_lines(problems: list[Problem]) -> tuple[list[str], list[str] | None]:
    """The problem lines main prints, without and with --all-problems (None: the same)."""
    from sitegen.problems import format_problems

    short = format_problems(problems, limit_repeats=5)
    every = format_problems(problems, limit_repeats=0)
    return short, (None if every == short else every)


def drafts_text(included: bool, skipped: int) -> str:
    return "drafts included" if included else f"{skipped} draft(s) left out (--drafts to include)"
