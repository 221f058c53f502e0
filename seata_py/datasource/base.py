"""What every AT connection proxy does, whatever the driver: interception, branch commit, global locks.

Inside a global transaction (or a global-lock scope) a write is recognized, checked against the table
metadata, and run between its images; its undo items and lock keys collect in the connection context until
the local commit, which registers the branch (taking the global row locks, with retries), writes the undo row
in the same local transaction, and commits. A statement in autocommit mode is its own local transaction and
branch. Outside a global transaction every call goes straight to the driver.

A driver's proxy subclasses :class:`ATConnectionBase` and supplies the hooks at the bottom: how it parses
its paramstyle, how it tells and changes the transaction state, and how it runs the user's statement.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from seata_py.datasource.pending_branch import ConnectionContext
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import LockConflictError, SeataError, UnsupportedSQLError
from seata_py.rm.at import ATResourceManager, application_data
from seata_py.sql.exec import Environment, UserResult, executor_for
from seata_py.sql.recognizer import check_statement_against_meta
from seata_py.types.context import current_xid, global_lock_required
from seata_py.types.images import BranchUndoLog
from seata_py.types.statements import SelectForUpdateStatement, Statement, is_intercepted, statement_tables
from seata_py.undo.codec import encode_undo_row
from seata_py.undo.log_table import LOG_STATUS_NORMAL

log = logging.getLogger("seata_py.datasource")


_Connection = TypeVar("_Connection", bound="ATConnectionBase")


class ATConnectionBase:
    """The dialect-independent part of an AT connection proxy around one DB-API connection."""

    def __init__(self, target: Any, resource: DataSourceResource, rm: ATResourceManager) -> None:
        self._target = target
        self._resource = resource
        self._rm = rm
        self._context = ConnectionContext()
        self._env: Environment | None = None

    @property
    def target(self) -> Any:
        return self._target

    @property
    def resource_id(self) -> str:
        return self._resource.resource_id

    @property
    def resource(self) -> DataSourceResource:
        return self._resource

    def close(self) -> None:
        self._context.reset()
        self._target.close()

    def forget_transaction_state(self) -> None:
        """Drop seata-py's state of a transaction (undo items, lock keys, XID binding) without touching the
        driver: for a connection that is being closed by other means."""
        self._context.reset()

    def __enter__(self: _Connection) -> _Connection:
        return self

    def has_transaction_state(self) -> bool:
        """True while anything of a transaction is left on this connection: a local transaction open on the
        driver, or seata-py's state of one (a bound XID, undo items, lock keys, savepoints, a statement
        that failed after it ran). A pool can roll such a connection back before handing it out again."""
        return self._context.has_state or self._transaction_open()

    # -- transaction end -----------------------------------------------------------------------------------

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
            self._local_commit()
            context.reset()

    def rollback(self) -> None:
        try:
            self._local_rollback()
        finally:
            self._context.reset()

    def commit_statement(self) -> None:
        """Commit an autocommit statement's local transaction: its own branch, no lock retry here (the
        caller runs the whole statement again on a conflict)."""
        if self._context.has_branch_work:
            self._commit_branch(retry=False, user_transaction=False)
        elif self._context.global_lock and self._context.lock_keys and not self._context.xid:
            self._commit_with_global_lock()
        else:
            self._local_commit()
            self._context.reset()

    # -- interception --------------------------------------------------------------------------------------

    def _environment(self) -> Environment:
        if self._env is None:
            self._env = self._resource.environment(self._target)
        return self._env

    def _execute(self, target_cursor: Any, query: str, args: Any) -> int:
        """Runs one ``execute`` of a cursor of this connection; returns the statement's row count."""
        xid = current_xid()
        lock = global_lock_required()
        if xid is None and not lock:
            return self._execute_plain(target_cursor, query, args)
        args, statements = self._parse(query, args)  # raises UnsupportedSQLError before anything runs
        if not any(is_intercepted(s) for s in statements):
            self._guard_plain(statements, query)
            rows = self._execute_plain(target_cursor, query, args)
            self._track_savepoints(statements)
            return rows
        try:
            if len(statements) > 1:
                return self._execute_several(target_cursor, statements, args, xid, lock)
            statement = statements[0]
            self._check(statement)
            self._check_cursor(target_cursor, statement)
            if isinstance(statement, SelectForUpdateStatement):
                return self._select_for_update(target_cursor, statement, query, args, xid)
            run = functools.partial(
                self._execute_in_transaction, target_cursor, statement, query, args, xid, lock
            )
            return run() if self._in_local_transaction() else self._execute_autocommit(run)
        except self._resource.dialect.driver_errors as exc:
            if self._resource.dialect.is_unknown_column_error(exc):
                # the table changed under a cached description: the next statement reads it afresh
                self._resource.meta_cache.invalidate(resource_id=self._resource.resource_id)
            raise

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

    def _execute_in_transaction(
        self,
        target_cursor: Any,
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
        self._context.bind(xid, lock)  # refuses another scope's pending work before anything runs
        earlier_work = self._context.has_pending_work
        self._prepare_write()
        ran = refused = False

        def run_user(returning: Sequence[str] = ()) -> UserResult:
            nonlocal ran, refused
            ran = True
            try:
                return self._run_user(target_cursor, statement, query, args, returning)
            except self._resource.dialect.driver_errors:
                refused = True
                raise

        try:
            outcome = executor(self._environment(), statement, image_args, run_user)
        except BaseException as exc:
            # A statement the database refused changed nothing (statements are atomic), but the refusal may
            # have ended the whole local transaction (a deadlock, a lost connection) and with it the work
            # earlier undo items describe. Any other failure after the statement ran leaves rows no undo
            # item covers. Either way this local transaction must not commit.
            if ran and (not refused or earlier_work):
                self._context.poison(f"{type(exc).__name__}: {exc}")
            raise
        self._context.add(outcome.undo_items, outcome.lock_keys)
        return outcome.result.rowcount

    def _execute_autocommit(self, run: Callable[[], int]) -> int:
        """As Java does: one local transaction for images + statement (``run``) + branch commit, and on a lock
        conflict roll it back and run the whole statement again with fresh images."""
        self._begin_statement_transaction()
        try:
            for attempt in self._rm.config.lock_retry.in_force().attempts():
                try:
                    rows = run()
                    self.commit_statement()
                    return rows
                except LockConflictError:
                    if attempt.last:
                        raise
            raise AssertionError("unreachable")
        except BaseException:
            self.rollback()
            raise
        finally:
            self._end_statement_transaction()

    def _execute_several(
        self,
        target_cursor: Any,
        statements: Sequence[Statement],
        args: Any,
        xid: str | None,
        lock: bool,
    ) -> int:
        """Several statements in one string: each runs on its own, between its own images, in order."""
        for statement in statements:
            if is_intercepted(statement):
                self._check(statement)
                self._check_cursor(target_cursor, statement)
        if any(isinstance(s, SelectForUpdateStatement) for s in statements):
            raise UnsupportedSQLError("SELECT ... FOR UPDATE among several statements in one string")
        autocommit = not self._in_local_transaction()
        if autocommit:
            self._begin_statement_transaction()
        total = 0
        try:
            for statement in statements:
                text, bound = statement.sql.sql, statement.sql.bind(args)
                if not is_intercepted(statement):
                    self._execute_plain(target_cursor, text, bound)
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
                self._end_statement_transaction()
        return total

    def _execute_many(self, target_cursor: Any, query: str, args: Iterable[Any]) -> int:
        """Every parameter set gets its own images; all of them go in one local transaction and, in autocommit
        mode, one branch, so the batch stays all-or-nothing as it is without seata-py."""
        if self._in_local_transaction():
            return sum(self._execute(target_cursor, query, one) for one in args)
        self._begin_statement_transaction()
        try:
            total = sum(self._execute(target_cursor, query, one) for one in args)
            self.commit_statement()
            return total
        except BaseException:
            self.rollback()
            raise
        finally:
            self._end_statement_transaction()

    def _select_for_update(
        self, target_cursor: Any, statement: SelectForUpdateStatement, query: str, args: Any, xid: str | None
    ) -> int:
        raise UnsupportedSQLError("SELECT ... FOR UPDATE on this database", query)

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
                zone=resource.zone,
            )
            resource.undo_table.insert(
                env.image_cursor, branch_id, xid, row.context, row.rollback_info, LOG_STATUS_NORMAL
            )
            self._local_commit()
        except BaseException:
            log.error("local commit of branch %s failed; reporting PhaseOne_Failed xid=%s", branch_id, xid)
            with contextlib.suppress(*resource.dialect.driver_errors):
                self._local_rollback()
            rm.report_phase_one_failed(xid, branch_id, resource.resource_id)
            context.reset()
            raise
        context.reset()
        log.debug("branch %s committed locally (%s) xid=%s", branch_id, lock_key, xid)
        if rm.config.report_success:
            rm.report_phase_one_done(xid, branch_id, resource.resource_id)

    def _commit_with_global_lock(self) -> None:
        key = self._context.lock_key()
        for _ in self._rm.config.lock_retry.in_force().attempts():
            if self._rm.check_lock(None, self._resource.resource_id, key):
                self._local_commit()
                self._context.reset()
                return
        self.rollback()
        raise LockConflictError(f"rows {key} are locked by a global transaction")

    # -- driver hooks --------------------------------------------------------------------------------------

    def _parse(self, query: str, args: Any) -> tuple[Any, tuple[Statement, ...]]:
        """The args as the driver will bind them, and the recognized statements."""
        raise NotImplementedError

    def _execute_plain(self, target_cursor: Any, query: str, args: Any) -> int:
        """Runs a statement untouched; returns its row count."""
        raise NotImplementedError

    def _run_user(
        self, target_cursor: Any, statement: Statement, query: str, args: Any, returning: Sequence[str]
    ) -> UserResult:
        """Runs the user's intercepted statement (reading back ``returning`` columns when asked)."""
        raise NotImplementedError

    def _check_cursor(self, target_cursor: Any, statement: Statement) -> None:
        """Refuses, before anything runs, an intercepted statement the user's cursor cannot take in AT
        mode."""

    def _in_local_transaction(self) -> bool:
        """True when statements are not committed one by one (autocommit off, or a transaction is open)."""
        raise NotImplementedError

    def _transaction_open(self) -> bool:
        """True while the driver has a local transaction open (begun and not yet committed or rolled
        back), whatever the autocommit setting."""
        raise NotImplementedError

    def _prepare_write(self) -> None:
        """Called before each intercepted statement, ahead of its before image (SQLite takes its write
        lock here)."""

    def _begin_statement_transaction(self) -> None:
        """An autocommit statement (or batch) is about to run as one local transaction: open it, so that
        :meth:`_in_local_transaction` holds until :meth:`_end_statement_transaction`."""

    def _end_statement_transaction(self) -> None:
        """The autocommit statement's local transaction is over (committed or rolled back)."""

    def _local_commit(self) -> None:
        raise NotImplementedError

    def _local_rollback(self) -> None:
        raise NotImplementedError
