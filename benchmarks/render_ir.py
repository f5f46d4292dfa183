"""The work of rendering pages, for counting instructions (which the load of a shared machine
does not change, as it does seconds).

    python benchmarks/render_ir.py prepare SITE_DIR SITE.pkl
    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        python benchmarks/render_ir.py render SITE.pkl articles 600

``prepare`` builds SITE_DIR (``--no-cache``, one job, in this process; its output folder is
replaced) up to the render stage and pickles its settings, index and graph. ``render`` makes
the environment and renderer as a build does, compiles every template, then renders the
first N article pages (``articles N``), or plans the site and renders the first N listing
pages with their cards (``listings N``), or makes the graph data files (``graph``); it
prints a hash of what it made. The instructions of N pages are those of a run with N less
those of the same run with 0 (``articles 0``, ``listings 0``: the same setup, nothing
rendered; ``listings 0`` is the setup of ``graph`` too).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path
from typing import Any


def prepare(site: Path, out: Path) -> None:
    from sitegen import build as stages
    from sitegen.config import load_config

    os.chdir(site)
    shutil.rmtree("output", ignore_errors=True)
    config = load_config(Path.cwd(), None, {})
    found: dict[str, Any] = {}

    def taken(env: Any, renderer: Any, *args: Any, **kwargs: Any) -> None:
        found["renderer"] = renderer  # (and nothing rendered)

    stages._render = taken  # type: ignore[assignment]
    stages.build(config, jobs=1, use_cache=False, hold=[], log=lambda line: None)
    views = found["renderer"].graph
    with open(out, "wb") as f:
        pickle.dump((config, views.index, views.graph), f, protocol=5)


def render(saved: Path, what: str, count: int) -> str:
    from sitegen import render as pages
    from sitegen.build import _graph_views
    from sitegen.config import theme_dirs

    with open(saved, "rb") as f:
        config, index, graph = pickle.load(f)
    env = pages.make_environment(theme_dirs(config))
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)
    views = _graph_views(config, index, graph, None)
    renderer = pages.Renderer(config, env, graph_views=views)
    made = hashlib.blake2b()
    if what == "articles":
        for article in index.articles[:count]:
            made.update(renderer.article_page(article).data)
        return made.hexdigest()
    planned = pages.plan_site(index, config, graph=graph, gv=views)
    if what == "graph":
        made.update(views.graph_json())
        made.update(views.page_data())
        return made.hexdigest()
    listings = [p for p in planned if p.cards and not p.path.startswith("articles/")]
    for page in listings[:count]:
        made.update(page.make(renderer).data)
    return made.hexdigest()


def main(argv: list[str]) -> None:
    gc.disable()  # as the CLI builds
    if argv[:1] == ["prepare"] and len(argv) == 3:
        prepare(Path(argv[1]).resolve(), Path(argv[2]).resolve())
    elif argv[:1] == ["render"] and len(argv) in (3, 4):
        count = int(argv[3]) if len(argv) == 4 else 0
        print(argv[2], count, render(Path(argv[1]), argv[2], count))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
