"""mysqlclient (``MySQLdb``, Django's recommended MySQL driver) connections in AT mode.

The pymysql proxy (:mod:`seata_py.databases.mysql.pymysql`) runs over a facade with pymysql's face; what
differs is answered here:

- **Values.** mysqlclient's conversions are the caller's (``conv=``; Django turns TIME into ``time``, and the
  defaults turn a zero date into ``None`` and JSON into bytes), and an image must hold exactly what is
  stored. Image and catalog queries run with a conversion table of their own that yields what pymysql
  yields, so the value mapping to Java's undo format is the one MySQL package's.
- **Transaction state.** mysqlclient does not expose the server's "in transaction" flag; the proxy tracks
  ``begin()`` and BEGIN / START TRANSACTION / COMMIT / ROLLBACK statements run through its cursors.
- **Phase 2** runs on pymysql connections to the same database (both speak the same protocol): the caller's
  mysqlclient arguments are translated (:func:`phase_two_kwargs`). A wrapped connection does not tell its
  password; :func:`wrap` takes ``connect_kwargs`` for that, or checks at once that phase 2 gets in without.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pymysql
import pymysql.converters
from pymysql.constants import SERVER_STATUS

from seata_py.config import SeataConfig
from seata_py.databases.mysql import dialect as mysql_dialect
from seata_py.databases.mysql.pymysql import ATConnection, ATCursor, mysql_resource
from seata_py.datasource.resource import DataSourceResource
from seata_py.exceptions import ConfigError, UnsupportedSQLError
from seata_py.rm.at import ATResourceManager
from seata_py.types.statements import InsertStatement, Statement

log = logging.getLogger("seata_py.datasource")

DRIVER_NAME = "mysqlclient"
DRIVER_ERRORS = mysql_dialect.driver_errors()
SQLALCHEMY_DIALECTS: tuple[str, ...] = ("mysql+mysqldb", "mariadb+mysqldb")


def wraps(connection: Any) -> bool:
    # by module name: mysqlclient is an optional extra (it is built against the C client library)
    return isinstance(connection, MySQLdbATConnection) or type(connection).__module__.startswith("MySQLdb.")


# -- values: what image and catalog queries see --------------------------------------------------------------

# MySQL's column type codes (MySQLdb.constants.FIELD_TYPE; the same numbers as pymysql's)
_DECIMAL, _TINY, _SHORT, _LONG, _FLOAT, _DOUBLE = 0, 1, 2, 3, 4, 5
_TIMESTAMP, _LONGLONG, _INT24, _DATE, _TIME, _DATETIME, _YEAR = 7, 8, 9, 10, 11, 12, 13
_VARCHAR, _BIT, _JSON, _NEWDECIMAL, _ENUM, _SET = 15, 16, 245, 246, 247, 248
_BLOBS = (249, 250, 251, 252)
_VAR_STRING, _STRING, _GEOMETRY = 253, 254, 255
_BINARY_FLAG = 128

# text unless the column's character set is binary: mysqlclient picks the entry by the field's flags
_TEXT_OR_BYTES = ((_BINARY_FLAG, bytes), (None, str))


def _date(text: str) -> Any:
    # pymysql keeps what is not a valid date (a zero date '0000-00-00') as the server's text, which the MySQL
    # value mapping writes back as is; mysqlclient's own conversion would turn it into None
    return pymysql.converters.convert_date(text)


def _datetime(text: str) -> Any:
    return pymysql.converters.convert_datetime(text)


def _timedelta(text: str) -> Any:
    return pymysql.converters.convert_timedelta(text)


IMAGE_CONVERSIONS: dict[int, Any] = {
    **dict.fromkeys((_TINY, _SHORT, _LONG, _LONGLONG, _INT24, _YEAR), int),
    **dict.fromkeys((_FLOAT, _DOUBLE), float),
    **dict.fromkeys((_DECIMAL, _NEWDECIMAL), Decimal),
    _DATE: _date,
    **dict.fromkeys((_DATETIME, _TIMESTAMP), _datetime),
    _TIME: _timedelta,
    _BIT: bytes,
    _JSON: str,
    _GEOMETRY: bytes,
    **dict.fromkeys((_VARCHAR, _VAR_STRING, _STRING, _ENUM, _SET, *_BLOBS), _TEXT_OR_BYTES),
}


class ImageCursor:
    """A tuple cursor of the caller's connection whose results are converted with
    :data:`IMAGE_CONVERSIONS`, whatever conversions the connection was opened with.

    mysqlclient converts a result when it stores it, with the connection's ``converter`` at that moment;
    the table is swapped in for the ``execute`` only. Image and catalog queries are read whole (buffered
    cursor), so nothing is converted later with the caller's table."""

    def __init__(self, connection: Any) -> None:
        import MySQLdb.cursors

        self._connection = connection
        self._target = connection.cursor(MySQLdb.cursors.Cursor)

    def execute(self, query: str, args: Any = None) -> int:
        saved = self._connection.converter
        self._connection.converter = IMAGE_CONVERSIONS
        try:
            return int(self._target.execute(query, args))
        finally:
            self._connection.converter = saved

    def executemany(self, query: str, args: Iterable[Any]) -> int:
        return sum(self.execute(query, one) for one in args)

    def fetchone(self) -> Any:
        return self._target.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._target.fetchall())

    def close(self) -> None:
        self._target.close()

    @property
    def rowcount(self) -> int:
        return int(self._target.rowcount)

    @property
    def lastrowid(self) -> int | None:
        return self._target.lastrowid  # type: ignore[no-any-return]

    @property
    def description(self) -> Any:
        return self._target.description


