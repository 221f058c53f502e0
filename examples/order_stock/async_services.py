"""The four demo services as FastAPI applications on asyncio: the same routes, rules and databases as
services.py, with seata-py's async connections (aiosqlite, aiomysql, psycopg's AsyncConnection), the ASGI
middleware binding the caller's XID and an httpx AsyncClient sending it on.

    python async_services.py stock --port 8101 --db sqlite:///tmp/demo/stock.db --tc 127.0.0.1:8091

(the other services and options as in services.py; ``seata-py demo --async`` starts all four)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from shop import PRICES_CENTS, Database

import seata_py
import seata_py.aio
from seata_py.integrations.asgi import SeataASGIMiddleware
from seata_py.integrations.httpx import SeataAsyncClient

log = logging.getLogger("demo")


class Conflict(Exception):
    """A business rule said no (409)."""


class Upstream(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def connect_at(db: Database) -> Any:
    """An async connection whose writes inside a global transaction become AT branches."""
    if db.kind == "sqlite":
        return await seata_py.aio.connect_sqlite(db.path)
    if db.kind == "postgresql":
        return await seata_py.aio.connect_postgresql(db.url)
    kwargs = db.mysql_kwargs()
    kwargs["db"] = kwargs.pop("database")
    return await seata_py.aio.connect_mysql(**kwargs)


async def update_one(db: Database, statement: str, args: tuple[Any, ...]) -> int:
    """One local transaction (a branch inside a global transaction); the statement's row count."""
    conn = await connect_at(db)
    try:
        cur = await _cursor(conn)
        await cur.execute(db.sql(statement), args)
        rows = int(cur.rowcount)
        await conn.commit()
        return rows
    except BaseException:
        await conn.rollback()
        raise
    finally:
        # aiomysql/asyncmy: ensure_closed() is the graceful close (their close() just drops the socket)
        await (getattr(conn, "ensure_closed", None) or conn.close)()


async def _cursor(conn: Any) -> Any:
    cursor = conn.cursor()
    return await cursor if hasattr(cursor, "__await__") else cursor


def build_app(service: str, db: Database | None, args: argparse.Namespace) -> FastAPI:
    client = SeataAsyncClient(timeout=30)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(lifespan=lifespan)

    async def call(url: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(url, json=payload)
        if response.status_code != 200:
            raise Upstream(response.status_code, response.json().get("error", response.text))
        return dict(response.json())

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=409)

    @app.exception_handler(httpx.HTTPError)
    async def unreachable(request: Request, exc: httpx.HTTPError) -> JSONResponse:
        return JSONResponse({"error": f"upstream failed: {type(exc).__name__}: {exc}"}, status_code=502)

    @app.exception_handler(Upstream)
    async def upstream(request: Request, exc: Upstream) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=409 if exc.status == 409 else 502)

    if service == "stock":
        assert db is not None

        @app.post("/deduct")
        async def deduct(payload: dict[str, Any]) -> dict[str, Any]:
            statement = "UPDATE stock SET count = count - %s WHERE sku = %s AND count >= %s"
            count, sku = payload["count"], payload["sku"]
            if await update_one(db, statement, (count, sku, count)) != 1:
                raise Conflict(f"not enough stock of {sku}")
            log.info("deducted %s x %s xid=%s", count, sku, seata_py.current_xid())
            return {"deducted": count}

    elif service == "account":
        assert db is not None

        @app.post("/debit")
        async def debit(payload: dict[str, Any]) -> dict[str, Any]:
            statement = (
                "UPDATE account SET balance_cents = balance_cents - %s "
                "WHERE user_id = %s AND balance_cents >= %s"
            )
            amount, user = payload["amount_cents"], payload["user_id"]
            if await update_one(db, statement, (amount, user, amount)) != 1:
                raise Conflict(f"insufficient balance for {user}")
            log.info("debited %s cents from %s xid=%s", amount, user, seata_py.current_xid())
            return {"debited": amount}

    elif service == "order":
        assert db is not None

        @app.post("/create")
        async def create(payload: dict[str, Any]) -> dict[str, Any]:
            if payload.get("crash"):
                log.error("crash injected: the order service dies now xid=%s", seata_py.current_xid())
                os._exit(17)
            order_no = uuid.uuid4().hex[:12]
            amount = PRICES_CENTS[payload["sku"]] * int(payload["count"])
            statement = (
                "INSERT INTO orders (order_no, user_id, sku, count, amount_cents) VALUES (%s, %s, %s, %s, %s)"
            )
            await update_one(
                db, statement, (order_no, payload["user_id"], payload["sku"], payload["count"], amount)
            )
            await call(f"{args.account}/debit", {"user_id": payload["user_id"], "amount_cents": amount})
            return {"order_no": order_no, "amount_cents": amount}

    else:

        @app.post("/purchase")
        async def purchase(payload: dict[str, Any]) -> dict[str, Any]:
            async with seata_py.global_transaction("purchase", timeout_ms=60000) as tx:
                await call(f"{args.stock}/deduct", {"sku": payload["sku"], "count": payload["count"]})
                order = {k: payload[k] for k in ("user_id", "sku", "count")}
                created = await call(
                    f"{args.order}/create", order | {"crash": bool(payload.get("crash_order"))}
                )
                hold = payload.get("hold_file")
                if hold:  # the demo looks at the undo_log rows while the transaction is in flight
                    Path(hold + ".reached").write_text(tx.xid or "")
                    deadline = time.monotonic() + 30
                    while Path(hold).exists() and time.monotonic() < deadline:
                        await asyncio.sleep(0.02)
                return {"xid": tx.xid, **created}

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("service", choices=["account", "business", "order", "stock"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--db", help="sqlite:///path, mysql://user:pw@host:port/db or postgresql://...")
    parser.add_argument("--tc", required=True, help="TC address host:port")
    parser.add_argument("--stock", default="http://127.0.0.1:8101")
    parser.add_argument("--order", default="http://127.0.0.1:8102")
    parser.add_argument("--account", default="http://127.0.0.1:8103")
    args = parser.parse_args(argv)
    seata_py.init(application_id=f"demo-async-{args.service}", grouplist=args.tc)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {args.service:>8} %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    db = Database(args.db) if args.db else None
    app: Callable[..., Awaitable[None]] = SeataASGIMiddleware(build_app(args.service, db, args))
    print(f"{args.service} (asyncio) listening on http://{args.host}:{args.port}", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        seata_py.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
