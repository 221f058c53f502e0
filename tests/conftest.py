"""Session-wide real services. With CI=true a service that cannot start fails the tests that need it.

``seata_tc`` is parametrized: every test that uses it runs against the real Seata server (``seata-server``)
and against seata-py's embedded TC (``embedded``), with the same assertions. ``SEATA_PY_TEST_TCS`` narrows
the list (e.g. ``SEATA_PY_TEST_TCS=embedded``). A test that records a fact only the real server has is
marked ``@pytest.mark.seata_server_only(reason=...)`` and is skipped, with that reason, for the embedded TC.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra import embedded_tc, mariadb, seata_server
from tests.infra.common import ServiceUnavailable, in_ci

WORKDIR = Path(__file__).resolve().parent.parent / ".seata-test"
_BRING_UP: list[str] = []

TC_KINDS = ("seata-server", "embedded")


def _tc_kinds() -> list[str]:
    wanted = os.environ.get("SEATA_PY_TEST_TCS")
    if not wanted:
        return list(TC_KINDS)
    kinds = [k.strip() for k in wanted.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(TC_KINDS))
    if unknown:
        raise pytest.UsageError(f"SEATA_PY_TEST_TCS: unknown {unknown}; known: {', '.join(TC_KINDS)}")
    return kinds


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} could not be provided: {exc}"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(f"{message} (set CI=true to make this a failure)")


def _started(what: str, started: float, origin: str) -> None:
    _BRING_UP.append(f"{what}: {origin}, ready in {time.monotonic() - started:.1f}s")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "seata_server_only(reason): asserts a behaviour only the real Seata server has; "
        "skipped for the embedded TC",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("seata_server_only")
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None or callspec.params.get("seata_tc") != "embedded":
        return
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else None)
    if not reason:
        raise pytest.UsageError(f"{item.nodeid}: seata_server_only needs a reason")
    pytest.skip(f"specific to the real Seata server: {reason}")


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


@pytest.fixture(scope="session", params=_tc_kinds())
def seata_tc(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The TC under test: ``.host``, ``.port``, ``.address``, ``.origin``, ``.restartable``, ``.kill()``,
    ``.start_again()``, ``.log_tail()``, ``.stop()``."""
    kind = request.param
    started = time.monotonic()
    server: Any
    if kind == "embedded":
        try:
            server = embedded_tc.provide(WORKDIR)
        except (ServiceUnavailable, OSError) as exc:
            _unavailable("embedded TC", exc)
        _started("Seata TC (embedded)", started, server.origin)
    else:
        try:
            server = seata_server.provide(WORKDIR)
        except (ServiceUnavailable, OSError) as exc:
            _unavailable("Seata server", exc)
        _started("Seata TC (seata-server)", started, server.origin)
    yield server
    server.stop()
