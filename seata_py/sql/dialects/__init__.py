"""Database dialects: what the AT executors need to know about one kind of database."""

from seata_py.sql.dialects.base import Dialect, MetaCursor
from seata_py.sql.dialects.mysql import MySQLDialect

__all__ = ["Dialect", "MetaCursor", "MySQLDialect"]
