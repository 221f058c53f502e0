"""Integrations with the libraries around a service.

XID propagation between services (each module imports its library only when imported itself):

* :mod:`seata_py.integrations.xid`: header/metadata names, ``parse_xid``, the inbound trust policy
  ``XidTrust``, ``inject_xid`` for other clients.
* clients: :mod:`~seata_py.integrations.requests` (``SeataSession``, ``install``),
  :mod:`~seata_py.integrations.httpx` (``SeataClient``, ``SeataAsyncClient``, ``install``),
  :mod:`~seata_py.integrations.grpc` (``SeataClientInterceptor``, ``aio_client_interceptors``).
* servers: :mod:`~seata_py.integrations.wsgi` (``SeataWSGIMiddleware``, Flask),
  :mod:`~seata_py.integrations.asgi` (``SeataASGIMiddleware``, FastAPI/Starlette),
  :mod:`~seata_py.integrations.grpc` (``SeataServerInterceptor``, ``SeataAioServerInterceptor``).

The XID in log records: :mod:`seata_py.log_context`.
"""
