"""SQLite through Python's ``sqlite3``: double-quote quoting, ``?`` placeholders, PRAGMA metadata.

Decisions, each because the alternative could undo the wrong rows:

- **Only tables of the main database.** The resource is one database file (``jdbc:sqlite:<absolute path>``);
  a table of an attached database or a temporary table lives elsewhere, and phase 2 could not reach it.
- **A primary key is required**, as in Java Seata. A rowid-only table (no PRIMARY KEY) is refused: its rowids
  are not stable (VACUUM may renumber them), so an undo log could not name its rows. An ``INTEGER PRIMARY
  KEY`` column *is* the rowid, and counts as the auto-increment key.
- **Generated columns** are left out of the metadata: nothing writes them and rollback must not try to.
- **Row locks do not exist**: the local transaction takes the database's write lock before its first
  intercepted statement (``BEGIN IMMEDIATE``, or a no-op write inside an open transaction), so images and
  the user's statements all happen under it. Image queries therefore need no FOR UPDATE.
- **Values** are read raw (``+column``: no declared-type converter of the connection applies) and typed for
  the undo log by storage class, see :mod:`seata_py.databases.sqlite.values`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from seata_py.databases.sqlite import column_types as sqlite_types
from seata_py.databases.sqlite import syntax, undo_log
from seata_py.databases.sqlite.library import has_returning
from seata_py.databases.sqlite.values import to_db_param, to_field
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import TableMetaError
from seata_py.sql.recognizer import parse_sql
from seata_py.types.dialect import ArgsStyle, Dialect, MetaCursor
from seata_py.types.images import Field, KeyType
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta
from seata_py.types.statements import Statement

MAIN = "main"
PRIMARY = "PRIMARY"

_TABLE_SQL = "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE"
_COLUMNS_SQL = (
    'SELECT cid, name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?) ORDER BY cid'
)
_INDEXES_SQL = 'SELECT name, "unique", origin FROM pragma_index_list(?, ?)'
_INDEX_COLUMNS_SQL = "SELECT seqno, cid, name FROM pragma_index_info(?, ?) ORDER BY seqno"

# a literal default: a quoted string, a blob, a number (signed), or NULL
_STRING_DEFAULT = re.compile(r"^'((?:[^']|'')*)'$")
_BLOB_DEFAULT = re.compile(r"^[xX]'([0-9A-Fa-f]*)'$")
_INT_DEFAULT = re.compile(r"^[+-]?\d+$")
_REAL_DEFAULT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def literal_default(text: str) -> tuple[bool, Any]:
    """(True, value) for a constant default as PRAGMA table_info shows it; (False, None) otherwise."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if text.upper() == "NULL":
        return True, None
    if match := _STRING_DEFAULT.match(text):
        return True, match.group(1).replace("''", "'")
    if match := _BLOB_DEFAULT.match(text):
        return True, bytes.fromhex(match.group(1))
    if _INT_DEFAULT.match(text):
        return True, int(text)
    if _REAL_DEFAULT.match(text):
        return True, float(text)
    return False, None


