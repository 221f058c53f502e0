"""Date/time values as Java's ``java.sql``/``java.time`` classes carry them in an undo log.

Java turns a wall-clock DATETIME/TIMESTAMP/DATE into epoch milliseconds in the JVM default zone, so reading
or writing those numbers needs a zone. The legacy classes (``java.sql.Date``, ``java.sql.Timestamp``,
``java.util.Date``) count days in Java's hybrid calendar, Julian before 1582-10-15, while ``java.time`` (and
Python) use the proleptic Gregorian calendar: ``julian=True`` selects the legacy reckoning (measured: Java's
``java.sql.Date`` for 1000-01-01 is 5 days after the proleptic one; 1582-10-04 and 1582-10-15 are
consecutive days). ``zone=None`` means the local system zone, as a JVM started without
``-Duser.timezone`` would use. Values handed around in Python stay naive wall-clock datetimes, exactly what
pymysql returns and accepts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROS_PER_SECOND = 1_000_000
_SECONDS_PER_DAY = 86_400


def to_naive_local(value: datetime, zone: tzinfo | None) -> datetime:
    """The wall-clock time of ``value`` in ``zone``; naive values are already wall-clock time."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


_GREGORIAN_CUTOVER = date(1582, 10, 15)  # the first Gregorian day of Java's hybrid calendar
_JDN_OF_ORDINAL_ZERO = 1_721_425  # Julian day number of the day before proleptic 0001-01-01


def _julian_shift_days(day: date) -> int:
    """Days to add to the proleptic reading of the fields ``day`` to get Java's hybrid reading."""
    if day >= _GREGORIAN_CUTOVER:
        return 0
    a = (14 - day.month) // 12
    y = day.year + 4800 - a
    m = day.month + 12 * a - 3
    julian_day_number = day.day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return julian_day_number - _JDN_OF_ORDINAL_ZERO - day.toordinal()


def _julian_fields(proleptic: datetime) -> datetime:
    """The hybrid calendar's fields for an instant whose proleptic wall-clock time is ``proleptic``."""
    if proleptic.date() >= _GREGORIAN_CUTOVER:
        return proleptic
    julian_day_number = proleptic.toordinal() + _JDN_OF_ORDINAL_ZERO
    c = julian_day_number + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = d - 4800 + m // 10
    return proleptic.replace(year=year, month=month, day=day)


def epoch_micros(value: datetime, zone: tzinfo | None, julian: bool = False) -> int:
    """Microseconds since the epoch of a wall-clock time in ``zone`` (earlier instant when ambiguous);
    ``julian``: the fields are Java's hybrid calendar's."""
    if value.tzinfo is not None:
        aware = value
    elif zone is not None:
        aware = value.replace(tzinfo=zone)
    else:
        aware = value.astimezone()  # naive astimezone() interprets the value in the system zone
    delta = aware - _EPOCH
    micros = (delta.days * _SECONDS_PER_DAY + delta.seconds) * _MICROS_PER_SECOND + delta.microseconds
    if julian:
        micros += _julian_shift_days(value.date()) * _SECONDS_PER_DAY * _MICROS_PER_SECOND
    return micros


def from_epoch_micros(micros: int, zone: tzinfo | None, julian: bool = False) -> datetime:
    """The naive wall-clock time in ``zone`` of an epoch instant (``julian``: in Java's hybrid calendar)."""
    wall = (_EPOCH + timedelta(microseconds=micros)).astimezone(zone).replace(tzinfo=None)
    return _julian_fields(wall) if julian else wall


def timestamp_parts(value: datetime, zone: tzinfo | None, julian: bool = False) -> tuple[int, int]:
    """``(Timestamp.getTime(), Timestamp.getNanos())``: epoch millis and the full nanoseconds of the second.

    Java floors to whole seconds before adding the fraction, so instants before 1970 still get a
    non-negative ``nanos`` and millis rounded towards minus infinity.
    """
    micros = epoch_micros(value, zone, julian)
    nanos = (micros % _MICROS_PER_SECOND) * 1000
    return micros // 1000, nanos


