"""Service B of the XID propagation tests: a Flask (werkzeug) or FastAPI (uvicorn) app in its own process.

It joins the same TC as the test process, wraps its own database, and serves two mounts of the same
endpoints: ``/trusted`` (the default trust policy: loopback callers) and ``/untrusted`` (Flask: a trusted
network that excludes the caller; FastAPI: a trust callable that says no). It prints ``READY <port>`` on
stdout once it listens; logs go to stderr with the XID of each record.

    python tests/integration/services/xid_service.py flask|fastapi <tc host:port> '<pymysql kwargs json>'
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import sys
from typing import Any

import seata_py
from seata_py.log_context import install_xid_logging

log = logging.getLogger("xid_service")
UNTRUSTED_NETWORK = "10.255.0.0/16"


def write(db: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """B's part of the business action: move stock and record why, in one local transaction."""
    xid = seata_py.current_xid()
    log.info("writing sku=%s delta=%s", body["sku"], body["delta"])
    conn = seata_py.connect(**db)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE t_stock SET count = count + %s WHERE sku = %s", (body["delta"], body["sku"]))
            updated = cur.rowcount
            cur.execute("INSERT INTO t_log (sku, note) VALUES (%s, %s)", (body["sku"], body["note"]))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return {"xid": xid, "updated": updated}


def flask_app(db: dict[str, Any]) -> Any:
    from flask import Flask, jsonify, request
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from seata_py.integrations.wsgi import SeataWSGIMiddleware

    def make(name: str, **policy: Any) -> Flask:
        app = Flask(name)

        @app.get("/xid")
        def xid() -> Any:
            return jsonify(xid=seata_py.current_xid())

        @app.post("/write")
        def do_write() -> Any:
            return jsonify(write(db, request.get_json()))

        app.wsgi_app = SeataWSGIMiddleware(app.wsgi_app, **policy)  # type: ignore[method-assign]
        return app

    root = Flask("root")
    root.get("/health")(lambda: "ok")
    return DispatcherMiddleware(
        root,
        {"/trusted": make("trusted"), "/untrusted": make("untrusted", trusted_networks=[UNTRUSTED_NETWORK])},
    )


def fastapi_app(db: dict[str, Any]) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from seata_py.integrations.asgi import SeataASGIMiddleware

    def make(**policy: Any) -> FastAPI:
        app = FastAPI()

        @app.get("/xid")
        async def xid() -> dict[str, Any]:
            return {"xid": seata_py.current_xid()}

        @app.post("/write")
        def do_write(body: dict[str, Any]) -> dict[str, Any]:  # sync: runs in the thread pool
            return write(db, body)

        app.add_middleware(SeataASGIMiddleware, **policy)
        return app

    def refuse(peer: str | None, headers: Any) -> bool:
        log.info("trust callable asked about peer %s", peer)
        return False

    root = FastAPI()
    root.get("/health", response_class=PlainTextResponse)(lambda: "ok")
    root.mount("/trusted", make())
    root.mount("/untrusted", make(trust=refuse))
    return root


def serve_flask(app: Any) -> None:
    from werkzeug.serving import make_server

    from seata_py.integrations.wsgi import werkzeug_request_handler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=werkzeug_request_handler())
    print(f"READY {server.server_port}", flush=True)
    server.serve_forever()


def serve_fastapi(app: Any) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"READY {sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def main() -> None:
    framework, tc, db_json = sys.argv[1:4]
    db = json.loads(db_json)
    install_xid_logging()
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s [xid=%(xid)s] %(name)s: %(message)s"
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    seata_py.init(application_id=f"it-xid-b-{framework}", grouplist=tc, time_zone="UTC")
    try:
        seata_py.connect(**db).close()  # registers B's resource with the TC before any branch
        if framework == "flask":
            serve_flask(flask_app(db))
        else:
            serve_fastapi(fastapi_app(db))
    finally:
        seata_py.shutdown()


if __name__ == "__main__":
    main()
