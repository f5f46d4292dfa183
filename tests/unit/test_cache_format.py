"""The build cache's pickles (sitegen.cache.dumps): they load back equal to what was saved,
with equal topics and providers shared and paths made from their parts; a file of another
cache format is not used."""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
import zlib
from pathlib import Path, PosixPath, PurePosixPath
from typing import Any

import pytest

from sitegen import cache as cache_module
from sitegen.cache import CACHE_FORMAT, BuildCache, MemoryCache, dumps
from sitegen.model import Provider, RelatedLink, Slug, Topic

FP = "fingerprint"


def topic(name: str) -> Topic:
    # Each call makes a new, equal object, as normalize does for every article.
    return Topic("".join(name), Slug(name.lower()))


def provider(name: str) -> Provider:
    return Provider("".join(name), f"{name.lower()}.example", Slug(name.lower()))


def test_equal_topics_and_providers_load_as_one_shared_object() -> None:
    data = {
        "a": (topic("AI"), topic("Energy"), provider("Wire")),
        "b": (topic("AI"), provider("Wire"), provider("Other")),
        "c": [RelatedLink("t", "u", ("u",), provider("Wire"), None)],
    }
    assert data["a"][0] is not data["b"][0]
    loaded = pickle.loads(dumps(data))
    assert loaded == data
    assert loaded["a"][0] is loaded["b"][0]  # the two equal AI topics
    assert loaded["a"][2] is loaded["b"][1] is loaded["c"][0].provider
    assert loaded["a"][1] != loaded["a"][0] and loaded["b"][2] != loaded["b"][1]


@pytest.mark.parametrize(
    "text", ["content/2019/01/a.md", "a.md", "/srv/site/content/x.md", "../up/b.md", "/"]
)
def test_paths_load_equal_and_usable(text: str) -> None:
    path = Path(text)
    loaded = pickle.loads(dumps({"p": path, "again": path}))["p"]
    assert type(loaded) is type(path)
    assert loaded == path and str(loaded) == str(path) and hash(loaded) == hash(path)
    assert loaded.parts == path.parts and loaded.parent == path.parent
    assert loaded / "x" == path / "x" and loaded.name == path.name


def test_paths_pickle_as_usual_where_pathlib_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_PARSED_PARTS", False)
    payload = bytes(dumps(Path("content/a.md")))
    assert b"_path" not in payload
    assert pickle.loads(payload) == PosixPath("content/a.md")


def test_this_pythons_pathlib_is_probed_not_assumed() -> None:
    # On 3.11 the fast way is taken; on any Python the probe's answer is what _path makes.
    if cache_module._PARSED_PARTS:
        made = cache_module._path("", "", ("content", "a.md"), "content/a.md")
        assert made == PurePosixPath("content/a.md") and str(made) == "content/a.md"
        assert b"_path" in bytes(dumps(Path("content/a.md")))


def test_paths_load_with_their_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # str() of a loaded path is the text pickled with it, not made again from its parts.
    if not cache_module._PARSED_PARTS:
        pytest.skip("this pathlib's paths are pickled as usual")
    payload = bytes(dumps([Path("content/2019/a.md"), Path("/srv/x.md")]))

    def refuse(*args: object) -> str:
        raise AssertionError("the text of a loaded path was made again")

    monkeypatch.setattr(PosixPath, "_format_parsed_parts", classmethod(refuse), raising=False)
    loaded = pickle.loads(payload)
    assert [str(p) for p in loaded] == ["content/2019/a.md", "/srv/x.md"]


def test_a_file_of_the_last_format_is_not_used(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, print)
    cache.save_sources(FP, {"content/a.md": (1, 2, "hash", None)})
    assert BuildCache(tmp_path, print).load_sources(FP) == {"content/a.md": (1, 2, "hash", None)}
    path = tmp_path / "sources.pickle"
    magic, _, rest = path.read_bytes().partition(b"\n")
    _, _, rest = rest.partition(b" ")
    path.write_bytes(magic + f"\n{CACHE_FORMAT - 1} ".encode() + rest)
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_sources(FP) == {}
    assert log == []  # stale, not damaged: rebuilt without a message


