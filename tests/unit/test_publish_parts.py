"""Feeds, sitemap dates, GitHub Pages files and the size warning, from data in memory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from sitegen.config import ConfigError, SiteConfig, load_config
from sitegen.feeds import feed_files, make_feed
from sitegen.index import build_index
from sitegen.meta import json_for_script, news_article
from sitegen.model import Article, Image, OutputFile, OutputPath, Provider, SiteIndex, Slug, Topic
from sitegen.publish import pages_files, size_problems
from sitegen.render import Renderer, builtin_theme_dir, make_environment
from sitegen.views import Urls, ViewFactory

HOSTILE = 'Bad </script><script>alert("x")</script> & <b>bold</b> \x00\x07\x1b ]]> end'


def article(slug: str, title: str = "A title", day: int | None = 1, **kw: object) -> Article:
    values: dict[str, object] = {
        "slug": Slug(slug),
        "source": Path(f"content/{slug}.md"),
        "title": title,
        "excerpt": "An excerpt.",
        "published": datetime(2021, 1, day, 12, tzinfo=UTC) if day else None,
        "url": f"https://news.example.org/{slug}",
        "urls": (f"https://news.example.org/{slug}",),
        "provider": Provider("Example News", "news.example.org", Slug("example-news")),
        "topics": (Topic("AI", Slug("ai")),),
        "images": (Image("https://img.example.org/a.jpg", 1200, 630, "alt"),),
        "related": (),
        "quality": None,
        "heat": None,
        "category": "news",
        "kind": "article",
        "draft": False,
        "body_html": "",
        "title_line": 2,
    }
    values.update(kw)
    return Article(**values)  # type: ignore[arg-type]


def config(tmp_path: Path, **values: object) -> SiteConfig:
    return SiteConfig(root=tmp_path, **values)  # type: ignore[arg-type]


def render_feeds(cfg: SiteConfig, articles: list[Article]) -> dict[str, bytes]:
    index, _ = build_index(articles)
    env = make_environment([builtin_theme_dir()])
    Renderer(cfg, env)  # registers the site globals the templates use
    return {f.path: f.data for f in feed_files(index, cfg, env)}


def test_hostile_text_is_escaped_and_control_characters_dropped(tmp_path):
    cfg = config(tmp_path, title=HOSTILE, base_url="https://example.org/")
    feeds = render_feeds(cfg, [article("a", HOSTILE, excerpt=HOSTILE)])
    parsed = feedparser.parse(feeds["feed.xml"])
    assert not parsed.bozo, parsed.get("bozo_exception")
    clean = HOSTILE.replace("\x00", "").replace("\x07", "").replace("\x1b", "")
    assert parsed.entries[0].title == clean
    assert parsed.entries[0].summary == clean
    assert parsed.feed.title == clean
    assert b"<script>" not in feeds["feed.xml"]


def test_feed_size_caps_the_entries_newest_first(tmp_path):
    cfg = config(tmp_path, feed_size=2, base_url="https://example.org/")
    feed = make_feed(
        [article("c", day=3), article("b", day=2), article("a", day=1)], cfg, "feed.xml", "", "t"
    )
    assert [e.url for e in feed.entries] == [
        "https://example.org/articles/c/",
        "https://example.org/articles/b/",
    ]
    assert feed.updated == "2021-01-03T12:00:00Z"


def test_feed_authority_gives_tag_ids_that_survive_a_move(tmp_path):
    one = config(tmp_path, feed_authority="me@example.org,2024", base_url="https://a.org/")
    two = config(tmp_path, feed_authority="me@example.org,2024", base_url="https://b.org/x/")
    a = make_feed([article("a")], one, "feed.xml", "", "t")
    b = make_feed([article("a")], two, "feed.xml", "", "t")
    assert a.entries[0].id == b.entries[0].id == "tag:me@example.org,2024:articles/a/"
    assert a.entries[0].url != b.entries[0].url


def test_undated_entries_use_source_date_epoch_never_the_clock(tmp_path, monkeypatch):
    cfg = config(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert make_feed([article("a", day=None)], cfg, "feed.xml", "", "t").updated == (
        "1970-01-01T00:00:00Z"
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    feed = make_feed([article("a", day=None)], cfg, "feed.xml", "", "t")
    assert feed.updated == feed.entries[0].updated == "2023-11-14T22:13:20Z"
    assert feed.entries[0].published == ""


def test_json_ld_round_trips_a_hostile_title_without_breaking_out(tmp_path):
    views = ViewFactory(Urls("/"), UTC)
    view = views.article(article("a", HOSTILE))
    text = str(json_for_script(news_article(view, "Site", "https://example.org/articles/a/")))
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["headline"] == HOSTILE
    assert data["@type"] == "NewsArticle"
    assert data["isBasedOn"] == "https://news.example.org/a"
    assert data["publisher"] == {"@type": "Organization", "name": "Example News"}
    assert data["image"][0] == {
        "@type": "ImageObject",
        "url": "https://img.example.org/a.jpg",
        "width": 1200,
        "height": 630,
    }


def test_nojekyll_always_and_cname_when_set(tmp_path):
    assert [f.path for f in pages_files(config(tmp_path))] == [".nojekyll"]
    files = {f.path: f.data for f in pages_files(config(tmp_path, cname="news.example.org"))}
    assert files["CNAME"] == b"news.example.org\n"


@pytest.mark.parametrize(
    ("key", "value"),
    [("cname", "https://news.example.org/"), ("feed_authority", "example.org")],
)
def test_bad_cname_or_feed_authority_is_a_settings_error(tmp_path, key, value):
    (tmp_path / "sitegen.toml").write_text(f'{key} = "{value}"\n')
    with pytest.raises(ConfigError, match=key):
        load_config(tmp_path)


def test_a_site_over_the_size_limit_is_warned_about():
    files = [OutputFile(OutputPath(f"{n}.html"), b"x" * 600, "t") for n in range(2)]
    assert size_problems(files, limit=1200) == []
    [warning] = size_problems(files, limit=1000)
    assert warning.field == "size"
    assert "1.2 kB" in warning.message and "1.0 kB" in warning.message


def test_a_sitemap_patched_from_the_last_one_is_made_in_full_too(tmp_path: Path) -> None:
    """serve keeps the last sitemap (SitemapMemo) and remakes only the entries whose date
    changed: the same bytes as a sitemap made without it, after every change."""
    from sitegen.sitemap import SitemapMemo, sitemap_files

    cfg = config(tmp_path, base_url="https://example.org/", page_size=2)
    env = make_environment([builtin_theme_dir()])
    Renderer(cfg, env)
    articles = {n: article(f"a{n}", day=n + 1) for n in range(6)}
    memo = SitemapMemo()

    def pages(index: object) -> list[OutputFile]:
        slugs = sorted(articles[n].slug for n in articles)
        paths = ["index.html", "page/2/index.html", "page/3/index.html", "404.html"]
        paths += [f"articles/{s}/index.html" for s in slugs] + ["topics/ai/index.html"]
        return [OutputFile(OutputPath(p), b"", "page") for p in paths]

    # (number, day, slug): a date changed, a page renamed (one goes, one comes), both
    for change in (None, (2, 20, "a2"), (5, None, "a5"), (0, 9, "a0"), (1, 2, "z1"), None):
        if change is not None:
            number, day, slug = change
            articles[number] = article(slug, day=day)
        index, _ = build_index(list(articles.values()))
        files = pages(index)
        patched = sitemap_files(index, cfg, env, files, memo)
        assert patched == sitemap_files(index, cfg, env, files)
    assert memo.last is not None  # kept up to date, not made again


def test_a_sitemap_patched_from_a_saved_memo_is_made_in_full_too(tmp_path: Path) -> None:
    """A new process restores the last sitemap from the build state (SitemapMemo.saved,
    pickled: its entries as texts, no entry objects) and patches it: the same bytes as a
    sitemap made without it, after every change, with the built-in template and a theme's."""
    import pickle

    from sitegen.sitemap import SitemapMemo, sitemap_files

    cfg = config(tmp_path, base_url="https://example.org/", page_size=2)
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "sitemap.xml").write_text(
        "{% for u in urls %}{{ u.loc }} {{ u.lastmod }}\n{% endfor %}", encoding="utf-8"
    )
    for dirs in ([builtin_theme_dir()], [theme, builtin_theme_dir()]):
        env = make_environment(dirs)
        Renderer(cfg, env)
        articles = {n: article(f"a{n}", day=n + 1) for n in range(6)}
        saved = SitemapMemo().saved()
        for change in (None, (2, 20, "a2"), (5, None, "a5"), (0, 9, "a0"), (1, 2, "z1"), None):
            if change is not None:
                number, day, slug = change
                articles[number] = article(slug, day=day)
            index, _ = build_index(list(articles.values()))
            slugs = sorted(a.slug for a in articles.values())
            paths = ["index.html", "page/2/index.html", "404.html", "topics/ai/index.html"]
            paths += [f"articles/{s}/index.html" for s in slugs]
            files = [OutputFile(OutputPath(p), b"", "page") for p in paths]
            memo = SitemapMemo.restored(pickle.loads(pickle.dumps(saved)))
            assert change is None or memo.last is not None
            patched = sitemap_files(index, cfg, env, files, memo)
            assert patched == sitemap_files(index, cfg, env, files)
            saved = memo.saved()
            assert b"SitemapUrl" not in pickle.dumps(saved)
            chunks = [value for key, value in saved.items() if type(key) is tuple]
            assert sum(len(chunk[5]) for chunk in chunks) == len(paths) - 1  # one a page but 404


