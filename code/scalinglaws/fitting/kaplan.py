"""Fitting Kaplan et al.'s (2020) laws to runs: the joint law L(N, D) (Eq. 1.5) and one learning
curve L(S) = L_inf + (S_c/S)^alpha_S (Section 5). The laws themselves are :mod:`scalinglaws.kaplan`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize
from scipy.optimize import curve_fit

from scalinglaws._validation import as_float_array, check_same_length, check_scalar, positive_columns, scalar_or_array
from scalinglaws.constants import KAPLAN_LND
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["KaplanFit", "fit_kaplan_nd", "LearningCurveFit", "fit_learning_curve"]


@dataclass(frozen=True)
class KaplanFit(ResampledFit):
    """L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D fitted by least squares on log L.

    ``a`` and ``b`` are the exponents of N_opt ~ C^a, D_opt ~ C^b implied by
    minimising this law at fixed C = 6ND: a = alpha_D/(alpha_N + alpha_D).
    """

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float
    objective: float
    n_points: int
    residuals: np.ndarray | None = None  # log L - log L_hat per run

    @property
    def a(self) -> float:
        return self.alpha_D / (self.alpha_N + self.alpha_D)

    @property
    def b(self) -> float:
        return self.alpha_N / (self.alpha_N + self.alpha_D)

    def predict(self, N, D):
        """Fitted loss at N parameters and D tokens."""
        N = as_float_array("N", N, positive=True)
        D = as_float_array("D", D, positive=True)
        out = np.exp(_kaplan_log_loss(self._theta(), np.log(N), np.log(D)))
        return out if out.ndim else float(out)

    def predict_interval(self, N, D, level: float = 0.95, new_run: bool = True):
        """Bootstrap band ``(lo, hi)`` of the loss at (N, D): for one new run (default) or for the law."""
        N, D = positive_columns(N=N, D=D)
        b = self.bootstrap_params
        theta = np.column_stack([np.log(b[:, 0]), np.log(b[:, 1]), b[:, 2], b[:, 3]]) if b.size else np.empty((0, 4))
        curves = np.exp(_kaplan_log_loss(theta.T[:, :, None], np.log(N)[None, :], np.log(D)[None, :]))
        return self._band(curves, level, new_run, "fit_kaplan_nd")

    def _theta(self):
        return np.array([math.log(self.N_c), math.log(self.D_c), self.alpha_N, self.alpha_D])

    def to_dict(self) -> dict:
        return {
            "form": "kaplan: ((N_c/N)**(alpha_N/alpha_D) + D_c/D)**alpha_D",
            "coefficients": {"N_c": self.N_c, "D_c": self.D_c, "alpha_N": self.alpha_N, "alpha_D": self.alpha_D},
            "exponents": {"a": self.a, "b": self.b},
            "objective": self.objective,
            "loss": "0.5 * sum of squared log-loss residuals",
            "n_points": self.n_points,
            **self.interval_summary(),
        }


def _kaplan_log_loss(theta, logN, logD):
    """log L = alpha_D * log(exp((alpha_N/alpha_D)(log N_c - log N)) + exp(log D_c - log D))."""
    lNc, lDc, aN, aD = theta
    return aD * np.logaddexp((aN / aD) * (lNc - logN), lDc - logD)


def _kaplan_fit_once(logN, logD, logL, starts):
    best = None
    for s in starts:
        res = optimize.least_squares(lambda t: _kaplan_log_loss(t, logN, logD) - logL, s,
                                     bounds=([-np.inf, -np.inf, 1e-4, 1e-4], [np.inf, np.inf, 5.0, 5.0]),
                                     method="trf", x_scale="jac")
        if best is None or res.cost < best.cost:
            best = res
    return best


def fit_kaplan_nd(N, D, L, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95) -> KaplanFit:
    """Fit Kaplan et al.'s Eq. 1.5 to runs (N parameters, D tokens, L nats/token).

    ``scipy.optimize.least_squares`` on log-loss residuals from a small grid of
    starts (including Kaplan's Table 2 values); bootstrap percentile intervals
    for alpha_N, alpha_D, a, b (and N_c, D_c) with ``bootstrap=K`` resamples.
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    N, D, L = positive_columns(N=N, D=D, L=L)
    if N.size < 5:
        raise ValueError(f"N needs at least 5 runs, got {N.size}")
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    p = KAPLAN_LND
    starts = [np.array([math.log(p.N_c), math.log(p.D_c), p.alpha_N, p.alpha_D])]
    starts += [np.array([lnc, lnd, an, ad]) for lnc in (20.0, 35.0) for lnd in (20.0, 35.0)
               for an in (0.1, 0.4) for ad in (0.1, 0.4)]
    best = _kaplan_fit_once(logN, logD, logL, starts)
    names = ("N_c", "D_c", "alpha_N", "alpha_D", "a", "b")

    def refit(idx):
        lNc, lDc, aN, aD = _kaplan_fit_once(logN[idx], logD[idx], logL[idx], [best.x]).x
        return [math.exp(lNc), math.exp(lDc), aN, aD, aD / (aN + aD), aN / (aN + aD)]

    lNc, lDc, aN, aD = best.x
    estimate = [math.exp(lNc), math.exp(lDc), aN, aD, aD / (aN + aD), aN / (aN + aD)]
    res = bootstrap_resamples(refit, N.size, names, resamples=bootstrap, seed=seed, level=level, estimate=estimate,
                              max_rows=2000) if bootstrap else Resamples.empty(names, level)
    resid = logL - _kaplan_log_loss(best.x, logN, logD)
    resid.setflags(write=False)
    return KaplanFit(N_c=math.exp(lNc), D_c=math.exp(lDc), alpha_N=float(aN), alpha_D=float(aD),
                     objective=float(best.cost), n_points=int(N.size), resamples=res, residuals=resid)


class LearningCurveFit(NamedTuple):
    """Fit of L(S) = L_inf + (S_c/S)^alpha_S to one learning curve."""

    L_inf: float  # nats/token, the converged loss (N_c/N)^alpha_N
    S_c: float  # steps
    alpha_S: float
    n_points: int

    def predict(self, S):
        """Loss (nats/token) predicted at ``S`` steps."""
        S = as_float_array("S", S, positive=True)
        return scalar_or_array(self.L_inf + (self.S_c / S) ** self.alpha_S)


def fit_learning_curve(S, L, alpha_S=None) -> LearningCurveFit:
    """Fit L(S) = L_inf + (S_c/S)^alpha_S to (steps ``S``, loss ``L`` nats/token) by least squares in log L.

    ``alpha_S`` fixes the exponent (e.g. Kaplan's universal 0.76) and fits only
    L_inf and S_c; ``None`` fits all three. Uses ``scipy.optimize.curve_fit``.
    """
    S = as_float_array("S", S, positive=True, min_size=3)
    L = as_float_array("L", L, positive=True, min_size=3)
    if S.ndim != 1 or L.ndim != 1:
        raise ValueError("S and L must be one-dimensional")
    check_same_length(S=S, L=L)
    if alpha_S is not None:
        alpha_S = check_scalar("alpha_S", alpha_S, low=0.0, low_inclusive=False)

    def model(s, L_inf, log_S_c, a):
        return np.log(L_inf + np.exp(a * (log_S_c - np.log(s))))

    L_inf0 = 0.9 * float(L.min())
    S_c0 = float(np.exp(np.median(np.log(S))))
    if alpha_S is None:
        f, p0, bounds = model, [L_inf0, np.log(S_c0), 0.7], ([1e-6, -20.0, 0.01], [float(L.min()), 50.0, 5.0])
    else:
        f = lambda s, L_inf, log_S_c: model(s, L_inf, log_S_c, alpha_S)  # noqa: E731
        p0, bounds = [L_inf0, np.log(S_c0)], ([1e-6, -20.0], [float(L.min()), 50.0])
    popt, _ = curve_fit(f, S, np.log(L), p0=p0, bounds=bounds, maxfev=20000)
    a = float(popt[2]) if alpha_S is None else alpha_S
    return LearningCurveFit(float(popt[0]), float(np.exp(popt[1])), a, int(S.size))
