"""Explorer of the Chinchilla chapter: one compute budget, the optimum under each fitted law."""

from __future__ import annotations

import numpy as np

from scalinglaws import chinchilla
from scalinglaws.explorers.framework import Control, Explorer, Frame, Note, Number, Series, fmt_human
from scalinglaws.explorers.registry import register

_BUDGET_LAWS = (("kaplan", "Kaplan"), ("chinchilla", "Chinchilla"),
                ("chinchilla-rounded", "Chinchilla (rounded)"), ("epoch", "Epoch"))
#: Gopher's and Chinchilla's training budget (FLOPs), the chapter's worked example.
GOPHER_BUDGET = 5.76e23


def _budgets() -> tuple[float, ...]:
    """Four budgets a decade from 10¹⁸ to 10²⁷ FLOPs (3 digits), Gopher's in place of its nearest neighbour."""
    grid = [float(f"{v:.3g}") for v in np.geomspace(1e18, 1e27, 37)]
    nearest = min(range(len(grid)), key=lambda i: abs(np.log(grid[i] / GOPHER_BUDGET)))
    grid[nearest] = GOPHER_BUDGET
    return tuple(grid)


def budget_frame(C=GOPHER_BUDGET) -> Frame:
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
            Number(f"N_{slug}", f"{label}: N_opt", r.N_opt, fmt_human(3, "count"), "params"),
            Number(f"ratio_{slug}", f"{label}: tokens/param", r.tokens_per_param, fmt_human(3)),
            Number(f"loss_{slug}", f"{label}: loss (nats/token)", r.loss, "{:.3f}"),
        ]
    notes = (Note("Gopher's budget", C, here["chinchilla"].N_opt),) if C == GOPHER_BUDGET else ()
    return Frame(tuple(series), tuple(numbers), notes)


@register("chinchilla-budget")
def _chinchilla_budget() -> Explorer:
    return Explorer(
        "chinchilla-budget", budget_frame,
        [Control("C", "compute C (FLOPs)", _budgets(), GOPHER_BUDGET)],
        title="Compute-optimal model size under four fitted laws",
        xlabel="training compute C (FLOPs)", ylabel="optimal parameters N_opt",
    )
