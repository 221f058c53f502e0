"""The bridge between the one (sync) AT implementation and asyncio callers."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from seata_py.types.awaiting import bridged, pause, run_bridged, wait

where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")


def test_waits_are_awaited_on_the_callers_loop_and_results_come_back() -> None:
    def sync_code(x: int) -> tuple[int, bool, str]:
        assert bridged()
        doubled = wait(asyncio.sleep(0, result=x * 2))
        return doubled, threading.current_thread() is threading.main_thread(), where.get()

    async def main() -> tuple[int, bool, str]:
        where.set("task")
        return await run_bridged(sync_code, 21)

    assert asyncio.run(main()) == (42, True, "task")


def test_exceptions_travel_both_ways() -> None:
    async def fails() -> None:
        raise KeyError("from the loop")

    def sync_code() -> str:
        try:
            wait(fails())
        except KeyError as exc:
            raise ValueError(f"seen: {exc}") from exc
        return "unreachable"

    with pytest.raises(ValueError, match="seen: 'from the loop'"):
        asyncio.run(run_bridged(sync_code))


def test_pauses_leave_the_loop_free() -> None:
    ticks: list[int] = []

    async def ticker() -> None:
        for i in range(5):
            ticks.append(i)
            await asyncio.sleep(0.005)

    def sync_code() -> None:
        pause(0.05)

    async def main() -> None:
        await asyncio.gather(run_bridged(sync_code), ticker())

    asyncio.run(main())
    assert ticks == [0, 1, 2, 3, 4]


def test_outside_a_bridge_pause_sleeps_and_wait_refuses() -> None:
    assert not bridged()
    started = time.monotonic()
    pause(0.01)
    assert time.monotonic() - started >= 0.01
    with pytest.raises(RuntimeError, match="outside a bridged call"):
        wait(asyncio.sleep(0))


def test_cancellation_reaches_the_sync_code_where_it_waits() -> None:
    cleaned: list[str] = []

    def sync_code() -> None:
        try:
            wait(asyncio.sleep(10))
        finally:
            cleaned.append("finally ran")

    async def main() -> None:
        task = asyncio.create_task(run_bridged(sync_code))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cleaned == ["finally ran"]


def test_cpu_work_leaves_the_loop_when_bridged_and_runs_here_otherwise() -> None:
    from seata_py.types.awaiting import off_loop

    def which_thread() -> threading.Thread:
        return threading.current_thread()

    assert off_loop(which_thread) is threading.current_thread()

    async def main() -> tuple[threading.Thread, str]:
        where.set("caller")
        return await run_bridged(lambda: (off_loop(which_thread), off_loop(where.get)))

    worker, seen = asyncio.run(main())
    assert worker is not threading.main_thread()
    assert seen == "caller"  # the worker runs in a copy of the caller's context: the XID is there
