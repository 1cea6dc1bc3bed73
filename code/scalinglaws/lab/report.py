"""Fit the scaling laws to a preset's results: the JSON behind ``scalinglaws lab report``.

One function per experiment, each built on the library's own fitters:

* :func:`fit_l_n` -- L(N) (:func:`scalinglaws.fit_power_law`), whether the
  offset E can be identified, and L(N) at each cool-down's token count;
* :func:`fit_learning_curves` -- Kaplan's L(N, S) fitted on the early,
  constant-rate part of the L(N) runs, predicting the rest of it;
* :func:`fit_isoflop` -- the compute-optimal frontier from the WSD IsoFLOP
  runs: Approach 1 (:func:`scalinglaws.fitting.fit_envelope`), 2
  (:func:`scalinglaws.fit_isoflop`) and 3 (:func:`scalinglaws.fit_parametric`),
  with total or non-embedding parameters, each size's learning rate tuned or
  one rate for all; the headline with an interval that carries the seed noise;
* :func:`compare_schedules` -- WSD cool-downs against separately trained
  cosine runs of the same size, rate, seed and length;
* :func:`fit_critical_batch` -- the steps/examples trade-off
  (:func:`scalinglaws.fit_tradeoff`) at several target losses and the
  measured gradient noise scale;
* :func:`fit_finite_data` -- the overfitting indicator against N^0.74/D
  (:func:`scalinglaws.early_stopping.overfitting_ratio`) and repetition;
* :func:`counting` -- the same runs with total or non-embedding parameters;
* :func:`fit_overtraining` -- the compute a smaller model needs to match a
  compute-optimal one, measured and predicted by the runs' own Approach-3 law;
* :func:`fit_lstm` -- transformers against LSTMs, loss by context position
  (Kaplan et al. 2020, Fig. 7);
* :func:`fit_aspect` -- depth against width at fixed N, and the same runs
  counted with and without embeddings (Kaplan et al. 2020, Figs. 5 and 6);
* :func:`fit_mup` -- the best learning rate per width under the standard
  parametrisation and under μP, and its drift
  (:func:`scalinglaws.fitting.lr_transfer.fit_lr_transfer`);
* :func:`fit_emergence` -- per-byte accuracy, log-loss and k-byte exact match
  of a ladder of sizes, and their loss on text of another kind against the
  in-distribution loss;
* :func:`fit_schedules` -- warmup-stable-decay against cosine runs at several
  lengths, and what the WSD branches share.

Tables of points other code can build on: :func:`runs_table` (one row per
run) and :func:`cooldown_table` (one row per cool-down of the WSD runs: the
schedules' API), :func:`isoflop_points` (each IsoFLOP (size, budget) with its
seed-averaged, tuned or untuned loss).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.optimize import curve_fit, least_squares

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.constants import CHINCHILLA, KAPLAN_LND, KAPLAN_LNS, KAPLAN_TABLE5, ParametricLoss
from scalinglaws.data_constrained import repetition_value
from scalinglaws.early_stopping import overfitting_ratio
from scalinglaws.fitting.frontier import TrainingCurve, fit_envelope, fit_isoflop as fit_isoflop_profiles
from scalinglaws.fitting.lr_transfer import fit_lr_transfer
from scalinglaws.fitting.parametric import fit_parametric
from scalinglaws.fitting.powerlaw import fit_power_law
from scalinglaws.fitting.resampling import FAILURES, percentile_interval
from scalinglaws.fitting.tradeoff import fit_tradeoff
from scalinglaws.hyperparameters import schedule_family_cost
from scalinglaws.overtraining import iso_loss_tokens

__all__ = ["runs_table", "cooldown_table", "isoflop_points", "seed_noise", "fit_l_n", "fit_learning_curves",
           "fit_isoflop", "compare_schedules", "fit_critical_batch", "steps_to_loss", "fit_finite_data", "counting",
           "fit_overtraining", "fit_lstm", "fit_aspect", "report", "explore_l_n", "COUNTS", "fit_mup", "fit_emergence",
           "fit_schedules"]

#: The two ways of counting a model's parameters: Kaplan's (non-embedding) and Chinchilla's (total).
COUNTS = ("total", "nonembedding")


def _n_total(r):
    return r["result"]["n_params_nonembedding"] + r["result"]["n_params_embedding"]


def runs_table(records: list[dict], experiment: str) -> dict:
    """Columns (NumPy arrays) of one experiment's runs: N, N_total, D, C, L, budget, lr, fpt, shape, seed."""
    recs = [r for r in records if r["experiment"] == experiment]
    return {
        "N": np.array([r["result"]["n_params_nonembedding"] for r in recs], float),
        "N_total": np.array([_n_total(r) for r in recs], float),
        "D": np.array([r["result"]["tokens"] for r in recs], float),
        "C": np.array([r["result"]["flops"] for r in recs], float),
        "L": np.array([r["result"]["final_val_loss"] for r in recs], float),
        "budget": np.array([r["tags"].get("budget", np.nan) for r in recs], float),
        "lr": np.array([r.get("train", {}).get("lr", np.nan) for r in recs], float),
        "fpt": np.array([r["result"].get("flops_per_token", np.nan) for r in recs], float),
        "seed": np.array([r.get("train", {}).get("seed", 0) for r in recs], int),
        "shape": [r["tags"].get("shape", "") for r in recs],
    }


