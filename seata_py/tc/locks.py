"""The global row lock table: which global transaction (and which of its branches) holds each row."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from seata_py.tc.lock_keys import RowRef
from seata_py.tc.model import RowLock

_K = TypeVar("_K", bound=Hashable)


class LockTable:
    def __init__(self, locks: Iterable[RowLock] = ()) -> None:
        self._rows: dict[str, RowLock] = {}
        self._by_branch: dict[int, set[str]] = {}
        self._by_xid: dict[str, set[str]] = {}
        self.add(locks)

    def __len__(self) -> int:
        return len(self._rows)

    def all(self) -> list[RowLock]:
        return list(self._rows.values())

    def of_xid(self, xid: str) -> list[RowLock]:
        return [self._rows[k] for k in self._by_xid.get(xid, ())]

    def conflicts(self, xid: str | None, rows: Iterable[RowRef]) -> list[RowLock]:
        """Locks on ``rows`` held by other global transactions (``xid=None`` counts every holder)."""
        found = []
        for ref in rows:
            held = self._rows.get(ref.row_key)
            if held is not None and held.xid != xid:
                found.append(held)
        return found

    def missing(self, xid: str, transaction_id: int, branch_id: int, rows: Iterable[RowRef]) -> list[RowLock]:
        """The locks a branch must add: rows its global transaction does not hold yet.

        Rows the transaction already holds stay with the branch that took them first, so they are released
        when that (older) branch ends, which in a newest-first rollback is after this one.
        """
        return [
            RowLock(ref.row_key, xid, transaction_id, branch_id, ref.resource_id, ref.table, ref.pk)
            for ref in rows
            if ref.row_key not in self._rows
        ]

    def add(self, locks: Iterable[RowLock]) -> None:
        for lock in locks:
            self._rows[lock.row_key] = lock
            self._by_branch.setdefault(lock.branch_id, set()).add(lock.row_key)
            self._by_xid.setdefault(lock.xid, set()).add(lock.row_key)

    def release_branch(self, branch_id: int) -> list[RowLock]:
        return self._remove(self._by_branch.get(branch_id, set()).copy())

    def release_xid(self, xid: str) -> list[RowLock]:
        return self._remove(self._by_xid.get(xid, set()).copy())

    def _remove(self, keys: set[str]) -> list[RowLock]:
        removed = []
        for key in keys:
            lock = self._rows.pop(key, None)
            if lock is None:
                continue
            removed.append(lock)
            _discard(self._by_branch, lock.branch_id, key)
            _discard(self._by_xid, lock.xid, key)
        return removed


def _discard(index: dict[_K, set[str]], owner: _K, key: str) -> None:
    members = index.get(owner)
    if members is not None:
        members.discard(key)
        if not members:
            del index[owner]
