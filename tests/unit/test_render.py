"""Stage 5, render: strict templates, theme overrides, pagination and a fully linked site."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import MakeSite, Site, digest, links_of

from sitegen.build import BuildError
from sitegen.render import builtin_theme_dir


def articles(n: int, **extra: object) -> dict[str, str | bytes]:
    return {
        f"content/a{i:02}.md": digest(
            title=f"Story number {i}",
            publishedDateTime=f"2021-01-{i + 1:02}T10:00:00Z",
            originalUrl=f"https://news{i % 3}.example/{i}",
            topics=["Topic A" if i % 2 else "Topic B", "All"],
            **extra,
        )
        for i in range(n)
    }


def crawl(site: Site, base_path: str = "/") -> set[str]:
    """Output files reachable from index.html through <a>/<link> hrefs inside the site."""
    seen: set[str] = set()
    todo = ["index.html"]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        if not rel.endswith(".html"):
            continue
        page_url = base_path + rel.removesuffix("index.html")
        for href in links_of(site.read(rel)):
            parts = urlsplit(urljoin(page_url, href))
            if parts.scheme or parts.netloc or not parts.path.startswith(base_path):
                continue
            target = parts.path[len(base_path) :]
            target = target + "index.html" if target.endswith("/") or not target else target
            assert (site.output / target).is_file(), f"{rel} links to missing {href}"
            todo.append(target)
    return seen


def html_pages(site: Site) -> set[str]:
    return {p for p in site.output_files() if p.endswith(".html")}


def test_every_page_is_reachable_from_the_home_page(make_site: MakeSite) -> None:
    site = make_site(articles(7), page_size=2)
    site.build()
    reachable = crawl(site)
    assert html_pages(site) - {"404.html"} <= reachable
    assert {"static/style.css", "static/site.js"} <= reachable


def test_pages_are_reachable_under_a_base_url_path(make_site: MakeSite) -> None:
    site = make_site(articles(5), page_size=2, base_url="https://owner.github.io/repo/")
    site.build()
    assert html_pages(site) - {"404.html"} <= crawl(site, "/repo/")
    assert '<link rel="canonical" href="https://owner.github.io/repo/articles/' in site.read(
        "articles/story-number-1/index.html"
    )


def test_urls_are_directory_style(make_site: MakeSite) -> None:
    site = make_site(articles(3), page_size=2)
    site.build()
    pages = html_pages(site)
    assert all(p == "404.html" or p.endswith("/index.html") or p == "index.html" for p in pages)
    assert {
        "index.html",
        "page/2/index.html",
        "articles/story-number-0/index.html",
        "topics/index.html",
        "topics/all/index.html",
        "topics/all/page/2/index.html",
        "topics/topic-a/index.html",
        "providers/index.html",
        "providers/news0-example/index.html",
        "404.html",
    } <= pages
    for href in links_of(site.read("index.html")):
        if href.startswith("/") and not href.startswith("/static/") and "." not in href:
            assert href.endswith("/"), href


def test_pagination_follows_page_size(make_site: MakeSite) -> None:
    site = make_site(articles(7), page_size=3)
    result = site.build()
    assert result.articles == 7
    pages = html_pages(site)
    assert {"index.html", "page/2/index.html", "page/3/index.html"} <= pages
    assert "page/4/index.html" not in pages
    counts = [
        len(re.findall(r'<article class="(card|lead-story)[ "]', site.read(p)))
        for p in ("index.html", "page/2/index.html", "page/3/index.html")
    ]
    assert counts == [3, 3, 1]  # page 1: the lead story and two cards
    # newest first across pages
    assert "Story number 6" in site.read("index.html")
    assert "Story number 0" in site.read("page/3/index.html")
    assert 'rel="next" href="/page/2/"' in site.read("index.html")
    assert 'rel="prev" href="/page/2/"' in site.read("page/3/index.html")


def test_an_empty_site_still_has_a_home_page_and_404(make_site: MakeSite) -> None:
    site = make_site()
    site.build()
    assert "No articles yet." in site.read("index.html")
    assert "Page not found" in site.read("404.html")


def test_404_page_links_home(make_site: MakeSite) -> None:
    site = make_site(articles(1), base_url="https://owner.github.io/repo/")
    site.build()
    assert "/repo/" in links_of(site.read("404.html"))


def test_site_template_overrides_the_theme_file_by_file(make_site: MakeSite) -> None:
    site = make_site(
        {
            **articles(2),
            "templates/partials/card.html": "<p class=mine>{{ card.title }}</p>\n",
            "templates/static/style.css": "body { color: red }\n",
        }
    )
    site.build()
    home = site.read("index.html")
    # Story 1, the newest, is the lead (partials/lead.html); the other stories are cards.
    assert "<p class=mine>Story number 0</p>" in home
    assert '<a class="skip-link"' in home  # base.html still comes from the theme
    assert site.read("static/style.css") == "body { color: red }\n"
    assert site.read("static/site.js") == (builtin_theme_dir() / "static/site.js").read_text()


def test_typo_in_a_site_template_fails_with_its_name_and_line(make_site: MakeSite) -> None:
    site = make_site(articles(2))
    site.build()
    before = site.output_files()
    site.write(
        {
            "templates/article.html": (
                '{% extends "base.html" %}\n{% block content %}\n'
                "<h1>{{ article.card.titel }}</h1>\n{% endblock %}\n"
            )
        }
    )
    with pytest.raises(BuildError) as caught:
        site.build()
    message = str(caught.value)
    template = Path("templates/article.html").resolve()
    assert message.startswith(f"{template}:3: template: ")
    assert "titel" in message
    assert site.output_files() == before


def test_template_syntax_error_names_the_file_and_line(make_site: MakeSite) -> None:
    site = make_site({**articles(1), "templates/404.html": "ok\n{% if %}\n"})
    with pytest.raises(BuildError) as caught:
        site.build()
    assert str(caught.value).startswith(f"{Path('templates/404.html').resolve()}:2: template: ")
    assert not site.output.exists()


def test_pages_are_escaped(make_site: MakeSite) -> None:
    site = make_site(
        {"content/x.md": digest(title="a &lt;script&gt;alert(1)&lt;/script&gt; b", excerpt="x<y")}
    )
    site.build()
    page = site.read("articles/a-script-alert-1-script-b/index.html")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_pages_rendered_here_carry_their_files_digests() -> None:
    """The graph data's files, rendered by the build process, are hashed on threads while
    the next one renders: each digest is its own file's, in order; a failure is raised."""
    from sitegen.build import _rendered_here
    from sitegen.model import OutputFile, OutputPath
    from sitegen.render import Page
    from sitegen.write import file_digest

    datas = [b"x" * 100_000, b"y" * 3_000, b""]

    def page(n: int, data: bytes) -> Page:
        path = OutputPath(f"f{n}.json")
        return Page(path, "t", (), lambda _r: OutputFile(path, data, "t"))

    pages = [page(n, data) for n, data in enumerate(datas)]
    got = _rendered_here(None, pages)
    assert [f.data for f, _ in got] == datas
    assert [d for _, d in got] == [file_digest(d) for d in datas]

    def broken(_r: object) -> OutputFile:
        raise ValueError("theme")

    with pytest.raises(ValueError, match="theme"):
        _rendered_here(None, [pages[0], Page(OutputPath("g.json"), "t", (), broken)])


