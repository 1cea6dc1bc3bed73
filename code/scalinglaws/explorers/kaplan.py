"""Explorer of the Kaplan chapter: a GPT-style config to parameters, FLOPs and Kaplan's L(N)."""

from __future__ import annotations

import numpy as np

from scalinglaws import kaplan
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series, fmt_human
from scalinglaws.explorers.registry import register


def config_frame(n_layer=12, d_model=768, n_ctx=1024) -> Frame:
    """Parameters, FLOPs per token and Kaplan's L(N) of a GPT-style config (``kaplan.explore_config``)."""
    s = kaplan.explore_config(n_layer=n_layer, d_model=d_model, n_ctx=n_ctx)
    N = np.geomspace(1e3, 1e12, 60)
    return Frame(
        (
            Series("L(N) = (N_c/N)^α_N", N, kaplan.loss_N(N)),
            Series("this config", [s.params_nonembedding], [s.loss_N], kind="points"),
        ),
        (
            Number("params_nonembedding", "non-embedding params N", s.params_nonembedding, "{:,.0f}"),
            Number("params_embedding", "embedding params", s.params_embedding, "{:,.0f}"),
            Number("params_total", "total params", s.params_total, "{:,.0f}"),
            Number("forward_flops", "forward pass", s.forward_flops_per_token, fmt_human(3), "FLOPs/token"),
            Number("training_flops", "training", s.training_flops_per_token, fmt_human(3), "FLOPs/token"),
            Number("six_N", "6N", s.six_N, fmt_human(3), "FLOPs/token"),
            Number("attention_share", "context-term share", 100 * s.attention_share, "{:.1f}%"),
            Number("loss_N", "L(N), nats/token", s.loss_N, "{:.3f}"),
        ),
    )


@register("kaplan-config")
def _kaplan_config() -> Explorer:
    return Explorer(
        "kaplan-config", config_frame,
        [
            Control("n_layer", "layers", (2, 6, 12, 24, 48, 96), 12, "{:d}"),
            Control("d_model", "width d_model", (64, 128, 256, 512, 768, 1024, 2048, 4096, 8192, 12288), 768, "{:d}"),
            Control("n_ctx", "context n_ctx", (256, 1024, 4096, 16384), 1024, "{:d}"),
        ],
        title="A GPT-style config (vocabulary 50257) on Kaplan's L(N)",
        xlabel="non-embedding parameters N", ylabel="loss (nats/token)",
    )
