from __future__ import annotations

import asyncio
import threading
import time

import pytest

import seata_py
from seata_py import Propagation, Role
from seata_py.exceptions import PropagationError, TransactionError, TransactionTimeoutError
from seata_py.protocol import GlobalStatus
from seata_py.tm.api import global_transaction, global_transactional
from seata_py.tm.transaction import GlobalTransaction, TmSettings
from seata_py.types.context import bind_xid, current_xid, lock_retry_override, reset_xid
from tests.unit.tm.fake_backend import FakeBackend, Flaky

OUTER = "10.9.9.9:8091:77"


@pytest.fixture
def tc() -> FakeBackend:
    return FakeBackend()


def block(tc: FakeBackend, **options: object) -> global_transaction:
    return global_transaction("t", backend=tc, settings=TmSettings(commit_retry_count=3), **options)  # type: ignore[arg-type]


def test_launcher_commits_and_unbinds(tc: FakeBackend) -> None:
    with block(tc) as tx:
        assert tx.role is Role.LAUNCHER
        assert current_xid() == tx.xid
    assert current_xid() is None
    assert tc.calls == [("begin", tx.xid), ("commit", tx.xid)]
    assert tx.status is GlobalStatus.COMMITTED


def test_exception_rolls_back_and_propagates(tc: FakeBackend) -> None:
    with pytest.raises(ValueError, match="boom"), block(tc):
        raise ValueError("boom")
    assert tc.kinds() == ["begin", "rollback"]
    assert current_xid() is None


# (mode, outer present) -> (role inside, xid inside is the outer one?, calls, error)
MATRIX = [
    (Propagation.REQUIRED, True, Role.PARTICIPANT, "outer", []),
    (Propagation.REQUIRED, False, Role.LAUNCHER, "new", ["begin", "commit"]),
    (Propagation.REQUIRES_NEW, True, Role.LAUNCHER, "new", ["begin", "commit"]),
    (Propagation.REQUIRES_NEW, False, Role.LAUNCHER, "new", ["begin", "commit"]),
    (Propagation.NOT_SUPPORTED, True, Role.NONE, None, []),
    (Propagation.NOT_SUPPORTED, False, Role.NONE, None, []),
    (Propagation.SUPPORTS, True, Role.PARTICIPANT, "outer", []),
    (Propagation.SUPPORTS, False, Role.NONE, None, []),
    (Propagation.NEVER, False, Role.NONE, None, []),
    (Propagation.MANDATORY, True, Role.PARTICIPANT, "outer", []),
]


@pytest.mark.parametrize(("mode", "outer", "role", "inside", "calls"), MATRIX)
def test_propagation_matrix(
    tc: FakeBackend, mode: Propagation, outer: bool, role: Role, inside: str | None, calls: list[str]
) -> None:
    token = bind_xid(OUTER if outer else None)
    try:
        with block(tc, propagation=mode) as tx:
            assert tx.role is role
            seen = current_xid()
        assert current_xid() == (OUTER if outer else None)  # the outer transaction is back
    finally:
        reset_xid(token)
    assert tc.kinds() == calls
    if inside == "outer":
        assert seen == OUTER
    elif inside == "new":
        assert seen is not None and seen != OUTER and seen == tx.xid
    else:
        assert seen is None


def test_never_with_transaction_and_mandatory_without_are_refused(tc: FakeBackend) -> None:
    token = bind_xid(OUTER)
    try:
        with pytest.raises(PropagationError, match="NEVER"), block(tc, propagation="NEVER"):
            pytest.fail("must not run")
        assert current_xid() == OUTER
    finally:
        reset_xid(token)
    with pytest.raises(PropagationError, match="MANDATORY"), block(tc, propagation=Propagation.MANDATORY):
        pytest.fail("must not run")
    assert tc.calls == []


def test_requires_new_failure_rolls_back_only_the_inner(tc: FakeBackend) -> None:
    token = bind_xid(OUTER)
    try:
        with pytest.raises(KeyError), block(tc, propagation=Propagation.REQUIRES_NEW) as tx:
            raise KeyError("x")
        assert current_xid() == OUTER
    finally:
        reset_xid(token)
    assert tc.calls == [("begin", tx.xid), ("rollback", tx.xid)]


