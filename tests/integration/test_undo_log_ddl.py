"""The shipped undo_log DDL creates the table Java Seata expects, on the real database."""

from __future__ import annotations

import pymysql
import pytest

from seata_py.databases import undo_log_ddl
from tests.infra.mariadb import MySQLServer

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
