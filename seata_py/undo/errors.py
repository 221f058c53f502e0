"""Errors raised while writing or reading ``undo_log`` rows."""

from __future__ import annotations

from seata_py.exceptions import SeataError


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
