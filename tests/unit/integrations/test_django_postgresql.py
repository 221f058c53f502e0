"""The PostgreSQL backend's seams, without a database: which psycopg Django's code sees, and what it refuses.
(tests/integration/test_django.py runs the example service's Django tests on it against the real TC.)"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(USE_TZ=True, TIME_ZONE="UTC")

from django.core.exceptions import ImproperlyConfigured

from seata_py.integrations.django.postgresql import base


def wrapper(**overrides: Any) -> base.DatabaseWrapper:
    settings_dict = {
        "ENGINE": "seata_py.integrations.django.postgresql",
        "NAME": "orders",
        "USER": "app",
        "PASSWORD": "",
        "HOST": "db",
        "PORT": 5432,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
        **overrides,
    }
    return base.DatabaseWrapper(settings_dict, alias="default")


def test_connections_to_the_database_open_through_seata_py(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str, dict[str, Any]]] = []

    def fake_connect(conninfo: str = "", **kwargs: Any) -> str:
        opened.append((conninfo, kwargs))
        return "proxy"

    monkeypatch.setattr(base, "connect_postgresql", fake_connect)
    db = wrapper(SEATA_RESOURCE_ID="jdbc:postgresql://db:5432/orders?currentSchema=app")
    assert db.Database.connect(dbname="orders", host="db") == "proxy"
    assert opened == [
        (
            "",
            {
                "resource_id": "jdbc:postgresql://db:5432/orders?currentSchema=app",
                "dbname": "orders",
                "host": "db",
            },
        )
    ]
    # everything else Django reads off Database is psycopg's own
    assert db.Database.Error is psycopg.Error
    assert db.Database.IntegrityError is psycopg.IntegrityError


def test_the_connection_without_a_database_stays_plain() -> None:
    assert wrapper(NAME=None).Database is psycopg


def test_a_pool_is_refused_with_the_reason() -> None:
    with pytest.raises(ImproperlyConfigured, match="OPTIONS\\['pool'\\]"):
        wrapper(OPTIONS={"pool": True})


def test_bulk_inserts_use_the_compiler_that_keeps_values_lists() -> None:
    db = wrapper()
    assert (
        db.ops.compiler("SQLInsertCompiler").__module__ == "seata_py.integrations.django.postgresql.compiler"
    )
