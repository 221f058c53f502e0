"""``global_transaction`` (a ``with`` / ``async with`` block) and ``@global_transactional`` (sync or async).

The launcher begins the transaction, runs the code, then commits, or rolls back when the code raised an
exception its rules roll back on (the exception always reaches the caller). Before committing it checks the
timeout on the client side: a transaction past its timeout is rolled back and :class:`TransactionTimeoutError`
raised, never committed. Participants only run the code. The propagation modes are Seata's.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, overload

from seata_py.exceptions import PropagationError, TransactionError
from seata_py.tm.backend import TmBackend, TmSettings, process_defaults
from seata_py.tm.outcome import check_committed, check_rolled_back, check_timeout_rollback
from seata_py.tm.propagation import Plan, Propagation, plan
from seata_py.tm.rollback_rules import ExceptionSpec, normalise, should_roll_back
from seata_py.tm.steps import Steps, arun, run
from seata_py.tm.transaction import GlobalTransaction, Role
from seata_py.types.context import (
    LockRetryOverride,
    bind_lock_retry,
    bind_xid,
    current_xid,
    reset_lock_retry,
    reset_xid,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11; type checkers ship this module

log = logging.getLogger("seata_py.tm")

F = TypeVar("F", bound=Callable[..., Any])


def _disabled() -> bool:
    return process_defaults().disabled


_BEGIN_CHECKS: list[Callable[[str], None]] = []


def add_begin_check(check: Callable[[str], None]) -> None:
    """Run ``check(name)`` before this process begins a global transaction (not when a block joins one); it
    raises to refuse the block before anything is bound or sent. Integrations add theirs once (Django: no
    global transaction begun inside ``transaction.atomic()``, whose local commit would come after it)."""
    if check not in _BEGIN_CHECKS:
        _BEGIN_CHECKS.append(check)


class global_transaction:
    """A block that runs in a global transaction; ``with`` for sync code, ``async with`` for async code.

    ``as tx`` gives the :class:`GlobalTransaction` (``tx.xid`` is None when the propagation runs the block
    without one). ``rollback_for`` / ``no_rollback_for`` take exception classes or name fragments.
    ``lock_retry_interval_ms`` / ``lock_retry_times`` override the global-lock retry settings inside the
    block. One instance serves one block; the decorator makes a new one per call.
    """

    def __init__(
        self,
        name: str = "default",
        timeout_ms: int | None = None,
        *,
        propagation: Propagation | str = Propagation.REQUIRED,
        rollback_for: ExceptionSpec | Iterable[ExceptionSpec] | None = None,
        no_rollback_for: ExceptionSpec | Iterable[ExceptionSpec] | None = None,
        lock_retry_interval_ms: int | None = None,
        lock_retry_times: int | None = None,
        backend: TmBackend | None = None,
        settings: TmSettings | None = None,
    ) -> None:
        self.name = name
        self.timeout_ms = timeout_ms
        self.propagation = Propagation(propagation)
        self.rollback_for = normalise(rollback_for)
        self.no_rollback_for = normalise(no_rollback_for)
        self.lock_retry = (
            LockRetryOverride(lock_retry_interval_ms, lock_retry_times)
            if lock_retry_interval_ms is not None or lock_retry_times is not None
            else None
        )
        self._backend = backend
        self._settings = settings
        self._tx: GlobalTransaction | None = None
        self._suspended_token: Token[str | None] | None = None
        self._lock_token: Token[LockRetryOverride | None] | None = None
        self._entered = False

    # -- entering -------------------------------------------------------------------------------------------

    def _plan(self) -> Plan:
        if self._entered:
            raise TransactionError("a global_transaction block cannot be entered twice; create a new one")
        self._entered = True
        if self._backend is None and _disabled():
            return Plan.RUN_PLAIN
        existing = current_xid()
        decided = plan(self.propagation, existing is not None)
        if decided is Plan.REFUSE_EXISTING:
            raise PropagationError(
                f"existing global transaction found for {self.name!r} with propagation 'NEVER'", xid=existing
            )
        if decided is Plan.REFUSE_MISSING:
            raise PropagationError(
                f"no existing global transaction found for {self.name!r} with propagation 'MANDATORY'"
            )
        if decided in (Plan.BEGIN, Plan.SUSPEND_AND_BEGIN):
            for check in _BEGIN_CHECKS:
                check(self.name)
        if decided in (Plan.SUSPEND_AND_RUN_PLAIN, Plan.SUSPEND_AND_BEGIN):
            log.debug("suspending xid=%s for %r (%s)", existing, self.name, self.propagation.value)
            self._suspended_token = bind_xid(None)
        if self.lock_retry is not None:
            self._lock_token = bind_lock_retry(self.lock_retry)
        return decided

    def _transaction_for(self, decided: Plan) -> GlobalTransaction:
        if decided in (Plan.RUN_PLAIN, Plan.SUSPEND_AND_RUN_PLAIN):
            return GlobalTransaction(role=Role.NONE)
        if decided is Plan.JOIN:
            return GlobalTransaction(
                xid=current_xid(), role=Role.PARTICIPANT, backend=self._backend, settings=self._settings
            )
        return GlobalTransaction(role=Role.LAUNCHER, backend=self._backend, settings=self._settings)

    def _enter_steps(self) -> Steps[GlobalTransaction]:
        decided = self._plan()
        try:
            tx = self._transaction_for(decided)
            if tx.is_launcher:
                yield from tx.begin_steps(self.timeout_ms, self.name)
        except BaseException:
            self._restore()
            raise
        self._tx = tx
        return tx

    def __enter__(self) -> GlobalTransaction:
        return run(self._enter_steps())

    async def __aenter__(self) -> GlobalTransaction:
        return await arun(self._enter_steps())

    # -- leaving --------------------------------------------------------------------------------------------

    def _exit_steps(self, exc: BaseException | None) -> Steps[None]:
        tx = self._tx
        assert tx is not None
        try:
            if not tx.is_launcher:
                return
            if exc is not None and should_roll_back(exc, self.rollback_for, self.no_rollback_for):
                check_rolled_back(self.name, tx, (yield from tx.end_steps("rollback")), exc)
                return  # the original exception propagates
            if tx.timed_out():  # never commit past the timeout, whatever the rules say about the exception
                check_timeout_rollback(self.name, tx, (yield from tx.end_steps("rollback")), exc)
            check_committed(self.name, tx, (yield from tx.end_steps("commit")), exc)
        finally:
            self._restore()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        run(self._exit_steps(exc))

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await arun(self._exit_steps(exc))

    def _restore(self) -> None:
        try:
            if self._lock_token is not None:
                try:
                    reset_lock_retry(self._lock_token)
                except ValueError:  # the block ends in another context (e.g. a generator closed elsewhere)
                    bind_lock_retry(self._lock_token.old_value)  # type: ignore[arg-type]
                self._lock_token = None
        finally:
            self._resume()

    def _resume(self) -> None:
        if self._suspended_token is not None:
            try:
                reset_xid(self._suspended_token)
            except ValueError:  # left from another context than the one entered: bind the old XID again
                bind_xid(self._suspended_token.old_value)  # type: ignore[arg-type]
            log.debug("resumed xid=%s after %r", current_xid(), self.name)
            self._suspended_token = None


class TransactionalOptions(TypedDict, total=False):
    """``@global_transactional(...)``'s keywords: :class:`global_transaction`'s, with ``name`` defaulting to
    the decorated function's qualified name."""

    name: str | None
    timeout_ms: int | None
    propagation: Propagation | str
    rollback_for: ExceptionSpec | Iterable[ExceptionSpec] | None
    no_rollback_for: ExceptionSpec | Iterable[ExceptionSpec] | None
    lock_retry_interval_ms: int | None
    lock_retry_times: int | None
    backend: TmBackend | None
    settings: TmSettings | None


