"""Power laws: the functional form behind every scaling law.

A power law with an irreducible floor reads

    y = E + A * x ** (-alpha)

where ``x`` is the scaled resource (parameters, tokens, FLOPs, ...), ``y``
the loss (nats/token) or error, ``alpha`` the exponent and ``E`` the value
no amount of ``x`` removes. With ``E = 0`` it is a straight line of slope
``-alpha`` on log-log axes; with ``E > 0`` the line bends towards ``E``.

This module holds

* :func:`power_law`, :func:`local_exponent`: the law and its local log-log slope
  (fitting it to data: :func:`scalinglaws.fitting.powerlaw.fit_power_law`);
* the toy law of estimating a mean, :func:`mean_estimation_error` and
  :func:`simulate_mean_estimation`;
* the "quanta" toy model of Michaud et al. (2023), where Zipf-distributed
  skills produce power laws in capacity and in data;
"""

from __future__ import annotations

import numpy as np
from scipy import special

from scalinglaws._validation import as_float_array, check_in, check_scalar

__all__ = [
    "power_law",
    "local_exponent",
    "mean_estimation_error",
    "simulate_mean_estimation",
    "zipf_frequencies",
    "quanta_loss",
    "quanta_exponents",
    "simulate_quanta_capacity",
    "simulate_quanta_data",
]



# ---------------------------------------------------------------------------
# The law itself
# ---------------------------------------------------------------------------


def power_law(x, A, alpha, E=0.0):
    """``E + A * x**(-alpha)`` for positive ``x`` (vectorised over ``x``)."""
    x = as_float_array("x", x, positive=True)
    A = check_scalar("A", A)
    alpha = check_scalar("alpha", alpha)
    E = check_scalar("E", E)
    out = E + A * x ** (-alpha)
    return out if out.ndim else float(out)


def local_exponent(x, A, alpha, E=0.0):
    """Local log-log slope ``-d log y / d log x`` of ``y = E + A x^-alpha``.

    Equals ``alpha * A x^-alpha / (E + A x^-alpha)``: the full ``alpha`` when
    ``E = 0`` and a smaller value, falling towards 0, as the reducible part
    ``A x^-alpha`` shrinks below ``E``. This is the slope that a straight-line
    fit on log-log axes measures near ``x``.
    """
    x = as_float_array("x", x, positive=True)
    A = check_scalar("A", A, low=0.0, low_inclusive=False)
    alpha = check_scalar("alpha", alpha)
    E = check_scalar("E", E, low=0.0)
    reducible = A * x ** (-alpha)
    out = alpha * reducible / (E + reducible)
    return out if out.ndim else float(out)


# ---------------------------------------------------------------------------
# Toy law 1: estimating a mean from n samples
# ---------------------------------------------------------------------------

DISTRIBUTIONS = ("normal", "uniform", "exponential")


def mean_estimation_error(n, sigma):
    """Expected squared error ``E[(mean_n - mu)^2] = sigma^2 / n`` of a sample mean.

    ``n`` samples, ``sigma`` the standard deviation of one sample. In logs:
    ``log error = -log n + 2 log sigma``, a power law with exponent 1.
    """
    n = as_float_array("n", n, positive=True)
    sigma = check_scalar("sigma", sigma, low=0.0, low_inclusive=False)
    out = sigma**2 / n
    return out if out.ndim else float(out)


def simulate_mean_estimation(n_values, sigma, trials: int = 1000, seed: int = 0, mu: float = 0.0,
                             distribution: str = "normal"):
    """Monte-Carlo mean squared error of the sample mean, one value per ``n``.

    Draws ``trials`` independent samples of size ``n`` from a distribution
    with mean ``mu`` and standard deviation ``sigma`` (``"normal"``,
    ``"uniform"`` or ``"exponential"``, shifted and scaled), averages each
    and returns the mean of ``(mean - mu)^2`` over trials.
    """
    n_values = as_float_array("n_values", n_values, positive=True, min_size=1, whole=True)
    sigma = check_scalar("sigma", sigma, low=0.0, low_inclusive=False)
    trials = check_scalar("trials", trials, low=1, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    mu = check_scalar("mu", mu)
    check_in("distribution", distribution, DISTRIBUTIONS)
    rng = np.random.default_rng(seed)
    out = np.empty(n_values.shape)
    for i, n in enumerate(n_values.ravel().astype(int)):
        se = np.zeros(trials)
        chunk = max(1, 4_000_000 // n)  # bound memory at ~32 MB per draw
        for start in range(0, trials, chunk):
            m = min(chunk, trials - start)
            if distribution == "normal":
                z = rng.standard_normal((m, n))
            elif distribution == "uniform":
                z = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), (m, n))  # variance 1
            else:
                z = rng.exponential(1.0, (m, n)) - 1.0  # mean 0, variance 1
            se[start:start + m] = (sigma * z.mean(axis=1)) ** 2
        out.flat[i] = se.mean()
    return out


