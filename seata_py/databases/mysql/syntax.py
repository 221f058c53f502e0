"""How pymysql's statement strings are recognized: MySQL lexing and %s placeholders, sqlglot's MySQL
dialect, and the statement modifiers sqlglot misreads."""

from __future__ import annotations

import re

from seata_py.databases.mysql.scanner import scan
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.recognizer import Syntax, parse_sql
from seata_py.sql.rendering import RenderStyle
from seata_py.sql.scanner import ArgsStyle, ScannedSQL
from seata_py.sql.statement_builder import StatementBuilder, reject_by_leading_words
from seata_py.types.statements import Statement

# every literal % is doubled: the executors always run their queries with an args list
MYSQL_STYLE = RenderStyle("mysql", "%s", escape_percent=True)

_MODIFIERS = re.compile(
    r"^(\s*)(INSERT|UPDATE|DELETE)((?:\s+(?:LOW_PRIORITY|HIGH_PRIORITY|DELAYED|QUICK|IGNORE)\b)+)",
    re.IGNORECASE,
)


def strip_modifiers(text: str, sql: str) -> str:
    """Removes MySQL's priority/IGNORE modifiers after INSERT/UPDATE/DELETE, which sqlglot misreads as table
    names; rejects the IGNORE forms whose images would be wrong."""
    match = _MODIFIERS.match(text)
    if not match:
        return text
    verb, modifiers = match.group(2).upper(), match.group(3).upper().split()
    if "IGNORE" in modifiers and verb in ("INSERT", "DELETE"):
        # INSERT IGNORE: skipped rows that already existed would be deleted on rollback. DELETE IGNORE: rows
        # whose deletion failed would be re-inserted on rollback, over themselves.
        raise UnsupportedSQLError(f"{verb} IGNORE", sql)
    # UPDATE IGNORE is kept as a plain UPDATE: a row it skips has equal before and after images.
    return match.group(1) + match.group(2) + text[match.end() :]


def _builder(scanned: ScannedSQL, sql: str) -> StatementBuilder:
    return StatementBuilder(scanned, sql, MYSQL_STYLE)


SYNTAX = Syntax("mysql", scan, MYSQL_STYLE, _builder, reject_by_leading_words, strip_modifiers, True)


def parse(sql: str, args_style: ArgsStyle = "sequence") -> tuple[Statement, ...]:
    """Recognize a pymysql statement string: "sequence" args fill each %s in turn, "mapping" args fill
    %(name)s, and both turn %% into %; with "none" (no args) pymysql leaves the text alone."""
    return parse_sql(sql, args_style, SYNTAX)
