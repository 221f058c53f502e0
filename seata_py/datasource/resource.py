"""One database as the TC knows it (its resourceId) and as phase 2 reaches it (how to connect).

What differs per database (the driver, catalog, SQL spellings) is the resource's dialect; ``connect_kwargs``
are the dialect's connection parameters (pymysql keyword arguments, or sqlite3's). The database package
that wraps a driver builds the resource (resourceId form, parameters); phase 2 on it is its undo manager's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from seata_py.config import SeataConfig
from seata_py.protocol import BranchStatus
from seata_py.sql.exec.base import Cursor, Environment
from seata_py.sql.metadata_cache import TableMetaCache
from seata_py.types.dialect import Dialect
from seata_py.types.meta import TableMeta
from seata_py.types.statements import TableRef
from seata_py.undo.log_table import UndoLogTable
from seata_py.undo.manager import UndoManager


@dataclass
class DataSourceResource:
    resource_id: str
    connect_kwargs: dict[str, Any]
    database: str
    config: SeataConfig
    dialect: Dialect
    meta_cache: TableMetaCache = field(init=False)
    undo_table: UndoLogTable = field(init=False)
    undo: UndoManager = field(init=False)
    zone: tzinfo | None = field(init=False)
    _max_allowed_packet: int | None = field(default=None, init=False)
    _increment: int | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if "," in self.resource_id:
            raise ValueError(f"resource id cannot contain ',': {self.resource_id!r}")
        self.meta_cache = TableMetaCache(self.dialect, ttl_seconds=self.config.table_meta_ttl)
        self.undo_table = UndoLogTable(self.config.undo.log_table, self.dialect)
        # read once: every statement's environment carries them
        self.zone = self.config.zone
        self._legacy_column_order = self.config.undo.legacy_java_line
        self.undo = UndoManager(self, zone=self.zone, validate=self.config.undo.data_validation)

    def connect(self) -> Any:
        """A new plain connection for phase-2 work (no autocommit); call :meth:`begin_write` on it first."""
        return self.dialect.connect(self.connect_kwargs)

    def begin_write(self, conn: Any) -> None:
        """Start phase 2's local transaction, holding the locks it needs where the dialect takes them."""
        self.dialect.begin_write(conn)

    def table_meta(self, cursor: Cursor, schema: str | None, table: str) -> TableMeta:
        return self.meta_cache.get(cursor, self.resource_id, schema or self.database, table)

    def forget_table_meta(self) -> None:
        self.meta_cache.invalidate(resource_id=self.resource_id)

    # -- phase 2, as the resource manager asks for it ------------------------------------------------------

    def rollback_branch(self, xid: str, branch_id: int) -> BranchStatus:
        return self.undo.rollback(xid, branch_id)

    def delete_undo_logs(self, branches: Sequence[tuple[str, int]]) -> None:
        self.undo.delete(branches)

    def purge_undo_logs(self, save_days: int) -> int:
        return self.undo.purge(save_days)

    def environment(self, conn: Any) -> Environment:
        cursor = self.dialect.image_cursor(conn)

        def meta(ref: TableRef) -> TableMeta:
            return self.table_meta(cursor, ref.schema, ref.name)

        return Environment(
            image_cursor=cursor,
            dialect=self.dialect,
            table_meta=meta,
            zone=self.zone,
            only_care_update_columns=self.config.undo.only_care_update_columns,
            legacy_column_order=self._legacy_column_order,
            auto_increment_increment=lambda: self._cached(
                "_increment", lambda: self.dialect.auto_increment_increment(cursor)
            ),
            last_insert_id=lambda: self.dialect.last_insert_id(cursor),
        )

    def max_allowed_packet(self, cursor: Cursor) -> int | None:
        return self._cached("_max_allowed_packet", lambda: self.dialect.max_allowed_packet(cursor))

    def _cached(self, slot: str, read: Callable[[], Any]) -> Any:
        """A server setting read once per resource (Java caches them per DataSourceProxy too)."""
        cached = getattr(self, slot)
        if cached is not None:
            return cached
        value = read()
        with self._lock:
            setattr(self, slot, value)
        return value


ResourceLookup = Callable[[str], DataSourceResource | None]
