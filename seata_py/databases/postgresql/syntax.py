"""How psycopg's statement strings are recognized: PostgreSQL lexing and psycopg's placeholders, sqlglot's
PostgreSQL dialect, and what PostgreSQL alone has (see :mod:`.builder`)."""

from __future__ import annotations

from seata_py.databases.postgresql.builder import (
    POSTGRES_STYLE,
    PostgresStatementBuilder,
    reject_postgres_by_leading_words,
    strip_postgres_modifiers,
)
from seata_py.databases.postgresql.scanner import scan
from seata_py.sql.recognizer import Syntax, parse_sql
from seata_py.sql.scanner import ArgsStyle
from seata_py.types.statements import Statement

# no keyword restoring: DEFAULT is the one niladic keyword PostgreSQL shares, and the builder restores it
SYNTAX = Syntax(
    "postgresql",
    scan,
    POSTGRES_STYLE,
    PostgresStatementBuilder,
    reject_postgres_by_leading_words,
    strip_postgres_modifiers,
    False,
)


def parse(sql: str, args_style: ArgsStyle = "sequence") -> tuple[Statement, ...]:
    """Recognize a psycopg statement string: "sequence" args fill %s/%b/%t in turn, "mapping" args fill
    %(name)s, and both turn %% into %; with "none" (no args) psycopg sends the text as it is."""
    return parse_sql(sql, args_style, SYNTAX)
