"""Site search with Pagefind: a build step that indexes the rendered pages.

The pages are copied to a temporary folder, Pagefind indexes them there, and its bundle comes
back as OutputFiles under ``pagefind/`` for the write stage: the search files are in the
manifest like every other file, and the output folder still changes in one step.
Only regions marked ``data-pagefind-body`` (the article pages) are indexed.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.model import OutputFile, OutputPath
from sitegen.problems import Problem, problem

BUNDLE_DIR = "pagefind"
TIMEOUT_SECONDS = 600


def pagefind_executable() -> Path | None:
    """The Pagefind binary of the ``pagefind-bin`` package, or None when not installed."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    try:
        return Path(get_executable())
    except (FileNotFoundError, OSError):
        return None


def resolve_search(config: SiteConfig) -> tuple[SiteConfig, list[Problem]]:
    """Turn search off, with one warning, when it is on but Pagefind is missing, so the
    theme shows no search page that could not work."""
    if not config.search or pagefind_executable() is not None:
        return config, []
    warning = problem(
        "search",
        1,
        "search",
        "Pagefind is not installed, so the site has no search; install sitegen with its "
        "'search' extra (pip install -e '.[search]' in a sitegen checkout, or pip install "
        "pagefind-bin) or build with --no-search",
    )
    return replace(config, search=False), [warning]


def search_files(
    files: Iterable[OutputFile], executable: Path | None = None
) -> tuple[list[OutputFile], list[Problem]]:
    """Pagefind's index and UI for the HTML pages in ``files``, as files under pagefind/."""
    executable = executable or pagefind_executable()
    if executable is None:
        return [], []
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        site, bundle = Path(tmp) / "site", Path(tmp) / "bundle"
        for f in files:
            if f.path.endswith(".html"):
                target = site / f.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.data)
        command = [str(executable), "--site", str(site), "--output-path", str(bundle)]
        try:
            run = subprocess.run(
                [*command, "--silent"],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [], [_failed(str(exc))]
        if run.returncode != 0 or not bundle.is_dir():
            return [], [_failed((run.stderr or run.stdout).strip() or f"exit {run.returncode}")]
        found = {
            path.relative_to(bundle).as_posix(): path.read_bytes()
            for path in sorted(bundle.rglob("*"))
            if path.is_file()
        }
    return [
        OutputFile(OutputPath(f"{BUNDLE_DIR}/{rel}"), data, "search index")
        for rel, data in sorted(stable_bundle(found).items())
    ], []


# -- reproducible output -----------------------------------------------------------------
# Pagefind writes each filter's values in hash-map order, which changes from run to run, and
# names files by a hash of their content. To keep two builds byte-identical, the values of
# each filter file are sorted, the file renamed by a hash of the result, and the two files
# that name it (the language's .pf_meta, then pagefind-entry.json) updated and renamed too.

_MAGIC = b"pagefind_dcd"


def stable_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle (path -> bytes) with its filter files in a stable order."""
    try:
        return _stable_bundle(files)
    except (ValueError, IndexError, OSError, EOFError):
        return files  # a layout this does not know: still a working index, if not stable


def _stable_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(files)
    renamed: dict[str, str] = {}  # old hash name -> new, e.g. "en_1cd22c4" -> "en_5f0e2a1"
    for rel, data in files.items():
        if rel.startswith("filter/") and rel.endswith(".pf_filter"):
            old = rel.removeprefix("filter/").removesuffix(".pf_filter")
            body = _sorted_filter(gzip.decompress(data))
            new = _hash_name(old, body)
            del out[rel]
            out[f"filter/{new}.pf_filter"] = _gzip(body)
            renamed[old] = new
    if not renamed:
        return out
    entry = out.get("pagefind-entry.json", b"").decode("utf-8")
    for rel, data in files.items():
        if rel.startswith("pagefind.") and rel.endswith(".pf_meta"):
            old = rel.removeprefix("pagefind.").removesuffix(".pf_meta")
            body = gzip.decompress(data)
            for before, after in renamed.items():  # same length, so the CBOR stays valid
                body = body.replace(before.encode(), after.encode())
            body = _sorted_meta(body)
            new = _hash_name(old, body)
            del out[rel]
            out[f"pagefind.{new}.pf_meta"] = _gzip(body)
            entry = entry.replace(f'"{old}"', f'"{new}"')
    out["pagefind-entry.json"] = entry.encode("utf-8")
    return out


def _hash_name(old: str, body: bytes) -> str:
    """A name like Pagefind's ("en_" and as many hex digits), from a hash of ``body``."""
    language, _, digits = old.rpartition("_")
    return f"{language}_{hashlib.sha256(body).hexdigest()[: len(digits)]}"


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _sorted_filter(body: bytes) -> bytes:
    """A filter file, ``[name, [[value, [page, ...]], ...]]`` in CBOR, values sorted."""
    return _sort_items(body, 1)


def _sorted_meta(body: bytes) -> bytes:
    """A language's meta file, ``[version, pages, chunks, [[filter, file], ...], ...]`` in
    CBOR, filters sorted by name."""
    return _sort_items(body, 3)


def _sort_items(body: bytes, index: int) -> bytes:
    """``body`` (magic, then a CBOR array) with the elements of its ``index``-th item, an
    array, sorted. Their order carries no meaning; sorted, it no longer varies."""
    if not body.startswith(_MAGIC):
        raise ValueError("not a Pagefind file")
    count, pos = _cbor_head(body, len(_MAGIC), 4)
    if count <= index:
        raise ValueError("unexpected Pagefind file layout")
    for _ in range(index):
        _, pos = _cbor_skip(body, pos)
    length, items_start = _cbor_head(body, pos, 4)
    raws, pos = [], items_start
    for _ in range(length):
        _, end = _cbor_skip(body, pos)
        raws.append(body[pos:end])
        pos = end
    return body[:items_start] + b"".join(sorted(raws)) + body[pos:]


def _cbor_head(data: bytes, pos: int, major: int | None = None) -> tuple[int, int]:
    """The argument of the CBOR item at ``pos`` (a length or a number) and where it ends."""
    initial = data[pos]
    if major is not None and initial >> 5 != major:
        raise ValueError("unexpected CBOR item")
    info = initial & 0x1F
    if info < 24:
        return info, pos + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError("indefinite CBOR lengths are not used by Pagefind")
    return int.from_bytes(data[pos + 1 : pos + 1 + size], "big"), pos + 1 + size


def _cbor_text(data: bytes, pos: int) -> tuple[str, int]:
    length, start = _cbor_head(data, pos, 3)
    return data[start : start + length].decode("utf-8"), start + length


def _cbor_skip(data: bytes, pos: int) -> tuple[None, int]:
    """Where the CBOR item at ``pos`` ends (integers, strings and arrays only)."""
    major = data[pos] >> 5
    value, pos = _cbor_head(data, pos)
    if major in (2, 3):  # byte and text strings
        return None, pos + value
    if major == 4:  # array
        for _ in range(value):
            _, pos = _cbor_skip(data, pos)
        return None, pos
    if major in (0, 1):
        return None, pos
    raise ValueError("unexpected CBOR item")


def _failed(detail: str) -> Problem:
    last = detail.splitlines()[-1] if detail else "no output"
    return problem(
        "search", 1, "search", f"Pagefind failed, the site has no search: {last}", error=True
    )
