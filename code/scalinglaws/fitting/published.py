"""The published runs the book ships, refitted with this package: one function per reproduction.

* :func:`porian_exponents`: Approach 2 on each of Porian et al.'s 15
  settings, beside the exponent the authors report;
* :func:`gadre_holdout`: a form fitted to Gadre et al.'s runs below 1B
  parameters, predicting the nine 1.4B and 6.9B runs with intervals;
* :func:`muennighoff_refit`: Muennighoff et al.'s R_D* and R_N* from their 182 runs.

The data come from :mod:`scalinglaws.datasets` (checksums verified).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws import datasets
from scalinglaws._validation import check_in
from scalinglaws.fitting.data_constrained import DataConstrainedFit, fit_data_constrained
from scalinglaws.fitting.forms import fit_form, predict_form
from scalinglaws.fitting.frontier import MINIMUM_METHODS, fit_isoflop

__all__ = ["porian_exponents", "gadre_holdout", "muennighoff_refit", "GADRE_LOSS", "GADRE_SPLIT"]

#: The loss Gadre et al. fit: C4 validation loss (nats/token).
GADRE_LOSS = "loss_c4_val"
#: Runs above this many parameters are the ones they predict (1.4B and 6.9B).
GADRE_SPLIT = 1e9


def porian_exponents(method: str = "akima", level: float = 0.95) -> pd.DataFrame:
    """Approach 2 on each of Porian et al.'s 15 settings, one row per setting in the file's order.

    Columns: ``setting``, ``label`` (the authors' name), ``dataset``,
    ``count`` (which N), ``a_authors`` with its 95% interval
    (``a_authors_low``, ``a_authors_high``), ``a`` with its jackknife interval
    at ``level`` (``a_low``, ``a_high``), ``difference`` (a - a_authors),
    ``budgets_used``, ``budgets`` and ``authors_used``.
    """
    check_in("method", method, MINIMUM_METHODS)
    data = datasets.load_porian2024()
    rows = []
    for setting in data.settings:
        fit = fit_isoflop(*data.runs(setting), method=method, level=level)
        authors = data.authors_fit[setting]
        lo, hi = fit.intervals.get("a", (np.nan, np.nan))
        rows.append({
            "setting": setting, "label": authors["label"], "dataset": setting.split("/")[0],
            "count": setting.split("/")[4], "a_authors": authors["a"], "a_authors_low": authors["a_ci95"][0],
            "a_authors_high": authors["a_ci95"][1], "a": fit.a, "a_low": lo, "a_high": hi,
            "difference": fit.a - authors["a"], "budgets_used": sum(b.used for b in fit.budgets),
            "budgets": len(fit.budgets), "authors_used": sum(o["used"] for o in authors["optima"]),
        })
    return pd.DataFrame(rows)


def gadre_holdout(form: str = "gadre", *, bootstrap: int = 200, level: float = 0.9, seed: int = 0,
                  loss: str = GADRE_LOSS) -> pd.DataFrame:
    """Fit ``form`` to each training set's runs below 1B parameters; predict its 1.4B and 6.9B runs.

    One row per held-out run: ``dataset``, ``N``, ``D``, ``M``, ``loss``
    (measured), ``predicted``, ``low``, ``high`` (prediction interval for one
    new run at ``level``, from ``bootstrap`` resamples) and ``error``
    ((predicted - loss) / loss).
    """
    check_in("form", form, ("chinchilla", "kaplan", "gadre"))
    runs = datasets.load_gadre2024()
    rows = []
    for name in sorted(set(runs["dataset"])):
        own = runs[runs["dataset"] == name]
        train, test = own[own["N"] < GADRE_SPLIT], own[own["N"] >= GADRE_SPLIT]
        fit = fit_form(form, {"N": train["N"].to_numpy(), "D": train["D"].to_numpy(),
                              "loss": train[loss].to_numpy()}, bootstrap=bootstrap, seed=seed, level=level)
        for p, (_, run) in zip(predict_form(form, fit, {"N": test["N"].to_numpy(), "D": test["D"].to_numpy()},
                                            level=level), test.iterrows()):
            rows.append({"dataset": name, "N": run["N"], "D": run["D"], "M": run["M"], "loss": run[loss],
                         "predicted": p["loss"], "low": p.get("low", np.nan), "high": p.get("high", np.nan),
                         "error": (p["loss"] - run[loss]) / run[loss]})
    return pd.DataFrame(rows)


def muennighoff_refit(*, bootstrap: int = 0, seed: int = 0, level: float = 0.95,
                      free=("R_D_star", "R_N_star")) -> DataConstrainedFit:
    """R_D* and R_N* (and any other ``free`` coefficient) fitted to Muennighoff et al.'s 182 runs, their way."""
    runs = datasets.load_muennighoff2023()
    return fit_data_constrained(runs["N"], runs["D"], runs["U"], runs["loss"], free=free, bootstrap=bootstrap,
                                seed=seed, level=level)
