"""The forms a user can fit to their own runs, behind one interface: check, fit, predict, hold out.

This is what ``python -m scalinglaws fit`` calls. Runs arrive as a dict of
columns with *roles* as keys: ``N`` (parameters), ``D`` (tokens), ``U``
(unique tokens), ``C`` (FLOPs), ``x`` (the abscissa of a plain power law),
``loss`` (nats/token) and ``budget`` (labels of IsoFLOP budgets). ``labels``
maps each role to the name the user knows it by (a CSV column), so that a
message says ``column 'params' ...`` rather than ``N ...``.

=====================  ===============  =============================================================
form                   roles            law
=====================  ===============  =============================================================
``chinchilla``         N, D, loss       E + A/N^alpha + B/D^beta (Approach 3, Huber on log L)
``kaplan``             N, D, loss       ((N_c/N)^(alpha_N/alpha_D) + D_c/D)^alpha_D
``gadre``              N, D, loss       E + A/N^alpha + B/D^alpha (one exponent)
``data-constrained``   N, D, U, loss    Muennighoff et al.'s law; R_D*, R_N* (and ``free``) fitted
``powerlaw``           x, loss          E + A x^-alpha
``isoflop``            N, C, loss       Approach 2: N_opt ~ C^a from each budget's minimum
=====================  ===============  =============================================================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.fitting.data_constrained import COEFFICIENTS, fit_data_constrained
from scalinglaws.fitting.frontier import MINIMUM_METHODS, fit_isoflop
from scalinglaws.fitting.gadre import fit_gadre
from scalinglaws.fitting.kaplan import fit_kaplan_nd
from scalinglaws.fitting.parametric import fit_parametric
from scalinglaws.fitting.powerlaw import fit_power_law

__all__ = ["Form", "FORMS", "LOSS_FORMS", "roles", "check_runs", "fit_form", "predict_form", "holdout",
           "holdout_split"]


class Form(NamedTuple):
    """A fittable form: the roles it reads, the fewest runs it accepts and the fewest distinct values per role.

    ``targets`` are the roles a row to predict needs (``isoflop`` predicts the
    optimum at a budget, so ``C`` only).
    """

    name: str
    roles: tuple
    min_rows: int
    min_distinct: dict
    law: str

    @property
    def targets(self) -> tuple:
        return ("C",) if self.name == "isoflop" else self.roles


FORMS = {
    "chinchilla": Form("chinchilla", ("N", "D"), 6, {"N": 2, "D": 2}, "E + A/N^alpha + B/D^beta"),
    "kaplan": Form("kaplan", ("N", "D"), 5, {"N": 2, "D": 2}, "((N_c/N)^(alpha_N/alpha_D) + D_c/D)^alpha_D"),
    "gadre": Form("gadre", ("N", "D"), 5, {"N": 2, "D": 2}, "E + A/N^alpha + B/D^alpha"),
    "data-constrained": Form("data-constrained", ("N", "D", "U"), 3, {"N": 1, "D": 1},
                             "E + A/N'^alpha + B/D'^beta (Muennighoff et al.)"),
    "powerlaw": Form("powerlaw", ("x",), 4, {"x": 3}, "E + A x^-alpha"),
    "isoflop": Form("isoflop", ("N", "C"), 6, {"N": 3, "C": 2}, "N_opt = k_N C^a (Approach 2)"),
}
#: The forms that predict a loss (every form but ``isoflop``), in the order a hold-out tries them.
LOSS_FORMS = ("chinchilla", "kaplan", "gadre", "data-constrained", "powerlaw")


def roles(form: str) -> tuple:
    """The roles (besides ``loss``) that ``form`` reads."""
    check_in("form", form, tuple(FORMS))
    return FORMS[form].roles


def _label(labels, role):
    return f"column {labels.get(role, role)!r}"


def check_runs(form: str, data: dict, labels: dict | None = None) -> None:
    """Raise ``ValueError`` (one line, naming the column) if ``data`` cannot be fitted by ``form``.

    Checks that the roles are present and equally long, that there are
    enough rows, that the rows are not all identical, that the loss is not
    constant, and that each role takes enough distinct values.
    """
    check_in("form", form, tuple(FORMS))
    labels = labels or {}
    spec = FORMS[form]
    for role in spec.roles + ("loss",):
        if role not in data:
            raise ValueError(f"{_label(labels, role)} is needed by --form {form}")
    n = np.size(data["loss"])
    if any(np.size(data[r]) != n for r in spec.roles):
        raise ValueError("columns must have the same number of rows")
    if n < spec.min_rows:
        raise ValueError(f"need at least {spec.min_rows} rows for --form {form}, got {n}")
    stacked = np.column_stack([np.asarray(data[r], float) for r in spec.roles + ("loss",)])
    if np.unique(stacked, axis=0).shape[0] == 1:
        raise ValueError(f"all {n} rows are identical: there is nothing to fit")
    if np.ptp(data["loss"]) == 0:
        raise ValueError(f"{_label(labels, 'loss')} is constant ({float(data['loss'][0]):g} in every row): "
                         f"there is no scaling to fit")
    for role, k in spec.min_distinct.items():
        distinct = np.unique(data[role]).size
        if distinct < k:
            raise ValueError(f"{_label(labels, role)} takes {distinct} distinct value{'s' if distinct != 1 else ''}; "
                             f"--form {form} needs at least {k}")


def fit_form(form: str, data: dict, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95,
             minimum: str = "akima", free=("R_D_star", "R_N_star"), labels: dict | None = None):
    """Check ``data`` (:func:`check_runs`) and fit ``form`` to it; returns the fitter's result object."""
    check_runs(form, data, labels)
    check_in("minimum", minimum, MINIMUM_METHODS)
    loss = data["loss"]
    common = dict(bootstrap=bootstrap, seed=seed, level=level)
    if form == "chinchilla":
        return fit_parametric(data["N"], data["D"], loss, **common)
    if form == "kaplan":
        return fit_kaplan_nd(data["N"], data["D"], loss, **common)
    if form == "gadre":
        return fit_gadre(data["N"], data["D"], loss, **common)
    if form == "data-constrained":
        for name in free:
            check_in("free", name, COEFFICIENTS)
        return fit_data_constrained(data["N"], data["D"], data["U"], loss, free=tuple(free), **common)
    if form == "powerlaw":
        return fit_power_law(data["x"], loss, **common)
    return fit_isoflop(data["N"], data["C"], loss, data.get("budget"), method=minimum, level=level)


