"""One database, one undo_log, one global transaction, two languages: the real Seata Java client (both client
lines) and seata-py against the real Seata server and MariaDB, each asserting the data row by row.

Every test starts its own agents (processes) and its own database, so a rollback can only be done by the RM
the test means: when the writing process is killed, the TC hands its branch to the other language's RM of the
same resourceId.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.infra.java_client import DRIVER_LINES, ClientLine
from tests.infra.pipe_agent import AgentError

from .conftest import SharedDatabase
from .types_schema import (
    JAVA_LIMITS_DDL,
    JAVA_LIMITS_SEED,
    JAVA_LIMITS_UPDATE,
    TYPES_DDL,
    branch_statements,
    seed,
)

pytestmark = pytest.mark.integration

# The tests of values also run with the drivers whose classes differ (undo.java_driver).
every_driver = pytest.mark.parametrize("client_line", sorted(DRIVER_LINES), indirect=True)
ROLLED_BACK = {"rollbacked", "finished"}  # statuses as tests.infra.pipe_agent spells them


def _wait(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _fields(rollback_info: str, vary: frozenset[str] = frozenset()) -> list[tuple[str, str, str, int, str]]:
    """(sql type, image, field, type code, value JSON) of every field, in order, for readable diffs; fields
    named in ``vary`` (set by the database clock) keep only their class."""
    tree = json.loads(
        rollback_info.replace('"xid":XID', '"xid":null').replace('"branchId":BRANCH', '"branchId":0')
    )
    out = []
    for item in tree["sqlUndoLogs"][1]:
        for image in ("beforeImage", "afterImage"):
            for row in item[image]["rows"][1]:
                for field in row["fields"][1]:
                    value = json.dumps(field["value"], ensure_ascii=False)
                    if field["name"] in vary and isinstance(field["value"], list):
                        value = field["value"][0]
                    out.append((item["sqlType"], image, field["name"], field["type"], value))
    return out


def _assert_rows(db: SharedDatabase, table: str, expected: list[tuple[Any, ...]], key: str = "id") -> None:
    """Row by row, naming every differing column."""
    actual = db.snapshot(table, key)
    names = [
        r[0]
        for r in db.run(
            f"SELECT column_name FROM information_schema.columns WHERE table_schema = "
            f"'{db.name}' AND table_name = '{table}' ORDER BY ordinal_position"
        )
    ]
    problems = []
    if [r[0] for r in actual] != [r[0] for r in expected]:
        problems.append(f"keys {[r[0] for r in actual]} != {[r[0] for r in expected]}")
    else:
        for got, want in zip(actual, expected, strict=True):
            for name, a, b in zip(names, got, want, strict=True):
                if a != b:
                    problems.append(f"{table}[{got[0]}].{name}: {a!r} != expected {b!r}")
    assert not problems, "\n".join(problems)


def _types_db(make_db: Callable[..., SharedDatabase]) -> SharedDatabase:
    db = make_db(TYPES_DDL)
    db.run(*seed())
    return db


def _python(
    agents: Callable[..., Any],
    db: SharedDatabase,
    name: str | None = None,
    undo: dict[str, str] | None = None,
) -> Any:
    py = agents("python", name, undo)
    assert py.datasource("db", **db.agent_kwargs()) == db.jdbc_url
    return py


def _java(
    agents: Callable[..., Any],
    db: SharedDatabase,
    name: str | None = None,
    undo: dict[str, str] | None = None,
) -> Any:
    java = agents("java", name, undo)
    assert java.datasource("db", db.jdbc_url, db.server.user, db.server.password) == db.jdbc_url
    return java


def _assert_java_validation_passes(java: Any, xid: str) -> list[dict[str, Any]]:
    """Java's own rollback validation (the dirty check) on every image of the branch, as the rows are now."""
    branches = java.inspect("db", xid)
    assert branches, "no undo row for the branch"
    for branch in branches:
        for item in branch["sql_undo_logs"]:
            check = item["validation"]
            assert check["after_equals_current"], (item["sql_type"], check["after_vs_current"])
            assert check["go_on"], (item["sql_type"], check.get("refused"))
    return branches