# -- the connection as the pymysql proxy sees it -------------------------------------------------------------


class MySQLdbFacade:
    """pymysql's face over a mysqlclient connection: ``cursor(pymysql.cursors.Cursor)`` (what image and
    catalog queries ask for) is an :class:`ImageCursor`; ``server_status`` reports the tracked transaction;
    everything else is the connection's own."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.in_transaction = False

    def cursor(self, cursor: type[Any] | None = None) -> Any:
        if cursor is pymysql.cursors.Cursor:
            return ImageCursor(self.target)
        return self.target.cursor(cursor) if cursor is not None else self.target.cursor()

    @property
    def server_status(self) -> int:
        return SERVER_STATUS.SERVER_STATUS_IN_TRANS if self.in_transaction else 0

    def get_autocommit(self) -> bool:
        return bool(self.target.get_autocommit())

    def autocommit(self, value: bool) -> None:
        self.target.autocommit(value)
        if value:
            self.in_transaction = False  # turning autocommit on commits an open transaction

    def begin(self) -> None:
        self.target.begin()
        self.in_transaction = True

    def commit(self) -> None:
        self.target.commit()
        self.in_transaction = False

    def rollback(self) -> None:
        self.target.rollback()
        self.in_transaction = False

    def close(self) -> None:
        self.in_transaction = False
        self.target.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def _transaction_word(query: str) -> str:
    """BEGIN, START, COMMIT or ROLLBACK when ``query`` opens or ends a transaction; '' otherwise (cheap:
    it runs for every statement outside a global transaction)."""
    head = query.lstrip()[:18].upper()
    for word in ("BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK"):
        if head.startswith(word):
            if word == "ROLLBACK" and "TO" in head.split()[1:2]:
                return ""  # ROLLBACK TO SAVEPOINT keeps the transaction open
            return word
    return ""


class MySQLdbATConnection(ATConnection):
    """Wraps an open mysqlclient connection; use it exactly like the mysqlclient connection."""

    def __init__(self, target: Any, resource: DataSourceResource, rm: ATResourceManager) -> None:
        self._facade = MySQLdbFacade(target)
        super().__init__(self._facade, resource, rm)  # type: ignore[arg-type]

    @property
    def target(self) -> Any:
        """The mysqlclient connection itself."""
        return self._facade.target

    def cursor(self, cursorclass: type[Any] | None = None) -> ATCursor:  # type: ignore[override]
        # mysqlclient's own keyword name, as callers pass it
        return ATCursor(self, self._facade.cursor(cursorclass))

    def _execute_plain(self, target_cursor: Any, query: str, args: Any) -> int:
        rows = int(target_cursor.execute(query, args))
        word = _transaction_word(query) if isinstance(query, str) else ""
        if word:
            self._facade.in_transaction = word in ("BEGIN", "START TRANSACTION")
        return rows

    def _check_cursor(self, target_cursor: Any, statement: Statement) -> None:
        import MySQLdb.cursors

        if (
            isinstance(statement, InsertStatement)
            and statement.returning
            and isinstance(target_cursor, MySQLdb.cursors.CursorUseResultMixIn)
        ):
            # the after image is read on this connection right after the statement, which would leave the
            # rows an unbuffered cursor has not fetched yet unreadable
            raise UnsupportedSQLError(
                "INSERT ... RETURNING through an unbuffered cursor (SSCursor; use a buffered cursor)",
                statement.sql.sql,
            )


# -- phase 2: pymysql's arguments for the same database -----------------------------------------------------

# mysqlclient arguments pymysql takes under the same name and meaning
_SAME_IN_PYMYSQL = (
    "host",
    "port",
    "user",
    "password",
    "database",
    "unix_socket",
    "charset",
    "collation",
    "sql_mode",
    "init_command",
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "read_default_file",
    "read_default_group",
    "local_infile",
    "binary_prefix",
)
# mysqlclient arguments that only shape the caller's session, not how phase 2 reaches the database
_CALLER_ONLY = (
    "conv",
    "cursorclass",
    "use_unicode",
    "autocommit",
    "client_flag",
    "multi_statements",
    "executemany_fallback",
    "compress",
)
_SSL_KEYS = ("ca", "cert", "key", "capath", "cipher")


def phase_two_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """pymysql keyword arguments reaching the database ``MySQLdb.connect(**kwargs)`` reaches.

    An argument pymysql has no counterpart for (``named_pipe``, ``auth_plugin``, ...) raises
    :class:`~seata_py.exceptions.ConfigError` here, rather than a phase 2 that cannot connect later."""
    given = dict(kwargs)
    if "db" in given:
        given.setdefault("database", given.pop("db"))
    if "passwd" in given:
        given.setdefault("password", given.pop("passwd"))
    out = {k: given.pop(k) for k in _SAME_IN_PYMYSQL if k in given and given[k] is not None}
    for key in _CALLER_ONLY:
        given.pop(key, None)
    ssl, ssl_mode = given.pop("ssl", None), given.pop("ssl_mode", None)
    if ssl:
        unknown = set(ssl) - set(_SSL_KEYS)
        if unknown:
            raise ConfigError(f"mysqlclient ssl options pymysql cannot use for phase 2: {sorted(unknown)}")
        out["ssl"] = dict(ssl)
    if ssl_mode is not None:
        mode = str(ssl_mode).upper()
        if mode == "DISABLED":
            out["ssl_disabled"] = True
        elif mode in ("REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"):
            settings = out.setdefault("ssl", {})
            settings["check_hostname"] = mode == "VERIFY_IDENTITY"
            if mode != "REQUIRED":
                settings.setdefault("verify_mode", True)
        elif mode != "PREFERRED":
            raise ConfigError(f"mysqlclient ssl_mode={ssl_mode!r} has no pymysql counterpart for phase 2")
    if given:
        raise ConfigError(
            f"mysqlclient arguments phase 2 (pymysql) cannot use: {', '.join(sorted(given))}; "
            "connect with arguments both drivers take"
        )
    return out


def mysqlclient_resource(
    kwargs: Mapping[str, Any], config: SeataConfig, resource_id: str | None = None
) -> DataSourceResource:
    """The resource of the database ``MySQLdb.connect(**kwargs)`` reaches; phase 2 reaches it with pymysql."""
    return mysql_resource(phase_two_kwargs(kwargs), config, resource_id)


def connect(*, rm: ATResourceManager, resource_id: str | None = None, **kwargs: Any) -> MySQLdbATConnection:
    """``MySQLdb.connect(**kwargs)`` whose writes inside a global transaction become AT branches."""
    import MySQLdb

    resource = rm.register(mysqlclient_resource(kwargs, rm.config, resource_id))
    return MySQLdbATConnection(MySQLdb.connect(**kwargs), resource, rm)


def settings_of(connection: Any) -> dict[str, Any]:
    """What an open mysqlclient connection tells of where it is connected (never the password)."""
    cursor = ImageCursor(connection)
    try:
        cursor.execute("SELECT SUBSTRING_INDEX(USER(), '@', 1), DATABASE(), @@socket")
        user, database, socket = cursor.fetchall()[0]
    finally:
        cursor.close()
    if not database:
        raise ValueError("AT mode needs a database name: connect with database=... (or db=...)")
    host_info = connection.get_host_info()  # "127.0.0.1 via TCP/IP", "Localhost via UNIX socket"
    settings: dict[str, Any] = {
        "user": user,
        "database": database,
        "charset": connection.character_set_name(),
    }
    if "TCP/IP" in host_info:
        settings.update(host=host_info.split(" via ")[0], port=connection.port)
    else:
        settings.update(host="localhost", unix_socket=socket)
    return settings


def wrap(
    connection: Any,
    *,
    rm: ATResourceManager,
    resource_id: str | None = None,
    connect_kwargs: Mapping[str, Any] | None = None,
) -> MySQLdbATConnection:
    """Wrap an open mysqlclient connection.

    ``connect_kwargs`` are the ``MySQLdb.connect`` arguments phase 2 needs to reach the same database (the
    password above all: a connection does not tell it). Without them, the host, port, user and database are
    read off the connection, and a pymysql connection is tried right away without a password, so that a
    rollback cannot be the first to find out it cannot get in."""
    if isinstance(connection, MySQLdbATConnection):
        return connection
    if connect_kwargs is not None:
        resource = mysqlclient_resource({**settings_of(connection), **connect_kwargs}, rm.config, resource_id)
        return MySQLdbATConnection(connection, rm.register(resource), rm)
    resource = mysqlclient_resource(settings_of(connection), rm.config, resource_id)
    known = rm.resource(resource.resource_id)
    if known is None:
        _check_phase_two(resource)
    return MySQLdbATConnection(connection, rm.register(resource), rm)


def _check_phase_two(resource: DataSourceResource) -> None:
    try:
        resource.connect().close()
    except pymysql.err.Error as exc:
        raise ConfigError(
            f"phase 2 cannot reach {resource.resource_id} with what the wrapped mysqlclient connection tells "
            f"({exc}); pass connect_kwargs={{'password': ...}} (seata_py.wrap_mysqlclient) or open the "
            "connection with seata_py.connect_mysqlclient(...)"
        ) from exc
