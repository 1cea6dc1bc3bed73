"""Tests of scalinglaws.batch_size: critical batch, step/data trade-off, gradient-noise scale."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglaws import batch_size as bs
from scalinglaws import fitting, hyperparameters as hp
from scalinglaws.constants import DEEPSEEK_7B_CHECK, KAPLAN_B_STAR_TABLE5, KAPLAN_LNS, KAPLAN_TABLE5, ZHANG_2024_CBS

pos = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
losses = st.floats(min_value=1.5, max_value=6.0)


# --- critical batch vs loss (Kaplan Eq. 5.3) ----------------------------------------------


def test_critical_batch_at_unit_loss_is_b_star():
    assert bs.critical_batch(1.0) == pytest.approx(KAPLAN_TABLE5.B_star)
    assert bs.critical_batch(1.0, B_star=KAPLAN_B_STAR_TABLE5) == pytest.approx(2.1e8)


def test_critical_batch_is_a_few_million_tokens_near_loss_two():
    # B* = 2e8 tokens, not the seed's 2^8 = 256: at L ~ 2-3 nats the critical batch is O(1e6) tokens,
    # which is why Kaplan's 2^19-token batches were near-critical.
    assert 1e6 < bs.critical_batch(2.5) < 1e7
    assert bs.critical_batch(2.5, B_star=2.0**8) < 10  # the seed's constant would give under 10 tokens


def test_doubles_for_every_13_percent_drop_in_loss():
    drop = bs.loss_drop_per_doubling()
    assert drop == pytest.approx(1 - 2**-0.21)
    assert round(drop, 2) in (0.13, 0.14)  # "doubles for every 13% decrease in loss"
    L = 3.0
    assert bs.critical_batch(L * (1 - drop)) == pytest.approx(2 * bs.critical_batch(L))
    assert bs.critical_batch_exponent() == pytest.approx(1 / 0.21)
    assert round(bs.critical_batch_exponent(), 1) == 4.8  # "B proportional to L^-4.8"


@given(losses, st.floats(min_value=0.5, max_value=0.99))
def test_critical_batch_grows_as_loss_falls(L, f):
    assert bs.critical_batch(L * f) > bs.critical_batch(L)


# --- step/data trade-off ------------------------------------------------------------------


def test_at_the_critical_batch_steps_and_data_are_both_doubled():
    assert bs.steps_ratio(1.0) == 2.0
    assert bs.data_ratio(1.0) == 2.0
    assert bs.optimal_step_fraction(7.0, 7.0) == 0.5


@given(pos)
def test_tradeoff_hyperbola_identity(x):
    s, e = bs.steps_ratio(x), bs.data_ratio(x)
    assert (s - 1) * (e - 1) == pytest.approx(1.0, rel=1e-9)
    # D = B S, so (D/D_min)/(S/S_min) = B/B_crit = x
    assert e / s == pytest.approx(x, rel=1e-9)


def test_limits_of_the_tradeoff():
    assert bs.steps_ratio(1e9) == pytest.approx(1.0)  # huge batches: fewest steps
    assert bs.data_ratio(1e-9) == pytest.approx(1.0)  # tiny batches: least data


@given(pos, pos, pos)
def test_min_steps_and_min_data_recover_the_minima(S_min, D_min, B):
    B_crit = D_min / S_min
    curve = bs.tradeoff_curve(S_min, D_min, B=[B])
    S, D = curve.S[0], curve.D[0]
    assert D == pytest.approx(B * S)
    assert bs.min_steps(S, B, B_crit=B_crit) == pytest.approx(S_min, rel=1e-9)
    assert bs.min_data(D, B, B_crit=B_crit) == pytest.approx(D_min, rel=1e-9)
    assert bs.min_compute(6 * D, B, B_crit=B_crit) == pytest.approx(6 * D_min, rel=1e-9)
    assert (S / S_min - 1) * (D / D_min - 1) == pytest.approx(1.0, rel=1e-7)


def test_min_steps_uses_kaplan_critical_batch_from_loss():
    L, B, S = 2.5, 1e6, 1e5
    assert bs.min_steps(S, B, L) == pytest.approx(S / (1 + bs.critical_batch(L) / B))
    assert bs.min_compute(1.0, B, L) == pytest.approx(1 / (1 + B / bs.critical_batch(L)))


def test_tradeoff_curve_default_grid_is_centred_on_b_crit():
    c = bs.tradeoff_curve(100.0, 1e4, num=201, span=100.0)
    mid = 100
    assert c.B[mid] == pytest.approx(100.0)
    assert c.S[mid] == pytest.approx(200.0) and c.D[mid] == pytest.approx(2e4)
    assert np.all(np.diff(c.S) < 0) and np.all(np.diff(c.D) > 0)


# --- fitting S_min, D_min -----------------------------------------------------------------


def test_fitter_recovers_known_minima_from_noisy_synthetic_runs():
    rng = np.random.default_rng(0)
    S_min, D_min = 3000.0, 6e5  # B_crit = 200
    B = np.geomspace(4, 1e4, 14)
    S = (S_min + D_min / B) * np.exp(0.05 * rng.standard_normal(B.size))
    fit = fitting.fit_tradeoff(S, B * S, n_bootstrap=100, seed=1)
    assert fit.S_min == pytest.approx(S_min, rel=0.1)
    assert fit.D_min == pytest.approx(D_min, rel=0.1)
    assert fit.B_crit == pytest.approx(200, rel=0.15)
    lo, hi = fit.B_crit_interval
    assert lo < fit.B_crit < hi and hi / lo < 1.5
    assert fit.n_points == 14 and fit.rms_log_residual < 0.1


def test_fitter_is_exact_on_noiseless_points():
    c = bs.tradeoff_curve(50.0, 5e3, B=[1, 10, 100, 1000, 1e4])
    fit = fitting.fit_tradeoff(c.S, c.D)
    assert fit.S_min == pytest.approx(50.0, rel=1e-6)
    assert fit.D_min == pytest.approx(5e3, rel=1e-6)
    assert fit.S_min_interval is None


# --- Kaplan learning-curve inversion and the explorer --------------------------------------


def test_kaplan_min_steps_inverts_the_learning_curve_law():
    N, S = 1e8, 2e4
    L = (KAPLAN_LNS.N_c / N) ** KAPLAN_LNS.alpha_N + (KAPLAN_LNS.S_c / S) ** KAPLAN_LNS.alpha_S
    assert bs.kaplan_min_steps(N, L) == pytest.approx(S)
    with pytest.raises(ValueError, match="L must exceed"):
        bs.kaplan_min_steps(N, 1.0)


def test_explorer_at_the_critical_batch_and_its_consistency():
    p0 = bs.explore_tradeoff(3.0, 1e6, 1e8)
    p = bs.explore_tradeoff(3.0, p0.B_crit, 1e8)
    assert p.steps_ratio == pytest.approx(2.0) and p.data_ratio == pytest.approx(2.0)
    assert p.S == pytest.approx(2 * p.S_min) and p.D == pytest.approx(2 * p.D_min)
    assert p.C == pytest.approx(6e8 * p.D) and p.compute_ratio == pytest.approx(p.C / p.C_min)
    assert p.D_min / p.S_min == pytest.approx(p.B_crit)
    assert p.curve_B.size == p.curve_steps_ratio.size == p.curve_data_ratio.size


@given(st.floats(min_value=2.5, max_value=5.0), st.floats(min_value=1e4, max_value=1e8))
def test_explorer_tradeoff_holds_for_any_setting(L, B):
    p = bs.explore_tradeoff(L, B, 1e9)
    assert (p.steps_ratio - 1) * (p.data_ratio - 1) == pytest.approx(1.0, rel=1e-9)
    assert p.S >= p.S_min and p.D >= p.D_min


def test_explorer_rejects_unreachable_loss():
    with pytest.raises(ValueError, match="target_loss"):
        bs.explore_tradeoff(1.0, 1e6, 1e6)


# --- gradient-noise scale -----------------------------------------------------------------


def test_noise_scales():
    assert bs.b_simple(10.0, 2.0) == 5.0
    assert bs.b_noise(3.0, 1.5) == 2.0
    assert bs.b_simple(0.0, 1.0) == 0.0


def _batch_sqnorms(rng, G, sd, b, n_trials):
    """Squared norms of mean gradients over b i.i.d. examples g = G + sd * z."""
    # the mean of b i.i.d. N(G, sd^2 I) vectors is N(G, sd^2/b I)
    mean = G + sd / np.sqrt(b) * rng.standard_normal((n_trials, G.size))
    return np.sum(mean**2, axis=1)


def test_two_batch_estimators_are_unbiased():
    rng = np.random.default_rng(123)
    d, sd, n = 20, 3.0, 40_000
    G = rng.standard_normal(d) * 0.5
    g2_true, tr_true = float(G @ G), d * sd**2
    small, big = _batch_sqnorms(rng, G, sd, 8, n), _batch_sqnorms(rng, G, sd, 128, n)
    est = bs.two_batch_estimates(small, big, 8, 128)
    se_g2 = est.grad_sqnorm.std() / np.sqrt(n)
    se_tr = est.trace_sigma.std() / np.sqrt(n)
    assert abs(est.grad_sqnorm.mean() - g2_true) < 4 * se_g2
    assert abs(est.trace_sigma.mean() - tr_true) < 4 * se_tr
    # the naive |G_big|^2 is biased upward by tr(Sigma)/b_big, far beyond the standard error
    assert big.mean() - g2_true > 10 * big.std() / np.sqrt(n)


def test_estimators_are_exact_in_the_noiseless_limit():
    est = bs.two_batch_estimates(4.0, 4.0, 16, 256)
    assert est.grad_sqnorm == 4.0 and est.trace_sigma == 0.0
    gns = bs.GradientNoiseScale(beta=0.9)
    for _ in range(5):
        gns.update(4.0, 4.0, 16, 256)
    assert gns.grad_sqnorm == pytest.approx(4.0) and gns.b_simple == pytest.approx(0.0, abs=1e-12)


@given(st.floats(min_value=0.01, max_value=100), st.floats(min_value=0, max_value=1e4),
       st.integers(min_value=1, max_value=64), st.integers(min_value=2, max_value=64))
def test_estimators_invert_the_expected_norms_exactly(g2, tr, b_small, factor):
    b_big = b_small * factor
    est = bs.two_batch_estimates(g2 + tr / b_small, g2 + tr / b_big, b_small, b_big)
    assert est.grad_sqnorm == pytest.approx(g2, rel=1e-6, abs=1e-6 * (1 + tr))
    assert est.trace_sigma == pytest.approx(tr, rel=1e-6, abs=1e-6 * (1 + g2 * b_big))


def test_ema_gradient_noise_scale_recovers_b_simple():
    rng = np.random.default_rng(7)
    d, sd = 10, 2.0
    G = np.full(d, 0.3)
    true = d * sd**2 / float(G @ G)  # about 44
    gns = bs.GradientNoiseScale(beta=0.999)
    for _ in range(3000):
        gns.update(float(_batch_sqnorms(rng, G, sd, 4, 1)[0]), float(_batch_sqnorms(rng, G, sd, 256, 1)[0]), 4, 256)
    assert gns.n_updates == 3000
    assert gns.b_simple == pytest.approx(true, rel=0.15)


def test_gradient_noise_scale_state_and_edge_cases():
    gns = bs.GradientNoiseScale()
    with pytest.raises(RuntimeError):
        gns.b_simple
    gns.update(1.0, 2.0, 1, 2)  # |G|^2 estimate 3 > 0, trace estimate -2 < 0 -> clipped to 0
    assert gns.b_simple == 0.0
    gns2 = bs.GradientNoiseScale().update(5.0, 1.0, 1, 2)  # |G|^2 estimate -3 <= 0
    assert gns2.b_simple == math.inf
    assert bs.GradientNoiseScale().update(np.float32(2.0), np.float64(1.0), 2, 8).n_updates == 1


# --- the exactly solvable problem: logistic regression ------------------------------------


@pytest.fixture(scope="module")
def problem():
    return bs.LogisticProblem(n=512, d=4, seed=3)


def test_logistic_gradient_and_hessian_match_finite_differences(problem):
    w = np.array([0.3, -0.2, 0.5, 0.1])
    h = 1e-6
    eye = np.eye(problem.d)
    fd_grad = np.array([(problem.loss(w + h * e) - problem.loss(w - h * e)) / (2 * h) for e in eye])
    assert problem.gradient(w) == pytest.approx(fd_grad, rel=1e-5, abs=1e-8)
    fd_hess = np.array([(problem.gradient(w + h * e) - problem.gradient(w - h * e)) / (2 * h) for e in eye])
    assert problem.hessian(w) == pytest.approx(fd_hess, rel=1e-5, abs=1e-8)
    # the loss of a stack of parameter vectors is the loss of each row
    assert problem.loss(np.stack([w, 2 * w])) == pytest.approx([problem.loss(w), problem.loss(2 * w)])


def test_logistic_minimum_has_zero_gradient_and_the_target_lies_between(problem):
    w_star, L_star = problem.minimum()
    assert np.linalg.norm(problem.gradient(w_star)) < 1e-8
    L0 = problem.loss(np.zeros(problem.d))
    assert L0 == pytest.approx(math.log(2))  # w = 0 predicts 1/2 for every example
    assert problem.target_loss(0.25) == pytest.approx(L_star + 0.25 * (L0 - L_star))


def test_exact_noise_scales_match_their_definitions(problem):
    w = np.array([0.1, 0.2, -0.1, 0.0])
    ns = problem.noise_scales(w)
    g = problem.per_example_gradients(w)
    sigma = np.cov(g.T, bias=True)  # covariance over the n examples (the whole distribution)
    G, H = g.mean(0), problem.hessian(w)
    assert ns.grad_sqnorm == pytest.approx(G @ G)
    assert ns.trace_sigma == pytest.approx(np.trace(sigma))
    assert ns.b_simple == pytest.approx(np.trace(sigma) / (G @ G))
    assert ns.b_noise == pytest.approx(np.trace(H @ sigma) / (G @ H @ G))


def test_batch_gradients_have_mean_G_and_the_predicted_norm(problem):
    # E|G_B|^2 = |G|^2 + tr(Sigma)/B, exactly, for batches drawn with replacement
    w = np.array([0.1, 0.2, -0.1, 0.0])
    ns = problem.noise_scales(w)
    rng = np.random.default_rng(0)
    B, K = 8, 20_000
    sq = np.array([np.sum(problem.batch_gradient(w, B, rng) ** 2) for _ in range(K)])
    assert abs(sq.mean() - (ns.grad_sqnorm + ns.trace_sigma / B)) < 4 * sq.std() / np.sqrt(K)


def test_two_batch_estimate_on_the_problem_recovers_b_simple(problem):
    w = np.array([0.1, 0.2, -0.1, 0.0])
    est = bs.estimate_b_simple(problem, w, 16, 512, n_pairs=2000, beta=0.999, rng=np.random.default_rng(1))
    assert est == pytest.approx(problem.noise_scales(w).b_simple, rel=0.15)


def test_noise_scale_grows_along_the_path_to_the_optimum(problem):
    path = bs.noise_scales_along_path(problem, problem.target_loss(0.05), lr=2.0)
    assert path.loss.size > 5 and np.all(np.diff(path.loss) < 0)
    assert path.b_simple[-1] > 5 * path.b_simple[0]  # |G|^2 -> 0 near the optimum, tr(Sigma) does not
    assert path.w.shape == (path.loss.size, problem.d)
    # SGD with a seed is reproducible
    a = bs.noise_scales_along_path(problem, problem.target_loss(0.2), lr=1.0, batch=64, seed=5)
    b = bs.noise_scales_along_path(problem, problem.target_loss(0.2), lr=1.0, batch=64, seed=5)
    assert np.array_equal(a.b_noise, b.b_noise)


def test_steps_to_target_is_the_gradient_descent_count_at_a_huge_batch(problem):
    # A batch far above the noise scale behaves like full-batch gradient descent.
    target, lr = problem.target_loss(0.2), 1.0
    gd = bs.noise_scales_along_path(problem, target, lr=lr).loss.size
    sgd = bs.steps_to_target(problem, target, 20_000, [lr], n_seeds=2)[0]
    assert 0.9 * gd <= sgd <= 1.1 * gd + 1  # sampling noise either way; checks every ~4% of steps run late


def test_batch_size_sweep_follows_the_tradeoff_hyperbola():
    # McCandlish et al.: with a tuned learning rate, S = S_min (1 + B_crit/B) across batch sizes.
    problem = bs.LogisticProblem(n=1024, d=6, seed=1)
    target = problem.target_loss(0.02)
    sweep = bs.batch_size_sweep(problem, target, 2 ** np.arange(2, 11), np.geomspace(0.05, 40, 14))
    assert np.all(np.diff(sweep.steps) < 0)  # bigger batches need fewer steps
    assert np.all(np.diff(sweep.lr) >= 0)  # and tolerate larger learning rates
    assert 20 < sweep.steps[0] / sweep.steps[-1] < 256  # 256 times the batch saves steps, less than 256-fold
    fit = fitting.fit_tradeoff(sweep.steps, sweep.batch * sweep.steps)
    assert fit.rms_log_residual < 0.25
    assert sweep.batch[0] < fit.B_crit < sweep.batch[-1]


def test_sweeps_are_reproducible(problem):
    target = problem.target_loss(0.2)
    a = bs.steps_to_target(problem, target, 8, [0.5, 1.0], n_seeds=3, seed=2)
    b = bs.steps_to_target(problem, target, 8, [0.5, 1.0], n_seeds=3, seed=2)
    assert np.array_equal(a, b)


# --- batch ramps, DeepSeek, muP -----------------------------------------------------------


def test_critical_batch_ramp_is_monotone_powers_of_two():
    L = np.linspace(5.0, 2.2, 50)
    B = bs.critical_batch_ramp(L, B_min=2**14, B_max=2**23)
    assert np.all(np.diff(B) >= 0)
    assert np.all(B <= np.maximum(bs.critical_batch(L), 2**14))
    assert np.all(np.log2(B) == np.round(np.log2(B)))
    assert B.min() >= 2**14 and B.max() <= 2**23


def test_deepseek_hyperparameters_at_the_7b_budget():
    C = DEEPSEEK_7B_CHECK["compute_flops"]
    assert hp.deepseek_optimal_batch(C) == pytest.approx(DEEPSEEK_7B_CHECK["batch_tokens"], rel=0.01)
    assert hp.deepseek_optimal_lr(C) == pytest.approx(DEEPSEEK_7B_CHECK["learning_rate"], rel=0.02)


@given(st.floats(min_value=1e17, max_value=1e25), st.floats(min_value=1.5, max_value=100))
def test_deepseek_batch_grows_and_lr_shrinks_with_compute(C, k):
    assert hp.deepseek_optimal_batch(k * C) > hp.deepseek_optimal_batch(C)
    assert hp.deepseek_optimal_lr(k * C) < hp.deepseek_optimal_lr(C)


def test_mup_table_scalings():
    # 4x wider: hidden init var and Adam LR / 4, output init var / 16, input unchanged under Adam
    assert hp.mup_scaling("hidden", 1024, 256) == (0.25, 0.25)
    assert hp.mup_scaling("output", 1024, 256) == (0.0625, 0.25)
    assert hp.mup_scaling("input", 1024, 256) == (1.0, 1.0)
    assert hp.mup_scaling("input", 1024, 256, optimizer="sgd") == (1.0, 4.0)
    assert hp.mup_scaling("hidden", 1024, 256, optimizer="sgd") == (0.25, 1.0)
    assert hp.mup_scaling("output", 1024, 256, optimizer="sgd").lr == 0.25
    assert hp.mup_scaling("bias", 1024, 256) == hp.mup_scaling("input", 1024, 256)
    assert hp.mup_scaling("output", 1024, 256, parametrization="standard") == (0.25, 1.0)


@given(st.sampled_from(["input", "hidden", "output", "bias"]), st.sampled_from(["adam", "sgd"]),
       st.floats(min_value=1, max_value=1e5))
def test_mup_is_identity_at_the_base_width(layer, opt, w):
    assert hp.mup_scaling(layer, w, w, optimizer=opt) == (1.0, 1.0)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: bs.critical_batch(-1.0), "L"),
        (lambda: bs.critical_batch(2.0, alpha_B=0), "alpha_B"),
        (lambda: bs.critical_batch(float("nan")), "L"),
        (lambda: bs.loss_drop_per_doubling(-0.2), "alpha_B"),
        (lambda: bs.steps_ratio(0.0), "B_over_B_crit"),
        (lambda: bs.data_ratio("x"), "B_over_B_crit"),
        (lambda: bs.min_steps(-1, 10, 3.0), "S"),
        (lambda: bs.min_steps(1, 10), "exactly one"),
        (lambda: bs.min_steps(1, 10, 3.0, B_crit=5), "exactly one"),
        (lambda: bs.min_compute(1, 0, 3.0), "B"),
        (lambda: bs.tradeoff_curve(0, 1), "S_min"),
        (lambda: fitting.fit_tradeoff([1, 2], [1, 2, 3]), "same length"),
        (lambda: fitting.fit_tradeoff([1, 2], [2, 4]), "distinct"),
        (lambda: fitting.fit_tradeoff([1], [1]), "steps"),
        (lambda: fitting.fit_tradeoff([1, 2, 3], [1, 5, 9], confidence=1.5), "confidence"),
        (lambda: bs.explore_tradeoff(3.0, -1), "batch_tokens"),
        (lambda: bs.two_batch_estimates(1, 1, 8, 8), "b_big"),
        (lambda: bs.two_batch_estimates(-1, 1, 8, 16), "g_small_sqnorm"),
        (lambda: bs.GradientNoiseScale(beta=1.0), "beta"),
        (lambda: bs.GradientNoiseScale().update(1.0, 1.0, 0, 8), "b_small"),
        (lambda: bs.GradientNoiseScale().update(float("nan"), 1.0, 1, 8), "g_small_sqnorm"),
        (lambda: bs.b_simple(1.0, 0.0), "grad_sqnorm"),
        (lambda: bs.critical_batch_ramp([3.0], B_min=10, B_max=5), "B_max"),
        (lambda: bs.LogisticProblem(n=1), "n"),
        (lambda: bs.LogisticProblem(condition=0.5), "condition"),
        (lambda: bs.LogisticProblem(n=16, d=2).loss([1.0, 2.0, 3.0]), "W"),
        (lambda: bs.LogisticProblem(n=16, d=2).gradient([1.0]), "w"),
        (lambda: bs.LogisticProblem(n=16, d=2).batch_gradient([0.0, 0.0], 0, np.random.default_rng()), "batch"),
        (lambda: bs.LogisticProblem(n=16, d=2).target_loss(0.0), "fraction"),
        (lambda: bs.steps_to_target("not a problem", 0.5, 8, [1.0]), "problem"),
        (lambda: bs.steps_to_target(bs.LogisticProblem(n=16, d=2), 1.0, 8, [1.0]), "target"),
        (lambda: bs.steps_to_target(bs.LogisticProblem(n=16, d=2), 0.6, 8, [-1.0]), "lrs"),
        (lambda: bs.steps_to_target(bs.LogisticProblem(n=16, d=2), 0.6, 0, [1.0]), "batch"),
        (lambda: bs.batch_size_sweep(bs.LogisticProblem(n=16, d=2), 0.6, [1.5], [1.0]), "batches"),
        (lambda: bs.batch_size_sweep(bs.LogisticProblem(n=64, d=2), 1e-6, [4], [1.0], max_steps=5), "max_steps"),
        (lambda: bs.noise_scales_along_path(bs.LogisticProblem(n=16, d=2), 0.6, lr=0), "lr"),
        (lambda: bs.noise_scales_along_path(bs.LogisticProblem(n=64, d=2), 1e-6, lr=1.0, max_steps=3), "max_steps"),
        (lambda: bs.estimate_b_simple(bs.LogisticProblem(n=16, d=2), [0.0, 0.0], 8, 8,
                                      rng=np.random.default_rng()), "b_big"),
        (lambda: hp.deepseek_optimal_batch(0), "C"),
        (lambda: hp.deepseek_optimal_lr([1e20, -1]), "C"),
        (lambda: hp.mup_scaling("embedding", 2, 1), "layer"),
        (lambda: hp.mup_scaling("hidden", 2, 1, optimizer="lion"), "optimizer"),
        (lambda: hp.mup_scaling("hidden", 0, 1), "width"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.one_of(st.floats(max_value=0), st.just(float("inf")), st.just(float("nan"))))
def test_any_non_positive_or_non_finite_learning_rate_is_rejected(lr):
    problem = bs.LogisticProblem(n=16, d=2)
    with pytest.raises(ValueError, match="lrs"):
        bs.steps_to_target(problem, 0.6, 4, [1.0, lr])
    with pytest.raises(ValueError, match="lr"):
        bs.noise_scales_along_path(problem, 0.6, lr=lr)


@given(st.one_of(st.floats(max_value=0), st.just(float("inf")), st.just(float("nan"))))
def test_any_non_positive_or_non_finite_loss_is_rejected(L):
    with pytest.raises(ValueError, match="L"):
        bs.critical_batch(L)


def test_zhang_critical_batch_sits_at_a_fifth_of_b_crit():
    """Zhang et al.'s critical batch (steps 20% above perfect linear scaling) is 0.2 B_crit on the hyperbola."""
    overhead = ZHANG_2024_CBS["step_overhead"]
    assert overhead == 0.20
    S_min, D_min = 12.0, 6000.0
    B = overhead * (D_min / S_min)
    steps = bs.tradeoff_curve(S_min, D_min, B=np.array([B])).S[0]
    assert steps / (D_min / B) == pytest.approx(1 + overhead)  # D_min / B: steps under perfect linear scaling
