"""Inference-aware scaling: when to train a smaller model on more tokens.

Chinchilla's compute-optimal allocation (Hoffmann et al. 2022) minimises
*training* FLOPs 6·N·D_tr at a given loss. A model that is then used serves
D_inf tokens at about 2·N FLOPs each, so its lifetime cost is

    total FLOPs = 6·N·D_tr + 2·N·D_inf.

Sardana et al. (2024) minimise that total subject to L(N, D_tr) = ℓ, with L
Chinchilla's parametric law E + A/N^α + B/D^β
(:func:`scalinglaws.chinchilla.loss`). This module solves that problem along
the iso-loss curve, states it the other way round (best loss for a total
budget), measures the compute penalty of a model k times smaller than the
compute-optimal one at the same loss, maps a law with α = β onto Gadre et
al.'s (2024) over-training form L(C, M) = E + (a·M^η + b·M^−η)·C^−η with
M = D/N, and lists real models' tokens per parameter.

Units: N parameters, D tokens, C FLOPs, L nats/token.

The iso-loss curve is parametrised by the share s of the reducible loss
ℓ − E carried by the parameter term, A/N^α = s·(ℓ − E) and
B/D^β = (1 − s)·(ℓ − E); s ∈ (0, 1). The compute-optimal point is
s* = β/(α + β); inference-aware optima have s ∈ [s*, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

from scalinglaws._validation import as_float_array, check_instance, check_scalar, scalar_or_array
from scalinglaws.chinchilla import compute_optimal
from scalinglaws.constants import (
    DEFAULT_LAW,
    CHINCHILLA,
    MINICPM_TOKENS_PER_PARAM,
    MODELS,
    SARDANA_2024_EXAMPLE,
    ParametricLoss,
)

__all__ = [
    "total_flops",
    "inference_share",
    "min_params_for_loss",
    "iso_loss_tokens",
    "chinchilla_point_for_loss",
    "chinchilla_quality_loss",
    "InferenceOptimal",
    "inference_optimal",
    "budget_optimal",
    "min_size_ratio",
    "overtraining_penalty",
    "overtraining_tokens_ratio",
    "size_ratio_for_penalty",
    "Equivalent",
    "compute_optimal_equivalent",
    "GadreLoss",
    "gadre_from_parametric",
    "gadre_loss",
    "gadre_optimal_ratio",
    "gadre_compute_multiplier",
    "ModelRatio",
    "real_model_ratios",
    "SardanaCheck",
    "sardana_example",
    "Exploration",
    "explore_inference",
]



_scalar = scalar_or_array


def _check_loss_target(loss_target, law: ParametricLoss) -> float:
    return check_scalar("loss_target", loss_target, low=law.E, low_inclusive=False)


# ---------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------


def total_flops(N, D_tr, D_inf):
    """Lifetime FLOPs 6·N·D_tr (training) + 2·N·D_inf (inference, forward only)."""
    N = as_float_array("N", N, positive=True)
    D_tr = as_float_array("D_tr", D_tr, positive=True)
    D_inf = as_float_array("D_inf", D_inf, nonnegative=True)
    return _scalar(6.0 * N * D_tr + 2.0 * N * D_inf)


def inference_share(D_tr, D_inf):
    """Fraction of lifetime FLOPs spent on inference, 2·D_inf / (6·D_tr + 2·D_inf).

    It does not depend on N, and it exceeds one half exactly when D_inf > 3·D_tr.
    """
    D_tr = as_float_array("D_tr", D_tr, positive=True)
    D_inf = as_float_array("D_inf", D_inf, nonnegative=True)
    return _scalar(2.0 * D_inf / (6.0 * D_tr + 2.0 * D_inf))


# ---------------------------------------------------------------------------
# The iso-loss curve L(N, D) = loss_target
# ---------------------------------------------------------------------------


def min_params_for_loss(loss_target, law: ParametricLoss = DEFAULT_LAW) -> float:
    """Smallest N that can reach ``loss_target`` with unlimited data: (A / (ℓ − E))^(1/α)."""
    law = check_instance("law", law, ParametricLoss)
    ell = _check_loss_target(loss_target, law)
    return (law.A / (ell - law.E)) ** (1.0 / law.alpha)


def iso_loss_tokens(N, loss_target, law: ParametricLoss = DEFAULT_LAW):
    """Training tokens D_tr that bring an N-parameter model to ``loss_target`` (closed form).

    D_tr = (B / (ℓ − E − A/N^α))^(1/β); ``N`` must exceed :func:`min_params_for_loss`.
    """
    law = check_instance("law", law, ParametricLoss)
    ell = _check_loss_target(loss_target, law)
    N = as_float_array("N", N, positive=True)
    gap = ell - law.E - law.A / N**law.alpha
    if not np.all(gap > 0):
        raise ValueError(
            f"N must exceed the smallest model that can reach loss_target={ell:g}, "
            f"{min_params_for_loss(ell, law):.4g} parameters"
        )
    return _scalar((law.B / gap) ** (1.0 / law.beta))


def _point(s: float, ell: float, law: ParametricLoss) -> tuple[float, float]:
    """(N, D) on the iso-loss curve where the parameter term carries share s of ℓ − E."""
    g = ell - law.E
    N = (law.A / (s * g)) ** (1.0 / law.alpha)
    D = (law.B / ((1.0 - s) * g)) ** (1.0 / law.beta)
    return N, D


def chinchilla_point_for_loss(loss_target, law: ParametricLoss = DEFAULT_LAW) -> tuple[float, float]:
    """(N, D) that reach ``loss_target`` with the least training compute 6·N·D.

    It is the point s* = β/(α+β) of the iso-loss curve, where α·A/N^α = β·B/D^β,
    i.e. the Chinchilla compute-optimal model whose predicted loss is ``loss_target``.
    """
    law = check_instance("law", law, ParametricLoss)
    ell = _check_loss_target(loss_target, law)
    return _point(law.beta / (law.alpha + law.beta), ell, law)


def chinchilla_quality_loss(N, law: ParametricLoss = DEFAULT_LAW):
    """Loss of the compute-optimal (Chinchilla-trained) model with ``N`` parameters.

    The optimum satisfies α·A/N^α = β·B/D^β, so L = E + (A/N^α)·(1 + α/β).
    """
    law = check_instance("law", law, ParametricLoss)
    N = as_float_array("N", N, positive=True)
    return _scalar(law.E + law.A / N**law.alpha * (1.0 + law.alpha / law.beta))


# ---------------------------------------------------------------------------
# Sardana et al.: minimise 6·N·D_tr + 2·N·D_inf at fixed loss
# ---------------------------------------------------------------------------


class InferenceOptimal(NamedTuple):
    """Model that reaches a loss with the least lifetime (training + inference) compute."""

    N: float  # parameters
    D_tr: float  # training tokens
    tokens_per_param: float
    train_flops: float
    inference_flops: float
    total_flops: float
    loss: float  # nats/token


def _make_result(N: float, D: float, D_inf: float, law: ParametricLoss) -> InferenceOptimal:
    train, inf = 6.0 * N * D, 2.0 * N * D_inf
    return InferenceOptimal(N, D, D / N, train, inf, train + inf, law.E + law.A / N**law.alpha + law.B / D**law.beta)


def _solve_share(ell: float, D_inf: float, law: ParametricLoss) -> float:
    """Share s ∈ [s*, 1) solving the stationarity condition D_inf = 3·D·(r − 1).

    r = α·A N^−α / (β·B D^−β) = α s / (β (1 − s)). Written in z = ln(1 − s),
    F(z) = ln(3 D (r − 1)) − ln D_inf is strictly decreasing, from +∞ as
    z → −∞ (s → 1, N → N_min, D → ∞) to −∞ at z* = ln(α/(α+β)) (the
    Chinchilla point), so brentq on a bracket found by doubling is safe.
    """
    a, b, g = law.alpha, law.beta, ell - law.E
    w_star = a / (a + b)
    s_star = 1.0 - w_star
    if D_inf == 0.0:
        return s_star
    log_target = math.log(D_inf)

    def F(z: float) -> float:
        w = math.exp(z)
        log_D = (math.log(law.B) - z - math.log(g)) / b
        excess = a * (1.0 - w) - b * w  # β w (r − 1), positive for w < w*
        return math.log(3.0) + log_D + math.log(excess) - math.log(b * w) - log_target

    z_hi = math.log(w_star) + math.log1p(-1e-13)
    if F(z_hi) >= 0.0:  # D_inf so small that the optimum is the Chinchilla point to 1e-13
        return 1.0 - math.exp(z_hi)
    z_lo = math.log(w_star) - 1.0
    while F(z_lo) <= 0.0:
        z_lo -= 2.0 * (1.0 + abs(z_lo))
        if z_lo < -1e4:  # pragma: no cover - would need D_inf beyond any float
            raise ValueError(f"D_inf={D_inf:g} is too large to solve for")
    z = brentq(F, z_lo, z_hi, xtol=1e-15, rtol=1e-15, maxiter=500)
    return -math.expm1(z)


def inference_optimal(loss_target, D_inf, law: ParametricLoss = DEFAULT_LAW) -> InferenceOptimal:
    """Sardana et al.'s optimum: argmin of 6·N·D_tr + 2·N·D_inf subject to L(N, D_tr) = ``loss_target``.

    The Lagrangian condition is D_inf = 3·D_tr·(α·A/N^α / (β·B/D_tr^β) − 1); it is
    solved with scipy's ``brentq`` along the iso-loss curve, D_tr given by
    :func:`iso_loss_tokens`. ``D_inf = 0`` gives the Chinchilla compute-optimal
    model of that loss; as D_inf grows, N falls toward :func:`min_params_for_loss`.
    ``D_inf`` may be an array (one solve per value).
    """
    law = check_instance("law", law, ParametricLoss)
    ell = _check_loss_target(loss_target, law)
    D_inf_arr = as_float_array("D_inf", D_inf, nonnegative=True)
    results = []
    for d in D_inf_arr.ravel():
        N, D = _point(_solve_share(ell, float(d), law), ell, law)
        results.append(_make_result(N, D, float(d), law))
    if D_inf_arr.ndim == 0:
        return results[0]
    return InferenceOptimal(*(np.array(col).reshape(D_inf_arr.shape) for col in zip(*results)))


def budget_optimal(total_flops, D_inf, law: ParametricLoss = DEFAULT_LAW) -> InferenceOptimal:
    """The dual problem: least loss for a lifetime budget 6·N·D_tr + 2·N·D_inf = ``total_flops``.

    With D_tr = C/(6N) − D_inf/3, dL/d ln N = 0 reads β·B·D^−β·C/(6N) = α·A·N^−α·D,
    a strictly increasing condition in ln N on (0, C/(2·D_inf)), solved with ``brentq``.
    ``D_inf = 0`` is :func:`scalinglaws.chinchilla.compute_optimal`.
    """
    law = check_instance("law", law, ParametricLoss)
    C = check_scalar("total_flops", total_flops, low=0.0, low_inclusive=False)
    D_inf = check_scalar("D_inf", D_inf, low=0.0)
    a, b = law.alpha, law.beta

    def D_of(x: float) -> float:
        return C / (6.0 * math.exp(x)) - D_inf / 3.0

    def phi(x: float) -> float:
        D = D_of(x)
        return (math.log(b * law.B) - b * math.log(D) + math.log(C / 6.0) - x) - (math.log(a * law.A) - a * x + math.log(D))

    x_c = math.log(compute_optimal(C, law).N_opt)
    if D_inf == 0.0:
        x_hi = x_c + 1.0
        while phi(x_hi) <= 0.0:
            x_hi += 2.0
    else:
        x_max = math.log(C / (2.0 * D_inf))  # D_tr = 0 here
        x_hi = x_max + math.log1p(-1e-12)
        if D_of(x_hi) <= 0.0 or x_hi <= math.log(1.0):
            raise ValueError(f"total_flops={C:g} leaves no training compute after serving D_inf={D_inf:g} tokens")
    x_lo = min(x_c, x_hi) - 1.0
    while phi(x_lo) >= 0.0:
        x_lo -= 2.0
    x = brentq(phi, x_lo, x_hi, xtol=1e-13, rtol=1e-15, maxiter=500)
    N = math.exp(x)
    return _make_result(N, D_of(x), D_inf, law)


# ---------------------------------------------------------------------------
# The compute penalty of a smaller-than-optimal model at the same loss
# ---------------------------------------------------------------------------


def min_size_ratio(law: ParametricLoss = DEFAULT_LAW) -> float:
    """k_min = (β/(α+β))^(1/α): no model smaller than k_min·N_opt reaches N_opt's loss, whatever the data."""
    law = check_instance("law", law, ParametricLoss)
    return (law.beta / (law.alpha + law.beta)) ** (1.0 / law.alpha)


