"""Explorer of the reconciling chapter: Chinchilla's law seen through Kaplan's parameter counting."""

from __future__ import annotations

import numpy as np

from scalinglaws import reconcile
from scalinglaws._format import human
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register, thin


def counting_frame(counting="nonembedding", coefficients="epoch", log10_n_min=2.9, log10_n_max=9.2) -> Frame:
    """The Pearce & Song simulation and its fitted local exponent (``reconcile.explore_counting``)."""
    sim = reconcile.explore_counting(counting, log10_n_min, log10_n_max, coefficients)
    # The fit is a straight line on log-log axes: its two ends draw it.
    ends = np.array([sim.compute.min(), sim.compute.max()])
    fit = np.exp(sim.log_coefficient) * ends**sim.exponent
    return Frame(
        (
            Series("simulated compute-optimal N*", *thin(sim.compute, sim.n_star, 50), kind="points"),
            Series(f"fit: N* ∝ C^{sim.exponent:.3f}", ends, fit),
        ),
        (
            Number("exponent", "fitted exponent of N* ∝ C^g", sim.exponent, "{:.3f}"),
            Number("loss_exponent", "offset-free loss slope", sim.loss_exponent, "{:.3f}"),
        ),
    )


def _power_text(log10_n: float) -> str:
    """A model size given by its log10, as computed and as a reader reads it: "10^9.2 ≈ 1.58 B"."""
    return f"10^{log10_n:g} ≈ {human(10.0**log10_n, 3, 'count')}"


@register("reconcile-counting")
def _reconcile() -> Explorer:
    return Explorer(
        "reconcile-counting", counting_frame,
        [
            Control("counting", "parameters counted", ("nonembedding", "total"), "nonembedding",
                    {"nonembedding": "non-embedding (Kaplan)", "total": "total (Chinchilla)"}),
            Control("coefficients", "coefficients", ("epoch", "chinchilla"), "epoch",
                    {"epoch": "Epoch AI refit", "chinchilla": "Hoffmann et al."}),
            Control("log10_n_min", "smallest model (params)", (2.9, 4.0, 5.0, 6.0, 7.0), 2.9,
                    _power_text),
            Control("log10_n_max", "largest model (params)", (8.0, 9.2, 10.0, 11.0, 12.0),
                    9.2, _power_text),
        ],
        title="Chinchilla's law seen through Kaplan's counting",
        xlabel="compute C (FLOPs, as counted)", ylabel="compute-optimal N* (as counted)",
    )
