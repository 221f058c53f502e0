"""Async AT connections: an asyncio driver's connection, with the same AT semantics as the sync proxies.

There is no second copy of the AT logic. A driver package pairs the asyncio connection with a *facade*: an
object with the sync driver's face whose every call awaits the asyncio driver through
:func:`seata_py.types.awaiting.wait`. The package's sync proxy (interception, images, branch registration,
lock retries, savepoints) runs over that facade inside :func:`~seata_py.types.awaiting.run_bridged`, so its
waits (the database, the TC, retry pauses) are awaited on the caller's event loop and never block it.

Outside a global transaction and a global-lock scope a statement goes straight to the driver.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import TracebackType
from typing import Any

from seata_py.datasource.base import ATConnectionBase
from seata_py.types.awaiting import run_bridged, wait
from seata_py.types.context import current_xid, global_lock_required


class ConnectionFacade:
    """The base of a database package's facade: a sync driver connection's face over an asyncio one
    (``target``), whose calls await the driver's under :func:`~seata_py.types.awaiting.run_bridged`.
    Transaction ends are the same for every driver; the rest is the package's."""

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "target", target)

    def commit(self) -> None:
        wait(self.target.commit())

    def rollback(self) -> None:
        wait(self.target.rollback())

    def close(self) -> None:
        wait(self.target.close())


def _intercepting() -> bool:
    return current_xid() is not None or global_lock_required()


class AsyncATConnection:
    """Wraps an open asyncio driver connection; use it like that connection (its other attributes pass
    through). ``commit()``, ``rollback()`` and the cursors' ``execute()`` are awaitable as the driver's."""

    def __init__(self, target: Any, proxy: ATConnectionBase) -> None:
        self._target = target
        self._proxy = proxy  # the database package's sync proxy over the facade of ``target``

    def __setattr__(self, name: str, value: Any) -> None:
        _set(self, name, value)

    @property
    def target(self) -> Any:
        """The asyncio driver's own connection."""
        return self._target

    @property
    def proxy(self) -> ATConnectionBase:
        """The sync AT proxy doing the work (over a facade that awaits ``target``)."""
        return self._proxy

    @property
    def resource_id(self) -> str:
        return self._proxy.resource_id

    def has_transaction_state(self) -> bool:
        return self._proxy.has_transaction_state()

    async def commit(self) -> None:
        await run_bridged(self._proxy.commit)

    async def rollback(self) -> None:
        await run_bridged(self._proxy.rollback)

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Await ``fn(proxy, *args, **kwargs)``, a call of the sync proxy, on this loop."""
        return await run_bridged(fn, self._proxy, *args, **kwargs)

    async def __aenter__(self) -> AsyncATConnection:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await run_bridged(self._proxy.close)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


class AsyncATCursor:
    """An asyncio driver's cursor whose ``execute()`` / ``executemany()`` go through the AT proxy; fetches
    and everything else are the driver cursor's own."""

    def __init__(self, connection: AsyncATConnection, target: Any, sync_cursor: Any) -> None:
        object.__setattr__(self, "connection", connection)
        self._target = target
        self._sync = sync_cursor  # the sync proxy's cursor over the facade of ``target``
        self._proxied = False  # whether the last execute went through the proxy (it knows the row count)

    @property
    def target(self) -> Any:
        return self._target

    @property
    def rowcount(self) -> int:
        return self._sync.rowcount if self._proxied else self._target.rowcount  # type: ignore[no-any-return]

    async def execute(self, query: str, args: Any = None) -> Any:
        self._proxied = _intercepting()
        if not self._proxied:
            return await self._target.execute(query, args)
        return await run_bridged(self._sync.execute, query, args)

    async def executemany(self, query: str, args: Iterable[Any]) -> Any:
        self._proxied = _intercepting()
        if not self._proxied:
            return await self._target.executemany(query, args)
        return await run_bridged(self._sync.executemany, query, args)

    async def __aenter__(self) -> AsyncATCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        closing = self._target.close()
        if closing is not None and hasattr(closing, "__await__"):
            await closing

    def __aiter__(self) -> Any:
        return self._target.__aiter__()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        _set(self, name, value)


def _set(wrapper: Any, name: str, value: Any) -> None:
    """Settings written on a wrapper (``row_factory``, ``prepare_threshold``, ``arraysize``, ...) are the
    driver object's; the wrapper's own fields are private or declared on its class."""
    if name.startswith("_") or hasattr(type(wrapper), name):
        object.__setattr__(wrapper, name, value)
    else:
        setattr(wrapper._target, name, value)


class CursorOpening:
    """What ``connection.cursor()`` returns when the driver opens cursors asynchronously (aiomysql,
    aiosqlite): awaitable (``cur = await conn.cursor()``) and an async context manager (``async with
    conn.cursor() as cur``), as the driver's own."""

    def __init__(self, opening: Awaitable[Any], wrap: Callable[[Any], AsyncATCursor]) -> None:
        self._opening = opening
        self._wrap = wrap
        self._cursor: AsyncATCursor | None = None

    async def _open(self) -> AsyncATCursor:
        self._cursor = self._wrap(await self._opening)
        return self._cursor

    def __await__(self) -> Generator[Any, None, AsyncATCursor]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncATCursor:
        return await self._open()

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


def open_cursor(opened: Any, wrap: Callable[[Any], AsyncATCursor]) -> AsyncATCursor | CursorOpening:
    """The AT cursor over what the driver's ``cursor()`` returned, now or once awaited."""
    if inspect.isawaitable(opened):
        return CursorOpening(opened, wrap)
    return wrap(opened)
