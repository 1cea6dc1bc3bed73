"""Tests of the one resampling implementation (scalinglaws.fitting.resampling): schemes, intervals, failures."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scalinglaws.fitting import resampling as rs


def _mean(x):
    return lambda idx: [x[idx].mean()]


X = np.random.default_rng(0).normal(3.0, 1.0, 200)


def test_pairs_bootstrap_of_a_mean_matches_its_standard_error():
    res = rs.bootstrap(_mean(X), X.size, ["mean"], resamples=2000, seed=1)
    assert res.draws.std() == pytest.approx(X.std() / np.sqrt(X.size), rel=0.08)
    lo, hi = res.intervals(0.9)["mean"]
    assert lo < X.mean() < hi
    assert res.summary() == {"requested": 2000, "succeeded": 2000, "failed": 0, "scheme": "pairs",
                             "method": "percentile"}


def test_subsampling_spreads_half_as_much_and_the_rescaling_undoes_it():
    plain = rs.bootstrap(_mean(X), X.size, ["mean"], resamples=1500, seed=2)
    raw = rs.bootstrap(_mean(X), X.size, ["mean"], resamples=1500, seed=2, replace=False, fraction=0.8)
    fixed = rs.bootstrap(_mean(X), X.size, ["mean"], resamples=1500, seed=2, replace=False, fraction=0.8,
                         estimate=[X.mean()])
    # an 80% subsample's mean varies with variance (1/m - 1/n) sigma^2 = sigma^2 / (4 n)
    assert raw.draws.std() == pytest.approx(0.5 * plain.draws.std(), rel=0.1)
    assert fixed.draws.std() == pytest.approx(plain.draws.std(), rel=0.1)
    assert fixed.scheme == "subsample 160 of 200, rescaled"


def test_m_out_of_n_keeps_the_spread_of_a_full_bootstrap():
    x = np.random.default_rng(3).normal(0.0, 1.0, 40_000)
    res = rs.bootstrap(_mean(x), x.size, ["mean"], resamples=400, seed=0, max_rows=2000, estimate=[x.mean()])
    assert res.scheme == "subsample 2000 of 40000, rescaled"
    assert res.draws.std() == pytest.approx(1 / np.sqrt(x.size), rel=0.15)


def test_stratified_resamples_keep_every_stratum_size():
    labels = np.repeat([0, 1, 2], [3, 5, 7])
    seen = []
    rs.bootstrap(lambda idx: seen.append(np.bincount(labels[idx], minlength=3)) or [0.0], labels.size, ["x"],
                 resamples=20, strata=labels)
    assert all(list(c) == [3, 5, 7] for c in seen)


def test_failed_refits_are_counted_never_dropped_silently_and_never_nan():
    calls = iter(range(100))

    def refit(idx):
        k = next(calls)
        if k % 3 == 0:
            raise ValueError("no minimum in this resample")
        return [np.nan] if k % 3 == 1 else [1.0 + k]

    res = rs.bootstrap(refit, 10, ["v"], resamples=30, seed=0)
    assert (res.failed, res.succeeded, res.requested) == (20, 10, 30)
    assert all(np.isfinite(v) for v in res.intervals()["v"])


def test_no_success_gives_no_interval_rather_than_nan():
    def refit(idx):
        raise FloatingPointError("overflow")

    res = rs.bootstrap(refit, 10, ["v"], resamples=5)
    assert res.failed == 5 and res.intervals() == {}


def test_a_bug_in_a_refit_is_not_a_failed_resample():
    with pytest.raises(TypeError):
        rs.bootstrap(lambda idx: None + 1, 10, ["v"], resamples=3)


def test_basic_interval_reflects_the_percentile_one_about_the_estimate():
    draws = np.linspace(1.0, 2.0, 101)[:, None]
    res = rs.Resamples(draws, ("v",), 101, 0, 0.9, np.array([1.2]), "basic")
    q_lo, q_hi = np.percentile(draws, [5, 95])
    assert res.intervals()["v"] == pytest.approx((2.4 - q_hi, 2.4 - q_lo))
    assert res.intervals(method="percentile")["v"] == pytest.approx((q_lo, q_hi))


def test_residual_bootstrap_keeps_the_design_and_centres_the_residuals():
    fitted = np.array([2.0, 3.0, 4.0, 5.0])
    resid = np.array([0.1, -0.1, 0.3, -0.3]) + 5.0  # off-centre on purpose
    seen = []
    res = rs.residual_bootstrap(lambda y: seen.append(y) or [y.mean()], fitted, resid, ["m"], resamples=200,
                                estimate=[3.5], n_params=1)
    pool = np.log(np.array(seen) / fitted)
    assert np.allclose(np.unique(np.round(pool, 12)), np.sort(np.array([0.1, -0.1, 0.3, -0.3]) * np.sqrt(4 / 3)))
    assert res.scheme == "residual" and res.method == "basic"


def test_jackknife_of_a_line_gives_a_t_interval_close_to_the_sandwich_one():
    rng = np.random.default_rng(4)
    x = np.linspace(0, 10, 12)
    y = 1.0 + 0.5 * x + rng.normal(0, 0.3, x.size)
    line = stats.linregress(x, y)
    res = rs.jackknife(lambda idx: [stats.linregress(x[idx], y[idx]).slope], x.size, ["slope"],
                       estimate=[line.slope], n_params=2, level=0.9)
    assert res.df == 10 and res.scheme == "jackknife" and res.method == "t"
    # Tukey's jackknife variance of a slope is close to the HC3 sandwich, of the order of the OLS one
    assert res.stderr["slope"] == pytest.approx(line.stderr, rel=0.5)
    lo, hi = res.intervals()["slope"]
    half = stats.t.ppf(0.95, 10) * res.stderr["slope"]
    assert (lo, hi) == pytest.approx((line.slope - half, line.slope + half))


def test_jackknife_over_groups_deletes_whole_groups():
    groups = np.repeat([10, 20, 30, 40], 3)
    kept = []
    rs.jackknife(lambda idx: kept.append(sorted(set(groups[idx]))) or [float(idx.size)], groups.size, ["n"],
                 estimate=[12.0], groups=groups)
    assert kept == [[20, 30, 40], [10, 30, 40], [10, 20, 40], [10, 20, 30]]


def test_studentized_interval_widens_a_too_narrow_percentile_one():
    # bootstrap-t for a mean of 8 normal draws approaches Student's t with 7 degrees of freedom
    x = np.random.default_rng(5).normal(0.0, 1.0, 8)

    def refit(idx):
        s = x[idx]
        return [s.mean(), s.std(ddof=1) / np.sqrt(s.size)]

    se = x.std(ddof=1) / np.sqrt(x.size)
    stud = rs.bootstrap(refit, x.size, ["mean"], resamples=3000, seed=0, level=0.9, estimate=[x.mean()],
                        method="studentized", estimate_se=[se])
    pct = stud.intervals(method="percentile")["mean"]
    lo, hi = stud.intervals()["mean"]
    assert hi - lo > pct[1] - pct[0]
    # a refit without a positive standard error (e.g. a resample of one repeated value) counts as failed
    flaky = rs.bootstrap(lambda idx: [x[idx].mean(), 0.0 if idx[0] == 0 else 1.0], x.size, ["mean"], resamples=400,
                         seed=0, estimate=[x.mean()], method="studentized", estimate_se=[se])
    assert 0 < flaky.failed < 400 and flaky.succeeded + flaky.failed == 400


def test_prediction_band_for_a_new_run_is_wider_than_the_band_of_the_law():
    rng = np.random.default_rng(6)
    curves = 3.0 + 0.01 * rng.standard_normal((300, 4))
    law = rs.prediction_band(curves, 0.9)
    new = rs.prediction_band(curves, 0.9, residuals=0.02 * rng.standard_normal(50))
    assert np.all(new[0] < law[0]) and np.all(new[1] > law[1])


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
       level=st.floats(0.01, 0.99), method=st.sampled_from(["percentile", "basic"]))
def test_intervals_are_finite_and_ordered(values, level, method):
    draws = np.array(values)[:, None]
    res = rs.Resamples(draws, ("v",), len(values), 0, 0.9, np.array([np.median(values)]), method)
    lo, hi = res.intervals(level)["v"]
    assert np.isfinite(lo) and np.isfinite(hi) and lo <= hi + 1e-9 * max(1.0, abs(hi))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=-1), "resamples"),
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=3, level=1.0), "level"),
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=3, strata=[1, 2]), "strata"),
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=3, replace=False, strata=[1] * 5), "strata"),
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=3, method="basic"), "estimate"),
        (lambda: rs.bootstrap(lambda i: [0.0], 5, ["v"], resamples=3, method="bca"), "method"),
        (lambda: rs.bootstrap(lambda i: [0.0, 1.0], 5, ["v"], resamples=3), "refit returned"),
        (lambda: rs.residual_bootstrap(lambda y: [0.0], [1.0, -1.0], [0.0, 0.0], ["v"], resamples=2,
                                       estimate=[0.0]), "fitted"),
        (lambda: rs.residual_bootstrap(lambda y: [0.0], [1.0, 2.0], [0.0], ["v"], resamples=2, estimate=[0.0]),
         "residuals"),
        (lambda: rs.jackknife(lambda i: [0.0], 5, ["v"], estimate=[0.0, 1.0]), "estimate"),
        (lambda: rs.prediction_band(np.ones((0, 3))), "curves"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()
