"""Stage 6: put rendered files into the output folder, safely. The only stage that writes.

Safety rules:
- Nothing in the output folder changes until every page has rendered: pages are staged as
  they come (a large site does not fit in memory), and a failed build removes the staging.
- Only changed files are written; only files sitegen wrote before (listed in its manifest)
  are ever replaced or deleted. A user's own file in the way is reported, never overwritten.
- Changes go through a journal: new files are staged inside the output folder, a journal
  naming every move is committed with one atomic rename, then the moves are made. A build
  killed before the commit leaves the old output as it was; one killed after it is rolled
  forward by the next run. Either way the site is never left half old, half new.
- A file bound for a folder the output does not have yet is staged in a copy of its folder
  tree, and that tree's top folder is moved in one rename: a first build makes 12,000
  folders once (in the staging) and renames a few, not each file.
"""

from __future__ import annotations

import json
import operator
import os
import re
import shutil
import stat
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Protocol

from sitegen import __version__
from sitegen.digests import file_digest, has_digest
from sitegen.model import OutputFile, OutputPath
from sitegen.problems import Problem, problem
from sitegen.slugs import RESERVED_NAMES, name_problem

MANIFEST = ".sitegen-manifest.json"
JOURNAL = ".sitegen-journal.json"
STAGING = ".sitegen-staging"
# In the staging folder: new folder trees, each moved into the output in one rename.
_TREE = "tree"
# Everything sitegen keeps in the output folder besides the site: never a page's name.
_OWN_FILES = {MANIFEST, JOURNAL, STAGING, MANIFEST + ".tmp", JOURNAL + ".tmp"}
# Hidden names a site may publish (theme or build files only: slugs never start with a dot).
PUBLIC_DOTFILES = frozenset({".nojekyll", ".well-known"})


class OutputError(Exception):
    """The output folder cannot be used; nothing was written."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # the new manifest: path -> hash


def check_output_dir(output: Path, protected: dict[str, Path]) -> None:
    """Refuse an output folder that holds or is one of the site's own folders, or that is
    not empty and was not made by sitegen."""
    output = output.resolve()
    folders = {name: folder.resolve() for name, folder in protected.items()}
    held = [name for name, folder in folders.items() if output in (folder, *folder.parents)]
    if held:
        # Name the folder itself when output is one, else the outermost one it would hold.
        exact = [name for name in held if folders[name] == output]
        name = exact[0] if exact else min(held, key=lambda n: len(folders[n].parts))
        raise OutputError(
            f"{output}: refusing to use the {name} as output folder (it would hold or "
            "overwrite it); set output_dir to a folder of its own, e.g. 'output'"
        )
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output}: the output path exists and is not a folder")
    if output.is_dir() and not _made_by_sitegen(output):
        raise OutputError(
            f"{output}: the output folder is not empty and was not made by sitegen; "
            "choose an empty or new folder (sitegen never deletes files it did not write)"
        )


def _made_by_sitegen(output: Path) -> bool:
    """Has a manifest or a journal, or holds nothing but what a first build killed before
    its commit leaves behind (the staging folder)."""
    if (output / MANIFEST).is_file() or (output / JOURNAL).is_file():
        return True
    return all(entry.name in _OWN_FILES for entry in output.iterdir())


class _Placed(Protocol):
    """Anything bound for an output path: a rendered OutputFile or a page still to render."""

    @property
    def path(self) -> str: ...
    @property
    def source(self) -> str: ...


def find_collisions(files: Iterable[_Placed]) -> list[Problem]:
    """Two sources that render to one path: an error naming both."""
    owner: dict[str, _Placed] = {}
    found = []
    for f in files:
        key = f.path.casefold()  # case-insensitive file systems would merge these
        if key in owner:
            found.append(
                problem(
                    f.source,
                    1,
                    "output",
                    f'"{f.path}" is also produced by '
                    f"{owner[key].source}; only the first is written",
                    error=True,
                )
            )
        else:
            owner[key] = f
    return found


# Paths already found plain in this process: a build checks every path of the site up to
# four times (rendered files, journal, manifest read before and after the commit).
_PLAIN_PATHS: set[str] = set()


def path_problem(path: str) -> str:
    """Why ``path`` cannot be written below the output folder, or "" when it can."""
    if path in _PLAIN_PATHS:
        return ""
    why = _path_problem(path)
    if not why and len(_PLAIN_PATHS) < 1_000_000:
        _PLAIN_PATHS.add(path)
    return why


# Paths every page has: lower-case slugs and file names, none a Windows device name and none
# longer than MAX_NAME_BYTES. Such a path passes every check of _path_problem; one regex
# match is far cheaper than checking its parts (12,000 paths, read twice a build).
_DEVICE = "|".join(sorted(re.escape(n) for n in RESERVED_NAMES if re.fullmatch("[a-z0-9]+", n)))
_NAME = rf"(?!(?:{_DEVICE})(?:\.|/|$))[a-z0-9][a-z0-9_-]{{0,127}}(?:\.[a-z0-9_-]{{1,32}})?"
_PLAIN_PATH = re.compile(rf"{_NAME}(?:/{_NAME})*")


def _path_problem(path: str) -> str:
    if _PLAIN_PATH.fullmatch(path):
        return ""
    if not path or path.startswith("/"):
        return "is empty or absolute"
    parts = path.split("/")
    if parts[0] in _OWN_FILES:
        return "is one of sitegen's own files"
    for part in parts:
        if part in PUBLIC_DOTFILES:
            continue
        why = name_problem(part)
        if why:
            return f"has a part {part[:40]!r} that {why}"
    return ""


def check_paths(files: Iterable[OutputFile]) -> None:
    """A rendered path must stay inside the output folder, be a plain portable name, and
    not be one of sitegen's own files."""
    for f in files:
        why = path_problem(f.path)
        if why:
            raise OutputError(f"{f.source}: refusing to write {f.path[:200]!r}: it {why}")


