"""MySQL and MariaDB: backquote quoting, ``%s`` placeholders, information_schema metadata, the value
mapping of the JDBC driver the Java services use, and the pymysql and mysqlclient drivers."""

from seata_py.databases.mysql import mysqlclient, pymysql, undo_log
from seata_py.databases.mysql.dialect import MySQLDialect as Dialect

__all__ = ["Dialect", "mysqlclient", "pymysql", "undo_log"]
