"""Phase 2 as the embedded TC drives it: order, retries, failures, timeouts and which RM gets the push."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from seata_py.exceptions import GlobalTransactionNotActiveError
from seata_py.protocol import BranchStatus, BranchType, GlobalStatus
from seata_py.tc import EmbeddedTC
from tests.unit.tc.conftest import FAST, RESOURCE, Client, eventually

RETRYABLE = BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE
UNRETRYABLE = BranchStatus.PHASE_TWO_ROLLBACK_FAILED_UNRETRYABLE


def test_at_commit_is_answered_before_phase_two_runs(connect: Callable[..., Client]) -> None:
    client = connect()
    tc, rm = client.tc, client.rm
    xid = tc.begin("async-commit", 60000)
    branches = [tc.branch_register(xid, RESOURCE, f"t:{i}") for i in range(2)]
    rm.gate.clear()
    try:
        assert tc.commit(xid) is GlobalStatus.COMMITTED
        assert rm.wait_for(lambda: len(rm.committed(xid)) == 1)
        assert tc.status(xid) is GlobalStatus.ASYNC_COMMITTING
    finally:
        rm.gate.set()
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED)
    assert rm.committed(xid) == branches
    assert tc.commit(xid) is GlobalStatus.FINISHED


def test_rollback_goes_newest_branch_first(connect: Callable[..., Client]) -> None:
    client = connect()
    xid = client.tc.begin("order", 60000)
    branches = [client.tc.branch_register(xid, RESOURCE, f"t_seq:{i}") for i in range(4)]
    assert client.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert client.rm.rolled_back(xid) == list(reversed(branches))
    assert client.tc.status(xid) is GlobalStatus.FINISHED
    assert client.tc.rollback(xid) is GlobalStatus.FINISHED


def test_retryable_answers_are_retried_and_older_branches_wait(connect: Callable[..., Client]) -> None:
    client = connect()
    tc, rm = client.tc, client.rm
    xid = tc.begin("retry", 60000)
    older = tc.branch_register(xid, RESOURCE, "t:1")
    newer = tc.branch_register(xid, RESOURCE, "t:2")
    rm.rollback_answers[newer] = [RETRYABLE, RETRYABLE]
    assert tc.rollback(xid) is GlobalStatus.ROLLBACK_RETRYING
    assert tc.rollback(xid) is GlobalStatus.ROLLBACK_RETRYING  # a second TM request does not restart it
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED)
    assert rm.rolled_back(xid) == [newer, newer, newer, older]


def test_unretryable_rollback_fails_the_transaction_and_keeps_its_locks(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    client = connect()
    xid = client.tc.begin("dirty", 60000)
    older = client.tc.branch_register(xid, RESOURCE, "t:1")
    newer = client.tc.branch_register(xid, RESOURCE, "t:2")
    client.rm.rollback_answers[older] = [UNRETRYABLE]
    assert client.tc.rollback(xid) is GlobalStatus.ROLLBACK_FAILED
    assert client.rm.rolled_back(xid) == [newer, older]
    probe = client.tc.begin("probe", 60000)
    assert client.tc.lock_query(probe, RESOURCE, "t:1") is False  # the failed branch keeps its row
    assert client.tc.lock_query(probe, RESOURCE, "t:2") is True  # the rolled-back one released its row
    time.sleep(FAST["retry_period"] * 5)
    assert client.rm.rolled_back(xid) == [newer, older], "a failed rollback must not be retried"
    assert client.tc.status(xid) is GlobalStatus.ROLLBACK_FAILED
    (listed,) = [s for s in tc.status()["global_transactions"] if s["xid"] == xid]
    assert listed["status"] == "ROLLBACK_FAILED" and [b["branch_id"] for b in listed["branches"]] == [older]


def test_unretryable_commit_ends_commit_failed(connect: Callable[..., Client]) -> None:
    client = connect()
    xid = client.tc.begin("commit-fails", 60000)
    branch = client.tc.branch_register(xid, RESOURCE, "t:1")
    client.rm.commit_answers[branch] = [BranchStatus.PHASE_TWO_COMMIT_FAILED_UNRETRYABLE]
    assert client.tc.commit(xid) is GlobalStatus.COMMITTED  # AT: answered before phase 2
    assert eventually(lambda: client.tc.status(xid) is GlobalStatus.COMMIT_FAILED)


def test_retryable_commit_answers_are_retried(connect: Callable[..., Client]) -> None:
    client = connect()
    xid = client.tc.begin("commit-retry", 60000)
    branch = client.tc.branch_register(xid, RESOURCE, "t:1")
    client.rm.commit_answers[branch] = [BranchStatus.PHASE_TWO_COMMIT_FAILED_RETRYABLE] * 2
    assert client.tc.commit(xid) is GlobalStatus.COMMITTED
    assert eventually(lambda: client.tc.status(xid) is GlobalStatus.FINISHED)
    assert client.rm.committed(xid) == [branch] * 3


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_phase_one_failed_branches_are_skipped(connect: Callable[..., Client], end: str) -> None:
    client = connect()
    tc = client.tc
    xid = tc.begin("p1-failed", 60000)
    failed = tc.branch_register(xid, RESOURCE, "t:1")
    kept = tc.branch_register(xid, RESOURCE, "t:2")
    tc.branch_report(xid, failed, BranchStatus.PHASE_ONE_FAILED, RESOURCE)
    if end == "commit":
        tc.commit(xid)
    else:
        assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED)
    pushed = client.rm.committed(xid) + client.rm.rolled_back(xid)
    assert pushed == [kept]


def test_timed_out_transaction_is_rolled_back_and_its_locks_released(connect: Callable[..., Client]) -> None:
    client = connect()
    tc, rm = client.tc, client.rm
    xid = tc.begin("slow", 300)
    branch = tc.branch_register(xid, RESOURCE, "t:1")
    rm.gate.clear()
    try:
        assert rm.wait_for(lambda: rm.rolled_back(xid) == [branch])
        assert tc.status(xid) is GlobalStatus.TIMEOUT_ROLLBACKING
        assert tc.commit(xid) is GlobalStatus.TIMEOUT_ROLLBACKING  # too late to commit
        with pytest.raises(GlobalTransactionNotActiveError):
            tc.branch_register(xid, RESOURCE, "t:2")
    finally:
        rm.gate.set()
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED)
    other = tc.begin("next", 60000)
    assert tc.branch_register(other, RESOURCE, "t:1") > 0


def test_commit_after_the_deadline_rolls_back_even_before_the_timeout_check(
    connect: Callable[..., Client],
) -> None:
    with EmbeddedTC(retry_period=0.1, timeout_check_period=60) as slow_checks:
        client = connect(server=slow_checks)
        xid = client.tc.begin("late", 100)
        branch = client.tc.branch_register(xid, RESOURCE, "t:1")
        time.sleep(0.2)
        assert client.tc.commit(xid) is GlobalStatus.TIMEOUT_ROLLBACKING
        assert client.rm.wait_for(lambda: client.rm.rolled_back(xid) == [branch])
        assert eventually(lambda: client.tc.status(xid) is GlobalStatus.FINISHED)
        assert client.rm.committed(xid) == []
        client.close()


@pytest.mark.parametrize(
    ("answers", "final"),
    [
        ([RETRYABLE], GlobalStatus.TIMEOUT_ROLLBACK_RETRYING),
        ([UNRETRYABLE], GlobalStatus.TIMEOUT_ROLLBACK_FAILED),
    ],
)
def test_timeout_rollback_failures_have_timeout_statuses(
    connect: Callable[..., Client], answers: list[BranchStatus], final: GlobalStatus
) -> None:
    client = connect()
    xid = client.tc.begin("slow-failing", 200)
    branch = client.tc.branch_register(xid, RESOURCE, "t:1")
    client.rm.rollback_answers[branch] = list(answers) * 1000
    assert eventually(lambda: client.tc.status(xid) is final)


def test_rm_answering_too_late_is_asked_again(connect: Callable[..., Client]) -> None:
    with EmbeddedTC(retry_period=0.1, rpc_timeout=0.3) as tc:
        client = connect(server=tc)
        client.rm.slow_first = 0.8
        xid = client.tc.begin("late", 60000)
        branch = client.tc.branch_register(xid, RESOURCE, "t:1")
        assert client.tc.rollback(xid) is GlobalStatus.ROLLBACK_RETRYING
        assert eventually(lambda: client.tc.status(xid) is GlobalStatus.FINISHED)
        assert client.rm.rolled_back(xid)[:2] == [branch, branch]
        client.close()


def test_rollback_waits_for_an_rm_to_connect(connect: Callable[..., Client]) -> None:
    first = connect("owner-app")
    xid = first.tc.begin("orphan", 60000)
    first.tc.branch_register(xid, RESOURCE, "t:1")
    first.close()
    tm = connect("tm-only", resources=())
    assert tm.tc.rollback(xid) is GlobalStatus.ROLLBACK_RETRYING
    assert tm.tc.status(xid) is GlobalStatus.ROLLBACK_RETRYING
    late = connect("owner-app")  # the same application comes back on a new connection
    assert late.rm.wait_for(lambda: len(late.rm.rolled_back(xid)) == 1)
    assert eventually(lambda: tm.tc.status(xid) is GlobalStatus.FINISHED)


def test_phase_two_prefers_the_registering_connection(connect: Callable[..., Client]) -> None:
    owner, same_app, other_app = connect("app-a"), connect("app-a"), connect("app-b")
    xid = owner.tc.begin("routing", 60000)
    branch = owner.tc.branch_register(xid, RESOURCE, "t:1")
    assert owner.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert owner.rm.rolled_back(xid) == [branch]
    assert same_app.rm.rollbacks == [] and other_app.rm.rollbacks == []


def test_phase_two_goes_to_the_same_application_first_when_the_owner_is_gone(
    connect: Callable[..., Client],
) -> None:
    owner, same_app, other_app = connect("app-a"), connect("app-a"), connect("app-b")
    xid = owner.tc.begin("routing", 60000)
    branch = owner.tc.branch_register(xid, RESOURCE, "t:1")
    owner.close()
    assert other_app.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert same_app.rm.rolled_back(xid) == [branch]
    assert other_app.rm.rollbacks == []


def test_at_phase_two_reaches_another_application_of_the_same_resource(
    connect: Callable[..., Client],
) -> None:
    owner, unrelated, other_app = (
        connect("app-a"),
        connect("app-c", resources=("jdbc:mysql://elsewhere:3306/db",)),
        connect("app-b"),
    )
    xid = owner.tc.begin("routing", 60000)
    branch = owner.tc.branch_register(xid, RESOURCE, "t:1")
    owner.close()
    assert other_app.tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert other_app.rm.rolled_back(xid) == [branch]
    assert unrelated.rm.rollbacks == []


def test_tcc_phase_two_stays_with_its_own_application(connect: Callable[..., Client]) -> None:
    owner, other_app = connect("app-a"), connect("app-b")
    xid = owner.tc.begin("tcc", 60000)
    owner.tc.branch_register(xid, RESOURCE, None, branch_type=BranchType.TCC)
    owner.close()
    assert other_app.tc.rollback(xid) is GlobalStatus.ROLLBACK_RETRYING
    time.sleep(FAST["retry_period"] * 3)
    assert other_app.rm.rollbacks == []


def test_undo_log_delete_is_pushed_once_per_resource_on_schedule(connect: Callable[..., Client]) -> None:
    with EmbeddedTC(undo_log_delete_delay=0.1, undo_log_delete_period=0.2, undo_log_save_days=3) as tc:
        first = connect("purge-a", resources=(RESOURCE, "jdbc:mysql://b:3306/y"), server=tc)
        second = connect("purge-b", resources=(RESOURCE,), server=tc)

        def rounds() -> list[tuple[str | None, int]]:
            return [(r.resource_id, r.save_days) for r in first.rm.undo_deletes + second.rm.undo_deletes]

        assert eventually(lambda: len(rounds()) >= 4, timeout=10)
        assert {r for r, _ in rounds()} == {RESOURCE, "jdbc:mysql://b:3306/y"}
        assert {days for _, days in rounds()} == {3}
        assert all(r.branch_type is BranchType.AT for r in first.rm.undo_deletes + second.rm.undo_deletes)
        first.close()
        second.close()
