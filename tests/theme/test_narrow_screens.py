"""No page scrolls sideways on a 320 px phone, even with the long unbroken words feeds send:
a provider named by its domain, a URL in a headline or excerpt, German compounds, Chinese
without spaces, a long topic name, quotes nested deep in a body."""

from __future__ import annotations

from typing import Any

from browser import serve
from conftest import MakeSite, digest

LONG_NAMES = [
    {
        "title": "Report: https://www.theverge.com/2020/12/15/22176063/really-long-url-slug",
        "excerpt": "See https://www.example.com/another/very/long/url/without/spaces.html",
        "provider": {"name": "averyveryverylongdomainnameexample.com", "domain": "example.com"},
        "topics": ["Antidisestablishmentarianism", "AI"],
    },
    {
        "title": "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung",
        "excerpt": "Kurz.",
        "provider": {"name": "Frankfurter Allgemeine Zeitung", "domain": "faz.net"},
        "topics": ["Rechtsschutzversicherungsgesellschaften"],
    },
    {
        "title": "中文标题没有空格的很长的一句话用来测试换行是否正常工作以及页面是否溢出屏幕宽度",
        "excerpt": "很长的摘要没有空格",
        "provider": {"name": "P" * 300, "domain": "xinhuanet.com"},
        "topics": ["人工智能与机器学习"],
    },
]
DEEP_QUOTE = "> " * 40 + "a quote nested forty levels deep"

# The page scrolls sideways: then the first few elements that reach past the screen's edge.
WIDER_THAN_THE_SCREEN = """
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth <= width) return [];
return [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 1)
  .slice(0, 3)
  .map((el) => el.tagName + "." + el.className);
"""


def test_no_page_is_wider_than_a_320px_phone(chromium: Any, make_site: MakeSite) -> None:
    files = {
        f"content/long-{i}.md": digest(
            DEEP_QUOTE if i == 0 else "",
            publishedDateTime=f"2024-03-0{i + 1}T10:00:00Z",
            originalUrl=f"https://example.com/{i}",
            images=[{"url": "https://img.example/a.jpg", "width": 1200, "height": 600}],
            related=[{"title": fields["title"], "webUrl": f"https://other.example/{i}"}],
            **fields,
        )
        for i, fields in enumerate(LONG_NAMES)
    }
    site = make_site(files)
    site.build()
    pages = sorted(site.output.rglob("index.html"))
    assert len(pages) > 10
    chromium.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True},
    )
    wide: dict[str, list[str]] = {}
    with serve(site.output) as base:
        for page in pages:
            rel = page.parent.relative_to(site.output).as_posix()
            chromium.get(base + ("" if rel == "." else rel + "/"))
            assert chromium.execute_script("return document.documentElement.clientWidth") == 320
            if found := chromium.execute_script(WIDER_THAN_THE_SCREEN):
                wide[rel] = found
    assert wide == {}