def cooldown_table(records: list[dict], experiment: str = "isoflop") -> dict:
    """One row per cool-down of an experiment's warmup-stable-decay runs (the schedules' API).

    A WSD run with ``cooldowns`` ends a cool-down at every length it
    branched at and at its own end (``result["cooldowns"]``); a run without
    them contributes its final loss as one row. Columns (NumPy arrays, and
    lists for ``shape``, ``lr_role`` and ``key``): ``N`` and ``N_total``
    (parameters), ``D`` (tokens of that length), ``C`` (its training FLOPs),
    ``L`` (validation loss after the cool-down, nats/byte), ``L_stable`` (the
    run's loss at the stable rate just before that cool-down began; NaN if not
    measured), ``fork_step`` and ``steps`` (where the decay began and ended),
    ``budget`` (the tag ``budgets`` of that entry, else the tag ``budget``),
    ``lr``, ``seed``, ``shape``, ``lr_role`` and ``key`` (the run's).
    """
    rows = []
    for r in records:
        if r["experiment"] != experiment:
            continue
        res = r["result"]
        entries = res.get("cooldowns") or [{"tokens": res["tokens"], "flops": res["flops"], "steps": res["steps"],
                                             "fork_step": None, "val_loss": res["final_val_loss"],
                                             "stable_val_loss": None}]
        budgets = r["tags"]["budgets"] if "budgets" in r["tags"] else [r["tags"].get("budget", math.nan)] * len(entries)
        if len(budgets) != len(entries):
            raise ValueError(f"records: run {r.get('key')} has {len(entries)} cool-downs but {len(budgets)} budgets")
        for e, C in zip(entries, budgets):
            rows.append((res["n_params_nonembedding"], _n_total(r), e["tokens"], e["flops"], e["val_loss"],
                         math.nan if e.get("stable_val_loss") is None else e["stable_val_loss"],
                         -1 if e.get("fork_step") is None else e["fork_step"], e["steps"], float(C),
                         r["train"]["lr"], r["train"].get("seed", 0), r["tags"].get("shape", ""),
                         r["tags"].get("lr_role", ""), r.get("key", "")))
    cols = list(zip(*rows)) if rows else [[] for _ in range(14)]
    names = ("N", "N_total", "D", "C", "L", "L_stable", "fork_step", "steps", "budget", "lr", "seed")
    out = {n: np.array(c, float if n not in ("fork_step", "steps", "seed") else int) for n, c in zip(names, cols)}
    out.update(shape=list(cols[11]), lr_role=list(cols[12]), key=list(cols[13]))
    return out


def _interval(fit, name):
    iv = fit.intervals.get(name)
    return None if iv is None else [float(iv[0]), float(iv[1])]


def _curvature(x, y):
    """Quadratic coefficient of y against x by least squares, with its 95% t interval."""
    X = np.column_stack([np.ones_like(x), x - x.mean(), (x - x.mean()) ** 2])
    coef, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    dof = x.size - 3
    if dof < 1:
        return float(coef[2]), None
    sigma2 = float(np.sum((y - X @ coef) ** 2)) / dof
    se = math.sqrt(sigma2 * np.linalg.inv(X.T @ X)[2, 2])
    t = stats.t.ppf(0.975, dof)
    return float(coef[2]), [float(coef[2] - t * se), float(coef[2] + t * se)]


# --- L(N) and learning curves ------------------------------------------------------------------------

