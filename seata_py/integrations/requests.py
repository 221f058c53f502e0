"""Send the bound XID with every ``requests`` call (header ``TX_XID``).

::

    from seata_py.integrations.requests import SeataSession

    session = SeataSession()
    with seata_py.global_transaction(name="purchase"):
        session.post("http://stock-svc/deduct", json={...})   # carries TX_XID: <the xid>

or ``install(existing_session)``. The XID is read when each request is sent, in the sending thread, so
one session can serve threads inside and outside transactions. A ``TX_XID`` header set explicitly on a
request is left alone. ``inject_xid(headers)`` in :mod:`seata_py.integrations.xid` serves other clients.
"""

from __future__ import annotations

from typing import Any

import requests

from seata_py.integrations.xid import XID_HEADER, has_header
from seata_py.types.context import current_xid

_INSTALLED = "_seata_py_xid_installed"


def with_xid(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """``request``, or a copy of it carrying ``TX_XID`` when an XID is bound and the header is not set.

    A copy, so that re-sending the caller's PreparedRequest later, under another XID or none, does not
    repeat this one.
    """
    xid = current_xid()
    if xid is None or has_header(request.headers, XID_HEADER):
        return request
    request = request.copy()
    request.headers[XID_HEADER] = xid
    return request


class SeataSession(requests.Session):
    """A ``requests.Session`` that adds ``TX_XID`` while a global transaction is bound."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return super().send(with_xid(request), **kwargs)


def install(session: requests.Session) -> requests.Session:
    """Make an existing session add ``TX_XID`` (idempotent); returns the session."""
    if isinstance(session, SeataSession) or getattr(session, _INSTALLED, False):
        return session
    send = session.send

    def send_with_xid(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return send(with_xid(request), **kwargs)

    # an instance attribute: Session.request and the redirect loop both call self.send
    session.send = send_with_xid  # type: ignore[method-assign]
    setattr(session, _INSTALLED, True)
    return session
