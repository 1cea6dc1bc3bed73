"""Kaplan et al. (2020), "Scaling Laws for Neural Language Models": every law, vectorised.

Units, as in the paper:

* ``N``: non-embedding parameters (count); ``D``: tokens (``D = B S``
  tokens processed); ``S``: optimizer steps; ``B``: tokens per batch;
* ``C``, ``C_min``: training compute in **PF-days** (1 PF-day = 8.64e19
  FLOPs; convert with :func:`scalinglaws.compute.flops_to_pf_days`);
* ``L``: cross-entropy loss in nats/token (WebText2 test set).

All constants come from :mod:`scalinglaws.constants` (``KAPLAN_TABLE5``,
``KAPLAN_LND``, ``KAPLAN_LNS``, ``KAPLAN_EFFICIENT``, ``KAPLAN_LR_RULE``);
nothing is retyped here. Equation numbers refer to arXiv:2001.08361.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws import compute
from scalinglaws import batch_size as _batch_size
from scalinglaws._validation import as_float_array, check_scalar, scalar_or_array
from scalinglaws.constants import (
    GPT_CONFIGS,
    KAPLAN_DATA_BOUND,
    KAPLAN_EFFICIENT,
    KAPLAN_LND,
    KAPLAN_LNS,
    KAPLAN_LR_RULE,
    KAPLAN_TABLE5,
)

__all__ = [
    "loss_N",
    "loss_D",
    "loss_C",
    "loss_C_min",
    "loss_ND",
    "loss_NS",
    "critical_batch",
    "steps_min",
    "tokens_min",
    "compute_min",
    "alpha_C_min",
    "frontier_exponents",
    "ComputeEfficient",
    "compute_efficient",
    "compute_efficient_from_flops",
    "efficient_stopping_ratio",
    "efficient_stopping_loss",
    "C_c_min_from_LNS",
    "N_efficient_from_LNS",
    "excess_compute",
    "model_size_range",
    "overfitting_penalty",
    "overfitting_penalty_from_ratio",
    "tokens_for_penalty",
    "learning_rate",
    "ConfigSummary",
    "explore_config",
    "OverfittingSummary",
    "explore_overfitting",
]

_T5 = KAPLAN_TABLE5


_out = scalar_or_array


def _positive_or_inf(name, value) -> np.ndarray:
    """Positive values where ``+inf`` is allowed (the unlimited-data or unlimited-steps limit)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    finite = np.where(np.isposinf(arr), 1.0, arr)
    as_float_array(name, finite, positive=True)
    return arr


def _exponent(name, value) -> float:
    return check_scalar(name, value, low=0.0, low_inclusive=False)


# ---------------------------------------------------------------------------
# One-variable laws (Table 5, Eqs. 1.1-1.4)
# ---------------------------------------------------------------------------


def loss_N(N):
    """L(N) = (N_c / N)^alpha_N, nats/token (Eq. 1.1; Table 5: alpha_N = 0.076, N_c = 8.8e13).

    The converged loss of a model with ``N`` non-embedding parameters trained
    on enough data (early stopped).
    """
    N = as_float_array("N", N, positive=True)
    return _out((_T5.N_c / N) ** _T5.alpha_N)


def loss_D(D):
    """L(D) = (D_c / D)^alpha_D, nats/token (Eq. 1.2; alpha_D = 0.095, D_c = 5.4e13 tokens).

    The loss of a large model trained with early stopping on ``D`` tokens.
    """
    D = as_float_array("D", D, positive=True)
    return _out((_T5.D_c / D) ** _T5.alpha_D)


def loss_C(C):
    """L(C) = (C_c / C)^alpha_C for ``C`` PF-days at Kaplan's fixed batch size (Eq. 3.3; 0.057, 1.6e7)."""
    C = as_float_array("C", C, positive=True)
    return _out((_T5.C_c / C) ** _T5.alpha_C)


def loss_C_min(C_min):
    """L(C_min) = (C_c^min / C_min)^alpha_C^min for ``C_min`` PF-days (Eq. 1.3; 0.050, 3.1e8).

    ``C_min`` is the compute when training at batch sizes far below the
    critical batch (the most compute-efficient way, Eq. 5.5).
    """
    C_min = as_float_array("C_min", C_min, positive=True)
    return _out((_T5.C_c_min / C_min) ** _T5.alpha_C_min)


