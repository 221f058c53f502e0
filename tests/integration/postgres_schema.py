# ruff: noqa: E501  (seed rows read best one row per line)
"""Tables and seed rows for the PostgreSQL AT tests: serial, identity, composite, text and uuid keys, unique
keys, a second schema, a mixed-case quoted table, an enum, and a row of every type AT mode carries.

Snapshots compare each row's text form (``row::text``): equal text is an exact restore, type by type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from seata_py.databases import undo_log_ddl
from tests.infra.postgres import PostgresServer

TYPES_COLUMNS = (
    "c_small, c_int, c_big, c_num, c_num_free, c_real, c_double, c_bool, c_text, c_varchar, c_char, "
    "c_bytea, c_date, c_time, c_timetz, c_ts, c_ts3, c_tstz, c_interval, c_uuid, c_json, c_jsonb, "
    "c_int_array, c_text_array, c_mood"
)

SCHEMA = """
DROP SCHEMA IF EXISTS public CASCADE;
DROP SCHEMA IF EXISTS inventory CASCADE;
CREATE SCHEMA public;
CREATE SCHEMA inventory;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t_types (
    id BIGINT PRIMARY KEY,
    c_small SMALLINT, c_int INTEGER, c_big BIGINT, c_num NUMERIC(40,15), c_num_free NUMERIC,
    c_real REAL, c_double DOUBLE PRECISION, c_bool BOOLEAN, c_text TEXT, c_varchar VARCHAR(50),
    c_char CHAR(5), c_bytea BYTEA, c_date DATE, c_time TIME, c_timetz TIMETZ, c_ts TIMESTAMP,
    c_ts3 TIMESTAMP(3), c_tstz TIMESTAMPTZ, c_interval INTERVAL, c_uuid UUID, c_json JSON, c_jsonb JSONB,
    c_int_array INTEGER[], c_text_array TEXT[], c_mood mood
);
CREATE TABLE t_order (
    order_id INT NOT NULL, item_id INT NOT NULL, sku TEXT NOT NULL, qty INT NOT NULL,
    price NUMERIC(10,2) NOT NULL, note TEXT, PRIMARY KEY (order_id, item_id), UNIQUE (order_id, sku)
);
CREATE TABLE t_stock (sku TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, count INT NOT NULL);
CREATE TABLE t_account (
    id SERIAL PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, balance NUMERIC(12,2) NOT NULL,
    points INT NOT NULL DEFAULT 0
);
CREATE TABLE t_ident (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label TEXT NOT NULL,
    doubled INT GENERATED ALWAYS AS (length(label) * 2) STORED
);
CREATE TABLE t_token (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), owner TEXT NOT NULL);
CREATE TABLE "MixedCase" ("Id" INT PRIMARY KEY, "Val" TEXT);
CREATE TABLE inventory.t_item (id INT PRIMARY KEY, qty INT NOT NULL);
CREATE TABLE t_nopk (a INT, b INT);
"""

TABLES = (
    "t_types",
    "t_order",
    "t_stock",
    "t_account",
    "t_ident",
    "t_token",
    '"MixedCase"',
    "inventory.t_item",
)

SEED = """
INSERT INTO t_types (id, {cols}) VALUES
 (1, -32768, 2147483647, -9000000000000000000, 12345678901234567890.123456789012345, 0.000000000000000000001,
  1.5, 2.25, true, 'héllo ✓ 😀 "q" \\', 'x', 'ab', '\\x0001ff', '2024-02-29', '12:34:56.789', '23:59:59.5+05:30',
  '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123', '2024-06-30 23:59:59.999999+02',
  '1 year 2 mons -3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{"b": 1,  "a": [1, 2.50]}}',
  '{{"b": 1, "a": [1, 2.50]}}', '{{1,NULL,3}}', '{{"a,b",NULL,"c"}}', 'happy'),
 (2, 0, 0, 0, 0, -1, 'NaN', 'Infinity', false, '', '', '', '\\x', '1970-01-01', '00:00:00', '00:00:00+00',
  '1970-01-01 00:00:00', '1969-12-31 23:59:59.999', '1970-01-01 00:00:00+00', '0', '00000000-0000-0000-0000-000000000000',
  '[]', '{{}}', '{{}}', '{{}}', 'sad'),
 (3, {nulls});
INSERT INTO t_order (order_id, item_id, sku, qty, price, note) VALUES
 (1, 1, 'A', 2, 10.00, NULL), (1, 2, 'B', 1, 5.50, 'gift'), (2, 1, 'A', 5, 10.00, NULL), (3, 7, 'C', 1, 99.99, 'x');
INSERT INTO t_stock (sku, name, count) VALUES ('A', 'apple', 10), ('B', 'banana', 5), ('C', 'cherry', 0);
INSERT INTO t_account (user_id, balance, points) VALUES ('u1', 100.00, 1), ('u2', 50.50, 2), ('u3', 0.00, 3);
INSERT INTO t_ident (label) VALUES ('one'), ('two');
INSERT INTO t_token (id, owner) VALUES ('11111111-1111-1111-1111-111111111111', 'u1');
INSERT INTO "MixedCase" ("Id", "Val") VALUES (1, 'one'), (2, 'two');
INSERT INTO inventory.t_item (id, qty) VALUES (1, 10), (2, 20);
INSERT INTO t_nopk VALUES (1, 2);
""".format(cols=TYPES_COLUMNS, nulls=", ".join(["NULL"] * len(TYPES_COLUMNS.split(", "))))


@contextmanager
def admin(server: PostgresServer, database: str) -> Iterator[psycopg.Connection[Any]]:
    conn = psycopg.connect(**server.connect_kwargs(database), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


def create_schema(server: PostgresServer, database: str) -> None:
    with admin(server, database) as conn:
        conn.execute(SCHEMA)
        conn.execute(undo_log_ddl("postgresql"))


def reseed(server: PostgresServer, database: str) -> None:
    with admin(server, database) as conn:
        names = ", ".join([*TABLES, "t_nopk", "undo_log"])
        conn.execute(f"TRUNCATE {names} RESTART IDENTITY")
        conn.execute(SEED)


def snapshot(server: PostgresServer, database: str) -> dict[str, list[str]]:
    """Every table's rows as PostgreSQL's own text, in key order."""
    with admin(server, database) as conn:
        return {
            table: [r[0] for r in conn.execute(f"SELECT x::text FROM {table} x ORDER BY 1").fetchall()]
            for table in TABLES
        }


def undo_rows(server: PostgresServer, database: str) -> int:
    with admin(server, database) as conn:
        return int(conn.execute("SELECT count(*) FROM undo_log").fetchone()[0])  # type: ignore[index]
