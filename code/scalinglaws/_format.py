"""How numbers are written for readers: powers of ten in Unicode, counts in words.

* :func:`sci_text`: ``5.8 × 10²³`` with a fixed number of significant digits
  (``scalinglaws.book`` re-exports it for the chapters);
* :func:`human`: the readouts of the explorers: plain numbers between 10⁻³
  and 10⁴, otherwise ``5.76 × 10²³`` (``style="sci"``) or ``40.4 B``
  (``style="count"``, for parameters and tokens), to ``digits`` significant
  digits, or to as many as the value needs to be exact (``digits=None``), so a
  slider never shows 2 × 10¹⁰ for 2.5 × 10¹⁰.

Nothing here imports matplotlib or MyST-NB.
"""

from __future__ import annotations

import math

from scalinglaws._validation import check_in, check_scalar

__all__ = ["sci_text", "human", "percent", "shortest_digits"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Word suffixes for counts: thousand, million, billion, trillion (what papers write for parameters and tokens).
_COUNT_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def _mantissa_exponent(x, digits: int) -> tuple[str, int]:
    x = check_scalar("x", x)
    digits = check_scalar("digits", digits, low=1, high=17, integer=True)
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return mantissa, int(exponent)


def sci_text(x, digits: int = 2) -> str:
    """``x`` in scientific notation as plain Unicode, e.g. ``sci_text(5.76e23)`` is ``5.8 × 10²³``.

    A mantissa of exactly 1 is dropped (``10⁶``); exponent 0 gives the plain mantissa.
    """
    mantissa, exponent = _mantissa_exponent(x, digits)
    if exponent == 0:
        return mantissa
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if float(mantissa) == 1 else f"{mantissa} × {power}"


def shortest_digits(x: float) -> int:
    """The fewest significant digits (1 to 17) that write ``x`` exactly (``2.5e10`` needs 2)."""
    x = check_scalar("x", x)
    for digits in range(1, 18):
        if float(f"{x:.{digits - 1}e}") == x:
            return digits
    return 17


def _trim(text: str) -> str:
    """'4.00' -> '4', '2.50' -> '2.5': trailing zeros after a decimal point carry no information here."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain(x: float, digits: int) -> str:
    """``x`` (with 1e-3 <= |x| < 1e4, or 0) to ``digits`` significant digits, without an exponent."""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(float(f"{x:.{digits - 1}e}")))))
    return _trim(f"{x:.{decimals}f}")


def human(x, digits: int | None = 3, style: str = "sci") -> str:
    """``x`` as a reader reads it: ``human(5.76e23)`` is ``5.76 × 10²³``, ``human(4.04e10, style="count")`` is ``40.4 B``.

    Parameters
    ----------
    x : a finite number.
    digits : significant digits, or None for as many as ``x`` needs to be exact.
    style : "sci" writes numbers outside [10⁻³, 10⁴) as ``m × 10ⁿ``; "count"
        writes 10³ to 10¹⁵ with K, M, B, T (thousand to trillion) and larger
        ones as ``m × 10ⁿ``.

    Trailing zeros are dropped (``human(4e10)`` is ``4 × 10¹⁰``).
    """
    x = check_scalar("x", x)
    check_in("style", style, ("sci", "count"))
    if digits is None:
        digits = shortest_digits(x)
    digits = check_scalar("digits", digits, low=1, high=17, integer=True)
    if x == 0:
        return "0"
    magnitude = abs(float(f"{x:.{digits - 1}e}"))  # after rounding: 9999.7 -> 1e4
    if style == "count" and 1e3 <= magnitude < 1e15:
        for scale, suffix in _COUNT_SUFFIXES:
            if magnitude >= scale:
                return f"{_plain(x / scale, digits)} {suffix}"
    if 1e-3 <= magnitude < 1e4:
        return _plain(x, digits)
    mantissa, exponent = _mantissa_exponent(x, digits)
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    mantissa = _trim(mantissa)
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return f"{mantissa} × {power}"


def percent(x, digits: int = 2, sign: bool = False) -> str:
    """A fraction ``x`` as a percentage to ``digits`` significant digits: ``percent(0.0123)`` is ``1.2%``.

    With ``sign``, a plus sign marks positive values (``+1.2%``); a value that
    rounds to zero is written ``0%`` (never ``-0.0%``).
    """
    x = check_scalar("x", x)
    text = human(100 * x, digits)
    if text == "0":
        return "0%"
    return ("+" if sign and x > 0 else "") + text + "%"
