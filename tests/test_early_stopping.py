"""Tests of scalinglaws.early_stopping against Kaplan et al. 2020 (Eqs. 4.2-4.4, 5.7, B.5)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from scalinglaws import early_stopping as es
from scalinglaws import explorers
from scalinglaws import kaplan
from scalinglaws.constants import KAPLAN_DATA_BOUND, KAPLAN_LND, KAPLAN_LNS

N_values = st.floats(min_value=1e3, max_value=1e12)
D_values = st.floats(min_value=1e6, max_value=1e14)


# --- Eq. 4.4: where 5e3 N^0.74 comes from ---------------------------------------


def test_exponent_is_alpha_N_over_alpha_D():
    # Kaplan's 0.74 is alpha_N/alpha_D = 0.076/0.103 = 0.738 of the Table 2 fit.
    assert KAPLAN_LND.alpha_N / KAPLAN_LND.alpha_D == pytest.approx(KAPLAN_DATA_BOUND["exponent"], abs=0.005)


def test_coefficient_from_two_percent_noise_rounds_to_5e3():
    # Exact inversion for a 2% penalty gives about 5.5e3; Eq. 4.4 prints 5e3 (one significant figure).
    k = es.data_bound_coefficient(0.02)
    assert 5.4e3 < k < 5.6e3
    assert k / KAPLAN_DATA_BOUND["coefficient"] == pytest.approx(1.1, abs=0.01)


def test_coefficient_closed_form():
    a = KAPLAN_LND
    x = (1.02 ** (1 / a.alpha_D) - 1) * a.N_c ** (a.alpha_N / a.alpha_D) / a.D_c
    assert es.data_bound_coefficient(0.02) == pytest.approx(1 / x, rel=1e-12)


@pytest.mark.parametrize("N", [1e6, 1e8, 1e9, 1.5e9, 1e11])
def test_kaplan_bound_gives_about_two_percent(N):
    # At D = 5e3 N^0.74 the penalty is 0.021-0.022: the 0.02 of Eq. 4.4 within its rounding.
    assert es.penalty_at_kaplan_bound(N) == pytest.approx(KAPLAN_DATA_BOUND["seed_noise"], abs=0.0025)


def test_eight_times_model_needs_about_five_times_data():
    assert 8 ** KAPLAN_DATA_BOUND["exponent"] == pytest.approx(5, abs=0.5)
    assert es.kaplan_data_bound(8e9) / es.kaplan_data_bound(1e9) == pytest.approx(8**0.74)


# --- the single variable x = N^0.74 / D -------------------------------------------


@given(N_values, D_values)
def test_penalty_depends_only_on_ratio(N, D):
    x = es.overfitting_ratio(N, D)
    assert kaplan.overfitting_penalty(N, D) == pytest.approx(kaplan.overfitting_penalty_from_ratio(x), rel=1e-9)


@given(N_values, D_values, st.floats(min_value=0.1, max_value=10))
def test_scaling_N_and_D_along_ratio_keeps_penalty(N, D, s):
    N2, D2 = N * s, D * s ** (KAPLAN_LND.alpha_N / KAPLAN_LND.alpha_D)
    assert kaplan.overfitting_penalty(N2, D2) == pytest.approx(kaplan.overfitting_penalty(N, D), rel=1e-9)


# --- Eq. 5.7: early-stopping step -----------------------------------------------


@given(N_values, D_values)
def test_stop_step_is_where_infinite_data_curve_meets_finite_data_loss(N, D):
    S = es.stop_step_bound(N, D)
    curve = kaplan.loss_ND(N, np.inf) + (KAPLAN_LNS.S_c / S) ** KAPLAN_LNS.alpha_S
    assert curve == pytest.approx(kaplan.loss_ND(N, D), rel=1e-9)


@given(N_values, D_values)
def test_more_data_means_later_stop(N, D):
    assert es.stop_step_bound(N, 2 * D) > es.stop_step_bound(N, D)


def test_stop_step_infinite_data_is_infinite():
    assert es.stop_step_bound(1e9, np.inf) == math.inf


def test_stop_step_uses_S_c_not_S_min():
    # The seed writes S_min in the numerator; Kaplan's Eq. 5.7 has S_c = 2.1e3 steps.
    gap = kaplan.loss_ND(1e8, 1e9) - kaplan.loss_ND(1e8, np.inf)
    assert es.stop_step_bound(1e8, 1e9) == pytest.approx(2.1e3 / gap ** (1 / 0.76), rel=1e-12)


# --- Eq. B.5: compute-efficient stopping ----------------------------------------


def test_stop_ten_percent_above_converged():
    assert kaplan.efficient_stopping_ratio() == pytest.approx(1.10, abs=0.005)
    stop = es.compute_efficient_stop(1e9)
    assert stop.loss / stop.converged_loss == pytest.approx(1 + 0.077 / 0.76)
    assert kaplan.loss_NS(1e9, stop.steps) == pytest.approx(stop.loss, rel=1e-12)


@given(st.floats(min_value=1e5, max_value=1e11))
def test_stop_point_minimises_compute_at_its_loss(N):
    # At the stop loss L, the compute ~ N S needed to reach L is smallest for this N.
    stop = es.compute_efficient_stop(N)
    L, p = stop.loss, KAPLAN_LNS

    def log_cost(log_n):
        n = math.exp(log_n)
        excess = L - (p.N_c / n) ** p.alpha_N
        return math.inf if excess <= 0 else log_n + math.log(p.S_c) - math.log(excess) / p.alpha_S

    res = minimize_scalar(log_cost, bracket=(math.log(N) - 0.5, math.log(N), math.log(N) + 0.5))
    assert res.x == pytest.approx(math.log(N), abs=1e-3)


# --- explorer -------------------------------------------------------------------


def test_explorer_defaults():
    r = es.explore_stopping()
    assert r.loss > r.converged_loss
    assert r.penalty == pytest.approx(r.loss / r.converged_loss - 1)
    assert r.tokens_needed == pytest.approx(es.data_bound_coefficient() * 1e8 ** (0.076 / 0.103))
    i = np.argmin(np.abs(r.curve - r.loss))
    assert r.steps[i] == pytest.approx(r.stop_steps, rel=0.05)
    assert np.all(np.diff(r.curve) < 0)


def test_explorer_enough_data_small_penalty():
    r = es.explore_stopping(N=1e8, D=es.kaplan_data_bound(1e8) * 10)
    assert r.penalty < 0.01


# --- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: es.overfitting_ratio(-1, 1e9), "N"),
        (lambda: es.overfitting_ratio(1e8, 0), "D"),
        (lambda: es.data_bound_coefficient(0.0), "penalty"),
        (lambda: es.kaplan_data_bound(float("nan")), "N"),
        (lambda: es.penalty_at_kaplan_bound("big"), "N"),
        (lambda: es.stop_step_bound(1e8, -5), "D"),
        (lambda: es.stop_step_bound(0, 1e9), "N"),
        (lambda: es.compute_efficient_stop([1e8, -1]), "N"),
        (lambda: es.explore_stopping(N=0), "N"),
        (lambda: es.explore_stopping(D=float("inf")), "D"),
        (lambda: es.explore_stopping(n_steps=1), "n_steps"),
    ],
)
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.floats(max_value=0.0, allow_nan=False, allow_infinity=False))
def test_nonpositive_N_rejected(N):
    with pytest.raises(ValueError, match="N"):
        es.stop_step_bound(N, 1e9)


def test_explorer_marks_s_stop_where_the_infinite_data_curve_meets_the_finite_data_loss():
    """Kaplan Eq. 5.7: S_stop is where L(N, inf) + (S_c/S)^alpha_S has come down to L(N, D)."""
    fr = explorers.early_stopping.stopping_frame(N=1e9, D=1e10)
    curve = next(s for s in fr.series if s.label == "infinite-data curve")
    marker = next(s for s in fr.series if s.kind == "points")
    at_stop = np.interp(np.log(marker.x[0]), np.log(curve.x), curve.y)
    assert at_stop == pytest.approx(marker.y[0], rel=2e-3)
    assert fr.number("stop_steps").value == pytest.approx(marker.x[0])


@given(N_values)
def test_unlimited_data_no_penalty(N):
    # D -> inf: L(N, D) -> L(N, inf), the penalty and x vanish.
    assert kaplan.overfitting_penalty(N, 1e40) < 1e-12
    assert es.overfitting_ratio(N, 1e40) < 1e-20
