"""DELETE: before image of every column FOR UPDATE; the after image is empty."""

from __future__ import annotations

from typing import Any

from seata_py.sql.exec.base import Environment, Outcome, RunUser, filtered_source, lock_key
from seata_py.types.images import SQLType, SQLUndoLog, TableRecords
from seata_py.types.statements import DeleteStatement


def run_delete(env: Environment, stmt: DeleteStatement, args: Any, run_user: RunUser) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    columns = env.select_list(env.java_all_columns(meta), table.qualifier)
    source, params = filtered_source(env, stmt, args)
    before = env.records(meta, f"SELECT {columns}{source}{env.for_update}", params)

    result = run_user()

    if not before.rows:
        return Outcome(result)
    item = SQLUndoLog(SQLType.DELETE, table.text, before, TableRecords.empty(meta.record_name))
    key = lock_key(meta, before)
    return Outcome(result, [item], [key] if key else [])
