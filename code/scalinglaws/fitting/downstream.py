"""Downstream metrics against loss and compute: Gadre et al.'s loss-to-error law and a sigmoid in log compute.

* :func:`fit_loss_to_error`: Err(L) = epsilon - kappa exp(-gamma L)
  (:func:`scalinglaws.abilities.error_from_loss`), fitted by least squares
  with ``scipy.optimize.curve_fit`` from the start Gadre et al.'s code uses
  (all ones), as their notebook does;
* :func:`fit_sigmoid_accuracy`: accuracy = chance + (ceiling - chance)
  sigmoid(slope (log10 C - midpoint))
  (:func:`scalinglaws.abilities.sigmoid_accuracy`), chance fixed, the other
  three fitted with bounds.

Both return the fitted coefficients, the residuals and, with ``bootstrap``,
percentile intervals from resampling the models
(:func:`scalinglaws.fitting.resampling.bootstrap`; failed refits counted).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from scalinglaws._validation import as_float_array, check_same_length, check_scalar
from scalinglaws.abilities import error_from_loss, sigmoid_accuracy
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["LossErrorFit", "fit_loss_to_error", "SigmoidFit", "fit_sigmoid_accuracy"]


def _r2(y, resid) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum(resid**2)) / total if total > 0 else float("nan")


class _Residuals:
    """The root-mean-square of a fit's ``residuals`` (measured - fitted), shared by the fits below."""

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean(self.residuals**2)))


@dataclass(frozen=True)
class LossErrorFit(_Residuals, ResampledFit):
    """Err(L) = epsilon - kappa exp(-gamma L) fitted to (loss, error) pairs."""

    epsilon: float
    kappa: float
    gamma: float
    L: np.ndarray
    err: np.ndarray
    residuals: np.ndarray  # measured - fitted

    def predict(self, L):
        """The fitted error at loss ``L``."""
        return error_from_loss(L, self.epsilon, self.kappa, self.gamma)

    def to_dict(self) -> dict:
        return {"epsilon": self.epsilon, "kappa": self.kappa, "gamma": self.gamma, "n_points": int(self.L.size),
                "rmse": self.rmse, **self.interval_summary()}


def _loss_error_params(L, err):
    def f(x, kappa, gamma, epsilon):
        return epsilon - kappa * np.exp(-gamma * x)

    try:
        with warnings.catch_warnings():
            # a handful of points leaves the covariance undefined; it is not used
            warnings.simplefilter("ignore", OptimizeWarning)
            p, _ = curve_fit(f, L, err, p0=(1.0, 1.0, 1.0), maxfev=10000)
    except RuntimeError as exc:
        raise ValueError(f"err: the loss-to-error law did not converge ({exc})") from None
    kappa, gamma, epsilon = (float(v) for v in p)
    if not (kappa > 0 and gamma > 0):
        raise ValueError(f"err: the fitted error does not fall with the loss (kappa={kappa:.3g}, gamma={gamma:.3g})")
    return epsilon, kappa, gamma


def fit_loss_to_error(L, err, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95) -> LossErrorFit:
    """Gadre et al.'s (2024) law of average top-1 error against loss, Err(L) = epsilon - kappa exp(-gamma L).

    ``L`` in nats/token, ``err`` a fraction. Least squares on the raw error
    from the start (1, 1, 1), as the authors' ``fit_ds`` does. ``bootstrap``
    resamples the (L, err) pairs with replacement and refits.
    """
    L = as_float_array("L", L, positive=True).ravel()
    err = as_float_array("err", err).ravel()
    check_same_length(L=L, err=err)
    if L.size < 4:
        raise ValueError(f"L: need at least 4 (loss, error) pairs to fit 3 coefficients, got {L.size}")
    if np.unique(L).size < 3:
        raise ValueError("L: need at least 3 distinct losses")
    bootstrap_n = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    level = check_level(level)
    epsilon, kappa, gamma = _loss_error_params(L, err)
    resid = err - error_from_loss(L, epsilon, kappa, gamma)
    names = ("epsilon", "kappa", "gamma")
    res = (bootstrap_resamples(lambda idx: _loss_error_params(L[idx], err[idx]), L.size, names, resamples=bootstrap_n,
                     seed=seed, level=level) if bootstrap_n else Resamples.empty(names, level))
    return LossErrorFit(epsilon, kappa, gamma, L, err, np.asarray(resid, float), resamples=res)


