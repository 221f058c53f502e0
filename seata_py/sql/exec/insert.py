"""INSERT: the before image is empty; the after image is re-read by the inserted rows' primary keys.

Primary-key values come from the statement (literals or bound parameters) or, for an auto-increment key,
from the driver's lastrowid plus auto_increment_increment per row, as Java does with LAST_INSERT_ID() (asked
of the database itself after an INSERT ... RETURNING, for which the driver reports no id). Like Java, this
relies on the ids of one multi-row INSERT ... VALUES being consecutive: InnoDB reserves them all at once for
such a "simple insert" (innodb_autoinc_lock_mode 0 and 1 promise it; the interleaved mode 2 documents gaps
for bulk inserts such as INSERT ... SELECT, which AT mode refuses). Fewer rows found again than inserted
is an ImageError.
Where the database does not promise consecutive ids for one statement (SQLite), a multi-row INSERT of
generated keys reads them back with RETURNING, or is refused when the database has no RETURNING.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.exec.base import Environment, ImageError, Outcome, RunUser, UserResult, lock_key
from seata_py.types.images import KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.types.meta import TableMeta
from seata_py.types.statements import Default, Expression, InsertStatement, Literal, Param, ParamRef

_GENERATED = object()  # the database chooses this key value


def bind_ref(args: Any, ref: ParamRef) -> Any:
    if isinstance(ref, str):
        if not isinstance(args, Mapping):
            raise ImageError(f"statement uses %({ref})s but the arguments are not a mapping")
        return args[ref]
    if not isinstance(args, Sequence) or isinstance(args, (str, bytes)):
        raise ImageError("statement uses %s placeholders but the arguments are not a sequence")
    return args[ref]


def insert_columns(env: Environment, meta: TableMeta, stmt: InsertStatement) -> list[str]:
    return [meta.column(c).name for c in stmt.columns] if stmt.columns is not None else env.all_columns(meta)


def statement_value(value: Any, args: Any, column: str, generated_default: bool = False) -> Any:
    """The Python value an INSERT row gives a column; _GENERATED where the database picks it (also for
    DEFAULT when the column's default is a generated key)."""
    if isinstance(value, Param):
        bound = bind_ref(args, value.ref)
        return _GENERATED if bound is None else bound
    if isinstance(value, Literal):
        return _GENERATED if value.value is None else value.value
    if isinstance(value, Default):
        if generated_default:
            return _GENERATED
        raise UnsupportedSQLError(f"DEFAULT as the value of primary key column {column}")
    if isinstance(value, Expression):
        raise UnsupportedSQLError(
            f"an expression as the value of primary key column {column} ({value.fragment.sql})"
        )
    raise ImageError(f"unexpected INSERT value {value!r}")


def planned_keys(
    meta: TableMeta, columns: list[str], stmt: InsertStatement, args: Any
) -> dict[str, list[Any]]:
    """Per primary-key column, the value of each row (or _GENERATED); rejects what cannot be undone."""
    lowered = [c.lower() for c in columns]
    keys: dict[str, list[Any]] = {}
    for name in meta.primary_key:
        column = meta.column(name)
        if name.lower() in lowered:
            index = lowered.index(name.lower())
            values = [statement_value(row[index], args, name, column.auto_increment) for row in stmt.rows]
        else:
            values = [_GENERATED] * len(stmt.rows)
        generated = [v is _GENERATED for v in values]
        if any(generated) and not column.auto_increment:
            raise UnsupportedSQLError(f"INSERT without a value for primary key column {name} of {meta.name}")
        if any(generated) and not all(generated):
            raise UnsupportedSQLError(
                f"generated and explicit values for primary key column {name} in one INSERT"
            )
        keys[name] = values
    return keys


def _has_generated(keys: dict[str, list[Any]]) -> bool:
    return any(values and values[0] is _GENERATED for values in keys.values())


def resolve_generated(keys: dict[str, list[Any]], rows: int, lastrowid: int | None, step: int) -> None:
    for name, values in keys.items():
        if values and values[0] is _GENERATED:
            if not lastrowid:
                raise ImageError(f"the database reported no generated id for {name}")
            keys[name] = [lastrowid + i * step for i in range(rows)]


def key_rows(meta: TableMeta, keys: dict[str, list[Any]], rows: int, env: Environment) -> list[Row]:
    out = []
    for i in range(rows):
        fields = tuple(
            env.dialect.to_field(meta.column(name), keys[name][i], KeyType.PRIMARY_KEY, env.zone)
            for name in meta.primary_key
        )
        out.append(Row(fields))
    return out


def _returning_columns(
    env: Environment, meta: TableMeta, stmt: InsertStatement, keys: dict[str, list[Any]]
) -> tuple[str, ...]:
    """The key columns to read back with RETURNING: for several rows of generated ids on a database that
    does not number one statement's rows consecutively, and for any generated id where the driver reports
    none. Rejects those cases where they cannot be done."""
    if not _has_generated(keys):
        return ()
    by_returning = env.dialect.generated_keys_by_returning
    if not by_returning and (len(stmt.rows) < 2 or env.dialect.consecutive_generated_ids):
        return ()
    if not env.dialect.insert_returning:
        raise UnsupportedSQLError(
            f"a multi-row INSERT into {meta.name} with generated primary keys: this {env.dialect.name} has "
            "no INSERT ... RETURNING to read them back (insert the rows one statement each)"
        )
    if stmt.returning and not by_returning:
        raise UnsupportedSQLError(
            f"a multi-row INSERT into {meta.name} with generated primary keys and its own RETURNING clause"
        )
    if stmt.returning:
        # the driver reads the keys from the caller's own RETURNING rows, which must carry them
        named = {c.lower() for c in stmt.returning_columns}
        missing = [p for p in meta.primary_key if "*" not in named and p.lower() not in named]
        if missing:
            raise UnsupportedSQLError(
                f"INSERT ... RETURNING into {meta.name} without its generated key {', '.join(missing)}: "
                "add it to the RETURNING list (the inserted rows are found again by it)"
            )
    return tuple(meta.primary_key)


def _keys_from_returned(keys: dict[str, list[Any]], columns: tuple[str, ...], result: UserResult) -> None:
    returned = result.returned or ()
    if len(returned) != len(next(iter(keys.values()))):
        raise ImageError(f"INSERT returned {len(returned)} keys for {len(next(iter(keys.values())))} rows")
    for index, name in enumerate(columns):
        keys[name] = [row[index] for row in returned]


def _first_generated_id(
    env: Environment, stmt: InsertStatement, keys: dict[str, list[Any]], result: UserResult
) -> int | None:
    """The first id the statement generated: the driver's lastrowid, or, for a statement that returned rows
    (MariaDB's INSERT ... RETURNING: the driver reports no insert id with a result set), the session's
    LAST_INSERT_ID(), which that statement set."""
    if result.lastrowid or not stmt.returning or not _has_generated(keys):
        return result.lastrowid
    if result.rowcount != len(stmt.rows):
        # LAST_INSERT_ID() is this statement's only if it generated ids, i.e. inserted every row
        raise ImageError(
            f"INSERT ... RETURNING into {stmt.table.name} returned {result.rowcount} rows for "
            f"{len(stmt.rows)} inserted: its generated ids cannot be told"
        )
    return env.last_insert_id()


def run_insert(env: Environment, stmt: InsertStatement, args: Any, run_user: RunUser) -> Outcome:
    table = stmt.table
    meta = env.table_meta(table)
    columns = insert_columns(env, meta, stmt)
    keys = planned_keys(meta, columns, stmt, args)
    returning = _returning_columns(env, meta, stmt, keys)

    result = run_user(returning) if returning else run_user()

    if returning:
        _keys_from_returned(keys, returning, result)
    else:
        first = _first_generated_id(env, stmt, keys, result)
        resolve_generated(keys, len(stmt.rows), first, env.auto_increment_increment())
    # Java lists an INSERT without a column list by its table metadata, not by the values' positions.
    image_columns = env.need_columns(
        meta, columns if stmt.columns is not None else env.java_all_columns(meta)
    )
    after = env.select_by_primary_keys(
        meta, env.table_sql(table), image_columns, key_rows(meta, keys, len(stmt.rows), env)
    )
    if len(after.rows) != len(stmt.rows):
        raise ImageError(
            f"INSERT into {meta.name}: {len(stmt.rows)} rows inserted but {len(after.rows)} found again"
        )
    item = SQLUndoLog(SQLType.INSERT, table.text, TableRecords.empty(meta.record_name), after)
    key = lock_key(meta, after)
    return Outcome(result, [item], [key] if key else [])
