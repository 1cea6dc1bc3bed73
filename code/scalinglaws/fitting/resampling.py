"""Resampling and intervals: the one implementation every fitter uses.

A fitter hands :func:`bootstrap` a function that refits its model on a set of
row indices and returns the quantities of interest as a vector; the bootstrap
draws index sets, refits, and keeps every finite refit. A refit that raises
``ValueError``, ``FloatingPointError`` or ``OverflowError`` (a resample with
too few distinct sizes, a parabola with no minimum, an exponent running off
to infinity), or returns a non-finite value, is a *failed* resample: it is
counted in :attr:`Resamples.failed`, never dropped silently, and the
intervals come from the successful ones. With no successful resample there
are no intervals (an empty dict), never NaN.

Resampling schemes
    * plain (``strata=None``): ``n`` rows drawn with replacement from all rows
      (Efron 1979);
    * stratified (``strata`` labels): rows drawn with replacement *within*
      each stratum, each keeping its size, for designed sweeps (every budget
      of an IsoFLOP sweep keeps its runs);
    * subsampling (``fraction < 1``, ``replace=False``): ``m = fraction * n``
      rows without replacement, as Hoffmann et al. describe for Approach 1.
      Subsamples spread less than bootstrap resamples of the same data, so
      intervals from them are narrower than their level suggests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from scalinglaws._validation import check_scalar

__all__ = ["Resamples", "ResampledFit", "bootstrap", "percentile_interval", "check_level", "FAILURES"]

#: The exceptions that mark one resample as failed (anything else is a bug and propagates).
FAILURES = (ValueError, FloatingPointError, OverflowError, ZeroDivisionError, np.linalg.LinAlgError)


def check_level(level) -> float:
    """A confidence level strictly between 0 and 1."""
    return check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)


def percentile_interval(draws, level: float = 0.95, axis: int = 0):
    """Equal-tailed percentile interval ``(lo, hi)`` of ``draws`` along ``axis`` at ``level``."""
    level = check_level(level)
    draws = np.asarray(draws, dtype=float)
    if draws.shape[axis] == 0:
        raise ValueError("draws: no resamples to take an interval from")
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=axis)
    return lo, hi


@dataclass(frozen=True)
class Resamples:
    """The refits of a bootstrap: ``draws`` has one row per successful resample, one column per name."""

    draws: np.ndarray
    names: tuple
    requested: int
    failed: int
    level: float = 0.95

    @property
    def succeeded(self) -> int:
        return int(self.draws.shape[0])

    def intervals(self, level: float | None = None) -> dict:
        """``{name: (lo, hi)}`` percentile intervals at ``level`` (default :attr:`level`); empty if none succeeded."""
        level = self.level if level is None else check_level(level)
        if not self.succeeded:
            return {}
        lo, hi = percentile_interval(self.draws, level)
        return {name: (float(lo[i]), float(hi[i])) for i, name in enumerate(self.names)}

    def summary(self) -> dict:
        """JSON-ready counts: requested, succeeded, failed."""
        return {"requested": int(self.requested), "succeeded": self.succeeded, "failed": int(self.failed)}

    @classmethod
    def empty(cls, names: Sequence[str], level: float = 0.95) -> "Resamples":
        draws = np.empty((0, len(names)))
        draws.setflags(write=False)
        return cls(draws, tuple(names), 0, 0, float(level))


@dataclass(frozen=True, kw_only=True)
class ResampledFit:
    """Base of every fit result: the bootstrap behind its intervals (``resamples``, None without one)."""

    resamples: Resamples | None = None

    @property
    def bootstrap_params(self) -> np.ndarray:
        """One row of refitted values per successful resample (no rows without a bootstrap)."""
        return self.resamples.draws if self.resamples is not None else np.empty((0, 0))

    @property
    def bootstrap_failed(self) -> int:
        """Resamples whose refit failed (counted, not in :attr:`bootstrap_params`)."""
        return self.resamples.failed if self.resamples is not None else 0

    @property
    def level(self) -> float:
        return self.resamples.level if self.resamples is not None else 0.95

    @property
    def intervals(self) -> dict:
        """``{name: (lo, hi)}`` percentile intervals at :attr:`level`; empty without a bootstrap."""
        return self.resamples.intervals() if self.resamples is not None else {}

    def interval_summary(self) -> dict:
        """JSON-ready: resample counts, level and intervals."""
        return {"bootstrap": int(self.bootstrap_params.shape[0]), "bootstrap_failed": int(self.bootstrap_failed),
                "level": float(self.level),
                "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()}}


def _draw_indices(rng, n, groups, replace, fraction):
    if groups is not None:
        return np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
    if replace:
        return rng.integers(0, n, size=n)
    m = max(1, int(round(fraction * n)))
    return np.sort(rng.choice(n, size=m, replace=False))


def bootstrap(refit: Callable[[np.ndarray], Sequence[float]], n: int, names: Sequence[str], *, resamples: int,
              seed: int = 0, level: float = 0.95, strata=None, replace: bool = True, fraction: float = 1.0,
              progress: bool = False, desc: str = "bootstrap") -> Resamples:
    """Refit ``resamples`` times on resampled row indices; see the module docstring for the schemes.

    ``refit(idx)`` receives an integer array of row indices (into the ``n``
    rows of the data) and returns one value per entry of ``names``.
    """
    n = check_scalar("n", n, low=1, integer=True)
    resamples = check_scalar("resamples", resamples, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    fraction = check_scalar("fraction", fraction, low=0.0, high=1.0, low_inclusive=False)
    names = tuple(names)
    if not replace and strata is not None:
        raise ValueError("strata: subsampling (replace=False) is not stratified")
    groups = None
    if strata is not None:
        labels = np.asarray(strata)
        if labels.shape != (n,):
            raise ValueError(f"strata must have one label per row ({n}), got shape {labels.shape}")
        groups = [np.flatnonzero(labels == lab) for lab in np.unique(labels)]
    rng = np.random.default_rng(seed)
    rows, failed = [], 0
    for _ in tqdm(range(resamples), disable=not progress, desc=desc):
        idx = _draw_indices(rng, n, groups, replace, fraction)
        try:
            # an overflow in a wild resample shows up as a non-finite value below
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                values = np.asarray(refit(idx), dtype=float).ravel()
        except FAILURES:
            failed += 1
            continue
        if values.size != len(names):
            raise ValueError(f"refit returned {values.size} values for {len(names)} names {names}")
        if not np.all(np.isfinite(values)):
            failed += 1
            continue
        rows.append(values)
    draws = np.array(rows, dtype=float).reshape(-1, len(names))
    draws.setflags(write=False)
    return Resamples(draws, names, resamples, failed, level)
