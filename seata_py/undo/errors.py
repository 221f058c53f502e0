"""Where undo-log errors used to live; they are defined in :mod:`seata_py.exceptions`."""

from __future__ import annotations

from seata_py.exceptions import UndoLogFormatError as UndoLogFormatError
from seata_py.exceptions import UndoLogTooLargeError as UndoLogTooLargeError
from seata_py.exceptions import UnsupportedUndoValueError as UnsupportedUndoValueError