class RawValuesCursor:
    """The image cursor on a user's sqlite3 connection: tuples, and TEXT read as ``str`` whatever
    ``row_factory``/``text_factory`` the connection was given, so images hold the stored values."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cursor = conn.cursor()
        self._cursor.row_factory = None

    def _raw_text(self) -> Any:
        saved = self._conn.text_factory
        self._conn.text_factory = str
        return saved

    def execute(self, query: str, args: Any = ()) -> RawValuesCursor:
        saved = self._raw_text()
        try:
            self._cursor.execute(query, args)
        finally:
            self._conn.text_factory = saved
        return self

    def fetchall(self) -> list[Any]:
        saved = self._raw_text()
        try:
            return self._cursor.fetchall()
        finally:
            self._conn.text_factory = saved

    def __getattr__(self, name: str) -> Any:
        # description, rowcount, lastrowid, close: the cursor's own
        return getattr(self._cursor, name)


class SQLiteDialect(Dialect):
    name: ClassVar[str] = "sqlite"
    sqlglot_dialect: ClassVar[str] = "sqlite"
    placeholder: ClassVar[str] = "?"
    for_update_suffix: ClassVar[str] = ""  # the transaction holds the database's write lock
    consecutive_generated_ids: ClassVar[bool] = False
    insert_returning: ClassVar[bool] = has_returning()
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = (sqlite3.Error,)
    # local time, as the purge cutoff is computed; no '%' in it (the undo_log SQL is written with %s marks)
    now_sql: ClassVar[str] = "datetime('now', 'localtime')"

    def recognize(self, sql: str, args_style: ArgsStyle) -> tuple[Statement, ...]:
        return parse_sql(sql, args_style, syntax.SYNTAX)

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def select_column(self, column: str, qualifier: str | None = None) -> str:
        # unary + returns the operand unchanged, but the result has no declared type, so the converters of a
        # connection opened with detect_types=PARSE_DECLTYPES leave it alone
        return f"+{self.quote_column(column, qualifier)} AS {self.quote(column)}"

    # -- catalog -------------------------------------------------------------------------------------------

    def current_schema(self, cursor: MetaCursor) -> str:
        return MAIN

    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        if schema is not None and schema.lower() != MAIN:
            raise UnsupportedSQLError(
                f"a table outside the main database ({schema}.{table}): the resource is its main file"
            )
        if schema is None and self._find(cursor, "temp", table):
            raise UnsupportedSQLError(f"a temporary table ({table}): phase 2 could not reach it")
        physical = self._find(cursor, MAIN, table)
        if physical is None:
            raise TableMetaError(f"table {table} not found in the main database")
        cursor.execute(_COLUMNS_SQL, (physical, MAIN))
        rows = [r for r in cursor.fetchall() if int(r[6]) == 0]  # hidden: generated or virtual-table columns
        index_rows = self._index_rows(cursor, physical)
        pk_rows = sorted((r for r in rows if int(r[5]) > 0), key=lambda r: int(r[5]))
        primary = tuple(str(r[1]) for r in pk_rows)
        rowid_alias = (
            len(pk_rows) == 1
            and str(pk_rows[0][2]).upper() == "INTEGER"
            and not any(origin == "pk" for _, _, origin, _ in index_rows)
        )
        columns = tuple(
            ColumnMeta(
                name=str(r[1]),
                ordinal=position,
                data_type=sqlite_types.base_type(str(r[2] or "")),
                column_type=str(r[2] or ""),
                jdbc_type=sqlite_types.jdbc_type(str(r[2] or "")),
                nullable=not int(r[3]),
                default=None if r[4] is None else str(r[4]),
                auto_increment=rowid_alias and str(r[1]) == primary[0],
            )
            for position, r in enumerate(rows, start=1)
        )
        indexes = [IndexMeta(PRIMARY, primary, unique=True, primary=True)] if primary else []
        for name, unique, origin, index_columns in index_rows:
            # the PK's own index is the PRIMARY entry; an expression key part has no column name
            if origin != "pk" and index_columns and None not in index_columns:
                indexes.append(IndexMeta(name, tuple(c for c in index_columns if c), unique=unique))
        indexes.sort(key=lambda i: (not i.primary, not i.unique, i.name))
        return TableMeta(schema=MAIN, name=physical, columns=columns, indexes=tuple(indexes))

    @staticmethod
    def _find(cursor: MetaCursor, schema: str, table: str) -> str | None:
        cursor.execute(_TABLE_SQL.format(schema=schema), (table,))
        rows = cursor.fetchall()
        return str(rows[0][0]) if rows else None

    @staticmethod
    def _index_rows(cursor: MetaCursor, table: str) -> list[tuple[str, bool, str, list[str | None]]]:
        cursor.execute(_INDEXES_SQL, (table, MAIN))
        found = [(str(r[0]), bool(r[1]), str(r[2])) for r in cursor.fetchall()]
        result = []
        for name, unique, origin in found:
            cursor.execute(_INDEX_COLUMNS_SQL, (name, MAIN))
            result.append(
                (name, unique, origin, [None if r[2] is None else str(r[2]) for r in cursor.fetchall()])
            )
        return result

    # -- values --------------------------------------------------------------------------------------------

    def to_field(self, column: ColumnMeta, value: Any, key_type: KeyType, zone: tzinfo | None) -> Field:
        return to_field(column, value, key_type)

    def to_db_param(self, column: ColumnMeta, field: Field) -> Any:
        return to_db_param(column, field)

    def default_match(self, column: ColumnMeta) -> tuple[str, list[Any]]:
        constant, value = literal_default(column.default or "NULL")
        if not constant:
            raise UnsupportedSQLError(
                f"an upsert that leaves unique column {column.name} to its default ({column.default}), "
                "which is not a constant"
            )
        return f"{self.quote(column.name)} = ?", [value]

    # -- errors --------------------------------------------------------------------------------------------

    def is_unknown_column_error(self, exc: BaseException) -> bool:
        text = str(exc)
        return isinstance(exc, sqlite3.OperationalError) and (
            text.startswith("no such column") or " has no column named " in text
        )

    def is_undo_log_duplicate_error(self, exc: BaseException) -> bool:
        text = str(exc)
        return (
            isinstance(exc, sqlite3.IntegrityError)
            and "UNIQUE constraint failed" in text
            and ".xid" in text
            and ".branch_id" in text
        )

    # -- undo_log --------------------------------------------------------------------------------------------

    def undo_log_ddl(self, table: str = "undo_log") -> str:
        return undo_log.undo_log_ddl(table)

    def purge_sql(self, table_sql: str, batch: int) -> str:
        # DELETE ... LIMIT is a compile-time option; a rowid sub-select works everywhere
        return (
            f"DELETE FROM {table_sql} WHERE rowid IN "
            f"(SELECT rowid FROM {table_sql} WHERE log_created <= ? LIMIT {int(batch)})"
        )

    def datetime_param(self, value: datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S")

    # -- connections ---------------------------------------------------------------------------------------

    def connect(self, params: Mapping[str, Any]) -> sqlite3.Connection:
        # isolation_level=None: no implicit BEGIN; begin_write opens the transaction explicitly
        return sqlite3.connect(**params, isolation_level=None)

    def begin_write(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def image_cursor(self, conn: sqlite3.Connection) -> RawValuesCursor:
        return RawValuesCursor(conn)
