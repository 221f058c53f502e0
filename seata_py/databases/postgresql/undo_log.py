"""The undo_log table on PostgreSQL, as Seata's ``script/client/at/db/postgresql.sql`` creates it."""

from __future__ import annotations

from seata_py.undo.log_table import check_plain_table_name


def undo_log_ddl(table: str = "undo_log") -> str:
    """PostgreSQL. The ``id`` column's sequence is the one Java's insert names (``undo_log_id_seq`` for the
    default table); constraint and index names are Seata's for the default table."""
    check_plain_table_name(table)
    index = "ix_log_created" if table == "undo_log" else f"ix_{table}_log_created"
    # a mixed-case name is quoted, as seata-py's undo_log statements quote it, so both mean one table
    name = table if table == table.lower() else f'"{table}"'
    pk, ux = (f"pk_{table}", f"ux_{table}") if table == table.lower() else (f'"pk_{table}"', f'"ux_{table}"')
    index = index if table == table.lower() else f'"{index}"'
    return f"""CREATE TABLE IF NOT EXISTS {name}
(
    id            SERIAL       NOT NULL,
    branch_id     BIGINT       NOT NULL,
    xid           VARCHAR(128) NOT NULL,
    context       VARCHAR(128) NOT NULL,
    rollback_info BYTEA        NOT NULL,
    log_status    INT          NOT NULL,
    log_created   TIMESTAMP(0) NOT NULL,
    log_modified  TIMESTAMP(0) NOT NULL,
    CONSTRAINT {pk} PRIMARY KEY (id),
    CONSTRAINT {ux} UNIQUE (xid, branch_id)
);
CREATE INDEX IF NOT EXISTS {index} ON {name} (log_created);"""
