"""requests and httpx send the XID bound at send time as TX_XID, to a real local HTTP server."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import requests

from seata_py.integrations import httpx as seata_httpx
from seata_py.integrations import requests as seata_requests
from tests.unit.integrations.support import bound

XID = "10.0.0.5:8091:42"
OTHER = "10.0.0.5:8091:43"


class EchoHandler(BaseHTTPRequestHandler):
    """Answers with the TX_XID headers it received (all of them, to catch duplicates)."""

    def _answer(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"tx_xid": self.headers.get_all("TX_XID") or []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- requests --------------------------------------------------------------------------------------------


def test_session_adds_the_xid_bound_at_send_time(echo_url: str) -> None:
    session = seata_requests.SeataSession()  # built outside any transaction
    assert session.get(f"{echo_url}/echo").json() == {"tx_xid": []}
    with bound(XID):
        assert session.post(f"{echo_url}/echo", json={}).json() == {"tx_xid": [XID]}
    with bound(OTHER):
        assert session.get(f"{echo_url}/echo").json() == {"tx_xid": [OTHER]}
    assert session.get(f"{echo_url}/echo").json() == {"tx_xid": []}


def test_install_on_an_existing_session_is_idempotent(echo_url: str) -> None:
    session = requests.Session()
    assert seata_requests.install(session) is session
    seata_requests.install(session)
    with bound(XID):
        assert session.get(f"{echo_url}/echo").json() == {"tx_xid": [XID]}


def test_explicit_header_wins(echo_url: str) -> None:
    session = seata_requests.SeataSession()
    with bound(XID):
        answer = session.get(f"{echo_url}/echo", headers={"tx_xid": OTHER}).json()
    assert answer == {"tx_xid": [OTHER]}


def test_resending_a_prepared_request_does_not_keep_an_old_xid(echo_url: str) -> None:
    session = seata_requests.SeataSession()
    prepared = session.prepare_request(requests.Request("GET", f"{echo_url}/echo"))
    with bound(XID):
        assert session.send(prepared).json() == {"tx_xid": [XID]}
    assert "TX_XID" not in prepared.headers
    with bound(OTHER):
        assert session.send(prepared).json() == {"tx_xid": [OTHER]}
    assert session.send(prepared).json() == {"tx_xid": []}


def test_redirects_keep_the_xid(echo_url: str) -> None:
    with bound(XID):
        response = seata_requests.SeataSession().get(f"{echo_url}/redirect")
    assert response.history and response.json() == {"tx_xid": [XID]}


def test_threads_sharing_a_session_each_send_their_own(echo_url: str) -> None:
    session = seata_requests.SeataSession()
    results: dict[int, list[str]] = {}

    def worker(index: int) -> None:
        xid = f"10.0.0.5:8091:{index}" if index % 2 else None
        if xid is None:
            results[index] = session.get(f"{echo_url}/echo").json()["tx_xid"]
            return
        with bound(xid):
            results[index] = session.get(f"{echo_url}/echo").json()["tx_xid"]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {i: ([f"10.0.0.5:8091:{i}"] if i % 2 else []) for i in range(12)}


# -- httpx -----------------------------------------------------------------------------------------------


def test_httpx_client_adds_the_xid_bound_at_send_time(echo_url: str) -> None:
    with seata_httpx.SeataClient(base_url=echo_url) as client:
        assert client.get("/echo").json() == {"tx_xid": []}
        with bound(XID):
            assert client.get("/echo").json() == {"tx_xid": [XID]}
        assert client.get("/echo").json() == {"tx_xid": []}


def test_httpx_install_keeps_user_hooks_and_is_idempotent(echo_url: str) -> None:
    seen: list[str | None] = []
    client = httpx.Client(
        base_url=echo_url, event_hooks={"request": [lambda r: seen.append(r.headers.get("x"))]}
    )
    seata_httpx.install(client)
    seata_httpx.install(client)
    assert len(client.event_hooks["request"]) == 2
    with client, bound(XID):
        assert client.get("/echo", headers={"x": "1"}).json() == {"tx_xid": [XID]}
    assert seen == ["1"]


def test_httpx_resending_a_request_uses_the_current_xid(echo_url: str) -> None:
    with seata_httpx.SeataClient(base_url=echo_url) as client:
        request = client.build_request("GET", "/echo")
        with bound(XID):
            assert client.send(request).json() == {"tx_xid": [XID]}
        with bound(OTHER):
            assert client.send(request).json() == {"tx_xid": [OTHER]}
        assert client.send(request).json() == {"tx_xid": []}
        explicit = client.build_request("GET", "/echo", headers={"TX_XID": OTHER})
        with bound(XID):
            assert client.send(explicit).json() == {"tx_xid": [OTHER]}


def test_httpx_redirect_carries_the_xid_once(echo_url: str) -> None:
    with seata_httpx.SeataClient(base_url=echo_url, follow_redirects=True) as client, bound(XID):
        response = client.get("/redirect")
    assert response.history and response.json() == {"tx_xid": [XID]}


def test_async_client_sends_each_tasks_own_xid(echo_url: str) -> None:
    async def one(client: httpx.AsyncClient, index: int) -> list[str]:
        await asyncio.sleep(random.random() / 100)
        if index % 3 == 0:
            return (await client.get("/echo")).json()["tx_xid"]
        with bound(f"10.0.0.5:8091:{index}"):
            await asyncio.sleep(random.random() / 100)  # other tasks run in between
            return (await client.get("/echo")).json()["tx_xid"]

    async def main() -> list[list[str]]:
        async with seata_httpx.SeataAsyncClient(base_url=echo_url) as client:
            return await asyncio.gather(*(one(client, i) for i in range(20)))

    results = asyncio.run(main())
    assert results == [([] if i % 3 == 0 else [f"10.0.0.5:8091:{i}"]) for i in range(20)]


def test_async_install_uses_an_async_hook(echo_url: str) -> None:
    async def main() -> list[str]:
        client = seata_httpx.install(httpx.AsyncClient(base_url=echo_url))
        async with client:
            with bound(XID):
                return (await client.get("/echo")).json()["tx_xid"]

    assert asyncio.run(main()) == [XID]
