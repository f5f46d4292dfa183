"""End to end: the installed ``sitegen`` command on a copy of the bundled sample site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from golden import site_files

REPO = Path(__file__).resolve().parent.parent


def sitegen_command() -> str:
    """The console script of this install (the venv's bin first, then PATH)."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("sitegen", path=search)
    assert found, "the sitegen console script is not installed (pip install -e .)"
    return found


def copy_sample_site(to: Path) -> Path:
    shutil.copytree(REPO / "content", to / "content")
    shutil.copy2(REPO / "pyproject.toml", to / "pyproject.toml")
    return to


def sitegen(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [sitegen_command(), *args],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def frontmatters(content: Path) -> list[dict[str, object]]:
    metas = []
    for path in sorted(content.rglob("*.md")):
        front = path.read_text(encoding="utf-8").split("---\n")[1]
        metas.append(yaml.safe_load(front))
    return metas


def test_sample_site_builds_cleanly_and_reproducibly(tmp_path: Path) -> None:
    one = copy_sample_site(tmp_path / "one")
    two = copy_sample_site(tmp_path / "two")
    metas = frontmatters(one / "content")
    drafts = sum(m.get("published") is False for m in metas)
    assert drafts, "the sample site should show a draft being left out"

    first = sitegen(one, "build")
    assert (first.returncode, first.stderr) == (0, ""), first.stderr
    summary, *notes = first.stdout.strip().splitlines()
    assert all(line.startswith("note: ") for line in notes), notes
    assert re.fullmatch(
        rf"built {len(metas) - drafts} article\(s\), \d+ page\(s\) \(\d+ written, "
        rf"0 unchanged, 0 removed\), {drafts} draft\(s\) left out \(--drafts to include\), "
        rf"0 problem\(s\) in [\d.]+ s -> {re.escape(str((one / 'output').resolve()))}",
        summary,
    ), summary

    again = sitegen(one, "build")
    assert again.returncode == 0
    assert "(0 written, " in again.stdout and " 0 removed)" in again.stdout

    other = sitegen(two, "build")
    assert other.returncode == 0
    built_one, built_two = site_files(one / "output"), site_files(two / "output")
    assert built_one == built_two, "two builds of the same input differ"
    assert (one / "output/.sitegen-manifest.json").read_bytes() == (
        two / "output/.sitegen-manifest.json"
    ).read_bytes()

    secrets = [str(m["secured"]) for m in metas if m.get("secured")]
    assert secrets, "the sample site should carry the feed's secured token"
    for rel, data in built_one.items():
        for secret in secrets:
            assert secret.encode() not in data, f"secured token written to {rel}"
            assert secret[:24].encode() not in data, f"part of the secured token in {rel}"


def test_check_on_the_sample_site_reports_nothing_and_writes_nothing(tmp_path: Path) -> None:
    site = copy_sample_site(tmp_path)
    done = sitegen(site, "check", "--strict")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("checked ")
    assert not (site / "output").exists()
