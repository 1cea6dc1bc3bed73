"""Synthetic runs from a known law: sweeps to test fitters on (the truth is known)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import as_float_array, check_in, check_instance, check_scalar
from scalinglaws.chinchilla import compute_optimal
from scalinglaws.constants import CHINCHILLA, ParametricLoss
from scalinglaws.fitting.frontier import TrainingCurve

__all__ = ["SyntheticRuns", "synthetic_isoflop", "synthetic_training_curves", "DESIGNS"]


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


DESIGNS = ("centred", "fixed")


def synthetic_isoflop(law: ParametricLoss = CHINCHILLA, budgets=(6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21),
                      n_per_budget: int = 9, span: float = 8.0, noise: float = 0.005, outlier_fraction: float = 0.0,
                      seed: int = 0, design: str = "centred") -> SyntheticRuns:
    """IsoFLOP runs from a known law: D = C/(6N), loss = L(N, D) x exp(noise x standard normal).

    ``design="centred"``: per budget, ``n_per_budget`` model sizes
    log-spaced over [N_opt/span, N_opt*span] around the law's own optimum
    (with a random shift of the window by up to span^0.3 either way).
    ``design="fixed"``: the same ``n_per_budget`` sizes at every budget, as
    a sweep that trains one family of models at every budget does; they run
    from half the optimum of the smallest budget to twice the optimum of the
    largest, so the minimum moves across the grid from one edge to the other.

    Default budgets are Hoffmann et al.'s nine, 6e18 to 3e21 FLOPs.
    """
    law = check_instance("law", law, ParametricLoss)
    budgets = as_float_array("budgets", budgets, positive=True, min_size=2).ravel()
    n_per_budget = check_scalar("n_per_budget", n_per_budget, low=3, integer=True)
    span = check_scalar("span", span, low=1.0, low_inclusive=False)
    noise = check_scalar("noise", noise, low=0.0)
    outlier_fraction = check_scalar("outlier_fraction", outlier_fraction, low=0.0, high=1.0)
    seed = check_scalar("seed", seed, low=0, integer=True)
    check_in("design", design, DESIGNS)
    rng = np.random.default_rng(seed)
    if design == "fixed":
        optima = compute_optimal(budgets, law).N_opt
        grid = np.geomspace(optima.min() / 2.0, optima.max() * 2.0, n_per_budget)
    Ns, Cs, ks = [], [], []
    for k, C in enumerate(budgets):
        if design == "fixed":
            N = grid
        else:
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
    law = check_instance("law", law, ParametricLoss)
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
