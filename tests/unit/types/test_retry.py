"""The one lock-retry policy every lock wait walks."""

from __future__ import annotations

import pytest

from seata_py.types import retry
from seata_py.types.context import LockRetryOverride, bind_lock_retry, reset_lock_retry
from seata_py.types.retry import LockRetry


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(retry, "pause", slept.append)
    return slept


@pytest.mark.parametrize("times", [0, 1, 3])
def test_attempts_are_one_plus_times_with_a_wait_between_each(times: int, sleeps: list[float]) -> None:
    attempts = list(LockRetry(interval_ms=25, times=times).attempts())
    assert [a.number for a in attempts] == list(range(times + 1))
    assert [a.last for a in attempts] == [False] * times + [True]
    assert sleeps == [0.025] * times


def test_negative_times_still_tries_once(sleeps: list[float]) -> None:
    assert [a.last for a in LockRetry(interval_ms=5, times=-2).attempts()] == [True]
    assert sleeps == []


def test_a_loop_that_stops_early_waits_no_more(sleeps: list[float]) -> None:
    for attempt in LockRetry(interval_ms=10, times=5).attempts():
        if attempt.number == 1:
            break
    assert sleeps == [0.01]


def test_in_force_applies_only_the_overridden_fields() -> None:
    configured = LockRetry(interval_ms=10, times=30)
    assert configured.in_force() is configured
    token = bind_lock_retry(LockRetryOverride(times=2))
    try:
        assert configured.in_force() == LockRetry(interval_ms=10, times=2)
    finally:
        reset_lock_retry(token)
    assert configured.in_force() is configured
