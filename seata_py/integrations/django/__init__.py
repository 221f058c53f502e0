"""Django: database backends whose writes become AT branches, XID middleware, and ``SEATA`` settings.

``settings.py``::

    INSTALLED_APPS = [..., "seata_py.integrations.django"]   # seata_py.init() from SEATA at app ready
    MIDDLEWARE = ["seata_py.integrations.django.SeataXidMiddleware", ...]
    DATABASES = {
        "default": {
            "ENGINE": "seata_py.integrations.django.mysql",        # Django's MySQL backend (mysqlclient)
            "NAME": "orders", "USER": "app", "PASSWORD": "...", "HOST": "db", "PORT": 3306,
            "SEATA_RESOURCE_ID": "jdbc:mysql://db:3306/orders",    # optional: the Java services' JDBC URL
        },
    }
    SEATA = {
        "application_id": "order-service",
        "tx_service_group": "default_tx_group",
        "grouplist": "127.0.0.1:8091",
        # any other seata_py.init() keyword ("time_zone", "transport", "config_file", ...), and for the
        # middleware "trusted_networks" / "trust" / "trust_all" (as SeataWSGIMiddleware takes them)
    }

``SEATA`` is optional: without it, ``seata_py.init()`` reads ``SEATA_*`` variables and the YAML file as
usual; ``"init": False`` leaves calling ``seata_py.init()`` to the project.

Transactions: begin the global transaction *outside* ``transaction.atomic()``; atomics inside it are local
transactions of the branch, and nested atomics are savepoints (rolling back to one drops the images taken
after it). A global transaction begun inside an atomic block of a seata-py database is refused
(:class:`~seata_py.exceptions.TransactionStateError`): that block commits locally only after the global
transaction has ended. So ``ATOMIC_REQUESTS`` does not mix with ``@global_transactional`` views.

Headers: Java services send the XID as ``TX_XID``, and servers that drop header names with underscores lose
it: Django's ``runserver`` and gunicorn (``--header-map dangerous`` keeps it) among them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from seata_py.exceptions import ConfigError
from seata_py.integrations.xid import XID_HEADER
from seata_py.types.context import current_xid

_MIDDLEWARE_KEYS = ("trusted_networks", "trust", "trust_all")
_OWN_KEYS = ("init",)


def init_kwargs(seata: Mapping[str, Any]) -> dict[str, Any]:
    """``seata_py.init()`` keywords from the ``SEATA`` setting (without the middleware's and our own)."""
    if not isinstance(seata, Mapping):
        raise ConfigError(f"settings.SEATA must be a dict, got {type(seata).__name__}")
    return {k: v for k, v in seata.items() if k not in _MIDDLEWARE_KEYS + _OWN_KEYS}


def middleware_kwargs(seata: Mapping[str, Any]) -> dict[str, Any]:
    """The middleware's trust settings from ``SEATA``; ``trust`` may be a dotted path to a callable."""
    kwargs = {k: seata[k] for k in _MIDDLEWARE_KEYS if k in seata}
    if isinstance(kwargs.get("trust"), str):
        kwargs["trust"] = _import_callable(kwargs["trust"])
    return kwargs


def _import_callable(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"SEATA['trust'] = {path!r} does not name a callable: {exc}") from exc
    if not callable(found):
        raise ConfigError(f"SEATA['trust'] = {path!r} is not callable")
    return found  # type: ignore[no-any-return]


def outgoing_headers() -> dict[str, str]:
    """The header that carries the bound XID to another service (``{}`` outside a global transaction):
    ``requests.post(url, headers=outgoing_headers())``."""
    xid = current_xid()
    return {XID_HEADER: xid} if xid else {}


def __getattr__(name: str) -> Any:
    # the middleware imports Django; this module must stay importable by Django's app loading without it
    if name == "SeataXidMiddleware":
        from seata_py.integrations.django.middleware import SeataXidMiddleware

        return SeataXidMiddleware
    raise AttributeError(name)


__all__ = ["SeataXidMiddleware", "init_kwargs", "middleware_kwargs", "outgoing_headers"]
