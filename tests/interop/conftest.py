"""Cross-language fixtures: the real Seata server, MariaDB, and per test a fresh database shared by a Java
agent (the real Seata Java client, both client lines) and a Python agent (a seata-py service process)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from seata_py.databases import undo_log_ddl
from tests.conftest import WORKDIR, _unavailable
from tests.infra import java_client
from tests.infra.common import ServiceUnavailable
from tests.infra.mariadb import MySQLServer
from tests.infra.pipe_agent import PyAgent
from tests.infra.postgres import PostgresServer

pytestmark = pytest.mark.integration

_COUNTER = itertools.count(1)


@pytest.fixture(scope="session", params=sorted(java_client.LINES))
def client_line(request: pytest.FixtureRequest) -> java_client.ClientLine:
    """The Java client line (and JDBC driver) of this test: the two Seata lines with Connector/J 8 unless a
    test parametrizes it (indirectly) over ``java_client.DRIVER_LINES``."""
    line = java_client.DRIVER_LINES[request.param]
    try:
        java_client.compiled(line)  # resolve and compile once, outside any test's timing
    except (ServiceUnavailable, OSError) as exc:
        _unavailable(f"the Java client {line.version}", exc)
    return line


@dataclass
class SharedDatabase:
    """One database both languages write to; ``jdbc_url`` gives Java the resourceId seata-py forms."""

    server: MySQLServer
    name: str

    scheme: str = "mysql"  # the Java driver's JDBC scheme: the resourceId both sides use

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:{self.scheme}://{self.server.host}:{self.server.port}/{self.name}"

    def connect_kwargs(self) -> dict[str, Any]:
        return self.server.connect_kwargs(self.name)

    def agent_kwargs(self) -> dict[str, Any]:
        """seata_py.connect arguments of a Python agent sharing this database with the Java agent."""
        kwargs = self.connect_kwargs()
        if self.scheme != "mysql":
            kwargs["resource_id"] = self.jdbc_url
        return kwargs

    def run(self, *statements: str | tuple[str, Any]) -> list[tuple[Any, ...]]:
        conn = pymysql.connect(**self.connect_kwargs(), autocommit=True)
        rows: list[tuple[Any, ...]] = []
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    sql, args = (statement, None) if isinstance(statement, str) else statement
                    cur.execute(sql, args)
                    rows = list(cur.fetchall())
        finally:
            conn.close()
        return rows

    def snapshot(self, table: str, key: str = "id") -> list[tuple[Any, ...]]:
        return self.run(f"SELECT * FROM `{table}` ORDER BY `{key}`")

    def undo_rows(self, xid: str) -> list[tuple[Any, ...]]:
        return self.run(
            (
                "SELECT branch_id, log_status, rollback_info FROM undo_log WHERE xid = %s ORDER BY branch_id",
                [xid],
            )
        )


@pytest.fixture
def make_db(mysql_server: MySQLServer, client_line: java_client.ClientLine) -> Callable[..., SharedDatabase]:
    def make(*ddl: str) -> SharedDatabase:
        name = f"xl_{os.getpid()}_{next(_COUNTER)}"
        mysql_server.create_database(name)
        db = SharedDatabase(mysql_server, name, client_line.jdbc_scheme)
        db.run(undo_log_ddl("mysql"), *ddl)
        return db

    return make


@pytest.fixture
def agents(
    real_seata_server: Any, client_line: java_client.ClientLine, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``agents("java")`` / ``agents("python")`` start one agent of that language for this test; ``undo``
    gives both languages the same ``client.undo.*`` settings (Java property name → value)."""
    started: list[Any] = []
    workdir = WORKDIR / "interop" / request.node.name.replace("/", "_")[:80]

    def start(language: str, name: str | None = None, undo: dict[str, str] | None = None) -> Any:
        application = name or f"{language}-{len(started) + 1}"
        undo = undo or {}
        agent: Any
        if language == "java":
            properties = {f"client.undo.{k}": v for k, v in undo.items()}
            agent = java_client.JavaAgent(
                client_line, real_seata_server.address, Path(workdir), application, properties=properties
            )
        else:
            settings = {
                "SEATA_PY_UNDO_CLASS_PREFIX": client_line.undo_class_prefix,
                "SEATA_PY_UNDO_JAVA_DRIVER": client_line.driver,
                "SEATA_CLIENT_RM_LOCK_RETRY_INTERVAL": "20",
                "SEATA_CLIENT_RM_LOCK_RETRY_TIMES": "25",
                "SEATA_CLIENT_TM_ROLLBACK_RETRY_COUNT": "1",
                "SEATA_CLIENT_TM_COMMIT_RETRY_COUNT": "1",
                **{
                    "SEATA_CLIENT_UNDO_" + re.sub(r"(?<!^)(?=[A-Z])", "_", k).upper(): v
                    for k, v in undo.items()
                },
            }
            agent = PyAgent(real_seata_server.address, Path(workdir), application, settings)
        started.append(agent)
        try:
            return agent.start()
        except (ServiceUnavailable, OSError) as exc:
            _unavailable(f"the {agent.kind}", exc)

    yield start
    for agent in started:
        agent.stop()


