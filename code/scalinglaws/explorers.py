"""The book's main explorers, one per chapter, defined once.

Each entry wraps a plain, tested function of a chapter's module into an
:class:`~scalinglaws.explorer.Explorer`: the chapter shows its static figure
and its kernel-free HTML, Jupyter readers get live sliders from the same
object, and the browser tests move the sliders on the built site and check
the numbers shown against :meth:`Explorer.frame`, computed here.

    >>> from scalinglaws import explorers
    >>> ex = explorers.get("chinchilla-budget")
    >>> ex.frame(C=1e24).number("N_chinchilla").text  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from scalinglaws.explorer import Control, Explorer, Frame, Number, Series

__all__ = ["REGISTRY", "get", "names"]

#: name -> zero-argument factory returning the Explorer
REGISTRY: dict[str, Callable[[], Explorer]] = {}


def _register(name: str):
    def wrap(factory):
        REGISTRY[name] = factory
        return factory

    return wrap


def names() -> list[str]:
    """Names of every registered explorer."""
    return sorted(REGISTRY)


def get(name: str) -> Explorer:
    """The explorer called ``name`` (see :func:`names`)."""
    if name not in REGISTRY:
        raise ValueError(f"name must be one of {names()!r}, got {name!r}")
    return REGISTRY[name]()


def _thin(x, y, n=60):
    """At most ``n`` evenly spaced points of a curve (keeps pages small)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size <= n:
        return x, y
    idx = np.unique(np.linspace(0, x.size - 1, n).round().astype(int))
    return x[idx], y[idx]


# -- Power laws -------------------------------------------------------------------


def power_law_frame(alpha=0.3, E=1.7, noise=0.01, n_points=12) -> Frame:
    """Fits with and without the irreducible loss E, and their extrapolation (``powerlaw.explore_fit``)."""
    from scalinglaws import powerlaw

    out = powerlaw.explore_fit(alpha=alpha, E=E, noise=noise, n_points=n_points)
    grid = out["x_grid"]
    return Frame(
        (
            Series("simulated runs", out["x"], out["y"], kind="points"),
            Series("true law", *_thin(grid, out["y_true_grid"])),
            Series("fit with E", *_thin(grid, out["y_grid_offset"]), dashed=True),
            Series("fit without E", *_thin(grid, out["y_grid_no_offset"]), dashed=True),
        ),
        (
            Number("alpha_offset", "fitted α (with E)", out["fit_offset"].alpha, "{:.3f}"),
            Number("alpha_no_offset", "fitted α (no E)", out["fit_no_offset"].alpha, "{:.3f}"),
            Number("err_offset", "error at 1e24, with E", 100 * out["rel_error_offset"], "{:+.1f}%"),
            Number("err_no_offset", "error at 1e24, no E", 100 * out["rel_error_no_offset"], "{:+.1f}%"),
        ),
    )


@_register("power-law-fit")
def _power_law() -> Explorer:
    return Explorer(
        "power-law-fit", power_law_frame,
        [
            Control("alpha", "exponent α", (0.1, 0.3, 0.5), 0.3),
            Control("E", "offset E", (0.0, 0.5, 1.7, 3.0), 1.7),
            Control("noise", "noise (log units)", (0.0, 0.01, 0.05), 0.01),
            Control("n_points", "number of runs", (6, 12, 24), 12, "{:d}"),
        ],
        title="Fit small runs (1e17-1e20), extrapolate to 1e24",
        xlabel="compute x", ylabel="loss y",
    )


# -- Kaplan et al.: a model config to parameters, FLOPs and L(N) --------------------


def kaplan_config_frame(n_layer=12, d_model=768, n_ctx=1024) -> Frame:
    """Parameters, FLOPs per token and Kaplan's L(N) of a GPT-style config (``kaplan.explore_config``)."""
    from scalinglaws import kaplan

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
            Number("forward_flops", "forward FLOPs/token", s.forward_flops_per_token, "{:.3g}"),
            Number("training_flops", "training FLOPs/token", s.training_flops_per_token, "{:.3g}"),
            Number("six_N", "6N", s.six_N, "{:.3g}"),
            Number("attention_share", "context-term share", 100 * s.attention_share, "{:.1f}%"),
            Number("loss_N", "L(N), nats/token", s.loss_N, "{:.3f}"),
        ),
    )


