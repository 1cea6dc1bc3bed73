"""Chinchilla's parametric loss L(N, D) = E + A/N^alpha + B/D^beta and its compute-optimal frontier.

Hoffmann et al. (2022): N is total parameters, D training tokens, C = 6ND
FLOPs, L in nats/token. Coefficient sets live in :mod:`scalinglaws.constants`
(``CHINCHILLA`` unrounded, ``CHINCHILLA_ROUNDED`` as printed, ``EPOCH_2024``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import optimize
from tqdm.auto import tqdm

from threadpoolctl import threadpool_limits

from scalinglaws._validation import as_float_array, check_in, check_instance, check_same_length, check_scalar
from scalinglaws.constants import CHINCHILLA, CHINCHILLA_ROUNDED, EPOCH_2024, GOPHER_BUDGET_FLOPS, ParametricLoss

__all__ = [
    "loss", "compute_optimal", "ComputeOptimal", "frontier_exponents",
    "ChinchillaData", "load_epoch_data", "EPOCH_DATA_CSV",
    "HOFFMANN_GRID", "HUBER_DELTA", "hoffmann_grid", "huber_objective",
    "ParametricFit", "fit_parametric", "fit_parametric_grid", "fit_from_start",
    "FrontierFit", "isoflop_minima", "fit_isoflop", "TrainingCurve", "envelope", "fit_envelope",
    "SyntheticRuns", "synthetic_isoflop", "synthetic_training_curves",
    "LAWS", "LAW_NAMES", "optimal_allocation", "explore_budget", "LossLandscape", "loss_landscape",
]


def _check_law(law) -> ParametricLoss:
    return check_instance("law", law, ParametricLoss)


def loss(N, D, law: ParametricLoss = CHINCHILLA):
    """Predicted loss (nats/token) of a model with ``N`` parameters trained on ``D`` tokens.

    ``N`` and ``D`` broadcast against each other and must be positive and finite.
    """
    law = _check_law(law)
    N = as_float_array("N", N, positive=True)
    D = as_float_array("D", D, positive=True)
    out = law.E + law.A / N**law.alpha + law.B / D**law.beta
    return out if out.ndim else float(out)


class ComputeOptimal(NamedTuple):
    """The loss-minimising allocation of a compute budget C = 6ND."""

    N_opt: float | np.ndarray  # parameters
    D_opt: float | np.ndarray  # tokens
    tokens_per_param: float | np.ndarray
    loss: float | np.ndarray  # nats/token


def frontier_exponents(law: ParametricLoss = CHINCHILLA) -> tuple[float, float]:
    """Exponents (a, b) of N_opt ~ C^a and D_opt ~ C^b: a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
    law = _check_law(law)
    s = law.alpha + law.beta
    return law.beta / s, law.alpha / s


def compute_optimal(C, law: ParametricLoss = CHINCHILLA) -> ComputeOptimal:
    """Closed-form compute-optimal N and D for a budget of ``C`` FLOPs (Hoffmann et al. Eq. 4).

    With C = 6ND, minimising L(N, C/(6N)) over N gives
    N_opt = G (C/6)^a and D_opt = G^-1 (C/6)^b with G = (alpha A / (beta B))^(1/(alpha+beta)).
    """
    law = _check_law(law)
    C = as_float_array("C", C, positive=True)
    a, b = frontier_exponents(law)
    G = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    N_opt = G * (C / 6.0) ** a
    D_opt = (C / 6.0) ** b / G
    L = law.E + law.A / N_opt**law.alpha + law.B / D_opt**law.beta
    result = ComputeOptimal(N_opt, D_opt, D_opt / N_opt, L)
    if C.ndim == 0:
        result = ComputeOptimal(*(float(v) for v in result))
    return result


# ---------------------------------------------------------------------------
# Data: Epoch AI's digitised Chinchilla points (Besiroglu et al. 2024)
# ---------------------------------------------------------------------------

_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
EPOCH_DATA_CSV = _DATA_DIR / "chinchilla_svg_extracted.csv"
EPOCH_DATA_META = _DATA_DIR / "chinchilla_svg_extracted.json"


class ChinchillaData(NamedTuple):
    """Digitised runs of Hoffmann et al. Fig. 4 (left): N parameters, D tokens, C FLOPs, loss nats/token."""

    N: np.ndarray
    D: np.ndarray
    C: np.ndarray
    loss: np.ndarray


