"""The statement model the recognizer produces and the AT executors consume.

Everything here is immutable and independent of sqlglot, so a parsed statement can be cached and shared
between threads. SQL text inside the model (``Fragment.sql``) is re-rendered from the parse tree in the
dialect it was parsed in, never the user's text pasted through, identifiers quoted: for MySQL placeholders are
``%s`` and a literal ``%`` is ``%%``; for SQLite placeholders are ``?`` and ``%`` is itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

ParamRef = int | str
"""Index into positional args (``%s``), or the key of a ``%(name)s`` placeholder."""


def quote_identifier(name: str) -> str:
    """MySQL identifier quoting: backticks, with an embedded backtick doubled."""
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL plus the parameters its placeholders (``%s`` or ``?``) take, in textual order.

    Always execute the text with an args list (possibly empty): pymysql only turns ``%%`` back into ``%``
    when args are given.
    """

    sql: str
    params: tuple[ParamRef, ...] = ()

    @staticmethod
    def empty() -> Fragment:
        return Fragment("")

    def __bool__(self) -> bool:
        return bool(self.sql)

    def bind(self, args: Sequence[Any] | Mapping[str, Any] | None) -> list[Any]:
        """The values for this fragment's placeholders, taken from the args the user passed."""
        if not self.params:
            return []
        if args is None:
            raise TypeError(f"SQL fragment {self.sql!r} has placeholders but no args were given")
        values: list[Any] = []
        for ref in self.params:
            if isinstance(ref, int):
                if isinstance(args, Mapping):
                    raise TypeError(f"positional placeholder #{ref} needs sequence args, got a mapping")
                values.append(args[ref])
            else:
                if not isinstance(args, Mapping):
                    raise TypeError(f"placeholder %({ref})s needs mapping args, got a sequence")
                values.append(args[ref])
        return values

    def __add__(self, other: Fragment) -> Fragment:
        return Fragment(self.sql + other.sql, self.params + other.params)

    @staticmethod
    def join(separator: str, fragments: Iterable[Fragment]) -> Fragment:
        parts = list(fragments)
        return Fragment(separator.join(p.sql for p in parts), tuple(r for p in parts for r in p.params))


@dataclass(frozen=True)
class TableRef:
    name: str  # unquoted, as written (case kept)
    schema: str | None  # unquoted, as written; None when the SQL did not qualify the table
    alias: str | None
    text: str  # as written, quotes and schema kept: what Java stores as SQLUndoLog.tableName

    @property
    def sql(self) -> str:
        """Quoted reference without alias: `db`.`t` or `t`."""
        if self.schema:
            return f"{quote_identifier(self.schema)}.{quote_identifier(self.name)}"
        return quote_identifier(self.name)

    @property
    def source_sql(self) -> str:
        """Quoted reference with the alias, as a FROM item: `t` AS `a`."""
        if self.alias:
            return f"{self.sql} AS {quote_identifier(self.alias)}"
        return self.sql

    @property
    def qualifier(self) -> str:
        """What the statement's columns are qualified with: the alias if any, else the table name."""
        return self.alias or self.name


# --- INSERT row values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    ref: ParamRef


@dataclass(frozen=True)
class Literal:
    value: Any  # int, Decimal, float, str, bool, or None for NULL


@dataclass(frozen=True)
class Default:
    """The DEFAULT keyword as a VALUES item."""


@dataclass(frozen=True)
class Expression:
    fragment: Fragment
    is_function: bool  # a call such as NOW() or UUID(): Java treats function PK values apart


InsertValue = Param | Literal | Default | Expression


@dataclass(frozen=True)
class Assignment:
    column: str  # unquoted, as written
    qualifier: str | None  # `t` in `t.col = ...`, when written
    value: Fragment


# --- statements -------------------------------------------------------------------------------------------

# Every statement carries ``sql``: its own text as the user wrote it (comments dropped), placeholders as
# ``%s`` with refs into the args of the whole string, ``%`` doubled. It lets a caller run the statements of a
# multi-statement string one at a time. It is not compared: two statements that mean the same are equal.


