"""Fit the scaling laws to a preset's results: the JSON behind ``scalinglaws lab report``.

Uses the library's fitters: :func:`scalinglaws.powerlaw.fit_power_law` for
L(N), :func:`scalinglaws.chinchilla.fit_isoflop` (Approach 2) and
:func:`scalinglaws.chinchilla.fit_parametric` (Approach 3) for the IsoFLOP
runs. Every exponent comes with a bootstrap percentile interval.
"""

from __future__ import annotations

import math

import numpy as np

from scalinglaws._validation import check_scalar
from scalinglaws.constants import CHINCHILLA, KAPLAN_TABLE5

__all__ = ["runs_table", "fit_l_n", "fit_isoflop_runs", "report"]


def runs_table(records: list[dict], experiment: str) -> dict:
    """Columns (NumPy arrays) of one experiment's runs: N, N_total, D, C, L, budget, shape."""
    recs = [r for r in records if r["experiment"] == experiment]
    col = {
        "N": np.array([r["result"]["n_params_nonembedding"] for r in recs], float),
        "N_total": np.array([r["result"]["n_params_nonembedding"] + r["result"]["n_params_embedding"]
                             for r in recs], float),
        "D": np.array([r["result"]["tokens"] for r in recs], float),
        "C": np.array([r["result"]["flops"] for r in recs], float),
        "L": np.array([r["result"]["final_val_loss"] for r in recs], float),
        "budget": np.array([r["tags"].get("budget", np.nan) for r in recs], float),
        "shape": [r["tags"].get("shape", "") for r in recs],
    }
    return col


def _interval(fit, name):
    iv = fit.intervals.get(name)
    return None if iv is None else [float(iv[0]), float(iv[1])]


