"""Approaches 1 and 2 (Hoffmann et al. 2022): power laws N_opt = k_N C^a, D_opt = k_D C^b of the
compute-optimal frontier, from the envelope of training curves (Approach 1) or from the minima of
IsoFLOP profiles (Approach 2).

Approach 2 has two steps: locate each budget's minimum, then fit a line to
``log N_opt`` against ``log C``. The first step is where fits of real runs go
wrong. A parabola in ``log N`` through a whole profile is biased whenever the
profile is asymmetric (``alpha != beta``) and the sampled sizes are wide or
not centred on the minimum, as they never are when every budget trains the
same model sizes (Czech et al. 2026). :func:`profile_minima` offers:

* ``"local"`` (default): a quadratic in ``(log N, log L)`` weighted by a
  Gaussian kernel of width ``bandwidth`` (natural-log units of N) centred on
  the minimum, re-centred on the fitted vertex until it stops moving. Only
  the runs near the minimum shape it, so an asymmetric profile does not pull
  it;
* ``"akima"``: Porian et al.'s interpolation: an Akima spline through
  ``(log N, log L)`` evaluated on 25 points per gap between sampled sizes;
  the lowest point is the minimum;
* ``"parabola"``: the quadratic in ``log N`` through all of a budget's
  losses, as Hoffmann et al. fit it, for comparison.

A budget is *excluded*, with the reason recorded, when it has fewer than 3
distinct sizes, when its lowest loss is at the smallest or largest sampled
size (the minimum is outside the sweep), or when the fitted minimum falls
outside the sampled sizes or the fit opens downward. The exponent comes from
the budgets used; intervals from a jackknife over them (each budget deleted in
turn, Student's t with ``k - 2`` degrees of freedom), which counts both the
noise of each minimum and the budgets' scatter about the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize, stats
from scipy.interpolate import Akima1DInterpolator

from scalinglaws._validation import as_float_array, check_in, check_same_length, check_scalar
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level, jackknife, residual_bootstrap
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["FrontierFit", "BudgetMinimum", "profile_minima", "isoflop_minima", "fit_isoflop", "TrainingCurve",
           "envelope", "fit_envelope", "MINIMUM_METHODS", "DEFAULT_BANDWIDTH"]

MINIMUM_METHODS = ("local", "akima", "parabola")
#: Width (natural-log units of N) of the kernel of the ``"local"`` minimum: runs within a factor ~2
#: of the minimum weigh most.
DEFAULT_BANDWIDTH = 0.7
#: Grid points per gap between sampled sizes of the ``"akima"`` minimum (Porian et al.'s interp_num_multiplier).
AKIMA_POINTS_PER_GAP = 25
#: Degree of the polynomial in log D that smooths each training curve (Approach 1: which compute values
#: have an inner model optimal, and the residual bootstrap).
CURVE_SMOOTHING_DEGREE = 3


class BudgetMinimum(NamedTuple):
    """One compute budget of an IsoFLOP sweep: where its minimum is, or why it was excluded.

    ``C`` is the budget (geometric mean of its runs' FLOPs), ``runs`` and
    ``sizes`` the numbers of runs and of distinct model sizes, ``N_min`` and
    ``N_max`` the smallest and largest size; ``N_opt`` and ``L_opt`` the
    located minimum (NaN when excluded); ``used`` and ``reason`` (empty when used).
    """

    C: float
    runs: int
    sizes: int
    N_min: float
    N_max: float
    N_opt: float
    L_opt: float
    used: bool
    reason: str

    def to_dict(self) -> dict:
        out = {"C": self.C, "runs": self.runs, "sizes": self.sizes, "N_min": self.N_min, "N_max": self.N_max}
        if self.used:
            out.update(N_opt=self.N_opt, loss=self.L_opt)
        else:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class FrontierFit(ResampledFit):
    """Power laws N_opt = k_N C^a and D_opt = k_D C^b fitted to per-budget optima (Approaches 1 and 2).

    ``budgets`` (Approach 2) lists every budget, used or excluded with its reason.
    """

    a: float
    b: float
    k_N: float
    k_D: float
    C: np.ndarray  # FLOPs of the optima used in the fit
    N_opt: np.ndarray
    D_opt: np.ndarray
    approach: str
    n_points: int
    budgets: tuple = ()
    method: str = ""

    @property
    def excluded(self) -> tuple:
        """The budgets left out of the fit, each with its ``reason``."""
        return tuple(b for b in self.budgets if not b.used)

    def predict(self, C):
        """(N_opt, D_opt) predicted by the fitted power laws at ``C`` FLOPs."""
        C = as_float_array("C", C, positive=True)
        N, D = self.k_N * C**self.a, self.k_D * C**self.b
        return (N, D) if C.ndim else (float(N), float(D))

    def predict_interval(self, C, level: float | None = None):
        """Interval ``(lo, hi)`` of N_opt at ``C`` FLOPs, by the fit's resampling (D_opt = C/(6 N_opt))."""
        res = self.resamples
        if res is None or res.succeeded == 0 or "log_k_N" not in res.names:
            raise ValueError("C: this fit has no resamples of its line to draw an interval from")
        C = as_float_array("C", C, positive=True)
        lc = np.log(C.ravel())
        a = res.draws[:, res.names.index("a"), None]
        lk = res.draws[:, res.names.index("log_k_N"), None]
        est = np.log(self.k_N) + self.a * lc
        lo, hi = res.derived_interval(lk + a * lc[None, :], est, level)
        lo, hi = np.exp(lo).reshape(C.shape), np.exp(hi).reshape(C.shape)
        return (lo, hi) if C.ndim else (float(lo), float(hi))

    def to_dict(self) -> dict:
        out = {
            "approach": self.approach,
            "exponents": {"a": self.a, "b": self.b},
            "coefficients": {"k_N": self.k_N, "k_D": self.k_D},
            "n_points": self.n_points,
            "n_optima": int(self.C.size),
            **self.interval_summary(),
        }
        if self.method:
            out["minimum_method"] = self.method
        if self.budgets:
            out["budgets"] = {"used": [b.to_dict() for b in self.budgets if b.used],
                              "excluded": [b.to_dict() for b in self.budgets if not b.used]}
        return out


def _loglog_slope(x, y):
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(math.exp(intercept))


def _budget_labels(C, budget):
    """Labels of the runs that share a budget: ``budget`` if given, else C rounded to 3 significant figures."""
    return np.array([float(f"{c:.3g}") for c in np.ravel(C)]) if budget is None else np.asarray(budget).ravel()


# --- step 1: one budget's minimum -------------------------------------------


class _Excluded(Exception):
    """A budget whose minimum cannot be located; the message is the reason."""


def _vertex(x, y, w=None):
    c2, c1, c0 = np.polyfit(x, y, 2, w=w)
    if not c2 > 0:
        raise _Excluded("the loss curves downward around its minimum (no minimum to locate)")
    v = -c1 / (2 * c2)
    return v, c0 - c1 * c1 / (4 * c2)


def _minimum(x, y, method, bandwidth):
    """(log N_opt, log L_opt) of one profile: ``x`` = log N sorted, ``y`` = log L."""
    i = int(np.argmin(y))
    if method != "akima":  # the interpolation may dip below an edge run; Porian et al. judge by its minimum
        if x[i] == x[0]:
            raise _Excluded("lowest loss at the smallest sampled size (the minimum is below the sweep)")
        if x[i] == x[-1]:
            raise _Excluded("lowest loss at the largest sampled size (the minimum is above the sweep)")
    if method == "parabola":  # L (not log L) against log N, as Hoffmann et al. and most since fit it
        v, yv = _vertex(x, np.exp(y))
        yv = math.log(yv) if yv > 0 else y[i]
    elif method == "akima":
        xs, inv = np.unique(x, return_inverse=True)
        ys = np.full(xs.size, np.inf)
        np.minimum.at(ys, inv, y)  # the lowest loss of repeated sizes, as Porian et al. keep
        grid = np.linspace(xs[0], xs[-1], (xs.size - 1) * AKIMA_POINTS_PER_GAP)
        spline = Akima1DInterpolator(xs, ys)
        values = spline(grid)
        j = int(np.argmin(values))
        if j == 0:
            raise _Excluded("interpolated minimum at the smallest sampled size (the minimum is below the sweep)")
        if j == grid.size - 1:
            raise _Excluded("interpolated minimum at the largest sampled size (the minimum is above the sweep)")
        # refine between the neighbouring grid points: the minimum of the interpolant, not of its grid
        best = optimize.minimize_scalar(lambda t: float(spline(t)), bounds=(grid[j - 1], grid[j + 1]),
                                        method="bounded", options={"xatol": 1e-10})
        v, yv = (best.x, best.fun) if best.fun <= values[j] else (grid[j], values[j])
    else:
        v = x[i]
        for _ in range(50):
            w = np.exp(-0.25 * ((x - v) / bandwidth) ** 2)  # sqrt of the Gaussian weight, as polyfit wants
            new, yv = _vertex(x, y, w)
            if not x[0] < new < x[-1]:
                raise _Excluded("the fitted minimum lies outside the sampled sizes")
            if abs(new - v) < 1e-9:
                break
            v = new
        v = new
    if not x[0] < v < x[-1]:
        raise _Excluded("the fitted minimum lies outside the sampled sizes")
    return float(v), float(yv)


def _check_isoflop(N, C, L, budget):
    N = as_float_array("N", N, positive=True).ravel()
    C = as_float_array("C", C, positive=True).ravel()
    L = as_float_array("L", L, positive=True).ravel()
    check_same_length(N=N, C=C, L=L)
    labels = _budget_labels(C, budget)
    if labels.size != N.size:
        raise ValueError(f"budget must have one label per run ({N.size}), got {labels.size}")
    return N, C, L, labels


def profile_minima(N, C, L, budget=None, *, method: str = "akima", bandwidth: float = DEFAULT_BANDWIDTH) -> tuple:
    """Approach 2, step 1: every budget's minimum, or the reason it has none, as :class:`BudgetMinimum` rows.

    ``budget`` labels the runs that share a budget (defaults to ``C`` itself,
    rounded to 3 significant figures); rows are sorted by compute. ``method``
    is ``"local"``, ``"akima"`` or ``"parabola"`` (see the module docstring).
    Never raises for a budget that cannot be read; it is excluded instead.
    """
    check_in("method", method, MINIMUM_METHODS)
    bandwidth = check_scalar("bandwidth", bandwidth, low=0.0, low_inclusive=False)
    N, C, L, labels = _check_isoflop(N, C, L, budget)
    return _profile_minima(np.log(N), C, np.log(L), labels, method, bandwidth)


def _profile_minima(lnN, C, lnL, labels, method, bandwidth):
    rows = []
    _, inverse = np.unique(labels, return_inverse=True)
    for g in range(inverse.max() + 1):
        m = np.flatnonzero(inverse == g)
        order = np.argsort(lnN[m], kind="stable")
        x, y = lnN[m][order], lnL[m][order]
        sizes = int(np.unique(x).size)
        c = float(np.exp(np.log(C[m]).mean())) if np.ptp(C[m]) > 0 else float(C[m][0])
        head = (c, int(m.size), sizes, float(np.exp(x[0])), float(np.exp(x[-1])))
        try:
            if sizes < 3:
                raise _Excluded(f"only {sizes} distinct model size{'s' if sizes != 1 else ''} (a minimum needs 3)")
            v, yv = _minimum(x, y, method, bandwidth)
        except _Excluded as why:
            rows.append(BudgetMinimum(*head, math.nan, math.nan, False, str(why)))
            continue
        rows.append(BudgetMinimum(*head, math.exp(v), math.exp(yv), True, ""))
    return tuple(sorted(rows, key=lambda r: r.C))


def isoflop_minima(N, C, L, budget=None, *, method: str = "akima", bandwidth: float = DEFAULT_BANDWIDTH):
    """Approach 2, step 1, as arrays: (C_budget, N_opt, L_min), one entry per budget whose minimum was located.

    See :func:`profile_minima` for the budgets left out and why. Raises
    ``ValueError`` (naming ``C``) if fewer than 2 budgets remain.
    """
    rows = profile_minima(N, C, L, budget, method=method, bandwidth=bandwidth)
    used = [r for r in rows if r.used]
    if len(used) < 2:
        raise _too_few(rows, used)
    return (np.array([r.C for r in used]), np.array([r.N_opt for r in used]), np.array([r.L_opt for r in used]))


def _too_few(rows, used):
    """The error when fewer than 2 budgets have a minimum, naming the argument at fault in the first excluded one."""
    excluded = [r for r in rows if not r.used]
    culprit = ("N" if excluded[0].reason.startswith("only") else "L") if excluded else "C"
    return ValueError(f"{culprit}: the minimum could be located at {len(used)} of {len(rows)} budgets; a frontier "
                      f"needs 2 or more ({_reasons(rows)})")


def _reasons(rows):
    excluded = [r for r in rows if not r.used]
    return "; ".join(f"C={r.C:.3g}: {r.reason}" for r in excluded[:3]) + (" ..." if len(excluded) > 3 else "")


def fit_isoflop(N, C, L, budget=None, *, method: str = "akima", bandwidth: float = DEFAULT_BANDWIDTH,
                resampling: str = "jackknife", bootstrap: int = 0, seed: int = 0, level: float = 0.95,
                progress: bool = False) -> FrontierFit:
    """Approach 2 (IsoFLOP profiles): per-budget minima, then log-log fits N_opt ~ C^a, D_opt ~ C^b.

    ``method`` locates each budget's minimum (:func:`profile_minima`);
    budgets whose minimum cannot be located are excluded and listed with
    their reasons in :attr:`FrontierFit.budgets`. D_opt = C / (6 N_opt), so
    b = 1 - a.

    Intervals (``resampling``):

    * ``"jackknife"`` (default, needs 3 or more budgets): delete each used
      budget in turn and refit the line; ``t`` intervals with ``k - 2``
      degrees of freedom. ``bootstrap`` is not used.
    * ``"bootstrap"``: ``bootstrap`` resamples of the runs within each budget
      (stratified pairs), both steps redone; resamples in which fewer than 2
      minima can be located count as failed.
    """
    check_in("resampling", resampling, ("jackknife", "bootstrap"))
    check_in("method", method, MINIMUM_METHODS)
    bandwidth = check_scalar("bandwidth", bandwidth, low=0.0, low_inclusive=False)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    N, C, L, labels = _check_isoflop(N, C, L, budget)
    lnN, lnL = np.log(N), np.log(L)
    rows = _profile_minima(lnN, C, lnL, labels, method, bandwidth)
    used = [r for r in rows if r.used]
    if len(used) < 2:
        raise _too_few(rows, used)
    Cb = np.array([r.C for r in used])
    Nopt = np.array([r.N_opt for r in used])
    Dopt = Cb / (6.0 * Nopt)
    a, kN = _loglog_slope(Cb, Nopt)
    b, kD = _loglog_slope(Cb, Dopt)
    names = ("a", "b", "log_k_N")
    estimate = [a, b, math.log(kN)]
    if resampling == "jackknife":
        if len(used) >= 3:
            x, y = np.log(Cb), np.log(Nopt)

            def refit_line(idx):
                line = stats.linregress(x[idx], y[idx])
                return [line.slope, 1.0 - line.slope, line.intercept]

            res = jackknife(refit_line, len(used), names, estimate=estimate, n_params=2, level=level,
                            progress=progress)
        else:
            res = Resamples.empty(names, level)
    elif bootstrap:
        def refit(idx):
            r = [q for q in _profile_minima(lnN[idx], C[idx], lnL[idx], labels[idx], method, bandwidth) if q.used]
            if len(r) < 2:
                raise ValueError("fewer than 2 minima in this resample")
            s, k = _loglog_slope([q.C for q in r], [q.N_opt for q in r])
            return [s, 1.0 - s, math.log(k)]

        res = bootstrap_resamples(refit, N.size, names, resamples=bootstrap, seed=seed, level=level,
                                  strata=labels, progress=progress, estimate=estimate)
    else:
        res = Resamples.empty(names, level)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=Cb, N_opt=Nopt, D_opt=Dopt, approach="isoflop",
                       n_points=int(N.size), resamples=res, budgets=rows, method=method)


