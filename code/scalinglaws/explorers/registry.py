"""The registry of the book's explorers: name -> factory of an :class:`~scalinglaws.explorers.framework.Explorer`."""

from __future__ import annotations

from typing import Callable

import numpy as np

from scalinglaws.explorers.framework import Explorer

__all__ = ["REGISTRY", "register", "thin"]

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
