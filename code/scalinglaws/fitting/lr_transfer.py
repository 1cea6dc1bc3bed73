"""The best learning rate of each width, from a grid, and how far it drifts as the model widens.

A learning-rate sweep gives, for each width, the final loss at a few rates
spaced by a constant factor. :func:`best_learning_rate` locates the minimum
between grid points: a parabola in log(rate) through the lowest point and its
two neighbours, its vertex kept between those neighbours (a local fit, as
for an IsoFLOP minimum: the profile is steeper on the high-rate side, where
training destabilises, so one parabola through every point would pull the
vertex). :func:`fit_lr_transfer` does it for every width and summarises the
drift: the ratio of the best rate of the widest model to that of the
narrowest, and the exponent k of best rate ~ width^-k by least squares in
logs (Yang et al. 2022 predict k = 1 for Adam's hidden-layer rates under the
standard parametrisation, and k = 0 under μP).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglaws._validation import as_float_array, check_same_length

__all__ = ["best_learning_rate", "LrTransferFit", "fit_lr_transfer"]


def best_learning_rate(lr, loss) -> tuple[float, float, bool]:
    """(best rate, loss there, at_edge) from one width's grid of rates ``lr`` and final losses ``loss``.

    ``at_edge`` is True when the lowest loss is at the smallest or largest
    rate tried: the minimum is then not bracketed, and the edge rate is
    returned as a bound, not an estimate.
    """
    lr = as_float_array("lr", lr, positive=True).ravel()
    loss = as_float_array("loss", loss).ravel()
    check_same_length(lr=lr, loss=loss)
    if lr.size < 3:
        raise ValueError(f"lr: need at least 3 learning rates, got {lr.size}")
    order = np.argsort(lr)
    lr, loss = lr[order], loss[order]
    if np.unique(lr).size != lr.size:
        raise ValueError("lr: each learning rate must appear once")
    if not np.all(np.isfinite(loss)):
        raise ValueError("loss must be finite (drop diverged runs before locating the minimum)")
    i = int(np.argmin(loss))
    if i == 0 or i == lr.size - 1:
        return float(lr[i]), float(loss[i]), True
    x = np.log(lr[i - 1:i + 2])
    c2, c1, c0 = np.polyfit(x, loss[i - 1:i + 2], 2)
    # the lowest of three points is below the line through its neighbours, so c2 > 0
    xv = float(np.clip(-c1 / (2 * c2), x[0], x[2]))
    return float(np.exp(xv)), float(c0 + c1 * xv + c2 * xv * xv), False


@dataclass(frozen=True)
class LrTransferFit:
    """Best learning rate per width, and its drift from the narrowest to the widest model."""

    widths: np.ndarray
    lr_opt: np.ndarray
    loss_opt: np.ndarray
    at_edge: np.ndarray  # bool per width: minimum at the end of the grid
    drift: float  # lr_opt(widest) / lr_opt(narrowest)
    exponent: float  # k in lr_opt ~ width^-k

    def to_dict(self) -> dict:
        return {"widths": self.widths.tolist(), "lr_opt": self.lr_opt.tolist(), "loss_opt": self.loss_opt.tolist(),
                "at_edge": self.at_edge.tolist(), "drift": self.drift, "exponent": self.exponent}


def fit_lr_transfer(width, lr, loss) -> LrTransferFit:
    """Best learning rate of every width (:func:`best_learning_rate`), the drift and the exponent k.

    ``width``, ``lr`` and ``loss`` have one entry per run. ``drift`` is
    lr_opt(widest) / lr_opt(narrowest): 1 means the best rate transfers.
    """
    width = as_float_array("width", width, positive=True).ravel()
    lr = as_float_array("lr", lr, positive=True).ravel()
    loss = as_float_array("loss", loss).ravel()
    check_same_length(width=width, lr=lr, loss=loss)
    widths = np.unique(width)
    if widths.size < 2:
        raise ValueError("width: need at least two widths to measure a drift")
    best = [best_learning_rate(lr[width == w], loss[width == w]) for w in widths]
    lr_opt = np.array([b[0] for b in best])
    exponent = -float(np.polyfit(np.log(widths), np.log(lr_opt), 1)[0])
    return LrTransferFit(widths, lr_opt, np.array([b[1] for b in best]), np.array([b[2] for b in best]),
                         float(lr_opt[-1] / lr_opt[0]), exponent)
