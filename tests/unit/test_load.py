"""Stage 1, load: frontmatter split, field lines, and every way a file can fail to read."""

from __future__ import annotations

import os
from pathlib import Path

import frontmatter
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.load import (
    _NOT_YAML_PRINTABLE,
    _decode,
    _first_place,
    _frontmatter_at,
    _loader,
    base_prefix,
    display_path,
    find_sources,
    load_file,
    parse_source,
    read_source,
    shown_path,
)
from sitegen.model import SourceDoc
from sitegen.problems import Problem, Severity

SHOWN = Path("content/a.md")

SEED = """\
---
category: news
title: "It Takes a Lot"
publishedDateTime: 2020-12-15T18:38:00Z

provider:
  name: Government Technology
  domain: govtech.com

topics:
  - AI Ethics
  - AI

related:
  - title: "Other"
    webUrl: "https://techxplore.com/a.html"
    provider:
      name: techxplore.com
---
Body text.
"""


def parse(text: str | bytes) -> SourceDoc | Problem:
    return parse_source(text.encode("utf-8") if isinstance(text, str) else text, SHOWN)


def doc(text: str | bytes) -> SourceDoc:
    result = parse(text)
    assert isinstance(result, SourceDoc), str(result)
    return result


def failure(text: str | bytes) -> str:
    result = parse(text)
    assert isinstance(result, Problem), "expected the file to be refused"
    assert result.severity is Severity.ERROR
    return str(result)


def test_splits_frontmatter_from_body() -> None:
    d = doc(SEED)
    assert d.meta["title"] == "It Takes a Lot"
    assert d.meta["topics"] == ["AI Ethics", "AI"]
    assert d.body.lstrip("\n") == "Body text.\n"
    assert d.first_line == 2


def test_field_lines_count_from_the_top_of_the_file() -> None:
    lines = doc(SEED).field_lines
    assert lines["category"] == 2
    assert lines["title"] == 3
    assert lines["provider"] == 6
    assert lines["provider.domain"] == 8
    assert lines["topics[1]"] == 12
    assert lines["related[0].webUrl"] == 16
    assert lines["related[0].provider.name"] == 18


def test_line_of_falls_back_to_the_parent_field() -> None:
    d = doc(SEED)
    assert d.line_of("related[0].images[3].url") == 15
    assert d.line_of("provider.nonexistent") == 6
    assert d.line_of("missing") == d.first_line


def test_blank_lines_after_the_opening_marker_keep_lines_right() -> None:
    d = doc("---\n\n\ntitle: x\n---\n")
    assert d.field_lines["title"] == 4


def test_yaml_syntax_error_names_the_line() -> None:
    text = "---\ntitle: ok\nexcerpt: fine\n  bad: indent\n---\n"
    assert failure(text) == (
        "content/a.md:4: frontmatter: is not valid YAML: "
        "mapping values are not allowed in this context"
    )


def test_yaml_error_found_at_the_end_points_where_the_value_started() -> None:
    assert failure("---\n\ntitle: 'unclosed\nexcerpt: x\n---\n") == (
        "content/a.md:3: frontmatter: is not valid YAML: "
        "while scanning a quoted scalar, found unexpected end of stream"
    )
    assert failure("---\ntitle: [a, b\n---\n") == (
        "content/a.md:2: frontmatter: is not valid YAML: "
        "while parsing a flow sequence, did not find expected ',' or ']'"
    )


def test_byte_order_mark_is_ignored() -> None:
    d = doc(b"\xef\xbb\xbf---\ntitle: BOM\n---\n")
    assert d.meta == {"title": "BOM"}
    assert d.field_lines["title"] == 2


def test_crlf_line_endings_are_read_like_lf() -> None:
    d = doc(b"---\r\ntitle: CRLF\r\ntopics:\r\n  - A\r\n---\r\nBody\r\n")
    assert d.meta == {"title": "CRLF", "topics": ["A"]}
    assert d.field_lines["topics[0]"] == 4
    assert d.body.lstrip("\n") == "Body\n"


def test_lone_cr_line_endings_are_read_like_lf() -> None:
    d = doc(b"---\rtitle: CR\rtopics:\r  - A\r---\rBody\r")
    assert d.meta == {"title": "CR", "topics": ["A"]}
    assert d.field_lines["topics[0]"] == 4


