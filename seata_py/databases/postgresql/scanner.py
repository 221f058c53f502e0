"""Reads a psycopg query string the way psycopg and PostgreSQL will: placeholders, quotes, comments, ``;``.

psycopg finds its placeholders (``%s``, ``%b``, ``%t``, ``%(name)s`` ...) with one pattern over the whole
string, blind to SQL quoting, and only when args are given; ``%%`` becomes ``%``. PostgreSQL then lexes
the result: ``'...'`` strings (a backslash is an ordinary character), ``E'...'`` strings (where it escapes),
``$tag$...$tag$`` strings, ``"..."`` identifiers, ``--`` and nested ``/* */`` comments. This scanner does both
at once, so each placeholder is known by the argument it takes, and hands sqlglot the statements with every
placeholder replaced by a named marker.

A placeholder inside a string, identifier or comment is refused: psycopg would still send a value for it,
and what PostgreSQL makes of a ``$1`` there is not what the author meant.
"""

from __future__ import annotations

import re

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import SQLPlaceholderError
from seata_py.sql.scanner import ArgsStyle, ChunkCollector, ScannedSQL, marker_prefix
from seata_py.types.statements import ParamRef

_NORMAL, _STRING, _ESCAPE_STRING, _IDENTIFIER, _DOLLAR, _LINE_COMMENT, _BLOCK_COMMENT = range(7)
_WHERE = {
    _STRING: "a quoted string",
    _ESCAPE_STRING: "a quoted string",
    _DOLLAR: "a dollar-quoted string",
    _IDENTIFIER: "a quoted identifier",
    _LINE_COMMENT: "a -- comment",
    _BLOCK_COMMENT: "a /* */ comment",
}
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
_FORMATS = "sbt"


def _identifier_char(c: str) -> bool:
    return c.isalnum() or c in "_$" or ord(c) >= 0x80


def _read_placeholder(sql: str, start: int, args_style: ArgsStyle) -> tuple[int, ParamRef | None]:
    """Reads what follows ``sql[start] == '%'`` as psycopg does; returns (end, None) for a literal ``%``
    (``%%``, or a ``%`` ending the string or a line) or (end, key): the name of ``%(name)s``, "" for
    ``%s``."""
    n = len(sql)
    if start + 1 >= n or sql[start + 1] == "\n":
        return start + 1, None  # psycopg's pattern needs one more character on the line: left alone
    nxt = sql[start + 1]
    if nxt == "%":
        return start + 2, None
    if nxt == "(":
        close = sql.find(")", start + 2)
        if close <= start + 2 or close + 1 >= n or sql[close + 1] == "\n":
            raise SQLPlaceholderError(f"incomplete placeholder: {sql[start:].split()[0]!r}")
        name, fmt = sql[start + 2 : close], sql[close + 1]
        if fmt not in _FORMATS:
            raise SQLPlaceholderError(f"only %s, %b, %t are placeholders, got %({name}){fmt}")
        if args_style != "mapping":
            raise SQLPlaceholderError(f"a %({name}){fmt} placeholder, but the args are not a mapping")
        return close + 2, name
    if nxt == " ":
        raise SQLPlaceholderError("incomplete placeholder '%': double it (%%) for the modulo operator")
    if nxt not in _FORMATS:
        raise SQLPlaceholderError(f"only %s, %b, %t are placeholders, got %{nxt}")
    if args_style == "mapping":
        raise SQLPlaceholderError(f"a positional %{nxt} placeholder, but the args are a mapping")
    return start + 2, ""


def scan(sql: str, args_style: ArgsStyle) -> ScannedSQL:
    prefix = marker_prefix(sql)
    markers: list[ParamRef] = []
    positional = 0
    collected = ChunkCollector()
    text, code = collected.text, collected.code
    state, depth, tag = _NORMAL, 0, ""
    previous = ""  # the last character outside strings and comments, to tell `a$b` from `$tag$`
    i, n = 0, len(sql)

    while i < n:
        c = sql[i]
        if c == "%" and args_style != "none":
            end, key = _read_placeholder(sql, i, args_style)
            if key is not None:
                if state != _NORMAL:
                    raise UnsupportedSQLError(f"a placeholder inside {_WHERE[state]}", sql)
                ref: ParamRef
                if key == "":
                    ref, positional = positional, positional + 1
                else:
                    ref = key
                text.append(f" :{prefix}{len(markers)} ")
                code.append(" ? ")
                markers.append(ref)
                previous = " "
                i = end
                continue
            i = end  # `%%` reaches PostgreSQL as one `%`: lex it as that character
        else:
            i += 1

        if state == _NORMAL:
            if c == "'":
                escape = previous in ("E", "e") and not _identifier_char(_before(sql, i - 3))
                state = _ESCAPE_STRING if escape else _STRING
                text.append(c)
            elif c == '"':
                state = _IDENTIFIER
                text.append(c)
            elif c == "$" and not _identifier_char(previous) and (match := _DOLLAR_TAG.match(sql, i - 1)):
                state, tag = _DOLLAR, match.group(0)
                text.append(tag)
                i = match.end()
            elif c == "-" and sql.startswith("-", i):
                state = _LINE_COMMENT
                i += 1
                text.append(" ")
                code.append(" ")
            elif c == "/" and sql.startswith("*", i):
                state, depth = _BLOCK_COMMENT, 1
                i += 1
                text.append(" ")
                code.append(" ")
            elif c == ";":
                collected.finish()
            else:
                text.append(c)
                code.append(c)
            previous = c
        elif state in (_STRING, _ESCAPE_STRING):
            text.append(c)
            if (
                c == "\\"
                and state == _ESCAPE_STRING
                and i < n
                and not (sql[i] == "%" and args_style != "none")
            ):
                # the escaped character is copied as is; a `%` after the backslash is left to the placeholder
                # reader on the next round, as psycopg reads it before PostgreSQL sees the backslash
                text.append(sql[i])
                i += 1
            elif c == "'":
                if sql.startswith("'", i):
                    text.append("'")
                    i += 1
                else:
                    state, previous = _NORMAL, "'"
                    code.append("''")
        elif state == _IDENTIFIER:
            text.append(c)
            if c == '"':
                if sql.startswith('"', i):
                    text.append('"')
                    i += 1
                else:
                    state, previous = _NORMAL, '"'
                    code.append('""')
        elif state == _DOLLAR:
            if c == "$" and sql.startswith(tag, i - 1):
                text.append(tag)
                i += len(tag) - 1
                state, previous = _NORMAL, "$"
                code.append("''")
            else:
                text.append(c)
        elif state == _LINE_COMMENT:
            if c in "\r\n":  # PostgreSQL ends a -- comment at either
                state = _NORMAL
                text.append("\n")
                code.append("\n")
        elif c == "*" and sql.startswith("/", i):  # _BLOCK_COMMENT: PostgreSQL nests them
            i += 1
            depth -= 1
            if depth == 0:
                state, previous = _NORMAL, " "
        elif c == "/" and sql.startswith("*", i):
            i += 1
            depth += 1

    if state in (_STRING, _ESCAPE_STRING, _IDENTIFIER, _DOLLAR):
        code.append("''")  # leave the unterminated quote to sqlglot, which reports it
    collected.finish()
    return ScannedSQL(tuple(collected.chunks), prefix, tuple(markers), positional)


def _before(sql: str, index: int) -> str:
    return sql[index] if index >= 0 else ""
