"""Overfitting and early stopping with finite data (Kaplan et al. 2020, Sections 4 and 5.3, Appendix B).

Units follow Kaplan et al.: N is non-embedding parameters, D tokens, S optimizer
steps at B >> B_crit (S_min), L nats/token. The laws themselves live in
:mod:`scalinglaws.kaplan` (one implementation per formula):

* ``kaplan.loss_ND``: L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D (Eq. 1.5, Table 2);
* ``kaplan.overfitting_penalty``: the indicator dL = L(N, D)/L(N, inf) - 1 (Eqs. 4.2-4.3);
* ``kaplan.tokens_for_penalty``: D at which dL equals a given value;
* ``kaplan.efficient_stopping_ratio`` / ``efficient_stopping_loss``: Eq. B.5.

This module adds what early stopping needs on top of them:

* the single variable x = N^(alpha_N/alpha_D)/D (:func:`overfitting_ratio`);
* where Kaplan's "D >~ 5e3 N^0.74" (Eq. 4.4) comes from
  (:func:`data_bound_coefficient`, :func:`kaplan_data_bound`, :func:`penalty_at_kaplan_bound`);
* the early-stopping step S_stop >~ S_c/[L(N, D) - L(N, inf)]^(1/alpha_S)
  (Eq. 5.7, :func:`stop_step_bound`);
* the compute-efficient stopping point in steps (:func:`compute_efficient_stop`);
* the widget's callback (:func:`explore_stopping`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import as_float_array, check_scalar, scalar_or_array
from scalinglaws.constants import KAPLAN_DATA_BOUND, KAPLAN_LND, KAPLAN_LNS
from scalinglaws.kaplan import (
    efficient_stopping_loss,
    loss_ND,
    overfitting_penalty,
    tokens_for_penalty,
)

__all__ = [
    "overfitting_ratio",
    "data_bound_coefficient",
    "kaplan_data_bound",
    "penalty_at_kaplan_bound",
    "stop_step_bound",
    "StopPoint",
    "compute_efficient_stop",
    "EarlyStoppingReport",
    "explore_stopping",
]


_out = scalar_or_array


def overfitting_ratio(N, D):
    """The single variable x = N^(alpha_N/alpha_D) / D (parameters^0.74 per token) that sets overfitting.

    ``kaplan.overfitting_penalty(N, D)`` equals ``kaplan.overfitting_penalty_from_ratio(x)``:
    the penalty depends on N and D only through x (Eq. 4.3, Table 2 exponents).
    """
    N = as_float_array("N", N, positive=True)
    D = as_float_array("D", D, positive=True)
    return _out(N ** (KAPLAN_LND.alpha_N / KAPLAN_LND.alpha_D) / D)


def data_bound_coefficient(penalty: float = KAPLAN_DATA_BOUND["seed_noise"]) -> float:
    """Coefficient k such that D = k N^(alpha_N/alpha_D) tokens gives an overfitting penalty of ``penalty``.

    Solving (1 + k_D x)^alpha_D = 1 + penalty, with x = N^(alpha_N/alpha_D)/D and
    k_D = D_c/N_c^(alpha_N/alpha_D), gives k = k_D/((1 + penalty)^(1/alpha_D) - 1).
    Since D is proportional to N^(alpha_N/alpha_D), k is the token count for
    N = 1: ``kaplan.tokens_for_penalty(1, penalty)``. For penalty = 0.02 (the
    seed-to-seed noise) it is about 5.5e3; Kaplan et al. print 5e3 (Eq. 4.4).
    """
    return float(tokens_for_penalty(1.0, penalty))


def kaplan_data_bound(N):
    """Kaplan's printed rule D >~ 5e3 N^0.74 tokens (Eq. 4.4) for ``N`` non-embedding parameters."""
    N = as_float_array("N", N, positive=True)
    return _out(KAPLAN_DATA_BOUND["coefficient"] * N ** KAPLAN_DATA_BOUND["exponent"])


def penalty_at_kaplan_bound(N):
    """The overfitting penalty dL at exactly D = 5e3 N^0.74 tokens.

    Close to the 0.02 the bound was built for, but not equal: 5e3 is the
    one-significant-figure rounding of about 5.5e3, and 0.74 rounds 0.738.
    """
    N = as_float_array("N", N, positive=True)
    return overfitting_penalty(N, kaplan_data_bound(N))