@every_driver
def test_java_rm_rolls_back_a_python_branch_of_every_type(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase], client_line: ClientLine
) -> None:
    db = _types_db(make_db)
    before = db.snapshot("t_types")
    java = _java(agents, db)
    py = _python(agents, db, "py-writer")
    xid = py.begin()
    py.execute("db", *branch_statements())
    changed = db.snapshot("t_types")
    assert changed != before
    # Java parses seata-py's row and its dirty check accepts the after images of every column type.
    branches = _assert_java_validation_passes(java, xid)
    kinds = [item["sql_type"] for item in branches[0]["sql_undo_logs"]]
    assert kinds == ["UPDATE", "UPDATE", "UPDATE", "DELETE", "INSERT"]

    py.halt()  # the writing service dies: its branch is the Java RM's now
    status = java.rollback(xid)
    if client_line.driver == "mariadb-connector-j":
        # Measured: Java's undo path casts the SerialBlob MariaDB Connector/J hands it to byte[] and fails
        # (retryable, on its own branches too); nothing changes until a seata-py RM of the service is back.
        assert status == "rollbackretrying"
        assert db.snapshot("t_types") == changed
        _python(agents, db, "py-writer")
        assert _wait(lambda: db.undo_rows(xid) == [], timeout=30)
    else:
        assert status in ROLLED_BACK
    _assert_rows(db, "t_types", before)
    assert db.undo_rows(xid) == []


@every_driver
def test_python_rm_rolls_back_a_java_branch_of_every_type(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase]
) -> None:
    db = _types_db(make_db)
    before = db.snapshot("t_types")
    py = _python(agents, db)
    java = _java(agents, db)
    xid = java.begin()
    java.execute("db", *branch_statements())
    assert db.snapshot("t_types") != before
    java.halt()
    assert py.rollback(xid) in ROLLED_BACK
    _assert_rows(db, "t_types", before)
    assert db.undo_rows(xid) == []


@every_driver
def test_python_writes_the_undo_row_java_writes(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase], client_line: ClientLine
) -> None:
    """Same table, same rows, same statements: the rollback_info of both languages is the same bytes
    (classes, JSON forms, field order), but for the XID and branch id."""
    java_db, py_db = _types_db(make_db), _types_db(make_db)
    java = _java(agents, java_db)
    py = _python(agents, py_db)
    java_xid = java.begin()
    java.execute("db", *branch_statements())
    py_xid = py.begin()
    py.execute("db", *branch_statements())
    ((java_branch, _, java_info),) = java_db.undo_rows(java_xid)
    ((py_branch, _, py_info),) = py_db.undo_rows(py_xid)
    java_text = java_info.decode().replace(java_xid, "XID").replace(str(java_branch), "BRANCH")
    # Seata writes an empty SerialBlob with no payload, which Java itself reads back as null; seata-py
    # writes the empty payload, which Java reads as the empty blob it was.
    java_text = java_text.replace(
        '["javax.sql.rowset.serial.SerialBlob"]', '["javax.sql.rowset.serial.SerialBlob",""]'
    )
    py_text = py_info.decode().replace(py_xid, "XID").replace(str(py_branch), "BRANCH")
    if java_text != py_text:
        java_fields, py_fields = _fields(java_text), _fields(py_text)
        assert len(java_fields) == len(py_fields)
        assert [(j, p) for j, p in zip(java_fields, py_fields, strict=True) if j != p] == []
    assert java_text == py_text
    assert py.rollback(py_xid) in ROLLED_BACK
    if client_line.driver == "mariadb-connector-j":
        # Java reads its own empty SerialBlob back as null, so its dirty check refuses its own branch.
        assert java.rollback(java_xid) == "rollbackfailed"
    else:
        assert java.rollback(java_xid) in ROLLED_BACK


