"""WSGI middleware: bind the caller's XID (header ``TX_XID``) while the application handles the request.

Flask::

    from flask import Flask
    from seata_py.integrations.wsgi import SeataWSGIMiddleware

    app = Flask(__name__)
    app.wsgi_app = SeataWSGIMiddleware(app.wsgi_app, trusted_networks=["10.0.0.0/8"])

The XID is bound while the application is called and while each chunk of its response body is produced,
then unbound, so nothing leaks into the next request served by the same thread. See
:mod:`seata_py.integrations.xid` for the trust policy and why it defaults to loopback callers only.

Headers with underscores
------------------------
WSGI servers put ``TX_XID`` into ``environ["HTTP_TX_XID"]``, but several drop header names containing
``_`` because ``TX_XID`` and ``TX-XID`` land on the same environ key: werkzeug's development server
(Flask's ``app.run``), gunicorn >= 22 (``--header-map``, default ``drop``), nginx as a proxy
(``underscores_in_headers off`` by default). Then the XID never arrives and the service's writes commit
on their own. Fixes: for werkzeug, ``request_handler=werkzeug_request_handler()`` (keeps ``TX_XID`` only);
for gunicorn, ``--header-map dangerous``; for nginx, ``underscores_in_headers on``. The middleware warns
once when it sees werkzeug's server without that handler.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from seata_py.exceptions import InvalidXidError
from seata_py.integrations.servers import XidMiddleware
from seata_py.integrations.xid import (
    XID_HEADER,
    bound_iteration,
    propagated_xid,
    rejection_body,
    split_values,
)

log = logging.getLogger("seata_py.integrations")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

ENVIRON_KEY = "HTTP_TX_XID"
_KEPT_MARKER = "seata_py.xid_header_kept"


class SeataWSGIMiddleware(XidMiddleware[WSGIApp]):
    """Wrap a WSGI application; ``trusted_networks``/``trust``/``trust_all`` as in
    :class:`~seata_py.integrations.xid.XidTrust`."""

    _warned_dropping_server = False  # per instance once set: each middleware warns once

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get(ENVIRON_KEY)
        if raw is None:
            self._warn_if_server_drops_header(environ)
            return self.app(environ, start_response)
        peer = environ.get("REMOTE_ADDR") or None
        inbound = self.inbound(split_values([raw]), peer, lambda: request_headers(environ))
        if inbound.rejection is not None:
            return _bad_request(start_response, inbound.rejection)
        if inbound.xid is None:
            return self.app(environ, start_response)
        with propagated_xid(inbound.xid):
            body = self.app(environ, start_response)
        return _BoundBody(body, inbound.xid)

    def _warn_if_server_drops_header(self, environ: Environ) -> None:
        if self._warned_dropping_server or _KEPT_MARKER in environ:
            return
        if str(environ.get("SERVER_SOFTWARE", "")).startswith("Werkzeug/"):
            self._warned_dropping_server = True
            log.warning(
                "werkzeug's server drops the %s header (its name has an underscore), so XIDs from other "
                "services never arrive; serve with request_handler=seata_py.integrations.wsgi."
                "werkzeug_request_handler()",
                XID_HEADER,
            )


class _BoundBody:
    """The application's response body, produced with the XID bound; ``close()`` is passed on."""

    def __init__(self, body: Iterable[bytes], xid: str) -> None:
        self._body = body
        self._xid = xid

    def __iter__(self) -> Iterator[bytes]:
        with propagated_xid(self._xid):
            iterator = iter(self._body)
        return bound_iteration(iterator, self._xid)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            with propagated_xid(self._xid):
                close()


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers in ``environ``, with lowercase, dash-separated names (``x-forwarded-for``);
    what the ``trust`` callable receives. WSGI cannot tell ``TX_XID`` from ``TX-XID``: both are ``tx-xid``."""
    headers = {
        key[5:].lower().replace("_", "-"): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.lower().replace("_", "-")] = str(environ[key])
    return headers


def _bad_request(start_response: StartResponse, rejection: InvalidXidError) -> list[bytes]:
    body = rejection_body(rejection)
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


@functools.cache
def werkzeug_request_handler(base: type | None = None) -> type:
    """A werkzeug ``WSGIRequestHandler`` that passes ``TX_XID`` to the application (werkzeug drops header
    names with underscores). Only this header is kept; others with underscores are still dropped.

    ``make_server(host, port, app, request_handler=werkzeug_request_handler())``, or
    ``app.run(request_handler=werkzeug_request_handler())`` for Flask's development server.
    """
    from werkzeug.serving import WSGIRequestHandler

    parent: type[WSGIRequestHandler] = base or WSGIRequestHandler

    class SeataWerkzeugRequestHandler(parent):  # type: ignore[valid-type,misc]
        def make_environ(self) -> Environ:
            environ: Environ = super().make_environ()
            values = [value for name, value in self.headers.items() if name.lower() == XID_HEADER.lower()]
            if values:
                # the real TX_XID wins over a TX-XID werkzeug may have mapped to the same key
                environ[ENVIRON_KEY] = ",".join(values)
            environ[_KEPT_MARKER] = True
            return environ

    return SeataWerkzeugRequestHandler