def load_epoch_data(drop_outliers: bool = True, path=None) -> ChinchillaData:
    """Epoch AI's 245 points extracted from the SVG of Chinchilla's Fig. 4 (left).

    The file's SHA-256 is checked against the sidecar JSON (``ValueError`` on
    mismatch). Tokens are D = C / (6N), as in Epoch's notebook. With
    ``drop_outliers=True`` the 5 highest-loss points are removed, as Epoch did
    (``losses < sorted(losses)[-5]``), leaving the 240 points they fit.
    """
    csv_path = EPOCH_DATA_CSV if path is None else Path(path)
    meta_path = csv_path.with_suffix(".json")
    if not csv_path.is_file():
        raise ValueError(f"path: no data file at {csv_path}")
    if not meta_path.is_file():
        raise ValueError(f"path: no sidecar {meta_path.name} next to {csv_path.name}")
    raw = csv_path.read_bytes()
    meta = json.loads(meta_path.read_text())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta.get("sha256"):
        raise ValueError(f"path: SHA-256 of {csv_path.name} is {digest}, sidecar says {meta.get('sha256')}")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    N = np.array([float(r["Model Size"]) for r in rows])
    C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    if drop_outliers:
        keep = L < np.sort(L)[-5]
        N, C, L = N[keep], C[keep], L[keep]
    return ChinchillaData(N, C / (6.0 * N), C, L)


# ---------------------------------------------------------------------------
# Approach 3: parametric fit, Huber loss on log-loss (Hoffmann Eq. 3; Epoch)
# ---------------------------------------------------------------------------

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
    N = as_float_array("N", N, positive=True).ravel()
    D = as_float_array("D", D, positive=True).ravel()
    L = as_float_array("L", L, positive=True).ravel()
    check_same_length(N=N, D=D, L=L)
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


def _lbfgsb(theta0, logN, logD, logL, delta, scale, tight=True, analytic=True):
    fun = (lambda t: _value_and_grad(t, logN, logD, logL, delta, scale)) if analytic else \
        (lambda t: scale * float(_huber(_log_predict(t, logN, logD)[0] - logL, delta).sum()))
    options = {"maxiter": 20_000, "maxfun": 40_000, "ftol": 1e-15, "gtol": 1e-13, "maxcor": 20} if tight else {}
    return optimize.minimize(fun, np.asarray(theta0, float), jac=analytic, method="L-BFGS-B", options=options)


@dataclass(frozen=True)
class ParametricFit:
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
    bootstrap_params: np.ndarray = field(default_factory=lambda: np.empty((0, 7)))
    level: float = 0.95
    intervals: dict = field(default_factory=dict)

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
        """The fitted coefficients as a :class:`~scalinglaws.constants.ParametricLoss` (for :func:`loss` etc.)."""
        return ParametricLoss(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                              source=f"fit_parametric on {self.n_points} runs")

    def predict(self, N, D):
        """Fitted loss (nats/token) at N parameters and D tokens."""
        return loss(N, D, self.law)

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
            "bootstrap": int(self.bootstrap_params.shape[0]),
            "level": self.level,
            "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()},
        }


def _make_fit(theta, f, n, n_starts, delta, reduction, converged, draws=None, level=0.95):
    a, b, e, al, be = (float(v) for v in theta)
    intervals = {}
    if draws is None:
        draws = np.empty((0, 7))
    elif draws.shape[0]:
        lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=0)
        intervals = {k: (float(lo[i]), float(hi[i])) for i, k in enumerate(_PARAM_NAMES + ("a", "b"))}
    draws.setflags(write=False)
    return ParametricFit(E=math.exp(e), A=math.exp(a), B=math.exp(b), alpha=al, beta=be, objective=float(f),
                         n_points=int(n), n_starts=int(n_starts), delta=float(delta), reduction=reduction,
                         converged=bool(converged), bootstrap_params=draws, level=float(level), intervals=intervals)


def _screen(grid, logN, logD, logL, delta, k):
    """Objective at every grid point (vectorised, in chunks); return the k best distinct starts."""
    values = np.empty(len(grid))
    for i in range(0, len(grid), 500):
        pred, _ = _log_predict(grid[i:i + 500], logN, logD)
        values[i:i + 500] = _huber(pred - logL, delta).sum(axis=-1)
    order = np.argsort(values, kind="stable")
    return grid[order[:k]]