def _check_k(k, law: ParametricLoss) -> np.ndarray:
    k = as_float_array("k", k, positive=True)
    k_min = min_size_ratio(law)
    if not np.all(k > k_min):
        raise ValueError(f"k must exceed k_min = (beta/(alpha+beta))^(1/alpha) = {k_min:.4g} for this law")
    return k


def _data_ratio(k: np.ndarray, law: ParametricLoss) -> np.ndarray:
    s_star = law.beta / (law.alpha + law.beta)
    return ((1.0 - s_star) / (1.0 - s_star * k ** (-law.alpha))) ** (1.0 / law.beta)


def overtraining_penalty(k, law: ParametricLoss = DEFAULT_LAW):
    """Extra training compute, as a fraction, to reach N_opt's loss with N = k·N_opt parameters.

    Along the iso-loss curve through the compute-optimal point (N_opt, D_opt),
    D(k)/D_opt = ((α/(α+β)) / (1 − (β/(α+β))·k^−α))^(1/β), so

        C(k)/C_opt − 1 = k·D(k)/D_opt − 1,

    which depends on α and β only, not on the loss or the budget. It is 0 at
    k = 1, positive elsewhere, and diverges as k → :func:`min_size_ratio`.
    """
    law = check_instance("law", law, ParametricLoss)
    k = _check_k(k, law)
    return _scalar(k * _data_ratio(k, law) - 1.0)


