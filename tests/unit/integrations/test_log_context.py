"""Every log record carries the XID bound where it was created."""

from __future__ import annotations

import io
import logging
import logging.handlers
import queue
import threading
from collections.abc import Iterator

import pytest

from seata_py.integrations.wsgi import SeataWSGIMiddleware
from seata_py.log_context import XidLogFilter, install_xid_logging, uninstall_xid_logging
from tests.unit.integrations.support import bound

XID = "10.0.0.5:8091:42"


@pytest.fixture
def factory_restored() -> Iterator[None]:
    original = logging.getLogRecordFactory()
    uninstall_xid_logging()  # seata_py.init() in an earlier test may have installed it process-wide
    try:
        yield
    finally:
        logging.setLogRecordFactory(original)


def capture(logger_name: str, fmt: str = "%(xid)s|%(message)s") -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(fmt))
    logger = logging.getLogger(logger_name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_records_carry_the_bound_xid_or_empty(factory_restored: None) -> None:
    install_xid_logging()
    logger, stream = capture("test.xid.records")
    logger.info("outside")
    with bound(XID):
        logger.info("inside")
        third_party = logging.getLogger("third.party.lib").makeRecord(
            "x", logging.INFO, "f", 1, "m", (), None
        )
        assert third_party.xid == XID  # type: ignore[attr-defined]
    logger.info("after")
    assert stream.getvalue().splitlines() == ["|outside", f"{XID}|inside", "|after"]


def test_install_is_idempotent_and_keeps_an_existing_factory(factory_restored: None) -> None:
    previous = logging.getLogRecordFactory()

    def custom(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.custom = "yes"
        return record

    logging.setLogRecordFactory(custom)
    install_xid_logging()
    wrapped = logging.getLogRecordFactory()
    install_xid_logging()
    assert logging.getLogRecordFactory() is wrapped
    with bound(XID):
        record = logging.getLogger("t").makeRecord("t", logging.INFO, "f", 1, "m", (), None)
    assert (record.xid, record.custom) == (XID, "yes")  # type: ignore[attr-defined]
    assert uninstall_xid_logging()
    assert logging.getLogRecordFactory() is custom
    assert not uninstall_xid_logging()


def test_xid_is_taken_in_the_thread_that_logs_even_with_a_queue_handler(factory_restored: None) -> None:
    install_xid_logging()
    records: queue.Queue[logging.LogRecord] = queue.Queue()
    logger = logging.getLogger("test.xid.queue")
    logger.handlers = [logging.handlers.QueueHandler(records)]
    logger.propagate = False
    logger.setLevel(logging.INFO)

    def work(xid: str | None) -> None:
        if xid is None:
            logger.info("none")
            return
        with bound(xid):
            logger.info(xid)

    threads = [threading.Thread(target=work, args=(f"10.0.0.5:8091:{i}" if i else None,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    got = {records.get_nowait().xid for _ in range(5)}  # type: ignore[attr-defined]
    assert got == {"", *(f"10.0.0.5:8091:{i}" for i in range(1, 5))}


def test_requests_served_by_the_middleware_log_their_xid(factory_restored: None) -> None:
    install_xid_logging()
    logger, stream = capture("test.xid.app")

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        logger.info("handling")
        start_response("200 OK", [])  # type: ignore[operator]
        return [b""]

    wrapped = SeataWSGIMiddleware(app)
    wrapped({"REMOTE_ADDR": "127.0.0.1", "HTTP_TX_XID": XID}, lambda *a: None)
    wrapped({"REMOTE_ADDR": "127.0.0.1"}, lambda *a: None)
    assert stream.getvalue().splitlines() == [f"{XID}|handling", "|handling"]


def test_extra_xid_conflicts_with_the_factory_but_not_with_the_filter(factory_restored: None) -> None:
    logger, stream = capture("test.xid.filter")
    logger.handlers[0].addFilter(XidLogFilter())
    with bound(XID):
        logger.info("filtered")
    logger.info("explicit", extra={"xid": "10.0.0.5:8091:1"})
    logger.info("unbound")
    assert stream.getvalue().splitlines() == [f"{XID}|filtered", "10.0.0.5:8091:1|explicit", "|unbound"]
    install_xid_logging()
    with pytest.raises(KeyError, match="xid"):
        logger.info("explicit", extra={"xid": "10.0.0.5:8091:1"})


def test_filter_never_drops_records() -> None:
    record = logging.LogRecord("n", logging.DEBUG, "f", 1, "m", (), None)
    assert XidLogFilter().filter(record) is True
    assert record.xid == ""  # type: ignore[attr-defined]
