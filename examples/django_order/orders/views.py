"""The order service's routes, as the demo's order service has them (examples/order_stock/services.py).

POST /create {user_id, sku, count}: inserts the order, then debits the account service; called by the demo's
business service inside its global transaction (the middleware binds its TX_XID). ``{"crash": true}`` kills
the process on the spot, as the demo's own order service does.
POST /place {user_id, sku, count}: the same, but this service begins the global transaction itself and
reserves the SKU (select_for_update) first; ``{"fail": true}`` fails after everything was written.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import seata_py
from seata_py.integrations.django import outgoing_headers

from .models import Order, Stock

PRICES_CENTS = {"A": 300, "B": 1250}


class Refused(Exception):
    """Another service said no: the global transaction rolls back."""


def _order(payload: dict[str, Any]) -> dict[str, Any]:
    amount = PRICES_CENTS[payload["sku"]] * int(payload["count"])
    order = Order.objects.create(
        order_no=uuid.uuid4().hex[:12],
        user_id=payload["user_id"],
        sku=payload["sku"],
        count=int(payload["count"]),
        amount_cents=amount,
    )
    if settings.ACCOUNT_URL:
        answer = requests.post(
            f"{settings.ACCOUNT_URL}/debit",
            json={"user_id": payload["user_id"], "amount_cents": amount},
            headers=outgoing_headers(),  # the account service's write joins this global transaction
            timeout=30,
        )
        if answer.status_code != 200:
            raise Refused(answer.json().get("error", answer.text))
    return {"order_no": order.order_no, "amount_cents": amount}


@csrf_exempt
@require_POST
def create(request: HttpRequest) -> JsonResponse:
    payload = json.loads(request.body or b"{}")
    if payload.get("crash"):
        os._exit(17)  # a crash after the caller's other branches were written: the TC rolls them back
    try:
        with transaction.atomic():  # one local transaction: one branch of the caller's global transaction
            return JsonResponse(_order(payload))
    except Refused as exc:
        return JsonResponse({"error": str(exc)}, status=409)


@seata_py.global_transactional(name="place-order", timeout_ms=60000)
def place_order(payload: dict[str, Any]) -> dict[str, Any]:
    with transaction.atomic():
        reservation, _ = Stock.objects.select_for_update().get_or_create(sku=payload["sku"])
        Stock.objects.filter(pk=reservation.pk).update(reserved=F("reserved") + int(payload["count"]))
        created = _order(payload)
    if payload.get("fail"):
        raise Refused("failure requested after the order was written")
    return created


@csrf_exempt
@require_POST
def place(request: HttpRequest) -> JsonResponse:
    payload = json.loads(request.body or b"{}")
    try:
        return JsonResponse(place_order(payload))
    except Refused as exc:
        return JsonResponse({"error": str(exc)}, status=409)
