"""Approach 3 (Hoffmann et al. 2022, Eq. 3): fit L(N, D) = E + A/N^alpha + B/D^beta to runs.

The objective is Hoffmann's Huber loss on log-loss residuals, summed as in
Epoch AI's replication (Besiroglu et al. 2024); L-BFGS-B with the analytic
gradient; a smart multi-start over Hoffmann's 4500-point grid; bootstrap
intervals from :mod:`scalinglaws.fitting.resampling`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from scalinglaws._validation import as_float_array, check_in, check_scalar, positive_columns
from scalinglaws.chinchilla import loss
from scalinglaws.constants import ParametricLoss
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level, residual_bootstrap
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["HOFFMANN_GRID", "HUBER_DELTA", "hoffmann_grid", "huber_objective", "ParametricFit", "fit_parametric",
           "fit_parametric_grid", "fit_from_start"]

#: Hoffmann et al.'s initialisation grid (App. D.2), order (a, b, e, alpha, beta): 6*6*5*5*5 = 4500 starts.
HOFFMANN_GRID = {
    "a": np.arange(0.0, 25.0 + 1e-9, 5.0),
    "b": np.arange(0.0, 25.0 + 1e-9, 5.0),
    "e": np.arange(-1.0, 1.0 + 1e-9, 0.5),
    "alpha": np.arange(0.0, 2.0 + 1e-9, 0.5),
    "beta": np.arange(0.0, 2.0 + 1e-9, 0.5),
}
HUBER_DELTA = 1e-3
_PARAM_NAMES = ("E", "A", "B", "alpha", "beta")


def hoffmann_grid() -> np.ndarray:
    """The 4500 starting points (a, b, e, alpha, beta) of Hoffmann et al. App. D.2 as a (4500, 5) array."""
    g = HOFFMANN_GRID
    mesh = np.meshgrid(g["a"], g["b"], g["e"], g["alpha"], g["beta"], indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _log_predict(theta, logN, logD):
    """log L_hat = LSE(a - alpha log N, b - beta log D, e) and the softmax weights; theta may be (..., 5)."""
    theta = np.asarray(theta, dtype=float)
    a, b, e, al, be = (theta[..., i, None] for i in range(5))
    t = np.stack(np.broadcast_arrays(a - al * logN, b - be * logD, e + 0.0 * logN), axis=-1)
    m = t.max(axis=-1, keepdims=True)
    ex = np.exp(t - m)
    s = ex.sum(axis=-1, keepdims=True)
    return (m + np.log(s))[..., 0], ex / s


def _huber(r, delta):
    ar = np.abs(r)
    return np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta))


def huber_objective(theta, N, D, L, delta: float = HUBER_DELTA, reduction: str = "sum"):
    """Hoffmann's objective: sum (or mean) of Huber_delta(log L_hat - log L) over the runs.

    ``theta`` = (a, b, e, alpha, beta) with A, B, E = exp(a), exp(b), exp(e).
    ``reduction="sum"`` is Epoch's choice; ``"mean"`` is Hoffmann's, whose tiny
    scale makes L-BFGS stop early.
    """
    check_in("reduction", reduction, ("sum", "mean"))
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    N, D, L = _check_runs(N, D, L, min_points=1)
    theta = as_float_array("theta", theta)
    if theta.shape[-1:] != (5,):
        raise ValueError(f"theta must have 5 entries (a, b, e, alpha, beta), got shape {theta.shape}")
    pred, _ = _log_predict(theta, np.log(N), np.log(D))
    h = _huber(pred - np.log(L), delta)
    out = h.sum(axis=-1) if reduction == "sum" else h.mean(axis=-1)
    return out if np.ndim(out) else float(out)


def _value_and_grad(theta, logN, logD, logL, delta, scale):
    """Objective and analytic gradient for one theta (the hot loop of every fit)."""
    a, b, e, al, be = theta
    t1 = a - al * logN
    t2 = b - be * logD
    m = np.maximum(np.maximum(t1, t2), e)
    x1 = np.exp(t1 - m)
    x2 = np.exp(t2 - m)
    x3 = np.exp(e - m)
    s = x1 + x2 + x3
    r = m + np.log(s) - logL
    ar = np.abs(r)
    f = scale * float(np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta)).sum())
    psi = np.clip(r, -delta, delta) / s
    p1 = psi * x1
    p2 = psi * x2
    g = scale * np.array([p1.sum(), p2.sum(), (psi * x3).sum(), -(p1 @ logN), -(p2 @ logD)])
    return f, g


def _check_runs(N, D, L, min_points):
    N, D, L = positive_columns(N=N, D=D, L=L)
    if N.size < min_points:
        raise ValueError(f"N needs at least {min_points} runs, got {N.size}")
    return N, D, L


def _one_blas_thread():
    """Limit BLAS to one thread while fitting (restored afterwards).

    L-BFGS-B on a 5-parameter problem calls tiny BLAS routines; on a busy
    machine the thread hand-offs make each call milliseconds instead of
    microseconds (a 5x slowdown measured here).
    """
    return threadpool_limits(limits=1, user_api="blas")


def _tied_value_and_grad(theta, logN, logD, logL, delta, scale):
    """The objective with beta = alpha: theta = (a, b, e, alpha); the shared exponent gets both gradients."""
    f, g = _value_and_grad(np.append(theta, theta[3]), logN, logD, logL, delta, scale)
    return f, np.array([g[0], g[1], g[2], g[3] + g[4]])


def expand(theta) -> np.ndarray:
    """A tied (a, b, e, alpha) as the full (a, b, e, alpha, beta = alpha); a full theta is returned as is."""
    theta = np.asarray(theta, dtype=float)
    return np.append(theta, theta[3]) if theta.size == 4 else theta


def _lbfgsb(theta0, logN, logD, logL, delta, scale, tight=True, analytic=True, tied=False):
    if tied:
        analytic = True
        fun = lambda t: _tied_value_and_grad(t, logN, logD, logL, delta, scale)  # noqa: E731
    elif analytic:
        fun = lambda t: _value_and_grad(t, logN, logD, logL, delta, scale)  # noqa: E731
    else:
        fun = lambda t: scale * float(_huber(_log_predict(t, logN, logD)[0] - logL, delta).sum())  # noqa: E731
    options = {"maxiter": 20_000, "maxfun": 40_000, "ftol": 1e-15, "gtol": 1e-13, "maxcor": 20} if tight else {}
    return optimize.minimize(fun, np.asarray(theta0, float), jac=analytic, method="L-BFGS-B", options=options)


@dataclass(frozen=True)
class ParametricFit(ResampledFit):
    """Result of :func:`fit_parametric`: L = E + A/N^alpha + B/D^beta fitted by Huber on log-loss.

    ``a`` and ``b`` are the exponents of N_opt ~ C^a, D_opt ~ C^b implied by the
    fit (a = beta/(alpha+beta)). ``intervals`` holds bootstrap percentile
    intervals at ``level`` for E, A, B, alpha, beta, a, b (empty without bootstrap).
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    n_points: int
    n_starts: int
    delta: float
    reduction: str
    converged: bool
    residuals: np.ndarray | None = None  # log L - log L_hat per run

    @property
    def a(self) -> float:
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def theta(self) -> np.ndarray:
        """(a, b, e, alpha, beta) = (log A, log B, log E, alpha, beta)."""
        return np.array([np.log(self.A), np.log(self.B), np.log(self.E), self.alpha, self.beta])

    @property
    def law(self) -> ParametricLoss:
        """The fitted coefficients as a :class:`~scalinglaws.constants.ParametricLoss` (for
        :func:`scalinglaws.chinchilla.loss` and the frontier)."""
        return ParametricLoss(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                              source=f"fit_parametric on {self.n_points} runs")

    def predict(self, N, D):
        """Fitted loss (nats/token) at N parameters and D tokens."""
        return loss(N, D, self.law)

    def predict_interval(self, N, D, level: float = 0.95, new_run: bool = True):
        """Bootstrap band ``(lo, hi)`` of the loss at (N, D): for one new run (default) or for the law."""
        N, D = positive_columns(N=N, D=D)
        E, A, B, al, be = (self.bootstrap_params[:, i, None] for i in range(5))
        return self._band(E + A * N[None, :] ** -al + B * D[None, :] ** -be, level, new_run, "fit_parametric")

    def to_dict(self) -> dict:
        """JSON-serialisable summary."""
        return {
            "form": "chinchilla: E + A / N**alpha + B / D**beta",
            "coefficients": {"E": self.E, "A": self.A, "B": self.B, "alpha": self.alpha, "beta": self.beta},
            "exponents": {"a": self.a, "b": self.b},
            "objective": self.objective,
            "loss": f"huber(delta={self.delta:g}) on log L, {self.reduction}",
            "n_points": self.n_points,
            "n_starts": self.n_starts,
            "converged": self.converged,
            **self.interval_summary(),
        }


