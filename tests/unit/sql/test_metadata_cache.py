from __future__ import annotations

import threading
from typing import Any

from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.sql.metadata_cache import TableMetaCache
from seata_py.types.dialect import MetaCursor
from seata_py.types.meta import ColumnMeta, IndexMeta, TableMeta


class CountingDialect(MySQLDialect):
    """Answers from memory instead of information_schema, counting the loads."""

    def __init__(self) -> None:
        self.loads: list[tuple[str | None, str]] = []
        self.version = 0
        self._lock = threading.Lock()

    def current_schema(self, cursor: MetaCursor) -> str:
        return "db"

    def load_table_meta(self, cursor: MetaCursor, schema: str | None, table: str) -> TableMeta:
        with self._lock:
            self.loads.append((schema, table))
            self.version += 1
            version = self.version
        columns = (ColumnMeta("id", 1, "int", "int", 4), ColumnMeta(f"c{version}", 2, "int", "int", 4))
        return TableMeta(schema or "db", table, columns, (IndexMeta("PRIMARY", ("id",), True, True),))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


CURSOR: Any = object()


def test_cached_until_ttl() -> None:
    dialect, clock = CountingDialect(), Clock()
    cache = TableMetaCache(dialect, ttl_seconds=900, clock=clock)
    first = cache.get(CURSOR, "jdbc:mysql://h:3306/db", None, "t")
    assert cache.get(CURSOR, "jdbc:mysql://h:3306/db", None, "t") is first
    clock.now += 899
    assert cache.get(CURSOR, "jdbc:mysql://h:3306/db", None, "t") is first
    clock.now += 2
    assert cache.get(CURSOR, "jdbc:mysql://h:3306/db", None, "t") is not first
    assert dialect.loads == [(None, "t"), (None, "t")]


def test_keys_are_resource_schema_table() -> None:
    dialect = CountingDialect()
    cache = TableMetaCache(dialect)
    cache.get(CURSOR, "r1", "db", "t")
    cache.get(CURSOR, "r2", "db", "t")
    cache.get(CURSOR, "r1", "other", "t")
    cache.get(CURSOR, "r1", "db", "T")
    cache.get(CURSOR, "r1", "db", "t")
    assert len(dialect.loads) == 4
    assert len(cache) == 4


def test_refresh_replaces_the_entry() -> None:
    dialect = CountingDialect()
    cache = TableMetaCache(dialect)
    old = cache.get(CURSOR, "r", "db", "t")
    new = cache.refresh(CURSOR, "r", "db", "t")
    assert old.columns[1].name == "c1" and new.columns[1].name == "c2"
    assert cache.get(CURSOR, "r", "db", "t") is new
    assert cache.cached("r", "db", "t") is new


def test_invalidate() -> None:
    dialect = CountingDialect()
    cache = TableMetaCache(dialect)
    for rid, table in [("r1", "a"), ("r1", "b"), ("r2", "a")]:
        cache.get(CURSOR, rid, "db", table)
    cache.invalidate("r1", "db", "a")
    assert cache.cached("r1", "db", "a") is None and cache.cached("r1", "db", "b") is not None
    cache.invalidate("r1")
    assert len(cache) == 1
    cache.invalidate()
    assert len(cache) == 0


def test_max_entries_drops_the_oldest() -> None:
    dialect, clock = CountingDialect(), Clock()
    cache = TableMetaCache(dialect, max_entries=2, clock=clock)
    for table in ("a", "b", "c"):
        clock.now += 1
        cache.get(CURSOR, "r", "db", table)
    assert cache.cached("r", "db", "a") is None
    assert len(cache) == 2


def test_thread_safe() -> None:
    dialect = CountingDialect()
    cache = TableMetaCache(dialect)
    results: list[TableMeta] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(300):
                results.append(cache.get(CURSOR, "r", "db", f"t{i % 10}"))
                if i % 50 == 0:
                    cache.refresh(CURSOR, "r", "db", "t0")
                    cache.invalidate("r", "db", "t1")
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 2400
    assert all(r.primary_key == ("id",) for r in results)
