"""Reconciling Kaplan's N* ~ C^0.73 with Chinchilla's N* ~ C^0.5.

Two published accounts, and the parts of each that can be computed:

* Pearce & Song (2024): Kaplan counted **non-embedding** parameters
  N_\\E and compute C_\\E = 6 N_\\E D on small models. With a fixed aspect
  ratio A = d_model / n_layer, the total count is
  N_T = N_\\E + omega N_\\E^(1/3) (their Eq. 11). Feeding Chinchilla's law
  L = E + A/N_T^alpha + B/D^beta through that bookkeeping gives a frontier
  N*_\\E(C_\\E) whose local exponent g runs from beta/(alpha/3 + beta) at
  small models to beta/(alpha + beta) at large ones; over Kaplan's model
  range a power-law fit gives about 0.78 (Epoch's coefficients) or 0.74
  (Chinchilla's).
* Porian et al. (2024): the unembedding ("last layer") FLOPs that Kaplan's
  6 N_\\E count omits, a warmup that is too long for small budgets, and
  hyperparameters not tuned per scale. The first is pure arithmetic
  (:func:`last_layer_flops_share`); the others are experimental results,
  tabulated by :func:`porian_table`.

Units: parameters (count), tokens, FLOPs (C = 6 N D), loss in nats/token.
Coefficient sets are :class:`scalinglaws.constants.ParametricLoss` records
(``EPOCH_2024``, ``CHINCHILLA``, ``CHINCHILLA_ROUNDED``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from scalinglaws import compute
from scalinglaws._validation import as_float_array, check_in, check_instance, check_scalar, scalar_or_array
from scalinglaws.constants import (
    CHINCHILLA,
    CHINCHILLA_ROUNDED,
    EPOCH_2024,
    KAPLAN_SETUP,
    PEARCE_SONG_OMEGA,
    PEARCE_SONG_SIMULATION,
    PORIAN_2024_EXPONENTS,
    ParametricLoss,
)

__all__ = [
    "COEFFICIENT_SETS",
    "COUNTINGS",
    "omega_from_shape",
    "total_params",
    "frontier_compute_nonembedding",
    "local_exponent",
    "local_exponent_limits",
    "local_exponent_peak",
    "loss_compute_exponent",
    "FrontierSimulation",
    "simulate_frontier",
    "explore_counting",
    "last_layer_flops_share",
    "last_layer_share_by_size",
    "porian_table",
]

#: Coefficient sets offered to the explorer, by name.
COEFFICIENT_SETS: dict[str, ParametricLoss] = {
    "epoch": EPOCH_2024,
    "chinchilla": CHINCHILLA,
    "chinchilla-rounded": CHINCHILLA_ROUNDED,
}

#: Parameter/compute countings: Kaplan's non-embedding or Chinchilla's total.
COUNTINGS = ("nonembedding", "total")

_PORIAN_STEPS = ("kaplan_reproduction", "last_layer_flops", "warmup", "cosine_decay", "optimizer_tuning")



_scalar = scalar_or_array


def omega_from_shape(aspect_ratio, n_vocab, n_ctx=0) -> float:
    """Coefficient omega of N_T = N_\\E + omega N_\\E^(1/3) for a fixed aspect ratio.

    With A = d_model / n_layer and N_\\E = 12 n_layer d_model^2 = (12/A) d^3,
    the width is d = (A N_\\E / 12)^(1/3) and the embeddings add
    (n_vocab + n_ctx) d parameters, so omega = (n_vocab + n_ctx) (A/12)^(1/3).
    ``n_ctx=0`` (the default) for models without learned position embeddings.
    """
    A = check_scalar("aspect_ratio", aspect_ratio, low=0, low_inclusive=False)
    V = check_scalar("n_vocab", n_vocab, low=1)
    n_ctx = check_scalar("n_ctx", n_ctx, low=0)
    return (V + n_ctx) * (A / 12.0) ** (1.0 / 3.0)


def total_params(n_params_nonembedding, omega=PEARCE_SONG_OMEGA):
    """Total parameters N_T = N_\\E + omega N_\\E^(1/3) (Pearce & Song Eq. 11)."""
    x = as_float_array("n_params_nonembedding", n_params_nonembedding, positive=True)
    omega = check_scalar("omega", omega, low=0)
    return _scalar(x + omega * np.cbrt(x))


def frontier_compute_nonembedding(n_params_nonembedding, law: ParametricLoss = EPOCH_2024, omega=PEARCE_SONG_OMEGA):
    """Non-embedding compute C_\\E (FLOPs) at which N_\\E = ``n_params_nonembedding`` is optimal.

    Minimising L = E + A/N_T^alpha + B/D^beta over x = N_\\E at fixed
    C_\\E = 6 x D, with N_T = x + omega x^(1/3), gives (Pearce & Song's Eq. 16)

        C_\\E = 6 x (x + omega/3 x^(1/3))^(-1/beta) (x + omega x^(1/3))^((1+alpha)/beta)
                (beta B / (alpha A))^(1/beta).
    """
    law = check_instance("law", law, ParametricLoss)
    x = as_float_array("n_params_nonembedding", n_params_nonembedding, positive=True)
    omega = check_scalar("omega", omega, low=0)
    a, b = law.alpha, law.beta
    c13 = np.cbrt(x)
    # in logs: the powers overflow for large x otherwise
    logC = (np.log(6.0 * x) - np.log(x + omega / 3.0 * c13) / b + (1.0 + a) / b * np.log(x + omega * c13)
            + np.log(b * law.B / (a * law.A)) / b)
    return _scalar(np.exp(logC))


def local_exponent(n_params_nonembedding, law: ParametricLoss = EPOCH_2024, omega=PEARCE_SONG_OMEGA):
    """Local exponent g = dlog N*_\\E / dlog C_\\E of the non-embedding frontier at N*_\\E = x.

    Differentiating Eq. 16 (each factor (x + k x^(1/3)) has log-slope
    (x^(2/3) + k/3) / (x^(2/3) + k)):

        1/g = 1 - (1/beta) (x^(2/3) + omega/9)/(x^(2/3) + omega/3)
                + ((1+alpha)/beta) (x^(2/3) + omega/3)/(x^(2/3) + omega).
    """
    law = check_instance("law", law, ParametricLoss)
    x = as_float_array("n_params_nonembedding", n_params_nonembedding, positive=True)
    omega = check_scalar("omega", omega, low=0)
    a, b = law.alpha, law.beta
    x23 = np.cbrt(x) ** 2
    inv_g = 1.0 - (x23 + omega / 9.0) / (x23 + omega / 3.0) / b + (1.0 + a) / b * (x23 + omega / 3.0) / (x23 + omega)
    return _scalar(1.0 / inv_g)


def local_exponent_limits(law: ParametricLoss = EPOCH_2024) -> tuple[float, float]:
    """Limits of g: small models beta/(alpha/3 + beta), large models beta/(alpha + beta) (Chinchilla's a)."""
    law = check_instance("law", law, ParametricLoss)
    a, b = law.alpha, law.beta
    return b / (a / 3.0 + b), b / (a + b)


def local_exponent_peak(law: ParametricLoss = EPOCH_2024, omega=PEARCE_SONG_OMEGA) -> tuple[float, float]:
    """Where g peaks: ``(n_params_nonembedding, g_max)``, found with scipy's bounded Brent search.

    g is not monotone: it rises from beta/(alpha/3 + beta) to a peak, then falls
    to beta/(alpha + beta). With t = omega / x^(2/3), 1/g at t = 3 is
    1 + (alpha - 1/3)/(2 beta), so for alpha near 1/3 the peak is near
    x = (omega/3)^(3/2) and g there is close to 1.
    """
    law = check_instance("law", law, ParametricLoss)
    omega = check_scalar("omega", omega, low=0, low_inclusive=False)
    # search in u = log(x) around the transition x ~ omega^(3/2), where t = omega/x^(2/3) spans 1e-3..1e3
    centre = 1.5 * np.log(omega)
    res = optimize.minimize_scalar(lambda u: -local_exponent(np.exp(u), law, omega),
                                   bounds=(centre - 1.5 * np.log(1e3), centre + 1.5 * np.log(1e3)),
                                   method="bounded", options={"xatol": 1e-9})
    return float(np.exp(res.x)), float(-res.fun)


def loss_compute_exponent(law: ParametricLoss = EPOCH_2024) -> float:
    """Exponent gamma of (L* - E) ~ C^(-gamma) on the compute-optimal frontier: alpha beta / (alpha + beta).

    On the frontier N_opt ~ C^(beta/(alpha+beta)) and D_opt ~ C^(alpha/(alpha+beta)),
    so both A/N^alpha and B/D^beta fall as C^(-alpha beta/(alpha+beta)).
    """
    law = check_instance("law", law, ParametricLoss)
    return law.alpha * law.beta / (law.alpha + law.beta)


class FrontierSimulation(NamedTuple):
    """Result of :func:`simulate_frontier`.

    ``n_params`` are the models in the chosen counting, ``compute`` the budgets
    (FLOPs, same counting), ``n_star`` and ``loss_star`` the best model and its
    loss at each budget; ``exponent``/``log_coefficient`` the least-squares fit
    ln N* = exponent ln C + log_coefficient; ``loss_exponent`` the slope of
    ln L* against ln C, i.e. Kaplan's offset-free form L* ~ C^loss_exponent.
    """

    counting: str
    n_params: np.ndarray
    n_params_total: np.ndarray
    n_params_nonembedding: np.ndarray
    compute: np.ndarray
    n_star: np.ndarray
    loss_star: np.ndarray
    exponent: float
    log_coefficient: float
    loss_exponent: float


def _auto_compute_range(law, counting, n_nonemb, n_total):
    """Budgets at which the smallest and largest model are optimal on the continuous frontier."""
    lo, hi = n_nonemb.min(), n_nonemb.max()
    omega = (n_total[0] - n_nonemb[0]) / np.cbrt(n_nonemb[0])
    if counting == "nonembedding":
        c = frontier_compute_nonembedding(np.array([lo, hi]), law, omega)
    else:
        # invert Chinchilla's N_opt = G (C/6)^a for the models' total sizes
        a = law.beta / (law.alpha + law.beta)
        G = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
        c = 6.0 * (np.array([n_total.min(), n_total.max()]) / G) ** (1.0 / a)
    return float(np.log10(c[0])), float(np.log10(c[1]))


def simulate_frontier(law: ParametricLoss = EPOCH_2024, counting: str = "nonembedding",
                      log10_n_range=PEARCE_SONG_SIMULATION["log10_n_nonembedding_range"],
                      n_models: int = PEARCE_SONG_SIMULATION["n_models"],
                      log10_compute_range=None, n_compute: int = PEARCE_SONG_SIMULATION["n_compute"],
                      aspect_ratio=PEARCE_SONG_SIMULATION["aspect_ratio"],
                      n_vocab=PEARCE_SONG_SIMULATION["n_vocab"], method: str = "exact") -> FrontierSimulation:
    """Pearce & Song's simulation: the compute-efficient frontier of a finite family of models.

    ``n_models`` models with non-embedding sizes log-spaced over
    ``10**log10_n_range`` get ``N_T = N_\\E + omega N_\\E^(1/3)`` total parameters,
    omega from ``aspect_ratio`` and ``n_vocab`` (:func:`omega_from_shape`).
    Their loss is ``law``'s L(N_T, D). For each of ``n_compute`` log-spaced
    budgets C the best model is kept, where C = 6 N_\\E D (``counting=
    "nonembedding"``, Kaplan's bookkeeping) or C = 6 N_T D (``"total"``), and a
    power law N* ~ C^g is fitted by least squares in log-log space.

    ``log10_compute_range=None`` spans the budgets at which the smallest and
    largest model are optimal on the continuous frontier; pass the authors'
    ``PEARCE_SONG_SIMULATION["log10_compute_range_<counting>"]`` to reproduce
    them. ``method="exact"`` evaluates each model at D = C/(6N);
    ``method="grid"`` copies the authors' code, which reads the loss at the
    nearest of 1000 log-spaced D in [1e6, 1e25] (clamped at the grid's ends).
    """
    law = check_instance("law", law, ParametricLoss)
    check_in("counting", counting, COUNTINGS)
    check_in("method", method, ("exact", "grid"))
    rng = as_float_array("log10_n_range", log10_n_range)
    if rng.shape != (2,) or not rng[0] < rng[1]:
        raise ValueError(f"log10_n_range must be (low, high) with low < high, got {log10_n_range!r}")
    if not (0.0 <= rng[0] and rng[1] <= 15.0):
        raise ValueError(f"log10_n_range must lie within [0, 15], got {log10_n_range!r}")
    n_models = check_scalar("n_models", n_models, low=2, high=10_000, integer=True)
    n_compute = check_scalar("n_compute", n_compute, low=2, high=100_000, integer=True)
    omega = omega_from_shape(aspect_ratio, n_vocab)

    n_nonemb = np.logspace(rng[0], rng[1], n_models)
    n_total = n_nonemb + omega * np.cbrt(n_nonemb)
    n_count = n_nonemb if counting == "nonembedding" else n_total

    if log10_compute_range is None:
        c_lo, c_hi = _auto_compute_range(law, counting, n_nonemb, n_total)
    else:
        crng = as_float_array("log10_compute_range", log10_compute_range)
        if crng.shape != (2,) or not crng[0] < crng[1] or not (0.0 < crng[0] and crng[1] < 40.0):
            raise ValueError(
                f"log10_compute_range must be (low, high) with 0 < low < high < 40, got {log10_compute_range!r}")
        c_lo, c_hi = float(crng[0]), float(crng[1])
    C = np.logspace(c_lo, c_hi, n_compute)

    if method == "exact":
        D = C[:, None] / (6.0 * n_count[None, :])
    else:
        lo_d, hi_d, n_d = PEARCE_SONG_SIMULATION["log10_tokens_grid"]
        D_grid = np.logspace(lo_d, hi_d, n_d)
        C_grid = 6.0 * n_count[None, :] * D_grid[:, None]  # (n_d, n_models)
        # nearest grid point in |C_grid - C|, as the authors' code does
        idx = np.abs(C_grid[None, :, :] - C[:, None, None]).argmin(axis=1)  # (n_compute, n_models)
        D = D_grid[idx]
    L = law.E + law.A / n_total[None, :] ** law.alpha + law.B / D**law.beta
    best = L.argmin(axis=1)
    n_star = n_count[best]
    loss_star = L[np.arange(n_compute), best]
    g, log_k = np.polyfit(np.log(C), np.log(n_star), 1)
    loss_slope = np.polyfit(np.log(C), np.log(loss_star), 1)[0]
    return FrontierSimulation(counting, n_count, n_total, n_nonemb, C, n_star, loss_star,
                              float(g), float(log_k), float(loss_slope))


def explore_counting(counting: str = "nonembedding", log10_n_min: float = 2.9, log10_n_max: float = 9.2,
                     coefficients: str = "epoch", n_models: int = 20) -> FrontierSimulation:
    """The explorer behind the chapter's widget: one simulation from plain choices.

    ``counting``: ``"nonembedding"`` (Kaplan) or ``"total"`` (Chinchilla);
    ``log10_n_min``/``log10_n_max``: the range of non-embedding model sizes;
    ``coefficients``: a key of :data:`COEFFICIENT_SETS`. Returns the
    :class:`FrontierSimulation` (points and fitted exponent).
    """
    check_in("coefficients", coefficients, COEFFICIENT_SETS)
    lo = check_scalar("log10_n_min", log10_n_min, low=0.0, high=15.0)
    hi = check_scalar("log10_n_max", log10_n_max, low=0.0, high=15.0)
    if not lo < hi:
        raise ValueError(f"log10_n_min must be below log10_n_max, got {log10_n_min!r} >= {log10_n_max!r}")
    return simulate_frontier(COEFFICIENT_SETS[coefficients], counting, (lo, hi), n_models)


def last_layer_flops_share(n_layer, d_model, n_vocab=KAPLAN_SETUP["n_vocab"], n_ctx=0) -> float:
    """Fraction of training FLOPs per token spent in the unembedding (output logits) layer.

    The head costs 2 d_model n_vocab forward FLOPs per token (Kaplan et al.,
    Table 1), which Kaplan's C = 6 N_\\E D leaves out (Porian et al. 2024).
    Share = 2 d V / (2 N_\\E + 2 n_layer n_ctx d + 2 d V), computed with
    :func:`scalinglaws.compute.flops_per_token_forward`; ``n_ctx=0`` leaves the
    attention-context term out, as both 6N conventions do.
    """
    with_head = compute.flops_per_token_forward(n_layer, d_model, n_ctx, n_vocab=n_vocab)
    without = compute.flops_per_token_forward(n_layer, d_model, n_ctx)
    return (with_head - without) / with_head


def last_layer_share_by_size(d_models, aspect_ratio=PEARCE_SONG_SIMULATION["aspect_ratio"],
                             n_vocab=KAPLAN_SETUP["n_vocab"], n_ctx=0):
    """Last-layer FLOP share for a family of widths at a fixed aspect ratio d_model / n_layer.

    Returns ``(n_params_nonembedding, share)`` arrays; ``n_layer`` is
    ``max(1, round(d_model / aspect_ratio))``.
    """
    d = as_float_array("d_models", d_models, positive=True, min_size=1).ravel()
    if not np.all(d == np.round(d)):
        raise ValueError("d_models must be whole numbers")
    A = check_scalar("aspect_ratio", aspect_ratio, low=0, low_inclusive=False)
    n_params, share = [], []
    for dm in d.astype(int):
        n_layer = max(1, int(round(dm / A)))
        n_params.append(compute.params_nonembedding(n_layer, int(dm)))
        share.append(last_layer_flops_share(n_layer, int(dm), n_vocab, n_ctx))
    return np.array(n_params, dtype=float), np.array(share)


def porian_table(dataset: str = "RefinedWeb") -> list[tuple[str, float, tuple[float, float]]]:
    """Porian et al.'s exponent a of N* ~ C^a after each cumulative correction.

    Rows ``(step, a, (low, high))`` in order: reproducing Kaplan, + last-layer
    FLOPs, + warmup fix, + cosine decay, + optimizer tuning (with a constant
    learning rate); intervals are 95% bootstrap quantiles.
    """
    check_in("dataset", dataset, [k for k in PORIAN_2024_EXPONENTS if k != "source"])
    table = PORIAN_2024_EXPONENTS[dataset]
    return [(step, table[step][0], table[step][1]) for step in _PORIAN_STEPS]
