"""The ``undo_log`` table on SQLite, column for column what Java Seata's AT mode reads and writes."""

from __future__ import annotations

from seata_py.undo.log_table import check_plain_table_name


def undo_log_ddl(table: str = "undo_log") -> str:
    """SQLite: the same columns in SQLite's types; two statements (run them with ``executescript``).

    Times are local time text (``YYYY-MM-DD HH:MM:SS``). Index names are per database in SQLite, so a
    table other than ``undo_log`` gets its own index name.
    """
    check_plain_table_name(table)
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
