"""SeataASGIMiddleware with FastAPI: async and thread-pool endpoints, tasks, trust, rejection, passing."""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import BackgroundTasks, FastAPI, WebSocket
from fastapi.responses import StreamingResponse

from seata_py.integrations.asgi import SeataASGIMiddleware
from seata_py.types.context import current_xid

with warnings.catch_warnings():
    # starlette asks for "httpx2" (a UserWarning); httpx is what this package integrates with
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

XID = "10.0.0.5:8091:42"
LOCAL = ("127.0.0.1", 50000)


def make_app(**middleware: Any) -> tuple[FastAPI, dict[str, Any]]:
    seen: dict[str, Any] = {"calls": [], "lifespan": None, "background": []}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        seen["lifespan"] = "started"
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/async")
    async def in_task() -> dict[str, Any]:
        seen["calls"].append(current_xid())
        return {"xid": current_xid()}

    @app.get("/sync")
    def in_thread_pool() -> dict[str, Any]:
        seen["calls"].append(current_xid())
        return {"xid": current_xid()}

    @app.get("/child-task")
    async def child_task() -> dict[str, Any]:
        async def child() -> str | None:
            return current_xid()

        return {"xid": await asyncio.create_task(child())}

    @app.get("/background")
    async def background(tasks: BackgroundTasks) -> dict[str, Any]:
        tasks.add_task(lambda: seen["background"].append(current_xid()))
        return {}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[str]:
            for index in range(2):
                yield f"{index}={current_xid()};"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/slow")
    async def slow() -> dict[str, Any]:
        before = current_xid()
        await asyncio.sleep(random.random() / 50)
        return {"before": before, "after": current_xid()}

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json({"xid": current_xid()})
        await ws.close()

    app.add_middleware(SeataASGIMiddleware, **middleware)
    return app, seen


def test_async_and_thread_pool_endpoints_see_the_xid() -> None:
    app, seen = make_app()
    with TestClient(app, client=LOCAL) as client:
        assert client.get("/async", headers={"TX_XID": XID}).json() == {"xid": XID}
        assert client.get("/sync", headers={"TX_XID": XID}).json() == {"xid": XID}
        assert client.get("/async").json() == {"xid": None}
        assert client.get("/sync").json() == {"xid": None}
    assert seen["calls"] == [XID, XID, None, None]
    assert current_xid() is None


def test_tasks_background_work_and_streamed_bodies_inherit_it() -> None:
    app, seen = make_app()
    with TestClient(app, client=LOCAL) as client:
        assert client.get("/child-task", headers={"tx_xid": XID}).json() == {"xid": XID}
        client.get("/background", headers={"TX_XID": XID})
        assert client.get("/stream", headers={"TX_XID": XID}).text == f"0={XID};1={XID};"
    assert seen["background"] == [XID]


def test_untrusted_caller_is_not_bound_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    app, seen = make_app(trusted_networks=["10.0.0.0/8"])
    with TestClient(app, client=LOCAL) as client:
        answer = client.get("/async", headers={"TX_XID": XID})
    assert answer.status_code == 200 and answer.json() == {"xid": None}
    assert seen["calls"] == [None]
    assert "untrusted peer 127.0.0.1" in caplog.text


def test_default_policy_does_not_trust_a_peer_without_address() -> None:
    app, _ = make_app()
    with TestClient(app) as client:  # starlette's default client host is "testclient"
        assert client.get("/async", headers={"TX_XID": XID}).json() == {"xid": None}


def test_trust_callable() -> None:
    app, _ = make_app(trust=lambda peer, headers: headers.get("x-caller") == "orders")
    with TestClient(app, client=("203.0.113.5", 1)) as client:
        assert client.get("/async", headers={"TX_XID": XID}).json() == {"xid": None}
        assert client.get("/async", headers={"TX_XID": XID, "X-Caller": "orders"}).json() == {"xid": XID}


def test_trusted_malformed_xid_gets_400_and_the_endpoint_is_not_called() -> None:
    app, seen = make_app()
    with TestClient(app, client=LOCAL) as client:
        answer = client.get("/async", headers={"TX_XID": "10.0.0.5:8091:abc"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/json")
    document = answer.json()
    assert document["error"] == "invalid_xid"
    assert "transaction id 'abc' is not a non-negative decimal integer" in document["message"]
    assert seen["calls"] == []


def test_websocket_and_lifespan_pass_through() -> None:
    app, seen = make_app()
    with TestClient(app, client=LOCAL) as client:
        assert seen["lifespan"] == "started"
        with client.websocket_connect("/ws", headers={"TX_XID": XID}) as ws:
            assert ws.receive_json() == {"xid": None}


def test_concurrent_requests_each_see_their_own_xid() -> None:
    app, _ = make_app()

    async def one(client: httpx.AsyncClient, index: int) -> Any:
        headers = {"TX_XID": f"10.0.0.5:8091:{index}"} if index % 2 else {}
        return (await client.get("/slow", headers=headers)).json()

    async def main() -> list[Any]:
        transport = httpx.ASGITransport(app=app, client=LOCAL)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            return await asyncio.gather(*(one(client, i) for i in range(30)))

    results = asyncio.run(main())
    expected = [
        {"before": f"10.0.0.5:8091:{i}", "after": f"10.0.0.5:8091:{i}"}
        if i % 2
        else {"before": None, "after": None}
        for i in range(30)
    ]
    assert results == expected