def test_entries_whose_stats_alone_changed_go_to_the_delta_as_stats(tmp_path: Path) -> None:
    # After a fresh checkout every file is too recent to trust: the next build finds their
    # bytes unchanged and only their stats new. That is no reason to write everything again.
    articles = {f"content/{n}.md": ("article", n) for n in range(200)}
    first = {key: (-1, 10, f"hash{key}", value) for key, value in articles.items()}
    BuildCache(tmp_path, print).save_sources(FP, first)
    whole = (tmp_path / "sources.pickle").read_bytes()
    cache = BuildCache(tmp_path, print)
    loaded = cache.load_sources(FP)
    entries = {key: (1000 + i, 10, *entry[2:]) for i, (key, entry) in enumerate(loaded.items())}
    entries["content/7.md"] = (5, 11, "new hash", ("article", "edited"))
    cache.save_sources(FP, entries)
    assert (tmp_path / "sources.pickle").read_bytes() == whole  # not written again
    assert (tmp_path / "sources-delta.pickle").stat().st_size < len(whole) // 2
    again = BuildCache(tmp_path, print).load_sources(FP)
    assert again == entries
    assert again["content/3.md"][3] is not None and again["content/3.md"][0] == 1003


ENTRIES = {f"content/{n}.md": (n, 10, f"hash{n}", (topic("AI"), n)) for n in range(50)}


def _saved(tmp_path: Path) -> tuple[Path, bytes]:
    BuildCache(tmp_path, print).save_sources(FP, ENTRIES)
    path = tmp_path / "sources.pickle"
    return path, path.read_bytes()


def test_the_checksum_line_names_the_payloads_crc_and_size(tmp_path: Path) -> None:
    _, data = _saved(tmp_path)
    magic, header, checksum, payload = data.split(b"\n", 3)
    assert magic + b"\n" == cache_module._MAGIC and header == f"{CACHE_FORMAT} {FP}".encode()
    assert checksum == f"crc32 {zlib.crc32(payload):08x} {len(payload):016d}".encode()
    token, *parts = _parts(payload)
    assert parts == [ENTRIES]
    # streamed to the file, the same bytes
    assert payload == _part_bytes(token) + _part_bytes(ENTRIES)


def _part_bytes(data: Any) -> bytes:
    stream = io.BytesIO()
    cache_module._dump_part(stream, data)
    return stream.getvalue()


def _parts(payload: bytes) -> list[Any]:
    """The parts of a cache file's payload, one after the other."""
    stream = io.BytesIO(payload)
    found = []
    while stream.tell() < len(payload):
        found.append(cache_module._load_part(stream))
    return found


def test_each_part_loads_with_the_field_names_interned(tmp_path: Path) -> None:
    # The names are pickled once at the start of each part, as the interned strings: an
    # object's field names are not interned again for each object loaded.
    links = [RelatedLink("".join(f"t{n}"), "u", ("u",), provider("Wire"), None) for n in range(3)]
    cache = BuildCache(tmp_path, print)
    cache._write_parts("parts.pickle", FP, [links, {"again": links[0]}])
    found = cache._read_parts("parts.pickle", FP)
    assert found == [links, {"again": links[0]}]
    for link in [*found[0], found[1]["again"]]:
        assert all(name is sys.intern(name) for name in vars(link))
    # a part refers to the names, not to texts of its own
    payload = (tmp_path / "parts.pickle").read_bytes().split(b"\n", 3)[3]
    assert payload.count(b"excerpt") == 2  # in each part's names only
    # the names are those of the model's dataclasses, as the unpickler leaves them
    assert set(cache_module._NAMES) >= {f.name for f in dataclasses.fields(RelatedLink)}
    names = pickle.Unpickler(io.BytesIO(cache_module._NAMES_PICKLE))
    assert names.load() == len(cache_module._NAMES)
    memo = list(names.memo.copy().values())
    assert memo == [sys.intern, *cache_module._NAMES]
    assert all(name is sys.intern(name) for name in memo[1:])