def fit_l_n(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """L(N) = E + A N^-alpha on the ``L_N`` runs, plus the pure power law (Kaplan's form, no E)."""
    from scalinglaws.powerlaw import fit_power_law

    t = runs_table(records, "L_N")
    if t["N"].size < 4:
        raise ValueError(f"records: L(N) needs at least 4 runs, got {t['N'].size}")
    with_e = fit_power_law(t["N"], t["L"], offset=True, bootstrap=bootstrap, seed=seed)
    no_e = fit_power_law(t["N"], t["L"], offset=False, bootstrap=bootstrap, seed=seed)
    return {
        "n_runs": int(t["N"].size),
        "decades_of_N": float(math.log10(t["N"].max() / t["N"].min())),
        "tokens": float(np.median(t["D"])),
        "with_E": {"alpha": with_e.alpha, "alpha_ci": _interval(with_e, "alpha"), "E": with_e.E,
                   "E_ci": _interval(with_e, "E"), "A": with_e.A, "r2": with_e.r2},
        "pure_power_law": {"alpha": no_e.alpha, "alpha_ci": _interval(no_e, "alpha"), "A": no_e.A,
                           "r2": no_e.r2},
        "published": {"kaplan_alpha_N": KAPLAN_TABLE5.alpha_N, "chinchilla_alpha": CHINCHILLA.alpha},
    }


def fit_isoflop_runs(records: list[dict], *, bootstrap: int = 200, seed: int = 0,
                     count: str = "nonembedding") -> dict:
    """Approach 2 (IsoFLOP parabolas) and Approach 3 (parametric fit) on the ``isoflop`` runs.

    ``count``: ``"nonembedding"`` (Kaplan's N) or ``"total"`` (Chinchilla's N).
    """
    from scalinglaws.chinchilla import fit_isoflop, fit_parametric

    if count not in ("nonembedding", "total"):
        raise ValueError(f"count must be 'nonembedding' or 'total', got {count!r}")
    t = runs_table(records, "isoflop")
    if t["N"].size < 6:
        raise ValueError(f"records: IsoFLOP fits need at least 6 runs, got {t['N'].size}")
    N = t["N"] if count == "nonembedding" else t["N_total"]
    note = None
    try:
        approach2 = fit_isoflop(N, t["C"], t["L"], budget=t["budget"], bootstrap=bootstrap, seed=seed)
    except OverflowError:  # a degenerate resample (flat parabola) overflowed: report the point fit only
        approach2 = fit_isoflop(N, t["C"], t["L"], budget=t["budget"], bootstrap=0)
        note = "bootstrap failed on a degenerate resample; no interval"
    profiles = []
    for b in np.unique(t["budget"]):
        m = t["budget"] == b
        x, y = np.log(N[m]), t["L"][m]
        coef = np.polyfit(x, y, 2)
        resid = y - np.polyval(coef, x)
        r2 = 1.0 - float(np.sum(resid**2)) / float(np.sum((y - y.mean()) ** 2))
        x_opt = -coef[1] / (2 * coef[0]) if coef[0] > 0 else float("nan")
        profiles.append({"budget": float(b), "n_sizes": int(m.sum()), "parabola_r2": r2,
                         "N_opt": float(np.exp(x_opt)), "bracketed": bool(x.min() < x_opt < x.max()),
                         "best_run_N": float(N[m][np.argmin(y)]), "best_run_L": float(y.min())})
    lc, ln_opt = np.log([p_["budget"] for p_ in profiles]), np.log([p_["N_opt"] for p_ in profiles])
    frontier_r2 = float(np.corrcoef(lc, ln_opt)[0, 1] ** 2) if np.all(np.isfinite(ln_opt)) else float("nan")
    out = {"count": count, "n_runs": int(N.size), "n_budgets": int(np.unique(t["budget"]).size),
           "profiles": profiles, "frontier_r2": frontier_r2,
           "approach2": {"a": approach2.a, "a_ci": _interval(approach2, "a"), "b": approach2.b,
                         "b_ci": _interval(approach2, "b"),
                         "C": approach2.C.tolist(), "N_opt": approach2.N_opt.tolist(), "note": note}}
    try:
        approach3 = fit_parametric(N, t["D"], t["L"], bootstrap=min(bootstrap, 50), seed=seed)
        out["approach3"] = {"a": approach3.a, "a_ci": _interval(approach3, "a"), "b": approach3.b,
                            "b_ci": _interval(approach3, "b"), "alpha": approach3.alpha,
                            "beta": approach3.beta, "E": approach3.E, "converged": bool(approach3.converged)}
    except ValueError as exc:  # too few runs for five parameters
        out["approach3"] = {"error": str(exc)}
    a_pub, b_pub = CHINCHILLA.beta / (CHINCHILLA.alpha + CHINCHILLA.beta), \
        CHINCHILLA.alpha / (CHINCHILLA.alpha + CHINCHILLA.beta)
    out["published"] = {"chinchilla_approach3_a": a_pub, "chinchilla_approach3_b": b_pub}
    return out


def report(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """All fits for the experiments present in ``records`` (a failing fit is reported, not raised)."""
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    experiments = sorted({r["experiment"] for r in records})
    out = {"n_runs": len(records), "experiments": {}}
    jobs = [("L_N", fit_l_n, {}), ("isoflop", fit_isoflop_runs, {}),
            ("isoflop_total_params", fit_isoflop_runs, {"count": "total"})]
    for name, fitter, kwargs in jobs:
        if name.split("_total")[0] not in experiments:
            continue
        try:
            # bootstrap resamples of a handful of tiny-model runs can be degenerate; those
            # resamples are skipped by the fitters, and their overflow warnings are noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                out["experiments"][name] = fitter(records, bootstrap=bootstrap, seed=seed, **kwargs)
        except (ValueError, OverflowError, FloatingPointError) as exc:
            out["experiments"][name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def explore_l_n(records: list[dict], N_min: float = 0.0, N_max: float = math.inf, offset: bool = True,
                count: str = "nonembedding", n_grid: int = 100) -> dict:
    """The explorer behind the lab chapter's L(N) widget: refit L(N) on the runs with N_min <= N <= N_max.

    ``count`` picks Kaplan's non-embedding N or the total parameter count;
    ``offset`` fits ``E + A N^-alpha`` (True) or ``A N^-alpha``. Returns the
    runs used (``N``, ``L``), the fitted curve on ``n_grid`` points
    (``N_grid``, ``L_fit``) and ``alpha``, ``E``, ``r2``.
    """
    from scalinglaws.powerlaw import fit_power_law

    N_min = check_scalar("N_min", N_min, low=0)
    if not (isinstance(N_max, (int, float)) and not isinstance(N_max, bool) and N_max > N_min):
        raise ValueError(f"N_max must be a number larger than N_min={N_min}, got {N_max!r}")
    if count not in ("nonembedding", "total"):
        raise ValueError(f"count must be 'nonembedding' or 'total', got {count!r}")
    n_grid = check_scalar("n_grid", n_grid, low=2, integer=True)
    t = runs_table(records, "L_N")
    N = t["N"] if count == "nonembedding" else t["N_total"]
    keep = (N >= N_min) & (N <= N_max)
    need = 4 if offset else 3
    if keep.sum() < need:
        raise ValueError(f"N_min, N_max: keep at least {need} runs for this fit, got {int(keep.sum())}")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fit = fit_power_law(N[keep], t["L"][keep], offset=bool(offset))
    grid = np.geomspace(N[keep].min() / 1.5, N[keep].max() * 1.5, n_grid)
    return {"N": N[keep], "L": t["L"][keep], "N_grid": grid, "L_fit": fit.E + fit.A * grid ** -fit.alpha,
            "alpha": float(fit.alpha), "E": float(fit.E), "r2": float(fit.r2), "count": count,
            "offset": bool(offset)}
