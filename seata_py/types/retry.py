"""The one lock-retry policy: how often, and how far apart, a statement tries again for a global row lock.

Every loop that waits for a global lock (BranchRegister at commit, an autocommit statement run again, a
``global_lock`` commit asking the TC, SELECT ... FOR UPDATE) walks :meth:`LockRetry.attempts` of the policy
:meth:`LockRetry.in_force` returns, so the configured values and a block's override apply everywhere alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from seata_py.types.awaiting import pause
from seata_py.types.context import lock_retry_override


@dataclass(frozen=True)
class Attempt:
    number: int  # 0 for the first try
    last: bool  # no wait and no further attempt follows this one


@dataclass
class LockRetry:
    """``times`` more attempts after the first, ``interval_ms`` apart (Java's client.rm.lock.*)."""

    interval_ms: int = 10  # client.rm.lock.retryInterval
    times: int = 30  # client.rm.lock.retryTimes

    def in_force(self) -> LockRetry:
        """This policy with the fields the enclosing ``global_transaction(lock_retry_...)`` /
        ``global_lock(...)`` block overrides replaced."""
        override = lock_retry_override()
        if override is None:
            return self
        return replace(
            self,
            interval_ms=self.interval_ms if override.interval_ms is None else override.interval_ms,
            times=self.times if override.times is None else override.times,
        )

    def attempts(self) -> Iterator[Attempt]:
        """The attempts in order, sleeping ``interval_ms`` before each one after the first; a loop that
        breaks or returns early sleeps no more."""
        count = max(self.times, 0) + 1
        for number in range(count):
            if number:
                pause(self.interval_ms / 1000)  # on the caller's event loop when it is an async one
            yield Attempt(number, last=number == count - 1)
