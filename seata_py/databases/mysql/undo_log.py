"""The ``undo_log`` table on MySQL/MariaDB, column for column what Java Seata's AT mode reads and writes."""

from __future__ import annotations

from seata_py.undo.log_table import check_plain_table_name


def undo_log_ddl(table: str = "undo_log") -> str:
    """MySQL/MariaDB. No primary key on purpose: InnoDB clusters on ``ux_undo_log`` as in Java Seata's DDL."""
    check_plain_table_name(table)
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
