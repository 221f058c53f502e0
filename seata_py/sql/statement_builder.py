"""From one parsed sqlglot statement to the statement model, rejecting what AT mode cannot undo.

Rejections here need only the SQL text; those that need table metadata live in ``meta_checks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sqlglot import exp

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.rendering import Renderer, RenderStyle
from seata_py.sql.scanner import Chunk, ScannedSQL, leading_words
from seata_py.types.statements import (
    Assignment,
    Default,
    DeleteStatement,
    Expression,
    Fragment,
    InsertStatement,
    InsertValue,
    Literal,
    Param,
    PlainStatement,
    SelectForUpdateStatement,
    Statement,
    TableRef,
    UpdateJoinStatement,
    UpdateStatement,
    quote_identifier,
)

_DATA_CHANGING = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_FOR_UPDATE = re.compile(r"\bFOR\s+UPDATE\b", re.IGNORECASE)


def plain_kind(code: str) -> str:
    words = leading_words(code)
    first = words[0] if words else ""
    if first in ("SELECT", "TABLE", "VALUES", "WITH"):
        return "select"
    if first in ("SHOW", "SET", "USE"):
        return first.lower()
    if first in ("DESCRIBE", "DESC", "EXPLAIN"):
        return "describe"
    if first in ("CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"):
        return "ddl"
    if first in ("SAVEPOINT", "RELEASE") or (first == "ROLLBACK" and "TO" in words[1:3]):
        return "savepoint"
    # END is SQLite's COMMIT
    if first in ("BEGIN", "START", "COMMIT", "ROLLBACK", "XA", "END"):
        return "transaction"
    return "other"


def reject_by_leading_words(code: str, sql: str) -> None:
    """Rejections that need no parse tree: statements that write data where no parser can see them."""
    words = leading_words(code)
    first = words[0] if words else ""
    if first == "REPLACE":
        raise UnsupportedSQLError("REPLACE INTO", sql)
    if first == "CALL":
        raise UnsupportedSQLError("CALL (a stored procedure)", sql)
    if first == "EXECUTE":
        raise UnsupportedSQLError("EXECUTE of a server-side prepared statement", sql)
    if first == "LOAD":
        raise UnsupportedSQLError("LOAD DATA / LOAD XML", sql)
    if first == "MERGE":
        raise UnsupportedSQLError("MERGE", sql)
    # MariaDB's ANALYZE <stmt> and EXPLAIN ANALYZE run the statement they analyse.
    if "ANALYZE" in words[:2] and _DATA_CHANGING.intersection(words[1:3]):
        raise UnsupportedSQLError("ANALYZE of a data-changing statement", sql)


def reject_unparsed(code: str, sql: str, reason: str) -> PlainStatement:
    """A statement sqlglot cannot read: plain if it cannot change or lock rows, else rejected."""
    reject_by_leading_words(code, sql)
    words = leading_words(code)
    first = words[0] if words else ""
    if first in _DATA_CHANGING or first == "WITH":
        raise UnsupportedSQLError(f"{first} syntax the SQL parser cannot read ({reason})", sql)
    if first in ("SELECT", "TABLE", "VALUES") and _FOR_UPDATE.search(code):
        raise UnsupportedSQLError(f"SELECT ... FOR UPDATE syntax the SQL parser cannot read ({reason})", sql)
    return PlainStatement(plain_kind(code))


def _number(text: str) -> int | Decimal | float:
    if text.isdigit():
        return int(text)
    if "e" in text.lower():
        return float(text)
    return Decimal(text)


class StatementBuilder:
    """The statement builder every database shares; it reads MySQL's forms by default, and a database package
    overrides the hooks where its syntax differs (``databases/sqlite/builder.py``)."""

    placeholder_hint = "pymysql fills only %s and %(name)s"

    def __init__(
        self,
        scanned: ScannedSQL,
        sql: str,
        style: RenderStyle,
        quote: Callable[[str], str] = quote_identifier,
    ) -> None:
        self._scanned = scanned
        self._sql = sql
        self._render = Renderer(scanned, style)
        self._quote = quote

    def _reject(self, construct: str) -> UnsupportedSQLError:
        return UnsupportedSQLError(construct, self._sql)

    def build(self, tree: exp.Expression, chunk: Chunk) -> Statement:
        self._check_placeholders(tree)
        node = tree
        while isinstance(node, exp.Subquery) and not node.alias:
            node = node.this  # `(SELECT ... FOR UPDATE)` still locks
        if isinstance(node, exp.Insert):
            return self._insert(node, chunk)
        if isinstance(node, exp.Update):
            return self._update(node)
        if isinstance(node, exp.Delete):
            return self._delete(node)
        if isinstance(node, exp.Select):
            return self._select(node)
        if isinstance(node, exp.SetOperation):
            if any(_update_locks(select) for select in _set_operation_branches(node)):
                raise self._reject("SELECT ... FOR UPDATE in a UNION/INTERSECT/EXCEPT")
            return PlainStatement("select")
        if isinstance(node, exp.Merge):
            raise self._reject("MERGE")
        if isinstance(node, exp.Command):
            name = str(node.this).upper()
            if name in _DATA_CHANGING or name == "WITH":
                raise self._reject(f"{name} syntax the SQL parser cannot read")
        return PlainStatement(plain_kind(chunk.code))

    # --- shared pieces -------------------------------------------------------------------------------------

    def _check_placeholders(self, tree: exp.Expression) -> None:
        for placeholder in tree.find_all(exp.Placeholder):
            name = placeholder.this
            if not isinstance(name, str) or self._scanned.marker_ref(name) is None:
                shown = f":{name}" if isinstance(name, str) else "?"
                raise self._reject(f"a {shown} placeholder ({self.placeholder_hint})")

    def _check_intercepted(self, node: exp.Expression) -> None:
        if _arg(node, "with"):
            raise self._reject("a WITH clause (common table expression)")
        for in_ in node.find_all(exp.In):
            if in_.args.get("query"):
                raise self._reject("IN (subquery)")

    def _table(self, source: exp.Expression | None, role: str) -> TableRef:
        if isinstance(source, exp.Subquery):
            raise self._reject("a derived table (subquery in FROM)")
        if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
            shown = type(source).__name__ if source is not None else "nothing"
            raise self._reject(f"a {role} that is not a plain table ({shown})")
        if source.args.get("partition"):
            raise self._reject("explicit PARTITION selection")
        if source.args.get("catalog"):
            raise self._reject("a three-part table name")
        name_ident = source.this
        schema_ident = source.args.get("db")
        parts = [p for p in (schema_ident, name_ident) if isinstance(p, exp.Identifier)]
        text = ".".join(self._quote(p.name) if p.quoted else p.name for p in parts)
        alias = source.alias or None
        return TableRef(
            name=name_ident.name,
            schema=schema_ident.name if isinstance(schema_ident, exp.Identifier) else None,
            alias=alias,
            text=text,
        )

    def _where(self, node: exp.Expression) -> Fragment | None:
        where = node.args.get("where")
        return self._render.fragment(where.this) if where is not None else None

    def _order_by(self, node: exp.Expression) -> Fragment | None:
        order = node.args.get("order")
        return self._render.fragments(order.expressions) if order is not None else None

    def _limit(self, node: exp.Expression) -> Fragment | None:
        limit = node.args.get("limit")
        offset = node.args.get("offset")
        if limit is None:
            return None
        count = self._render.fragment(limit.expression)
        offset_node = limit.args.get("offset") or (offset.expression if offset is not None else None)
        if offset_node is not None:
            # MySQL's own `offset, count` form: valid after SELECT, UPDATE and DELETE alike.
            return Fragment.join(", ", (self._render.fragment(offset_node), count))
        return count

    def _assignments(self, expressions: list[exp.Expression]) -> tuple[Assignment, ...]:
        result = []
        for item in expressions:
            if not isinstance(item, exp.EQ) or not isinstance(item.this, exp.Column):
                raise self._reject(f"an assignment that is not `column = value` ({self._render.sql(item)})")
            column = item.this
            result.append(
                Assignment(
                    column=column.name,
                    qualifier=column.table or None,
                    value=self._render.fragment(item.expression),
                )
            )
        return tuple(result)

    # --- statement kinds -----------------------------------------------------------------------------------

    def _insert_conflict(self, node: exp.Insert) -> tuple[tuple[Assignment, ...] | None, bool]:
        """(ON DUPLICATE KEY UPDATE assignments, whether conflicting rows are skipped), rejecting what AT mode
        cannot undo."""
        if node.args.get("ignore"):
            raise self._reject("INSERT IGNORE")
        if node.args.get("alternative") or node.args.get("overwrite"):
            raise self._reject("INSERT OR REPLACE/OVERWRITE")
        conflict = node.args.get("conflict")
        if conflict is None:
            return None, False
        if not conflict.args.get("duplicate"):
            raise self._reject("INSERT ... ON CONFLICT")
        return self._assignments(conflict.expressions), False

    def _check_order_limit(self, node: exp.Expression) -> None:
        """UPDATE/DELETE with ORDER BY or LIMIT: MySQL has both."""

    def _insert(self, node: exp.Insert, chunk: Chunk) -> InsertStatement:
        self._check_intercepted(node)
        if node.args.get("default"):
            raise self._reject("INSERT ... DEFAULT VALUES")
        on_duplicate, ignore_conflicts = self._insert_conflict(node)
        target = node.this
        columns: tuple[str, ...] | None = None
        if isinstance(target, exp.Schema):
            columns = tuple(c.name for c in target.expressions)
            target = target.this
        table = self._table(target, "INSERT target")
        values = node.expression
        if not isinstance(values, exp.Values):
            raise self._reject("INSERT ... SELECT")
        rows = tuple(self._insert_row(row, chunk) for row in values.expressions)
        return InsertStatement(
            table=table,
            columns=columns,
            rows=rows,
            on_duplicate_update=on_duplicate,
            ignore_conflicts=ignore_conflicts,
            returning=node.args.get("returning") is not None,
            returning_columns=returned_columns(node.args.get("returning")),
        )

    def _insert_row(self, row: exp.Expression, chunk: Chunk) -> tuple[InsertValue, ...]:
        items = list(row.expressions) if isinstance(row, exp.Tuple) else [row]
        if len(items) == 1 and isinstance(items[0], exp.Anonymous) and items[0].name.upper() == "ROW":
            items = list(items[0].expressions)  # VALUES ROW(1, 2), MySQL 8's row constructor
        elif len(items) == 1 and isinstance(items[0], exp.Placeholder):
            # sqlglot reads `VALUES %s` (pymysql expands a tuple argument to a whole row) as `VALUES (%s)`.
            marker = re.escape(":" + items[0].name)
            if not re.search(r"\(\s*" + marker + r"(?!\d)", chunk.text):
                raise self._reject("a whole VALUES row in one placeholder (VALUES %s)")
        return tuple(self._insert_value(item) for item in items)

    def _insert_value(self, node: exp.Expression) -> InsertValue:
        inner = node
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(inner, exp.Placeholder):
            ref = self._scanned.marker_ref(inner.name)
            assert ref is not None  # _check_placeholders has run
            return Param(ref)
        if isinstance(inner, exp.Var) and inner.name.upper() == "DEFAULT":
            return Default()
        if isinstance(inner, exp.Null):
            return Literal(None)
        if isinstance(inner, exp.Boolean):
            return Literal(bool(inner.this))
        if isinstance(inner, exp.Literal):
            return Literal(inner.this if inner.is_string else _number(inner.this))
        if isinstance(inner, exp.Neg) and isinstance(inner.this, exp.Literal) and not inner.this.is_string:
            return Literal(-_number(inner.this.this))
        is_function = isinstance(inner, exp.Func) and not isinstance(inner, exp.Cast)
        return Expression(self._render.fragment(node), is_function)

    def _update(self, node: exp.Update) -> UpdateStatement | UpdateJoinStatement:
        self._check_intercepted(node)
        if _arg(node, "from"):
            raise self._reject("UPDATE ... FROM")
        target = node.this
        joins = list(target.args.get("joins") or []) if isinstance(target, exp.Table) else []
        assignments = self._assignments(node.expressions)
        self._check_order_limit(node)
        where, order_by, limit = self._where(node), self._order_by(node), self._limit(node)
        if not joins:
            table = self._table(target, "UPDATE target")
            return UpdateStatement(table, assignments, where, order_by, limit)
        tables = tuple(self._table(t, "UPDATE source") for t in [target, *(j.this for j in joins)])
        source = self._render.fragment(target)
        return UpdateJoinStatement(tables, source, assignments, where, order_by, limit)

    def _delete(self, node: exp.Delete) -> DeleteStatement:
        self._check_intercepted(node)
        target = node.this
        if node.args.get("using") or (isinstance(target, exp.Table) and target.args.get("joins")):
            raise self._reject("multi-table DELETE")
        table = self._table(target, "DELETE target")
        targets = node.args.get("tables") or []
        if len(targets) > 1:
            raise self._reject("multi-table DELETE")
        if targets and targets[0].name not in (table.qualifier, table.name):
            raise self._reject("multi-table DELETE")
        self._check_order_limit(node)
        return DeleteStatement(table, self._where(node), self._order_by(node), self._limit(node))

    def _select(self, node: exp.Select) -> Statement:
        locks = _update_locks(node)
        if not locks:
            return PlainStatement("select")
        self._check_locking_read(node)
        from_ = _arg(node, "from")
        if from_ is None:
            return PlainStatement("select")  # `SELECT 1 FOR UPDATE` locks nothing
        self._check_intercepted(node)
        source = from_.this
        if node.args.get("joins") or (isinstance(source, exp.Table) and source.args.get("joins")):
            raise self._reject("SELECT ... FOR UPDATE over several tables")
        if (
            isinstance(source, exp.Table)
            and not source.args.get("db")
            and isinstance(source.this, exp.Identifier)
            and not source.this.quoted
            and source.name.upper() == "DUAL"
        ):
            return PlainStatement("select")
        table = self._table(source, "SELECT ... FOR UPDATE source")
        order_by, limit = self._order_by(node), self._limit(node)
        grouped = (
            node.args.get("group")
            or node.args.get("having")
            or node.args.get("distinct")
            or any(e.find(exp.AggFunc) for e in node.expressions)
        )
        if grouped:
            # LIMIT and ORDER BY then count groups, not rows: without them the lock query covers every row
            # the WHERE reaches, a superset of what the statement locks, never a subset.
            order_by = limit = None
        lock_clause = " ".join(self._render.sql(lock) for lock in node.args.get("locks") or [])
        return SelectForUpdateStatement(table, self._where(node), order_by, limit, lock_clause.strip())

    def _check_locking_read(self, node: exp.Select) -> None:
        """SELECT ... FOR UPDATE with a table: MySQL runs it through a global lock check."""


def returned_columns(returning: exp.Expression | None) -> tuple[str, ...]:
    """The columns a RETURNING clause hands back under their own names ("*" for all)."""
    if returning is None:
        return ()
    names = []
    for item in returning.expressions:
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            names.append("*")
        elif isinstance(item, exp.Column):
            names.append(item.name)
    return tuple(names)


def _arg(node: exp.Expression, name: str) -> Any:
    # sqlglot renamed the args that clash with Python keywords ("from" became "from_") in later versions.
    value = node.args.get(name + "_")
    return value if value is not None else node.args.get(name)


def _set_operation_branches(node: exp.Expression) -> Iterator[exp.Select]:
    if isinstance(node, exp.SetOperation):
        yield from _set_operation_branches(node.this)
        yield from _set_operation_branches(node.expression)
    elif isinstance(node, exp.Subquery):
        yield from _set_operation_branches(node.this)
    elif isinstance(node, exp.Select):
        yield node


def _update_locks(select: exp.Select) -> list[exp.Expression]:
    return [lock for lock in select.args.get("locks") or [] if lock.args.get("update")]
