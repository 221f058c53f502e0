"""The four demo services, each its own process and database, tied by one global transaction.

    python services.py stock    --port 8101 --db sqlite:///tmp/demo/stock.db   --tc 127.0.0.1:8091
    python services.py account  --port 8103 --db sqlite:///tmp/demo/account.db --tc 127.0.0.1:8091
    python services.py order    --port 8102 --db sqlite:///tmp/demo/order.db   --tc 127.0.0.1:8091 \\
                                --account http://127.0.0.1:8103
    python services.py business --port 8100 --tc 127.0.0.1:8091 \\
                                --stock http://127.0.0.1:8101 --order http://127.0.0.1:8102

business  POST /purchase {user_id, sku, count}: global transaction → stock /deduct, then order /create
stock     POST /deduct   {sku, count}: fails with 409 when there is not enough stock
order     POST /create   {user_id, sku, count}: inserts the order, then account /debit; {"crash": true} kills
                                the process on the spot (a crash after stock was deducted)
account   POST /debit    {user_id, amount_cents}: fails with 409 on insufficient balance

``--db`` also takes ``mysql://user:pw@host:port/db`` and ``postgresql://user:pw@host:port/db`` URLs.

Every service wraps its app in SeataWSGIMiddleware, so the TX_XID header binds the caller's transaction
(callers on loopback are trusted by default), and uses seata-py connections, so its writes become branches.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from shop import PRICES_CENTS, Database, ServiceError, call

import seata_py
from seata_py.integrations.wsgi import SeataWSGIMiddleware

log = logging.getLogger("demo")

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class Conflict(Exception):
    """A business rule said no (409)."""


def json_app(routes: dict[str, Handler]) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = routes.get(environ.get("PATH_INFO", ""))
        if handler is None or environ["REQUEST_METHOD"] != "POST":
            return _answer(start_response, "404 Not Found", {"error": "no such route"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
        try:
            return _answer(start_response, "200 OK", handler(payload))
        except Conflict as exc:
            return _answer(start_response, "409 Conflict", {"error": str(exc)})
        except ServiceError as exc:
            status = "409 Conflict" if exc.status == 409 else "502 Bad Gateway"
            return _answer(start_response, status, {"error": exc.message})
        except Exception as exc:
            log.exception("request failed")
            return _answer(
                start_response, "500 Internal Server Error", {"error": f"{type(exc).__name__}: {exc}"}
            )

    return app


def _answer(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def run_in_transaction(db: Database, work: Callable[[Any], Any]) -> Any:
    """One local transaction on a fresh seata-py connection; inside a global transaction it is a branch."""
    conn = db.connect_at()
    try:
        result = work(conn)
        conn.commit()
        return result
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def stock_routes(db: Database, args: argparse.Namespace) -> dict[str, Handler]:
    def deduct(payload: dict[str, Any]) -> dict[str, Any]:
        def work(conn: Any) -> int:
            cur = conn.cursor()
            cur.execute(
                db.sql("UPDATE stock SET count = count - %s WHERE sku = %s AND count >= %s"),
                (payload["count"], payload["sku"], payload["count"]),
            )
            return int(cur.rowcount)

        if run_in_transaction(db, work) != 1:
            raise Conflict(f"not enough stock of {payload['sku']}")
        log.info("deducted %s x %s xid=%s", payload["count"], payload["sku"], seata_py.current_xid())
        return {"deducted": payload["count"]}

    return {"/deduct": deduct}


def account_routes(db: Database, args: argparse.Namespace) -> dict[str, Handler]:
    def debit(payload: dict[str, Any]) -> dict[str, Any]:
        def work(conn: Any) -> int:
            cur = conn.cursor()
            cur.execute(
                db.sql(
                    "UPDATE account SET balance_cents = balance_cents - %s "
                    "WHERE user_id = %s AND balance_cents >= %s"
                ),
                (payload["amount_cents"], payload["user_id"], payload["amount_cents"]),
            )
            return int(cur.rowcount)

        if run_in_transaction(db, work) != 1:
            raise Conflict(f"insufficient balance for {payload['user_id']}")
        log.info(
            "debited %s cents from %s xid=%s",
            payload["amount_cents"],
            payload["user_id"],
            seata_py.current_xid(),
        )
        return {"debited": payload["amount_cents"]}

    return {"/debit": debit}


def order_routes(db: Database, args: argparse.Namespace) -> dict[str, Handler]:
    def create(payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("crash"):
            log.error("crash injected: the order service dies now xid=%s", seata_py.current_xid())
            os._exit(17)
        order_no = uuid.uuid4().hex[:12]
        amount = PRICES_CENTS[payload["sku"]] * int(payload["count"])

        def work(conn: Any) -> None:
            conn.cursor().execute(
                db.sql(
                    "INSERT INTO orders (order_no, user_id, sku, count, amount_cents) "
                    "VALUES (%s, %s, %s, %s, %s)"
                ),
                (order_no, payload["user_id"], payload["sku"], payload["count"], amount),
            )

        run_in_transaction(db, work)
        call(f"{args.account}/debit", {"user_id": payload["user_id"], "amount_cents": amount})
        return {"order_no": order_no, "amount_cents": amount}

    return {"/create": create}


def business_routes(db: Database | None, args: argparse.Namespace) -> dict[str, Handler]:
    def purchase(payload: dict[str, Any]) -> dict[str, Any]:
        with seata_py.global_transaction("purchase", timeout_ms=60000) as tx:
            call(f"{args.stock}/deduct", {"sku": payload["sku"], "count": payload["count"]})
            created = call(
                f"{args.order}/create",
                {k: payload[k] for k in ("user_id", "sku", "count")}
                | {"crash": bool(payload.get("crash_order"))},
            )
            hold = payload.get("hold_file")
            if hold:  # the demo looks at the undo_log rows while the transaction is in flight
                Path(hold + ".reached").write_text(tx.xid or "")
                deadline = time.monotonic() + 30
                while Path(hold).exists() and time.monotonic() < deadline:
                    time.sleep(0.02)
            return {"xid": tx.xid, **created}

    return {"/purchase": purchase}


ROUTES = {
    "stock": stock_routes,
    "account": account_routes,
    "order": order_routes,
    "business": business_routes,
}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("service", choices=sorted(ROUTES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--db", help="sqlite:///path, mysql://user:pw@host:port/db or postgresql://... (not for business)"
    )
    parser.add_argument("--tc", required=True, help="TC address host:port")
    parser.add_argument("--stock", default="http://127.0.0.1:8101")
    parser.add_argument("--order", default="http://127.0.0.1:8102")
    parser.add_argument("--account", default="http://127.0.0.1:8103")
    args = parser.parse_args(argv)
    seata_py.init(application_id=f"demo-{args.service}", grouplist=args.tc)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {args.service:>8} %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    db = Database(args.db) if args.db else None
    routes = ROUTES[args.service](db, args)  # type: ignore[arg-type]
    app = SeataWSGIMiddleware(json_app(routes))
    server = make_server(args.host, args.port, app, server_class=_Server, handler_class=_QuietHandler)
    print(f"{args.service} listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        seata_py.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
