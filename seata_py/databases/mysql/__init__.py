"""MySQL and MariaDB: backquote quoting, ``%s`` placeholders, information_schema metadata, the value
mapping of the JDBC driver the Java services use, and the pymysql driver."""

from seata_py.databases.mysql import pymysql, undo_log
from seata_py.databases.mysql.dialect import MySQLDialect as Dialect

__all__ = ["Dialect", "pymysql", "undo_log"]
