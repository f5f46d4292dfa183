"""The files a published site needs besides its pages: feeds, sitemap, robots.txt and the
GitHub Pages files (``.nojekyll``, ``CNAME``), plus a check of GitHub Pages' size limit."""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from sitegen.config import SiteConfig
from sitegen.feeds import feed_files
from sitegen.model import OutputFile, OutputPath, SiteIndex
from sitegen.problems import Problem, problem
from sitegen.sitemap import Listed, SitemapMemo, sitemap_files

# GitHub Pages refuses to publish a site larger than 1 GB.
PAGES_LIMIT_BYTES = 1_000_000_000


def pages_files(config: SiteConfig) -> list[OutputFile]:
    """``.nojekyll`` keeps GitHub Pages from running Jekyll over the site (which would drop
    files and folders starting with ``_``); ``CNAME`` names the custom domain, if any."""
    files = [OutputFile(OutputPath(".nojekyll"), b"", "GitHub Pages")]
    if config.cname:
        files.append(OutputFile(OutputPath("CNAME"), f"{config.cname}\n".encode(), "cname"))
    return files


def publish_files(
    index: SiteIndex,
    config: SiteConfig,
    env: jinja2.Environment,
    pages: Sequence[Listed],
    *,
    feeds: bool = True,
    sitemap_memo: SitemapMemo | None = None,
) -> tuple[list[OutputFile], list[str]]:
    """Feeds (unless ``feeds=False``: the build plans them as pages, see build.py), sitemap,
    robots.txt and GitHub Pages files, and notes for the build summary."""
    files = feed_files(index, config, env) if feeds else []
    files += sitemap_files(index, config, env, pages, sitemap_memo)
    files.extend(pages_files(config))
    notes = []
    if not config.base_url:
        notes.append(
            "no sitemap.xml: sitemaps need absolute URLs; set base_url (or --base-url) "
            "to the published address to get one"
        )
    return files, notes


def size_problems(
    files: Sequence[OutputFile], limit: int = PAGES_LIMIT_BYTES, *, extra_bytes: int = 0
) -> list[Problem]:
    """A warning when the site is larger than GitHub Pages publishes; ``extra_bytes`` counts
    files that are part of the site but not in ``files`` (unchanged, not rendered again)."""
    total = sum(len(f.data) for f in files) + extra_bytes
    if total <= limit:
        return []
    return [
        problem(
            "output",
            1,
            "size",
            f"the site is {_size(total)}, more than the {_size(limit)} GitHub Pages "
            "publishes; leave out older articles or publish the site elsewhere",
        )
    ]


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
