"""Java's number text: Double.toString, Float.toString (JDK 19+ rules) and BigDecimal.toString."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seata_py.types.java_numbers import (
    java_bigdecimal_to_string,
    java_double_to_string,
    java_float_to_string,
    to_float32,
)

# What Java prints (Double.toString), written down from the Java specification's rules and examples.
DOUBLES = [
    (1.0, "1.0"),
    (-1.0, "-1.0"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (2.25, "2.25"),
    (100.0, "100.0"),
    (0.001, "0.001"),
    (0.0001, "1.0E-4"),
    (0.00015, "1.5E-4"),
    (9999999.0, "9999999.0"),
    (1e7, "1.0E7"),
    (12345678.0, "1.2345678E7"),
    (1e10, "1.0E10"),
    (1e21, "1.0E21"),
    (1e-7, "1.0E-7"),
    (123e-10, "1.23E-8"),
    (0.1 + 0.2, "0.30000000000000004"),
    (123456.789, "123456.789"),
    (1.7976931348623157e308, "1.7976931348623157E308"),
    (5e-324, "4.9E-324"),  # Double.MIN_VALUE: two digits are closer than "5E-324"
    (2e23, "2.0E23"),
    (math.nan, "NaN"),
    (math.inf, "Infinity"),
    (-math.inf, "-Infinity"),
]

FLOATS = [
    (1.5, "1.5"),
    (0.1, "0.1"),
    (1.1, "1.1"),
    (100.0, "100.0"),
    (3.14159, "3.14159"),
    (0.001, "0.001"),
    (1e-5, "1.0E-5"),
    (1e10, "1.0E10"),
    (16777216.0, "1.6777216E7"),
    (3.4028234663852886e38, "3.4028235E38"),  # Float.MAX_VALUE
    (1.401298464324817e-45, "1.4E-45"),  # Float.MIN_VALUE
    (-2.5, "-2.5"),
    (-0.0, "-0.0"),
]


@pytest.mark.parametrize(("value", "text"), DOUBLES)
def test_double_to_string(value: float, text: str) -> None:
    assert java_double_to_string(value) == text


@pytest.mark.parametrize(("value", "text"), FLOATS)
def test_float_to_string(value: float, text: str) -> None:
    assert java_float_to_string(value) == text


_JAVA_LAYOUT = re.compile(r"-?(\d+\.\d+|\d\.\d+E-?\d+)")


def _significant_digits(text: str) -> str:
    mantissa = text.lstrip("-").split("E")[0].replace(".", "")
    return mantissa.lstrip("0").rstrip("0") or "0"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_double_text_is_shortest_and_exact(value: float) -> None:
    text = java_double_to_string(value)
    assert _JAVA_LAYOUT.fullmatch(text)
    assert float(text) == value
    plain = 1e-3 <= abs(value) < 1e7
    assert ("E" not in text) == (plain or value == 0)
    shortest = _significant_digits(repr(abs(value)).split("e")[0])
    # Java only ever widens a one-digit answer to two digits.
    assert len(_significant_digits(text)) in {len(shortest), 2 if len(shortest) == 1 else -1}


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_float_text_is_shortest_and_exact(value: float) -> None:
    text = java_float_to_string(value)
    assert _JAVA_LAYOUT.fullmatch(text)
    assert to_float32(float(text)) == value
    digits = len(_significant_digits(text))
    if digits > 2:
        # no shorter decimal identifies the same float32
        shorter = f"{value:.{digits - 2}e}"
        assert to_float32(float(shorter)) != value or digits <= 2


def test_to_float32() -> None:
    assert to_float32(0.1) == 0.10000000149011612
    assert to_float32(1e39) == math.inf
    assert to_float32(-1e39) == -math.inf


# BigDecimal.toString as the Java specification describes it: unscaled digits, scale, adjusted exponent.
BIG_DECIMALS = [
    ("100.00", "100.00"),
    ("95.50", "95.50"),
    ("0", "0"),
    ("-0.00", "0.00"),
    ("0E+2", "0E+2"),
    ("0E-10", "0E-10"),
    ("1E-10", "1E-10"),
    ("1E+3", "1E+3"),
    ("12.3E+5", "1.23E+6"),
    ("0.000001", "0.000001"),
    ("0.0000001", "1E-7"),
    ("-123.456E-20", "-1.23456E-18"),
    ("123456789012345678901234567890.12", "123456789012345678901234567890.12"),
]


@pytest.mark.parametrize(("value", "text"), BIG_DECIMALS)
def test_bigdecimal_to_string(value: str, text: str) -> None:
    assert java_bigdecimal_to_string(Decimal(value)) == text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_python_decimal_str_is_java_bigdecimal_to_string(value: Decimal) -> None:
    # Both follow the same "scientific string" rule; only Python's negative zero differs.
    expected = str(value.copy_abs() if value.is_zero() else value)
    assert java_bigdecimal_to_string(value) == expected
    assert Decimal(java_bigdecimal_to_string(value)).as_tuple().exponent == value.as_tuple().exponent


def test_bigdecimal_rejects_nan() -> None:
    with pytest.raises(ValueError):
        java_bigdecimal_to_string(Decimal("NaN"))
