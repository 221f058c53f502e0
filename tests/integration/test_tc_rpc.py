"""The RPC client against the real Seata server: TM and RM operations, phase-2 pushes, errors."""

from __future__ import annotations

import asyncio
import re

import pytest

from seata_py.exceptions import LockConflictError
from seata_py.protocol import BranchStatus, GlobalStatus, TransactionExceptionCode
from tests.infra.seata_server import SeataServer
from tests.integration.conftest import TcSession, eventually

pytestmark = pytest.mark.integration

XID = re.compile(r"^(\d{1,3}\.){3}\d{1,3}:(\d+):(\d+)$")


def test_begin_returns_ip_port_id_xid_and_commit_commits(
    tc_session: TcSession, seata_tc: SeataServer
) -> None:
    tc = tc_session.tc
    xid = tc.begin("it-commit", 60000)
    match = XID.match(xid)
    assert match, xid
    if seata_tc.restartable:  # a process we started: the XID names the port we gave it
        assert int(match.group(2)) == seata_tc.port
    assert tc.status(xid) is GlobalStatus.BEGIN
    assert tc.commit(xid) is GlobalStatus.COMMITTED


def test_begin_then_rollback_is_rollbacked(tc_session: TcSession) -> None:
    tc = tc_session.tc
    xid = tc.begin("it-rollback", 60000)
    assert tc.rollback(xid) is GlobalStatus.ROLLBACKED


def test_status_of_unknown_xid_is_finished(tc_session: TcSession) -> None:
    tc = tc_session.tc
    xid = tc.begin("it-unknown", 60000)
    unknown = xid.rsplit(":", 1)[0] + ":1234567890123"
    assert tc.status(unknown) is GlobalStatus.FINISHED
    tc.rollback(xid)


def test_async_callers_share_the_client(tc_session: TcSession) -> None:
    tc = tc_session.tc

    async def many() -> list[GlobalStatus]:
        xids = await asyncio.gather(*(tc.abegin(f"it-async-{i}", 60000) for i in range(10)))
        assert len(set(xids)) == 10
        return list(await asyncio.gather(*(tc.arollback(x) for x in xids)))

    assert asyncio.run(many()) == [GlobalStatus.ROLLBACKED] * 10


def test_branch_register_lock_conflict_and_lock_query(tc_session: TcSession) -> None:
    tc, resource = tc_session.tc, tc_session.resource_id
    holder = tc.begin("it-lock-holder", 60000)
    branch_id = tc.branch_register(holder, resource, "t_order:1,2;t_stock:7_3")
    assert branch_id > 0

    other = tc.begin("it-lock-other", 60000)
    with pytest.raises(LockConflictError) as conflict:
        tc.branch_register(other, resource, "t_stock:7_3")
    assert conflict.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT
    assert conflict.value.xid == other

    assert tc.lock_query(other, resource, "t_order:2") is False
    assert tc.lock_query(other, resource, "t_order:3") is True  # a row nobody holds
    # the same rows under another resource are other rows
    assert tc.lock_query(other, resource + "_other", "t_order:2") is True

    assert tc.commit(holder) is GlobalStatus.COMMITTED
    assert eventually(lambda: tc.lock_query(other, resource, "t_order:2"), timeout=10)
    assert tc.branch_register(other, resource, "t_stock:7_3") > 0
    tc.rollback(other)


def test_global_commit_pushes_branch_commit_and_finishes(tc_session: TcSession) -> None:
    tc, handler = tc_session.tc, tc_session.handler
    xid = tc.begin("it-phase2-commit", 60000)
    branch_id = tc.branch_register(xid, tc_session.resource_id, "t_account:11")
    assert tc.commit(xid) is GlobalStatus.COMMITTED
    assert handler.wait_for(lambda: any(c.branch_id == branch_id for c in handler.commits), timeout=15)
    push = next(c for c in handler.commits if c.branch_id == branch_id)
    assert push.xid == xid and push.resource_id == tc_session.resource_id
    # our PhaseTwo_Committed answer ends the session: the TC forgets the XID
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED, timeout=15)


