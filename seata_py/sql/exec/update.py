"""UPDATE: before image FOR UPDATE by the statement's own WHERE/ORDER BY/LIMIT, after image by primary key."""

from __future__ import annotations

from typing import Any

from seata_py.sql.exec.base import Environment, ImageError, Outcome, RunUser, filtered_source, lock_key
from seata_py.types.images import SQLType, SQLUndoLog, TableRecords
from seata_py.types.statements import UpdateStatement


def run_update(env: Environment, stmt: UpdateStatement, args: Any, run_user: RunUser) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    columns = env.need_columns(meta, [a.column for a in stmt.assignments])
    selected = env.select_list(columns, table.qualifier)
    source, params = filtered_source(env, stmt, args)
    before = env.records(meta, f"SELECT {selected}{source}{env.for_update}", params)

    result = run_user()

    if not before.rows:
        return Outcome(result)
    after = env.select_by_primary_keys(meta, env.table_sql(table), columns, before.rows)
    if len(after.rows) != len(before.rows):
        raise ImageError(
            f"UPDATE of {meta.name}: {len(before.rows)} rows before but {len(after.rows)} after; "
            "a primary key value probably changed"
        )
    item = SQLUndoLog(SQLType.UPDATE, table.text, before, _in_order_of(before, after, meta.primary_key))
    key = lock_key(meta, after)
    return Outcome(result, [item], [key] if key else [])


def _in_order_of(before: TableRecords, after: TableRecords, pk: tuple[str, ...]) -> TableRecords:
    """After-image rows in before-image order, so row i of both images is the same row."""

    def ident(row: Any) -> tuple[Any, ...]:
        return tuple(row.field(name).value for name in pk)

    by_pk = {ident(row): row for row in after.rows}
    return TableRecords(after.table_name, tuple(by_pk.get(ident(row), row) for row in before.rows))
