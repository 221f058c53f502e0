"""Session-wide real services. With CI=true a service that cannot start fails the tests that need it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra import mariadb, seata_server
from tests.infra.common import ServiceUnavailable, in_ci

WORKDIR = Path(__file__).resolve().parent.parent / ".seata-test"
_BRING_UP: list[str] = []


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} could not be provided: {exc}"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(f"{message} (set CI=true to make this a failure)")


def _started(what: str, started: float, origin: str) -> None:
    _BRING_UP.append(f"{what}: {origin}, ready in {time.monotonic() - started:.1f}s")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _BRING_UP:
        terminalreporter.write_line(f"[infra] {line}")


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[mariadb.MySQLServer]:
    started = time.monotonic()
    try:
        server = mariadb.provide(WORKDIR)
    except (ServiceUnavailable, OSError) as exc:
        _unavailable("MariaDB/MySQL", exc)
    _started("MariaDB/MySQL", started, server.origin)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seata_tc() -> Iterator[seata_server.SeataServer]:
    started = time.monotonic()
    try:
        server = seata_server.provide(WORKDIR)
    except (ServiceUnavailable, OSError) as exc:
        _unavailable("Seata server", exc)
    _started("Seata server", started, server.origin)
    yield server
    server.stop()
