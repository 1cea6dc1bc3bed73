"""Resampling and intervals: the one implementation every fitter uses.

A fitter hands this module a function that refits its model on resampled
data and returns the quantities of interest as a vector; the module draws the
resamples, refits, and keeps every finite refit. A refit that raises
``ValueError``, ``FloatingPointError``, ``OverflowError``,
``ZeroDivisionError`` or ``LinAlgError`` (a resample with too few distinct
sizes, a profile with no minimum, an exponent running off to infinity), or
returns a non-finite value, is a *failed* resample: it is counted in
:attr:`Resamples.failed`, never dropped silently, and the intervals come from
the successful ones. With no successful resample there are no intervals (an
empty dict), never NaN.

Schemes (how the resampled data are drawn)
    * ``pairs``: :func:`bootstrap` with ``strata=None`` draws ``n`` rows with
      replacement from all rows (Efron 1979).
    * ``stratified pairs``: :func:`bootstrap` with ``strata`` labels draws
      rows with replacement *within* each stratum, each keeping its size.
    * ``subsample``: :func:`bootstrap` with ``replace=False`` refits on
      ``m = fraction * n`` rows drawn without replacement, as Hoffmann et al.
      describe for Approach 1. A subsample estimate varies about the
      full-data estimate with variance ``(1/m - 1/n) sigma^2`` instead of
      ``sigma^2 / n``: with 80% subsamples its spread is half a bootstrap's.
      Given the full-data ``estimate``, the draws are rescaled by
      ``sqrt(m / (n - m))`` about it, which undoes that shrinkage.
    * ``residual``: :func:`residual_bootstrap` keeps the design (every run's
      N, D, C) and adds resampled residuals to the fitted values, on the log
      scale: ``y* = y_hat * exp(r*)``. Residuals are centred (within each
      stratum, if given) and inflated by ``sqrt(n / (n - n_params))`` so that
      their spread is not the fitted model's optimistic one. For designed
      sweeps, where the sizes and budgets are fixed by the experimenter and
      only the losses are random.
    * ``jackknife``: :func:`jackknife` refits once without each row (or each
      group of rows, e.g. each compute budget); its standard error is
      Tukey's ``sqrt((g - 1)/g * sum (theta_(i) - mean)^2)``.

Intervals (:meth:`Resamples.intervals`)
    * ``percentile``: the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of
      the draws;
    * ``basic``: ``2 theta_hat - `` those quantiles, swapped (the reverse
      percentile interval): it subtracts the bias the resampling reproduces,
      where the percentile interval doubles it;
    * ``t``: ``theta_hat +- t_{df, (1 + level)/2} * se`` with the jackknife's
      standard error and ``df = g - n_params`` (Student's t from
      ``scipy.stats``);
    * ``studentized`` (bootstrap-t): each refit also returns its own
      standard errors; the quantiles of ``t* = (theta* - theta_hat) / se*``
      replace Student's, ``theta_hat - t*_q * se_hat`` (Efron and Tibshirani
      1993, Ch. 12). Quantities flagged ``log`` are studentized on the log
      scale. It widens the interval where few points make a percentile
      interval too narrow.

Which scheme and interval each fitter uses, and how well its nominal 90%
intervals cover the truth in simulation, is measured by
``benchmarks/coverage.py`` (its output ships as ``data/fitting/coverage.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from scalinglaws._validation import as_float_array, check_in, check_scalar

__all__ = ["Resamples", "ResampledFit", "bootstrap", "residual_bootstrap", "jackknife", "percentile_interval",
           "prediction_band", "check_level", "FAILURES", "METHODS"]

#: The exceptions that mark one resample as failed (anything else is a bug and propagates).
FAILURES = (ValueError, FloatingPointError, OverflowError, ZeroDivisionError, np.linalg.LinAlgError)
#: Interval methods of :meth:`Resamples.intervals`.
METHODS = ("percentile", "basic", "t", "studentized")


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
    """The refits of a resampling scheme: ``draws`` has one row per successful refit, one column per name.

    ``estimate`` holds the full-data values (needed by the ``basic`` and ``t``
    intervals); ``method`` is the interval :meth:`intervals` gives by default;
    ``scheme`` says how the draws were made (see the module docstring).
    """

    draws: np.ndarray
    names: tuple
    requested: int
    failed: int
    level: float = 0.95
    estimate: np.ndarray | None = None
    method: str = "percentile"
    scheme: str = "pairs"
    df: int | None = None  # degrees of freedom of the ``t`` interval
    _se: np.ndarray | None = field(default=None, repr=False)
    draw_se: np.ndarray | None = None  # (K, p) standard errors of each refit, for ``studentized``
    estimate_se: np.ndarray | None = None  # (p,) standard errors of the estimate, for ``studentized``
    log: tuple = ()  # names studentized on the log scale

    @property
    def succeeded(self) -> int:
        return int(self.draws.shape[0])

    @property
    def stderr(self) -> dict:
        """``{name: standard error}``: the jackknife's for ``scheme="jackknife"``, else the draws' standard deviation."""
        if not self.succeeded:
            return {}
        se = self._se if self._se is not None else self.draws.std(axis=0, ddof=1) if self.succeeded > 1 else \
            np.zeros(len(self.names))
        return {name: float(se[i]) for i, name in enumerate(self.names)}

    def intervals(self, level: float | None = None, method: str | None = None) -> dict:
        """``{name: (lo, hi)}`` at ``level`` (default :attr:`level`) by ``method`` (default :attr:`method`).

        Empty if no refit succeeded. Every bound is finite.
        """
        level = self.level if level is None else check_level(level)
        method = self.method if method is None else method
        check_in("method", method, METHODS)
        if not self.succeeded:
            return {}
        if method == "percentile":
            lo, hi = percentile_interval(self.draws, level)
        elif method == "basic":
            est = self._need_estimate(method)
            q_lo, q_hi = percentile_interval(self.draws, level)
            lo, hi = 2 * est - q_hi, 2 * est - q_lo
        elif method == "studentized":
            est = self._need_estimate(method)
            if self.draw_se is None or self.estimate_se is None:
                raise ValueError("method: a 'studentized' interval needs the refits' standard errors")
            logs = np.array([name in self.log for name in self.names])
            with np.errstate(divide="ignore"):  # np.where evaluates the log of the linear-scale columns too
                center = np.where(logs, np.log(np.abs(est)), est)
                draws = np.where(logs, np.log(np.abs(self.draws)), self.draws)
            t = (draws - center) / self.draw_se
            t_lo, t_hi = percentile_interval(t, level)
            lo, hi = center - t_hi * self.estimate_se, center - t_lo * self.estimate_se
            # back to the parameters' scale; exp only the log-scale columns (np.where would
            # evaluate it on the linear ones too, where it can overflow)
            lo, hi = np.array(lo, float), np.array(hi, float)
            with np.errstate(over="ignore"):  # a bound beyond the float range is dropped below
                lo[logs], hi[logs] = np.exp(lo[logs]), np.exp(hi[logs])
        else:
            est = self._need_estimate(method)
            if self.df is None or self.df < 1:
                return {}  # too few successful refits for a t interval: none, rather than an infinite one
            se = np.array([self.stderr[name] for name in self.names])
            half = stats.t.ppf(0.5 * (1 + level), self.df) * se
            lo, hi = est - half, est + half
        # A parameter whose bound is not a finite number (a studentized bound on the log scale
        # beyond the float range) gets no interval, rather than an infinite one.
        return {name: (float(lo[i]), float(hi[i])) for i, name in enumerate(self.names)
                if np.isfinite(lo[i]) and np.isfinite(hi[i])}

    def derived_interval(self, values, estimate, level: float | None = None):
        """Interval ``(lo, hi)`` of a quantity derived from each draw, by this resampling's own method.

        ``values`` has one row per draw (shape ``(K, m)``), ``estimate`` the
        full-data value of each of the ``m`` quantities; for a jackknife the
        ``t`` interval uses the spread of ``values`` (Tukey's formula).
        """
        level = self.level if level is None else check_level(level)
        values = np.asarray(values, dtype=float)
        est = np.asarray(estimate, dtype=float)
        if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] != est.size:
            raise ValueError(f"values must have shape (K >= 1, {est.size}), got {values.shape}")
        if self.method == "t":
            k = values.shape[0]
            if self.df is None or self.df < 1:
                raise ValueError("values: too few successful refits for a t interval")
            se = np.sqrt((k - 1) / k * ((values - values.mean(axis=0)) ** 2).sum(axis=0))
            half = stats.t.ppf(0.5 * (1 + level), self.df) * se
            return est - half, est + half
        q_lo, q_hi = percentile_interval(values, level)
        if self.method == "basic":
            return 2 * est - q_hi, 2 * est - q_lo
        return q_lo, q_hi

    def summary(self) -> dict:
        """JSON-ready counts and method: requested, succeeded, failed, scheme, interval method."""
        return {"requested": int(self.requested), "succeeded": self.succeeded, "failed": int(self.failed),
                "scheme": self.scheme, "method": self.method}

    def _need_estimate(self, method):
        if self.estimate is None:
            raise ValueError(f"method: a {method!r} interval needs the full-data estimate")
        return np.asarray(self.estimate, dtype=float)

    @classmethod
    def empty(cls, names: Sequence[str], level: float = 0.95) -> "Resamples":
        draws = np.empty((0, len(names)))
        draws.setflags(write=False)
        return cls(draws, tuple(names), 0, 0, float(level), scheme="none")


@dataclass(frozen=True, kw_only=True)
class ResampledFit:
    """Base of every fit result: the resamples behind its intervals (``resamples``, None without any)."""

    resamples: Resamples | None = None

    @property
    def bootstrap_params(self) -> np.ndarray:
        """One row of refitted values per successful resample (no rows without resampling)."""
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
        """``{name: (lo, hi)}`` intervals at :attr:`level`; empty without resampling."""
        return self.resamples.intervals() if self.resamples is not None else {}

    def _band(self, curves, level, new_run: bool, fitter: str):
        """Prediction band of ``curves`` (one row per resample): for a new run (the fit's ``residuals`` added) or the law."""
        if self.bootstrap_params.shape[0] == 0:
            raise ValueError(f"bootstrap must be > 0 in {fitter} to get intervals")
        residuals = getattr(self, "residuals", None) if new_run else None
        return prediction_band(curves, check_level(level), residuals)

    def interval_summary(self) -> dict:
        """JSON-ready: resample counts, scheme, interval method, level and intervals."""
        res = self.resamples
        return {"bootstrap": int(self.bootstrap_params.shape[0]), "bootstrap_failed": int(self.bootstrap_failed),
                "resampling": res.scheme if res is not None else "none",
                "interval_method": res.method if res is not None else "none",
                "level": float(self.level),
                "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()}}


def _check_common(resamples, seed, level, method):
    resamples = check_scalar("resamples", resamples, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    check_in("method", method, METHODS)
    return resamples, seed, level


def _collect(refit, draw, names, resamples, seed, progress, desc):
    """Call ``refit(draw(rng))`` ``resamples`` times; return the finite refits and the number that failed."""
    rng = np.random.default_rng(seed)
    rows, failed = [], 0
    for _ in tqdm(range(resamples), disable=not progress, desc=desc):
        data = draw(rng)
        try:
            # an overflow in a wild resample shows up as a non-finite value below
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                values = np.asarray(refit(data), dtype=float).ravel()
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
    return draws, failed


def _groups(strata, n, name="strata"):
    labels = np.asarray(strata)
    if labels.shape != (n,):
        raise ValueError(f"{name} must have one label per row ({n}), got shape {labels.shape}")
    _, inverse = np.unique(labels, return_inverse=True)
    return [np.flatnonzero(inverse == g) for g in range(inverse.max() + 1)]


def _frozen(a):
    a = np.asarray(a, dtype=float)
    a.setflags(write=False)
    return a


def bootstrap(refit: Callable[[np.ndarray], Sequence[float]], n: int, names: Sequence[str], *, resamples: int,
              seed: int = 0, level: float = 0.95, strata=None, replace: bool = True, fraction: float = 1.0,
              max_rows: int | None = None, estimate=None, method: str = "percentile", estimate_se=None,
              log=(), progress: bool = False, desc: str = "bootstrap") -> Resamples:
    """Refit ``resamples`` times on resampled row indices (pairs, stratified pairs or subsampling).

    ``refit(idx)`` receives an integer array of row indices (into the ``n``
    rows of the data) and returns one value per entry of ``names``.
    ``estimate`` (the full-data values) enables the ``basic`` interval and,
    for subsampling, the rescaling described in the module docstring.

    ``max_rows``: with more than four times as many rows, each resample is
    ``max_rows`` rows drawn without replacement, rescaled about ``estimate``
    by ``sqrt(m / (n - m))`` (the m-out-of-n bootstrap of Bickel, Götze and
    van Zwet 1997), so that a refit costs the same whatever the number of
    rows; ``strata`` are then ignored.

    ``method="studentized"``: ``refit`` returns the values *and then* their
    standard errors (``2 * len(names)`` numbers; those of ``log`` names on
    the log scale), and ``estimate_se`` gives the full-data ones. A refit
    whose standard errors are not positive and finite counts as failed.
    """
    n = check_scalar("n", n, low=1, integer=True)
    resamples, seed, level = _check_common(resamples, seed, level, method)
    fraction = check_scalar("fraction", fraction, low=0.0, high=1.0, low_inclusive=False)
    names = tuple(names)
    est = None if estimate is None else as_float_array("estimate", estimate).ravel()
    if est is not None and est.size != len(names):
        raise ValueError(f"estimate must have one value per name ({len(names)}), got {est.size}")
    if not replace and strata is not None:
        raise ValueError("strata: subsampling (replace=False) is not stratified")
    if max_rows is not None:
        max_rows = check_scalar("max_rows", max_rows, low=2, integer=True)
        if n > 4 * max_rows and replace:
            if estimate is None:
                raise ValueError("estimate: the m-out-of-n bootstrap (max_rows) rescales about the estimate")
            replace, strata, fraction = False, None, max_rows / n
            if method == "studentized":
                # with thousands of runs a percentile interval is not too narrow; keep the values only
                method, full = "percentile", refit
                refit = lambda idx: np.asarray(full(idx), dtype=float).ravel()[:len(names)]  # noqa: E731
    groups = None if strata is None else _groups(strata, n)
    m = max(1, int(round(fraction * n)))
    if not replace and m >= n:
        raise ValueError(f"fraction: a subsample of {m} of {n} rows is the data itself")

    def draw(rng):
        if groups is not None:
            return np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
        if replace:
            return rng.integers(0, n, size=n)
        return np.sort(rng.choice(n, size=m, replace=False))

    studentized = method == "studentized"
    if studentized:
        se_hat = as_float_array("estimate_se", estimate_se, positive=True).ravel()
        if se_hat.size != len(names):
            raise ValueError(f"estimate_se must have one value per name ({len(names)}), got {se_hat.size}")
        if not replace:
            raise ValueError("method: a studentized interval needs resamples with replacement")
        wide = names + tuple(f"se({k})" for k in names)

        def refit_checked(idx):
            values = np.asarray(refit(idx), dtype=float).ravel()
            if values.size == len(wide) and not np.all(values[len(names):] > 0):
                raise ValueError("a refit with no standard error")
            return values

        both, failed = _collect(refit_checked, draw, wide, resamples, seed, progress, desc)
        draws, draw_se = both[:, :len(names)], both[:, len(names):]
    else:
        draws, failed = _collect(refit, draw, names, resamples, seed, progress, desc)
    if replace:
        scheme = "pairs" if groups is None else "stratified pairs"
    else:
        scheme = f"subsample {m} of {n}"
        if est is not None:
            draws = est + np.sqrt(m / (n - m)) * (draws - est)
            scheme += ", rescaled"
    if method != "percentile" and est is None:
        raise ValueError(f"estimate: the {method!r} interval needs the full-data estimate")
    extra = dict(draw_se=_frozen(draw_se), estimate_se=_frozen(se_hat), log=tuple(log)) if studentized else {}
    return Resamples(_frozen(draws), names, resamples, failed, level, None if est is None else _frozen(est), method,
                     scheme, **extra)


def residual_bootstrap(refit: Callable[[np.ndarray], Sequence[float]], fitted, residuals, names: Sequence[str], *,
                       resamples: int, estimate, n_params: int = 0, strata=None, seed: int = 0,
                       level: float = 0.95, method: str = "basic", progress: bool = False,
                       desc: str = "residual bootstrap") -> Resamples:
    """Refit ``resamples`` times on ``y* = fitted * exp(r*)``, ``r*`` drawn from the log ``residuals``.

    ``fitted`` are the model's values at the data (positive), ``residuals``
    the log residuals ``log y - log fitted``; both keep the rows' order, and
    ``refit(y_star)`` receives a new response vector in that order. The
    residuals are centred (within each stratum, if ``strata`` labels are
    given, and drawn within it) and inflated by ``sqrt(n / (n - n_params))``.
    """
    fitted = as_float_array("fitted", fitted, positive=True).ravel()
    r = as_float_array("residuals", residuals).ravel()
    if r.size != fitted.size:
        raise ValueError(f"residuals must have one value per fitted value ({fitted.size}), got {r.size}")
    n = fitted.size
    resamples, seed, level = _check_common(resamples, seed, level, method)
    n_params = check_scalar("n_params", n_params, low=0, high=n - 1, integer=True)
    names = tuple(names)
    est = as_float_array("estimate", estimate).ravel()
    if est.size != len(names):
        raise ValueError(f"estimate must have one value per name ({len(names)}), got {est.size}")
    groups = [np.arange(n)] if strata is None else _groups(strata, n)
    pools = []
    for g in groups:
        rg = r[g] - r[g].mean()
        pools.append(rg * np.sqrt(n / (n - n_params)))
    log_fitted = np.log(fitted)

    def draw(rng):
        rstar = np.empty(n)
        for g, pool in zip(groups, pools):
            rstar[g] = pool[rng.integers(0, pool.size, size=g.size)]
        return np.exp(log_fitted + rstar)

    draws, failed = _collect(refit, draw, names, resamples, seed, progress, desc)
    scheme = "residual" if strata is None else "stratified residual"
    return Resamples(_frozen(draws), names, resamples, failed, level, _frozen(est), method, scheme)


def jackknife(refit: Callable[[np.ndarray], Sequence[float]], n: int, names: Sequence[str], *, estimate,
              groups=None, n_params: int = 1, level: float = 0.95, progress: bool = False,
              desc: str = "jackknife") -> Resamples:
    """Refit once without each row (or each group of rows), for Tukey's standard error and a ``t`` interval.

    ``refit(idx)`` receives the indices of the rows kept. ``groups`` labels
    rows deleted together (e.g. the runs of one compute budget); the ``t``
    interval has ``g - n_params`` degrees of freedom for ``g`` groups. Failed
    refits are counted; the standard error uses the ``k`` that succeeded,
    ``sqrt((k - 1)/k * sum (theta_(i) - mean)^2)``.
    """
    n = check_scalar("n", n, low=2, integer=True)
    level = check_level(level)
    names = tuple(names)
    est = as_float_array("estimate", estimate).ravel()
    if est.size != len(names):
        raise ValueError(f"estimate must have one value per name ({len(names)}), got {est.size}")
    parts = [np.array([i]) for i in range(n)] if groups is None else _groups(groups, n, "groups")
    n_params = check_scalar("n_params", n_params, low=0, high=len(parts) - 1, integer=True)
    everything = np.arange(n)
    queue = iter(parts)

    def draw(rng):
        return np.setdiff1d(everything, next(queue), assume_unique=True)

    draws, failed = _collect(refit, draw, names, len(parts), 0, progress, desc)
    k = draws.shape[0]
    se = np.sqrt((k - 1) / k * ((draws - draws.mean(axis=0)) ** 2).sum(axis=0)) if k > 1 else np.zeros(len(names))
    df = max(k - n_params, 0) or None
    return Resamples(_frozen(draws), names, len(parts), failed, level, _frozen(est), "t", "jackknife", df,
                     _frozen(se))


def prediction_band(curves, level: float = 0.95, residuals=None, *, seed: int = 0, per_draw: int = 10):
    """Percentile band ``(lo, hi)`` at ``m`` targets from ``K`` resampled fits, ``curves`` of shape ``(K, m)``.

    Without ``residuals`` it is a confidence band of the fitted law. With the
    fit's log ``residuals`` it is a *prediction* interval for one new run:
    each resampled curve is multiplied by ``per_draw`` residuals drawn with
    replacement (``exp(r)``), so that the run-to-run scatter adds to the
    uncertainty of the law (Davison and Hinkley 1997, Sec. 6.3.3).
    """
    level = check_level(level)
    seed = check_scalar("seed", seed, low=0, integer=True)
    per_draw = check_scalar("per_draw", per_draw, low=1, integer=True)
    curves = np.asarray(curves, dtype=float)
    if curves.ndim != 2 or curves.shape[0] == 0:
        raise ValueError(f"curves must have shape (K >= 1, m), got {curves.shape}")
    if residuals is None:
        return percentile_interval(curves, level)
    r = as_float_array("residuals", residuals).ravel()
    if r.size == 0:
        raise ValueError("residuals: need at least one")
    r = r - r.mean()
    rng = np.random.default_rng(seed)
    noise = np.exp(r[rng.integers(0, r.size, size=(curves.shape[0], per_draw))]).ravel()
    lo, hi = np.empty(curves.shape[1]), np.empty(curves.shape[1])
    for j in range(0, curves.shape[1], 256):  # bounded memory for many targets
        block = (curves[:, None, j:j + 256] * noise.reshape(curves.shape[0], per_draw, 1)).reshape(-1, curves[:, j:j + 256].shape[1])
        lo[j:j + 256], hi[j:j + 256] = percentile_interval(block, level)
    return lo, hi
