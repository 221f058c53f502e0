"""The AT corpus through mysqlclient (``MySQLdb``) against real MariaDB and the real Seata server: the cases
of test_at_corpus.py with the same assertions, the twin database written through mysqlclient too.

Every case runs with mysqlclient's default conversions and with Django's (TIME read as ``datetime.time``):
the images must not depend on what the caller's connection converts values into.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from MySQLdb.constants import FIELD_TYPE
from MySQLdb.converters import conversions

import seata_py
from tests.infra.mariadb import MySQLServer
from tests.integration.at_schema import create_schema, reseed, snapshot, undo_rows
from tests.integration.conftest import eventually
from tests.integration.mysqlclient_support import MySQLdb
from tests.integration.test_at_corpus import CASES, Boom, Case, Step

pytestmark = pytest.mark.integration


def _django_conversions() -> dict[Any, Any]:
    """What Django's MySQL backend opens its connections with: TIME through Django's own typecast."""
    from django.db.backends.utils import typecast_time

    return {**conversions, FIELD_TYPE.TIME: typecast_time}


CONVERSIONS = {"default": None, "django": _django_conversions()}


@pytest.fixture(scope="module")
def databases(mysql_server: MySQLServer, real_seata_server: Any) -> Iterator[dict[str, Any]]:
    at_db = mysql_server.create_database("it_mysqlclient_corpus")
    plain_db = mysql_server.create_database("it_mysqlclient_plain")
    admin = {name: pymysql.connect(**mysql_server.connect_kwargs(name)) for name in (at_db, plain_db)}
    for conn in admin.values():
        create_schema(conn)
    seata_py.init(
        application_id="it-mysqlclient-corpus", grouplist=real_seata_server.address, time_zone="UTC"
    )
    try:
        yield {"server": mysql_server, "at": at_db, "plain": plain_db, "admin": admin}
    finally:
        seata_py.shutdown()
        for conn in admin.values():
            conn.close()


def mysqlclient_kwargs(server: MySQLServer, database: str, conv: str = "default") -> dict[str, Any]:
    kwargs = server.connect_kwargs(database)
    kwargs["init_command"] = "SET time_zone='+00:00'"
    if CONVERSIONS[conv] is not None:
        kwargs["conv"] = CONVERSIONS[conv]
    return kwargs


def run_steps(conn: Any, steps: tuple[Step, ...]) -> None:
    cur = conn.cursor()
    for step in steps:
        if step.many:
            cur.executemany(step.sql, step.args)
        else:
            cur.execute(step.sql, step.args)
        while cur.nextset():
            pass
    cur.close()


def run_plain_mysqlclient(databases: dict[str, Any], c: Case) -> None:
    """The twin database gets the case's statements without seata-py, through mysqlclient."""
    plain = MySQLdb.connect(**mysqlclient_kwargs(databases["server"], databases["plain"]))
    try:
        plain.autocommit(c.autocommit)
        run_steps(plain, c.steps)
        plain.commit()
    finally:
        plain.close()


def at_connection(databases: dict[str, Any], conv: str, autocommit: bool) -> Any:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(databases["server"], databases["at"], conv))
    conn.autocommit(autocommit)
    return conn


@pytest.mark.parametrize("conv", CONVERSIONS)
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rollback_restores_snapshot(databases: dict[str, Any], c: Case, conv: str) -> None:
    admin = databases["admin"][databases["at"]]
    reseed(admin)
    before = snapshot(admin)
    conn = at_connection(databases, conv, c.autocommit)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name=f"mysqlclient-{c.id}") as tx:
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
            if c.changes:
                assert snapshot(admin) != before, "the case changed nothing: it cannot show a rollback"
            assert tx.xid
            raise Boom
    finally:
        conn.close()
    assert snapshot(admin) == before
    assert undo_rows(admin) == 0


@pytest.mark.parametrize("conv", CONVERSIONS)
@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_commit_keeps_changes_and_cleans_undo_log(databases: dict[str, Any], c: Case, conv: str) -> None:
    at_admin = databases["admin"][databases["at"]]
    plain_admin = databases["admin"][databases["plain"]]
    reseed(at_admin)
    reseed(plain_admin)
    run_plain_mysqlclient(databases, c)
    conn = at_connection(databases, conv, c.autocommit)
    try:
        with seata_py.global_transaction(name=f"mysqlclient-{c.id}"):
            run_steps(conn, c.steps)
            if not c.autocommit:
                conn.commit()
    finally:
        conn.close()
    assert snapshot(at_admin, skip_columns=("updated_at",)) == snapshot(
        plain_admin, skip_columns=("updated_at",)
    )
    assert eventually(lambda: undo_rows(at_admin) == 0, timeout=5), "undo_log not cleaned within 5 s"
