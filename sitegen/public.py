"""Public addresses and dates for the files read outside the site: feeds, sitemap, metadata.

Pages link to each other by site-relative paths (``/repo/articles/x/``); readers, crawlers and
feed readers need absolute URLs, which exist only when ``base_url`` is set.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from sitegen.config import SiteConfig
from sitegen.views import Urls

# Characters XML 1.0 forbids even as references: C0 controls but tab and newlines, the
# surrogates, U+FFFE and U+FFFF. Feed text is untrusted, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold (escaping is the template's job)."""
    return _NOT_XML.sub("", text)


def absolute_url(config: SiteConfig, path: str = "") -> str:
    """The absolute URL of a site path such as ``articles/x/``; "" without a base_url."""
    if not config.base_url:
        return ""
    return config.base_url.rstrip("/") + "/" + path.lstrip("/")


def public_url(config: SiteConfig, path: str = "") -> str:
    """Absolute when the site has a base_url, else site-relative under the base path."""
    return absolute_url(config, path) or Urls(config.base_path)(path)


def iso(when: datetime) -> str:
    """RFC 3339 in UTC, as Atom and sitemaps want it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fallback_date() -> datetime:
    """The date of an undated thing: SOURCE_DATE_EPOCH when set, else 1970, never "now",
    so two builds of the same input stay byte-identical."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    try:
        return datetime.fromtimestamp(int(value), UTC) if value else EPOCH
    except (ValueError, OverflowError, OSError):
        return EPOCH
