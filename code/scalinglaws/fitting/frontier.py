"""Approaches 1 and 2 (Hoffmann et al. 2022): power laws N_opt = k_N C^a, D_opt = k_D C^b of the
compute-optimal frontier, from the envelope of training curves (Approach 1) or from the minima of
IsoFLOP profiles (Approach 2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scalinglaws._validation import as_float_array, check_same_length, check_scalar
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["FrontierFit", "isoflop_minima", "fit_isoflop", "TrainingCurve", "envelope", "fit_envelope"]


@dataclass(frozen=True)
class FrontierFit(ResampledFit):
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
            **self.interval_summary(),
        }


def _loglog_slope(x, y):
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(math.exp(intercept))


def _budget_labels(C, budget):
    """Labels of the runs that share a budget: ``budget`` if given, else C rounded to 3 significant figures."""
    return np.array([float(f"{c:.3g}") for c in np.ravel(C)]) if budget is None else np.asarray(budget).ravel()


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
    labels = _budget_labels(C, budget)
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
    level = check_level(level)
    Cb, Nopt, _ = isoflop_minima(N, C, L, budget)
    Dopt = Cb / (6.0 * Nopt)
    a, kN = _loglog_slope(Cb, Nopt)
    b, kD = _loglog_slope(Cb, Dopt)
    N = np.asarray(N, float).ravel()
    C = np.asarray(C, float).ravel()
    L = np.asarray(L, float).ravel()
    labels = _budget_labels(C, budget)

    def refit(idx):
        cb, nb, _ = isoflop_minima(N[idx], C[idx], L[idx], labels[idx])
        return [_loglog_slope(cb, nb)[0], _loglog_slope(cb, cb / (6 * nb))[0]]

    # Stratified: every budget keeps its number of runs.
    res = bootstrap_resamples(refit, N.size, ("a", "b"), resamples=bootstrap, seed=seed, level=level,
                              strata=labels, progress=progress) if bootstrap else Resamples.empty(("a", "b"), level)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=Cb, N_opt=Nopt, D_opt=Dopt, approach="isoflop",
                       n_points=int(N.size), resamples=res)


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
    level = check_level(level)
    curves = _check_curves(curves)
    C, Nopt, _ = envelope(curves, n_flops)
    if np.unique(Nopt).size < 2:
        raise ValueError("curves: the envelope is attained by fewer than 2 interior model sizes")
    Dopt = C / (6.0 * Nopt)
    a, kN = _loglog_slope(C, Nopt)
    b, kD = _loglog_slope(C, Dopt)

    def refit(idx):
        c, n, _ = envelope([curves[i] for i in idx], n_flops)
        if np.unique(n).size < 2:
            raise ValueError("the envelope of this subset has fewer than 2 interior sizes")
        return [_loglog_slope(c, n)[0], _loglog_slope(c, c / (6 * n))[0]]

    # Hoffmann et al. (Table 2): refit on random 80% subsets of the training curves.
    res = bootstrap_resamples(refit, len(curves), ("a", "b"), resamples=bootstrap, seed=seed, level=level,
                              replace=False, fraction=0.8, progress=progress) if bootstrap else \
        Resamples.empty(("a", "b"), level)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=C, N_opt=Nopt, D_opt=Dopt, approach="envelope",
                       n_points=int(sum(c.D.size for c in curves)), resamples=res)