@_register("kaplan-config")
def _kaplan_config() -> Explorer:
    return Explorer(
        "kaplan-config", kaplan_config_frame,
        [
            Control("n_layer", "layers", (2, 6, 12, 24, 48, 96), 12, "{:d}"),
            Control("d_model", "width d_model", (64, 256, 768, 2048, 4096, 12288), 768, "{:d}"),
            Control("n_ctx", "context n_ctx", (256, 1024, 4096, 16384), 1024, "{:d}"),
        ],
        title="A GPT-style config (vocabulary 50257) on Kaplan's L(N)",
        xlabel="non-embedding parameters N", ylabel="loss (nats/token)",
    )


# -- Critical batch size: moving B along the step/data trade-off ----------------------


def critical_batch_frame(target_loss=3.0, batch_tokens=2.0**19) -> Frame:
    """Steps and data relative to their minima at batch ``batch_tokens`` (``batch_size.explore_tradeoff``)."""
    from scalinglaws import batch_size

    t = batch_size.explore_tradeoff(target_loss=target_loss, batch_tokens=batch_tokens)
    return Frame(
        (
            Series("S / S_min (steps)", t.curve_B, t.curve_steps_ratio),
            Series("E / E_min (data = compute)", t.curve_B, t.curve_data_ratio),
            Series("this batch: steps", [t.B], [t.steps_ratio], kind="points"),
            Series("this batch: data", [t.B], [t.data_ratio], kind="points"),
        ),
        (
            Number("B_crit", "B_crit (tokens)", t.B_crit, "{:.3g}"),
            Number("steps_ratio", "S / S_min", t.steps_ratio, "{:.2f}"),
            Number("data_ratio", "E / E_min", t.data_ratio, "{:.2f}"),
            Number("S", "steps S", t.S, "{:.3g}"),
            Number("E", "tokens E", t.E, "{:.3g}"),
            Number("C", "compute 6NE (FLOPs)", t.C, "{:.3g}"),
        ),
    )


@_register("critical-batch")
def _critical_batch() -> Explorer:
    return Explorer(
        "critical-batch", critical_batch_frame,
        [
            Control("target_loss", "target loss (nats)", (2.9, 3.0, 3.3, 3.6, 4.0, 5.0), 3.0),
            Control("batch_tokens", "batch B (tokens)", tuple(2.0**k for k in range(13, 26, 2)), 2.0**19, "{:.3g}"),
        ],
        title="Steps vs data to reach a target loss (N = 1e8)",
        xlabel="batch size B (tokens)", ylabel="ratio to the minimum",
    )


# -- Early stopping and finite data -----------------------------------------------------


@_register("early-stopping")
def _early_stopping() -> Explorer:
    from scalinglaws import early_stopping

    return Explorer(
        "early-stopping", early_stopping.explorer_frame,
        [Control("N", "N (params)", (1e6, 1e7, 1e8, 1e9), 1e8, "{:.0e}"),
         Control("D", "D (tokens)", (1e7, 1e8, 1e9, 1e10, 1e11), 1e9, "{:.0e}")],
        title="Infinite-data learning curve meets the finite-data loss at S_stop",
        xlabel="steps S (at B >> B_crit)", ylabel="loss (nats/token)",
    )


@_register("data-constrained")
def _data_constrained() -> Explorer:
    from scalinglaws import data_constrained

    return Explorer(
        "data-constrained", data_constrained.explorer_frame,
        [Control("C", "compute C (FLOPs)", (1e20, 1e21, 1e22, 1e23, 1e24), 1e22, "{:.0e}"),
         Control("U", "unique tokens U", (1e9, 5e9, 25e9, 1e11, 5e11), 25e9, "{:.0e}")],
        title="IsoFLOP loss with limited unique data (Muennighoff et al. fit)",
        xlabel="parameters N (D = C / 6N)", ylabel="loss (nats/token)",
    )


# -- Chinchilla: one budget, four laws --------------------------------------------------

_BUDGET_LAWS = (("kaplan", "Kaplan"), ("chinchilla", "Chinchilla"),
                ("chinchilla-rounded", "Chinchilla (rounded)"), ("epoch", "Epoch"))