@pytest.mark.parametrize("launcher", ["python", "java"])
@pytest.mark.parametrize("outcome", ["rollback", "commit"])
def test_one_global_transaction_with_a_python_and_a_java_branch(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase], launcher: str, outcome: str
) -> None:
    orders = make_db("CREATE TABLE t_order (id INT PRIMARY KEY, sku VARCHAR(16) NOT NULL, qty INT NOT NULL)")
    stock = make_db("CREATE TABLE t_stock (sku VARCHAR(16) PRIMARY KEY, count INT NOT NULL)")
    stock.run("INSERT INTO t_stock VALUES ('A', 10), ('B', 5)")
    py = _python(agents, orders)
    java = _java(agents, stock)
    tm, other = (py, java) if launcher == "python" else (java, py)
    xid = tm.begin()
    other.bind(xid)
    py.execute("db", ("INSERT INTO t_order VALUES (?, ?, ?)", [1, "A", 2]))
    java.execute("db", ("UPDATE t_stock SET count = count - ? WHERE sku = ?", [2, "A"]))
    other.unbind()
    assert orders.undo_rows(xid) and stock.undo_rows(xid)
    if outcome == "rollback":
        assert tm.rollback(xid) in ROLLED_BACK
        assert orders.snapshot("t_order") == []
        assert stock.snapshot("t_stock", "sku") == [("A", 10), ("B", 5)]
        assert orders.undo_rows(xid) == [] and stock.undo_rows(xid) == []
    else:
        assert tm.commit(xid) in {"committed", "finished", "asynccommitting"}
        assert orders.snapshot("t_order") == [(1, "A", 2)]
        assert stock.snapshot("t_stock", "sku") == [("A", 8), ("B", 5)]
        # phase 2 of a commit deletes the undo rows in the background, in each language's own RM
        assert _wait(lambda: orders.undo_rows(xid) == [] and stock.undo_rows(xid) == [], timeout=30)


@pytest.mark.parametrize("holder", ["python", "java"])
def test_global_locks_hold_across_languages(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase], holder: str
) -> None:
    db = make_db("CREATE TABLE t_account (id INT PRIMARY KEY, balance INT NOT NULL)")
    db.run("INSERT INTO t_account VALUES (1, 100), (2, 100)")
    py = _python(agents, db)
    java = _java(agents, db)
    first, second = (py, java) if holder == "python" else (java, py)
    held = first.begin()
    first.execute("db", ("UPDATE t_account SET balance = balance - 10 WHERE id = ?", [1]))
    first.unbind()

    waiting = second.begin()
    with pytest.raises(AgentError) as refused:
        second.execute("db", ("UPDATE t_account SET balance = balance + 10 WHERE id = ?", [1]))
    expected = "LockConflictError" if second is py else "LockConflictException"
    assert expected in str(refused.value)
    # the refused branch changed nothing; a row nobody holds is free for the same transaction
    assert db.snapshot("t_account") == [(1, 90), (2, 100)]
    second.execute("db", ("UPDATE t_account SET balance = balance + 1 WHERE id = ?", [2]))
    assert second.rollback(waiting) in ROLLED_BACK
    assert first.rollback(held) in ROLLED_BACK
    assert db.snapshot("t_account") == [(1, 100), (2, 100)]


def test_python_rm_refuses_dirty_data_in_a_java_branch_as_java_would(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase]
) -> None:
    db = make_db("CREATE TABLE t_stock (sku VARCHAR(16) PRIMARY KEY, count INT NOT NULL, note VARCHAR(20))")
    db.run("INSERT INTO t_stock VALUES ('A', 10, 'x')")
    py = _python(agents, db)
    java = _java(agents, db)
    xid = java.begin()
    java.execute("db", ("UPDATE t_stock SET count = ?, note = ? WHERE sku = ?", [7, "y", "A"]))
    java.halt()
    db.run("UPDATE t_stock SET count = 99 WHERE sku = 'A'")  # outside the global transaction

    # Java reports dirty data as PhaseTwo_RollbackFailed_Unretryable; the 2.0.0 TC then ends the transaction
    # as RollbackFailed and keeps its locks for an operator.
    assert py.rollback(xid) == "rollbackfailed"
    assert db.snapshot("t_stock", "sku") == [("A", 99, "y")]  # nothing overwritten
    assert len(db.undo_rows(xid)) == 1  # kept for the operator
    log = py.log_text
    assert "dirty data in t_stock" in log and "'A'" in log and "count" in log


