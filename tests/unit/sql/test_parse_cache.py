from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql import recognizer
from seata_py.sql.parse_cache import LRUCache
from seata_py.sql.recognizer import (
    DEFAULT_PARSE_CACHE_SIZE,
    clear_parse_cache,
    parse_cache_info,
    set_parse_cache_size,
)


@pytest.fixture
def sqlglot_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []
    real = recognizer.sqlglot.parse

    def counting(sql: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(sql)
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(recognizer.sqlglot, "parse", counting)
    clear_parse_cache()
    yield calls
    clear_parse_cache()
    set_parse_cache_size(DEFAULT_PARSE_CACHE_SIZE)


def test_second_call_does_not_parse_again(sqlglot_calls: list[str]) -> None:
    sql = "UPDATE t SET a = %s WHERE id = %s"
    first = parse_sql(sql, "sequence")
    assert len(sqlglot_calls) == 1
    second = parse_sql(sql, "sequence")
    assert second is first
    assert len(sqlglot_calls) == 1
    info = parse_cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)


def test_args_style_is_part_of_the_key(sqlglot_calls: list[str]) -> None:
    sql = "UPDATE t SET a = '%%' WHERE id = 1"
    with_args = parse_sql(sql, "sequence")
    without_args = parse_sql(sql, "none")
    assert len(sqlglot_calls) == 2
    assert with_args != without_args  # '%' versus '%%' as the value


def test_multi_statement_string_parses_each_statement_once(sqlglot_calls: list[str]) -> None:
    sql = "UPDATE t SET a = 1; UPDATE u SET b = 2"
    parse_sql(sql, "none")
    parse_sql(sql, "none")
    assert len(sqlglot_calls) == 2  # one per statement, only on the first call


def test_lru_eviction(sqlglot_calls: list[str]) -> None:
    set_parse_cache_size(2)
    parse_sql("UPDATE t SET a = 1", "none")
    parse_sql("UPDATE t SET a = 2", "none")
    parse_sql("UPDATE t SET a = 1", "none")  # refreshes 1: 2 is now the oldest
    parse_sql("UPDATE t SET a = 3", "none")  # evicts 2
    assert len(sqlglot_calls) == 3
    parse_sql("UPDATE t SET a = 1", "none")
    assert len(sqlglot_calls) == 3
    parse_sql("UPDATE t SET a = 2", "none")
    assert len(sqlglot_calls) == 4
    assert parse_cache_info().currsize == 2


def test_rejections_are_raised_every_time(sqlglot_calls: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(UnsupportedSQLError):
            parse_sql("INSERT IGNORE INTO t VALUES (1)", "none")


def test_size_zero_disables_caching(sqlglot_calls: list[str]) -> None:
    set_parse_cache_size(0)
    parse_sql("UPDATE t SET a = 1", "none")
    parse_sql("UPDATE t SET a = 1", "none")
    assert len(sqlglot_calls) == 2


def test_concurrent_use() -> None:
    cache: LRUCache[int] = LRUCache(50)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                key = (offset + i) % 80
                if cache.get(key) is None:
                    cache.put(key, key)
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    info = cache.info()
    assert info.currsize <= 50
    assert info.hits + info.misses == 16000
