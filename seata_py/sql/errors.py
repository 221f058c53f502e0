"""Errors of the SQL layer that are not rejections (those are ``seata_py.exceptions.UnsupportedSQLError``)."""

from __future__ import annotations

import sqlite3

import pymysql.err

from seata_py.exceptions import SeataError


class TableMetaError(SeataError):
    """Table metadata could not be loaded: no such table, no database selected, ambiguous name."""


class SQLPlaceholderError(SeataError, pymysql.err.ProgrammingError):
    """The statement's ``%`` placeholders do not fit the args, where pymysql itself would fail or misbehave.

    Derives from pymysql's ProgrammingError because that is what the caller gets without seata-py.
    """


class SQLitePlaceholderError(SeataError, sqlite3.ProgrammingError):
    """The statement's placeholders do not fit the args, where sqlite3 itself would refuse to bind them."""
