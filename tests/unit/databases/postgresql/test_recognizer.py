"""The "postgresql" syntax: statement models as PostgreSQL means the statements (names folded as the server
folds them, upserts, RETURNING, row locks), fragments in psycopg's form, and the constructs refused by name
before anything runs."""

from __future__ import annotations

from decimal import Decimal

import pymysql.err
import pytest

from seata_py.databases.postgresql.syntax import parse
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.exec.base import clause
from seata_py.sql.recognizer import ArgsStyle
from seata_py.types.statements import (
    Assignment,
    Default,
    DeleteStatement,
    Expression,
    Fragment,
    InsertStatement,
    Literal,
    Param,
    PlainStatement,
    SelectForUpdateStatement,
    Statement,
    TableRef,
    UpdateStatement,
)


def T(name: str, schema: str | None = None, alias: str | None = None, text: str | None = None) -> TableRef:
    return TableRef(name=name, schema=schema, alias=alias, text=text if text is not None else name)


def F(sql: str, *params: int | str) -> Fragment:
    return Fragment(sql, tuple(params))


def A(column: str, value: Fragment, qualifier: str | None = None) -> Assignment:
    return Assignment(column=column, qualifier=qualifier, value=value)


SEQ: ArgsStyle = "sequence"
MAP: ArgsStyle = "mapping"
NONE: ArgsStyle = "none"

# -- names ---------------------------------------------------------------------------------------------------

