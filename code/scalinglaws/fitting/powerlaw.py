"""Fitting a power law ``y = E + A x^-alpha`` (with or without the floor ``E``) to data.

The law itself is :func:`scalinglaws.powerlaw.power_law`; this module finds
its coefficients, with squared or Huber loss on log residuals and bootstrap
intervals (:mod:`scalinglaws.fitting.resampling`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from scalinglaws._validation import as_float_array, check_in, check_same_length, check_scalar
from scalinglaws.constants import CHINCHILLA_HUBER_DELTA
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level, prediction_band, residual_bootstrap
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples
from scalinglaws.powerlaw import power_law

__all__ = ["PowerLawFit", "fit_power_law", "LOSSES", "DEFAULT_HUBER_DELTA", "PARAM_NAMES", "RESAMPLING",
           "MAX_BOOTSTRAP_ROWS"]

LOSSES = ("l2", "huber")
#: Default Huber threshold on log residuals, the value Hoffmann et al. (2022)
#: and Besiroglu et al. (2024) use for Chinchilla's Approach 3.
DEFAULT_HUBER_DELTA = CHINCHILLA_HUBER_DELTA
PARAM_NAMES = ("A", "alpha", "E")
#: Resampling schemes of :func:`fit_power_law` (see :mod:`scalinglaws.fitting.resampling`).
RESAMPLING = ("pairs", "residual")
#: Beyond four times this many points a bootstrap refit sees a subsample of this size (m-out-of-n).
MAX_BOOTSTRAP_ROWS = 2000


@dataclass(frozen=True, eq=False)
class PowerLawFit(ResampledFit):
    """Result of :func:`fit_power_law`: ``y = E + A x^-alpha``.

    Attributes
    ----------
    A, alpha, E:
        Point estimates (``E`` is exactly 0 when ``offset=False``).
    offset:
        Whether ``E`` was fitted.
    loss, huber_delta:
        The loss minimised on log residuals (``"l2"`` or ``"huber"``).
    objective:
        Its minimum: ``sum(r**2) / 2`` for ``"l2"``, ``sum(huber_delta(r))``
        for ``"huber"``, with ``r = log y - log y_hat`` (natural logs).
    r2:
        Coefficient of determination of ``log y``.
    residuals:
        ``log y - log y_hat`` at each data point.
    n_points:
        Number of data points.
    bootstrap_params:
        ``(K, 3)`` array of refitted ``(A, alpha, E)`` on the ``K`` resamples
        whose refit succeeded (empty with shape ``(0, 3)`` when ``bootstrap=0``).
    bootstrap_failed:
        Number of resamples whose refit failed (not in ``bootstrap_params``).
    level:
        Confidence level of :attr:`intervals` (default 0.95).
    intervals:
        ``{"A": (lo, hi), "alpha": ..., "E": ...}``: bootstrap percentile
        intervals at :attr:`level`; empty without bootstrap.
    """

    A: float
    alpha: float
    E: float
    offset: bool
    loss: str
    huber_delta: float
    objective: float
    r2: float
    residuals: np.ndarray
    n_points: int

    @property
    def params(self) -> dict:
        """``{"A": A, "alpha": alpha, "E": E}``."""
        return {"A": self.A, "alpha": self.alpha, "E": self.E}

    @property
    def n_params(self) -> int:
        """Number of fitted parameters: 3 with an offset, 2 without."""
        return 3 if self.offset else 2

    def predict(self, x):
        """Fitted law at ``x`` (positive)."""
        return power_law(x, self.A, self.alpha, self.E)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap interval of parameter ``name`` at ``level`` (the fit's interval method)."""
        check_in("name", name, PARAM_NAMES)
        self._need_bootstrap()
        return self.resamples.intervals(check_level(level))[name]

    def predict_interval(self, x, level: float = 0.95, new_run: bool = False):
        """Bootstrap percentile band ``(lo, hi)`` of the fitted law at ``x``.

        By default it is the uncertainty of the *law* (of the curve through
        the data); with ``new_run=True`` it is a prediction interval for one
        new measurement, the fit's residual scatter included.
        """
        self._need_bootstrap()
        level = check_level(level)
        x = as_float_array("x", x, positive=True)
        b = self.bootstrap_params
        with np.errstate(over="ignore"):
            curves = b[:, 2, None] + b[:, 0, None] * np.power.outer(x.ravel(), -b[:, 1]).T  # (K, len(x))
        curves = curves[np.all(np.isfinite(curves), axis=1)]
        lo, hi = prediction_band(curves, level, self.residuals if new_run else None)
        lo, hi = lo.reshape(x.shape), hi.reshape(x.shape)
        if x.ndim == 0:
            return float(lo), float(hi)
        return lo, hi

    def to_dict(self) -> dict:
        """JSON-serialisable summary: coefficients, exponents, intervals, objective, n_points."""
        return {
            "form": "E + A * x**(-alpha)" if self.offset else "A * x**(-alpha)",
            "coefficients": {"A": float(self.A), "E": float(self.E)},
            "exponents": {"alpha": float(self.alpha)},
            **self.interval_summary(),
            "loss": self.loss,
            "huber_delta": float(self.huber_delta),
            "objective": float(self.objective),
            "r2": float(self.r2),
            "n_points": int(self.n_points),
        }

    def _need_bootstrap(self) -> None:
        if self.bootstrap_params.shape[0] == 0:
            raise ValueError("bootstrap must be > 0 in fit_power_law to get intervals")


