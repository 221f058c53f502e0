"""SQLAlchemy ``sqlite+pysqlite`` engines instrumented by seata-py, on a SQLite file and every TC kind: ORM
and Core writes become AT branches, a global rollback restores the rows exactly, a commit keeps them and
cleans undo_log, a rolled-back savepoint drops its images."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import seata_py
from seata_py.databases import undo_log_ddl
from seata_py.integrations.sqlalchemy import create_engine
from tests.integration.conftest import eventually
from tests.integration.test_sqlalchemy import SEED, TABLES, Account, Base, OrderLine, Stock

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory, seata_tc: Any) -> Iterator[Path]:
    file = tmp_path_factory.mktemp("sa-sqlite") / "orders.db"
    schema_engine = sqlalchemy.create_engine(f"sqlite:///{file}")
    Base.metadata.create_all(schema_engine)
    schema_engine.dispose()
    with closing(sqlite3.connect(file)) as conn:
        conn.executescript(undo_log_ddl("sqlite"))
    seata_py.init(application_id="it-sqlalchemy-sqlite", grouplist=seata_tc.address)
    try:
        yield file
    finally:
        seata_py.shutdown()


@pytest.fixture
def engine(path: Path) -> Iterator[Engine]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for table in ["undo_log", *reversed(TABLES)]:
            conn.execute(f'DELETE FROM "{table}"')
        for model, rows in SEED:
            columns = list(rows[0])
            conn.executemany(
                f'INSERT INTO "{model.__tablename__}" ({", ".join(columns)}) '
                f"VALUES ({', '.join(['?'] * len(columns))})",
                [tuple(float(v) if isinstance(v, Decimal) else v for v in row.values()) for row in rows],
            )
    engine = create_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in TABLES}


def undo_count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM undo_log").fetchone()[0])


def work(session: Session) -> None:
    session.add(Account(owner="new", balance=Decimal("5.00")))
    session.add_all([Account(owner=f"batch{i}", balance=Decimal(i)) for i in range(2)])
    session.execute(update(Stock).where(Stock.sku == "A").values(count=Stock.count - 3))
    session.execute(delete(OrderLine).where(OrderLine.order_id == 3))


def test_orm_and_core_writes_roll_back_with_the_global_transaction(path: Path, engine: Engine) -> None:
    before = snapshot(path)
    with pytest.raises(Boom), seata_py.global_transaction(name="sa-sqlite-rollback"):
        with Session(engine) as session, session.begin():
            work(session)
        with engine.begin() as conn:
            conn.execute(update(Stock).where(Stock.sku == "B").values(count=99))
            nested = conn.begin_nested()
            conn.execute(delete(Account).where(Account.id == 3))
            nested.rollback()
        during = snapshot(path)
        assert ("B", 99) in during["sa_stock"] and any(row[0] == 3 for row in during["sa_account"])
        assert undo_count(path) == 2
        raise Boom
    assert snapshot(path) == before
    assert undo_count(path) == 0


def test_a_commit_keeps_the_rows_and_cleans_undo_log(path: Path, engine: Engine) -> None:
    with seata_py.global_transaction(name="sa-sqlite-commit"), Session(engine) as session, session.begin():
        work(session)
    state = snapshot(path)
    assert {row[1] for row in state["sa_account"]} >= {"new", "batch0", "batch1"}
    assert ("A", 7) in state["sa_stock"]
    assert eventually(lambda: undo_count(path) == 0, timeout=5)
