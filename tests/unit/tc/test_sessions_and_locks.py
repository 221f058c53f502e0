"""Begin/commit/rollback/status, branch registration and global row locks, through seata-py's RPC client."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from seata_py.exceptions import (
    GlobalTransactionNotActiveError,
    GlobalTransactionNotExistError,
    LockConflictError,
    TransactionError,
)
from seata_py.protocol import BranchStatus, BranchType, GlobalStatus, TransactionExceptionCode
from seata_py.tc import EmbeddedTC
from tests.unit.tc.conftest import RESOURCE, Client, eventually


def test_xid_is_advertised_host_listen_port_and_increasing_id(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    client = connect()
    xids = [client.tc.begin(f"tx-{i}", 60000) for i in range(3)]
    for xid in xids:
        assert re.fullmatch(rf"127\.0\.0\.1:{tc.port}:\d+", xid), xid
    ids = [int(x.rsplit(":", 1)[1]) for x in xids]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert client.tc.status(xids[0]) is GlobalStatus.BEGIN


def test_advertised_host_names_the_xid() -> None:
    with EmbeddedTC(host="0.0.0.0") as tc:
        assert tc.address == f"127.0.0.1:{tc.port}"  # binding everything advertises loopback
    with EmbeddedTC(advertise_host="10.9.8.7") as tc:
        assert tc.address == f"10.9.8.7:{tc.port}"
        assert tc.server.coordinator.begin(None, "x", 1000).startswith(f"10.9.8.7:{tc.port}:")


def test_registration_records_application_client_id_and_resources(
    tc: EmbeddedTC, connect: Callable[..., Client]
) -> None:
    client = connect("reg-app", resources=("jdbc:mysql://a:3306/x", "jdbc:mysql://b:3306/y"))
    channels = {c["client_id"]: c for c in tc.status()["channels"]}
    rm = [c for c in channels.values() if "RM" in c["roles"]]
    tm = [c for c in channels.values() if "TM" in c["roles"]]
    assert len(rm) == 1 and len(tm) == 1
    assert re.fullmatch(r"reg-app:127\.0\.0\.1:\d+", rm[0]["client_id"])
    assert rm[0]["resource_ids"] == ["jdbc:mysql://a:3306/x", "jdbc:mysql://b:3306/y"]
    assert rm[0]["version"] == client.rpc.config.client_version
    assert tm[0]["tx_service_group"] == "default_tx_group"


def test_commit_and_rollback_without_branches_and_unknown_xids(connect: Callable[..., Client]) -> None:
    tc = connect().tc
    xid = tc.begin("c", 60000)
    assert tc.commit(xid) is GlobalStatus.COMMITTED
    assert eventually(lambda: tc.status(xid) is GlobalStatus.FINISHED)
    xid = tc.begin("r", 60000)
    assert tc.rollback(xid) is GlobalStatus.ROLLBACKED
    unknown = xid.rsplit(":", 1)[0] + ":42"
    assert tc.status(unknown) is GlobalStatus.FINISHED
    assert tc.commit(unknown) is GlobalStatus.FINISHED
    assert tc.rollback(unknown) is GlobalStatus.FINISHED
    assert tc.report(unknown, GlobalStatus.COMMITTED) is GlobalStatus.COMMITTED
    live = tc.begin("report", 60000)
    assert tc.report(live, GlobalStatus.COMMITTED) is GlobalStatus.BEGIN  # only Saga acts on reports


def test_conflicting_registration_fails_and_names_the_rows(connect: Callable[..., Client]) -> None:
    tc = connect().tc
    holder = tc.begin("holder", 60000)
    assert tc.branch_register(holder, RESOURCE, "t_order:1,2;t_stock:7_3") > 0
    other = tc.begin("other", 60000)
    with pytest.raises(LockConflictError) as err:
        tc.branch_register(other, RESOURCE, "t_stock:7_3")
    assert err.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT
    assert err.value.xid == other
    assert "t_stock:7_3" in str(err.value) and holder in str(err.value)
    assert tc.lock_query(other, RESOURCE, "t_order:2") is False
    assert tc.lock_query(None, RESOURCE, "t_order:2") is False  # @GlobalLock callers have no XID
    assert tc.lock_query(other, RESOURCE, "t_order:3") is True
    assert tc.lock_query(other, RESOURCE + "_other", "t_order:2") is True  # locks are per resource
    assert tc.lock_query(other, RESOURCE, "T_ORDER:2") is True  # and per exact table spelling
    assert tc.lock_query(holder, RESOURCE, "t_order:2") is True  # the holder itself may


def test_same_xid_reenters_its_rows_from_another_branch(connect: Callable[..., Client]) -> None:
    tc = connect().tc
    xid = tc.begin("reentrant", 60000)
    first = tc.branch_register(xid, RESOURCE, "t:1,2")
    second = tc.branch_register(xid, RESOURCE, "t:2,3")
    assert second > first
    other = tc.begin("other", 60000)
    for pk in (1, 2, 3):
        assert tc.lock_query(other, RESOURCE, f"t:{pk}") is False


@pytest.mark.parametrize("hint", [None, '{"autoCommit":false}'])
def test_a_conflicting_registration_leaves_no_row_locked(
    connect: Callable[..., Client], hint: str | None
) -> None:
    tc = connect().tc
    holder = tc.begin("holder", 60000)
    tc.branch_register(holder, RESOURCE, "t_held:1", application_data=hint)
    other = tc.begin("other", 60000)
    with pytest.raises(LockConflictError):
        tc.branch_register(other, RESOURCE, "t_free:1;t_held:1", application_data=hint)
    probe = tc.begin("probe", 60000)
    assert tc.lock_query(probe, RESOURCE, "t_free:1") is True  # all rows or none, unlike the 2.0.0 server


def test_commit_releases_at_locks_at_once(connect: Callable[..., Client]) -> None:
    client = connect()
    tc = client.tc
    holder = tc.begin("holder", 60000)
    tc.branch_register(holder, RESOURCE, "t:1")
    client.rm.gate.clear()  # phase 2 cannot finish, yet the rows are free: AT data is already committed
    try:
        assert tc.commit(holder) is GlobalStatus.COMMITTED
        assert tc.status(holder) is GlobalStatus.ASYNC_COMMITTING
        other = tc.begin("other", 60000)
        assert tc.branch_register(other, RESOURCE, "t:1") > 0
    finally:
        client.rm.gate.set()


def test_waiting_on_a_transaction_that_rolls_back_fails_fast_for_user_transactions(
    connect: Callable[..., Client], transport: str
) -> None:
    client = connect()
    tc = client.tc
    holder = tc.begin("holder", 60000)
    branch = tc.branch_register(holder, RESOURCE, "t:1")
    client.rm.rollback_answers[branch] = [BranchStatus.PHASE_TWO_ROLLBACK_FAILED_RETRYABLE] * 1000
    assert tc.rollback(holder) is GlobalStatus.ROLLBACK_RETRYING
    other = tc.begin("other", 60000)
    with pytest.raises(LockConflictError) as plain:
        tc.branch_register(other, RESOURCE, "t:1")
    assert plain.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT
    with pytest.raises(LockConflictError) as user:
        tc.branch_register(other, RESOURCE, "t:1", application_data='{"autoCommit":false}')
    if transport == "grpc":
        # The protobuf enum has no LockKeyConflictFailFast: the nearest code, and the message says so.
        assert user.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT
        assert "LOCK_KEY_CONFLICT_FAIL_FAST has no protobuf form" in str(user.value)
    else:
        assert user.value.code is TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST
    # no branch joins a transaction that is rolling back
    with pytest.raises(GlobalTransactionNotActiveError) as inactive:
        tc.branch_register(holder, RESOURCE, "t:9")
    assert inactive.value.code is TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_ACTIVE
    client.rm.rollback_answers[branch] = []
    assert eventually(lambda: tc.status(holder) is GlobalStatus.FINISHED)
    assert tc.branch_register(other, RESOURCE, "t:1") > 0


def test_registration_errors(connect: Callable[..., Client]) -> None:
    tc = connect().tc
    xid = tc.begin("errors", 60000)
    unknown = xid.rsplit(":", 1)[0] + ":7"
    with pytest.raises(GlobalTransactionNotExistError) as missing:
        tc.branch_register(unknown, RESOURCE, "t:1")
    assert missing.value.code is TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_EXIST
    with pytest.raises(TransactionError, match="wrong format"):
        tc.branch_register(xid, RESOURCE, "no-table-separator")
    with pytest.raises(TransactionError) as no_branch:
        tc.branch_report(xid, 12345, BranchStatus.PHASE_ONE_FAILED, RESOURCE)
    assert no_branch.value.code is TransactionExceptionCode.BRANCH_TRANSACTION_NOT_EXIST
    assert tc.branch_register(xid, RESOURCE, "t:1") > 0  # the connection is still fine
    done = tc.begin("done", 60000)
    tc.commit(done)
    assert eventually(lambda: tc.status(done) is GlobalStatus.FINISHED)
    with pytest.raises(GlobalTransactionNotExistError):
        tc.branch_register(done, RESOURCE, "t:2")


def test_non_at_branches_take_no_row_locks(connect: Callable[..., Client]) -> None:
    tc = connect().tc
    first = tc.begin("tcc-1", 60000)
    tc.branch_register(first, RESOURCE, "t:1", branch_type=BranchType.TCC)
    second = tc.begin("tcc-2", 60000)
    assert tc.branch_register(second, RESOURCE, "t:1") > 0
    assert tc.lock_query(first, RESOURCE, "t:1", BranchType.TCC) is True
