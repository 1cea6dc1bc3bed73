"""Explorer of the Chinchilla chapter: one compute budget, the optimum under each fitted law."""

from __future__ import annotations

import numpy as np

from scalinglaws import chinchilla
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register


_BUDGET_LAWS = (("kaplan", "Kaplan"), ("chinchilla", "Chinchilla"),
                ("chinchilla-rounded", "Chinchilla (rounded)"), ("epoch", "Epoch"))


def budget_frame(C=5.76e23) -> Frame:
    """N_opt under each law across budgets, and the numbers at ``C`` FLOPs (``chinchilla.explore_budget``)."""
    grid = np.geomspace(1e18, 1e27, 40)
    curves = [chinchilla.explore_budget(c) for c in grid]
    here = chinchilla.explore_budget(C)
    series = [Series(label, grid, [cv[key].N_opt for cv in curves]) for key, label in _BUDGET_LAWS]
    series.append(Series("this budget", [C] * len(_BUDGET_LAWS),
                         [here[key].N_opt for key, _ in _BUDGET_LAWS], kind="points"))
    numbers = []
    for key, label in _BUDGET_LAWS:
        r = here[key]
        slug = key.replace("-", "_")
        numbers += [
            Number(f"N_{slug}", f"{label}: N_opt", r.N_opt, "{:.3g}"),
            Number(f"ratio_{slug}", f"{label}: tokens/param", r.tokens_per_param, "{:.1f}"),
        ]
        numbers.append(Number(f"loss_{slug}", f"{label}: loss", r.loss, "{:.3f}"))
    return Frame(tuple(series), tuple(numbers))


@register("chinchilla-budget")
def _chinchilla_budget() -> Explorer:
    return Explorer(
        "chinchilla-budget", budget_frame,
        [Control("C", "compute C (FLOPs)", tuple(float(f"{v:.3g}") for v in np.geomspace(1e18, 1e27, 19)) + (5.76e23,),
                 5.76e23, "{:.3g}")],
        title="Compute-optimal model size under four fitted laws",
        xlabel="training compute C (FLOPs)", ylabel="optimal parameters N_opt",
    )
