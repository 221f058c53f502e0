"""What every SQL scanner produces: the string split into statements, with each placeholder replaced by a
named marker sqlglot understands and known by the argument it takes.

Each database package scans its driver's strings its own way (``databases/mysql/scanner.py`` reads
pymysql's ``%s``, ``databases/sqlite/scanner.py`` sqlite3's ``?`` and ``:name``); recognition downstream
works on the result alone.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from seata_py.types.dialect import ArgsStyle as ArgsStyle
from seata_py.types.statements import ParamRef


@dataclass(frozen=True)
class Chunk:
    """One statement of the string."""

    text: str  # for sqlglot: markers instead of placeholders, `%%` already turned into `%`, no comments
    code: str  # the same with string and identifier contents removed: safe for keyword searches


@dataclass(frozen=True)
class ScannedSQL:
    chunks: tuple[Chunk, ...]
    marker_prefix: str  # markers are `:<prefix><n>`
    markers: tuple[ParamRef, ...]  # marker n takes argument markers[n]
    positional_count: int  # how many `%s` pymysql will fill (all of them, even in comments)

    def marker_ref(self, name: str) -> ParamRef | None:
        if not name.startswith(self.marker_prefix):
            return None
        number = name[len(self.marker_prefix) :]
        if not number.isdigit() or int(number) >= len(self.markers):
            return None
        return self.markers[int(number)]


class ChunkCollector:
    """What a scanner writes while it reads one string: the current statement's ``text`` (for sqlglot) and
    ``code`` (for keyword searches) pieces, and the statements finished so far."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.code: list[str] = []
        self.chunks: list[Chunk] = []

    def finish(self) -> None:
        """Ends the current statement at a ``;`` or the end of the string; one with no code is dropped."""
        joined = "".join(self.code)
        if joined.strip():
            self.chunks.append(Chunk("".join(self.text).strip(), joined.strip()))
        self.text.clear()
        self.code.clear()


def marker_prefix(sql: str) -> str:
    # The prefix must not occur in the statement, or a user's identifier could pass for a marker.
    lowered = sql.lower()
    for n in itertools.count():
        prefix = "__seata_p" if n == 0 else f"__seata{n}_p"
        if prefix not in lowered:
            return prefix
    raise AssertionError("unreachable")


_WORD = re.compile(r"[A-Za-z_]+")


def leading_words(code: str, count: int = 3) -> tuple[str, ...]:
    """The first keywords of a statement's code text, upper-cased, skipping opening parentheses."""
    return tuple(w.upper() for w in _WORD.findall(code.lstrip(" \t\r\n("))[:count])
