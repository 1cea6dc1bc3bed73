"""Chinchilla's parametric loss L(N, D) = E + A/N^alpha + B/D^beta and its compute-optimal frontier.

Hoffmann et al. (2022): N is total parameters, D training tokens, C = 6ND
FLOPs, L in nats/token. Coefficient sets live in :mod:`scalinglaws.constants`
(``CHINCHILLA`` unrounded, ``CHINCHILLA_ROUNDED`` as printed, ``EPOCH_2024``); every
function defaults to ``DEFAULT_LAW``, Epoch AI's refit (Besiroglu et al. 2024).
Fitting the law to runs (Approaches 1-3) is :mod:`scalinglaws.fitting`; the
digitised Chinchilla runs are :func:`scalinglaws.datasets.load_epoch_data`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import as_float_array, check_in, check_instance, check_scalar
from scalinglaws import kaplan
from scalinglaws.constants import (
    CHINCHILLA,
    CHINCHILLA_ROUNDED,
    DEFAULT_LAW,
    EPOCH_2024,
    GOPHER_BUDGET_FLOPS,
    KAPLAN_EFFICIENT,
    ParametricLoss,
)

__all__ = ["loss", "compute_optimal", "ComputeOptimal", "frontier_exponents", "LAWS", "LAW_NAMES",
           "optimal_allocation", "kaplan_c_min_for_budget", "explore_budget", "LossLandscape", "loss_landscape",
           ]



def loss(N, D, law: ParametricLoss = DEFAULT_LAW):
    """Predicted loss (nats/token) of a model with ``N`` parameters trained on ``D`` tokens.

    ``N`` and ``D`` broadcast against each other and must be positive and finite.
    """
    law = check_instance("law", law, ParametricLoss)
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


def frontier_exponents(law: ParametricLoss = DEFAULT_LAW) -> tuple[float, float]:
    """Exponents (a, b) of N_opt ~ C^a and D_opt ~ C^b: a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
    law = check_instance("law", law, ParametricLoss)
    s = law.alpha + law.beta
    return law.beta / s, law.alpha / s


def compute_optimal(C, law: ParametricLoss = DEFAULT_LAW) -> ComputeOptimal:
    """Closed-form compute-optimal N and D for a budget of ``C`` FLOPs (Hoffmann et al. Eq. 4).

    With C = 6ND, minimising L(N, C/(6N)) over N gives
    N_opt = G (C/6)^a and D_opt = G^-1 (C/6)^b with G = (alpha A / (beta B))^(1/(alpha+beta)).
    """
    law = check_instance("law", law, ParametricLoss)
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
# Named laws
# ---------------------------------------------------------------------------

LAWS = {"chinchilla": CHINCHILLA, "chinchilla-rounded": CHINCHILLA_ROUNDED, "epoch": EPOCH_2024}
LAW_NAMES = ("kaplan", "chinchilla", "chinchilla-rounded", "epoch")


def kaplan_c_min_for_budget(C):
    """The C_min (PF-days) at which Kaplan's Table-6 frontier spends ``C`` FLOPs: 6 N(C_min) D(C_min) = C.

    Kaplan et al.'s frontier is indexed by C_min, the compute of training at
    a batch far below the critical one; along it the model trains at about
    B_crit, where the steps cost twice the minimum, so its actual compute
    6ND is near 2 C_min, not C_min. With N = N_e c^p_N and D = D_e c^p_D
    (c in PF-days) the budget is spent exactly at
    c = (C / (6 N_e D_e))^(1 / (p_N + p_D)).
    """
    C = as_float_array("C", C, positive=True)
    e = KAPLAN_EFFICIENT
    return (C / (6.0 * e.N_e * e.D_e)) ** (1.0 / (e.p_N + e.p_D))


def optimal_allocation(C, law: str = "epoch") -> ComputeOptimal:
    """Compute-optimal (N, D, D/N, loss) for a training budget of ``C`` FLOPs under a named law.

    ``law``: ``"epoch"`` (Besiroglu et al. 2024's refit of Chinchilla's data,
    the book's default), ``"chinchilla"`` (Hoffmann et al.'s Approach 3,
    unrounded), ``"chinchilla-rounded"`` (Eq. 10 as printed) or ``"kaplan"``
    (Table 6 frontier at the C_min that spends the budget,
    :func:`kaplan_c_min_for_budget`: N is then **non-embedding** parameters,
    6ND = C, and the loss is L(C_min) of Eq. 1.3, on Kaplan's data).
    """
    check_in("law", law, LAW_NAMES)
    C = as_float_array("C", C, positive=True)
    if law != "kaplan":
        return compute_optimal(C, LAWS[law])
    pf = kaplan_c_min_for_budget(C)
    eff = kaplan.compute_efficient(pf)
    L = kaplan.loss_C_min(pf)
    result = ComputeOptimal(eff.N, eff.D, np.asarray(eff.D) / np.asarray(eff.N), L)
    if C.ndim == 0:
        result = ComputeOptimal(*(float(v) for v in result))
    return result


# ---------------------------------------------------------------------------
# Calculators behind the chapter's explorers
# ---------------------------------------------------------------------------


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