def stop_step_bound(N, D):
    """Lower bound on the early-stopping step S_stop >~ S_c / [L(N, D) - L(N, inf)]^(1/alpha_S) (Eq. 5.7).

    The step at which the infinite-data learning curve L(N, S) = L(N, inf) +
    (S_c/S)^alpha_S has come down to the finite-data loss L(N, D) (Table 2 for
    L(N, D); S_c = 2.1e3 steps and alpha_S = 0.76 from Table 3). With finite data
    the test loss falls more slowly than that curve, so the real stopping step
    is later: a lower bound, in steps at B >> B_crit. D = inf gives inf.
    """
    N = as_float_array("N", N, positive=True)
    gap = np.asarray(loss_ND(N, D)) - np.asarray(loss_ND(N, np.inf))  # loss_ND checks D (inf allowed)
    with np.errstate(divide="ignore"):
        return _out(KAPLAN_LNS.S_c / gap ** (1.0 / KAPLAN_LNS.alpha_S))


class StopPoint(NamedTuple):
    """Where compute-efficient training of an N-parameter model stops (Eq. B.5)."""

    loss: float | np.ndarray  # nats/token, (1 + alpha_N/alpha_S) L(N, inf)
    converged_loss: float | np.ndarray  # nats/token, (N_c/N)^alpha_N of the L(N, S) fit
    steps: float | np.ndarray  # S_min at which L(N, S) reaches ``loss``


def compute_efficient_stop(N) -> StopPoint:
    """Loss and step count at the compute-efficient stopping point of an ``N``-parameter model.

    From the L(N, S) fit (Table 3): L_N = (N_c/N)^alpha_N, the stop loss
    ``kaplan.efficient_stopping_loss(N)`` = (1 + alpha_N/alpha_S) L_N, reached
    where (S_c/S)^alpha_S = (alpha_N/alpha_S) L_N, i.e. S = S_c ((alpha_N/alpha_S) L_N)^(-1/alpha_S).
    """
    N = as_float_array("N", N, positive=True)
    p = KAPLAN_LNS
    L_N = (p.N_c / N) ** p.alpha_N
    L_stop = np.asarray(efficient_stopping_loss(N))
    S = p.S_c * (L_stop - L_N) ** (-1.0 / p.alpha_S)
    return StopPoint(_out(L_stop), _out(L_N), _out(S))


class EarlyStoppingReport(NamedTuple):
    """What the early-stopping widget shows for one model size N and data set size D."""

    loss: float  # L(N, D), nats/token: the best test loss with D tokens
    converged_loss: float  # L(N, inf), nats/token
    penalty: float  # dL = L(N, D)/L(N, inf) - 1
    ratio: float  # x = N^(alpha_N/alpha_D)/D
    tokens_needed: float  # D with dL = 0.02 (exact inversion of Eq. 4.3)
    kaplan_bound: float  # 5e3 N^0.74 tokens (Eq. 4.4)
    stop_steps: float  # S_stop lower bound (Eq. 5.7), steps
    steps: np.ndarray  # step grid for the learning curve
    curve: np.ndarray  # infinite-data learning curve L(N, inf) + (S_c/S)^alpha_S on ``steps``


def explore_stopping(N: float = 1e8, D: float = 1e9, n_steps: int = 200) -> EarlyStoppingReport:
    """Callback of the chapter's widget: overfitting penalty, data bound and S_stop for (N, D).

    ``steps`` runs log-uniformly from 1e2 to 1e9 (``n_steps`` points); ``curve`` is
    the infinite-data learning curve L(N, inf) + (S_c/S)^alpha_S there, the
    curve of Eq. 5.7 (converged loss from Table 2, S_c and alpha_S from Table 3):
    it meets the finite-data loss L(N, D) exactly at ``stop_steps``.
    """
    N = check_scalar("N", N, low=0.0, low_inclusive=False)
    D = check_scalar("D", D, low=0.0, low_inclusive=False)
    n_steps = check_scalar("n_steps", n_steps, low=2, integer=True)
    steps = np.logspace(2, 9, n_steps)
    return EarlyStoppingReport(
        loss=float(loss_ND(N, D)),
        converged_loss=float(loss_ND(N, np.inf)),
        penalty=float(overfitting_penalty(N, D)),
        ratio=float(overfitting_ratio(N, D)),
        tokens_needed=float(tokens_for_penalty(N)),
        kaplan_bound=float(kaplan_data_bound(N)),
        stop_steps=float(stop_step_bound(N, D)),
        steps=steps,
        curve=float(loss_ND(N, np.inf)) + (KAPLAN_LNS.S_c / steps) ** KAPLAN_LNS.alpha_S,
    )
