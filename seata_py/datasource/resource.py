"""One database as the TC knows it (its resourceId) and as phase 2 reaches it (how to connect).

What differs per database (the driver, catalog, SQL spellings) is the resource's dialect; ``connect_kwargs``
are the dialect's connection parameters (pymysql keyword arguments, or sqlite3's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pymysql

from seata_py.config import SeataConfig
from seata_py.sql.dialects.base import Dialect
from seata_py.sql.dialects.mysql import MySQLDialect
from seata_py.sql.exec.base import Cursor, Environment
from seata_py.sql.meta import TableMeta
from seata_py.sql.metadata_cache import TableMetaCache
from seata_py.sql.statements import TableRef
from seata_py.undo.log_table import UndoLogTable

# caller's pymysql arguments a phase-2 connection must not inherit (it always uses tuples and autocommit off)
_NOT_FOR_PHASE_TWO = ("cursorclass", "autocommit", "defer_connect", "client_flag")


def mysql_resource_id(host: str, port: int, database: str) -> str:
    """Java's default for MySQL: the JDBC URL without parameters."""
    return f"jdbc:mysql://{host}:{port}/{database}"


def connect_kwargs_of(conn: pymysql.connections.Connection) -> dict[str, Any]:
    """Enough of an open pymysql connection's settings to open another one to the same database."""
    db = conn.db.decode() if isinstance(conn.db, bytes) else conn.db
    password = conn.password.decode() if isinstance(conn.password, bytes) else conn.password
    kwargs: dict[str, Any] = {
        "host": conn.host,
        "port": conn.port,
        "user": conn.user,
        "password": password,
        "database": db,
        "charset": conn.charset,
    }
    if conn.unix_socket:
        kwargs["unix_socket"] = conn.unix_socket
    return kwargs


@dataclass
class DataSourceResource:
    resource_id: str
    connect_kwargs: dict[str, Any]
    database: str
    config: SeataConfig
    dialect: Dialect = field(default_factory=MySQLDialect)
    meta_cache: TableMetaCache = field(init=False)
    undo_table: UndoLogTable = field(init=False)
    _max_allowed_packet: int | None = field(default=None, init=False)
    _increment: int | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if "," in self.resource_id:
            raise ValueError(f"resource id cannot contain ',': {self.resource_id!r}")
        self.meta_cache = TableMetaCache(self.dialect, ttl_seconds=self.config.table_meta_ttl)
        self.undo_table = UndoLogTable(self.config.undo.log_table, self.dialect)

    @classmethod
    def from_connect_kwargs(
        cls, kwargs: dict[str, Any], config: SeataConfig, resource_id: str | None = None
    ) -> DataSourceResource:
        database = kwargs.get("database") or kwargs.get("db")
        if not database:
            raise ValueError("AT mode needs a database name: pass database=... to connect()")
        host, port = kwargs.get("host") or "localhost", int(kwargs.get("port") or 3306)
        # everything else (TLS, auth plugins, option files, init_command, ...) is needed to reach the database
        kept = {k: v for k, v in kwargs.items() if k not in _NOT_FOR_PHASE_TWO}
        kept["database"] = database
        kept.pop("db", None)
        if "passwd" in kept:
            kept["password"] = kept.pop("passwd")
        return cls(
            resource_id or mysql_resource_id(host, port, database),
            kept,
            database,
            config,
            MySQLDialect(config.undo.java_driver),
        )

    def connect(self) -> Any:
        """A new plain connection for phase-2 work (no autocommit); call :meth:`begin_write` on it first."""
        return self.dialect.connect(self.connect_kwargs)

    def begin_write(self, conn: Any) -> None:
        """Start phase 2's local transaction, holding the locks it needs where the dialect takes them."""
        self.dialect.begin_write(conn)

    def table_meta(self, cursor: Cursor, schema: str | None, table: str) -> TableMeta:
        return self.meta_cache.get(cursor, self.resource_id, schema or self.database, table)

    def environment(self, conn: Any) -> Environment:
        cursor = self.dialect.image_cursor(conn)

        def meta(ref: TableRef) -> TableMeta:
            return self.table_meta(cursor, ref.schema, ref.name)

        return Environment(
            image_cursor=cursor,
            dialect=self.dialect,
            table_meta=meta,
            zone=self.config.zone,
            only_care_update_columns=self.config.undo.only_care_update_columns,
            legacy_column_order=self.config.undo.legacy_java_line,
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
