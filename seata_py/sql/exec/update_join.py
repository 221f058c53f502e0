"""UPDATE … JOIN: one UPDATE_JOIN undo item per joined table whose columns the statement sets."""

from __future__ import annotations

from typing import Any

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.exec.base import Environment, ImageError, Outcome, RunUser, bind_all, clause, lock_key
from seata_py.types.images import SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import TableMeta
from seata_py.types.statements import TableRef, UpdateJoinStatement


def _touched_tables(env: Environment, stmt: UpdateJoinStatement) -> dict[TableRef, list[str]]:
    by_qualifier = {t.qualifier.lower(): t for t in stmt.tables}
    touched: dict[TableRef, list[str]] = {}
    for assignment in stmt.assignments:
        if assignment.qualifier:
            table = by_qualifier.get(assignment.qualifier.lower())
            if table is None:
                raise UnsupportedSQLError(
                    f"UPDATE ... JOIN setting {assignment.qualifier}.{assignment.column}"
                )
        else:
            owners = [t for t in stmt.tables if env.table_meta(t).has_column(assignment.column)]
            if len(owners) != 1:
                raise UnsupportedSQLError(
                    f"UPDATE ... JOIN setting column {assignment.column} without naming its table"
                )
            table = owners[0]
        touched.setdefault(table, []).append(assignment.column)
    return touched


def run_update_join(env: Environment, stmt: UpdateJoinStatement, args: Any, run_user: RunUser) -> Outcome:
    where = clause("WHERE", stmt.where)
    params = bind_all(args, stmt.source, stmt.where)  # textual order: the join's ON comes before WHERE
    plans: list[tuple[TableRef, TableMeta, list[str], TableRecords]] = []
    for table, columns in _touched_tables(env, stmt).items():
        meta = env.table_meta(table)
        need = env.need_columns(meta, columns)
        # DISTINCT, not GROUP BY pk: ONLY_FULL_GROUP_BY servers refuse non-aggregated columns (MariaDB does)
        selected = env.select_list(need, table.qualifier)
        select = f"SELECT DISTINCT {selected} FROM {stmt.source.sql}{where}{env.for_update}"
        plans.append((table, meta, need, env.records(meta, select, params)))

    result = run_user()

    outcome = Outcome(result)
    for table, meta, need, before in plans:
        if not before.rows:
            continue
        after = env.select_by_primary_keys(meta, env.table_sql(table), need, before.rows)
        if len(after.rows) != len(before.rows):
            raise ImageError(f"UPDATE ... JOIN of {meta.name}: a primary key value probably changed")
        outcome.undo_items.append(SQLUndoLog(SQLType.UPDATE_JOIN, meta.name, before, after))
        key = lock_key(meta, after)
        if key:
            outcome.lock_keys.append(key)
    return outcome
