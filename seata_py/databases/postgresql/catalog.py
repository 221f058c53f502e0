"""Table metadata from PostgreSQL's system catalogs, resolved the way the server resolves a name.

The table is found with ``to_regclass`` on the quoted name, so an unqualified name follows the session's
``search_path`` and case is exactly what the statement meant (the recognizer has folded unquoted names).
Refused, because phase 2 could not undo them: views and foreign tables (the rows live elsewhere), temporary
tables (phase 2 runs on another session), and tables with columns whose names differ only in case
(seata-py and Java both look columns up ignoring case).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from seata_py.databases.postgresql.jdbc_types import jdbc_type
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import TableMetaError
from seata_py.types.dialect import MetaCursor
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta

_TABLE_SQL = (
    "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.oid = pg_catalog.to_regclass(%s)"
)
# typname of the column's type (of the base type for a domain, of the element for an array), its kind
_COLUMNS_SQL = (
    "SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
    " COALESCE(bt.typname, t.typname), COALESCE(bt.typtype, t.typtype),"
    " COALESCE(bt.typcategory, t.typcategory),"
    " et.typname, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated"
    " FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype"
    " LEFT JOIN pg_catalog.pg_type et ON et.oid = COALESCE(bt.typelem, t.typelem) AND et.oid <> 0"
    " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)
# key columns only (not INCLUDE columns), in index order, as a JSON list (the metadata cursor reads arrays as
# text); expression and partial indexes are flagged
_INDEXES_SQL = (
    "SELECT i.relname, x.indisprimary, x.indisunique, x.indpred IS NOT NULL OR x.indexprs IS NOT NULL,"
    " pg_catalog.to_json(ARRAY(SELECT a.attname::text"
    "       FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
    "       JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
    "       WHERE k.ord <= x.indnkeyatts ORDER BY k.ord))::text"
    " FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
    " WHERE x.indrelid = %s AND x.indisvalid"
)

_RELKINDS = {"r": "table", "p": "partitioned table"}
_REFUSED_RELKINDS = {"v": "a view", "m": "a materialized view", "f": "a foreign table"}


# a constant default as pg_get_expr shows it: a number, true/false, NULL, or a quoted literal with casts
# ('-1'::integer, 'x'::character varying, '2020-01-01'::date)
_CONSTANT_DEFAULT = re.compile(
    r"(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|NULL|'(?:[^']|'')*'(?:::[a-z_][a-z0-9_ ]*(?:\[\])?)*)",
    re.IGNORECASE,
)


def is_constant_default(text: str | None) -> bool:
    return bool(text) and _CONSTANT_DEFAULT.fullmatch(str(text).strip()) is not None


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def current_schema(cursor: MetaCursor) -> str:
    cursor.execute("SELECT pg_catalog.current_schema()")
    rows = cursor.fetchall()
    if not rows or rows[0][0] is None:
        raise TableMetaError("no schema of the search_path exists: qualify the table or set search_path")
    return str(rows[0][0])


def load_table_meta(cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
    """``schema``/``table`` as the statement meant them (quoted names kept, unquoted ones folded). A name
    from a Java-written undo log is as the SQL text spelled it, unfolded: when that exact name does not
    exist, its lower-case form is the table PostgreSQL meant."""
    schema = schema or None  # "": the search_path decides
    found = _find(cursor, schema, table)
    if not found and (table != table.lower() or (schema or "") != (schema or "").lower()):
        found = _find(cursor, schema.lower() if schema else None, table.lower())
    if not found:
        where = f"schema {schema}" if schema else "the search_path"
        raise TableMetaError(f"table {table} not found in {where}")
    oid, namespace, relname, relkind, persistence = found[0]
    relkind = _text(relkind)
    if relkind in _REFUSED_RELKINDS:
        raise UnsupportedSQLError(f"writing through {_REFUSED_RELKINDS[relkind]} ({namespace}.{relname})")
    if relkind not in _RELKINDS:
        raise TableMetaError(f"{namespace}.{relname} is not a table (relkind {relkind!r})")
    if _text(persistence) == "t":
        raise UnsupportedSQLError(f"a temporary table ({relname}): phase 2 runs on another session")
    cursor.execute(_COLUMNS_SQL, [oid])
    # a generated column is computed by the database: nothing writes it, and rollback must not try to
    columns = tuple(_column(r) for r in cursor.fetchall() if not _text(r[10] or ""))
    _check_case_distinct(str(relname), columns)
    cursor.execute(_INDEXES_SQL, [oid])
    indexes = _indexes(cursor.fetchall())
    primary = next((set(i.columns) for i in indexes if i.primary), set())
    # a key column whose default is no constant (gen_random_uuid(), a sequence) is filled fresh for each row
    columns = tuple(
        replace(c, auto_increment=True)
        if c.name in primary and c.default and not is_constant_default(c.default)
        else c
        for c in columns
    )
    return TableMeta(
        schema=str(namespace),
        name=str(relname),
        columns=columns,
        indexes=indexes,
        java_name=java_table_name(str(namespace), str(relname)),
    )


def java_table_name(schema: str, table: str) -> str:
    """The name Java's PostgreSQL table metadata (Seata 2.2 and later) gives a table, in lock keys and undo
    images: the catalog's spelling, the schema in front unless it is ``public``."""
    return table if schema == "public" else f"{schema}.{table}"


def _find(cursor: MetaCursor, schema: str | None, table: str) -> Sequence[Sequence[Any]]:
    name = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
    cursor.execute(_TABLE_SQL, [name])
    return cursor.fetchall()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


def _column(row: Sequence[Any]) -> ColumnMeta:
    ordinal, name, declared, typname, typtype, category, element, notnull, default, identity, _ = row
    typname, typtype, category = _text(typname), _text(typtype), _text(category)
    if category == "A":
        data_type = "_" + _text(element)  # PostgreSQL's own name of the array type: _int4, _text, ...
    elif typtype == "e":
        data_type = "enum"
    else:
        data_type = typname
    default_text = None if default is None else str(default)
    return ColumnMeta(
        name=str(name),
        ordinal=int(ordinal),
        data_type=data_type,
        column_type=str(declared),
        jdbc_type=jdbc_type(data_type),
        nullable=not notnull,
        default=default_text,
        # The database fills it when a statement leaves it out: identity or serial (and, see load_table_meta,
        # a function default of a key column); RETURNING tells the value in every case.
        auto_increment=_text(identity or "") in ("a", "d") or (default_text or "").startswith("nextval("),
    )


def _check_case_distinct(table: str, columns: Sequence[ColumnMeta]) -> None:
    seen: dict[str, str] = {}
    for column in columns:
        other = seen.setdefault(column.name.lower(), column.name)
        if other != column.name:
            raise UnsupportedSQLError(
                f"table {table} has columns {other!r} and {column.name!r}, which differ only in case"
            )


def _indexes(rows: Sequence[Sequence[Any]]) -> tuple[IndexMeta, ...]:
    indexes = []
    for name, primary, unique, partial_or_expression, columns in rows:
        if partial_or_expression and not primary:
            continue  # no statement names the rows such an index covers, so it cannot be matched
        indexes.append(
            IndexMeta(
                str(name),
                tuple(str(c) for c in json.loads(columns)),
                unique=bool(unique),
                primary=bool(primary),
            )
        )
    indexes.sort(key=lambda i: (not i.primary, not i.unique, i.name))
    return tuple(indexes)
