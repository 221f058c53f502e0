"""MySQL and MariaDB: backtick quoting, metadata from information_schema."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, ClassVar

import pymysql
import pymysql.cursors
import pymysql.err

from seata_py.databases.mysql import syntax, undo_log
from seata_py.databases.mysql.jdbc_types import jdbc_type
from seata_py.databases.mysql.values import JavaDriver, to_db_param, to_field
from seata_py.sql.errors import TableMetaError
from seata_py.sql.recognizer import parse_sql
from seata_py.types.dialect import ArgsStyle, Dialect, MetaCursor
from seata_py.types.images import Field, KeyType
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta
from seata_py.types.statements import Statement

ER_BAD_FIELD_ERROR = 1054  # "Unknown column 'x' in 'field list'"
ER_DUP_ENTRY = 1062

# Names are matched in Python, not by `=` in SQL: information_schema compares case-insensitively on MariaDB
# (and on MySQL with lower_case_table_names > 0), while tables `t` and `T` may both exist.
_COLUMNS_SQL = (
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,"
    " COLUMN_DEFAULT, EXTRA"
    " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s"
    " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
)
_INDEXES_SQL = (
    "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME"
    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s"
    " ORDER BY INDEX_NAME, SEQ_IN_INDEX"
)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


def _server_variable(cursor: MetaCursor, name: str) -> int | None:
    cursor.execute("SELECT @@" + name)  # name is one of our constants, never user input
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def _mariadb_default(value: str | None) -> str | None:
    """MariaDB ≥ 10.2.7 shows COLUMN_DEFAULT as an SQL expression ('abc' quoted, NULL as the word NULL);
    this turns it into MySQL's form (the bare value, SQL NULL for no default)."""
    if value is None or value == "NULL":
        return None
    if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
        inner = value[1:-1].replace("''", "'")
        return inner.replace("\\\\", "\\")
    return value


def _installed_driver_errors() -> tuple[type[BaseException], ...]:
    """pymysql's error base (aiomysql raises it too), and mysqlclient's own where it is installed."""
    errors: list[type[BaseException]] = [pymysql.err.Error]
    try:
        from MySQLdb import MySQLError as MySQLdbError

        errors.append(MySQLdbError)
    except ImportError:
        pass
    return tuple(errors)


_DRIVER_ERRORS = _installed_driver_errors()


def driver_errors() -> tuple[type[BaseException], ...]:
    """:data:`_DRIVER_ERRORS`, and asyncmy's base once asyncmy is imported: it is not imported here (it
    weighs megabytes), and a connection of asyncmy's exists only after it is."""
    asyncmy_errors = sys.modules.get("asyncmy.errors")
    return _DRIVER_ERRORS if asyncmy_errors is None else (*_DRIVER_ERRORS, asyncmy_errors.MySQLError)


