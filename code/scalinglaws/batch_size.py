"""Critical batch size, the step/data trade-off and the gradient-noise scale.

Units: batch sizes ``B`` and data ``D`` in **tokens** (Kaplan et al. 2020) or
in examples (McCandlish et al. 2018; the formulas do not care which, as long
as B and D use the same unit), steps ``S`` in optimizer updates, loss ``L`` in
nats/token, compute ``C`` in any unit (the corrections are ratios).

Three ideas live here:

* **Critical batch vs loss** (Kaplan Eq. 5.3): B_crit(L) = B_* / L^(1/alpha_B),
  with B_* and alpha_B from :data:`scalinglaws.constants.KAPLAN_TABLE5`.
* **The step/data trade-off** (McCandlish et al.; Kaplan Eqs. 5.1-5.5): to
  reach a given loss with batch B one needs S = S_min (1 + B_crit/B) steps and
  D = B S = D_min (1 + B/B_crit) examples, so
  (S/S_min - 1)(D/D_min - 1) = 1 and B_crit = D_min / S_min. McCandlish et
  al. and Kaplan et al. write the data as E and its minimum as E_min; here it
  is D and D_min, because E is the irreducible loss everywhere else.
* **The gradient-noise scale** (McCandlish et al. Sec. 2, App. A.1):
  B_simple = tr(Sigma)/|G|^2 and B_noise = tr(H Sigma)/(G^T H G), and the
  unbiased two-batch estimators of |G|^2 and tr(Sigma), smoothed by an EMA in
  :class:`GradientNoiseScale`. These take plain floats (squared gradient
  norms), so any framework can feed them.

A fourth part checks the theory on a problem small enough to solve exactly:
:class:`LogisticProblem` (logistic regression on a fixed synthetic data set,
whose G, Sigma and H are computed exactly), :func:`steps_to_target` and
:func:`batch_size_sweep` (vectorised SGD runs that count the steps to a target
loss at each batch size), and :func:`noise_scales_along_path`.

Fitting the trade-off to runs is :func:`scalinglaws.fitting.tradeoff.fit_tradeoff`;
learning-rate and batch-size laws across scale (DeepSeek, μP) are
:mod:`scalinglaws.hyperparameters`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize, special

from scalinglaws._validation import as_float_array, check_instance, check_scalar, scalar_or_array
from scalinglaws.constants import KAPLAN_LNS, KAPLAN_TABLE5

__all__ = [
    "critical_batch",
    "critical_batch_exponent",
    "loss_drop_per_doubling",
    "steps_ratio",
    "data_ratio",
    "optimal_step_fraction",
    "min_steps",
    "min_data",
    "min_compute",
    "tradeoff_curve",
    "TradeoffCurve",
    "TradeoffPoint",
    "explore_tradeoff",
    "kaplan_min_steps",
    "b_simple",
    "b_noise",
    "NoiseEstimate",
    "two_batch_estimates",
    "GradientNoiseScale",
    "critical_batch_ramp",
    "LogisticProblem",
    "NoiseScales",
    "steps_to_target",
    "SweepResult",
    "batch_size_sweep",
    "PathNoise",
    "noise_scales_along_path",
    "estimate_b_simple",
]


_out = scalar_or_array


# ---------------------------------------------------------------------------
# Critical batch vs loss (Kaplan et al. Eq. 5.3)
# ---------------------------------------------------------------------------


def critical_batch(L, *, B_star: float = KAPLAN_TABLE5.B_star, alpha_B: float = KAPLAN_TABLE5.alpha_B):
    """Critical batch size in **tokens** at loss ``L`` (nats/token): B_* / L^(1/alpha_B).

    Kaplan et al. (2020) Eq. 5.3 with B_* = 2e8 tokens (Eqs. 1.4, 5.3; their
    Table 5 prints 2.1e8, :data:`scalinglaws.constants.KAPLAN_B_STAR_TABLE5`)
    and alpha_B = 0.21. The fit was made for 1.5 < L < 6 or so on WebText2.
    """
    L = as_float_array("L", L, positive=True)
    B_star = check_scalar("B_star", B_star, low=0, low_inclusive=False)
    alpha_B = check_scalar("alpha_B", alpha_B, low=0, low_inclusive=False)
    return _out(B_star / L ** (1.0 / alpha_B))


def critical_batch_exponent(alpha_B: float = KAPLAN_TABLE5.alpha_B) -> float:
    """The exponent p of B_crit proportional to L^(-p): p = 1/alpha_B (about 4.8 for Kaplan's 0.21)."""
    alpha_B = check_scalar("alpha_B", alpha_B, low=0, low_inclusive=False)
    return 1.0 / alpha_B


def loss_drop_per_doubling(alpha_B: float = KAPLAN_TABLE5.alpha_B) -> float:
    """Fractional loss drop that doubles the critical batch: 1 - 2^(-alpha_B) (about 0.135).

    From B_crit proportional to L^(-1/alpha_B): B_crit(L')/B_crit(L) = 2 when
    L'/L = 2^(-alpha_B).
    """
    alpha_B = check_scalar("alpha_B", alpha_B, low=0, low_inclusive=False)
    return 1.0 - 2.0 ** (-alpha_B)


# ---------------------------------------------------------------------------
# The step/data trade-off (McCandlish et al. 2018; Kaplan et al. Eqs. 5.1-5.5)
# ---------------------------------------------------------------------------


def steps_ratio(B_over_B_crit):
    """S/S_min = 1 + B_crit/B: steps needed at batch B, relative to the fewest possible."""
    x = as_float_array("B_over_B_crit", B_over_B_crit, positive=True)
    return _out(1.0 + 1.0 / x)


def data_ratio(B_over_B_crit):
    """D/D_min = 1 + B/B_crit: examples (tokens) needed at batch B, relative to the fewest possible.

    At fixed model size compute is proportional to data, so this is also C/C_min.
    """
    x = as_float_array("B_over_B_crit", B_over_B_crit, positive=True)
    return _out(1.0 + x)


def optimal_step_fraction(B, B_noise):
    """epsilon_opt(B)/epsilon_max = 1/(1 + B_noise/B) (McCandlish et al. Eq. 2.6).

    The best learning rate (and the best loss improvement per step) at batch B,
    relative to their values with the true gradient (B -> infinity).
    """
    B = as_float_array("B", B, positive=True)
    B_noise = as_float_array("B_noise", B_noise, positive=True)
    return _out(1.0 / (1.0 + B_noise / B))


def _bcrit_from(L, B_crit):
    if (L is None) == (B_crit is None):
        raise ValueError("give exactly one of L (loss, nats/token) or B_crit (tokens)")
    if B_crit is not None:
        return as_float_array("B_crit", B_crit, positive=True)
    return np.asarray(critical_batch(L))


def min_steps(S, B, L=None, *, B_crit=None):
    """S_min = S / (1 + B_crit/B): the steps a run of ``S`` steps at batch ``B`` would need at B >> B_crit.

    Kaplan et al. Eq. 5.4. Give the loss ``L`` reached (nats/token; B_crit from
    :func:`critical_batch`) or ``B_crit`` directly (same unit as ``B``).
    """
    S = as_float_array("S", S, positive=True)
    B = as_float_array("B", B, positive=True)
    Bc = _bcrit_from(L, B_crit)
    return _out(S / (1.0 + Bc / B))


def min_data(D, B, L=None, *, B_crit=None):
    """D_min = D / (1 + B/B_crit): the data a run that used ``D`` examples at batch ``B`` would need at B << B_crit.

    Kaplan et al. Eq. 5.1 solved for the minimum (their E_min). ``D`` and
    ``B`` in the same unit (tokens or examples).
    """
    D = as_float_array("D", D, positive=True)
    B = as_float_array("B", B, positive=True)
    Bc = _bcrit_from(L, B_crit)
    return _out(D / (1.0 + B / Bc))


def min_compute(C, B, L=None, *, B_crit=None):
    """C_min = C / (1 + B/B_crit) (Kaplan et al. Eq. 5.5): compute at B << B_crit, for fixed model size.

    ``C`` may be in FLOPs or PF-days; the result is in the same unit.
    """
    C = as_float_array("C", C, positive=True)
    B = as_float_array("B", B, positive=True)
    Bc = _bcrit_from(L, B_crit)
    return _out(C / (1.0 + B / Bc))


class TradeoffCurve(NamedTuple):
    """Points on the hyperbola (S/S_min - 1)(D/D_min - 1) = 1, parametrised by the batch size."""

    B: np.ndarray  # batch size (unit of D)
    S: np.ndarray  # steps
    D: np.ndarray  # examples or tokens, D = B * S


def tradeoff_curve(S_min, D_min, B=None, *, num: int = 200, span: float = 1e3) -> TradeoffCurve:
    """Steps and data to reach a fixed loss as the batch size moves along the trade-off.

    ``B`` defaults to ``num`` log-spaced values from B_crit/span to
    B_crit*span, where B_crit = D_min/S_min. Returns S = S_min + D_min/B and
    D = B S = D_min + S_min B.
    """
    S_min = check_scalar("S_min", S_min, low=0, low_inclusive=False)
    D_min = check_scalar("D_min", D_min, low=0, low_inclusive=False)
    B_crit = D_min / S_min
    if B is None:
        num = check_scalar("num", num, low=2, integer=True)
        span = check_scalar("span", span, low=1, low_inclusive=False)
        B = np.geomspace(B_crit / span, B_crit * span, num)
    else:
        B = as_float_array("B", B, positive=True)
    S = S_min + D_min / B
    return TradeoffCurve(B, S, B * S)


def kaplan_min_steps(N, L, *, law=KAPLAN_LNS):
    """S_min needed by a model of ``N`` non-embedding parameters to reach loss ``L`` (Kaplan Eq. 1.6 inverted).

    From L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S (Table 3 fit):
    S_min = S_c / (L - (N_c/N)^alpha_N)^(1/alpha_S). ``L`` must lie above the
    model's converged loss (N_c/N)^alpha_N.
    """
    N = as_float_array("N", N, positive=True)
    L = as_float_array("L", L, positive=True)
    floor = (law.N_c / N) ** law.alpha_N
    if np.any(L <= floor):
        raise ValueError(f"L must exceed the converged loss (N_c/N)^alpha_N = {np.min(floor):.4g} nats/token")
    return _out(law.S_c / (L - floor) ** (1.0 / law.alpha_S))


class TradeoffPoint(NamedTuple):
    """What :func:`explore_tradeoff` returns: one batch size on the trade-off for a target loss."""

    B: float  # tokens
    B_crit: float  # tokens
    steps_ratio: float  # S / S_min
    data_ratio: float  # D / D_min (= C / C_min at fixed N)
    compute_ratio: float  # C / C_min
    S_min: float  # steps
    D_min: float  # tokens
    S: float  # steps
    D: float  # tokens
    C: float  # FLOPs, 6 N D
    C_min: float  # FLOPs, 6 N D_min
    curve_B: np.ndarray  # tokens, for plotting
    curve_steps_ratio: np.ndarray
    curve_data_ratio: np.ndarray


def explore_tradeoff(target_loss: float = 3.0, batch_tokens: float = 2.0**19, n_params: float = 1e8,
                     *, num: int = 121, span: float = 100.0) -> TradeoffPoint:
    """The trade-off explorer: steps, data and compute to reach ``target_loss`` at batch ``batch_tokens``.

    B_crit comes from :func:`critical_batch` (Kaplan Eq. 5.3), S_min from the
    learning-curve law :func:`kaplan_min_steps` for a model of ``n_params``
    non-embedding parameters, D_min = B_crit S_min, and the trade-off gives
    S = S_min (1 + B_crit/B), D = D_min (1 + B/B_crit), C = 6 N D FLOPs.
    The ``curve_*`` arrays trace S/S_min and D/D_min over B in
    [B_crit/span, B_crit*span] for a plot.
    """
    target_loss = check_scalar("target_loss", target_loss, low=0, low_inclusive=False)
    batch_tokens = check_scalar("batch_tokens", batch_tokens, low=0, low_inclusive=False)
    n_params = check_scalar("n_params", n_params, low=0, low_inclusive=False)
    num = check_scalar("num", num, low=2, integer=True)
    span = check_scalar("span", span, low=1, low_inclusive=False)
    Bc = critical_batch(target_loss)
    try:
        S_min = kaplan_min_steps(n_params, target_loss)
    except ValueError as err:
        raise ValueError(f"target_loss is unreachable for n_params = {n_params:.3g}: {err}") from None
    D_min = Bc * S_min
    x = batch_tokens / Bc
    s_ratio, d_ratio = steps_ratio(x), data_ratio(x)
    curve_B = np.geomspace(Bc / span, Bc * span, num)
    return TradeoffPoint(
        B=batch_tokens, B_crit=Bc, steps_ratio=s_ratio, data_ratio=d_ratio, compute_ratio=d_ratio,
        S_min=S_min, D_min=D_min, S=S_min * s_ratio, D=D_min * d_ratio,
        C=6.0 * n_params * D_min * d_ratio, C_min=6.0 * n_params * D_min,
        curve_B=curve_B, curve_steps_ratio=steps_ratio(curve_B / Bc), curve_data_ratio=data_ratio(curve_B / Bc),
    )


# ---------------------------------------------------------------------------
# Gradient-noise scale (McCandlish et al. 2018)
# ---------------------------------------------------------------------------


def b_simple(trace_sigma, grad_sqnorm):
    """The simple noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et al. Eq. 2.8).

    ``trace_sigma`` is the trace of the per-example gradient covariance and
    ``grad_sqnorm`` the squared norm of the true (full-batch) gradient.
    """
    tr = as_float_array("trace_sigma", trace_sigma, nonnegative=True)
    g2 = as_float_array("grad_sqnorm", grad_sqnorm, positive=True)
    return _out(tr / g2)


def b_noise(trace_H_sigma, gHg):
    """The noise scale B_noise = tr(H Sigma) / (G^T H G) (McCandlish et al. Eq. 2.7); equals B_simple when H is a multiple of I."""
    t = as_float_array("trace_H_sigma", trace_H_sigma, nonnegative=True)
    q = as_float_array("gHg", gHg, positive=True)
    return _out(t / q)


class NoiseEstimate(NamedTuple):
    """Unbiased estimates from one pair of batch gradients (:func:`two_batch_estimates`)."""

    grad_sqnorm: float | np.ndarray  # estimate of |G|^2
    trace_sigma: float | np.ndarray  # estimate of tr(Sigma)


def _check_batches(b_small, b_big):
    b_small = as_float_array("b_small", b_small, positive=True)
    b_big = as_float_array("b_big", b_big, positive=True)
    if np.any(b_big <= b_small):
        raise ValueError("b_big must be larger than b_small")
    return b_small, b_big


def two_batch_estimates(g_small_sqnorm, g_big_sqnorm, b_small, b_big) -> NoiseEstimate:
    """McCandlish et al.'s unbiased estimators of |G|^2 and tr(Sigma) (App. A.1).

    With G_B the mean gradient over B examples drawn independently,
    E|G_B|^2 = |G|^2 + tr(Sigma)/B. Two batch sizes b_small < b_big give two
    such equations, solved exactly:

    * |G|^2 ~ (b_big |G_big|^2 - b_small |G_small|^2) / (b_big - b_small)
    * tr(Sigma) ~ (|G_small|^2 - |G_big|^2) / (1/b_small - 1/b_big)

    Inputs are squared norms (floats or arrays). Individual estimates may be
    negative; they are unbiased, not positive.
    """
    gs = as_float_array("g_small_sqnorm", g_small_sqnorm, nonnegative=True)
    gb = as_float_array("g_big_sqnorm", g_big_sqnorm, nonnegative=True)
    bs, bb = _check_batches(b_small, b_big)
    g2 = (bb * gb - bs * gs) / (bb - bs)
    tr = (gs - gb) / (1.0 / bs - 1.0 / bb)
    return NoiseEstimate(_out(g2), _out(tr))


class GradientNoiseScale:
    """Running estimate of B_simple from pairs of batch-gradient norms, EMA-smoothed.

    The ratio of two unbiased estimators is biased, so McCandlish et al.
    smooth |G|^2 and tr(Sigma) separately and divide the averages. Here each
    is an exponential moving average with decay ``beta`` and Adam-style bias
    correction (the average after t updates is divided by 1 - beta^t).

    Use it with any framework: pass squared norms as floats, e.g. the norm of
    one worker's gradient (``b_small`` examples) and of the all-reduced
    gradient (``b_big`` examples)::

        gns = GradientNoiseScale(beta=0.95)
        gns.update(g_small_sqnorm, g_big_sqnorm, b_small, b_big)
        gns.b_simple
    """

    def __init__(self, beta: float = 0.95):
        self.beta = check_scalar("beta", beta, low=0, high=1, high_inclusive=False)
        self.n_updates = 0
        self._g2 = 0.0
        self._tr = 0.0

    def update(self, g_small_sqnorm: float, g_big_sqnorm: float, b_small: float, b_big: float) -> "GradientNoiseScale":
        """Add one pair of squared batch-gradient norms; returns ``self``."""
        for name, v in (("g_small_sqnorm", g_small_sqnorm), ("g_big_sqnorm", g_big_sqnorm)):
            check_scalar(name, float(v) if isinstance(v, np.floating) else v, low=0)
        for name, v in (("b_small", b_small), ("b_big", b_big)):
            check_scalar(name, float(v) if isinstance(v, np.floating) else v, low=0, low_inclusive=False)
        est = two_batch_estimates(float(g_small_sqnorm), float(g_big_sqnorm), float(b_small), float(b_big))
        self._g2 = self.beta * self._g2 + (1 - self.beta) * est.grad_sqnorm
        self._tr = self.beta * self._tr + (1 - self.beta) * est.trace_sigma
        self.n_updates += 1
        return self

    def _corrected(self, value: float) -> float:
        if self.n_updates == 0:
            raise RuntimeError("GradientNoiseScale has no data yet: call update() first")
        return value / (1.0 - self.beta**self.n_updates)

    @property
    def grad_sqnorm(self) -> float:
        """Smoothed estimate of |G|^2 (may be <= 0 while noise dominates)."""
        return self._corrected(self._g2)

    @property
    def trace_sigma(self) -> float:
        """Smoothed estimate of tr(Sigma)."""
        return self._corrected(self._tr)

    @property
    def b_simple(self) -> float:
        """Smoothed tr(Sigma)/|G|^2; ``math.inf`` while the |G|^2 estimate is <= 0, 0 while tr(Sigma)'s is < 0."""
        g2, tr = self.grad_sqnorm, self.trace_sigma
        if g2 <= 0:
            return math.inf
        return max(tr, 0.0) / g2


# ---------------------------------------------------------------------------
# Batch-size ramps
# ---------------------------------------------------------------------------


def critical_batch_ramp(L, *, B_min: float = 1.0, B_max: float = math.inf, power_of_two: bool = True,
                        B_star: float = KAPLAN_TABLE5.B_star, alpha_B: float = KAPLAN_TABLE5.alpha_B):
    """A batch-size schedule that follows the critical batch along a loss curve ``L`` (nats/token).

    Returns B_crit(L) clipped to [B_min, B_max] and, with ``power_of_two``,
    rounded down to a power of two (the usual hardware-friendly steps), so the
    schedule never exceeds the critical batch. ``L`` is typically the loss
    measured (or predicted) at each step; the result is non-decreasing when
    ``L`` is non-increasing.
    """
    B_min = check_scalar("B_min", B_min, low=0, low_inclusive=False)
    B_max = float(B_max) if B_max == math.inf else check_scalar("B_max", B_max, low=B_min)
    B = np.asarray(critical_batch(L, B_star=B_star, alpha_B=alpha_B))
    if power_of_two:
        B = 2.0 ** np.floor(np.log2(B))
    return _out(np.clip(B, B_min, B_max))


# ---------------------------------------------------------------------------
# A problem solved exactly: logistic regression on a fixed data set
# ---------------------------------------------------------------------------


class NoiseScales(NamedTuple):
    """Exact gradient statistics at one parameter vector (:meth:`LogisticProblem.noise_scales`)."""

    grad_sqnorm: float  # |G|^2
    trace_sigma: float  # tr(Sigma), Sigma the covariance of one example's gradient
    b_simple: float  # tr(Sigma) / |G|^2, examples
    b_noise: float  # tr(H Sigma) / (G^T H G), examples


class LogisticProblem:
    """Logistic regression on ``n`` synthetic examples with ``d`` features: G, Sigma and H in closed form.

    The ``n`` examples *are* the distribution: a batch of ``B`` examples is
    drawn from them uniformly with replacement, so the mean batch gradient has
    mean G and covariance Sigma/B exactly, as McCandlish et al.'s argument
    assumes. Features are Gaussian with standard deviations falling
    geometrically from 1 to ``1/condition`` (so the Hessian is not a multiple
    of the identity and B_noise differs from B_simple); labels are drawn from
    a logistic model with random true weights. Losses are in nats per example.

    The per-example gradient of the log-loss is (p_i - y_i) x_i with
    p_i = sigmoid(w . x_i); the Hessian is (1/n) sum_i p_i (1 - p_i) x_i x_i^T.
    """

    def __init__(self, n: int = 2048, d: int = 10, *, condition: float = 2.0, seed: int = 0):
        self.n = check_scalar("n", n, low=2, integer=True)
        self.d = check_scalar("d", d, low=1, integer=True)
        condition = check_scalar("condition", condition, low=1.0)
        seed = check_scalar("seed", seed, low=0, integer=True)
        rng = np.random.default_rng(seed)
        scales = np.geomspace(1.0, 1.0 / condition, self.d)
        self.X = rng.standard_normal((self.n, self.d)) * scales  # (n, d)
        w_true = 0.5 * rng.standard_normal(self.d) / scales
        self.y = (rng.random(self.n) < special.expit(self.X @ w_true)).astype(float)  # (n,)

    def _w(self, w) -> np.ndarray:
        w = as_float_array("w", w)
        if w.shape != (self.d,):
            raise ValueError(f"w must have shape ({self.d},), got {w.shape}")
        return w

    def loss(self, W):
        """Mean log-loss (nats/example) of a parameter vector ``W`` of shape (d,), or of each row of (K, d)."""
        W = as_float_array("W", W)
        if W.shape[-1:] != (self.d,) or W.ndim > 2:
            raise ValueError(f"W must have shape ({self.d},) or (K, {self.d}), got {W.shape}")
        Z = np.atleast_2d(W) @ self.X.T  # (K, n)
        out = np.logaddexp(0.0, Z).mean(axis=1) - Z @ self.y / self.n
        return float(out[0]) if W.ndim == 1 else out

    def per_example_gradients(self, w) -> np.ndarray:
        """Gradient of each example's log-loss at ``w``, shape (n, d)."""
        w = self._w(w)
        return (special.expit(self.X @ w) - self.y)[:, None] * self.X

    def gradient(self, w) -> np.ndarray:
        """The true (full-data) gradient G at ``w``, shape (d,)."""
        return self.per_example_gradients(w).mean(axis=0)

    def hessian(self, w) -> np.ndarray:
        """The Hessian H of the mean log-loss at ``w``, shape (d, d)."""
        p = special.expit(self.X @ self._w(w))
        return (self.X * (p * (1 - p))[:, None]).T @ self.X / self.n

    def noise_scales(self, w) -> NoiseScales:
        """Exact |G|^2, tr(Sigma), B_simple and B_noise at ``w`` (in examples).

        Sigma = E[g g^T] - G G^T over the n examples, so
        tr(Sigma) = mean |g_i|^2 - |G|^2 and tr(H Sigma) = mean g_i^T H g_i - G^T H G.
        """
        g = self.per_example_gradients(w)  # (n, d)
        G, H = g.mean(axis=0), self.hessian(w)
        g2, gHg = float(G @ G), float(G @ H @ G)
        tr_sigma = float(np.mean(np.sum(g**2, axis=1)) - g2)
        tr_H_sigma = float(np.mean(np.einsum("ij,jk,ik->i", g, H, g)) - gHg)
        return NoiseScales(g2, tr_sigma, float(b_simple(tr_sigma, g2)), float(b_noise(tr_H_sigma, gHg)))

    def batch_gradient(self, w, batch: int, rng: np.random.Generator) -> np.ndarray:
        """Mean gradient over ``batch`` examples drawn with replacement by ``rng``, shape (d,)."""
        w = self._w(w)
        batch = check_scalar("batch", batch, low=1, integer=True)
        check_instance("rng", rng, np.random.Generator)
        idx = rng.integers(0, self.n, batch)
        return self.X[idx].T @ (special.expit(self.X[idx] @ w) - self.y[idx]) / batch

    def minimum(self) -> tuple[np.ndarray, float]:
        """The minimiser w* and the minimum loss L* (Newton steps with the exact Hessian, scipy ``trust-exact``).

        A quasi-Newton method with scipy's default tolerances would stop early
        here: L-BFGS-B's ``ftol`` test divides the change of the loss by
        max(|f|, 1), so for a loss below 1 it is an absolute test.
        """
        res = optimize.minimize(self.loss, np.zeros(self.d), jac=self.gradient, hess=self.hessian,
                                method="trust-exact", options={"gtol": 1e-10})
        return res.x, float(res.fun)

    def target_loss(self, fraction: float = 0.02) -> float:
        """The loss ``fraction`` of the way from the minimum L* back to the loss at w = 0."""
        fraction = check_scalar("fraction", fraction, low=0.0, high=1.0, low_inclusive=False)
        L_star = self.minimum()[1]
        return L_star + fraction * (self.loss(np.zeros(self.d)) - L_star)


def _check_target(problem: LogisticProblem, target) -> float:
    check_instance("problem", problem, LogisticProblem)
    target = check_scalar("target", target, low=0.0, low_inclusive=False)
    if target >= problem.loss(np.zeros(problem.d)):
        raise ValueError("target must lie below the loss at w = 0, where every run starts")
    return target


def steps_to_target(problem: LogisticProblem, target: float, batch: int, lrs, *, n_seeds: int = 6,
                    max_steps: int = 20_000, seed: int = 0) -> np.ndarray:
    """Mean number of SGD steps to first reach loss ``target``, for each learning rate in ``lrs``.

    Every (learning rate, seed) pair is one run from w = 0 with batches of
    ``batch`` examples drawn with replacement and a constant learning rate;
    all runs advance together as rows of one matrix. The loss is checked
    every ~4% of the steps taken so far, so a count is at most ~4% late. A
    run that has not reached the target after ``max_steps`` counts as
    ``inf``; the sweep also stops early once every run of some learning rate
    has arrived and 1.5 times as many steps have passed, since slower rates
    cannot be the best one. Returns an array of shape ``(len(lrs),)``.
    """
    target = _check_target(problem, target)
    batch = check_scalar("batch", batch, low=1, integer=True)
    lrs = as_float_array("lrs", lrs, positive=True, min_size=1).ravel()
    n_seeds = check_scalar("n_seeds", n_seeds, low=1, integer=True)
    max_steps = check_scalar("max_steps", max_steps, low=1, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    X, y, n, d = problem.X, problem.y, problem.n, problem.d
    K = lrs.size * n_seeds
    lr = np.repeat(lrs, n_seeds)[:, None]  # (K, 1)
    rng = np.random.default_rng([seed, batch])
    W = np.zeros((K, d))
    steps = np.full(K, np.inf)
    running = np.ones(K, bool)
    check = 1
    for s in range(1, max_steps + 1):
        idx = rng.integers(0, n, (K, batch))
        Xb = X[idx]  # (K, B, d)
        p = special.expit(np.matmul(Xb, W[:, :, None])[..., 0])  # (K, B)
        W -= lr * running[:, None] * np.matmul((p - y[idx])[:, None, :], Xb)[:, 0, :] / batch
        if s >= check:
            check = s + max(1, s // 24)
            live = np.flatnonzero(running)
            hit = live[problem.loss(W[live]) <= target]
            steps[hit], running[hit] = s, False
            worst = steps.reshape(lrs.size, n_seeds).max(axis=1)
            if not running.any() or s > 1.5 * worst.min():
                break
    return steps.reshape(lrs.size, n_seeds).mean(axis=1)


class SweepResult(NamedTuple):
    """What :func:`batch_size_sweep` returns: the best run at each batch size."""

    batch: np.ndarray  # examples per step
    steps: np.ndarray  # mean steps to the target at the best learning rate
    lr: np.ndarray  # that learning rate


def batch_size_sweep(problem: LogisticProblem, target: float, batches, lrs, *, window: int = 6,
                     n_seeds: int = 6, max_steps: int = 20_000, seed: int = 0) -> SweepResult:
    """Tune a constant learning rate at each batch size and record the fewest steps to ``target``.

    ``batches`` are tried in increasing order. At each, ``window``
    consecutive rates of the sorted grid ``lrs`` are tried, starting one below
    the best rate of the previous batch size: the best rate only grows with
    the batch (the noise it must average out shrinks), so the window follows
    it up the grid. Raises ``ValueError`` if no run of some batch size reaches
    the target within ``max_steps``.
    """
    batches = np.sort(as_float_array("batches", batches, positive=True, min_size=1, whole=True).ravel())
    lrs = np.sort(as_float_array("lrs", lrs, positive=True, min_size=1).ravel())
    window = check_scalar("window", window, low=1, integer=True)
    steps, best = [], []
    lo = 0
    for B in batches:
        grid = lrs[lo:lo + window]
        S = steps_to_target(problem, target, int(B), grid, n_seeds=n_seeds, max_steps=max_steps, seed=seed)
        if not np.isfinite(S.min()):
            raise ValueError(f"max_steps: no run at batch {int(B)} reached the target; raise max_steps or the target")
        steps.append(float(S.min()))
        best.append(float(grid[np.argmin(S)]))
        lo = max(0, int(np.searchsorted(lrs, best[-1])) - 1)
    return SweepResult(batches, np.array(steps), np.array(best))


class PathNoise(NamedTuple):
    """The exact noise scales at every step of one training path (:func:`noise_scales_along_path`)."""

    loss: np.ndarray  # nats/example, before each step
    grad_sqnorm: np.ndarray
    trace_sigma: np.ndarray
    b_simple: np.ndarray  # examples
    b_noise: np.ndarray  # examples
    w: np.ndarray  # (steps, d) parameters before each step


def noise_scales_along_path(problem: LogisticProblem, target: float, lr: float, batch: int | None = None, *,
                            max_steps: int = 1000, seed: int = 0) -> PathNoise:
    """Follow one run from w = 0 until its loss reaches ``target`` and record the exact noise scales.

    ``batch=None`` takes full-gradient steps (gradient descent); an integer
    takes SGD steps on batches of that size drawn with ``seed``. The scales
    are evaluated at each point *before* its step, so the arrays have one
    entry per step taken. Raises ``ValueError`` if the target is not reached
    within ``max_steps``.
    """
    target = _check_target(problem, target)
    lr = check_scalar("lr", lr, low=0.0, low_inclusive=False)
    if batch is not None:
        batch = check_scalar("batch", batch, low=1, integer=True)
    max_steps = check_scalar("max_steps", max_steps, low=1, integer=True)
    rng = np.random.default_rng(check_scalar("seed", seed, low=0, integer=True))
    w = np.zeros(problem.d)
    rows, ws = [], []
    while (L := problem.loss(w)) > target:
        if len(rows) == max_steps:
            raise ValueError(f"max_steps: the path did not reach the target in {max_steps} steps")
        rows.append((L, *problem.noise_scales(w)))
        ws.append(w)
        g = problem.gradient(w) if batch is None else problem.batch_gradient(w, batch, rng)
        w = w - lr * g
    if not rows:
        return PathNoise(*(np.empty(0) for _ in range(5)), np.empty((0, problem.d)))
    cols = np.array(rows).T
    return PathNoise(*cols, np.array(ws))


def estimate_b_simple(problem: LogisticProblem, w, b_small: int, b_big: int, *, n_pairs: int = 400,
                      beta: float = 0.995, rng: np.random.Generator) -> float:
    """Estimate B_simple at ``w`` from ``n_pairs`` pairs of batch gradients, as in training.

    Each pair is the mean gradient over ``b_small`` and over ``b_big`` fresh
    examples; only their squared norms are used, fed to
    :class:`GradientNoiseScale` (unbiased two-batch estimates, EMA-smoothed
    with decay ``beta``, then divided). No per-example gradient is needed.
    """
    b_small = check_scalar("b_small", b_small, low=1, integer=True)
    b_big = check_scalar("b_big", b_big, low=1, integer=True)
    n_pairs = check_scalar("n_pairs", n_pairs, low=1, integer=True)
    gns = GradientNoiseScale(beta=beta)
    for _ in range(n_pairs):
        gs, gb = problem.batch_gradient(w, b_small, rng), problem.batch_gradient(w, b_big, rng)
        gns.update(float(gs @ gs), float(gb @ gb), b_small, b_big)
    return gns.b_simple
