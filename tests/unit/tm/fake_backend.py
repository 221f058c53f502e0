"""A scripted TM backend: records every call, answers what the test says (unit tests only)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from seata_py.exceptions import SeataError
from seata_py.protocol import GlobalStatus


@dataclass
class FakeBackend:
    commit_answers: list[GlobalStatus | Exception] = field(default_factory=list)
    rollback_answers: list[GlobalStatus | Exception] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _answer(self, answers: list[GlobalStatus | Exception], default: GlobalStatus) -> GlobalStatus:
        answer = answers.pop(0) if answers else default
        if isinstance(answer, Exception):
            raise answer
        return answer

    def begin(self, name: str = "default", timeout_ms: int = 60000) -> str:
        xid = f"10.0.0.1:8091:{next(self._ids)}"
        self.calls.append(("begin", xid))
        return xid

    def commit(self, xid: str) -> GlobalStatus:
        self.calls.append(("commit", xid))
        return self._answer(self.commit_answers, GlobalStatus.COMMITTED)

    def rollback(self, xid: str) -> GlobalStatus:
        self.calls.append(("rollback", xid))
        return self._answer(self.rollback_answers, GlobalStatus.ROLLBACKED)

    def status(self, xid: str) -> GlobalStatus:
        self.calls.append(("status", xid))
        return GlobalStatus.BEGIN

    def report(self, xid: str, status: GlobalStatus) -> GlobalStatus:
        self.calls.append(("report", xid))
        return status

    async def abegin(self, name: str = "default", timeout_ms: int = 60000) -> str:
        await asyncio.sleep(0)
        return self.begin(name, timeout_ms)

    async def acommit(self, xid: str) -> GlobalStatus:
        await asyncio.sleep(0)
        return self.commit(xid)

    async def arollback(self, xid: str) -> GlobalStatus:
        await asyncio.sleep(0)
        return self.rollback(xid)

    async def astatus(self, xid: str) -> GlobalStatus:
        return self.status(xid)

    async def areport(self, xid: str, status: GlobalStatus) -> GlobalStatus:
        return self.report(xid, status)

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]


class Flaky(SeataError):
    """An RPC failure the TM retries."""
