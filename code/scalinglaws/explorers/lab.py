"""Explorers of the training lab, drawn from the cached ``cpu`` preset's runs (no torch needed)."""

from __future__ import annotations

import numpy as np

from scalinglaws.batch_size import tradeoff_curve
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register
from scalinglaws.lab.records import load_results, results_path
from scalinglaws.lab.report import explore_l_n, fit_critical_batch, runs_table


def l_n_frame(count="nonembedding", offset=True, drop_smallest=0) -> Frame:
    """Refit L(N) on the cached ``cpu`` lab runs without the ``drop_smallest`` smallest models
    (``lab.report.explore_l_n``)."""
    records = load_results(results_path("cpu"))
    table = runs_table(records, "L_N")
    sizes = np.sort(table["N"] if count == "nonembedding" else table["N_total"])
    out = explore_l_n(records, N_min=float(sizes[drop_smallest]), offset=offset, count=count)
    return Frame(
        (
            Series("lab runs", out["N"], out["L"], kind="points"),
            Series("fit with E" if offset else "fit without E", out["N_grid"], out["L_fit"]),
        ),
        (
            Number("alpha", "fitted α_N", out["alpha"], "{:.3f}"),
            Number("E", "fitted E (nats/byte)", out["E"], "{:.3f}"),
            Number("r2", "R² (log space)", out["r2"], "{:.4f}"),
            Number("n_runs", "runs used", len(out["N"]), "{:d}"),
        ),
    )


@register("lab-l-n")
def _lab_l_n() -> Explorer:
    return Explorer(
        "lab-l-n", l_n_frame,
        [
            Control("count", "parameters counted", ("nonembedding", "total"), "nonembedding", "{}"),
            Control("offset", "fit the offset E", (True, False), True, "{}"),
            Control("drop_smallest", "smallest models left out", (0, 1, 2), 0, "{:d}"),
        ],
        title="L(N) of the lab's tiny transformers (cached cpu preset)",
        xlabel="parameters N", ylabel="validation loss (nats/byte)",
    )


def critical_batch_frame(target=0, span=0.4) -> Frame:
    """The steps/tokens trade-off of the cached ``cpu`` batch-size runs at one target loss.

    ``target`` indexes the five targets of ``lab.report.fit_critical_batch``
    (0 = the highest loss); ``span`` is that function's share of the common
    loss range the targets cover.
    """
    out = fit_critical_batch(load_results(results_path("cpu")), n_targets=5, span=span, bootstrap=0)
    f = out["targets"][target]
    n_ctx = out["n_ctx"]
    curve = tradeoff_curve(f["S_min"], f["D_min"], num=80, span=100)
    return Frame(
        (
            Series("runs: tokens and steps to reach L", np.array(f["examples"]) * n_ctx, np.array(f["steps"]),
                   kind="points"),
            Series("fitted (S/S_min - 1)(D/D_min - 1) = 1", curve.D * n_ctx, curve.S),
        ),
        (
            Number("target", "target loss (nats/byte)", f["target"], "{:.3f}"),
            Number("B_crit", "B_crit (tokens)", f["B_crit"] * n_ctx, "{:,.0f}"),
            Number("B_simple", "B_simple, noise-scale trend (tokens)", f["B_simple"] * n_ctx, "{:,.0f}"),
            Number("S_min", "S_min (steps)", f["S_min"], "{:.0f}"),
            Number("D_min", "D_min (tokens)", f["D_min"] * n_ctx, "{:.3g}"),
        ),
    )


@register("lab-critical-batch")
def _lab_critical_batch() -> Explorer:
    return Explorer(
        "lab-critical-batch", critical_batch_frame,
        [
            Control("target", "target loss (0 = highest)", (0, 1, 2, 3, 4), 0, "{:d}"),
            Control("span", "share of the loss range used", (0.3, 0.4, 0.5), 0.4, "{:.1f}"),
        ],
        title="Steps vs tokens to reach a loss, six batch sizes (cached cpu preset)",
        xlabel="tokens to reach the target", ylabel="steps to reach the target",
    )