def overtraining_tokens_ratio(k, law: ParametricLoss = DEFAULT_LAW):
    """Tokens per parameter of the k·N_opt model on N_opt's iso-loss curve, relative to N_opt's: D(k)/(k·D_opt)."""
    law = check_instance("law", law, ParametricLoss)
    k = _check_k(k, law)
    return _scalar(_data_ratio(k, law) / k)


def size_ratio_for_penalty(penalty, law: ParametricLoss = DEFAULT_LAW) -> float:
    """The k < 1 at which shrinking the model costs ``penalty`` extra compute (e.g. 1.0 = twice the FLOPs).

    Solved with ``brentq`` on (k_min, 1); the penalty rises from 0 at k = 1 to ∞ at k_min.
    """
    law = check_instance("law", law, ParametricLoss)
    p = check_scalar("penalty", penalty, low=0.0)
    if p == 0.0:
        return 1.0
    k_min = min_size_ratio(law)
    lo = k_min * (1.0 + 1e-15)
    while float(overtraining_penalty(lo, law)) < p:  # pragma: no cover - only for astronomically large p
        lo = k_min + (lo - k_min) * 1e-3
        if lo <= k_min:
            raise ValueError(f"penalty={p:g} is too large to resolve")
    return brentq(lambda k: float(overtraining_penalty(k, law)) - p, lo, 1.0, xtol=1e-15, rtol=1e-14)