def from_timestamp_parts(millis: int, nanos: int, zone: tzinfo | None, julian: bool = False) -> datetime:
    """Inverse of :func:`timestamp_parts`; nanoseconds below a microsecond are dropped (Python's limit)."""
    if not 0 <= nanos <= 999_999_999:
        raise ValueError(f"nanos out of range: {nanos}")
    seconds = millis // 1000
    return from_epoch_micros(seconds * _MICROS_PER_SECOND + nanos // 1000, zone, julian)


def sql_date_millis(value: date, zone: tzinfo | None) -> int:
    """``java.sql.Date.getTime()``: the epoch millis of local midnight that day."""
    return epoch_micros(datetime(value.year, value.month, value.day), zone, julian=True) // 1000


def from_sql_date_millis(millis: int, zone: tzinfo | None) -> date:
    return from_epoch_micros(millis * 1000, zone, julian=True).date()


def time_of_day_seconds(value: time | timedelta) -> int:
    """Whole seconds since midnight (or of a MySQL TIME interval), fraction dropped as ``Time.toString`` does.

    A negative interval is truncated towards zero so that ``-00:00:01.5`` counts as one second before zero.
    """
    if isinstance(value, timedelta):
        total = value.days * _SECONDS_PER_DAY + value.seconds
        if value.days < 0 and value.microseconds:
            total += 1
        return total
    return value.hour * 3600 + value.minute * 60 + value.second


def format_sql_time(value: time | timedelta) -> str:
    """``java.sql.Time.toString()``: ``HH:MM:SS``.

    MySQL TIME also holds intervals beyond a day or below zero; Java has no faithful value for those, so they
    are written the way MySQL prints them (``-01:00:00``, ``838:59:59``) rather than refused.
    """
    seconds = time_of_day_seconds(value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def format_mysql_time(value: time | timedelta) -> str:
    """MySQL's own text for a TIME value, fraction and sign included (``-01:02:03.000004``, ``838:59:59``)."""
    if isinstance(value, time):
        value = interval_from_time(value)
    negative = value < timedelta(0)
    magnitude = -value if negative else value
    seconds = magnitude.days * _SECONDS_PER_DAY + magnitude.seconds
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if magnitude.microseconds:
        text += f".{magnitude.microseconds:06d}"
    return ("-" if negative else "") + text


def parse_mysql_time(text: str) -> timedelta:
    """Inverse of :func:`format_mysql_time` (also reads ``HH:MM:SS`` and fractions of 1 to 6 digits)."""
    negative = text.startswith("-")
    body = text[1:] if negative else text
    whole, _, fraction = body.partition(".")
    parts = whole.split(":")
    if (
        len(parts) != 3
        or not all(p.isdigit() and p.isascii() for p in parts)
        or (fraction and not (fraction.isdigit() and fraction.isascii() and len(fraction) <= 6))
    ):
        raise ValueError(f"not a MySQL TIME: {text!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59:
        raise ValueError(f"not a MySQL TIME: {text!r}")
    interval = timedelta(
        hours=hours, minutes=minutes, seconds=seconds, microseconds=int(fraction.ljust(6, "0") or 0)
    )
    return -interval if negative else interval


def sql_time_carries(value: time | timedelta, *, exact: bool) -> bool:
    """Whether ``java.sql.Time`` (logged as ``HH:MM:SS``) holds ``value`` well enough.

    Java parses nothing else back, so a value outside a day never fits. ``exact=False`` accepts values
    whose fraction is below a millisecond: Connector/J reads those as a Time of whole seconds, so an after
    image written that way passes Java's dirty check; a before image needs the exact value.
    """
    interval = interval_from_time(value)
    if not timedelta(0) <= interval < timedelta(days=1):
        return False
    return interval.microseconds == 0 if exact else interval.microseconds < 1000


def parse_sql_time(text: str) -> time | timedelta:
    """Read ``HH:MM:SS``: a ``time`` within a day, otherwise the MySQL interval as a ``timedelta``."""
    negative = text.startswith("-")
    parts = text[1:].split(":") if negative else text.split(":")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        raise ValueError(f"not a java.sql.Time (HH:MM:SS): {text!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59:
        raise ValueError(f"not a java.sql.Time (HH:MM:SS): {text!r}")
    if not negative and hours < 24:
        return time(hours, minutes, seconds)
    interval = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return -interval if negative else interval


def time_from_interval(value: timedelta) -> time | timedelta:
    """pymysql's TIME value as a time of day when it is one; MySQL intervals outside a day stay timedelta."""
    if timedelta(0) <= value < timedelta(days=1):
        seconds = value.seconds
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60, value.microseconds)
    return value


def interval_from_time(value: time | timedelta) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )
