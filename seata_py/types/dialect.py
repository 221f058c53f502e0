"""The dialect interface: everything the AT resource manager does differently per database.

Each database package (``seata_py.databases.mysql``, ``sqlite``) exports one implementation, as SQLAlchemy
keeps one dialect per database: how its driver's statements are recognized, identifier quoting, the
driver's placeholder, the catalog queries behind :class:`TableMeta`, how column
values become Java-typed undo-log fields and back, the ``undo_log`` table's DDL and the few statements on it
that differ, how phase 2 opens its own connection and takes the write lock, and how to recognize the
driver's errors. The executors, the compensator and the connection proxies build SQL only through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, ClassVar, Literal, Protocol

from seata_py.types.images import Field, KeyType
from seata_py.types.meta import ColumnMeta, TableMeta
from seata_py.types.statements import Statement

# how the driver binds execute() args: by position, by name, or not at all (no args given)
ArgsStyle = Literal["none", "sequence", "mapping"]


class MetaCursor(Protocol):
    """The part of a DB-API cursor the dialects use (``execute`` returns whatever the driver returns)."""

    def execute(self, query: str, args: Any = ...) -> Any: ...

    def fetchall(self) -> Sequence[Sequence[Any]]: ...


class Dialect(ABC):
    name: ClassVar[str]
    sqlglot_dialect: ClassVar[str]
    placeholder: ClassVar[str] = "%s"  # the driver's paramstyle marker for one value
    for_update_suffix: ClassVar[str] = " FOR UPDATE"  # appended to image queries that must lock rows
    # How many rows a multi-row INSERT's generated ids can be derived from (lastrowid + i * step): MySQL
    # guarantees consecutive ids for one statement; SQLite does not promise it.
    consecutive_generated_ids: ClassVar[bool] = True
    # INSERT ... RETURNING can report the keys of every inserted row (then no guessing is needed).
    insert_returning: ClassVar[bool] = False
    # The driver reports no id of an inserted row (psycopg): every INSERT whose key the database fills reads
    # it back with RETURNING, single rows too.
    generated_keys_by_returning: ClassVar[bool] = False
    # what the INSERT that restores a deleted row says after its column list, so a column only the database
    # may fill (PostgreSQL's GENERATED ALWAYS identity) takes the logged value
    restore_insert_clause: ClassVar[str] = ""
    # how error messages name an upsert that updates on a key conflict
    upsert_name: ClassVar[str] = "INSERT ... ON CONFLICT DO UPDATE"
    # The driver's own exception base classes: errors the RM logs without a traceback.
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    # -- recognition ---------------------------------------------------------------------------------------

    @abstractmethod
    def recognize(self, sql: str, args_style: ArgsStyle) -> tuple[Statement, ...]:
        """Every statement of one ``execute`` string as the driver will send it; raises
        :class:`seata_py.exceptions.UnsupportedSQLError` for SQL AT mode cannot undo, before anything runs."""

    # -- identifiers and placeholders ----------------------------------------------------------------------

    @abstractmethod
    def quote(self, identifier: str) -> str:
        """One identifier, quoted so any name (keywords, quote characters) is taken literally."""

    def quote_table(self, table: str, schema: str | None = None) -> str:
        if schema:
            return f"{self.quote(schema)}.{self.quote(table)}"
        return self.quote(table)

    def quote_column(self, column: str, qualifier: str | None = None) -> str:
        if qualifier:
            return f"{self.quote(qualifier)}.{self.quote(column)}"
        return self.quote(column)

    def select_column(self, column: str, qualifier: str | None = None) -> str:
        """A column as an image query selects it: the stored value, named as the column."""
        return self.quote_column(column, qualifier)

    def marks(self, count: int) -> str:
        """``count`` placeholders separated by commas."""
        return ", ".join([self.placeholder] * count)

    # -- catalog -------------------------------------------------------------------------------------------

    @abstractmethod
    def current_schema(self, cursor: MetaCursor) -> str:
        """The schema unqualified table names resolve to on this connection."""

    @abstractmethod
    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        """Reads one table's metadata from the catalog; schema None means the current schema.

        Raises :class:`seata_py.sql.errors.TableMetaError` when there is no such table.
        """

    # -- values --------------------------------------------------------------------------------------------

    @abstractmethod
    def to_field(self, column: ColumnMeta, value: Any, key_type: KeyType, zone: tzinfo | None) -> Field:
        """The undo-log field for a value the driver returned for ``column``, typed as Java would hold it."""

    @abstractmethod
    def to_db_param(self, column: ColumnMeta, field: Field) -> Any:
        """The value to bind so that ``column`` holds again what ``field`` records."""

    @abstractmethod
    def default_match(self, column: ColumnMeta) -> tuple[str, list[Any]]:
        """A condition (and its parameters) true for rows whose ``column`` holds the column's default.

        An upsert that does not name a unique column gives the row this value, which can collide.
        Raises :class:`seata_py.exceptions.UnsupportedSQLError` when the default cannot be matched safely.
        """

    # -- errors --------------------------------------------------------------------------------------------

    def is_unknown_column_error(self, exc: BaseException) -> bool:
        """The database reports a column that the cached metadata does not know: refresh and retry."""
        return False

    @abstractmethod
    def is_undo_log_duplicate_error(self, exc: BaseException) -> bool:
        """An insert into undo_log collided with the row of the same (xid, branch_id)."""

    # -- undo_log --------------------------------------------------------------------------------------------

    @abstractmethod
    def undo_log_ddl(self, table: str = "undo_log") -> str:
        """The DDL of the undo_log table for this database."""

    now_sql: ClassVar[str] = "now(6)"  # the current time for log_created / log_modified

    @abstractmethod
    def purge_sql(self, table_sql: str, batch: int) -> str:
        """DELETE of at most ``batch`` undo rows created at or before one bound cutoff."""

    def datetime_param(self, value: datetime) -> Any:
        """A datetime as the driver binds it for comparison with log_created."""
        return value

    # -- connections ---------------------------------------------------------------------------------------

    @abstractmethod
    def connect(self, params: Mapping[str, Any]) -> Any:
        """A new plain connection for phase-2 work: no autocommit; call :meth:`begin_write` first."""

    @abstractmethod
    def begin_write(self, conn: Any) -> None:
        """Start a local transaction on ``conn`` that holds the write locks phase 2 needs."""

    @abstractmethod
    def image_cursor(self, conn: Any) -> Any:
        """A plain cursor (tuples, raw stored values) on ``conn`` for image and undo_log queries."""

    def max_allowed_packet(self, cursor: MetaCursor) -> int | None:
        """The largest undo row content (Java's ``map`` context value); None when the database has none."""
        return None

    def auto_increment_increment(self, cursor: MetaCursor) -> int:
        """The step between consecutive generated ids of one statement."""
        return 1

    def last_insert_id(self, cursor: MetaCursor) -> int | None:
        """The first id the session's last INSERT generated, asked of the database itself; None where it
        cannot tell. For statements whose driver reports no ``lastrowid`` (those that return rows)."""
        return None
