"""Tables and seed rows for the SQLite AT tests: rowid-alias, composite (WITHOUT ROWID) and text keys,
unique keys, NULLs, and values of every storage class in columns of every affinity."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seata_py.databases import undo_log_ddl

TABLES: dict[str, str] = {
    "t_types": """CREATE TABLE t_types (
        id INTEGER PRIMARY KEY, c_int INTEGER, c_real REAL, c_text TEXT, c_blob BLOB, c_any,
        c_dec DECIMAL(14,4), c_bool BOOLEAN, c_date DATE, c_ts TIMESTAMP, c_varchar VARCHAR(100)
    )""",
    "t_order": """CREATE TABLE t_order (
        order_id INT NOT NULL, item_id INT NOT NULL, sku TEXT NOT NULL, qty INT NOT NULL,
        price DECIMAL(10,2) NOT NULL, note TEXT, PRIMARY KEY (order_id, item_id), UNIQUE (order_id, sku)
    ) WITHOUT ROWID""",
    "t_stock": """CREATE TABLE t_stock (
        sku TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, count INT NOT NULL
    )""",
    "t_account": """CREATE TABLE t_account (
        id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL UNIQUE, balance DECIMAL(12,2) NOT NULL,
        points INT NOT NULL DEFAULT 0
    )""",
    "t_nopk": "CREATE TABLE t_nopk (a INT, b INT)",
}

SEED: dict[str, tuple[str, Sequence[Sequence[Any]]]] = {
    "t_types": (
        "INSERT INTO t_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                1,
                -9000000000000,
                2.25,
                "héllo ✓ 😀",
                b"\x00\x01\xff",
                42,
                "12345.6789",
                1,
                "2024-01-02",
                "2024-01-02 03:04:05.123",
                "ab",
            ),
            (2, 0, 0.0, "", b"", "text in an untyped column", "0", 0, "1999-12-31", 946684800, ""),
            (3, None, None, None, None, None, None, None, None, None, None),
            (4, 7, -1e-300, "12", b"\x10", 2.5, "abc", "yes", 2460000.5, "not a time", "x" * 100),
        ],
    ),
    "t_order": (
        "INSERT INTO t_order (order_id, item_id, sku, qty, price, note) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (1, 1, "A", 2, "10.00", None),
            (1, 2, "B", 1, "5.50", "gift"),
            (2, 1, "A", 5, "10.00", None),
            (3, 7, "C", 1, "99.99", "x"),
        ],
    ),
    "t_stock": (
        "INSERT INTO t_stock (sku, name, count) VALUES (?, ?, ?)",
        [("A", "apple", 100), ("B", "banana", 50), ("C", "cherry", 0)],
    ),
    "t_account": (
        "INSERT INTO t_account (id, user_id, balance, points) VALUES (?, ?, ?, ?)",
        [(1, "u1", "100.00", 0), (2, "u2", "250.50", 10), (3, "u3", "0.00", 5)],
    ),
    "t_nopk": ("INSERT INTO t_nopk (a, b) VALUES (?, ?)", [(1, 2)]),
}


def admin_connection(path: Path) -> sqlite3.Connection:
    """A plain connection in autocommit mode: every statement commits, nothing stays locked."""
    return sqlite3.connect(path, isolation_level=None, timeout=10)


def create_schema(path: Path) -> None:
    conn = admin_connection(path)
    try:
        conn.executescript(undo_log_ddl("sqlite"))
        for name, ddl in TABLES.items():
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            conn.execute(ddl)
    finally:
        conn.close()


def reseed(path: Path) -> None:
    """Back to the seed rows, the AUTOINCREMENT counter included."""
    conn = admin_connection(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for name in TABLES:
            conn.execute(f'DELETE FROM "{name}"')
        conn.execute("DELETE FROM undo_log")
        conn.execute("DELETE FROM sqlite_sequence")
        for sql, rows in SEED.values():
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table with each value's storage class: a value put back as another class (5 as
    '5') differs."""
    conn = admin_connection(path)
    try:
        state: dict[str, list[tuple[Any, ...]]] = {}
        for name in TABLES:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            selected = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
            state[name] = sorted(conn.execute(f'SELECT {selected} FROM "{name}"').fetchall(), key=repr)
        return state
    finally:
        conn.close()


def undo_rows(path: Path) -> int:
    conn = admin_connection(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM undo_log").fetchone()[0])
    finally:
        conn.close()
