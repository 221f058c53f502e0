"""The SQL the executors, the compensator and the undo_log table send, per dialect: quoting, paramstyle,
row locking and value binding come from the dialect, never from the executor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.databases.sqlite.dialect import SQLiteDialect
from seata_py.sql.exec import Environment, UserResult, executor_for
from seata_py.types.dialect import Dialect
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta
from seata_py.undo.compensate import Compensator
from seata_py.undo.log_table import UndoLogTable


class RecordingCursor:
    """Answers each query with the next canned result, recording what ran."""

    def __init__(self, results: Sequence[tuple[list[str], list[tuple[Any, ...]]]] = ()) -> None:
        self.results = list(results)
        self.executed: list[tuple[str, list[Any]]] = []
        self.description: Any = None
        self._rows: list[tuple[Any, ...]] = []
        self.rowcount = 0
        self.lastrowid: int | None = None

    def execute(self, query: str, args: Any = ()) -> int:
        self.executed.append((query, list(args)))
        names, self._rows = self.results.pop(0) if self.results else ([], [])
        self.description = [(n,) for n in names] or None
        return len(self._rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows


def table(dialect: Dialect) -> TableMeta:
    integer = -5 if dialect.name == "sqlite" else 4
    columns = (
        ColumnMeta("id", 1, "int", "int", integer, auto_increment=True),
        ColumnMeta(
            "code", 2, "varchar", "varchar(8)", 12, default="'x'" if dialect.name == "sqlite" else "x"
        ),
        ColumnMeta("qty", 3, "int", "int", integer),
    )
    indexes = (IndexMeta("PRIMARY", ("id",), True, True), IndexMeta("uk_code", ("code",), True))
    return TableMeta("db", "t", columns, indexes)


def environment(dialect: Dialect, cursor: RecordingCursor) -> Environment:
    return Environment(image_cursor=cursor, dialect=dialect, table_meta=lambda ref: table(dialect))


def run(
    dialect: Dialect, sql: str, args: Any, results: list[Any], user: UserResult
) -> list[tuple[str, list[Any]]]:
    style = "mapping" if isinstance(args, dict) else "sequence"
    (statement,) = dialect.recognize(sql, style)
    executor = executor_for(statement)
    assert executor is not None
    cursor = RecordingCursor(results)
    executor(environment(dialect, cursor), statement, args, lambda returning=(): user)
    return cursor.executed


MYSQL, SQLITE = MySQLDialect(), SQLiteDialect()


@pytest.mark.parametrize(
    ("dialect", "sql", "before", "after"),
    [
        (
            MYSQL,
            "UPDATE t SET qty = qty - %s WHERE code = %s",
            "SELECT `t`.`id`, `t`.`qty` FROM `t` WHERE `code` = %s FOR UPDATE",
            "SELECT `id`, `qty` FROM `t` WHERE `id` IN (%s)",
        ),
        (
            SQLITE,
            "UPDATE t SET qty = qty - ? WHERE code = ?",
            'SELECT +"t"."id" AS "id", +"t"."qty" AS "qty" FROM "t" WHERE "code" = ?',
            'SELECT +"id" AS "id", +"qty" AS "qty" FROM "t" WHERE "id" IN (?)',
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_update_images(dialect: Dialect, sql: str, before: str, after: str) -> None:
    executed = run(
        dialect, sql, (1, "a"), [(["id", "qty"], [(7, 3)]), (["id", "qty"], [(7, 2)])], UserResult(1)
    )
    assert executed == [(before, ["a"]), (after, [7])]


@pytest.mark.parametrize(
    ("dialect", "sql", "before"),
    [
        (
            MYSQL,
            "DELETE FROM t WHERE qty > %(q)s",
            # Java lists a DELETE image's columns in its metadata HashMap's order
            "SELECT `t`.`code`, `t`.`qty`, `t`.`id` FROM `t` WHERE `qty` > %s FOR UPDATE",
        ),
        (
            SQLITE,
            "DELETE FROM t WHERE qty > :q",
            'SELECT +"t"."code" AS "code", +"t"."qty" AS "qty", +"t"."id" AS "id" FROM "t" WHERE "qty" > ?',
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_delete_image(dialect: Dialect, sql: str, before: str) -> None:
    executed = run(dialect, sql, {"q": 0}, [(["id", "code", "qty"], [(7, "a", 3)])], UserResult(1))
    assert executed == [(before, [0])]


@pytest.mark.parametrize(
    ("dialect", "sql", "condition", "params"),
    [
        (
            MYSQL,
            "INSERT INTO t (id, qty) VALUES (%s, %s) ON DUPLICATE KEY UPDATE qty = qty + 1",
            "(`id` = %s) OR (`code` = DEFAULT(`code`))",
            [5],
        ),
        (
            SQLITE,
            "INSERT INTO t (id, qty) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET qty = qty + 1",
            '("id" = ?) OR ("code" = ?)',
            [5, "x"],
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_upsert_matches_a_defaulted_unique_column(
    dialect: Dialect, sql: str, condition: str, params: list[Any]
) -> None:
    names = ["id", "code", "qty"]
    executed = run(dialect, sql, (5, 1), [(names, []), (names, [(5, "x", 1)])], UserResult(1))
    assert executed[0][0].endswith(f"WHERE {condition}{dialect.for_update_suffix}")
    assert executed[0][1] == params


@pytest.mark.parametrize("dialect", [MYSQL, SQLITE], ids=["mysql", "sqlite"])
def test_multi_row_generated_keys_per_dialect(dialect: Dialect) -> None:
    sql = "INSERT INTO t (code, qty) VALUES ('a', 1), ('b', 2)"
    (statement,) = dialect.recognize(sql, "sequence")
    cursor = RecordingCursor([(["id", "code", "qty"], [(10, "a", 1), (11, "b", 2)])])
    asked: list[Sequence[str]] = []

    def run_user(returning: Sequence[str] = ()) -> UserResult:
        asked.append(returning)
        return UserResult(2, 11, ((10,), (11,))) if returning else UserResult(2, 10)

    executor = executor_for(statement)
    assert executor is not None
    outcome = executor(environment(dialect, cursor), statement, (), run_user)
    # MySQL numbers one statement's rows consecutively from lastrowid; SQLite reads them back
    assert asked == [("id",)] if dialect is SQLITE else asked == [()]
    assert cursor.executed[0][1] == [10, 11]
    assert outcome.lock_keys == ["t:10,11"]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            MYSQL,
            [
                "SELECT `id`, `code`, `qty` FROM `t` WHERE `id` IN (%s) FOR UPDATE",
                "UPDATE `t` SET `qty` = %s WHERE `id` = %s",
            ],
        ),
        (
            SQLITE,
            [
                'SELECT +"id" AS "id", +"code" AS "code", +"qty" AS "qty" FROM "t" WHERE "id" IN (?)',
                'UPDATE "t" SET "qty" = ? WHERE "id" = ?',
            ],
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_compensation_sql(dialect: Dialect, expected: list[str]) -> None:
    names = ["id", "qty"]
    update_sql = "UPDATE t SET qty = 2 WHERE id = 7"
    (statement,) = dialect.recognize(update_sql, "sequence")
    images = RecordingCursor([(names, [(7, 3)]), (names, [(7, 2)])])
    executor = executor_for(statement)
    assert executor is not None
    outcome = executor(environment(dialect, images), statement, (), lambda returning=(): UserResult(1))
    cursor = RecordingCursor([(["id", "code", "qty"], [(7, "a", 2)])])
    Compensator(environment(dialect, cursor), cursor, lambda schema, name: table(dialect)).undo(
        outcome.undo_items
    )
    assert [q for q, _ in cursor.executed] == expected
    assert cursor.executed[1][1] == [3, 7]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            MYSQL,
            "INSERT INTO `undo_log` (branch_id, xid, context, rollback_info, log_status, log_created, "
            "log_modified) VALUES (%s, %s, %s, %s, %s, now(6), now(6))",
        ),
        (
            SQLITE,
            'INSERT INTO "undo_log" (branch_id, xid, context, rollback_info, log_status, log_created, '
            "log_modified) VALUES (?, ?, ?, ?, ?, datetime('now', 'localtime'), "
            "datetime('now', 'localtime'))",
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_undo_log_insert(dialect: Dialect, expected: str) -> None:
    cursor = RecordingCursor()
    UndoLogTable("undo_log", dialect).insert(cursor, 1, "x:1:1", "c", b"{}", 0)  # type: ignore[arg-type]
    assert cursor.executed == [(expected, [1, "x:1:1", "c", b"{}", 0])]
