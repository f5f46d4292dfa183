"""``sitegen theme export``: copy the built-in theme into a site's templates folder.

A site overrides the theme file by file, so it only needs the files it changes; exporting gives
full control in one step. Existing files are never overwritten: a second export only adds the
files a newer sitegen brought. (This is a one-off command on the site's own sources, not a build
stage, so it writes here rather than through write.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitegen.render import builtin_theme_dir


class ThemeError(Exception):
    """The export cannot run (for example, the target is the built-in theme itself)."""


@dataclass(frozen=True)
class ExportReport:
    target: Path
    copied: tuple[str, ...]  # POSIX paths relative to target
    kept: tuple[str, ...]  # already there, left untouched


def theme_files(theme: Path) -> list[str]:
    """The theme's files as sorted relative POSIX paths, hidden files and caches left out."""
    found = []
    for path in theme.rglob("*"):
        rel = path.relative_to(theme).as_posix()
        if path.is_file() and not any(p.startswith((".", "__")) for p in rel.split("/")):
            found.append(rel)
    return sorted(found)


def export_theme(target: Path, theme: Path | None = None) -> ExportReport:
    """Copy every file of ``theme`` (default: the built-in one) into ``target``, keeping any
    file that already exists there."""
    source = (theme or builtin_theme_dir()).resolve()
    target = target.resolve()
    if target == source or source in target.parents:
        raise ThemeError(f"{target}: this is the built-in theme itself; choose a site folder")
    if target.exists() and not target.is_dir():
        raise ThemeError(f"{target}: exists and is not a folder")
    copied, kept = [], []
    for rel in theme_files(source):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            with destination.open("xb") as out:  # "x": fails rather than overwrite
                out.write((source / rel).read_bytes())
        except FileExistsError:
            kept.append(rel)
            continue
        copied.append(rel)
    return ExportReport(target, tuple(copied), tuple(kept))