def write_output(
    output: Path, files: list[OutputFile], kept: Mapping[str, str] | None = None
) -> WriteReport:
    """Bring ``output`` in line with ``files``, touching only what changed.

    ``kept`` names files that are part of the site but were not rendered again, because the
    build cache showed they are unchanged: path -> the hash the manifest holds for them."""
    check_paths(files)
    with StagedOutput(output, kept) as staged:
        staged.add(files)
        return staged.commit()


class StagedOutput:
    """``write_output`` in steps, for a site too large to hold in memory: files are staged
    as they come (``add``, any number of times), and ``commit`` puts them all in place in
    one step. Until then the site is as it was; leaving the ``with`` block without a commit
    (an error) removes what was staged. Only changed files are written to disk at all."""

    def __init__(self, output: Path, kept: Mapping[str, str] | None = None) -> None:
        self.output = output
        self.kept = kept or {}
        self.report = WriteReport()
        self.made: dict[str, tuple[str, int]] = {}  # path -> (hash, bytes) of every file added
        self.bytes = 0  # of every file added
        self._created = False
        self._done = False
        self._new: dict[str, str] = {}
        self._seen: set[str] = set()
        self._staged: list[tuple[str, str]] = []  # (name in the staging, path)
        self._tree: set[str] = set()  # paths staged in the staging's tree
        self._tops: dict[str, None] = {}  # the tree's top folders, each one move
        self._tree_folders: set[str] = set()  # folders made in the staging's tree
        self._old: dict[str, str] = {}
        # A commit whose files are in place but whose manifest is not written yet (finish).
        self._unfinished: dict[str, str] | None = None

    def __enter__(self) -> StagedOutput:
        output, report = self.output, self.report
        self._created = not output.exists()
        output.mkdir(parents=True, exist_ok=True)
        try:
            report.problems.extend(recover(output))
            self._old = read_manifest(output)
            self._staging = output / STAGING
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging.mkdir()
        except BaseException:
            self._abort()
            raise
        self._stage_dir = str(self._staging)
        self._tree_dir = f"{self._stage_dir}/{_TREE}"
        self._blocked = _Blocked(output)
        # The kept files the manifest has with the same digest, in C (12,800 files, after
        # every edit in serve).
        kept = self.kept
        same = list(map(operator.eq, map(self._old.get, kept), kept.values()))
        paths = list(compress(kept, same))
        self._new.update(zip(paths, compress(kept.values(), same), strict=True))
        self._seen.update(map(str.casefold, paths))
        report.unchanged += len(paths)
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self._done:
            self._abort()
        elif self._unfinished is not None:
            # (What cannot be done here is done by the next build's recover: the journal
            # is there until it is.)
            with suppress(OSError):
                self.finish()

    def add(self, files: Iterable[OutputFile], digests: Iterable[str] | None = None) -> None:
        """Stage the changed ones of ``files``; a path seen before keeps its first file.
        ``digests``: each file's ``file_digest``, when the caller has them already (render
        workers make them, sparing this process the hashing)."""
        old, new, report = self._old, self._new, self.report
        hashes = iter(digests) if digests is not None else None
        for f in files:
            digest = next(hashes) if hashes is not None else _digest(f.data)
            why = path_problem(f.path)
            if why:
                raise OutputError(f"{f.source}: refusing to write {f.path[:200]!r}: it {why}")
            key = f.path.casefold()
            if key in self._seen:
                continue  # a collision, reported by find_collisions
            self._seen.add(key)
            self.made[f.path] = (digest, len(f.data))
            self.bytes += len(f.data)
            why, is_file, top = self._blocked.why(f.path, owned=f.path in old)
            if why:
                report.problems.append(
                    problem(
                        self.output / f.path,
                        1,
                        "output",
                        f"{why}, so it is kept and {f.source} is not written there; "
                        "move the file away to publish it",
                        error=True,
                    )
                )
                continue
            new[f.path] = digest
            if is_file and old.get(f.path) == digest:
                report.unchanged += 1
                continue
            if top:
                self._stage_folder(f.path.rpartition("/")[0])
                _write_new(f"{self._tree_dir}/{f.path}", f.data)
                self._tree.add(f.path)
                self._tops[top] = None
            else:
                name = str(len(self._staged))
                _write_new(f"{self._stage_dir}/{name}", f.data)
                self._staged.append((name, f.path))
            report.written.append(f.path)

    def _stage_folder(self, folder: str) -> None:
        """Make ``folder`` (and its parents) in the staging's tree, once."""
        if folder in self._tree_folders:
            return
        if folder:
            self._stage_folder(folder.rpartition("/")[0])
        os.mkdir(f"{self._tree_dir}/{folder}" if folder else self._tree_dir)
        self._tree_folders.add(folder)

    def site_files(self) -> Iterator[OutputFile]:
        """Every file of the new site so far, read back one at a time (for the search index):
        the staged ones from the staging folder, the unchanged ones from the output."""
        staged = {path: f"{self._stage_dir}/{name}" for name, path in self._staged}
        for path in self._new:
            where = staged.get(path)
            if where is None:
                root = self._tree_dir if path in self._tree else self.output
                where = f"{root}/{path}"
            with open(where, "rb") as f:
                yield OutputFile(OutputPath(path), f.read(), "output")

    def commit(self, *, keep_others: bool = False, finish: bool = True) -> WriteReport:
        """Put every staged file in place and delete the last build's stale files.
        ``keep_others``: the last build's files not added are kept as they are, not deleted
        (serve puts the rest of the site in place in a second step); the report's
        ``digests`` then are only the files added or kept by the caller. ``finish=False``:
        the new manifest is written (and the journal removed) by ``finish``, once the
        caller has used the files in place (serve's tabs reload first); until then the
        journal stays, so a build killed in between is rolled forward by the next one."""
        output, report = self.output, self.report
        try:
            # (A file in the way of a new one was not written: see add.)
            report.digests = self._new
            if keep_others:
                # The manifest keeps every entry and changes only those of written files
                # (kept ones have the manifest's digest, see __enter__; unchanged files
                # added were not written): found without going through the 12,800 others,
                # before serve's tabs reload.
                deletes: list[str] = []
                old, new = self._old, self._new
                differs = map(
                    operator.ne, map(old.get, report.written), map(new.get, report.written)
                )
                changes: dict[str, object] = {
                    "set": {p: new[p] for p in compress(report.written, differs)},
                    "unset": [],
                }
                changed = bool(self._staged or self._tops or changes["set"])
            else:
                deletes = _stale(output, self._old, self._new, report)
                changed = bool(self._staged or self._tops or deletes or self._old != self._new)
                # What changes in the manifest, not all of it (12,000 entries written, read
                # and checked again after every edit)
                changes = _manifest_changes(self._old, self._new) if changed else {}
            if changed:
                journal = {
                    "moves": self._staged,
                    "folders": list(self._tops),
                    "deletes": deletes,
                    "changes": changes,
                }
                _commit(output, journal)
        except BaseException:
            self._abort()
            raise
        self._done = True
        if changed and not finish:
            problems, self._unfinished = _roll_forward(output)
            report.problems.extend(problems)
            return report  # (the staging is removed by finish)
        if changed:
            report.problems.extend(recover(output))
        else:
            # Every file the manifest lists was checked by this build: kept ones by the
            # caller (StagedOutput's ``kept``), the others by ``add``.
            global _wrote_manifest
            _wrote_manifest = _manifest_stat(output / MANIFEST)
        shutil.rmtree(self._staging, ignore_errors=True)
        return report

    def finish(self) -> None:
        """Write the manifest of a commit made with ``finish=False``, then remove its
        journal and the staging."""
        manifest, self._unfinished = self._unfinished, None
        if manifest is not None:
            _finish_journal(self.output, manifest)
            shutil.rmtree(self._staging, ignore_errors=True)

    def _abort(self) -> None:
        # Not committed: the site is untouched; take our scratch files away too.
        self._done = True
        shutil.rmtree(self.output / STAGING, ignore_errors=True)
        (self.output / (JOURNAL + ".tmp")).unlink(missing_ok=True)
        if self._created:
            _remove_empty_parents(self.output, self.output.parent)


