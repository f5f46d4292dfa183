"""Runs the stages in order, timing each: load -> normalize -> index -> relate -> render ->
write."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import publish, search
from sitegen.config import SiteConfig
from sitegen.index import build_index
from sitegen.load import display_path, load_all
from sitegen.model import Article, OutputFile, SiteIndex
from sitegen.normalize import Options, normalize
from sitegen.problems import Problem, Severity
from sitegen.relate import relate
from sitegen.write import (
    OutputError,
    WriteReport,
    check_output_dir,
    find_collisions,
    recover,
    write_output,
)


class BuildError(Exception):
    """The build cannot go on (templates, output folder); the output was not touched."""


@dataclass
class BuildResult:
    articles: int = 0
    drafts_skipped: int = 0
    pages: int = 0
    files: list[OutputFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: WriteReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    index: SiteIndex | None = None
    notes: list[str] = field(default_factory=list)  # for the summary, e.g. "no sitemap"

    @property
    def errors(self) -> int:
        return sum(p.severity is Severity.ERROR for p in self.problems)


@contextmanager
def _timed(result: BuildResult, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    result.timings[stage] = result.timings.get(stage, 0.0) + time.perf_counter() - start


def read_articles(config: SiteConfig, result: BuildResult) -> list[Article]:
    """Load and normalize every content file; drafts are dropped unless config.drafts."""
    articles: list[Article] = []
    tz = config.tz
    options = Options(
        config.max_topics, config.max_related, config.max_images, config.nofollow_external
    )
    content = config.path("content_dir")
    if not content.is_dir():
        raise BuildError(f"{content}: the content folder does not exist (content_dir)")
    with _timed(result, "load+normalize"):
        for doc in load_all(content, Path.cwd(), config.max_file_bytes):
            if isinstance(doc, Problem):
                result.problems.append(doc)
                continue
            article, problems = normalize(doc, tz, config.max_title_chars, options)
            result.problems.extend(problems)
            if article is None:
                continue
            if article.draft and not config.drafts:
                result.drafts_skipped += 1
                continue
            articles.append(article)
    return articles


def build(
    config: SiteConfig, *, write: bool = True, log: Callable[[str], None] = print
) -> BuildResult:
    """Build the site of ``config``; with ``write=False`` only check the content."""
    from sitegen import render  # the renderer (Jinja) is imported only when pages are made

    result = BuildResult()
    output = config.path("output_dir")
    if write:
        _check_output(config, output)
        # A build killed after its commit is finished first, whatever happens to this one.
        result.problems.extend(_recover(output))
    articles = read_articles(config, result)
    with _timed(result, "index"):
        index, problems = build_index(articles, _content_key(config))
    result.problems.extend(problems)
    result.index = index
    result.articles = len(index.articles)
    if not write:
        return result
    config, problems = search.resolve_search(config)
    result.problems.extend(problems)
    with _timed(result, "relate"):
        graph = relate(index, config.related_count)
    with _timed(result, "render"):
        dirs = render.theme_dirs(config)
        try:
            env = render.make_environment(dirs)
            files = render.render_site(index, config, env, graph)
            extra, result.notes = publish.publish_files(index, config, env, files)
        except Exception as exc:  # a theme error: report it, leave the output alone
            raise BuildError(_template_error(exc)) from exc
        files.extend(render.static_files(dirs) + extra)
    if config.search:
        with _timed(result, "search"):
            found, problems = search.search_files(files)
        files.extend(found)
        result.problems.extend(problems)
    result.problems.extend(publish.size_problems(files))
    result.files = files
    result.pages = sum(f.path.endswith(".html") for f in files)
    result.problems.extend(find_collisions(files))
    with _timed(result, "write"):
        try:
            result.written = write_output(output, files)
        except (OSError, OutputError) as exc:
            raise BuildError(f"{output}: writing the site failed: {exc}") from exc
    result.problems.extend(result.written.problems)
    return result


def _content_key(config: SiteConfig) -> Callable[[Article], str]:
    """An article's path inside the content folder: the same whatever folder sitegen runs
    in, so the slug suffix of a duplicate title (made from it) never changes."""
    content = config.path("content_dir")

    def key(article: Article) -> str:
        return display_path((Path.cwd() / article.source).resolve(), content).as_posix()

    return key


def _check_output(config: SiteConfig, output: Path) -> None:
    protected = {
        "content folder": config.path("content_dir"),
        "templates folder": config.path("templates_dir"),
        "project root": config.root,
    }
    try:
        check_output_dir(output, protected)
    except OutputError as exc:
        raise BuildError(str(exc)) from exc


def _recover(output: Path) -> list[Problem]:
    if not output.is_dir():
        return []
    try:
        return recover(output)
    except (OSError, OutputError) as exc:
        raise BuildError(f"{output}: finishing the last, interrupted build failed: {exc}") from exc


def _template_error(exc: Exception) -> str:
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: template: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        where = _template_frame(exc)
        return f"{where}template: {exc}"
    raise exc


def _template_frame(exc: BaseException) -> str:
    """file:line of the innermost template frame in a traceback, for runtime errors."""
    tb = exc.__traceback__
    found = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".html") or name.endswith(".xml"):
            found = f"{name}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return found
