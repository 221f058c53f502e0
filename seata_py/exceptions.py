"""Every error seata-py raises on purpose derives from :class:`SeataError`.

This module imports nothing from the rest of the package at run time, so every layer can use it.
Errors a database caller meets also derive from the matching PEP 249 class (pymysql's), so existing
handlers catch them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pymysql.err

if TYPE_CHECKING:
    from seata_py.protocol.enums import TransactionExceptionCode


class SeataError(Exception):
    """Base class of seata-py errors."""


class TCUnavailableError(SeataError):
    """No connection to a transaction coordinator could carry the request."""


class RpcTimeoutError(SeataError, TimeoutError):
    """The TC did not answer within the request timeout."""


class RegistrationError(SeataError):
    """The TC refused to register this client (TM or RM)."""


class TransactionError(SeataError):
    """The TC answered a request with a failure; ``code`` is its TransactionExceptionCode."""

    def __init__(
        self, message: str, code: TransactionExceptionCode | None = None, xid: str | None = None
    ) -> None:
        self.code = code
        self.xid = xid
        self.tc_message = message
        parts = [message or "transaction request failed"]
        if code is not None:
            parts.append(f"code={code.name}")
        if xid:
            parts.append(f"xid={xid}")
        super().__init__(" ".join(parts) if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})")


class LockConflictError(TransactionError):
    """Another global transaction holds a row lock this branch needs."""


class GlobalTransactionNotExistError(TransactionError):
    """The TC does not know the XID (finished long ago, or never begun)."""


class GlobalTransactionNotActiveError(TransactionError):
    """The global transaction is no longer in a state that accepts branches (e.g. rolling back)."""


class GlobalTransactionStatusInvalidError(TransactionError):
    """The global transaction's status does not allow the request."""


class UnsupportedSQLError(SeataError, pymysql.err.NotSupportedError):
    """A statement AT mode cannot undo safely; raised before anything executes, naming the construct."""

    def __init__(self, construct: str, sql: str | None = None) -> None:
        self.construct = construct
        self.sql = sql
        shown = f": {sql if len(sql) <= 200 else sql[:200] + '...'}" if sql else ""
        super().__init__(f"AT mode does not support {construct}{shown}")


class TransactionStateError(SeataError):
    """A connection's local transaction holds uncommitted work of one global transaction (or of a
    global-lock scope) and a statement of another one reached it: commit or roll back the connection first."""

    def __init__(self, message: str, held_by: str | None = None, requested_by: str | None = None) -> None:
        self.held_by = held_by
        self.requested_by = requested_by
        super().__init__(message)


class InvalidXidError(SeataError, ValueError):
    """A propagated XID (header or metadata) is not of the form ``<ip-or-host>:<port>:<transaction id>``."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        shown = repr(value) if len(repr(value)) <= 120 else repr(value)[:120] + "..."
        super().__init__(f"invalid XID {shown}: {reason}")


class TransactionTimeoutError(TransactionError):
    """The global transaction ran past its timeout before commit and was rolled back instead."""


class PropagationError(TransactionError):
    """The propagation mode forbids the current state (NEVER with a transaction, MANDATORY without one)."""


class ConfigError(SeataError, ValueError):
    """Configuration that cannot be used: an unknown key, a wrong type or an unreadable file."""