def test_c1_control_left_by_mojibake_is_repaired_not_fatal() -> None:
    # YAML refuses U+009D; it is the last byte of a UTF-8 closing quote read as Latin-1.
    d = doc('---\ntitle: a\nexcerpt: "say \u00e2\u20ac\u0153hi\u00e2\u20ac\u009d"\n---\n')
    assert d.meta["excerpt"] == "say \u201chi\u201d"
    assert (d.unprintable, d.field_lines["excerpt"]) == ((3, 0x9D), 3)


def test_other_control_characters_yaml_refuses_are_removed() -> None:
    d = doc("---\ntitle: ok\nexcerpt: a\x07b\x1bc\n---\n")
    assert (d.meta["excerpt"], d.unprintable) == ("abc", (3, 0x07))
    assert doc("---\ntitle: ok\n---\n").unprintable is None


def test_windows_1252_file_is_read_and_the_first_bad_byte_kept_for_its_problem() -> None:
    d = doc(b"---\ntitle: ok\nexcerpt: caf\xe9 \x93quoted\x94\n---\n")
    assert d.meta["excerpt"] == "café “quoted”"
    assert d.not_utf8 == (3, 0xE9)
    assert doc(b"---\ntitle: ok\n---\n").not_utf8 is None


def test_file_that_is_neither_utf8_nor_windows_1252_is_refused_at_its_bad_byte() -> None:
    raw = b"---\ntitle: ok\nexcerpt: caf" + b"\xe9\x81\n---\n"
    assert failure(raw) == "content/a.md:3: file: is not UTF-8 (byte 0xe9); save it as UTF-8"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_with_a_byte_order_mark_is_read(encoding: str) -> None:
    text = "---\ntitle: Łódź\n---\nBody\n"
    raw = ("\ufeff" + text).encode(encoding) if encoding != "utf-16" else text.encode(encoding)
    d = doc(raw)
    assert (d.meta, d.body.strip(), d.not_utf8) == ({"title": "Łódź"}, "Body", None)


def test_nul_character_is_refused() -> None:
    assert failure("---\ntitle: a\x00b\n---\n") == (
        "content/a.md:2: file: contains a NUL character; skipped"
    )


@pytest.mark.parametrize("text", ["title: no markers\n", "", "Just a body.\n---\n"])
def test_file_without_frontmatter_is_refused(text: str) -> None:
    assert failure(text) == (
        "content/a.md:1: frontmatter: missing: the file must start with a '---' line, "
        "then YAML fields, then another '---' line"
    )


def test_unclosed_frontmatter_is_refused() -> None:
    assert failure("---\ntitle: x\n") == (
        "content/a.md:1: frontmatter: is not closed: add a '---' line after the fields"
    )


@pytest.mark.parametrize(
    ("yaml_text", "kind"),
    [("- a\n- b\n", "list"), ("just text\n", "string"), ("42\n", "number")],
)
def test_frontmatter_that_is_not_a_mapping_is_refused(yaml_text: str, kind: str) -> None:
    assert failure(f"---\n{yaml_text}---\n") == (
        f"content/a.md:2: frontmatter: must be a mapping of fields, not a {kind}"
    )


def test_empty_frontmatter_gives_no_fields() -> None:
    assert doc("---\n---\nbody\n").meta == {}


def test_unquoted_impossible_date_does_not_refuse_the_file() -> None:
    d = doc("---\ntitle: x\npublishedDateTime: 2020-13-45\n---\n")
    assert d.meta["publishedDateTime"] == "2020-13-45"
    assert d.field_lines["publishedDateTime"] == 3


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_text("---\ntitle: big\n---\n" + "x" * 100, encoding="utf-8")
    result = load_file(path, SHOWN, max_bytes=50)
    assert isinstance(result, Problem)
    assert str(result) == (
        "content/a.md:1: file: is 119 bytes, over the 50-byte limit (max_file_bytes); skipped"
    )
    assert isinstance(load_file(path, SHOWN, max_bytes=119), SourceDoc)