@dataclass(frozen=True)
class SigmoidFit(_Residuals, ResampledFit):
    """accuracy = chance + (ceiling - chance) sigmoid(slope (log10 C - midpoint)) fitted to (C, accuracy)."""

    chance: float
    ceiling: float
    slope: float
    midpoint: float
    C: np.ndarray
    acc: np.ndarray
    residuals: np.ndarray  # measured - fitted

    @property
    def r2(self) -> float:
        return _r2(self.acc, self.residuals)

    def predict(self, C):
        """The fitted accuracy at ``C`` FLOPs."""
        return sigmoid_accuracy(C, self.chance, self.ceiling, self.slope, self.midpoint)

    def to_dict(self) -> dict:
        return {"chance": self.chance, "ceiling": self.ceiling, "slope": self.slope, "midpoint": self.midpoint,
                "n_points": int(self.C.size), "rmse": self.rmse, "r2": self.r2, **self.interval_summary()}


#: Bounds of (slope, midpoint) in the sigmoid fit: a slope up to 20 e-folds per decade, a midpoint within
#: 5 decades of the data.
SLOPE_MAX = 20.0


def _sigmoid_params(x, y, chance):
    def f(x_, ceiling, slope, midpoint):
        return chance + (ceiling - chance) * (1.0 / (1.0 + np.exp(-slope * (x_ - midpoint))))

    start = (min(1.0, max(chance + 1e-3, float(y.max()) + 0.05)), 1.0, float(np.median(x)))
    bounds = ([chance, 0.0, float(x.min()) - 5.0], [1.0, SLOPE_MAX, float(x.max()) + 5.0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            p, _ = curve_fit(f, x, y, p0=start, bounds=bounds, maxfev=20000)
    except RuntimeError as exc:
        raise ValueError(f"acc: the sigmoid did not converge ({exc})") from None
    return tuple(float(v) for v in p)


def fit_sigmoid_accuracy(C, acc, chance: float, *, bootstrap: int = 0, seed: int = 0,
                         level: float = 0.95) -> SigmoidFit:
    """A benchmark's accuracy as a sigmoid in log10 compute, rising from ``chance`` (fixed) to a fitted ceiling.

    ``C`` in FLOPs, ``acc`` fractions. Bounded least squares
    (``curve_fit``, trust-region reflective): ceiling in [chance, 1], slope in
    [0, :data:`SLOPE_MAX`], midpoint within five decades of the data.
    ``bootstrap`` resamples the models with replacement and refits.
    """
    C = as_float_array("C", C, positive=True).ravel()
    acc = as_float_array("acc", acc).ravel()
    check_same_length(C=C, acc=acc)
    chance = check_scalar("chance", chance, low=0, high=1, high_inclusive=False)
    if np.any((acc < 0) | (acc > 1)):
        raise ValueError("acc must be fractions in [0, 1]")
    if C.size < 4:
        raise ValueError(f"C: need at least 4 models to fit 3 coefficients, got {C.size}")
    x = np.log10(C)
    if np.unique(x).size < 3:
        raise ValueError("C: need at least 3 distinct compute values")
    bootstrap_n = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    level = check_level(level)
    ceiling, slope, midpoint = _sigmoid_params(x, acc, chance)
    resid = acc - sigmoid_accuracy(C, chance, ceiling, slope, midpoint)
    names = ("ceiling", "slope", "midpoint")
    res = (bootstrap_resamples(lambda idx: _sigmoid_params(x[idx], acc[idx], chance), C.size, names, resamples=bootstrap_n,
                     seed=seed, level=level) if bootstrap_n else Resamples.empty(names, level))
    return SigmoidFit(chance, ceiling, slope, midpoint, C, acc, np.asarray(resid, float), resamples=res)
