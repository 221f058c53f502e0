"""Tables and seed rows for the AT corpus: composite keys, NULLs and every MySQL column type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pymysql

from seata_py.databases import undo_log_ddl

TABLES: dict[str, str] = {
    "t_types": """CREATE TABLE t_types (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        c_bool TINYINT(1) NULL, c_tiny TINYINT NULL, c_int INT NULL, c_uint INT UNSIGNED NULL,
        c_big BIGINT NULL, c_ubig BIGINT UNSIGNED NULL, c_dec DECIMAL(14,4) NULL, c_float FLOAT NULL,
        c_double DOUBLE NULL, c_bit BIT(8) NULL, c_char CHAR(10) NULL, c_varchar VARCHAR(100) NULL,
        c_text TEXT NULL, c_blob BLOB NULL, c_varbin VARBINARY(32) NULL, c_date DATE NULL, c_time TIME NULL,
        c_dt DATETIME(6) NULL, c_ts TIMESTAMP(6) NULL DEFAULT NULL, c_year YEAR NULL,
        c_enum ENUM('a','b','c') NULL, c_set SET('x','y','z') NULL, c_json JSON NULL,
        updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin""",
    "t_order": """CREATE TABLE t_order (
        order_id INT NOT NULL, item_id INT NOT NULL, sku VARCHAR(32) NOT NULL, qty INT NOT NULL,
        price DECIMAL(10,2) NOT NULL, note VARCHAR(200) NULL,
        PRIMARY KEY (order_id, item_id), UNIQUE KEY uk_order_sku (order_id, sku)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin""",
    "t_stock": """CREATE TABLE t_stock (
        sku VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, count INT NOT NULL,
        UNIQUE KEY uk_name (name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin""",
    "t_account": """CREATE TABLE t_account (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id VARCHAR(32) NOT NULL,
        balance DECIMAL(12,2) NOT NULL,
        points INT NOT NULL DEFAULT 0, UNIQUE KEY uk_user (user_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin""",
    "t_nopk": """CREATE TABLE t_nopk (a INT NULL, b INT NULL) ENGINE=InnoDB""",
}

SEED: dict[str, tuple[str, Sequence[Sequence[Any]]]] = {
    "t_types": (
        "INSERT INTO t_types (id, c_bool, c_tiny, c_int, c_uint, c_big, c_ubig, c_dec, c_float, c_double, "
        "c_bit, c_char, c_varchar, c_text, c_blob, c_varbin, c_date, c_time, c_dt, c_ts, c_year, c_enum, "
        "c_set, c_json, updated_at) VALUES "
        "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
        [
            (
                1,
                1,
                -5,
                -123456,
                4000000000,
                -9000000000000,
                18446744073709551615,
                "12345.6789",
                1.5,
                2.25,
                b"\x81",
                "ab",
                "héllo ✓ 😀",
                "long text",
                b"\x00\x01\xff",
                b"\x10\x20",
                "2024-01-02",
                "03:04:05",
                "2024-01-02 03:04:05.123456",
                "2024-05-01 10:20:30.500000",
                2024,
                "b",
                "x,z",
                '{"k": [1, 2]}',
                "2024-01-01 00:00:00.000",
            ),
            (
                2,
                0,
                0,
                0,
                0,
                0,
                0,
                "0.0000",
                0.0,
                0.0,
                b"\x00",
                "",
                "",
                "",
                b"",
                b"",
                "1999-12-31",
                "00:00:00",
                "1999-12-31 23:59:59.000000",
                "2000-01-01 00:00:00.000000",
                1999,
                "a",
                "",
                "{}",
                "2024-01-01 00:00:00.000",
            ),
            (
                3,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "2024-01-01 00:00:00.000",
            ),
        ],
    ),
    "t_order": (
        "INSERT INTO t_order (order_id, item_id, sku, qty, price, note) VALUES (%s,%s,%s,%s,%s,%s)",
        [
            (1, 1, "A", 2, "10.00", None),
            (1, 2, "B", 1, "5.50", "gift"),
            (2, 1, "A", 5, "10.00", None),
            (3, 7, "C", 1, "99.99", "x"),
        ],
    ),
    "t_stock": (
        "INSERT INTO t_stock (sku, name, count) VALUES (%s,%s,%s)",
        [("A", "apple", 100), ("B", "banana", 50), ("C", "cherry", 0)],
    ),
    "t_account": (
        "INSERT INTO t_account (id, user_id, balance, points) VALUES (%s,%s,%s,%s)",
        [(1, "u1", "100.00", 0), (2, "u2", "250.50", 10), (3, "u3", "0.00", 5)],
    ),
    "t_nopk": ("INSERT INTO t_nopk (a, b) VALUES (%s,%s)", [(1, 2)]),
}


def create_schema(conn: pymysql.connections.Connection) -> None:
    with conn.cursor() as cur:
        cur.execute(undo_log_ddl("mysql"))
        for name, ddl in TABLES.items():
            cur.execute(f"DROP TABLE IF EXISTS `{name}`")
            cur.execute(ddl)
    conn.commit()


def reseed(conn: pymysql.connections.Connection) -> None:
    """Back to the seed rows, auto-increment counters included (TRUNCATE resets them)."""
    with conn.cursor() as cur:
        cur.execute("SET time_zone = '+00:00'")
        for name in TABLES:
            cur.execute(f"TRUNCATE TABLE `{name}`")
        cur.execute("TRUNCATE TABLE undo_log")
        for sql, rows in SEED.values():
            cur.executemany(sql, rows)
    conn.commit()


def snapshot(
    conn: pymysql.connections.Connection, skip_columns: Sequence[str] = ()
) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, as the driver returns the values."""
    state: dict[str, list[tuple]] = {}
    with conn.cursor() as cur:
        for name in TABLES:
            cur.execute(f"SELECT * FROM `{name}`")
            columns = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(columns) if c not in skip_columns]
            rows = [tuple(row[i] for i in keep) for row in cur.fetchall()]
            state[name] = sorted(rows, key=repr)
    conn.commit()
    return state


def undo_rows(conn: pymysql.connections.Connection) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM undo_log")
        (count,) = cur.fetchone()
    conn.commit()
    return int(count)
