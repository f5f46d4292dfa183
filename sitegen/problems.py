"""Problems found in content, config or output, reported as values and printed by the CLI."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# Characters a terminal would act on rather than print: C0 and C1 controls, DEL, line and
# paragraph separators, and the bidirectional overrides that can make a line read otherwise.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class Severity(StrEnum):
    WARNING = "warning"  # the value was dropped or repaired; the article still builds
    ERROR = "error"  # the file (or output) was skipped


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        # Values quoted from content can hold anything; a problem stays one plain line.
        return _escape_unprintable(f"{self.path}:{self.line}: {self.field}: {self.message}")


def problem(
    path: Path | str, line: int, field: str, message: str, *, error: bool = False
) -> Problem:
    severity = Severity.ERROR if error else Severity.WARNING
    return Problem(str(path), line, field, message, severity)


def format_problems(problems: Iterable[Problem], *, limit_repeats: int = 3) -> list[str]:
    """One line a problem, sorted by file and line; a message repeated in many files is cut
    short after ``limit_repeats`` with a count of the rest (0 shows every one)."""
    lines: list[str] = []
    seen: Counter[tuple[str, str]] = Counter()
    hidden: Counter[tuple[str, str]] = Counter()
    for p in sorted(set(problems)):
        key = (p.field, _message_shape(p.message))
        seen[key] += 1
        if limit_repeats and seen[key] > limit_repeats:
            hidden[key] += 1
            continue
        lines.append(str(p))
    for (field, _shape), count in sorted(hidden.items()):
        lines.append(f"... and {count} more like the above ({field})")
    return lines


def _message_shape(message: str) -> str:
    """A message with its quoted values removed, so the same kind of problem groups together."""
    out, quoted = [], False
    for ch in message:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            out.append(ch)
    return "".join(out)


def _escape_unprintable(text: str) -> str:
    """``text`` with control and bidi-override characters written as escapes (``\\x00``)."""
    return _UNPRINTABLE.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
