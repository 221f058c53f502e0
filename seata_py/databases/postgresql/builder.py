"""PostgreSQL's differences from MySQL in what AT mode can undo, on top of the shared statement builder.

Supported: INSERT (multi-row, ``DEFAULT`` values, ``DEFAULT VALUES``, ``RETURNING``), ``INSERT ... ON
CONFLICT [(columns)] DO UPDATE`` and ``DO NOTHING``, UPDATE and DELETE with any WHERE, ``RETURNING`` and
``SELECT ... FOR [NO KEY] UPDATE``. Rejected before anything runs, each by name: ``UPDATE ... FROM``,
``DELETE ... USING``, ``ONLY`` (inheritance), ``ON CONFLICT ON CONSTRAINT`` and partial-index targets,
``WHERE CURRENT OF``, data-modifying ``WITH`` (also under a SELECT), ``MERGE``, ``COPY``, ``TRUNCATE``,
``DO`` blocks, ``CALL``, ``EXECUTE``.

Unquoted identifiers are folded to lower case before anything is built, as PostgreSQL folds them: every
name the executors quote is then the name the database means.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from seata_py.databases.postgresql.sqlglot_dialect import SQLGLOT_DIALECT
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.rendering import RenderStyle
from seata_py.sql.scanner import Chunk, ScannedSQL, leading_words
from seata_py.sql.statement_builder import StatementBuilder, reject_by_leading_words
from seata_py.types.statements import (
    Assignment,
    DeleteStatement,
    Fragment,
    InsertStatement,
    InsertValue,
    Param,
    PlainStatement,
    Statement,
)

# every literal % is doubled: the executors always run their queries with an args list, and psycopg then
# reads %% as %
POSTGRES_STYLE = RenderStyle(SQLGLOT_DIALECT, "%s", escape_percent=True)

_ANALYZE = re.compile(r"\bANALY[SZ]E\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# statements that end the transaction without a COMMIT/ROLLBACK keyword of the shared table
_ENDS_TRANSACTION = re.compile(r"^\s*(ABORT\b|PREPARE\s+TRANSACTION\b|(COMMIT|ROLLBACK)\s+PREPARED\b)", re.I)
_CURRENT_OF = re.compile(r"\bWHERE\s+CURRENT\s+OF\b", re.IGNORECASE)
_REJECTED_FIRST_WORDS = {
    "COPY": "COPY (bulk load or unload)",
    "TRUNCATE": "TRUNCATE",
    "DO": "a DO block (anonymous code)",
    "MERGE": "MERGE",
}


def postgres_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reject_postgres_by_leading_words(code: str, sql: str) -> None:
    words = leading_words(code)
    first = words[0] if words else ""
    if first in _REJECTED_FIRST_WORDS:
        raise UnsupportedSQLError(_REJECTED_FIRST_WORDS[first], sql)
    if first == "EXPLAIN" and _ANALYZE.search(code) and _WRITES.search(code):
        # EXPLAIN ANALYZE runs the statement it explains, whatever options come first
        raise UnsupportedSQLError("ANALYZE of a data-changing statement (EXPLAIN ANALYZE runs it)", sql)
    if first in ("UPDATE", "DELETE") and _CURRENT_OF.search(code):
        raise UnsupportedSQLError("WHERE CURRENT OF (a cursor's position names no rows)", sql)
    reject_by_leading_words(code, sql)


def strip_postgres_modifiers(text: str, sql: str) -> str:
    return text


class PostgresStatementBuilder(StatementBuilder):
    placeholder_hint = "psycopg fills %s, %b, %t and %(name)s"

    def __init__(self, scanned: ScannedSQL, sql: str) -> None:
        super().__init__(scanned, sql, POSTGRES_STYLE, postgres_quote)

    def build(self, tree: exp.Expression, chunk: Chunk) -> Statement:
        tree = normalize_identifiers(tree, dialect=SQLGLOT_DIALECT)
        _restore_default(tree)
        if not isinstance(tree, (exp.Insert, exp.Update, exp.Delete)):
            for node in tree.find_all(exp.Insert, exp.Update, exp.Delete):
                raise self._reject(f"a data-modifying WITH ({node.key.upper()} inside a query)")
        if isinstance(tree, (exp.Copy, exp.TruncateTable)):
            raise self._reject("COPY" if isinstance(tree, exp.Copy) else "TRUNCATE")
        statement = super().build(tree, chunk)
        if isinstance(statement, PlainStatement) and _ENDS_TRANSACTION.match(chunk.code):
            return PlainStatement("transaction")
        return statement

    def _check_intercepted(self, node: exp.Expression) -> None:
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is not None and any(
            isinstance(n, (exp.Insert, exp.Update, exp.Delete)) for n in with_.find_all(exp.Expression)
        ):
            raise self._reject("a data-modifying WITH (writable common table expression)")
        super()._check_intercepted(node)
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if isinstance(target, exp.Table) and target.args.get("only"):
            raise self._reject("ONLY (a table's inheritance children are left out)")

    def _insert_conflict(self, node: exp.Insert) -> tuple[tuple[Assignment, ...] | None, bool]:
        if node.args.get("overwrite") or node.args.get("alternative"):
            raise self._reject("this INSERT form")
        conflict = node.args.get("conflict")
        if conflict is None:
            return None, False
        if conflict.args.get("constraint"):
            # the arbiter is a constraint name: which columns it covers is not in the statement
            raise self._reject("ON CONFLICT ON CONSTRAINT (name the conflict columns instead)")
        if conflict.args.get("index_predicate") is not None:
            raise self._reject("ON CONFLICT with a partial-index predicate")
        for key in conflict.args.get("conflict_keys") or []:
            column = key.this if isinstance(key, exp.Ordered) else key
            if not isinstance(column, exp.Column):
                # an expression index is no key the images can look rows up by
                raise self._reject(f"ON CONFLICT on an expression ({self._render.sql(column)})")
        action = str(conflict.args.get("action") or "").upper()
        if "NOTHING" in action:
            return None, True
        if "UPDATE" not in action:
            raise self._reject(f"ON CONFLICT {action or '(no action)'}")
        return self._assignments(conflict.expressions), False

    def _insert(self, node: exp.Insert, chunk: Chunk) -> InsertStatement:
        if node.args.get("default"):
            self._check_intercepted(node)
            on_duplicate, ignore_conflicts = self._insert_conflict(node)
            table = self._table(node.this, "INSERT target")
            # one row of nothing but defaults: every primary-key column must be one the database fills
            return InsertStatement(
                table=table,
                columns=(),
                rows=((),),
                on_duplicate_update=on_duplicate,
                ignore_conflicts=ignore_conflicts,
                returning=node.args.get("returning") is not None,
            )
        return super()._insert(node, chunk)

    def _insert_value(self, node: exp.Expression) -> InsertValue:
        # `%s::INTEGER` (how SQLAlchemy's psycopg dialect renders parameters) is the bound value in the
        # column's type: as a key value it is the parameter itself
        inner = node
        while isinstance(inner, exp.Paren):
            inner = inner.this
        cast = inner.this if isinstance(inner, exp.Cast) else None
        while isinstance(cast, exp.Paren):
            cast = cast.this
        if isinstance(cast, exp.Placeholder):
            ref = self._scanned.marker_ref(cast.name)
            if ref is not None:
                return Param(ref)
        return super()._insert_value(node)

    def _delete(self, node: exp.Delete) -> DeleteStatement:
        if node.args.get("using"):
            raise self._reject("DELETE ... USING")
        return super()._delete(node)

    def _limit(self, node: exp.Expression) -> Fragment | None:
        limit = node.args.get("limit")
        if limit is None:
            return None
        if isinstance(limit, exp.Fetch):
            if limit.args.get("percent") or limit.args.get("with_ties") or limit.args.get("count") is None:
                raise self._reject("FETCH FIRST ... PERCENT / WITH TIES / without a count")
            count = self._render.fragment(limit.args["count"])
        else:
            count = self._render.fragment(limit.expression)
        offset = node.args.get("offset")
        if offset is None:
            return count
        # PostgreSQL's spelling: `LIMIT count OFFSET start`
        return Fragment.join(" OFFSET ", (count, self._render.fragment(offset.expression)))


def _restore_default(tree: exp.Expression) -> None:
    """``SET c = DEFAULT`` reads as a column named default; it is the keyword."""
    for column in list(tree.find_all(exp.Column)):
        ident = column.this
        if (
            not column.table
            and isinstance(ident, exp.Identifier)
            and not ident.quoted
            and ident.name.upper() == "DEFAULT"
        ):
            column.replace(exp.Var(this="DEFAULT"))
