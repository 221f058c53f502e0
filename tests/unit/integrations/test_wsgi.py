"""SeataWSGIMiddleware with Flask: binding around the view and the streamed body, trust, rejection."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, stream_with_context
from werkzeug.serving import make_server

from seata_py.integrations.wsgi import SeataWSGIMiddleware, werkzeug_request_handler
from seata_py.types.context import current_xid

XID = "10.0.0.5:8091:42"


def make_app(**middleware: Any) -> tuple[Flask, list[str | None]]:
    app = Flask("xid-test")
    calls: list[str | None] = []

    @app.get("/xid")
    def xid() -> Any:
        calls.append(current_xid())
        return jsonify(xid=current_xid())

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            for index in range(3):
                yield f"{index}={current_xid()};"

        return Response(chunks(), mimetype="text/plain")

    @app.get("/stream-with-context")
    def stream_ctx() -> Response:
        def chunks() -> Iterator[str]:
            yield f"{current_xid()}"

        return Response(stream_with_context(chunks()))

    app.wsgi_app = SeataWSGIMiddleware(app.wsgi_app, **middleware)  # type: ignore[method-assign]
    return app, calls


LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def test_trusted_xid_is_bound_for_the_view_and_unbound_after() -> None:
    app, calls = make_app()
    client = app.test_client()
    answer = client.get("/xid", headers={"TX_XID": XID}, environ_base=LOCAL)
    assert answer.status_code == 200 and answer.get_json() == {"xid": XID}
    assert current_xid() is None
    assert client.get("/xid", environ_base=LOCAL).get_json() == {"xid": None}
    assert calls == [XID, None]


def test_lowercase_header_is_the_same_header() -> None:
    app, _ = make_app()
    answer = app.test_client().get("/xid", headers={"tx_xid": XID}, environ_base=LOCAL)
    assert answer.get_json() == {"xid": XID}


def test_blank_header_is_ignored() -> None:
    app, calls = make_app()
    answer = app.test_client().get("/xid", headers={"TX_XID": " "}, environ_base=LOCAL)
    assert answer.status_code == 200 and calls == [None]


def test_xid_is_bound_while_the_body_is_produced_and_not_between_chunks() -> None:
    app, _ = make_app()
    client = app.test_client()
    answer = client.get("/stream", headers={"TX_XID": XID}, environ_base=LOCAL, buffered=False)
    seen_between: list[str | None] = []
    body = b""
    for chunk in answer.response:
        seen_between.append(current_xid())
        body += chunk if isinstance(chunk, bytes) else chunk.encode()
    answer.close()
    assert body.decode() == f"0={XID};1={XID};2={XID};"
    assert seen_between == [None, None, None]
    with_context = client.get("/stream-with-context", headers={"TX_XID": XID}, environ_base=LOCAL)
    assert with_context.get_data(as_text=True) == XID


def test_untrusted_caller_runs_without_transaction_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    app, calls = make_app(trusted_networks=["10.0.0.0/8"])
    answer = app.test_client().get("/xid", headers={"TX_XID": XID}, environ_base=LOCAL)
    assert answer.status_code == 200 and answer.get_json() == {"xid": None}
    assert calls == [None]
    assert "untrusted peer 127.0.0.1" in caplog.text and "10.0.0.0/8" in caplog.text


def test_trust_callable_that_says_no() -> None:
    app, _ = make_app(trust=lambda peer, headers: headers.get("x-caller") == "orders")
    client = app.test_client()
    refused = client.get("/xid", headers={"TX_XID": XID}, environ_base=LOCAL)
    accepted = client.get(
        "/xid", headers={"TX_XID": XID, "X-Caller": "orders"}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
    )
    assert refused.get_json() == {"xid": None}
    assert accepted.get_json() == {"xid": XID}


def test_trust_all() -> None:
    app, _ = make_app(trust_all=True)
    answer = app.test_client().get(
        "/xid", headers={"TX_XID": XID}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
    )
    assert answer.get_json() == {"xid": XID}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not-an-xid", "expected <ip-or-host>:<port>:<transaction id>"),
        ("10.0.0.5:99999:1", "port 99999 is not in 1-65535"),
        (f"{XID}, 10.0.0.5:8091:43", "2 different XIDs"),
    ],
)
def test_trusted_malformed_xid_gets_400_and_the_view_is_not_called(value: str, reason: str) -> None:
    app, calls = make_app()
    answer = app.test_client().get("/xid", headers={"TX_XID": value}, environ_base=LOCAL)
    assert answer.status_code == 400
    document = answer.get_json()
    assert document["error"] == "invalid_xid" and document["header"] == "TX_XID"
    assert reason in document["reason"] and reason in document["message"]
    assert calls == []


def test_untrusted_malformed_xid_is_ignored_not_rejected() -> None:
    app, calls = make_app()
    answer = app.test_client().get(
        "/xid", headers={"TX_XID": "garbage"}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
    )
    assert answer.status_code == 200 and calls == [None]


# -- a real werkzeug server: concurrency, and the header werkzeug drops ---------------------------------


class Served:
    def __init__(self, app: Any, threaded: bool = True, **kwargs: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=threaded, **kwargs)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def get(self, path: str, headers: dict[str, str] | None = None, raw: bool = False) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            return response.status, body.decode() if raw else json.loads(body)
        finally:
            conn.close()


def test_werkzeug_server_drops_tx_xid_without_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    app, _ = make_app()
    with Served(app) as served:
        assert served.get("/xid", {"TX_XID": XID}) == (200, {"xid": None})
        served.get("/xid")
    assert caplog.text.count("werkzeug_request_handler()") == 1  # warned once


def test_werkzeug_request_handler_passes_tx_xid(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    app, _ = make_app()
    with Served(app, request_handler=werkzeug_request_handler()) as served:
        assert served.get("/xid", {"TX_XID": XID}) == (200, {"xid": XID})
        assert served.get("/xid", {"tx_xid": XID}) == (200, {"xid": XID})
        assert served.get("/xid") == (200, {"xid": None})
    assert "werkzeug_request_handler()" not in caplog.text


def test_concurrent_requests_do_not_share_xids() -> None:
    app = Flask("xid-concurrency")
    both_inside = threading.Barrier(2, timeout=10)

    @app.get("/slow")
    def slow() -> Any:
        before = current_xid()
        both_inside.wait()  # the two requests overlap in two server threads
        return jsonify(before=before, after=current_xid())

    app.wsgi_app = SeataWSGIMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    results: dict[str, Any] = {}
    with Served(app, request_handler=werkzeug_request_handler()) as served:

        def call(name: str, headers: dict[str, str]) -> None:
            results[name] = served.get("/slow", headers)

        threads = [
            threading.Thread(target=call, args=("with", {"TX_XID": XID})),
            threading.Thread(target=call, args=("without", {})),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
    assert results == {
        "with": (200, {"before": XID, "after": XID}),
        "without": (200, {"before": None, "after": None}),
    }


def test_one_server_thread_serves_a_request_without_xid_after_one_with() -> None:
    app, calls = make_app()
    threads: list[int] = []

    @app.get("/thread")
    def thread() -> Any:
        threads.append(threading.get_ident())
        return jsonify(xid=current_xid())

    with Served(app, threaded=False, request_handler=werkzeug_request_handler()) as served:
        assert served.get("/thread", {"TX_XID": XID}) == (200, {"xid": XID})
        assert served.get("/stream", {"TX_XID": XID}, raw=True) == (200, f"0={XID};1={XID};2={XID};")
        assert served.get("/thread") == (200, {"xid": None})
        assert served.get("/xid") == (200, {"xid": None})
    assert len(set(threads)) == 1 and calls == [None]
