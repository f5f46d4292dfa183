"""Problems: one line each as path:line: field: message, sorted, repeats collapsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.problems import Problem, Severity, format_problems, problem


def test_a_problem_reads_path_line_field_message() -> None:
    p = problem(Path("content/ai-energy.md"), 7, "publishedDateTime", '"x" is not a date')
    assert str(p) == 'content/ai-energy.md:7: publishedDateTime: "x" is not a date'
    assert p.severity is Severity.WARNING
    assert problem("a.md", 1, "title", "m", error=True).severity is Severity.ERROR


def test_problems_are_sorted_by_path_then_line_and_deduplicated() -> None:
    problems = [
        problem("b.md", 2, "title", "t"),
        problem("a.md", 10, "heat", "h"),
        problem("a.md", 9, "quality", "q"),
        problem("b.md", 2, "title", "t"),
    ]
    assert format_problems(problems) == [
        "a.md:9: quality: q",
        "a.md:10: heat: h",
        "b.md:2: title: t",
    ]


def test_repeats_of_one_kind_are_collapsed_after_the_limit() -> None:
    problems = [problem(f"f{i}.md", 3, "heat", f'"v{i}" is not a number') for i in range(6)]
    problems.append(problem("z.md", 1, "title", "other"))
    assert format_problems(problems, limit_repeats=2) == [
        'f0.md:3: heat: "v0" is not a number',
        'f1.md:3: heat: "v1" is not a number',
        "z.md:1: title: other",
        "... and 4 more like the above (heat)",
    ]


def test_limit_zero_shows_every_problem() -> None:
    problems = [problem(f"f{i}.md", 1, "heat", "bad") for i in range(10)]
    assert len(format_problems(problems, limit_repeats=0)) == 10


def test_no_problems_no_lines() -> None:
    assert format_problems([]) == []


def test_problems_order_is_total() -> None:
    a = Problem("a.md", 1, "f", "m", Severity.ERROR)
    b = Problem("a.md", 1, "f", "m", Severity.WARNING)
    assert format_problems([a, b]) == format_problems([b, a])


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a\x00b", "a\\x00b"),
        ("line\nbreak", "line\\x0abreak"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("cost\x9d", "cost\\x9d"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("Café – “fine”", "Café – “fine”"),
    ],
)
def test_a_printed_problem_escapes_what_a_terminal_would_act_on(value: str, shown: str) -> None:
    printed = str(problem("content/a.md", 3, "title", f'"{value}" is odd'))
    assert printed == f'content/a.md:3: title: "{shown}" is odd'
    assert printed.isprintable()


def test_binary_and_set_values_are_named_in_plain_words() -> None:
    from sitegen.normalize import _kind

    assert _kind(b"hello") == "binary data"
    assert _kind({1, 2}) == "a set"
