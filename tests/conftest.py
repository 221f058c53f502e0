"""Session-wide real services. With CI=true a service that cannot start fails the tests that need it.

``seata_tc`` is parametrized: every test that uses it runs against the real Seata server (``seata-server``,
classic protocol: 2.0.0 has no gRPC), against seata-py's embedded TC with classic clients (``embedded``) and
against the embedded TC with gRPC clients (``embedded-grpc``), with the same assertions.
``SEATA_PY_TEST_TCS`` narrows the list (a comma list of ids, e.g. ``SEATA_PY_TEST_TCS=embedded-grpc``).

The client transport of each parameter is ``seata_tc.transport``. Before every test (before its fixtures, so
module fixtures that call ``seata_py.init`` or start services see it too) ``SEATA_TRANSPORT_TYPE`` is set to
the transport of the test's parameter, or back to its value at start-up for tests without ``seata_tc``; the
services tests start as subprocesses inherit it. Tests building an ``RpcConfig`` pass ``seata_tc.transport``.

A test that records a fact only the real server has is marked ``@pytest.mark.seata_server_only(reason=...)``
and is skipped, with that reason, for the embedded TC; one that is about the classic wire itself is marked
``@pytest.mark.classic_transport_only(reason=...)`` and is skipped for gRPC clients.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra import embedded_tc, mariadb, postgres, seata_server
from tests.infra.common import ServiceUnavailable, in_ci

WORKDIR = Path(__file__).resolve().parent.parent / ".seata-test"
_BRING_UP: list[str] = []

TC_KINDS = ("seata-server", "embedded", "embedded-grpc")
# The client transport each kind is tested with (RpcConfig.transport, SEATA_TRANSPORT_TYPE).
TC_TRANSPORTS = {"seata-server": "tcp", "embedded": "tcp", "embedded-grpc": "grpc"}
TRANSPORT_ENV = "SEATA_TRANSPORT_TYPE"
EMBEDDED_KINDS = frozenset({"embedded", "embedded-grpc"})
_TRANSPORT_ENV_AT_START = os.environ.get(TRANSPORT_ENV)


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
    config.addinivalue_line(
        "markers",
        "classic_transport_only(reason): about the classic Seata wire itself; skipped for gRPC clients",
    )


def _marker_reason(item: pytest.Item, name: str) -> str | None:
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else None)
    if not reason:
        raise pytest.UsageError(f"{item.nodeid}: {name} needs a reason")
    return str(reason)


def _set_client_transport(transport: str | None) -> None:
    if transport is None:
        os.environ.pop(TRANSPORT_ENV, None)
    else:
        os.environ[TRANSPORT_ENV] = transport


def pytest_runtest_setup(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    kind = callspec.params.get("seata_tc") if callspec is not None else None
    # Tests are grouped by TC kind, and module fixtures of a group are set up with its first test: setting
    # the variable for every test gives each group, and everything it starts, its own transport.
    _set_client_transport(TC_TRANSPORTS[kind] if kind is not None else _TRANSPORT_ENV_AT_START)
    if kind is None:
        return
    server_only = _marker_reason(item, "seata_server_only")
    if server_only is not None and kind in EMBEDDED_KINDS:
        pytest.skip(f"specific to the real Seata server: {server_only}")
    classic_only = _marker_reason(item, "classic_transport_only")
    if classic_only is not None and TC_TRANSPORTS[kind] != "tcp":
        pytest.skip(f"specific to the classic transport: {classic_only}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    _set_client_transport(_TRANSPORT_ENV_AT_START)


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
def postgres_server() -> Iterator[postgres.PostgresServer]:
    started = time.monotonic()
    try:
        server = postgres.provide(WORKDIR)
    except (ServiceUnavailable, OSError) as exc:
        _unavailable("PostgreSQL", exc)
    _started("PostgreSQL", started, server.origin)
    yield server
    server.stop()


_TCS: dict[str, Any] = {}  # kind -> server: one per kind for the whole session, shared by every fixture


def provide_tc(kind: str) -> Any:
    """The session's TC of ``kind``, started on first use and stopped when the session ends."""
    if kind in _TCS:
        return _TCS[kind]
    started = time.monotonic()
    server: Any
    if kind in EMBEDDED_KINDS:
        try:
            server = embedded_tc.provide(WORKDIR, transport=TC_TRANSPORTS[kind])
        except (ServiceUnavailable, OSError) as exc:
            _unavailable("embedded TC", exc)
        _started(f"Seata TC ({kind})", started, server.origin)
    else:
        try:
            server = seata_server.provide(WORKDIR)
        except (ServiceUnavailable, OSError) as exc:
            _unavailable("Seata server", exc)
        _started("Seata TC (seata-server)", started, server.origin)
    _TCS[kind] = server
    return server


@pytest.fixture(scope="session", params=_tc_kinds())
def seata_tc(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The TC under test: ``.host``, ``.port``, ``.address``, ``.origin``, ``.transport``, ``.restartable``,
    ``.kill()``, ``.start_again()``, ``.log_tail()``, ``.stop()``."""
    kind = request.param
    server = provide_tc(kind)
    assert server.transport == TC_TRANSPORTS[kind]
    assert os.environ.get(TRANSPORT_ENV) == server.transport  # set by pytest_runtest_setup
    yield server


@pytest.fixture(scope="session")
def real_seata_server() -> Any:
    """The real Seata server alone (the cross-language tests: the Java client speaks the classic protocol)."""
    return provide_tc("seata-server")


@pytest.fixture(scope="session", autouse=True)
def _stop_tcs() -> Iterator[None]:
    yield
    while _TCS:
        _TCS.popitem()[1].stop()
