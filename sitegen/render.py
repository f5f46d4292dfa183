"""Stage 5: render every page of the site into OutputFiles, in memory, through Jinja."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.graphpages import GraphViews
from sitegen.meta import news_article_ld
from sitegen.model import Article, Listing, OutputFile, OutputPath, RelatedGraph, SiteIndex
from sitegen.relate import relate
from sitegen.views import Link, PageUrl, Urls, ViewFactory, pick_lead

GRAPH_PAGE_SIZE = 100  # articles with their related links per page of the graph page's list

PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_theme_dir() -> Path:
    """The default theme: bundled in the wheel, or the repository's ``templates/``."""
    for candidate in (PACKAGE_DIR / "theme", PACKAGE_DIR.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError("the built-in theme is missing from this sitegen install")


def theme_dirs(config: SiteConfig) -> list[Path]:
    """Template folders, the site's first, so a site overrides the theme file by file."""
    dirs = [config.path("templates_dir"), builtin_theme_dir()]
    return list(dict.fromkeys(d for d in dirs if d.is_dir()))


def make_environment(dirs: Sequence[Path]) -> jinja2.Environment:
    """Autoescaping, strict Jinja: a typo in a template fails with its name and line."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["sitegen_version"] = __version__
    env.globals["news_article_ld"] = news_article_ld
    # Lets the layout link optional files, such as a site's static/custom.css, only when present.
    env.globals["static_files"] = frozenset(static_sources(dirs))
    return env


@dataclass(frozen=True)
class SiteView:
    """What every template knows about the site."""

    title: str
    description: str
    language: str
    base_url: str
    nav: tuple[Link, ...]
    extra: dict[str, Any]


class Renderer:
    """Renders the pages of one site; templates are compiled once and reused."""

    def __init__(
        self,
        config: SiteConfig,
        env: jinja2.Environment,
        index: SiteIndex | None = None,
        graph: RelatedGraph | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.urls = Urls(config.base_path)
        self.views = ViewFactory(self.urls, config.tz)
        index = index or SiteIndex(articles=(), by_slug={}, topics={}, providers={})
        graph = graph or relate(index, config.related_count)
        self.graph = GraphViews(index, graph, self.views)
        self.site = SiteView(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            nav=(
                Link(self.urls.home(), "Latest"),
                Link(self.urls("topics/"), "Topics"),
                Link(self.urls("providers/"), "Sources"),
                Link(self.urls("graph/"), "Graph"),
                *([Link(self.urls("search/"), "Search")] if config.search else []),
            ),
            extra=config.extra,
        )
        # rel of every link that leaves the site: no window.opener, no Referer, and nofollow
        # when the site asks for it (content links are not the site owner's endorsement).
        external_rel = "noopener noreferrer" + (" nofollow" if config.nofollow_external else "")
        env.globals.update(site=self.site, url=self.urls, external_rel=external_rel)

    def page(self, path: str, template: str, source: str, **context: Any) -> OutputFile:
        """Render one template to ``path`` (a folder URL gets ``index.html``)."""
        file_path = path + "index.html" if path.endswith("/") or not path else path
        canonical = self._absolute(path) if self.config.base_url else ""
        html = self.env.get_template(template).render(
            page_path=self.urls(path), canonical_url=canonical, **context
        )
        return OutputFile(OutputPath(file_path), html.encode("utf-8"), source)

    def _absolute(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    # -- page kinds ----------------------------------------------------------------------

    def article_page(self, article: Article) -> OutputFile:
        return self.page(
            f"articles/{article.slug}/",
            "article.html",
            str(article.source),
            article=self.views.article(article),
            related=self.graph.related(article),
        )

    def listing_pages(
        self,
        articles: Sequence[Article],
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        with_lead: bool = False,
        **context: Any,
    ) -> Iterator[OutputFile]:
        """A paginated list of stories (an article and its coverage by other providers):
        ``base`` then ``base/page/N/``. ``with_lead`` shows page 1's lead story (see
        ``pick_lead``) large, above the other cards."""
        size = self.config.page_size
        leads, coverage = self.graph.stories(articles)
        pages = max(1, math.ceil(len(leads) / size))
        for n in range(1, pages + 1):
            chunk = leads[(n - 1) * size : n * size]
            also = coverage[(n - 1) * size : n * size]
            lead = pick_lead(chunk, self.config.tz) if with_lead and n == 1 else None
            rest = [i for i, a in enumerate(chunk) if a is not lead]
            yield self.page(
                base + (f"page/{n}/" if n > 1 else ""),
                template,
                source,
                lead=self.views.card(lead) if lead else None,
                lead_coverage=also[chunk.index(lead)] if lead else (),
                cards=[self.views.card(chunk[i]) for i in rest],
                coverage=[also[i] for i in rest],
                pager=self.views.pager(n, pages, url_of),
                total=len(articles),
                **context,
            )

    def group_pages(self, kind: str, listing: Listing) -> Iterator[OutputFile]:
        url_of = self.urls.topic if kind == "topic" else self.urls.provider
        yield from self.listing_pages(
            listing.articles,
            f"{kind}s/{listing.slug}/",
            lambda n: url_of(listing.slug, n),
            f"{kind}.html",
            f"{kind} {listing.name}",
            name=listing.name,
            slug=listing.slug,
        )

    def index_page(self, kind: str, listings: Iterable[Listing]) -> OutputFile:
        url_of = self.urls.topic if kind == "topic" else self.urls.provider
        rows = [self.views.listing_row(item, url_of(item.slug)) for item in listings]
        rows.sort(key=lambda r: (-r.count, r.name.casefold(), r.url))
        return self.page(f"{kind}s/", f"{kind}s.html", f"{kind}s index", rows=rows)

    def graph_pages(self, index: SiteIndex) -> Iterator[OutputFile]:
        """The graph page (its article list paginated) and graph.json, its data."""
        size = GRAPH_PAGE_SIZE
        pages = max(1, math.ceil(len(index.articles) / size))
        common = {
            "legend": self.graph.legend(),
            "stories": self.graph.story_list(),
            "topic_map": self.graph.topic_map(),
            "data_url": self.urls("graph/data.json"),
        }
        for n in range(1, pages + 1):
            chunk = index.articles[(n - 1) * size : n * size]
            yield self.page(
                "graph/" + (f"page/{n}/" if n > 1 else ""),
                "graph.html",
                "graph page",
                articles=self.graph.article_links(chunk),
                pager=self.views.pager(n, pages, self._graph_url),
                total=len(index.articles),
                **common,
            )
        yield OutputFile(OutputPath("graph.json"), self.graph.graph_json(), "graph data")
        yield OutputFile(OutputPath("graph/data.json"), self.graph.page_data(), "graph page data")

    def _graph_url(self, page: int) -> str:
        return self.urls("graph/" + (f"page/{page}/" if page > 1 else ""))


def render_site(
    index: SiteIndex,
    config: SiteConfig,
    env: jinja2.Environment,
    graph: RelatedGraph | None = None,
) -> list[OutputFile]:
    """Every page of the site: home, articles, topics, providers, the graph, 404."""
    if graph is None:
        graph = relate(index, config.related_count)
    r = Renderer(config, env, index, graph)
    files = list(r.listing_pages(index.articles, "", r.urls.home, "index.html", "home page", True))
    files.extend(r.article_page(a) for a in index.articles)
    for kind, listings in (("topic", index.topics), ("provider", index.providers)):
        files.append(r.index_page(kind, listings.values()))
        for listing in listings.values():
            files.extend(r.group_pages(kind, listing))
    files.extend(r.graph_pages(index))
    files.append(r.page("404.html", "404.html", "404 page"))
    if config.search:
        files.append(r.page("search/", "search.html", "search page"))
    return files


def static_sources(dirs: Sequence[Path]) -> dict[str, Path]:
    """Each ``static/`` file name (relative, POSIX) and its source, the site's own first."""
    chosen: dict[str, Path] = {}
    for theme in dirs:
        root = theme / "static"
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not any(p.startswith(".") for p in rel.split("/")):
                chosen.setdefault(rel, path)
    return chosen


def static_files(dirs: Sequence[Path]) -> list[OutputFile]:
    """The theme's ``static/`` files, the site's own first, copied to ``static/``."""
    return [
        OutputFile(OutputPath(f"static/{rel}"), path.read_bytes(), str(path))
        for rel, path in sorted(static_sources(dirs).items())
    ]
