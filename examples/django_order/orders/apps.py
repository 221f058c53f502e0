from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_undo_log(using: str, **_: object) -> None:
    """The undo_log table seata-py writes each branch's images to, next to the service's tables."""
    from django.db import connections

    from seata_py.databases import undo_log_ddl

    connection = connections[using]
    database = "postgresql" if connection.vendor == "postgresql" else "mysql"
    with connection.cursor() as cursor:
        for statement in undo_log_ddl(database).split(";"):
            if statement.strip():
                cursor.execute(statement)


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(create_undo_log, sender=self)
