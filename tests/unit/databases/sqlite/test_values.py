"""SQLite values through the Java-format undo log and back into SQLite: same value, same storage class."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seata_py.databases.sqlite.dialect import SQLiteDialect
from seata_py.types.images import BranchUndoLog, KeyType, Row, SQLType, SQLUndoLog, TableRecords
from seata_py.undo.errors import UnsupportedUndoValueError
from seata_py.undo.jackson import decode_branch_undo_log, encode_branch_undo_log

DIALECT = SQLiteDialect()
DECLARED = ["INTEGER", "TEXT", "BLOB", "", "REAL", "DECIMAL(10,2)", "NUMERIC", "BOOLEAN", "DATETIME"]

sqlite_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.binary(max_size=64),
)


def _round_trip(declared: str, value: Any) -> tuple[Any, str, Any, str]:
    """(value, typeof) as stored, and as stored again after the undo log put it back."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, c {declared})")
    conn.execute("INSERT INTO t VALUES (1, ?)", (value,))
    cursor = DIALECT.image_cursor(conn)
    meta = DIALECT.load_table_meta(cursor, None, "t")
    stored, kind = conn.execute("SELECT c, typeof(c) FROM t").fetchone()
    cursor.execute(f"SELECT {DIALECT.select_column('c')} FROM t")
    ((read,),) = cursor.fetchall()
    field = DIALECT.to_field(meta.column("c"), read, KeyType.NULL, None)
    image = TableRecords("t", (Row((field,)),))
    log = BranchUndoLog("x:1:1", 1, (SQLUndoLog(SQLType.UPDATE, "t", image, image),))
    decoded = decode_branch_undo_log(encode_branch_undo_log(log))
    back = decoded.sql_undo_logs[0].before_image.rows[0].fields[0]
    assert back.type == field.type == meta.column("c").jdbc_type
    conn.execute("UPDATE t SET c = NULL")
    conn.execute("UPDATE t SET c = ?", (DIALECT.to_db_param(meta.column("c"), back),))
    again, again_kind = conn.execute("SELECT c, typeof(c) FROM t").fetchone()
    return stored, kind, again, again_kind


@settings(max_examples=300, deadline=None)
@given(declared=st.sampled_from(DECLARED), value=sqlite_values)
def test_any_value_in_any_column_comes_back_identical(declared: str, value: Any) -> None:
    stored, kind, again, again_kind = _round_trip(declared, value)
    assert again_kind == kind
    assert again == stored


@pytest.mark.parametrize(
    ("declared", "value", "json_value", "code"),
    [
        ("INTEGER", 5, ["java.lang.Long", 5], -5),
        ("TEXT", 5, "5", 12),  # TEXT affinity stored the integer as text
        ("TEXT", "héllo", "héllo", 12),
        ("REAL", 2.5, 2.5, 8),
        ("BLOB", b"\x00\xff", ["[B", "AP8="], 2004),
        ("", 7, ["java.lang.Long", 7], 2004),  # no declared type: the value keeps its class
        ("DECIMAL(10,2)", "12.50", ["java.math.BigDecimal", 12.5], 3),
        ("DECIMAL(10,2)", "10.00", ["java.math.BigDecimal", 10], 3),
        ("DECIMAL(10,2)", "abc", "abc", 3),
        ("BOOLEAN", 1, ["java.lang.Long", 1], 16),
        ("DATETIME", "2024-01-02 03:04:05", "2024-01-02 03:04:05", 93),
    ],
)
def test_java_classes_follow_the_storage_class(declared: str, value: Any, json_value: Any, code: int) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, c {declared})")
    conn.execute("INSERT INTO t VALUES (1, ?)", (value,))
    cursor = DIALECT.image_cursor(conn)
    meta = DIALECT.load_table_meta(cursor, None, "t")
    (read,) = conn.execute("SELECT c FROM t").fetchone()
    field = DIALECT.to_field(meta.column("c"), read, KeyType.NULL, None)
    image = TableRecords("t", (Row((field,)),))
    doc = json.loads(
        encode_branch_undo_log(BranchUndoLog("x:1:1", 1, (SQLUndoLog(SQLType.INSERT, "t", image, image),)))
    )
    written = doc["sqlUndoLogs"][1][0]["afterImage"]["rows"][1][0]["fields"][1][0]
    assert written["type"] == code
    assert written["value"] == json_value


def test_values_sqlite_cannot_hold_are_refused() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, c REAL)")
    meta = DIALECT.load_table_meta(DIALECT.image_cursor(conn), None, "t")
    with pytest.raises(UnsupportedUndoValueError, match="JSON"):
        DIALECT.to_field(meta.column("c"), float("inf"), KeyType.NULL, None)
    with pytest.raises(UnsupportedUndoValueError, match="converters"):
        DIALECT.to_field(meta.column("c"), Decimal("1.5"), KeyType.NULL, None)