# --- Approach 1 ---------------------------------------------------------------


class TrainingCurve(NamedTuple):
    """One run's loss curve: a model of ``N`` parameters evaluated after ``D`` tokens (arrays)."""

    N: float
    D: np.ndarray
    loss: np.ndarray


def _smooth_curve(logD, loss):
    """A curve's loss smoothed by a low-degree polynomial in log D (log-log), at its own points."""
    deg = max(min(CURVE_SMOOTHING_DEGREE, logD.size - 2), 0)
    return np.exp(np.polynomial.Polynomial.fit(logD, np.log(loss), deg)(logD))


def _envelope_table(sizes, logC, losses, n_flops, logD=None):
    """(C, N_opt, L_min) over the FLOP values where a model inside the sweep is optimal.

    With ``logD`` the curves are first smoothed in log D (Hoffmann et al.
    smooth each curve before taking the envelope): a noisy envelope flickers
    between neighbouring sizes wherever two curves cross, and deciding which
    points are at the edge sizes on noisy curves biases ``a`` low.
    """
    if logD is not None:
        losses = [_smooth_curve(d, loss) for d, loss in zip(logD, losses)]
    lo = min(x.min() for x in logC)
    hi = max(x.max() for x in logC)
    grid = np.linspace(lo, hi, n_flops)
    table = np.full((len(sizes), n_flops), np.inf)
    for i, (x, loss) in enumerate(zip(logC, losses)):
        inside = (grid >= x.min()) & (grid <= x.max())
        table[i, inside] = np.interp(grid[inside], x, loss)
    best = np.argmin(table, axis=0)
    Lmin = table[best, np.arange(n_flops)]
    Nbest = sizes[best]
    keep = np.isfinite(Lmin) & (Nbest > sizes.min()) & (Nbest < sizes.max())
    return np.exp(grid[keep]), Nbest[keep], Lmin[keep]