# -- PostgreSQL: the same agents on one PostgreSQL database, the Java side through pgjdbc ------------------


def java_default_zone() -> str:
    """The zone the Java agent's JVM runs in unless a test names one (JavaAgent's ``user.timezone``)."""
    return os.environ.get("TZ") or "UTC"


@pytest.fixture(scope="session", params=sorted(java_client.PG_LINES))
def pg_client_line(request: pytest.FixtureRequest) -> java_client.ClientLine:
    """Both Seata client lines with pgjdbc (``2.0-pg``, ``2.x-pg``)."""
    line = java_client.PG_LINES[request.param]
    try:
        java_client.compiled(line)
    except (ServiceUnavailable, OSError) as exc:
        _unavailable(f"the Java client {line.version} with pgjdbc", exc)
    return line


@dataclass
class PgSharedDatabase:
    """One PostgreSQL database both languages write to; ``jdbc_url`` is the resourceId of both."""

    server: PostgresServer
    name: str

    @property
    def jdbc_url(self) -> str:
        return str(self.server.jdbc_url(self.name))

    def connect_kwargs(self) -> dict[str, Any]:
        return dict(self.server.connect_kwargs(self.name))

    def agent_kwargs(self) -> dict[str, Any]:
        """seata_py.connect_postgresql arguments of a Python agent: no resource_id, seata-py's default must
        be Java's."""
        return self.connect_kwargs()

    def run(self, *statements: str | tuple[str, Any]) -> list[tuple[Any, ...]]:
        """Autocommit statements outside any global transaction; the rows of the last one."""
        import psycopg

        rows: list[tuple[Any, ...]] = []
        with psycopg.connect(**self.connect_kwargs(), autocommit=True) as conn:
            for statement in statements:
                sql, args = (statement, None) if isinstance(statement, str) else statement
                cur = conn.execute(sql, args)
                rows = list(cur.fetchall()) if cur.description else []
        return rows

    def snapshot(self, table: str, key: str = "id") -> list[str]:
        """Every row of ``table`` in PostgreSQL's own text form (``row::text``), in key order."""
        return [r[0] for r in self.run(f"SELECT r::text FROM {table} AS r ORDER BY r.{key}")]

    def undo_rows(self, xid: str) -> list[tuple[Any, ...]]:
        return self.run(
            (
                "SELECT branch_id, log_status, rollback_info FROM undo_log WHERE xid = %s ORDER BY branch_id",
                [xid],
            )
        )


@pytest.fixture
def make_pg_db(
    postgres_server: PostgresServer, pg_client_line: java_client.ClientLine
) -> Callable[..., PgSharedDatabase]:
    """``make_pg_db(*ddl)``: a fresh database with Seata's PostgreSQL undo_log and the tables of ``ddl``."""

    def make(*ddl: str) -> PgSharedDatabase:
        name = f"xlpg_{os.getpid()}_{next(_COUNTER)}"
        postgres_server.create_database(name)
        db = PgSharedDatabase(postgres_server, name)
        db.run(undo_log_ddl("postgresql"), *ddl)
        return db

    return make


@pytest.fixture
def pg_agents(
    real_seata_server: Any, pg_client_line: java_client.ClientLine, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``pg_agents("java")`` / ``pg_agents("python")`` as ``agents`` does, for the PostgreSQL lines; ``zone``
    is the JVM's ``user.timezone`` and seata-py's ``time_zone`` (``SEATA_PY_TIME_ZONE``), one for both."""
    started: list[Any] = []
    workdir = WORKDIR / "interop" / request.node.name.replace("/", "_")[:80]

    def start(
        language: str, name: str | None = None, undo: dict[str, str] | None = None, zone: str | None = None
    ) -> Any:
        application = name or f"{language}-{len(started) + 1}"
        undo = undo or {}
        zone = zone or java_default_zone()
        agent: Any
        if language == "java":
            properties = {"user.timezone": zone, **{f"client.undo.{k}": v for k, v in undo.items()}}
            agent = java_client.JavaAgent(
                pg_client_line, real_seata_server.address, Path(workdir), application, properties=properties
            )
        else:
            settings = {
                "SEATA_PY_UNDO_CLASS_PREFIX": pg_client_line.undo_class_prefix,
                "SEATA_PY_TIME_ZONE": zone,
                "SEATA_CLIENT_RM_LOCK_RETRY_INTERVAL": "20",
                "SEATA_CLIENT_RM_LOCK_RETRY_TIMES": "25",
                "SEATA_CLIENT_TM_ROLLBACK_RETRY_COUNT": "1",
                "SEATA_CLIENT_TM_COMMIT_RETRY_COUNT": "1",
                **{
                    "SEATA_CLIENT_UNDO_" + re.sub(r"(?<!^)(?=[A-Z])", "_", k).upper(): v
                    for k, v in undo.items()
                },
            }
            agent = PyAgent(real_seata_server.address, Path(workdir), application, settings)
        started.append(agent)
        try:
            return agent.start()
        except (ServiceUnavailable, OSError) as exc:
            _unavailable(f"the {agent.kind}", exc)

    yield start
    for agent in started:
        agent.stop()
