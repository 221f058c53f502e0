"""What the SQLite library linked into Python's ``sqlite3`` can do (one library per process)."""

from __future__ import annotations

import functools
import sqlite3

RETURNING_SINCE = (3, 35, 0)


def library_version() -> tuple[int, ...]:
    return sqlite3.sqlite_version_info


def has_returning() -> bool:
    """INSERT/UPDATE/DELETE ... RETURNING (SQLite 3.35)."""
    return library_version() >= RETURNING_SINCE


@functools.cache
def has_update_delete_limit() -> bool:
    """ORDER BY/LIMIT on UPDATE and DELETE, a compile-time option (SQLITE_ENABLE_UPDATE_DELETE_LIMIT)."""
    probe = sqlite3.connect(":memory:")
    try:
        return any(row[0] == "ENABLE_UPDATE_DELETE_LIMIT" for row in probe.execute("PRAGMA compile_options"))
    finally:
        probe.close()
