"""Stage 6: put rendered files into the output folder, safely. The only stage that writes.

Safety rules:
- The output folder is touched only after every page has rendered.
- Only changed files are written; only files sitegen wrote before (listed in its manifest)
  are ever replaced or deleted. A user's own file in the way is reported, never overwritten.
- Changes go through a journal: new files are staged inside the output folder, a journal
  naming every move is committed with one atomic rename, then the moves are made. A build
  killed before the commit leaves the old output as it was; one killed after it is rolled
  forward by the next run. Either way the site is never left half old, half new.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sitegen import __version__
from sitegen.model import OutputFile
from sitegen.problems import Problem, problem

MANIFEST = ".sitegen-manifest.json"
JOURNAL = ".sitegen-journal.json"
STAGING = ".sitegen-staging"
_OWN_FILES = {MANIFEST, JOURNAL, STAGING}


class OutputError(Exception):
    """The output folder cannot be used; nothing was written."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
    """A manifest or a committed journal (a first build killed midway) marks our folder; a
    folder holding nothing but an uncommitted staging area is as good as empty."""
    if (output / MANIFEST).is_file() or (output / JOURNAL).is_file():
        return True
    own = _OWN_FILES | {JOURNAL + ".tmp", MANIFEST + ".tmp"}
    return all(p.name in own for p in output.iterdir())


def find_collisions(files: Iterable[OutputFile]) -> list[Problem]:
    """Two sources that render to one path: an error naming both."""
    owner: dict[str, OutputFile] = {}
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


def check_paths(files: Iterable[OutputFile]) -> None:
    """A rendered path must stay inside the output folder and be no name of sitegen's own."""
    for f in files:
        parts = PurePosixPath(f.path).parts
        if (
            not parts
            or f.path.startswith("/")
            or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts)
            or parts[0] in _OWN_FILES
        ):
            raise OutputError(
                f"{f.source}: refusing to write outside the output folder: {f.path!r}"
            )


def write_output(output: Path, files: list[OutputFile]) -> WriteReport:
    """Bring ``output`` in line with ``files``, touching only what changed."""
    check_paths(files)
    output.mkdir(parents=True, exist_ok=True)
    recover(output)
    report = WriteReport()
    old = read_manifest(output)
    new: dict[str, str] = {}
    staged: list[tuple[str, str]] = []
    staging = output / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    for f in files:
        if f.path in new:
            continue  # a collision, reported by find_collisions
        digest = hashlib.blake2b(f.data, digest_size=16).hexdigest()
        target = output / f.path
        if f.path not in old and target.exists():
            report.problems.append(
                problem(
                    target,
                    1,
                    "output",
                    f"was not made by sitegen, so it is kept and "
                    f"{f.source} is not written there; move the file away to publish it",
                    error=True,
                )
            )
            continue
        new[f.path] = digest
        if old.get(f.path) == digest and target.is_file():
            report.unchanged += 1
            continue
        tmp = staging / f"{len(staged)}"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(f.data)
        staged.append((tmp.name, f.path))
        report.written.append(f.path)
    report.deleted = sorted(set(old) - set(new))
    if staged or report.deleted or old != new:
        _commit(output, {"moves": staged, "deletes": report.deleted, "manifest": new})
        recover(output)
    shutil.rmtree(staging, ignore_errors=True)
    return report


def _commit(output: Path, journal: dict[str, object]) -> None:
    tmp = output / (JOURNAL + ".tmp")
    tmp.write_text(json.dumps(journal), encoding="utf-8")
    os.replace(tmp, output / JOURNAL)  # the commit point


def recover(output: Path) -> None:
    """Finish a committed journal (moves are idempotent), or drop an uncommitted one."""
    journal_path = output / JOURNAL
    if not journal_path.is_file():
        (output / (JOURNAL + ".tmp")).unlink(missing_ok=True)
        return
    journal = json.loads(journal_path.read_text(encoding="utf-8"))
    staging = output / STAGING
    for name, rel in journal["moves"]:
        source = staging / name
        if source.exists():
            target = output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for rel in journal["deletes"]:
        target = output / rel
        target.unlink(missing_ok=True)
        _remove_empty_parents(target.parent, output)
    _write_manifest(output, journal["manifest"])
    journal_path.unlink()


def read_manifest(output: Path) -> dict[str, str]:
    try:
        data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_manifest(output: Path, files: dict[str, str]) -> None:
    body = {"generator": f"sitegen {__version__}", "files": dict(sorted(files.items()))}
    tmp = output / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(body, indent=0), encoding="utf-8")
    os.replace(tmp, output / MANIFEST)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()  # only succeeds when empty: a user's file keeps its folder
        except OSError:
            return
        folder = folder.parent
