"""PostgreSQL: double-quote quoting, ``%s`` placeholders, pg_catalog metadata, the value mapping of pgjdbc
(the JDBC driver the Java services use), and the psycopg 3 driver."""

from seata_py.databases.postgresql import psycopg, undo_log
from seata_py.databases.postgresql.dialect import PostgresDialect as Dialect

__all__ = ["Dialect", "psycopg", "undo_log"]