def envelope(curves, n_flops: int = 1500, smooth: bool = True):
    """Approach 1, step 1: the lowest loss over all runs at each of ``n_flops`` log-spaced FLOP values.

    Each curve is smoothed (``smooth=True``: a cubic in log D fitted to log L,
    as Hoffmann et al. smooth theirs) and interpolated linearly in log C
    (C = 6 N D). Returns (C, N_opt, L_min) at FLOP values where the minimum
    is attained by a model that is neither the smallest nor the largest (an
    edge model may be optimal only because the grid stops there).
    """
    curves = _check_curves(curves)
    n_flops = check_scalar("n_flops", n_flops, low=10, integer=True)
    sizes = np.array([c.N for c in curves])
    return _envelope_table(sizes, [np.log(6.0 * c.N * c.D) for c in curves], [c.loss for c in curves], n_flops,
                           [np.log(c.D) for c in curves] if smooth else None)


def _check_curves(curves):
    if isinstance(curves, (str, bytes)) or not hasattr(curves, "__iter__"):
        raise ValueError("curves must be a sequence of TrainingCurve(N, D, loss)")
    out = []
    for i, c in enumerate(curves):
        try:
            N, D, L = c
        except (TypeError, ValueError):
            raise ValueError(f"curves[{i}] must be a (N, D, loss) triple") from None
        N = check_scalar(f"curves[{i}].N", float(np.asarray(N)) if np.ndim(N) == 0 else N, low=0, low_inclusive=False)
        D = as_float_array(f"curves[{i}].D", D, positive=True, min_size=2).ravel()
        L = as_float_array(f"curves[{i}].loss", L, positive=True).ravel()
        check_same_length(D=D, loss=L)
        if np.any(np.diff(D) <= 0):
            raise ValueError(f"curves[{i}].D must be strictly increasing")
        out.append(TrainingCurve(N, D, L))
    if len({c.N for c in out}) < 3:
        raise ValueError("curves must hold at least 3 distinct model sizes")
    return out