# ---------------------------------------------------------------------------
# Toy law 2: the quanta model (Michaud et al. 2023)
# ---------------------------------------------------------------------------


def zipf_frequencies(n_quanta: int, alpha: float) -> np.ndarray:
    """Use frequencies ``p_k ∝ k^-(alpha+1)``, k = 1..n_quanta, normalised to sum 1."""
    n_quanta = check_scalar("n_quanta", n_quanta, low=1, integer=True)
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    p = np.arange(1, n_quanta + 1, dtype=float) ** (-(alpha + 1.0))
    return p / p.sum()


def quanta_loss(n_learned, alpha):
    """Reducible loss of a model knowing the ``n_learned`` most frequent quanta.

    With infinitely many quanta of frequency ``p_k = k^-(alpha+1) / zeta(alpha+1)``
    and a unit loss on every sample whose quantum is unknown, the loss is the
    tail mass ``sum_{k > n} p_k = zeta(alpha+1, n+1) / zeta(alpha+1)``
    (Hurwitz zeta), which behaves as ``n^-alpha / (alpha zeta(alpha+1))`` for
    large ``n``: a power law with exponent ``alpha``.
    """
    n = as_float_array("n_learned", n_learned, nonnegative=True)
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    s = alpha + 1.0
    out = special.zeta(s, n + 1.0) / special.zeta(s, 1.0)
    return out if out.ndim else float(out)


def quanta_exponents(alpha):
    """Theoretical exponents ``(alpha_N, alpha_D) = (alpha, alpha / (alpha + 1))``.

    ``alpha_N``: loss against capacity (number of quanta learned, ``n ∝ N``).
    ``alpha_D``: loss against data, when a quantum is learned once seen
    about ``tau`` times, so ``n ∝ D^(1/(alpha+1))``.
    """
    a = as_float_array("alpha", alpha, positive=True)
    out_n, out_d = a, a / (a + 1.0)
    if a.ndim == 0:
        return float(out_n), float(out_d)
    return out_n, out_d


def simulate_quanta_capacity(n_values, alpha, n_test: int = 200_000, seed: int = 0):
    """Test loss, estimated on ``n_test`` samples, of models knowing the n most frequent quanta.

    Each test sample needs one quantum ``k`` drawn with ``p_k ∝ k^-(alpha+1)``
    (``numpy`` Zipf sampler, infinite support); a model of capacity ``n``
    gets it right iff ``k <= n``. Returns the fraction wrong for each ``n``.
    """
    n_values = as_float_array("n_values", n_values, positive=True, min_size=1)
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    n_test = check_scalar("n_test", n_test, low=1, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    k = np.sort(rng.zipf(alpha + 1.0, size=n_test))
    n_right = np.searchsorted(k, np.floor(n_values), side="right")
    return 1.0 - n_right / n_test


def simulate_quanta_data(D_values, alpha, tau: int = 5, n_quanta: int = 1_000_000, seed: int = 0):
    """Loss of one model trained on a growing stream of ``D`` samples.

    Samples fall on quanta with ``p_k ∝ k^-(alpha+1)`` (``k <= n_quanta``; the
    infinite tail beyond is lumped into one bucket that is never learned).
    A quantum is learned once it has been seen ``tau`` times. At each ``D`` in
    ``D_values`` (counts accumulate; ``D`` need not be sorted) the loss is the
    total frequency of the quanta not yet learned (infinite-tail mass
    included). Keep ``D * p_{n_quanta} << tau`` so the lumping is harmless.

    Returns ``(loss, n_learned)``, arrays shaped like ``D_values``.
    """
    D_values = as_float_array("D_values", D_values, positive=True, min_size=1, whole=True)
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    tau = check_scalar("tau", tau, low=1, integer=True)
    n_quanta = check_scalar("n_quanta", n_quanta, low=1, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    s = alpha + 1.0
    zeta = special.zeta(s, 1.0)
    p = np.arange(1, n_quanta + 1, dtype=float) ** (-s) / zeta
    tail = special.zeta(s, n_quanta + 1.0) / zeta
    probs = np.append(p, max(0.0, 1.0 - p.sum()))  # last bucket: all quanta beyond n_quanta
    rng = np.random.default_rng(seed)
    counts = np.zeros(n_quanta + 1, dtype=np.int64)
    flat = D_values.ravel()
    order = np.argsort(flat)
    loss = np.empty(flat.shape)
    n_learned = np.empty(flat.shape)
    seen = 0
    for i in order:
        d = int(flat[i])
        counts += rng.multinomial(d - seen, probs)
        seen = d
        learned = counts[:-1] >= tau
        loss[i] = p[~learned].sum() + tail
        n_learned[i] = learned.sum()
    return loss.reshape(D_values.shape), n_learned.reshape(D_values.shape)