def _write_new(path: str, data: bytes) -> None:
    """Create ``path`` holding ``data``: three system calls, where open() makes six."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# The manifest's hash of a file's bytes (sitegen/digests.py).
_digest = file_digest


class _Blocked:
    """Finds what stands in the way of writing a path: a file sitegen did not write, or a
    folder on the way that is a file or a link (which could lead outside the output).
    One ``lstat`` per file and per folder, none below a folder that is not there: a build
    checks every file of the site."""

    def __init__(self, output: Path) -> None:
        self.root = str(output)
        self.folders: dict[str, str] = {}  # folder -> why it cannot be written into
        self.absent: set[str] = set()  # folders not in the output

    def why(self, rel: str, *, owned: bool) -> tuple[str, bool, str]:
        """Why ``rel`` cannot be written ("" when it can), whether a file is there, and the
        outermost folder on its way that the output does not have ("" if none)."""
        end = rel.find("/")
        while end != -1:
            folder = rel[:end]
            if folder in self.absent:
                return "", False, folder  # nothing can be in the way below it
            why = self.folders.get(folder)
            if why is None:
                why = self.folders[folder] = self._folder_problem(folder)
                if folder in self.absent:
                    return "", False, folder
            if why:
                return why, False, ""
            end = rel.find("/", end + 1)
        mode = _lstat_mode(f"{self.root}/{rel}")
        if mode is None:
            return "", False, ""
        if not stat.S_ISREG(mode):
            return "is a folder or a link, not a file sitegen wrote", False, ""
        if not owned:
            return "was not made by sitegen", True, ""
        return "", True, ""

    def _folder_problem(self, folder: str) -> str:
        mode = _lstat_mode(f"{self.root}/{folder}")
        name = folder.rpartition("/")[2]
        if mode is None:
            self.absent.add(folder)
            return ""
        if stat.S_ISDIR(mode):
            return ""
        if stat.S_ISLNK(mode):
            return f"{name}/ is a link to elsewhere"
        return f"{name} is a file where a folder is needed"


def _lstat_mode(path: str) -> int | None:
    """The file type and mode of ``path`` itself (a link is not followed); None if absent."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def _stale(
    output: Path, old: dict[str, str], new: dict[str, str], report: WriteReport
) -> list[str]:
    """Files of the last build that this one does not make, unless they were changed since."""
    deletes = []
    for rel in sorted(set(old) - set(new)):
        target = output / rel
        if not os.path.lexists(target):
            continue
        if (
            target.is_symlink()
            or not target.is_file()
            or not has_digest(target.read_bytes(), old[rel])
        ):
            report.problems.append(
                problem(
                    target,
                    1,
                    "output",
                    "was changed since sitegen wrote it, so it is kept although the site "
                    "no longer has this page",
                )
            )
            continue
        deletes.append(rel)
    report.deleted = deletes
    return deletes


