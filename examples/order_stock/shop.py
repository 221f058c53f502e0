"""What the demo services share: database URLs, schema and seed rows, JSON over HTTP with the XID propagated.

Each service owns one database. ``sqlite:///path/stock.db`` needs no server; ``mysql://user:pw@host:port/db``
points at MySQL/MariaDB, ``postgresql://user:pw@host:port/db`` at PostgreSQL (through psycopg 3). Money is
kept in integer cents so every database stores it exactly.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import seata_py
from seata_py.integrations.xid import inject_xid

SCHEMA: dict[str, list[str]] = {
    "stock": [
        "CREATE TABLE stock (sku VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, "
        "count INT NOT NULL)",
    ],
    "order": [
        "CREATE TABLE orders (order_no VARCHAR(40) NOT NULL PRIMARY KEY, user_id VARCHAR(32) NOT NULL, "
        "sku VARCHAR(32) NOT NULL, count INT NOT NULL, amount_cents INT NOT NULL)",
    ],
    "account": [
        "CREATE TABLE account (user_id VARCHAR(32) NOT NULL PRIMARY KEY, balance_cents INT NOT NULL)",
    ],
}
SEED: dict[str, list[tuple[str, tuple[Any, ...]]]] = {
    "stock": [
        ("INSERT INTO stock (sku, name, count) VALUES (%s, %s, %s)", ("A", "apple", 10)),
        ("INSERT INTO stock (sku, name, count) VALUES (%s, %s, %s)", ("B", "banana", 5)),
    ],
    "order": [],
    "account": [
        ("INSERT INTO account (user_id, balance_cents) VALUES (%s, %s)", ("alice", 10000)),
        ("INSERT INTO account (user_id, balance_cents) VALUES (%s, %s)", ("bob", 500)),
    ],
}
PRICES_CENTS = {"A": 300, "B": 1250}
POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Database:
    """A database URL: ``sqlite:///abs/path.db``, ``mysql://user:password@host:port/name`` or
    ``postgresql://user:password@host:port/name`` (a libpq URI: psycopg is given it as it is)."""

    url: str

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def kind(self) -> str:
        """``sqlite``, ``mysql`` or ``postgresql`` (``postgres://`` is libpq's other spelling)."""
        scheme = self.scheme
        if scheme == "sqlite":
            return "sqlite"
        if scheme in POSTGRES_SCHEMES:
            return "postgresql"
        if scheme == "mysql":
            return "mysql"
        raise ValueError(f"unsupported database URL {self.url!r}: use sqlite://, mysql:// or postgresql://")

    @property
    def name(self) -> str:
        """The database name in the URL's path (the file path for SQLite)."""
        return unquote(urlsplit(self.url).path.lstrip("/"))

    def with_database(self, name: str) -> Database:
        """The same server (credentials and query options kept) with another database."""
        parts = urlsplit(self.url)
        return Database(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment)))

    def mysql_kwargs(self) -> dict[str, Any]:
        parts = urlsplit(self.url)
        return {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 3306,
            "user": unquote(parts.username or "root"),
            "password": unquote(parts.password or ""),
            "database": parts.path.lstrip("/"),
        }

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.url).path)

    def sql(self, statement: str) -> str:
        """Statements are written with ``%s``; sqlite3 wants ``?``."""
        return statement.replace("%s", "?") if self.kind == "sqlite" else statement

    def connect_at(self) -> Any:
        """A connection whose writes inside a global transaction become AT branches."""
        if self.kind == "sqlite":
            return seata_py.connect_sqlite(self.path)
        if self.kind == "postgresql":
            return seata_py.connect_postgresql(self.url)
        return seata_py.connect(**self.mysql_kwargs())

    def connect_plain(self) -> Any:
        """A connection seata-py does not touch: for setup and for looking at the data."""
        if self.kind == "sqlite":
            import sqlite3

            return sqlite3.connect(self.path)
        if self.kind == "postgresql":
            import psycopg

            return psycopg.connect(self.url)
        import pymysql

        return pymysql.connect(**self.mysql_kwargs())

    def undo_log_ddl(self) -> str:
        from seata_py.databases import undo_log_ddl

        return undo_log_ddl(self.kind)

    def create(self, service: str) -> None:
        """Drop and create the service's tables (undo_log included) and insert the seed rows."""
        conn = self.connect_plain()
        try:
            cur = conn.cursor()
            for table in [*_tables(service), "undo_log"]:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            for ddl in [*SCHEMA[service], self.undo_log_ddl()]:
                if self.kind == "sqlite":
                    conn.executescript(ddl)  # the undo_log DDL is a table and its indexes
                else:  # PostgreSQL's undo_log DDL is two statements: psycopg runs them without parameters
                    cur.execute(ddl)
            for statement, args in SEED[service]:
                cur.execute(self.sql(statement), args)
            conn.commit()
        finally:
            conn.close()

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        conn = self.connect_plain()
        try:
            cur = conn.cursor()
            cur.execute(query)
            result = [tuple(row) for row in cur.fetchall()]
            conn.commit()
            return result
        finally:
            conn.close()


def _tables(service: str) -> list[str]:
    return [ddl.split()[2] for ddl in SCHEMA[service]]


class ServiceError(Exception):
    """A service answered with an error status; ``status`` and ``message`` come from its JSON body."""

    def __init__(self, url: str, status: int, message: str) -> None:
        super().__init__(f"{url} answered {status}: {message}")
        self.status = status
        self.message = message


def call(url: str, payload: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """POST JSON and return the JSON answer; the bound XID travels in the ``TX_XID`` header."""
    headers = {"Content-Type": "application/json"}
    inject_xid(headers)
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            message = json.loads(body).get("error", body.decode(errors="replace"))
        except ValueError:
            message = body.decode(errors="replace")
        raise ServiceError(url, exc.code, message) from None
