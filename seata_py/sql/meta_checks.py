"""Rejections that need table metadata, made before the statement executes.

Metadata maps are keyed by :attr:`TableRef.qualifier` (alias, else table name), which MySQL requires to be
unique within a statement; a lower-cased qualifier is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping

from seata_py.exceptions import UnsupportedSQLError
from seata_py.types.meta import TableMeta
from seata_py.types.statements import (
    Assignment,
    InsertStatement,
    PlainStatement,
    Statement,
    TableRef,
    UpdateJoinStatement,
    UpdateStatement,
    statement_tables,
)


def check_table_meta(meta: TableMeta, sql: str | None = None) -> None:
    """The table can take part in AT mode: it has a primary key, and no two columns differ only by case."""
    if not meta.primary_key:
        raise UnsupportedSQLError(f"a table without a primary key: {meta.name}", sql)
    seen: dict[str, str] = {}
    for column in meta.columns:
        other = seen.setdefault(column.name.lower(), column.name)
        if other != column.name:
            raise UnsupportedSQLError(
                f"two columns whose names differ only by case: {other}, {column.name} in {meta.name}", sql
            )


def _meta_for(ref: TableRef, metas: Mapping[str, TableMeta]) -> TableMeta:
    return _meta_by_qualifier(ref.qualifier, metas, ref.text)


def _meta_by_qualifier(qualifier: str, metas: Mapping[str, TableMeta], shown: str) -> TableMeta:
    for key in (qualifier, qualifier.lower()):
        if key in metas:
            return metas[key]
    raise KeyError(f"no table metadata given for {shown} (key {qualifier!r})")


def _reject_primary_key_assignments(
    assignments: tuple[Assignment, ...], meta: TableMeta, sql: str | None
) -> None:
    primary = {c.lower() for c in meta.primary_key}
    for assignment in assignments:
        if assignment.column.lower() in primary:
            # The after image finds rows by their primary key; a changed key would lose them (Java fails the
            # same statement with an image size mismatch, or "update pk value is not supported").
            raise UnsupportedSQLError(f"changing a primary key value ({meta.name}.{assignment.column})", sql)


def assignments_by_table(
    statement: UpdateJoinStatement, metas: Mapping[str, TableMeta], sql: str | None = None
) -> dict[str, tuple[Assignment, ...]]:
    """Which joined table each SET assignment changes: {qualifier: assignments}, only tables that change.

    A qualified column goes to the table with that alias (or name); an unqualified one to the only table that
    has the column.
    """
    by_qualifier: dict[str, list[Assignment]] = {}
    refs = statement.tables
    for assignment in statement.assignments:
        owner: TableRef | None = None
        if assignment.qualifier is not None:
            q = assignment.qualifier
            owner = (
                next((r for r in refs if r.qualifier == q), None)
                or next((r for r in refs if r.qualifier.lower() == q.lower()), None)
                or next((r for r in refs if r.alias is None and r.name.lower() == q.lower()), None)
            )
        else:
            having = [r for r in refs if _meta_for(r, metas).has_column(assignment.column)]
            owner = having[0] if len({r.qualifier for r in having}) == 1 else None
        if owner is None:
            raise UnsupportedSQLError(
                f"an UPDATE JOIN assignment whose table cannot be determined ({assignment.column})", sql
            )
        by_qualifier.setdefault(owner.qualifier, []).append(assignment)
    return {r.qualifier: tuple(by_qualifier[r.qualifier]) for r in refs if r.qualifier in by_qualifier}


def check_statement_against_meta(
    statement: Statement, metas: Mapping[str, TableMeta], sql: str | None = None
) -> None:
    """Raises UnsupportedSQLError when the statement cannot be undone given these tables' metadata."""
    if isinstance(statement, PlainStatement):
        return
    if isinstance(statement, UpdateJoinStatement):
        # Tables that are only joined are read, never imaged: they need no primary key.
        changed = assignments_by_table(statement, metas, sql)
        for qualifier, assignments in changed.items():
            meta = _meta_by_qualifier(qualifier, metas, qualifier)
            check_table_meta(meta, sql)
            _reject_primary_key_assignments(assignments, meta, sql)
        return
    for ref in statement_tables(statement):
        check_table_meta(_meta_for(ref, metas), sql)
    meta = _meta_for(statement.table, metas)
    if isinstance(statement, UpdateStatement):
        _reject_primary_key_assignments(statement.assignments, meta, sql)
    elif isinstance(statement, InsertStatement) and statement.on_duplicate_update:
        _reject_primary_key_assignments(statement.on_duplicate_update, meta, sql)