class Equivalent(NamedTuple):
    """A trained model set beside the compute-optimal model that reaches the same predicted loss."""

    loss: float  # nats/token, L(N, D) under the law
    N_opt: float  # parameters of the compute-optimal model of that loss
    D_opt: float  # its training tokens
    tokens_per_param_opt: float  # D_opt / N_opt: the compute-optimal ratio at that loss
    k: float  # size ratio N / N_opt: below 1 over-trained, above 1 under-trained
    extra_compute: float  # 6ND / (6 N_opt D_opt) - 1 = overtraining_penalty(k)


def compute_optimal_equivalent(N, D, law: ParametricLoss = DEFAULT_LAW) -> Equivalent:
    """Where a model with ``N`` parameters trained on ``D`` tokens sits against the compute-optimal frontier.

    Its predicted loss ℓ = L(N, D) is reached with the least training compute
    by (N_opt, D_opt) = :func:`chinchilla_point_for_loss` (ℓ); the size ratio
    k = N / N_opt says whether the model is smaller (k < 1, over-trained) or
    larger (k > 1) than compute-optimal, and ``extra_compute`` is the training
    compute it spent beyond that optimum, 6ND / (6 N_opt D_opt) − 1, which
    equals :func:`overtraining_penalty` (k).
    """
    law = check_instance("law", law, ParametricLoss)
    N = check_scalar("N", N, low=0.0, low_inclusive=False)
    D = check_scalar("D", D, low=0.0, low_inclusive=False)
    ell = law.E + law.A / N**law.alpha + law.B / D**law.beta
    N_opt, D_opt = chinchilla_point_for_loss(ell, law)
    return Equivalent(ell, N_opt, D_opt, D_opt / N_opt, N / N_opt, N * D / (N_opt * D_opt) - 1.0)


