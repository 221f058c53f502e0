"""Undoing one branch's statements, newest first, after checking that nobody else changed the rows.

Per undo item: if the rows still look as the statement left them, write the compensating SQL; if they already
look as they were before it, there is nothing to do; anything else is dirty data, reported with the table,
the primary keys and the columns that differ, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from seata_py.exceptions import DirtyUndoError as DirtyUndoError
from seata_py.exceptions import SeataError
from seata_py.sql.exec.base import Cursor, Environment
from seata_py.types.images import Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import TableMeta
from seata_py.undo.comparison import fields_equal

# backticks (MySQL, Java's table names), double quotes and brackets (SQLite), or bare
_IDENTIFIER = re.compile(r'`((?:[^`]|``)*)`|"((?:[^"]|"")*)"|\[([^\]]*)\]|([^.`"\[\s]+)')


@dataclass(frozen=True)
class RowDifference:
    primary_key: dict[str, Any]
    columns: tuple[str, ...]  # differing columns; empty when the row is missing or unexpected
    problem: str

    def describe(self) -> str:
        key = ", ".join(f"{k}={v!r}" for k, v in self.primary_key.items())
        cols = f" columns {', '.join(self.columns)}" if self.columns else ""
        return f"row ({key}) {self.problem}{cols}"


def split_table_name(text: str) -> tuple[str | None, str]:
    """``db.t``, `` `db`.`t` ``, ``"db"."t"``, ``t`` → (schema, table) without quotes."""
    parts = [_unquoted(m) for m in _IDENTIFIER.finditer(text)]
    if not parts or len(parts) > 2:
        raise ValueError(f"not a table name: {text!r}")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def _unquoted(match: re.Match[str]) -> str:
    backtick, double, bracket, bare = match.groups()
    if backtick is not None:
        return backtick.replace("``", "`")
    if double is not None:
        return double.replace('""', '"')
    return bracket if bracket is not None else bare


def _pk_map(meta: TableMeta, row: Row) -> dict[str, Any]:
    return {name: row.field(name).value for name in meta.primary_key_java_order}


def _ident(meta: TableMeta, row: Row) -> tuple[Any, ...]:
    return tuple(_pk_map(meta, row).values())


def compare_records(meta: TableMeta, expected: TableRecords, current: TableRecords) -> list[RowDifference]:
    """Java's isRecordsEquals: rows matched by primary key, only the expected rows' fields compared."""
    differences: list[RowDifference] = []
    current_rows = {_ident(meta, row): row for row in current.rows}
    expected_ids = set()
    for row in expected.rows:
        ident = _ident(meta, row)
        expected_ids.add(ident)
        now = current_rows.get(ident)
        if now is None:
            differences.append(RowDifference(_pk_map(meta, row), (), "is missing"))
            continue
        changed = []
        for field in row.fields:
            try:
                other = now.field(field.name)
            except KeyError:
                changed.append(field.name)
                continue
            if not fields_equal(field, other):
                changed.append(field.name)
        if changed:
            differences.append(RowDifference(_pk_map(meta, row), tuple(changed), "differs in"))
    for ident, row in current_rows.items():
        if ident not in expected_ids:
            differences.append(RowDifference(_pk_map(meta, row), (), "exists but should not"))
    return differences


class Compensator:
    def __init__(
        self,
        env: Environment,
        cursor: Cursor,
        table_meta: Callable[[str | None, str], TableMeta],
        validate: bool = True,
    ) -> None:
        self._env = env
        self._cursor = cursor
        self._table_meta = table_meta
        self._validate = validate

    def undo(self, items: Sequence[SQLUndoLog]) -> None:
        for item in reversed(items):  # the last statement is undone first
            self.undo_item(item)

    def undo_item(self, item: SQLUndoLog) -> None:
        schema, name = split_table_name(item.table_name)
        meta = self._table_meta(schema, name)
        table_sql = self._env.dialect.quote_table(meta.name, schema)
        dialect, mark = self._env.dialect, self._env.dialect.placeholder
        if self._validate and not self._should_undo(meta, table_sql, item):
            return
        if item.sql_type is SQLType.INSERT:
            for row in item.after_image.rows:
                where, params = self._pk_where(meta, row)
                self._cursor.execute(f"DELETE FROM {table_sql} WHERE {where}", params)
        elif item.sql_type in (SQLType.UPDATE, SQLType.UPDATE_JOIN):
            for row in item.before_image.rows:
                assignments = row.non_primary_key_fields
                sets = ", ".join(f"{self._env.quote(f.name)} = {mark}" for f in assignments)
                values = [dialect.to_db_param(meta.column(f.name), f) for f in assignments]
                where, params = self._pk_where(meta, row)
                if sets:
                    self._cursor.execute(f"UPDATE {table_sql} SET {sets} WHERE {where}", values + params)
        elif item.sql_type is SQLType.DELETE:
            for row in item.before_image.rows:
                fields = list(row.non_primary_key_fields) + [
                    row.field(n) for n in meta.primary_key_java_order
                ]
                columns = ", ".join(self._env.quote(f.name) for f in fields)
                values = [dialect.to_db_param(meta.column(f.name), f) for f in fields]
                self._cursor.execute(
                    f"INSERT INTO {table_sql} ({columns}){dialect.restore_insert_clause} "
                    f"VALUES ({dialect.marks(len(fields))})",
                    values,
                )
        else:  # pragma: no cover - the decoder only yields the four types above
            raise SeataError(f"cannot undo sql type {item.sql_type}")

    def _pk_where(self, meta: TableMeta, row: Row) -> tuple[str, list[Any]]:
        names = meta.primary_key_java_order
        dialect = self._env.dialect
        where = " AND ".join(f"{self._env.quote(n)} = {dialect.placeholder}" for n in names)
        return where, [dialect.to_db_param(meta.column(n), row.field(n)) for n in names]

    def _should_undo(self, meta: TableMeta, table_sql: str, item: SQLUndoLog) -> bool:
        before, after = item.before_image, item.after_image
        if not compare_records(meta, before, after) and len(before.rows) == len(after.rows):
            return False  # the statement changed nothing
        key_rows = after.rows if item.sql_type is SQLType.INSERT else before.rows
        current = self._env.select_by_primary_keys(
            meta, table_sql, self._env.all_columns(meta), key_rows, for_update=True
        )
        if not compare_records(meta, after, current):
            return True
        if not compare_records(meta, before, current):
            return False  # already in the before state
        raise DirtyUndoError(meta.name, compare_records(meta, after, current))
