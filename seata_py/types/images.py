"""The undo model, shaped like Java Seata's (BranchUndoLog → SQLUndoLog → TableRecords → Row → Field).

Values are Python values as the database driver returns them (int, Decimal, str, bytes, datetime, ...).
``Field.java_class`` remembers which Java class a value is written as (or was read as), because the undo log
is shared with Java clients and Java compares ``Integer`` and ``Long`` as different values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class SQLType(str, enum.Enum):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UPDATE_JOIN = "UPDATE_JOIN"


class KeyType(str, enum.Enum):
    NULL = "NULL"
    PRIMARY_KEY = "PRIMARY_KEY"


@dataclass(frozen=True)
class Field:
    name: str  # column name as the database metadata spells it
    key_type: KeyType
    type: int  # java.sql.Types code
    value: Any
    java_class: str | None = None  # e.g. "java.lang.Long"; None for JSON-native values (str, Integer, ...)


@dataclass(frozen=True)
class Row:
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        lowered = name.lower()
        for f in self.fields:
            if f.name.lower() == lowered:
                return f
        raise KeyError(name)

    @property
    def primary_key_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.key_type is KeyType.PRIMARY_KEY)

    @property
    def non_primary_key_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.key_type is not KeyType.PRIMARY_KEY)


@dataclass(frozen=True)
class TableRecords:
    table_name: str  # metadata name: no quotes, no schema
    rows: tuple[Row, ...] = ()
    # Java writes TableRecords$EmptyTableRecords for an INSERT's before image and a DELETE's after image.
    empty_marker: bool = False

    @classmethod
    def empty(cls, table_name: str) -> TableRecords:
        return cls(table_name, (), empty_marker=True)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class SQLUndoLog:
    sql_type: SQLType
    table_name: str  # as written in the SQL text (may carry backticks or a schema); undo SQL uses it
    before_image: TableRecords
    after_image: TableRecords


@dataclass(frozen=True)
class BranchUndoLog:
    xid: str | None
    branch_id: int
    sql_undo_logs: tuple[SQLUndoLog, ...] = ()
