"""Power laws: the functional form behind every scaling law, and how to fit it.

A power law with an irreducible floor reads

    y = E + A * x ** (-alpha)

where ``x`` is the scaled resource (parameters, tokens, FLOPs, ...), ``y``
the loss (nats/token) or error, ``alpha`` the exponent and ``E`` the value
no amount of ``x`` removes. With ``E = 0`` it is a straight line of slope
``-alpha`` on log-log axes; with ``E > 0`` the line bends towards ``E``.

This module holds

* :func:`power_law`, :func:`local_exponent`: the law and its local log-log slope;
* :func:`fit_power_law` returning a :class:`PowerLawFit`: fits with or
  without ``E``, squared or Huber loss on log residuals, bootstrap intervals;
* the toy law of estimating a mean, :func:`mean_estimation_error` and
  :func:`simulate_mean_estimation`;
* the "quanta" toy model of Michaud et al. (2023), where Zipf-distributed
  skills produce power laws in capacity and in data;
* :func:`explore_fit`, the computation behind the chapter's explorer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats
from tqdm.auto import tqdm

from scalinglaws._validation import as_float_array, check_in, check_same_length, check_scalar
from scalinglaws.constants import CHINCHILLA_HUBER_DELTA

__all__ = [
    "power_law",
    "local_exponent",
    "PowerLawFit",
    "fit_power_law",
    "mean_estimation_error",
    "simulate_mean_estimation",
    "zipf_frequencies",
    "quanta_loss",
    "quanta_exponents",
    "simulate_quanta_capacity",
    "simulate_quanta_data",
    "explore_fit",
]

LOSSES = ("l2", "huber")
#: Default Huber threshold on log residuals, the value Hoffmann et al. (2022)
#: and Besiroglu et al. (2024) use for Chinchilla's Approach 3.
DEFAULT_HUBER_DELTA = CHINCHILLA_HUBER_DELTA
PARAM_NAMES = ("A", "alpha", "E")


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
# Fitting
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PowerLawFit:
    """Result of :func:`fit_power_law`: ``y = E + A x^-alpha``.

    Attributes
    ----------
    A, alpha, E:
        Point estimates (``E`` is exactly 0 when ``offset=False``).
    offset:
        Whether ``E`` was fitted.
    loss, huber_delta:
        The loss minimised on log residuals (``"l2"`` or ``"huber"``).
    objective:
        Its minimum: ``sum(r**2) / 2`` for ``"l2"``, ``sum(huber_delta(r))``
        for ``"huber"``, with ``r = log y - log y_hat`` (natural logs).
    r2:
        Coefficient of determination of ``log y``.
    residuals:
        ``log y - log y_hat`` at each data point.
    n_points:
        Number of data points.
    bootstrap_params:
        ``(K, 3)`` array of refitted ``(A, alpha, E)`` on ``K`` resamples
        (empty with shape ``(0, 3)`` when ``bootstrap=0``).
    level:
        Confidence level of :attr:`intervals` (default 0.95).
    intervals:
        ``{"A": (lo, hi), "alpha": ..., "E": ...}``: bootstrap percentile
        intervals at :attr:`level`; empty without bootstrap.
    """

    A: float
    alpha: float
    E: float
    offset: bool
    loss: str
    huber_delta: float
    objective: float
    r2: float
    residuals: np.ndarray
    n_points: int
    bootstrap_params: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    level: float = 0.95
    intervals: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        """``{"A": A, "alpha": alpha, "E": E}``."""
        return {"A": self.A, "alpha": self.alpha, "E": self.E}

    @property
    def n_params(self) -> int:
        """Number of fitted parameters: 3 with an offset, 2 without."""
        return 3 if self.offset else 2

    def predict(self, x):
        """Fitted law at ``x`` (positive)."""
        return power_law(x, self.A, self.alpha, self.E)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap percentile interval of parameter ``name`` at ``level``."""
        check_in("name", name, PARAM_NAMES)
        self._need_bootstrap()
        level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
        column = self.bootstrap_params[:, PARAM_NAMES.index(name)]
        lo, hi = np.percentile(column, [50 * (1 - level), 50 * (1 + level)])
        return float(lo), float(hi)

    def predict_interval(self, x, level: float = 0.95):
        """Bootstrap percentile band ``(lo, hi)`` of the fitted law at ``x``.

        It is the uncertainty of the *law* (of the curve through the data),
        not of one new noisy measurement.
        """
        self._need_bootstrap()
        level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
        x = as_float_array("x", x, positive=True)
        b = self.bootstrap_params
        curves = b[:, 2, None] + b[:, 0, None] * np.power.outer(x.ravel(), -b[:, 1]).T  # (K, len(x))
        lo, hi = np.percentile(curves, [50 * (1 - level), 50 * (1 + level)], axis=0)
        lo, hi = lo.reshape(x.shape), hi.reshape(x.shape)
        if x.ndim == 0:
            return float(lo), float(hi)
        return lo, hi

    def to_dict(self) -> dict:
        """JSON-serialisable summary: coefficients, exponents, intervals, objective, n_points."""
        return {
            "form": "E + A * x**(-alpha)" if self.offset else "A * x**(-alpha)",
            "coefficients": {"A": float(self.A), "E": float(self.E)},
            "exponents": {"alpha": float(self.alpha)},
            "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()},
            "level": float(self.level),
            "bootstrap": int(self.bootstrap_params.shape[0]),
            "loss": self.loss,
            "huber_delta": float(self.huber_delta),
            "objective": float(self.objective),
            "r2": float(self.r2),
            "n_points": int(self.n_points),
        }

    def _need_bootstrap(self) -> None:
        if self.bootstrap_params.shape[0] == 0:
            raise ValueError("bootstrap must be > 0 in fit_power_law to get intervals")


