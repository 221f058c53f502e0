"""SQLite through Python's ``sqlite3``: double-quote quoting, ``?`` placeholders, PRAGMA metadata, values
typed by storage class, the database's write lock in place of row locks."""

from seata_py.databases.sqlite import pysqlite, undo_log
from seata_py.databases.sqlite.dialect import SQLiteDialect as Dialect

__all__ = ["Dialect", "pysqlite", "undo_log"]
