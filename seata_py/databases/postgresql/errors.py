"""The errors of :mod:`seata_py.exceptions` that psycopg callers meet, derived from psycopg's classes too so
that their handlers (and SQLAlchemy, which wraps only its driver's errors) catch them."""

from __future__ import annotations

import psycopg

from seata_py.exceptions import SQLPlaceholderError, UnsupportedSQLError


class PostgresUnsupportedSQLError(UnsupportedSQLError, psycopg.NotSupportedError):
    """:class:`~seata_py.exceptions.UnsupportedSQLError` that is also psycopg's ``NotSupportedError``."""


class PostgresPlaceholderError(SQLPlaceholderError, psycopg.ProgrammingError):
    """:class:`~seata_py.exceptions.SQLPlaceholderError` that is also psycopg's ``ProgrammingError``, as
    psycopg itself raises."""


__all__ = ["PostgresPlaceholderError", "PostgresUnsupportedSQLError"]
