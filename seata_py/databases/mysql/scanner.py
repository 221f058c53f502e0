"""Reads a pymysql query string the way pymysql and MySQL will: placeholders, quotes, comments, ``;``.

pymysql fills placeholders with ``query % args`` over the whole string, blind to SQL quoting, and only when
args are given. MySQL then lexes the result. This scanner does both at once, so that each placeholder is
known by the argument it takes (its position among all ``%s``, or its ``%(name)s`` key), and the text handed
to sqlglot is what MySQL would see with every placeholder replaced by a named marker sqlglot understands.

Comments are dropped from the sqlglot text: MySQL's comment rules (``-- `` needs a space, ``#``) are not
sqlglot's, and comments never matter to AT mode. Statements are split at ``;`` here rather than by sqlglot
for the same reason.
"""

from __future__ import annotations

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import SQLPlaceholderError
from seata_py.sql.scanner import ArgsStyle, ChunkCollector, ScannedSQL, marker_prefix
from seata_py.types.statements import ParamRef

_NORMAL, _SQUOTE, _DQUOTE, _BACKTICK, _LINE_COMMENT, _BLOCK_COMMENT = range(6)
_WHERE = {
    _SQUOTE: "a quoted string",
    _DQUOTE: "a quoted string",
    _BACKTICK: "a quoted identifier",
    _BLOCK_COMMENT: "a /* */ comment",
}


def _read_placeholder(sql: str, start: int, args_style: ArgsStyle) -> tuple[int, ParamRef | None]:
    """Reads the conversion at ``sql[start] == '%'``; returns (end, None) for ``%%`` or (end, key) for a
    placeholder, the key being the name for ``%(name)s`` or "" for ``%s``."""
    n = len(sql)
    if start + 1 >= n:
        raise SQLPlaceholderError("incomplete format: the statement ends with a single %")
    nxt = sql[start + 1]
    if nxt == "%":
        return start + 2, None
    if nxt == "s":
        if args_style == "mapping":
            raise SQLPlaceholderError("a positional %s placeholder, but the args are a mapping")
        return start + 2, ""
    if nxt == "(":
        # Python's % formatting matches nested parentheses inside the key.
        depth, i = 1, start + 2
        while i < n and depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        if depth:
            raise SQLPlaceholderError("incomplete format key in a %(name)s placeholder")
        name = sql[start + 2 : i - 1]
        if i >= n or sql[i] != "s":
            raise SQLPlaceholderError(f"unsupported placeholder %({name}){sql[i : i + 1]}: use %({name})s")
        if args_style != "mapping":
            raise SQLPlaceholderError(f"a %({name})s placeholder, but the args are not a mapping")
        return i + 1, name
    raise SQLPlaceholderError(
        f"unsupported format character {nxt!r} after %: use %s or %(name)s for values and %% for a literal %"
    )


def scan(sql: str, args_style: ArgsStyle) -> ScannedSQL:
    prefix = marker_prefix(sql)
    markers: list[ParamRef] = []
    positional = 0
    collected = ChunkCollector()
    text, code = collected.text, collected.code
    state = _NORMAL
    i, n = 0, len(sql)

    while i < n:
        c = sql[i]
        if c == "%" and args_style != "none":
            end, key = _read_placeholder(sql, i, args_style)
            i = end
            if key is None:
                c = "%"  # `%%` reaches MySQL as one `%`: lex it as that character
            else:
                ref: ParamRef
                if key == "":
                    ref, positional = positional, positional + 1
                else:
                    ref = key
                if state in _WHERE:
                    raise UnsupportedSQLError(f"a placeholder inside {_WHERE[state]}", sql)
                if state == _NORMAL:
                    text.append(f" :{prefix}{len(markers)} ")
                    code.append(" ? ")
                    markers.append(ref)
                # In a line comment the escaped value cannot end the comment (pymysql escapes newlines),
                # so the placeholder only uses up an argument.
                continue
        else:
            i += 1

        if state == _NORMAL:
            if c in "'\"`":
                state = {"'": _SQUOTE, '"': _DQUOTE, "`": _BACKTICK}[c]
                text.append(c)
            elif c == "#" or (c == "-" and sql.startswith("-", i) and (i + 1 >= n or sql[i + 1] <= " ")):
                state = _LINE_COMMENT
                text.append(" ")
                code.append(" ")
            elif c == "/" and sql.startswith("*", i):
                if sql.startswith("!", i + 1):
                    # MySQL executes the inside of /*! ... */: it is SQL that sqlglot would drop as a comment.
                    raise UnsupportedSQLError("a MySQL executable comment (/*! ... */)", sql)
                state = _BLOCK_COMMENT
                i += 1
                text.append(" ")
                code.append(" ")
            elif c == ";":
                collected.finish()
            else:
                text.append(c)
                code.append(c)
        elif state in (_SQUOTE, _DQUOTE):
            text.append(c)
            quote = "'" if state == _SQUOTE else '"'
            if c == "\\" and i < n and not (sql[i] == "%" and args_style != "none"):
                # The escaped character is copied as is; a `%` after the backslash is left to the placeholder
                # reader on the next round, as pymysql formats it before MySQL sees the backslash.
                text.append(sql[i])
                i += 1
            elif c == quote:
                if sql.startswith(quote, i):
                    text.append(quote)
                    i += 1
                else:
                    state = _NORMAL
                    code.append(quote + quote)
        elif state == _BACKTICK:
            text.append(c)
            if c == "`":
                if sql.startswith("`", i):
                    text.append("`")
                    i += 1
                else:
                    state = _NORMAL
                    code.append("``")
        elif state == _LINE_COMMENT:
            if c == "\n":
                state = _NORMAL
                text.append("\n")
                code.append("\n")
        elif c == "*" and sql.startswith("/", i):  # _BLOCK_COMMENT
            state = _NORMAL
            i += 1

    if state in (_SQUOTE, _DQUOTE, _BACKTICK):
        # Leave the unterminated quote to sqlglot, which reports it as a syntax error.
        code.append("''")
    collected.finish()
    return ScannedSQL(tuple(collected.chunks), prefix, tuple(markers), positional)
