"""How a global transaction block relates to the one already bound, as Seata's ``Propagation`` enum
defines."""

from __future__ import annotations

import enum


class Propagation(enum.Enum):
    REQUIRED = "REQUIRED"  # join the bound transaction, else begin one
    REQUIRES_NEW = "REQUIRES_NEW"  # suspend the bound transaction and begin a new one
    NOT_SUPPORTED = "NOT_SUPPORTED"  # suspend the bound transaction and run without one
    SUPPORTS = "SUPPORTS"  # join the bound transaction, else run without one
    NEVER = "NEVER"  # refuse to run inside a transaction
    MANDATORY = "MANDATORY"  # refuse to run outside a transaction


class Plan(enum.Enum):
    """What entering a block does, decided from the propagation and whether an XID is bound."""

    RUN_PLAIN = enum.auto()
    SUSPEND_AND_RUN_PLAIN = enum.auto()
    JOIN = enum.auto()
    BEGIN = enum.auto()
    SUSPEND_AND_BEGIN = enum.auto()
    REFUSE_EXISTING = enum.auto()  # NEVER with a transaction
    REFUSE_MISSING = enum.auto()  # MANDATORY without one


# propagation -> (what entering does while a transaction is bound, what it does while none is)
_PLANS: dict[Propagation, tuple[Plan, Plan]] = {
    Propagation.REQUIRED: (Plan.JOIN, Plan.BEGIN),
    Propagation.REQUIRES_NEW: (Plan.SUSPEND_AND_BEGIN, Plan.BEGIN),
    Propagation.NOT_SUPPORTED: (Plan.SUSPEND_AND_RUN_PLAIN, Plan.RUN_PLAIN),
    Propagation.SUPPORTS: (Plan.JOIN, Plan.RUN_PLAIN),
    Propagation.NEVER: (Plan.REFUSE_EXISTING, Plan.RUN_PLAIN),
    Propagation.MANDATORY: (Plan.JOIN, Plan.REFUSE_MISSING),
}


def plan(propagation: Propagation | str, existing: bool) -> Plan:
    with_existing, without = _PLANS[Propagation(propagation)]
    return with_existing if existing else without