def _manifest_changes(old: dict[str, str], new: dict[str, str]) -> dict[str, object]:
    """The entries to set and to remove to make the manifest ``old`` into ``new``."""
    # (Compared in C, without sets of 12,800 pairs: after every edit, in serve.)
    changed = compress(new.items(), map(operator.ne, map(old.get, new), new.values()))
    return {"set": dict(changed), "unset": sorted(old.keys() - new.keys())}


def _commit(output: Path, journal: dict[str, object]) -> None:
    tmp = output / (JOURNAL + ".tmp")
    tmp.write_text(json.dumps(journal), encoding="utf-8")
    os.replace(tmp, output / JOURNAL)  # the commit point


def recover(output: Path) -> list[Problem]:
    """Finish a committed journal, or drop an uncommitted one. Safe to run any number of
    times, and after a kill at any point of itself: deletes and moves are idempotent and the
    journal goes last. Returns what could not be done (those files are left out of the
    manifest, so the next build writes them again)."""
    problems, manifest = _roll_forward(output)
    if manifest is not None:
        _finish_journal(output, manifest)
    return problems


def _finish_journal(output: Path, manifest: dict[str, str]) -> None:
    """The last step of a journal rolled forward: the new manifest, then no journal."""
    _write_manifest(output, manifest)
    (output / JOURNAL).unlink()


