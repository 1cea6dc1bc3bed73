"""Training with limited unique data: repetition (Muennighoff et al. 2023) and filtering (Goyal et al. 2024).

Muennighoff et al.'s data-constrained law (coefficients ``constants.MUENNIGHOFF_2023``,
fitted on C4; N total parameters, D tokens, L nats/token) replaces N and D in a
Chinchilla-form law by *effective* counts that discount repetition:

    D' = U_D + U_D R_D* (1 - exp(-R_D / R_D*)),   R_D = D / U_D - 1 (repeated epochs)
    N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)),   U_N = min(N, N_opt(U_D)), R_N = N / U_N - 1
    L  = E + A / N'^alpha + B / D'^beta

``N_opt(U_D)`` is the compute-optimal model size of the unconstrained fit for a
data budget of U_D tokens: the N whose Chinchilla optimum trains on exactly U_D
tokens (``D_to_N`` in huggingface/datablations' README). Parameters beyond it
are "excess" and decay in value like repeated tokens.

Goyal et al.'s data-filtering law (:func:`filtering_loss`) models a pool of
training samples whose utility halves every ``tau`` repetitions; comparing
pools of different quality and size gives a compute-dependent answer to "repeat
good data or add worse data?".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar

from scalinglaws import chinchilla
from scalinglaws._validation import as_float_array, check_instance, check_scalar, scalar_or_array
from scalinglaws.constants import MUENNIGHOFF_2023, DataConstrainedLoss, ParametricLoss

__all__ = [
    "effective_data",
    "effective_params",
    "optimal_params_for_data",
    "unconstrained_law",
    "loss",
    "repetition_value",
    "Allocation",
    "optimal_allocation",
    "DataConstrainedReport",
    "explore_allocation",
    "filtering_loss",
    "top_k_pools",
    "best_filtering_pool",
]



_out = scalar_or_array


def _effective(unique, repeats, r_star):
    """U + U r* (1 - exp(-R/r*)): the decaying-value sum of Muennighoff et al. (Eq. 5), vectorised."""
    return unique * (1.0 + r_star * -np.expm1(-repeats / r_star))


def effective_data(U_D, R_D, law: DataConstrainedLoss = MUENNIGHOFF_2023):
    """Effective data D' (tokens) from ``U_D`` unique tokens seen ``1 + R_D`` times.

    D' = U_D + U_D R_D* (1 - exp(-R_D/R_D*)), with ``R_D`` >= 0 the number of
    repeated epochs (R_D = 3 means 4 epochs). D' <= U_D (1 + R_D*); R_D = 0 gives U_D.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    U_D = as_float_array("U_D", U_D, positive=True)
    R_D = as_float_array("R_D", R_D, nonnegative=True)
    return _out(_effective(U_D, R_D, law.R_D_star))


def effective_params(U_N, R_N, law: DataConstrainedLoss = MUENNIGHOFF_2023):
    """Effective parameters N' from ``U_N`` useful parameters and ``R_N`` >= 0 excess "repetitions" of them.

    N' = U_N + U_N R_N* (1 - exp(-R_N/R_N*)); a model of N parameters has R_N = N/U_N - 1.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    U_N = as_float_array("U_N", U_N, positive=True)
    R_N = as_float_array("R_N", R_N, nonnegative=True)
    return _out(_effective(U_N, R_N, law.R_N_star))


def unconstrained_law(law: DataConstrainedLoss = MUENNIGHOFF_2023) -> ParametricLoss:
    """The law with unlimited unique data: L = E + A/N^alpha + B/D^beta, as a ``ParametricLoss``.

    With no repetition N' = N and D' = D, so :mod:`scalinglaws.chinchilla` gives the
    unconstrained compute-optimal allocation of Muennighoff et al.'s C4 fit.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    return ParametricLoss(law.E, law.A, law.B, law.alpha, law.beta,
                          source=law.source + "; unlimited-data limit (R_D = R_N = 0)")


def optimal_params_for_data(U_D, law: DataConstrainedLoss = MUENNIGHOFF_2023):
    """N_opt(U_D): the compute-optimal parameter count whose optimal token budget is ``U_D`` tokens.

    Inverting Chinchilla's Eq. 4 (D_opt = (C/6)^b / G, N_opt = G (C/6)^a) at
    D_opt = U_D gives N = G (G U_D)^(beta/alpha), G = (alpha A/(beta B))^(1/(alpha+beta)):
    the README's ``D_to_N``. Parameters beyond it count as excess (R_N > 0).
    """
    law = check_instance("law", law, DataConstrainedLoss)
    U_D = as_float_array("U_D", U_D, positive=True)
    G = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    return _out(G * (G * U_D) ** (law.beta / law.alpha))


