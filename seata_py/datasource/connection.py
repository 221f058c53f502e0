"""PEP 249 proxies over pymysql: inside a global transaction, writes become an AT branch.

Outside a global transaction (and outside a global-lock scope) every call goes straight to pymysql: one
context-variable read is all the proxy adds.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import pymysql
from pymysql.constants import SERVER_STATUS

from seata_py.datasource.context import ConnectionContext
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import LockConflictError, SeataError, UnsupportedSQLError
from seata_py.rm.at import ATResourceManager, application_data
from seata_py.sql.exec import Environment, UserResult, executor_for
from seata_py.sql.exec.select_for_update import select_for_update_lock_keys
from seata_py.sql.recognizer import check_statement_against_meta, parse_sql
from seata_py.sql.statements import SelectForUpdateStatement, Statement, is_intercepted, statement_tables
from seata_py.tm.context import current_xid, global_lock_required
from seata_py.undo.codec import encode_undo_row
from seata_py.undo.log_table import LOG_STATUS_NORMAL
from seata_py.undo.model import BranchUndoLog

log = logging.getLogger("seata_py.datasource")


def _normalise_args(args: Any) -> tuple[Any, str]:
    if args is None:
        return None, "none"
    if isinstance(args, Mapping):
        return args, "mapping"
    if isinstance(args, (list, tuple)):
        return args, "sequence"
    return (args,), "sequence"  # pymysql accepts one bare value


class ATConnection:
    """Wraps an open pymysql connection; use it exactly like the pymysql connection."""

    def __init__(
        self, target: pymysql.connections.Connection, resource: DataSourceResource, rm: ATResourceManager
    ) -> None:
        self._target = target
        self._resource = resource
        self._rm = rm
        self._context = ConnectionContext()
        self._env: Environment | None = None
        self._savepoints = 0

    # -- PEP 249 -------------------------------------------------------------------------------------------

    @property
    def target(self) -> pymysql.connections.Connection:
        return self._target

    @property
    def resource_id(self) -> str:
        return self._resource.resource_id

    def cursor(self, cursor: type[pymysql.cursors.Cursor] | None = None) -> ATCursor:
        return ATCursor(self, self._target.cursor(cursor) if cursor is not None else self._target.cursor())

    def commit(self) -> None:
        context = self._context
        if context.poisoned:
            reason = context.poisoned
            self.rollback()
            raise SeataError(
                "local transaction rolled back instead of committed: a statement failed after it ran "
                f"({reason})"
            )
        if context.has_branch_work:
            self._commit_branch(retry=True, user_transaction=True)
        elif context.global_lock and context.lock_keys and not context.xid:
            self._commit_with_global_lock()
        else:
            self._target.commit()
            context.reset()

    def rollback(self) -> None:
        try:
            self._target.rollback()
        finally:
            self._context.reset()

    def autocommit(self, value: bool) -> None:
        """Turning autocommit on commits pending work first, through the branch (as Java's proxy does)."""
        if value and (self._context.undo_items or self._context.poisoned):
            self.commit()
        self._target.autocommit(value)

    def begin(self) -> None:
        """BEGIN implicitly commits what is pending; commit it through the branch instead."""
        if self._context.undo_items or self._context.poisoned:
            self.commit()
        self._target.begin()

    def close(self) -> None:
        self._context.reset()
        self._target.close()

    def __enter__(self) -> ATConnection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    # -- interception --------------------------------------------------------------------------------------

    def _environment(self) -> Environment:
        if self._env is None:
            self._env = self._resource.environment(self._target)
        return self._env

    def execute(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Any) -> int:
        xid = current_xid()
        lock = global_lock_required()
        if xid is None and not lock:
            return target_cursor.execute(query, args)
        args, style = _normalise_args(args)
        statements = parse_sql(query, style)  # raises UnsupportedSQLError before anything runs
        if not any(is_intercepted(s) for s in statements):
            self._guard_plain(statements, query)
            rows = target_cursor.execute(query, args)
            self._track_savepoints(statements)
            return rows
        try:
            if len(statements) > 1:
                return self._execute_several(target_cursor, statements, args, xid, lock)
            statement = statements[0]
            self._check(statement)
            if isinstance(statement, SelectForUpdateStatement):
                return self._select_for_update(target_cursor, statement, query, args, xid)
            if not self._in_local_transaction():
                return self._execute_autocommit(target_cursor, statement, query, args, xid, lock)
            return self._execute_in_transaction(target_cursor, statement, query, args, xid, lock)
        except pymysql.err.MySQLError as exc:
            if self._resource.dialect.is_unknown_column_error(exc):
                # the table changed under a cached description: the next statement reads it afresh
                self._resource.meta_cache.invalidate(resource_id=self._resource.resource_id)
            raise

    def _in_local_transaction(self) -> bool:
        """True when statements are not committed one by one: autocommit off, or a BEGIN is open."""
        target = self._target
        return not target.get_autocommit() or bool(
            target.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS
        )

    def _guard_plain(self, statements: Sequence[Statement], query: str) -> None:
        """Statements that would commit or drop the branch's work behind seata-py's back are refused."""
        if not self._context.undo_items:
            return
        for statement in statements:
            kind = getattr(statement, "kind", "")
            if kind in ("transaction", "ddl"):
                raise UnsupportedSQLError(
                    "a transaction-control or DDL statement while the branch has uncommitted changes "
                    "(use connection.commit() / rollback())",
                    query,
                )

    def _track_savepoints(self, statements: Sequence[Statement]) -> None:
        for statement in statements:
            if getattr(statement, "kind", "") == "savepoint":
                self._context.savepoint_statement(statement.sql.sql)

    def _check(self, statement: Statement) -> None:
        env = self._environment()
        metas = {t.qualifier.lower(): env.table_meta(t) for t in statement_tables(statement)}
        check_statement_against_meta(statement, metas)

    def _run_user(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Any) -> UserResult:
        target_cursor.execute(query, args)
        return UserResult(target_cursor.rowcount, target_cursor.lastrowid)

    def _execute_in_transaction(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statement: Statement,
        query: str,
        args: Any,
        xid: str | None,
        lock: bool,
        statement_args: Any = None,
    ) -> int:
        executor = executor_for(statement)
        assert executor is not None
        image_args = args if statement_args is None else statement_args
        self._context.bind(xid, lock)
        ran = False

        def run_user() -> UserResult:
            nonlocal ran
            ran = True
            return self._run_user(target_cursor, query, args)

        try:
            outcome = executor(self._environment(), statement, image_args, run_user)
        except BaseException as exc:
            if ran:
                # the statement changed rows that no undo item covers: this local transaction must not commit
                self._context.poison(f"{type(exc).__name__}: {exc}")
            raise
        self._context.add(outcome.undo_items, outcome.lock_keys)
        return outcome.result.rowcount

    def _execute_autocommit(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statement: Statement,
        query: str,
        args: Any,
        xid: str | None,
        lock: bool,
    ) -> int:
        """As Java does: autocommit off, images + statement + branch commit, and on a lock conflict roll the
        local transaction back and run the whole statement again with fresh images."""
        retry = self._rm.config.lock_retry
        self._target.autocommit(False)
        try:
            for attempt in range(max(retry.times, 0) + 1):
                try:
                    rows = self._execute_in_transaction(target_cursor, statement, query, args, xid, lock)
                    self.commit_statement()
                    return rows
                except LockConflictError:
                    if attempt >= retry.times:
                        raise
                    time.sleep(retry.interval_ms / 1000)
            raise AssertionError("unreachable")
        except BaseException:
            self.rollback()
            raise
        finally:
            self._target.autocommit(True)

    def commit_statement(self) -> None:
        if self._context.has_branch_work:
            self._commit_branch(retry=False, user_transaction=False)
        elif self._context.global_lock and self._context.lock_keys and not self._context.xid:
            self._commit_with_global_lock()
        else:
            self._target.commit()
            self._context.reset()

    def _execute_several(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statements: Sequence[Statement],
        args: Any,
        xid: str | None,
        lock: bool,
    ) -> int:
        """Several statements in one string: each runs on its own, between its own images, in order."""
        for statement in statements:
            if is_intercepted(statement):
                self._check(statement)
        if any(isinstance(s, SelectForUpdateStatement) for s in statements):
            raise UnsupportedSQLError("SELECT ... FOR UPDATE among several statements in one string")
        autocommit = self._target.get_autocommit()
        if autocommit:
            self._target.autocommit(False)
        total = 0
        try:
            for statement in statements:
                text, bound = statement.sql.sql, statement.sql.bind(args)
                if not is_intercepted(statement):
                    target_cursor.execute(text, bound)
                    continue
                # the executor binds its own fragments against the whole string's args; the cursor runs this
                # statement's text with just its own values
                total += self._execute_in_transaction(target_cursor, statement, text, bound, xid, lock, args)
            if autocommit:
                self.commit_statement()
        except BaseException:
            if autocommit:
                self.rollback()
            raise
        finally:
            if autocommit:
                self._target.autocommit(True)
        return total

    def execute_many(self, target_cursor: pymysql.cursors.Cursor, query: str, args: Iterable[Any]) -> int:
        """Every parameter set gets its own images; all of them go in one local transaction and, in autocommit
        mode, one branch, so the batch stays all-or-nothing as it is with plain pymysql."""
        if self._in_local_transaction():
            return sum(self.execute(target_cursor, query, one) for one in args)
        self._target.autocommit(False)
        try:
            total = sum(self.execute(target_cursor, query, one) for one in args)
            self.commit_statement()
            return total
        except BaseException:
            self.rollback()
            raise
        finally:
            self._target.autocommit(True)

    def _select_for_update(
        self,
        target_cursor: pymysql.cursors.Cursor,
        statement: SelectForUpdateStatement,
        query: str,
        args: Any,
        xid: str | None,
    ) -> int:
        """Lock the rows locally and ask the TC whether another global transaction holds them; while one does,
        undo the local locks (savepoint), wait and try again. The user's query runs last, once it may."""
        retry = self._rm.config.lock_retry
        env = self._environment()
        autocommit = not self._in_local_transaction()
        savepoint = None
        if autocommit:
            self._target.autocommit(False)
        else:
            self._savepoints += 1
            savepoint = f"seata_py_sfu_{self._savepoints}"
            env.image_cursor.execute(f"SAVEPOINT {savepoint}")
        checked = False
        try:
            for attempt in range(max(retry.times, 0) + 1):
                key = ";".join(select_for_update_lock_keys(env, statement, args))
                if not key or self._rm.check_lock(xid, self._resource.resource_id, key):
                    checked = True
                    break
                if attempt >= retry.times:
                    raise LockConflictError(f"rows {key} stay locked by another global transaction", xid=xid)
                if savepoint:
                    env.image_cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                else:
                    self._target.rollback()
                time.sleep(retry.interval_ms / 1000)
        finally:
            # after a deadlock the server has dropped the savepoint with the transaction: releasing it would
            # hide the deadlock error behind "SAVEPOINT does not exist"
            if savepoint and checked:
                env.image_cursor.execute(f"RELEASE SAVEPOINT {savepoint}")
            if autocommit:
                with contextlib.suppress(pymysql.err.Error):
                    self._target.rollback()  # statement-scoped locks: the user's query takes its own
                self._target.autocommit(True)
        # last on the connection, so an unbuffered (SSCursor) result is not drained by our own queries
        return self._run_user(target_cursor, query, args).rowcount

    # -- commit --------------------------------------------------------------------------------------------

    def _commit_branch(self, retry: bool, user_transaction: bool) -> None:
        """Register the branch (taking the global row locks), then write the undo row and commit locally."""
        context, rm, resource = self._context, self._rm, self._resource
        xid = context.xid
        assert xid is not None
        lock_key = context.lock_key()
        try:
            hint = application_data(user_transaction and rm.config.send_autocommit_hint)
            branch_id = rm.register_branch(xid, resource.resource_id, lock_key, hint, retry=retry)
        except BaseException:
            self.rollback()
            raise
        try:
            env = self._environment()
            settings = rm.config.undo
            row = encode_undo_row(
                BranchUndoLog(xid, branch_id, tuple(context.undo_items)),
                class_prefix=settings.class_prefix,
                compress=settings.compress,
                compress_type=settings.compress_type,
                compress_threshold=settings.compress_threshold,
                max_allowed_packet=resource.max_allowed_packet(env.image_cursor),
                zone=rm.config.zone,
            )
            resource.undo_table.insert(
                env.image_cursor, branch_id, xid, row.context, row.rollback_info, LOG_STATUS_NORMAL
            )
            self._target.commit()
        except BaseException:
            log.error("local commit of branch %s failed; reporting PhaseOne_Failed xid=%s", branch_id, xid)
            with contextlib.suppress(pymysql.err.Error):
                self._target.rollback()
            rm.report_phase_one_failed(xid, branch_id, resource.resource_id)
            context.reset()
            raise
        context.reset()
        log.debug("branch %s committed locally (%s) xid=%s", branch_id, lock_key, xid)
        if rm.config.report_success:
            rm.report_phase_one_done(xid, branch_id, resource.resource_id)

    def _commit_with_global_lock(self) -> None:
        retry = self._rm.config.lock_retry
        key = self._context.lock_key()
        for attempt in range(max(retry.times, 0) + 1):
            if self._rm.check_lock(None, self._resource.resource_id, key):
                self._target.commit()
                self._context.reset()
                return
            if attempt < retry.times:
                time.sleep(retry.interval_ms / 1000)
        self.rollback()
        raise LockConflictError(f"rows {key} are locked by a global transaction")


class ATCursor:
    """A pymysql cursor whose execute() goes through the AT connection."""

    def __init__(self, connection: ATConnection, target: pymysql.cursors.Cursor) -> None:
        self.connection = connection
        self._target = target
        self._rowcount: int | None = None

    @property
    def target(self) -> pymysql.cursors.Cursor:
        return self._target

    @property
    def rowcount(self) -> int:
        return self._rowcount if self._rowcount is not None else self._target.rowcount

    def execute(self, query: str, args: Any = None) -> int:
        self._rowcount = None
        return self.connection.execute(self._target, query, args)

    def executemany(self, query: str, args: Iterable[Any]) -> int | None:
        if current_xid() is None and not global_lock_required():
            self._rowcount = None
            return self._target.executemany(query, args)
        self._rowcount = self.connection.execute_many(self._target, query, args)
        return self._rowcount

    def callproc(self, procname: str, args: Sequence[Any] = ()) -> Any:
        if current_xid() is not None:
            raise UnsupportedSQLError(f"stored procedures (CALL {procname}) inside a global transaction")
        return self._target.callproc(procname, args)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._target)

    def __enter__(self) -> ATCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._target.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)
