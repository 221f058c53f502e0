"""The mysqlclient adapter's own parts that need no server: phase 2's pymysql arguments, the statements
that open or end a transaction, and the conversions image queries use."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from seata_py.databases.mysql.mysqlclient import (
    IMAGE_CONVERSIONS,
    _transaction_word,
    phase_two_kwargs,
)
from seata_py.exceptions import ConfigError


def test_phase_two_keeps_what_pymysql_takes_and_renames_the_old_spellings() -> None:
    kwargs = phase_two_kwargs(
        {
            "host": "db",
            "port": 3307,
            "user": "u",
            "passwd": "p",
            "db": "shop",
            "charset": "utf8mb4",
            "init_command": "SET time_zone='+00:00'",
            "conv": {1: int},
            "client_flag": 2,
            "autocommit": True,
            "read_default_file": "/etc/my.cnf",
        }
    )
    assert kwargs == {
        "host": "db",
        "port": 3307,
        "user": "u",
        "password": "p",
        "database": "shop",
        "charset": "utf8mb4",
        "init_command": "SET time_zone='+00:00'",
        "read_default_file": "/etc/my.cnf",
    }


def test_phase_two_carries_tls_settings() -> None:
    kwargs = phase_two_kwargs({"database": "d", "ssl": {"ca": "/ca.pem"}, "ssl_mode": "VERIFY_IDENTITY"})
    assert kwargs["ssl"] == {"ca": "/ca.pem", "check_hostname": True, "verify_mode": True}
    assert phase_two_kwargs({"database": "d", "ssl_mode": "DISABLED"})["ssl_disabled"] is True


@pytest.mark.parametrize(
    "given, named",
    [
        ({"named_pipe": True}, "named_pipe"),
        ({"auth_plugin": "x"}, "auth_plugin"),
        ({"ssl": {"crl": "x"}}, "crl"),
    ],
)
def test_phase_two_refuses_what_pymysql_cannot_do_by_name(given: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        phase_two_kwargs({"database": "d", **given})


@pytest.mark.parametrize(
    "sql, word",
    [
        ("BEGIN", "BEGIN"),
        ("  begin work", "BEGIN"),
        ("START TRANSACTION READ ONLY", "START TRANSACTION"),
        ("commit", "COMMIT"),
        ("ROLLBACK", "ROLLBACK"),
        ("ROLLBACK WORK", "ROLLBACK"),
        ("ROLLBACK TO SAVEPOINT s1", ""),
        ("rollback to s1", ""),
        ("SELECT 1", ""),
        ("UPDATE t SET begin = 1", ""),
    ],
)
def test_transaction_words(sql: str, word: str) -> None:
    assert _transaction_word(sql) == word


def test_image_conversions_yield_what_pymysql_yields() -> None:
    date, datetime_, time, newdecimal = 10, 12, 11, 246
    assert IMAGE_CONVERSIONS[date]("2024-02-29") == datetime.date(2024, 2, 29)
    assert IMAGE_CONVERSIONS[date]("0000-00-00") == "0000-00-00"  # kept as the server's text, as pymysql
    assert IMAGE_CONVERSIONS[datetime_]("0000-00-00 00:00:00") == "0000-00-00 00:00:00"
    assert IMAGE_CONVERSIONS[time]("-838:59:59") == -datetime.timedelta(hours=838, minutes=59, seconds=59)
    assert IMAGE_CONVERSIONS[newdecimal]("12345678901234567890.0001") == Decimal("12345678901234567890.0001")
