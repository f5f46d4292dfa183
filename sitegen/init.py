"""``sitegen init [DIR]``: a new site with settings, one example digest, a .gitignore and the
GitHub Pages workflow. Files that already exist are kept and reported, never overwritten."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
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
    source_known: bool = True  # False: requirements.txt needs the sitegen repository's URL


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
    spec = install_spec()
    report.source_known = spec is not None
    requirements = target / "requirements.txt"
    if requirements.exists() or requirements.is_symlink():
        report.skipped.append("requirements.txt")
    else:
        with requirements.open("x", encoding="utf-8") as out:
            out.write(_REQUIREMENTS.format(spec=spec or _UNKNOWN_SPEC))
        report.created.append("requirements.txt")
    return report


_REQUIREMENTS = """\
# What the GitHub Pages workflow installs to build this site. sitegen is installed from its
# git repository: the package index's "sitegen" is an unrelated project.
{spec}
"""
_UNKNOWN_SPEC = "sitegen[search] @ git+https://github.com/OWNER/sitegen.git"


def install_spec() -> str | None:
    """A pip requirement for the sitegen that is running: its git repository and commit, taken
    from how it was installed (PEP 610 direct_url.json) or from the checkout it runs from."""
    try:
        info = json.loads(metadata.distribution("sitegen").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        info = {}
    url, commit = str(info.get("url", "")), str(info.get("vcs_info", {}).get("commit_id", ""))
    if not (url.startswith("https://") and commit):
        checkout = Path(url.removeprefix("file://")) if url.startswith("file://") else SKELETON
        url, commit = (
            _git(checkout, "remote", "get-url", "origin"),
            _git(checkout, "rev-parse", "HEAD"),
        )
        if url.startswith("git@") and ":" in url:  # git@github.com:owner/repo.git
            host, path = url.removeprefix("git@").split(":", 1)
            url = f"https://{host}/{path}"
    if not (url.startswith("https://") and commit):
        return None
    return f"sitegen[search] @ git+{url}@{commit}"


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder if folder.is_dir() else folder.parent), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