def test_participant_never_commits_or_rolls_back(tc: FakeBackend) -> None:
    with block(tc) as outer:
        with pytest.raises(RuntimeError), block(tc) as inner:
            assert inner.role is Role.PARTICIPANT and inner.xid == outer.xid
            raise RuntimeError("inner failure")
        assert tc.kinds() == ["begin"]
    assert tc.kinds() == ["begin", "commit"]


class AppError(Exception):
    pass


class PaymentDeclined(AppError):
    pass


@pytest.mark.parametrize(
    ("rollback_for", "no_rollback_for", "raised", "expected"),
    [
        ((), (), PaymentDeclined, "rollback"),
        ((AppError,), (), PaymentDeclined, "rollback"),
        ((), (AppError,), PaymentDeclined, "commit"),
        ((AppError,), (PaymentDeclined,), PaymentDeclined, "commit"),  # the nearer rule wins
        ((PaymentDeclined,), (AppError,), PaymentDeclined, "rollback"),
        ((PaymentDeclined,), (AppError,), AppError, "commit"),
        ((KeyError,), (), PaymentDeclined, "commit"),  # rules given, none matches: Seata commits
        (("Declined",), (), PaymentDeclined, "rollback"),  # name fragment, as Java matches class names
        ((), ("AppErr",), PaymentDeclined, "commit"),
    ],
)
def test_rollback_rules(
    tc: FakeBackend, rollback_for: tuple, no_rollback_for: tuple, raised: type[Exception], expected: str
) -> None:
    with pytest.raises(raised), block(tc, rollback_for=rollback_for, no_rollback_for=no_rollback_for):
        raise raised("x")
    assert tc.kinds() == ["begin", expected]


def test_cancellation_rolls_back_whatever_the_rules(tc: FakeBackend) -> None:
    with pytest.raises(KeyboardInterrupt), block(tc, no_rollback_for=[BaseException]):
        raise KeyboardInterrupt
    assert tc.kinds() == ["begin", "rollback"]


def test_client_side_timeout_rolls_back_instead_of_committing(tc: FakeBackend) -> None:
    with pytest.raises(TransactionTimeoutError, match="timeout of 20 ms") as info, block(tc, timeout_ms=20):
        time.sleep(0.05)
    assert tc.kinds() == ["begin", "rollback"]
    assert info.value.xid is not None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (GlobalStatus.TIMEOUT_ROLLBACKING, TransactionTimeoutError),
        (GlobalStatus.FINISHED, TransactionError),
        (GlobalStatus.COMMIT_FAILED, TransactionError),
    ],
)
def test_commit_answers_that_are_not_commits_raise(
    tc: FakeBackend, answer: GlobalStatus, error: type[Exception]
) -> None:
    tc.commit_answers = [answer]
    with pytest.raises(error, match=answer.name), block(tc):
        pass


def test_commit_is_retried_then_reported(tc: FakeBackend) -> None:
    tc.commit_answers = [Flaky("down"), Flaky("down"), GlobalStatus.COMMITTED]
    with block(tc):
        pass
    assert tc.kinds() == ["begin", "commit", "commit", "commit"]
    tc.calls.clear()
    tc.commit_answers = [Flaky("down")] * 3
    with pytest.raises(TransactionError, match="commit failed after 3 attempts"), block(tc):
        pass
    assert current_xid() is None


def test_rollback_failed_is_reported_with_the_cause(tc: FakeBackend) -> None:
    tc.rollback_answers = [GlobalStatus.ROLLBACK_FAILED]
    with pytest.raises(TransactionError, match="ROLLBACK_FAILED") as info, block(tc):
        raise ValueError("business failure")
    assert isinstance(info.value.__cause__, ValueError)


def test_block_cannot_be_entered_twice(tc: FakeBackend) -> None:
    scope = block(tc)
    with scope:
        pass
    with pytest.raises(TransactionError, match="entered twice"), scope:
        pass


