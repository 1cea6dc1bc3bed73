"""Fit the scaling laws to a preset's results: the JSON behind ``scalinglaws lab report``.

One function per experiment, each built on the library's own fitters:

* :func:`fit_l_n` -- L(N) (:func:`scalinglaws.fit_power_law`);
* :func:`fit_isoflop_runs` -- Approach 2 (:func:`scalinglaws.fit_isoflop`) and
  Approach 3 (:func:`scalinglaws.fit_parametric`), untuned or with
  each run's best learning rate (:func:`tuned_isoflop_records`);
* :func:`fit_critical_batch` -- the steps/examples trade-off
  (:func:`scalinglaws.fit_tradeoff`) at several target losses and the
  measured gradient noise scale;
* :func:`fit_finite_data` -- the overfitting indicator against N^0.74/D
  (:func:`scalinglaws.early_stopping.overfitting_ratio`) and repetition;
* :func:`fit_learning_curves` -- Kaplan's L(N, S) fitted on the early part of
  the L(N) runs, used to predict their final losses;
* :func:`counting` -- the same runs with total or non-embedding parameters;
* :func:`fit_overtraining` -- the compute a smaller model needs to match a
  compute-optimal one, measured and predicted by the runs' own Approach-3 law;
* :func:`fit_mup` -- the best learning rate per width under the standard
  parametrisation and under μP, and its drift
  (:func:`scalinglaws.fitting.lr_transfer.fit_lr_transfer`);
* :func:`fit_emergence` -- per-byte accuracy, log-loss and k-byte exact match
  of a ladder of sizes, and their loss on text of another kind against the
  in-distribution loss;
* :func:`fit_schedules` -- warmup-stable-decay against cosine runs at several
  lengths, and what the WSD branches share.

Every exponent comes with a bootstrap percentile interval.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import curve_fit, least_squares

from scalinglaws._validation import check_scalar
from scalinglaws.constants import CHINCHILLA, KAPLAN_LND, KAPLAN_LNS, KAPLAN_TABLE5, ParametricLoss
from scalinglaws.data_constrained import repetition_value
from scalinglaws.early_stopping import overfitting_ratio
from scalinglaws.fitting.frontier import fit_isoflop
from scalinglaws.fitting.lr_transfer import fit_lr_transfer
from scalinglaws.fitting.parametric import fit_parametric
from scalinglaws.fitting.powerlaw import fit_power_law
from scalinglaws.fitting.tradeoff import fit_tradeoff
from scalinglaws.hyperparameters import schedule_family_cost
from scalinglaws.overtraining import iso_loss_tokens

__all__ = ["runs_table", "fit_l_n", "fit_isoflop_runs", "tuned_isoflop_records", "fit_critical_batch",
           "steps_to_loss", "fit_finite_data", "fit_learning_curves", "counting", "fit_overtraining", "report",
           "explore_l_n", "fit_mup", "fit_emergence", "fit_schedules"]


def runs_table(records: list[dict], experiment: str) -> dict:
    """Columns (NumPy arrays) of one experiment's runs: N, N_total, D, C, L, budget, lr, fpt, shape."""
    recs = [r for r in records if r["experiment"] == experiment]
    col = {
        "N": np.array([r["result"]["n_params_nonembedding"] for r in recs], float),
        "N_total": np.array([r["result"]["n_params_nonembedding"] + r["result"]["n_params_embedding"]
                             for r in recs], float),
        "D": np.array([r["result"]["tokens"] for r in recs], float),
        "C": np.array([r["result"]["flops"] for r in recs], float),
        "L": np.array([r["result"]["final_val_loss"] for r in recs], float),
        "budget": np.array([r["tags"].get("budget", np.nan) for r in recs], float),
        "lr": np.array([r.get("train", {}).get("lr", np.nan) for r in recs], float),
        "fpt": np.array([r["result"].get("flops_per_token", np.nan) for r in recs], float),
        "shape": [r["tags"].get("shape", "") for r in recs],
    }
    return col


def _interval(fit, name):
    iv = fit.intervals.get(name)
    return None if iv is None else [float(iv[0]), float(iv[1])]


