"""AT mode on PostgreSQL beyond the corpus: rejections, psycopg's transaction API, generated keys, locks,
names (schemas, case, search_path), session time zones and what the undo log says, against every TC kind."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

import seata_py
from seata_py.databases.postgresql.psycopg import ATConnection
from seata_py.undo.codec import decode_undo_row
from tests.infra.postgres import PostgresServer
from tests.integration.postgres_schema import TYPES_COLUMNS, admin, create_schema, reseed, snapshot, undo_rows

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def db(postgres_server: PostgresServer, seata_tc: Any) -> Iterator[str]:
    name = postgres_server.create_database("it_pg_behaviour")
    create_schema(postgres_server, name)
    seata_py.init(
        application_id="it-pg-behaviour",
        grouplist=seata_tc.address,
        lock_retry={"interval_ms": 20, "times": 10},
    )
    try:
        yield name
    finally:
        seata_py.shutdown()


@pytest.fixture(autouse=True)
def fresh(postgres_server: PostgresServer, db: str) -> None:
    reseed(postgres_server, db)


def connect(server: PostgresServer, db: str, **kwargs: Any) -> ATConnection:
    return seata_py.connect_postgresql(**server.connect_kwargs(db), **kwargs)


def undo_logs(server: PostgresServer, db: str) -> list[dict[str, Any]]:
    """Every undo row's context and decoded JSON document."""
    with admin(server, db) as conn:
        rows = conn.execute("SELECT context, rollback_info FROM undo_log ORDER BY branch_id").fetchall()
    out = []
    for context, info in rows:
        decode_undo_row(context, bytes(info))  # seata-py reads it back
        out.append({"context": context, "doc": json.loads(bytes(info))})
    return out


def items_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["sqlUndoLogs"][1])


def value(server: PostgresServer, db: str, query: str) -> Any:
    with admin(server, db) as conn:
        row = conn.execute(query).fetchone()
        return None if row is None else row[0]


# -- rejections ---------------------------------------------------------------------------------------------

UNSUPPORTED = [
    ("UPDATE t_stock SET count = o.qty FROM t_order o WHERE o.sku = t_stock.sku", "UPDATE ... FROM"),
    ("DELETE FROM t_stock USING t_order o WHERE o.sku = t_stock.sku", "DELETE ... USING"),
    ("WITH gone AS (DELETE FROM t_stock RETURNING *) SELECT count(*) FROM gone", "data-modifying WITH"),
    ("WITH s AS (SELECT 1) UPDATE t_stock SET count = 0", "WITH"),
    ("MERGE INTO t_stock s USING t_order o ON s.sku = o.sku WHEN MATCHED THEN DELETE", "MERGE"),
    ("COPY t_stock FROM STDIN", "COPY"),
    ("TRUNCATE t_stock", "TRUNCATE"),
    ("DO $$ BEGIN DELETE FROM t_stock; END $$", "DO block"),
    ("CALL some_procedure()", "CALL"),
    ("UPDATE ONLY t_stock SET count = 0", "ONLY"),
    ("INSERT INTO t_stock SELECT 'Q', 'q', 1", "INSERT ... SELECT"),
    (
        "INSERT INTO t_stock VALUES ('A', 'a', 1) ON CONFLICT ON CONSTRAINT t_stock_pkey DO NOTHING",
        "CONSTRAINT",
    ),
    ("UPDATE t_nopk SET a = 5", "primary key"),
    ("DELETE FROM t_nopk", "primary key"),
    ("UPDATE t_stock SET sku = 'Z' WHERE sku = 'A'", "primary key"),
    ("UPDATE t_types SET c_int_array[2] = 20 WHERE id = 1", "assignment"),
    ("UPDATE t_stock SET count = 0 WHERE sku IN (SELECT sku FROM t_order)", "subquery"),
    ("INSERT INTO t_account (user_id, balance) VALUES ('x', 1) RETURNING user_id", "generated key id"),
    ("UPDATE t_stock SET name = '%s' WHERE sku = %s", "placeholder inside a quoted string"),
]


@pytest.mark.parametrize(("statement", "named"), UNSUPPORTED, ids=[u[0][:40] for u in UNSUPPORTED])
def test_unsupported_sql_is_rejected_before_it_runs_and_the_transaction_stays_usable(
    postgres_server: PostgresServer, db: str, statement: str, named: str
) -> None:
    before = snapshot(postgres_server, db)
    conn = connect(postgres_server, db)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-unsupported"):
            cur = conn.cursor()
            cur.execute("UPDATE t_account SET points = 42 WHERE id = 1")
            with pytest.raises(seata_py.UnsupportedSQLError) as err:
                cur.execute(statement, ("A",) if "%s" in statement else None)
            assert named.lower() in str(err.value).lower()
            cur.execute("UPDATE t_account SET points = 43 WHERE id = 2")  # PostgreSQL saw no error
            conn.commit()
            assert value(postgres_server, db, "SELECT points FROM t_account WHERE id = 2") == 43
            raise Boom
    finally:
        conn.close()
    assert snapshot(postgres_server, db) == before
    assert undo_rows(postgres_server, db) == 0