def test_a_saved_sitemap_changes_only_the_chunks_of_the_entries_that_changed(
    tmp_path: Path,
) -> None:
    """The build state's delta holds the saved sitemap's changed parts: a renamed article
    changes the chunk it left and the one it joined, a new date its own, not every entry."""
    from sitegen.sitemap import SitemapMemo, sitemap_files

    cfg = config(tmp_path, base_url="https://example.org/", page_size=2)
    env = make_environment([builtin_theme_dir()])
    Renderer(cfg, env)
    memo = SitemapMemo()
    articles = {n: article(f"{chr(97 + n % 26)}{n}", day=n % 28 + 1) for n in range(200)}

    def saved_after(number: int, slug: str, day: int) -> dict[object, object]:
        articles[number] = article(slug, day=day)
        index, _ = build_index(list(articles.values()))
        files = [OutputFile(OutputPath("index.html"), b"", "page")]
        files += [
            OutputFile(OutputPath(f"articles/{a.slug}/index.html"), b"", "page")
            for a in index.articles
        ]
        sitemap_files(index, cfg, env, files, memo)
        return memo.saved()

    before = saved_after(0, "a0", 1)
    assert len(before) > 20  # the home page's, one per first letter of a slug, the format
    for number, slug, day in ((5, "zz5", 6), (7, "h7", 3), (7, "h7", 3)):
        after = saved_after(number, slug, day)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert len(changed) <= 2, (slug, changed)
        assert SitemapMemo.restored(after).saved() == after
        before = after


