"""Helpers shared by the integration-module tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from seata_py.types.context import bind_xid, reset_xid


@contextmanager
def bound(xid: str) -> Iterator[None]:
    """Bind ``xid`` for the block, as a global transaction would."""
    token = bind_xid(xid)
    try:
        yield
    finally:
        reset_xid(token)