def test_copy_pipeline_and_named_cursor_writes_are_refused_inside_a_global_transaction(
    postgres_server: PostgresServer, db: str
) -> None:
    conn = connect(postgres_server, db)
    try:
        with seata_py.global_transaction(name="pg-refused-apis"):
            with pytest.raises(seata_py.UnsupportedSQLError, match="COPY"):
                conn.cursor().copy("COPY t_stock FROM STDIN")
            with pytest.raises(seata_py.UnsupportedSQLError, match="pipeline"):
                conn.pipeline()
            with pytest.raises(seata_py.UnsupportedSQLError, match="server-side"):
                conn.cursor("named").execute("UPDATE t_stock SET count = 0")
            with pytest.raises(seata_py.UnsupportedSQLError, match="returning=True"):
                conn.cursor().executemany("DELETE FROM t_stock WHERE sku = %s", [("A",)], returning=True)
            conn.rollback()
    finally:
        conn.close()
    # outside a global transaction they are psycopg's own
    conn = connect(postgres_server, db)
    try:
        with conn.cursor().copy("COPY t_stock TO STDOUT") as copy:
            assert b"apple" in b"".join(bytes(chunk) for chunk in copy)
    finally:
        conn.close()


# -- psycopg's transaction API ------------------------------------------------------------------------------


def test_transaction_blocks_commit_through_the_branch_and_a_rolled_back_savepoint_leaves_no_images(
    postgres_server: PostgresServer, db: str
) -> None:
    before = snapshot(postgres_server, db)
    conn = connect(postgres_server, db, autocommit=True)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-blocks"):
            with conn.transaction():
                conn.execute("UPDATE t_account SET points = 100 WHERE id = 1")
                with pytest.raises(ZeroDivisionError), conn.transaction():
                    conn.execute("DELETE FROM t_stock WHERE sku = 'A'")
                    raise ZeroDivisionError
                with conn.transaction() as inner:
                    conn.execute("DELETE FROM t_stock WHERE sku = 'B'")
                    raise psycopg.Rollback(inner)  # psycopg's own way to leave a block rolled back
                with conn.transaction(savepoint_name="keep"):
                    conn.execute("UPDATE t_stock SET count = 99 WHERE sku = 'C'")
            # the outer block committed: one branch, with exactly the statements that stayed
            logs = undo_logs(postgres_server, db)
            assert len(logs) == 1
            tables = [(i["sqlType"], i["tableName"]) for i in items_of(logs[0]["doc"])]
            assert tables == [("UPDATE", "t_account"), ("UPDATE", "t_stock")]
            assert value(postgres_server, db, "SELECT count(*) FROM t_stock") == 3
            raise Boom
    finally:
        conn.close()
    assert snapshot(postgres_server, db) == before
    assert undo_rows(postgres_server, db) == 0


def test_commit_inside_a_transaction_block_is_refused_as_psycopg_does(
    postgres_server: PostgresServer, db: str
) -> None:
    conn = connect(postgres_server, db)
    try:
        with seata_py.global_transaction(name="pg-block-commit"), conn.transaction():
            conn.execute("UPDATE t_account SET points = 5 WHERE id = 1")
            with pytest.raises(psycopg.ProgrammingError, match="commit"):
                conn.commit()
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT points FROM t_account WHERE id = 1") == 5


def test_autocommit_statements_are_branches_of_their_own(postgres_server: PostgresServer, db: str) -> None:
    conn = connect(postgres_server, db, autocommit=True)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-autocommit"):
            conn.execute("UPDATE t_account SET points = 7 WHERE id = 1")
            conn.execute("UPDATE t_account SET points = 8 WHERE id = 2")
            assert undo_rows(postgres_server, db) == 2  # committed one by one, each its own branch
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            raise Boom
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT points FROM t_account WHERE id = 1") == 1


def test_autocommit_cannot_be_switched_on_over_pending_branch_work(
    postgres_server: PostgresServer, db: str
) -> None:
    conn = connect(postgres_server, db)
    try:
        with seata_py.global_transaction(name="pg-switch"):
            conn.execute("UPDATE t_account SET points = 9 WHERE id = 1")
            with pytest.raises(seata_py.UnsupportedSQLError, match="autocommit"):
                conn.autocommit = True
            conn.commit()
    finally:
        conn.close()