CASES: list[tuple[str, ArgsStyle, Statement]] = [
    # PostgreSQL folds unquoted names to lower case; rendered fragments quote them, so they must be folded
    (
        "UPDATE Foo SET Bar = 1 WHERE Id = %s",
        SEQ,
        UpdateStatement(T("foo"), (A("bar", F("1")),), F('"id" = %s', 0)),
    ),
    (
        'UPDATE "MixedCase" SET "Col" = %s WHERE "Id" = %s',
        SEQ,
        UpdateStatement(T("MixedCase", text='"MixedCase"'), (A("Col", F("%s", 0)),), F('"Id" = %s', 1)),
    ),
    (
        "UPDATE Shop.Orders SET a = %s",
        SEQ,
        UpdateStatement(T("orders", "shop", text="shop.orders"), (A("a", F("%s", 0)),)),
    ),
    (
        'UPDATE "Shop"."Orders" o SET a = %s WHERE O.Id = %s',
        SEQ,
        UpdateStatement(
            T("Orders", "Shop", "o", '"Shop"."Orders"'), (A("a", F("%s", 0)),), F('"o"."id" = %s', 1)
        ),
    ),
    (
        'UPDATE "a;--b" SET "x""y" = %s',
        SEQ,
        UpdateStatement(T("a;--b", text='"a;--b"'), (A('x"y', F("%s", 0)),)),
    ),
    (
        "UPDATE t SET a = %(v)s WHERE id = %(id)s OR parent = %(id)s",
        MAP,
        UpdateStatement(T("t"), (A("a", F("%s", "v")),), F('"id" = %s OR "parent" = %s', "id", "id")),
    ),
    (
        "UPDATE t SET a = DEFAULT, b = b || %s WHERE c ILIKE 'x%%'",
        SEQ,
        # DEFAULT is the keyword, not a column; a literal % is doubled, as psycopg wants it with args
        UpdateStatement(T("t"), (A("a", F("DEFAULT")), A("b", F('"b" || %s', 0))), F("\"c\" ILIKE 'x%%'")),
    ),
    (
        "UPDATE t SET a = 1 WHERE b % 2 = 0",
        NONE,
        # no args: psycopg sends `%` as it is, and the rendered fragment (always run with args) doubles it
        UpdateStatement(T("t"), (A("a", F("1")),), F('"b" %% 2 = 0')),
    ),
    (
        "UPDATE t SET a = $$x;'y$$, b = E'it\\'s' WHERE id = %s",
        SEQ,
        UpdateStatement(T("t"), (A("a", F("'x;''y'")), A("b", F("e'it''s'"))), F('"id" = %s', 0)),
    ),
    (
        "UPDATE t SET a = 1 WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)",
        NONE,
        UpdateStatement(
            T("t"), (A("a", F("1")),), F('EXISTS(SELECT 1 FROM "u" WHERE "u"."t_id" = "t"."id")')
        ),
    ),
    (
        "UPDATE t SET a = 1 RETURNING *",
        NONE,
        UpdateStatement(T("t"), (A("a", F("1")),)),
    ),
    # -- DELETE ----------------------------------------------------------------------------------------------
    (
        "DELETE FROM Inventory.Stock s WHERE s.Sku = %s AND s.qty > 0 RETURNING s.id",
        SEQ,
        DeleteStatement(
            T("stock", "inventory", "s", "inventory.stock"), F('"s"."sku" = %s AND "s"."qty" > 0', 0)
        ),
    ),
    # -- INSERT ----------------------------------------------------------------------------------------------
    (
        'INSERT INTO Shop.Orders (Id, "Name") VALUES (%s, %s), (%s, %s)',
        SEQ,
        InsertStatement(
            T("orders", "shop", text="shop.orders"),
            ("id", "Name"),
            ((Param(0), Param(1)), (Param(2), Param(3))),
        ),
    ),
    (
        "INSERT INTO t DEFAULT VALUES",
        NONE,
        InsertStatement(T("t"), (), ((),)),  # one row that names no column: every column takes its default
    ),
    (
        "INSERT INTO t DEFAULT VALUES RETURNING id",
        NONE,
        InsertStatement(T("t"), (), ((),), returning=True),
    ),
    (
        "INSERT INTO t (id, a) VALUES (DEFAULT, %s), (DEFAULT, %s)",
        SEQ,
        InsertStatement(T("t"), ("id", "a"), ((Default(), Param(0)), (Default(), Param(1)))),
    ),
    (
        "INSERT INTO t VALUES (1, 'a', NULL, true, -5, 1.5, now())",
        NONE,
        InsertStatement(
            T("t"),
            None,
            (
                (
                    Literal(1),
                    Literal("a"),
                    Literal(None),
                    Literal(True),
                    Literal(-5),
                    Literal(Decimal("1.5")),
                    # now() is the transaction's start time, which sqlglot spells CURRENT_TIMESTAMP
                    Expression(F("CURRENT_TIMESTAMP"), True),
                ),
            ),
        ),
    ),
    (
        "INSERT INTO t (id, a) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = t.b + 1",
        SEQ,
        InsertStatement(
            T("t"),
            ("id", "a"),
            ((Param(0), Param(1)),),
            on_duplicate_update=(A("a", F('"excluded"."a"')), A("b", F('"t"."b" + 1'))),
        ),
    ),
    (
        "INSERT INTO t AS x (id) VALUES (%s) ON CONFLICT (id) DO UPDATE SET n = x.n + %s",
        SEQ,
        InsertStatement(
            T("t", alias="x"), ("id",), ((Param(0),),), on_duplicate_update=(A("n", F('"x"."n" + %s', 1)),)
        ),
    ),
    (
        # the DO UPDATE's own WHERE only leaves some conflicting rows alone: their images come out equal
        "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1 WHERE t.a < 5",
        NONE,
        InsertStatement(T("t"), ("id",), ((Literal(1),),), on_duplicate_update=(A("a", F("1")),)),
    ),
    (
        "INSERT INTO t (id, a) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        SEQ,
        InsertStatement(T("t"), ("id", "a"), ((Param(0), Param(1)),), ignore_conflicts=True),
    ),
    (
        "INSERT INTO t (id, a) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
        SEQ,
        InsertStatement(T("t"), ("id", "a"), ((Param(0), Param(1)),), ignore_conflicts=True),
    ),
    # -- plain statements ------------------------------------------------------------------------------------
    ("SELECT * FROM t WHERE id = %s", SEQ, PlainStatement("select")),
    ("SELECT * FROM t WHERE id = %s FOR SHARE", SEQ, PlainStatement("select")),  # a shared lock only
    ("SELECT 1 FOR UPDATE", NONE, PlainStatement("select")),  # no table, no rows locked
    ("VALUES (1), (2)", NONE, PlainStatement("select")),
    ("TABLE t", NONE, PlainStatement("select")),
    ("SAVEPOINT s1", NONE, PlainStatement("savepoint")),
    ("RELEASE SAVEPOINT s1", NONE, PlainStatement("savepoint")),
    ("ROLLBACK TO SAVEPOINT s1", NONE, PlainStatement("savepoint")),
    ("ROLLBACK TO s1", NONE, PlainStatement("savepoint")),
    ("SET search_path TO shop, public", NONE, PlainStatement("set")),
    ("SET LOCAL lock_timeout = '1s'", NONE, PlainStatement("set")),
    ("SHOW search_path", NONE, PlainStatement("show")),
    ("BEGIN", NONE, PlainStatement("transaction")),
    ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", NONE, PlainStatement("transaction")),
    ("COMMIT", NONE, PlainStatement("transaction")),
    ("END", NONE, PlainStatement("transaction")),  # PostgreSQL's COMMIT
    ("ROLLBACK", NONE, PlainStatement("transaction")),
    ("CREATE TABLE x (a int)", NONE, PlainStatement("ddl")),
    ("ALTER TABLE x ADD COLUMN b text", NONE, PlainStatement("ddl")),
    ("EXPLAIN UPDATE t SET a = 1", NONE, PlainStatement("describe")),  # without ANALYZE nothing runs
]


