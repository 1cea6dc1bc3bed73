"""Explorer of the reconciling chapter: Chinchilla's law seen through Kaplan's parameter counting."""

from __future__ import annotations

import numpy as np

from scalinglaws import reconcile
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register


def counting_frame(counting="nonembedding", coefficients="epoch", log10_n_min=2.9, log10_n_max=9.2) -> Frame:
    """The Pearce & Song simulation and its fitted local exponent (``reconcile.explore_counting``)."""
    sim = reconcile.explore_counting(counting, log10_n_min, log10_n_max, coefficients)
    fit = np.exp(sim.log_coefficient) * sim.compute**sim.exponent
    return Frame(
        (
            Series("simulated compute-optimal N*", sim.compute, sim.n_star, kind="points"),
            Series(f"fit: N* ∝ C^{sim.exponent:.3f}", sim.compute, fit),
        ),
        (
            Number("exponent", "fitted exponent of N* ∝ C^g", sim.exponent, "{:.3f}"),
            Number("loss_exponent", "offset-free loss slope", sim.loss_exponent, "{:.3f}"),
        ),
    )


@register("reconcile-counting")
def _reconcile() -> Explorer:
    return Explorer(
        "reconcile-counting", counting_frame,
        [
            Control("counting", "parameters counted", ("nonembedding", "total"), "nonembedding", "{}"),
            Control("coefficients", "coefficients", ("epoch", "chinchilla"), "epoch", "{}"),
            Control("log10_n_min", "log10 smallest N", (2.9, 4.0, 5.0, 6.0, 7.0), 2.9, "{:g}"),
            Control("log10_n_max", "log10 largest N", (8.0, 9.2, 10.0, 11.0, 12.0), 9.2, "{:g}"),
        ],
        title="Chinchilla's law seen through Kaplan's counting",
        xlabel="compute C (FLOPs, as counted)", ylabel="compute-optimal N* (as counted)",
    )