def fit_envelope(curves, n_flops: int = 1500, *, smooth: bool = True, resampling: str = "residual",
                 bootstrap: int = 0, seed: int = 0, level: float = 0.95, rescale: bool = True,
                 progress: bool = False) -> FrontierFit:
    """Approach 1 (minimum over training curves): N_opt ~ C^a, D_opt ~ C^b from the loss envelope.

    ``smooth``: take the envelope of the curves smoothed by a cubic in log D
    (:func:`envelope`); ``False`` takes it of the raw curves, whose noise
    biases ``a`` low.

    Intervals from ``bootstrap`` resamples (``resampling``):

    * ``"residual"`` (default): each curve's log residuals about its smooth
      are resampled within the curve and put back on the smooth, and the
      whole estimate (smoothing included) is redone; percentile intervals.
    * ``"subsample"``: Hoffmann et al.'s random 80% of the curves, with the
      draws rescaled by ``sqrt(m / (n - m))`` so that their spread is a
      bootstrap's, not half of it (``rescale=False`` keeps Hoffmann et al.'s
      raw spread, to show how narrow it is).
    """
    check_in("resampling", resampling, ("residual", "subsample"))
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    curves = _check_curves(curves)
    n_flops = check_scalar("n_flops", n_flops, low=10, integer=True)
    sizes = np.array([c.N for c in curves])
    logC = [np.log(6.0 * c.N * c.D) for c in curves]
    logD = [np.log(c.D) for c in curves] if smooth else None
    C, Nopt, _ = _envelope_table(sizes, logC, [c.loss for c in curves], n_flops, logD)
    if np.unique(Nopt).size < 2:
        raise ValueError("curves: the envelope is attained by fewer than 2 interior model sizes")
    Dopt = C / (6.0 * Nopt)
    a, kN = _loglog_slope(C, Nopt)
    b, kD = _loglog_slope(C, Dopt)
    names = ("a", "b")

    def slope(c, n):
        if np.unique(n).size < 2:
            raise ValueError("the envelope of this resample has fewer than 2 interior sizes")
        s, _ = _loglog_slope(c, n)
        return [s, 1.0 - s]

    if not bootstrap:
        res = Resamples.empty(names, level)
    elif resampling == "subsample":
        def refit(idx):
            c, n, _ = _envelope_table(sizes[idx], [logC[i] for i in idx], [curves[i].loss for i in idx], n_flops,
                                      None if logD is None else [logD[i] for i in idx])
            return slope(c, n)

        res = bootstrap_resamples(refit, len(curves), names, resamples=bootstrap, seed=seed, level=level,
                                  replace=False, fraction=0.8, estimate=[a, b] if rescale else None,
                                  progress=progress)
    else:
        smoothed = [_smooth_curve(np.log(c.D), c.loss) for c in curves]
        resid = [np.log(c.loss) - np.log(sm) for c, sm in zip(curves, smoothed)]
        curve_of = [np.full(c.D.size, i) for i, c in enumerate(curves)]
        cuts = np.cumsum([c.D.size for c in curves])[:-1]
        n_smooth = sum(min(CURVE_SMOOTHING_DEGREE, c.D.size - 2) + 1 for c in curves)

        def refit_y(y):
            c, n, _ = _envelope_table(sizes, logC, np.split(y, cuts), n_flops, logD)
            return slope(c, n)

        res = residual_bootstrap(refit_y, np.concatenate(smoothed), np.concatenate(resid), names,
                                 resamples=bootstrap, estimate=[a, b], n_params=n_smooth,
                                 strata=np.concatenate(curve_of), seed=seed, level=level, method="percentile",
                                 progress=progress)
    return FrontierFit(a=a, b=b, k_N=kN, k_D=kD, C=C, N_opt=Nopt, D_opt=Dopt, approach="envelope",
                       n_points=int(sum(c.D.size for c in curves)), resamples=res)
