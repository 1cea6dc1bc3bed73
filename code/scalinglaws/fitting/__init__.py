"""Fitting scaling laws to runs: one home for every fitter, and one resampling implementation.

* :mod:`~scalinglaws.fitting.resampling`: the bootstrap (plain, stratified by
  budget, or subsampling) and percentile intervals every fitter uses;
  failed refits are counted, never silently dropped.
* :mod:`~scalinglaws.fitting.powerlaw`: ``y = E + A x^-alpha``.
* :mod:`~scalinglaws.fitting.parametric`: Chinchilla's Approach 3,
  ``L(N, D) = E + A/N^alpha + B/D^beta`` with Hoffmann's Huber objective.
* :mod:`~scalinglaws.fitting.frontier`: Approaches 1 and 2, power laws of the
  compute-optimal N and D from training curves or IsoFLOP profiles.
* :mod:`~scalinglaws.fitting.kaplan`: Kaplan's joint law L(N, D) and a
  learning curve L(S).
* :mod:`~scalinglaws.fitting.tradeoff`: the batch-size steps/data trade-off.
* :mod:`~scalinglaws.fitting.synthetic`: sweeps drawn from a known law, to
  test a fitter against the truth.

The laws themselves (pure functions of fitted or published coefficients) live
in the law modules: :mod:`scalinglaws.powerlaw`, :mod:`scalinglaws.chinchilla`,
:mod:`scalinglaws.kaplan`, :mod:`scalinglaws.batch_size`.
"""

from scalinglaws.fitting.frontier import FrontierFit, TrainingCurve, envelope, fit_envelope, fit_isoflop, isoflop_minima
from scalinglaws.fitting.kaplan import KaplanFit, LearningCurveFit, fit_kaplan_nd, fit_learning_curve
from scalinglaws.fitting.parametric import ParametricFit, fit_from_start, fit_parametric, fit_parametric_grid
from scalinglaws.fitting.powerlaw import PowerLawFit, fit_power_law
from scalinglaws.fitting.resampling import Resamples, bootstrap, percentile_interval
from scalinglaws.fitting.synthetic import SyntheticRuns, synthetic_isoflop, synthetic_training_curves
from scalinglaws.fitting.tradeoff import TradeoffFit, fit_tradeoff

__all__ = [
    "FrontierFit", "TrainingCurve", "envelope", "fit_envelope", "fit_isoflop", "isoflop_minima",
    "KaplanFit", "LearningCurveFit", "fit_kaplan_nd", "fit_learning_curve",
    "ParametricFit", "fit_from_start", "fit_parametric", "fit_parametric_grid",
    "PowerLawFit", "fit_power_law",
    "Resamples", "bootstrap", "percentile_interval",
    "SyntheticRuns", "synthetic_isoflop", "synthetic_training_curves",
    "TradeoffFit", "fit_tradeoff",
]