def test_python_rm_keeps_a_java_row_it_cannot_read_until_it_can(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase]
) -> None:
    """A value class seata-py does not know is a retryable failure, as Java's parse errors are: nothing is
    touched, the TC retries, and once the row is readable the retry rolls back."""
    db = make_db("CREATE TABLE t_stock (sku VARCHAR(16) PRIMARY KEY, count INT NOT NULL, d DATE)")
    db.run("INSERT INTO t_stock VALUES ('A', 10, '2025-01-02')")
    py = _python(agents, db)
    java = _java(agents, db)
    xid = java.begin()
    java.execute("db", ("UPDATE t_stock SET count = ?, d = ? WHERE sku = ?", [7, "2025-02-03", "A"]))
    java.halt()
    ((_, _, original),) = db.undo_rows(xid)
    unreadable = original.decode().replace('"java.sql.Date"', '"java.time.chrono.HijrahDate"')
    assert unreadable != original.decode()
    db.run(("UPDATE undo_log SET rollback_info = %s WHERE xid = %s", [unreadable.encode(), xid]))

    assert py.rollback(xid) == "rollbackretrying"
    assert db.snapshot("t_stock", "sku")[0][1] == 7  # nothing overwritten
    # logged with the table, the row's key and the column, like dirty data
    assert (
        "table t_stock, row with primary key {'sku': 'A'}: column 'd': unsupported value class "
        "'java.time.chrono.HijrahDate'" in py.log_text
    )
    db.run(("UPDATE undo_log SET rollback_info = %s WHERE xid = %s", [original, xid]))
    assert _wait(lambda: db.snapshot("t_stock", "sku")[0][1] == 10, timeout=30)
    assert _wait(lambda: db.undo_rows(xid) == [])
    assert str(db.snapshot("t_stock", "sku")[0][2]) == "2025-01-02"


def test_values_java_cannot_write_back_are_restored_by_seata_py(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase]
) -> None:
    """Java logs YEAR, large unsigned integers and fractions of a second, but its own rollback cannot bind
    them back (measured, both client lines); seata-py restores its own rows exactly and finishes Java's
    branches with what Java logged."""
    db = make_db(JAVA_LIMITS_DDL)
    db.run(JAVA_LIMITS_SEED)
    before = db.snapshot("t_limits")

    # A Python branch whose writer dies: a Java RM of the resource is refused by the database (retryable), a
    # restarted seata-py service of the same application finishes it exactly, TIME(3) fraction included.
    java = _java(agents, db)
    writer = _python(agents, db, "py-writer")
    xid = writer.begin()
    writer.execute("db", JAVA_LIMITS_UPDATE)
    _assert_java_validation_passes(java, xid)  # Java reads and accepts these images; it cannot bind them
    writer.halt()
    assert java.rollback(xid) == "rollbackretrying"
    assert db.snapshot("t_limits") != before
    _python(agents, db, "py-writer")
    assert _wait(lambda: db.undo_rows(xid) == [], timeout=30)
    _assert_rows(db, "t_limits", before)

    # A Java branch: Java's own rollback fails the same way; once its service is gone, seata-py finishes
    # it from Java's log, which kept everything but the TIME fraction (java.sql.Time has none).
    xid = java.begin()
    java.execute("db", JAVA_LIMITS_UPDATE)
    assert java.rollback(xid) == "rollbackretrying"
    java.halt()
    assert _wait(lambda: db.undo_rows(xid) == [], timeout=30)
    ((row_id, year, uint, ubig, time3, dt6, ts3),) = db.snapshot("t_limits")
    assert (row_id, year, uint, ubig, dt6, ts3) == before[0][:4] + before[0][5:]
    assert time3 == before[0][4] - timedelta(microseconds=before[0][4].microseconds)


# upd has no fraction of a second: Java's rollback drops fractions, so with TIMESTAMP(3) a branch that changes
# a row twice is refused as dirty by Java's own RM (measured).
SHAPES_DDL = (
    "CREATE TABLE t_order (order_id INT NOT NULL, item_id INT NOT NULL, sku VARCHAR(16) NOT NULL, "
    "qty INT NOT NULL, note VARCHAR(20) NULL, "
    "upd TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
    "PRIMARY KEY (item_id, order_id)) ENGINE=InnoDB",
    "CREATE TABLE t_stock (sku VARCHAR(16) NOT NULL PRIMARY KEY, Count INT NOT NULL, name VARCHAR(20)) "
    "ENGINE=InnoDB",
)
SHAPES_SEED = "INSERT INTO t_stock VALUES ('a', 10, 'A'), ('b', 20, 'B'), ('c', 30, 'C')"
UPDATE_JOIN = (
    "UPDATE t_order o JOIN t_stock s ON o.sku = s.sku SET o.note = s.name, s.Count = s.Count + 1 "
    "WHERE o.order_id = 1"
)
SHAPES = [
    "INSERT INTO t_order (sku, qty, order_id, item_id, upd) VALUES ('a', 1, 1, 2, '2025-01-01 00:00:00'), "
    "('b', 2, 1, 1, '2025-01-01 00:00:00')",
    "INSERT INTO t_order VALUES (2, 1, 'c', 3, NULL, '2025-01-01 00:00:00')",
    "UPDATE t_order SET qty = qty + 1, note = 'n' WHERE order_id = 1",
    "UPDATE t_stock SET name = 'x', Count = Count - 1 WHERE sku IN ('a', 'b')",
    "INSERT INTO t_order (order_id, item_id, sku, qty, upd) VALUES (2, 1, 'c', 9, '2025-01-01 00:00:00') "
    "ON DUPLICATE KEY UPDATE qty = VALUES(qty)",
    UPDATE_JOIN,
    "DELETE FROM t_order WHERE order_id = 2",
    "DELETE FROM t_stock WHERE sku = 'c'",
]