def _roll_forward(output: Path) -> tuple[list[Problem], dict[str, str] | None]:
    """recover's deletes and moves, and the manifest they make (None: no journal, or one
    not committed, dropped); the journal stays until _finish_journal."""
    journal_path = output / JOURNAL
    if not journal_path.is_file():
        (output / (JOURNAL + ".tmp")).unlink(missing_ok=True)
        return [], None
    moves, folders, deletes, manifest = _read_journal(journal_path, output)
    problems: list[Problem] = []
    # Deletes first: a stale file may stand where a new page needs a folder.
    for rel in deletes:
        target = output / rel
        try:
            if os.path.lexists(target) and not target.is_dir():
                target.unlink()
        except OSError as exc:
            problems.append(problem(target, 1, "output", f"could not be removed ({exc})"))
        _remove_empty_parents(target.parent, output)
    staging = f"{output}/{STAGING}"
    made: set[str] = set()  # folders known to be there
    for name, rel in moves:
        _place(f"{staging}/{name}", output, rel, manifest, problems, made)
    for rel in folders:
        _place_folder(f"{staging}/{_TREE}", output, rel, manifest, problems, made)
    return problems, manifest


def _place(
    source: str,
    output: Path,
    rel: str,
    manifest: dict[str, str],
    problems: list[Problem],
    made: set[str],
) -> None:
    """Move one staged file to ``rel``; what cannot be done is a problem."""
    target = f"{output}/{rel}"
    try:
        _move(source, target, made)
    except FileNotFoundError:
        # Moved already (by the run that was killed), or gone: keep the file in place
        # only if it is the one the journal names.
        try:
            if not os.path.isfile(target) or not has_digest(_read(target), manifest.get(rel, "")):
                raise FileNotFoundError(f"the staged copy of {rel} is gone") from None
        except OSError as exc:
            _keep_owned(Path(target), rel, manifest, problems, exc)
    except OSError as exc:
        _keep_owned(Path(target), rel, manifest, problems, exc)


