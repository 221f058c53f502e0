"""The dialect interface: quoting, catalogs and the few SQL spellings that differ between databases.

The executors build image and undo SQL only through a dialect, so SQLite and PostgreSQL can follow MySQL
without touching them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from seata_py.sql.meta import TableMeta


class MetaCursor(Protocol):
    """The part of a DB-API cursor the dialects use."""

    def execute(self, query: str, args: Any = None) -> int: ...

    def fetchall(self) -> Sequence[Sequence[Any]]: ...


class Dialect(ABC):
    name: ClassVar[str]
    sqlglot_dialect: ClassVar[str]
    placeholder: ClassVar[str] = "%s"  # the driver's paramstyle marker for one value
    for_update_suffix: ClassVar[str] = " FOR UPDATE"

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

    @abstractmethod
    def current_schema(self, cursor: MetaCursor) -> str:
        """The schema unqualified table names resolve to on this connection."""

    @abstractmethod
    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        """Reads one table's metadata from the catalog; schema None means the current schema.

        Raises :class:`seata_py.sql.errors.TableMetaError` when there is no such table.
        """

    def lock_key_table_name(self, meta: TableMeta) -> str:
        """The table name Java writes into lock keys (MySQL: the physical name, no schema)."""
        return meta.name

    def is_unknown_column_error(self, exc: BaseException) -> bool:
        """The database reports a column that the cached metadata does not know: refresh and retry."""
        return False