def loss(N, D, U, law: DataConstrainedLoss = MUENNIGHOFF_2023):
    """Predicted loss (nats/token) of ``N`` parameters trained on ``D`` tokens drawn from ``U`` unique tokens.

    If D <= U every token is fresh (R_D = 0) and only min(D, U) unique tokens are
    seen; otherwise the data is repeated D/U times. Matches the README's
    ``scaling_law(N, D, U)`` (which asserts U <= D) for U <= D. Arguments broadcast.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    N = as_float_array("N", N, positive=True)
    D = as_float_array("D", D, positive=True)
    U = as_float_array("U", U, positive=True)
    U_D = np.minimum(U, D)
    R_D = np.maximum(D / U_D - 1.0, 0.0)
    U_N = np.minimum(N, optimal_params_for_data(U_D, law))
    R_N = np.maximum(N / U_N - 1.0, 0.0)
    D_eff = _effective(U_D, R_D, law.R_D_star)
    N_eff = _effective(U_N, R_N, law.R_N_star)
    return _out(law.E + law.A / N_eff**law.alpha + law.B / D_eff**law.beta)


def repetition_value(epochs, law: DataConstrainedLoss = MUENNIGHOFF_2023):
    """D' / D: the worth of ``epochs`` passes over the same data relative to as many fresh tokens.

    ``epochs`` >= 1 (may be fractional). 1 at one epoch; about 0.93 at 4 epochs;
    tends to (1 + R_D*)/epochs, i.e. to 0, as epochs grow.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    epochs = as_float_array("epochs", epochs)
    if not np.all(epochs >= 1):
        raise ValueError("epochs must be >= 1 (one pass over the unique data at least)")
    return _out(_effective(1.0, epochs - 1.0, law.R_D_star) / epochs)


class Allocation(NamedTuple):
    """Best use of C FLOPs with U unique tokens, and the unlimited-data optimum for comparison."""

    N: float  # parameters
    D: float  # tokens seen, C/(6N)
    epochs: float  # D / U
    loss: float  # nats/token
    N_unlimited: float  # compute-optimal N with unlimited unique data
    D_unlimited: float  # its tokens
    loss_unlimited: float  # its loss, nats/token


def _isoflop_loss(log_N, C, U, law):
    N = np.exp(log_N)
    return loss(N, C / (6.0 * N), U, law)


