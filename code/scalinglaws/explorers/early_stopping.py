"""Explorers of the early-stopping chapter: where training on finite data should stop, and IsoFLOP loss with limited unique data."""

from __future__ import annotations

import numpy as np

from scalinglaws import data_constrained, early_stopping
from scalinglaws._format import percent
from scalinglaws.explorers.framework import Control, Explorer, Frame, Note, Number, Series, fmt_human
from scalinglaws.explorers.registry import half_decades, register


def stopping_frame(N: float = 1e8, D: float = 1e9):
    """The early-stopping explorer at (``N`` parameters, ``D`` tokens), as a :class:`~scalinglaws.explorers.framework.Frame`.

    Curves against steps: the infinite-data learning curve L(N, inf) + (S_c/S)^alpha_S,
    the finite-data loss L(N, D) and the converged loss L(N, inf); a marker at
    S_stop (Eq. 5.7). Numbers: the overfitting penalty, the tokens that would keep
    it at 2% (exact and Kaplan's 5e3 N^0.74) and S_stop.
    """
    r = early_stopping.explore_stopping(N, D)
    flat = np.ones_like(r.steps)
    return Frame(
        series=(
            Series("infinite-data curve", r.steps, r.curve),
            Series("finite-data loss L(N, D)", r.steps, r.loss * flat),
            Series("converged loss L(N, ∞)", r.steps, r.converged_loss * flat, dashed=True),
            Series("S_stop bound", [r.stop_steps], [r.loss], kind="points"),
        ),
        numbers=(
            Number("penalty", "overfitting penalty δL", r.penalty, percent),
            Number("tokens_needed", "D for δL = 2%", r.tokens_needed, fmt_human(3, "count"), "tokens"),
            Number("kaplan_bound", "Kaplan's 5 × 10³ N^0.74", r.kaplan_bound, fmt_human(3, "count"), "tokens"),
            Number("stop_steps", "S_stop", r.stop_steps, fmt_human(3, "count"), "steps"),
        ),
        notes=(Note("S_stop", r.stop_steps, r.loss),),
    )


def data_constrained_frame(C: float = 1e22, U: float = 25e9):
    """The data-constrained explorer at (``C`` FLOPs, ``U`` unique tokens), as a :class:`~scalinglaws.explorers.framework.Frame`.

    Curves: loss along the IsoFLOP line C = 6ND versus N, with U unique tokens
    and with unlimited data; markers at both optima. Numbers: the best N, tokens,
    epochs and loss, the unlimited-data loss, and the compute an unlimited-data
    run would need to match the constrained optimum (as a fraction of C).
    """
    r = data_constrained.explore_allocation(C, U)
    a = r.allocation
    return Frame(
        series=(
            Series("U unique tokens", r.N_grid, r.loss_constrained),
            Series("unlimited unique data", r.N_grid, r.loss_unlimited, dashed=True),
            Series("optima", [a.N, a.N_unlimited], [a.loss, a.loss_unlimited], kind="points"),
        ),
        numbers=(
            Number("N", "best N", a.N, fmt_human(3, "count"), "params"),
            Number("D", "tokens seen D", a.D, fmt_human(3, "count"), "tokens"),
            Number("epochs", "epochs D / U", a.epochs, fmt_human(3)),
            Number("loss", "loss (nats/token)", a.loss, "{:.4f}"),
            Number("loss_free", "unlimited-data loss", a.loss_unlimited, "{:.4f}"),
            Number("c_eq", "unlimited data reach this loss with", r.compute_equivalent / C, "{:.3g} × C"),
        ),
        notes=(Note("optimum", a.N, a.loss), Note("unlimited", a.N_unlimited, a.loss_unlimited)),
    )


@register("early-stopping")
def _early_stopping() -> Explorer:
    return Explorer(
        "early-stopping", stopping_frame,
        [Control("N", "parameters N (params)", half_decades(1e6, 1e9), 1e8, fmt_human(None, "count")),
         Control("D", "data D (tokens)", half_decades(1e7, 1e11), 1e9, fmt_human(None, "count"))],
        title="The infinite-data learning curve meets the finite-data loss at S_stop",
        xlabel="steps S (at B >> B_crit)", ylabel="loss (nats/token)",
    )


@register("data-constrained")
def _data_constrained() -> Explorer:
    return Explorer(
        "data-constrained", data_constrained_frame,
        [Control("C", "compute C (FLOPs)", half_decades(1e20, 1e24), 1e22),
         Control("U", "unique data U (tokens)", (1e9, 2.5e9, 5e9, 1e10, 25e9, 5e10, 1e11, 2.5e11, 5e11), 25e9,
                 fmt_human(None, "count"))],
        title="IsoFLOP loss with limited unique data (Muennighoff et al. fit)",
        xlabel="parameters N (D = C / 6N)", ylabel="loss (nats/token)",
    )
