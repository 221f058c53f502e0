"""Request ids of one side of the wire: 1, 2, ... and back to 1 past int32 (the frame field's range)."""

from __future__ import annotations

import itertools
import threading

from seata_py.protocol.primitives import INT32_MAX


class RequestIds:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        # The client hands out ids from the caller threads and its I/O loop alike.
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = next(self._ids)
            if value > INT32_MAX:
                self._ids = itertools.count(2)
                value = 1
            return value
