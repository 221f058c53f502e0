"""Django's MySQL backend whose connections are seata-py's mysqlclient proxies: everything Django does is
its own backend's; inside a global transaction the writes become AT branches.

The resource id is Java's default (``jdbc:mysql://HOST:PORT/NAME``) unless the database's settings carry
``"SEATA_RESOURCE_ID"``; phase 2 reaches the database with the same settings (through pymysql).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.mysql import base as django_mysql

from seata_py.runtime import connect_mysqlclient


class DatabaseWrapper(django_mysql.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if not (conn_params.get("database") or conn_params.get("db")):
            # Django's connection without a database (CREATE DATABASE for tests, ...): nothing to undo there
            return super().get_new_connection(conn_params)
        connection = connect_mysqlclient(
            resource_id=self.settings_dict.get("SEATA_RESOURCE_ID"), **conn_params
        )
        # as Django's own: mysqlclient's bytes encoder is dropped (mysqlclient#489)
        if connection.encoders.get(bytes) is bytes:
            connection.encoders.pop(bytes)
        return connection