# ---------------------------------------------------------------------------
# Two-variable laws (Eqs. 1.5, 1.6)
# ---------------------------------------------------------------------------


def loss_ND(N, D):
    """L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D, nats/token (Eq. 1.5, Table 2 fit).

    ``N`` (non-embedding parameters) and ``D`` (tokens) broadcast; ``D=np.inf``
    is allowed and gives the data-unlimited limit (N_c/N)^alpha_N.
    """
    N = as_float_array("N", N, positive=True)
    D = _positive_or_inf("D", D)
    p = KAPLAN_LND
    return _out(((p.N_c / N) ** (p.alpha_N / p.alpha_D) + p.D_c / D) ** p.alpha_D)


def loss_NS(N, S):
    """L(N, S) = (N_c/N)^alpha_N + (S_c/S)^alpha_S, nats/token (Eq. 1.6, Table 3 fit).

    ``S`` is the number of steps at a batch size well above the critical
    batch (S_min, Eq. 5.4); for other batch sizes pass ``steps_min(S, B, L)``.
    ``S=np.inf`` gives the converged loss (N_c/N)^alpha_N. Kaplan fit the law
    after the warm-up transient; it is not meant for the first few thousand steps.
    """
    N = as_float_array("N", N, positive=True)
    S = _positive_or_inf("S", S)
    p = KAPLAN_LNS
    return _out((p.N_c / N) ** p.alpha_N + (p.S_c / S) ** p.alpha_S)


# ---------------------------------------------------------------------------
# Critical batch and the step/data trade-off (Eqs. 5.1-5.5)
# ---------------------------------------------------------------------------


def critical_batch(L, B_star: float = _T5.B_star):
    """B_crit(L) = B_* / L^(1/alpha_B), tokens (Eq. 1.4/5.3; B_* = 2e8, alpha_B = 0.21).

    ``L`` in nats/token. Table 5 prints B_* = 2.1e8
    (``constants.KAPLAN_B_STAR_TABLE5``); pass it as ``B_star`` to use it.
    One implementation: :func:`scalinglaws.batch_size.critical_batch`.
    """
    return _batch_size.critical_batch(L, B_star=B_star)


def steps_min(S, B, L):
    """S_min = S / (1 + B_crit(L)/B): the steps needed at a very large batch (Eq. 5.4).

    ``S`` steps taken at batch ``B`` tokens to reach loss ``L`` nats/token
    (:func:`scalinglaws.batch_size.min_steps`).
    """
    return _batch_size.min_steps(S, B, L)


def tokens_min(D, B, L):
    """D_min = D / (1 + B/B_crit(L)): tokens needed at a very small batch (Eq. 5.1 solved; the paper's E_min).

    ``D = B S`` tokens processed at batch ``B`` tokens to reach loss ``L``
    (:func:`scalinglaws.batch_size.min_data`).
    """
    return _batch_size.min_data(D, B, L)


def compute_min(C, B, L):
    """C_min = C / (1 + B/B_crit(L)): compute at a very small batch (Eq. 5.5), same units as ``C``
    (:func:`scalinglaws.batch_size.min_compute`)."""
    return _batch_size.min_compute(C, B, L)


# ---------------------------------------------------------------------------
# The compute-efficient frontier (Eqs. 1.7-1.8, 6.1-6.7, Table 6, Appendix B)
# ---------------------------------------------------------------------------


def alpha_C_min(alpha_N=_T5.alpha_N, alpha_B=_T5.alpha_B, alpha_S=_T5.alpha_S) -> float:
    """alpha_C^min = 1 / (1/alpha_S + 1/alpha_B + 1/alpha_N) (Eq. 1.8).

    With Table 5's 0.076, 0.21, 0.76 this is 0.0520 (the paper's B.7); the
    directly fitted value printed in Table 5 is 0.050 and Eq. 6.4 says 0.054.
    """
    a_N = _exponent("alpha_N", alpha_N)
    a_B = _exponent("alpha_B", alpha_B)
    a_S = _exponent("alpha_S", alpha_S)
    return 1.0 / (1.0 / a_S + 1.0 / a_B + 1.0 / a_N)


