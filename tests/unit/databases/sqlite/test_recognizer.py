"""The "sqlite" syntax: sqlite3 placeholders, SQLite lexing, statement models, rejections.

The semantic test at the end runs each rendered WHERE/ORDER BY/LIMIT fragment on a real SQLite database next
to the user's own statement: an image query built from the fragments must select exactly the rows the
statement touches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from seata_py.databases.mysql import syntax as mysql_syntax
from seata_py.databases.sqlite import syntax as sqlite_syntax
from seata_py.databases.sqlite.library import has_update_delete_limit
from seata_py.databases.sqlite.scanner import scan_sqlite
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import SQLitePlaceholderError
from seata_py.sql.recognizer import ArgsStyle
from seata_py.types.statements import (
    Assignment,
    DeleteStatement,
    Fragment,
    InsertStatement,
    Literal,
    Param,
    PlainStatement,
    Statement,
    TableRef,
    UpdateStatement,
)


def parse(sql: str, style: ArgsStyle = "sequence") -> tuple[Statement, ...]:
    return sqlite_syntax.parse(sql, style)


def T(name: str, schema: str | None = None, alias: str | None = None, text: str | None = None) -> TableRef:
    return TableRef(name=name, schema=schema, alias=alias, text=text if text is not None else name)


def F(sql: str, *params: int | str) -> Fragment:
    return Fragment(sql, tuple(params))


# -- placeholders -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "style", "refs", "bindings"),
    [
        ("SELECT ?, ?, ?", "sequence", (0, 1, 2), 3),
        ("SELECT ?3, ?, ?1", "sequence", (2, 3, 0), 4),  # a bare ? takes the highest number so far + 1
        ("SELECT :a, @b, :a, $c", "sequence", (0, 1, 0, 2), 3),  # a name keeps the number of its first use
        ("SELECT :a, @b, :a, $c", "mapping", ("a", "b", "a", "c"), 3),
        ("SELECT '?' AS \"?\", 1 AS [?], 2 AS `?`, ? -- ?\n /* ? */", "sequence", (0,), 1),
        ("SELECT 'it''s ?', ?", "sequence", (0,), 1),
        ("SELECT a$b, ? FROM t", "sequence", (0,), 1),  # '$' inside an identifier is no parameter
        ("SELECT :ñame, ?", "sequence", (0, 1), 2),
    ],
)
def test_placeholders_are_numbered_as_sqlite_numbers_them(
    sql: str, style: ArgsStyle, refs: tuple[int | str, ...], bindings: int
) -> None:
    scanned = scan_sqlite(sql, style)
    assert scanned.markers == refs
    assert scanned.positional_count == bindings
    args: Sequence[Any] | Mapping[str, Any]
    if style == "sequence":
        args = list(range(bindings))
    else:
        args = {name: name for name in refs if isinstance(name, str)}
    with sqlite3.connect(":memory:") as conn:  # sqlite3 agrees on how many values the statement takes
        conn.execute("CREATE TABLE t (a$b)")
        conn.execute(sql, args)


def test_numbered_placeholders_bind_the_same_value_twice() -> None:
    (stmt,) = parse("UPDATE t SET a = ?1 WHERE b = ?1 OR c = ?2")
    assert isinstance(stmt, UpdateStatement)
    assert stmt.assignments[0].value == F("?", 0)
    assert stmt.where == F('"b" = ? OR "c" = ?', 0, 1)


def test_unnamed_placeholders_with_mapping_args_are_refused_like_sqlite3_does() -> None:
    with pytest.raises(SQLitePlaceholderError, match="has no name") as err:
        parse("UPDATE t SET a = ? WHERE id = :id", "mapping")
    assert isinstance(err.value, sqlite3.ProgrammingError)


def test_percent_means_nothing() -> None:
    (stmt,) = parse("UPDATE t SET a = '50%' WHERE b LIKE ? AND c = 7 % 3")
    assert isinstance(stmt, UpdateStatement)
    assert stmt.assignments[0].value == F("'50%'")
    assert stmt.where == F('"b" LIKE ? AND "c" = 7 % 3', 0)
    assert stmt.sql == F("UPDATE t SET a = '50%' WHERE b LIKE ? AND c = 7 % 3", 0)


# -- statement models ---------------------------------------------------------------------------------------

CASES: list[tuple[str, ArgsStyle, Statement]] = [
    (
        "UPDATE main.\"order\" AS o SET status = :s WHERE o.id = :id AND [o].k = 'a;b'",
        "mapping",
        UpdateStatement(
            T("order", "main", "o", 'main."order"'),
            (Assignment("status", None, F("?", "s")),),
            F('"o"."id" = ? AND "o"."k" = \'a;b\'', "id"),
        ),
    ),
    (
        "UPDATE OR IGNORE t SET a = a || 'x' WHERE b GLOB ?",
        "sequence",
        UpdateStatement(T("t"), (Assignment("a", None, F("\"a\" || 'x'")),), F('"b" GLOB ?', 0)),
    ),
    (
        "DELETE FROM `t` WHERE a IS NOT NULL",
        "sequence",
        DeleteStatement(T("t", text='"t"'), F('NOT "a" IS NULL')),
    ),
    (
        "INSERT INTO t (id, name) VALUES (?, 'x'), (NULL, ?)",
        "sequence",
        InsertStatement(T("t"), ("id", "name"), ((Param(0), Literal("x")), (Literal(None), Param(1)))),
    ),
    (
        "INSERT INTO t (id, v) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v WHERE v < 10",
        "sequence",
        InsertStatement(
            T("t"),
            ("id", "v"),
            ((Param(0), Param(1)),),
            on_duplicate_update=(Assignment("v", None, F('"excluded"."v"')),),
        ),
    ),
    (
        "INSERT INTO t (id) VALUES (?) ON CONFLICT DO NOTHING",
        "sequence",
        InsertStatement(T("t"), ("id",), ((Param(0),),), ignore_conflicts=True),
    ),
    (
        "INSERT OR IGNORE INTO t (id) VALUES (?)",
        "sequence",
        InsertStatement(T("t"), ("id",), ((Param(0),),), ignore_conflicts=True),
    ),
    (
        "INSERT OR ROLLBACK INTO t (id) VALUES (1) RETURNING id",
        "sequence",
        InsertStatement(T("t"), ("id",), ((Literal(1),),), returning=True),
    ),
    ("SELECT * FROM t WHERE id = ?", "sequence", PlainStatement("select")),
    ("PRAGMA user_version", "sequence", PlainStatement("other")),
    ("SAVEPOINT sp1", "sequence", PlainStatement("savepoint")),
    ("ROLLBACK TRANSACTION TO SAVEPOINT sp1", "sequence", PlainStatement("savepoint")),
    ("BEGIN IMMEDIATE", "sequence", PlainStatement("transaction")),
    ("END TRANSACTION", "sequence", PlainStatement("transaction")),  # SQLite's COMMIT
    ("CREATE TABLE x (a)", "sequence", PlainStatement("ddl")),
]


@pytest.mark.parametrize(("sql", "style", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_statement_model(sql: str, style: ArgsStyle, expected: Statement) -> None:
    assert parse(sql, style) == (expected,)


def test_each_statement_keeps_its_own_text_with_qmarks() -> None:
    (stmt,) = parse("/* c */ INSERT INTO t (a, b) VALUES (:a, :b) -- end", "mapping")
    assert stmt.sql == F("INSERT INTO t (a, b) VALUES (?, ?)", "a", "b")


@pytest.mark.skipif(not has_update_delete_limit(), reason="library without UPDATE/DELETE LIMIT")
def test_order_by_and_limit_where_the_library_has_them() -> None:
    (stmt,) = parse("DELETE FROM t WHERE a > ? ORDER BY a DESC LIMIT ?")
    assert stmt == DeleteStatement(T("t"), F('"a" > ?', 0), F('"a" DESC'), F("?", 1))


# -- rejections ---------------------------------------------------------------------------------------------

REJECTED = [
    ("REPLACE INTO t (id) VALUES (1)", "REPLACE"),
    ("INSERT OR REPLACE INTO t (id) VALUES (1)", "OR REPLACE"),
    ("UPDATE OR REPLACE t SET a = 1", "OR REPLACE"),
    ("SELECT * FROM t WHERE id = 1 FOR UPDATE", "FOR UPDATE"),
    ("UPDATE t SET a = u.a FROM u WHERE u.id = t.id", "UPDATE ... FROM"),
    ("INSERT INTO t DEFAULT VALUES", "DEFAULT VALUES"),
    ("INSERT INTO t (id) SELECT id FROM u", "INSERT ... SELECT"),
    ("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u)", "IN (subquery)"),
    ("WITH x AS (SELECT 1) DELETE FROM t WHERE id IN x", "WITH"),
    ("DELETE FROM t WHERE a = 1 LIMIT 1 OFFSET 2", "parser cannot read"),
    ("UPDATE t SET a = 1; DELETE FROM t", "mixed statement kinds"),
]


@pytest.mark.parametrize(("sql", "named"), REJECTED, ids=[r[0][:40] for r in REJECTED])
def test_rejected_before_anything_runs(sql: str, named: str) -> None:
    with pytest.raises(UnsupportedSQLError) as err:
        parse(sql)
    assert named in str(err.value)


def test_the_same_text_parses_differently_per_dialect() -> None:
    sql = "UPDATE t SET a = 1 WHERE b = 'x%'"
    mysql = mysql_syntax.parse(sql, "none")[0]
    sqlite = sqlite_syntax.parse(sql, "sequence")[0]
    assert isinstance(mysql, UpdateStatement) and isinstance(sqlite, UpdateStatement)
    assert mysql.where == F("`b` = 'x%%'")
    assert sqlite.where == F("\"b\" = 'x%'")


# -- fragments mean what the statement meant ----------------------------------------------------------------

WHERE_CASES: list[tuple[str, Sequence[Any] | Mapping[str, Any]]] = [
    ("UPDATE t SET v = 0 WHERE a > ? AND b LIKE ?", (1, "b%")),
    ('UPDATE t SET v = 0 WHERE b = "b1" OR b IS NULL', ()),  # double quotes: a string where no column
    ("UPDATE t SET v = 0 WHERE a BETWEEN ?2 AND ?1", (5, 2)),
    ("UPDATE t SET v = 0 WHERE b GLOB 'b[12]*' COLLATE NOCASE", ()),
    ("UPDATE t SET v = 0 WHERE coalesce(c, 'none') = :c OR a % 2 = 0", {"c": "none"}),
    ("UPDATE t SET v = 0 WHERE CAST(a AS TEXT) || '!' = '3!' OR json_extract(j, '$.k') = 1", ()),
    ("UPDATE t SET v = 0 WHERE a IN (1, 3, 5) AND NOT b = 'b3'", ()),
    ("UPDATE t SET v = 0 WHERE EXISTS (SELECT 1 FROM u WHERE u.t_a = t.a)", ()),
    ("UPDATE t SET v = 0 WHERE iif(a > 3, 1, 0) AND instr(b, '5') > 0", ()),
    ("DELETE FROM t WHERE lower(b) = 'b2' OR a = -?", (4,)),
    ("DELETE FROM t WHERE b LIKE 'x!%' ESCAPE '!' OR a = 6", ()),
]


@pytest.mark.parametrize(("sql", "args"), WHERE_CASES, ids=[c[0][30:70] for c in WHERE_CASES])
def test_rendered_where_selects_the_rows_the_statement_changes(
    sql: str, args: Sequence[Any] | Mapping[str, Any]
) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        """CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT, j TEXT, v INTEGER DEFAULT 1);
        CREATE TABLE u (t_a INTEGER);
        INSERT INTO t (a, b, c, j) VALUES (1, 'b1', NULL, '{"k": 1}'), (2, 'B2', 'none', '{}'),
            (3, 'b3', 'x', '{"k": 2}'), (4, 'x%', NULL, NULL), (5, 'b5', 'y', '{"k": 1}'),
            (6, NULL, NULL, NULL);
        INSERT INTO u VALUES (2), (5);"""
    )
    style: ArgsStyle = "mapping" if isinstance(args, Mapping) else "sequence"
    (stmt,) = parse(sql, style)
    assert isinstance(stmt, (UpdateStatement, DeleteStatement)) and stmt.where is not None
    image = conn.execute(f"SELECT a FROM t WHERE {stmt.where.sql}", stmt.where.bind(args)).fetchall()
    conn.execute(sql, args)
    if isinstance(stmt, UpdateStatement):
        changed = conn.execute("SELECT a FROM t WHERE v = 0").fetchall()
    else:
        left = {r[0] for r in conn.execute("SELECT a FROM t")}
        changed = [(a,) for a in range(1, 7) if a not in left]
    assert sorted(image) == sorted(changed)
    assert image, "the case selects no row: it cannot show a difference"