def fit_l_n(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """L(N) = E + A N^-alpha on the ``L_N`` runs, the pure power law (Kaplan's form, no E), and whether E
    can be identified.

    E shows in the data only as curvature of log L against log N (a pure power
    law is a straight line); ``curvature`` is the quadratic coefficient of
    that relation with its 95% interval. E counts as identified when that
    interval excludes zero *and* the bootstrap interval of E excludes zero.
    ``by_tokens``: the pure power law refitted at each cool-down's token count
    (the runs' branches), so the slope's dependence on D is visible.
    """
    t = runs_table(records, "L_N")
    if t["N"].size < 4:
        raise ValueError(f"records: L(N) needs at least 4 runs, got {t['N'].size}")
    with_e = fit_power_law(t["N"], t["L"], offset=True, bootstrap=bootstrap, seed=seed)
    no_e = fit_power_law(t["N"], t["L"], offset=False, bootstrap=bootstrap, seed=seed)
    c2, c2_ci = _curvature(np.log(t["N"]), np.log(t["L"]))
    E_ci = _interval(with_e, "E")
    curved = c2_ci is not None and c2_ci[0] > 0
    floor = E_ci is not None and E_ci[0] > 0.05 * float(t["L"].min())
    out = {
        "n_runs": int(t["N"].size),
        "decades_of_N": float(math.log10(t["N"].max() / t["N"].min())),
        "tokens": float(np.median(t["D"])),
        "with_E": {"alpha": with_e.alpha, "alpha_ci": _interval(with_e, "alpha"), "E": with_e.E,
                   "E_ci": E_ci, "A": with_e.A, "r2": with_e.r2},
        "pure_power_law": {"alpha": no_e.alpha, "alpha_ci": _interval(no_e, "alpha"), "A": no_e.A,
                           "r2": no_e.r2},
        "curvature": {"c2": c2, "c2_ci": c2_ci},
        "E_identifiable": bool(curved and floor),
        "published": {"kaplan_alpha_N": KAPLAN_TABLE5.alpha_N, "chinchilla_alpha": CHINCHILLA.alpha},
    }
    if not out["E_identifiable"]:
        out["E_why_not"] = ("no curvature: the 95% interval of the quadratic term of log L against log N "
                            "includes zero" if not curved else
                            "the bootstrap interval of E reaches zero") + \
            f" over {out['decades_of_N']:.1f} decades of N"
    ct = cooldown_table(records, "L_N")
    by_tokens = []
    for D in np.unique(ct["D"]):
        m = ct["D"] == D
        if m.sum() >= 3:
            f = fit_power_law(ct["N"][m], ct["L"][m], offset=False)
            by_tokens.append({"tokens": float(D), "alpha": f.alpha, "N": ct["N"][m].tolist(), "L": ct["L"][m].tolist()})
    out["by_tokens"] = by_tokens
    return out


def _kaplan_ns(p, logN, logS):
    # log of (N_c/N)^alpha_N + (S_c/S)^alpha_S, parameters (log N_c, alpha_N, log S_c, alpha_S)
    return np.logaddexp(p[1] * (p[0] - logN), p[3] * (p[2] - logS))


def fit_learning_curves(records: list[dict], *, fit_fraction: float = 0.5) -> dict:
    """Kaplan's L(N, S) (Eq. 1.6) fitted to the early part of every ``L_N`` run, predicting later points.

    L(N, S) = (N_c/N)^alpha_N + (S_c/S)^alpha_S, least squares on log L with
    ``scipy.optimize.least_squares``. For a warmup-stable-decay run the curve
    used is its stable phase (evaluations after warm-up, before the decay),
    where the rate is constant as in Kaplan's law; the fit uses the points
    with S <= ``fit_fraction`` x (last stable step) and predicts the last
    stable point. For any other schedule the whole curve is used and the
    final loss predicted. ``relative_error`` is predicted / measured - 1;
    ``cooldown_gain`` (WSD) what the final decay added below the last stable
    point. The same form fitted to every point used is ``all_points``.
    """
    fit_fraction = check_scalar("fit_fraction", fit_fraction, low=0, high=1, low_inclusive=False)
    recs = sorted((r for r in records if r["experiment"] == "L_N"), key=lambda r: r["result"]["n_params_nonembedding"])
    pts, targets, gains = [], [], []
    for r in recs:
        n = r["result"]["n_params_nonembedding"]
        curve = r["result"]["curve"]
        tc = r["train"]
        if tc.get("schedule") == "wsd":
            n_steps = r["result"]["steps"]
            decay = n_steps - int(tc.get("decay_frac", 0.2) * n_steps)
            warm = tc.get("warmup_steps") or int(tc.get("warmup_frac", 0.05) * n_steps)
            curve = [p for p in curve if warm < p["step"] <= decay]
            gains.append(curve[-1]["val_loss"] - r["result"]["final_val_loss"] if curve else math.nan)
        if not curve:
            continue
        last = curve[-1]["step"]
        for p in curve:
            pts.append((n, p["step"], p["val_loss"], p["step"] <= fit_fraction * last))
        targets.append((n, last, curve[-1]["val_loss"]))
    pts = np.array(pts, float).reshape(-1, 4)
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
    targets = np.array(targets, float)
    pred = np.exp(_kaplan_ns(p_early, np.log(targets[:, 0]), np.log(targets[:, 1])))
    rel = pred / targets[:, 2] - 1.0

    def params(p):
        return {"N_c": float(np.exp(p[0])), "alpha_N": float(p[1]), "S_c": float(np.exp(p[2])), "alpha_S": float(p[3])}

    out = {"fit_fraction": fit_fraction, "n_fit_points": int(early.shape[0]), "early": params(p_early),
           "rms_log_residual": rms_early, "all_points": {**params(p_all), "rms_log_residual": rms_all},
           "N": targets[:, 0].tolist(), "steps": targets[:, 1].tolist(), "target_loss": targets[:, 2].tolist(),
           "predicted": pred.tolist(), "relative_error": rel.tolist(),
           "max_abs_relative_error": float(np.max(np.abs(rel))),
           "published": {"kaplan_alpha_N": KAPLAN_LNS.alpha_N, "kaplan_alpha_S": KAPLAN_LNS.alpha_S}}
    if gains:
        out["cooldown_gain"] = gains
    return out


# --- IsoFLOP ------------------------------------------------------------------------------------------

def _isoflop_cells(records: list[dict], experiment: str = "isoflop") -> dict:
    """{shape: {"N", "N_total", "fpt", "budgets" (sorted), "D", "C", "lrs" (sorted), "runs": {lr: {seed: L array
    over budgets}}}} from the WSD IsoFLOP runs."""
    t = cooldown_table(records, experiment)
    if not t["shape"]:
        raise ValueError(f"records: no {experiment!r} runs")
    cells: dict = {}
    for i, shape in enumerate(t["shape"]):
        c = cells.setdefault(shape, {"N": t["N"][i], "N_total": t["N_total"][i], "points": {}})
        c["points"].setdefault((t["lr"][i], int(t["seed"][i])), {})[t["budget"][i]] = (t["L"][i], t["D"][i], t["C"][i])
    for shape, c in cells.items():
        budgets = sorted({b for pts in c["points"].values() for b in pts})
        c["budgets"] = budgets
        any_run = next(iter(c["points"].values()))
        c["D"] = np.array([any_run[b][1] for b in budgets])
        c["C"] = np.array([any_run[b][2] for b in budgets])
        c["lrs"] = sorted({lr for lr, _ in c["points"]})
        c["runs"] = {}
        for (lr, sd), pts in c["points"].items():
            if sorted(pts) != budgets:
                raise ValueError(f"records: the {shape} run at lr {lr}, seed {sd} lacks some of its budgets")
            c["runs"].setdefault(lr, {})[sd] = np.array([pts[b][0] for b in budgets])
        del c["points"]
    return cells


def seed_noise(records: list[dict], experiment: str = "isoflop") -> dict:
    """Seed-to-seed noise of the WSD runs repeated with another seed (same size, rate and length).

    For each pair of seeds, ``d = (L_a - L_b)/sqrt 2`` at every cool-down
    estimates one seed's deviation (its variance is the seed variance). Returns
    ``sigma`` (root-mean-square of d, nats/byte), ``sigma_rel`` (of d/L),
    ``rho`` (the correlation of a run's deviations at its consecutive
    cool-downs: the runs share their stable phase, so their errors are
    correlated), ``by_budget`` and ``n_pairs``.
    """
    cells = _isoflop_cells(records, experiment)
    ds, rel, budget_of, lag = [], [], [], []
    for c in cells.values():
        for lr, by_seed in c["runs"].items():
            seeds = sorted(by_seed)
            for a, b in zip(seeds[::2], seeds[1::2]):  # disjoint pairs: independent estimates
                d = (by_seed[a] - by_seed[b]) / math.sqrt(2)
                mean = (by_seed[a] + by_seed[b]) / 2
                ds += d.tolist()
                rel += (d / mean).tolist()
                budget_of += list(c["budgets"])
                lag += list(zip((d / mean)[:-1], (d / mean)[1:]))
    if not ds:
        return {"n_pairs": 0}
    ds, rel, budget_of = np.array(ds), np.array(rel), np.array(budget_of)
    by_budget = [{"budget": float(b), "sigma": float(np.sqrt(np.mean(ds[budget_of == b] ** 2))),
                  "sigma_rel": float(np.sqrt(np.mean(rel[budget_of == b] ** 2))), "n": int((budget_of == b).sum())}
                 for b in np.unique(budget_of)]
    lag = np.array(lag, float).reshape(-1, 2)
    norm = math.sqrt(float(np.sum(lag[:, 0] ** 2) * np.sum(lag[:, 1] ** 2)))
    rho = float(np.sum(lag[:, 0] * lag[:, 1]) / norm) if norm > 0 else 0.0
    return {"sigma": float(np.sqrt(np.mean(ds**2))), "sigma_rel": float(np.sqrt(np.mean(rel**2))),
            "rho": rho, "n_pairs": int(len(ds)), "by_budget": by_budget}


def _tune(lrs, means):
    """Best loss over a learning-rate grid: (L*, lr*, bracketed).

    ``means`` (n_lr, n_budget). Where the grid's best rate has a neighbour on
    both sides, the three points' parabola in log lr gives the minimum (a
    grid a factor of two apart would otherwise quantise it); at the edge,
    the edge's loss, with ``bracketed`` False.
    """
    lrs = np.asarray(lrs, float)
    k = np.argmin(means, axis=0)
    L = means[k, np.arange(means.shape[1])].copy()
    lr = lrs[k].copy()
    inside = (k > 0) & (k < lrs.size - 1)
    x = np.log(lrs)
    for j in np.flatnonzero(inside):
        i = k[j]
        c2, c1, c0 = np.polyfit(x[i - 1:i + 2], means[i - 1:i + 2, j], 2)
        if c2 > 0:
            v = -c1 / (2 * c2)
            L[j], lr[j] = c0 - c1 * c1 / (4 * c2), math.exp(v)
    return L, lr, inside


def _points_from_cells(cells, tuned: bool, reference_lr: float | None, noise=None):
    """Per (shape, budget): N, N_total, D, C, L, lr, bracketed, budget (arrays); ``noise`` {shape: {lr: {seed:
    array}}} is added to the runs' losses first (the seed bootstrap)."""
    cols = {k: [] for k in ("N", "N_total", "D", "C", "L", "lr", "bracketed", "budget", "shape")}
    for shape, c in cells.items():
        means = []
        for lr in c["lrs"]:
            runs = c["runs"][lr]
            vals = [v + (noise[shape][lr][sd] if noise else 0.0) for sd, v in runs.items()]
            means.append(np.mean(vals, axis=0))
        means = np.array(means)
        if tuned:
            L, lr, ok = _tune(c["lrs"], means)
        else:
            if reference_lr not in c["lrs"]:
                raise ValueError(f"records: shape {shape} has no run at the reference rate {reference_lr}")
            L = means[c["lrs"].index(reference_lr)]
            lr, ok = np.full(L.size, reference_lr), np.ones(L.size, bool)
        n = len(c["budgets"])
        cols["N"] += [c["N"]] * n
        cols["N_total"] += [c["N_total"]] * n
        cols["D"] += list(c["D"])
        cols["C"] += list(c["C"])
        cols["L"] += list(L)
        cols["lr"] += list(lr)
        cols["bracketed"] += list(ok)
        cols["budget"] += list(c["budgets"])
        cols["shape"] += [shape] * n
    out = {k: np.array(v, float) for k, v in cols.items() if k not in ("shape", "bracketed")}
    out["bracketed"] = np.array(cols["bracketed"], bool)
    out["shape"] = cols["shape"]
    return out


def _reference_lr(records, experiment="isoflop"):
    """The untuned sweep's rate: the one every size was trained at (tag ``lr_role`` "reference" where added)."""
    t = cooldown_table(records, experiment)
    by_shape = {}
    for s, lr in zip(t["shape"], t["lr"]):
        by_shape.setdefault(s, set()).add(float(lr))
    common = set.intersection(*by_shape.values()) if by_shape else set()
    refs = {float(lr) for lr, role in zip(t["lr"], t["lr_role"]) if role == "reference"}
    pick = (refs & common) or common
    return float(sorted(pick)[len(pick) // 2]) if pick else None


def isoflop_points(records: list[dict], *, tuned: bool = True, experiment: str = "isoflop") -> dict:
    """The IsoFLOP sweep as one point per (size, budget): seed-averaged loss, each size's best rate
    (``tuned``) or the sweep's one reference rate.

    Columns: ``N``, ``N_total``, ``D``, ``C`` (FLOPs), ``L``, ``lr`` (the rate
    chosen; with ``tuned``, the vertex of a parabola in log lr through the
    best grid rate and its neighbours), ``bracketed`` (the best rate has a
    neighbour on both sides), ``budget`` and ``shape``.
    """
    cells = _isoflop_cells(records, experiment)
    return _points_from_cells(cells, tuned, None if tuned else _reference_lr(records, experiment))


def _approach2(pts, count):
    N = pts["N_total"] if count == "total" else pts["N"]
    # parabolas, as the lab's pages describe: a few sizes per budget, centred on the minimum by design,
    # where a parabola is unbiased (the fitting chapter shows where it is not)
    return fit_isoflop_profiles(N, pts["C"], pts["L"], budget=pts["budget"], method="parabola")


def _line_interval(C, N_opt, level):
    """t interval of the slope of log N_opt against log C from the scatter of the minima about the line."""
    x, y = np.log(C), np.log(N_opt)
    k = x.size
    if k < 3:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    se = math.sqrt(float(np.sum(resid**2)) / (k - 2) / float(np.sum((x - x.mean()) ** 2)))
    t = stats.t.ppf(0.5 + level / 2, k - 2)
    return [float(slope - t * se), float(slope + t * se)], se


def _more_budgets(C, line_se: float, level: float, extra: int = 3) -> list[dict]:
    """Half-width of the slope's t interval, at the scatter about the line measured now, with more budgets.

    Two designs for each added count: budgets spread evenly over the same span of log C (``"same span"``),
    or the current spacing continued to larger budgets (``"wider span"``). The residual scatter
    ``s = line_se * sqrt(Sxx)`` is held fixed: what more budgets would buy if the minima scattered as they do.
    """
    x = np.sort(np.log(np.asarray(C, dtype=float)))
    sxx = lambda v: float(np.sum((v - v.mean()) ** 2))  # noqa: E731
    s = line_se * math.sqrt(sxx(x))
    step = (x[-1] - x[0]) / (x.size - 1)
    out = []
    for n in range(x.size + 1, x.size + extra + 1):
        t = stats.t.ppf(0.5 + level / 2, n - 2)
        for design, v in (("same span", np.linspace(x[0], x[-1], n)), ("wider span", x[0] + step * np.arange(n))):
            out.append({"n_budgets": n, "design": design, "decades": float((v[-1] - v[0]) / math.log(10)),
                        "half_width": float(t * s / math.sqrt(sxx(v)))})
    return out


def _noise_bootstrap(refit, draw, resamples: int, seed: int):
    """Refit on ``resamples`` draws of simulated seed noise; the finite refits (FAILURES count as failed)."""
    rng = np.random.default_rng(seed)
    out, failed = [], 0
    for _ in range(resamples):
        try:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                v = float(refit(draw(rng)))
        except FAILURES:
            failed += 1
            continue
        if math.isfinite(v):
            out.append(v)
        else:
            failed += 1
    return np.array(out), failed


def _seed_noise_draw(cells, noise):
    """A function drawing, for every run, correlated relative noise over its cool-downs with the measured
    seed noise: log-normal with standard deviation ``sigma_rel`` and correlation ``rho`` between any two of
    one run's cool-downs (they share its stable phase)."""
    sigma, rho = noise.get("sigma_rel", 0.0), min(max(noise.get("rho", 0.0), 0.0), 0.999)

    def draw(rng):
        out = {}
        for shape, c in cells.items():
            n = len(c["budgets"])
            chol = sigma * np.linalg.cholesky((1 - rho) * np.eye(n) + rho * np.ones((n, n)))
            out[shape] = {lr: {sd: v * np.expm1(chol @ rng.standard_normal(n)) for sd, v in by_seed.items()}
                          for lr, by_seed in c["runs"].items()}
        return out

    return draw


def fit_isoflop(records: list[dict], *, bootstrap: int = 200, seed: int = 0, level: float = 0.95,
                approach3_bootstrap: int = 30) -> dict:
    """The compute-optimal frontier N_opt ~ C^a from the WSD IsoFLOP runs.

    Every (size, budget) gets its seed-averaged loss at each rate; *tuned*
    takes each (size, budget)'s best rate (:func:`_tune`), *untuned* the one
    reference rate all sizes share. For each count of N (total, Chinchilla's;
    non-embedding, Kaplan's) and each of tuned/untuned: Approach 1 (the
    envelope of each size's losses over its budgets, Hoffmann et al.'s 80%
    subsamples), Approach 2 (a parabola per budget, then a line through the
    minima; interval from the seed bootstrap below) and Approach 3 (the
    parametric law; interval from its own bootstrap over points, at most
    ``approach3_bootstrap`` resamples: each refit is a multi-start fit).

    ``headline``: Approach 2, total parameters, tuned rates (Chinchilla's
    conventions). Its interval carries the seed noise: the runs' losses are
    perturbed ``bootstrap`` times by simulated seed noise with the spread and
    correlation measured on the repeated seeds (:func:`seed_noise`), and
    everything (averaging, tuning, parabolas, line) refitted. It is then
    widened, if needed, to the t interval of the slope given the minima's
    actual scatter about the line (which includes what seeds do not: the
    sizes' own irregularity): ``low``/``high`` are the outer bounds of the
    two, both reported. ``more_budgets``: the scatter interval's half-width
    with one to three more budgets at the same scatter (:func:`_more_budgets`).
    """
    level = check_scalar("level", level, low=0, high=1, low_inclusive=False, high_inclusive=False)
    cells = _isoflop_cells(records)
    noise = seed_noise(records)
    ref = _reference_lr(records)
    variants = [(count, tuned) for count in COUNTS for tuned in (True, False) if tuned or ref is not None]
    draw = _seed_noise_draw(cells, noise) if noise.get("n_pairs") else None
    fits = []
    for count, tuned in variants:
        pts = _points_from_cells(cells, tuned, None if tuned else ref)
        entry = {"count": count, "tuned": tuned, "reference_lr": None if tuned else ref}
        try:
            a2 = _approach2(pts, count)
            entry["approach2"] = {"a": a2.a, "b": a2.b, "C": a2.C.tolist(), "N_opt": a2.N_opt.tolist()}
            line = _line_interval(a2.C, a2.N_opt, level)
            if line:
                entry["approach2"]["line_ci"], entry["approach2"]["line_se"] = line
            if draw is not None and bootstrap:
                draws, failed = _noise_bootstrap(
                    lambda nz: _approach2(_points_from_cells(cells, tuned, None if tuned else ref, nz), count).a,
                    draw, bootstrap, seed)
                if draws.size:
                    lo, hi = percentile_interval(draws, level)
                    entry["approach2"].update(seed_ci=[float(lo), float(hi)], seed_sd=float(draws.std(ddof=1)),
                                              resamples=int(draws.size), failed=int(failed))
        except ValueError as exc:
            entry["approach2"] = {"error": str(exc)}
        N = pts["N_total"] if count == "total" else pts["N"]
        try:
            a3 = fit_parametric(N, pts["D"], pts["L"], bootstrap=min(bootstrap, approach3_bootstrap), seed=seed)
            entry["approach3"] = {"a": a3.a, "a_ci": _interval(a3, "a"), "b": a3.b, "alpha": a3.alpha,
                                  "beta": a3.beta, "E": a3.E, "A": a3.A, "B": a3.B, "converged": bool(a3.converged)}
        except ValueError as exc:
            entry["approach3"] = {"error": str(exc)}
        try:
            curves = []
            for shape in dict.fromkeys(pts["shape"]):
                m = np.array([s == shape for s in pts["shape"]])
                if m.sum() >= 2:
                    order = np.argsort(pts["D"][m])
                    curves.append(TrainingCurve(float(N[m][0]), pts["D"][m][order], pts["L"][m][order]))
            a1 = fit_envelope(curves, bootstrap=bootstrap // 4, seed=seed)
            entry["approach1"] = {"a": a1.a, "a_ci": _interval(a1, "a")}
        except ValueError as exc:
            entry["approach1"] = {"error": str(exc)}
        fits.append(entry)

    tuned_pts = _points_from_cells(cells, True, None)
    budgets = np.unique(tuned_pts["budget"])
    profiles = []
    for b in budgets:
        m = tuned_pts["budget"] == b
        order = np.argsort(tuned_pts["N_total"][m])
        L = tuned_pts["L"][m][order]
        k = int(np.argmin(L))
        profiles.append({"budget": float(b), "n_sizes": int(m.sum()),
                         "shapes": [tuned_pts["shape"][i] for i in np.flatnonzero(m)[order]],
                         "N_total": tuned_pts["N_total"][m][order].tolist(), "N": tuned_pts["N"][m][order].tolist(),
                         "L": L.tolist(), "lr": tuned_pts["lr"][m][order].tolist(),
                         "minimum_inside": bool(0 < k < L.size - 1),
                         "lr_bracketed": bool(tuned_pts["bracketed"][m].all())})
    head = next(f for f in fits if f["count"] == "total" and f["tuned"])
    a2 = head["approach2"]
    headline = {"level": level, "n_budgets": int(budgets.size), "decades": float(np.log10(budgets.max() / budgets.min())),
                "count": "total", "tuned": True, "approach": "2 (IsoFLOP parabolas)",
                "sizes_per_budget": min(p["n_sizes"] for p in profiles),
                "minimum_inside_every_budget": all(p["minimum_inside"] for p in profiles),
                "lr_bracketed_everywhere": all(p["lr_bracketed"] for p in profiles),
                "seeds": max(len(v) for c in cells.values() for v in c["runs"].values()),
                "seed_noise_rel": noise.get("sigma_rel")}
    if "a" in a2:
        bounds = [iv for iv in (a2.get("seed_ci"), a2.get("line_ci")) if iv]
        headline.update(a=a2["a"], low=min(iv[0] for iv in bounds) if bounds else None,
                        high=max(iv[1] for iv in bounds) if bounds else None,
                        seed_interval=a2.get("seed_ci"), scatter_interval=a2.get("line_ci"))
        if "line_se" in a2:  # what more budgets would do to the scatter interval, the wider of the two here
            headline["more_budgets"] = _more_budgets(a2["C"], a2["line_se"], level)
    lr_table = []
    for shape, c in cells.items():
        row = {"shape": shape, "N_total": float(c["N_total"]), "lrs": c["lrs"],
               "seeds": {str(lr): len(v) for lr, v in c["runs"].items()}}
        m = [i for i, s in enumerate(tuned_pts["shape"]) if s == shape]
        row.update(budgets=[float(tuned_pts["budget"][i]) for i in m], best_lr=[float(tuned_pts["lr"][i]) for i in m],
                   bracketed=[bool(tuned_pts["bracketed"][i]) for i in m])
        lr_table.append(row)
    a_pub = CHINCHILLA.beta / (CHINCHILLA.alpha + CHINCHILLA.beta)
    return {"headline": headline, "fits": fits, "profiles": profiles, "seed_noise": noise, "reference_lr": ref,
            "learning_rates": lr_table, "n_runs": int(sum(len(v) for c in cells.values() for v in c["runs"].values())),
            "published": {"chinchilla_approach3_a": a_pub}}


def compare_schedules(records: list[dict]) -> dict:
    """WSD cool-downs against cosine runs trained separately (``isoflop_cosine``) at the same size, rate,
    seed and length.

    ``rows``: each pair, with ``diff`` = L_cosine - L_wsd (nats/byte; positive:
    the cool-down did better) and ``rel`` = diff / L_cosine. ``by_budget``: mean
    and largest |diff| per budget, and each schedule's IsoFLOP minimum (a
    parabola in log of total parameters through that budget's sizes) with
    the ratio of the two. ``seed_sigma``: the seed noise at those budgets, for
    scale.
    """
    cos = cooldown_table(records, "isoflop_cosine")
    if not cos["shape"]:
        raise ValueError("records: no isoflop_cosine runs to compare")
    wsd = cooldown_table(records, "isoflop")
    index = {(s, float(lr), int(sd), int(D)): i for i, (s, lr, sd, D) in
             enumerate(zip(wsd["shape"], wsd["lr"], wsd["seed"], wsd["D"]))}
    rows = []
    for i, s in enumerate(cos["shape"]):
        j = index.get((s, float(cos["lr"][i]), int(cos["seed"][i]), int(cos["D"][i])))
        if j is None:
            continue
        rows.append({"shape": s, "budget": float(cos["budget"][i]), "N_total": float(cos["N_total"][i]),
                     "lr": float(cos["lr"][i]), "tokens": float(cos["D"][i]), "L_cosine": float(cos["L"][i]),
                     "L_wsd": float(wsd["L"][j]), "L_stable": float(wsd["L_stable"][j]),
                     "diff": float(cos["L"][i] - wsd["L"][j]), "rel": float((cos["L"][i] - wsd["L"][j]) / cos["L"][i])})
    if not rows:
        raise ValueError("records: no cosine run matches a WSD cool-down (same shape, rate, seed and length)")
    noise = seed_noise(records)
    by_budget = []
    for b in sorted({r["budget"] for r in rows}):
        rb = sorted((r for r in rows if r["budget"] == b), key=lambda r: r["N_total"])
        d = np.array([r["diff"] for r in rb])
        entry = {"budget": b, "n": len(rb), "mean_diff": float(d.mean()), "max_abs_diff": float(np.abs(d).max()),
                 "mean_rel": float(np.mean([r["rel"] for r in rb]))}
        sig = [x["sigma"] for x in noise.get("by_budget", []) if x["budget"] == b]
        if sig:
            entry["seed_sigma"] = sig[0]
        if len(rb) >= 3:
            x = np.log([r["N_total"] for r in rb])
            for name, key in (("cosine", "L_cosine"), ("wsd", "L_wsd")):
                c2, c1, _ = np.polyfit(x, [r[key] for r in rb], 2)
                entry[f"N_opt_{name}"] = float(np.exp(-c1 / (2 * c2))) if c2 > 0 else None
            if entry["N_opt_cosine"] and entry["N_opt_wsd"]:
                entry["N_opt_ratio"] = entry["N_opt_wsd"] / entry["N_opt_cosine"]
        by_budget.append(entry)
    d = np.array([r["diff"] for r in rows])
    return {"rows": rows, "by_budget": by_budget, "n_pairs": len(rows), "mean_diff": float(d.mean()),
            "mean_abs_diff": float(np.abs(d).mean()), "max_abs_diff": float(np.abs(d).max()),
            "mean_rel": float(np.mean([r["rel"] for r in rows])), "seed_sigma": noise.get("sigma")}


def counting(records: list[dict], *, bootstrap: int = 200, seed: int = 0, isoflop: dict | None = None) -> dict:
    """The same runs analysed with non-embedding (Kaplan) and total (Chinchilla) parameter counts.

    L(N)'s alpha from the ``L_N`` runs (pure power law) and the IsoFLOP
    exponent a (tuned rates; Approaches 2 and 3) under each count, and the
    embeddings' share of the parameters along the L(N) runs and the tuned
    IsoFLOP minima. ``isoflop`` reuses a :func:`fit_isoflop` result.
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
    if any(r["experiment"] == "isoflop" for r in records):
        iso = isoflop or fit_isoflop(records, bootstrap=0)
        for f in iso["fits"]:
            if f["tuned"]:
                out[f"a2_{f['count']}"] = f["approach2"].get("a")
                out[f"a3_{f['count']}"] = f["approach3"].get("a")
        pts = isoflop_points(records)
        best = []
        for b in np.unique(pts["budget"]):
            m = np.flatnonzero(pts["budget"] == b)
            i = m[np.argmin(pts["L"][m])]
            best.append((float(b), float(pts["N"][i]), float(pts["N_total"][i])))
        out["frontier"] = [{"budget": b, "N": n, "N_total": nt, "embedding_share": 1 - n / nt} for b, n, nt in best]
    return out


def fit_overtraining(records: list[dict], *, count: str = "total", tuned: bool = True) -> dict:
    """What it costs a smaller model to match the loss of each IsoFLOP budget's best point.

    On the IsoFLOP points (:func:`isoflop_points`), for every budget C_ref the
    reference is its lowest-loss size (N_ref, L_ref). Every smaller size is
    followed along its own budgets: the compute C at which it reaches L_ref is
    interpolated (L linear in log C), giving the overhead C / C_ref, its
    tokens per parameter, and the inference tokens after which its cheaper
    forward pass (2 N FLOPs per token) repays the extra training. The points'
    own Approach-3 law (``count`` parameters) predicts the same overhead.
    """
    check_in("count", count, set(COUNTS))
    t = isoflop_points(records, tuned=tuned)
    if t["N"].size < 6:
        raise ValueError(f"records: overtraining needs at least 6 IsoFLOP points, got {t['N'].size}")
    N = t["N"] if count == "nonembedding" else t["N_total"]
    fpt = t["C"] / t["D"]
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
                C_pred = float(iso_loss_tokens(N[idx[0]], t["L"][ref], law)) * fpt[idx[0]]
            except ValueError:  # the law says this size never reaches L_ref
                C_pred = None
            row = {"budget": float(b), "ref_shape": t["shape"][ref], "N_ref": float(N[ref]),
                   "L_ref": float(t["L"][ref]), "C_ref": float(t["C"][ref]), "shape": shape, "N": float(N[idx[0]]),
                   "size_ratio": float(N[idx[0]] / N[ref]), "C_match": C_match,
                   "overhead": None if C_match is None else C_match / float(t["C"][ref]),
                   "overhead_predicted": None if C_pred is None else float(C_pred / t["C"][ref])}
            if C_match is not None:
                row["tokens_per_param"] = float(C_match / fpt[idx[0]] / N[idx[0]])
                row["ref_tokens_per_param"] = float(t["D"][ref] / N[ref])
                saving = 2.0 * (float(N[ref]) - float(N[idx[0]]))  # forward FLOPs saved per inference token
                row["break_even_inference_tokens"] = (C_match - float(t["C"][ref])) / saving
            rows.append(row)
    matched = [r_ for r_ in rows if r_["overhead"] is not None]
    return {"count": count, "tuned": bool(tuned), "rows": rows, "n_matched": len(matched),
            "law": {"E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha, "beta": fit.beta}}


# --- architecture: LSTM, depth and width -------------------------------------------------------------

def _smooth(x, window):
    """Moving average over ``window`` positions (shorter at the start, so position t uses only t' <= t + w/2)."""
    x = np.asarray(x, float)
    if window <= 1:
        return x
    k = np.ones(window) / window
    pad = np.concatenate([np.full(window // 2, x[0]), x, np.full(window - 1 - window // 2, x[-1])])
    return np.convolve(pad, k, mode="valid")


def fit_lstm(records: list[dict], *, threshold: float = 0.02, window: int = 9, plateau: float = 0.01) -> dict:
    """Transformers against LSTMs of matched non-embedding size: the loss at each context position.

    For each ``pair``: both models' final validation loss by position t (the
    byte predicted from t preceding bytes), their relative gap
    ``g(t) = L_lstm(t) / L_transformer(t) - 1`` smoothed over ``window``
    positions, and
    * ``separation_position``: the first t from which the smoothed gap stays
      at or above ``threshold`` to the end of the context;
    * ``crossing_position``: the first t from which the transformer stays
      ahead (g > 0);
    * ``plateau_position`` of each model: the first t from which its smoothed
      loss stays within ``plateau`` (relative) of its mean over the last tenth
      of the context: where more context stops helping.
    Kaplan et al. (2020, Fig. 7): LSTMs match transformers early in the
    context and plateau after about 100 tokens; transformers keep improving.

    ``lr_checks``: for a pair whose transformer was also trained at other
    peak rates (tag ``check: "lr"``, same bytes), every rate's loss, the
    best, whether the best sits at the edge of the rates tried, and whether
    the LSTM is still ahead of the best.
    """
    threshold = check_scalar("threshold", threshold, low=0)
    window = check_scalar("window", window, low=1, integer=True)
    recs = [r for r in records if r["experiment"] == "lstm"]
    checks = [r for r in recs if r["tags"].get("check") == "lr"]  # final losses only: no loss by position needed
    recs = [r for r in recs if r not in checks and "position_loss" in r["result"]]
    pairs = sorted({r["tags"]["pair"] for r in recs})
    out = {"threshold": threshold, "window": window, "plateau": plateau, "pairs": [], "lr_checks": []}
    for k in pairs:
        by = {r["tags"]["arch"]: r for r in recs if r["tags"]["pair"] == k}
        if set(by) != {"transformer", "lstm"}:
            continue
        tf, ls = (np.array(by[a]["result"]["position_loss"]) for a in ("transformer", "lstm"))
        g = _smooth(ls, window) / _smooth(tf, window) - 1
        T = g.size

        def stays(mask):
            bad = np.flatnonzero(~mask)
            if bad.size == 0:
                return 1
            return int(bad[-1] + 2) if bad[-1] + 1 < T else None  # 1-based position

        def plateau_at(curve):
            sm = _smooth(curve, window)
            tail = sm[-max(1, T // 10):].mean()
            return stays(sm <= tail * (1 + plateau))

        out["pairs"].append({
            "pair": int(k), "n_ctx": int(T), "tokens": int(by["transformer"]["result"]["tokens"]),
            "transformer": {"shape": by["transformer"]["tags"]["shape"],
                            "N": by["transformer"]["result"]["n_params_nonembedding"],
                            "N_total": _n_total(by["transformer"]), "loss": by["transformer"]["result"]["final_val_loss"],
                            "position_loss": tf.tolist(), "plateau_position": plateau_at(tf)},
            "lstm": {"shape": by["lstm"]["tags"]["shape"], "N": by["lstm"]["result"]["n_params_nonembedding"],
                     "N_total": _n_total(by["lstm"]), "loss": by["lstm"]["result"]["final_val_loss"],
                     "position_loss": ls.tolist(), "plateau_position": plateau_at(ls)},
            "gap": g.tolist(), "separation_position": stays(g >= threshold), "crossing_position": stays(g > 0),
            "gap_first": float(g[0]), "gap_last": float(g[-max(1, T // 10):].mean())})
    if not out["pairs"]:
        raise ValueError("records: the lstm experiment needs a transformer and an LSTM run of the same pair")
    for p in out["pairs"]:
        # a pair's transformer at other learning rates: would a better-tuned transformer change the ordering?
        runs = [r for r in checks if r["tags"]["pair"] == p["pair"]
                and int(r["result"]["tokens"]) == p["tokens"]] + [r for r in recs if r["tags"]["pair"] == p["pair"]
                                                            and r["tags"]["arch"] == "transformer"]
        if len(runs) < 2:
            continue
        runs.sort(key=lambda r: r["train"]["lr"])
        losses = [r["result"]["final_val_loss"] for r in runs]
        best = int(np.argmin(losses))
        out["lr_checks"].append({"pair": p["pair"], "shape": p["transformer"]["shape"],
                                 "lr": [r["train"]["lr"] for r in runs], "loss": losses,
                                 "best_lr": runs[best]["train"]["lr"], "best_loss": losses[best],
                                 "best_at_edge": best in (0, len(runs) - 1), "lstm_loss": p["lstm"]["loss"],
                                 "lstm_ahead_of_best": p["lstm"]["loss"] < losses[best]})
    return out


def fit_aspect(records: list[dict], *, threshold: float = 0.03) -> dict:
    """Depth against width at fixed non-embedding N, and the same runs counted with and without embeddings.

    ``basins`` (Kaplan et al. 2020, Fig. 5): at each target size (tag
    ``size``), every shape's loss relative to the best,
    ``excess = L / L_best - 1``, and the *basin*: the aspect ratios
    d_model/n_layer of the contiguous run of shapes around the best whose
    excess stays within ``threshold``, with its ``width`` (largest over
    smallest ratio) and whether the shapes beyond it on both sides are worse.

    ``embedding_counting`` (their Fig. 6): one pure power law L = A N^-alpha
    through all runs of two or more layers, N counted without or with the
    embeddings; per count, the root-mean-square log residual and each depth's
    mean residual. Kaplan et al.: without embeddings the depths fall on one
    trend; with them the trend depends on depth.
    """
    threshold = check_scalar("threshold", threshold, low=0)
    recs = [r for r in records if r["experiment"] == "aspect"]
    if len(recs) < 3:
        raise ValueError(f"records: the aspect experiment needs at least 3 runs, got {len(recs)}")
    rows = [{"shape": r["tags"]["shape"], "n_layer": r["model"]["n_layer"], "d_model": r["model"]["d_model"],
             "aspect": r["model"]["d_model"] / r["model"]["n_layer"], "size": float(r["tags"].get("size", 0)),
             "N": r["result"]["n_params_nonembedding"], "N_total": _n_total(r), "L": r["result"]["final_val_loss"]}
            for r in recs]
    basins = []
    for size in sorted({x["size"] for x in rows}):
        rs = sorted((x for x in rows if x["size"] == size), key=lambda x: x["aspect"])
        best = min(range(len(rs)), key=lambda i: rs[i]["L"])
        for x in rs:
            x["excess"] = x["L"] / rs[best]["L"] - 1
        lo = hi = best
        while lo > 0 and rs[lo - 1]["excess"] <= threshold:
            lo -= 1
        while hi < len(rs) - 1 and rs[hi + 1]["excess"] <= threshold:
            hi += 1
        basins.append({"size": size, "shapes": [x["shape"] for x in rs], "aspect": [x["aspect"] for x in rs],
                       "L": [x["L"] for x in rs], "excess": [x["excess"] for x in rs], "best_shape": rs[best]["shape"],
                       "best_aspect": rs[best]["aspect"], "basin_low": rs[lo]["aspect"], "basin_high": rs[hi]["aspect"],
                       "width": rs[hi]["aspect"] / rs[lo]["aspect"], "n_in_basin": hi - lo + 1,
                       "worse_beyond_low": lo > 0, "worse_beyond_high": hi < len(rs) - 1,
                       "excess_at_extremes": [rs[0]["excess"], rs[-1]["excess"]]})
    counting_out = {}
    for min_layers in (2, 1):
        sub = [x for x in rows if x["n_layer"] >= min_layers]
        entry = {}
        for count in ("nonembedding", "total"):
            N = np.array([x["N" if count == "nonembedding" else "N_total"] for x in sub], float)
            L = np.array([x["L"] for x in sub])
            slope, icpt = np.polyfit(np.log(N), np.log(L), 1)
            resid = np.log(L) - (slope * np.log(N) + icpt)
            depth_mean = {int(d): float(resid[[x["n_layer"] == d for x in sub]].mean())
                          for d in sorted({x["n_layer"] for x in sub})}
            entry[count] = {"alpha": float(-slope), "rms_log_residual": float(np.sqrt(np.mean(resid**2))),
                            "depth_mean_residual": depth_mean,
                            "depth_spread": float(max(depth_mean.values()) - min(depth_mean.values()))}
        counting_out["min_layers_%d" % min_layers] = entry
    return {"threshold": threshold, "runs": rows, "basins": basins, "embedding_counting": counting_out}


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


def report(records: list[dict], *, bootstrap: int = 200, seed: int = 0) -> dict:
    """All fits for the experiments present in ``records`` (a failing fit is reported, not raised)."""
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    experiments = sorted({r["experiment"] for r in records})
    out = {"n_runs": len(records), "experiments": {}}
    b = {"bootstrap": bootstrap, "seed": seed}
    jobs = [("L_N", "L_N", fit_l_n, b),
            ("learning_curves", "L_N", fit_learning_curves, {}),
            ("isoflop", "isoflop", fit_isoflop, b),
            ("wsd_vs_cosine", "isoflop_cosine", compare_schedules, {}),
            ("critical_batch", "batch", fit_critical_batch, b),
            ("finite_data", "finite_data", fit_finite_data, {}),
            ("counting", "isoflop", counting, b),
            ("overtraining", "isoflop", fit_overtraining, {}),
            ("lstm", "lstm", fit_lstm, {}),
            ("aspect", "aspect", fit_aspect, {}),
            ("mup", "mup", fit_mup, {}),
            ("emergence", "emergence", fit_emergence, {}),
            ("schedules", "wsd", fit_schedules, {})]
    for name, needs, fitter, kwargs in jobs:
        if needs not in experiments:
            continue
        if name == "counting" and "error" not in out["experiments"].get("isoflop", {"error": ""}):
            kwargs = {**kwargs, "isoflop": out["experiments"]["isoflop"]}
        try:
            # bootstrap resamples of a handful of tiny-model runs can be degenerate; those
            # resamples are skipped by the fitters, and their overflow warnings are noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                out["experiments"][name] = fitter(records, **kwargs)
        except (ValueError, OverflowError, FloatingPointError, RuntimeError, np.linalg.LinAlgError) as exc:
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
