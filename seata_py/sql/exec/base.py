"""What every statement executor shares: the image queries it runs and the records it builds from them.

An executor runs the user's statement between a before and an after image on the user's own connection and
returns undo items and lock keys. It never talks to the TC: registering and checking locks is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from seata_py.exceptions import ImageError as ImageError
from seata_py.types.dialect import Dialect
from seata_py.types.images import KeyType, Row, SQLUndoLog, TableRecords
from seata_py.types.java_numbers import java_double_to_string
from seata_py.types.meta import TableMeta, java_hashmap_order
from seata_py.types.statements import Fragment, TableRef

# Java splits IN lists of primary keys into OR-ed groups of at most this many rows.
MAX_IN_SIZE = 1000


class Cursor(Protocol):
    rowcount: int
    lastrowid: int | None
    description: Any

    def execute(self, query: str, args: Any = ...) -> Any: ...

    def fetchall(self) -> Sequence[Sequence[Any]]: ...


@dataclass(frozen=True)
class UserResult:
    """What the user's own statement returned."""

    rowcount: int
    lastrowid: int | None = None
    returned: tuple[tuple[Any, ...], ...] | None = None  # the RETURNING rows an executor asked for


class RunUser(Protocol):
    """Runs the user's statement once. ``returning`` names columns the executor needs back from every
    changed row; only dialects with ``insert_returning`` are asked, and the rows never reach the user."""

    def __call__(self, returning: Sequence[str] = ()) -> UserResult: ...


@dataclass
class Outcome:
    """What running one statement produced: the driver's result and what must be undone and locked."""

    result: UserResult
    undo_items: list[SQLUndoLog] = field(default_factory=list)
    lock_keys: list[str] = field(default_factory=list)