def test_rollback_retryable_is_redelivered_until_rollbacked(tc_session: TcSession) -> None:
    tc, handler = tc_session.tc, tc_session.handler
    handler.rollback_answers = [BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE] * 2
    xid = tc.begin("it-phase2-rollback", 60000)
    branch_id = tc.branch_register(xid, tc_session.resource_id, "t_account:12")
    first = tc.rollback(xid)
    assert first in (GlobalStatus.ROLLBACK_RETRYING, GlobalStatus.ROLLBACKING, GlobalStatus.ROLLBACKED)

    def deliveries() -> int:
        return sum(1 for r in handler.rollbacks if r.branch_id == branch_id)

    assert handler.wait_for(lambda: deliveries() >= 3, timeout=30), f"only {deliveries()} deliveries"
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED, timeout=15)
    assert deliveries() == 3  # two retryable answers, then the Rollbacked one ended it


def test_branch_report_phase_one_failed_is_accepted(tc_session: TcSession) -> None:
    tc = tc_session.tc
    xid = tc.begin("it-report", 60000)
    branch_id = tc.branch_register(xid, tc_session.resource_id, "t_report:1")
    tc.branch_report(xid, branch_id, BranchStatus.PHASE_ONE_FAILED, tc_session.resource_id)
    # a PhaseOne_Failed branch is skipped in phase 2, so no rollback push reaches us
    assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
    assert not any(r.branch_id == branch_id for r in tc_session.handler.rollbacks)


@pytest.mark.seata_server_only(
    reason="records the 2.0.0 server's rollback order (oldest first); the embedded TC rolls back newest "
    "first as asked (tests/unit/tc/test_phase_two.py)"
)
def test_order_in_which_the_server_rolls_back_branches(tc_session: TcSession, seata_tc: SeataServer) -> None:
    """Recorded fact: which order the TC pushes BranchRollback for the branches of one transaction."""
    tc, handler = tc_session.tc, tc_session.handler
    xid = tc.begin("it-rollback-order", 60000)
    branches = [tc.branch_register(xid, tc_session.resource_id, f"t_order_seq:{i}") for i in range(3)]
    assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
    seen = [r.branch_id for r in handler.rollbacks if r.xid == xid]
    assert sorted(seen) == sorted(branches)
    if seata_tc.origin.startswith("io.seata:seata-server:2.0.0"):
        # io.seata 2.0.0 walks the branches in registration order, oldest first; the RM must cope (see
        # ATResourceManager: newer branches of the same XID are undone first)
        assert seen == branches, seen


@pytest.mark.parametrize(
    "hint",
    [
        None,
        pytest.param(
            '{"autoCommit":false}',
            marks=pytest.mark.seata_server_only(
                reason="records the 2.0.0 server's lock leak with the autoCommit hint; the embedded TC locks "
                "a registration's rows all or none (tests/unit/tc/test_sessions_and_locks.py)"
            ),
        ),
    ],
)
def test_failed_multi_row_register_and_the_rows_it_leaves_locked(
    tc_session: TcSession, seata_tc: SeataServer, hint: str | None
) -> None:
    """Recorded fact: with {"autoCommit":false} the 2.0.0 server keeps the free rows of a BranchRegister that
    conflicted on another row locked after every transaction ended; without it nothing stays locked. This is
    why seata-py sends no hint by default (SeataConfig.send_autocommit_hint)."""
    tc, resource = tc_session.tc, tc_session.resource_id + ("_hint" if hint else "")
    tc_session.client.register_resource(resource)
    holder = tc.begin("it-leak-holder", 60000)
    tc.branch_register(holder, resource, "t_held:1", application_data=hint)
    other = tc.begin("it-leak-other", 60000)
    with pytest.raises(LockConflictError):
        tc.branch_register(other, resource, "t_held:1;t_free:1", application_data=hint)
    tc.rollback(other)
    tc.rollback(holder)
    probe = tc.begin("it-leak-probe", 60000)
    lockable = tc.lock_query(probe, resource, "t_free:1")
    tc.rollback(probe)
    if hint is None:
        assert lockable
    elif seata_tc.origin.startswith("io.seata:seata-server:2.0.0"):
        assert not lockable, "the 2.0.0 lock leak is gone: reconsider SeataConfig.send_autocommit_hint"