def test_discovery_is_recursive_sorted_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for rel in [
        "b.md",
        "a.md",
        "2021/deep/c.md",
        "notes.txt",
        "a.md.bak",
        "README",
        ".hidden.md",
        ".drafts/d.md",
        "sub/.e.md",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("---\ntitle: t\n---\n", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in find_sources(tmp_path)]
    assert found == ["2021/deep/c.md", "a.md", "b.md"]


def test_a_key_given_twice_is_noted_and_its_line_is_the_one_yaml_keeps() -> None:
    d = doc("---\ntitle: One\nexcerpt: x\ntitle: Two\nprovider:\n  name: A\n  name: B\n---\n")
    assert d.meta["title"] == "Two"
    assert d.field_lines["title"] == 4
    assert d.repeated == (("title", 2), ("provider.name", 6))


def test_distinct_keys_are_not_repeats() -> None:
    assert doc(SEED).repeated == ()


def test_only_true_and_false_are_booleans() -> None:
    # YAML 1.2 rules: a headline "No" or "On" stays text (YAML 1.1 made it a boolean).
    meta = doc("---\ntitle: No\nkind: on\npublished: False\ndraft: TRUE\nx: yes\n---\n").meta
    assert meta == {"title": "No", "kind": "on", "published": False, "draft": True, "x": "yes"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_named_like_a_digest_is_skipped_not_read(tmp_path: Path) -> None:
    pipe = tmp_path / "feed.md"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    result = load_file(pipe, Path("content/feed.md"), 1_000_000)
    assert isinstance(result, Problem)
    assert str(result) == "content/feed.md:1: file: is not a regular file; skipped"
    assert result.severity is Severity.ERROR


@pytest.mark.parametrize("size", [0, 1, 5000, 70_000, 200_000])
def test_a_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    assert read_source(path, SHOWN, 1_000_000) == path.read_bytes()


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    result = read_source(tmp_path / "gone.md", SHOWN, 1_000_000)
    assert str(result) == "content/a.md:1: file: cannot be read (No such file or directory)"


def test_a_folder_named_like_a_digest_is_no_regular_file(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()
    result = read_source(tmp_path / "dir.md", SHOWN, 1_000_000)
    assert str(result) == "content/a.md:1: file: is not a regular file; skipped"


def _handlers_split(text: str) -> object:
    handler = frontmatter.default_handlers.YAMLHandler()
    if not handler.detect(text):
        return None
    try:
        return handler.split(text)
    except ValueError:
        return ValueError


def _our_split(text: str) -> object:
    try:
        at = _frontmatter_at(text)
    except ValueError:
        return ValueError
    return None if at is None else (text[at[0] : at[1]], text[at[2] :])


_SPLIT_PIECES = ["---", "----", "-", "--", "\n", " ", "\t", "\x0b", "\u2028", "\x85", "a", "x: 1"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_SPLIT_PIECES), max_size=30))
def test_frontmatter_splits_as_python_frontmatters_handler(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _our_split(text) == _handlers_split(text)
    assert _our_split("---\n" + text) == _handlers_split("---\n" + text)


def test_not_yaml_printable_is_pyyaml_own_pattern() -> None:
    # The same text and flags: re's cache compiles the pattern once for PyYAML and for us.
    import yaml.reader

    assert _NOT_YAML_PRINTABLE.pattern == yaml.reader.Reader.NON_PRINTABLE.pattern
    assert _NOT_YAML_PRINTABLE.flags == yaml.reader.Reader.NON_PRINTABLE.flags


def _refused_by_the_reader(text: str) -> bool:
    import yaml

    loader = _loader()(text)
    try:
        loader.get_single_node()
    except yaml.reader.ReaderError:
        return True
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return False


def test_libyaml_refuses_what_the_repair_looks_for_and_nothing_else() -> None:
    # Why parse_source searches for characters YAML cannot read only after a reader error.
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 251), 0x10FFFF]
    for code in codes:
        char = chr(code)
        text = f"a: b{char}\nc: '{char}'\n"
        assert _refused_by_the_reader(text) == bool(_NOT_YAML_PRINTABLE.search(char)), hex(code)


def test_libyaml_reads_every_character_of_a_long_frontmatter() -> None:
    # Its reader decodes 16 kB at a time: a control character past the first block is
    # refused all the same (parsing cannot end before the reader reaches it).
    fields = "".join(f"k{i}: {'v' * 60}\n" for i in range(1000))
    assert not _refused_by_the_reader(fields)
    assert _refused_by_the_reader(fields + "last: a\x07b\n")
    d = doc(f"---\ntitle: ok\n{fields}excerpt: a\x07b\n---\n")
    assert (d.meta["excerpt"], d.unprintable) == ("ab", (1003, 0x07))


def test_clean_frontmatter_is_not_searched_for_what_yaml_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sitegen.load

    class Refused:
        def search(self, text: str) -> None:
            raise AssertionError(text)

    monkeypatch.setattr(sitegen.load, "_NOT_YAML_PRINTABLE", Refused())
    assert doc("---\ntitle: café “quoted” \u2028 \x85 ✓\n---\n").unprintable is None


