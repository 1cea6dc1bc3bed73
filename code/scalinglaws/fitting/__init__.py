"""Fitting scaling laws to runs: one home for every fitter, and one resampling implementation.

* :mod:`~scalinglaws.fitting.resampling`: the resampling every fitter uses
  (pairs, stratified, residual and m-out-of-n bootstraps, the jackknife) and
  its intervals (percentile, basic, studentized, t); failed refits are
  counted, never silently dropped.
* :mod:`~scalinglaws.fitting.powerlaw`: ``y = E + A x^-alpha``.
* :mod:`~scalinglaws.fitting.parametric`: Chinchilla's Approach 3,
  ``L(N, D) = E + A/N^alpha + B/D^beta`` with Hoffmann's Huber objective.
* :mod:`~scalinglaws.fitting.frontier`: Approaches 1 and 2, power laws of the
  compute-optimal N and D from training curves or IsoFLOP profiles; each
  budget's minimum located by a local fit (or Porian et al.'s interpolation),
  budgets without one excluded with the reason.
* :mod:`~scalinglaws.fitting.gadre`: Gadre et al.'s over-training law (one
  exponent for N and D).
* :mod:`~scalinglaws.fitting.data_constrained`: Muennighoff et al.'s R_D*, R_N*.
* :mod:`~scalinglaws.fitting.forms`: every form behind one interface (check,
  fit, predict with intervals, hold out the largest runs), for the ``fit`` command.
* :mod:`~scalinglaws.fitting.calibration`: simulated sweeps that measure how
  often each fitter's intervals cover the truth.
* :mod:`~scalinglaws.fitting.kaplan`: Kaplan's joint law L(N, D) and a
  learning curve L(S).
* :mod:`~scalinglaws.fitting.tradeoff`: the batch-size steps/data trade-off.
* :mod:`~scalinglaws.fitting.synthetic`: sweeps drawn from a known law, to
  test a fitter against the truth.

The laws themselves (pure functions of fitted or published coefficients) live
in the law modules: :mod:`scalinglaws.powerlaw`, :mod:`scalinglaws.chinchilla`,
:mod:`scalinglaws.kaplan`, :mod:`scalinglaws.batch_size`.
"""

from scalinglaws.fitting.data_constrained import DataConstrainedFit, fit_data_constrained
from scalinglaws.fitting.frontier import (BudgetMinimum, FrontierFit, TrainingCurve, envelope, fit_envelope, fit_isoflop,
                                          isoflop_minima, profile_minima)
from scalinglaws.fitting.gadre import GadreFit, fit_gadre
from scalinglaws.fitting.kaplan import KaplanFit, LearningCurveFit, fit_kaplan_nd, fit_learning_curve
from scalinglaws.fitting.parametric import ParametricFit, fit_from_start, fit_parametric, fit_parametric_grid
from scalinglaws.fitting.powerlaw import PowerLawFit, fit_power_law
from scalinglaws.fitting.resampling import (Resamples, bootstrap, jackknife, percentile_interval, prediction_band,
                                            residual_bootstrap)
from scalinglaws.fitting.synthetic import SyntheticRuns, synthetic_isoflop, synthetic_training_curves
from scalinglaws.fitting.tradeoff import TradeoffFit, fit_tradeoff

__all__ = [
    "DataConstrainedFit", "fit_data_constrained",
    "BudgetMinimum", "FrontierFit", "TrainingCurve", "envelope", "fit_envelope", "fit_isoflop", "isoflop_minima",
    "profile_minima",
    "GadreFit", "fit_gadre",
    "KaplanFit", "LearningCurveFit", "fit_kaplan_nd", "fit_learning_curve",
    "ParametricFit", "fit_from_start", "fit_parametric", "fit_parametric_grid",
    "PowerLawFit", "fit_power_law",
    "Resamples", "bootstrap", "jackknife", "percentile_interval", "prediction_band", "residual_bootstrap",
    "SyntheticRuns", "synthetic_isoflop", "synthetic_training_curves",
    "TradeoffFit", "fit_tradeoff",
]
