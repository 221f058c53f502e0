"""A client or service process the tests drive over pipes: one JSON request per line, one answer per line.

The Java agent (the real Seata Java client) and the Python agent (a seata-py service) answer the same
requests, so a test can hand one global transaction back and forth between the two languages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from .common import ServiceUnavailable, tail

REPO = Path(__file__).resolve().parent.parent.parent


class AgentError(RuntimeError):
    """The agent answered a request with an exception (its class, message and causes are kept)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error_class = str(error.get("class"))
        self.error_message = str(error.get("message"))
        self.causes = [str(c) for c in error.get("causes") or ()]
        super().__init__(" <- ".join([f"{self.error_class}: {self.error_message}", *self.causes]))


class PipeAgent:
    kind = "agent"

    def __init__(self, workdir: Path, application: str) -> None:
        self.application = application
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stderr = self.dir / f"{application}.stderr"
        self.proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def command(self) -> tuple[list[str], dict[str, str] | None]:
        raise NotImplementedError

    def start(self, timeout: float = 120) -> PipeAgent:
        command, env = self.command()
        with open(self.stderr, "a") as err:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                encoding="utf-8",
                start_new_session=True,
                cwd=REPO,
                env=env,
            )
        hello = self._read(timeout)
        if not hello.get("ready"):
            raise ServiceUnavailable(f"{self.kind} did not start: {hello}\n{self.diagnostics()}")
        self.hello = hello
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _read(self, timeout: float) -> dict[str, Any]:
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        stdout = proc.stdout
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result:
            raise ServiceUnavailable(
                f"no answer from the {self.kind} within {timeout}s\n{self.diagnostics()}"
            )
        if not result[0]:
            raise ServiceUnavailable(f"the {self.kind} exited\n{self.diagnostics()}")
        return json.loads(result[0])

    def request(self, op: str, timeout: float = 90, **fields: Any) -> dict[str, Any]:
        with self._lock:
            if not self.alive:
                raise ServiceUnavailable(f"the {self.kind} is not running\n{self.diagnostics()}")
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            self.proc.stdin.flush()
            answer = self._read(timeout)
        if not answer.get("ok"):
            raise AgentError(answer.get("error") or {})
        return answer

    # -- requests both agents answer ---------------------------------------------------------------------

    def begin(self, timeout_ms: int = 60_000, name: str = "interop") -> str:
        """Begin a global transaction as its launcher and bind its XID in the agent."""
        return str(self.request("begin", timeout=timeout_ms / 1000 + 30, name=name)["xid"])

    def bind(self, xid: str) -> None:
        self.request("bind", xid=xid)

    def unbind(self) -> None:
        self.request("unbind")

    def execute(self, ds: str, *statements: str | tuple[str, list[Any]]) -> list[int]:
        """The statements (``?`` placeholders) in one local transaction on ``ds``: one AT branch when an XID
        is bound."""
        items = [
            {"sql": s, "params": []} if isinstance(s, str) else {"sql": s[0], "params": list(s[1])}
            for s in statements
        ]
        return [int(c) for c in self.request("exec", ds=ds, statements=items)["counts"]]

    # Statuses come back as one spelling for both languages: Java's "RollbackRetrying" and seata-py's
    # "ROLLBACK_RETRYING" are both "rollbackretrying".
    def commit(self, xid: str) -> str:
        return _status(self.request("commit", xid=xid)["status"])

    def rollback(self, xid: str) -> str:
        return _status(self.request("rollback", xid=xid)["status"])

    def status(self, xid: str) -> str:
        return _status(self.request("status", xid=xid)["status"])

    def halt(self) -> None:
        """End the process the way a crash would: no rollback, no cleanup."""
        assert self.proc is not None and self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps({"op": "halt"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def diagnostics(self) -> str:
        return f"--- {self.kind} stderr:\n{tail(self.stderr, 60)}"


def _status(name: Any) -> str:
    return str(name).replace("_", "").lower()


class PyAgent(PipeAgent):
    """A seata-py service process (tests/interop/py_agent.py) configured through ``SEATA_*`` variables."""

    kind = "Python agent"

    def __init__(self, tc_address: str, workdir: Path, application: str, settings: dict[str, str]) -> None:
        super().__init__(workdir, application)
        self.env = {
            **os.environ,
            "SEATA_APPLICATION_ID": application,
            "SEATA_GROUPLIST": tc_address,
            **settings,
        }

    def command(self) -> tuple[list[str], dict[str, str] | None]:
        return [sys.executable, "-m", "tests.interop.py_agent"], self.env

    def datasource(self, name: str, **connect_kwargs: Any) -> str:
        return str(self.request("datasource", name=name, kwargs=connect_kwargs)["resource_id"])

    def datasource_postgres(self, name: str, **connect_kwargs: Any) -> str:
        """A ``seata_py.connect_postgresql(**connect_kwargs)`` connection named ``name``; its resource id."""
        answer = self.request("datasource", name=name, kind="postgresql", kwargs=connect_kwargs)
        return str(answer["resource_id"])

    @property
    def log_text(self) -> str:
        return self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
