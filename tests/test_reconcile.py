"""Tests of scalinglaws.reconcile: Pearce & Song's bookkeeping and Porian et al.'s last-layer FLOPs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglaws import reconcile as rc
from scalinglaws.constants import (
    CHINCHILLA,
    CHINCHILLA_ROUNDED,
    EPOCH_2024,
    KAPLAN_EFFICIENT,
    PEARCE_SONG_OMEGA,
    PEARCE_SONG_SIMULATION,
    ParametricLoss,
)

SIM = PEARCE_SONG_SIMULATION


def _law(alpha, beta):
    return ParametricLoss(E=1.7, A=400.0, B=400.0, alpha=alpha, beta=beta, source="test")


# --- published and recomputed numbers -------------------------------------------------


def test_omega_from_pearce_song_shape():
    # A = 39.2, vocab 32k: (A/12)^(1/3) * 32000 = 47481, within 0.05% of their fitted 47,491
    omega = rc.omega_from_shape(SIM["aspect_ratio"], SIM["n_vocab"])
    assert omega == pytest.approx(32_000 * (39.2 / 12) ** (1 / 3))
    assert omega == pytest.approx(PEARCE_SONG_OMEGA, rel=5e-4)


def test_total_params_formula():
    x = 1e6
    assert rc.total_params(x, omega=3.0) == pytest.approx(1e6 + 3.0 * 100.0)
    assert rc.total_params(x, omega=0.0) == pytest.approx(x)


@pytest.mark.parametrize("law, published", [(EPOCH_2024, 0.78), (CHINCHILLA, 0.74)])
def test_nonembedding_simulation_reproduces_pearce_song(law, published):
    rng = SIM["log10_compute_range_nonembedding"]
    exact = rc.simulate_frontier(law, "nonembedding", log10_compute_range=rng)
    assert exact.exponent == pytest.approx(published, abs=0.01)
    # the default (automatic) budget range lands there too
    assert rc.simulate_frontier(law, "nonembedding").exponent == pytest.approx(published, abs=0.01)
    # Kaplan reported 0.73 with his non-embedding counting
    assert exact.exponent > KAPLAN_EFFICIENT.p_N


@pytest.mark.parametrize("law, recomputed", [(EPOCH_2024, 0.781), (CHINCHILLA, 0.739)])
def test_grid_method_matches_authors_code(law, recomputed):
    # the authors' nearest-grid-point reading of the loss gives 0.7805 and 0.7388
    sim = rc.simulate_frontier(law, "nonembedding", log10_compute_range=SIM["log10_compute_range_nonembedding"],
                               method="grid")
    assert sim.exponent == pytest.approx(recomputed, abs=0.001)


@pytest.mark.parametrize("law, recomputed", [(EPOCH_2024, 0.515), (CHINCHILLA, 0.458)])
def test_total_counting_gives_chinchilla_like_exponent(law, recomputed):
    sim = rc.simulate_frontier(law, "total", log10_compute_range=SIM["log10_compute_range_total"])
    assert sim.exponent == pytest.approx(recomputed, abs=0.01)
    # and it sits near the continuous-frontier value beta/(alpha+beta)
    assert sim.exponent == pytest.approx(rc.local_exponent_limits(law)[1], abs=0.01)


def test_grid_method_breaks_for_total_chinchilla():
    # the D grid starts at 1e6 tokens; the largest models need fewer at the smallest budgets,
    # get clamped to D = 1e6 (far more compute than budgeted) and wrongly win: slope 0.35
    sim = rc.simulate_frontier(CHINCHILLA, "total", log10_compute_range=SIM["log10_compute_range_total"],
                               method="grid")
    assert sim.exponent < 0.40
    assert sim.n_star[0] == sim.n_params.max()


def test_kaplan_form_loss_slope():
    # Pearce & Song: the offset-free fit L* ~ C^-0.069 in the simulation (Kaplan: -0.057 fixed batch)
    sim = rc.simulate_frontier(EPOCH_2024, "nonembedding", log10_compute_range=SIM["log10_compute_range_nonembedding"])
    assert sim.loss_exponent == pytest.approx(-0.069, abs=0.0005)


def test_loss_compute_exponent_with_offset():
    # 0.178 comes from Epoch's alpha, beta; Chinchilla's give 0.155 (0.1535 rounded)
    assert rc.loss_compute_exponent(EPOCH_2024) == pytest.approx(0.178, abs=5e-4)
    assert rc.loss_compute_exponent(CHINCHILLA) == pytest.approx(0.1548, abs=1e-4)
    assert rc.loss_compute_exponent(CHINCHILLA_ROUNDED) == pytest.approx(0.34 * 0.28 / 0.62)


def test_loss_compute_exponent_on_chinchilla_frontier():
    from scalinglaws.chinchilla import compute_optimal

    C = np.logspace(20, 26, 7)
    L = compute_optimal(C, EPOCH_2024).loss
    slope = np.polyfit(np.log(C), np.log(L - EPOCH_2024.E), 1)[0]
    assert slope == pytest.approx(-rc.loss_compute_exponent(EPOCH_2024), rel=1e-9)


def test_local_exponent_limits_values():
    small, large = rc.local_exponent_limits(CHINCHILLA_ROUNDED)
    assert small == pytest.approx(0.28 / (0.34 / 3 + 0.28))
    assert large == pytest.approx(0.28 / 0.62)
    assert rc.local_exponent(1e-9, CHINCHILLA) == pytest.approx(rc.local_exponent_limits(CHINCHILLA)[0], abs=1e-4)
    assert rc.local_exponent(1e22, CHINCHILLA) == pytest.approx(rc.local_exponent_limits(CHINCHILLA)[1], abs=1e-4)


def test_local_exponent_peak_near_omega_over_three():
    x_peak, g_peak = rc.local_exponent_peak(EPOCH_2024)
    assert x_peak == pytest.approx((PEARCE_SONG_OMEGA / 3) ** 1.5, rel=0.05)
    # 1/g at t = omega/x^(2/3) = 3 is 1 + (alpha - 1/3)/(2 beta)
    a, b = EPOCH_2024.alpha, EPOCH_2024.beta
    assert g_peak == pytest.approx(1 / (1 + (a - 1 / 3) / (2 * b)), abs=1e-3)
    assert g_peak > rc.local_exponent_limits(EPOCH_2024)[0]


def test_last_layer_share():
    # head 2 d V against 2 * 12 L d^2 + 2 d V
    L, d, V = 12, 768, 50257
    share = rc.last_layer_flops_share(L, d, V)
    assert share == pytest.approx(V / (12 * L * d + V))
    n, s = rc.last_layer_share_by_size([128, 512, 2048, 8192])
    assert np.all(np.diff(n) > 0) and np.all(np.diff(s) < 0)


def test_porian_table_moves_from_kaplan_to_chinchilla():
    rows = rc.porian_table("RefinedWeb")
    values = [a for _, a, _ in rows]
    assert values[0] == pytest.approx(0.835) and values[-1] == pytest.approx(0.497)
    assert all(b < a for a, b in zip(values, values[1:]))
    assert all(lo <= a <= hi for _, a, (lo, hi) in rows)


def test_explorer_matches_simulation():
    sim = rc.explore_counting("total", 4.0, 8.0, "chinchilla", n_models=10)
    assert sim.counting == "total" and len(sim.n_params) == 10
    assert np.all(sim.n_params == sim.n_params_total)
    assert set(np.unique(sim.n_star)) <= set(sim.n_params)


# --- properties ----------------------------------------------------------------------

exponents = st.floats(min_value=0.34, max_value=1.0)
betas = st.floats(min_value=0.1, max_value=1.0)
sizes = st.floats(min_value=1e1, max_value=1e13)


@settings(max_examples=60, deadline=None)
@given(exponents, betas, sizes)
def test_g_bounded_below_by_chinchilla_and_above_by_one(alpha, beta, x):
    # 1/g <= 1 + alpha/beta  <=>  2 + 3 alpha + alpha t >= 0; and g <= 1 when alpha >= 1/3
    law = _law(alpha, beta)
    g = rc.local_exponent(x, law)
    assert rc.local_exponent_limits(law)[1] <= g * (1 + 1e-12)
    assert g <= 1.0 + 1e-12


@settings(max_examples=25, deadline=None)
@given(exponents, betas)
def test_g_rises_to_a_single_peak_then_falls(alpha, beta):
    law = _law(alpha, beta)
    x = np.logspace(-3, 16, 4000)
    g = rc.local_exponent(x, law)
    k = int(np.argmax(g))
    assert np.all(np.diff(g[: k + 1]) >= -1e-12)
    assert np.all(np.diff(g[k:]) <= 1e-12)
    assert g[0] == pytest.approx(rc.local_exponent_limits(law)[0], abs=1e-3)


@settings(max_examples=30, deadline=None)
@given(exponents, betas, st.floats(min_value=1e2, max_value=1e11))
def test_g_is_the_log_slope_of_the_frontier(alpha, beta, x):
    law = _law(alpha, beta)
    h = 1e-4
    lc = np.log(rc.frontier_compute_nonembedding(x * np.exp([-h, h]), law))
    assert rc.local_exponent(x, law) == pytest.approx(2 * h / (lc[1] - lc[0]), rel=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([EPOCH_2024, CHINCHILLA, CHINCHILLA_ROUNDED]), st.floats(min_value=1e3, max_value=1e11))
def test_frontier_compute_minimises_loss(law, x):
    C = rc.frontier_compute_nonembedding(x, law)
    xs = x * np.exp(np.linspace(-0.05, 0.05, 201))
    L = law.E + law.A / rc.total_params(xs) ** law.alpha + law.B / (C / (6 * xs)) ** law.beta
    assert abs(int(np.argmin(L)) - 100) <= 1


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(list(rc.COEFFICIENT_SETS)), st.floats(1.0, 6.0), st.floats(1.5, 5.0))
def test_simulated_exponent_between_zero_and_one(name, lo, width):
    sim = rc.explore_counting("nonembedding", lo, lo + width, name, n_models=12)
    assert 0.0 < sim.exponent < 1.0
    assert np.all(np.diff(sim.n_star) >= 0)  # bigger budgets never pick smaller models


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: rc.total_params(-1.0), "n_params_nonembedding"),
        (lambda: rc.total_params(1e6, omega=-2), "omega"),
        (lambda: rc.omega_from_shape(0, 32000), "aspect_ratio"),
        (lambda: rc.omega_from_shape(39.2, 0), "n_vocab"),
        (lambda: rc.local_exponent(np.nan), "n_params_nonembedding"),
        (lambda: rc.local_exponent(1e6, law="epoch"), "law"),
        (lambda: rc.frontier_compute_nonembedding([1e6, 0.0]), "n_params_nonembedding"),
        (lambda: rc.simulate_frontier(counting="both"), "counting"),
        (lambda: rc.simulate_frontier(method="fast"), "method"),
        (lambda: rc.simulate_frontier(log10_n_range=(9, 3)), "log10_n_range"),
        (lambda: rc.simulate_frontier(n_models=1), "n_models"),
        (lambda: rc.simulate_frontier(log10_compute_range=(20, 13)), "log10_compute_range"),
        (lambda: rc.explore_counting(coefficients="kaplan"), "coefficients"),
        (lambda: rc.explore_counting(log10_n_min=8, log10_n_max=4), "log10_n_min"),
        (lambda: rc.last_layer_flops_share(0, 768), "n_layer"),
        (lambda: rc.last_layer_share_by_size([100.5]), "d_models"),
        (lambda: rc.porian_table("C4"), "dataset"),
        (lambda: rc.local_exponent_peak(omega=0), "omega"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.floats(max_value=0.0, allow_nan=False), st.just(float("nan")), st.just(float("inf"))))
def test_non_positive_sizes_rejected(x):
    with pytest.raises(ValueError, match="n_params_nonembedding"):
        rc.local_exponent(x)
