"""A cold parallel build makes the listings' cards and the graph data in a child forked as
planning starts (build._Early), on the core the build process leaves idle: same output, same
build state, same one-line theme errors."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, MakeSite
from test_render import articles

from sitegen import parallel, render
from sitegen.build import BuildError, build
from sitegen.cache import BuildCache, cache_dir
from sitegen.config import SiteConfig, load_config
from sitegen.graphpages import GraphViews


def _files(folder: Path) -> dict[str, bytes]:
    files = (p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def _config(tmp_path: Path, name: str) -> SiteConfig:
    return load_config(ROOT, overrides={"output_dir": str(tmp_path / name), "search": False})


def _serial_files(tmp_path: Path) -> dict[str, bytes]:
    """The files of a serial build without the cache (no child, no workers), in "one"."""
    build(_config(tmp_path, "one"), log=lambda _: None, jobs=1, use_cache=False)
    return _files(tmp_path / "one")


def _where_made(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Note in ``log`` the process that makes the cards and each graph data file."""

    def noted(what: str, func: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with log.open("a") as out:
                out.write(f"{what} {os.getpid()}\n")
            return func(*args, **kwargs)

        return call

    monkeypatch.setattr(render.CardBoard, "fill", noted("cards", render.CardBoard.fill))
    monkeypatch.setattr(GraphViews, "graph_json", noted("json", GraphViews.graph_json))


def test_a_cold_parallel_build_makes_cards_and_graph_data_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # fork even for a small site
    log = tmp_path / "made"
    _where_made(monkeypatch, log)
    config = _config(tmp_path, "two")
    build(config, log=lambda _: None, jobs=2, use_cache=False)
    made = [line.split() for line in log.read_text().splitlines()]
    assert sorted(what for what, _ in made) == ["cards", "json"]
    assert all(int(pid) != os.getpid() for _, pid in made), made
    assert made[0][1] == made[1][1]  # (one child)
    assert _files(tmp_path / "two") == _serial_files(tmp_path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_build_state_keeps_the_graph_data_s_texts_made_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """(The next process patches the files from them, see GraphMemo.restore.)"""
    from sitegen.build import _fingerprint
    from sitegen.config import theme_dirs

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    config = _config(tmp_path, "out")
    build(config, log=lambda _: None, jobs=jobs)
    state = BuildCache(cache_dir(tmp_path / "out"), print).load_state(
        _fingerprint(config, theme_dirs(config))
    )
    assert state is not None and state.graph is not None
    assert state.graph.stats and set(state.graph.files) == {"graph.json", "graph/data.json"}
    assert state.graph.texts(tmp_path / "out") is not None


@pytest.mark.parametrize("when", ["before its cards", "after its cards"])
def test_a_build_whose_early_child_is_killed_makes_the_rest_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A child killed (say, by the kernel for want of memory) costs speed, not the build:
    the workers render the cards it did not make, the build process the graph data."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    fill = render.CardBoard.fill

    def killed(board: render.CardBoard, *args: Any) -> None:
        if os.getpid() == parent:
            return fill(board, *args)
        if when == "after its cards":
            fill(board, *args)
        os.kill(os.getpid(), signal.SIGKILL)

    parent = os.getpid()
    monkeypatch.setattr(render.CardBoard, "fill", killed)
    config = _config(tmp_path, "two")
    build(config, log=lambda _: None, jobs=2)
    assert _files(tmp_path / "two") == _serial_files(tmp_path)


def test_a_theme_error_in_a_card_made_in_the_child_fails_the_build(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    site = make_site(articles(6))
    build(site.config(), log=lambda _: None, jobs=2)
    before = site.output_files()
    card = Path("templates/partials/card.html")
    site.write({card.as_posix(): "<p>\n{{ card.titel }}</p>\n"})
    made: list[int] = []
    fill = render.CardBoard.fill
    monkeypatch.setattr(render.CardBoard, "fill", lambda *a: made.append(os.getpid()) or fill(*a))
    with pytest.raises(BuildError) as caught:
        build(site.config(), log=lambda _: None, jobs=2, use_cache=False)
    assert not made  # (the child's list)
    message = str(caught.value)
    assert message.startswith(f"{card.resolve()}:2: template: ")
    assert "titel" in message and "\n" not in message
    assert site.output_files() == before
    # The same message as a serial build's.
    with pytest.raises(BuildError) as serial:
        build(site.config(), log=lambda _: None, jobs=1, use_cache=False)
    assert str(serial.value) == message


def test_a_forked_function_s_result_and_error_come_back() -> None:
    assert parallel.Forked(lambda: (os.getpid(), b"x" * 3_000_000)).result()[1] == b"x" * 3_000_000
    assert parallel.Forked(os.getpid).result() != os.getpid()

    def fails() -> None:
        raise ValueError("in the child")

    with pytest.raises(ValueError, match="in the child"):
        parallel.Forked(fails).result()


def test_a_forked_child_lost_is_told_and_its_result_raises() -> None:
    lost: list[bool] = []
    forked = parallel.Forked(lambda: time.sleep(60), lost=lambda: lost.append(True))
    os.kill(forked._pid, signal.SIGKILL)
    with pytest.raises(ChildProcessError):
        forked.result()
    assert lost == [True]
    slow = parallel.Forked(lambda: time.sleep(60))
    start = time.perf_counter()
    slow.close()  # (ends it)
    assert slow.ready() and time.perf_counter() - start < 10


def test_a_cold_cli_build_with_the_early_child_holds_the_relate_state_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Freed while the early child and the state's copy share its pages, the state would be
    copied page by page: a process that ends right after the build (``hold``) keeps it."""
    from sitegen.relate import RelateState

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    config = _config(tmp_path, "two")
    hold: list[object] = []
    build(config, log=lambda _: None, jobs=2, hold=hold)
    assert any(isinstance(kept, RelateState) for kept in hold)
    # A serial build forks no early child: its state is let go as before.
    serial = _config(tmp_path, "one")
    held: list[object] = []
    build(serial, log=lambda _: None, jobs=1, hold=held)
    assert not any(isinstance(kept, RelateState) for kept in held)
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    # A large parent's (its child makes no cards) is let go: render's peak would hold it.
    monkeypatch.setattr(parallel, "large_parent", lambda limit=0: True)
    large = _config(tmp_path, "big")
    kept: list[object] = []
    build(large, log=lambda _: None, jobs=2, hold=kept)
    assert not any(isinstance(held_state, RelateState) for held_state in kept)
    assert _files(tmp_path / "big") == _files(tmp_path / "one")


def test_a_large_parent_s_child_makes_the_graph_data_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(100,000 articles: the cards' views would stay in the build process; the page
    workers make the cards they show.) Same output and build state as a serial build's."""
    from sitegen.build import _fingerprint
    from sitegen.config import theme_dirs

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(parallel, "large_parent", lambda limit=0: True)
    log = tmp_path / "made"
    _where_made(monkeypatch, log)
    boards: list[int] = []
    monkeypatch.setattr(
        render.Renderer,
        "board_for_listings",
        lambda self: boards.append(os.getpid()) or pytest.fail("no board for a large parent"),
    )
    config = _config(tmp_path, "two")
    build(config, log=lambda _: None, jobs=2)
    made = [line.split() for line in log.read_text().splitlines()]
    assert [what for what, _ in made] == ["json"]
    assert int(made[0][1]) != os.getpid()
    state = BuildCache(cache_dir(tmp_path / "two"), print).load_state(
        _fingerprint(config, theme_dirs(config))
    )
    assert state is not None and state.graph is not None
    assert state.graph.texts(tmp_path / "two") is not None
    assert _files(tmp_path / "two") == _serial_files(tmp_path)


def test_a_large_parent_makes_the_graph_data_itself_when_its_child_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(parallel, "large_parent", lambda limit=0: True)
    graph_json = GraphViews.graph_json
    parent = os.getpid()

    def killed(views: GraphViews, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return graph_json(views, *args, **kwargs)

    monkeypatch.setattr(GraphViews, "graph_json", killed)
    config = _config(tmp_path, "two")
    build(config, log=lambda _: None, jobs=2)
    assert _files(tmp_path / "two") == _serial_files(tmp_path)


def test_a_large_parent_stages_its_ready_graph_data_before_the_page_workers_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Else each worker would start with it in its RSS.)"""
    from sitegen import build as building
    from sitegen.write import StagedOutput

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(parallel, "large_parent", lambda limit=0: True)
    # The child is done by the time the pages render.
    monkeypatch.setattr(building._Early, "ready", lambda self: bool(self._made.result()))
    steps: list[str] = []
    add, chunks = StagedOutput.add, building.parallel_chunks

    def added(staged: StagedOutput, files: Any, *args: Any) -> None:
        files = list(files)
        steps.extend(f.path for f in files if f.path in building.GRAPH_DATA)
        add(staged, files, *args)

    def forked(*args: Any, **kwargs: Any) -> Any:
        steps.append("fork")
        yield from chunks(*args, **kwargs)

    monkeypatch.setattr(StagedOutput, "add", added)
    monkeypatch.setattr(building, "parallel_chunks", forked)
    config = _config(tmp_path, "two")
    build(config, log=lambda _: None, jobs=2)
    assert steps[:3] == ["graph.json", "graph/data.json", "fork"], steps
    assert _files(tmp_path / "two") == _serial_files(tmp_path)
