"""The psycopg adapter's pieces that need no server: Java's resource id, the connection parameters phase 2
reconnects with, and the package's place in the database registry."""

from __future__ import annotations

import psycopg
import pytest

from seata_py import databases
from seata_py.config import SeataConfig
from seata_py.databases import postgresql
from seata_py.databases.postgresql import psycopg as adapter
from seata_py.databases.postgresql.dialect import PostgresDialect
from seata_py.exceptions import UnsupportedDriverError


def test_the_resource_id_is_javas_jdbc_url() -> None:
    # pgjdbc's URL form, without parameters: the same database gets the same id from a Java service
    assert adapter.postgres_resource_id("db.local", 5432, "shop") == "jdbc:postgresql://db.local:5432/shop"
    assert (
        adapter.postgres_resource_id("10.0.0.7", 6543, "Orders") == "jdbc:postgresql://10.0.0.7:6543/Orders"
    )


def test_keywords_override_the_conninfo_string() -> None:
    # as libpq does: a keyword argument wins over the same setting in the string; None means "not given"
    params = adapter._connect_params("host=a dbname=b port=5433", {"port": 6000, "user": None})
    assert params == {"host": "a", "dbname": "b", "port": 6000}


def test_a_url_is_taken_apart_like_libpq_does() -> None:
    params = adapter._connect_params(
        "postgresql://alice:p%40ss@db.local:5433/shop?sslmode=require", {"application_name": "svc"}
    )
    assert params == {
        "user": "alice",
        "password": "p@ss",  # percent-decoded
        "host": "db.local",
        "port": "5433",
        "dbname": "shop",
        "sslmode": "require",
        "application_name": "svc",
    }


def test_quoted_conninfo_values_are_unquoted() -> None:
    assert adapter._connect_params("dbname='my db' password='a\\'b'", {}) == {
        "dbname": "my db",
        "password": "a'b",
    }


def test_settings_phase_two_manages_itself_are_left_out() -> None:
    params = adapter._connect_params(
        "dbname=shop", {"autocommit": True, "prepare_threshold": 5, "row_factory": object(), "user": "bob"}
    )
    assert params == {"dbname": "shop", "user": "bob"}


def test_the_resource_names_the_first_host_and_port() -> None:
    resource = adapter.postgres_resource(
        {"host": "h1,h2", "port": "5433,5434", "dbname": "shop"}, SeataConfig()
    )
    # a resource id cannot hold a comma, and the first host is the one libpq tries first
    assert resource.resource_id == "jdbc:postgresql://h1:5433/shop"
    assert resource.connect_kwargs == {"host": "h1,h2", "port": "5433,5434", "dbname": "shop"}
    assert isinstance(resource.dialect, PostgresDialect)
    assert resource.database == ""  # unqualified tables follow the session's search_path


def test_the_resource_defaults_like_libpq() -> None:
    # libpq's database defaults to the user name, the port to 5432
    resource = adapter.postgres_resource({"user": "bob", "hostaddr": "10.0.0.1"}, SeataConfig())
    assert resource.resource_id == "jdbc:postgresql://10.0.0.1:5432/bob"
    given = adapter.postgres_resource(
        {"dbname": "d"}, SeataConfig(), "jdbc:postgresql://x:1/y?currentSchema=s"
    )
    assert given.resource_id == "jdbc:postgresql://x:1/y?currentSchema=s"


def test_the_resource_needs_a_database_name() -> None:
    with pytest.raises(ValueError, match="database name"):
        adapter.postgres_resource({"host": "h"}, SeataConfig())


def test_the_dialect_takes_the_configured_zone() -> None:
    resource = adapter.postgres_resource({"dbname": "d"}, SeataConfig(time_zone="Asia/Tokyo"))
    assert str(resource.dialect.zone) == "Asia/Tokyo"  # type: ignore[attr-defined]


# -- registry ------------------------------------------------------------------------------------------------


def test_the_registry_knows_postgresql() -> None:
    dialect = databases.dialect_named("postgresql")
    assert isinstance(dialect, PostgresDialect)
    assert (dialect.name, dialect.placeholder) == ("postgresql", "%s")
    assert databases.undo_log_ddl("postgresql") == postgresql.undo_log.undo_log_ddl("undo_log")
    assert "CREATE TABLE IF NOT EXISTS t_undo" in databases.undo_log_ddl("postgresql", "t_undo")
    assert databases.PACKAGES["postgresql"] is postgresql
    assert postgresql.Dialect is PostgresDialect


def test_sqlalchemy_urls_of_psycopg_3_only() -> None:
    assert databases.driver_for_sqlalchemy("postgresql", "psycopg") is adapter
    assert databases.driver_for_sqlalchemy("postgresql", "psycopg2") is None  # another driver's API
    assert databases.driver_for_sqlalchemy("postgresql", "asyncpg") is None


def test_a_psycopg_connection_is_wrapped_by_this_adapter() -> None:
    unopened = psycopg.Connection.__new__(psycopg.Connection)
    assert adapter.wraps(unopened)
    assert databases.adapter_for(unopened) is adapter
    assert not adapter.wraps(object())
    with pytest.raises(UnsupportedDriverError, match="psycopg"):
        databases.adapter_for(object())


def test_the_adapter_reports_psycopgs_errors() -> None:
    assert adapter.DRIVER_NAME == "psycopg"
    assert set(adapter.DRIVER_ERRORS) == {psycopg.Error}
    assert issubclass(psycopg.errors.UniqueViolation, adapter.DRIVER_ERRORS)
