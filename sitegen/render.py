"""Stage 5: render every page of the site into OutputFiles, in memory, through Jinja."""

from __future__ import annotations

import base64
import hashlib
import math
import operator
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.config import builtin_theme_dir as builtin_theme_dir  # re-exported
from sitegen.config import theme_dirs as theme_dirs  # re-exported
from sitegen.graphpages import GraphMemo as GraphMemo  # re-exported
from sitegen.graphpages import GraphViews, common_hash, same_article, story_leads
from sitegen.jinjacode import use_joining_code
from sitegen.layout import drawn_local_graph
from sitegen.meta import news_article_ld
from sitegen.model import (
    Article,
    Edge,
    Listing,
    OutputFile,
    OutputPath,
    RelatedGraph,
    RelatedLink,
    SiteIndex,
    Slug,
)
from sitegen.relate import relate
from sitegen.replan import Changes, ListingMemo, PlanMemo, PlannedPages
from sitegen.views import (
    ArticleLinks,
    Card,
    Coverage,
    Link,
    PageUrl,
    Urls,
    ViewFactory,
    pick_lead,
)

GRAPH_PAGE_SIZE = 100  # articles with their related links per page of the graph page's list

if TYPE_CHECKING:  # Jinja is imported only when a page is actually rendered
    import jinja2