class MySQLDialect(Dialect):
    name: ClassVar[str] = "mysql"
    sqlglot_dialect: ClassVar[str] = "mysql"
    upsert_name: ClassVar[str] = "INSERT ... ON DUPLICATE KEY UPDATE"

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:  # type: ignore[override]
        return driver_errors()

    def __init__(self, java_driver: JavaDriver | str = JavaDriver.CONNECTOR_J_8) -> None:
        # The Java services' JDBC driver decides the class of some undo values (see JavaDriver).
        self.java_driver = JavaDriver(java_driver)

    def recognize(self, sql: str, args_style: ArgsStyle) -> tuple[Statement, ...]:
        return parse_sql(sql, args_style, syntax.SYNTAX)

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    # -- values --------------------------------------------------------------------------------------------

    def to_field(self, column: ColumnMeta, value: Any, key_type: KeyType, zone: tzinfo | None) -> Field:
        return to_field(column, value, key_type, zone, self.java_driver)

    def to_db_param(self, column: ColumnMeta, field: Field) -> Any:
        return to_db_param(column, field)

    def default_match(self, column: ColumnMeta) -> tuple[str, list[Any]]:
        quoted = self.quote(column.name)
        return f"{quoted} = DEFAULT({quoted})", []

    # -- errors, undo_log, connections ---------------------------------------------------------------------

    def is_undo_log_duplicate_error(self, exc: BaseException) -> bool:
        return (
            isinstance(exc, pymysql.err.IntegrityError)
            and bool(exc.args)
            and exc.args[0] == ER_DUP_ENTRY
            and "ux_undo_log" in str(exc)
        )

    def undo_log_ddl(self, table: str = "undo_log") -> str:
        return undo_log.undo_log_ddl(table)

    def purge_sql(self, table_sql: str, batch: int) -> str:
        return f"DELETE FROM {table_sql} WHERE log_created <= %s LIMIT {int(batch)}"

    def connect(self, params: Mapping[str, Any]) -> pymysql.connections.Connection:
        return pymysql.connect(**params, autocommit=False)

    def begin_write(self, conn: pymysql.connections.Connection) -> None:
        """Nothing to do: autocommit is off, and phase 2 locks the rows it reads (FOR UPDATE)."""

    def image_cursor(self, conn: pymysql.connections.Connection) -> pymysql.cursors.Cursor:
        # a plain tuple cursor whatever cursorclass the caller's connection has (DictCursor, SSCursor, ...)
        return conn.cursor(pymysql.cursors.Cursor)

    def max_allowed_packet(self, cursor: MetaCursor) -> int | None:
        return _server_variable(cursor, "max_allowed_packet")

    def auto_increment_increment(self, cursor: MetaCursor) -> int:
        return _server_variable(cursor, "auto_increment_increment") or 1

    def last_insert_id(self, cursor: MetaCursor) -> int | None:
        cursor.execute("SELECT LAST_INSERT_ID()")
        rows = cursor.fetchall()
        return int(rows[0][0]) if rows and rows[0][0] else None

    def current_schema(self, cursor: MetaCursor) -> str:
        cursor.execute("SELECT DATABASE()")
        rows = cursor.fetchall()
        if not rows or rows[0][0] is None:
            raise TableMetaError("no database selected: qualify the table or connect with database=...")
        return _text(rows[0][0])

    def is_unknown_column_error(self, exc: BaseException) -> bool:
        return isinstance(exc, driver_errors()) and bool(exc.args) and exc.args[0] == ER_BAD_FIELD_ERROR

    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        cursor.execute("SELECT DATABASE(), VERSION()")
        current, version = cursor.fetchall()[0]
        if schema is None:
            if current is None:
                raise TableMetaError(
                    f"no database selected for table {table}: qualify it or connect with database=..."
                )
            schema = _text(current)
        mariadb = "mariadb" in _text(version).lower()

        cursor.execute(_COLUMNS_SQL, (schema, table))
        rows = cursor.fetchall()
        physical = self._pick_table(rows, schema, table)
        column_rows = [r for r in rows if (_text(r[0]), _text(r[1])) == physical]
        columns = tuple(self._column(r, mariadb) for r in column_rows)

        cursor.execute(_INDEXES_SQL, physical)
        index_rows = [r for r in cursor.fetchall() if (_text(r[0]), _text(r[1])) == physical]
        return TableMeta(
            schema=physical[0], name=physical[1], columns=columns, indexes=self._indexes(index_rows)
        )

    @staticmethod
    def _pick_table(rows: Sequence[Sequence[Any]], schema: str, table: str) -> tuple[str, str]:
        names = list(dict.fromkeys((_text(r[0]), _text(r[1])) for r in rows))
        if (schema, table) in names:
            return schema, table
        if len(names) == 1:
            return names[0]  # the server folds case (lower_case_table_names > 0)
        if not names:
            raise TableMetaError(f"table {schema}.{table} not found")
        shown = ", ".join(f"{s}.{t}" for s, t in names)
        raise TableMetaError(f"table {schema}.{table} is ambiguous: the catalog has {shown}")

    @staticmethod
    def _column(row: Sequence[Any], mariadb: bool) -> ColumnMeta:
        _, _, name, ordinal, data_type, column_type, nullable, default, extra = row
        data_type, column_type, extra = (
            _text(data_type).lower(),
            _text(column_type),
            _text(extra or "").lower(),
        )
        default_text = None if default is None else _text(default)
        return ColumnMeta(
            name=_text(name),
            ordinal=int(ordinal),
            data_type=data_type,
            column_type=column_type,
            jdbc_type=jdbc_type(data_type, column_type),
            nullable=_text(nullable).upper() == "YES",
            default=_mariadb_default(default_text) if mariadb else default_text,
            auto_increment="auto_increment" in extra,
            on_update="on update" in extra,
        )

    @staticmethod
    def _indexes(rows: Sequence[Sequence[Any]]) -> tuple[IndexMeta, ...]:
        columns: dict[str, list[str | None]] = {}
        unique: dict[str, bool] = {}
        for _, _, index_name, non_unique, _, column in rows:
            key = _text(index_name)
            columns.setdefault(key, []).append(None if column is None else _text(column))
            unique[key] = int(non_unique) == 0
        # A functional key part has no column: no statement names it, so such an index cannot be matched.
        indexes = [
            IndexMeta(
                name=n,
                columns=tuple(c for c in cols if c is not None),
                unique=unique[n],
                primary=n == "PRIMARY",
            )
            for n, cols in columns.items()
            if None not in cols
        ]
        indexes.sort(key=lambda i: (not i.primary, not i.unique, i.name))
        return tuple(indexes)
