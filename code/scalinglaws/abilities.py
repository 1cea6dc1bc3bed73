"""From loss to abilities: how downstream metrics follow the loss, and why some look sudden.

Pure functions of published or fitted coefficients (the fitters are in
:mod:`scalinglaws.fitting.downstream`):

* :func:`error_from_loss`: Gadre et al. (2024)'s average top-1 error as an
  exponential in the loss, Err(L) = epsilon - kappa exp(-gamma L) (their Eq. 4,
  where kappa is called k);
* :func:`sigmoid_accuracy`: a benchmark's accuracy as a logistic function of
  log10 compute, rising from chance to a ceiling;
* :func:`exact_match_if_independent`: the exact match of an l-token answer
  when each token is right with probability p independently of the others,
  p**l (Schaeffer et al. 2023): a smooth p gives a sharp-looking p**l;
* :func:`accuracy_for_exact_match`: the per-token accuracy at which that
  exact match reaches a level, level**(1/l);
* :func:`transfer_loss`: Kaplan et al. (2020, Section 3.2.2)'s observation that
  the loss on another distribution is a linear function of the training
  distribution's loss, L_other = offset + slope L.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from scalinglaws._validation import as_float_array, check_scalar, scalar_or_array

__all__ = ["error_from_loss", "loss_for_error", "sigmoid_accuracy", "compute_for_accuracy",
           "exact_match_if_independent", "accuracy_for_exact_match", "transfer_loss"]

_out = scalar_or_array


def error_from_loss(L, epsilon: float, kappa: float, gamma: float):
    """Gadre et al.'s average top-1 error at loss ``L`` (nats/token): epsilon - kappa exp(-gamma L).

    ``epsilon`` is the error the form approaches as the loss grows (near the
    error of guessing), ``kappa`` and ``gamma`` how fast it falls as the loss
    falls. Gadre et al. (2024), Eq. 4 (they write ``k`` for ``kappa``).
    """
    L = as_float_array("L", L, positive=True)
    epsilon = check_scalar("epsilon", epsilon)
    kappa = check_scalar("kappa", kappa, low=0, low_inclusive=False)
    gamma = check_scalar("gamma", gamma, low=0, low_inclusive=False)
    return _out(epsilon - kappa * np.exp(-gamma * L))


def loss_for_error(err, epsilon: float, kappa: float, gamma: float):
    """The loss at which :func:`error_from_loss` reaches ``err``: L = -ln((epsilon - err) / kappa) / gamma.

    ``err`` must lie below ``epsilon`` (the form never reaches its ceiling);
    a ``ValueError`` names it otherwise.
    """
    err = as_float_array("err", err)
    epsilon = check_scalar("epsilon", epsilon)
    kappa = check_scalar("kappa", kappa, low=0, low_inclusive=False)
    gamma = check_scalar("gamma", gamma, low=0, low_inclusive=False)
    if np.any(err >= epsilon):
        raise ValueError(f"err must be below epsilon={epsilon:g}, the form's ceiling; got max {float(np.max(err)):g}")
    L = -np.log((epsilon - err) / kappa) / gamma
    if np.any(L <= 0):
        raise ValueError(f"err: an error below {epsilon - kappa:g} needs a loss of zero or less")
    return _out(L)


def sigmoid_accuracy(C, chance: float, ceiling: float, slope: float, midpoint: float):
    """Accuracy rising from ``chance`` to ``ceiling`` as a logistic function of log10 ``C`` (FLOPs).

    acc = chance + (ceiling - chance) / (1 + exp(-slope (log10 C - midpoint))):
    ``midpoint`` is the log10 compute at which the accuracy is half way up,
    ``slope`` how many e-folds of the odds one decade of compute buys.
    """
    C = as_float_array("C", C, positive=True)
    chance = check_scalar("chance", chance, low=0, high=1)
    ceiling = check_scalar("ceiling", ceiling, low=chance, high=1)
    slope = check_scalar("slope", slope, low=0)
    midpoint = check_scalar("midpoint", midpoint)
    return _out(chance + (ceiling - chance) * expit(slope * (np.log10(C) - midpoint)))


def compute_for_accuracy(acc, chance: float, ceiling: float, slope: float, midpoint: float):
    """The compute (FLOPs) at which :func:`sigmoid_accuracy` reaches ``acc``, strictly between chance and ceiling."""
    acc = as_float_array("acc", acc)
    chance = check_scalar("chance", chance, low=0, high=1)
    ceiling = check_scalar("ceiling", ceiling, low=chance, high=1, low_inclusive=False)
    slope = check_scalar("slope", slope, low=0, low_inclusive=False)
    midpoint = check_scalar("midpoint", midpoint)
    if np.any(acc <= chance) or np.any(acc >= ceiling):
        raise ValueError(f"acc must lie strictly between chance={chance:g} and ceiling={ceiling:g}")
    share = (acc - chance) / (ceiling - chance)
    return _out(10.0 ** (midpoint + np.log(share / (1 - share)) / slope))


def exact_match_if_independent(p, length):
    """Exact match of a ``length``-token answer when each token is right with probability ``p``, independently: p**length.

    Schaeffer et al. (2023): per-token accuracy that improves smoothly with
    scale turns into an exact match that stays near zero and then shoots up,
    the sharper the longer the answer.
    """
    p = as_float_array("p", p)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must be a probability in [0, 1]")
    length = as_float_array("length", length, positive=True)
    return _out(p**length)


def accuracy_for_exact_match(level, length):
    """The per-token accuracy at which :func:`exact_match_if_independent` reaches ``level``: level**(1/length)."""
    level = as_float_array("level", level)
    if np.any((level <= 0) | (level >= 1)):
        raise ValueError("level must lie strictly between 0 and 1")
    length = as_float_array("length", length, positive=True)
    return _out(level ** (1.0 / length))


def transfer_loss(L, offset: float, slope: float = 1.0):
    """Loss on another distribution predicted from the training distribution's loss ``L``: offset + slope L.

    Kaplan et al. (2020, Section 3.2.2) found the slope close to one: a
    model's loss on other text follows its in-distribution loss, shifted by
    a roughly constant offset, whatever its size or training time.
    """
    L = as_float_array("L", L, positive=True)
    offset = check_scalar("offset", offset)
    slope = check_scalar("slope", slope, low=0, low_inclusive=False)
    return _out(offset + slope * L)
