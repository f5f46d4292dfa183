"""The theme keeps to a small type scale in a real browser: each distinct font (family, size,
weight, style) on a page is one the browser looks up and sets up before its first layout, which
is most of that layout's time on a phone. Measured at phone width on the built sample site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser import page_kinds, serve

FONT_BUDGET = 9  # distinct fonts of the theme's own text on the home, topic and provider pages

DISTINCT_FONTS = """
const fonts = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!node.textContent.trim() || el.closest("svg title")) continue;
  const s = getComputedStyle(el);
  fonts.add([s.fontFamily, s.fontSize, s.fontWeight, s.fontStyle].join(" | "));
}
return [...fonts].sort();
"""


def test_listing_pages_use_a_small_set_of_fonts(chromium: Any, sample_site: Path) -> None:
    chromium.set_window_size(412, 900)
    kinds = page_kinds(sample_site)
    with serve(sample_site) as base:
        for kind in ("home", "topic", "provider"):
            chromium.get(base + kinds[kind])
            fonts = chromium.execute_script(DISTINCT_FONTS)
            assert 3 <= len(fonts) <= FONT_BUDGET, f"{kind}: {len(fonts)} fonts: {fonts}"
