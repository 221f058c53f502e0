"""Phase-1 executors, one per statement kind: insert, update, delete, select for update, upsert, join."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seata_py.sql.exec.base import Environment, Outcome, RunUser, UserResult
from seata_py.sql.exec.delete import run_delete
from seata_py.sql.exec.insert import run_insert
from seata_py.sql.exec.insert_on_duplicate import run_insert_on_duplicate
from seata_py.sql.exec.update import run_update
from seata_py.sql.exec.update_join import run_update_join
from seata_py.types.statements import (
    DeleteStatement,
    InsertStatement,
    Statement,
    UpdateJoinStatement,
    UpdateStatement,
)

Executor = Callable[[Environment, Any, Any, RunUser], Outcome]


def executor_for(statement: Statement) -> Executor | None:
    """The executor of a DML statement; None otherwise (SELECT ... FOR UPDATE needs a TC lock check between
    its steps, so the connection drives it with ``select_for_update_lock_keys``)."""
    if isinstance(statement, InsertStatement):
        return run_insert_on_duplicate if statement.is_upsert else run_insert
    if isinstance(statement, UpdateStatement):
        return run_update
    if isinstance(statement, DeleteStatement):
        return run_delete
    if isinstance(statement, UpdateJoinStatement):
        return run_update_join
    return None


__all__ = ["Environment", "Executor", "Outcome", "RunUser", "UserResult", "executor_for"]