def test_a_part_that_does_not_start_with_the_names_is_not_used(tmp_path: Path) -> None:
    # (the checksum matches: only a bug could write it; still not used)
    path, data = _saved(tmp_path)
    magic, header, _, _ = data.split(b"\n", 3)
    payload = bytes(dumps("token")) + bytes(dumps(ENTRIES))
    checksum = f"crc32 {zlib.crc32(payload):08x} {len(payload):016d}\n".encode()
    path.write_bytes(magic + b"\n" + header + b"\n" + checksum + payload)
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_sources(FP) == {}
    assert log == [f"sitegen: {path} cannot be read; rebuilding it"]


def test_sources_are_pickled_in_parts_that_load_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each part by a pickler of its own, whose memory is that of one part (see _write_parts).
    monkeypatch.setattr(cache_module, "SOURCES_PART", 16)
    _, data = _saved(tmp_path)
    _, *parts = _parts(data.split(b"\n", 3)[3])
    assert [len(part) for part in parts] == [16, 16, 16, 2]
    assert list(cache_module._joined(parts).items()) == list(ENTRIES.items())  # in order
    loaded = BuildCache(tmp_path, print).load_sources(FP)
    assert list(loaded.items()) == list(ENTRIES.items())


def test_a_file_of_other_parts_is_not_used(tmp_path: Path) -> None:
    # One pickle where parts are expected (or parts of another kind): not a cache of this
    # format, whatever the header says.
    cache = BuildCache(tmp_path, print)
    cache._write_file("sources.pickle", FP, ("token", ENTRIES))
    assert BuildCache(tmp_path, print).load_sources(FP) == {}
    cache._write_parts("sources.pickle", FP, ["token", ["not", "a", "dict"]])
    assert BuildCache(tmp_path, print).load_sources(FP) == {}
    cache._write_parts("sources.pickle", FP, ["token", {"a.md": 1}, {"a.md": 2}])  # twice
    assert BuildCache(tmp_path, print).load_sources(FP) == {}
    cache._write_parts("quick.pickle", FP, ["two", "parts"])  # a file of one part
    assert BuildCache(tmp_path, print).load_quick(FP) is None


def _truncated(data: bytes) -> bytes:
    return data[: len(data) - 7]


def _payload_flipped(data: bytes) -> bytes:
    return data[:-100] + bytes([data[-100] ^ 0x04]) + data[-99:]


def _checksum_flipped(data: bytes) -> bytes:
    at = data.index(b"crc32 ") + len("crc32 ")  # a digit of the CRC
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _size_flipped(data: bytes) -> bytes:
    at = data.index(b"\n", data.index(b"crc32 ")) - 1  # the last digit of the size
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _lengthened(data: bytes) -> bytes:
    return data + b"."


# How a file is read: mapped, its checksum worked out on this thread (a small file) or on
# another one while this one unpickles (a large one); or read in parts, twice (a file too
# large to map: see MAX_MAPPED).
READS = ["mapped", "mapped, summed apart", "streamed"]


@pytest.fixture(params=READS)
def read(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "mapped, summed apart":
        monkeypatch.setattr(cache_module, "_SUMMED_APART", 0)
    elif request.param == "streamed":
        monkeypatch.setattr(cache_module, "MAX_MAPPED", 0)
    return str(request.param)


def test_a_file_loads_back_whichever_way_it_is_read(tmp_path: Path, read: str) -> None:
    _saved(tmp_path)
    assert BuildCache(tmp_path, print).load_sources(FP) == ENTRIES


def test_a_file_that_cannot_be_mapped_is_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no mapping here")

    _saved(tmp_path)
    monkeypatch.setattr(cache_module.mmap, "mmap", refuse)
    assert BuildCache(tmp_path, print).load_sources(FP) == ENTRIES


def test_a_checksum_with_no_thread_to_be_had_is_worked_out_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: object) -> None:
        raise RuntimeError("can't start new thread")

    path, data = _saved(tmp_path)
    monkeypatch.setattr(cache_module, "_SUMMED_APART", 0)
    monkeypatch.setattr(cache_module.threading.Thread, "start", refuse)
    assert BuildCache(tmp_path, print).load_sources(FP) == ENTRIES
    path.write_bytes(_payload_flipped(data))
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_sources(FP) == {}
    assert log == [f"sitegen: {path} is damaged (checksum mismatch); rebuilding it"]