def _make_fit(theta, f, n, n_starts, delta, reduction, converged, res: Resamples | None = None, logs=None):
    a, b, e, al, be = (float(v) for v in theta)
    res = res or Resamples.empty(_PARAM_NAMES + ("a", "b"))
    resid = None
    if logs is not None:
        logN, logD, logL = logs
        resid = logL - _log_predict(theta, logN, logD)[0]
        resid.setflags(write=False)
    return ParametricFit(E=math.exp(e), A=math.exp(a), B=math.exp(b), alpha=al, beta=be, objective=float(f),
                         n_points=int(n), n_starts=int(n_starts), delta=float(delta), reduction=reduction,
                         converged=bool(converged), resamples=res, residuals=resid)


#: Rows above which the multi-start runs on an evenly spread subset and only the winner sees every row.
SCREEN_ROWS = 2000
#: Floats one screening chunk may hold (its temporaries stay near 40 MB whatever the number of rows).
_SCREEN_FLOATS = 1_000_000


def _screen(grid, logN, logD, logL, delta, k):
    """Objective at every grid point (vectorised, in chunks of bounded memory); return the k best starts.

    A grid of 4-vectors (a, b, e, alpha) is screened with beta = alpha.
    """
    values = np.empty(len(grid))
    step = max(1, _SCREEN_FLOATS // (3 * logN.size))
    full = grid if grid.shape[1] == 5 else np.column_stack([grid, grid[:, 3]])
    for i in range(0, len(grid), step):
        pred, _ = _log_predict(full[i:i + step], logN, logD)
        values[i:i + step] = _huber(pred - logL, delta).sum(axis=-1)
    order = np.argsort(values, kind="stable")
    return grid[order[:k]]


def _polish(theta, logN, logD, logL, delta, scale, best=None, tied=False):
    """Tight L-BFGS-B from ``theta`` until the objective stops moving (at most 5 restarts)."""
    for _ in range(5):
        res = _lbfgsb(theta if best is None else best.x, logN, logD, logL, delta, scale, tight=True, tied=tied)
        improved = best is None or res.fun < best.fun - 1e-13 * max(1.0, abs(best.fun))
        if best is None or res.fun <= best.fun:
            best = res
        if not improved:
            break
    return best


def _subset(n, rows=SCREEN_ROWS):
    """Indices of at most ``rows`` rows spread evenly over all of them (deterministic)."""
    return np.arange(n) if n <= rows else np.unique(np.linspace(0, n - 1, rows).round().astype(int))


def _fast_fit(logN, logD, logL, delta, scale, n_starts, extra_starts=(), tied=False):
    """Screen the grid, run L-BFGS-B (default tolerances) from the best starts, polish the winner tightly.

    With more than :data:`SCREEN_ROWS` runs the screen and the multi-start
    use an evenly spread subset (its objective rescaled to the full sum), and
    only the polish sees every run: the cost of a fit grows with the number
    of runs through one L-BFGS-B run instead of thirteen.
    """
    sub = _subset(logN.size)
    sN, sD, sL = logN[sub], logD[sub], logL[sub]
    sscale = scale * logN.size / sub.size
    grid = hoffmann_grid()
    if tied:  # Hoffmann's grid with beta = alpha: 6 x 6 x 5 x 5 = 900 starts
        grid = grid[grid[:, 3] == grid[:, 4], :4]
    starts = list(extra_starts) + list(_screen(grid, sN, sD, sL, delta, n_starts))
    best = None
    for s in starts:
        res = _lbfgsb(s, sN, sD, sL, delta, sscale, tight=False, tied=tied)
        if best is None or res.fun < best.fun:
            best = res
    if sub.size < logN.size:
        best = _polish(best.x, logN, logD, logL, delta, scale, tied=tied)
    else:
        best = _polish(best.x, logN, logD, logL, delta, scale, best, tied=tied)
    return best, len(starts)


def fit_parametric(N, D, L, *, delta: float = HUBER_DELTA, reduction: str = "sum", n_starts: int = 12,
                   bootstrap: int = 0, resampling: str = "pairs", seed: int = 0, level: float = 0.95,
                   progress: bool = False) -> ParametricFit:
    """Approach 3 (Hoffmann et al. 2022, Eq. 3): fit L(N, D) = E + A/N^alpha + B/D^beta to runs.

    Minimises sum_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i)
    with scipy's L-BFGS-B and the analytic gradient. The smart multi-start
    evaluates the objective at all 4500 points of Hoffmann's grid (one
    vectorised pass), starts L-BFGS-B from the ``n_starts`` best, and
    polishes the winner with tight tolerances. On Epoch's 240 points this
    reaches the same optimum as running L-BFGS-B from all 4500 starts
    (``fit_parametric_grid``) in a small fraction of the time (see
    ``benchmarks/chinchilla_fit.py``). Beyond 2,000 runs the screen and the
    multi-start use an evenly spread subset and only the polish sees every
    run, so the time grows slowly with the number of runs.

    ``bootstrap=K`` refits K resamples, each polished from the full-data
    optimum, and stores percentile intervals at ``level`` for E, A, B,
    alpha, beta and the frontier exponents a, b. ``resampling`` is
    ``"pairs"`` (runs drawn with replacement; the default, whose nominal 90%
    intervals of ``a`` cover the truth about 90% of the time in
    ``benchmarks/coverage.py``) or ``"residual"`` (the design kept, log
    residuals resampled).
    """
    check_in("reduction", reduction, ("sum", "mean"))
    check_in("resampling", resampling, ("pairs", "residual"))
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    n_starts = check_scalar("n_starts", n_starts, low=1, high=4500, integer=True)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    N, D, L = _check_runs(N, D, L, min_points=6)
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    scale = 1.0 if reduction == "sum" else 1.0 / N.size
    with _one_blas_thread():
        best, n_used = _fast_fit(logN, logD, logL, delta, scale, n_starts)
        res = _bootstrap_parametric(logN, logD, logL, delta, scale, best.x, bootstrap, resampling, seed, level,
                                    progress)
    return _make_fit(best.x, best.fun, N.size, n_used, delta, reduction, best.success, res, (logN, logD, logL))


def _public(theta):
    a, b, e, al, be = theta
    return [np.exp(e), np.exp(a), np.exp(b), al, be, be / (al + be), al / (al + be)]


def _bootstrap_parametric(logN, logD, logL, delta, scale, theta, bootstrap, resampling, seed, level, progress):
    names = _PARAM_NAMES + ("a", "b")
    if not bootstrap:
        return Resamples.empty(names, level)
    estimate = _public(theta)
    if resampling == "residual":
        log_fit, _ = _log_predict(theta, logN, logD)

        def refit_y(y):
            return _public(_polish(theta, logN, logD, np.log(y), delta, scale).x)

        return residual_bootstrap(refit_y, np.exp(log_fit), logL - log_fit, names, resamples=bootstrap,
                                  estimate=estimate, n_params=5, seed=seed, level=level, method="percentile",
                                  progress=progress)

    def refit(idx):
        return _public(_polish(theta, logN[idx], logD[idx], logL[idx], delta, scale).x)

    return bootstrap_resamples(refit, logN.size, names, resamples=bootstrap, seed=seed, level=level,
                               estimate=estimate, max_rows=SCREEN_ROWS, progress=progress)


def fit_parametric_grid(N, D, L, *, delta: float = HUBER_DELTA, reduction: str = "sum", grid=None,
                        analytic_gradient: bool = False, progress: bool = False) -> ParametricFit:
    """The reference procedure (Hoffmann App. D.2 as replicated by Epoch): L-BFGS-B from every grid start.

    scipy's ``minimize(method="L-BFGS-B")`` with its default tolerances and,
    by default, finite-difference gradients, as in Epoch's notebook; the best
    of all runs is kept. ``grid`` defaults to :func:`hoffmann_grid` (4500
    starts; about ten minutes on two CPU cores); pass a subset for a quick check.
    """
    check_in("reduction", reduction, ("sum", "mean"))
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    N, D, L = _check_runs(N, D, L, min_points=6)
    grid = hoffmann_grid() if grid is None else as_float_array("grid", grid)
    if grid.ndim != 2 or grid.shape[1] != 5 or grid.shape[0] < 1:
        raise ValueError(f"grid must have shape (k, 5) with k >= 1, got {grid.shape}")
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    scale = 1.0 if reduction == "sum" else 1.0 / N.size
    best = None
    with _one_blas_thread():
        for start in tqdm(grid, disable=not progress, desc="grid"):
            res = _lbfgsb(start, logN, logD, logL, delta, scale, tight=False, analytic=analytic_gradient)
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
    return _make_fit(best.x, best.fun, N.size, len(grid), delta, reduction, best.success)


def fit_from_start(N, D, L, theta0, *, delta: float = HUBER_DELTA, reduction: str = "sum") -> ParametricFit:
    """One L-BFGS-B run from ``theta0`` = (a, b, e, alpha, beta) with scipy's default tolerances.

    Shows Epoch's point: with the averaged (``"mean"``) Huber loss the objective
    is ~240x smaller, the default stopping rule fires early, and the result
    depends on the start.
    """
    check_in("reduction", reduction, ("sum", "mean"))
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    N, D, L = _check_runs(N, D, L, min_points=6)
    theta0 = as_float_array("theta0", theta0)
    if theta0.shape != (5,):
        raise ValueError(f"theta0 must have 5 entries (a, b, e, alpha, beta), got shape {theta0.shape}")
    scale = 1.0 if reduction == "sum" else 1.0 / N.size
    with _one_blas_thread():
        res = _lbfgsb(theta0, np.log(N), np.log(D), np.log(L), delta, scale, tight=False)
    return _make_fit(res.x, res.fun, N.size, 1, delta, reduction, res.success)
