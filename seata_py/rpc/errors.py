"""Where transport errors used to live; they are defined in :mod:`seata_py.exceptions`."""

from __future__ import annotations

from seata_py.exceptions import MessageTooLargeError as MessageTooLargeError