def frontier_exponents(alpha_N=_T5.alpha_N, alpha_B=_T5.alpha_B, alpha_S=_T5.alpha_S) -> dict:
    """Predicted exponents of N, B, S ∝ C_min^p (Eq. 1.7): p_X = alpha_C^min / alpha_X; D = B S."""
    a = alpha_C_min(alpha_N, alpha_B, alpha_S)
    p_N, p_B, p_S = a / alpha_N, a / alpha_B, a / alpha_S
    return {"alpha_C_min": a, "p_N": p_N, "p_B": p_B, "p_S": p_S, "p_D": p_B + p_S}


class ComputeEfficient(NamedTuple):
    """Kaplan's compute-efficient allocation of C_min PF-days (Table 6)."""

    N: float | np.ndarray  # non-embedding parameters
    B: float | np.ndarray  # tokens per batch
    S: float | np.ndarray  # optimizer steps (S_min)
    D: float | np.ndarray  # tokens


def compute_efficient(C_min) -> ComputeEfficient:
    """N, B, S, D on the compute-efficient frontier for ``C_min`` PF-days (Table 6).

    N = 1.3e9 C^0.73, B = 2.0e6 C^0.24 tokens, S = 5.4e3 C^0.03, D = 2e10 C^0.27
    tokens, with C = C_min/PF-day. The four fits are separate, so B*S is not
    exactly D (Table 6 prints them independently).
    """
    C = as_float_array("C_min", C_min, positive=True)
    e = KAPLAN_EFFICIENT
    result = ComputeEfficient(e.N_e * C**e.p_N, e.B_e * C**e.p_B, e.S_e * C**e.p_S, e.D_e * C**e.p_D)
    if C.ndim == 0:
        result = ComputeEfficient(*(float(v) for v in result))
    return result


def compute_efficient_from_flops(C_min_flops) -> ComputeEfficient:
    """:func:`compute_efficient` for a budget given in FLOPs (converted to PF-days first)."""
    as_float_array("C_min_flops", C_min_flops, positive=True)
    return compute_efficient(compute.flops_to_pf_days(C_min_flops))


def efficient_stopping_ratio(alpha_N=KAPLAN_LNS.alpha_N, alpha_S=KAPLAN_LNS.alpha_S) -> float:
    """L_stop / L(N, inf) = 1 + alpha_N/alpha_S (Eq. B.5): compute-efficient training stops ~10% above convergence."""
    return 1.0 + _exponent("alpha_N", alpha_N) / _exponent("alpha_S", alpha_S)


def efficient_stopping_loss(N):
    """The loss (nats/token) at which compute-efficient training of an N-parameter model stops (Eq. B.5).

    (1 + alpha_N/alpha_S) (N_c/N)^alpha_N with the L(N, S) fit of Table 3; at
    that point (S_c/S)^alpha_S = (alpha_N/alpha_S) (N_c/N)^alpha_N.
    """
    N = as_float_array("N", N, positive=True)
    p = KAPLAN_LNS
    return _out(efficient_stopping_ratio() * (p.N_c / N) ** p.alpha_N)


def C_c_min_from_LNS(B_star: float = _T5.B_star) -> float:
    """C_c^min in PF-days predicted from the L(N, S) fit and B_crit (Eq. B.8).

    C_c = 6 N_c B_* S_c (1 + alpha_N/alpha_S)^(1/alpha_S + 1/alpha_N) (alpha_S/alpha_N)^(1/alpha_S),
    computed in FLOPs (N_c params x B_* tokens x S_c steps) and converted.
    """
    p = KAPLAN_LNS
    B_star = check_scalar("B_star", B_star, low=0.0, low_inclusive=False)
    r = p.alpha_N / p.alpha_S
    flops = 6.0 * p.N_c * B_star * p.S_c * (1 + r) ** (1 / p.alpha_S + 1 / p.alpha_N) * (1 / r) ** (1 / p.alpha_S)
    return compute.flops_to_pf_days(flops)


def N_efficient_from_LNS(C_min, B_star: float = _T5.B_star):
    """The compute-efficient N for ``C_min`` PF-days derived from L(N, S) and B_crit (Eqs. B.8-B.9).

    N = N_c (C_min / C_c)^(alpha_C/alpha_N) (1 + alpha_N/alpha_S)^(1/alpha_N), with
    alpha_C = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) from Tables 3 and 5.
    """
    C = as_float_array("C_min", C_min, positive=True)
    p = KAPLAN_LNS
    a_C = alpha_C_min(p.alpha_N, _T5.alpha_B, p.alpha_S)
    r = p.alpha_N / p.alpha_S
    return _out(p.N_c * (C / C_c_min_from_LNS(B_star)) ** (a_C / p.alpha_N) * (1 + r) ** (1 / p.alpha_N))