@dataclass
class Environment:
    """The user's connection as the executors see it."""

    image_cursor: Cursor  # a plain cursor on the user's connection, for image queries only
    dialect: Dialect
    table_meta: Callable[[TableRef], TableMeta]
    zone: tzinfo | None = None
    only_care_update_columns: bool = True
    # Which Java client line's image column order to write (measured: 2.0.0 and 2.5.0, see need_columns).
    legacy_column_order: bool = False
    auto_increment_increment: Callable[[], int] = lambda: 1
    last_insert_id: Callable[[], int | None] = lambda: None  # see Dialect.last_insert_id

    def quote(self, identifier: str) -> str:
        return self.dialect.quote(identifier)

    @property
    def for_update(self) -> str:
        """What image queries that must lock their rows end with (nothing where a transaction-wide write
        lock already covers them)."""
        return self.dialect.for_update_suffix

    def table_sql(self, table: TableRef) -> str:
        """The quoted table reference, schema included when the statement named one, no alias."""
        return self.dialect.quote_table(table.name, table.schema)

    def query(self, sql: str, params: Sequence[Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        self.image_cursor.execute(sql, list(params))
        names = [d[0] for d in self.image_cursor.description or ()]
        return names, self.image_cursor.fetchall()

    def records(self, meta: TableMeta, sql: str, params: Sequence[Any]) -> TableRecords:
        names, rows = self.query(sql, params)
        return self.to_records(meta, names, rows)

    def to_records(
        self, meta: TableMeta, names: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> TableRecords:
        columns = [meta.column(n) for n in names]
        primary = {p.lower() for p in meta.primary_key}
        out = []
        for raw in rows:
            fields = tuple(
                self.dialect.to_field(
                    col,
                    value,
                    KeyType.PRIMARY_KEY if col.name.lower() in primary else KeyType.NULL,
                    self.zone,
                )
                for col, value in zip(columns, raw, strict=True)
            )
            out.append(Row(fields))
        return TableRecords(meta.record_name, tuple(out))

    # -- SQL pieces ----------------------------------------------------------------------------------------

    def column_list(self, columns: Iterable[str], qualifier: str | None = None) -> str:
        return ", ".join(self.dialect.quote_column(c, qualifier) for c in columns)

    def select_list(self, columns: Iterable[str], qualifier: str | None = None) -> str:
        """The SELECT list of an image query: each column's stored value under the column's own name."""
        return ", ".join(self.dialect.select_column(c, qualifier) for c in columns)

    def need_columns(self, meta: TableMeta, touched: Iterable[str]) -> list[str]:
        """Java's image columns for an INSERT or UPDATE touching ``touched``, in the order Java lists them.

        The set: touched columns + primary key + ON UPDATE columns (all columns when
        client.undo.onlyCareUpdateColumns is off). The order differs between client lines: 2.1+ sorts names
        case-insensitively; 2.0 puts the primary key first (unless every key column is touched), then the
        touched columns as the statement names them, then the ON UPDATE columns.
        """
        if not self.only_care_update_columns:
            names = self.java_all_columns(meta)
            return names if self.legacy_column_order else sorted(names, key=str.lower)
        named: dict[str, str] = {}
        for column in touched:
            name = meta.column(column).name
            named.setdefault(name.lower(), name)
        on_update = [c for c in java_hashmap_order(meta.on_update_columns) if c.lower() not in named]
        if not self.legacy_column_order:
            every = {**named, **{p.lower(): p for p in meta.primary_key}, **{c.lower(): c for c in on_update}}
            return sorted(every.values(), key=str.lower)
        keys = [] if all(p.lower() in named for p in meta.primary_key) else list(meta.primary_key_java_order)
        return [*keys, *(n for n in named.values() if n not in keys), *on_update]

    def all_columns(self, meta: TableMeta) -> list[str]:
        """Every column in table order (what an INSERT without a column list gives values for)."""
        return [c.name for c in meta.columns]

    def java_all_columns(self, meta: TableMeta) -> list[str]:
        """Every column in the order Java's table metadata (a HashMap) lists them, as DELETE images do."""
        return list(java_hashmap_order(c.name for c in meta.columns))

    def select_by_primary_keys(
        self,
        meta: TableMeta,
        table_sql: str,
        columns: Sequence[str],
        rows: Sequence[Row],
        for_update: bool = False,
    ) -> TableRecords:
        """Re-read rows by primary key, in groups of at most MAX_IN_SIZE."""
        if not rows:
            return TableRecords(meta.record_name, ())
        collected: list[Row] = []
        for start in range(0, len(rows), MAX_IN_SIZE):
            chunk = rows[start : start + MAX_IN_SIZE]
            condition, params = self.primary_key_condition(meta, chunk)
            sql = f"SELECT {self.select_list(columns)} FROM {table_sql} WHERE {condition}"
            if for_update:
                sql += self.for_update
            collected.extend(self.records(meta, sql, params).rows)
        return TableRecords(meta.record_name, tuple(collected))

    def primary_key_condition(self, meta: TableMeta, rows: Sequence[Row]) -> tuple[str, list[Any]]:
        pk = meta.primary_key_java_order
        params: list[Any] = []
        for row in rows:
            for name in pk:
                params.append(self.dialect.to_db_param(meta.column(name), row.field(name)))
        if len(pk) == 1:
            return f"{self.quote(pk[0])} IN ({self.dialect.marks(len(rows))})", params
        group = "(" + self.dialect.marks(len(pk)) + ")"
        return f"({self.column_list(pk)}) IN ({', '.join([group] * len(rows))})", params


def clause(keyword: str, fragment: Fragment | None) -> str:
    """`` WHERE …`` / `` ORDER BY …`` / `` LIMIT …``, or nothing."""
    if fragment is None or not fragment.sql:
        return ""
    return f" {keyword} {fragment.sql}"


def filtered_source(env: Environment, stmt: Any, args: Any) -> tuple[str, list[Any]]:
    """`` FROM <table> [alias] [WHERE] [ORDER BY] [LIMIT]`` of a single-table statement and its bound values,
    so an image query selects exactly the rows the statement touches."""
    table = stmt.table
    alias = f" {env.quote(table.alias)}" if table.alias else ""
    text = (
        f" FROM {env.table_sql(table)}{alias}"
        + clause("WHERE", stmt.where)
        + clause("ORDER BY", stmt.order_by)
        + clause("LIMIT", stmt.limit)
    )
    return text, bind_all(args, stmt.where, stmt.order_by, stmt.limit)


def bind_all(args: Any, *fragments: Fragment | None) -> list[Any]:
    bound: list[Any] = []
    for fragment in fragments:
        if fragment is not None and fragment.sql:
            bound.extend(fragment.bind(args))
    return bound


# -- lock keys -----------------------------------------------------------------------------------------------


def java_string(value: Any) -> str:
    """A primary-key value as Java's String.valueOf prints it, which is what Java lock keys carry."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        # java.sql.Timestamp.toString: fraction with trailing zeros removed, at least one digit
        fraction = f"{value.microsecond:06d}".rstrip("0") or "0"
        return value.strftime("%Y-%m-%d %H:%M:%S") + "." + fraction
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return java_double_to_string(value)
    if isinstance(value, (bytes, bytearray)):
        # Java would print an identity hash here; hex at least names the row the same way every time.
        return bytes(value).hex()
    return str(value)


def lock_key(meta: TableMeta, records: TableRecords) -> str | None:
    """``table:pk,pk`` with composite values joined by ``_`` in Java's HashMap column order."""
    if not records.rows:
        return None
    order = meta.primary_key_java_order
    parts = []
    for row in records.rows:
        values = [java_string(row.field(name).value) for name in order]
        for text in values:
            if "," in text:
                raise ImageError(
                    f"primary key value {text!r} of {meta.name} contains ',' (the lock key separator)"
                )
        parts.append("_".join(values))
    return f"{meta.record_name}:{','.join(parts)}"
