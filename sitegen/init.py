"""``sitegen init [DIR]``: a new site with settings, one example digest, a .gitignore and the
GitHub Pages workflow. Files that already exist are kept and reported, never overwritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SKELETON = Path(__file__).resolve().parent / "skeleton"

# skeleton file -> where it goes in the new site (dot names are stored without the dot so
# packaging tools do not drop them)
FILES = {
    "sitegen.toml": "sitegen.toml",
    "content/example-digest.md": "content/example-digest.md",
    "gitignore": ".gitignore",
    "pages.yml": ".github/workflows/pages.yml",
}


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there, left alone


def init_site(target: Path) -> InitReport:
    """Copy the skeleton into ``target``, skipping every file that is already there."""
    report = InitReport()
    for source, dest in FILES.items():
        path = target / dest
        if path.exists() or path.is_symlink():
            report.skipped.append(dest)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as out:  # "x": never replace a file that appeared meanwhile
            out.write((SKELETON / source).read_bytes())
        report.created.append(dest)
    return report