def chinchilla_budget_frame(C=5.76e23) -> Frame:
    """N_opt under each law across budgets, and the numbers at ``C`` FLOPs (``chinchilla.explore_budget``)."""
    from scalinglaws import chinchilla

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


@_register("chinchilla-budget")
def _chinchilla_budget() -> Explorer:
    return Explorer(
        "chinchilla-budget", chinchilla_budget_frame,
        [Control("C", "compute C (FLOPs)", tuple(float(f"{v:.3g}") for v in np.geomspace(1e18, 1e27, 19)) + (5.76e23,),
                 5.76e23, "{:.3g}")],
        title="Compute-optimal model size under four fitted laws",
        xlabel="training compute C (FLOPs)", ylabel="optimal parameters N_opt",
    )


# -- Reconciling Kaplan and Chinchilla ----------------------------------------------------


def reconcile_frame(counting="nonembedding", coefficients="epoch", log10_n_min=2.9, log10_n_max=9.2) -> Frame:
    """The Pearce & Song simulation and its fitted local exponent (``reconcile.explore_counting``)."""
    from scalinglaws import reconcile

    sim = reconcile.explore_counting(counting, log10_n_min, log10_n_max, coefficients)
    fit = np.exp(sim.log_coefficient) * sim.compute**sim.exponent
    return Frame(
        (
            Series("simulated compute-optimal N*", sim.compute, sim.n_star, kind="points"),
            Series(f"fit: N* ∝ C^{sim.exponent:.3f}", sim.compute, fit),
        ),
        (
            Number("exponent", "fitted exponent of N* ∝ C^g", sim.exponent, "{:.3f}"),
            Number("loss_exponent", "offset-free loss slope", sim.loss_exponent, "{:.3f}"),
        ),
    )


@_register("reconcile-counting")
def _reconcile() -> Explorer:
    return Explorer(
        "reconcile-counting", reconcile_frame,
        [
            Control("counting", "parameters counted", ("nonembedding", "total"), "nonembedding", "{}"),
            Control("coefficients", "coefficients", ("epoch", "chinchilla"), "epoch", "{}"),
            Control("log10_n_min", "log10 smallest N", (2.9, 4.0, 5.0, 6.0, 7.0), 2.9, "{:g}"),
            Control("log10_n_max", "log10 largest N", (8.0, 9.2, 10.0, 11.0, 12.0), 9.2, "{:g}"),
        ],
        title="Chinchilla's law seen through Kaplan's counting",
        xlabel="compute C (FLOPs, as counted)", ylabel="compute-optimal N* (as counted)",
    )


# -- Overtraining for inference -----------------------------------------------------------------


def inference_frame(D_inf=1e13, reference_params=30e9) -> Frame:
    """Inference-aware optimum vs lifetime inference tokens (``overtraining.explore``)."""
    from scalinglaws import overtraining

    grid = np.geomspace(1e9, 1e16, 36)
    runs = [overtraining.explore(d, reference_params=reference_params) for d in grid]
    here = overtraining.explore(D_inf, reference_params=reference_params)
    return Frame(
        (
            Series("inference-aware N", grid, [r.N for r in runs]),
            Series("Chinchilla-optimal N (same loss)", grid, [r.chinchilla_N for r in runs], dashed=True),
            Series("this workload", [D_inf], [here.N], kind="points"),
        ),
        (
            Number("loss", "target loss (nats/token)", here.loss, "{:.4f}"),
            Number("N", "optimal N", here.N, "{:.3g}"),
            Number("D_tr", "training tokens", here.D_tr, "{:.3g}"),
            Number("tokens_per_param", "tokens/param", here.tokens_per_param, "{:.0f}"),
            Number("total_flops", "training + inference FLOPs", here.total_flops, "{:.3g}"),
            Number("savings", "saving vs Chinchilla model", 100 * here.savings, "{:.1f}%"),
        ),
    )


@_register("inference-aware")
def _inference() -> Explorer:
    return Explorer(
        "inference-aware", inference_frame,
        [
            Control("D_inf", "lifetime inference tokens", tuple(10.0**k for k in range(9, 17)), 1e13, "{:.0e}"),
            Control("reference_params", "quality of a Chinchilla model of", (7e9, 30e9, 70e9, 280e9), 30e9,
                    "{:.0e}"),
        ],
        title="Smaller models trained longer win when inference dominates",
        xlabel="lifetime inference tokens D_inf", ylabel="parameters N",
    )