def _fast_fit(logN, logD, logL, delta, scale, n_starts, extra_starts=()):
    """Screen the grid, run L-BFGS-B (default tolerances) from the best starts, polish the winner tightly."""
    starts = list(extra_starts) + list(_screen(hoffmann_grid(), logN, logD, logL, delta, n_starts))
    best = None
    for s in starts:
        res = _lbfgsb(s, logN, logD, logL, delta, scale, tight=False)
        if best is None or res.fun < best.fun:
            best = res
    # Polish: tight tolerances from the best point until the objective stops moving.
    for _ in range(5):
        res = _lbfgsb(best.x, logN, logD, logL, delta, scale, tight=True)
        improved = res.fun < best.fun - 1e-13 * max(1.0, abs(best.fun))
        if res.fun <= best.fun:
            best = res
        if not improved:
            break
    return best, len(starts)


def fit_parametric(N, D, L, *, delta: float = HUBER_DELTA, reduction: str = "sum", n_starts: int = 12,
                   bootstrap: int = 0, seed: int = 0, level: float = 0.95, progress: bool = False) -> ParametricFit:
    """Approach 3 (Hoffmann et al. 2022, Eq. 3): fit L(N, D) = E + A/N^alpha + B/D^beta to runs.

    Minimises sum_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i)
    with scipy's L-BFGS-B and the analytic gradient. The smart multi-start
    evaluates the objective at all 4500 points of Hoffmann's grid (one
    vectorised pass), starts L-BFGS-B (tight tolerances) from the ``n_starts``
    best, and polishes the winner. On Epoch's 240 points this reaches the same
    optimum as running L-BFGS-B from all 4500 starts (``fit_parametric_grid``)
    in a small fraction of the time (see ``benchmarks/chinchilla_fit.py``).

    ``bootstrap=K`` refits K resamples of the runs (with replacement), each
    started from the full-data optimum and the 3 best grid points of the
    resample, and stores percentile intervals at ``level`` for E, A, B,
    alpha, beta and the frontier exponents a, b.
    """
    check_in("reduction", reduction, ("sum", "mean"))
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    n_starts = check_scalar("n_starts", n_starts, low=1, high=4500, integer=True)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    N, D, L = _check_runs(N, D, L, min_points=6)
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    scale = 1.0 if reduction == "sum" else 1.0 / N.size
    with _one_blas_thread():
        best, n_used = _fast_fit(logN, logD, logL, delta, scale, n_starts)
        draws = _bootstrap_parametric(logN, logD, logL, delta, scale, best.x, bootstrap, seed, progress)
    return _make_fit(best.x, best.fun, N.size, n_used, delta, reduction, best.success, draws, level)


def _bootstrap_parametric(logN, logD, logL, delta, scale, theta, bootstrap, seed, progress):
    draws = np.empty((bootstrap, 7))
    n = logN.size
    if bootstrap:
        rng = np.random.default_rng(seed)
        for k in tqdm(range(bootstrap), disable=not progress, desc="bootstrap"):
            idx = rng.integers(0, n, size=n)
            res, _ = _fast_fit(logN[idx], logD[idx], logL[idx], delta, scale, 3, extra_starts=[theta])
            a, b, e, al, be = res.x
            # a degenerate resample can run off to huge log A or log B: keep it out of the
            # intervals (as a NaN row, dropped below) rather than overflow
            with np.errstate(over="ignore"):
                draws[k] = [np.exp(e), np.exp(a), np.exp(b), al, be, be / (al + be), al / (al + be)]
        draws = draws[np.all(np.isfinite(draws), axis=1)]
    return draws


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


# ---------------------------------------------------------------------------
# Approaches 1 and 2: power laws of the compute-optimal N and D
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontierFit:
    """Power laws N_opt = k_N C^a and D_opt = k_D C^b fitted to per-budget optima (Approaches 1 and 2)."""

    a: float
    b: float
    k_N: float
    k_D: float
    C: np.ndarray  # FLOPs of the optima used in the fit
    N_opt: np.ndarray
    D_opt: np.ndarray
    approach: str
    n_points: int
    bootstrap_params: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    level: float = 0.95
    intervals: dict = field(default_factory=dict)

    def predict(self, C):
        """(N_opt, D_opt) predicted by the fitted power laws at ``C`` FLOPs."""
        C = as_float_array("C", C, positive=True)
        N, D = self.k_N * C**self.a, self.k_D * C**self.b
        return (N, D) if C.ndim else (float(N), float(D))

    def to_dict(self) -> dict:
        return {
            "approach": self.approach,
            "exponents": {"a": self.a, "b": self.b},
            "coefficients": {"k_N": self.k_N, "k_D": self.k_D},
            "n_points": self.n_points,
            "n_optima": int(self.C.size),
            "bootstrap": int(self.bootstrap_params.shape[0]),
            "level": self.level,
            "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()},
        }