@overload
def global_transactional(func: F, /) -> F: ...


@overload
def global_transactional(
    func: None = None, /, **options: Unpack[TransactionalOptions]
) -> Callable[[F], F]: ...


def global_transactional(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Run each call of the decorated function (sync or ``async def``) in a global transaction.

    ``@global_transactional`` or ``@global_transactional(name=..., timeout_ms=..., propagation=...,
    rollback_for=..., no_rollback_for=...)``; the name defaults to the function's qualified name. Works under
    ``@staticmethod`` / ``@classmethod`` too. Generator functions are refused: their body runs after the call
    returns, outside the block.
    """
    fixed = dict(options)
    for key in ("rollback_for", "no_rollback_for"):
        fixed[key] = normalise(fixed.get(key))  # once, so one-shot iterables serve every call

    def decorate(target: Any) -> Any:
        if isinstance(target, (staticmethod, classmethod)):
            return type(target)(decorate(target.__func__))
        fn: Callable[..., Any] = target
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise TypeError(
                f"@global_transactional cannot wrap the generator function {fn.__qualname__}: its body runs "
                "after the call returns; use `with`/`async with seata_py.global_transaction()` inside it"
            )
        call_options = dict(fixed)
        name = call_options.pop("name", None) or fn.__qualname__
        global_transaction(name, **call_options)  # validate the options at decoration time

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with global_transaction(name, **call_options):
                    return await fn(*args, **kwargs)

            return run_async

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with global_transaction(name, **call_options):
                result = fn(*args, **kwargs)
                if inspect.isawaitable(result) or inspect.isgenerator(result) or inspect.isasyncgen(result):
                    if inspect.iscoroutine(result):
                        result.close()
                    raise TypeError(
                        f"{fn.__qualname__} returned {type(result).__name__}, whose work would run outside "
                        "the global transaction; declare it `async def` (the transaction was rolled back)"
                    )
                return result

        return run

    return decorate if func is None else decorate(func)
