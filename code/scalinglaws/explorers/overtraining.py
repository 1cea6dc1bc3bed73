"""Explorer of the overtraining chapter: the inference-aware optimum against lifetime inference tokens."""

from __future__ import annotations

import functools

import numpy as np

from scalinglaws import overtraining
from scalinglaws._format import percent
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series, fmt_human
from scalinglaws.explorers.registry import half_decades, register


@functools.lru_cache(maxsize=8)
def _curve(reference_params: float):
    """The optimum across lifetime inference tokens; every frame of one quality shares it."""
    grid = np.geomspace(1e9, 1e16, 36)
    return grid, [overtraining.explore_inference(d, reference_params=reference_params) for d in grid]


def inference_frame(D_inf=1e13, reference_params=30e9) -> Frame:
    """Inference-aware optimum vs lifetime inference tokens (``overtraining.explore_inference``)."""
    grid, runs = _curve(float(reference_params))
    here = overtraining.explore_inference(D_inf, reference_params=reference_params)
    return Frame(
        (
            Series("inference-aware N", grid, [r.N for r in runs]),
            Series("Chinchilla-optimal N (same loss)", grid, [r.chinchilla_N for r in runs], dashed=True),
            Series("this workload", [D_inf], [here.N], kind="points"),
        ),
        (
            Number("loss", "target loss (nats/token)", here.loss, "{:.4f}"),
            Number("N", "optimal N", here.N, fmt_human(3, "count"), "params"),
            Number("D_tr", "training data", here.D_tr, fmt_human(3, "count"), "tokens"),
            Number("tokens_per_param", "tokens/param", here.tokens_per_param, fmt_human(3)),
            Number("total_flops", "training + inference", here.total_flops, fmt_human(3), "FLOPs"),
            Number("savings", "saving vs the Chinchilla model", here.savings, percent),
        ),
    )


@register("inference-aware")
def _inference() -> Explorer:
    return Explorer(
        "inference-aware", inference_frame,
        [
            Control("D_inf", "lifetime inference D_inf (tokens)", half_decades(1e9, 1e16), 1e13,
                    fmt_human(None, "count")),
            Control("reference_params", "quality of a Chinchilla model of (params)", (7e9, 30e9, 70e9, 280e9), 30e9,
                    fmt_human(None, "count")),
        ],
        title="Smaller models trained longer win when inference dominates",
        xlabel="lifetime inference tokens D_inf", ylabel="parameters N",
    )
