"""The PostgreSQL provider gives a server psycopg really works with, and the address Java clients get."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import psycopg
import pytest

from tests.infra.postgres import PostgresServer, quote_identifier

pytestmark = pytest.mark.integration


def test_fresh_database_keeps_a_committed_row(postgres_server: PostgresServer) -> None:
    """A database from create_database takes a table and a committed row that a second connection reads."""
    name = postgres_server.create_database("seata_py_pg_smoke")
    try:
        with psycopg.connect(**postgres_server.connect_kwargs(name)) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (
                0,
            )
            conn.execute(
                "CREATE TABLE account (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(12, 2))"
            )
            conn.execute("INSERT INTO account VALUES (%s, %s, %s)", (1, "alice", Decimal("10.50")))
        # the conninfo string reaches the same database, and sees the row the first connection committed
        with psycopg.connect(postgres_server.conninfo(name)) as conn:
            row = conn.execute("SELECT id, owner, balance, current_database() FROM account").fetchone()
        assert row == (1, "alice", Decimal("10.50"), name)
    finally:
        postgres_server.admin_execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)} WITH (FORCE)")


def test_jdbc_url_names_the_server_and_database(postgres_server: PostgresServer) -> None:
    """What a Java client is handed: the same host and port psycopg uses, and the database as the path."""
    jdbc = postgres_server.jdbc_url("orders")
    assert jdbc.startswith("jdbc:postgresql://")
    parsed = urlparse(jdbc.removeprefix("jdbc:"))
    assert (parsed.hostname, parsed.port, parsed.path) == (
        postgres_server.host,
        postgres_server.port,
        "/orders",
    )
