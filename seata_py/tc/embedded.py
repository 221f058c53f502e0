"""The TC inside the current process, on its own background thread and event loop."""

from __future__ import annotations

import dataclasses
from types import TracebackType
from typing import Any

from seata_py.rpc.loop import BackgroundLoop
from seata_py.tc.config import MEMORY_STORE, TCConfig
from seata_py.tc.server import TCServer
from seata_py.tc.store import Store

_START_TIMEOUT = 30.0


class EmbeddedTC:
    """``with EmbeddedTC() as tc: seata_py.init(grouplist=tc.address, ...)``.

    ``store`` is ``":memory:"`` (default), a SQLite file path, or a store object; other keyword arguments
    are :class:`~seata_py.tc.config.TCConfig` settings (``retry_period=0.1``, ``rpc_timeout=2``, ...).
    After the first start the actual ports are kept, so ``stop()`` then ``start()`` comes back on the same
    address with the same store.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        store: str | Store = MEMORY_STORE,
        *,
        advertise_host: str | None = None,
        status_port: int | None = None,
        **settings: Any,
    ) -> None:
        self._store = None if isinstance(store, str) else store
        self.config = TCConfig(
            host=host,
            port=port,
            store=store if isinstance(store, str) else store.description,
            advertise_host=advertise_host,
            status_port=status_port,
        ).with_overrides(**settings)
        self._loop: BackgroundLoop | None = None
        self._server: TCServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> EmbeddedTC:
        if self._server is not None:
            return self
        loop = BackgroundLoop(name="seata-py-tc")
        loop.start()
        server = TCServer(self.config, self._store)
        try:
            loop.run(server.start(), timeout=_START_TIMEOUT)
        except BaseException:
            loop.stop()
            raise
        self._loop, self._server = loop, server
        self.config = dataclasses.replace(self.config, port=server.port, status_port=server.status_port)
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        self._loop = self._server = None
        if loop is None or server is None:
            return
        try:
            loop.run(server.close(), timeout=_START_TIMEOUT)
        finally:
            loop.stop()

    def __enter__(self) -> EmbeddedTC:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where it is ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def host(self) -> str:
        """The host clients connect to (and XIDs name)."""
        return self.config.xid_host

    @property
    def port(self) -> int:
        return self.config.port

    @property
    def address(self) -> str:
        """``host:port`` for ``seata_py.init(grouplist=...)``."""
        return f"{self.host}:{self.port}"

    @property
    def status_url(self) -> str | None:
        if self.config.status_port is None:
            return None
        return f"http://{self.host}:{self.config.status_port}/status"

    def status(self) -> dict[str, Any]:
        """The same data ``GET /status`` answers, read on the TC's loop."""
        loop, server = self._require()

        async def snapshot() -> dict[str, Any]:
            return server.status()

        return loop.run(snapshot(), timeout=_START_TIMEOUT)

    @property
    def server(self) -> TCServer:
        """The running server (on another thread: only for reading, or through :meth:`run`)."""
        return self._require()[1]

    def run(self, coro: Any, timeout: float = _START_TIMEOUT) -> Any:
        """Run a coroutine on the TC's loop (tests use it to reach the coordinator safely)."""
        return self._require()[0].run(coro, timeout=timeout)

    def _require(self) -> tuple[BackgroundLoop, TCServer]:
        if self._loop is None or self._server is None:
            raise RuntimeError("the embedded TC is not running; call start()")
        return self._loop, self._server
