"""The transaction coordinator's decisions: sessions, branches, row locks and phase 2 (seata-protocol.md §7).

Everything runs on one asyncio loop, so a decision that does not wait on the network is atomic. Phase 2 of a
global transaction is driven by one task at a time (``_driving``); the TM's commit/rollback request drives
it first, then the retry loop every ``retry_period`` until every branch answered. Every state change is
written through the store before the request that caused it is answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from seata_py.exceptions import (
    GlobalTransactionNotActiveError,
    GlobalTransactionNotExistError,
    GlobalTransactionStatusInvalidError,
    LockConflictError,
    TransactionError,
)
from seata_py.protocol import (
    BranchStatus,
    BranchType,
    GlobalStatus,
    TransactionExceptionCode,
    UndoLogDeleteRequest,
)
from seata_py.rpc.phase_two import COMMIT, ROLLBACK, PhaseTwo
from seata_py.tc.channels import ChannelRegistry, ClientChannel
from seata_py.tc.config import TCConfig
from seata_py.tc.errors import ChannelClosedError
from seata_py.tc.ids import IdGenerator
from seata_py.tc.lock_keys import parse_lock_key
from seata_py.tc.locks import LockTable
from seata_py.tc.model import (
    COMMIT_PHASE,
    FAILED_END,
    ROLLBACK_PHASE,
    TIMEOUT_ROLLBACK,
    BranchSession,
    GlobalSession,
    RowLock,
)
from seata_py.tc.store import Store

log = logging.getLogger("seata_py.tc")

# Clients older than this cannot read UndoLogDelete (the real server skips them too).
_UNDO_LOG_DELETE_MIN_VERSION = (0, 7, 1)


def now_ms() -> int:
    return int(time.time() * 1000)


class Coordinator:
    def __init__(self, config: TCConfig, store: Store, channels: ChannelRegistry, xid_prefix: str) -> None:
        self._config = config
        self._store = store
        self._channels = channels
        self.xid_prefix = xid_prefix
        state = store.load()
        self._sessions: dict[str, GlobalSession] = {s.xid: s for s in state.sessions}
        self._locks = LockTable(state.locks)
        self._ids = IdGenerator(store, state.id_high_water)
        self._driving: set[str] = set()
        self._not_before: dict[str, float] = {}  # xid -> monotonic time of the next phase-2 retry
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        for session in self._sessions.values():
            log.info(
                "resuming global transaction %s with %d branch(es), %d row lock(s) xid=%s",
                session.status.name,
                len(session.branches),
                len(self._locks.of_xid(session.xid)),
                session.xid,
            )
        self._spawn(self._every(self._config.retry_period, self._retry_due), "phase-2 retries")
        self._spawn(self._every(self._config.timeout_check_period, self._expire_due), "timeout checks")
        self._spawn(self._undo_log_delete_loop(), "undo_log purge")

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"seata-py tc {what}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("TC task %s failed", task.get_name(), exc_info=task.exception())

    async def _every(self, period: float, tick: Callable[[], None]) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                tick()
            except Exception:  # one bad tick must not end the schedule
                log.exception("TC periodic task failed")

    # -- TM requests ---------------------------------------------------------------------------------------

    def begin(self, client: ClientChannel | None, name: str | None, timeout_ms: int) -> str:
        transaction_id = self._ids.next()
        xid = f"{self.xid_prefix}:{transaction_id}"
        session = GlobalSession(
            xid=xid,
            transaction_id=transaction_id,
            application_id=client.application_id if client else None,
            tx_service_group=client.tx_service_group if client else None,
            name=name,
            timeout_ms=timeout_ms,
            begin_time_ms=now_ms(),
        )
        self._store.put_global(session)
        self._sessions[xid] = session
        log.info(
            "begin global transaction %r, timeout %d ms, application %s xid=%s",
            name,
            timeout_ms,
            session.application_id,
            xid,
        )
        return xid

    def _to_end(self, xid: str, action: str, refused: str) -> GlobalSession | GlobalStatus:
        """The session a TM's commit or rollback ends (no longer active), or the status to answer
        instead: Finished for one the TC does not know (any more), its status for one past Begin."""
        session = self._sessions.get(xid)
        if session is None:
            log.info("%s of an unknown (finished) global transaction: Finished xid=%s", action, xid)
            return GlobalStatus.FINISHED
        if self._expire_if_due(session) or session.status is not GlobalStatus.BEGIN:
            log.info("%s, global transaction is %s xid=%s", refused, session.status.name, xid)
            return session.status
        session.active = False
        return session

    async def commit(self, xid: str) -> GlobalStatus:
        session = self._to_end(xid, "commit", "commit refused")
        if isinstance(session, GlobalStatus):
            return session
        released: list[RowLock] = []
        if session.has_at_branch():
            # AT data is committed locally in phase 1, so its row locks can go now; phase 2 only purges undo
            released = self._locks.release_xid(xid)
        if session.only_at_branches():
            session.status = GlobalStatus.ASYNC_COMMITTING
            self._write_status(session, released)
            log.info(
                "global commit accepted: %d branch(es) to commit asynchronously, %d row lock(s) released "
                "xid=%s",
                len(session.branches),
                len(released),
                xid,
            )
            self._spawn(self._drive(session), f"commit {xid}")
            return GlobalStatus.COMMITTED
        session.status = GlobalStatus.COMMITTING
        self._write_status(session, released)
        log.info("global commit: committing %d branch(es) xid=%s", len(session.branches), xid)
        return await self._drive(session)

    async def rollback(self, xid: str) -> GlobalStatus:
        session = self._to_end(xid, "rollback", "rollback not started again")
        if isinstance(session, GlobalStatus):
            return session
        session.status = GlobalStatus.ROLLBACKING
        self._write_status(session)
        log.info("global rollback of %d branch(es), newest first xid=%s", len(session.branches), xid)
        return await self._drive(session)

    def status(self, xid: str) -> GlobalStatus:
        session = self._sessions.get(xid)
        return GlobalStatus.FINISHED if session is None else session.status

    def report(self, xid: str, status: GlobalStatus | None) -> GlobalStatus:
        """GlobalReport only matters for Saga; for other modes it just answers the current status."""
        session = self._sessions.get(xid)
        log.info("global report %s xid=%s", status.name if status else None, xid)
        if session is None:
            return status if status is not None else GlobalStatus.FINISHED
        return session.status

    # -- RM requests ---------------------------------------------------------------------------------------

    def branch_register(
        self,
        client: ClientChannel,
        xid: str,
        branch_type: BranchType,
        resource_id: str,
        lock_key: str | None,
        application_data: str | None,
    ) -> int:
        session = self._require(xid)
        self._expire_if_due(session)
        if not session.active:
            raise GlobalTransactionNotActiveError(
                f"could not register branch: global transaction is {session.status.name}, not active",
                code=TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_ACTIVE,
                xid=xid,
            )
        if session.status is not GlobalStatus.BEGIN:
            raise GlobalTransactionStatusInvalidError(
                f"could not register branch: global transaction is {session.status.name}, expected Begin",
                code=TransactionExceptionCode.GLOBAL_TRANSACTION_STATUS_INVALID,
                xid=xid,
            )
        rows = parse_lock_key(resource_id, lock_key, xid) if branch_type is BranchType.AT else []
        held = self._locks.conflicts(xid, rows)
        if held:
            raise self._conflict(xid, held, application_data)
        branch_id = self._ids.next()
        branch = BranchSession(
            branch_id=branch_id,
            xid=xid,
            transaction_id=session.transaction_id,
            resource_id=resource_id,
            branch_type=branch_type,
            lock_key=lock_key,
            client_id=client.client_id,
            application_data=application_data,
            begin_time_ms=now_ms(),
        )
        # All rows or none: a registration that conflicts leaves nothing locked behind.
        new_locks = self._locks.missing(xid, session.transaction_id, branch_id, rows)
        with self._store.transaction():
            self._store.put_branch(branch)
            self._store.add_locks(new_locks)
        session.branches.append(branch)
        self._locks.add(new_locks)
        log.info(
            "branch %s registered: %s %s, %d new row lock(s) of %d, client %s xid=%s",
            branch_id,
            branch_type.name,
            resource_id,
            len(new_locks),
            len(rows),
            client.client_id,
            xid,
        )
        return branch_id

    def _conflict(self, xid: str, held: list[RowLock], application_data: str | None) -> LockConflictError:
        holders = {lock.xid for lock in held}
        # A user-managed local transaction (autoCommit:false) waiting on a transaction that is rolling back
        # would block that rollback's undo on its own database row locks: tell it to give up at once.
        rolling_back = any(
            (s := self._sessions.get(x)) is not None
            and (s.status in ROLLBACK_PHASE or s.status in FAILED_END - {GlobalStatus.COMMIT_FAILED})
            for x in holders
        )
        fail_fast = rolling_back and _user_transaction(application_data)
        rows = ", ".join(sorted(f"{lock.table}:{lock.pk}" for lock in held))
        log.info(
            "branch registration refused, lock conflict on %s (held by %s)%s xid=%s",
            rows,
            ", ".join(sorted(holders)),
            " - fail fast, the holder is rolling back" if fail_fast else "",
            xid,
        )
        return LockConflictError(
            f"global lock conflict on {rows} held by {', '.join(sorted(holders))}",
            code=(
                TransactionExceptionCode.LOCK_KEY_CONFLICT_FAIL_FAST
                if fail_fast
                else TransactionExceptionCode.LOCK_KEY_CONFLICT
            ),
            xid=xid,
        )

    def branch_report(
        self, xid: str, branch_id: int, status: BranchStatus, application_data: str | None
    ) -> None:
        session = self._require(xid)
        branch = session.branch(branch_id)
        if branch is None:
            raise TransactionError(
                f"could not find branch {branch_id}",
                code=TransactionExceptionCode.BRANCH_TRANSACTION_NOT_EXIST,
                xid=xid,
            )
        branch.status = status
        branch.application_data = application_data
        self._store.put_branch(branch)
        log.info("branch %s reported %s xid=%s", branch_id, status.name, xid)

    def lock_query(
        self, xid: str | None, branch_type: BranchType, resource_id: str, lock_key: str | None
    ) -> bool:
        if branch_type is not BranchType.AT:
            return True  # only AT takes global row locks
        held = self._locks.conflicts(xid, parse_lock_key(resource_id, lock_key, xid))
        if held:
            log.debug(
                "lock query: %d row(s) held by %s xid=%s", len(held), sorted({h.xid for h in held}), xid
            )
        return not held

    def _require(self, xid: str) -> GlobalSession:
        session = self._sessions.get(xid)
        if session is None:
            raise GlobalTransactionNotExistError(
                "could not find global transaction, it may have finished",
                code=TransactionExceptionCode.GLOBAL_TRANSACTION_NOT_EXIST,
                xid=xid,
            )
        return session

    # -- timeouts ------------------------------------------------------------------------------------------

    def _expire_due(self) -> None:
        for session in list(self._sessions.values()):
            self._expire_if_due(session)

    def _expire_if_due(self, session: GlobalSession) -> bool:
        """Begin → TimeoutRollbacking once past the deadline, then roll back like a TM rollback would."""
        if session.status is not GlobalStatus.BEGIN or now_ms() < session.deadline_ms:
            return False
        session.active = False
        session.status = GlobalStatus.TIMEOUT_ROLLBACKING
        self._write_status(session)
        log.info(
            "global transaction timed out after %d ms; rolling back %d branch(es) xid=%s",
            session.timeout_ms,
            len(session.branches),
            session.xid,
        )
        self._spawn(self._drive(session), f"timeout rollback {session.xid}")
        return True

    # -- phase 2 -------------------------------------------------------------------------------------------

    def _retry_due(self) -> None:
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if session.xid in self._driving or self._not_before.get(session.xid, 0.0) > now:
                continue
            if session.status in COMMIT_PHASE or session.status in ROLLBACK_PHASE:
                self._spawn(self._drive(session), f"retry {session.xid}")

    async def _drive(self, session: GlobalSession) -> GlobalStatus:
        """Run phase 2 of ``session`` once; the status it reached (the final one when it ended)."""
        xid = session.xid
        if xid in self._driving:
            return session.status
        self._driving.add(xid)
        try:
            if session.status in COMMIT_PHASE:
                return await self._commit_branches(session)
            if session.status in ROLLBACK_PHASE:
                return await self._rollback_branches(session)
            return session.status
        except Exception:
            log.exception("phase 2 failed; will retry xid=%s", xid)
            self._retry_later(session)
            return session.status
        finally:
            self._driving.discard(xid)

    async def _commit_branches(self, session: GlobalSession) -> GlobalStatus:
        asynchronous = session.status is GlobalStatus.ASYNC_COMMITTING
        for branch in list(session.branches):
            answer = await self._end_branch(session, branch, COMMIT, "committed")
            if answer is COMMIT.done:
                continue
            if answer is COMMIT.unretryable:
                return self._end_failed(session, GlobalStatus.COMMIT_FAILED, branch, answer)
            if not asynchronous:
                break  # synchronous commits go branch by branch; the rest waits for the retry
        if session.branches:
            if session.status is GlobalStatus.COMMITTING:
                session.status = GlobalStatus.COMMIT_RETRYING
                self._write_status(session)
            self._retry_later(session)
            log.info(
                "commit not done, %d branch(es) left, retrying every %.1fs xid=%s",
                len(session.branches),
                self._config.retry_period,
                session.xid,
            )
            return session.status
        return self._end_success(session, GlobalStatus.COMMITTED)

    async def _rollback_branches(self, session: GlobalSession) -> GlobalStatus:
        timed_out = session.status in TIMEOUT_ROLLBACK
        # Newest first: a newer branch may have changed rows an older one changed before it.
        for branch in reversed(list(session.branches)):
            answer = await self._end_branch(session, branch, ROLLBACK, "rolled back")
            if answer is ROLLBACK.done:
                continue
            if answer is ROLLBACK.unretryable:
                failed = GlobalStatus.TIMEOUT_ROLLBACK_FAILED if timed_out else GlobalStatus.ROLLBACK_FAILED
                return self._end_failed(session, failed, branch, answer)
            retrying = GlobalStatus.TIMEOUT_ROLLBACK_RETRYING if timed_out else GlobalStatus.ROLLBACK_RETRYING
            if session.status is not retrying:
                session.status = retrying
                self._write_status(session)
            self._retry_later(session)
            log.info(
                "rollback of branch %s not done (%s); %d branch(es) left, retrying every %.1fs xid=%s",
                branch.branch_id,
                answer.name if answer is not None else "no answer",
                len(session.branches),
                self._config.retry_period,
                session.xid,
            )
            return session.status
        ended = GlobalStatus.TIMEOUT_ROLLBACKED if timed_out else GlobalStatus.ROLLBACKED
        return self._end_success(session, ended)

    async def _end_branch(
        self, session: GlobalSession, branch: BranchSession, phase: PhaseTwo, done: str
    ) -> BranchStatus | None:
        """Phase 2 of one branch: its answer (``phase.done`` for a branch failed in phase 1, which has
        nothing to end), or None to retry later. A branch that is done is removed, ``done`` says how."""
        if branch.status is BranchStatus.PHASE_ONE_FAILED:
            self._remove_branch(session, branch, "skipped in phase 2 (PhaseOne_Failed)")
            return phase.done
        answer = await self._push(branch, phase)
        if answer is phase.done:
            self._remove_branch(session, branch, done)
        return answer

    async def _push(self, branch: BranchSession, phase: PhaseTwo) -> BranchStatus | None:
        """Send phase 2 of one branch to the best RM connection; its answer, or None to retry later."""
        request = phase.request(
            xid=branch.xid,
            branch_id=branch.branch_id,
            branch_type=branch.branch_type,
            resource_id=branch.resource_id,
            application_data=branch.application_data,
        )
        expected, action = phase.response, phase.action
        candidates = self._channels.route(
            branch.resource_id, branch.client_id, any_application=branch.branch_type is BranchType.AT
        )
        if not candidates:
            log.warning(
                "branch %s %s: no RM connected for %s (registered by %s); will retry xid=%s",
                branch.branch_id,
                action,
                branch.resource_id,
                branch.client_id,
                branch.xid,
            )
            return None
        for client in candidates:
            try:
                response = await client.channel.request(request, self._config.rpc_timeout)
            except ChannelClosedError:
                log.info(
                    "branch %s %s: %s went away before answering; trying the next RM xid=%s",
                    branch.branch_id,
                    action,
                    client.client_id,
                    branch.xid,
                )
                continue
            except (TimeoutError, asyncio.TimeoutError):
                log.warning(
                    "branch %s %s: %s did not answer within %.1fs; will retry xid=%s",
                    branch.branch_id,
                    action,
                    client.client_id,
                    self._config.rpc_timeout,
                    branch.xid,
                )
                return None
            if not isinstance(response, expected):
                log.warning(
                    "branch %s %s: %s answered with %s; will retry xid=%s",
                    branch.branch_id,
                    action,
                    client.client_id,
                    type(response).__name__,
                    branch.xid,
                )
                return None
            log.info(
                "branch %s %s answered %s by %s xid=%s",
                branch.branch_id,
                action,
                response.branch_status.name,
                client.client_id,
                branch.xid,
            )
            return response.branch_status
        return None

    def _remove_branch(self, session: GlobalSession, branch: BranchSession, why: str) -> None:
        released = self._locks.release_branch(branch.branch_id)
        with self._store.transaction():
            self._store.delete_branch(branch.branch_id)
            self._store.remove_locks(lock.row_key for lock in released)
        session.branches.remove(branch)
        log.info(
            "branch %s %s, %d row lock(s) released xid=%s", branch.branch_id, why, len(released), session.xid
        )

    def _end_success(self, session: GlobalSession, status: GlobalStatus) -> GlobalStatus:
        session.status = status
        released = self._locks.release_xid(session.xid)
        self._store.delete_global(session.xid)
        self._sessions.pop(session.xid, None)
        self._not_before.pop(session.xid, None)
        log.info(
            "global transaction %s, %d row lock(s) released xid=%s", status.name, len(released), session.xid
        )
        return status

    def _end_failed(
        self, session: GlobalSession, status: GlobalStatus, branch: BranchSession, answer: BranchStatus
    ) -> GlobalStatus:
        session.status = status
        self._write_status(session)
        self._not_before.pop(session.xid, None)
        log.error(
            "branch %s answered %s: global transaction ends %s; it stays listed with %d branch(es) and keeps "
            "%d row lock(s) until an operator repairs the data xid=%s",
            branch.branch_id,
            answer.name,
            status.name,
            len(session.branches),
            len(self._locks.of_xid(session.xid)),
            session.xid,
        )
        return status

    def _retry_later(self, session: GlobalSession) -> None:
        self._not_before[session.xid] = time.monotonic() + self._config.retry_period

    def _write_status(self, session: GlobalSession, released: list[RowLock] | None = None) -> None:
        with self._store.transaction():
            self._store.put_global(session)
            if released:
                self._store.remove_locks(lock.row_key for lock in released)

    # -- undo_log purge ------------------------------------------------------------------------------------

    async def _undo_log_delete_loop(self) -> None:
        await asyncio.sleep(self._config.undo_log_delete_delay)
        while True:
            try:
                await self.push_undo_log_delete()
            except Exception:
                log.exception("UndoLogDelete round failed")
            await asyncio.sleep(self._config.undo_log_delete_period)

    async def push_undo_log_delete(self) -> int:
        """Ask one RM per registered resource to purge old undo_log rows; how many were asked."""
        asked = 0
        for resource_id, owners in self._channels.resource_owners().items():
            client = next((c for c in owners if _reads_undo_log_delete(c.version)), None)
            if client is None:
                continue
            request = UndoLogDeleteRequest(
                branch_type=BranchType.AT, resource_id=resource_id, save_days=self._config.undo_log_save_days
            )
            try:
                await client.channel.send_oneway(request)
            except (ChannelClosedError, OSError) as exc:
                log.info("UndoLogDelete for %s to %s not sent: %s", resource_id, client.client_id, exc)
                continue
            asked += 1
            log.info(
                "asked %s to delete undo_log rows of %s older than %d day(s)",
                client.client_id,
                resource_id,
                self._config.undo_log_save_days,
            )
        return asked

    # -- status view ---------------------------------------------------------------------------------------

    def sessions(self) -> list[GlobalSession]:
        return sorted(self._sessions.values(), key=lambda s: s.transaction_id)

    def locks(self) -> list[RowLock]:
        return sorted(self._locks.all(), key=lambda lock: (lock.transaction_id, lock.branch_id, lock.row_key))


def _user_transaction(application_data: str | None) -> bool:
    """True for ``{"autoCommit":false}``: the client's local transaction is managed by the user."""
    if not application_data:
        return False
    try:
        data = json.loads(application_data)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("autoCommit") is False


def _reads_undo_log_delete(version: str | None) -> bool:
    parts: list[int] = []
    for piece in (version or "").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return not parts or tuple(parts) >= _UNDO_LOG_DELETE_MIN_VERSION