def predict_form(form: str, fit, data: dict, *, level: float = 0.95, intervals: bool = True) -> list[dict]:
    """Predictions of a fitted ``form`` at the rows of ``data``, in their order, as JSON-ready dicts.

    Loss forms give ``{roles..., "loss", "low", "high"}`` with prediction
    intervals for one new run at ``level`` (when the fit has resamples and
    ``intervals``); ``isoflop`` gives ``{"C", "N_opt", "D_opt", "N_low",
    "N_high", "D_low", "D_high"}``.
    """
    check_in("form", form, tuple(FORMS))
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    spec = FORMS[form]
    for role in spec.targets:
        if role not in data:
            raise ValueError(f"{role}: a target row for --form {form} needs {', '.join(spec.targets)}")
    cols = [np.asarray(data[r], float).ravel() for r in spec.targets]
    has_draws = intervals and fit.bootstrap_params.shape[0] > 0
    if form == "isoflop":
        C = cols[0]
        N_opt, D_opt = fit.predict(C)
        out = [{"C": float(c), "N_opt": float(n), "D_opt": float(d)} for c, n, d in zip(C, N_opt, D_opt)]
        if has_draws:
            lo, hi = fit.predict_interval(C, level)
            for row, c, a, b in zip(out, C, lo, hi):
                row.update(N_low=float(a), N_high=float(b), D_low=float(c / (6 * b)), D_high=float(c / (6 * a)))
        return out
    pred = np.atleast_1d(fit.predict(*cols))
    out = [{**{r: float(v[i]) for r, v in zip(spec.targets, cols)}, "loss": float(pred[i])} for i in range(pred.size)]
    if has_draws:
        lo, hi = fit.predict_interval(*cols, level=level, new_run=True)
        for row, a, b in zip(out, np.atleast_1d(lo), np.atleast_1d(hi)):
            row.update(low=float(a), high=float(b))
    return out


def holdout_split(size, *, largest: int | None = None, above: float | None = None) -> np.ndarray:
    """Boolean mask of held-out runs: the ``largest`` distinct sizes (default 1), or every size > ``above``."""
    size = np.asarray(size, float).ravel()
    distinct = np.unique(size)
    if above is not None:
        above = check_scalar("above", above, low=0.0, low_inclusive=False)
        test = size > above
    else:
        largest = 1 if largest is None else check_scalar("largest", largest, low=1, integer=True)
        if largest >= distinct.size:
            raise ValueError(f"largest: holding out {largest} of {distinct.size} distinct sizes leaves none to fit on")
        test = size >= distinct[-largest]
    if not test.any():
        raise ValueError(f"above: no run is larger than {above:g}; nothing is held out")
    if test.all():
        raise ValueError(f"above: every run is larger than {above:g}; nothing is left to fit on")
    return test


def holdout(forms, data: dict, test, *, bootstrap: int = 0, seed: int = 0, level: float = 0.9,
            free=("R_D_star", "R_N_star"), labels: dict | None = None) -> list[dict]:
    """Fit each of ``forms`` on the runs outside ``test`` and score its predictions of the runs in it.

    Returns one dict per form, best (lowest mean absolute relative error)
    first: ``{"form", "mean_abs_error", "max_abs_error", "errors"}`` (errors
    are (predicted - actual) / actual, in the order of the held-out runs)
    plus ``"covered"``, the share of held-out runs inside their prediction
    intervals, when ``bootstrap`` > 0. A form that cannot be fitted to the
    training runs gets ``{"form", "error": why}`` and is listed last.
    """
    test = np.asarray(test, bool).ravel()
    train = {k: np.asarray(v)[~test] for k, v in data.items()}
    held = {k: np.asarray(v)[test] for k, v in data.items()}
    scored, failed = [], []
    for form in forms:
        check_in("forms", form, LOSS_FORMS)
        try:
            fit = fit_form(form, train, bootstrap=bootstrap, seed=seed, level=level, free=free, labels=labels)
        except ValueError as why:
            failed.append({"form": form, "error": str(why)})
            continue
        rows = predict_form(form, fit, held, level=level)
        pred = np.array([r["loss"] for r in rows])
        err = (pred - held["loss"]) / held["loss"]
        out = {"form": form, "mean_abs_error": float(np.mean(np.abs(err))), "max_abs_error": float(np.max(np.abs(err))),
               "errors": [float(e) for e in err]}
        if bootstrap:
            inside = [r["low"] <= y <= r["high"] for r, y in zip(rows, held["loss"])]
            out["covered"] = float(np.mean(inside))
        scored.append(out)
    scored.sort(key=lambda d: d["mean_abs_error"])
    return scored + failed
