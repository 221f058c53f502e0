"""Transaction and branch ids: one increasing int64 sequence that never repeats, across restarts too."""

from __future__ import annotations

import time
from collections.abc import Callable

from seata_py.tc.store import Store

# Ids are reserved in blocks so that a new id rarely costs a store write; after a restart the sequence
# continues above the last reserved block.
BLOCK = 1000


def time_seed(now_ms: Callable[[], int] | None = None) -> int:
    """A starting point above anything an earlier run with a lost store handed out (a ``:memory:`` TC):
    undo_log rows are keyed by (xid, branch_id) and XIDs repeat ip:port, so ids must not start over."""
    millis = now_ms() if now_ms is not None else int(time.time() * 1000)
    return millis * 1000


class IdGenerator:
    def __init__(self, store: Store, stored_high_water: int, seed: int | None = None) -> None:
        self._store = store
        self._next = max(stored_high_water, time_seed() if seed is None else seed, 1)
        self._limit = self._next  # nothing reserved yet in this run

    def next(self) -> int:
        if self._next >= self._limit:
            limit = self._next + BLOCK
            self._store.reserve_ids(limit)
            self._limit = limit
        value = self._next
        self._next += 1
        return value