@pytest.mark.parametrize("only_care_update_columns", ["true", "false"])
def test_python_lists_image_columns_as_java_does(
    agents: Callable[..., Any],
    make_db: Callable[..., SharedDatabase],
    client_line: ClientLine,
    only_care_update_columns: str,
) -> None:
    """Composite keys, a column list in another order, no column list, ON UPDATE columns, mixed-case names,
    multi-row statements, an upsert, an UPDATE ... JOIN; with client.undo.onlyCareUpdateColumns on and off."""
    undo = {"onlyCareUpdateColumns": only_care_update_columns}
    shapes = SHAPES
    if client_line.name == "2.0" and only_care_update_columns == "false":
        # 2.0.0's UPDATE ... JOIN images then select unqualified columns, which MySQL refuses ("Column
        # 'sku' in SELECT is ambiguous", measured); seata-py's are qualified
        shapes = [s for s in SHAPES if s != UPDATE_JOIN]
    java_db, py_db = make_db(*SHAPES_DDL), make_db(*SHAPES_DDL)
    java_db.run(SHAPES_SEED)
    py_db.run(SHAPES_SEED)
    java = _java(agents, java_db, undo=undo)
    py = _python(agents, py_db, undo=undo)
    java_xid = java.begin()
    java.execute("db", *shapes)
    py_xid = py.begin()
    py.execute("db", *shapes)
    ((_, _, java_info),) = java_db.undo_rows(java_xid)
    ((_, _, py_info),) = py_db.undo_rows(py_xid)
    vary = frozenset({"upd"})  # ON UPDATE CURRENT_TIMESTAMP: each database's own clock
    java_fields, py_fields = _fields(java_info.decode(), vary), _fields(py_info.decode(), vary)
    assert len(java_fields) == len(py_fields)
    assert [(j, p) for j, p in zip(java_fields, py_fields, strict=True) if j != p] == []
    assert java.rollback(java_xid) in ROLLED_BACK
    assert py.rollback(py_xid) in ROLLED_BACK
    for db in (java_db, py_db):
        assert db.snapshot("t_order", "order_id") == []
        assert db.snapshot("t_stock", "sku") == [("a", 10, "A"), ("b", 20, "B"), ("c", 30, "C")]


def test_time_values_java_sql_time_cannot_hold(
    agents: Callable[..., Any], make_db: Callable[..., SharedDatabase]
) -> None:
    """seata-py logs TIME fractions and values outside a day as MySQL text: Java reads them, its rollback
    restores the day-crossing value exactly and drops the fraction (as it does on its own rows); seata-py's
    rollback restores all of it."""
    ddl = "CREATE TABLE t_time (id INT PRIMARY KEY, t3 TIME(3), t6 TIME(6), span TIME)"
    seed = "INSERT INTO t_time VALUES (1, '12:34:56.789', '01:02:03.000004', '30:00:00')"
    update = "UPDATE t_time SET t3 = '01:00:00', t6 = '02:00:00', span = '03:00:00' WHERE id = 1"
    db = make_db(ddl)
    db.run(seed)
    before = db.snapshot("t_time")
    java = _java(agents, db)
    py = _python(agents, db, "py-writer")

    xid = py.begin()
    py.execute("db", update)
    assert py.rollback(xid) in ROLLED_BACK
    _assert_rows(db, "t_time", before)

    xid = py.begin()
    py.execute("db", update)
    _assert_java_validation_passes(java, xid)
    py.halt()
    assert java.rollback(xid) in ROLLED_BACK
    ((_, t3, t6, span),) = db.snapshot("t_time")
    assert span == before[0][3]
    assert (t3, t6) == tuple(v - timedelta(microseconds=v.microseconds) for v in before[0][1:3])
