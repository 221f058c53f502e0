"""What one local transaction has collected for its branch: the XID, undo items and lock keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seata_py.exceptions import TransactionStateError
from seata_py.types.images import SQLUndoLog

_SAVEPOINT = re.compile(r"^\s*SAVEPOINT\s+`?([^`\s;]+)`?", re.IGNORECASE)
_ROLLBACK_TO = re.compile(r"^\s*ROLLBACK\s+(?:WORK\s+)?TO\s+(?:SAVEPOINT\s+)?`?([^`\s;]+)`?", re.IGNORECASE)
_RELEASE = re.compile(r"^\s*RELEASE\s+SAVEPOINT\s+`?([^`\s;]+)`?", re.IGNORECASE)


@dataclass
class ConnectionContext:
    xid: str | None = None
    undo_items: list[SQLUndoLog] = field(default_factory=list)
    lock_keys: list[str] = field(default_factory=list)  # per statement, de-duplicated, in order
    global_lock: bool = False
    poisoned: str | None = None  # why this local transaction must not commit
    # savepoint name -> how many undo items and lock keys existed when it was set
    savepoints: dict[str, tuple[int, int]] = field(default_factory=dict)

    def bind(self, xid: str | None, global_lock: bool) -> None:
        """Make this local transaction's work part of ``xid`` (None: a global-lock scope without one).

        With nothing pending, the statement's own scope decides: an XID left behind by a statement that
        failed before it changed anything is simply replaced. Pending work of another scope stays where it
        belongs, and the statement is refused before it runs."""
        if not self.has_pending_work:
            self.xid = xid
            self.global_lock = global_lock
            return
        if xid != self.xid:
            raise TransactionStateError(
                f"the connection's local transaction holds uncommitted work of {_scope(self.xid)}; this "
                f"statement runs in {_scope(xid)}: commit or roll back the connection first",
                held_by=self.xid,
                requested_by=xid,
            )
        self.global_lock = self.global_lock or global_lock

    def add(self, undo_items: list[SQLUndoLog], lock_keys: list[str]) -> None:
        self.undo_items.extend(undo_items)
        for key in lock_keys:
            if key not in self.lock_keys:
                self.lock_keys.append(key)

    def poison(self, reason: str) -> None:
        self.poisoned = self.poisoned or reason

    def savepoint_statement(self, sql: str) -> None:
        """Follow SAVEPOINT / ROLLBACK TO / RELEASE so rolled-back statements leave no undo items or locks."""
        if match := _SAVEPOINT.match(sql):
            self.savepoints[match.group(1).lower()] = (len(self.undo_items), len(self.lock_keys))
        elif match := _ROLLBACK_TO.match(sql):
            mark = self.savepoints.get(match.group(1).lower())
            if mark is not None:
                del self.undo_items[mark[0] :]
                del self.lock_keys[mark[1] :]
        elif match := _RELEASE.match(sql):
            self.savepoints.pop(match.group(1).lower(), None)

    @property
    def has_pending_work(self) -> bool:
        """Something a commit or rollback of this local transaction must still settle."""
        return bool(self.undo_items or self.lock_keys or self.poisoned)

    @property
    def has_state(self) -> bool:
        """Anything at all left of a transaction (pending work, a bound XID, savepoint marks)."""
        return bool(self.has_pending_work or self.xid or self.global_lock or self.savepoints)

    @property
    def has_branch_work(self) -> bool:
        return bool(self.xid and self.undo_items)

    def lock_key(self) -> str:
        return ";".join(self.lock_keys)

    def reset(self) -> None:
        self.xid = None
        self.undo_items = []
        self.lock_keys = []
        self.global_lock = False
        self.poisoned = None
        self.savepoints = {}


def _scope(xid: str | None) -> str:
    return f"global transaction {xid}" if xid else "a global-lock scope without a global transaction"
