"""Real infrastructure for the test suite: MariaDB/MySQL and the Apache Seata server.

Each service is found in this order: an explicit address from the environment, a container when a Docker
engine answers, then a private native instance this package installs (Debian packages, Maven Central) and
starts itself. ``python -m tests.infra`` starts them by hand for development.
"""
