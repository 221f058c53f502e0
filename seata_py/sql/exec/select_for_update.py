"""SELECT … FOR UPDATE: run the query, then read the primary keys it locked so the caller can check the
TC's global locks for them. Nothing is undone and no lock is taken at the TC."""

from __future__ import annotations

from typing import Any

from seata_py.sql.exec.base import Environment, Outcome, RunUser, bind_all, clause, lock_key
from seata_py.sql.statements import SelectForUpdateStatement


def run_select_for_update(
    env: Environment, stmt: SelectForUpdateStatement, args: Any, run_user: RunUser
) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    result = run_user()
    alias = f" {env.quote(table.alias)}" if table.alias else ""
    where, _ = clause("WHERE", stmt.where)
    order, _ = clause("ORDER BY", stmt.order_by)
    limit, _ = clause("LIMIT", stmt.limit)
    pk = env.column_list(meta.primary_key, table.qualifier)
    select = f"SELECT {pk} FROM {table.sql}{alias}{where}{order}{limit} FOR UPDATE"
    locked = env.records(meta, select, bind_all(args, stmt.where, stmt.order_by, stmt.limit))
    key = lock_key(meta, locked)
    return Outcome(result, [], [key] if key else [])
