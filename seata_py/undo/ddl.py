"""DDL of the ``undo_log`` table, column for column what Java Seata's AT mode reads and writes."""

from __future__ import annotations

DIALECTS = ("mysql", "sqlite")


def undo_log_ddl(dialect: str = "mysql", table: str = "undo_log") -> str:
    """The undo_log DDL for ``dialect`` ("mysql" for MySQL/MariaDB, or "sqlite")."""
    if dialect == "mysql":
        return mysql_undo_log_ddl(table)
    if dialect == "sqlite":
        return sqlite_undo_log_ddl(table)
    raise ValueError(f"no undo_log DDL for dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")


def _check_name(table: str) -> None:
    if not table.replace("_", "").isalnum():
        raise ValueError(f"not a plain table name: {table!r}")


def mysql_undo_log_ddl(table: str = "undo_log") -> str:
    """MySQL/MariaDB. No primary key on purpose: InnoDB clusters on ``ux_undo_log`` as in Java Seata's DDL."""
    _check_name(table)
    return f"""CREATE TABLE IF NOT EXISTS `{table}` (
    `branch_id`     BIGINT       NOT NULL COMMENT 'branch transaction id',
    `xid`           VARCHAR(128) NOT NULL COMMENT 'global transaction id',
    `context`       VARCHAR(128) NOT NULL COMMENT 'undo_log context, such as serialization',
    `rollback_info` LONGBLOB     NOT NULL COMMENT 'rollback info',
    `log_status`    INT(11)      NOT NULL COMMENT '0: normal status, 1: defense status',
    `log_created`   DATETIME(6)  NOT NULL COMMENT 'create datetime',
    `log_modified`  DATETIME(6)  NOT NULL COMMENT 'modify datetime',
    UNIQUE KEY `ux_undo_log` (`xid`, `branch_id`),
    KEY `ix_log_created` (`log_created`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COMMENT = 'AT transaction mode undo table';
"""


def sqlite_undo_log_ddl(table: str = "undo_log") -> str:
    """SQLite: the same columns in SQLite's types; two statements (run them with ``executescript``).

    Times are local time text (``YYYY-MM-DD HH:MM:SS``). Index names are per database in SQLite, so a
    table other than ``undo_log`` gets its own index name.
    """
    _check_name(table)
    index = "ix_log_created" if table == "undo_log" else f"ix_{table}_log_created"
    return f"""CREATE TABLE IF NOT EXISTS "{table}" (
    "branch_id"     INTEGER      NOT NULL, -- branch transaction id
    "xid"           VARCHAR(128) NOT NULL, -- global transaction id
    "context"       VARCHAR(128) NOT NULL, -- undo_log context, such as serialization
    "rollback_info" BLOB         NOT NULL, -- rollback info
    "log_status"    INTEGER      NOT NULL, -- 0: normal status, 1: defense status
    "log_created"   TIMESTAMP    NOT NULL, -- create datetime (local time)
    "log_modified"  TIMESTAMP    NOT NULL, -- modify datetime (local time)
    CONSTRAINT "ux_undo_log" UNIQUE ("xid", "branch_id")
);
CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("log_created");
"""