def test_with_connection_commits_and_closes(postgres_server: PostgresServer, db: str) -> None:
    with seata_py.global_transaction(name="pg-with"):
        with connect(postgres_server, db) as conn:
            conn.execute("UPDATE t_account SET points = 77 WHERE id = 3")
        assert conn.closed
    assert value(postgres_server, db, "SELECT points FROM t_account WHERE id = 3") == 77


# -- generated keys and RETURNING ---------------------------------------------------------------------------


def test_the_callers_returning_rows_stay_the_callers_whatever_the_row_factory(
    postgres_server: PostgresServer, db: str
) -> None:
    conn = connect(postgres_server, db, row_factory=dict_row)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-returning"):
            cur = conn.execute(
                "INSERT INTO t_account (user_id, balance) VALUES (%s, 1), (%s, 2) RETURNING id, user_id",
                ("r1", "r2"),
            )
            assert [d.name for d in cur.description] == ["id", "user_id"]
            assert cur.fetchall() == [{"id": 4, "user_id": "r1"}, {"id": 5, "user_id": "r2"}]
            assert cur.rowcount == 2
            # seata-py's own RETURNING (the serial key) is not the caller's: no result, as without it
            cur = conn.execute("INSERT INTO t_account (user_id, balance) VALUES ('r3', 3)")
            assert cur.description is None and cur.rowcount == 1
            with pytest.raises(psycopg.ProgrammingError, match="didn't produce a result"):
                cur.fetchone()
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT count(*) FROM t_account") == 3


def test_default_values_and_default_keys_are_undone(postgres_server: PostgresServer, db: str) -> None:
    with admin(postgres_server, db) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS t_defaults (id SERIAL PRIMARY KEY, at TIMESTAMPTZ DEFAULT now())"
        )
        conn.execute("TRUNCATE t_defaults")
    conn = connect(postgres_server, db)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-defaults"):
            conn.execute("INSERT INTO t_defaults DEFAULT VALUES")
            conn.execute("INSERT INTO t_defaults (id) VALUES (DEFAULT), (DEFAULT)")
            conn.commit()
            assert value(postgres_server, db, "SELECT count(*) FROM t_defaults") == 3
            raise Boom
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT count(*) FROM t_defaults") == 0


# -- locks ----------------------------------------------------------------------------------------------


def test_a_row_locked_by_another_global_transaction_is_not_written_or_selected_for_update(
    postgres_server: PostgresServer, db: str
) -> None:
    holder = connect(postgres_server, db)
    other = connect(postgres_server, db)
    released = threading.Event()
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-lock-holder"):
            holder.execute("UPDATE t_stock SET count = 1 WHERE sku = 'A'")
            holder.commit()  # phase one done: the TC holds the row's global lock

            def contender() -> None:
                try:
                    with (
                        pytest.raises(seata_py.LockConflictError),
                        seata_py.global_transaction(name="pg-lock-contender"),
                    ):
                        other.execute("UPDATE t_stock SET count = 2 WHERE sku = 'A'")
                        other.commit()
                    with (
                        pytest.raises(seata_py.LockConflictError),
                        seata_py.global_transaction(name="pg-sfu-contender"),
                    ):
                        other.execute("SELECT * FROM t_stock WHERE sku = %s FOR UPDATE", ("A",))
                finally:
                    released.set()

            thread = threading.Thread(target=contender)
            thread.start()
            assert released.wait(30)
            thread.join()
            raise Boom
    finally:
        holder.close()
    # the holder rolled back: the row is free again
    with seata_py.global_transaction(name="pg-sfu-after"):
        rows = other.execute("SELECT sku, count FROM t_stock WHERE sku = 'A' FOR UPDATE").fetchall()
        other.commit()
    other.close()
    assert rows == [("A", 10)]


def test_lock_keys_resource_id_and_table_names_are_javas(postgres_server: PostgresServer, db: str) -> None:
    conn = connect(postgres_server, db)
    try:
        assert conn.resource_id == f"jdbc:postgresql://{postgres_server.host}:{postgres_server.port}/{db}"
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-names"):
            conn.execute("UPDATE public.t_stock SET count = 0 WHERE sku = 'B'")
            conn.execute("UPDATE inventory.t_item SET qty = 0 WHERE id = 2")
            conn.execute('UPDATE "MixedCase" SET "Val" = NULL WHERE "Id" = 1')
            conn.execute("UPDATE t_order SET qty = 0 WHERE order_id = 1 AND item_id = 2")
            assert conn._context.lock_key() == ";".join(
                ["t_stock:B", "inventory.t_item:2", "MixedCase:1", "t_order:2_1"]
            )
            conn.commit()
            doc = undo_logs(postgres_server, db)[0]
            assert doc["context"] in (
                "serializer=jackson&compressorType=NONE",
                "serializer=jackson&compressorType=NONE&map=",
            )
            items = items_of(doc["doc"])
            assert [i["tableName"] for i in items] == [
                "public.t_stock",
                "inventory.t_item",
                '"MixedCase"',
                "t_order",
            ]
            assert [i["beforeImage"]["tableName"] for i in items] == [
                "t_stock",
                "inventory.t_item",
                "MixedCase",
                "t_order",
            ]
            raise Boom
    finally:
        conn.close()


