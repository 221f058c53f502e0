"""Where the TC's state lives between restarts: global sessions, branches, row locks and the id counter.

The coordinator keeps its working state in memory and writes every change through a :class:`Store`, grouping
the writes of one decision in :meth:`Store.transaction`. :func:`seata_py.tc.stores.open_store` picks the
implementation: ``":memory:"`` for tests (state lives as long as the store object), anything else is a SQLite
file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from seata_py.tc.config import MEMORY_STORE
from seata_py.tc.model import BranchSession, GlobalSession, RowLock


@dataclass
class StoredState:
    """Everything a TC needs to resume: sessions with their branches (registration order), locks, ids."""

    sessions: list[GlobalSession] = field(default_factory=list)
    locks: list[RowLock] = field(default_factory=list)
    id_high_water: int = 0  # every id below it may have been handed out already


class Store(Protocol):
    description: str

    def load(self) -> StoredState: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group writes; nested calls join the outer transaction. An exception discards the group."""
        ...

    def put_global(self, session: GlobalSession) -> None:
        """Insert or update the session's own fields (its branches are written separately)."""
        ...

    def delete_global(self, xid: str) -> None:
        """Forget the session together with its branches and locks."""
        ...

    def put_branch(self, branch: BranchSession) -> None: ...

    def delete_branch(self, branch_id: int) -> None: ...

    def add_locks(self, locks: Iterable[RowLock]) -> None: ...

    def remove_locks(self, row_keys: Iterable[str]) -> None: ...

    def reserve_ids(self, high_water: int) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """Keeps copies in dicts, so a TC started again on the same object resumes like one on a file would."""

    description = MEMORY_STORE

    def __init__(self) -> None:
        self._sessions: dict[str, GlobalSession] = {}
        self._branches: dict[int, BranchSession] = {}
        self._locks: dict[str, RowLock] = {}
        self._high_water = 0
        self._pending: list[Callable[[], None]] | None = None
        self._depth = 0

    def load(self) -> StoredState:
        sessions = {xid: replace(s, branches=[]) for xid, s in self._sessions.items()}
        for branch in sorted(self._branches.values(), key=lambda b: b.branch_id):
            owner = sessions.get(branch.xid)
            if owner is not None:
                owner.branches.append(replace(branch))
        return StoredState(list(sessions.values()), list(self._locks.values()), self._high_water)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        outermost = self._depth == 0
        if outermost:
            self._pending = []
        self._depth += 1
        try:
            yield
        except BaseException:
            if outermost:
                self._pending = None
            raise
        finally:
            self._depth -= 1
        if outermost:
            pending, self._pending = self._pending or [], None
            for change in pending:
                change()

    def _write(self, change: Callable[[], None]) -> None:
        if self._pending is None:
            change()
        else:
            self._pending.append(change)

    def put_global(self, session: GlobalSession) -> None:
        copy = replace(session, branches=[])
        self._write(lambda: self._sessions.__setitem__(copy.xid, copy))

    def delete_global(self, xid: str) -> None:
        def change() -> None:
            self._sessions.pop(xid, None)
            self._branches = {k: b for k, b in self._branches.items() if b.xid != xid}
            self._locks = {k: lock for k, lock in self._locks.items() if lock.xid != xid}

        self._write(change)

    def put_branch(self, branch: BranchSession) -> None:
        copy = replace(branch)
        self._write(lambda: self._branches.__setitem__(copy.branch_id, copy))

    def delete_branch(self, branch_id: int) -> None:
        def change() -> None:
            self._branches.pop(branch_id, None)

        self._write(change)

    def add_locks(self, locks: Iterable[RowLock]) -> None:
        added = list(locks)
        self._write(lambda: self._locks.update((lock.row_key, lock) for lock in added))

    def remove_locks(self, row_keys: Iterable[str]) -> None:
        keys = list(row_keys)

        def change() -> None:
            for key in keys:
                self._locks.pop(key, None)

        self._write(change)

    def reserve_ids(self, high_water: int) -> None:
        def change() -> None:
            self._high_water = max(self._high_water, high_water)

        self._write(change)

    def close(self) -> None:
        """Nothing to release; the state stays readable for a TC started again on this object."""
