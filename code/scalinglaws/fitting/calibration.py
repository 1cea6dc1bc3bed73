"""Do the fitters' intervals mean what they say? Simulated sweeps from a known law, one trial at a time.

Each *case* draws a sweep from a law whose answer is known, fits it with one
fitter and its default intervals, and reports whether the interval at
``level`` covers the truth. ``benchmarks/coverage.py`` runs a few hundred
trials per case and ships the shares as ``data/fitting/coverage.csv``
(:func:`scalinglaws.datasets.load_coverage`).

The law is Epoch AI's refit of Chinchilla (``constants.EPOCH_2024``), the
book's default; its frontier exponent is ``a = beta / (alpha + beta)``.
Noise is multiplicative and log-normal, 0.5% per IsoFLOP run or per point of
a power law, 0.3% per point of a training curve: the scatter of a
well-tuned sweep (seed-to-seed differences of a few thousandths of a nat).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.chinchilla import frontier_exponents
from scalinglaws.constants import EPOCH_2024
from scalinglaws.fitting.frontier import fit_envelope, fit_isoflop
from scalinglaws.fitting.parametric import fit_parametric
from scalinglaws.fitting.powerlaw import fit_power_law
from scalinglaws.fitting.synthetic import synthetic_isoflop, synthetic_training_curves

__all__ = ["Case", "CASES", "Trial", "run_trial", "ISOFLOP_NOISE", "CURVE_NOISE", "POWER_LAW_NOISE"]

ISOFLOP_NOISE = 0.005
CURVE_NOISE = 0.003
POWER_LAW_NOISE = 0.005
#: Sizes of the power-law sweep: 12 models from 10^7 to 10^10 parameters.
POWER_LAW_SIZES = np.geomspace(1e7, 1e10, 12)


class Case(NamedTuple):
    """One fitter on one design: what is fitted, what the truth is, how the sweep is drawn.

    ``default`` is False for the comparison cases: a method the library
    offers but does not use by default, kept to show why.
    """

    name: str
    fitter: str
    design: str
    parameter: str
    description: str
    default: bool = True


CASES = {
    "power law with E": Case("power law with E", "fit_power_law", "12 sizes, 1e7-1e10", "alpha",
                             "L(N) = E + A N^-alpha, 0.5% noise; pairs bootstrap, percentile"),
    "approach 1": Case("approach 1", "fit_envelope", "16 training curves", "a",
                       "envelope of 16 curves, 0.3% noise; smoothed curves, residual bootstrap along curves, percentile"),
    "approach 2 (centred)": Case("approach 2 (centred)", "fit_isoflop", "centred", "a",
                                 "9 budgets x 9 sizes around each optimum, 0.5% noise; Akima minima, "
                                 "jackknife over budgets, t interval"),
    "approach 2 (fixed grid)": Case("approach 2 (fixed grid)", "fit_isoflop", "fixed", "a",
                                    "9 budgets x the same 9 sizes, 0.5% noise; Akima minima, jackknife over "
                                    "budgets, t interval"),
    "approach 2, local minima (centred)": Case("approach 2, local minima (centred)", "fit_isoflop/local", "centred",
                                               "a", "the centred sweep; kernel-weighted local quadratic minima"),
    "approach 2, local minima (fixed grid)": Case("approach 2, local minima (fixed grid)", "fit_isoflop/local",
                                                  "fixed", "a", "the fixed-grid sweep; kernel-weighted local "
                                                  "quadratic minima"),
    "approach 2, parabola (fixed grid)": Case("approach 2, parabola (fixed grid)", "fit_isoflop/parabola", "fixed",
                                              "a", "the fixed-grid sweep; one parabola per budget (comparison)",
                                              default=False),
    "approach 1, 80% subsamples": Case("approach 1, 80% subsamples", "fit_envelope/subsample", "16 training curves",
                                       "a", "Hoffmann et al.'s procedure: envelope of the raw curves, random 80% of "
                                       "the curves, not rescaled (comparison)", default=False),
    "approach 3 (centred)": Case("approach 3 (centred)", "fit_parametric", "centred", "a",
                                 "the centred sweep fitted by Huber on log L; pairs bootstrap, percentile"),
    "approach 3 (fixed grid)": Case("approach 3 (fixed grid)", "fit_parametric", "fixed", "a",
                                    "the fixed-grid sweep fitted by Huber on log L; pairs bootstrap, percentile"),
}


class Trial(NamedTuple):
    """One simulated sweep: the estimate, its interval, whether it covers the truth, resamples that failed."""

    case: str
    seed: int
    truth: float
    estimate: float
    low: float
    high: float
    covered: bool
    failed: int
    requested: int


def run_trial(case: str, seed: int, *, resamples: int = 200, level: float = 0.9) -> Trial:
    """Draw one sweep for ``case`` (a key of :data:`CASES`) with ``seed``, fit it, and check its interval."""
    check_in("case", case, tuple(CASES))
    seed = check_scalar("seed", seed, low=0, integer=True)
    resamples = check_scalar("resamples", resamples, low=1, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    spec = CASES[case]
    law = EPOCH_2024
    a_true = frontier_exponents(law)[0]
    if spec.fitter == "fit_power_law":
        rng = np.random.default_rng(seed)
        x = POWER_LAW_SIZES
        y = (law.E + law.A * x**-law.alpha) * np.exp(POWER_LAW_NOISE * rng.standard_normal(x.size))
        fit = fit_power_law(x, y, bootstrap=resamples, seed=seed, level=level)
        truth, estimate = law.alpha, fit.alpha
    elif spec.fitter.startswith("fit_envelope"):
        curves = synthetic_training_curves(law, noise=CURVE_NOISE, seed=seed)
        if spec.fitter.endswith("subsample"):
            fit = fit_envelope(curves, smooth=False, resampling="subsample", rescale=False, bootstrap=resamples,
                               seed=seed, level=level)
        else:
            fit = fit_envelope(curves, bootstrap=resamples, seed=seed, level=level)
        truth, estimate = a_true, fit.a
    else:
        runs = synthetic_isoflop(law, noise=ISOFLOP_NOISE, seed=seed, design=spec.design)
        if spec.fitter.startswith("fit_isoflop"):
            method = spec.fitter.partition("/")[2] or "akima"  # the default, or the case's comparison
            fit = fit_isoflop(runs.N, runs.C, runs.loss, runs.budget, method=method, level=level)
        else:
            fit = fit_parametric(runs.N, runs.D, runs.loss, bootstrap=resamples, seed=seed, level=level)
        truth, estimate = a_true, fit.a
    interval = fit.intervals.get(spec.parameter)
    # no interval at all (every resample failed) counts as a miss, never as an infinite interval
    low, high = interval if interval is not None else (estimate, estimate)
    covered = interval is not None and low <= truth <= high
    res = fit.resamples
    return Trial(case, seed, float(truth), float(estimate), float(low), float(high), bool(covered),
                 int(res.failed), int(res.requested))
