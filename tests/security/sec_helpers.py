"""Helpers for the security tests: build a site from a dict of files, read an output tree."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from sitegen.build import BuildResult, build
from sitegen.config import SiteConfig, load_config

REPO = Path(__file__).resolve().parents[2]


def digest_file(meta: dict[str, Any], body: str = "") -> str:
    """A content file for ``meta``; any string survives YAML quoting exactly."""
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def site_config(root: Path, **settings: Any) -> SiteConfig:
    """Settings for a site in ``root`` (content/, output/), with ``settings`` applied."""
    values: dict[str, Any] = {"content_dir": "content", "output_dir": "output"}
    values.update(settings)
    lines = [f"{k} = {_toml(v)}" for k, v in values.items()]
    root.mkdir(parents=True, exist_ok=True)
    (root / "sitegen.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(root)


def sample_config(output: Path) -> SiteConfig:
    """The bundled sample site's settings, writing to ``output``."""
    return load_config(REPO, None, {"output_dir": str(output)})


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_site(config: SiteConfig) -> BuildResult:
    return build(config, log=lambda _line: None)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``: POSIX relative path -> bytes (links are listed, not read)."""
    found: dict[str, bytes] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for rel, data in snapshot(folder).items():
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()