def test_a_restored_sitemap_keeps_the_very_parts_an_edit_did_not_touch(tmp_path: Path) -> None:
    """A new process's patch unpacks and packs again only the parts (chunks) of the entries
    that changed: the others are the very objects restored, so that saving them again costs
    nothing (nor comparing them for the build state's delta)."""
    import pickle

    from sitegen.sitemap import SitemapMemo, sitemap_files

    cfg = config(tmp_path, base_url="https://example.org/", page_size=500)
    env = make_environment([builtin_theme_dir()])
    Renderer(cfg, env)
    articles = {n: article(f"{chr(97 + n % 26)}{n}", day=n % 28 + 1) for n in range(200)}

    def files() -> tuple[SiteIndex, list[OutputFile]]:
        index, _ = build_index(list(articles.values()))
        pages = [OutputFile(OutputPath("index.html"), b"", "page")]
        pages += [
            OutputFile(OutputPath(f"articles/{a.slug}/index.html"), b"", "page")
            for a in index.articles
        ]
        return index, pages

    memo = SitemapMemo()
    index, pages = files()
    sitemap_files(index, cfg, env, pages, memo)
    saved = pickle.loads(pickle.dumps(memo.saved()))
    restored = SitemapMemo.restored(saved)
    articles[5] = article("f5", day=2)  # an older date: the home page's stays
    index, pages = files()
    assert sitemap_files(index, cfg, env, pages, restored) == sitemap_files(index, cfg, env, pages)
    after = restored.saved()
    parts = [key for key in saved if type(key) is tuple]
    kept = [key for key in parts if after[key] is saved[key]]
    assert len(kept) == len(parts) - 1, set(parts) - set(kept)  # (the one of "articles/f")
