"""The order service against the real Seata TC and MariaDB, with Django's test runner:

    ORDER_DB=mysql://user:pw@host:port/orders SEATA_GROUPLIST=host:port python manage.py test orders

(or ``ORDER_DB=postgresql://...``; tests/integration/test_django.py runs it both ways, on the servers the
suite starts). Every test looks at the rows after the global transaction ended: through a plain pymysql or
psycopg connection, not the ORM under test.
``TransactionTestCase``: Django's ``TestCase`` would wrap each test in ``atomic()``, inside which no global
transaction may begin.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import psycopg
import pymysql
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, TransactionTestCase

import seata_py
from seata_py.exceptions import TransactionStateError
from seata_py.integrations.django import outgoing_headers

from .models import Order, Stock
from .views import Refused, place_order


class Boom(Exception):
    pass


def plain_rows(sql: str) -> list[tuple[Any, ...]]:
    """Rows as the database holds them, read beside Django."""
    params = connection.settings_dict
    address = {"host": params["HOST"], "port": int(params["PORT"]), "user": params["USER"]}
    if params["PASSWORD"]:
        address["password"] = params["PASSWORD"]
    if connection.vendor == "postgresql":
        conn: Any = psycopg.connect(dbname=params["NAME"], **address)
    else:
        conn = pymysql.connect(database=params["NAME"], **address)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def undo_rows_left(timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        left = plain_rows("SELECT COUNT(*) FROM undo_log")[0][0]
        if left == 0 or time.monotonic() > deadline:
            return int(left)
        time.sleep(0.1)


def orders() -> list[tuple[Any, ...]]:
    return plain_rows("SELECT order_no, user_id, sku, count, amount_cents FROM orders ORDER BY order_no")


def reservations() -> list[tuple[Any, ...]]:
    return plain_rows("SELECT sku, reserved FROM order_reservations ORDER BY sku")


class ORMRollbackTests(TransactionTestCase):
    def setUp(self) -> None:
        Stock.objects.bulk_create([Stock(sku="A", reserved=1), Stock(sku="B", reserved=2)])
        Order.objects.create(order_no="seed", user_id="u0", sku="A", count=1, amount_cents=300)
        self.before = (orders(), reservations())

    def after(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        return orders(), reservations()

    def test_save_update_delete_bulk_create_and_raw_sql_are_undone(self) -> None:
        @seata_py.global_transactional
        def work() -> None:
            order = Order(order_no="n1", user_id="u1", sku="B", count=2, amount_cents=2500)
            order.save()
            order.count = 3
            order.save()  # UPDATE through save()
            Stock.objects.filter(sku="A").update(reserved=F("reserved") + 5)
            Order.objects.bulk_create(
                [
                    Order(order_no=f"b{i}", user_id="u2", sku="A", count=i, amount_cents=300 * i)
                    for i in (1, 2)
                ]
            )
            Order.objects.filter(order_no="seed").delete()
            # auto-increment keys: Django reads them back with INSERT ... RETURNING on MariaDB
            added = Stock.objects.bulk_create([Stock(sku="C", reserved=0), Stock(sku="D", reserved=4)])
            assert all(s.pk for s in added)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE order_reservations SET reserved = reserved * 10 WHERE sku = %s", ["B"])
            assert self.after() != self.before
            raise Boom

        with self.assertRaises(Boom):
            work()
        self.assertEqual(self.after(), self.before)
        self.assertEqual(undo_rows_left(), 0)

    def test_commit_keeps_everything_and_cleans_the_undo_log(self) -> None:
        with seata_py.global_transaction(name="django-commit"):
            with transaction.atomic():
                Order.objects.create(order_no="c1", user_id="u1", sku="A", count=1, amount_cents=300)
                Stock.objects.filter(sku="B").update(reserved=F("reserved") - 1)
            Order.objects.filter(order_no="seed").update(count=9)  # autocommit: a branch of its own
        self.assertEqual(orders(), [("c1", "u1", "A", 1, 300), ("seed", "u0", "A", 9, 300)])
        self.assertEqual(reservations(), [("A", 1), ("B", 1)])
        self.assertEqual(undo_rows_left(), 0)

    def test_nested_atomic_is_a_savepoint_whose_rollback_drops_its_images(self) -> None:
        with seata_py.global_transaction(name="django-savepoint"), transaction.atomic():
            Order.objects.create(order_no="outer", user_id="u1", sku="A", count=1, amount_cents=300)
            try:
                with transaction.atomic():
                    Order.objects.create(order_no="inner", user_id="u1", sku="A", count=1, amount_cents=300)
                    Stock.objects.filter(sku="A").update(reserved=0)
                    raise Boom
            except Boom:
                pass
        # committed: the outer write stays, the inner ones never happened (and left no image to undo)
        self.assertIn(("outer", "u1", "A", 1, 300), orders())
        self.assertNotIn("inner", [row[0] for row in orders()])
        self.assertEqual(reservations(), [("A", 1), ("B", 2)])
        self.assertEqual(undo_rows_left(), 0)

    def test_nested_atomic_then_global_rollback_restores_everything(self) -> None:
        with self.assertRaises(Boom), seata_py.global_transaction(name="django-savepoint-rollback"):
            with transaction.atomic():
                Stock.objects.filter(sku="B").update(reserved=7)
                try:
                    with transaction.atomic():
                        Stock.objects.filter(sku="A").update(reserved=8)
                        raise ValueError
                except ValueError:
                    pass
            raise Boom
        self.assertEqual(self.after(), self.before)

    def test_select_for_update_and_get_or_create_roll_back(self) -> None:
        with self.assertRaises(Refused):
            place_order({"user_id": "u9", "sku": "A", "count": 2, "fail": True})
        self.assertEqual(self.after(), self.before)
        created = place_order({"user_id": "u9", "sku": "B", "count": 1})
        self.assertIn((created["order_no"], "u9", "B", 1, 1250), orders())
        self.assertEqual(reservations(), [("A", 1), ("B", 3)])

    def test_a_global_transaction_begun_inside_atomic_is_refused(self) -> None:
        with (
            transaction.atomic(),
            self.assertRaisesMessage(TransactionStateError, "inside transaction.atomic()"),
            seata_py.global_transaction(name="django-inside-atomic"),
        ):
            pass
        self.assertEqual(self.after(), self.before)


def post_from_another_thread(path: str, payload: dict[str, Any], **extra: Any) -> Any:
    """A request served in a thread of its own: no XID is bound there but what the middleware binds (the
    test's own thread has its global transaction bound)."""
    answers: list[Any] = []

    def send() -> None:
        try:
            answers.append(Client().post(path, json.dumps(payload), content_type="application/json", **extra))
        finally:
            connection.close()  # this thread's own Django connection

    thread = threading.Thread(target=send)
    thread.start()
    thread.join(60)
    return answers[0]


class MiddlewareTests(TransactionTestCase):
    def test_the_callers_xid_binds_the_views_writes(self) -> None:
        with self.assertRaises(Boom), seata_py.global_transaction(name="django-caller") as tx:
            answer = post_from_another_thread(
                "/create", {"user_id": "u5", "sku": "A", "count": 3}, HTTP_TX_XID=tx.xid
            )
            self.assertEqual(answer.status_code, 200, answer.content)
            self.assertEqual(len(orders()), 1)  # committed locally, a branch of tx
            self.assertEqual(outgoing_headers(), {"TX_XID": tx.xid})
            raise Boom
        self.assertEqual(orders(), [])
        self.assertEqual(outgoing_headers(), {})

    def test_without_an_xid_the_view_commits_on_its_own(self) -> None:
        answer = Client().post(
            "/create", json.dumps({"user_id": "u6", "sku": "B", "count": 1}), content_type="application/json"
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(len(orders()), 1)
        self.assertEqual(plain_rows("SELECT COUNT(*) FROM undo_log")[0][0], 0)

    def test_a_malformed_xid_is_answered_400_and_nothing_runs(self) -> None:
        answer = Client().post(
            "/create",
            json.dumps({"user_id": "u7", "sku": "A", "count": 1}),
            content_type="application/json",
            HTTP_TX_XID="not-an-xid",
        )
        self.assertEqual(answer.status_code, 400)
        self.assertEqual(orders(), [])

    def test_an_untrusted_callers_xid_is_ignored(self) -> None:
        with self.assertRaises(Boom), seata_py.global_transaction(name="django-untrusted") as tx:
            answer = post_from_another_thread(
                "/create",
                {"user_id": "u8", "sku": "A", "count": 1},
                HTTP_TX_XID=tx.xid,
                REMOTE_ADDR="203.0.113.9",
            )
            self.assertEqual(answer.status_code, 200)
            raise Boom
        # the write ran outside the global transaction: the rollback did not undo it
        self.assertEqual(len(orders()), 1)