def _loglog_slope(x, y):
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(math.exp(intercept))


def _intervals(draws, level, names=("a", "b")):
    if not draws.shape[0]:
        return {}
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=0)
    return {k: (float(lo[i]), float(hi[i])) for i, k in enumerate(names)}


def isoflop_minima(N, C, L, budget=None):
    """Approach 2, step 1: per compute budget, fit a parabola of L vs log N and return its minimum.

    ``budget`` labels the runs that share a budget (defaults to ``C`` itself,
    rounded to 3 significant figures). Returns (C_budget, N_opt, L_min) arrays,
    one entry per budget; a budget needs at least 3 distinct N, and a parabola
    that opens downward raises ``ValueError``.
    """
    N = as_float_array("N", N, positive=True).ravel()
    C = as_float_array("C", C, positive=True).ravel()
    L = as_float_array("L", L, positive=True).ravel()
    check_same_length(N=N, C=C, L=L)
    labels = np.array([float(f"{c:.3g}") for c in C]) if budget is None else np.asarray(budget).ravel()
    if labels.size != N.size:
        raise ValueError(f"budget must have one label per run ({N.size}), got {labels.size}")
    Cs, Ns, Ls = [], [], []
    for lab in np.unique(labels):
        m = labels == lab
        x = np.log(N[m])
        if np.unique(x).size < 3:
            raise ValueError(f"N: budget {lab} has fewer than 3 distinct model sizes")
        c2, c1, c0 = np.polyfit(x, L[m], 2)
        if c2 <= 0:
            raise ValueError(f"L: the IsoFLOP profile at budget {lab} is not convex (no minimum)")
        xs = -c1 / (2 * c2)
        Cs.append(float(np.exp(np.mean(np.log(C[m])))))
        Ns.append(float(np.exp(xs)))
        Ls.append(float(c0 - c1 * c1 / (4 * c2)))
    if len(Cs) < 2:
        raise ValueError("C: need runs at 2 or more compute budgets")
    return np.array(Cs), np.array(Ns), np.array(Ls)


def fit_isoflop(N, C, L, budget=None, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95,
                progress: bool = False) -> FrontierFit:
    """Approach 2 (IsoFLOP profiles): parabola minima per budget, then log-log fits N_opt ~ C^a, D_opt ~ C^b.

    D_opt = C / (6 N_opt). Bootstrap: resample the runs within each budget
    (with replacement) and redo both steps; resamples whose parabolas fail
    are skipped.
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    Cb, Nopt, _ = isoflop_minima(N, C, L, budget)
    Dopt = Cb / (6.0 * Nopt)
    a, kN = _loglog_slope(Cb, Nopt)
    b, kD = _loglog_slope(Cb, Dopt)
    N = np.asarray(N, float).ravel()
    C = np.asarray(C, float).ravel()
    L = np.asarray(L, float).ravel()
    labels = np.array([float(f"{c:.3g}") for c in C]) if budget is None else np.asarray(budget).ravel()
    groups = [np.flatnonzero(labels == lab) for lab in np.unique(labels)]
    draws = []
    rng = np.random.default_rng(seed)
    for _ in tqdm(range(bootstrap), disable=not progress, desc="bootstrap"):
        idx = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
        try:
            cb, nb, _ = isoflop_minima(N[idx], C[idx], L[idx], labels[idx])
            draws.append([_loglog_slope(cb, nb)[0], _loglog_slope(cb, cb / (6 * nb))[0]])
        except (ValueError, OverflowError):
            # A resample can leave a budget with no downward-curving parabola,
            # or one so flat that its minimum runs off to infinity: skip it.
            continue
    draws = np.array(draws).reshape(-1, 2)
    draws.setflags(write=False)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=Cb, N_opt=Nopt, D_opt=Dopt, approach="isoflop",
                       n_points=int(N.size), bootstrap_params=draws, level=float(level),
                       intervals=_intervals(draws, level))


class TrainingCurve(NamedTuple):
    """One run's loss curve: a model of ``N`` parameters evaluated after ``D`` tokens (arrays)."""

    N: float
    D: np.ndarray
    loss: np.ndarray


