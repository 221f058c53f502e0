"""Table metadata as the resource manager needs it: columns, keys, auto-increment, ON UPDATE columns.

Pure data; each database's dialect fills it from its catalog (``seata_py.databases``). Column lookups ignore
case, as column names do in MySQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnMeta:
    name: str  # as the database spells it
    ordinal: int  # 1-based position in the table
    data_type: str  # lower-case catalog type without size: "int", "varchar", "datetime", "enum", ...
    column_type: str  # full declaration: "int(10) unsigned", "tinyint(1)", "enum('a','b')", "decimal(10,2)"
    # java.sql.Types code written into undo logs: as Connector/J reports it (MySQL), from the declared type
    # (SQLite, see seata_py.databases.sqlite.column_types)
    jdbc_type: int
    nullable: bool = True
    default: str | None = None
    auto_increment: bool = False
    on_update: bool = False  # ON UPDATE CURRENT_TIMESTAMP: changes without being named in the statement

    @property
    def unsigned(self) -> bool:
        return "unsigned" in self.column_type.lower()


@dataclass(frozen=True)
class IndexMeta:
    name: str
    columns: tuple[str, ...]  # in index order
    unique: bool
    primary: bool = False


def java_hashmap_order(names: Iterable[str]) -> tuple[str, ...]:
    """The order a ``java.util.HashMap`` built with default settings iterates these keys in.

    Java Seata keeps column names in HashMaps: composite primary keys (lock keys, undo SQL) and, for
    DELETE images, all columns, so a Python RM must list them the same way. Iteration walks the buckets in
    index order and each bucket in insertion order (resizing keeps that order), with the table doubled from 16
    buckets whenever it is more than three quarters full. Eight names colliding in one bucket make Java resize
    early (or, from 64 buckets, build a tree); this does not model that, which column names hardly reach.
    """
    ordered = list(names)
    capacity = 16
    while len(ordered) > capacity * 3 // 4:
        capacity *= 2

    def bucket(name: str) -> int:
        h = 0
        for unit in name.encode("utf-16-be").hex(" ", 2).split():
            h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
        h ^= h >> 16
        return h & (capacity - 1)

    return tuple(sorted(ordered, key=bucket))  # sorted() is stable: ties keep insertion (index) order


@dataclass(frozen=True)
class TableMeta:
    schema: str
    name: str  # physical name, no quotes or schema: what lock keys and undo images carry
    columns: tuple[ColumnMeta, ...]  # table order
    indexes: tuple[IndexMeta, ...] = ()
    # the name Java's table metadata gives the table where it is not the physical name (PostgreSQL: the
    # schema too, unless it is public): what lock keys and undo images carry
    java_name: str | None = None
    _by_lower: dict[str, ColumnMeta] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_lower.update({c.name.lower(): c for c in self.columns})

    def column(self, name: str) -> ColumnMeta:
        try:
            return self._by_lower[name.strip("`").lower()]
        except KeyError:
            raise KeyError(f"table {self.name} has no column {name!r}") from None

    def has_column(self, name: str) -> bool:
        return name.strip("`").lower() in self._by_lower

    @property
    def record_name(self) -> str:
        """The table's name in lock keys and in undo images (``TableRecords.tableName``)."""
        return self.java_name or self.name

    @property
    def primary_key(self) -> tuple[str, ...]:
        """PK column names in index order (empty when the table has none)."""
        for index in self.indexes:
            if index.primary:
                return index.columns
        return ()

    @property
    def primary_key_java_order(self) -> tuple[str, ...]:
        """PK column names in the order Java Seata uses for lock keys and undo SQL."""
        return java_hashmap_order(self.primary_key)

    @property
    def unique_indexes(self) -> tuple[IndexMeta, ...]:
        """Primary and unique indexes: the ones INSERT … ON DUPLICATE KEY UPDATE can hit."""
        return tuple(i for i in self.indexes if i.unique or i.primary)

    @property
    def on_update_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.on_update)

    @property
    def auto_increment_column(self) -> str | None:
        return next((c.name for c in self.columns if c.auto_increment), None)
