"""The registry of the book's explorers: name -> factory of an :class:`~scalinglaws.explorers.framework.Explorer`."""

from __future__ import annotations

from typing import Callable

import numpy as np

from scalinglaws.explorers.framework import Explorer

__all__ = ["REGISTRY", "register", "thin", "half_decades"]

#: name -> zero-argument factory returning the Explorer
REGISTRY: dict[str, Callable[[], Explorer]] = {}


def register(name: str):
    """Decorator: register a zero-argument factory of the explorer called ``name``."""
    def wrap(factory):
        if name in REGISTRY:
            raise ValueError(f"an explorer called {name!r} is already registered")
        REGISTRY[name] = factory
        return factory

    return wrap


def thin(x, y, n=60):
    """At most ``n`` evenly spaced points of a curve (keeps pages small)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size <= n:
        return x, y
    idx = np.unique(np.linspace(0, x.size - 1, n).round().astype(int))
    return x[idx], y[idx]


def half_decades(low: float, high: float) -> tuple[float, ...]:
    """1, 3, 10, 30, ... times ``low`` up to ``high``: two readable steps a decade for a slider.

    ``half_decades(1e6, 1e8)`` is ``(1e6, 3e6, 1e7, 3e7, 1e8)``.
    """
    out, v = [], float(low)
    while v <= high * (1 + 1e-9):
        out += [v, 3 * v]
        v *= 10
    return tuple(float(f"{x:.3g}") for x in out if x <= high * (1 + 1e-9))
