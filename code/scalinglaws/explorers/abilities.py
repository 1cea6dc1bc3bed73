"""Explorer of the abilities chapter: one ladder of lab models seen through exact match of longer and longer
continuations (cached runs)."""

from __future__ import annotations

import numpy as np

from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series, fmt_human
from scalinglaws.explorers.registry import register
from scalinglaws.lab.records import load_results, results_path
from scalinglaws.lab.report import fit_emergence


def emergence_frame(length=4) -> Frame:
    """Per-byte accuracy and exact match of a ``length``-byte continuation against N, cached ``beyond`` runs;
    with the exact match that independent bytes would give, accuracy ** length."""
    out = fit_emergence(load_results(results_path("beyond")))
    N = np.array([r["N"] for r in out["runs"]], float)
    acc = np.array([r["accuracy"] for r in out["runs"]])
    em = np.array([r["exact_match"][length - 1] for r in out["runs"]])
    return Frame(
        (
            Series("per-byte accuracy", N, acc),
            Series(f"exact match, {length} bytes", N, em),
            Series(f"accuracy^{length} (independent bytes)", N, acc**length, dashed=True),
        ),
        (
            Number("acc_small", "accuracy, smallest model", acc[0], "{:.3f}"),
            Number("acc_large", "accuracy, largest model", acc[-1], "{:.3f}"),
            Number("em_small", "exact match, smallest model", em[0], fmt_human(3)),
            Number("em_large", "exact match, largest model", em[-1], fmt_human(3)),
            Number("em_gain", "exact match gain, largest / smallest", em[-1] / em[0] if em[0] > 0 else np.inf,
                   "{:.3g}"),
        ),
    )


@register("abilities-emergence")
def _emergence() -> Explorer:
    return Explorer(
        "abilities-emergence", emergence_frame,
        # the ladder's models reproduce a few bytes at a time: beyond about ten bytes every one scores zero
        [Control("length", "continuation length (bytes)", (1, 2, 3, 4, 6, 8), 4, "{:d}")],
        title="The same models, a smooth metric and an all-or-nothing one (cached beyond preset)",
        xlabel="non-embedding parameters N", ylabel="share correct", ylog=False,
    )