def excess_compute(size_ratio, alpha_N=KAPLAN_LNS.alpha_N, alpha_S=KAPLAN_LNS.alpha_S):
    """C(N)/C(N_eff) for a model ``size_ratio`` = N/N_eff times the efficient size, at the same loss (Eq. B.15).

    Holding the target loss L fixed (so B_crit is fixed), C is proportional to
    N S with S from L(N, S). With N_eff the efficient size for L:
    C/C_eff = x [1 + (alpha_S/alpha_N)(1 - x^(-alpha_N))]^(-1/alpha_S), x = N/N_eff.
    Models below x_min = (1 + alpha_N/alpha_S)^(-1/alpha_N) can never reach L
    (``ValueError``). Returns the ratio (>= 1; minus 1 is the extra compute).
    """
    x = as_float_array("size_ratio", size_ratio, positive=True)
    a_N = _exponent("alpha_N", alpha_N)
    a_S = _exponent("alpha_S", alpha_S)
    inner = 1.0 + (a_S / a_N) * (1.0 - x ** (-a_N))
    if not np.all(inner > 0):
        x_min = (1 + a_N / a_S) ** (-1 / a_N)
        raise ValueError(f"size_ratio must exceed {x_min:.4g}: smaller models never reach the target loss")
    return _out(x * inner ** (-1.0 / a_S))


def model_size_range(max_excess: float = 0.2, alpha_N=KAPLAN_LNS.alpha_N, alpha_S=KAPLAN_LNS.alpha_S) -> tuple[float, float]:
    """The interval of N/N_eff whose extra compute is at most ``max_excess`` (e.g. 0.2 = 20%), by root finding."""
    from scipy.optimize import brentq

    m = check_scalar("max_excess", max_excess, low=0.0, low_inclusive=False)
    a_N, a_S = _exponent("alpha_N", alpha_N), _exponent("alpha_S", alpha_S)
    x_min = (1 + a_N / a_S) ** (-1 / a_N)
    f = lambda x: excess_compute(x, a_N, a_S) - 1.0 - m  # noqa: E731
    lo = brentq(f, x_min * (1 + 1e-12), 1.0)
    hi_end = 2.0
    while f(hi_end) < 0:
        hi_end *= 2
    hi = brentq(f, 1.0, hi_end)
    return lo, hi


# ---------------------------------------------------------------------------
# Overfitting (Eqs. 4.2-4.4)
# ---------------------------------------------------------------------------


def overfitting_penalty(N, D):
    """delta L = L(N, D)/L(N, inf) - 1 = (1 + (N/N_c)^(alpha_N/alpha_D) D_c/D)^alpha_D - 1 (Eq. 4.3, Table 2)."""
    N = as_float_array("N", N, positive=True)
    D = as_float_array("D", D, positive=True)
    p = KAPLAN_LND
    return _out(np.expm1(p.alpha_D * np.log1p((N / p.N_c) ** (p.alpha_N / p.alpha_D) * p.D_c / D)))


def overfitting_penalty_from_ratio(ratio):
    """delta L as a function of the single variable ``ratio`` = N^(alpha_N/alpha_D) / D (Eq. 4.3).

    delta L = (1 + D_c N_c^(-alpha_N/alpha_D) ratio)^alpha_D - 1 (N in parameters, D in tokens).
    """
    x = as_float_array("ratio", ratio, nonnegative=True)
    p = KAPLAN_LND
    k = p.D_c / p.N_c ** (p.alpha_N / p.alpha_D)
    return _out(np.expm1(p.alpha_D * np.log1p(k * x)))


