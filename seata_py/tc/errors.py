"""Errors of the embedded TC. Failures the TC answers to a client are ``TransactionError``s with the code
the real server would send; these are the TC's own."""

from __future__ import annotations

from seata_py.exceptions import SeataError, TransactionError


class TCStoreError(SeataError):
    """The session store could not be opened, read or written."""


class MalformedLockKeyError(TransactionError):
    """A BranchRegister/GlobalLockQuery lockKey is not ``table:pk[,pk...][;table:pk...]``."""


class ChannelClosedError(SeataError):
    """The client connection closed before it answered a phase-2 request."""