def envelope(curves, n_flops: int = 1500):
    """Approach 1, step 1: the lowest loss over all runs at each of ``n_flops`` log-spaced FLOP values.

    Each curve's loss is interpolated linearly in log C (C = 6 N D). Returns
    (C, N_opt, L_min) at FLOP values where the minimum is attained by a model
    that is neither the smallest nor the largest (an edge model may be optimal
    only because the grid stops there).
    """
    curves = _check_curves(curves)
    n_flops = check_scalar("n_flops", n_flops, low=10, integer=True)
    sizes = np.array([c.N for c in curves])
    logC = [np.log(6.0 * c.N * c.D) for c in curves]
    lo = min(x.min() for x in logC)
    hi = max(x.max() for x in logC)
    grid = np.linspace(lo, hi, n_flops)
    table = np.full((len(curves), n_flops), np.inf)
    for i, (c, x) in enumerate(zip(curves, logC)):
        inside = (grid >= x.min()) & (grid <= x.max())
        table[i, inside] = np.interp(grid[inside], x, c.loss)
    best = np.argmin(table, axis=0)
    Lmin = table[best, np.arange(n_flops)]
    Nbest = sizes[best]
    keep = np.isfinite(Lmin) & (Nbest > sizes.min()) & (Nbest < sizes.max())
    return np.exp(grid[keep]), Nbest[keep], Lmin[keep]


def _check_curves(curves):
    if isinstance(curves, (str, bytes)) or not hasattr(curves, "__iter__"):
        raise ValueError("curves must be a sequence of TrainingCurve(N, D, loss)")
    out = []
    for i, c in enumerate(curves):
        try:
            N, D, L = c
        except (TypeError, ValueError):
            raise ValueError(f"curves[{i}] must be a (N, D, loss) triple") from None
        N = check_scalar(f"curves[{i}].N", float(np.asarray(N)) if np.ndim(N) == 0 else N, low=0, low_inclusive=False)
        D = as_float_array(f"curves[{i}].D", D, positive=True, min_size=2).ravel()
        L = as_float_array(f"curves[{i}].loss", L, positive=True).ravel()
        check_same_length(D=D, loss=L)
        if np.any(np.diff(D) <= 0):
            raise ValueError(f"curves[{i}].D must be strictly increasing")
        out.append(TrainingCurve(N, D, L))
    if len({c.N for c in out}) < 3:
        raise ValueError("curves must hold at least 3 distinct model sizes")
    return out


