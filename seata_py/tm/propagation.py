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


_PLANS: dict[tuple[Propagation, bool], Plan] = {
    (Propagation.REQUIRED, True): Plan.JOIN,
    (Propagation.REQUIRED, False): Plan.BEGIN,
    (Propagation.REQUIRES_NEW, True): Plan.SUSPEND_AND_BEGIN,
    (Propagation.REQUIRES_NEW, False): Plan.BEGIN,
    (Propagation.NOT_SUPPORTED, True): Plan.SUSPEND_AND_RUN_PLAIN,
    (Propagation.NOT_SUPPORTED, False): Plan.RUN_PLAIN,
    (Propagation.SUPPORTS, True): Plan.JOIN,
    (Propagation.SUPPORTS, False): Plan.RUN_PLAIN,
    (Propagation.NEVER, True): Plan.REFUSE_EXISTING,
    (Propagation.NEVER, False): Plan.RUN_PLAIN,
    (Propagation.MANDATORY, True): Plan.JOIN,
    (Propagation.MANDATORY, False): Plan.REFUSE_MISSING,
}


def plan(propagation: Propagation | str, existing: bool) -> Plan:
    return _PLANS[(Propagation(propagation), existing)]
