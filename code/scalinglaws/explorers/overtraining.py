"""Explorer of the overtraining chapter: the inference-aware optimum against lifetime inference tokens."""

from __future__ import annotations

import numpy as np

from scalinglaws import overtraining
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register


def inference_frame(D_inf=1e13, reference_params=30e9) -> Frame:
    """Inference-aware optimum vs lifetime inference tokens (``overtraining.explore_inference``)."""
    grid = np.geomspace(1e9, 1e16, 36)
    runs = [overtraining.explore_inference(d, reference_params=reference_params) for d in grid]
    here = overtraining.explore_inference(D_inf, reference_params=reference_params)
    return Frame(
        (
            Series("inference-aware N", grid, [r.N for r in runs]),
            Series("Chinchilla-optimal N (same loss)", grid, [r.chinchilla_N for r in runs], dashed=True),
            Series("this workload", [D_inf], [here.N], kind="points"),
        ),
        (
            Number("loss", "target loss (nats/token)", here.loss, "{:.4f}"),
            Number("N", "optimal N", here.N, "{:.3g}"),
            Number("D_tr", "training tokens", here.D_tr, "{:.3g}"),
            Number("tokens_per_param", "tokens/param", here.tokens_per_param, "{:.0f}"),
            Number("total_flops", "training + inference FLOPs", here.total_flops, "{:.3g}"),
            Number("savings", "saving vs Chinchilla model", 100 * here.savings, "{:.1f}%"),
        ),
    )


@register("inference-aware")
def _inference() -> Explorer:
    return Explorer(
        "inference-aware", inference_frame,
        [
            Control("D_inf", "lifetime inference tokens", tuple(10.0**k for k in range(9, 17)), 1e13, "{:.0e}"),
            Control("reference_params", "quality of a Chinchilla model of", (7e9, 30e9, 70e9, 280e9), 30e9,
                    "{:.0e}"),
        ],
        title="Smaller models trained longer win when inference dominates",
        xlabel="lifetime inference tokens D_inf", ylabel="parameters N",
    )