def _place_folder(
    tree: str,
    output: Path,
    rel: str,
    manifest: dict[str, str],
    problems: list[Problem],
    made: set[str],
) -> None:
    """Move a staged folder tree to ``rel`` in one rename; when that cannot be done (say a
    folder is there now), its files one by one."""
    source, target = f"{tree}/{rel}", f"{output}/{rel}"
    try:
        _move(source, target, made)
        return
    except FileNotFoundError:
        if not os.path.lexists(source) and os.path.isdir(target):
            return  # moved by the run that was killed (a rename moves all or nothing)
    except OSError:
        pass
    below = [p for p in manifest if p.startswith(f"{rel}/")]
    for path in below:
        _place(f"{tree}/{path}", output, path, manifest, problems, made)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _move(source: str, target: str, made: set[str]) -> None:
    """Move a staged file into place, making its folder first when it is not there yet
    (FileNotFoundError: the staged file is gone)."""
    folder = target.rpartition("/")[0]
    if folder not in made:
        if not os.path.lexists(source):
            raise FileNotFoundError(source)
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    os.replace(source, target)


def _keep_owned(
    target: Path, rel: str, manifest: dict[str, str], problems: list[Problem], exc: OSError
) -> None:
    """Keep owning what is there (the last build's copy), under its real digest, so the next
    build replaces it instead of taking it for a user's file."""
    if target.is_file() and not target.is_symlink():
        manifest[rel] = _digest(target.read_bytes())
    else:
        manifest.pop(rel, None)
    problems.append(problem(target, 1, "output", f"could not be written ({exc})"))


