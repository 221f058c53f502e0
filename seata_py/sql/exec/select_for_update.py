"""SELECT … FOR UPDATE: read (and lock locally) the primary keys the query selects, so the caller can check
the TC's global locks for them before it runs the user's query. Nothing is undone; no TC lock is taken."""

from __future__ import annotations

from typing import Any

from seata_py.sql.exec.base import Environment, filtered_source, lock_key
from seata_py.types.statements import SelectForUpdateStatement


def select_for_update_lock_keys(env: Environment, stmt: SelectForUpdateStatement, args: Any) -> list[str]:
    """Runs first, so an unbuffered user cursor's result is never drained by this query."""
    table = stmt.table
    meta = env.table_meta(table)
    pk = env.select_list(meta.primary_key, table.qualifier)
    source, params = filtered_source(env, stmt, args)
    locked = env.records(meta, f"SELECT {pk}{source} {stmt.lock_clause}", params)
    key = lock_key(meta, locked)
    return [key] if key else []
