"""Muennighoff et al.'s (2023) data-constrained law, fitted to runs: the repetition constants R_D*, R_N*.

The law (:mod:`scalinglaws.data_constrained`) replaces N and D in Chinchilla's
form by effective counts that discount repeated data and excess parameters;
R_D* and R_N* say after how many repetitions the discount bites. Muennighoff
et al. fit them with the five Chinchilla-form coefficients held at their own
fit of unrepeated C4 runs (``constants.MUENNIGHOFF_2023``), minimising the
sum of Huber(delta = 1e-3) losses of ``log L_hat - log L`` over 182 runs, by
L-BFGS from R_D*, R_N* in {0, 6.67, 13.3, 20}^2 (``utils/parametric_fit.ipynb``).

:func:`fit_data_constrained` does the same with scipy's BFGS on the
objective divided by delta (the raw objective is ~0.02 and its gradient
~1e-6, under scipy's default tolerance) from the starts of that grid that are
positive (R* = 0 divides by zero). ``free`` lets the other coefficients move
too. The objective is multi-modal: with delta = 1e-3 the Huber loss is
nearly an absolute loss at these residuals, and other basins with a slightly
lower objective exist far from the authors' optimum (:attr:`DataConstrainedFit.basins`
lists where each start ended).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from scalinglaws._validation import as_float_array, check_instance, check_scalar, positive_columns
from scalinglaws.constants import MUENNIGHOFF_2023, DataConstrainedLoss
from scalinglaws.data_constrained import loss as data_constrained_loss
from scalinglaws.fitting.resampling import Resamples, ResampledFit, check_level
from scalinglaws.fitting.resampling import bootstrap as bootstrap_resamples

__all__ = ["DataConstrainedFit", "fit_data_constrained", "COEFFICIENTS", "DEFAULT_STARTS"]

#: The law's coefficients in the order of the fitted vector; R_D* and R_N* are always fitted.
COEFFICIENTS = ("R_D_star", "R_N_star", "E", "A", "B", "alpha", "beta")
#: Muennighoff et al.'s starts for (R_D*, R_N*): the positive points of {0, 20/3, 40/3, 20}^2.
DEFAULT_STARTS = tuple(itertools.product((20 / 3, 40 / 3, 20.0), repeat=2))
HUBER_DELTA = 1e-3


@dataclass(frozen=True)
class DataConstrainedFit(ResampledFit):
    """Result of :func:`fit_data_constrained`: the fitted law, which coefficients moved, and each start's end.

    ``basins`` holds one ``(start, R_D*, R_N*, objective)`` per start, so that
    a reader can see the objective's other minima.
    """

    law: DataConstrainedLoss
    free: tuple
    objective: float
    n_points: int
    residuals: np.ndarray
    basins: tuple

    @property
    def R_D_star(self) -> float:
        return self.law.R_D_star

    @property
    def R_N_star(self) -> float:
        return self.law.R_N_star

    def predict(self, N, D, U):
        """Fitted loss (nats/token) of N parameters trained on D tokens drawn from U unique tokens."""
        return data_constrained_loss(N, D, U, self.law)

    def predict_interval(self, N, D, U, level: float = 0.95, new_run: bool = True):
        """Bootstrap band ``(lo, hi)`` of the loss: for one new run (default) or for the law."""
        N, D, U = positive_columns(N=N, D=D, U=U)
        names = self.resamples.names if self.resamples is not None else ()
        curves = np.array([data_constrained_loss(N, D, U, _law(dict(zip(names, row)), self.law))
                           for row in self.bootstrap_params]).reshape(-1, N.size)
        return self._band(curves, level, new_run, "fit_data_constrained")

    def to_dict(self) -> dict:
        law = self.law
        return {
            "form": "data-constrained: E + A / N'**alpha + B / D'**beta, N' and D' discounted for repetition "
                    "(Muennighoff et al. 2023)",
            "coefficients": {"R_D_star": law.R_D_star, "R_N_star": law.R_N_star, "E": law.E, "A": law.A,
                             "B": law.B},
            "exponents": {"alpha": law.alpha, "beta": law.beta},
            "free": list(self.free),
            "fixed_from": law.source if len(self.free) < len(COEFFICIENTS) else None,
            "objective": self.objective,
            "loss": f"huber(delta={HUBER_DELTA:g}) on log L, sum",
            "n_points": self.n_points,
            **self.interval_summary(),
        }


def _law(values: dict, base: DataConstrainedLoss, source: str = "") -> DataConstrainedLoss:
    get = {k: values.get(k, getattr(base, k)) for k in COEFFICIENTS}
    return DataConstrainedLoss(E=get["E"], A=get["A"], B=get["B"], alpha=get["alpha"], beta=get["beta"],
                               R_D_star=get["R_D_star"], R_N_star=get["R_N_star"], source=source or base.source)


def _unpack(p, free, base):
    """Vector -> {name: value}; E, A, B travel as logs so that they stay positive."""
    out = {}
    for name, v in zip(free, p):
        out[name] = math.exp(v) if name in ("E", "A", "B") else float(v)
    return out


def _pack(law, free):
    return np.array([math.log(getattr(law, k)) if k in ("E", "A", "B") else getattr(law, k) for k in free])


def _objective(p, free, base, logN, D, U, logL, delta):
    v = _unpack(p, free, base)
    if v["R_D_star"] <= 0 or v["R_N_star"] <= 0 or v.get("alpha", 1.0) <= 0 or v.get("beta", 1.0) <= 0:
        return np.inf  # an unbounded optimiser may probe here: infinitely bad, not an error
    law = _law(v, base)
    with np.errstate(all="ignore"):
        pred = np.log(data_constrained_loss(np.exp(logN), D, U, law))
        r = pred - logL
    value = float(special.huber(delta, r).sum())
    return value if math.isfinite(value) else np.inf


def _minimise(free, base, logN, D, U, logL, delta, starts):
    """BFGS on objective/delta from each start; (best result, [(start, R_D*, R_N*, objective)])."""
    best, basins = None, []

    def scaled(p):
        return _objective(p, free, base, logN, D, U, logL, delta) / delta

    for s in starts:
        with np.errstate(all="ignore"):
            res = optimize.minimize(scaled, s, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
        if not np.isfinite(res.fun):
            continue
        v = _unpack(res.x, free, base)
        basins.append((tuple(float(x) for x in s[:2]), v["R_D_star"], v["R_N_star"], float(res.fun * delta)))
        if best is None or res.fun < best.fun:
            best = res
    if best is None:
        raise ValueError("L: the objective is not finite at any start")
    return best, basins


def fit_data_constrained(N, D, U, L, *, law: DataConstrainedLoss = MUENNIGHOFF_2023,
                         free=("R_D_star", "R_N_star"), starts=DEFAULT_STARTS, delta: float = HUBER_DELTA,
                         bootstrap: int = 0, seed: int = 0, level: float = 0.95,
                         progress: bool = False) -> DataConstrainedFit:
    """Fit R_D*, R_N* (and any other coefficients named in ``free``) of Muennighoff et al.'s law to runs.

    ``N`` parameters, ``D`` tokens trained on, ``U`` unique tokens, ``L``
    loss (nats/token). Coefficients not in ``free`` stay at ``law``'s values
    (by default Muennighoff et al.'s own C4 fit). ``starts`` are (R_D*, R_N*)
    pairs; free coefficients start at ``law``'s values. ``bootstrap=K``
    refits K resamples of the runs (pairs), each from the full-data optimum.
    """
    law = check_instance("law", law, DataConstrainedLoss)
    free = tuple(free)
    for name in free:
        if name not in COEFFICIENTS:
            raise ValueError(f"free must name coefficients among {COEFFICIENTS}, got {name!r}")
    if free[:2] != ("R_D_star", "R_N_star"):
        free = ("R_D_star", "R_N_star") + tuple(k for k in free if k not in ("R_D_star", "R_N_star"))
    if len(set(free)) != len(free):
        raise ValueError(f"free names a coefficient twice: {free}")
    delta = check_scalar("delta", delta, low=0.0, low_inclusive=False)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_level(level)
    N, D, U, L = positive_columns(N=N, D=D, U=U, L=L)
    if N.size < len(free) + 1:
        raise ValueError(f"N needs at least {len(free) + 1} runs to fit {len(free)} coefficients, got {N.size}")
    if np.ptp(L) == 0:
        raise ValueError("L is constant: there is no scaling to fit")
    start_rows = as_float_array("starts", starts, positive=True)
    if start_rows.ndim != 2 or start_rows.shape[1] != 2 or start_rows.shape[0] < 1:
        raise ValueError(f"starts must be (R_D*, R_N*) pairs, got shape {start_rows.shape}")
    rest = _pack(law, free[2:])
    full_starts = [np.concatenate([s, rest]) for s in start_rows]
    logN, logL = np.log(N), np.log(L)
    best, basins = _minimise(free, law, logN, D, U, logL, delta, full_starts)
    values = _unpack(best.x, free, law)
    source = f"fit_data_constrained on {N.size} runs; {', '.join(k for k in COEFFICIENTS if k not in free) or 'nothing'} " \
             f"fixed at {law.source}"
    fitted = _law(values, law, source)
    names = free

    def refit(idx):
        res, _ = _minimise(free, law, logN[idx], D[idx], U[idx], logL[idx], delta, [best.x])
        v = _unpack(res.x, free, law)
        return [v[k] for k in names]

    res = bootstrap_resamples(refit, N.size, names, resamples=bootstrap, seed=seed, level=level,
                              estimate=[values[k] for k in names], progress=progress) \
        if bootstrap else Resamples.empty(names, level)
    resid = logL - np.log(data_constrained_loss(N, D, U, fitted))
    resid.setflags(write=False)
    return DataConstrainedFit(law=fitted, free=free, objective=float(best.fun * delta), n_points=int(N.size),
                              residuals=resid, basins=tuple(basins), resamples=res)
