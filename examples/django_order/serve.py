"""Serve the Django order service as the demo's order service (same route, same options):

    python serve.py --port 8102 --db mysql://user:pw@127.0.0.1:3306/orders --tc 127.0.0.1:8091 \\
                    --account http://127.0.0.1:8103

It creates its tables (``migrate --run-syncdb``, undo_log included) and serves with wsgiref, which keeps the
``TX_XID`` header (Django's ``runserver`` drops header names with underscores).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    # "order", as the demo names the service it starts (examples/order_stock/demo.py --django-order)
    parser.add_argument("role", nargs="?", choices=["order"], default="order")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument(
        "--db", required=True, help="mysql://user:password@host:port/database or postgresql://..."
    )
    parser.add_argument("--tc", default="127.0.0.1:8091")
    parser.add_argument("--account", default="")
    args = parser.parse_args(argv)
    os.environ.update(ORDER_DB=args.db, SEATA_GROUPLIST=args.tc, ACCOUNT_URL=args.account)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_order.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", args.port, get_wsgi_application(), _Server, _Quiet)
    print(f"django order service on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