def test_lock_retry_override_is_scoped(tc: FakeBackend) -> None:
    with block(tc, lock_retry_times=3):
        override = lock_retry_override()
        assert override is not None and override.times == 3 and override.interval_ms is None
    assert lock_retry_override() is None


def test_decorator_sync_and_names(tc: FakeBackend) -> None:
    @global_transactional(backend=tc, settings=TmSettings())
    def work(x: int) -> tuple[int, str | None]:
        return x * 2, current_xid()

    result, xid = work(21)
    assert result == 42 and xid is not None
    assert tc.kinds() == ["begin", "commit"]
    assert work.__name__ == "work"


def test_decorator_async_rolls_back(tc: FakeBackend) -> None:
    @global_transactional(backend=tc, settings=TmSettings(), propagation="REQUIRES_NEW")
    async def work() -> None:
        assert current_xid() is not None
        raise AppError("no")

    with pytest.raises(AppError):
        asyncio.run(work())
    assert tc.kinds() == ["begin", "rollback"]


def test_fifty_tasks_never_see_each_others_xid(tc: FakeBackend) -> None:
    seen: dict[int, set[str | None]] = {}

    async def one(i: int) -> str:
        async with block(tc) as tx:
            observed = set()
            for _ in range(5):
                observed.add(current_xid())
                await asyncio.sleep(0)
            seen[i] = observed
            assert tx.xid is not None
            return tx.xid

    async def main() -> list[str]:
        return await asyncio.gather(*(one(i) for i in range(50)))

    xids = asyncio.run(main())
    assert len(set(xids)) == 50
    assert all(seen[i] == {xids[i]} for i in range(50))
    assert tc.kinds().count("commit") == 50


def test_threads_never_see_each_others_xid(tc: FakeBackend) -> None:
    barrier = threading.Barrier(8)
    errors: list[str] = []

    def one() -> None:
        with block(tc) as tx:
            barrier.wait(5)
            if current_xid() != tx.xid:
                errors.append(f"{current_xid()} != {tx.xid}")

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert current_xid() is None


def test_explicit_transaction_object(tc: FakeBackend) -> None:
    tx = GlobalTransaction(backend=tc, settings=TmSettings(default_timeout_ms=1000))
    xid = tx.begin(name="explicit")
    assert current_xid() == xid and tx.timeout_ms == 1000
    with pytest.raises(TransactionError, match="already bound"):
        GlobalTransaction(backend=tc).begin()
    assert tx.get_status() is GlobalStatus.BEGIN
    suspended = GlobalTransaction.suspend()
    assert current_xid() is None and suspended is not None and suspended.xid == xid
    GlobalTransaction.resume(suspended)
    assert current_xid() == xid
    participant = GlobalTransaction.current(backend=tc)
    assert participant is not None and participant.role is Role.PARTICIPANT
    participant.commit()  # a participant does not end the transaction
    assert tc.kinds() == ["begin", "status"]
    assert tx.commit() is GlobalStatus.COMMITTED
    assert current_xid() is None


def test_public_names() -> None:
    for name in (
        "global_transaction",
        "global_transactional",
        "global_lock",
        "GlobalTransaction",
        "Propagation",
    ):
        assert hasattr(seata_py, name)


# -- regressions from review ---------------------------------------------------------------------------------


def test_generator_functions_are_refused_at_decoration(tc: FakeBackend) -> None:
    with pytest.raises(TypeError, match="generator function"):

        @global_transactional(backend=tc, settings=TmSettings())
        def rows():  # type: ignore[no-untyped-def]
            yield 1

    with pytest.raises(TypeError, match="generator function"):

        @global_transactional(backend=tc, settings=TmSettings())
        async def arows():  # type: ignore[no-untyped-def]
            yield 1

    assert tc.calls == []


def test_sync_function_returning_a_coroutine_is_rolled_back(tc: FakeBackend) -> None:
    async def later() -> None:
        pass

    @global_transactional(backend=tc, settings=TmSettings())
    def lazy():  # type: ignore[no-untyped-def]
        return later()

    with pytest.raises(TypeError, match="outside the global transaction"):
        lazy()
    assert tc.kinds() == ["begin", "rollback"]