def make_environment(dirs: Sequence[Path], bytecode_dir: Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict Jinja: a typo in a template fails with its name and line.

    Templates are compiled once per process and never re-checked on disk during a build
    (``auto_reload`` would stat the file at every ``include`` of every card). With
    ``bytecode_dir``, compiled templates are kept there for the next build (Jinja checks
    each against its source): compiling them all costs more than a small rebuild."""
    import jinja2

    env = jinja2.Environment(
        auto_reload=False,
        bytecode_cache=_bytecode_cache(bytecode_dir) if bytecode_dir else None,
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.template_class = _template_class()
    use_joining_code(env)
    env.globals["sitegen_version"] = __version__
    env.globals["news_article_ld"] = news_article_ld
    static = static_sources(dirs)
    # Lets the layout link optional files, such as a site's static/custom.css, only when present.
    env.globals["static_files"] = frozenset(static)
    script, digest = inline_script(static.get("theme-init.js"))
    env.globals["theme_init_script"] = script
    env.globals["theme_init_hash"] = digest
    return env


def _template_class() -> type[jinja2.Template]:
    """Jinja's Template, whose printed values are escaped by sitegen.htmlescape (the same
    text, a fraction of the cost: escaping was a sixth of rendering a page)."""
    import jinja2

    from sitegen.htmlescape import patch_template_namespace
    from sitegen.jinjacode import new_context

    class Template(jinja2.Template):
        @classmethod
        def _from_namespace(
            cls,
            environment: jinja2.Environment,
            namespace: MutableMapping[str, Any],
            globals: MutableMapping[str, Any],
        ) -> jinja2.Template:
            patch_template_namespace(namespace)
            return super()._from_namespace(environment, namespace, globals)

        def new_context(
            self,
            vars: dict[str, Any] | None = None,
            shared: bool = False,
            locals: Mapping[str, Any] | None = None,
        ) -> jinja2.runtime.Context:
            made = new_context(self, vars, shared, locals)
            return made if made is not None else super().new_context(vars, shared, locals)

    return Template


def inline_script(source: Path | None) -> tuple[str, str]:
    """A theme script to inline in ``<head>``, and the CSP hash that lets exactly it run.

    The saved light/dark choice must be applied before the first paint; inlined, that costs
    no request that would hold up rendering, and the page's Content-Security-Policy still
    refuses every other inline script."""
    from markupsafe import Markup

    if source is None:
        return Markup(""), ""
    # "</" would end the <script> element early; "<\/" means the same to JavaScript.
    text = source.read_text(encoding="utf-8").replace("</", "<\\/")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"sha256-{digest}"


def render_bytes(template: jinja2.Template, context: dict[str, Any]) -> bytes:
    """``template.render(context).encode("utf-8")``: the same bytes, encoded piece by piece.

    A string is as wide as its widest character: one curly quote (every local graph has
    some) made the whole joined page two bytes a character, copied wider and encoded
    character by character. Encoded apart, the ASCII pieces (most of a page) are copied."""
    try:
        pieces = list(template.root_render_func(template.new_context(context)))
    except Exception:
        template.environment.handle_exception()  # (raises it, as Template.render does)
    return b"".join(map(str.encode, pieces))  # (a lone surrogate fails here, as it did)


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    import jinja2

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a cache that cannot be written only costs speed
    return jinja2.FileSystemBytecodeCache(str(folder))


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
        graph_views: GraphViews | None = None,
        graph_memo: GraphMemo | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.urls = Urls(config.base_path)
        self.views = ViewFactory(self.urls, config.tz)
        if graph_views is not None and _same_views(graph_views.views, self.views):
            # One factory for both: each keeps views of every article it shows (dates,
            # cards), and every render worker makes them again for the articles it shows.
            self.views = graph_views.views
        if graph_views is None:
            index = index or SiteIndex(articles=(), by_slug={}, topics={}, providers={})
            graph = graph or relate(index, config.related_count)
            graph_views = GraphViews(index, graph, self.views, graph_memo)
        self.graph = graph_views
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
        env.globals.update(
            site=self.site,
            url=self.urls,
            external_rel=external_rel,
            card_html=self.card_html,
            cards_html=self.cards_html,
            each_card_html=self.each_card_html,
            graph_entry_html=self.graph_entry_html,
        )
        self._card_html: dict[str, Any] = {}
        self._templates: dict[str, jinja2.Template] = {}
        self._board: CardBoard | None = None  # the cards made after this worker forked

    def template(self, name: str) -> jinja2.Template:
        """``env.get_template(name)``, looked up once per renderer when templates are not
        reloaded (Jinja's cache is an LRU list behind a lock: ~1.5% of rendering a page)."""
        found = self._templates.get(name)
        if found is None:
            found = self.env.get_template(name)
            if not self.env.auto_reload:
                self._templates[name] = found
        return found

    def card_html(self, card: Card, also: Sequence[Coverage] = ()) -> Any:
        """``partials/card.html`` for one story, rendered once per build and process: the
        same card is on the home page, its topics' and its provider's pages. It sees
        ``card``, ``also`` (the story's other coverage) and the site's globals."""
        key = card.url
        found = self._card_html.get(key)
        if found is None and self._board is not None:
            board, self._board = self._board, None
            board.read(self._card_html)
            found = self._card_html.get(key)
        if found is None:
            from markupsafe import Markup

            html = self.template("partials/card.html").render(card=card, also=also)
            found = self._card_html[key] = Markup(html)  # safe: rendered with autoescape
        return found

    def cards_html(self, cards: Sequence[Card], coverage: Sequence[Sequence[Coverage]] = ()) -> Any:
        """The cards of a listing page joined (each_card_html's)."""
        from markupsafe import Markup

        made = "".join(self.each_card_html(cards, coverage))
        return str.__new__(Markup, made)  # safe: cards rendered with autoescape

    def each_card_html(
        self, cards: Sequence[Card], coverage: Sequence[Sequence[Coverage]] = ()
    ) -> list[Any]:
        """``card_html(card, coverage)`` of each card of a listing page (a card past the end
        of ``coverage`` without): one call a page, not ~20 calls from the template. The
        theme prints them one by one, not joined (as cards_html joins them): one card with
        a character past Latin-1 made the page's whole list of cards two bytes a character,
        encoded character by character (see render_bytes)."""
        card_html = self.card_html
        return [
            card_html(card, coverage[n]) if n < len(coverage) else card_html(card)
            for n, card in enumerate(cards)
        ]

    def graph_entry_html(self, item: ArticleLinks) -> Any:
        """``partials/graph-entry.html`` for one entry of the graph page's list (it sees
        ``item`` and the site's globals). Rendered again only when the entry shows other
        links than when this process last rendered it (kept in the graph memo: an edit in
        serve renders a graph page again for one or two of its 100 entries)."""
        entries = self.graph.memo.entries
        key = item.link.url
        found = entries.get(key)
        if found is not None and found[0] == item:
            return found[1]
        from markupsafe import Markup

        html = Markup(self.template("partials/graph-entry.html").render(item=item))
        _bound(entries, len(self.graph.index.articles))
        entries[key] = (item, html)  # safe: rendered with autoescape
        return html

    def warm_graph_entries(self) -> None:
        """Render every entry of the graph page's list that is not kept yet (serve's first
        build, whose pages were rendered by workers or kept: its edits' graph pages then
        render only the entries that changed)."""
        for item in self.graph.article_links(self.graph.index.articles):
            self.graph_entry_html(item)

    def card_board(self, articles: Iterable[Article]) -> CardBoard:
        """Each card of ``articles`` (with its coverage, as listings show them) once for all
        the page workers, made by this process while they render the first pages (see
        CardBoard). Call before the workers fork: they inherit the board, and the cards'
        views, made here (the card workers, then every page worker, made them all again)."""
        todo: dict[str, Article] = {}  # card URL -> article, each card once
        for article in articles:
            url = self.urls.article(article.slug)
            if url not in self._card_html:
                todo.setdefault(url, article)
        for article in todo.values():
            self.views.card(article)
        self._board = CardBoard(self, list(todo.values()))
        return self._board

    def board_for_listings(self) -> CardBoard:
        """An empty board for the cards of every listing of the site, for another process
        to fill (``fill(listing_cards())``): the workers forked after this call read it.
        The views of the cards are made here, as card_board's: that process and the
        workers inherit them (the workers made them all again, each, ~0.15 s)."""
        articles = self.graph.index.articles
        for article in articles:  # (nearly every article leads a story in some listing)
            self.views.card(article)
        self._board = CardBoard(self, (), room=len(articles))
        return self._board

    def listing_cards(self) -> list[Article]:
        """The articles whose cards the site's listings show, each once: a story's first
        article in the home page's, each topic's and each provider's listing (those a
        plan from scratch gives its listing pages, see _listing_plan)."""
        index, leads = self.graph.index, self.graph.story_leads
        todo: dict[Slug, Article] = {}
        for articles in (
            index.articles,
            *(t.articles for t in index.topics.values()),
            *(p.articles for p in index.providers.values()),
        ):
            for article in leads(articles):
                todo.setdefault(article.slug, article)
        return list(todo.values())

    def page(self, path: str, template: str, source: str, **context: Any) -> OutputFile:
        """Render one template to ``path`` (a folder URL gets ``index.html``)."""
        canonical = self._absolute(path) if self.config.base_url else ""
        data = render_bytes(
            self.template(template),
            dict(page_path=self.urls(path), canonical_url=canonical, **context),
        )
        return OutputFile(file_path(path), data, source)

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

    def listing_page(
        self,
        chunk: Sequence[Article],
        coverage: Sequence[tuple[Coverage, ...]],
        n: int,
        pages: int,
        total: int,
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        with_lead: bool = False,
        **context: Any,
    ) -> OutputFile:
        """Page ``n`` of ``pages`` of a list of stories (an article and its coverage by other
        providers): ``base`` then ``base/page/N/``. ``with_lead`` shows page 1's lead story
        (see ``pick_lead``) large, above the other cards."""
        lead = pick_lead(chunk, self.config.tz) if with_lead and n == 1 else None
        rest = [i for i, a in enumerate(chunk) if a is not lead]
        return self.page(
            base + (f"page/{n}/" if n > 1 else ""),
            template,
            source,
            lead=self.views.card(lead) if lead else None,
            lead_coverage=coverage[list(chunk).index(lead)] if lead else (),
            cards=[self.views.card(chunk[i]) for i in rest],
            coverage=[coverage[i] for i in rest],
            pager=self.views.pager(n, pages, url_of),
            total=total,
            **context,
        )

    def index_page(self, kind: str, listings: Iterable[Listing]) -> OutputFile:
        url_of = self.urls.topic if kind == "topic" else self.urls.provider
        rows = [self.views.listing_row(item, url_of(item.slug)) for item in listings]
        rows.sort(key=lambda r: (-r.count, r.name.casefold(), r.url))
        return self.page(f"{kind}s/", f"{kind}s.html", f"{kind}s index", rows=rows)

    def graph_context(self) -> dict[str, Any]:
        """What every page of the graph page's list shows (made once per process)."""
        return self.graph.common()

    def graph_page(
        self, chunk: Sequence[Article], n: int, pages: int, total: int, common: dict[str, Any]
    ) -> OutputFile:
        """Page ``n`` of the graph page (its article list is paginated)."""
        return self.page(
            "graph/" + (f"page/{n}/" if n > 1 else ""),
            "graph.html",
            "graph page",
            articles=self.graph.article_links(chunk),
            pager=self.views.pager(n, pages, self._graph_url),
            total=total,
            **common,
        )

    def graph_pages(self, index: SiteIndex) -> Iterator[OutputFile]:
        """The graph page (its article list paginated) and graph.json, its data."""
        for page in _graph_plan(index, self.graph, PageKeys(index, self.graph.graph, repr)):
            yield page.make(self)

    def _graph_url(self, page: int) -> str:
        return self.urls("graph/" + (f"page/{page}/" if page > 1 else ""))


class CardBoard:
    """The cards of a cold build's listings, rendered by another process than the page
    workers' (the build process while they render the article pages, or a child forked
    before planning, see build._Early), and read by each worker from memory they share when
    its first listing needs a card. (They were rendered by a pool of their own before the
    page workers forked: ~0.5 CPU s of fork, copied pages and pickling at 10,000 articles
    for ~0.3 s of cards, with one core idle while the build process made their views.)
    Made before the workers fork (and before the process that fills it): they share it.
    ``room``: the most cards it will hold (default: those of ``articles``)."""

    def __init__(
        self, renderer: Renderer, articles: Sequence[Article], room: int | None = None
    ) -> None:
        import mmap
        import multiprocessing

        self._renderer, self._articles = renderer, articles
        room = len(articles) if room is None else room
        # Room for far larger cards than the theme's (~1.2 kB): untouched pages cost nothing.
        self._shared = mmap.mmap(-1, (room + 64) * 16384)
        self._ready = multiprocessing.get_context("fork").Event()

    def fill(self, articles: Sequence[Article] | None = None) -> None:
        """Render the cards (of ``articles``, else the board's) here and let the workers
        read them (they wait until then)."""
        import pickle

        renderer = self._renderer
        renderer._board = None  # (this process makes them)
        shown = self._articles if articles is None else articles
        urls = [renderer.urls.article(a.slug) for a in shown]
        texts = [
            str(renderer.card_html(renderer.views.card(a), renderer.graph.siblings(a.slug)))
            for a in shown
        ]
        data = pickle.dumps((urls, texts), pickle.HIGHEST_PROTOCOL)
        if len(data) + 8 <= len(self._shared):  # else each worker renders its own
            self._shared[8 : 8 + len(data)] = data
            self._shared[:8] = len(data).to_bytes(8, "little")
        self._ready.set()

    def give_up(self) -> None:
        """Let the workers go on without the cards: each renders those it shows."""
        self._ready.set()

    def read(self, cards: dict[str, Any]) -> None:
        """Add the cards to ``cards`` (URL -> HTML), once they are there."""
        import pickle

        from markupsafe import Markup

        self._ready.wait()
        size = int.from_bytes(self._shared[:8], "little")
        if size:
            urls, texts = pickle.loads(self._shared[8 : 8 + size])
            for url, text in zip(urls, texts, strict=True):
                cards.setdefault(url, Markup(text))  # safe: rendered with autoescape

    def close(self) -> None:
        self._renderer._board = None
        self._shared.close()


def _same_views(a: ViewFactory, b: ViewFactory) -> bool:
    """Whether two view factories make the same views (the same URLs and time zone)."""
    return a.urls == b.urls and a.tz == b.tz


KeyOf = Callable[[Article], str]  # a string that changes whenever the article does
# slug -> the article, its edge list, the articles it links to and its graph page line.
LinksMemo = dict[Slug, tuple[Article, tuple[Edge, ...], tuple[Article, ...], str]]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a build
# plans 12,800 pages (frozen, that was a fifth of planning after an edit). Never changed.
@dataclass(slots=True)
class Page:
    """One page to render: where it goes, what made it, and every input it depends on.

    ``deps`` must name everything the page's bytes depend on (besides the templates and the
    settings, which the build cache adds): two builds with equal deps make equal bytes, so
    the cache can skip rendering it. ``make`` renders it."""

    path: OutputPath
    source: str
    deps: tuple[str, ...]
    make: Callable[[Renderer], OutputFile]
    # The page's key when planning found its deps unchanged since the last build (see
    # sitegen/replan.py): the deps were not made again, and are empty.
    key: str = ""
    # The articles whose cards a listing page shows, when planning knows them: a parallel
    # render makes all the cards once for its workers (Renderer.card_board).
    cards: Sequence[Article] = ()


@dataclass
class KeyMemo:
    """The strings PageKeys made in the last build of this process, with the very objects
    they were made from: a string is reused only when those are the same objects (immutable,
    and kept alive here, so the same object means the same value). ``serve`` keeps the
    articles and the relate state between rebuilds, so after an edit nearly all are reused.
    ``pages``: output path -> the page's deps and key, for the build's page keys."""

    shown: dict[Slug, tuple[Article, str]] = field(default_factory=dict)
    near: dict[Slug, tuple[tuple[Edge, ...], Article, tuple[Article, ...], str]] = field(
        default_factory=dict
    )
    own: dict[Slug, tuple[tuple[Edge, ...], str]] = field(default_factory=dict)
    pages: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    # slug -> the article, its edge list, outside links and coverage, and its page's deps.
    articles: dict[Slug, tuple[Article, tuple[Edge, ...], object, str, tuple[str, ...]]] = field(
        default_factory=dict
    )
    # slug -> the article, its edge list and its line in the graph page's deps (links).
    links: dict[Slug, tuple[Article, tuple[Edge, ...], str]] = field(default_factory=dict)
    # slug -> the article and its part of the graph data's inputs (_graph_data_inputs).
    parts: dict[Slug, tuple[Article, str]] = field(default_factory=dict)
    # The edge lists and, per article, the articles whose lists name it (PageKeys.dirty).
    pointing: tuple[dict[Slug, tuple[Edge, ...]], dict[Slug, set[Slug]]] | None = None
    # The site and graph the strings above were made from (see cards_changed).
    site: dict[Slug, Article] = field(default_factory=dict)
    graph: RelatedGraph | None = None
    # slug -> the article and its planned page.
    article_pages: dict[Slug, tuple[Article, Page]] = field(default_factory=dict)
    # A listing's pages (home, a topic, a provider) by their folder and template.
    listings: dict[tuple[str, str], ListingPlan] = field(default_factory=dict)


@dataclass(frozen=True)
class ListingPlan:
    """A listing's planned pages and what they were planned from: its articles (the very
    objects, in order), their slugs and the listing's own values. Its cards show each
    article, its story's other articles and the stories' order: while none of these changed
    (see cards_changed), the pages are the same."""

    articles: tuple[Article, ...]
    slugs: tuple[Slug, ...]
    context: tuple[object, ...]
    pages: tuple[Page, ...]


def cards_changed(
    by_slug: dict[Slug, Article], graph: RelatedGraph, memo: KeyMemo
) -> set[Slug] | None:
    """Slugs of the articles whose listing card may differ from the one planned with
    ``memo``: the article itself is not the very object of that plan, or its story (members,
    order, any member's article) changed. None when there was no plan before. A card
    shows the article (key_of) and its story's other articles (coverage); a listing's
    stories decide which of its articles get a card."""
    old_site, old_graph = memo.site, memo.graph
    if old_graph is None:
        return None
    changed = {s for s, a in by_slug.items() if old_site.get(s) is not a}
    changed.update(old_site.keys() - by_slug.keys())  # gone
    if old_graph.clusters is not graph.clusters and old_graph.clusters != graph.clusters:
        for key in old_graph.clusters.keys() | graph.clusters.keys():
            before, after = old_graph.clusters.get(key), graph.clusters.get(key)
            if before != after:
                changed.update(before.members if before else ())
                changed.update(after.members if after else ())
    if old_graph.cluster_of is not graph.cluster_of and old_graph.cluster_of != graph.cluster_of:
        for slug in old_graph.cluster_of.keys() | graph.cluster_of.keys():
            if old_graph.cluster_of.get(slug) != graph.cluster_of.get(slug):
                changed.add(slug)
    # A changed article shows on its story's other cards.
    for slug in list(changed):
        for cluster in (old_graph, graph):
            found = cluster.clusters.get(cluster.cluster_of.get(slug, Slug("")))
            if found is not None:
                changed.update(found.members)
    return changed


class PageKeys:
    """Cheap strings for the deps of pages that show other articles: each names exactly
    what a page shows of them, taken from the articles and the graph's edge lists rather
    than from rendered view models, and memoized, so planning 10,000 article pages costs a
    fraction of rendering one in ten of them. With ``memo`` (the last build's), strings made
    from unchanged objects are reused; ``self.memo`` is the one for the next build."""

    def __init__(
        self,
        index: SiteIndex,
        graph: RelatedGraph,
        key_of: KeyOf,
        memo: KeyMemo | None = None,
        cards: set[Slug] | None = None,
        drawn: bool = False,
        kept_links: LinksMemo | None = None,
        texts: dict[Slug, tuple[str, str, str]] | None = None,
        remember: bool = True,
        keep_shown: bool = True,
    ) -> None:
        self.by_slug = index.by_slug
        self.graph = graph
        self.key_of = key_of
        self._shown: dict[Slug, str] = {}
        self._near: dict[Slug, str] = {}
        self._own: dict[Slug, str] = {}
        self._coverage: dict[Slug, str] = {}
        self._card: dict[Slug, str] = {}
        self._old = memo or KeyMemo()
        self.memo = KeyMemo()
        self._dirty: set[Slug] | None = None
        # Articles whose card or coverage may differ from the memo's (cards_changed).
        self._cards = cards
        # Article pages keyed by their local graph as drawn (see article).
        self._drawn = drawn
        # The graph page's lines of the plans of this process (serve), updated in place.
        self._kept_links = kept_links
        # Each article's shown and topics texts, made already (replan.PlanMemo.articles).
        self._texts = texts or {}
        # Whether self.memo keeps more than the shown texts (plan_site's memo does; a plan
        # of _replan_site reads the shown texts alone).
        self._remember = remember
        # Whether self.memo keeps the shown texts made in bulk (serve's next plan reads them).
        self._keep_shown = keep_shown
        # No string of a last build to reuse, and keys that name the related lists: every
        # article page's deps can be made in bulk (see article_pages).
        self._fresh = memo is None and not drawn and not remember
        # slug -> what the graph page's list shows of it, made in bulk (see links).
        self._links: dict[Slug, str] | None = None
        # Per article, in the graph's order: what pages show of each article its related
        # list names (made by _related_texts, for the graph page's lines).
        self._named: tuple[list[Slug], list[int], list[str]] | None = None

    def shown(self, slug: Slug) -> str:
        """What a page shows of another article: its URL, title, provider and date (in a
        link, a Related entry, a graph node, a coverage line)."""
        found = self._shown.get(slug)
        if found is None:
            a = self.by_slug[slug]
            old = self._old.shown.get(slug)
            if old is not None and same_article(old[0], a):
                found = old[1]
            elif (texts := self._texts.get(slug)) is not None:
                found = texts[0]
            else:
                provider = a.provider.name if a.provider else ""
                when = a.published.isoformat() if a.published else ""
                found = f"{slug}\x1f{a.title}\x1f{provider}\x1f{when}"
            self._shown[slug] = found
            self.memo.shown[slug] = (a, found)
        return found

    def near(self, slug: Slug) -> str:
        """A related article as an article page shows it: itself, and its own related
        articles with their scores (ring 2 and the lines of the local graph)."""
        found = self._near.get(slug)
        if found is None:
            by_slug = self.by_slug
            edges = self.graph.edges.get(slug, ())
            a = by_slug[slug]
            old = self._old.near.get(slug)
            # (Only to compare with the memo's, or to keep in it.)
            targets = tuple([by_slug[e.target] for e in edges]) if old or self._remember else ()
            if (
                old is not None
                and old[0] is edges
                and same_article(old[1], a)
                and _same(old[2], targets)
            ):
                found = old[3]
            else:
                shown = self.shown
                text = (
                    shown(slug)
                    + "\x1d"
                    + "\x1e".join(f"{e.score} {shown(e.target)}" for e in edges)
                )
                # Hashed once: each is in the keys of several pages, and hashing them all
                # again for every page cost more than this.
                found = hashlib.blake2b(
                    text.encode("utf-8", "surrogatepass"), digest_size=16
                ).hexdigest()
            self._near[slug] = found
            if self._remember:
                self.memo.near[slug] = (edges, a, targets, found)
        return found

    def own(self, slug: Slug) -> str:
        """An article's related entries: targets, scores and reasons, in rank order."""
        found = self._own.get(slug)
        if found is None:
            edges = self.graph.edges.get(slug, ())
            old = self._old.own.get(slug)
            if old is not None and old[0] is edges:
                found = old[1]
            else:
                found = "\x1e".join(f"{e.target} {e.score} {'|'.join(e.reasons)}" for e in edges)
            self._own[slug] = found
            if self._remember:
                self.memo.own[slug] = (edges, found)
        return found

    def coverage(self, slug: Slug) -> str:
        """The other articles of the story ``slug`` is in, as coverage lines show them."""
        if slug not in self.graph.cluster_of:
            return ""
        found = self._coverage.get(slug)
        if found is None:
            found = "\x1e".join(self.shown(s) for s in self.graph.siblings(slug))
            self._coverage[slug] = found
        return found

    def card(self, article: Article) -> str:
        """An article as a listing's card shows it, with its story's other coverage."""
        found = self._card.get(article.slug)  # on the home page and each of its listings
        if found is None:
            found = f"{self.key_of(article)}\x1d{self.coverage(article.slug)}"
            self._card[article.slug] = found
        return found

    def cards(self, articles: Sequence[Article]) -> Iterator[str]:
        """``card`` of each of ``articles``; with no last build's strings (see _fresh), those
        of every article are made at once, on the first call (43,000 cards at 10,000
        articles, the same few thousand articles on the home page and their listings)."""
        if not self._fresh:
            return map(self.card, articles)
        made = self._card
        if len(made) < len(self.by_slug):
            every = list(self.by_slug.values())
            slugs = list(self.by_slug)
            cluster_of, coverage = self.graph.cluster_of, self.coverage
            stories = [coverage(s) if s in cluster_of else "" for s in slugs]
            texts = map("\x1d".join, zip(map(self.key_of, every), stories, strict=True))
            made.update(zip(slugs, texts, strict=True))
        return map(made.__getitem__, map(_SLUG_OF, articles))

    def links(self, article: Article) -> str:
        """An article as the graph page's list shows it: its link and its related links."""
        slug = article.slug
        targets = self.graph.edges.get(slug, ())
        kept = self._kept_links
        if kept is not None:
            # Made from the article and those it links to alone: reused while they are the
            # very objects (serve plans ~10 graph pages of 100 lines again after a topic
            # edit).
            by_slug = self.by_slug
            linked = tuple([by_slug[e.target] for e in targets])
            hit = kept.get(slug)
            if (
                hit is not None
                and hit[0] is article
                and hit[1] is targets
                and all(map(operator.is_, hit[2], linked))
            ):
                return hit[3]
            found = "\x1e".join([self.shown(slug), *(self.shown(e.target) for e in targets)])
            _bound(kept, len(by_slug))
            kept[slug] = (article, targets, linked, found)
            return found
        if self._fresh:
            if self._links is None:
                self._links = self._all_links()
            line = self._links.get(slug)
            if line is not None:
                return line
        old = self._old.links.get(slug)
        # Its targets' own lines change only with their articles: then it is dirty.
        if old is not None and old[0] is article and old[1] is targets and slug not in self.dirty():
            found = old[2]
        else:
            found = "\x1e".join([self.shown(slug), *(self.shown(e.target) for e in targets)])
        if self._remember:
            self.memo.links[slug] = (article, targets, found)
        return found

    def _all_links(self) -> dict[Slug, str]:
        """``links`` of every article, at once, from the texts _related_texts looked up."""
        if self._named is None:
            self._related_texts()
        assert self._named is not None
        slugs, counts, named = self._named
        shown = self._shown
        heads = list(map(shown.__getitem__, slugs))
        tails = map("\x1e".join, map(islice, repeat(iter(named)), counts))
        lines = [f"{h}\x1e{t}" if n else h for h, n, t in zip(heads, counts, tails, strict=True)]
        return dict(zip(slugs, lines, strict=True))

    def data_part(self, article: Article) -> str:
        """An article as graph.json and the graph page's data show it (their inputs)."""
        old = self._old.parts.get(article.slug)
        if old is not None and old[0] is article:
            found = old[1]
        elif (texts := self._texts.get(article.slug)) is not None:
            found = self.shown(article.slug) + "\x1f" + texts[1]
        else:
            topics = "\x1e".join([f"{t.slug}\x1d{t.name}" for t in article.topics])
            found = self.shown(article.slug) + "\x1f" + topics
        if self._remember:
            self.memo.parts[article.slug] = (article, found)
        return found

    def data_parts(self, articles: Sequence[Article]) -> list[str]:
        """``data_part`` of each of ``articles``; with no last build's strings and the texts
        given for all (see _fresh), made in C."""
        texts = self._texts
        if not self._fresh or self._remember or len(texts) != len(self.by_slug):
            return list(map(self.data_part, articles))
        shown = self._all_shown()
        slugs = list(map(_SLUG_OF, articles))
        try:
            topics = map(_ITEM_1, map(texts.__getitem__, slugs))
            return list(map("\x1f".join, zip(map(shown.__getitem__, slugs), topics, strict=True)))
        except KeyError:  # (an article without texts)
            return list(map(self.data_part, articles))

    def owns(self, slugs: Collection[Slug]) -> Iterator[str]:
        """``own`` of each of ``slugs`` (those made in bulk by article_pages looked up in C)."""
        found = self._own
        if self._fresh and found.keys() >= set(slugs):
            return map(found.__getitem__, slugs)
        return map(self.own, slugs)

    def article_page(self, article: Article) -> tuple[str, ...]:
        """``article``'s deps; those of the last build when nothing they are made from changed
        (see dirty), without making its neighbours' strings again."""
        slug = article.slug
        edges = self.graph.edges.get(slug, ())
        outside = self.graph.external.get(slug)
        old = self._old.articles.get(slug)
        if old is not None and old[0] is article and self._cards is not None:
            # Its story and their articles are those of the last plan: the same coverage.
            coverage = old[3] if slug not in self._cards else self.coverage(slug)
        else:
            coverage = self.coverage(slug)
        if (
            old is not None
            and same_article(old[0], article)
            and old[1] is edges
            and old[2] == outside
            and old[3] == coverage
            and slug not in self.dirty()
        ):
            deps = old[4]
        else:
            deps = (f"articles/{slug}/", "article.html", *self.article(article))
        if self._remember:
            self.memo.articles[slug] = (article, edges, outside, coverage, deps)
        return deps

    def article_pages(self, articles: Sequence[Article]) -> list[tuple[str, ...]]:
        """article_page of each of ``articles``. With no last build's strings to reuse, all
        of them are made at once: each article's ``near`` and ``own`` strings from one pass
        over every edge of the graph (C loops over ~50,000 edges), not a Python call, a
        generator and several dict lookups per related entry."""
        if not self._fresh or len(articles) < len(self.by_slug) // 2:
            return list(map(self.article_page, articles))
        nears = self._related_texts()
        own, coverage, key_of = self._own, self.coverage, self.key_of
        external, cluster_of = self.graph.external, self.graph.cluster_of
        deps = []
        try:
            for article in articles:
                slug = article.slug
                outside = external.get(slug)
                deps.append(
                    (
                        f"articles/{slug}/",
                        "article.html",
                        key_of(article),
                        own[slug],
                        _chosen(article, outside) if outside else "",
                        coverage(slug) if slug in cluster_of else "",
                        *nears[slug],
                    )
                )
        except KeyError:  # an article the graph has no list for: its page has none
            return list(map(self.article_page, articles))
        return deps

    def _related_texts(self) -> dict[Slug, tuple[str, ...]]:
        """``own`` and ``near`` of every article of the graph, made at once (see
        article_pages), and per article the ``near`` of each article its list names. Each
        edge's score is written once for both (and each distinct score once), each related
        entry's shown text looked up once for ``near`` and the graph page's lines (links)."""
        edges_of = self.graph.edges
        shown = self._all_shown()
        slugs = list(edges_of)
        counts = list(map(len, edges_of.values()))
        flat = list(chain.from_iterable(edges_of.values()))
        targets = list(map(_TARGET, flat))
        scores = _score_texts(list(map(_SCORE, flat)))
        reasons = map("|".join, map(_REASONS, flat))
        entries = iter(list(map(" ".join, zip(targets, scores, reasons, strict=True))))
        owns = map("\x1e".join, map(islice, repeat(entries), counts))
        self._own.update(zip(slugs, owns, strict=True))
        named = list(map(shown.__getitem__, targets))
        self._named = (slugs, counts, named)
        ranked = iter(list(map(" ".join, zip(scores, named, strict=True))))
        lists = map("\x1e".join, map(islice, repeat(ranked), counts))
        texts = map("\x1d".join, zip(map(shown.__getitem__, slugs), lists, strict=True))
        # Hashed once: each is in the keys of several pages (see near).
        near = self._near
        near.update(zip(slugs, map(_HEX, map(_BLAKE16, map(_UTF8, texts))), strict=True))
        for slug in set(targets).difference(near):  # (named, with no list of its own)
            self.near(slug)
        nears = iter(list(map(near.__getitem__, targets)))
        lists_of = map(tuple, map(islice, repeat(nears), counts))
        return dict(zip(slugs, lists_of, strict=True))

    def _all_shown(self) -> dict[Slug, str]:
        """``shown`` of every article, made in bulk (from the texts given, when there)."""
        texts, found = self._texts, self._shown
        if len(found) == len(self.by_slug):
            return found  # (made already: it holds no other slugs)
        if len(texts) == len(self.by_slug) and texts.keys() == self.by_slug.keys():
            found.update(zip(texts, map(_ITEM_0, texts.values()), strict=True))
        else:
            for slug in self.by_slug:
                self.shown(slug)
        if self._keep_shown:
            kept = zip(map(self.by_slug.__getitem__, found), found.values(), strict=True)
            self.memo.shown.update(zip(found, kept, strict=True))
        return found

    def dirty(self) -> set[Slug]:
        """Articles whose page may show something new through a related article: those whose
        related articles' strings (``near``) may differ from the last build's. ``near(t)`` is
        made from the article ``t``, its edge list and the articles that list points to, so
        it can only change when one of these is not the very object of the last build."""
        if self._dirty is None:
            old = self._old.articles
            edges_of = self.graph.edges
            changed: set[Slug] = set()  # the article or its edge list
            new_articles: set[Slug] = set()  # the article itself (shown by everyone near it)
            for slug, a in self.by_slug.items():
                hit = old.get(slug)
                if hit is None or not same_article(hit[0], a):
                    new_articles.add(slug)
                    changed.add(slug)
                elif hit[1] is not edges_of.get(slug, ()):
                    changed.add(slug)
            near = set(changed)
            # target -> the articles whose lists name it
            pointing = self._pointing(changed) if changed else {}
            for slug in new_articles:
                near.update(pointing.get(slug, ()))
            self._dirty = set(changed)
            for slug in near:
                self._dirty.update(pointing.get(slug, ()))
        return self._dirty

    def _pointing(self, changed: set[Slug]) -> dict[Slug, set[Slug]]:
        """Per article, the articles whose related lists name it: the last plan's (memo),
        brought up to date for the lists that changed (``changed`` holds every article
        whose list is not the very tuple of the last plan), else made from every list."""
        edges_of = self.graph.edges
        last, self._old.pointing = self._old.pointing, None  # changed in place below
        # ``changed`` is against the last plan: only its lists can be brought up to date.
        if last is None or self._old.graph is None or last[0] is not self._old.graph.edges:
            pointing: dict[Slug, set[Slug]] = {}
            for slug, ranked in edges_of.items():
                for e in ranked:
                    pointing.setdefault(e.target, set()).add(slug)
        else:
            old_edges, pointing = last
            for slug in changed | (old_edges.keys() - edges_of.keys()):
                before, after = old_edges.get(slug, ()), edges_of.get(slug, ())
                if before is not after:
                    for e in before:
                        pointing[e.target].discard(slug)
                    for e in after:
                        pointing.setdefault(e.target, set()).add(slug)
        self.memo.pointing = (edges_of, pointing)
        return pointing

    def article(self, article: Article) -> tuple[str, ...]:
        """Everything an article page shows: the article, its Related section (entries,
        reasons, outside links, other coverage) and its local graph (two hops)."""
        edges = self.graph.edges.get(article.slug, ())
        own = self.own(article.slug)
        outside = self.graph.external.get(article.slug, ())
        # The outside links are some of the article's own entries (so its key covers them):
        # which ones depends on the rest of the site.
        chosen = (
            [str(i) for i, link in enumerate(article.related) if link in outside] if outside else []
        )
        if self._drawn:
            return (
                self.key_of(article),
                own,
                ",".join(chosen),
                self.coverage(article.slug),
                *self._drawn_graph(article.slug, edges),
            )
        return (
            self.key_of(article),
            own,
            ",".join(chosen),
            self.coverage(article.slug),
            *(self.near(e.target) for e in edges),
        )

    def _drawn_graph(self, slug: Slug, edges: tuple[Edge, ...]) -> list[str]:
        """What an article page shows of its related articles, exactly: each one's entry,
        and the local graph as drawn (which articles, where, which lines how wide) with what
        each of its articles shows. ``near`` names every related article's whole related
        list instead, most of which the drawing leaves out: a page planned again for one of
        those rendered the same bytes. Exact but dearer (a local graph per page), so it is
        used for the pages planned again after an edit only: a page keyed either way keeps
        its key while its inputs are unchanged (the two kinds of key never match)."""
        nodes, lines = drawn_local_graph(self.graph, slug) if edges else ((), ())
        # (Plain tuples: a dataclass's repr, field by field in Python, cost more than the
        # drawing.)
        drawn = (
            [(n.slug, n.x, n.y, n.ring) for n in nodes],
            [(e.source, e.target, e.score) for e in lines],
        )
        text = repr(drawn).encode("utf-8", "surrogatepass")
        shown = self.shown
        return [
            "drawn " + hashlib.blake2b(text, digest_size=16).hexdigest(),
            *(shown(e.target) for e in edges),
            *(shown(n.slug) for n in nodes[1:]),
        ]


def warm_planned_pages(
    index: SiteIndex, graph: RelatedGraph, key_of: KeyOf, planned: PlannedPages
) -> None:
    """Make every article's line of the graph page's list (and what pages show of each
    article) into ``planned``, as serve's first build: its first edit plans ~10 graph pages
    of 100 lines again (a new title moves an article in the list), which otherwise found
    none of them kept (~20 ms of that edit)."""
    shown = KeyMemo(shown=planned.shown)
    keys = PageKeys(index, graph, key_of, shown, drawn=True, kept_links=planned.links)
    for article in index.articles:
        keys.links(article)
    planned.shown.update(keys.memo.shown)
    # And each topic's and provider's articles and cards, as a plan keeps them for the
    # next (see _ListingReplan): its first edit found its listings' cards anew (~10 ms).
    cluster_of = graph.cluster_of
    for kind, group in (("topic", index.topics), ("provider", index.providers)):
        for listing in group.values():
            where = (f"{kind}s/{listing.slug}/", f"{kind}.html")
            if where not in planned.members:
                members = tuple(map(_SLUG_OF, listing.articles))
                leads = tuple(map(_SLUG_OF, story_leads(cluster_of, listing.articles)))
                planned.members[where] = (members, leads, cluster_of)


def _same(old: tuple[Article, ...], new: tuple[Article, ...]) -> bool:
    """The same articles, in the same order."""
    return len(old) == len(new) and all(map(same_article, old, new))


def file_path(url_path: str) -> OutputPath:
    """The file a page URL is written to: a folder URL gets ``index.html``."""
    return OutputPath(
        url_path + "index.html" if url_path.endswith("/") or not url_path else url_path
    )


def plan_site(
    index: SiteIndex,
    config: SiteConfig,
    key_of: KeyOf = repr,
    graph: RelatedGraph | None = None,
    memo: KeyMemo | None = None,
    gv: GraphViews | None = None,
    changes: Changes | None = None,
    out: PlanMemo | None = None,
    pages_memo: PlannedPages | None = None,
) -> list[Page]:
    """Every page of the site, not yet rendered: home, articles, topics, providers, the
    graph, 404. A page's deps name what it shows of other articles through cheap strings
    made from the graph's edge lists (see PageKeys), so a change anywhere in an article's
    neighbourhood re-renders it, and planning stays far cheaper than rendering. ``memo``
    (kept by the caller between builds) is updated for the next build. ``gv``: the
    renderer's GraphViews, so what planning and rendering both need is made once.
    ``changes``: what may differ since the last build (sitegen/replan.py); the other pages
    keep their last key. ``out``: the memo of this plan for the next build, filled in.
    ``pages_memo``: the pages the last plan of this process made from their keys (updated)."""
    urls = Urls(config.base_path)
    if changes is not None or out is not None:
        return _replan_site(index, config, key_of, graph, gv, changes, out, urls, pages_memo)
    if graph is None:
        graph = relate(index, config.related_count)
    if gv is None:
        gv = GraphViews(index, graph, ViewFactory(urls, config.tz))
    cards = cards_changed(index.by_slug, graph, memo) if memo else None
    keys = PageKeys(index, graph, key_of, memo, cards)
    # Listings none of whose cards changed keep their pages (43,000 cards at 10,000 articles).
    planned = _Listings(memo, cards)
    pages = planned.plan(
        index.articles, "", urls.home, "index.html", "home page", config, keys, gv, True
    )
    last = memo.article_pages if memo is not None else {}
    made: dict[Slug, tuple[Article, Page]] = {}
    for a in index.articles:
        deps = keys.article_page(a)
        hit = last.get(a.slug)
        if hit is not None and hit[0] is a and hit[1].deps is deps:
            page = hit[1]  # the very page of the last plan
        else:
            page = Page(
                file_path(f"articles/{a.slug}/"),
                str(a.source),
                deps,
                lambda r, a=a: r.article_page(a),  # type: ignore[misc]
            )
        made[a.slug] = (a, page)
        pages.append(page)
    for kind, listings in (("topic", index.topics), ("provider", index.providers)):
        pages.append(_index_plan(kind, listings))
        url_of = urls.topic if kind == "topic" else urls.provider
        for listing in listings.values():
            pages.extend(
                planned.plan(
                    listing.articles,
                    f"{kind}s/{listing.slug}/",
                    lambda n, slug=listing.slug, u=url_of: u(slug, n),  # type: ignore[misc]
                    f"{kind}.html",
                    f"{kind} {listing.name}",
                    config,
                    keys,
                    gv,
                    name=listing.name,
                    slug=listing.slug,
                )
            )
    pages.extend(_graph_plan(index, gv, keys, config))
    pages.extend(_fixed_pages(config))
    if memo is not None:  # what this build made, for the next
        memo.shown, memo.near, memo.own = keys.memo.shown, keys.memo.near, keys.memo.own
        memo.articles = keys.memo.articles
        memo.links, memo.parts = keys.memo.links, keys.memo.parts
        memo.site, memo.graph = index.by_slug, graph
        memo.article_pages = made
        memo.pointing = keys.memo.pointing
        memo.listings = planned.made
    return pages


def _replan_site(
    index: SiteIndex,
    config: SiteConfig,
    key_of: KeyOf,
    graph: RelatedGraph | None,
    gv: GraphViews | None,
    changes: Changes | None,
    out: PlanMemo | None,
    urls: Urls,
    planned: PlannedPages | None = None,
) -> list[Page]:
    """plan_site, with the pages ``changes`` does not name planned from their last key; the
    pages come in the same order with the same paths and makers as a full plan's. The
    pages of ``planned`` are reused when made from the very same objects with the same key."""
    if graph is None:
        graph = relate(index, config.related_count)
    if gv is None:
        gv = GraphViews(index, graph, ViewFactory(urls, config.tz))
    # (After an edit, the few article pages planned again get exact keys: see _drawn_graph.)
    # What pages show of each article, made by the plans of this process (serve): reused for
    # the very same articles (thousands of strings, after every edit).
    shown = KeyMemo(shown=planned.shown) if planned is not None and changes is not None else None
    kept_links = planned.links if planned is not None else None
    # A plan from scratch: the memo's texts were made from these very articles just now.
    texts = out.articles if out is not None and changes is None else None
    keys = PageKeys(
        index,
        graph,
        key_of,
        shown,
        drawn=changes is not None,
        kept_links=kept_links,
        texts=texts,
        remember=False,
        keep_shown=planned is not None,
    )
    order = _site_order(index, out)
    home = _home_leads(order, changes, graph) if changes is not None else None
    listings = _ListingReplan(
        config, keys, gv, changes, out, planned, (index.articles, home) if home else None
    )
    pages = listings.plan(index.articles, "", urls.home, "index.html", "home page", True)
    # (The loop of planning after an edit that runs for every article: kept plain.)
    again = changes.articles if changes is not None else set()
    last = changes.keys if changes is not None else {}
    old = planned.articles if planned is not None and changes is not None else {}
    articles = index.articles
    # The very pages of the last plan (see PlannedPages) are reused: an article not planned
    # again, the very object of the last plan, whose page's key is still the last build's.
    slugs = order
    if old:  # (serve's)
        # (In C: 10,000 articles after every edit, in serve.)
        found: list[Any] = list(map(old.get, slugs, repeat(_NOT_PLANNED)))
        kept_pages = list(map(_ITEM_1, found))
        same = map(operator.is_, map(_ITEM_0, found), articles)
        last_keys = map(_ITEM_0, map(last.get, map(_PAGE_PATH, kept_pages), repeat(_NO_KEY)))
        same_key = map(operator.eq, map(_PAGE_KEY, kept_pages), last_keys)
        not_again = map(operator.not_, map(again.__contains__, slugs))
        reused = list(map(operator.and_, map(operator.and_, same, same_key), not_again))
        assert len(reused) == len(articles)
        made = dict(compress(zip(slugs, found, strict=True), reused))
        at = list(compress(range(len(articles)), map(operator.not_, reused)))
    else:  # none planned by this process (the CLI's): every page is made
        made, at = {}, list(range(len(articles)))
    new_pages = _article_replan(
        list(map(articles.__getitem__, at)), list(map(slugs.__getitem__, at)), keys, again, last
    )
    if len(at) == len(articles):
        kept_pages = new_pages
    else:
        for k, page in zip(at, new_pages, strict=True):
            kept_pages[k] = page
    pages.extend(kept_pages)
    if planned is not None:  # (serve's: the CLI keeps none, its next plan is another process's)
        for k, page in zip(at, new_pages, strict=True):
            if page.key:  # planned from its last key
                made[slugs[k]] = (articles[k], page)
        planned.articles = made
    for kind, group in (("topic", index.topics), ("provider", index.providers)):
        pages.append(_index_plan(kind, group))
        url_of = urls.topic if kind == "topic" else urls.provider
        for listing in group.values():
            pages.extend(
                listings.plan(
                    listing.articles,
                    f"{kind}s/{listing.slug}/",
                    lambda n, slug=listing.slug, u=url_of: u(slug, n),  # type: ignore[misc]
                    f"{kind}.html",
                    f"{kind} {listing.name}",
                    name=listing.name,
                    slug=listing.slug,
                )
            )
    pages.extend(_graph_replan(index, gv, keys, changes, out, config))
    pages.extend(_fixed_pages(config))
    if planned is not None:
        planned.listings = listings.made
        planned.shown.update(keys.memo.shown)
    return pages


_NO_KEY = (None,)  # the last build's entry of a path it did not make


def _article_replan(
    articles: list[Article],
    slugs: list[Slug],
    keys: PageKeys,
    again: set[Slug],
    last: dict[str, tuple[str, str, int]],
) -> list[Page]:
    """The pages of these articles: from their last key (in ``last``, by path) unless
    planned ``again``. (Made in C: all 10,000 in a new process, the CLI's.)"""
    paths = list(map(_ARTICLE_FILE, slugs))  # file_path's
    found: Callable[[str, tuple[str, ...]], tuple[str, ...]] = last.get  # type: ignore[assignment]
    hits = list(map(found, paths, repeat(_NO_HIT)))
    for k in compress(range(len(slugs)), map(again.__contains__, slugs)):
        hits[k] = _NO_HIT
    deps: list[tuple[str, ...]] = [()] * len(slugs)
    todo = list(compress(range(len(slugs)), map(operator.is_, hits, repeat(_NO_HIT))))
    for k, made in zip(
        todo, keys.article_pages(list(map(articles.__getitem__, todo))), strict=True
    ):
        deps[k] = made
    sources = map(str, map(_SOURCE_OF, articles))
    makers = map(partial, repeat(_article_page), articles)
    return list(map(Page, paths, sources, deps, makers, map(_ITEM_0, hits)))


def _article_page(article: Article, r: Renderer) -> OutputFile:
    return r.article_page(article)


def _chosen(article: Article, outside: tuple[RelatedLink, ...]) -> str:
    """Which of the article's own related entries are its outside links (their places): an
    entry is one when it equals one of them, so only those with one's title are compared."""
    titles = {link.title for link in outside}
    return ",".join(
        [
            str(i)
            for i, link in enumerate(article.related)
            if link.title in titles and link in outside
        ]
    )


def _score_texts(scores: list[float]) -> list[str]:
    """str of each score (as f"{score}" writes it), each distinct value written once: scores
    are rounded, so ~45,000 edges have a few thousand (a float's repr is dear)."""
    distinct = set(scores)
    if 0.0 in distinct or not all(map(isinstance, scores, repeat(float))):
        return list(map(str, scores))  # (-0.0 == 0.0 and 1 == 1.0, written otherwise)
    written = dict(zip(distinct, map(str, distinct), strict=True))
    return list(map(written.__getitem__, scores))


_TARGET, _SCORE = operator.attrgetter("target"), operator.attrgetter("score")
_REASONS = operator.attrgetter("reasons")
_UTF8 = operator.methodcaller("encode", "utf-8", "surrogatepass")
_BLAKE16 = partial(hashlib.blake2b, digest_size=16)
_HEX = operator.methodcaller("hexdigest")
_ARTICLE_FILE: Callable[[Slug], OutputPath] = "articles/{}/index.html".format  # type: ignore[assignment]
_NO_HIT: tuple[str, ...] = ("",)  # a page not planned from its last key
_SOURCE_OF = operator.attrgetter("source")


def _bound(memo: dict[Any, Any], articles: int) -> None:
    """Empty a per-article memo kept across serve's builds once it holds more than twice the
    site's articles: the entries of articles gone (a few per edit) would otherwise pile up."""
    if len(memo) > 2 * articles + 100:
        memo.clear()


def _home_leads(
    order: tuple[Slug, ...], changes: Changes, graph: RelatedGraph
) -> tuple[Slug, ...] | None:
    """The slugs of the home page's cards (story_leads of every article) known from the last
    plan's, without going through 10,000 articles after every edit (serve); see
    _leads_after."""
    memo = changes.memo
    last = memo.listings.get(("", "index.html"))
    if last is None:
        return None
    same = graph.cluster_of is memo.cluster_of or graph.cluster_of == memo.cluster_of
    return _leads_after(order, memo.order, last.leads, same, memo.cluster_of, graph.cluster_of)


def _leads_after(
    now: tuple[Slug, ...],
    was: tuple[Slug, ...],
    leads: tuple[Slug, ...],
    same_stories: bool,
    cluster_of: dict[Slug, Slug],
    new_cluster_of: dict[Slug, Slug],
) -> tuple[Slug, ...] | None:
    """The slugs of the first article of each story of a listing whose articles' slugs are
    ``now``, from those of the listing's articles (``was``) and story leads (``leads``) of a
    plan before: the same, when the articles kept their order and stories
    (``same_stories``: ``cluster_of`` and ``new_cluster_of`` are equal); an article in no
    story, before or after, may have been replaced by one other in its place (a new title
    makes a new slug). None when they cannot be told so."""
    if len(now) != len(was) or not same_stories:
        return None
    if now == was:
        return leads
    moved = list(compress(range(len(now)), map(operator.ne, now, was)))
    if len(moved) > _MOST_REPLACED:
        return None
    found = list(leads)
    for at in moved:
        if was[at] in cluster_of or now[at] in new_cluster_of:
            return None
        try:
            found[found.index(was[at])] = now[at]  # in no story: its own card
        except ValueError:
            return None
    return tuple(found)


_MOST_REPLACED = 16  # articles replaced in place that _home_leads looks for one by one
_ITEM_0, _ITEM_1 = operator.itemgetter(0), operator.itemgetter(1)
_SLUG_OF = operator.attrgetter("slug")
_PAGE_PATH, _PAGE_KEY = operator.attrgetter("path"), operator.attrgetter("key")


def _site_order(index: SiteIndex, out: PlanMemo | None) -> tuple[Slug, ...]:
    """The articles' slugs in site order: those of ``out`` (the memo made for this plan,
    replan.new_memo), else made here."""
    if out is not None and len(out.order) == len(index.articles):
        return out.order
    return tuple([a.slug for a in index.articles])


def _no_page(r: Renderer) -> OutputFile:
    raise AssertionError("never planned")


# An article the last plan made no page for from its key: a page (and key) no build makes.
_NOT_PLANNED: tuple[None, Page] = (None, Page(OutputPath(""), "", (), _no_page, "\x00"))


def _fixed_pages(config: SiteConfig) -> list[Page]:
    """The pages that show no article: the 404 page, and the search page when search is on."""
    pages = [
        Page(
            OutputPath("404.html"),
            "404 page",
            ("404.html",),
            lambda r: r.page("404.html", "404.html", "404 page"),
        )
    ]
    if config.search:
        pages.append(
            Page(
                file_path("search/"),
                "search page",
                ("search/",),
                lambda r: r.page("search/", "search.html", "search page"),
            )
        )
    return pages


class _ListingReplan:
    """Plans listings (home, topics, providers): a listing that holds no article whose card
    may differ (``changes.listings``) keeps every page's last key; in one that does, a page
    with the same cards as last time, none of them changed, keeps its key."""

    def __init__(
        self,
        config: SiteConfig,
        keys: PageKeys,
        gv: GraphViews,
        changes: Changes | None,
        out: PlanMemo | None,
        planned: PlannedPages | None = None,
        known: tuple[Sequence[Article], tuple[Slug, ...]] | None = None,
    ) -> None:
        self.config, self.keys, self.gv = config, keys, gv
        self.changes, self.out = changes, out
        # A listing of these very articles whose cards' slugs are known (see _known_leads).
        self.known = known
        # The topic and provider listings as the plans of this process last planned them
        # (serve), updated in place: their articles' and cards' slugs and the stories.
        self.members = planned.members if planned is not None else None
        self._same_stories: dict[int, bool] = {}  # id of a cluster_of -> equal to this one's
        # The listings' pages planned from their keys by the last plan, and by this one.
        self.old = planned.listings if planned is not None and changes is not None else {}
        self.made: dict[tuple[str, str], tuple[object, tuple[object, ...], list[Any]]] = {}

    def plan(
        self,
        articles: Sequence[Article],
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        with_lead: bool = False,
        **context: str,
    ) -> list[Page]:
        where = (base, template)
        values = (source, with_lead, *sorted(context.items()))
        changes = self.changes
        last = changes.memo.listings.get(where) if changes is not None else None
        if last is not None and (last.context != values or last.total != len(articles)):
            last = None  # every page shows the name or the count
        size = self.config.page_size
        if last is not None and changes is not None and base not in changes.listings:
            count = max(1, math.ceil(len(last.leads) / size))
            found = self.old.get(where)
            if (
                found is not None
                and found[0] is articles
                and found[1] == values
                and len(found[2]) == count
                and all(p.key == changes.old_key(p.path) for p in found[2])
            ):
                # The very pages of the last plan: same articles, values and keys.
                self.made[where] = found
                if self.out is not None:
                    self.out.listings[where] = last
                return found[2]
            pages = [
                self._page(
                    articles,
                    None,
                    n,
                    count,
                    base,
                    url_of,
                    template,
                    source,
                    with_lead,
                    context,
                    last,
                )
                for n in range(1, count + 1)
            ]
            if all(p.key for p in pages):
                self.made[where] = (articles, values, pages)
                if self.out is not None:
                    self.out.listings[where] = last
                return pages
        # (Kept for serve's next plan alone.)
        members = tuple(map(_SLUG_OF, articles)) if base and self.members is not None else ()
        slugs = None  # the slugs of its cards, if known without story_leads
        if last is not None and changes is not None:
            if self.known is not None and articles is self.known[0]:
                slugs = self.known[1]
            elif base:
                slugs = self._member_leads(where, members)
        if last is not None and slugs is not None:
            known = self._known_leads(
                articles, slugs, last, base, url_of, template, source, with_lead, context
            )
            if known is not None:
                if self.out is not None:
                    same = slugs is last.leads
                    memo = last if same else ListingMemo(slugs, last.total, last.context)
                    self.out.listings[where] = memo
                if base and self.members is not None:
                    self.members[where] = (members, slugs, self.gv.graph.cluster_of)
                return known
        leads = self.gv.story_leads(articles)
        count = max(1, math.ceil(len(leads) / size))
        if last is not None and count != max(1, math.ceil(len(last.leads) / size)):
            last = None
        slugs = tuple(map(_SLUG_OF, leads))
        pages = [
            self._page(
                articles,
                (leads, slugs),
                n,
                count,
                base,
                url_of,
                template,
                source,
                with_lead,
                context,
                last,
            )
            for n in range(1, count + 1)
        ]
        if self.out is not None:
            self.out.listings[where] = ListingMemo(slugs, len(articles), values)
        if base and self.members is not None:
            self.members[where] = (members, slugs, self.gv.graph.cluster_of)
        return pages

    def _member_leads(
        self, where: tuple[str, str], members: tuple[Slug, ...]
    ) -> tuple[Slug, ...] | None:
        """The slugs of a topic's or provider's cards, from its last plan in this process
        (see _leads_after), or None."""
        kept = self.members.get(where) if self.members is not None else None
        if kept is None:
            return None
        was, leads, cluster_of = kept
        now = self.gv.graph.cluster_of
        same = self._same_stories.get(id(cluster_of))
        if same is None:
            same = self._same_stories[id(cluster_of)] = cluster_of is now or cluster_of == now
        return _leads_after(members, was, leads, same, cluster_of, now)

    def _known_leads(
        self,
        articles: Sequence[Article],
        slugs: tuple[Slug, ...],
        last: ListingMemo,
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        with_lead: bool,
        context: dict[str, str],
    ) -> list[Page] | None:
        """The pages of a listing whose cards' slugs are known (``slugs``, as many as the
        last plan's): a page that shows a changed card, or another one than last time, is
        planned again, the others keep their key. None if one of them has none."""
        assert self.changes is not None
        size = self.config.page_size
        if len(slugs) != len(last.leads):
            return None
        count = max(1, math.ceil(len(slugs) / size))
        cards = self.changes.cards
        differs = map(
            operator.or_, map(cards.__contains__, slugs), map(operator.ne, slugs, last.leads)
        )
        touched = {at // size for at in compress(range(len(slugs)), differs)}
        by_slug = self.gv.index.by_slug
        leads: list[Any] = [None] * len(slugs)  # the cards' articles, only where shown
        for n in touched:
            leads[n * size : (n + 1) * size] = map(
                by_slug.__getitem__, slugs[n * size : (n + 1) * size]
            )
        pages = []
        for n in range(1, count + 1):
            shown = (leads, slugs) if n - 1 in touched else None
            page = self._page(
                articles, shown, n, count, base, url_of, template, source, with_lead, context, last
            )
            if shown is None and not page.key:
                return None  # not planned last time: plan the listing as a new one
            pages.append(page)
        return pages

    def _page(
        self,
        articles: Sequence[Article],
        leads: tuple[list[Article], tuple[Slug, ...]] | None,
        n: int,
        count: int,
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        with_lead: bool,
        context: dict[str, str],
        last: ListingMemo | None,
    ) -> Page:
        """Page ``n``; ``leads``: the listing's cards' articles and their slugs, or None (an
        untouched listing: planned only from its last key)."""
        size = self.config.page_size
        path = base + (f"page/{n}/" if n > 1 else "")
        key = ""
        lo, hi = (n - 1) * size, n * size
        chunk = leads[0][lo:hi] if leads is not None else None
        if last is not None and self.changes is not None:
            slugs = last.leads[lo:hi]
            if leads is None or (leads[1][lo:hi] == slugs and self.changes.cards.isdisjoint(slugs)):
                key = self.changes.old_key(file_path(path)) or ""
        total = len(articles)

        def make(r: Renderer) -> OutputFile:
            shown = chunk
            if shown is None:  # (planned from its key: the cards are found when rendered)
                # (The renderer's graph views, not those of this plan: the next plan of the
                # process may reuse this page, see PlannedPages.)
                shown = r.graph.listing_leads(articles)[(n - 1) * size : n * size]
            return r.listing_page(
                shown,
                [r.graph.siblings(a.slug) for a in shown],
                n,
                count,
                total,
                base,
                url_of,
                template,
                source,
                with_lead,
                **context,
            )

        if key or chunk is None:
            return Page(file_path(path), source, (), make, key, chunk or ())
        deps = (path, template, source, repr(sorted(context.items())), f"{n}/{count}/{with_lead}")
        return Page(
            file_path(path),
            source,
            (*deps, str(total), *self.keys.cards(chunk)),
            make,
            cards=chunk,
        )


# What GraphViews.common gives every page of the graph page's list, and the built-in
# graph.html shows only on the first (the legend, stories and topic map above the list).
GRAPH_COMMON_NAMES = ("legend", "stories", "topic_map", "data_url")


def common_on_first_page_only(config: SiteConfig) -> bool:
    """Whether only the first page of the graph page's list shows what GraphViews.common
    gives them all, so that the other pages' keys leave it out (a topic edit changes the
    legend, and rendered all 100 pages again at 10,000 articles). True with the built-in
    graph.html and base.html, unless a template of the site's own names any of it; a
    theme's own graph.html or base.html may show it on every page."""
    folder = config.path("templates_dir")
    if not folder.is_dir() or folder.resolve() == builtin_theme_dir().resolve():
        return True  # (the second: this repository's sample site)
    if (folder / "graph.html").exists() or (folder / "base.html").exists():
        return False
    for path in folder.rglob("*"):
        if path.relative_to(folder).parts[0] == "static" or not path.is_file():
            continue  # (static files are copied, not rendered: images can be large)
        try:
            text = path.read_text("utf-8", "replace")
        except OSError:
            return False
        if any(name in text for name in GRAPH_COMMON_NAMES):
            return False
    return True


def _graph_replan(
    index: SiteIndex,
    gv: GraphViews,
    keys: PageKeys,
    changes: Changes | None,
    out: PlanMemo | None,
    config: SiteConfig,
) -> list[Page]:
    """_graph_plan, with the pages and data files ``changes`` leaves alone planned from their
    last keys."""
    size = GRAPH_PAGE_SIZE
    total = len(index.articles)
    count = max(1, math.ceil(total / size))
    memo = changes.memo if changes is not None else None
    if changes is not None and memo is not None and not changes.common and memo.shared:
        shared = memo.shared
        gv.reuse_common(shared)  # (serve: the last build's, if it is the one of that hash)
    else:
        shared = common_hash(gv.common())
        gv.memo.common = (gv.common(), shared)
    if out is not None:
        out.shared = shared
    # A page whose articles are those of the last plan (the same slugs), none of whose
    # lines may differ, keeps its key, while the shared parts it shows and the page count
    # are the same.
    order = _site_order(index, out)
    reuse = memo is not None and len(memo.order) == total
    first_only = common_on_first_page_only(config)
    plan = []
    for n in range(1, count + 1):
        chunk = index.articles[(n - 1) * size : n * size]
        path = "graph/" + (f"page/{n}/" if n > 1 else "")
        shown = shared if n == 1 or not first_only else ""
        key = ""
        if reuse and changes is not None and memo is not None and shown in ("", memo.shared):
            slugs = order[(n - 1) * size : n * size]
            same = slugs == memo.order[(n - 1) * size : n * size]
            if same and changes.links.isdisjoint(slugs):
                key = changes.old_key(file_path(path)) or ""
        deps: tuple[str, ...] = ()
        if not key:
            head = (path, "graph.html", shown, f"{n}/{count}/{total}")
            deps = (*head, *map(keys.links, chunk))
        plan.append(
            Page(
                file_path(path),
                "graph page",
                deps,
                lambda r, c=chunk, n=n: r.graph_page(  # type: ignore[misc]
                    c, n, count, total, r.graph_context()
                ),
                key,
            )
        )
    inputs = ""
    for path, (source, _) in GRAPH_DATA_FILES.items():
        make = partial(_graph_data_page, path)
        last = changes.old_key(path) if changes is not None else None
        if last is None or changes is None:
            # Made only when their inputs changed: an edit that leaves every title, topic,
            # provider, date and link alone (a body edit) skips them.
            inputs = inputs or _graph_data_inputs(index, gv.graph, keys)
            plan.append(Page(OutputPath(path), source, (path, inputs), make))
        elif not changes.data:
            plan.append(Page(OutputPath(path), source, (), make, last))
        else:
            # A key made from the last one and what changed: never a key of other bytes
            # (a cold build of the same site may have another: it renders the file again).
            text = f"{last}\x00{changes.summary}".encode("utf-8", "surrogatepass")
            key = hashlib.blake2b(text, digest_size=16).hexdigest()
            plan.append(Page(OutputPath(path), source, (), make, key))
    return plan


class _Listings:
    """Plans listings, reusing the pages of the last plan (``memo``) for a listing of the
    very same articles none of whose cards changed (``changed``, see cards_changed)."""

    def __init__(self, memo: KeyMemo | None, changed: set[Slug] | None) -> None:
        self.old = memo.listings if memo is not None and changed is not None else {}
        self.changed = changed or set()
        self.made: dict[tuple[str, str], ListingPlan] = {}

    def plan(
        self,
        articles: Sequence[Article],
        base: str,
        url_of: PageUrl,
        template: str,
        source: str,
        config: SiteConfig,
        keys: PageKeys,
        gv: GraphViews,
        with_lead: bool = False,
        **context: str,
    ) -> list[Page]:
        where = (base, template)
        values = (source, with_lead, *sorted(context.items()))
        old = self.old.get(where)
        if (
            old is not None
            and old.context == values
            and len(old.articles) == len(articles)
            and all(map(operator.is_, old.articles, articles))
            and self.changed.isdisjoint(old.slugs)
        ):
            self.made[where] = old
            return list(old.pages)
        pages = _listing_plan(
            articles, base, url_of, template, source, config, keys, gv, with_lead, **context
        )
        self.made[where] = ListingPlan(
            tuple(articles), tuple([a.slug for a in articles]), values, tuple(pages)
        )
        return pages


def _listing_plan(
    articles: Sequence[Article],
    base: str,
    url_of: PageUrl,
    template: str,
    source: str,
    config: SiteConfig,
    keys: PageKeys,
    gv: GraphViews,
    with_lead: bool = False,
    **context: str,
) -> list[Page]:
    size = config.page_size
    leads = gv.story_leads(articles)
    count = max(1, math.ceil(len(leads) / size))
    plan = []
    for n in range(1, count + 1):
        chunk = leads[(n - 1) * size : n * size]
        path = base + (f"page/{n}/" if n > 1 else "")
        deps = (path, template, source, repr(sorted(context.items())), f"{n}/{count}/{with_lead}")
        plan.append(
            Page(
                file_path(path),
                source,
                (*deps, str(len(articles)), *(keys.card(a) for a in chunk)),
                lambda r, c=chunk, n=n: r.listing_page(  # type: ignore[misc]
                    c,
                    [r.graph.siblings(a.slug) for a in c],
                    n,
                    count,
                    len(articles),
                    base,
                    url_of,
                    template,
                    source,
                    with_lead,
                    **context,
                ),
                cards=chunk,
            )
        )
    return plan


def _graph_plan(
    index: SiteIndex, gv: GraphViews, keys: PageKeys, config: SiteConfig | None = None
) -> list[Page]:
    """The graph page, paginated, and its two data files (``config``: the site's, to tell
    whether the pages after the first show what all are given; without it they do)."""

    size = GRAPH_PAGE_SIZE
    count = max(1, math.ceil(len(index.articles) / size))
    shared = common_hash(gv.common())
    total = len(index.articles)
    first_only = config is not None and common_on_first_page_only(config)
    plan = []
    for n in range(1, count + 1):
        chunk = index.articles[(n - 1) * size : n * size]
        path = "graph/" + (f"page/{n}/" if n > 1 else "")
        shown = shared if n == 1 or not first_only else ""
        deps = (path, "graph.html", shown, f"{n}/{count}/{total}")
        plan.append(
            Page(
                file_path(path),
                "graph page",
                (*deps, *(keys.links(a) for a in chunk)),
                lambda r, c=chunk, n=n: r.graph_page(  # type: ignore[misc]
                    c, n, count, total, r.graph_context()
                ),
            )
        )
    # Made only when their inputs changed: an edit that leaves every title, topic, provider,
    # date and link alone (a body edit) skips them (1.8 s at 10,000 articles).
    inputs = _graph_data_inputs(index, gv.graph, keys)
    for path, (source, _) in GRAPH_DATA_FILES.items():
        plan.append(Page(OutputPath(path), source, (path, inputs), partial(_graph_data_page, path)))
    return plan


# The graph data's files, in the order they are made: path -> their source (as the build
# lists them) and the GraphViews method that makes their bytes. They need no page and no
# template: a cold build makes them before planning is over (see build._Early).
GRAPH_DATA_FILES = {
    "graph.json": ("graph data", "graph_json"),
    "graph/data.json": ("graph page data", "page_data"),
}


def graph_data_file(gv: GraphViews, path: str) -> OutputFile:
    """The graph data's file at ``path`` (one of GRAPH_DATA_FILES)."""
    source, method = GRAPH_DATA_FILES[path]
    data: bytes = getattr(gv, method)()
    return OutputFile(OutputPath(path), data, source)


def _graph_data_page(path: str, r: Renderer) -> OutputFile:
    # (The renderer's graph views, not those of the plan: see _Listings' pages.)
    return graph_data_file(r.graph, path)


def _graph_data_inputs(index: SiteIndex, graph: RelatedGraph, keys: PageKeys) -> str:
    """A hash of everything graph.json and the graph page's data show or are laid out from:
    each article as links show it and its topics, in site order, every article's related
    entries in the graph's order, the stories and the topics' names (the URLs and settings
    are in every page key already). Made of strings the article pages' keys made already."""
    parts = keys.data_parts(index.articles)
    parts.append("\x00edges")
    parts.extend(map("\x1f".join, zip(graph.edges, keys.owns(graph.edges), strict=True)))
    parts.append("\x00stories")
    parts.extend(f"{c.id}\x1f{c.title}\x1f{c.members!r}" for c in graph.clusters.values())
    parts.append(repr(list(graph.cluster_of.items())))
    parts.append("\x00topics")
    parts.extend(f"{slug}\x1f{t.name}" for slug, t in index.topics.items())
    text = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _index_plan(kind: str, listings: dict[Slug, Listing]) -> Page:
    rows = tuple(f"{slug}\t{item.name}\t{len(item.articles)}" for slug, item in listings.items())
    return Page(
        file_path(f"{kind}s/"),
        f"{kind}s index",
        (f"{kind}s/", *rows),
        lambda r: r.index_page(kind, listings.values()),
    )


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
    return [page.make(r) for page in plan_site(index, config, graph=graph)]


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