def tokens_for_penalty(N, penalty: float = KAPLAN_DATA_BOUND["seed_noise"]):
    """Tokens D at which an N-parameter model's overfitting penalty equals ``penalty`` (Eq. 4.3 solved).

    D = D_c (N/N_c)^(alpha_N/alpha_D) / ((1 + penalty)^(1/alpha_D) - 1). With
    penalty = 0.02 (the seed-to-seed noise) this is about 5.5e3 N^0.74, the
    origin of Kaplan's D >~ 5e3 N^0.74 (Eq. 4.4).
    """
    N = as_float_array("N", N, positive=True)
    penalty = check_scalar("penalty", penalty, low=0.0, low_inclusive=False)
    p = KAPLAN_LND
    return _out(p.D_c * (N / p.N_c) ** (p.alpha_N / p.alpha_D) / np.expm1(np.log1p(penalty) / p.alpha_D))


# ---------------------------------------------------------------------------
# Learning rate (Eq. D.1)
# ---------------------------------------------------------------------------


def learning_rate(N):
    """Kaplan's rule of thumb LR(N) ≈ 0.003239 − 0.0001395 ln N (Eq. D.1), N non-embedding parameters.

    We read the log as natural (about 2.3e-3 at N = 1e3 and 3.5e-4 at N = 1e9);
    the paper does not state the base. The rule turns negative above
    N ≈ 1.2e10 (``ValueError``): it is a fit to Kaplan's models, not a law.
    """
    N = as_float_array("N", N, positive=True)
    lr = KAPLAN_LR_RULE["intercept"] + KAPLAN_LR_RULE["slope"] * np.log(N)
    if not np.all(lr > 0):
        raise ValueError("N is too large: Kaplan's learning-rate rule (Eq. D.1) gives a non-positive rate there")
    return _out(lr)


# ---------------------------------------------------------------------------
# Explorers for the chapter's widgets
# ---------------------------------------------------------------------------


class ConfigSummary(NamedTuple):
    """Parameters and FLOPs of a GPT-style config, and Kaplan's predicted loss."""

    params_nonembedding: int
    params_embedding: int
    params_total: int
    forward_flops_per_token: int  # FLOPs, Kaplan Eq. 2.2 (no logits)
    training_flops_per_token: int  # FLOPs, 3 x forward
    six_N: int  # FLOPs, the 6N approximation
    attention_share: float  # share of the n_ctx term in the forward FLOPs
    loss_N: float  # nats/token, L(N) of Eq. 1.1


_GPT2_SMALL = GPT_CONFIGS["GPT-2 small"]


def explore_config(n_layer=_GPT2_SMALL[0], d_model=_GPT2_SMALL[1], n_ctx=_GPT2_SMALL[2],
                   n_vocab=_GPT2_SMALL[3]) -> ConfigSummary:
    """The calculator behind the chapter's widget: a config to parameters, FLOPs and L(N).

    Defaults are GPT-2 small. Embeddings are token + learned positions,
    tied with the output layer, as in Kaplan et al.'s models.
    """
    N = compute.params_nonembedding(n_layer, d_model)
    emb = compute.params_embedding(n_vocab, d_model, n_ctx)
    fwd = compute.flops_per_token_forward(n_layer, d_model, n_ctx)
    ctx = 2 * int(n_layer) * int(n_ctx) * int(d_model)
    return ConfigSummary(N, emb, N + emb, fwd, 3 * fwd, 6 * N, ctx / fwd, loss_N(N))


class OverfittingSummary(NamedTuple):
    """What L(N, D) says about a model of N parameters trained on D tokens."""

    loss: float  # L(N, D), nats/token
    loss_converged: float  # L(N, inf)
    loss_data_limited: float  # L(inf, D) = (D_c/D)^alpha_D
    penalty: float  # L(N, D)/L(N, inf) - 1
    tokens_needed: float  # D for a 2% penalty
    ratio: float  # N^(alpha_N/alpha_D) / D


def explore_overfitting(N=1e8, D=1e9) -> OverfittingSummary:
    """The second widget: Kaplan's L(N, D) (Table 2) for one model size and data set size."""
    N = check_scalar("N", N, low=0.0, low_inclusive=False)
    D = check_scalar("D", D, low=0.0, low_inclusive=False)
    p = KAPLAN_LND
    return OverfittingSummary(
        loss_ND(N, D),
        loss_ND(N, np.inf),
        (p.D_c / D) ** p.alpha_D,
        overfitting_penalty(N, D),
        tokens_for_penalty(N),
        N ** (p.alpha_N / p.alpha_D) / D,
    )