def test_unqualified_names_follow_the_sessions_search_path(postgres_server: PostgresServer, db: str) -> None:
    before = snapshot(postgres_server, db)
    conn = connect(postgres_server, db, options="-c search_path=inventory,public")
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-search-path"):
            conn.execute("UPDATE t_item SET qty = qty * 10")
            conn.execute("DELETE FROM t_stock WHERE sku = 'C'")  # found in public, the path's second schema
            conn.commit()
            assert value(postgres_server, db, "SELECT sum(qty) FROM inventory.t_item") == 300
            raise Boom
    finally:
        conn.close()
    assert snapshot(postgres_server, db) == before


# -- values -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_every_type_is_restored_exactly_whatever_the_session_time_zone(
    postgres_server: PostgresServer, db: str, zone: str
) -> None:
    before = snapshot(postgres_server, db)
    conn = connect(postgres_server, db, options=f"-c TimeZone={zone}")
    columns = TYPES_COLUMNS.split(", ")
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-zones"):
            conn.execute(
                "UPDATE t_types SET " + ", ".join(f"{c} = NULL" for c in columns) + " WHERE id IN (1, 2)"
            )
            conn.execute("UPDATE t_types SET c_tstz = now(), c_interval = '1 mon', c_text = 'x' WHERE id = 3")
            conn.execute("DELETE FROM t_types WHERE id = 1")
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert snapshot(postgres_server, db) == before


def test_composed_queries_and_wrapped_connections(postgres_server: PostgresServer, db: str) -> None:
    raw = psycopg.connect(**postgres_server.connect_kwargs(db))
    conn = seata_py.wrap(raw)
    assert isinstance(conn, ATConnection) and seata_py.wrap(conn) is conn
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-composed"):
            query = sql.SQL("UPDATE {} SET {} = {} WHERE sku = %s").format(
                sql.Identifier("t_stock"), sql.Identifier("count"), sql.Literal(5)
            )
            conn.execute(query, ("A",))
            conn.commit()
            assert value(postgres_server, db, "SELECT count FROM t_stock WHERE sku = 'A'") == 5
            raise Boom
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT count FROM t_stock WHERE sku = 'A'") == 10


def test_phase_two_finishes_while_the_connection_is_gone(postgres_server: PostgresServer, db: str) -> None:
    conn = connect(postgres_server, db)
    with pytest.raises(Boom), seata_py.global_transaction(name="pg-gone"):
        conn.execute("UPDATE t_account SET balance = 0")
        conn.commit()
        conn.close()  # the rollback runs on the RM's own connection
        raise Boom
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and undo_rows(postgres_server, db):
        time.sleep(0.1)
    assert value(postgres_server, db, "SELECT sum(balance) FROM t_account") == pytest.approx(150.5)


def test_values_psycopg_has_other_classes_or_none_for_are_restored_exactly(
    postgres_server: PostgresServer, db: str
) -> None:
    """inet, ranges, money, infinite timestamps, NaN in an after image: read as text or kept as written."""
    with admin(postgres_server, db) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS t_odd (id INT PRIMARY KEY, c_inet INET, c_range INT4RANGE, "
            "c_money MONEY, c_ts TIMESTAMP, c_date DATE, c_real REAL, c_num NUMERIC, c_mac MACADDR)"
        )
        conn.execute("TRUNCATE t_odd")
        conn.execute(
            "INSERT INTO t_odd VALUES (1, '10.0.0.1/8', '[1,5)', 12.5, 'infinity', '-infinity', 1, 2, "
            "'08:00:2b:01:02:03')"
        )
    before = value(postgres_server, db, "SELECT t::text FROM t_odd t")
    conn = connect(postgres_server, db)
    try:
        with pytest.raises(Boom), seata_py.global_transaction(name="pg-odd"):
            conn.execute("UPDATE t_odd SET c_real = 'NaN', c_num = 'NaN' WHERE id = 1")  # NaN after image
            conn.execute(
                "UPDATE t_odd SET c_inet = '::1', c_range = 'empty', c_money = 0, c_ts = '2020-01-01', "
                "c_date = 'infinity', c_mac = NULL WHERE id = 1"
            )
            conn.execute("DELETE FROM t_odd WHERE id = 1")
            conn.commit()
            raise Boom
    finally:
        conn.close()
    assert value(postgres_server, db, "SELECT t::text FROM t_odd t") == before
    assert undo_rows(postgres_server, db) == 0
