"""Explorer of the chapter on fitting real runs: Approach 2 on each of Porian et al.'s 15 settings."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from scalinglaws import datasets
from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series
from scalinglaws.explorers.registry import register
from scalinglaws.fitting.frontier import MINIMUM_METHODS, fit_isoflop

__all__ = ["porian_frame", "SETTING_KEYS"]


@lru_cache(maxsize=1)
def _porian():
    return datasets.load_porian2024()


def _short(setting: str, label: str) -> str:
    data = "OWT2" if setting.startswith("owt2") else "RW"
    count = {"kaplan": "Kaplan's N", "standard": "", "attention": "+attention"}[setting.split("/")[4]]
    text = label.replace("Counting last layer and attention FLOPs", "Counting last layer").replace("Kaplan Adjusted", "Tuned, Kaplan's warm-up").replace(
        " (no decay)", "")
    return " · ".join(p for p in (data, text, count) if p)


@lru_cache(maxsize=1)
def _keys() -> dict:
    """Short slider text -> setting id, in the file's order (the chain on RefinedWeb first)."""
    p = _porian()
    return {f"{i + 1}. {_short(s, p.authors_fit[s]['label'])}": s for i, s in enumerate(p.settings)}


#: The slider values: "1. RW · Reproducing Kaplan et al. · Kaplan's N", ...
SETTING_KEYS = tuple(_keys())


def porian_frame(setting: str = SETTING_KEYS[0], minimum: str = "akima") -> Frame:
    """Per-budget minima of one setting, the fitted N_opt ~ C^a, and the authors' optima and exponent."""
    p = _porian()
    sid = _keys().get(setting, setting)
    N, C, L = p.runs(sid)
    fit = fit_isoflop(N, C, L, method=minimum, level=0.95)
    authors = p.authors_fit[sid]
    used = [o for o in authors["optima"] if o["used"]]
    Cs = np.geomspace(C.min(), C.max(), 40)
    lo, hi = fit.intervals["a"]
    return Frame(
        (
            Series("minima located here", fit.C, fit.N_opt, kind="points"),
            Series(f"fit: N_opt ∝ C^{fit.a:.3f}", Cs, fit.predict(Cs)[0]),
            Series("the authors' minima", [o["C"] for o in used], [o["N_opt"] for o in used], kind="points"),
        ),
        (
            Number("a", "a, this fit", fit.a, "{:.3f}"),
            Number("a_low", "95% interval, low", lo, "{:.3f}"),
            Number("a_high", "95% interval, high", hi, "{:.3f}"),
            Number("a_authors", "a, the authors' fit", authors["a"], "{:.3f}"),
            Number("budgets", "budgets used", sum(b.used for b in fit.budgets), "{:.0f}"),
        ),
    )


@register("fitting-porian")
def _porian_explorer() -> Explorer:
    return Explorer(
        "fitting-porian", porian_frame,
        [
            Control("setting", "setting", SETTING_KEYS, SETTING_KEYS[0], "{}"),
            Control("minimum", "minimum of each budget", MINIMUM_METHODS, "akima", "{}"),
        ],
        title="Approach 2 on Porian et al.'s runs",
        xlabel="compute C (FLOPs, as the setting counts them)", ylabel="compute-optimal N (parameters)",
    )
