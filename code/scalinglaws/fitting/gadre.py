"""Gadre et al.'s (2024) over-training law, fitted to runs: Chinchilla's form with one shared exponent.

Gadre et al. write the loss of a model trained with ``M = D/N`` tokens per
parameter at compute ``C = 6ND`` as ``L(C, M) = E + (a M^eta + b M^-eta) C^-eta``.
Substituting ``N = (C/(6M))^(1/2)`` and ``D = (CM/6)^(1/2)`` shows it is
exactly

    L(N, D) = E + A_N / N^alpha + A_D / D^alpha,    alpha = 2 eta,

Chinchilla's form with ``beta = alpha``. One exponent instead of two is what
lets it extrapolate in ``M``: the over-trained runs (large ``M``) and the
compute-optimal ones share the slope. :func:`scalinglaws.overtraining.gadre_from_parametric`
maps the fitted law to Gadre's ``(C, M)`` variables.

The fit is Approach 3's (:func:`scalinglaws.fitting.fit_parametric`) with
``beta`` tied to ``alpha``: Hoffmann et al.'s Huber loss (delta = 1e-3) on
``log L``, L-BFGS-B with the analytic gradient from the best of the 900
points of Hoffmann's grid that have ``alpha = beta``. So a comparison of the
two forms on the same runs differs in the form only, not in the objective.
(Gadre et al. fit the raw loss by least squares from 128 starts; on their
runs below 1B parameters that fit extrapolates to the 1.4B and 6.9B runs
less well than this one.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalinglaws._validation import as_float_array, check_scalar, positive_columns
from scalinglaws.constants import ParametricLoss
from scalinglaws.fitting.parametric import HUBER_DELTA, _fast_fit, _log_predict, _one_blas_thread, _polish, expand
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["GadreFit", "fit_gadre", "PARAM_NAMES"]

PARAM_NAMES = ("E", "A", "B", "alpha")
_MAX_BOOTSTRAP_ROWS = 2000


@dataclass(frozen=True)
class GadreFit(ResampledFit):
    """Result of :func:`fit_gadre`: L = E + A/N^alpha + B/D^alpha (one exponent for both terms).

    ``A`` and ``B`` are the coefficients of the parameter and data terms
    (the book's $A_N$, $A_D$); ``residuals`` are ``log L - log L_hat`` per run.
    """

    E: float
    A: float
    B: float
    alpha: float
    objective: float
    n_points: int
    residuals: np.ndarray

    @property
    def law(self) -> ParametricLoss:
        """The fit as a :class:`~scalinglaws.constants.ParametricLoss` with ``beta = alpha``."""
        return ParametricLoss(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.alpha,
                              source=f"fit_gadre on {self.n_points} runs")

    @property
    def a(self) -> float:
        """Frontier exponent of N_opt ~ C^a: 1/2 for any shared exponent."""
        return 0.5

    @property
    def b(self) -> float:
        return 0.5

    @property
    def tokens_per_param(self) -> float:
        """The compute-optimal M = D_opt/N_opt, the same at every compute: (B/A)^(1/alpha)."""
        return (self.B / self.A) ** (1.0 / self.alpha)

    def predict(self, N, D):
        """Fitted loss (nats/token) at N parameters and D tokens."""
        N = as_float_array("N", N, positive=True)
        D = as_float_array("D", D, positive=True)
        out = self.E + self.A / N**self.alpha + self.B / D**self.alpha
        return out if out.ndim else float(out)

    def predict_interval(self, N, D, level: float = 0.95, new_run: bool = True):
        """Bootstrap band ``(lo, hi)`` of the loss at (N, D): for one new run (default) or for the law."""
        N, D = positive_columns(N=N, D=D)
        E, A, B, al = (self.bootstrap_params[:, i, None] for i in range(4))
        return self._band(E + A * N[None, :] ** -al + B * D[None, :] ** -al, level, new_run, "fit_gadre")

    def to_dict(self) -> dict:
        return {
            "form": "gadre: E + A / N**alpha + B / D**alpha (one exponent; Gadre et al.'s L(C, M))",
            "coefficients": {"E": self.E, "A": self.A, "B": self.B},
            "exponents": {"alpha": self.alpha, "a": self.a, "b": self.b},
            "tokens_per_param_opt": self.tokens_per_param,
            "objective": self.objective,
            "loss": f"huber(delta={HUBER_DELTA:g}) on log L, sum",
            "n_points": self.n_points,
            **self.interval_summary(),
        }


def _public(theta):
    a, b, e, al = theta
    return [math.exp(e), math.exp(a), math.exp(b), al]


def fit_gadre(N, D, L, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95, n_starts: int = 12,
              progress: bool = False) -> GadreFit:
    """Fit L = E + A/N^alpha + B/D^alpha (Gadre et al. 2024's over-training law) to runs.

    ``N`` parameters, ``D`` tokens, ``L`` loss (nats/token); at least 5 runs
    with 2 or more distinct N and D. ``bootstrap=K`` refits K resamples of
    the runs (pairs; beyond 8,000 runs, m-out-of-n subsamples of 2,000), each
    polished from the full-data optimum, for percentile intervals of E, A, B,
    alpha and the prediction intervals of :meth:`GadreFit.predict_interval`.
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    n_starts = check_scalar("n_starts", n_starts, low=1, high=900, integer=True)
    level = check_level(level)
    N, D, L = positive_columns(N=N, D=D, L=L)
    if N.size < 5:
        raise ValueError(f"N needs at least 5 runs to fit 4 coefficients, got {N.size}")
    if np.unique(N).size < 2 or np.unique(D).size < 2:
        raise ValueError("N and D must each take at least 2 distinct values")
    if np.ptp(L) == 0:
        raise ValueError("L is constant: there is no scaling to fit")
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    with _one_blas_thread():
        best, _ = _fast_fit(logN, logD, logL, HUBER_DELTA, 1.0, n_starts, tied=True)
        theta = best.x

        def refit(idx):
            return _public(_polish(theta, logN[idx], logD[idx], logL[idx], HUBER_DELTA, 1.0, tied=True).x)

        estimate = _public(theta)
        res = bootstrap_resamples(refit, N.size, PARAM_NAMES, resamples=bootstrap, seed=seed, level=level,
                                  estimate=estimate, max_rows=_MAX_BOOTSTRAP_ROWS, progress=progress) \
            if bootstrap else Resamples.empty(PARAM_NAMES, level)
    resid = logL - _log_predict(expand(theta), logN, logD)[0]
    resid.setflags(write=False)
    E, A, B, al = estimate
    return GadreFit(E=E, A=A, B=B, alpha=float(al), objective=float(best.fun), n_points=int(N.size),
                    residuals=resid, resamples=res)
