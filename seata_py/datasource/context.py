"""What one local transaction has collected for its branch: the XID, undo items and lock keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from seata_py.undo.model import SQLUndoLog


@dataclass
class ConnectionContext:
    xid: str | None = None
    undo_items: list[SQLUndoLog] = field(default_factory=list)
    lock_keys: list[str] = field(default_factory=list)  # per statement, de-duplicated, in order
    global_lock: bool = False

    def bind(self, xid: str | None, global_lock: bool) -> None:
        if xid and self.xid and xid != self.xid:
            raise RuntimeError(
                f"the connection's local transaction belongs to global transaction {self.xid}, not {xid}; "
                "commit or roll it back first"
            )
        self.xid = xid or self.xid
        self.global_lock = self.global_lock or global_lock

    def add(self, undo_items: list[SQLUndoLog], lock_keys: list[str]) -> None:
        self.undo_items.extend(undo_items)
        for key in lock_keys:
            if key not in self.lock_keys:
                self.lock_keys.append(key)

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
