"""Inference-aware optimum (Sardana et al.), overtraining penalty, Gadre et al.'s L(C, M), real ratios."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from scalinglaws import chinchilla, overtraining as ot
from scalinglaws.constants import (
    CHINCHILLA,
    CHINCHILLA_ROUNDED,
    EPOCH_2024,
    MINICPM_TOKENS_PER_PARAM,
    MODELS,
    MUENNIGHOFF_2023,
    SARDANA_2024_EXAMPLE,
    ParametricLoss,
)

LAWS = [CHINCHILLA, CHINCHILLA_ROUNDED, EPOCH_2024]
losses = st.floats(1.75, 3.5)
d_infs = st.floats(1e6, 1e18)
laws = st.sampled_from(LAWS)


def equal_exponent_law(E, A, B, gamma):
    return ParametricLoss(E=E, A=A, B=B, alpha=gamma, beta=gamma, source="test")


# --- limits and the Chinchilla point ---------------------------------------------------------


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("ell", [1.9, 2.1, 2.6])
def test_zero_inference_recovers_chinchilla_compute_optimal(law, ell):
    if ell <= law.E:
        pytest.skip("loss below E")
    r = ot.inference_optimal(ell, 0.0, law)
    co = chinchilla.compute_optimal(r.train_flops, law)
    assert r.N == pytest.approx(co.N_opt, rel=1e-10)
    assert r.D_tr == pytest.approx(co.D_opt, rel=1e-10)
    assert co.loss == pytest.approx(ell, rel=1e-12)


@given(ell=losses, law=laws)
def test_tiny_inference_is_continuous_at_chinchilla_point(ell, law):
    if ell <= law.E + 0.02:
        return
    N0, _ = ot.chinchilla_point_for_loss(ell, law)
    r = ot.inference_optimal(ell, 1e-3, law)
    assert r.N == pytest.approx(N0, rel=1e-9)


@given(ell=losses, d1=d_infs, d2=d_infs, law=laws)
def test_optimal_size_decreases_and_data_increases_with_inference(ell, d1, d2, law):
    if ell <= law.E + 0.02 or math.isclose(d1, d2, rel_tol=1e-6):
        return
    lo, hi = sorted((d1, d2))
    a, b = ot.inference_optimal(ell, lo, law), ot.inference_optimal(ell, hi, law)
    assert b.N < a.N
    assert b.D_tr > a.D_tr
    N_min = ot.min_params_for_loss(ell, law)
    assert N_min < b.N < a.N <= ot.chinchilla_point_for_loss(ell, law)[0] * (1 + 1e-12)


@given(ell=losses, d=d_infs, law=laws)
def test_loss_constraint_holds_and_solution_minimises_total(ell, d, law):
    if ell <= law.E + 0.02:
        return
    r = ot.inference_optimal(ell, d, law)
    assert chinchilla.loss(r.N, r.D_tr, law) == pytest.approx(ell, rel=1e-10)
    assert r.total_flops == pytest.approx(ot.total_flops(r.N, r.D_tr, d), rel=1e-12)
    # an independent bounded minimisation of the total along the iso-loss curve
    N_min = ot.min_params_for_loss(ell, law)
    N_c = ot.chinchilla_point_for_loss(ell, law)[0]

    def cost(x):
        N = N_min * (1.0 + math.exp(x))
        return math.log(ot.total_flops(N, ot.iso_loss_tokens(N, ell, law), d))

    res = minimize_scalar(cost, bounds=(-40.0, math.log(N_c / N_min - 1.0) + 1.0), method="bounded",
                          options={"xatol": 1e-10})
    assert r.total_flops <= math.exp(res.fun) * (1 + 1e-9)
    for f in (0.99, 1.01):
        N = r.N * f
        if N > N_min:
            assert r.total_flops < ot.total_flops(N, ot.iso_loss_tokens(N, ell, law), d)


def test_lagrangian_condition_at_solution():
    law, ell, d = CHINCHILLA, 2.0, 3e13
    r = ot.inference_optimal(ell, d, law)
    ratio = law.alpha * law.A * r.N ** -law.alpha / (law.beta * law.B * r.D_tr ** -law.beta)
    assert 3 * r.D_tr * (ratio - 1) == pytest.approx(d, rel=1e-9)


def test_large_inference_approaches_minimum_size():
    ell = 2.0
    r = ot.inference_optimal(ell, 1e30, CHINCHILLA)
    assert r.N == pytest.approx(ot.min_params_for_loss(ell, CHINCHILLA), rel=1e-3)


def test_array_input_matches_scalar_solves():
    d = np.array([0.0, 1e12, 1e14])
    arr = ot.inference_optimal(2.0, d)
    assert arr.N.shape == (3,)
    for i, di in enumerate(d):
        assert arr.N[i] == pytest.approx(ot.inference_optimal(2.0, float(di)).N, rel=1e-12)


@given(ell=losses, law=laws)
def test_chinchilla_quality_loss_inverts_chinchilla_point(ell, law):
    if ell <= law.E + 0.02:
        return
    N, D = ot.chinchilla_point_for_loss(ell, law)
    assert ot.chinchilla_quality_loss(N, law) == pytest.approx(ell, rel=1e-12)
    assert chinchilla.loss(N, D, law) == pytest.approx(ell, rel=1e-12)


# --- the dual: least loss for a lifetime budget ----------------------------------------------


@given(logC=st.floats(20.0, 26.0), law=laws)
def test_budget_optimal_without_inference_is_compute_optimal(logC, law):
    C = 10.0**logC
    r, co = ot.budget_optimal(C, 0.0, law), chinchilla.compute_optimal(C, law)
    assert r.N == pytest.approx(co.N_opt, rel=1e-8)
    assert r.loss == pytest.approx(co.loss, rel=1e-12)


@given(logC=st.floats(21.0, 26.0), frac=st.floats(0.05, 0.9), law=laws)
def test_budget_and_loss_problems_are_dual(logC, frac, law):
    C = 10.0**logC
    N_c = chinchilla.compute_optimal(C, law).N_opt
    d = frac * C / (2.0 * N_c)  # inference would take `frac` of C for the compute-optimal model
    r = ot.budget_optimal(C, d, law)
    assert r.total_flops == pytest.approx(C, rel=1e-9)
    back = ot.inference_optimal(r.loss, d, law)
    assert back.N == pytest.approx(r.N, rel=1e-6)
    assert back.total_flops == pytest.approx(C, rel=1e-6)


# --- the overtraining penalty ----------------------------------------------------------------


@given(k=st.floats(0.1, 20.0), law=laws)
def test_penalty_nonnegative_and_zero_at_one(k, law):
    if k <= ot.min_size_ratio(law) * 1.0001:
        return
    assert ot.overtraining_penalty(k, law) >= -1e-12
    assert ot.overtraining_penalty(1.0, law) == pytest.approx(0.0, abs=1e-14)


@given(k=st.floats(0.12, 5.0), ell=losses)
def test_penalty_matches_iso_loss_curve_at_any_loss(k, ell):
    law = CHINCHILLA
    N0, D0 = ot.chinchilla_point_for_loss(ell, law)
    N = k * N0
    D = ot.iso_loss_tokens(N, ell, law)
    assert ot.overtraining_penalty(k, law) == pytest.approx(N * D / (N0 * D0) - 1.0, rel=1e-8, abs=1e-12)
    assert ot.overtraining_tokens_ratio(k, law) == pytest.approx((D / N) / (D0 / N0), rel=1e-8)


def test_penalty_diverges_at_minimum_size_and_is_monotone_below_one():
    k_min = ot.min_size_ratio(CHINCHILLA)
    k = np.linspace(k_min * 1.001, 1.0, 200)
    p = ot.overtraining_penalty(k, CHINCHILLA)
    assert np.all(np.diff(p) < 0)
    assert ot.overtraining_penalty(k_min * (1 + 1e-9), CHINCHILLA) > 1e3


@pytest.mark.parametrize("p", [0.1, 1.0, 10.0])
def test_size_ratio_for_penalty_inverts_penalty(p):
    k = ot.size_ratio_for_penalty(p)
    assert ot.min_size_ratio() < k < 1.0
    assert ot.overtraining_penalty(k) == pytest.approx(p, rel=1e-9)


# --- Gadre et al.'s L(C, M) ------------------------------------------------------------------


@given(E=st.floats(0.5, 3.0), A=st.floats(10.0, 5000.0), B=st.floats(10.0, 5000.0), gamma=st.floats(0.1, 0.8),
       N=st.floats(1e6, 1e12), D=st.floats(1e8, 1e14))
def test_gadre_form_equals_chinchilla_law_when_exponents_equal(E, A, B, gamma, N, D):
    law = equal_exponent_law(E, A, B, gamma)
    g = ot.gadre_from_parametric(law)
    assert g.eta == pytest.approx(gamma / 2)
    assert ot.gadre_loss(6 * N * D, D / N, g) == pytest.approx(chinchilla.loss(N, D, law), rel=1e-10)


def test_gadre_from_muennighoff_law_and_optimal_ratio():
    m = MUENNIGHOFF_2023  # a published fit with alpha = beta
    law = ParametricLoss(E=m.E, A=m.A, B=m.B, alpha=m.alpha, beta=m.beta, source=m.source)
    g = ot.gadre_from_parametric(law)
    C = 1e22
    co = chinchilla.compute_optimal(C, law)
    assert ot.gadre_optimal_ratio(g) == pytest.approx(co.tokens_per_param, rel=1e-10)
    assert ot.gadre_loss(C, co.tokens_per_param, g) == pytest.approx(co.loss, rel=1e-12)


@given(k=st.floats(0.2, 5.0), gamma=st.floats(0.15, 0.6))
def test_gadre_multiplier_agrees_with_penalty_when_exponents_equal(k, gamma):
    law = equal_exponent_law(1.8, 400.0, 900.0, gamma)
    if k <= ot.min_size_ratio(law) * 1.001:
        return
    g = ot.gadre_from_parametric(law)
    M_opt = ot.gadre_optimal_ratio(g)
    M = M_opt * ot.overtraining_tokens_ratio(k, law)
    assert ot.gadre_compute_multiplier(M, g) == pytest.approx(1.0 + ot.overtraining_penalty(k, law), rel=1e-8)


def test_gadre_rejects_unequal_exponents():
    with pytest.raises(ValueError, match="law"):
        ot.gadre_from_parametric(CHINCHILLA)
    with pytest.raises(ValueError, match="law"):
        ot.gadre_loss(1e20, 20.0, CHINCHILLA)


# --- real models and Sardana's example -------------------------------------------------------


def test_llama3_tokens_per_param():
    ratios = {r.name: r.tokens_per_param for r in ot.real_model_ratios()}
    assert ratios["Llama 3 8B"] == pytest.approx(1875.0)
    assert ratios["Llama 3 70B"] == pytest.approx(214.29, abs=0.01)  # the seeds' "215 tokens/param"
    assert ratios["Llama 3 405B"] == pytest.approx(38.5, abs=0.05)
    assert ratios["Chinchilla 70B"] == pytest.approx(20.0)
    assert ratios["GPT-3 175B"] == pytest.approx(1.71, abs=0.01)
    assert ratios["MiniCPM (compute-optimal ratio)"] == MINICPM_TOKENS_PER_PARAM


def test_llama3_405b_flips_from_under_to_over_trained_between_the_two_fits():
    # Under Hoffmann et al.'s Approach-3 fit the 405B model (15.6T tokens) is 1.52x the compute-optimal
    # size of its loss (optimal ratio 84 tokens/param there); under Epoch's refit it is 0.68x (16.5).
    N, D, _ = MODELS["Llama 3 405B"]
    hoffmann, epoch = ot.compute_optimal_equivalent(N, D, CHINCHILLA), ot.compute_optimal_equivalent(N, D, EPOCH_2024)
    assert hoffmann.k == pytest.approx(1.52, abs=0.005) and hoffmann.tokens_per_param_opt == pytest.approx(84.5, abs=0.1)
    assert epoch.k == pytest.approx(0.68, abs=0.005) and epoch.tokens_per_param_opt == pytest.approx(16.5, abs=0.1)
    assert ot.compute_optimal_equivalent(N, D) == epoch  # the library's default law


@settings(max_examples=60)
@given(logN=st.floats(7.0, 12.5), M=st.floats(0.5, 5000.0), law=laws)
def test_compute_optimal_equivalent_has_the_same_loss_and_the_penalty_of_its_k(logN, M, law):
    N = 10.0**logN
    eq = ot.compute_optimal_equivalent(N, M * N, law)
    assert chinchilla.loss(N, M * N, law) == pytest.approx(eq.loss, rel=1e-12)
    assert chinchilla.loss(eq.N_opt, eq.D_opt, law) == pytest.approx(eq.loss, rel=1e-10)
    assert eq.k == pytest.approx(N / eq.N_opt) and eq.k > ot.min_size_ratio(law)
    assert eq.extra_compute == pytest.approx(float(ot.overtraining_penalty(eq.k, law)), rel=1e-6, abs=1e-9)
    assert eq.extra_compute >= -1e-9  # nothing reaches the loss with less compute than the optimum


def test_inference_share_crosses_half_at_three_times_training_tokens():
    assert ot.inference_share(1e12, 3e12) == pytest.approx(0.5)
    assert ot.inference_share(1e12, 0.0) == 0.0
    assert ot.inference_share(15e12, 50e12) > 0.5 > ot.inference_share(15e12, 40e12)


def test_sardana_example_with_unrounded_chinchilla_law():
    # [S, one source]: 13.6B, 2.84x data, 28% saving. The unrounded law gives 13.9B, 2.74x, 26.6%:
    # within 3% on N, 4% on the data multiplier and 2 percentage points on the saving.
    c = ot.sardana_example(CHINCHILLA)
    assert c.N == pytest.approx(SARDANA_2024_EXAMPLE["reported_params"], rel=0.03)
    assert c.data_multiplier == pytest.approx(SARDANA_2024_EXAMPLE["reported_data_multiplier"], rel=0.04)
    assert c.compute_saving == pytest.approx(SARDANA_2024_EXAMPLE["reported_compute_saving"], abs=0.02)


@given(d=st.floats(0.0, 1e16), ref=st.floats(1e8, 1e12))
def test_explorer_savings_bounded_by_minimum_size(d, ref):
    r = ot.explore_inference(d, reference_params=ref)
    assert -1e-12 <= r.savings < 1.0 - ot.min_size_ratio() + 1e-12
    assert r.chinchilla_N == pytest.approx(ref, rel=1e-10)
    assert r.N <= r.chinchilla_N * (1 + 1e-12)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: ot.inference_optimal(1.5, 1e12), "loss_target"),
        (lambda: ot.inference_optimal(2.0, -1.0), "D_inf"),
        (lambda: ot.inference_optimal(2.0, float("nan")), "D_inf"),
        (lambda: ot.inference_optimal(2.0, 1e12, law="chinchilla"), "law"),
        (lambda: ot.iso_loss_tokens(1e6, 2.0), "N"),
        (lambda: ot.iso_loss_tokens(-1.0, 2.0), "N"),
        (lambda: ot.overtraining_penalty(0.05), "k"),
        (lambda: ot.overtraining_penalty(0.0), "k"),
        (lambda: ot.size_ratio_for_penalty(-0.1), "penalty"),
        (lambda: ot.budget_optimal(1e20, 1e20), "total_flops"),
        (lambda: ot.budget_optimal(-1.0, 0.0), "total_flops"),
        (lambda: ot.total_flops(1e9, 0.0, 1.0), "D_tr"),
        (lambda: ot.inference_share(1e12, -1.0), "D_inf"),
        (lambda: ot.compute_optimal_equivalent(0.0, 1e12), "N"),
        (lambda: ot.compute_optimal_equivalent(1e9, float("nan")), "D"),
        (lambda: ot.compute_optimal_equivalent(1e9, 1e12, law="epoch"), "law"),
        (lambda: ot.explore_inference(1e12), "loss_target"),
        (lambda: ot.explore_inference(1e12, loss_target=2.0, reference_params=1e9), "reference_params"),
        (lambda: ot.explore_inference(1e12, reference_params=0.0), "reference_params"),
        (lambda: ot.gadre_loss(-1.0, 20.0, ot.gadre_from_parametric(equal_exponent_law(1.8, 400, 400, 0.3))), "C"),
        (lambda: ot.gadre_compute_multiplier(0.0, ot.gadre_from_parametric(equal_exponent_law(1.8, 400, 400, 0.3))), "M"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(x=st.one_of(st.floats(max_value=-1e-300), st.just(float("inf")), st.just(float("nan"))))
def test_bad_d_inf_and_k_hypothesis(x):
    with pytest.raises(ValueError, match="D_inf"):
        ot.inference_optimal(2.0, x)
    with pytest.raises(ValueError, match="k"):
        ot.overtraining_penalty(x)
