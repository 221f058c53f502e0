"""The order service's settings: the database and the TC come from the environment (``serve.py`` sets them
from its options).

    ORDER_DB       mysql://user:password@host:port/database   (MariaDB/MySQL, through mysqlclient)
                   postgresql://user:password@host:port/database   (PostgreSQL, through psycopg 3)
    SEATA_GROUPLIST host:port of the Seata TC
    ACCOUNT_URL    the account service (demo services.py), or empty to skip the debit
"""

import os
from urllib.parse import unquote, urlsplit

_db = urlsplit(os.environ.get("ORDER_DB", "mysql://root@127.0.0.1:3306/orders"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "django_order.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "seata_py.integrations.django",  # seata_py.init() from SEATA below, at app ready
    "orders",
]
MIDDLEWARE = [
    "seata_py.integrations.django.SeataXidMiddleware",  # binds the caller's TX_XID
]

_postgres = _db.scheme in ("postgres", "postgresql")
DATABASES = {
    "default": {
        "ENGINE": "seata_py.integrations.django." + ("postgresql" if _postgres else "mysql"),
        "NAME": _db.path.lstrip("/"),
        "USER": unquote(_db.username or ""),
        "PASSWORD": unquote(_db.password or ""),
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or (5432 if _postgres else 3306),
        "OPTIONS": {} if _postgres else {"charset": "utf8mb4"},
        # "SEATA_RESOURCE_ID": "jdbc:mysql://db:3306/orders",  # the Java services' JDBC URL, if they share it
    }
}

SEATA = {
    "application_id": "django-order-service",
    "tx_service_group": "default_tx_group",
    "grouplist": os.environ.get("SEATA_GROUPLIST", "127.0.0.1:8091"),
    "trusted_networks": ["127.0.0.0/8"],
}

ACCOUNT_URL = os.environ.get("ACCOUNT_URL", "")

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"seata_py": {"handlers": ["console"], "level": "WARNING"}},
}
