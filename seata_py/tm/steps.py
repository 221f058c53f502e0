"""One implementation of the TM's logic for sync and async callers.

Beginning, ending and asking about a global transaction is written once, as a generator that yields each
request it needs the TC to answer (:class:`TcRequest`) and receives the answer, or has the request's
exception raised at the ``yield``. :func:`run` answers the requests with the backend's blocking methods,
:func:`arun` awaits its ``a``-prefixed coroutines; neither decides anything, so what a sync caller and an
async caller see (retries, state, log lines, errors) cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from seata_py.tm.backend import TmBackend

T = TypeVar("T")

Operation = Literal["begin", "commit", "rollback", "status", "report"]
Steps = Generator["TcRequest", Any, T]
"""A piece of TM logic: yields requests, gets their answers, returns its result."""


@dataclass(frozen=True)
class TcRequest:
    """Call ``operation`` (``begin``, or ``abegin`` for an async caller) on ``backend`` with ``args``."""

    backend: TmBackend
    operation: Operation
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Answer:
    value: Any = None
    error: BaseException | None = None


class _Conversation(Generic[T]):
    """Hands the steps their answers; the request they wait on is ``pending`` (None once they returned)."""

    def __init__(self, steps: Steps[T]) -> None:
        self._steps = steps
        self.result: T
        self.pending: TcRequest | None = self._advance(_Answer())

    def reply(self, answer: _Answer) -> None:
        self.pending = self._advance(answer)

    def _advance(self, answer: _Answer) -> TcRequest | None:
        # outside any except block, so errors the steps raise chain exactly as if they called the TC directly
        try:
            if answer.error is not None:
                return self._steps.throw(answer.error)
            return self._steps.send(answer.value)
        except StopIteration as done:
            self.result = done.value
            return None


def run(steps: Steps[T]) -> T:
    """Run ``steps`` with blocking calls to the TC."""
    conversation = _Conversation(steps)
    while (request := conversation.pending) is not None:
        conversation.reply(_call(request))
    return conversation.result


async def arun(steps: Steps[T]) -> T:
    """Run ``steps`` in the calling task, awaiting each call to the TC."""
    conversation = _Conversation(steps)
    while (request := conversation.pending) is not None:
        conversation.reply(await _acall(request))
    return conversation.result


def _call(request: TcRequest) -> _Answer:
    try:
        return _Answer(getattr(request.backend, request.operation)(*request.args))
    except BaseException as exc:  # cancellation too: the steps' cleanup (unbinding the XID) must run
        return _Answer(error=exc)


async def _acall(request: TcRequest) -> _Answer:
    try:
        return _Answer(await getattr(request.backend, f"a{request.operation}")(*request.args))
    except BaseException as exc:
        return _Answer(error=exc)
