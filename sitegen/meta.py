"""Structured data for search engines: the JSON-LD ``NewsArticle`` of an article page.

JSON-LD sits in a ``<script type="application/ld+json">`` data block, where HTML escaping
does not apply and ``</script>`` in a title would end the block. So the JSON is escaped the
JavaScript way: ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``, which
JSON parsers read back as the same characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup

from sitegen.views import ArticleView

# What JSON may hold that ends a <script> element or a JavaScript string literal there.
_SCRIPT_UNSAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),  # line separators end a JavaScript string literal
    ("\u2029", "\\u2029"),
)


# json.dumps with any option makes a new encoder on every call: one, made once, is reused.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_safe = str.__new__  # Markup(text) without Markup.__new__, which costs more than the JSON


def _c_encoder() -> Callable[[Any, int], Sequence[str]] | None:
    """_ENCODER's C encoder, made once: JSONEncoder.encode makes it again on every call
    (a quarter of the JSON's cost). Without circular checks: the data is made fresh per
    page, never circular. None where json has no C speedups."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - depends on the Python build
        return None
    return make(  # type: ignore[no-any-return]
        None,  # no markers: no circular checks
        _ENCODER.default,
        json.encoder.encode_basestring,  # (ensure_ascii=False)
        None,  # no indent
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )


_ENCODE = _c_encoder()


def compact_json(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``, the same text, through
    the C encoder made once (of data made fresh, never circular)."""
    return "".join(_ENCODE(data, 0)) if _ENCODE is not None else _ENCODER.encode(data)


def json_for_script(data: Any) -> Markup:
    """``data`` as JSON that is safe inside a ``<script>`` element."""
    text = compact_json(data)
    # translate() looks every character up in a dict: most texts have none of these, and
    # five scans in C cost a tenth of that. (No replacement makes one of the others.)
    for char, escaped in _SCRIPT_UNSAFE:
        if char in text:
            text = text.replace(char, escaped)
    return _safe(Markup, text)  # safe: escaped for <script> just here


def news_article(article: ArticleView, site_title: str, page_url: str) -> dict[str, Any]:
    """The schema.org NewsArticle of an article page at ``page_url``."""
    card = article.card
    # The provider wrote and published the original; without one, the site stands in.
    name = card.provider.text if card.provider else site_title
    publisher = {"@type": "Organization", "name": name}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": card.title,
        "url": page_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
    }
    if card.excerpt:
        data["description"] = card.excerpt
    if card.date:
        data["datePublished"] = card.date.iso
    if article.images:
        data["image"] = [_image(image.url, image.width, image.height) for image in article.images]
    data["author"] = publisher
    data["publisher"] = publisher
    if article.source_url:
        data["isBasedOn"] = article.source_url
    if card.topics:
        data["keywords"] = [topic.text for topic in card.topics]
    return data


def _image(url: str, width: int | None, height: int | None) -> dict[str, Any]:
    image: dict[str, Any] = {"@type": "ImageObject", "url": url}
    if width and height:
        image.update(width=width, height=height)
    return image


def news_article_ld(article: ArticleView, site_title: str, page_url: str) -> Markup:
    """The template global: the NewsArticle as script-safe JSON."""
    return json_for_script(news_article(article, site_title, page_url))
