"""The process-wide client: configuration, the TC connection, and the AT resource manager."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from seata_py import databases
from seata_py.config import SeataConfig, build_config
from seata_py.databases.mysql.pymysql import ATConnection
from seata_py.exceptions import NotInitializedError as NotInitializedError
from seata_py.exceptions import SeataError
from seata_py.log_context import install_xid_logging
from seata_py.protocol import BranchType
from seata_py.rm.at import ATResourceManager
from seata_py.rpc.client import RpcClient
from seata_py.rpc.coordinator import TransactionCoordinator
from seata_py.tm.backend import TmDefaults, TmSettings, install_defaults

if TYPE_CHECKING:  # imported when first used, through the registry
    from seata_py.databases.mysql.mysqlclient import MySQLdbATConnection
    from seata_py.databases.postgresql.psycopg import ATConnection as PostgresATConnection
    from seata_py.databases.sqlite.pysqlite import SQLiteATConnection

log = logging.getLogger("seata_py")


@dataclass
class Runtime:
    config: SeataConfig
    client: RpcClient
    tc: TransactionCoordinator
    rm: ATResourceManager

    def close(self) -> None:
        self.rm.close()
        self.client.close()


_runtime: Runtime | None = None
_guard = threading.Lock()


def init(
    application_id: str | None = None,
    tx_service_group: str | None = None,
    grouplist: str | list[str] | None = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    wait_ready: float = 10.0,
    **settings: Any,
) -> Runtime:
    """Connect to the TC (TM and RM roles) and make the library ready; call once per process.

    Settings come from the keyword arguments, then ``SEATA_*`` environment variables, then the YAML file
    (``config_file`` or ``$SEATA_CONFIG_FILE``); see :mod:`seata_py.config` for the keys.
    """
    global _runtime
    with _guard:
        if _runtime is not None:
            raise SeataError("seata_py.init() was already called; call seata_py.shutdown() first")
        install_xid_logging()  # every log record carries the XID bound when it was made (%(xid)s)
        config = build_config(
            application_id, tx_service_group, grouplist, config_file=config_file, **settings
        )
        client = RpcClient(config.rpc_config())
        client.start()
        rm: ATResourceManager | None = None
        try:
            if wait_ready and not client.wait_ready(wait_ready):
                log.warning(
                    "not every TC connection registered within %.1fs; requests will wait for them", wait_ready
                )
            tc = TransactionCoordinator(client)
            rm = ATResourceManager(config, tc)
            client.set_branch_handler(BranchType.AT, rm)
        except BaseException:  # e.g. Ctrl-C while waiting: leave nothing running that shutdown() cannot reach
            if rm is not None:
                rm.close()
            client.close()
            raise
        _runtime = Runtime(config, client, tc, rm)
        settings = TmSettings(
            config.default_timeout_ms, config.commit_retry_count, config.rollback_retry_count
        )
        install_defaults(TmDefaults(tc, settings, disabled=config.disable_global_transaction))
        return _runtime


def is_initialized() -> bool:
    """True between ``seata_py.init()`` and ``seata_py.shutdown()``."""
    return _runtime is not None


def runtime() -> Runtime:
    if _runtime is None:
        raise NotInitializedError("call seata_py.init(...) first")
    return _runtime


def shutdown() -> None:
    global _runtime
    with _guard:
        if _runtime is not None:
            install_defaults(None)
            _runtime.close()
            _runtime = None


def connect(*, resource_id: str | None = None, **kwargs: Any) -> ATConnection:
    """``pymysql.connect(**kwargs)`` whose writes inside a global transaction become AT branches.

    ``resource_id`` defaults to Java's form ``jdbc:mysql://host:port/database``; set it to the exact JDBC URL
    the Java services use for the same database so that global locks are shared with them.
    """
    return connect_with(databases.mysql.pymysql, resource_id=resource_id, **kwargs)


def connect_with(driver: ModuleType, *args: Any, resource_id: str | None = None, **kwargs: Any) -> Any:
    """Open an AT connection through one of :data:`seata_py.databases.DRIVERS` (its ``connect``)."""
    rt = runtime()
    return driver.connect(*args, rm=rt.rm, resource_id=resource_id, **kwargs)


def wrap(connection: Any, *, resource_id: str | None = None) -> ATConnection:
    """Wrap an already open connection of a supported driver (pymysql, sqlite3, psycopg): the database
    package is chosen from the connection (:func:`seata_py.databases.adapter_for`)."""
    rt = runtime()
    return databases.adapter_for(connection).wrap(  # type: ignore[no-any-return]
        connection, rm=rt.rm, resource_id=resource_id
    )


def connect_mysqlclient(*, resource_id: str | None = None, **kwargs: Any) -> MySQLdbATConnection:
    """``MySQLdb.connect(**kwargs)`` (mysqlclient) whose writes inside a global transaction become AT
    branches; the resource id is formed as :func:`connect`'s. Phase 2 reaches the database through pymysql
    with the same arguments (those pymysql has no counterpart for raise ``ConfigError`` here)."""
    return connect_with(databases.mysqlclient, resource_id=resource_id, **kwargs)  # type: ignore[no-any-return]


def wrap_mysqlclient(
    connection: Any, *, resource_id: str | None = None, connect_kwargs: dict[str, Any] | None = None
) -> MySQLdbATConnection:
    """Wrap an open mysqlclient connection; ``connect_kwargs`` (the password, TLS settings, ...) let phase 2
    reach the same database, since an open connection does not tell its password."""
    rt = runtime()
    return databases.mysqlclient.wrap(
        connection, rm=rt.rm, resource_id=resource_id, connect_kwargs=connect_kwargs
    )


def connect_postgresql(
    conninfo: str = "", *, resource_id: str | None = None, **kwargs: Any
) -> PostgresATConnection:
    """``psycopg.connect(conninfo, **kwargs)`` whose writes inside a global transaction become AT branches.

    ``resource_id`` defaults to Java's form ``jdbc:postgresql://host:port/dbname``; set it to the Java
    services' JDBC URL (with ``?currentSchema=...`` where they use one) so that global locks are shared. The
    database needs the undo_log table (``seata-py ddl --dialect postgresql``).
    """
    return connect_with(  # type: ignore[no-any-return]
        databases.postgresql.psycopg, conninfo, resource_id=resource_id, **kwargs
    )


def connect_sqlite(
    database: str | os.PathLike[str], *, resource_id: str | None = None, **sqlite3_kwargs: Any
) -> SQLiteATConnection:
    """``sqlite3.connect(database, **kwargs)`` whose writes inside a global transaction become AT branches.

    The resource id is ``jdbc:sqlite:<absolute path>``. The file needs the undo_log table
    (``seata-py ddl --dialect sqlite``).
    """
    return connect_with(  # type: ignore[no-any-return]
        databases.sqlite.pysqlite, database, resource_id=resource_id, **sqlite3_kwargs
    )


def wrap_sqlite(connection: sqlite3.Connection, *, resource_id: str | None = None) -> SQLiteATConnection:
    """Wrap an already open sqlite3 connection."""
    rt = runtime()
    return databases.sqlite.pysqlite.wrap(connection, rm=rt.rm, resource_id=resource_id)
