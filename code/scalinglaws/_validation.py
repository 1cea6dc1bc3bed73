"""Input checks shared by every public function.

Bad input must fail early with a ``ValueError`` that names the argument and
says what was expected, never with a traceback from deep inside numpy or a
silent NaN.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_float_array", "check_positive", "check_finite", "check_same_length", "check_scalar", "check_in",
           "check_instance", "scalar_or_array", "parse_number", "positive_columns"]


def as_float_array(name: str, value, *, positive: bool = False, nonnegative: bool = False, min_size: int = 0,
                   whole: bool = False) -> np.ndarray:
    """Return ``value`` as a float ndarray, checking it is numeric and finite.

    Raises ``ValueError`` naming ``name`` when ``value`` is not numeric, holds a
    NaN or infinity, is not strictly positive (``positive=True``), is negative
    (``nonnegative=True``), is not made of whole numbers (``whole=True``) or has
    fewer than ``min_size`` elements.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if arr.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name} must be strictly positive")
    if nonnegative and not np.all(arr >= 0):
        raise ValueError(f"{name} must be non-negative")
    if whole and np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must hold whole numbers")
    return arr


def check_positive(name: str, value) -> np.ndarray:
    """``as_float_array(name, value, positive=True)``."""
    return as_float_array(name, value, positive=True)


def check_finite(name: str, value) -> np.ndarray:
    """``as_float_array(name, value)``."""
    return as_float_array(name, value)


def check_scalar(name: str, value, *, low: float | None = None, high: float | None = None,
                 low_inclusive: bool = True, high_inclusive: bool = True, integer: bool = False) -> float:
    """Check a real scalar lies in the interval [low, high] (ends as asked).

    Returns it as ``float`` (or ``int`` when ``integer=True``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if integer and int(value) != value:
        raise ValueError(f"{name} must be an integer, got {value!r}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (x < low or (x == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value!r}")
    if high is not None and (x > high or (x == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value!r}")
    return int(x) if integer else x


def check_same_length(**arrays: np.ndarray) -> int:
    """Check all 1-D arrays given as keywords have the same length; return it."""
    lengths = {name: np.size(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"arguments must have the same length: {described}")
    return next(iter(lengths.values()), 0)


def positive_columns(**arrays) -> list[np.ndarray]:
    """Each keyword as a flat, positive, finite float array, all of one length (a ``ValueError`` names the culprit)."""
    out = [as_float_array(name, value, positive=True).ravel() for name, value in arrays.items()]
    check_same_length(**dict(zip(arrays, out)))
    return out


def check_in(name: str, value, allowed) -> None:
    """Check ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)!r}, got {value!r}")


def check_instance(name: str, value, cls: type):
    """Check ``value`` is a ``cls`` (e.g. a coefficient record from :mod:`scalinglaws.constants`)."""
    if not isinstance(value, cls):
        raise ValueError(f"{name} must be a {cls.__module__}.{cls.__qualname__}, got {type(value).__name__}")
    return value


def scalar_or_array(x):
    """A 0-d result becomes a Python float; arrays pass through as float arrays."""
    x = np.asarray(x, dtype=float)
    return x if x.ndim else float(x)


def parse_number(text: str, name: str, *, positive: bool = False) -> float:
    """Parse ``text`` (from a file or a command line) as a finite float, strictly positive if asked.

    ``name`` says where the text came from in the ``ValueError`` (e.g.
    ``"--compute"`` or ``"column 'loss', line 7"``).
    """
    try:
        v = float(str(text).strip())
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(v) or (positive and v <= 0):
        raise ValueError(f"{name}: {text!r} must be a {'positive ' if positive else ''}finite number")
    return v