@dataclass(frozen=True)
class InsertStatement:
    kind: ClassVar[str] = "insert"

    table: TableRef
    columns: tuple[str, ...] | None  # None: no column list, values follow the table's column order
    rows: tuple[tuple[InsertValue, ...], ...]
    # ON DUPLICATE KEY UPDATE / ON CONFLICT DO UPDATE assignments
    on_duplicate_update: tuple[Assignment, ...] | None = None
    # ON CONFLICT DO NOTHING (SQLite, and INSERT OR IGNORE there): conflicting rows are left as they are
    ignore_conflicts: bool = False
    returning: bool = False  # the statement has its own RETURNING clause
    # the plain columns that clause returns, as written ("*" for all of them)
    returning_columns: tuple[str, ...] = field(default=(), compare=False)
    sql: Fragment = field(default=Fragment(""), compare=False)

    @property
    def is_upsert(self) -> bool:
        return self.on_duplicate_update is not None or self.ignore_conflicts


@dataclass(frozen=True)
class UpdateStatement:
    kind: ClassVar[str] = "update"

    table: TableRef
    assignments: tuple[Assignment, ...]
    where: Fragment | None = None
    order_by: Fragment | None = None
    limit: Fragment | None = None
    sql: Fragment = field(default=Fragment(""), compare=False)


@dataclass(frozen=True)
class UpdateJoinStatement:
    kind: ClassVar[str] = "update_join"

    tables: tuple[TableRef, ...]  # every table of the join source, in textual order
    source: Fragment  # the whole table/join source after UPDATE, ON conditions included
    assignments: tuple[Assignment, ...]
    where: Fragment | None = None
    order_by: Fragment | None = None
    limit: Fragment | None = None
    sql: Fragment = field(default=Fragment(""), compare=False)


@dataclass(frozen=True)
class DeleteStatement:
    kind: ClassVar[str] = "delete"

    table: TableRef
    where: Fragment | None = None
    order_by: Fragment | None = None
    limit: Fragment | None = None
    sql: Fragment = field(default=Fragment(""), compare=False)


@dataclass(frozen=True)
class SelectForUpdateStatement:
    kind: ClassVar[str] = "select_for_update"

    table: TableRef
    where: Fragment | None = None
    order_by: Fragment | None = None
    limit: Fragment | None = None  # "offset, count" when the statement has an offset
    lock_clause: str = "FOR UPDATE"  # as written: "FOR UPDATE NOWAIT", "FOR UPDATE SKIP LOCKED", ...
    sql: Fragment = field(default=Fragment(""), compare=False)


PLAIN_KINDS = frozenset(
    {"select", "show", "set", "use", "ddl", "transaction", "savepoint", "describe", "other"}
)


@dataclass(frozen=True)
class PlainStatement:
    """A statement AT mode runs as it is: nothing to image, nothing to lock.

    ``kind`` is one of :data:`PLAIN_KINDS`. "transaction" (BEGIN/COMMIT/ROLLBACK), "savepoint" and "ddl"
    (implicit commit) are told apart because a connection proxy may want to refuse them inside a global
    transaction.
    """

    kind: str
    sql: Fragment = field(default=Fragment(""), compare=False)


Statement = (
    InsertStatement
    | UpdateStatement
    | UpdateJoinStatement
    | DeleteStatement
    | SelectForUpdateStatement
    | PlainStatement
)

INTERCEPTED_TYPES: tuple[type, ...] = (
    InsertStatement,
    UpdateStatement,
    UpdateJoinStatement,
    DeleteStatement,
    SelectForUpdateStatement,
)


def is_intercepted(statement: Statement) -> bool:
    return isinstance(statement, INTERCEPTED_TYPES)


def statement_family(statement: Statement) -> str | None:
    """The kind that must agree across a multi-statement string; UPDATE and UPDATE JOIN are one family."""
    if isinstance(statement, PlainStatement):
        return None
    return "update" if isinstance(statement, UpdateJoinStatement) else statement.kind


def statement_tables(statement: Statement) -> tuple[TableRef, ...]:
    """Every table the statement names (for UPDATE JOIN, every table of the join)."""
    if isinstance(statement, UpdateJoinStatement):
        return statement.tables
    if isinstance(statement, PlainStatement):
        return ()
    return (statement.table,)
