"""How sqlite3's statement strings are recognized: SQLite lexing, ``?``/``?NNN``/``:name`` placeholders,
sqlglot's SQLite dialect, and the statements SQLite alone has (see :mod:`.builder`)."""

from __future__ import annotations

from seata_py.databases.sqlite.builder import (
    SQLITE_STYLE,
    SQLiteStatementBuilder,
    reject_sqlite_by_leading_words,
    strip_sqlite_modifiers,
)
from seata_py.databases.sqlite.scanner import scan_sqlite
from seata_py.sql.recognizer import Syntax, parse_sql
from seata_py.sql.scanner import ArgsStyle
from seata_py.types.statements import Statement

SYNTAX = Syntax(
    "sqlite",
    scan_sqlite,
    SQLITE_STYLE,
    SQLiteStatementBuilder,
    reject_sqlite_by_leading_words,
    lambda text, sql: strip_sqlite_modifiers(text),
    False,
)


def parse(sql: str, args_style: ArgsStyle = "sequence") -> tuple[Statement, ...]:
    """Recognize a sqlite3 statement string; ``args_style`` says whether sqlite3 binds the args by number
    ("sequence") or by name ("mapping")."""
    return parse_sql(sql, args_style, SYNTAX)