def _read_journal(
    path: Path, output: Path
) -> tuple[list[tuple[str, str]], list[str], list[str], dict[str, str]]:
    """The journal's moves, folders, deletes and the manifest it makes: the whole of it
    (an older sitegen's journal) or the last manifest with the journal's changes (applying
    them again, after a kill once the new manifest was written, gives the same)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        moves = [(str(name), str(rel)) for name, rel in data["moves"]]
        folders = [str(rel) for rel in data.get("folders", [])]
        deletes = [str(rel) for rel in data["deletes"]]
        if "manifest" in data:
            changed = {str(k): str(v) for k, v in data["manifest"].items()}
            unset: list[str] = []
        else:
            changed = {str(k): str(v) for k, v in data["changes"]["set"].items()}
            unset = [str(rel) for rel in data["changes"]["unset"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise OutputError(
            f"{path}: the journal of an interrupted build cannot be read ({exc}); "
            "delete it and rebuild"
        ) from exc
    names = [rel for _, rel in moves] + folders + deletes + list(changed) + unset
    bad = next((rel for rel in names if path_problem(rel)), None)
    if bad is not None or any(not name.isdigit() for name, _ in moves):
        raise OutputError(f"{path}: the journal names a path outside the site: {bad!r}")
    if "manifest" in data:
        return moves, folders, deletes, changed
    manifest = read_manifest(output)  # (checked as it is read)
    for rel in unset:
        manifest.pop(rel, None)
    manifest.update(changed)
    return moves, folders, deletes, manifest


# The manifest last read or written, under its file's stat: a build reads it twice, and
# `sitegen serve` after every edit (checking 12,000 paths again costs a second).
_known_manifest: tuple[tuple[str, int, int, int, int], dict[str, str]] | None = None
# The stat of the manifest this process wrote last (see wrote_manifest).
_wrote_manifest: tuple[str, int, int, int, int] | None = None


def _manifest_stat(path: Path) -> tuple[str, int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.absolute()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def manifest_stat(output: Path) -> tuple[str, int, int, int, int] | None:
    """The output manifest's path, inode, size, mtime and ctime: a file with these is the
    one that had them (an edit, a copy or a replacement changes its ctime or inode)."""
    return _manifest_stat(output / MANIFEST)


def read_manifest(
    output: Path, *, copy: bool = True, wrote: tuple[str, int, int, int, int] | None = None
) -> dict[str, str]:
    """What sitegen wrote last time: path -> digest. Entries that are not plain paths inside
    the output folder are ignored, so an edited manifest cannot make sitegen delete them.
    ``copy=False``: the caller only reads it (no copy of a manifest known already).
    ``wrote``: the manifest_stat of the manifest a build wrote (its entries are plain paths:
    while it is that file, they are not checked again, 12,800 after every edit)."""
    global _known_manifest
    path = output / MANIFEST
    seen = _manifest_stat(path)
    if seen is not None and _known_manifest is not None and _known_manifest[0] == seen:
        return dict(_known_manifest[1]) if copy else _known_manifest[1]
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    if seen is not None and seen == wrote and seen == _manifest_stat(path):
        found = files  # (json's: str keys; sitegen writes str digests)
        _note_lines(text, found)
    else:
        found = {str(k): str(v) for k, v in files.items() if not path_problem(str(k))}
    if seen is not None and seen == _manifest_stat(path):  # not replaced while read
        _known_manifest = (seen, dict(found))
    return found


def wrote_manifest(output: Path) -> bool:
    """Is the manifest in ``output`` the one this process wrote last (same file, untouched)?
    Then every file it lists was put in place by this process (``serve``'s last rebuild)."""
    seen = _manifest_stat(output / MANIFEST)
    return seen is not None and _wrote_manifest == seen


# The last manifest made into text: its entries, their paths sorted, each entry's line.
_last_text: tuple[dict[str, str], list[str], dict[str, str]] | None = None


def _manifest_head() -> str:
    quote = json.encoder.encode_basestring_ascii
    return f'{{\n"generator": {quote(f"sitegen {__version__}")},\n"files": {{'


def _note_lines(text: str, files: dict[str, str]) -> None:
    """Keep the lines of a manifest a build wrote (``text``, whose entries are ``files``)
    for manifest_text to patch, as if this process had made it (a new process made 12,800
    lines again after every edit)."""
    global _last_text
    head, tail = _manifest_head() + "\n", "\n}\n}"
    if _last_text is not None or not files or not text.startswith(head):
        return
    lines = text[len(head) : -len(tail)].split(",\n")
    if len(lines) == len(files) and text.endswith(tail):
        keys = list(files)  # (sorted: as manifest_text writes them)
        _last_text = (dict(files), keys, dict(zip(keys, lines, strict=True)))


def manifest_text(files: Mapping[str, str]) -> str:
    """The manifest as ``json.dumps(..., indent=0)`` writes it (one entry a line), made
    with the C string encoder: the indenting encoder is pure Python and slow at 10,000s.
    With the same paths as the last one of this process (serve), only the lines of entries
    that changed are made again."""
    global _last_text
    quote = json.encoder.encode_basestring_ascii
    last = _last_text[0] if _last_text is not None else {}
    gone, came = last.keys() - files.keys(), files.keys() - last.keys()
    if _last_text is not None and len(gone) + len(came) <= 256:
        _, keys, lines = _last_text
        for k in gone:
            del keys[bisect_left(keys, k)], lines[k]
        for k in came:
            insort(keys, k)
        changed = map(operator.ne, map(last.get, files), files.values())
        for k, v in compress(files.items(), changed):
            lines[k] = f"{quote(k)}: {quote(v)}"
    else:
        keys = sorted(files)
        lines = {k: f"{quote(k)}: {quote(files[k])}" for k in keys}
    _last_text = (dict(files), keys, lines)
    entries = ",\n".join(map(lines.__getitem__, keys))
    head = _manifest_head()
    return f"{head}\n{entries}\n}}\n}}" if files else f"{head}}}\n}}"


def _write_manifest(output: Path, files: dict[str, str]) -> None:
    tmp = output / (MANIFEST + ".tmp")
    global _known_manifest
    global _wrote_manifest
    _known_manifest = _wrote_manifest = None  # until the new one is in place
    tmp.write_text(manifest_text(files), encoding="utf-8")
    os.replace(tmp, output / MANIFEST)
    written = _manifest_stat(output / MANIFEST)
    # As read_manifest would find it (sitegen writes only plain paths).
    _known_manifest = None if written is None else (written, dict(files))
    _wrote_manifest = written


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()  # only succeeds when empty: a user's file keeps its folder
        except OSError:
            return
        folder = folder.parent
