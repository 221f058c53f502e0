"""Every error seata-py raises on purpose, in one place. All derive from :class:`SeataError`; errors a
database caller meets also derive from the driver's PEP 249 class (pymysql's, sqlite3's or psycopg's), so
existing handlers catch them. The protocol layer's :class:`seata_py.protocol.ProtocolError` is the one
exception outside this tree: the codec imports nothing, and the RPC layer turns it into a closed connection.

The tree::

    SeataError
    ├── ConfigError (ValueError)               configuration that cannot be used
    ├── NotInitializedError                    seata_py.init() was not called
    ├── TCUnavailableError                     no TC connection could carry the request
    ├── RpcTimeoutError (TimeoutError)         the TC did not answer in time
    ├── RegistrationError                      the TC refused to register this client
    ├── MessageTooLargeError                   over the transport's per-message limit; not sent
    ├── TransactionError                       the TC answered with a failure (code, xid)
    │   ├── LockConflictError                  another global transaction holds the row lock
    │   ├── GlobalTransactionNotExistError
    │   ├── GlobalTransactionNotActiveError
    │   ├── GlobalTransactionStatusInvalidError
    │   ├── TransactionTimeoutError            rolled back instead of committed: past its timeout
    │   ├── PropagationError                   NEVER inside / MANDATORY outside a transaction
    │   └── MalformedLockKeyError              (embedded TC) a lock key it cannot parse
    ├── TransactionStateError                  a connection holds another scope's pending work
    ├── InvalidXidError (ValueError)           a propagated XID of the wrong form
    ├── UnsupportedDriverError (TypeError)     wrap() got a connection of a driver no database package has
    ├── UnsupportedSQLError (NotSupportedError)  AT mode cannot undo the statement; nothing ran
    │   ├── SQLiteUnsupportedSQLError (sqlite3.NotSupportedError)
    │   └── PostgresUnsupportedSQLError (psycopg.NotSupportedError)   [databases.postgresql.errors]
    ├── SQLPlaceholderError (pymysql ProgrammingError)
    │   └── PostgresPlaceholderError (psycopg.ProgrammingError)       [databases.postgresql.errors]
    ├── SQLitePlaceholderError (sqlite3.ProgrammingError)
    ├── SQLiteStatementError (sqlite3.ProgrammingError)
    ├── TableMetaError                         table metadata could not be loaded
    ├── ImageError                             an image could not be taken or does not fit
    ├── UndoLogFormatError                     a stored undo row cannot be read (rollback retries)
    ├── UnsupportedUndoValueError (ValueError) a value no Java client could read back
    ├── UndoLogTooLargeError                   the undo log would not fit one undo_log row
    ├── DirtyUndoError                         rows changed outside the transaction; rollback stopped
    └── embedded TC: TCStoreError, ChannelClosedError, NotRegisteredError, UnexpectedMessageError,
        TCStartError, StatusUnavailableError

This module imports nothing from the rest of the package at run time, so every layer can use it. The classes
marked ``[module]`` live in their database package, beside the driver they derive from, so that the driver is
imported only with its package.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

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


class UnsupportedDriverError(SeataError, TypeError):
    """A connection of a driver that no database package wraps was handed to ``seata_py.wrap``."""


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


# -- client and RPC ------------------------------------------------------------------------------------------


class NotInitializedError(SeataError):
    """seata_py.init(...) has not been called (or shutdown() was)."""


class MessageTooLargeError(SeataError):
    """A message is larger than the TC can receive over this transport; it was not sent.

    Raised before anything is written, so the connection stays usable. Over gRPC the Seata server reads
    each message from one HTTP/2 DATA frame, which caps a message near 16 KiB; large lock keys or resource
    lists need the classic ``tcp`` transport (8 MiB frames).
    """

    def __init__(self, message_type: str, size: int, limit: int, transport: str) -> None:
        self.message_type = message_type
        self.size = size
        self.limit = limit
        self.transport = transport
        super().__init__(
            f"{message_type} would be {size} bytes on the {transport} transport, over the TC's limit of "
            f"{limit} bytes per message; it was not sent (use transport.type=tcp for messages this large)"
        )


# -- SQL and images ------------------------------------------------------------------------------------------


class SQLiteUnsupportedSQLError(UnsupportedSQLError, sqlite3.NotSupportedError):
    """:class:`UnsupportedSQLError` that is also sqlite3's ``NotSupportedError``, for sqlite3 callers."""


class TableMetaError(SeataError):
    """Table metadata could not be loaded: no such table, no database selected, ambiguous name."""


class SQLPlaceholderError(SeataError, pymysql.err.ProgrammingError):
    """The statement's ``%`` placeholders do not fit the args, where pymysql itself would fail or misbehave.

    Derives from pymysql's ProgrammingError because that is what the caller gets without seata-py.
    """


class SQLitePlaceholderError(SeataError, sqlite3.ProgrammingError):
    """The statement's placeholders do not fit the args, where sqlite3 itself would refuse to bind them."""


class SQLiteStatementError(SeataError, sqlite3.ProgrammingError):
    """Raised where sqlite3 itself raises ProgrammingError, before anything runs."""


class ImageError(SeataError):
    """An image could not be taken or does not fit the statement (e.g. a changed primary key)."""


# -- undo logs -----------------------------------------------------------------------------------------------


class UndoLogFormatError(SeataError):
    """A stored undo log (``context`` or ``rollback_info``) cannot be read.

    Rollback cannot proceed without the images, so callers treat this like any other retryable rollback
    failure; the message names what was wrong so that an operator can repair the row.
    """


class UnsupportedUndoValueError(SeataError, ValueError):
    """A Python value has no Java counterpart that a Java client could read back (e.g. NaN, year 0)."""


class UndoLogTooLargeError(SeataError):
    """The encoded undo log would not fit in one ``undo_log`` row.

    Java splits such logs across several rows; seata-py reads split rows but never writes them, so an
    oversized log is refused before the business change commits instead of failing at INSERT time.
    """


class _RowProblem(Protocol):
    def describe(self) -> str: ...


class DirtyUndoError(SeataError):
    """Rows changed outside the global transaction since phase 1: rolling back would overwrite that change."""

    def __init__(self, table: str, differences: Sequence[_RowProblem]) -> None:
        self.table = table
        self.differences = tuple(differences)
        shown = "; ".join(d.describe() for d in self.differences[:10])
        more = f" (+{len(self.differences) - 10} more rows)" if len(self.differences) > 10 else ""
        super().__init__(f"dirty data in {table}, rollback stopped: {shown}{more}")


# -- embedded TC ---------------------------------------------------------------------------------------------


class TCStoreError(SeataError):
    """The session store could not be opened, read or written."""


class MalformedLockKeyError(TransactionError):
    """A BranchRegister/GlobalLockQuery lockKey is not ``table:pk[,pk...][;table:pk...]``."""


class ChannelClosedError(SeataError):
    """The client connection closed before it answered a phase-2 request."""


class NotRegisteredError(SeataError):
    """A transaction request arrived on a connection that never registered; the TC closes it."""


class UnexpectedMessageError(SeataError):
    """A client sent a message the TC does not serve (e.g. a response type, or a TC-to-RM request)."""


class TCStartError(SeataError):
    """The TC process exited or did not report ready in time; the message has its log tail."""


class StatusUnavailableError(SeataError):
    """The status endpoint could not be read."""
