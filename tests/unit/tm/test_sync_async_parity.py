"""Sync and async callers run the same TM logic: the same TC calls, state, log lines and errors."""

from __future__ import annotations

import asyncio
import logging

import pytest

from seata_py.exceptions import TransactionError
from seata_py.protocol import GlobalStatus
from seata_py.tm.api import global_transaction
from seata_py.tm.transaction import GlobalTransaction, TmSettings
from seata_py.types.context import current_xid
from tests.unit.tm.fake_backend import FakeBackend, Flaky

SETTINGS = TmSettings(commit_retry_count=3, rollback_retry_count=2)


def _messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(record.levelno, record.getMessage()) for record in caplog.records]


def _sync_run(tc: FakeBackend, fail: bool) -> None:
    with global_transaction("p", backend=tc, settings=SETTINGS):
        if fail:
            raise ValueError("x")


async def _async_run(tc: FakeBackend, fail: bool) -> None:
    async with global_transaction("p", backend=tc, settings=SETTINGS):
        if fail:
            raise ValueError("x")


@pytest.mark.parametrize("fail", [False, True])
def test_sync_and_async_blocks_call_and_log_alike(caplog: pytest.LogCaptureFixture, fail: bool) -> None:
    seen = []
    for runner in (_sync_run, lambda tc, f: asyncio.run(_async_run(tc, f))):
        tc = FakeBackend(commit_answers=[Flaky("down"), GlobalStatus.COMMITTED])
        tc.rollback_answers = [Flaky("down"), GlobalStatus.ROLLBACKED]
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="seata_py.tm"):
            if fail:
                with pytest.raises(ValueError):
                    runner(tc, fail)
            else:
                runner(tc, fail)
        seen.append((tc.kinds(), _messages(caplog)))
        assert current_xid() is None
    assert seen[0] == seen[1]
    end = "rollback" if fail else "commit"
    assert seen[0][0] == ["begin", end, end]  # one RPC failure, retried
    assert [level for level, _ in seen[0][1]] == [logging.INFO, logging.WARNING, logging.INFO]


def test_async_retries_give_up_with_the_same_error() -> None:
    tc = FakeBackend(rollback_answers=[Flaky("down")] * 2)
    tx = GlobalTransaction(backend=tc, settings=SETTINGS)

    async def main() -> None:
        await tx.abegin(name="r")
        await tx.arollback()

    with pytest.raises(TransactionError, match="rollback failed after 2 attempts") as info:
        asyncio.run(main())
    assert isinstance(info.value.__cause__, Flaky)
    assert tc.kinds() == ["begin", "rollback", "rollback"]
    assert current_xid() is None


def test_cancelled_commit_still_unbinds_the_xid() -> None:
    class Hanging(FakeBackend):
        async def acommit(self, xid: str) -> GlobalStatus:
            self.calls.append(("commit", xid))
            await asyncio.sleep(10)
            raise AssertionError("not reached")

    tc = Hanging()

    async def launch() -> None:
        tx = GlobalTransaction(backend=tc, settings=SETTINGS)
        await tx.abegin(name="c")
        try:
            await tx.acommit()
        finally:
            unbound.append(current_xid() is None)

    async def main() -> None:
        task = asyncio.get_running_loop().create_task(launch())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    unbound: list[bool] = []
    asyncio.run(main())
    assert unbound == [True] and tc.kinds() == ["begin", "commit"]


def test_status_and_report_share_one_path() -> None:
    tc = FakeBackend()
    tx = GlobalTransaction(backend=tc, settings=SETTINGS)
    assert tx.get_status() is GlobalStatus.UNKNOWN  # not begun: the TC is not asked
    tx.begin(name="s")
    assert asyncio.run(tx.aget_status()) is tx.get_status() is GlobalStatus.BEGIN
    assert asyncio.run(tx.areport(GlobalStatus.COMMITTED)) is GlobalStatus.COMMITTED
    assert tx.report(GlobalStatus.ROLLBACKED) is tx.status is GlobalStatus.ROLLBACKED
    assert tc.kinds() == ["begin", "status", "status", "report", "report"]
    tx.commit()
