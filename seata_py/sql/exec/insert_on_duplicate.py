"""Upserts: images found through every primary/unique key the rows name.

MySQL's INSERT … ON DUPLICATE KEY UPDATE, SQLite's INSERT … ON CONFLICT DO UPDATE / DO NOTHING. Rows that
existed before become an UPDATE undo item, the others an INSERT item, as Java splits them; a row the upsert
left alone has equal images, which rollback skips.
"""

from __future__ import annotations

from typing import Any

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.exec.base import Environment, Outcome, RunUser, lock_key
from seata_py.sql.exec.insert import bind_ref, insert_columns
from seata_py.types.images import Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.statements import InsertStatement, Literal, Param

_UNKNOWN = object()


def _known_value(value: Any, args: Any) -> Any:
    if isinstance(value, Param):
        bound = bind_ref(args, value.ref)
        return _UNKNOWN if bound is None else bound
    if isinstance(value, Literal) and value.value is not None:
        return value.value
    return _UNKNOWN


def run_insert_on_duplicate(env: Environment, stmt: InsertStatement, args: Any, run_user: RunUser) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    columns = [c.lower() for c in insert_columns(env, meta, stmt)]
    groups: list[str] = []
    params: list[Any] = []
    for row in stmt.rows:
        found = False
        for index in meta.unique_indexes:
            conditions: list[str] = []
            values: list[Any] = []
            for name in index.columns:
                if name.lower() not in columns:
                    column = meta.column(name)
                    if column.default is None or column.auto_increment:
                        break  # NULL or a fresh id never collides
                    # the row takes the column's default, which can collide with an existing row (as in Java)
                    default_sql, default_params = env.dialect.default_match(column)
                    conditions.append(default_sql)
                    values.extend(default_params)
                    continue
                value = _known_value(row[columns.index(name.lower())], args)
                if value is _UNKNOWN:
                    break
                conditions.append(f"{env.quote(name)} = {env.dialect.placeholder}")
                values.append(value)
            else:
                groups.append("(" + " AND ".join(conditions) + ")")
                params.extend(values)
                found = True
        if not found:
            raise UnsupportedSQLError(
                f"{_upsert_name(env, stmt)} on {meta.name} with a row that gives no primary or unique key "
                "value"
            )
    all_columns = env.select_list(env.all_columns(meta))
    table_sql = env.table_sql(table)
    condition = " OR ".join(groups)
    before = env.records(
        meta, f"SELECT {all_columns} FROM {table_sql} WHERE {condition}{env.for_update}", params
    )

    result = run_user()

    after_condition, after_params = condition, list(params)
    if before.rows:
        # an update may have changed a unique column, so also look the old rows up by primary key
        pk_condition, pk_params = env.primary_key_condition(meta, before.rows)
        after_condition = f"{condition} OR {pk_condition}"
        after_params += pk_params
    after = env.records(meta, f"SELECT {all_columns} FROM {table_sql} WHERE {after_condition}", after_params)

    items = _split(meta.primary_key, table.text, meta.record_name, before, after)
    key = lock_key(meta, after)
    return Outcome(result, items, [key] if key else [])


def _upsert_name(env: Environment, stmt: InsertStatement) -> str:
    if stmt.ignore_conflicts:
        return "INSERT ... ON CONFLICT DO NOTHING"
    return env.dialect.upsert_name


def _split(
    pk: tuple[str, ...],
    table_text: str,
    table_name: str,
    before: TableRecords,
    after: TableRecords,
) -> list[SQLUndoLog]:
    def ident(row: Row) -> tuple[Any, ...]:
        return tuple(row.field(n).value for n in pk)

    existed = {ident(r) for r in before.rows}
    updated = {ident(r): r for r in after.rows if ident(r) in existed}
    inserted = tuple(r for r in after.rows if ident(r) not in existed)
    items = []
    if updated:
        ordered = tuple(updated[ident(r)] for r in before.rows if ident(r) in updated)
        kept_before = tuple(r for r in before.rows if ident(r) in updated)
        items.append(
            SQLUndoLog(
                SQLType.UPDATE,
                table_text,
                TableRecords(table_name, kept_before),
                TableRecords(table_name, ordered),
            )
        )
    if inserted:
        items.append(
            SQLUndoLog(
                SQLType.INSERT, table_text, TableRecords.empty(table_name), TableRecords(table_name, inserted)
            )
        )
    return items
