"""Kaplan et al. (2020): the published laws, their limits and the facts the paper states."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglaws import kaplan
from scalinglaws import fitting
from scalinglaws.constants import (
    KAPLAN_ALPHA_C_MIN_EQ_B_7,
    KAPLAN_DATA_BOUND,
    KAPLAN_EFFICIENT,
    KAPLAN_LND,
    KAPLAN_LNS,
    KAPLAN_TABLE5 as T5,
    PF_DAY_FLOPS,
)

sizes = st.floats(min_value=1e3, max_value=1e13)
tokens = st.floats(min_value=1e6, max_value=1e15)


# --- Table 5 laws ------------------------------------------------------------


def test_doubling_factors_of_table5():
    # Doubling N multiplies the loss by 2^-0.076 = 0.949; doubling D by 2^-0.095 = 0.936.
    assert kaplan.loss_N(2e9) / kaplan.loss_N(1e9) == pytest.approx(2**-0.076)
    assert kaplan.loss_D(2e10) / kaplan.loss_D(1e10) == pytest.approx(0.936, abs=5e-4)
    assert kaplan.loss_C_min(2.0) / kaplan.loss_C_min(1.0) == pytest.approx(2**-0.050)


def test_sample_points_of_table5_laws():
    # Kaplan's largest model (1.5e9 non-embedding parameters) is predicted at 2.30 nats/token.
    assert kaplan.loss_N(1.5e9) == pytest.approx(2.30, abs=0.01)
    # The intersection point of Eq. 6.8: C* ~ 1e4 PF-days, N* ~ 1e12, L* ~ 1.7 nats/token.
    assert kaplan.loss_C_min(1e4) == pytest.approx(1.7, abs=0.05)
    assert 0.5e12 < kaplan.compute_efficient(1e4).N < 2e12


def test_vectorised_shapes():
    N = np.array([[1e6, 1e7], [1e8, 1e9]])
    assert kaplan.loss_N(N).shape == (2, 2)
    assert kaplan.loss_ND(N, 1e10).shape == (2, 2)
    assert isinstance(kaplan.loss_N(1e6), float)


# --- alpha_C^min and the compute-efficient frontier ---------------------------


def test_alpha_C_min_from_exponents_is_0052():
    # Eq. 1.8 with alpha_N, alpha_B, alpha_S = 0.076, 0.21, 0.76 gives 0.052 (the paper's B.7).
    a = kaplan.alpha_C_min(T5.alpha_N, T5.alpha_B, T5.alpha_S)
    assert round(a, 3) == KAPLAN_ALPHA_C_MIN_EQ_B_7 == 0.052
    # ... and not the 0.050 printed in Table 5 (the conflict the book reports).
    assert round(a, 3) != T5.alpha_C_min


def test_frontier_exponents_eq_1_7():
    e = kaplan.frontier_exponents()
    # N ∝ C^(alpha_C/alpha_N) = 0.684, which Eq. 6.5 rounds from 0.054 to 0.71; fitted value 0.73.
    assert e["p_N"] == pytest.approx(0.684, abs=1e-3)
    assert e["p_B"] == pytest.approx(0.248, abs=1e-3)
    assert e["p_N"] + e["p_B"] + e["p_S"] == pytest.approx(1.0)


def test_compute_efficient_table6():
    r = kaplan.compute_efficient(1.0)
    assert (r.N, r.B, r.S, r.D) == (1.3e9, 2.0e6, 5.4e3, 2e10)
    # N ∝ C^0.73 and D ∝ C^0.27: the two exponents add up to 1 (C ∝ N D).
    r10 = kaplan.compute_efficient(10.0)
    assert math.log10(r10.N / r.N) == pytest.approx(0.73)
    assert math.log10(r10.D / r.D) == pytest.approx(0.27)
    assert KAPLAN_EFFICIENT.p_N + KAPLAN_EFFICIENT.p_D == pytest.approx(1.0)


def test_compute_efficient_trains_at_the_critical_batch():
    # At B = B_crit training costs 2 C_min (Eq. 5.5), so 6 N D on the frontier is ~ 2 C_min;
    # likewise D ~ 2 B S_min. Table 6's independent fits agree to ~10%.
    C = np.logspace(-3, 6, 10)
    r = kaplan.compute_efficient(C)
    ratio = 6 * r.N * r.D / (C * PF_DAY_FLOPS)
    assert np.all(np.abs(ratio / 2 - 1) < 0.12)
    assert np.all(np.abs(r.D / (2 * r.B * r.S) - 1) < 0.12)


def test_compute_efficient_from_flops_matches_pf_days():
    a = kaplan.compute_efficient_from_flops(PF_DAY_FLOPS * 3.0)
    b = kaplan.compute_efficient(3.0)
    assert a.N == pytest.approx(b.N) and a.D == pytest.approx(b.D)


@given(st.floats(min_value=1e-6, max_value=1e8))
def test_compute_efficient_is_increasing(C):
    a, b = kaplan.compute_efficient(C), kaplan.compute_efficient(2 * C)
    assert b.N > a.N and b.D > a.D and b.B > a.B and b.S > a.S


def test_appendix_b_stopping_point():
    # Eq. B.5: compute-efficient training stops ~10% above the converged loss.
    assert kaplan.efficient_stopping_ratio() == pytest.approx(1.10, abs=0.005)
    N = 1e8
    assert kaplan.efficient_stopping_loss(N) / kaplan.loss_NS(N, np.inf) == pytest.approx(1.1013, abs=1e-4)


def test_appendix_b_derived_frontier_scales_with_alpha_C_over_alpha_N():
    a = kaplan.alpha_C_min(KAPLAN_LNS.alpha_N, T5.alpha_B, KAPLAN_LNS.alpha_S)
    ratio = kaplan.N_efficient_from_LNS(10.0) / kaplan.N_efficient_from_LNS(1.0)
    assert math.log10(ratio) == pytest.approx(a / KAPLAN_LNS.alpha_N)
    # At C = C_c (Eq. B.8) the loss on the frontier is 1 nat/token: L = (1+r) (N_c/N)^alpha_N.
    N = kaplan.N_efficient_from_LNS(kaplan.C_c_min_from_LNS())
    assert kaplan.efficient_stopping_loss(N) == pytest.approx(1.0)


def test_wrong_model_size_costs_at_most_20_percent_between_06_and_22():
    # Eq. B.16 / Fig. 12: models 0.6x-2.2x the efficient size need <= ~20% extra compute.
    x = np.linspace(0.6, 2.2, 161)
    extra = kaplan.excess_compute(x) - 1
    assert extra.min() == pytest.approx(0.0, abs=1e-3)
    assert round(float(extra.max()), 2) <= 0.20
    lo, hi = kaplan.model_size_range(0.2)
    assert (round(lo, 1), round(hi, 1)) == (0.6, 2.2)
    assert kaplan.excess_compute(lo) == pytest.approx(1.2)


@given(st.floats(min_value=0.3, max_value=100.0))
def test_excess_compute_is_at_least_one(x):
    assert kaplan.excess_compute(x) >= 1 - 1e-12


def test_excess_compute_rejects_models_too_small_to_reach_the_loss():
    with pytest.raises(ValueError, match="size_ratio"):
        kaplan.excess_compute(0.2)


# --- L(N, D): limits, overfitting, the data bound -------------------------------


@given(sizes, tokens)
def test_loss_ND_decreases_in_N_and_D(N, D):
    L = kaplan.loss_ND(N, D)
    assert kaplan.loss_ND(2 * N, D) < L
    assert kaplan.loss_ND(N, 2 * D) < L


@given(sizes)
def test_loss_ND_tends_to_L_N_as_D_grows(N):
    p = KAPLAN_LND
    L_N = (p.N_c / N) ** p.alpha_N
    assert kaplan.loss_ND(N, np.inf) == pytest.approx(L_N)
    assert kaplan.loss_ND(N, 1e40) == pytest.approx(L_N, rel=1e-6)


@given(tokens)
def test_loss_ND_tends_to_L_D_as_N_grows(D):
    p = KAPLAN_LND
    assert kaplan.loss_ND(1e60, D) == pytest.approx((p.D_c / D) ** p.alpha_D, rel=1e-6)


@given(sizes, tokens)
def test_overfitting_penalty_is_a_function_of_N_to_074_over_D(N, D):
    p = KAPLAN_LND
    direct = kaplan.loss_ND(N, D) / kaplan.loss_ND(N, np.inf) - 1
    via_ratio = kaplan.overfitting_penalty_from_ratio(N ** (p.alpha_N / p.alpha_D) / D)
    assert kaplan.overfitting_penalty(N, D) == pytest.approx(direct, rel=1e-6, abs=1e-12)
    assert via_ratio == pytest.approx(direct, rel=1e-6, abs=1e-12)


def test_data_bound_8x_model_needs_about_5x_data():
    # D >~ 5e3 N^0.74 (Eq. 4.4): alpha_N/alpha_D = 0.076/0.103 rounds to 0.74 and 8^0.74 = 4.66 ~ 5.
    p = KAPLAN_LND
    assert round(p.alpha_N / p.alpha_D, 2) == KAPLAN_DATA_BOUND["exponent"]
    ratio = kaplan.tokens_for_penalty(8e9) / kaplan.tokens_for_penalty(1e9)
    assert ratio == pytest.approx(8 ** (p.alpha_N / p.alpha_D))
    assert round(8 ** KAPLAN_DATA_BOUND["exponent"], 2) == 4.66
    # A 2% penalty (the seed-to-seed noise) reproduces the coefficient ~5e3.
    coef = kaplan.tokens_for_penalty(1e9) / 1e9 ** (p.alpha_N / p.alpha_D)
    assert 4e3 < coef < 7e3
    assert kaplan.overfitting_penalty(1e9, kaplan.tokens_for_penalty(1e9)) == pytest.approx(0.02)


# --- L(N, S), critical batch, learning curves ----------------------------------


@given(sizes, st.floats(min_value=1e3, max_value=1e7))
def test_loss_NS_decreases_and_converges(N, S):
    assert kaplan.loss_NS(N, 2 * S) < kaplan.loss_NS(N, S)
    assert kaplan.loss_NS(2 * N, S) < kaplan.loss_NS(N, S)
    assert kaplan.loss_NS(N, np.inf) == pytest.approx((KAPLAN_LNS.N_c / N) ** KAPLAN_LNS.alpha_N)


def test_critical_batch_doubles_every_13_percent():
    # 2^(-alpha_B) = 0.8645: B_crit doubles for every ~13% drop in loss (Section 5.1);
    # the exact drop is 13.5%, which the paper truncates to 13%.
    assert round(2 ** (-T5.alpha_B), 2) == 0.86
    assert 0.13 < 1 - 2 ** (-T5.alpha_B) < 0.14
    L = 3.0
    assert kaplan.critical_batch(L * 2 ** (-T5.alpha_B)) == pytest.approx(2 * kaplan.critical_batch(L))
    # B_crit ∝ L^-4.8 (1/0.21 = 4.76).
    assert round(1 / T5.alpha_B, 1) == 4.8
    # Table 5's B_* = 2.1e8 is 5% larger.
    assert kaplan.critical_batch(3.0, B_star=2.1e8) / kaplan.critical_batch(3.0) == pytest.approx(1.05)


@given(st.floats(min_value=1e2, max_value=1e7), st.floats(min_value=1e3, max_value=1e9),
       st.floats(min_value=1.5, max_value=6.0))
def test_step_data_tradeoff_hyperbola(S, B, L):
    # (S/S_min - 1)(D/D_min - 1) = 1 with D = B S (Eq. 5.1); both minima are below the actual.
    D = B * S
    S_min = kaplan.steps_min(S, B, L)
    D_min = kaplan.tokens_min(D, B, L)
    assert S_min < S and D_min < D
    assert (S / S_min - 1) * (D / D_min - 1) == pytest.approx(1.0)
    assert D_min / S_min == pytest.approx(kaplan.critical_batch(L))
    assert kaplan.compute_min(6 * 1e8 * D, B, L) == pytest.approx(6 * 1e8 * D_min)


def test_learning_curve_extrapolates_from_its_early_part():
    # Universality of training: fit the first 10% of a L(N, S) curve, predict the end to 0.5%.
    N = 1e8
    S = np.geomspace(1e3, 2.5e5, 200)
    rng = np.random.default_rng(0)
    L = kaplan.loss_NS(N, S) * np.exp(rng.normal(0, 0.002, S.size))
    early = S <= 2.5e4
    fit = fitting.fit_learning_curve(S[early], L[early], alpha_S=KAPLAN_LNS.alpha_S)
    assert fit.predict(2.5e5) == pytest.approx(kaplan.loss_NS(N, 2.5e5), rel=5e-3)
    assert fit.L_inf == pytest.approx(kaplan.loss_NS(N, np.inf), rel=1e-2)
    free = fitting.fit_learning_curve(S, kaplan.loss_NS(N, S))
    assert free.alpha_S == pytest.approx(KAPLAN_LNS.alpha_S, rel=1e-3)
    assert free.S_c == pytest.approx(KAPLAN_LNS.S_c, rel=1e-2)


def test_learning_rate_rule_decreases_with_size():
    lr = kaplan.learning_rate(np.array([1e3, 1e6, 1e9]))
    assert np.all(np.diff(lr) < 0)
    assert lr[2] == pytest.approx(0.003239 - 0.0001395 * math.log(1e9))
    with pytest.raises(ValueError, match="N"):
        kaplan.learning_rate(1e12)


# --- explorers ----------------------------------------------------------------


def test_explore_config_gpt2_small():
    s = kaplan.explore_config(12, 768, 1024, 50257)
    assert s.params_nonembedding == 12 * 12 * 768**2 == 84_934_656
    # Hugging Face's GPT-2 small has 124,439,808 parameters: ours plus 13 d biases/LN per layer and a final LN.
    assert s.params_total + 12 * 13 * 768 + 2 * 768 == 124_439_808
    assert s.attention_share == pytest.approx(1024 / (12 * 768) / (1 + 1024 / (12 * 768)))
    assert s.training_flops_per_token == 3 * s.forward_flops_per_token
    assert s.six_N == 6 * s.params_nonembedding
    assert s.loss_N == pytest.approx(kaplan.loss_N(s.params_nonembedding))


def test_explore_overfitting_consistent():
    o = kaplan.explore_overfitting(1e9, 1e10)
    assert o.loss > o.loss_converged and o.loss > o.loss_data_limited
    assert o.penalty == pytest.approx(o.loss / o.loss_converged - 1)
    assert kaplan.overfitting_penalty(1e9, o.tokens_needed) == pytest.approx(0.02)


# --- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: kaplan.loss_N(-1), "N"),
        (lambda: kaplan.loss_N(float("nan")), "N"),
        (lambda: kaplan.loss_D("many"), "D"),
        (lambda: kaplan.loss_C(0), "C"),
        (lambda: kaplan.loss_C_min([1, -2]), "C_min"),
        (lambda: kaplan.loss_ND(1e9, 0), "D"),
        (lambda: kaplan.loss_ND(1e9, float("nan")), "D"),
        (lambda: kaplan.loss_ND(1e9, -np.inf), "D"),
        (lambda: kaplan.loss_NS(1e9, -5), "S"),
        (lambda: kaplan.critical_batch(0), "L"),
        (lambda: kaplan.critical_batch(2.0, B_star=-1), "B_star"),
        (lambda: kaplan.steps_min(10, 0, 3.0), "B"),
        (lambda: kaplan.alpha_C_min(0.076, 0.0, 0.76), "alpha_B"),
        (lambda: kaplan.compute_efficient(0), "C_min"),
        (lambda: kaplan.tokens_for_penalty(1e9, penalty=0), "penalty"),
        (lambda: kaplan.overfitting_penalty_from_ratio(-1), "ratio"),
        (lambda: kaplan.model_size_range(-0.1), "max_excess"),
        (lambda: fitting.fit_learning_curve([1, 2], [3, 2]), "S"),
        (lambda: fitting.fit_learning_curve([1, 2, 3, 4], [3, 2, 1]), "same length"),
        (lambda: kaplan.explore_overfitting(N=0), "N"),
        (lambda: kaplan.explore_config(n_layer=0), "n_layer"),
    ],
)
def test_bad_input_raises_valueerror_naming_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))))
def test_any_nonpositive_or_nonfinite_N_is_rejected(bad):
    with pytest.raises(ValueError, match="N"):
        kaplan.loss_N(bad)