@pytest.mark.parametrize(("sql", "style", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_statement_model(sql: str, style: ArgsStyle, expected: Statement) -> None:
    assert parse(sql, style) == (expected,)


def test_each_statement_keeps_its_own_text_with_psycopg_placeholders() -> None:
    (stmt,) = parse("/* c */ UPDATE t SET a = %(a)s -- x\nWHERE b LIKE 'q%%' AND id = %(id)s", MAP)
    # named placeholders become %s with their names in order; the literal % is doubled again for psycopg
    assert stmt.sql == F("UPDATE t SET a = %s  \nWHERE b LIKE 'q%%' AND id = %s", "a", "id")


def test_returning_columns_are_the_plain_columns_as_written() -> None:
    (stmt,) = parse("INSERT INTO t (a) VALUES (%s) RETURNING id, A, a + 1 AS b, t.c", SEQ)
    assert isinstance(stmt, InsertStatement)
    assert stmt.returning
    assert stmt.returning_columns == ("id", "a", "c")  # folded; the expression has no column to read back
    (star,) = parse("INSERT INTO t (a) VALUES (%s) ON CONFLICT (a) DO NOTHING RETURNING *", SEQ)
    assert isinstance(star, InsertStatement)
    assert (star.returning, star.returning_columns, star.ignore_conflicts) == (True, ("*",), True)
    (none,) = parse("INSERT INTO t (a) VALUES (%s)", SEQ)
    assert isinstance(none, InsertStatement)
    assert (none.returning, none.returning_columns) == (False, ())


# -- SELECT ... FOR UPDATE -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "lock_clause"),
    [
        ("SELECT * FROM t WHERE id = %s FOR UPDATE", "FOR UPDATE"),
        ("SELECT * FROM t WHERE id = %s FOR NO KEY UPDATE", "FOR NO KEY UPDATE"),
        ("SELECT * FROM t WHERE id = %s FOR UPDATE NOWAIT", "FOR UPDATE NOWAIT"),
        ("SELECT * FROM t WHERE id = %s FOR UPDATE SKIP LOCKED", "FOR UPDATE SKIP LOCKED"),
        ("SELECT * FROM t WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED", "FOR NO KEY UPDATE SKIP LOCKED"),
        ("SELECT * FROM t WHERE id = %s for update of t", 'FOR UPDATE OF "t"'),
    ],
)
def test_row_locks_that_exclude_writers_are_locking_reads(sql: str, lock_clause: str) -> None:
    assert parse(sql, SEQ) == (SelectForUpdateStatement(T("t"), F('"id" = %s', 0), lock_clause=lock_clause),)


def test_limit_and_offset_come_back_in_postgresql_spelling() -> None:
    (stmt,) = parse("SELECT * FROM Stock WHERE qty > %s ORDER BY Id DESC LIMIT %s OFFSET %s FOR UPDATE", SEQ)
    assert stmt == SelectForUpdateStatement(
        T("stock"), F('"qty" > %s', 0), F('"id" DESC'), F("%s OFFSET %s", 1, 2), "FOR UPDATE"
    )
    # the image query appends the fragment after LIMIT: PostgreSQL has no MySQL `LIMIT offset, count`
    assert isinstance(stmt, SelectForUpdateStatement)
    assert clause("LIMIT", stmt.limit) == " LIMIT %s OFFSET %s"
    # PostgreSQL also accepts OFFSET first; the meaning is the same
    (swapped,) = parse("SELECT * FROM stock WHERE qty > 1 ORDER BY id OFFSET 10 LIMIT 5 FOR UPDATE", NONE)
    assert isinstance(swapped, SelectForUpdateStatement)
    assert swapped.limit == F("5 OFFSET 10")
    (plain,) = parse("SELECT * FROM stock ORDER BY id LIMIT 5 FOR UPDATE", NONE)
    assert isinstance(plain, SelectForUpdateStatement)
    assert plain.limit == F("5")


def test_an_offset_without_limit_locks_every_row_the_where_reaches() -> None:
    # a superset of what the statement locks, never a subset
    (stmt,) = parse("SELECT * FROM t WHERE a = 1 ORDER BY id OFFSET %s FOR UPDATE", SEQ)
    assert isinstance(stmt, SelectForUpdateStatement)
    assert (stmt.where, stmt.limit) == (F('"a" = 1'), None)


def test_schema_qualified_and_aliased_locking_reads() -> None:
    assert parse("SELECT * FROM Shop.T AS x WHERE x.Id = %s FOR UPDATE", SEQ) == (
        SelectForUpdateStatement(T("t", "shop", "x", "shop.t"), F('"x"."id" = %s', 0)),
    )
    # a parenthesized locking read still locks
    assert parse("(SELECT * FROM t WHERE id = 1 FOR UPDATE)", NONE) == (
        SelectForUpdateStatement(T("t"), F('"id" = 1')),
    )


def test_fetch_first_is_a_limit() -> None:
    # the SQL-standard spelling PostgreSQL accepts for LIMIT 5 OFFSET 3
    (stmt,) = parse(
        "SELECT * FROM t WHERE a > 1 ORDER BY id OFFSET 3 FETCH FIRST 5 ROWS ONLY FOR UPDATE", NONE
    )
    assert isinstance(stmt, SelectForUpdateStatement)
    assert stmt.limit == F("5 OFFSET 3")


# -- rejections ----------------------------------------------------------------------------------------------

REJECTED: list[tuple[str, ArgsStyle, str]] = [
    ("UPDATE t SET a = u.a FROM u WHERE u.id = t.id", NONE, "UPDATE ... FROM"),
    ("DELETE FROM t USING u WHERE t.id = u.id AND u.k = %s", SEQ, "DELETE ... USING"),
    ("UPDATE ONLY t SET a = 1", NONE, "ONLY (a table's inheritance children are left out)"),
    ("DELETE FROM ONLY t WHERE a = 1", NONE, "ONLY"),
    ("WITH x AS (DELETE FROM u RETURNING id) SELECT * FROM x", NONE, "a data-modifying WITH (DELETE"),
    ("WITH x AS (UPDATE u SET a = 1 RETURNING id) SELECT * FROM x", NONE, "a data-modifying WITH (UPDATE"),
    ("WITH x AS (INSERT INTO u VALUES (1) RETURNING id) SELECT 1", NONE, "a data-modifying WITH (INSERT"),
    (
        "WITH x AS (DELETE FROM u RETURNING id) UPDATE t SET a = 1 WHERE id = 3",
        NONE,
        "a data-modifying WITH (writable common table expression)",
    ),
    (
        "WITH x AS (DELETE FROM u RETURNING id) INSERT INTO t VALUES (1)",
        NONE,
        "a data-modifying WITH (writable common table expression)",
    ),
    ("WITH x AS (SELECT 1 AS id) UPDATE t SET a = 1", NONE, "a WITH clause (common table expression)"),
    ("WITH x AS (SELECT 1 AS id) DELETE FROM t WHERE id = 1", NONE, "a WITH clause"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1", NONE, "MERGE"),
    ("COPY t FROM STDIN", NONE, "COPY (bulk load or unload)"),
    ("copy t (a, b) from stdin with (format csv)", NONE, "COPY"),
    ("TRUNCATE t", NONE, "TRUNCATE"),
    ("TRUNCATE TABLE t, u RESTART IDENTITY CASCADE", NONE, "TRUNCATE"),
    ("DO $$ BEGIN UPDATE t SET a = 1; END $$", NONE, "a DO block (anonymous code)"),
    ("CALL transfer(%s, %s)", SEQ, "CALL (a stored procedure)"),
    ("EXECUTE upd(1)", NONE, "EXECUTE of a server-side prepared statement"),
    (
        "INSERT INTO t (id) VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO UPDATE SET a = 1",
        NONE,
        "ON CONFLICT ON CONSTRAINT",
    ),
    (
        "INSERT INTO t (id) VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING",
        NONE,
        "ON CONFLICT ON CONSTRAINT",
    ),
    (
        "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) WHERE a > 0 DO NOTHING",
        NONE,
        "ON CONFLICT with a partial-index predicate",
    ),
    ("INSERT INTO t (id) SELECT id FROM u", NONE, "INSERT ... SELECT"),
    ("INSERT INTO t SELECT * FROM u WHERE k = %s", SEQ, "INSERT ... SELECT"),
    ("UPDATE t SET a = 1 WHERE CURRENT OF c", NONE, "WHERE CURRENT OF"),
    ("delete from t where current of c", NONE, "WHERE CURRENT OF"),
    ("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u)", NONE, "IN (subquery)"),
    ("DELETE FROM t WHERE id NOT IN (SELECT t_id FROM u WHERE k = %s)", SEQ, "IN (subquery)"),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u) FOR UPDATE", NONE, "IN (subquery)"),
    ("SELECT * FROM t, u WHERE t.id = u.id FOR UPDATE", NONE, "SELECT ... FOR UPDATE over several tables"),
    ("SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE", NONE, "SELECT ... FOR UPDATE over several tables"),
    ("SELECT * FROM (SELECT * FROM t) x FOR UPDATE", NONE, "a derived table (subquery in FROM)"),
    ("UPDATE t SET (a, b) = (1, 2)", NONE, "an assignment that is not `column = value`"),
    ("EXPLAIN ANALYZE UPDATE t SET a = 1", NONE, "ANALYZE of a data-changing statement"),
    ("EXPLAIN (ANALYZE) DELETE FROM t", NONE, "ANALYZE of a data-changing statement"),
    ("UPDATE t SET a = 1; DELETE FROM t WHERE id = 2", NONE, "mixed statement kinds in one string"),
    ("UPDATE t SET a = 1 WHERE", NONE, "UPDATE syntax the SQL parser cannot read"),
    ("UPDATE t SET a = :x", NONE, "a :x placeholder (psycopg fills %s, %b, %t and %(name)s)"),
]


@pytest.mark.parametrize(("sql", "style", "construct"), REJECTED, ids=[r[0][:60] for r in REJECTED])
def test_rejected_before_anything_runs(sql: str, style: ArgsStyle, construct: str) -> None:
    with pytest.raises(UnsupportedSQLError) as caught:
        parse(sql, style)
    assert caught.value.construct.startswith(construct)
    assert caught.value.sql == sql
    assert construct in str(caught.value)
    assert isinstance(caught.value, pymysql.err.NotSupportedError)  # the PEP 249 class


def test_a_rejection_after_an_accepted_statement_still_refuses_the_string() -> None:
    with pytest.raises(UnsupportedSQLError, match="TRUNCATE"):
        parse("UPDATE t SET a = 1; TRUNCATE t", NONE)


# -- known gaps ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN ANALYZE VERBOSE UPDATE t SET a = 1",
        "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1",
        "EXPLAIN (FORMAT JSON, ANALYZE) DELETE FROM t",
        "EXPLAIN ANALYZE WITH x AS (DELETE FROM u RETURNING id) SELECT * FROM x",
    ],
)
def test_explain_analyze_of_a_write_is_refused_however_it_is_spelled(sql: str) -> None:
    # EXPLAIN ANALYZE executes the statement it explains
    with pytest.raises(UnsupportedSQLError):
        parse(sql, NONE)


@pytest.mark.parametrize("sql", ["ABORT", "ABORT WORK", "PREPARE TRANSACTION 'gx'"])
def test_statements_that_end_the_transaction_are_transaction_statements(sql: str) -> None:
    assert parse(sql, NONE) == (PlainStatement("transaction"),)


def test_an_upsert_on_an_expression_index_is_refused() -> None:
    with pytest.raises(UnsupportedSQLError):
        parse("INSERT INTO t (id, name) VALUES (%s, %s) ON CONFLICT (lower(name)) DO UPDATE SET v = 1", SEQ)


def test_a_cast_parameter_is_the_parameter_as_an_insert_value() -> None:
    # SQLAlchemy's psycopg dialect renders ORM insert values as %(name)s::TYPE; a key given that way is the
    # bound value, not an expression the images could not find the row by
    (statement,) = parse("INSERT INTO t (id, v) VALUES (%(id)s::INTEGER, (%(v)s)::TEXT)", "mapping")
    assert isinstance(statement, InsertStatement)
    assert statement.rows == ((Param("id"), Param("v")),)