@pytest.mark.parametrize(
    "source",
    [
        "plain {{ x }}",
        "{% for t in texts %}<i>{{ t }}</i>{% include 'part.html' %}{% endfor %}",
        "{% extends 'layout.html' %}{% block b %}{{ texts | join('|') }}{% endblock %}",
    ],
)
def test_a_page_is_the_bytes_of_its_text_whatever_its_pieces_hold(source: str) -> None:
    import jinja2

    from sitegen.render import make_environment, render_bytes

    env = make_environment([])
    env.loader = jinja2.DictLoader(
        {
            "page.html": source,
            "part.html": "[{{ x }}]",
            "layout.html": "“{% block b %}{% endblock %}” & {{ x }}",
        }
    )
    template = env.get_template("page.html")
    context = {"x": "a<b", "texts": ["ascii", "Café", "“quoted” – dash", "emoji 🙂", ""]}
    assert render_bytes(template, context) == template.render(context).encode("utf-8")


def test_a_failing_page_fails_as_jinja_reports_it() -> None:
    import traceback

    import jinja2

    from sitegen.render import make_environment, render_bytes

    env = make_environment([])
    env.loader = jinja2.DictLoader({"page.html": "ok\n\n{{ x.nope }}"})
    template = env.get_template("page.html")
    frames = []
    for render in (render_bytes, jinja2.Template.render):
        with pytest.raises(jinja2.UndefinedError) as failure:
            render(template, {"x": {}})
        found = traceback.extract_tb(failure.value.__traceback__)
        frames.append([(f.filename, f.lineno) for f in found if f.filename == "<template>"])
    assert frames[0] == frames[1] == [("<template>", 3)]
    # Text that UTF-8 cannot hold fails as the page's encoding did, not as the template.
    with pytest.raises(UnicodeEncodeError):
        render_bytes(env.from_string("a{{ x }}"), {"x": "\udcff"})