def optimal_allocation(C: float, U: float, law: DataConstrainedLoss = MUENNIGHOFF_2023,
                       n_grid: int = 401) -> Allocation:
    """Loss-minimising N and D = C/(6N) for ``C`` FLOPs when only ``U`` unique tokens exist.

    The loss along the IsoFLOP line has kinks (where D = U and N = N_opt(U)), so a
    log-spaced grid of ``n_grid`` sizes over 1e-4..1e2 times the unconstrained
    optimum finds the basin and ``scipy.optimize.minimize_scalar`` (bounded)
    refines it between the grid neighbours. At C = 1e22 and U = 25e9 it gives
    about 7.0e9 parameters and 237e9 tokens (9.5 epochs), as in the datablations README.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    C = check_scalar("C", C, low=0.0, low_inclusive=False)
    U = check_scalar("U", U, low=0.0, low_inclusive=False)
    n_grid = check_scalar("n_grid", n_grid, low=5, integer=True)
    free = chinchilla.compute_optimal(C, unconstrained_law(law))
    log_grid = np.log(free.N_opt) + np.linspace(np.log(1e-4), np.log(1e2), n_grid)
    values = _isoflop_loss(log_grid, C, U, law)
    i = int(np.argmin(values))
    lo, hi = log_grid[max(i - 1, 0)], log_grid[min(i + 1, n_grid - 1)]
    res = minimize_scalar(_isoflop_loss, bounds=(lo, hi), args=(C, U, law), method="bounded",
                          options={"xatol": 1e-9})
    log_N = res.x if res.fun <= values[i] else log_grid[i]
    N = float(np.exp(log_N))
    D = C / (6.0 * N)
    return Allocation(N, D, D / U, float(_isoflop_loss(log_N, C, U, law)),
                      free.N_opt, free.D_opt, free.loss)


class DataConstrainedReport(NamedTuple):
    """What the data-constrained widget shows for one (C, U)."""

    allocation: Allocation
    N_grid: np.ndarray  # parameters along the IsoFLOP line
    loss_constrained: np.ndarray  # nats/token with U unique tokens
    loss_unlimited: np.ndarray  # nats/token with unlimited unique data
    compute_equivalent: float  # FLOPs an unlimited-data run needs to match the constrained loss


def explore_allocation(C: float = 1e22, U: float = 25e9, n_points: int = 200,
                              law: DataConstrainedLoss = MUENNIGHOFF_2023) -> DataConstrainedReport:
    """Callback of the chapter's widget: IsoFLOP curves with and without a unique-data limit.

    ``N_grid`` spans 1/100..100 times the unconstrained optimum. ``compute_equivalent``
    is the budget at which the unlimited-data optimum reaches the constrained
    optimum's loss (by root finding on the closed-form frontier); its ratio to C
    says how much compute the data limit costs.
    """
    from scipy.optimize import brentq

    law = check_instance("law", law, DataConstrainedLoss)
    n_points = check_scalar("n_points", n_points, low=2, integer=True)
    alloc = optimal_allocation(C, U, law)
    free_law = unconstrained_law(law)
    N_grid = alloc.N_unlimited * np.logspace(-2, 2, n_points)
    D_grid = C / (6.0 * N_grid)
    constrained = np.asarray(loss(N_grid, D_grid, U, law))
    unlimited = np.asarray(chinchilla.loss(N_grid, D_grid, free_law))
    target = alloc.loss
    f = lambda logc: chinchilla.compute_optimal(np.exp(logc), free_law).loss - target  # noqa: E731
    logC = np.log(C)
    c_eq = float(np.exp(brentq(f, logC - 20.0, logC + 1e-9))) if f(logC) < 0 else C
    return DataConstrainedReport(alloc, N_grid, constrained, unlimited, c_eq)


# ---------------------------------------------------------------------------
# Goyal et al. 2024: data filtering with repetition (locuslab/scaling_laws_data_filtering)
# ---------------------------------------------------------------------------


def filtering_loss(n_samples, pool_size, b, tau, a: float, d: float, normalizer: float = 1e5):
    """Goyal et al.'s loss after ``n_samples`` training samples drawn from a pool of ``pool_size``.

    One pass: y = (a n / normalizer)^b + d with b < 0. Each repetition decays the
    utility exponent: in epoch k (k = 0 first) it is b_k = mean_i b_i (1/2)^(k/tau_i)
    (``b`` and ``tau`` may list the quality buckets a pool is made of; half-life
    ``tau`` in epochs). Crossing into epoch k multiplies y by (n_k/n_{k-1})^(b_k),
    n_k the samples seen by the end of epoch k. This follows
    ``func_effective_utility(_aggregation)`` in locuslab/scaling_laws_data_filtering
    (commit cf5ced1), including its multiplication of the offset d.
    Returns the loss (or error) in the units of d; ``n_samples`` may be an array.
    """
    n = as_float_array("n_samples", n_samples, positive=True)
    P = check_scalar("pool_size", pool_size, low=0.0, low_inclusive=False)
    b = as_float_array("b", b, min_size=1).ravel()
    if not np.all(b < 0):
        raise ValueError("b must be negative (loss falls with more samples)")
    tau = as_float_array("tau", tau, positive=True, min_size=1).ravel()
    if tau.size != b.size:
        raise ValueError(f"tau must have one half-life per entry of b ({b.size}), got {tau.size}")
    a = check_scalar("a", a, low=0.0, low_inclusive=False)
    d = check_scalar("d", d, low=0.0)
    normalizer = check_scalar("normalizer", normalizer, low=0.0, low_inclusive=False)

    flat = n.ravel()
    out = np.empty_like(flat)
    for j, nj in enumerate(flat):
        k_max = int(nj // P)
        k = np.arange(k_max + 1)
        b_k = np.mean(b[:, None] * 0.5 ** (k[None, :] / tau[:, None]), axis=0)
        seen = a * np.minimum(P * (k + 1), nj) / normalizer  # samples by the end of epoch k
        y = seen[0] ** b_k[0] + d
        if k_max >= 1:
            y *= np.prod((seen[1:] / (a * P * k[1:] / normalizer)) ** b_k[1:])
        out[j] = y
    return _out(out.reshape(n.shape))


def top_k_pools(bucket_size: float, b_buckets, tau: float):
    """Pools "top k buckets" for k = 1..len(b_buckets), as (pool_size, b list, tau list).

    Buckets are ordered best first (most negative b). Pool k has k buckets, size
    k x ``bucket_size``, and each bucket's half-life is ``tau`` x k (a bucket
    inside a larger pool is repeated k times less often), the convention of
    ``estimate_best_pool.py`` in Goyal et al.'s repository.
    """
    bucket_size = check_scalar("bucket_size", bucket_size, low=0.0, low_inclusive=False)
    b = as_float_array("b_buckets", b_buckets, min_size=1).ravel()
    tau = check_scalar("tau", tau, low=0.0, low_inclusive=False)
    return [(k * bucket_size, b[:k], np.full(k, tau * k)) for k in range(1, b.size + 1)]


def best_filtering_pool(n_samples, bucket_size: float, b_buckets, tau: float, a: float, d: float):
    """Loss of each top-k pool at each budget ``n_samples``, and the best k (1-based) per budget.

    Returns (losses with shape (len(b_buckets), len(n_samples)), best_k array).
    """
    n = as_float_array("n_samples", n_samples, positive=True).ravel()
    pools = top_k_pools(bucket_size, b_buckets, tau)
    losses = np.array([np.atleast_1d(filtering_loss(n, P, b, t, a, d)) for P, b, t in pools])
    return losses, np.argmin(losses, axis=0) + 1