def _validate_xy(x, y, n_params: int) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array("x", x, positive=True).ravel()
    y = as_float_array("y", y, positive=True).ravel()
    n = check_same_length(x=x, y=y)
    if n < n_params:
        raise ValueError(f"x and y need at least {n_params} points to fit {n_params} parameters, got {n}")
    if np.unique(x).size < 2:
        raise ValueError("x must hold at least 2 distinct values")
    if np.ptp(y) == 0:
        raise ValueError("y is constant: a power law has no exponent to find")
    return x, y


def _objective(r: np.ndarray, loss: str, delta: float) -> float:
    if loss == "l2":
        return float(0.5 * np.sum(r**2))
    a = np.abs(r)
    return float(np.sum(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))))


# --- without offset: log y = a - alpha (log x - c) --------------------------


def _fit_no_offset(lx: np.ndarray, ly: np.ndarray, loss: str, delta: float) -> np.ndarray:
    """Return internal parameters (a, alpha) for centred log x."""
    if np.ptp(lx) == 0:  # a resample may hold one distinct x only
        return np.array([np.nan, np.nan])
    reg = stats.linregress(lx, ly)
    p0 = np.array([reg.intercept, -reg.slope])
    if loss == "l2":
        return p0

    def resid(p):
        return ly - (p[0] - p[1] * lx)

    def jac(p):
        return np.column_stack([-np.ones_like(lx), lx])

    sol = optimize.least_squares(resid, p0, jac=jac, loss="huber", f_scale=delta, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    return sol.x


# --- with offset: log y = logaddexp(a - alpha (log x - c), e) ---------------


def _offset_resid(p, lx, ly):
    return ly - np.logaddexp(p[0] - p[1] * lx, p[2])


def _offset_jac(p, lx, ly):
    u = p[0] - p[1] * lx
    w = special.expit(u - p[2])  # share of the reducible term in y_hat
    return np.column_stack([-w, w * lx, -(1.0 - w)])


def _offset_starts(lx: np.ndarray, ly: np.ndarray) -> list[np.ndarray]:
    y = np.exp(ly)
    ymin = y.min()
    starts = []
    for alpha0 in (0.05, 0.2, 0.5, 1.0, 2.0):
        for frac in (1e-3, 0.5, 0.9, 0.99):
            E0 = frac * ymin
            a0 = np.median(np.log(y - E0) + alpha0 * lx)
            starts.append(np.array([a0, alpha0, np.log(E0)]))
    return starts


def _fit_offset(lx, ly, loss, delta, starts) -> np.ndarray:
    best, best_cost = None, np.inf
    kwargs = dict(jac=_offset_jac, args=(lx, ly), xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
    if loss == "huber":
        kwargs.update(loss="huber", f_scale=delta)
    for p0 in starts:
        try:
            sol = optimize.least_squares(_offset_resid, p0, **kwargs)
        except (ValueError, FloatingPointError):  # pragma: no cover - a start outside the domain
            continue
        if np.all(np.isfinite(sol.x)) and sol.cost < best_cost:
            best, best_cost = sol.x, sol.cost
    if best is None:  # pragma: no cover - every start failed
        return np.array([np.nan, np.nan, np.nan])
    return best


def _to_public(p: np.ndarray, offset: bool, c: float) -> np.ndarray:
    """Internal (a, alpha[, e]) with log x centred at c -> public (A, alpha, E)."""
    # A wildly resampled bootstrap fit can overflow to inf; the caller drops such draws.
    with np.errstate(over="ignore"):
        A = np.exp(p[0] + p[1] * c)
        E = np.exp(p[2]) if offset else 0.0
    return np.array([A, p[1], E])


def fit_power_law(x, y, offset: bool = True, loss: str = "l2", huber_delta: float = DEFAULT_HUBER_DELTA,
                  bootstrap: int = 0, seed: int = 0, level: float = 0.95, progress: bool = False) -> PowerLawFit:
    """Fit ``y = E + A x^-alpha`` (``offset=True``) or ``y = A x^-alpha`` to positive data.

    The fit minimises a loss of the log residuals ``log y - log y_hat``, so
    that every point counts in relative terms whatever its size.

    * ``offset=False``: ordinary least squares of ``log y`` on ``log x``
      (``scipy.stats.linregress``), or a Huber fit started from it.
    * ``offset=True``: ``log y_hat = logaddexp(log A - alpha log x, log E)``,
      fitted with ``scipy.optimize.least_squares`` from a grid of 20 starts
      (exponents 0.05-2, floors 0.1%-99% of ``min(y)``), keeping the best.
      ``E > 0`` by construction.

    Parameters
    ----------
    x, y:
        Positive, finite, equally long 1-D data.
    offset:
        Fit the irreducible term ``E``.
    loss:
        ``"l2"`` (squared error) or ``"huber"`` (quadratic below
        ``huber_delta``, linear above, Huber 1964), on log residuals.
    huber_delta:
        Huber threshold (log units); default 1e-3 as in Hoffmann et al. (2022).
    bootstrap:
        Number ``K`` of resamples (with replacement, Efron 1979) to refit;
        0 for none. Gives :attr:`PowerLawFit.intervals` and
        :meth:`PowerLawFit.predict_interval`.
    seed:
        Seed of the resampling.
    level:
        Confidence level of the stored intervals.
    progress:
        Show a tqdm progress bar over bootstrap refits.
    """
    offset = bool(offset)
    check_in("loss", loss, LOSSES)
    huber_delta = check_scalar("huber_delta", huber_delta, low=0.0, low_inclusive=False)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    n_params = 3 if offset else 2
    x, y = _validate_xy(x, y, n_params)

    lx_raw, ly = np.log(x), np.log(y)
    c = float(lx_raw.mean())
    lx = lx_raw - c  # centring decouples log A from alpha

    if offset:
        p = _fit_offset(lx, ly, loss, huber_delta, _offset_starts(lx, ly))
        resid = _offset_resid(p, lx, ly)
    else:
        p = _fit_no_offset(lx, ly, loss, huber_delta)
        resid = ly - (p[0] - p[1] * lx)
    A, alpha, E = _to_public(p, offset, c)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot

    draws = np.empty((bootstrap, 3))
    if bootstrap:
        rng = np.random.default_rng(seed)
        n = x.size
        for k in tqdm(range(bootstrap), disable=not progress, desc="bootstrap"):
            idx = rng.integers(0, n, size=n)
            if offset:
                # Start from the full-data optimum and two grid points: cheap and robust.
                starts = [p, *_offset_starts(lx[idx], ly[idx])[5::7]]
                q = _fit_offset(lx[idx], ly[idx], loss, huber_delta, starts)
            else:
                q = _fit_no_offset(lx[idx], ly[idx], loss, huber_delta)
            draws[k] = _to_public(q, offset, c)
        draws = draws[np.all(np.isfinite(draws), axis=1)]
    intervals = {}
    if draws.shape[0]:
        lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=0)
        intervals = {name: (float(lo[i]), float(hi[i])) for i, name in enumerate(PARAM_NAMES)}
    resid.setflags(write=False)
    draws.setflags(write=False)
    return PowerLawFit(
        A=float(A), alpha=float(alpha), E=float(E), offset=offset, loss=loss, huber_delta=huber_delta,
        objective=_objective(resid, loss, huber_delta), r2=r2, residuals=resid, n_points=int(x.size),
        bootstrap_params=draws, level=level, intervals=intervals,
    )


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
    n_values = as_float_array("n_values", n_values, positive=True, min_size=1)
    if np.any(n_values != np.round(n_values)):
        raise ValueError("n_values must hold whole numbers of samples")
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
    D_values = as_float_array("D_values", D_values, positive=True, min_size=1)
    if np.any(D_values != np.round(D_values)):
        raise ValueError("D_values must hold whole numbers of samples")
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


# ---------------------------------------------------------------------------
# The explorer: fit small, extrapolate far
# ---------------------------------------------------------------------------


def explore_fit(alpha: float = 0.3, E: float = 1.7, noise: float = 0.01, n_points: int = 12, seed: int = 0,
                x_range: tuple[float, float] = (1e17, 1e20), extrapolate_to: float = 1e24,
                reducible_at_min: float = 2.0) -> dict:
    """Simulate a small-scale sweep, fit it with and without ``E``, extrapolate.

    The true law is ``y = E + A x^-alpha`` with ``A`` chosen so that the
    reducible part equals ``reducible_at_min`` at ``x_range[0]``. ``n_points``
    values of ``x`` are log-spaced over ``x_range`` and each ``y`` gets
    multiplicative log-normal noise of standard deviation ``noise`` (in log
    units). Both fits are evaluated at ``extrapolate_to``.

    Returns a dict with the data (``x``, ``y``), the truth (``A``, ``alpha``,
    ``E``, ``y_true_far``), the two :class:`PowerLawFit` (``fit_offset``,
    ``fit_no_offset``), their predictions at ``extrapolate_to``
    (``pred_far_offset``, ``pred_far_no_offset``), the relative errors of
    those predictions (``rel_error_offset``, ``rel_error_no_offset``) and a
    plotting grid (``x_grid``, ``y_true_grid``, ``y_grid_offset``,
    ``y_grid_no_offset``) spanning ``x_range[0]`` to ``extrapolate_to``.
    """
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    E = check_scalar("E", E, low=0.0)
    noise = check_scalar("noise", noise, low=0.0)
    n_points = check_scalar("n_points", n_points, low=3, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    lo_hi = as_float_array("x_range", x_range, positive=True)
    if lo_hi.shape != (2,) or not lo_hi[0] < lo_hi[1]:
        raise ValueError(f"x_range must be (low, high) with 0 < low < high, got {x_range!r}")
    x_far = check_scalar("extrapolate_to", extrapolate_to, low=0.0, low_inclusive=False)
    reducible_at_min = check_scalar("reducible_at_min", reducible_at_min, low=0.0, low_inclusive=False)

    A = reducible_at_min * lo_hi[0] ** alpha
    rng = np.random.default_rng(seed)
    x = np.geomspace(lo_hi[0], lo_hi[1], n_points)
    y = (E + A * x ** (-alpha)) * np.exp(noise * rng.standard_normal(n_points))
    fit_off = fit_power_law(x, y, offset=True)
    fit_no = fit_power_law(x, y, offset=False)
    y_far = E + A * x_far ** (-alpha)
    pred_off, pred_no = fit_off.predict(x_far), fit_no.predict(x_far)
    x_grid = np.geomspace(lo_hi[0], max(x_far, lo_hi[1]), 200)
    return {
        "x": x, "y": y, "A": float(A), "alpha": alpha, "E": E, "noise": noise, "x_far": x_far,
        "y_true_far": float(y_far),
        "fit_offset": fit_off, "fit_no_offset": fit_no,
        "pred_far_offset": float(pred_off), "pred_far_no_offset": float(pred_no),
        "rel_error_offset": float(pred_off / y_far - 1.0),
        "rel_error_no_offset": float(pred_no / y_far - 1.0),
        "x_grid": x_grid, "y_true_grid": E + A * x_grid ** (-alpha),
        "y_grid_offset": fit_off.predict(x_grid), "y_grid_no_offset": fit_no.predict(x_grid),
    }
