"""Django's PostgreSQL backend whose connections are seata-py's psycopg proxies: everything Django does is its
own backend's; inside a global transaction the writes become AT branches.

The resource id is Java's default (``jdbc:postgresql://HOST:PORT/NAME``) unless the database's settings carry
``"SEATA_RESOURCE_ID"``; phase 2 reaches the database with the same connection settings. psycopg 3 only
(Django's psycopg2 path is not served), and no ``OPTIONS["pool"]``: a pooled connection is opened by the pool,
where seata-py cannot wrap it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base as django_postgresql

from seata_py.runtime import connect_postgresql


class _SeataPsycopg:
    """psycopg as Django's backend uses it (``Database.connect``, ``Database.Error``, ...), whose ``connect``
    opens a seata-py proxy for this database."""

    def __init__(self, resource_id: str | None) -> None:
        self._resource_id = resource_id

    def connect(self, conninfo: str = "", **kwargs: Any) -> Any:
        return connect_postgresql(conninfo, resource_id=self._resource_id, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)


class DatabaseOperations(django_postgresql.DatabaseOperations):
    compiler_module = "seata_py.integrations.django.postgresql.compiler"


class DatabaseWrapper(django_postgresql.DatabaseWrapper):
    ops_class = DatabaseOperations
    _seata_psycopg: _SeataPsycopg | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not django_postgresql.is_psycopg3:
            raise ImproperlyConfigured("seata_py.integrations.django.postgresql needs psycopg 3")
        if self.settings_dict.get("OPTIONS", {}).get("pool"):
            raise ImproperlyConfigured(
                "seata_py.integrations.django.postgresql does not take OPTIONS['pool']: the pool opens its "
                "connections itself, where seata-py cannot make them AT connections"
            )
        # Django's connection without a database (NAME None: CREATE DATABASE for tests, ...) stays plain:
        # nothing to undo there
        self._seata_psycopg = (
            _SeataPsycopg(self.settings_dict.get("SEATA_RESOURCE_ID"))
            if self.settings_dict.get("NAME") is not None
            else None
        )

    @property
    def Database(self) -> Any:  # the name Django's backends read
        return self._seata_psycopg or psycopg
