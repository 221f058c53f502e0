"""Put the bound XID on every log record: ``record.xid``.

Call :func:`install_xid_logging` once (``seata_py.init()`` does) and use ``%(xid)s`` in a format::

    logging.basicConfig(format="%(asctime)s %(levelname)s [xid=%(xid)s] %(name)s: %(message)s")

``record.xid`` is the XID bound in the thread or asyncio task that created the record, or ``""`` when none
is bound: an empty string prints as nothing in ``%``-style formats (None would print ``None``), and is
falsy for filters. It is set by wrapping the log-record factory, so it reaches every logger and handler,
including third-party ones, and is taken where the record is created, which is right for queue-based
handlers too.

Two consequences of the factory approach: a record made without the factory (``logging.LogRecord(...)``
called directly) has no ``xid``, and ``logger.info(..., extra={"xid": ...})`` raises ``KeyError`` because
``logging`` refuses extras that overwrite record attributes. Where either matters, use
:class:`XidLogFilter` on your handlers instead (or as well): it sets ``xid`` only where it is missing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from seata_py.types.context import current_xid

XID_ATTRIBUTE = "xid"
UNBOUND = ""

RecordFactory = Callable[..., logging.LogRecord]

_guard = threading.Lock()
_MARK = "_seata_py_xid_factory"


def install_xid_logging() -> None:
    """Wrap the current log-record factory so every record carries ``xid``. Calling it again is a no-op."""
    with _guard:
        current = logging.getLogRecordFactory()
        if getattr(current, _MARK, False):
            return
        logging.setLogRecordFactory(_xid_factory(current))


def uninstall_xid_logging() -> bool:
    """Restore the factory that was current before :func:`install_xid_logging`, if ours is still the
    current one (another wrapper installed on top of ours cannot be unwound). Returns whether it did."""
    with _guard:
        current = logging.getLogRecordFactory()
        previous = getattr(current, _MARK, None)
        if not previous:
            return False
        logging.setLogRecordFactory(previous)
        return True


def _xid_factory(previous: RecordFactory) -> RecordFactory:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        setattr(record, XID_ATTRIBUTE, current_xid() or UNBOUND)
        return record

    setattr(make_record, _MARK, previous)
    return make_record


class XidLogFilter(logging.Filter):
    """Sets ``record.xid`` (the bound XID, or ``""``) where it is missing; never drops a record.

    Attach it to handlers (``handler.addFilter(XidLogFilter())``): a filter on a logger only sees records
    logged through that very logger, not those propagated from its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, XID_ATTRIBUTE):
            setattr(record, XID_ATTRIBUTE, current_xid() or UNBOUND)
        return True