@pytest.mark.parametrize(
    "damage", [_truncated, _payload_flipped, _checksum_flipped, _size_flipped, _lengthened]
)
def test_a_damaged_file_is_reported_and_not_used(tmp_path: Path, damage: Any, read: str) -> None:
    path, data = _saved(tmp_path)
    path.write_bytes(damage(data))
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_sources(FP) == {}
    assert log == [f"sitegen: {path} is damaged (checksum mismatch); rebuilding it"]


def test_a_file_cut_inside_its_checksum_line_is_not_used(tmp_path: Path, read: str) -> None:
    path, data = _saved(tmp_path)
    path.write_bytes(data[: data.index(b"crc32 ") + 10])
    assert BuildCache(tmp_path, print).load_sources(FP) == {}


@pytest.mark.parametrize("data", [b"", b"other text\n", cache_module._MAGIC[:-3]])
def test_a_file_that_is_not_a_cache_file_is_not_used(
    tmp_path: Path, data: bytes, read: str
) -> None:
    (tmp_path / "sources.pickle").write_bytes(data)
    log: list[str] = []
    assert BuildCache(tmp_path, log.append).load_sources(FP) == {}
    path = tmp_path / "sources.pickle"
    assert log == [f"sitegen: {path} is not a sitegen cache file; rebuilding it"]