def _validate_xy(x, y, n_params: int) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array("x", x, positive=True).ravel()
    y = as_float_array("y", y, positive=True).ravel()
    n = check_same_length(x=x, y=y)
    if n < n_params:
        raise ValueError(f"x and y need at least {n_params} points to fit {n_params} parameters, got {n}")
    if np.unique(x).size < 2:
        raise ValueError("x must hold at least 2 distinct values")
    if np.ptp(y) == 0:
        raise ValueError("y is constant: a power law has no exponent to find")
    return x, y


def _objective(r: np.ndarray, loss: str, delta: float) -> float:
    if loss == "l2":
        return float(0.5 * np.sum(r**2))
    a = np.abs(r)
    return float(np.sum(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))))


# --- without offset: log y = a - alpha (log x - c) --------------------------


def _fit_no_offset(lx: np.ndarray, ly: np.ndarray, loss: str, delta: float) -> np.ndarray:
    """Return internal parameters (a, alpha) for centred log x."""
    if np.ptp(lx) == 0:  # a resample may hold one distinct x only
        return np.array([np.nan, np.nan])
    reg = stats.linregress(lx, ly)
    p0 = np.array([reg.intercept, -reg.slope])
    if loss == "l2":
        return p0

    def resid(p):
        return ly - (p[0] - p[1] * lx)

    def jac(p):
        return np.column_stack([-np.ones_like(lx), lx])

    sol = optimize.least_squares(resid, p0, jac=jac, loss="huber", f_scale=delta, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    return sol.x


# --- with offset: log y = logaddexp(a - alpha (log x - c), e) ---------------


def _offset_resid(p, lx, ly):
    return ly - np.logaddexp(p[0] - p[1] * lx, p[2])


def _offset_jac(p, lx, ly):
    u = p[0] - p[1] * lx
    w = special.expit(u - p[2])  # share of the reducible term in y_hat
    return np.column_stack([-w, w * lx, -(1.0 - w)])


def _offset_starts(lx: np.ndarray, ly: np.ndarray) -> list[np.ndarray]:
    y = np.exp(ly)
    ymin = y.min()
    starts = []
    for alpha0 in (0.05, 0.2, 0.5, 1.0, 2.0):
        for frac in (1e-3, 0.5, 0.9, 0.99):
            E0 = frac * ymin
            a0 = np.median(np.log(y - E0) + alpha0 * lx)
            starts.append(np.array([a0, alpha0, np.log(E0)]))
    return starts


def _fit_offset(lx, ly, loss, delta, starts) -> np.ndarray:
    best, best_cost = None, np.inf
    kwargs = dict(jac=_offset_jac, args=(lx, ly), xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
    if loss == "huber":
        kwargs.update(loss="huber", f_scale=delta)
    for p0 in starts:
        try:
            sol = optimize.least_squares(_offset_resid, p0, **kwargs)
        except (ValueError, FloatingPointError):  # pragma: no cover - a start outside the domain
            continue
        if np.all(np.isfinite(sol.x)) and sol.cost < best_cost:
            best, best_cost = sol.x, sol.cost
    if best is None:  # pragma: no cover - every start failed
        return np.array([np.nan, np.nan, np.nan])
    return best


def _log_scale_errors(p, lx, ly, offset, c):
    """Standard errors of (log A, alpha, log E) from the Gauss-Newton covariance at internal parameters ``p``.

    ``sigma^2 (J^T J)^-1`` with ``sigma^2 = sum r^2 / (n - k)``; log A = a + alpha c
    picks up alpha's variance through the centring. Without an offset the
    third entry is a placeholder 1 (E is exactly 0). Raises ``LinAlgError``
    for a singular Jacobian (a resample with too few distinct x), which the
    bootstrap counts as a failed refit.
    """
    if offset:
        J = _offset_jac(p, lx, ly)
        r = _offset_resid(p, lx, ly)
    else:
        J = np.column_stack([-np.ones_like(lx), lx])
        r = ly - (p[0] - p[1] * lx)
    k = J.shape[1]
    if lx.size <= k:
        raise np.linalg.LinAlgError("no degrees of freedom left for a standard error")
    cov = np.linalg.inv(J.T @ J) * float(r @ r) / (lx.size - k)
    var_logA = cov[0, 0] + c * c * cov[1, 1] + 2 * c * cov[0, 1]
    se = np.sqrt([var_logA, cov[1, 1], cov[2, 2] if offset else 1.0])
    if not np.all(np.isfinite(se)):
        raise FloatingPointError("non-finite standard error")
    return se


def _to_public(p: np.ndarray, offset: bool, c: float) -> np.ndarray:
    """Internal (a, alpha[, e]) with log x centred at c -> public (A, alpha, E)."""
    # A wildly resampled bootstrap fit can overflow to inf; the caller drops such draws.
    with np.errstate(over="ignore"):
        A = np.exp(p[0] + p[1] * c)
        E = np.exp(p[2]) if offset else 0.0
    return np.array([A, p[1], E])


def fit_power_law(x, y, offset: bool = True, loss: str = "l2", huber_delta: float = DEFAULT_HUBER_DELTA,
                  bootstrap: int = 0, seed: int = 0, level: float = 0.95, progress: bool = False,
                  resampling: str = "pairs") -> PowerLawFit:
    """Fit ``y = E + A x^-alpha`` (``offset=True``) or ``y = A x^-alpha`` to positive data.

    The fit minimises a loss of the log residuals ``log y - log y_hat``, so
    that every point counts in relative terms whatever its size.

    * ``offset=False``: ordinary least squares of ``log y`` on ``log x``
      (``scipy.stats.linregress``), or a Huber fit started from it.
    * ``offset=True``: ``log y_hat = logaddexp(log A - alpha log x, log E)``,
      fitted with ``scipy.optimize.least_squares`` from a grid of 20 starts
      (exponents 0.05-2, floors 0.1%-99% of ``min(y)``), keeping the best.
      ``E > 0`` by construction.

    Parameters
    ----------
    x, y:
        Positive, finite, equally long 1-D data.
    offset:
        Fit the irreducible term ``E``.
    loss:
        ``"l2"`` (squared error) or ``"huber"`` (quadratic below
        ``huber_delta``, linear above, Huber 1964), on log residuals.
    huber_delta:
        Huber threshold (log units); default 1e-3 as in Hoffmann et al. (2022).
    bootstrap:
        Number ``K`` of resamples to refit; 0 for none. Gives
        :attr:`PowerLawFit.intervals` and :meth:`PowerLawFit.predict_interval`.
    resampling:
        ``"pairs"`` (points drawn with replacement, Efron 1979; studentized
        intervals, which stay calibrated with a dozen points where
        percentile ones are too narrow) or ``"residual"`` (x kept, log
        residuals resampled, percentile intervals; see
        :func:`~scalinglaws.fitting.resampling.residual_bootstrap`). Beyond
        8,000 points a pairs refit sees 2,000 of them (m-out-of-n, rescaled,
        percentile).
    seed:
        Seed of the resampling.
    level:
        Confidence level of the stored intervals.
    progress:
        Show a tqdm progress bar over bootstrap refits.
    """
    offset = bool(offset)
    check_in("loss", loss, LOSSES)
    check_in("resampling", resampling, RESAMPLING)
    huber_delta = check_scalar("huber_delta", huber_delta, low=0.0, low_inclusive=False)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    n_params = 3 if offset else 2
    x, y = _validate_xy(x, y, n_params)

    lx_raw, ly = np.log(x), np.log(y)
    c = float(lx_raw.mean())
    lx = lx_raw - c  # centring decouples log A from alpha

    if offset:
        p = _fit_offset(lx, ly, loss, huber_delta, _offset_starts(lx, ly))
        resid = _offset_resid(p, lx, ly)
    else:
        p = _fit_no_offset(lx, ly, loss, huber_delta)
        resid = ly - (p[0] - p[1] * lx)
    A, alpha, E = _to_public(p, offset, c)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot

    def refit_on(lxr, lyr):
        if offset:
            # Start from the full-data optimum and two grid points: cheap and robust.
            q = _fit_offset(lxr, lyr, loss, huber_delta, [p, *_offset_starts(lxr, lyr)[5::7]])
        else:
            q = _fit_no_offset(lxr, lyr, loss, huber_delta)
        return _to_public(q, offset, c)

    estimate = [A, alpha, E]
    if not bootstrap:
        res = Resamples.empty(PARAM_NAMES, level)
    elif resampling == "residual":
        res = residual_bootstrap(lambda ystar: refit_on(lx, np.log(ystar)), np.exp(ly - resid), resid, PARAM_NAMES,
                                 resamples=bootstrap, estimate=estimate, n_params=n_params, seed=seed, level=level,
                                 method="percentile", progress=progress)
    else:
        se_hat = _log_scale_errors(p, lx, ly, offset, c)

        def refit_studentized(idx):
            q = refit_on(lx[idx], ly[idx])
            internal = np.array([np.log(q[0]) - q[1] * c, q[1], np.log(q[2]) if offset else 0.0])
            return np.concatenate([q, _log_scale_errors(internal, lx[idx], ly[idx], offset, c)])

        res = bootstrap_resamples(refit_studentized, x.size, PARAM_NAMES, resamples=bootstrap, seed=seed,
                                  level=level, estimate=estimate, max_rows=MAX_BOOTSTRAP_ROWS, progress=progress,
                                  method="studentized", estimate_se=se_hat, log=("A", "E") if offset else ("A",))
    resid.setflags(write=False)
    return PowerLawFit(
        A=float(A), alpha=float(alpha), E=float(E), offset=offset, loss=loss, huber_delta=huber_delta,
        objective=_objective(resid, loss, huber_delta), r2=r2, residuals=resid, n_points=int(x.size),
        resamples=res,
    )
