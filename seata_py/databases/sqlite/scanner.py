"""Reads a sqlite3 query string the way SQLite's tokenizer does: placeholders, quotes, comments, ``;``.

The counterpart of :mod:`seata_py.databases.mysql.scanner` for Python's ``sqlite3``: parameters are ``?``,
``?NNN``, ``:name``, ``@name`` and ``$name``, numbered as SQLite numbers them (a ``?`` takes the largest
number so far plus one, a name keeps the number of its first use), and the driver binds a sequence by those
numbers and a mapping by the names. Text between quotes and in comments holds no parameters; ``%`` means
nothing.

The output has the same shape as the MySQL scanner's (chunks with named markers sqlglot reads, and each
marker's :data:`ParamRef`), so the statement builder and the renderer serve both.
"""

from __future__ import annotations

from seata_py.sql.errors import SQLitePlaceholderError
from seata_py.sql.scanner import ArgsStyle, ChunkCollector, ScannedSQL, marker_prefix
from seata_py.types.statements import ParamRef

_CLOSING = {"'": "'", '"': '"', "`": "`", "[": "]"}


def _is_id_char(c: str) -> bool:
    # SQLite's IdChar: ASCII letters, digits, '_' and '$', and every non-ASCII character
    return not c.isascii() or c.isalnum() or c in "_$"


class _Numbering:
    """SQLite's parameter numbers, and what each one binds to for the args style in use."""

    def __init__(self, args_style: ArgsStyle) -> None:
        self.args_style = args_style
        self.highest = 0
        self._by_name: dict[str, int] = {}

    def ref(self, token: str) -> ParamRef:
        if token == "?":
            self.highest += 1
            number = self.highest
        elif token[0] == "?":
            number = int(token[1:])
            if not 1 <= number <= 32766:  # SQLITE_MAX_VARIABLE_NUMBER's default ceiling
                raise SQLitePlaceholderError(f"placeholder {token} is out of range")
            self.highest = max(self.highest, number)
        else:
            number = self._by_name.get(token, 0)
            if not number:
                self.highest += 1
                number = self._by_name[token] = self.highest
        if self.args_style == "mapping":
            if token[0] == "?":
                raise SQLitePlaceholderError(
                    f"parameter {token} has no name, but the args are a mapping (which has only names)"
                )
            return token[1:]  # sqlite3 looks a name up without its ':', '@' or '$'
        return number - 1


def scan_sqlite(sql: str, args_style: ArgsStyle) -> ScannedSQL:
    """``args_style`` is "sequence" or "mapping" (sqlite3 always binds; no args means an empty sequence)."""
    prefix = marker_prefix(sql)
    numbering = _Numbering(args_style)
    markers: list[ParamRef] = []
    collected = ChunkCollector()
    text, code = collected.text, collected.code
    i, n = 0, len(sql)

    while i < n:
        c = sql[i]
        if c in _CLOSING:
            end = _quote_end(sql, i)
            text.append(sql[i:end])
            code.append(c + _CLOSING[c])  # keeps quoted text out of keyword searches
            i = end
        elif c == "-" and sql.startswith("--", i):
            newline = sql.find("\n", i)
            i = n if newline < 0 else newline
            text.append(" ")
            code.append(" ")
        elif c == "/" and sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            i = n if close < 0 else close + 2  # SQLite lets a comment run to the end unterminated
            text.append(" ")
            code.append(" ")
        elif c == ";":
            collected.finish()
            i += 1
        elif c == "?" or (c in ":@$" and not (c == "$" and i and _is_id_char(sql[i - 1]))):
            end = i + 1
            if c == "?":
                while end < n and sql[end].isdigit():
                    end += 1
            else:
                while end < n and _is_id_char(sql[end]):
                    end += 1
                if end == i + 1:
                    text.append(c)  # a lone ':' or '@' is not a parameter: leave it to the parser
                    code.append(c)
                    i += 1
                    continue
            markers.append(numbering.ref(sql[i:end]))
            text.append(f" :{prefix}{len(markers) - 1} ")
            code.append(" ? ")
            i = end
        else:
            text.append(c)
            code.append(c)
            i += 1
    collected.finish()
    return ScannedSQL(tuple(collected.chunks), prefix, tuple(markers), numbering.highest)


def _quote_end(sql: str, start: int) -> int:
    """The index after the quoted text starting at ``start``; a doubled quote stays inside. Unterminated
    text runs to the end, which the parser then reports."""
    closing = _CLOSING[sql[start]]
    i = start + 1
    while True:
        found = sql.find(closing, i)
        if found < 0:
            return len(sql)
        if closing != "]" and sql.startswith(closing, found + 1):
            i = found + 2
            continue
        return found + 1