def test_a_mapped_file_replaced_while_read_loads_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (the mapping holds the file it mapped: a build writing the cache meanwhile replaces
    # it by another file, never in place)
    path, _ = _saved(tmp_path)
    cache = BuildCache(tmp_path, print)
    real = cache_module._load_part

    def replacing(file: Any) -> Any:
        other = tmp_path / "other.pickle"
        other.write_bytes(b"replaced")
        other.replace(path)
        return real(file)

    monkeypatch.setattr(cache_module, "_load_part", replacing)
    assert cache.load_sources(FP) == ENTRIES
    assert path.read_bytes() == b"replaced"


def test_data_that_cannot_be_pickled_leaves_the_last_file_and_no_other(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    cache = BuildCache(tmp_path, print)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        cache.save_quick(FP, lambda: None)  # type: ignore[arg-type]
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.pickle"]


def test_a_cache_folder_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    log: list[str] = []
    BuildCache(tmp_path / "file" / "cache", log.append).save_sources(FP, {})
    assert len(log) == 1 and log[0].startswith("sitegen: cannot write the build cache")


def _build_state(n: int = 300) -> Any:
    from sitegen.cache import BuildState
    from sitegen.replan import ListingMemo, PlanMemo

    pages = {f"articles/a{i}/index.html": (f"key{i}", f"digest{i}", i) for i in range(n)}
    plan = PlanMemo(
        "signatures",
        tuple(Slug(f"a{i}") for i in range(n)),
        {Slug(f"a{i}"): (f"shown{i}", "topics", "wire") for i in range(n)},
        {},
        {},
        {("topics", "ai"): ListingMemo((Slug("a1"), Slug("a2")), 2, ("AI",))},
        "shared",
    )
    sitemap = {path: (None, f"url {path}", f"<url>{path}</url>") for path in pages}
    return BuildState(pages, plan, sitemap)


def test_an_edit_writes_only_the_changed_entries_of_the_build_state(tmp_path: Path) -> None:
    BuildCache(tmp_path, print).save_state(FP, _build_state())
    whole = (tmp_path / "state.pickle").read_bytes()
    cache = BuildCache(tmp_path, print)
    state = cache.load_state(FP)
    assert state == _build_state()
    # A retitled article: its page renamed, its plan entry and sitemap entry changed.
    state.pages.pop("articles/a7/index.html")
    state.pages["articles/b7/index.html"] = ("new key", "new digest", 70)
    state.plan.order = (*state.plan.order[:7], Slug("b7"), *state.plan.order[8:])
    state.plan.articles[Slug("a3")] = ("shown again", "topics", "wire")
    state.sitemap["articles/a5/index.html"] = (None, "url", "<url>changed</url>")
    cache.save_state(FP, state)
    assert (tmp_path / "state.pickle").read_bytes() == whole  # not written again
    assert (tmp_path / "state-delta.pickle").stat().st_size < len(whole) // 10
    again = BuildCache(tmp_path, print).load_state(FP)
    assert again == state
    assert list(again.pages) == list(state.pages) and type(again.plan.order) is tuple
    # The next edit's delta is again the change from state.pickle, not from the last delta.
    cache = BuildCache(tmp_path, print)
    third = cache.load_state(FP)
    third.pages["articles/a9/index.html"] = ("key 9 again", "digest", 9)
    cache.save_state(FP, third)
    assert BuildCache(tmp_path, print).load_state(FP) == third


def test_listings_planned_in_another_order_are_not_in_the_delta(tmp_path: Path) -> None:
    # Planning meets the listings in the order of its pages: a new topic's listing comes
    # before others, which moved every listing after it into each edit's delta.
    from sitegen.replan import ListingMemo

    state = _build_state()
    state.plan.listings = {
        ("topics", f"t{i}"): ListingMemo((Slug(f"a{i}"),), 1, (f"T{i}",)) for i in range(200)
    }
    BuildCache(tmp_path, print).save_state(FP, state)
    cache = BuildCache(tmp_path, print)
    state = cache.load_state(FP)
    listings = state.plan.listings
    state.plan.listings = {("topics", "new"): ListingMemo((Slug("a1"),), 1, ("New",))}
    state.plan.listings.update(reversed(listings.items()))
    cache.save_state(FP, state)
    assert (tmp_path / "state-delta.pickle").stat().st_size < 2000
    assert BuildCache(tmp_path, print).load_state(FP).plan.listings == state.plan.listings


def test_a_build_state_delta_of_another_state_pickle_is_ignored(tmp_path: Path) -> None:
    BuildCache(tmp_path, print).save_state(FP, _build_state())
    cache = BuildCache(tmp_path, print)
    state = cache.load_state(FP)
    state.pages["articles/a1/index.html"] = ("edited", "digest", 1)
    cache.save_state(FP, state)
    assert (tmp_path / "state-delta.pickle").is_file()
    BuildCache(tmp_path, print).save_state(FP, _build_state(200))  # whole, a new token
    assert not (tmp_path / "state-delta.pickle").exists()
    assert BuildCache(tmp_path, print).load_state(FP) == _build_state(200)


def test_a_large_change_of_the_build_state_writes_it_whole(tmp_path: Path) -> None:
    BuildCache(tmp_path, print).save_state(FP, _build_state())
    cache = BuildCache(tmp_path, print)
    state = cache.load_state(FP)
    for path in list(state.pages)[:100]:
        state.pages[path] = ("rendered again", "digest", 0)
    cache.save_state(FP, state)
    assert not (tmp_path / "state-delta.pickle").exists()
    assert BuildCache(tmp_path, print).load_state(FP) == state


def test_serves_cache_holds_the_build_state_and_writes_its_delta_when_flushed(
    tmp_path: Path,
) -> None:
    from sitegen.cache import MemoryCache

    BuildCache(tmp_path, print).save_state(FP, _build_state())
    whole = (tmp_path / "state.pickle").read_bytes()
    cache = MemoryCache(tmp_path, print)
    state = cache.load_state(FP)
    assert state is not None and cache.load_state(FP) is state  # held, not read again
    state.pages["articles/a1/index.html"] = ("edited", "digest", 1)
    cache.save_state(FP, state)
    assert not (tmp_path / "state-delta.pickle").exists()  # held until the flush
    cache.flush()
    assert (tmp_path / "state.pickle").read_bytes() == whole
    assert BuildCache(tmp_path, print).load_state(FP) == state


def test_the_build_states_pages_are_pickled_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "SOURCES_PART", 16)
    state = _build_state(40)
    BuildCache(tmp_path, print).save_state(FP, state)
    _, *parts = _parts((tmp_path / "state.pickle").read_bytes().split(b"\n", 3)[3])
    paged = [part for part in parts if "pages" in part]
    assert [len(part["pages"]) for part in paged] == [16, 16, len(state.pages) - 32]
    assert [set(part) for part in paged] == [{"pages"}] * 3
    loaded = BuildCache(tmp_path, print).load_state(FP)
    assert loaded == state and list(loaded.pages) == list(state.pages)


def test_an_empty_build_state_loads_back(tmp_path: Path) -> None:
    from sitegen.cache import BuildState

    BuildCache(tmp_path, print).save_state(FP, BuildState({}))
    assert BuildCache(tmp_path, print).load_state(FP) == BuildState({})


_GRAPHS_MADE: list[str] = []


def _graph(text: str) -> _Graph:
    _GRAPHS_MADE.append(text)
    return _Graph(text)


class _Graph:
    """Stands for the graph data's state: notes each one unpickled."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __reduce__(self) -> Any:
        return _graph, (self.text,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Graph) and other.text == self.text


def test_the_graph_state_of_state_pickle_is_not_read_when_its_delta_holds_one(
    tmp_path: Path,
) -> None:
    saved = _build_state()
    saved.graph = _Graph("first")
    BuildCache(tmp_path, print).save_state(FP, saved)
    _GRAPHS_MADE.clear()
    cache = BuildCache(tmp_path, print)
    state = cache.load_state(FP)
    assert state == saved and _GRAPHS_MADE == ["first"]  # no delta: read from state.pickle
    state.pages["articles/a1/index.html"] = ("edited", "digest", 1)
    state.graph = _Graph("second")
    cache.save_state(FP, state)
    stale = (tmp_path / "state-delta.pickle").read_bytes()
    _GRAPHS_MADE.clear()
    assert BuildCache(tmp_path, print).load_state(FP) == state
    assert _GRAPHS_MADE == ["second"]  # the delta's; state.pickle's not unpickled
    # A delta of another state.pickle (left by a crash): neither graph state is used.
    BuildCache(tmp_path, print).save_state(FP, saved)  # whole, a new token
    (tmp_path / "state-delta.pickle").write_bytes(stale)
    again = BuildCache(tmp_path, print).load_state(FP)
    assert again is not None and again.graph is None and again.pages == saved.pages


def _quick() -> Any:
    from sitegen.cache import QuickState

    sources = [(f"content/a{i}.md", 1_000 + i, 200 + i) for i in range(50)]
    pages = [f"articles/a{i}/index.html" for i in range(60)]
    return QuickState(sources, pages, (5, 6), {"articles": 50}, {}, ("m", 1, 2, 3, 4))


def test_the_quick_state_loads_without_its_lists_for_a_build_told_of_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    BuildCache(tmp_path, print).save_quick(FP, _quick())
    assert BuildCache(tmp_path, print).load_quick(FP) == _quick()
    loaded = []
    load_part = cache_module._load_part
    monkeypatch.setattr(
        cache_module, "_load_part", lambda f: loaded.append(load_part(f)) or loaded[-1]
    )
    short = BuildCache(tmp_path, print).load_quick(FP, lists=False)
    assert short is not None and short.sources == [] and short.pages == []
    assert short.manifest_file == ("m", 1, 2, 3, 4) and short.summary == {"articles": 50}
    assert len(loaded) == 2  # the state and the mark: the lists are not unpickled


def test_serves_cache_holds_the_quick_state_and_flushes_it_in_its_parts(tmp_path: Path) -> None:
    cache = MemoryCache(tmp_path, print)
    cache.save_quick(FP, _quick())
    assert not (tmp_path / "quick.pickle").exists() and cache.load_quick(FP) == _quick()
    cache.flush()
    assert BuildCache(tmp_path, print).load_quick(FP) == _quick()
    assert BuildCache(tmp_path, print).load_quick(FP, lists=False).manifest == (5, 6)
