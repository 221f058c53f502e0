"""Choosing a TC store by its spec: the one place that knows every implementation."""

from __future__ import annotations

from seata_py.tc.config import MEMORY_STORE
from seata_py.tc.sqlite_store import SqliteStore
from seata_py.tc.store import MemoryStore, Store

__all__ = ["MEMORY_STORE", "MemoryStore", "SqliteStore", "Store", "open_store"]


def open_store(spec: str | Store) -> Store:
    """``":memory:"`` → :class:`MemoryStore`, a path → SQLite file, a store object → itself."""
    if not isinstance(spec, str):
        return spec
    if spec == MEMORY_STORE:
        return MemoryStore()
    return SqliteStore(spec)