# ---------------------------------------------------------------------------
# Gadre et al. 2024: L(C, M) = E + (a M^η + b M^−η) C^−η
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GadreLoss:
    """Gadre et al.'s over-training law L(C, M) = E + (a·M^η + b·M^−η)·C^−η, M = D/N, C = 6ND FLOPs."""

    E: float
    a: float
    b: float
    eta: float
    source: str = ""


def gadre_from_parametric(law: ParametricLoss, rtol: float = 1e-9) -> GadreLoss:
    """Rewrite E + A/N^α + B/D^β with α = β = 2η in Gadre et al.'s variables.

    With N = (C/(6M))^½ and D = (C·M/6)^½: A/N^α = A·6^η·M^η·C^−η and
    B/D^β = B·6^η·M^−η·C^−η, so a = A·6^η, b = B·6^η, η = α/2.
    Raises ``ValueError`` (naming ``law``) unless α and β agree to ``rtol``.
    """
    law = check_instance("law", law, ParametricLoss)
    rtol = check_scalar("rtol", rtol, low=0.0)
    if not math.isclose(law.alpha, law.beta, rel_tol=rtol, abs_tol=0.0):
        raise ValueError(f"law must have equal exponents (alpha = beta) for the L(C, M) form, got alpha={law.alpha}, beta={law.beta}")
    eta = 0.5 * law.alpha
    scale = 6.0**eta
    return GadreLoss(law.E, law.A * scale, law.B * scale, eta, source=f"mapped from: {law.source}")


def _check_gadre(g) -> GadreLoss:
    if not isinstance(g, GadreLoss):
        raise ValueError(f"law must be a GadreLoss, got {type(g).__name__}")
    return g


def gadre_loss(C, M, law: GadreLoss):
    """L(C, M) = E + (a·M^η + b·M^−η)·C^−η for compute ``C`` (FLOPs) and ``M`` tokens per parameter."""
    g = _check_gadre(law)
    C = as_float_array("C", C, positive=True)
    M = as_float_array("M", M, positive=True)
    return _scalar(g.E + (g.a * M**g.eta + g.b * M ** (-g.eta)) * C ** (-g.eta))


def gadre_optimal_ratio(law: GadreLoss) -> float:
    """Tokens per parameter M* = (b/a)^(1/(2η)) that minimises L at every compute."""
    g = _check_gadre(law)
    return (g.b / g.a) ** (1.0 / (2.0 * g.eta))


def gadre_compute_multiplier(M, law: GadreLoss):
    """Compute needed at ratio M, relative to M*, for the same loss: cosh(η·ln(M/M*))^(1/η).

    The prefactor a·M^η + b·M^−η equals 2√(ab)·cosh(η ln(M/M*)); equal losses need
    C^η in the same proportion.
    """
    g = _check_gadre(law)
    M = as_float_array("M", M, positive=True)
    m = M / gadre_optimal_ratio(g)
    return _scalar(np.cosh(g.eta * np.log(m)) ** (1.0 / g.eta))


# ---------------------------------------------------------------------------
# Real models
# ---------------------------------------------------------------------------