@given(st.text(alphabet="-\n a"), st.text(alphabet="-\n a", min_size=1), st.text(alphabet="-\n a"))
def test_the_first_place_of_a_part_is_finds(before: str, part: str, after: str) -> None:
    text = before + part + after
    assert _first_place(text, part, len(before)) == text.find(part)


_DATE_LIKE = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", fullmatch=True
)


@given(_DATE_LIKE | st.text(alphabet="0123456789-:TZz.+ _", min_size=19, max_size=21))
def test_a_plain_date_like_text_is_resolved_as_pyyamls_resolver_does(text: str) -> None:
    import yaml

    from sitegen.load import _plain_tag

    loader = yaml.CSafeLoader("")
    expected = loader.resolve(yaml.ScalarNode, text, (True, False))
    assert _plain_tag(_loader().yaml_implicit_resolvers, text) == expected


def test_a_digests_date_is_resolved_without_trying_the_patterns() -> None:
    from sitegen.load import _TIMESTAMP, _plain_tag

    assert _plain_tag({}, "2019-03-29T17:33:00Z") == _TIMESTAMP


@given(_DATE_LIKE)
@example("2019-03-29T24:00:00Z")  # (newer Pythons' fromisoformat read it as the next day)
@example("2019-02-29T17:33:00Z")
def test_a_digests_date_is_read_as_the_loader_reads_it(text: str) -> None:
    import yaml

    from sitegen.load import _scalar

    loader = _loader()("")
    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
    try:
        expected = loader.construct_yaml_timestamp(node)
    except ValueError:
        expected = text  # no such day or time: the loader keeps the text
    value = _scalar(loader, node)
    assert (value, type(value), getattr(value, "tzinfo", None)) == (
        expected,
        type(expected),
        getattr(expected, "tzinfo", None),
    )


def test_a_source_doc_is_as_its_dataclass_makes_it() -> None:
    # parse_source makes it without its __init__ (model.made): the same fields, in order.
    import dataclasses

    doc = parse_source(b"---\ntitle: A\ntopics:\n  - x\n---\nBody\n", SHOWN)
    assert isinstance(doc, SourceDoc)
    assert list(vars(doc)) == [f.name for f in dataclasses.fields(doc)]
    assert doc == dataclasses.replace(doc)


# Path segments as keys and bases may spell them: pathlib drops empty and "." ones.
_SEGMENTS = st.sampled_from(["a", "b.md", "content", ".", "..", "", "x y", ".hidden"])


@given(
    st.lists(_SEGMENTS, max_size=4),
    st.lists(_SEGMENTS, max_size=5),
    st.sampled_from(["/", "", "//"]),
)
@example(["srv", "site"], ["content", "a.md"], "/")
@example([], ["a.md"], "/")
@example(["srv"], ["", "a.md"], "/")
def test_shown_path_is_display_path_of_the_key(base: list[str], rest: list[str], root: str) -> None:
    base_path = Path("/" + "/".join(base))
    key = str(base_path) + root + "/".join(rest) if rest else str(base_path)
    expected = display_path(Path(key), base_path)
    shown = shown_path(key, base_prefix(base_path))
    assert (shown, str(shown), shown.parts) == (expected, str(expected), expected.parts)


def test_shown_path_of_a_key_below_the_base_makes_no_path_of_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*args: object) -> None:
        raise AssertionError("relative_to called")

    monkeypatch.setattr(Path, "relative_to", refused)
    shown = shown_path("/srv/site/content/2021/a.md", base_prefix(Path("/srv/site")))
    assert (shown, str(shown)) == (Path("content/2021/a.md"), "content/2021/a.md")


def test_read_source_reads_a_path_given_as_text(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"---\ntitle: x\n---\n")
    assert read_source(str(path), SHOWN, 1_000_000) == b"---\ntitle: x\n---\n"
    assert isinstance(read_source(str(tmp_path), SHOWN, 1_000_000), Problem)


@given(
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb", b"\xef\xbb\xbf\xef\xbb\xbf"]),
    st.binary(max_size=12) | st.text(max_size=12).map(str.encode),
)
@example(b"\xef\xbb\xbf", b"a\xff")
def test_decode_reads_utf8_as_the_utf8_sig_codec(mark: bytes, rest: bytes) -> None:
    raw = mark + rest
    try:
        expected: object = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        expected = ("error", exc.start, exc.end)
    try:
        found: object = _decode(raw)
    except UnicodeDecodeError as exc:
        found = ("error", exc.start, exc.end)
    assert found == expected
