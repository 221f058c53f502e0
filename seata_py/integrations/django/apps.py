"""The Django app: ``seata_py.init()`` from ``settings.SEATA`` when the app registry is ready, and the check
that no global transaction begins inside ``transaction.atomic()`` on a seata-py database."""

from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings
from django.db import connections

from seata_py import runtime
from seata_py.exceptions import TransactionStateError
from seata_py.integrations.django import init_kwargs
from seata_py.tm.api import add_begin_check

log = logging.getLogger("seata_py.integrations")

BACKENDS = ("seata_py.integrations.django.mysql", "seata_py.integrations.django.postgresql")


def refuse_inside_atomic(name: str) -> None:
    for alias in connections:
        if connections.settings[alias].get("ENGINE") not in BACKENDS:
            continue
        wrapper = connections[alias]
        if wrapper.in_atomic_block:
            raise TransactionStateError(
                f"global transaction {name!r} begun inside transaction.atomic() on database {alias!r}: that "
                "block would commit its writes after the global transaction ended. Begin the global "
                "transaction outside atomic() (ATOMIC_REQUESTS off for @global_transactional views)"
            )


class SeataPyConfig(AppConfig):
    name = "seata_py.integrations.django"
    label = "seata_py"
    verbose_name = "seata-py"

    def ready(self) -> None:
        add_begin_check(refuse_inside_atomic)
        seata = getattr(settings, "SEATA", {})
        if seata.get("init", True) is False:
            return
        if runtime.is_initialized():
            log.info("seata_py.init() was already called; settings.SEATA is not applied again")
            return
        runtime.init(**init_kwargs(seata))
