"""A transaction coordinator in memory, enough for the AT resource manager: branches, locks, reports."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from seata_py.exceptions import LockConflictError
from seata_py.protocol import BranchStatus, BranchType, TransactionExceptionCode


@dataclass
class FakeClient:
    resources: list[str] = field(default_factory=list)

    def register_resource(self, resource_id: str) -> None:
        self.resources.append(resource_id)


@dataclass
class Branch:
    xid: str
    branch_id: int
    resource_id: str
    lock_key: str


@dataclass
class FakeTC:
    """Row locks are held per XID until :meth:`end` (what the TC does at global commit/rollback)."""

    client: FakeClient = field(default_factory=FakeClient)
    branches: list[Branch] = field(default_factory=list)
    locks: dict[tuple[str, str], str] = field(default_factory=dict)  # (resource, row) -> xid
    reports: list[tuple[str, int, BranchStatus]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def _rows(self, resource_id: str, lock_key: str) -> list[tuple[str, str]]:
        rows = []
        for part in lock_key.split(";"):
            table, _, keys = part.partition(":")
            rows.extend((resource_id, f"{table}:{key}") for key in keys.split(","))
        return rows

    def branch_register(
        self, xid: str, resource_id: str, lock_key: str, branch_type: BranchType, data: str | None
    ) -> int:
        rows = self._rows(resource_id, lock_key) if lock_key else []
        held = [r for r in rows if self.locks.get(r, xid) != xid]
        if held:
            raise LockConflictError(f"held: {held}", code=TransactionExceptionCode.LOCK_KEY_CONFLICT, xid=xid)
        for row in rows:
            self.locks[row] = xid
        branch = Branch(xid, next(self._ids), resource_id, lock_key)
        self.branches.append(branch)
        return branch.branch_id

    def lock_query(self, xid: str | None, resource_id: str, lock_key: str, branch_type: BranchType) -> bool:
        return all(self.locks.get(r, xid) == xid for r in self._rows(resource_id, lock_key))

    def branch_report(self, xid: str, branch_id: int, status: BranchStatus, resource_id: str) -> None:
        self.reports.append((xid, branch_id, status))

    def end(self, xid: str) -> None:
        self.locks = {row: holder for row, holder in self.locks.items() if holder != xid}
