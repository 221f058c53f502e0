#!/usr/bin/env python
"""Django's command line for the order service: ``python manage.py test orders``, ``migrate``, ..."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_order.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
