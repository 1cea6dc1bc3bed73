"""Fitting the steps/data trade-off of batch size (McCandlish et al. 2018): S = S_min + D_min / B.

D_min is the fewest examples (tokens) that reach the target, McCandlish et al.'s E_min.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from scalinglaws._validation import as_float_array, check_same_length, check_scalar
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["TradeoffFit", "fit_tradeoff"]


class TradeoffFit(NamedTuple):
    """Result of :func:`fit_tradeoff`; intervals are bootstrap percentiles (None without bootstrap)."""

    S_min: float
    D_min: float
    B_crit: float  # = D_min / S_min
    S_min_interval: tuple[float, float] | None
    D_min_interval: tuple[float, float] | None
    B_crit_interval: tuple[float, float] | None
    rms_log_residual: float  # root-mean-square of log(S) - log(S_fit)
    n_points: int


def _fit_tradeoff_once(S: np.ndarray, B: np.ndarray) -> tuple[float, float, float]:
    # S = S_min + D_min / B is linear in (S_min, D_min): least squares for a start ...
    A = np.column_stack([np.ones_like(B), 1.0 / B])
    coef, *_ = np.linalg.lstsq(A / S[:, None], np.ones_like(S), rcond=None)  # relative errors
    start = np.log(np.clip(coef, 1e-12 * S.max(), None) if np.all(coef > 0) else [S.min(), S.min() * np.median(B)])

    # ... then minimise the squared log residuals (step counts have multiplicative noise).
    def resid(p):
        return np.log(S) - np.logaddexp(p[0], p[1] - np.log(B))

    res = optimize.least_squares(resid, start, method="lm")
    r = resid(res.x)
    return float(np.exp(res.x[0])), float(np.exp(res.x[1])), float(np.sqrt(np.mean(r**2)))


def fit_tradeoff(steps, examples, *, n_bootstrap: int = 0, confidence: float = 0.9, seed: int = 0,
                 progress: bool = False) -> TradeoffFit:
    """Fit S_min and D_min to measured (steps, examples) pairs that all reach the same target loss.

    Each pair is one run: ``steps`` S_i optimizer updates and ``examples``
    D_i = B_i S_i examples (or tokens) consumed to first reach the target. The
    model is McCandlish et al.'s S = S_min (1 + B_crit/B) = S_min + D_min/B,
    fitted by least squares on log S (scipy ``least_squares``, started from the
    linear solution). With ``n_bootstrap`` > 0 the runs are resampled with
    replacement and the ``confidence`` percentile interval is returned.
    """
    S = as_float_array("steps", steps, positive=True, min_size=2)
    D = as_float_array("examples", examples, positive=True, min_size=2)
    if S.ndim != 1 or D.ndim != 1:
        raise ValueError("steps and examples must be one-dimensional")
    n = check_same_length(steps=S, examples=D)
    B = D / S
    if np.unique(B).size < 2:
        raise ValueError("examples/steps (the batch sizes) must take at least two distinct values")
    n_bootstrap = check_scalar("n_bootstrap", n_bootstrap, low=0, integer=True)
    confidence = check_scalar("confidence", confidence, low=0, high=1, low_inclusive=False, high_inclusive=False)
    seed = check_scalar("seed", seed, low=0, integer=True)

    S_min, D_min, rms = _fit_tradeoff_once(S, B)
    intervals = (None, None, None)
    if n_bootstrap:
        def refit(idx):
            if np.unique(B[idx]).size < 2:
                raise ValueError("a resample with one batch size has no trade-off")
            s, e, _ = _fit_tradeoff_once(S[idx], B[idx])
            return [s, e, e / s]

        res = bootstrap_resamples(refit, n, ("S_min", "D_min", "B_crit"), resamples=n_bootstrap, seed=seed,
                                  level=confidence, progress=progress)
        iv = res.intervals()
        intervals = tuple(iv.get(k) for k in ("S_min", "D_min", "B_crit"))
    return TradeoffFit(S_min, D_min, D_min / S_min, *intervals, rms, n)
