"""Explorer of the critical-batch-size chapter: moving the batch size along the steps/data trade-off."""

from __future__ import annotations


from scalinglaws import batch_size
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register


def tradeoff_frame(target_loss=3.0, batch_tokens=2.0**19) -> Frame:
    """Steps and data relative to their minima at batch ``batch_tokens`` (``batch_size.explore_tradeoff``)."""
    t = batch_size.explore_tradeoff(target_loss=target_loss, batch_tokens=batch_tokens)
    return Frame(
        (
            Series("S / S_min (steps)", t.curve_B, t.curve_steps_ratio),
            Series("D / D_min (data = compute)", t.curve_B, t.curve_data_ratio),
            Series("this batch: steps", [t.B], [t.steps_ratio], kind="points"),
            Series("this batch: data", [t.B], [t.data_ratio], kind="points"),
        ),
        (
            Number("B_crit", "B_crit (tokens)", t.B_crit, "{:.3g}"),
            Number("steps_ratio", "S / S_min", t.steps_ratio, "{:.2f}"),
            Number("data_ratio", "D / D_min", t.data_ratio, "{:.2f}"),
            Number("S", "steps S", t.S, "{:.3g}"),
            Number("D", "tokens D", t.D, "{:.3g}"),
            Number("C", "compute 6ND (FLOPs)", t.C, "{:.3g}"),
        ),
    )


@register("critical-batch")
def _critical_batch() -> Explorer:
    return Explorer(
        "critical-batch", tradeoff_frame,
        [
            Control("target_loss", "target loss (nats)", (2.9, 3.0, 3.3, 3.6, 4.0, 5.0), 3.0),
            Control("batch_tokens", "batch B (tokens)", tuple(2.0**k for k in range(13, 26, 2)), 2.0**19, "{:.3g}"),
        ],
        title="Steps vs data to reach a target loss (N = 1e8)",
        xlabel="batch size B (tokens)", ylabel="ratio to the minimum",
    )
