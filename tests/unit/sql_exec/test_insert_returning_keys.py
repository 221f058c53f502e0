"""Generated keys of a MySQL/MariaDB ``INSERT ... RETURNING``: the driver reports no lastrowid for a statement
that returns rows, so the executor asks the session's LAST_INSERT_ID(), and only when that value is the
statement's own."""

from __future__ import annotations

from typing import Any

import pytest

from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.sql.exec import Environment, UserResult, executor_for
from seata_py.sql.exec.base import ImageError, Outcome
from tests.unit.sql_exec.test_sql_per_dialect import RecordingCursor, table

MYSQL = MySQLDialect()
LAST_INSERT_ID = "SELECT LAST_INSERT_ID()"


def insert(
    sql: str, user: UserResult, results: list[Any], step: int = 1
) -> tuple[Outcome, list[tuple[str, list[Any]]]]:
    (statement,) = parse_sql(sql, "sequence")
    executor = executor_for(statement)
    assert executor is not None
    cursor = RecordingCursor(results)
    env = Environment(
        image_cursor=cursor,
        dialect=MYSQL,
        table_meta=lambda ref: table(MYSQL),
        auto_increment_increment=lambda: step,
        last_insert_id=lambda: MYSQL.last_insert_id(cursor),
    )
    outcome = executor(env, statement, (), lambda returning=(): user)
    return outcome, cursor.executed


def rows(*ids: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    return ["code", "id", "qty"], [(f"c{i}", i, 1) for i in ids]


def test_one_row_takes_its_key_from_last_insert_id() -> None:
    outcome, executed = insert(
        "INSERT INTO t (code, qty) VALUES ('a', 1) RETURNING id",
        UserResult(1, None),
        [(["LAST_INSERT_ID()"], [(41,)]), rows(41)],
    )
    assert executed == [
        (LAST_INSERT_ID, []),
        ("SELECT `code`, `id`, `qty` FROM `t` WHERE `id` IN (%s)", [41]),
    ]
    assert outcome.lock_keys == ["t:41"]


def test_several_rows_number_on_from_it_by_auto_increment_increment() -> None:
    outcome, executed = insert(
        "INSERT INTO t (code, qty) VALUES ('a', 1), ('b', 1), ('c', 1) RETURNING id, code",
        UserResult(3, None),
        [(["LAST_INSERT_ID()"], [(41,)]), rows(41, 43, 45)],
        step=2,
    )
    assert executed[1][1] == [41, 43, 45]
    assert outcome.lock_keys == ["t:41,43,45"]


def test_a_driver_lastrowid_is_used_as_it_is() -> None:
    outcome, executed = insert(
        "INSERT INTO t (code, qty) VALUES ('a', 1) RETURNING id", UserResult(1, 7), [rows(7)]
    )
    assert LAST_INSERT_ID not in [sql for sql, _ in executed]
    assert outcome.lock_keys == ["t:7"]


def test_explicit_keys_need_no_generated_id() -> None:
    outcome, executed = insert(
        "INSERT INTO t (id, code, qty) VALUES (5, 'a', 1) RETURNING id", UserResult(1, None), [rows(5)]
    )
    assert LAST_INSERT_ID not in [sql for sql, _ in executed]
    assert outcome.lock_keys == ["t:5"]


def test_fewer_returned_rows_than_inserted_is_refused_before_asking() -> None:
    """LAST_INSERT_ID() would still hold an earlier statement's id if this one generated none."""
    with pytest.raises(ImageError, match="returned 1 rows for 2"):
        insert("INSERT INTO t (code, qty) VALUES ('a', 1), ('b', 1) RETURNING id", UserResult(1, None), [])


def test_without_returning_a_missing_lastrowid_is_not_guessed_from_the_session() -> None:
    with pytest.raises(ImageError, match="no generated id"):
        insert(
            "INSERT INTO t (code, qty) VALUES ('a', 1)", UserResult(1, 0), [(["LAST_INSERT_ID()"], [(9,)])]
        )
