"""DELETE: before image of every column FOR UPDATE; the after image is empty."""

from __future__ import annotations

from typing import Any

from seata_py.sql.exec.base import Environment, Outcome, RunUser, bind_all, clause, lock_key
from seata_py.sql.statements import DeleteStatement
from seata_py.undo.model import SQLType, SQLUndoLog, TableRecords


def run_delete(env: Environment, stmt: DeleteStatement, args: Any, run_user: RunUser) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    alias = f" {env.quote(table.alias)}" if table.alias else ""
    where, _ = clause("WHERE", stmt.where)
    order, _ = clause("ORDER BY", stmt.order_by)
    limit, _ = clause("LIMIT", stmt.limit)
    columns = env.column_list(env.all_columns(meta), table.qualifier)
    select = f"SELECT {columns} FROM {table.sql}{alias}{where}{order}{limit} FOR UPDATE"
    before = env.records(meta, select, bind_all(args, stmt.where, stmt.order_by, stmt.limit))

    result = run_user()

    if not before.rows:
        return Outcome(result)
    item = SQLUndoLog(SQLType.DELETE, table.text, before, TableRecords.empty(meta.name))
    key = lock_key(meta, before)
    return Outcome(result, [item], [key] if key else [])
