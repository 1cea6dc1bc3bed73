"""The book's explorers: figures with sliders, one module of frames per chapter.

* :mod:`~scalinglaws.explorers.framework`: :class:`Explorer` and the data it
  draws (:class:`Control`, :class:`Series`, :class:`Number`, :class:`Note`,
  :class:`Frame`);
  a static matplotlib figure, live ipywidgets sliders and the kernel-free HTML
  of the static site, all from one frame function.
* one module per chapter (``power_laws``, ``kaplan``, ``critical_batch_size``,
  ``early_stopping``, ``chinchilla``, ``reconciling``, ``overtraining``,
  ``fitting_real_runs``, ``hyperparameters``, ``abilities``, ``lab``): each
  frame is a plain, tested function ``<what>_frame(**settings)`` returning a
  :class:`Frame`, registered under a page-unique name.

    >>> from scalinglaws import explorers
    >>> ex = explorers.get("chinchilla-budget")
    >>> ex.frame(C=1e24).number("N_chinchilla").text  # doctest: +SKIP
"""

from __future__ import annotations

from scalinglaws.explorers import (  # noqa: F401  (each module registers its explorers)
    abilities,
    chinchilla,
    critical_batch_size,
    early_stopping,
    fitting_real_runs,
    hyperparameters,
    kaplan,
    lab,
    overtraining,
    power_laws,
    reconciling,
)
from scalinglaws.explorers.framework import MAX_FRAMES, Control, Explorer, Frame, Note, Number, Series, fmt_human
from scalinglaws.explorers.registry import REGISTRY

__all__ = ["get", "names", "REGISTRY", "Explorer", "Control", "Series", "Number", "Note", "Frame", "MAX_FRAMES",
           "fmt_human"]


def names() -> list[str]:
    """Names of every registered explorer."""
    return sorted(REGISTRY)


def get(name: str) -> Explorer:
    """The explorer called ``name`` (see :func:`names`)."""
    if name not in REGISTRY:
        raise ValueError(f"name must be one of {names()!r}, got {name!r}")
    return REGISTRY[name]()
