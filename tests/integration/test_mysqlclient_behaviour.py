"""What is mysqlclient's own, against real MariaDB and the real Seata server: values its conversions would
change (zero dates, TIME beyond a day under Django's conversions), the transaction state it does not expose,
unbuffered cursors, wrapping an open connection, and phase 2 reaching the database through pymysql."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
from MySQLdb.constants import FIELD_TYPE
from MySQLdb.converters import conversions

import seata_py
from seata_py.exceptions import (
    ConfigError,
    LockConflictError,
    SeataError,
    UnsupportedSQLError,
    UnsupportedUndoValueError,
)
from tests.infra.mariadb import MySQLServer
from tests.integration.conftest import eventually
from tests.integration.mysqlclient_support import MySQLdb

pytestmark = pytest.mark.integration

DDL = (
    "CREATE TABLE odd (id INT PRIMARY KEY, d DATE NOT NULL, dt DATETIME NOT NULL, t TIME NOT NULL,"
    " j JSON, v INT NOT NULL)",
    "CREATE TABLE acct (id INT PRIMARY KEY, balance INT NOT NULL)",
)


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def db(mysql_server: MySQLServer, real_seata_server: Any) -> Iterator[dict[str, Any]]:
    name = mysql_server.create_database("it_mysqlclient_behaviour")
    admin = pymysql.connect(**mysql_server.connect_kwargs(name), autocommit=True)
    with admin.cursor() as cur:
        cur.execute(seata_py.databases.undo_log_ddl("mysql"))
        for ddl in DDL:
            cur.execute(ddl)
    seata_py.init(application_id="it-mysqlclient", grouplist=real_seata_server.address, time_zone="UTC")
    try:
        yield {"server": mysql_server, "name": name, "admin": admin}
    finally:
        seata_py.shutdown()
        admin.close()


@pytest.fixture
def seeded(db: dict[str, Any]) -> dict[str, Any]:
    with db["admin"].cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")  # zero dates allowed, as on servers many teams still run
        for table in ("odd", "acct", "undo_log"):
            cur.execute(f"DELETE FROM {table}")
        cur.execute(
            "INSERT INTO odd VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '100:00:00', '{\"a\": [1]}', 1),"
            " (2, '2024-02-29', '2024-02-29 23:59:59', '-838:59:59', NULL, 2)"
        )
        cur.execute("INSERT INTO acct VALUES (1, 100), (2, 100)")
    return db


def rows(db: dict[str, Any], table: str) -> list[tuple[Any, ...]]:
    with db["admin"].cursor() as cur:
        cur.execute(f"SELECT * FROM {table} ORDER BY id")
        return list(cur.fetchall())


def undo_count(db: dict[str, Any]) -> int:
    with db["admin"].cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM undo_log")
        return int(cur.fetchone()[0])


def mysqlclient_kwargs(db: dict[str, Any], **extra: Any) -> dict[str, Any]:
    kwargs = db["server"].connect_kwargs(db["name"])
    kwargs["init_command"] = "SET time_zone='+00:00', sql_mode=''"
    return {**kwargs, **extra}


def django_connection(db: dict[str, Any]) -> Any:
    from django.db.backends.utils import typecast_time

    return seata_py.connect_mysqlclient(
        **mysqlclient_kwargs(db, conv={**conversions, FIELD_TYPE.TIME: typecast_time})
    )


def test_times_beyond_a_day_survive_a_rollback_under_djangos_conversions(seeded: dict[str, Any]) -> None:
    before = rows(seeded, "odd")
    conn = django_connection(seeded)  # Django's TIME conversion cannot even read '-838:59:59'
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-times"):
            cur = conn.cursor()
            cur.execute("UPDATE odd SET v = v + 10, t = '01:00:00', j = '[]' WHERE id = %s", (2,))
            conn.commit()
            assert rows(seeded, "odd") != before
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "odd") == before
    assert undo_count(seeded) == 0


@pytest.mark.parametrize("django", [False, True], ids=["default-conversions", "django-conversions"])
def test_a_zero_date_is_refused_by_name_not_written_back_as_null(
    seeded: dict[str, Any], django: bool
) -> None:
    # mysqlclient's conversions read '0000-00-00' as None: an image taken with them would restore NULL
    before = rows(seeded, "odd")
    conn = django_connection(seeded) if django else seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-zero-date"):
            with pytest.raises(UnsupportedUndoValueError, match=r"column 'd'.*0000-00-00"):
                conn.cursor().execute("UPDATE odd SET v = 0, d = '2000-01-01' WHERE id = 1")
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "odd") == before


def test_begin_statement_under_autocommit_keeps_one_local_transaction(seeded: dict[str, Any]) -> None:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    conn.autocommit(True)
    try:
        cur = conn.cursor()
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-begin"):
            cur.execute("BEGIN")
            cur.execute("UPDATE acct SET balance = balance - 10 WHERE id = 1")
            cur.execute("UPDATE acct SET balance = balance + 10 WHERE id = 2")
            # not committed statement by statement: the explicit transaction is still open
            assert rows(seeded, "acct") == [(1, 100), (2, 100)]
            conn.commit()
            assert rows(seeded, "acct") == [(1, 90), (2, 110)]
            raise Boom
        assert rows(seeded, "acct") == [(1, 100), (2, 100)]
        # after COMMIT the connection is back to autocommit: each statement is its own branch again
        with seata_py.global_transaction(name="mysqlclient-after"):
            cur.execute("UPDATE acct SET balance = balance + 1 WHERE id = 1")
            assert rows(seeded, "acct")[0] == (1, 101)
    finally:
        conn.close()
    assert eventually(lambda: undo_count(seeded) == 0, timeout=5)


def test_begin_method_and_rollback_statement(seeded: dict[str, Any]) -> None:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    conn.autocommit(True)
    try:
        cur = conn.cursor()
        cur.execute("START TRANSACTION")
        cur.execute("ROLLBACK")
        conn.begin()
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-begin-method"):
            cur.execute("UPDATE acct SET balance = 0 WHERE id = 1")
            assert rows(seeded, "acct")[0] == (1, 100)
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]


def test_insert_returning_through_an_unbuffered_cursor_is_refused_before_it_runs(
    seeded: dict[str, Any],
) -> None:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-sscursor"):
            cur = conn.cursor(MySQLdb.cursors.SSCursor)
            with pytest.raises(UnsupportedSQLError, match="unbuffered"):
                cur.execute("INSERT INTO acct VALUES (3, 5) RETURNING id")
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]


def test_executemany_inside_a_global_transaction_rolls_back_every_row(seeded: dict[str, Any]) -> None:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-many"):
            cur = conn.cursor()
            cur.executemany("INSERT INTO acct (id, balance) VALUES (%s, %s)", [(3, 1), (4, 2), (5, 3)])
            cur.executemany("UPDATE acct SET balance = %(b)s WHERE id = %(id)s", [{"b": 7, "id": 1}])
            conn.commit()
            assert len(rows(seeded, "acct")) == 5
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]


def test_select_for_update_waits_for_the_global_lock(seeded: dict[str, Any]) -> None:
    holder = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    waiter = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    seen: list[Any] = []

    def wait_in_another_transaction() -> None:
        try:
            with seata_py.global_transaction(
                name="mysqlclient-waiter", lock_retry_interval_ms=10, lock_retry_times=3
            ):
                waiter.cursor().execute("SELECT balance FROM acct WHERE id = 1 FOR UPDATE")
        except LockConflictError as exc:
            seen.append(exc)
            waiter.rollback()  # the local row locks the check took go with the local transaction

    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-holder"):
            holder.cursor().execute("UPDATE acct SET balance = 1 WHERE id = 1")
            holder.commit()  # branch registered: the TC holds the row lock until this transaction ends
            thread = threading.Thread(target=wait_in_another_transaction)
            thread.start()
            thread.join(30)
            assert seen and isinstance(seen[0], LockConflictError), "the lock was not waited for"
            raise Boom
        with seata_py.global_transaction(name="mysqlclient-after-lock"):
            cur = waiter.cursor()
            cur.execute("SELECT balance FROM acct WHERE id = 1 FOR UPDATE")
            assert cur.fetchall() == ((100,),)
            waiter.commit()
    finally:
        holder.close()
        waiter.close()


def test_wrap_without_the_password_says_how_to_give_it(seeded: dict[str, Any]) -> None:
    raw = MySQLdb.connect(**mysqlclient_kwargs(seeded))
    try:
        with pytest.raises(ConfigError, match="connect_kwargs"):
            seata_py.databases.mysql.mysqlclient.wrap(
                raw, rm=seata_py.runtime.runtime().rm, resource_id="jdbc:mysql://nowhere-known:1/x"
            )
    finally:
        raw.close()


def test_wrapped_connection_rolls_back_through_pymysql(seeded: dict[str, Any]) -> None:
    raw = MySQLdb.connect(**mysqlclient_kwargs(seeded))
    conn = seata_py.wrap_mysqlclient(raw, connect_kwargs={"password": seeded["server"].password})
    assert seata_py.wrap(conn) is conn
    assert conn.target is raw
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-wrapped"):
            cur = conn.cursor(cursorclass=MySQLdb.cursors.DictCursor)
            cur.execute("UPDATE acct SET balance = %s WHERE id = %s", (5, 2))
            cur.execute("SELECT balance FROM acct WHERE id = 2")
            assert cur.fetchall() == ({"balance": 5},)
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]
    assert (
        conn.resource_id == f"jdbc:mysql://{seeded['server'].host}:{seeded['server'].port}/{seeded['name']}"
    )


def test_a_statement_the_server_refuses_after_earlier_work_stops_the_commit(seeded: dict[str, Any]) -> None:
    conn = seata_py.connect_mysqlclient(**mysqlclient_kwargs(seeded))
    try:
        with (
            pytest.raises(SeataError, match="rolled back instead of committed"),
            seata_py.global_transaction(name="mysqlclient-refused"),
        ):
            cur = conn.cursor()
            cur.execute("UPDATE acct SET balance = 3 WHERE id = 1")
            with pytest.raises(MySQLdb.IntegrityError):
                cur.execute("INSERT INTO acct VALUES (2, 1)")  # a mysqlclient error, seen as the driver's
            conn.commit()
    finally:
        conn.close()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]


def test_sqlalchemy_mysqldb_engine_rolls_back(seeded: dict[str, Any]) -> None:
    import sqlalchemy

    from seata_py.integrations.sqlalchemy import create_engine

    server = seeded["server"]
    url = (
        f"mysql+mysqldb://{server.user}:{server.password}@{server.host}:{server.port}/{seeded['name']}"
        "?charset=utf8mb4"
    )
    engine = create_engine(url)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="mysqlclient-sqlalchemy"):
            with engine.begin() as conn:
                conn.execute(sqlalchemy.text("UPDATE acct SET balance = 0 WHERE id = :id"), {"id": 2})
            assert rows(seeded, "acct") == [(1, 100), (2, 0)]
            raise Boom
    finally:
        engine.dispose()
    assert rows(seeded, "acct") == [(1, 100), (2, 100)]
