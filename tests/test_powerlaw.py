"""Tests of scalinglaws.powerlaw: the law, its fitter, and the two toy models."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglaws import powerlaw as pl
from scalinglaws import explorers, fitting
from scalinglaws.constants import KAPLAN_TABLE5

X = np.geomspace(1.0, 1e4, 20)


def noisy(A=3.0, alpha=0.4, E=0.5, noise=0.02, seed=1, x=X):
    rng = np.random.default_rng(seed)
    return pl.power_law(x, A, alpha, E) * np.exp(noise * rng.standard_normal(x.size))


# ---------------------------------------------------------------------------
# The law
# ---------------------------------------------------------------------------


def test_power_law_ten_times_x_divides_reducible_part_by_ten_to_alpha():
    y1, y10 = pl.power_law(np.array([1e3, 1e4]), 2.0, 0.076, E=1.0) - 1.0
    assert y10 / y1 == pytest.approx(10 ** -0.076)


def test_local_exponent_limits():
    # Without a floor the log-log slope is alpha everywhere...
    assert np.allclose(pl.local_exponent(np.geomspace(1, 1e9, 5), 2.0, 0.3, 0.0), 0.3)
    # ...with one it is alpha * reducible / total: half of alpha where the two are equal.
    x_equal = (2.0 / 1.0) ** (1 / 0.3)
    assert pl.local_exponent(x_equal, 2.0, 0.3, 1.0) == pytest.approx(0.15)
    # and it falls towards 0 far beyond.
    assert pl.local_exponent(1e30, 2.0, 0.3, 1.0) < 1e-8


@given(st.floats(1e-3, 1e3), st.floats(0.01, 2.0), st.floats(0.0, 10.0), st.floats(1e-3, 1e12))
def test_local_exponent_is_minus_numerical_log_slope(A, alpha, E, x):
    h = 1e-5
    y_plus, y_minus = pl.power_law(x * math.exp(h), A, alpha, E), pl.power_law(x * math.exp(-h), A, alpha, E)
    slope = -(math.log(y_plus) - math.log(y_minus)) / (2 * h)
    assert pl.local_exponent(x, A, alpha, E) == pytest.approx(slope, rel=1e-5, abs=1e-9)


# ---------------------------------------------------------------------------
# Fitting: exact data and invariances (hypothesis)
# ---------------------------------------------------------------------------

exponents = st.floats(0.05, 2.0)
amplitudes = st.floats(1e-2, 1e3)


@given(A=amplitudes, alpha=exponents, loss=st.sampled_from(["l2", "huber"]))
def test_exact_data_without_offset_recovers_parameters(A, alpha, loss):
    fit = fitting.fit_power_law(X, pl.power_law(X, A, alpha), offset=False, loss=loss)
    assert fit.alpha == pytest.approx(alpha, abs=1e-6)
    assert fit.A == pytest.approx(A, rel=1e-6)
    assert fit.E == 0.0
    assert fit.r2 == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=40)
@given(A=amplitudes, alpha=st.floats(0.1, 1.5), ratio=st.floats(0.05, 5.0))
def test_exact_data_with_offset_recovers_parameters(A, alpha, ratio):
    # E is `ratio` times the reducible part at the largest x, so both terms are visible.
    E = ratio * A * X[-1] ** (-alpha)
    fit = fitting.fit_power_law(X, pl.power_law(X, A, alpha, E), offset=True)
    assert fit.alpha == pytest.approx(alpha, abs=1e-6)
    assert fit.E == pytest.approx(E, rel=1e-5)
    assert fit.A == pytest.approx(A, rel=1e-5)
    assert np.max(np.abs(fit.residuals)) < 1e-8


@given(c=st.floats(1e-4, 1e4), seed=st.integers(0, 50))
def test_scaling_y_leaves_alpha_unchanged_without_offset(c, seed):
    y = noisy(seed=seed, noise=0.1)
    f1 = fitting.fit_power_law(X, y, offset=False)
    f2 = fitting.fit_power_law(X, c * y, offset=False)
    assert f2.alpha == pytest.approx(f1.alpha, abs=1e-9)
    assert f2.A == pytest.approx(c * f1.A, rel=1e-9)


@given(c=st.floats(1e-4, 1e4), seed=st.integers(0, 50))
def test_scaling_x_multiplies_A_by_c_to_the_alpha(c, seed):
    y = noisy(seed=seed, noise=0.1)
    f1 = fitting.fit_power_law(X, y, offset=False)
    f2 = fitting.fit_power_law(c * X, y, offset=False)
    assert f2.alpha == pytest.approx(f1.alpha, abs=1e-9)
    assert f2.A == pytest.approx(f1.A * c**f1.alpha, rel=1e-8)


@settings(max_examples=15)
@given(c=st.floats(1e-2, 1e2))
def test_scaling_y_scales_A_and_E_in_offset_fit(c):
    y = noisy()
    f1, f2 = fitting.fit_power_law(X, y), fitting.fit_power_law(X, c * y)
    assert f2.alpha == pytest.approx(f1.alpha, abs=1e-5)
    assert f2.E == pytest.approx(c * f1.E, rel=1e-4)


def test_no_offset_l2_matches_ordinary_least_squares_in_logs():
    y = noisy()
    slope, intercept = np.polyfit(np.log(X), np.log(y), 1)
    fit = fitting.fit_power_law(X, y, offset=False)
    assert fit.alpha == pytest.approx(-slope, rel=1e-10)
    assert fit.A == pytest.approx(math.exp(intercept), rel=1e-10)
    assert fit.objective == pytest.approx(0.5 * np.sum(fit.residuals**2))


def test_offset_fit_never_worse_than_no_offset_fit():
    # The no-offset law is the E -> 0 limit of the offset law.
    for seed in range(5):
        y = noisy(seed=seed)
        assert fitting.fit_power_law(X, y).objective <= fitting.fit_power_law(X, y, offset=False).objective + 1e-12


def test_ignoring_the_floor_biases_alpha_down():
    y = pl.power_law(X, 3.0, 0.4, 0.5)
    fit = fitting.fit_power_law(X, y, offset=False)
    assert fit.alpha < 0.4 * 0.6
    # ...to a value between the local slopes at both ends of the data.
    ends = pl.local_exponent(X[[0, -1]], 3.0, 0.4, 0.5)
    assert ends.min() < fit.alpha < ends.max()


def test_huber_resists_an_outlier_that_moves_l2():
    y = noisy(E=0.0, noise=0.01)
    y[-1] *= 5.0  # one corrupted run at the largest scale
    l2 = fitting.fit_power_law(X, y, offset=False)
    hub = fitting.fit_power_law(X, y, offset=False, loss="huber", huber_delta=0.01)
    assert abs(hub.alpha - 0.4) < 0.01 < abs(l2.alpha - 0.4)


# ---------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [False, True])
def test_bootstrap_interval_contains_point_estimate_and_truth(offset):
    fit = fitting.fit_power_law(X, noisy(), offset=offset, bootstrap=200, seed=3)
    lo, hi = fit.intervals["alpha"]
    assert lo < fit.alpha < hi
    if offset:
        assert lo < 0.4 < hi
        assert fit.intervals["E"][0] < 0.5 < fit.intervals["E"][1]
    assert fit.bootstrap_params.shape == (200, 3)
    assert fit.interval("alpha", 0.95) == pytest.approx((lo, hi))
    assert fit.interval("alpha", 0.5)[1] - fit.interval("alpha", 0.5)[0] < hi - lo


@settings(max_examples=20)
@given(A=amplitudes, alpha=exponents, seed=st.integers(0, 1000))
def test_bootstrap_on_exact_data_collapses_onto_the_estimate(A, alpha, seed):
    # Every resample of noiseless data (>= 2 distinct x) lies on the same line.
    fit = fitting.fit_power_law(X, pl.power_law(X, A, alpha), offset=False, bootstrap=30, seed=seed)
    lo, hi = fit.intervals["alpha"]
    assert hi - lo < 1e-9
    assert lo - 1e-9 <= fit.alpha <= hi + 1e-9


def test_bootstrap_is_reproducible_with_seed():
    y = noisy()
    a = fitting.fit_power_law(X, y, offset=False, bootstrap=50, seed=7).bootstrap_params
    b = fitting.fit_power_law(X, y, offset=False, bootstrap=50, seed=7).bootstrap_params
    c = fitting.fit_power_law(X, y, offset=False, bootstrap=50, seed=8).bootstrap_params
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_predict_interval_brackets_prediction_and_widens_with_extrapolation():
    fit = fitting.fit_power_law(X, noisy(), bootstrap=200, seed=0)
    x = np.array([1e2, 1e6, 1e10])
    lo, hi = fit.predict_interval(x, level=0.9)
    pred = fit.predict(x)
    assert np.all(lo <= pred) and np.all(pred <= hi)
    width = (hi - lo) / pred
    assert width[0] < width[1] < width[2]
    lo1, hi1 = fit.predict_interval(1e6)
    assert isinstance(lo1, float) and lo1 < hi1


def test_to_dict_is_json_serialisable_with_the_cli_fields():
    d = fitting.fit_power_law(X, noisy(), bootstrap=20).to_dict()
    back = json.loads(json.dumps(d))
    assert set(back) >= {"coefficients", "exponents", "intervals", "objective", "n_points"}
    assert back["n_points"] == X.size and set(back["intervals"]) == {"A", "alpha", "E"}
    assert back["exponents"]["alpha"] == pytest.approx(0.4, abs=0.03)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(x=[1.0, 2.0, -3.0], y=[3.0, 2.0, 1.0]), "x"),
        (dict(x=[1.0, 2.0, 0.0], y=[3.0, 2.0, 1.0]), "x"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 0.0, 1.0]), "y"),
        (dict(x=[1.0, np.nan, 3.0], y=[3.0, 2.0, 1.0]), "x"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, np.inf, 1.0]), "y"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0]), "same length"),
        (dict(x=[1.0, 2.0], y=[3.0, 2.0]), "at least 3 points"),
        (dict(x=[1.0], y=[3.0], offset=False), "at least 2 points"),
        (dict(x=[1.0, 2.0, 3.0], y=[2.0, 2.0, 2.0]), "y is constant"),
        (dict(x=[2.0, 2.0, 2.0], y=[1.0, 2.0, 3.0]), "x must hold at least 2 distinct"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0, 1.0], loss="l1"), "loss"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0, 1.0], loss="huber", huber_delta=0.0), "huber_delta"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0, 1.0], bootstrap=-1), "bootstrap"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0, 1.0], bootstrap=2.5), "bootstrap"),
        (dict(x=[1.0, 2.0, 3.0], y=[3.0, 2.0, 1.0], level=1.0), "level"),
        (dict(x="abc", y=[3.0, 2.0, 1.0]), "x"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fitting.fit_power_law(**kwargs)


@given(bad=st.sampled_from([0.0, -1.0, np.nan, np.inf, -np.inf]), where=st.integers(0, 4),
       which=st.sampled_from(["x", "y"]))
def test_any_bad_value_anywhere_is_rejected(bad, where, which):
    data = {"x": np.geomspace(1, 100, 5), "y": np.linspace(5, 1, 5)}
    data[which][where] = bad
    with pytest.raises(ValueError, match=f"^{which} "):
        fitting.fit_power_law(data["x"], data["y"])


def test_intervals_need_bootstrap():
    fit = fitting.fit_power_law(X, noisy())
    with pytest.raises(ValueError, match="bootstrap"):
        fit.predict_interval(10.0)
    with pytest.raises(ValueError, match="name"):
        fit.interval("beta")


def test_other_functions_reject_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        pl.mean_estimation_error(10, 0.0)
    with pytest.raises(ValueError, match="n"):
        pl.mean_estimation_error([10, -1], 1.0)
    with pytest.raises(ValueError, match="n_values"):
        pl.simulate_mean_estimation([2.5], 1.0)
    with pytest.raises(ValueError, match="distribution"):
        pl.simulate_mean_estimation([2], 1.0, distribution="cauchy")
    with pytest.raises(ValueError, match="alpha"):
        pl.zipf_frequencies(10, -0.5)
    with pytest.raises(ValueError, match="n_learned"):
        pl.quanta_loss(-1, 0.5)
    with pytest.raises(ValueError, match="tau"):
        pl.simulate_quanta_data([100], 0.5, tau=0)
    with pytest.raises(ValueError, match="x_range"):
        explorers.power_laws.explore_fit(x_range=(1e20, 1e17))
    with pytest.raises(ValueError, match="n_points"):
        explorers.power_laws.explore_fit(n_points=2)
    with pytest.raises(ValueError, match="noise"):
        explorers.power_laws.explore_fit(noise=-0.1)


# ---------------------------------------------------------------------------
# Toy law 1: estimating a mean
# ---------------------------------------------------------------------------


def test_mean_estimation_error_is_sigma_squared_over_n():
    assert pl.mean_estimation_error(100, 3.0) == pytest.approx(0.09)
    # log error = -log n + 2 log sigma (the seed's "2 log mu" is wrong: see the chapter's erratum)
    n, sigma = np.array([10.0, 1000.0]), 2.0
    assert np.allclose(np.log(pl.mean_estimation_error(n, sigma)), -np.log(n) + 2 * np.log(sigma))


@pytest.mark.parametrize("distribution", ["normal", "uniform", "exponential"])
def test_simulated_mean_error_matches_sigma_squared_over_n(distribution):
    n = np.array([1, 4, 16, 64, 256])
    trials = 4000
    mse = pl.simulate_mean_estimation(n, sigma=2.0, trials=trials, seed=0, mu=5.0, distribution=distribution)
    # The MSE over `trials` draws has relative standard error <= sqrt((kurtosis - 1)/trials) <= sqrt(8/trials).
    assert np.allclose(mse / pl.mean_estimation_error(n, 2.0), 1.0, atol=5 * math.sqrt(8 / trials))
    fit = fitting.fit_power_law(n, mse, offset=False)
    assert fit.alpha == pytest.approx(1.0, abs=0.05)
    assert fit.A == pytest.approx(4.0, rel=0.1)


def test_simulated_mean_error_does_not_depend_on_mu():
    a = pl.simulate_mean_estimation([8], 1.5, 200, seed=4, mu=0.0)
    b = pl.simulate_mean_estimation([8], 1.5, 200, seed=4, mu=100.0)
    assert np.allclose(a, b)


# ---------------------------------------------------------------------------
# Toy law 2: quanta
# ---------------------------------------------------------------------------


def test_zipf_frequencies_normalised_and_power_law():
    p = pl.zipf_frequencies(1000, 0.5)
    assert p.sum() == pytest.approx(1.0)
    assert p[1] / p[0] == pytest.approx(2 ** -1.5)


def test_quanta_loss_limits_and_tail_sum():
    assert pl.quanta_loss(0, 0.5) == pytest.approx(1.0)
    p = pl.zipf_frequencies(200_000, 1.0)  # fast-converging tail: finite sum ~ infinite sum
    assert pl.quanta_loss(10, 1.0) == pytest.approx(p[10:].sum(), rel=1e-4)
    # Large-n asymptote n^-alpha / (alpha zeta(alpha+1)).
    from scipy.special import zeta

    assert pl.quanta_loss(1e6, 0.5) == pytest.approx(1e6**-0.5 / (0.5 * zeta(1.5)), rel=1e-5)


@pytest.mark.parametrize("alpha", [0.3, 0.5, 1.0])
def test_quanta_capacity_exponent_is_alpha(alpha):
    n = np.geomspace(100, 1e5, 10)
    fit = fitting.fit_power_law(n, pl.quanta_loss(n, alpha), offset=False)
    assert fit.alpha == pytest.approx(pl.quanta_exponents(alpha)[0], abs=0.01)
    sim = pl.simulate_quanta_capacity(np.geomspace(10, 1e3, 8), alpha, n_test=400_000, seed=1)
    assert fitting.fit_power_law(np.geomspace(10, 1e3, 8), sim, offset=False).alpha == pytest.approx(alpha, abs=0.03)


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_quanta_data_exponent_is_alpha_over_alpha_plus_one(alpha):
    D = np.geomspace(1e4, 1e7, 10).round()
    loss, n_learned = pl.simulate_quanta_data(D, alpha, tau=5, n_quanta=200_000, seed=0)
    assert np.all(np.diff(loss) <= 0) and np.all(np.diff(n_learned) >= 0)
    fit = fitting.fit_power_law(D, loss, offset=False)
    assert fit.alpha == pytest.approx(pl.quanta_exponents(alpha)[1], abs=0.02)
    # n learned grows as D^(1/(alpha+1)).
    assert fitting.fit_power_law(D, n_learned, offset=False).alpha == pytest.approx(-1 / (alpha + 1), abs=0.02)


def test_quanta_exponents_worked_example_from_kaplan():
    # alpha_N = 0.076 -> Zipf exponent 1.076 and alpha_D = 0.076/1.076, below Kaplan's measured 0.095.
    a_n, a_d = pl.quanta_exponents(KAPLAN_TABLE5.alpha_N)
    assert a_n == KAPLAN_TABLE5.alpha_N
    assert a_d == pytest.approx(0.0706, abs=1e-4)
    assert a_d < KAPLAN_TABLE5.alpha_D


@given(st.floats(1e-3, 100.0))
def test_quanta_data_exponent_below_capacity_exponent_and_one(alpha):
    a_n, a_d = pl.quanta_exponents(alpha)
    assert 0 < a_d < min(a_n, 1.0)


# ---------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------


def test_explore_fit_default_offset_fit_extrapolates_better():
    out = explorers.power_laws.explore_fit()
    assert abs(out["rel_error_offset"]) < 0.05 < abs(out["rel_error_no_offset"])
    # Without E the fit undershoots: it keeps going down where the truth flattens.
    assert out["pred_far_no_offset"] < out["y_true_far"]
    assert out["x_grid"].shape == out["y_grid_offset"].shape == (200,)
    assert out["x"].size == 12


def test_explore_fit_noiseless_without_floor_both_fits_exact():
    out = explorers.power_laws.explore_fit(E=0.0, noise=0.0, n_points=6)
    assert abs(out["rel_error_no_offset"]) < 1e-9
    assert abs(out["rel_error_offset"]) < 1e-6


@settings(max_examples=10)
@given(alpha=st.floats(0.1, 1.0), E=st.floats(0.0, 3.0), n_points=st.integers(3, 30), seed=st.integers(0, 100))
def test_explore_fit_returns_consistent_results(alpha, E, n_points, seed):
    out = explorers.power_laws.explore_fit(alpha=alpha, E=E, noise=0.01, n_points=n_points, seed=seed)
    assert out["y_true_far"] == pytest.approx(pl.power_law(out["x_far"], out["A"], alpha, E))
    assert out["rel_error_offset"] == pytest.approx(out["pred_far_offset"] / out["y_true_far"] - 1)
    assert out["fit_no_offset"].n_points == n_points
