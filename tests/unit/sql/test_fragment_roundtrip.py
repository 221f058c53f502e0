"""Fragments substituted the way pymysql substitutes must mean what the user's statement meant.

Each statement is rebuilt from its model (table refs, assignments, fragments) the way an executor would paste
the pieces, then both the user's statement and the rebuilt one are filled in with pymysql's escaping and
parsed again: the trees must be the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pymysql.converters
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.sql.recognizer import args_style_of
from seata_py.types.statements import (
    Fragment,
    InsertStatement,
    Literal,
    Param,
    SelectForUpdateStatement,
    Statement,
    UpdateJoinStatement,
    UpdateStatement,
    quote_identifier,
)

# Values pymysql can escape and MySQL can hold; `\x1a` and NUL are left out as sqlglot has no escape for them.
text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x1a"))
values = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    text_values,
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
limits = st.integers(min_value=0, max_value=10**6)


def mogrify(sql: str, args: Sequence[Any] | Mapping[str, Any]) -> str:
    """What pymysql sends for ``cursor.execute(sql, args)`` (its own escaping, no connection needed)."""
    if isinstance(args, Mapping):
        return sql % {k: pymysql.converters.escape_item(v, "utf8mb4") for k, v in args.items()}
    return sql % tuple(pymysql.converters.escape_item(v, "utf8mb4") for v in args)


def canonical(sql: str) -> str:
    return sqlglot.parse_one(sql, read="mysql").sql(dialect="mysql", identify=True)


def clause(keyword: str, fragment: Fragment | None) -> Fragment:
    return Fragment(f" {keyword} {fragment.sql}", fragment.params) if fragment else Fragment("")


def rebuild(statement: Statement) -> Fragment:
    if isinstance(statement, UpdateStatement | UpdateJoinStatement):
        source = (
            statement.source
            if isinstance(statement, UpdateJoinStatement)
            else Fragment(statement.table.source_sql)
        )
        sets = Fragment.join(
            ", ",
            (
                Fragment(
                    (f"{quote_identifier(a.qualifier)}." if a.qualifier else "")
                    + f"{quote_identifier(a.column)} = {a.value.sql}",
                    a.value.params,
                )
                for a in statement.assignments
            ),
        )
        return (
            Fragment("UPDATE ")
            + source
            + Fragment(" SET ")
            + sets
            + clause("WHERE", statement.where)
            + clause("ORDER BY", statement.order_by)
            + clause("LIMIT", statement.limit)
        )
    if isinstance(statement, SelectForUpdateStatement):
        return (
            Fragment(f"SELECT * FROM {statement.table.source_sql}")
            + clause("WHERE", statement.where)
            + clause("ORDER BY", statement.order_by)
            + clause("LIMIT", statement.limit)
            + Fragment(" " + statement.lock_clause)
        )
    assert not isinstance(statement, InsertStatement | UpdateJoinStatement)
    return (
        Fragment(f"DELETE FROM {statement.table.source_sql}")  # type: ignore[union-attr]
        + clause("WHERE", statement.where)  # type: ignore[union-attr]
        + clause("ORDER BY", statement.order_by)  # type: ignore[union-attr]
        + clause("LIMIT", statement.limit)  # type: ignore[union-attr]
    )


def check_round_trip(sql: str, args: Sequence[Any] | Mapping[str, Any]) -> None:
    (statement,) = parse_sql(sql, args_style_of(args))
    rebuilt = rebuild(statement)
    expected = canonical(mogrify(sql, args))
    assert canonical(mogrify(rebuilt.sql, rebuilt.bind(args))) == expected
    assert canonical(mogrify(statement.sql.sql, statement.sql.bind(args))) == expected


@settings(max_examples=150, deadline=None)
@given(a=values, b=values, c=values, limit=limits)
def test_update(a: Any, b: Any, c: Any, limit: int) -> None:
    check_round_trip(
        "UPDATE t SET a = %s, b = CONCAT(%s, '%%') WHERE c = %s AND d LIKE '%%x%%' ORDER BY e DESC LIMIT %s",
        [a, b, c, limit],
    )


@settings(max_examples=150, deadline=None)
@given(a=values, b=values, c=values, limit=limits)
def test_delete(a: Any, b: Any, c: Any, limit: int) -> None:
    check_round_trip(
        "DELETE FROM `db`.`t` WHERE a IN (%s, %s) AND b <> %s AND c = 7 %% 3 ORDER BY id LIMIT %s",
        [a, b, c, limit],
    )


@settings(max_examples=150, deadline=None)
@given(a=values, b=values, offset=limits, count=limits)
def test_select_for_update(a: Any, b: Any, offset: int, count: int) -> None:
    check_round_trip(
        "SELECT * FROM t AS x WHERE x.a = %s OR x.b = -%s LIMIT %s, %s FOR UPDATE", [a, b, offset, count]
    )


@settings(max_examples=150, deadline=None)
@given(a=values, b=values, c=values)
def test_update_join(a: Any, b: Any, c: Any) -> None:
    check_round_trip(
        "UPDATE t1 a JOIN t2 b ON a.id = b.a_id AND b.k = %s SET a.v = %s, b.w = 'x%%' WHERE b.z = %s",
        [a, b, c],
    )


@settings(max_examples=150, deadline=None)
@given(x=values, y=values)
def test_mapping(x: Any, y: Any) -> None:
    check_round_trip("UPDATE t SET a = %(x)s WHERE b = %(y)s AND c = %(x)s", {"x": x, "y": y})


@settings(max_examples=300, deadline=None)
@given(text=text_values)
def test_string_literals_survive(text: str) -> None:
    quoted = "'" + pymysql.converters.escape_string(text) + "'"
    (with_args,) = parse_sql(f"INSERT INTO t (a, b) VALUES ({quoted.replace('%', '%%')}, %s)", "sequence")
    assert with_args == InsertStatement(with_args.table, ("a", "b"), ((Literal(text), Param(0)),))  # type: ignore[union-attr]
    (without_args,) = parse_sql(f"INSERT INTO t (a) VALUES ({quoted})", "none")
    assert without_args.rows == ((Literal(text),),)  # type: ignore[union-attr]
    (update,) = parse_sql(f"UPDATE t SET a = 1 WHERE b = {quoted}", "none")
    assert update.where is not None  # type: ignore[union-attr]
    assert canonical("SELECT 1 WHERE " + mogrify(update.where.sql, [])) == canonical(  # type: ignore[union-attr]
        f"SELECT 1 WHERE `b` = {quoted}"
    )


def test_decimal_literal_keeps_scale() -> None:
    (statement,) = parse_sql("INSERT INTO t (a) VALUES (10.50)", "none")
    assert statement.rows == ((Literal(Decimal("10.50")),),)  # type: ignore[union-attr]
