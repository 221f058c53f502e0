"""PostgreSQL through psycopg 3: double-quote quoting, ``%s`` placeholders, pg_catalog metadata.

Decisions, each because the alternative could undo the wrong rows or lose a value:

- **Generated keys come back with RETURNING.** psycopg reports no inserted id, and a sequence does not
  number one statement's rows consecutively under concurrency: an INSERT whose key the database fills reads
  the keys of exactly its own rows back (see :mod:`seata_py.databases.postgresql.psycopg`).
- **Images read with the stock loaders** on a cursor of the user's connection (never the application's
  adapters, which could turn a stored value into something else), and types whose Python value loses
  information read as text (see :mod:`.values`).
- **Names resolve as the server resolves them**: the recognizer folds unquoted identifiers, the catalog is
  asked with ``to_regclass`` (``search_path`` included), see :mod:`.catalog`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, ClassVar

import psycopg
import psycopg.errors
from psycopg.adapt import Loader
from psycopg.rows import tuple_row
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader
from psycopg.types.string import TextLoader

from seata_py.databases.postgresql import catalog, syntax, undo_log
from seata_py.databases.postgresql.values import to_db_param, to_field
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.recognizer import parse_sql
from seata_py.types.dialect import ArgsStyle, Dialect, MetaCursor
from seata_py.types.images import Field, KeyType
from seata_py.types.meta import ColumnMeta, TableMeta
from seata_py.types.statements import Statement

# The types an image reads through psycopg's stock loaders, whose Python values values.py maps; every other
# type is read as PostgreSQL's own text (interval's months are not days, json keeps its spelling, inet, ranges
# and the rest have no Java class a Python value could become).
NATIVE_TYPES = frozenset(
    {
        "int2", "int4", "int8", "oid", "numeric", "float4", "float8", "bool", "text", "varchar", "bpchar",
        "name", "bytea", "date", "time", "timestamp", "timestamptz", "uuid",
    }
)  # fmt: skip
_DATE_TIMES = ("date", "timestamp", "timestamptz")


def _infinity_tolerant(base: type[Loader]) -> type[Loader]:
    """The stock loader of a date type, but ``infinity``/``-infinity``, which no Python value holds, read as
    their text (bound back as text, the column takes them again)."""

    class InfinityTolerant(base):  # type: ignore[valid-type, misc]
        def load(self, data: Any) -> Any:
            text = bytes(data)
            if text in (b"infinity", b"-infinity"):
                return text.decode()
            return super().load(data)

    return InfinityTolerant


def image_cursor(conn: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
    """A cursor on ``conn`` that reads stored values as :mod:`.values` expects them: tuples, the stock
    loaders (not the connection's), the text form of the types in TEXT_FORM_TYPES, of arrays and of every
    type psycopg has no loader for (those arrive as text anyway)."""
    cursor = conn.cursor(row_factory=tuple_row)
    adapters = psycopg.adapt.AdaptersMap(psycopg.adapters)
    for info in psycopg.adapters.types:
        if info.name not in NATIVE_TYPES:
            adapters.register_loader(info.oid, TextLoader)
        if info.array_oid:
            adapters.register_loader(info.array_oid, TextLoader)
    for name, loader in zip(_DATE_TIMES, (DateLoader, TimestampLoader, TimestamptzLoader), strict=True):
        adapters.register_loader(name, _infinity_tolerant(loader))
    cursor._adapters = adapters  # a cursor's own map; psycopg has no public setter
    return cursor


class PostgresDialect(Dialect):
    name: ClassVar[str] = "postgresql"
    sqlglot_dialect: ClassVar[str] = "postgres"
    consecutive_generated_ids: ClassVar[bool] = False
    insert_returning: ClassVar[bool] = True
    generated_keys_by_returning: ClassVar[bool] = True
    restore_insert_clause: ClassVar[str] = " OVERRIDING SYSTEM VALUE"
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = (psycopg.Error,)
    upsert_name: ClassVar[str] = "INSERT ... ON CONFLICT DO UPDATE"
    now_sql: ClassVar[str] = "now()"

    def __init__(self, zone: tzinfo | None = None, class_prefix: str = "org.apache.seata") -> None:
        # the RM's zone: a timestamptz is logged as the wall clock there, as Java's JVM zone does
        self.zone = zone
        # the Seata line's package, which names its SerialArray class in array fields
        self.class_prefix = class_prefix

    def recognize(self, sql: str, args_style: ArgsStyle) -> tuple[Statement, ...]:
        return parse_sql(sql, args_style, syntax.SYNTAX)

    def quote(self, identifier: str) -> str:
        return catalog.quote(identifier)

    # -- catalog -------------------------------------------------------------------------------------------

    def current_schema(self, cursor: MetaCursor) -> str:
        return catalog.current_schema(cursor)

    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        return catalog.load_table_meta(cursor, schema, table)

    # -- values --------------------------------------------------------------------------------------------

    def to_field(self, column: ColumnMeta, value: Any, key_type: KeyType, zone: tzinfo | None) -> Field:
        return to_field(column, value, key_type, zone, self.class_prefix)

    def to_db_param(self, column: ColumnMeta, field: Field) -> Any:
        return to_db_param(column, field, self.zone)

    def default_match(self, column: ColumnMeta) -> tuple[str, list[Any]]:
        default = (column.default or "").strip()
        if not catalog.is_constant_default(default):
            raise UnsupportedSQLError(
                f"an upsert that leaves unique column {column.name} to its default ({default}), "
                "which is not a constant"
            )
        # the default expression itself, evaluated by the server: it is a constant (checked above); the
        # query runs with an args list, so psycopg reads a literal % only doubled
        return f"{self.quote(column.name)} = {default.replace('%', '%%')}", []

    # -- errors --------------------------------------------------------------------------------------------

    def is_unknown_column_error(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.UndefinedColumn)

    def is_undo_log_duplicate_error(self, exc: BaseException) -> bool:
        if not isinstance(exc, psycopg.errors.UniqueViolation):
            return False
        constraint = exc.diag.constraint_name or ""
        return constraint.startswith("ux_") or ("xid" in str(exc) and "branch_id" in str(exc))

    # -- undo_log --------------------------------------------------------------------------------------------

    def undo_log_ddl(self, table: str = "undo_log") -> str:
        return undo_log.undo_log_ddl(table)

    def purge_sql(self, table_sql: str, batch: int) -> str:
        return (
            f"DELETE FROM {table_sql} WHERE id IN "
            f"(SELECT id FROM {table_sql} WHERE log_created <= %s LIMIT {int(batch)})"
        )

    # -- connections ---------------------------------------------------------------------------------------

    def connect(self, params: Mapping[str, Any]) -> psycopg.Connection[Any]:
        return psycopg.connect(**params, autocommit=False)

    def begin_write(self, conn: psycopg.Connection[Any]) -> None:
        """Nothing to do: autocommit is off, and phase 2 locks the rows it reads (FOR UPDATE)."""

    def image_cursor(self, conn: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
        return image_cursor(conn)
