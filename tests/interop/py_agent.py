"""A seata-py service for the cross-language tests, driven like the Java agent: one JSON request per line on
stdin, one JSON answer per line on stdout. Run as ``python -m tests.interop.py_agent`` with ``SEATA_*``
settings in the environment (TC address, application id, undo class prefix); logs go to stderr.

Requests: datasource, begin, bind, unbind, exec, commit, rollback, status, halt. A datasource is opened with
``seata_py.connect`` (MySQL, the default) or, with ``"kind": "postgresql"``, ``seata_py.connect_postgresql``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import Token
from typing import Any

import seata_py
from seata_py.types.context import bind_xid, current_xid, reset_xid


class Agent:
    def __init__(self) -> None:
        self.connections: dict[str, Any] = {}
        self.token: Token[str | None] | None = None

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "datasource":
            if request.get("kind", "mysql") == "postgresql":
                conn = seata_py.connect_postgresql(**request["kwargs"])
            else:
                conn = seata_py.connect(**request["kwargs"])
            self.connections[request["name"]] = conn
            return {"resource_id": conn.resource_id}
        if op == "begin":
            tx = seata_py.GlobalTransaction()
            xid = tx.begin(request.get("timeout", 60000), request.get("name", "py-agent"))
            self._bind(xid)
            return {"xid": xid}
        if op == "bind":
            self._bind(request["xid"])
            return {}
        if op == "unbind":
            self._bind(None)
            return {}
        if op == "exec":
            return {"counts": self._execute(request["ds"], request["statements"])}
        if op in ("commit", "rollback", "status"):
            tx = seata_py.GlobalTransaction(xid=request["xid"])
            status = tx.commit() if op == "commit" else tx.rollback() if op == "rollback" else tx.get_status()
            if op != "status":
                self._bind(None)
            return {"status": status.name}
        if op == "halt":
            # a crash: no rollback, no undo cleanup, the TC sees the connection drop
            os._exit(137)
        raise ValueError(f"unknown op {op!r}")

    def _bind(self, xid: str | None) -> None:
        if self.token is not None:
            reset_xid(self.token)
            self.token = None
        if xid is not None:
            self.token = bind_xid(xid)
        elif current_xid() is not None:
            bind_xid(None)  # what begin() bound itself: the agent's one context is unbound now

    def _execute(self, name: str, statements: list[dict[str, Any]]) -> list[int]:
        conn = self.connections[name]
        counts = []
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    sql = statement["sql"].replace("?", "%s")
                    result = cur.execute(sql, statement.get("params") or None)
                    # pymysql answers the row count; psycopg answers the cursor, which holds it
                    counts.append(result if isinstance(result, int) else cur.rowcount)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return counts


def _describe(exc: BaseException) -> dict[str, Any]:
    causes = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 5:
        causes.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__ or cause.__context__
    return {"class": type(exc).__name__, "message": str(exc), "causes": causes}


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    protocol = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write on the protocol's stream
    seata_py.init()
    agent = Agent()
    protocol.write(json.dumps({"ok": True, "ready": True}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"ok": True, **agent.handle(json.loads(line))}
        except Exception as exc:
            logging.getLogger("py_agent").info("request failed: %s", exc)
            answer = {"ok": False, "error": _describe(exc)}
        protocol.write(json.dumps(answer, default=str) + "\n")
        protocol.flush()
    seata_py.shutdown()


if __name__ == "__main__":
    main()