def test_static_and_class_methods(tc: FakeBackend) -> None:
    class Service:
        @global_transactional(backend=tc, settings=TmSettings())
        @staticmethod
        async def place() -> str | None:
            return current_xid()

        @global_transactional(backend=tc, settings=TmSettings())
        @classmethod
        def cancel(cls) -> tuple[type, str | None]:
            return cls, current_xid()

    assert asyncio.run(Service.place()) is not None
    owner, xid = Service.cancel()
    assert owner is Service and xid is not None
    assert tc.kinds() == ["begin", "commit", "begin", "commit"]


def test_timeout_wins_over_no_rollback_rules(tc: FakeBackend) -> None:
    with pytest.raises(TransactionTimeoutError), block(tc, timeout_ms=20, no_rollback_for=[KeyError]):
        time.sleep(0.05)
        raise KeyError("x")
    assert tc.kinds() == ["begin", "rollback"]


def test_timeout_with_a_failed_rollback_is_reported_as_such(tc: FakeBackend) -> None:
    tc.rollback_answers = [GlobalStatus.ROLLBACK_FAILED]
    with pytest.raises(TransactionError, match="ROLLBACK_FAILED") as info, block(tc, timeout_ms=20):
        time.sleep(0.05)
    assert not isinstance(info.value, TransactionTimeoutError)


def test_decorator_options_survive_many_calls(tc: FakeBackend) -> None:
    decorator = global_transactional(
        name="purchase", backend=tc, settings=TmSettings(), no_rollback_for=(e for e in [KeyError])
    )

    @decorator
    def first() -> None:
        raise KeyError("keep")

    @decorator
    def second() -> None:
        raise KeyError("keep")

    for fn in (first, first, second):
        with pytest.raises(KeyError):
            fn()
    assert tc.kinds() == ["begin", "commit"] * 3


def test_shared_global_lock_instance_across_tasks() -> None:
    from seata_py.types.context import global_lock_required

    lock = seata_py.global_lock(lock_retry_times=3)

    async def one() -> bool:
        async with lock:
            await asyncio.sleep(0.01)
            inside = global_lock_required() and lock_retry_override() is not None
        return inside and not global_lock_required() and lock_retry_override() is None

    async def main() -> list[bool]:
        return await asyncio.gather(one(), one(), one())

    assert asyncio.run(main()) == [True, True, True]


def test_bare_global_lock_decorates_methods() -> None:
    from seata_py.types.context import global_lock_required

    class Repo:
        @seata_py.global_lock
        def save(self, x: int) -> tuple[int, bool]:
            return x, global_lock_required()

        @seata_py.global_lock
        async def asave(self) -> bool:
            return global_lock_required()

    assert Repo().save(3) == (3, True)
    assert asyncio.run(Repo().asave()) is True
    import inspect

    assert inspect.iscoroutinefunction(Repo.asave)
    assert not global_lock_required()


def test_block_closed_from_another_context_restores_cleanly(tc: FakeBackend) -> None:
    async def stream():  # type: ignore[no-untyped-def]
        async with block(tc, lock_retry_times=3):
            yield 1
            yield 2

    async def main() -> None:
        agen = stream()
        assert await agen.__anext__() == 1
        await asyncio.get_running_loop().create_task(agen.aclose())  # closed by another task

    asyncio.run(main())
    assert tc.kinds()[0] == "begin"


def test_a_begin_check_refuses_before_anything_begins_and_is_not_asked_when_joining(tc: FakeBackend) -> None:
    from seata_py.tm import api

    asked: list[str] = []

    def refuse(name: str) -> None:
        asked.append(name)
        if name == "t":
            raise TransactionError("refused by the check")

    api.add_begin_check(refuse)
    api.add_begin_check(refuse)  # once only
    try:
        with pytest.raises(TransactionError, match="refused by the check"), block(tc):
            pass
        assert tc.calls == [] and current_xid() is None
        token = bind_xid(OUTER)
        try:
            with block(tc) as tx:  # joins OUTER: nothing begins, nothing to check
                assert tx.role is Role.PARTICIPANT
        finally:
            reset_xid(token)
        assert asked == ["t"]
    finally:
        api._BEGIN_CHECKS.remove(refuse)
