"""SQLite's differences from MySQL in what AT mode can undo, on top of the shared statement builder.

Supported: INSERT (also ``OR ABORT/FAIL/ROLLBACK``), ``INSERT ... ON CONFLICT ... DO UPDATE`` and
``DO NOTHING`` (and ``INSERT OR IGNORE``, which skips conflicting rows the same way), UPDATE and DELETE (with
ORDER BY/LIMIT where the library was built with SQLITE_ENABLE_UPDATE_DELETE_LIMIT), ``UPDATE OR
IGNORE/ABORT/FAIL/ROLLBACK``, RETURNING. Rejected: ``REPLACE`` and every ``OR REPLACE`` (it deletes the rows
it collides with, whichever key they collide on), ``UPDATE ... FROM``, and ``SELECT ... FOR UPDATE``, which
SQLite has no syntax for: AT mode on SQLite takes the database's write lock for the whole local transaction
(``BEGIN IMMEDIATE``), which no row-level global lock check could be combined with.
"""

from __future__ import annotations

import re

from sqlglot import exp

from seata_py.databases.sqlite.library import has_update_delete_limit
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.rendering import RenderStyle
from seata_py.sql.scanner import ScannedSQL, leading_words
from seata_py.sql.statement_builder import StatementBuilder
from seata_py.types.statements import Assignment

SQLITE_STYLE = RenderStyle("sqlite", "?", escape_percent=False)


def sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reject_sqlite_by_leading_words(code: str, sql: str) -> None:
    words = leading_words(code)
    first = words[0] if words else ""
    if first == "REPLACE":
        raise UnsupportedSQLError("REPLACE INTO", sql)
    if first in ("INSERT", "UPDATE") and words[1:3] == ("OR", "REPLACE"):
        raise UnsupportedSQLError(f"{first} OR REPLACE", sql)


_UPDATE_OR = re.compile(r"^(\s*UPDATE)\s+OR\s+(ROLLBACK|ABORT|FAIL|IGNORE)\b", re.IGNORECASE)


def strip_sqlite_modifiers(text: str) -> str:
    """``UPDATE OR <algorithm>``, which sqlglot cannot read, parsed as a plain UPDATE: a row it skips or
    leaves unchanged has equal images, and a statement it aborts poisons the local transaction."""
    return _UPDATE_OR.sub(r"\1", text, count=1)


class SQLiteStatementBuilder(StatementBuilder):
    placeholder_hint = "sqlite3 fills ?, ?NNN, :name, @name and $name"

    def __init__(self, scanned: ScannedSQL, sql: str) -> None:
        super().__init__(scanned, sql, SQLITE_STYLE, sqlite_quote)

    def _insert_conflict(self, node: exp.Insert) -> tuple[tuple[Assignment, ...] | None, bool]:
        alternative = str(node.args.get("alternative") or "").upper()
        if alternative == "REPLACE" or node.args.get("overwrite"):
            raise self._reject("INSERT OR REPLACE")
        ignore = alternative == "IGNORE"
        conflict = node.args.get("conflict")
        if conflict is None:
            return None, ignore
        if conflict.args.get("duplicate") or conflict.args.get("constraint"):
            raise self._reject("this ON CONFLICT form")
        action = str(conflict.args.get("action") or "").upper()
        if "NOTHING" in action:
            return None, True
        if "UPDATE" not in action:
            raise self._reject(f"ON CONFLICT {action or '(no action)'}")
        if ignore:
            raise self._reject("INSERT OR IGNORE ... ON CONFLICT DO UPDATE")
        return self._assignments(conflict.expressions), False

    def _check_order_limit(self, node: exp.Expression) -> None:
        if (node.args.get("order") or node.args.get("limit")) and not has_update_delete_limit():
            # the library would refuse the statement only after its before image was taken
            raise self._reject("ORDER BY/LIMIT on UPDATE or DELETE (this SQLite library lacks it)")

    def _check_locking_read(self, node: exp.Select) -> None:
        raise self._reject(
            "SELECT ... FOR UPDATE (SQLite has no such syntax; AT mode holds the database's write lock "
            "for the whole local transaction instead)"
        )