class ModelRatio(NamedTuple):
    """A real model's parameters, training tokens and tokens per parameter (params/tokens None if only the ratio is published)."""

    name: str
    params: float | None
    tokens: float | None
    tokens_per_param: float
    source: str


def real_model_ratios() -> list[ModelRatio]:
    """Tokens per parameter of the models in :data:`constants.MODELS`, plus MiniCPM's compute-optimal ratio."""
    rows = [ModelRatio(name, N, D, D / N, src) for name, (N, D, src) in MODELS.items()]
    rows.append(ModelRatio("MiniCPM (compute-optimal ratio)", None, None, MINICPM_TOKENS_PER_PARAM, "Hu et al. 2024, Section 4.5 [S]"))
    return sorted(rows, key=lambda r: r.tokens_per_param)


# ---------------------------------------------------------------------------
# Sardana et al.'s worked example and the explorer
# ---------------------------------------------------------------------------


class SardanaCheck(NamedTuple):
    """Our solution of Sardana et al.'s example next to what they report."""

    N: float
    data_multiplier: float  # D_tr / D of the Chinchilla-optimal reference model
    compute_saving: float  # 1 − total FLOPs / reference total FLOPs
    reported_N: float
    reported_data_multiplier: float
    reported_compute_saving: float


class Exploration(NamedTuple):
    """The explorer's answer: the inference-aware model and the Chinchilla model of the same loss."""

    loss: float
    N: float
    D_tr: float
    tokens_per_param: float
    total_flops: float
    inference_share: float
    chinchilla_N: float
    chinchilla_D: float
    chinchilla_tokens_per_param: float
    chinchilla_total_flops: float
    savings: float  # 1 − total_flops / chinchilla_total_flops


def explore_inference(D_inf, *, loss_target=None, reference_params=None, law: ParametricLoss = DEFAULT_LAW) -> Exploration:
    """Expected lifetime inference tokens → optimal N, D_tr, tokens/param, total FLOPs and savings.

    Give the quality either as ``loss_target`` (nats/token) or as
    ``reference_params``, the size of a Chinchilla-optimal model whose loss to
    match (exactly one of the two). The savings are measured against that
    Chinchilla-optimal model serving the same ``D_inf`` tokens.
    """
    law = check_instance("law", law, ParametricLoss)
    if (loss_target is None) == (reference_params is None):
        raise ValueError("give exactly one of loss_target and reference_params")
    if reference_params is not None:
        ref = check_scalar("reference_params", reference_params, low=0.0, low_inclusive=False)
        ell = float(chinchilla_quality_loss(ref, law))
    else:
        ell = _check_loss_target(loss_target, law)
    D_inf = check_scalar("D_inf", D_inf, low=0.0)
    opt = inference_optimal(ell, D_inf, law)
    N_c, D_c = chinchilla_point_for_loss(ell, law)
    total_c = 6.0 * N_c * D_c + 2.0 * N_c * D_inf
    return Exploration(
        loss=ell,
        N=opt.N,
        D_tr=opt.D_tr,
        tokens_per_param=opt.tokens_per_param,
        total_flops=opt.total_flops,
        inference_share=opt.inference_flops / opt.total_flops,
        chinchilla_N=N_c,
        chinchilla_D=D_c,
        chinchilla_tokens_per_param=D_c / N_c,
        chinchilla_total_flops=total_c,
        savings=1.0 - opt.total_flops / total_c,
    )


def sardana_example(law: ParametricLoss = CHINCHILLA) -> SardanaCheck:
    """Re-solve Sardana et al.'s example (30B Chinchilla-quality model, 1e13 inference tokens) with ``law``."""
    ex = SARDANA_2024_EXAMPLE
    r = explore_inference(ex["inference_tokens"], reference_params=ex["reference_params"], law=law)
    return SardanaCheck(
        N=r.N,
        data_multiplier=r.D_tr / r.chinchilla_D,
        compute_saving=r.savings,
        reported_N=ex["reported_params"],
        reported_data_multiplier=ex["reported_data_multiplier"],
        reported_compute_saving=ex["reported_compute_saving"],
    )
