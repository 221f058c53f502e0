"""Number text exactly as Java prints it: ``Double.toString``, ``Float.toString`` and ``BigDecimal.toString``.

Jackson writes doubles, floats and BigDecimals with these methods, and Java's data validation compares the
values it reads back, so the tokens must name the same Java value. Matching the exact characters as well
keeps our logs byte-identical to Java's, which is what the golden tests check.

Double/Float follow the JDK 19+ specification (shortest decimal that rounds back, ties to the closest).
Older JDKs (8-18) occasionally printed one more digit than needed; such a token still parses to the same
value, so reading is unaffected, only a byte-for-byte re-encoding can differ.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from decimal import Decimal

_FLOAT32_MAX_DIGITS = 9  # 9 significant digits always identify a float32

_RoundTrip = Callable[[str, float], bool]


def to_float32(value: float) -> float:
    """Round a double to the nearest float32 (as Java's ``(float)`` cast does), kept as a Python float.

    Values beyond the float32 range become infinities, like the cast.
    """
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def java_double_to_string(value: float) -> str:
    """``Double.toString(value)``: e.g. ``1.0``, ``0.001``, ``1.0E7``, ``1.5E-4``, ``4.9E-324``."""
    special = _special(value)
    if special is not None:
        return special
    digits, exponent = _digits_of(Decimal(repr(abs(value))))
    if len(digits) == 1:
        # Java widens the choice to two digits when one suffices and takes the closest of those.
        digits, exponent = _closest_two_digits(abs(value), digits, exponent, _round_trips_double)
    return _format(value < 0, digits, exponent)


def java_float_to_string(value: float) -> str:
    """``Float.toString((float) value)``: the shortest text that identifies the float32 value."""
    value = to_float32(value)
    special = _special(value)
    if special is not None:
        return special
    magnitude = abs(value)
    for length in range(1, _FLOAT32_MAX_DIGITS + 1):
        found = _closest_of_length(magnitude, length, _round_trips_float32)
        if found is not None:
            digits, exponent = found
            if length == 1:
                digits, exponent = _closest_two_digits(magnitude, digits, exponent, _round_trips_float32)
            return _format(value < 0, digits, exponent)
    raise AssertionError(f"no decimal of {_FLOAT32_MAX_DIGITS} digits identifies float32 {value!r}")


def java_bigdecimal_to_string(value: Decimal) -> str:
    """``BigDecimal.toString()`` for the same unscaled value and scale.

    Java has no negative zero, so ``-0.00`` prints as ``0.00``. Raises ValueError for NaN/Infinity.
    """
    if not value.is_finite():
        raise ValueError(f"BigDecimal cannot hold {value}")
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    unscaled = "".join(str(d) for d in digit_tuple).lstrip("0") or "0"
    negative = bool(sign) and unscaled != "0"
    scale = -exponent
    adjusted = -scale + (len(unscaled) - 1)
    if scale >= 0 and adjusted >= -6:
        if scale == 0:
            text = unscaled
        elif len(unscaled) > scale:
            text = f"{unscaled[:-scale]}.{unscaled[-scale:]}"
        else:
            text = "0." + unscaled.rjust(scale, "0")
    else:
        mantissa = unscaled if len(unscaled) == 1 else f"{unscaled[0]}.{unscaled[1:]}"
        text = f"{mantissa}E{'-' if adjusted < 0 else '+'}{abs(adjusted)}"
    return "-" + text if negative else text


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    return None


def _digits_of(decimal: Decimal) -> tuple[str, int]:
    """(significant digits without trailing zeros, exponent of the first digit)."""
    _, digit_tuple, exponent = decimal.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple).lstrip("0")
    stripped = digits.rstrip("0")
    return stripped, exponent + len(digits) - 1


def _round_trips_double(text: str, value: float) -> bool:
    return float(text) == value


def _round_trips_float32(text: str, value: float) -> bool:
    return to_float32(float(text)) == value


def _closest_of_length(magnitude: float, length: int, round_trips: _RoundTrip) -> tuple[str, int] | None:
    """The decimal of ``length`` digits closest to ``magnitude`` among those that round back to it.

    Besides the nearest such decimal, its two neighbours are tried: at a power of two the rounding interval
    is lopsided, so the nearest one can miss it while a farther one still hits.
    """
    nearest = Decimal(f"{magnitude:.{length - 1}e}")
    _, _, exponent = nearest.as_tuple()
    assert isinstance(exponent, int)
    unit = Decimal(1).scaleb(exponent)
    exact = Decimal(magnitude)
    best: Decimal | None = None
    for candidate in (nearest, nearest - unit, nearest + unit):
        if candidate <= 0 or not round_trips(str(candidate), magnitude):
            continue
        if best is None or abs(candidate - exact) < abs(best - exact):
            best = candidate
    return None if best is None else _digits_of(best)


def _closest_two_digits(
    magnitude: float, digits: str, exponent: int, round_trips: _RoundTrip
) -> tuple[str, int]:
    two = _closest_of_length(magnitude, 2, round_trips)
    if two is None:
        return digits, exponent
    exact = Decimal(magnitude)
    one_value = Decimal(f"{digits}E{exponent}")
    two_value = Decimal(f"{two[0][0]}.{two[0][1:] or '0'}E{two[1]}")
    return two if abs(two_value - exact) < abs(one_value - exact) else (digits, exponent)


def _format(negative: bool, digits: str, exponent: int) -> str:
    """Java's layout: plain for 1e-3 <= |x| < 1e7, else ``d.dddE<n>``; always a digit after the point."""
    if 0 <= exponent < 7:
        whole = digits[: exponent + 1].ljust(exponent + 1, "0")
        fraction = digits[exponent + 1 :] or "0"
        text = f"{whole}.{fraction}"
    elif -3 <= exponent < 0:
        text = "0." + "0" * (-exponent - 1) + digits
    else:
        text = f"{digits[0]}.{digits[1:] or '0'}E{exponent}"
    return "-" + text if negative else text
