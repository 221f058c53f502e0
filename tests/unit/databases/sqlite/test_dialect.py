"""The SQLite dialect against real in-memory databases: metadata, errors, undo_log SQL, generated SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime

import pytest

from seata_py.databases import undo_log_ddl
from seata_py.databases.sqlite.column_types import affinity, jdbc_type
from seata_py.databases.sqlite.dialect import SQLiteDialect, literal_default
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import TableMetaError
from seata_py.undo.log_table import UndoLogTable

DIALECT = SQLiteDialect()


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(
        """
        CREATE TABLE alias_pk (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, v);
        CREATE TABLE desc_pk (id INTEGER PRIMARY KEY DESC, v);
        CREATE TABLE int_pk (id INT PRIMARY KEY, v);
        CREATE TABLE composite (a INT, b TEXT, c REAL, PRIMARY KEY (b, a)) WITHOUT ROWID;
        CREATE TABLE "Mixed Case" ("Id" INTEGER PRIMARY KEY, "Na""me" TEXT);
        CREATE TABLE generated (id INTEGER PRIMARY KEY, a INT, b INT AS (a * 2) STORED, c INT AS (a + 1));
        CREATE TABLE keys (id INTEGER PRIMARY KEY, x INT, y INT, z TEXT, UNIQUE (y, x));
        CREATE UNIQUE INDEX keys_z ON keys (z);
        CREATE UNIQUE INDEX keys_expr ON keys (lower(z), x);
        CREATE INDEX keys_plain ON keys (x);
        CREATE TABLE rowid_only (a, b);
        CREATE TEMP TABLE scratch (id INTEGER PRIMARY KEY);
        CREATE TEMP TABLE int_pk (id INTEGER PRIMARY KEY);
        """
    )
    yield conn
    conn.close()


def meta(conn: sqlite3.Connection, table: str, schema: str | None = None):  # type: ignore[no-untyped-def]
    return DIALECT.load_table_meta(DIALECT.image_cursor(conn), schema, table)


def test_integer_primary_key_is_the_generated_rowid(conn: sqlite3.Connection) -> None:
    m = meta(conn, "alias_pk")
    assert m.primary_key == ("id",) and m.auto_increment_column == "id"
    assert [i.columns for i in m.unique_indexes] == [("id",), ("name",)]


@pytest.mark.parametrize("table", ["desc_pk", "composite"])
def test_other_primary_keys_are_not_generated(conn: sqlite3.Connection, table: str) -> None:
    assert meta(conn, table).auto_increment_column is None


def test_composite_key_in_declaration_order_and_lock_key_order(conn: sqlite3.Connection) -> None:
    m = meta(conn, "composite")
    assert m.primary_key == ("b", "a")
    assert [c.name for c in m.columns] == ["a", "b", "c"]
    assert [(c.jdbc_type, c.data_type) for c in m.columns] == [(-5, "int"), (12, "text"), (8, "real")]


def test_table_names_resolve_case_insensitively_to_the_physical_name(conn: sqlite3.Connection) -> None:
    m = meta(conn, "mixed case")
    assert m.name == "Mixed Case" and m.schema == "main"
    assert [c.name for c in m.columns] == ["Id", 'Na"me']
    assert meta(conn, "ALIAS_PK").name == "alias_pk"
    assert meta(conn, "alias_pk", "MAIN").name == "alias_pk"


def test_generated_columns_are_left_out(conn: sqlite3.Connection) -> None:
    assert [c.name for c in meta(conn, "generated").columns] == ["id", "a"]


def test_unique_indexes_with_columns_only(conn: sqlite3.Connection) -> None:
    m = meta(conn, "keys")
    indexes = {i.name: (i.columns, i.unique) for i in m.indexes}
    assert indexes["PRIMARY"] == (("id",), True)
    assert indexes["keys_z"] == (("z",), True)
    assert indexes["keys_plain"] == (("x",), False)
    assert (("y", "x"), True) in indexes.values()
    assert "keys_expr" not in indexes  # an expression key part names no column


def test_rowid_only_table_has_no_primary_key(conn: sqlite3.Connection) -> None:
    assert meta(conn, "rowid_only").primary_key == ()


def test_missing_table(conn: sqlite3.Connection) -> None:
    with pytest.raises(TableMetaError, match="nope"):
        meta(conn, "nope")


@pytest.mark.parametrize(
    ("schema", "table", "named"),
    [
        ("temp", "scratch", "outside the main database"),
        (None, "scratch", "temporary table"),
        (None, "int_pk", "temporary table"),
    ],
)
def test_tables_phase_two_cannot_reach_are_rejected(
    conn: sqlite3.Connection, schema: str | None, table: str, named: str
) -> None:
    with pytest.raises(UnsupportedSQLError, match=named):
        meta(conn, table, schema)


@pytest.mark.parametrize(
    ("declared", "kind", "code"),
    [
        ("INTEGER", "INTEGER", -5),
        ("TINYINT", "INTEGER", -5),
        ("UNSIGNED BIG INT", "INTEGER", -5),
        ("VARCHAR(20)", "TEXT", 12),
        ("NCHAR(5)", "TEXT", 12),
        ("CLOB", "TEXT", 12),
        ("BLOB", "BLOB", 2004),
        ("", "BLOB", 2004),
        ("REAL", "REAL", 8),
        ("DOUBLE PRECISION", "REAL", 8),
        ("FLOAT", "REAL", 8),
        ("DECIMAL(10,2)", "NUMERIC", 3),
        ("NUMERIC", "NUMERIC", 2),
        ("BOOLEAN", "NUMERIC", 16),
        ("DATE", "NUMERIC", 91),
        ("DATETIME", "NUMERIC", 93),
        ("TIMESTAMP", "NUMERIC", 93),
        ("MONEY", "NUMERIC", 2),
        ("POINT INT", "INTEGER", -5),  # SQLite's rule order: "INT" anywhere wins
    ],
)
def test_declared_type_to_affinity_and_java_type(declared: str, kind: str, code: int) -> None:
    assert affinity(declared) == kind
    assert jdbc_type(declared) == code
    conn = sqlite3.connect(":memory:")  # SQLite itself agrees on the affinity
    conn.execute(f"CREATE TABLE t (c {declared})")
    conn.execute("INSERT INTO t VALUES ('12')")
    stored = conn.execute("SELECT typeof(c) FROM t").fetchone()[0]
    expected = {"INTEGER": "integer", "TEXT": "text", "BLOB": "text", "REAL": "real", "NUMERIC": "integer"}
    assert stored == expected[kind]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'x'", "x"),
        ("'it''s'", "it's"),
        ("0", 0),
        ("-5", -5),
        ("1.5", 1.5),
        ("(7)", 7),
        ("NULL", None),
        ("X'00ff'", b"\x00\xff"),
        ("1e3", 1000.0),
    ],
)
def test_constant_defaults(text: str, value: object) -> None:
    assert literal_default(text) == (True, value)


@pytest.mark.parametrize("text", ["CURRENT_TIMESTAMP", "(random())", "'a' || 'b'"])
def test_non_constant_defaults(text: str) -> None:
    assert literal_default(text) == (False, None)


def test_default_match_binds_the_default_and_refuses_expressions(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE d (id INTEGER PRIMARY KEY, code TEXT DEFAULT 'x', at TEXT DEFAULT CURRENT_TIME)"
    )
    m = meta(conn, "d")
    assert DIALECT.default_match(m.column("code")) == ('"code" = ?', ["x"])
    with pytest.raises(UnsupportedSQLError, match="not a constant"):
        DIALECT.default_match(m.column("at"))


def test_error_recognition_from_real_errors(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError) as missing:
        conn.execute("SELECT nope FROM alias_pk")
    assert DIALECT.is_unknown_column_error(missing.value)
    with pytest.raises(sqlite3.OperationalError) as insert_missing:
        conn.execute("INSERT INTO alias_pk (nope) VALUES (1)")
    assert DIALECT.is_unknown_column_error(insert_missing.value)
    with pytest.raises(sqlite3.OperationalError) as no_table:
        conn.execute("SELECT * FROM nope")
    assert not DIALECT.is_unknown_column_error(no_table.value)

    conn.executescript(undo_log_ddl("sqlite"))
    table = UndoLogTable("undo_log", DIALECT)
    cur = DIALECT.image_cursor(conn)
    table.insert(cur, 1, "x:1:1", "c", b"{}", 0)
    with pytest.raises(sqlite3.IntegrityError) as duplicate:
        table.insert(cur, 1, "x:1:1", "c", b"{}", 1)
    assert DIALECT.is_undo_log_duplicate_error(duplicate.value)
    with pytest.raises(sqlite3.IntegrityError) as other:
        conn.execute("INSERT INTO alias_pk (id, name) VALUES (1, 'a'), (2, 'a')")
    assert not DIALECT.is_undo_log_duplicate_error(other.value)


def test_undo_log_statements_run_on_sqlite(conn: sqlite3.Connection) -> None:
    conn.executescript(undo_log_ddl("sqlite", "my_undo"))
    conn.executescript(undo_log_ddl("sqlite", "my_undo"))  # IF NOT EXISTS: running it twice is harmless
    table = UndoLogTable("my_undo", DIALECT)
    cur = DIALECT.image_cursor(conn)
    for branch in (10, 11, 12):
        table.insert(cur, branch, "x:1:1", "serializer=jackson", bytes([branch]), 0)
    table.insert(cur, 99, "x:1:1", "branchId=11", b"chunk", 0)
    assert [r.branch_id for r in table.select_for_update(cur, 11, "x:1:1")] == [11]
    assert [r.branch_id for r in table.newer_branches_for_update(cur, "x:1:1", 10)] == [12, 11]
    table.mark_finished(cur, 12, "x:1:1")
    assert [r.log_status for r in table.select_for_update(cur, 12, "x:1:1")] == [1]
    assert table.sub_rows(cur, "x:1:1", [99]) == [b"chunk"]
    assert table.delete_many(cur, [("x:1:1", 11), ("x:1:1", 12)]) == 2
    assert {r[0] for r in conn.execute("SELECT branch_id FROM my_undo")} == {10}
    conn.execute("UPDATE my_undo SET log_created = '2000-01-01 00:00:00'")
    table.insert(cur, 13, "x:1:1", "c", b"{}", 0)
    purged = table.purge_created_before(cur, datetime(2020, 1, 1), lambda: None)
    assert purged == 1
    assert {r[0] for r in conn.execute("SELECT branch_id FROM my_undo")} == {13}
    created = conn.execute("SELECT log_created FROM my_undo").fetchone()[0]
    assert abs(datetime.fromisoformat(created) - datetime.now()).total_seconds() < 120  # local time


def test_undo_log_ddl_by_dialect_name() -> None:
    assert undo_log_ddl("mysql").startswith("CREATE TABLE IF NOT EXISTS `undo_log`")
    assert undo_log_ddl("sqlite") == DIALECT.undo_log_ddl()
    with pytest.raises(ValueError, match="mysql, sqlite"):
        undo_log_ddl("oracle")
    with pytest.raises(ValueError, match="plain table name"):
        undo_log_ddl("sqlite", 'x"; DROP TABLE t; --')


def test_image_columns_bypass_declared_type_converters() -> None:
    conn = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_DECLTYPES)
    conn.text_factory = bytes
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, ts TIMESTAMP)")
    conn.execute("INSERT INTO t VALUES (1, '2024-01-02', 'not a timestamp')")
    columns = ", ".join(DIALECT.select_column(c) for c in ("id", "d", "ts"))
    cur = DIALECT.image_cursor(conn)
    cur.execute(f"SELECT {columns} FROM t")
    assert [d[0] for d in cur.description] == ["id", "d", "ts"]
    assert cur.fetchall() == [(1, "2024-01-02", "not a timestamp")]
    assert conn.text_factory is bytes  # the connection's own setting is back


def test_phase_two_connection_takes_the_write_lock(tmp_path: object) -> None:
    path = str(tmp_path) + "/lock.db"  # type: ignore[operator]
    first = DIALECT.connect({"database": path, "timeout": 0.05})
    second = DIALECT.connect({"database": path, "timeout": 0.05})
    try:
        DIALECT.begin_write(first)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            DIALECT.begin_write(second)
        first.rollback()
        DIALECT.begin_write(second)
        second.rollback()
    finally:
        first.close()
        second.close()
