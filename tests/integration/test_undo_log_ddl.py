"""The shipped undo_log DDL creates the table Java Seata expects, on the real database."""

from __future__ import annotations

import psycopg
import pymysql
import pytest

from seata_py.databases import undo_log_ddl
from tests.infra.mariadb import MySQLServer
from tests.infra.postgres import PostgresServer

pytestmark = pytest.mark.integration


def test_ddl_creates_java_compatible_undo_log(mysql_server: MySQLServer) -> None:
    db = mysql_server.create_database("it_ddl")
    conn = pymysql.connect(**mysql_server.connect_kwargs(db), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(undo_log_ddl("mysql"))
            cur.execute(undo_log_ddl("mysql"))  # idempotent
            cur.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'undo_log' ORDER BY ordinal_position",
                (db,),
            )
            columns = [(name.lower(), kind.lower(), nullable) for name, kind, nullable in cur.fetchall()]
            assert columns == [
                ("branch_id", "bigint", "NO"),
                ("xid", "varchar", "NO"),
                ("context", "varchar", "NO"),
                ("rollback_info", "longblob", "NO"),
                ("log_status", "int", "NO"),
                ("log_created", "datetime", "NO"),
                ("log_modified", "datetime", "NO"),
            ]
            cur.execute("INSERT INTO undo_log VALUES (1, 'x:1:1', 'c', '{}', 1, now(6), now(6))")
            with pytest.raises(
                pymysql.err.IntegrityError
            ):  # the defense row relies on (xid, branch_id) unique
                cur.execute("INSERT INTO undo_log VALUES (1, 'x:1:1', 'c', '{}', 0, now(6), now(6))")
    finally:
        conn.close()


def test_postgres_ddl_creates_the_table_javas_statements_use(postgres_server: PostgresServer) -> None:
    db = postgres_server.create_database("it_ddl_pg")
    with psycopg.connect(**postgres_server.connect_kwargs(db), autocommit=True) as conn:
        conn.execute(undo_log_ddl("postgresql"))
        conn.execute(undo_log_ddl("postgresql"))  # idempotent
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'undo_log' ORDER BY ordinal_position"
        ).fetchall()
        assert columns == [
            ("id", "integer", "NO"),
            ("branch_id", "bigint", "NO"),
            ("xid", "character varying", "NO"),
            ("context", "character varying", "NO"),
            ("rollback_info", "bytea", "NO"),
            ("log_status", "integer", "NO"),
            ("log_created", "timestamp without time zone", "NO"),
            ("log_modified", "timestamp without time zone", "NO"),
        ]
        # Java's PostgreSQL RM inserts with the serial's sequence by name (measured statement)
        java_insert = (
            "INSERT INTO undo_log (id,branch_id, xid, context, rollback_info, log_status, log_created, "
            "log_modified)VALUES (nextval('undo_log_id_seq'), %s, %s, %s, %s, %s, now(), now())"
        )
        conn.execute(java_insert, (1, "x:1:1", "c", b"{}", 1))
        with pytest.raises(psycopg.errors.UniqueViolation):  # the defense row relies on (xid, branch_id)
            conn.execute(java_insert, (1, "x:1:1", "c", b"{}", 0))
        # seata-py's own insert, which leaves id to its default, shares the sequence
        conn.execute(
            "INSERT INTO undo_log (branch_id, xid, context, rollback_info, log_status, log_created, "
            "log_modified) VALUES (2, 'x:1:1', 'c', '{}', 0, now(), now())"
        )
        assert conn.execute("SELECT id FROM undo_log ORDER BY id").fetchall() == [(1,), (3,)]


def test_postgres_ddl_of_a_mixed_case_table_is_the_table_seata_py_queries(
    postgres_server: PostgresServer,
) -> None:
    db = postgres_server.create_database("it_ddl_pg_case")
    with psycopg.connect(**postgres_server.connect_kwargs(db), autocommit=True) as conn:
        conn.execute(undo_log_ddl("postgresql", "UndoLog"))
        assert conn.execute('SELECT count(*) FROM "UndoLog"').fetchone() == (0,)