# -- The training lab: L(N) on the cached cpu runs ----------------------------------------------


def lab_l_n_frame(count="nonembedding", offset=True, drop_smallest=0) -> Frame:
    """Refit L(N) on the cached ``cpu`` lab runs without the ``drop_smallest`` smallest models
    (``lab.report.explore_l_n``)."""
    from scalinglaws.lab.report import explore_l_n, runs_table
    from scalinglaws.lab.sweep import load_results, results_path

    records = load_results(results_path("cpu"))
    table = runs_table(records, "L_N")
    sizes = np.sort(table["N"] if count == "nonembedding" else table["N_total"])
    out = explore_l_n(records, N_min=float(sizes[drop_smallest]), offset=offset, count=count)
    return Frame(
        (
            Series("lab runs", out["N"], out["L"], kind="points"),
            Series("fit with E" if offset else "fit without E", out["N_grid"], out["L_fit"]),
        ),
        (
            Number("alpha", "fitted α_N", out["alpha"], "{:.3f}"),
            Number("E", "fitted E (nats/byte)", out["E"], "{:.3f}"),
            Number("r2", "R² (log space)", out["r2"], "{:.4f}"),
            Number("n_runs", "runs used", len(out["N"]), "{:d}"),
        ),
    )


@_register("lab-l-n")
def _lab_l_n() -> Explorer:
    return Explorer(
        "lab-l-n", lab_l_n_frame,
        [
            Control("count", "parameters counted", ("nonembedding", "total"), "nonembedding", "{}"),
            Control("offset", "fit the offset E", (True, False), True, "{}"),
            Control("drop_smallest", "smallest models left out", (0, 1, 2), 0, "{:d}"),
        ],
        title="L(N) of the lab's tiny transformers (cached cpu preset)",
        xlabel="parameters N", ylabel="validation loss (nats/byte)",
    )


# -- The training lab: the batch-size trade-off on the cached cpu runs ----------------------------


def lab_critical_batch_frame(target=0, span=0.4) -> Frame:
    """The steps/tokens trade-off of the cached ``cpu`` batch-size runs at one target loss.

    ``target`` indexes the five targets of ``lab.report.fit_critical_batch``
    (0 = the highest loss); ``span`` is that function's share of the common
    loss range the targets cover.
    """
    from scalinglaws.batch_size import tradeoff_curve
    from scalinglaws.lab.report import fit_critical_batch
    from scalinglaws.lab.sweep import load_results, results_path

    out = fit_critical_batch(load_results(results_path("cpu")), n_targets=5, span=span, bootstrap=0)
    f = out["targets"][target]
    n_ctx = out["n_ctx"]
    curve = tradeoff_curve(f["S_min"], f["E_min"], num=80, span=100)
    return Frame(
        (
            Series("runs: tokens and steps to reach L", np.array(f["examples"]) * n_ctx, np.array(f["steps"]),
                   kind="points"),
            Series("fitted (S/S_min - 1)(E/E_min - 1) = 1", curve.E * n_ctx, curve.S),
        ),
        (
            Number("target", "target loss (nats/byte)", f["target"], "{:.3f}"),
            Number("B_crit", "B_crit (tokens)", f["B_crit"] * n_ctx, "{:,.0f}"),
            Number("B_simple", "B_simple, noise-scale trend (tokens)", f["B_simple"] * n_ctx, "{:,.0f}"),
            Number("S_min", "S_min (steps)", f["S_min"], "{:.0f}"),
            Number("E_min", "E_min (tokens)", f["E_min"] * n_ctx, "{:.3g}"),
        ),
    )


@_register("lab-critical-batch")
def _lab_critical_batch() -> Explorer:
    return Explorer(
        "lab-critical-batch", lab_critical_batch_frame,
        [
            Control("target", "target loss (0 = highest)", (0, 1, 2, 3, 4), 0, "{:d}"),
            Control("span", "share of the loss range used", (0.3, 0.4, 0.5), 0.4, "{:.1f}"),
        ],
        title="Steps vs tokens to reach a loss, six batch sizes (cached cpu preset)",
        xlabel="tokens to reach the target", ylabel="steps to reach the target",
    )

