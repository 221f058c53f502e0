from django.db import models


class Order(models.Model):
    """The demo order service's table (examples/order_stock), so this service can stand in for it."""

    order_no = models.CharField(max_length=40, primary_key=True)
    user_id = models.CharField(max_length=32)
    sku = models.CharField(max_length=32)
    count = models.IntegerField()
    amount_cents = models.IntegerField()

    class Meta:
        db_table = "orders"


class Stock(models.Model):
    """The order service's own reservation counter per SKU (what select_for_update() guards)."""

    sku = models.CharField(max_length=32, unique=True)
    reserved = models.IntegerField(default=0)

    class Meta:
        db_table = "order_reservations"
