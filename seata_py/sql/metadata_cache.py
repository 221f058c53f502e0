"""Table metadata cache per (resource id, schema, table), as Java keeps one per resource (expiry 900 s).

Loading happens outside the lock: a catalog query can be slow, and two threads loading the same table at
once merely do the work twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from seata_py.types.dialect import Dialect, MetaCursor
from seata_py.types.meta import TableMeta

CacheKey = tuple[str, str | None, str]


@dataclass(frozen=True)
class _Entry:
    meta: TableMeta
    loaded_at: float


class TableMetaCache:
    def __init__(
        self,
        dialect: Dialect,
        ttl_seconds: float = 900.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dialect = dialect
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[CacheKey, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, cursor: MetaCursor, resource_id: str, schema: str | None, table: str) -> TableMeta:
        """The table's metadata, loaded through ``cursor`` when not cached or expired."""
        key = (resource_id, schema, table)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and self._clock() - entry.loaded_at < self.ttl_seconds:
            return entry.meta
        return self.refresh(cursor, resource_id, schema, table)

    def refresh(self, cursor: MetaCursor, resource_id: str, schema: str | None, table: str) -> TableMeta:
        """Reloads now: after an image query failed on a column the cached metadata did not know."""
        meta = self.dialect.load_table_meta(cursor, schema, table)
        with self._lock:
            if len(self._entries) >= self.max_entries and (resource_id, schema, table) not in self._entries:
                oldest = min(self._entries, key=lambda k: self._entries[k].loaded_at)
                del self._entries[oldest]
            self._entries[(resource_id, schema, table)] = _Entry(meta, self._clock())
        return meta

    def invalidate(
        self, resource_id: str | None = None, schema: str | None = None, table: str | None = None
    ) -> None:
        """Forgets matching entries; a None argument matches anything (no arguments: forget everything)."""
        with self._lock:
            for key in list(self._entries):
                rid, sch, tab = key
                if (
                    (resource_id is None or rid == resource_id)
                    and (schema is None or sch == schema)
                    and (table is None or tab == table)
                ):
                    del self._entries[key]

    def cached(self, resource_id: str, schema: str | None, table: str) -> TableMeta | None:
        """The cached metadata, expired or not, without loading."""
        with self._lock:
            entry = self._entries.get((resource_id, schema, table))
        return entry.meta if entry is not None else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