def fit_l_n(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """L(N) = E + A N^-alpha on the ``L_N`` runs, plus the pure power law (Kaplan's form, no E)."""
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


def tuned_isoflop_records(records: list[dict]) -> list[dict]:
    """For each (budget, shape) of the ``isoflop`` runs, the run with the lowest final loss over all rates.

    Candidates are the ``isoflop`` run and its ``isoflop_lr`` siblings (same
    budget and shape, other learning rates). The chosen records are returned
    as ``isoflop`` records, so :func:`fit_isoflop_runs` fits them unchanged.
    """
    best = {}
    for r in records:
        if r["experiment"] not in ("isoflop", "isoflop_lr"):
            continue
        group = (r["tags"].get("budget"), r["tags"].get("shape"))
        if group not in best or r["result"]["final_val_loss"] < best[group]["result"]["final_val_loss"]:
            best[group] = r
    return [dict(r, experiment="isoflop") for r in best.values()]


def fit_isoflop_runs(records: list[dict], *, bootstrap: int = 200, seed: int = 0,
                     count: str = "nonembedding", tuned: bool = False) -> dict:
    """Approach 2 (IsoFLOP parabolas) and Approach 3 (parametric fit) on the ``isoflop`` runs.

    ``count``: ``"nonembedding"`` (Kaplan's N) or ``"total"`` (Chinchilla's N).
    ``tuned``: use each (budget, size)'s best learning rate
    (:func:`tuned_isoflop_records`) instead of the preset's single rate.
    """
    if count not in ("nonembedding", "total"):
        raise ValueError(f"count must be 'nonembedding' or 'total', got {count!r}")
    if tuned:
        records = tuned_isoflop_records(records)
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
    out = {"count": count, "tuned": bool(tuned), "n_runs": int(N.size), "n_budgets": int(np.unique(t["budget"]).size),
           "lr": t["lr"].tolist(), "shape": t["shape"], "budget": t["budget"].tolist(), "L": t["L"].tolist(),
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


def steps_to_loss(curve: list[dict], target: float) -> float | None:
    """Steps at which a validation curve first reaches ``target`` (interpolated in log steps), else None.

    None also when the first evaluation is already below ``target``: the
    crossing is then not bracketed by two measurements.
    """
    for prev, point in zip(curve, curve[1:]):
        if point["val_loss"] <= target < prev["val_loss"]:
            frac = (prev["val_loss"] - target) / (prev["val_loss"] - point["val_loss"])
            return float(prev["step"] * (point["step"] / prev["step"]) ** frac)  # linear in log steps
        if prev["val_loss"] <= target:
            return None
    return None


def fit_critical_batch(records: list[dict], *, n_targets: int = 5, span: float = 0.4, bootstrap: int = 200,
                       confidence: float = 0.9, seed: int = 0) -> dict:
    """The steps-examples trade-off of the ``batch`` runs at ``n_targets`` losses, and the noise scale.

    The common range of losses runs from the highest loss every run crosses
    after its first evaluation down to the lowest loss every run reaches.
    Targets are spaced evenly over the lower ``span`` of that range: early in
    training the step counts are dominated by the warm-up (a fixed fraction
    of each run, so a different number of steps per batch size) and by a
    plateau near the byte-unigram loss where the large batches stall, and
    the trade-off describes neither. At each
    target, McCandlish et al.'s S = S_min (1 + B_crit/B) is fitted by
    :func:`scalinglaws.fit_tradeoff` (B in sequences, bootstrap
    interval at ``confidence``). Kaplan's B_crit(L) = B*/L^(1/alpha_B) is then fitted
    across targets (least squares in logs), and the gradient noise scale
    B_simple measured during the runs is interpolated to each target
    (a straight line through log B_simple against log L).
    """
    n_targets = check_scalar("n_targets", n_targets, low=2, integer=True)
    span = check_scalar("span", span, low=0, high=1, low_inclusive=False)
    recs = sorted((r for r in records if r["experiment"] == "batch"), key=lambda r: r["train"]["batch_size"])
    if len({r["train"]["batch_size"] for r in recs}) < 3:
        raise ValueError(f"records: the batch experiment needs at least 3 batch sizes, got {len(recs)} runs")
    curves = [r["result"]["curve"] for r in recs]
    hi = min(c[0]["val_loss"] for c in curves)  # every run starts above this
    lo = max(min(p["val_loss"] for p in c) for c in curves)  # every run gets below this
    if not lo < hi:
        raise ValueError("records: no loss is crossed by every batch-size run; train the large batches longer")
    pad = 0.02 * (hi - lo)
    targets = np.linspace(lo + span * (hi - lo), lo + pad, n_targets)
    n_ctx = recs[0]["model"]["n_ctx"]
    fits = []
    for k, target in enumerate(targets):
        S, B = [], []
        for r, c in zip(recs, curves):
            s = steps_to_loss(c, float(target))
            if s is not None:
                S.append(s)
                B.append(r["train"]["batch_size"])
        S, B = np.array(S), np.array(B, float)
        entry = {"target": float(target), "batch": B.tolist(), "steps": S.tolist(), "examples": (S * B).tolist()}
        if np.unique(B).size >= 3:
            f = fit_tradeoff(S, S * B, n_bootstrap=bootstrap, confidence=confidence, seed=seed + k)
            entry.update({"S_min": f.S_min, "D_min": f.D_min, "B_crit": f.B_crit,
                          "B_crit_ci": None if f.B_crit_interval is None else list(f.B_crit_interval),
                          "B_crit_tokens": f.B_crit * n_ctx, "rms_log_residual": f.rms_log_residual})
        fits.append(entry)
    ok = [f for f in fits if "B_crit" in f]
    out = {"shape": recs[0]["tags"].get("shape", ""), "n_ctx": n_ctx, "confidence": confidence,
           "n_params_nonembedding": recs[0]["result"]["n_params_nonembedding"],
           "batch_sizes": [r["train"]["batch_size"] for r in recs], "lrs": [r["train"]["lr"] for r in recs],
           "curves": [[(p["step"], p["val_loss"]) for p in c] for c in curves], "targets": fits}
    if len(ok) >= 2:
        slope, intercept = np.polyfit(np.log([f["target"] for f in ok]), np.log([f["B_crit"] for f in ok]), 1)
        out["kaplan_fit"] = {"alpha_B": float(-1.0 / slope) if slope < 0 else None,
                             "B_star": float(np.exp(intercept)), "slope": float(slope)}
    # the noise scale measured along every run, pooled
    pts = [(p["val_loss"], p["noise"]["b_simple"]) for c in curves for p in c
           if "noise" in p and p["noise"].get("b_simple") is not None and p["noise"]["b_simple"] > 0]
    out["noise"] = {"val_loss": [v for v, _ in pts], "b_simple": [b for _, b in pts]}
    if len(pts) >= 3:
        lv, lb = np.log([v for v, _ in pts]), np.log([b for _, b in pts])
        slope, intercept = np.polyfit(lv, lb, 1)
        out["noise"]["slope"] = float(slope)
        for f in ok:
            f["B_simple"] = float(np.exp(intercept + slope * math.log(f["target"])))
            f["B_crit_over_B_simple"] = f["B_crit"] / f["B_simple"]
    out["published"] = {"kaplan_alpha_B": KAPLAN_TABLE5.alpha_B, "kaplan_B_star_tokens": KAPLAN_TABLE5.B_star}
    return out


def fit_finite_data(records: list[dict]) -> dict:
    """Early stopping and repetition on the ``finite_data`` runs.

    For each shape the run on fresh text (``unique_bytes`` 0) gives the
    reference loss L(N, inf) at the same number of tokens. Each run on U
    unique bytes gives its early-stopped loss (the lowest validation loss
    along its curve), its final loss, its epochs (tokens / U), Kaplan's
    overfitting indicator dL = L_early / L(N, inf) - 1 and his variable
    x = N^0.74 / U. Kaplan's form dL = (1 + c x)^alpha_D - 1 (Eq. 4.3 with the
    N and D dependence through x only) is fitted to all shapes at once with
    ``scipy.optimize.curve_fit``.
    """
    recs = [r for r in records if r["experiment"] == "finite_data"]
    refs = {r["tags"]["shape"]: r for r in recs if r["tags"]["unique_bytes"] == 0}
    rows = []
    for r in recs:
        U = r["tags"]["unique_bytes"]
        ref = refs.get(r["tags"]["shape"])
        if U == 0 or ref is None:
            continue
        curve = r["result"]["curve"]
        i_min = int(np.argmin([p["val_loss"] for p in curve]))
        L_ref = min(p["val_loss"] for p in ref["result"]["curve"])
        N = r["result"]["n_params_nonembedding"]
        epochs = r["result"]["tokens"] / U
        L_early = curve[i_min]["val_loss"]
        rows.append({"shape": r["tags"]["shape"], "N": N, "unique_bytes": U, "epochs": epochs,
                     "L_ref": L_ref, "L_early": L_early, "L_final": curve[-1]["val_loss"],
                     "turn_up": curve[-1]["val_loss"] - L_early, "best_step": curve[i_min]["step"],
                     "steps": r["result"]["steps"], "delta_L": L_early / L_ref - 1.0,
                     "delta_L_final": curve[-1]["val_loss"] / L_ref - 1.0,
                     "x": float(overfitting_ratio(N, U)),
                     "muennighoff_value": float(repetition_value(max(1.0, epochs)))})
    if not rows:
        raise ValueError("records: the finite-data experiment needs a run on U bytes and a fresh-text reference")
    x = np.array([r_["x"] for r_ in rows])
    y = np.array([r_["delta_L"] for r_ in rows])

    def kaplan(x_, c, alpha_d):
        return (1.0 + c * x_) ** alpha_d - 1.0

    out = {"runs": rows, "n_runs": len(rows), "published": {"kaplan_alpha_D": KAPLAN_LND.alpha_D}}
    if len(rows) < 3:
        out["kaplan_fit"] = {"error": f"needs at least 3 runs on finite data, got {len(rows)}"}
        return out
    try:
        # several starts: for small c x the law is nearly linear (only c alpha_D is pinned down)
        # and a single start can stop on a flat ridge
        best = None
        for a0 in (0.1, 0.3, 1.0, 3.0):
            c0 = float(np.median(np.clip(y, 1e-6, None) / (a0 * x)))
            try:
                popt, cov = curve_fit(kaplan, x, y, p0=[c0, a0], bounds=([0, 1e-3], [np.inf, 10]), maxfev=20000)
            except RuntimeError:
                continue
            sse = float(np.sum((y - kaplan(x, *popt)) ** 2))
            if best is None or sse < best[0]:
                best = (sse, popt, cov)
        if best is None:
            raise RuntimeError("curve_fit did not converge from any start")
        _, (c, alpha_d), cov = best
        resid = y - kaplan(x, c, alpha_d)
        r2 = 1.0 - float(np.sum(resid**2)) / float(np.sum((y - y.mean()) ** 2))
        sd = np.sqrt(np.diag(cov)) if np.all(np.isfinite(cov)) else [float("nan")] * 2
        out["kaplan_fit"] = {"c": float(c), "alpha_D": float(alpha_d), "alpha_D_se": float(sd[1]), "r2": r2}
    except (RuntimeError, ValueError) as exc:
        out["kaplan_fit"] = {"error": str(exc)}
    return out


def _kaplan_ns(p, logN, logS):
    # log of (N_c/N)^alpha_N + (S_c/S)^alpha_S, parameters (log N_c, alpha_N, log S_c, alpha_S)
    return np.logaddexp(p[1] * (p[0] - logN), p[3] * (p[2] - logS))


def fit_learning_curves(records: list[dict], *, fit_fraction: float = 0.5) -> dict:
    """Kaplan's L(N, S) (Eq. 1.6) fitted to the first ``fit_fraction`` of every ``L_N`` curve.

    L(N, S) = (N_c/N)^alpha_N + (S_c/S)^alpha_S, least squares on log L with
    ``scipy.optimize.least_squares``, on the validation points with
    S <= fit_fraction x (steps of the run). The fit then predicts each run's
    final loss; ``relative_error`` is predicted / measured - 1. The same form
    fitted to every point is returned as ``all_points`` for comparison.
    """
    fit_fraction = check_scalar("fit_fraction", fit_fraction, low=0, high=1, low_inclusive=False)
    recs = sorted((r for r in records if r["experiment"] == "L_N"), key=lambda r: r["result"]["n_params_nonembedding"])
    pts, finals = [], []
    for r in recs:
        n, steps = r["result"]["n_params_nonembedding"], r["result"]["steps"]
        for p in r["result"]["curve"]:
            pts.append((n, p["step"], p["val_loss"], p["step"] <= fit_fraction * steps))
        finals.append((n, steps, r["result"]["final_val_loss"]))
    pts = np.array(pts, float)
    early = pts[pts[:, 3] > 0]
    if early.shape[0] < 6 or np.unique(early[:, 0]).size < 2:
        raise ValueError("records: L(N, S) needs at least 6 early points from 2 model sizes "
                         f"(got {early.shape[0]}); add evaluations or runs")

    def fit(rows):
        logN, logS, logL = np.log(rows[:, 0]), np.log(rows[:, 1]), np.log(rows[:, 2])
        start = np.array([np.log(rows[:, 0].max()) + 20, 0.08, np.log(rows[:, 1].min()), 0.5])
        res = least_squares(lambda p: _kaplan_ns(p, logN, logS) - logL, start,
                            bounds=([-50, 1e-3, -50, 1e-3], [500, 5, 100, 5]))
        return res.x, float(np.sqrt(np.mean(res.fun**2)))

    p_early, rms_early = fit(early)
    p_all, rms_all = fit(pts)
    finals = np.array(finals, float)
    pred = np.exp(_kaplan_ns(p_early, np.log(finals[:, 0]), np.log(finals[:, 1])))
    rel = pred / finals[:, 2] - 1.0

    def params(p):
        return {"N_c": float(np.exp(p[0])), "alpha_N": float(p[1]), "S_c": float(np.exp(p[2])), "alpha_S": float(p[3])}

    return {"fit_fraction": fit_fraction, "n_fit_points": int(early.shape[0]), "early": params(p_early),
            "rms_log_residual": rms_early, "all_points": {**params(p_all), "rms_log_residual": rms_all},
            "N": finals[:, 0].tolist(), "steps": finals[:, 1].tolist(), "final": finals[:, 2].tolist(),
            "predicted": pred.tolist(), "relative_error": rel.tolist(),
            "max_abs_relative_error": float(np.max(np.abs(rel))),
            "published": {"kaplan_alpha_N": KAPLAN_LNS.alpha_N, "kaplan_alpha_S": KAPLAN_LNS.alpha_S}}


def counting(records: list[dict], *, bootstrap: int = 200, seed: int = 0, isoflop_fits: dict | None = None) -> dict:
    """The same runs analysed with non-embedding (Kaplan) and total (Chinchilla) parameter counts.

    L(N)'s alpha from the ``L_N`` runs and the IsoFLOP exponent a (Approach 3,
    untuned) under each count; the shift between them is the counting effect
    of Pearce & Song (2024) and Porian et al. (2024). ``isoflop_fits``
    ({count: fit_isoflop_runs result}) reuses fits already made.
    """
    out = {}
    t = runs_table(records, "L_N")
    if t["N"].size >= 4:
        for count, N in (("nonembedding", t["N"]), ("total", t["N_total"])):
            f = fit_power_law(N, t["L"], offset=False, bootstrap=bootstrap, seed=seed)
            out[f"alpha_{count}"] = f.alpha
            out[f"alpha_{count}_ci"] = _interval(f, "alpha")
        order = np.argsort(t["N"])
        out["N"] = t["N"][order].tolist()
        out["embedding_share"] = (1.0 - t["N"] / t["N_total"])[order].tolist()
    for count in ("nonembedding", "total"):
        iso = (isoflop_fits or {}).get(count) or fit_isoflop_runs(records, bootstrap=bootstrap, seed=seed, count=count)
        out[f"a_{count}"] = iso["approach3"].get("a")
        out[f"a_{count}_ci"] = iso["approach3"].get("a_ci")
        out[f"a2_{count}"] = iso["approach2"]["a"]
    return out


def fit_overtraining(records: list[dict], *, count: str = "total", tuned: bool = False) -> dict:
    """What it costs a smaller model to match the loss of each IsoFLOP budget's best run.

    For every budget C_ref, the reference is the budget's lowest-loss run
    (N_ref, L_ref). Every smaller size with runs at several budgets is a
    candidate: the compute C at which it reaches L_ref is interpolated along
    its own runs (linearly in log C), giving the overhead C / C_ref, its
    tokens per parameter, and the inference tokens after which its cheaper
    forward pass (2 N FLOPs per token) repays the extra training. The
    runs' own Approach-3 law (``count`` parameters) predicts the same overhead.
    """
    if count not in ("nonembedding", "total"):
        raise ValueError(f"count must be 'nonembedding' or 'total', got {count!r}")
    recs = tuned_isoflop_records(records) if tuned else records
    t = runs_table(recs, "isoflop")
    if t["N"].size < 6:
        raise ValueError(f"records: overtraining needs at least 6 IsoFLOP runs, got {t['N'].size}")
    N = t["N"] if count == "nonembedding" else t["N_total"]
    fit = fit_parametric(N, t["D"], t["L"])
    law = ParametricLoss(fit.E, fit.A, fit.B, fit.alpha, fit.beta, source="this sweep's Approach 3")
    shapes = sorted(set(t["shape"]), key=lambda s_: N[t["shape"].index(s_)])
    rows = []
    for b in np.unique(t["budget"]):
        m = np.flatnonzero(t["budget"] == b)
        ref = m[np.argmin(t["L"][m])]
        for shape in shapes:
            idx = [i for i, s_ in enumerate(t["shape"]) if s_ == shape]
            if N[idx[0]] >= N[ref] or len(idx) < 2:
                continue
            idx.sort(key=lambda i: t["C"][i])
            C_s, L_s = t["C"][idx], t["L"][idx]
            C_match = None
            for k in range(len(idx) - 1):
                if L_s[k] > t["L"][ref] >= L_s[k + 1]:
                    w = (L_s[k] - t["L"][ref]) / (L_s[k] - L_s[k + 1])
                    C_match = float(np.exp(np.log(C_s[k]) + w * (np.log(C_s[k + 1]) - np.log(C_s[k]))))
                    break
            try:
                D_pred = float(iso_loss_tokens(N[idx[0]], t["L"][ref], law))
                C_pred = D_pred * t["fpt"][idx[0]]
            except ValueError:  # the law says this size never reaches L_ref
                C_pred = None
            row = {"budget": float(b), "ref_shape": t["shape"][ref], "N_ref": float(N[ref]),
                   "L_ref": float(t["L"][ref]), "C_ref": float(t["C"][ref]), "shape": shape, "N": float(N[idx[0]]),
                   "size_ratio": float(N[idx[0]] / N[ref]), "C_match": C_match,
                   "overhead": None if C_match is None else C_match / float(t["C"][ref]),
                   "overhead_predicted": None if C_pred is None else float(C_pred / t["C"][ref])}
            if C_match is not None:
                D_match = C_match / t["fpt"][idx[0]]
                row["tokens_per_param"] = float(D_match / N[idx[0]])
                row["ref_tokens_per_param"] = float(t["D"][ref] / N[ref])
                saving = 2.0 * (float(N[ref]) - float(N[idx[0]]))  # forward FLOPs saved per inference token
                row["break_even_inference_tokens"] = (C_match - float(t["C"][ref])) / saving
            rows.append(row)
    matched = [r_ for r_ in rows if r_["overhead"] is not None]
    return {"count": count, "tuned": bool(tuned), "rows": rows, "n_matched": len(matched),
            "law": {"E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha, "beta": fit.beta}}


def report(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """All fits for the experiments present in ``records`` (a failing fit is reported, not raised)."""
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    experiments = sorted({r["experiment"] for r in records})
    out = {"n_runs": len(records), "experiments": {}}
    b = {"bootstrap": bootstrap, "seed": seed}
    jobs = [("L_N", "L_N", fit_l_n, b),
            ("isoflop", "isoflop", fit_isoflop_runs, b),
            ("isoflop_total_params", "isoflop", fit_isoflop_runs, {**b, "count": "total"}),
            ("isoflop_tuned", "isoflop_lr", fit_isoflop_runs, {**b, "tuned": True}),
            ("isoflop_tuned_total_params", "isoflop_lr", fit_isoflop_runs, {**b, "tuned": True, "count": "total"}),
            ("critical_batch", "batch", fit_critical_batch, b),
            ("finite_data", "finite_data", fit_finite_data, {}),
            ("learning_curves", "L_N", fit_learning_curves, {}),
            ("counting", "isoflop", counting, {**b, "isoflop_fits": None}),
            ("overtraining", "isoflop", fit_overtraining, {}),
            ("mup", "mup", fit_mup, {}),
            ("emergence", "emergence", fit_emergence, {}),
            ("schedules", "wsd", fit_schedules, {})]
    for name, needs, fitter, kwargs in jobs:
        if needs not in experiments:
            continue
        if name == "counting":
            done = {"nonembedding": out["experiments"].get("isoflop"),
                    "total": out["experiments"].get("isoflop_total_params")}
            kwargs = {**kwargs, "isoflop_fits": {k: v for k, v in done.items() if v and "error" not in v}}
        try:
            # bootstrap resamples of a handful of tiny-model runs can be degenerate; those
            # resamples are skipped by the fitters, and their overflow warnings are noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                out["experiments"][name] = fitter(records, **kwargs)
        except (ValueError, OverflowError, FloatingPointError, RuntimeError) as exc:
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


def fit_mup(records: list[dict]) -> dict:
    """The ``mup`` runs: final loss against learning rate per width, best rate per width and its drift.

    For each parametrisation (``"standard"``, ``"mup"``): ``widths``,
    ``lr_opt`` (the vertex of a local parabola in log rate,
    :func:`~scalinglaws.fitting.lr_transfer.best_learning_rate`), ``loss_opt``,
    ``at_edge``, ``drift`` (best rate of the widest over the narrowest model)
    and ``exponent`` k of best rate ~ width^-k, plus every run's ``grid``
    (``{width: {"lr": [...], "loss": [...]}}``). ``drift_ratio`` is the
    standard drift over the μP drift. At the μP base width the two
    parametrisations are one model, so the standard runs of that width
    stand in the μP row too.
    """
    recs = [r for r in records if r["experiment"] == "mup"]
    if not recs:
        raise ValueError("records: no runs of the mup experiment")
    bases = {r["model"]["base_width"] for r in recs if r["model"].get("parametrization") == "mup"}
    if len(bases) > 1:
        raise ValueError(f"records: the mup runs have several base widths {sorted(bases)}")
    out: dict = {"base_width": bases.pop() if bases else None}
    for par in ("standard", "mup"):
        # at the base width muP is the standard model: its standard runs serve both rows
        rows = sorted(((r["model"]["d_model"], r["train"]["lr"], r["result"]["final_val_loss"])
                       for r in recs if r["model"].get("parametrization", "standard") == par
                       or (par == "mup" and r["model"]["d_model"] == out["base_width"])))
        if not rows:
            raise ValueError(f"records: no mup-experiment runs under the {par} parametrisation")
        width, lr, loss = (np.array(c, float) for c in zip(*rows))
        fit = fit_lr_transfer(width, lr, loss)
        grid = {str(int(w)): {"lr": lr[width == w].tolist(), "loss": loss[width == w].tolist()}
                for w in np.unique(width)}
        out[par] = {**fit.to_dict(), "grid": grid, "n_runs": len(rows)}
    out["drift_ratio"] = out["standard"]["drift"] / out["mup"]["drift"]
    return out


def fit_emergence(records: list[dict]) -> dict:
    """The ``emergence`` runs: smooth and all-or-nothing metrics of one ladder of sizes, and transfer.

    ``runs`` (sorted by N, non-embedding parameters): ``shape``, ``N``,
    ``N_total``, final validation ``loss``, and on the continuation bytes of
    fixed validation windows ``accuracy``, ``continuation_loss`` (nats/byte)
    and ``exact_match`` (entry k - 1: share of windows whose first k bytes
    greedy decoding gets all right), ``exact_match_if_independent``
    (accuracy ** k), and the final loss on text of another kind
    (``ood_loss``). ``transfer``: ``ood_loss = offset + slope x loss`` by
    least squares over every evaluation of every run (Kaplan et al. 2020,
    Section 3.2.2), with its R² and largest residual.
    """
    recs = sorted((r for r in records if r["experiment"] == "emergence"),
                  key=lambda r: r["result"]["n_params_nonembedding"])
    recs = [r for r in recs if "downstream" in r["result"]]
    if len(recs) < 2:
        raise ValueError(f"records: the emergence experiment needs at least 2 runs with downstream metrics, "
                         f"got {len(recs)}")
    runs = []
    pts = []
    for r in recs:
        ds = r["result"]["downstream"]
        ks = np.arange(1, len(ds["exact_match"]) + 1)
        curve = r["result"]["curve"]
        runs.append({"shape": r["tags"].get("shape", ""), "N": r["result"]["n_params_nonembedding"],
                     "N_total": r["result"]["n_params_nonembedding"] + r["result"]["n_params_embedding"],
                     "loss": r["result"]["final_val_loss"], "accuracy": ds["accuracy"],
                     "continuation_loss": ds["loss"], "exact_match": ds["exact_match"],
                     "exact_match_if_independent": (ds["accuracy"] ** ks).tolist(),
                     "ood_loss": curve[-1].get("ood_loss")})
        pts += [(p["val_loss"], p["ood_loss"]) for p in curve if "ood_loss" in p]
    out = {"runs": runs, "k": list(range(1, len(runs[0]["exact_match"]) + 1)), "n_runs": len(runs)}
    if len(pts) >= 3:
        L_in, L_ood = np.array(pts, float).T
        slope, offset = np.polyfit(L_in, L_ood, 1)
        resid = L_ood - (offset + slope * L_in)
        out["transfer"] = {"slope": float(slope), "offset": float(offset), "n_points": int(L_in.size),
                           "r2": 1.0 - float(np.sum(resid**2)) / float(np.sum((L_ood - L_ood.mean()) ** 2)),
                           "max_abs_residual": float(np.max(np.abs(resid))),
                           "mean_gap": float(np.mean(L_ood - L_in)), "L_in": L_in.tolist(), "L_ood": L_ood.tolist()}
    return out


def fit_schedules(records: list[dict]) -> dict:
    """The ``wsd`` runs: final loss of WSD and cosine at each length, the branches' shared steps, and the cost.

    ``runs``: per schedule and length, the final loss and the loss curve.
    ``shared``: for each WSD run shorter than the longest, the largest
    difference of validation loss from the longest WSD run over the
    evaluations before its cool-down starts (0 when the branch is exact).
    ``cost``: optimizer steps of one model per length with cosine runs and
    with one WSD run plus branched cool-downs
    (:func:`scalinglaws.hyperparameters.schedule_family_cost`).
    """
    recs = [r for r in records if r["experiment"] == "wsd"]
    if not recs:
        raise ValueError("records: no runs of the wsd experiment")
    runs = {}
    for r in recs:
        sched, n = r["train"]["schedule"], r["result"]["steps"]
        runs.setdefault(sched, {})[n] = {"final_loss": r["result"]["final_val_loss"],
                                         "steps": [p["step"] for p in r["result"]["curve"]],
                                         "val_loss": [p["val_loss"] for p in r["result"]["curve"]],
                                         "lr": [p["lr"] for p in r["result"]["curve"]],
                                         "decay_frac": r["train"]["decay_frac"]}
    out = {"runs": {s: {str(n): v for n, v in sorted(d.items())} for s, d in runs.items()}}
    wsd = runs.get("wsd", {})
    if len(wsd) >= 2:
        longest = max(wsd)
        ref = dict(zip(wsd[longest]["steps"], wsd[longest]["val_loss"]))
        shared = {}
        for n, run in sorted(wsd.items()):
            if n == longest:
                continue
            decay_start = n - int(run["decay_frac"] * n)
            diffs = [abs(v - ref[s]) for s, v in zip(run["steps"], run["val_loss"]) if s <= decay_start and s in ref]
            shared[str(n)] = {"decay_start": decay_start, "shared_evaluations": len(diffs),
                              "max_abs_diff": max(diffs) if diffs else None}
        out["shared"] = shared
        cost = schedule_family_cost(sorted(wsd), wsd[longest]["decay_frac"])
        out["cost"] = {"lengths": sorted(wsd), "cosine_steps": cost.cosine_steps, "wsd_steps": cost.wsd_steps,
                       "saving": cost.saving}
    if "cosine" in runs and wsd:
        out["wsd_minus_cosine"] = {str(n): wsd[n]["final_loss"] - runs["cosine"][n]["final_loss"]
                                   for n in sorted(wsd) if n in runs["cosine"]}
    return out
