"""Which exceptions roll a global transaction back: Seata's rollbackFor / noRollbackFor rule semantics.

With no rules every exception rolls back. With rules, the matching rule nearest to the raised class in its
MRO wins (a class rule matches that class; a string rule matches when it occurs in a class's qualified name,
as Java matches names); when that rule is a no-rollback rule, or when no rule matches at all, the
transaction is committed and the exception still reaches the caller. One deliberate difference from Java:
exceptions that are not ``Exception`` (``KeyboardInterrupt``, ``SystemExit``, ``asyncio.CancelledError``...)
always roll back, because the work they cut short is unfinished whatever the rules say.
"""

from __future__ import annotations

from collections.abc import Iterable

ExceptionSpec = type[BaseException] | str


def _depth(spec: ExceptionSpec, raised: type[BaseException]) -> int | None:
    for depth, klass in enumerate(raised.__mro__):
        if isinstance(spec, str):
            if spec in f"{klass.__module__}.{klass.__qualname__}":
                return depth
        elif spec is klass:
            return depth
    return None


def normalise(specs: ExceptionSpec | Iterable[ExceptionSpec] | None) -> tuple[ExceptionSpec, ...]:
    if specs is None:
        return ()
    if isinstance(specs, (str, type)):
        specs = (specs,)
    result = tuple(specs)
    for spec in result:
        if not (isinstance(spec, str) and spec) and not (
            isinstance(spec, type) and issubclass(spec, BaseException)
        ):
            raise TypeError(f"rollback rules take exception classes or non-empty names, got {spec!r}")
    return result


def should_roll_back(
    exc: BaseException,
    rollback_for: tuple[ExceptionSpec, ...] = (),
    no_rollback_for: tuple[ExceptionSpec, ...] = (),
) -> bool:
    if not isinstance(exc, Exception) or not (rollback_for or no_rollback_for):
        return True
    best: tuple[int, bool] | None = None
    # rollback rules first: at equal depth the first rule seen wins, as in Java's rule list
    for rules, rollback in ((rollback_for, True), (no_rollback_for, False)):
        for spec in rules:
            depth = _depth(spec, type(exc))
            if depth is not None and (best is None or depth < best[0]):
                best = (depth, rollback)
    return best is not None and best[1]