def fit_envelope(curves, n_flops: int = 1500, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95,
                 progress: bool = False) -> FrontierFit:
    """Approach 1 (minimum over training curves): N_opt ~ C^a, D_opt ~ C^b from the loss envelope.

    Bootstrap: as Hoffmann et al. (Table 2), refit on random 80% subsets
    (here: of the training curves), ``bootstrap`` times.
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    curves = _check_curves(curves)
    C, Nopt, _ = envelope(curves, n_flops)
    if np.unique(Nopt).size < 2:
        raise ValueError("curves: the envelope is attained by fewer than 2 interior model sizes")
    Dopt = C / (6.0 * Nopt)
    a, kN = _loglog_slope(C, Nopt)
    b, kD = _loglog_slope(C, Dopt)
    rng = np.random.default_rng(seed)
    m = max(3, int(round(0.8 * len(curves))))
    draws = []
    for _ in tqdm(range(bootstrap), disable=not progress, desc="bootstrap"):
        sub = [curves[i] for i in np.sort(rng.choice(len(curves), size=m, replace=False))]
        c, n, _ = envelope(sub, n_flops)
        if np.unique(n).size < 2:
            continue
        draws.append([_loglog_slope(c, n)[0], _loglog_slope(c, c / (6 * n))[0]])
    draws = np.array(draws).reshape(-1, 2)
    draws.setflags(write=False)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=C, N_opt=Nopt, D_opt=Dopt, approach="envelope",
                       n_points=int(sum(c.D.size for c in curves)), bootstrap_params=draws,
                       level=float(level), intervals=_intervals(draws, level))


# ---------------------------------------------------------------------------
# Synthetic runs from a known law (for the chapter and the tests)
# ---------------------------------------------------------------------------


class SyntheticRuns(NamedTuple):
    """Synthetic runs: N parameters, D tokens, C = 6ND FLOPs, loss nats/token, budget index per run."""

    N: np.ndarray
    D: np.ndarray
    C: np.ndarray
    loss: np.ndarray
    budget: np.ndarray


def _noisy(L, rng, noise, outlier_fraction):
    """Multiplicative log-normal noise, plus rare upward outliers (diverged or badly tuned runs)."""
    L = L * np.exp(noise * rng.standard_normal(L.shape))
    if outlier_fraction > 0:
        bad = rng.random(L.shape) < outlier_fraction
        L = np.where(bad, L * np.exp(np.abs(rng.normal(0.0, 10 * noise, L.shape))), L)
    return L


def synthetic_isoflop(law: ParametricLoss = CHINCHILLA, budgets=(6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21),
                      n_per_budget: int = 9, span: float = 8.0, noise: float = 0.005, outlier_fraction: float = 0.0,
                      seed: int = 0) -> SyntheticRuns:
    """IsoFLOP runs from a known law: per budget, ``n_per_budget`` model sizes log-spaced over
    [N_opt/span, N_opt*span] around the law's own optimum (with a random shift of the window),
    D = C/(6N), loss = L(N, D) x exp(noise x standard normal).

    Default budgets are Hoffmann et al.'s nine, 6e18 to 3e21 FLOPs.
    """
    law = _check_law(law)
    budgets = as_float_array("budgets", budgets, positive=True, min_size=2).ravel()
    n_per_budget = check_scalar("n_per_budget", n_per_budget, low=3, integer=True)
    span = check_scalar("span", span, low=1.0, low_inclusive=False)
    noise = check_scalar("noise", noise, low=0.0)
    outlier_fraction = check_scalar("outlier_fraction", outlier_fraction, low=0.0, high=1.0)
    seed = check_scalar("seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    Ns, Cs, ks = [], [], []
    for k, C in enumerate(budgets):
        center = compute_optimal(C, law).N_opt * span ** rng.uniform(-0.3, 0.3)
        N = center * np.logspace(-np.log10(span), np.log10(span), n_per_budget)
        Ns.append(N)
        Cs.append(np.full(n_per_budget, C))
        ks.append(np.full(n_per_budget, k))
    N, C, budget = np.concatenate(Ns), np.concatenate(Cs), np.concatenate(ks)
    D = C / (6.0 * N)
    L = _noisy(law.E + law.A / N**law.alpha + law.B / D**law.beta, rng, noise, outlier_fraction)
    return SyntheticRuns(N, D, C, L, budget)


def synthetic_training_curves(law: ParametricLoss = CHINCHILLA, model_sizes=None, max_flops: float = 3e21,
                              min_tokens: float = 1e8, n_points: int = 120, noise: float = 0.003,
                              seed: int = 0) -> list[TrainingCurve]:
    """Loss curves of several model sizes from a known law, each evaluated up to ``max_flops``.

    Each point is the loss of a model trained (with a schedule matched to
    that length, as Hoffmann et al. did) on D tokens: L(N, D) x exp(noise).
    ``model_sizes`` defaults to 16 sizes log-spaced from 7e7 to 1.6e10
    (the range of Chinchilla's Fig. 4).
    """
    law = _check_law(law)
    sizes = np.logspace(np.log10(7e7), np.log10(1.6e10), 16) if model_sizes is None else \
        as_float_array("model_sizes", model_sizes, positive=True, min_size=3).ravel()
    max_flops = check_scalar("max_flops", max_flops, low=0.0, low_inclusive=False)
    min_tokens = check_scalar("min_tokens", min_tokens, low=0.0, low_inclusive=False)
    n_points = check_scalar("n_points", n_points, low=2, integer=True)
    noise = check_scalar("noise", noise, low=0.0)
    seed = check_scalar("seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    curves = []
    for N in sizes:
        D_max = max_flops / (6.0 * N)
        if D_max <= min_tokens:
            raise ValueError(f"max_flops: a {N:.3g}-parameter model cannot see {min_tokens:.3g} tokens within it")
        D = np.logspace(np.log10(min_tokens), np.log10(D_max), n_points)
        L = _noisy(law.E + law.A / N**law.alpha + law.B / D**law.beta, rng, noise, 0.0)
        curves.append(TrainingCurve(float(N), D, L))
    return curves


# ---------------------------------------------------------------------------
# Explorers: compute budget across laws, and the loss landscape
# ---------------------------------------------------------------------------

LAWS = {"chinchilla": CHINCHILLA, "chinchilla-rounded": CHINCHILLA_ROUNDED, "epoch": EPOCH_2024}
LAW_NAMES = ("kaplan", "chinchilla", "chinchilla-rounded", "epoch")


def optimal_allocation(C, law: str = "chinchilla") -> ComputeOptimal:
    """Compute-optimal (N, D, D/N, loss) for ``C`` FLOPs under a named law.

    ``law``: ``"chinchilla"`` (Approach 3, unrounded), ``"chinchilla-rounded"``
    (Eq. 10 as printed), ``"epoch"`` (Besiroglu et al. 2024) or ``"kaplan"``
    (Table 6 frontier with C_min = C in PF-days: N is then **non-embedding**
    parameters, D = 2e10 C^0.27 tokens and the loss is L(C_min), Eq. 1.3).
    """
    check_in("law", law, LAW_NAMES)
    C = as_float_array("C", C, positive=True)
    if law != "kaplan":
        return compute_optimal(C, LAWS[law])
    from scalinglaws import kaplan
    from scalinglaws.compute import flops_to_pf_days

    pf = flops_to_pf_days(C)
    eff = kaplan.compute_efficient(pf)
    L = kaplan.loss_C_min(pf)
    result = ComputeOptimal(eff.N, eff.D, np.asarray(eff.D) / np.asarray(eff.N), L)
    if C.ndim == 0:
        result = ComputeOptimal(*(float(v) for v in result))
    return result


def explore_budget(C: float = GOPHER_BUDGET_FLOPS) -> dict[str, ComputeOptimal]:
    """The compute-budget explorer: for one budget ``C`` (FLOPs), the optimum under each law in :data:`LAW_NAMES`."""
    C = check_scalar("C", C, low=0.0, low_inclusive=False)
    return {name: optimal_allocation(C, name) for name in LAW_NAMES}


class LossLandscape(NamedTuple):
    """Loss over a log grid of (N, D), iso-compute lines and the compute-optimal path."""

    N: np.ndarray  # (n,) parameters
    D: np.ndarray  # (n,) tokens
    loss: np.ndarray  # (n, n): loss[i, j] = L(N[j], D[i])
    budgets: np.ndarray  # FLOPs of the iso-compute lines
    iso_D: np.ndarray  # (len(budgets), n): D = C / (6 N) along each line
    path_C: np.ndarray  # FLOPs along the optimal path
    path_N: np.ndarray
    path_D: np.ndarray


def loss_landscape(law: str = "chinchilla", N_range=(1e7, 1e12), D_range=(1e9, 1e14), n: int = 120,
                   budgets=(1e20, 1e22, 1e24, 1e26)) -> LossLandscape:
    """The loss-contour explorer: L(N, D) on a log grid, lines C = 6ND for ``budgets`` FLOPs, and the
    compute-optimal path N_opt(C), D_opt(C) of the chosen parametric law (not ``"kaplan"``, whose
    joint law uses non-embedding parameters)."""
    check_in("law", law, tuple(LAWS))
    p = LAWS[law]
    N_range = as_float_array("N_range", N_range, positive=True).ravel()
    D_range = as_float_array("D_range", D_range, positive=True).ravel()
    for name, r in (("N_range", N_range), ("D_range", D_range)):
        if r.size != 2 or not r[0] < r[1]:
            raise ValueError(f"{name} must be (low, high) with low < high")
    n = check_scalar("n", n, low=10, high=2000, integer=True)
    budgets = as_float_array("budgets", budgets, positive=True).ravel()
    Ns = np.logspace(*np.log10(N_range), n)
    Ds = np.logspace(*np.log10(D_range), n)
    grid = loss(Ns[None, :], Ds[:, None], p)
    iso = budgets[:, None] / (6.0 * Ns[None, :])
    C_lo, C_hi = 6 * N_range[0] * D_range[0], 6 * N_range[1] * D_range[1]
    path_C = np.logspace(np.log10(C_lo), np.log10(C_hi), 200)
    opt = compute_optimal(path_C, p)
    inside = (opt.N_opt >= N_range[0]) & (opt.N_opt <= N_range[1]) & (opt.D_opt >= D_range[0]) & (opt.D_opt <= D_range[1])
    return LossLandscape(Ns, Ds, grid, budgets, iso, path_C[inside], opt.N_opt[inside], opt.D_opt[inside])
