"""The lab's analyses (scalinglaws.lab.report) on synthetic records whose true laws are known.

Each test builds records with exactly the structure a sweep writes, from a
law with chosen constants, and checks that the analysis recovers them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from scalinglaws.constants import KAPLAN_LND, ParametricLoss
from scalinglaws.lab.report import (
    compare_schedules, cooldown_table, counting, fit_aspect, fit_critical_batch, fit_finite_data, fit_isoflop,
    fit_learning_curves, fit_lstm, fit_overtraining, isoflop_points, report, seed_noise, steps_to_loss,
)


def _record(experiment, *, N=1000, N_emb=500, tokens=1e6, L=2.0, curve=None, tags=None, lr=3e-3, batch=16,
            n_ctx=128, fpt=None, steps=100, seed=0, train=None, model=None, **result):
    fpt = 6 * N if fpt is None else fpt
    curve = curve or [{"step": steps, "val_loss": L}]
    key = result.pop("key", f"{experiment}-{N}-{tokens}-{lr}-{seed}")
    return {"key": key, "experiment": experiment, "tags": dict(tags or {}), "model": {"n_ctx": n_ctx, **(model or {})},
            "train": {"lr": lr, "batch_size": batch, "seed": seed, **(train or {})},
            "result": {"n_params_nonembedding": N, "n_params_embedding": N_emb, "tokens": tokens,
                       "flops": fpt * tokens, "final_val_loss": curve[-1]["val_loss"], "curve": curve,
                       "flops_per_token": fpt, "steps": steps, **result}}


# --- steps to a target loss ---------------------------------------------------------------------------

def test_steps_to_loss_interpolates_in_log_steps():
    curve = [{"step": 10, "val_loss": 3.0}, {"step": 100, "val_loss": 2.0}, {"step": 1000, "val_loss": 1.5}]
    assert steps_to_loss(curve, 2.5) == pytest.approx(math.sqrt(10 * 100))
    assert steps_to_loss(curve, 2.0) == pytest.approx(100)
    assert steps_to_loss(curve, 3.5) is None  # already below at the first evaluation: not bracketed
    assert steps_to_loss(curve, 1.0) is None  # never reached


@given(st.floats(1.51, 2.99))
def test_steps_to_loss_lies_between_the_bracketing_evaluations(target):
    curve = [{"step": 10, "val_loss": 3.0}, {"step": 100, "val_loss": 2.0}, {"step": 1000, "val_loss": 1.5}]
    s = steps_to_loss(curve, target)
    assert 10 <= s <= 1000
    lo = 10 if target >= 2.0 else 100
    assert lo <= s <= lo * 10 * (1 + 1e-12)


# --- critical batch ---------------------------------------------------------------------------------

def _batch_records(B_star=2e3, alpha_B=0.5, batches=(4, 8, 16, 32, 64, 128)):
    """Curves built so that the steps to every loss follow S = S_min(L) (1 + B_crit(L)/B) exactly."""
    recs = []
    losses = np.linspace(3.0, 1.8, 60)
    for B in batches:
        curve = []
        for L in losses:
            S_min = 50.0 * math.exp(2.0 * (3.0 - L))
            B_crit = B_star / L ** (1 / alpha_B)
            S = S_min * (1 + B_crit / B)
            b_simple = 0.8 * B_crit
            curve.append({"step": S, "val_loss": float(L), "noise": {"b_simple": b_simple}})
        recs.append(_record("batch", curve=curve, batch=B, tags={"batch": B, "shape": "2x32"}))
    return recs


def test_critical_batch_recovers_the_tradeoff_and_kaplans_exponent():
    out = fit_critical_batch(_batch_records(), n_targets=4, bootstrap=0)
    for f in out["targets"]:
        assert f["B_crit"] == pytest.approx(2e3 / f["target"] ** 2, rel=0.02)
        assert f["B_crit_over_B_simple"] == pytest.approx(1 / 0.8, rel=0.03)
    assert out["kaplan_fit"]["alpha_B"] == pytest.approx(0.5, rel=0.03)
    assert out["targets"][0]["target"] > out["targets"][-1]["target"]  # from high loss to low


def test_critical_batch_needs_three_batch_sizes_and_a_common_loss():
    with pytest.raises(ValueError, match="3 batch sizes"):
        fit_critical_batch(_batch_records(batches=(8, 16)))
    recs = _batch_records(batches=(8, 16, 32))
    recs[0]["result"]["curve"] = [p for p in recs[0]["result"]["curve"] if p["val_loss"] > 2.9]
    recs[1]["result"]["curve"] = [p for p in recs[1]["result"]["curve"] if p["val_loss"] < 2.5]
    with pytest.raises(ValueError, match="no loss is crossed"):
        fit_critical_batch(recs)


# --- finite data ----------------------------------------------------------------------------------

def _finite_records(c=2.0, alpha_D=0.3):
    recs = []
    for shape, N in (("a", 5e3), ("b", 2e4), ("c", 6e4)):
        L_ref = 2.0 + 10 * N ** -0.3
        recs.append(_record("finite_data", N=N, L=L_ref, tags={"shape": shape, "unique_bytes": 0}))
        for U in (4096, 16384, 65536, 262144):
            x = N ** (KAPLAN_LND.alpha_N / KAPLAN_LND.alpha_D) / U
            L_min = L_ref * (1 + c * x) ** alpha_D
            curve = [{"step": 10, "val_loss": L_min + 0.5}, {"step": 50, "val_loss": L_min},
                     {"step": 100, "val_loss": L_min + 0.1}]
            recs.append(_record("finite_data", N=N, curve=curve, tokens=1 << 20,
                                tags={"shape": shape, "unique_bytes": U}))
    return recs


def test_finite_data_recovers_kaplans_overfitting_law():
    out = fit_finite_data(_finite_records())
    assert out["n_runs"] == 12
    assert out["kaplan_fit"]["alpha_D"] == pytest.approx(0.3, rel=0.02)
    assert out["kaplan_fit"]["c"] == pytest.approx(2.0, rel=0.05)
    assert out["kaplan_fit"]["r2"] > 0.999
    row = out["runs"][0]
    assert row["turn_up"] == pytest.approx(0.1) and row["best_step"] == 50
    assert row["epochs"] == pytest.approx((1 << 20) / row["unique_bytes"])
    assert 0 < row["muennighoff_value"] <= 1


def test_finite_data_without_reference_is_refused():
    recs = [r for r in _finite_records() if r["tags"]["unique_bytes"] != 0]
    with pytest.raises(ValueError, match="fresh-text reference"):
        fit_finite_data(recs)


# --- learning curves ------------------------------------------------------------------------------

def test_learning_curves_predict_final_losses_of_an_exact_kaplan_law():
    N_c, a_N, S_c, a_S = 1e9, 0.08, 300.0, 0.6
    recs = []
    for N in (3e3, 7e3, 2e4, 5e4, 1e5):
        steps = 2048
        curve = [{"step": s, "val_loss": (N_c / N) ** a_N + (S_c / s) ** a_S} for s in np.linspace(128, steps, 16)]
        recs.append(_record("L_N", N=N, curve=curve, steps=steps))
    out = fit_learning_curves(recs, fit_fraction=0.5)
    assert out["early"]["alpha_S"] == pytest.approx(a_S, rel=1e-3)
    assert out["early"]["alpha_N"] == pytest.approx(a_N, rel=1e-3)
    assert out["max_abs_relative_error"] < 1e-4
    with pytest.raises(ValueError, match="fit_fraction"):
        fit_learning_curves(recs, fit_fraction=0)
    with pytest.raises(ValueError, match="6 early points"):
        fit_learning_curves(recs[:1])


# --- IsoFLOP from WSD runs: tuning, seeds, counting, overtraining -----------------------------------

LAW = ParametricLoss(E=1.0, A=30.0, B=60.0, alpha=0.4, beta=0.35, source="test")
A_TRUE = LAW.beta / (LAW.alpha + LAW.beta)
BUDGETS = (1e11, 3e11, 1e12, 3e12, 1e13)


def _n_opt(C, law=LAW):
    return (law.alpha * law.A / (law.beta * law.B)) ** (1 / (law.alpha + law.beta)) * \
        (C / 6) ** (law.beta / (law.alpha + law.beta))


def _wsd_isoflop_records(law=LAW, sigma=0.0, seeds=(0, 1), lr_curvature=0.05, reference=True, rng_seed=0):
    """WSD IsoFLOP runs as a sweep writes them: per size, three rates around its optimum (the loss pays
    ``lr_curvature (ln(lr/lr_opt))^2``), two seeds at the middle one, a reference rate; every run lists its
    cool-downs, one per budget the size belongs to. Losses follow ``law`` (total parameters, C = 6 N D)
    times exp(noise) with relative noise ``sigma`` per run and cool-down."""
    rng = np.random.default_rng(rng_seed)
    sizes = np.geomspace(1e3, 1e6, 22)
    recs = []
    for N in sizes:
        Cs = [C for C in BUDGETS if _n_opt(C) / 6 < N < _n_opt(C) * 6]
        if not Cs:
            continue
        lr_opt = 0.3 / N ** 0.25
        plan = [(lr_opt / 2, 0, "low"), (lr_opt, 0, "centre"), (lr_opt * 2, 0, "high")]
        plan += [(lr_opt, s, "centre") for s in seeds[1:]]
        if reference:
            plan.append((3e-3, 0, "reference"))
        for lr, seed, role in plan:
            cds = []
            for C in Cs:
                D = C / (6 * N)
                L = law.E + law.A / N ** law.alpha + law.B / D ** law.beta
                L = (L + lr_curvature * math.log(lr / lr_opt) ** 2) * math.exp(sigma * rng.standard_normal())
                cds.append({"tokens": D, "flops": C, "steps": 100, "fork_step": 80, "val_loss": L,
                            "stable_val_loss": L + 0.1})
            recs.append(_record("isoflop", N=N * 0.8, N_emb=N * 0.2, tokens=cds[-1]["tokens"], L=cds[-1]["val_loss"],
                                tags={"shape": f"n{N:.0f}", "budgets": list(Cs), "lr_role": role}, lr=lr, seed=seed,
                                fpt=6 * N, cooldowns=cds, key=f"n{N:.0f}-{lr:.3g}-{seed}"))
    return recs


def test_cooldown_table_has_one_row_per_cooldown_with_its_budget():
    recs = _wsd_isoflop_records()
    t = cooldown_table(recs)
    assert len(t["shape"]) == sum(len(r["result"]["cooldowns"]) for r in recs)
    i = 0
    for r in recs:
        for c, C in zip(r["result"]["cooldowns"], r["tags"]["budgets"]):
            assert (t["budget"][i], t["L"][i], t["L_stable"][i], t["key"][i]) == (C, c["val_loss"],
                                                                                 c["stable_val_loss"], r["key"])
            i += 1
    bad = [r for r in _wsd_isoflop_records() if len(r["tags"]["budgets"]) > 1][:1]
    bad[0]["tags"]["budgets"] = bad[0]["tags"]["budgets"][:-1]
    with pytest.raises(ValueError, match="budgets"):
        cooldown_table(bad)


def test_tuning_finds_each_sizes_best_rate_between_grid_points():
    exact = isoflop_points(_wsd_isoflop_records())
    law = LAW.E + LAW.A / (exact["N_total"]) ** LAW.alpha + LAW.B / exact["D"] ** LAW.beta
    # the penalty is a parabola in ln(lr): the three rates' parabola finds its vertex exactly
    np.testing.assert_allclose(exact["L"], law, rtol=1e-9)
    assert exact["bracketed"].all()
    untuned = isoflop_points(_wsd_isoflop_records(), tuned=False)
    assert np.all(untuned["L"] >= exact["L"] - 1e-12) and np.all(untuned["lr"] == 3e-3)


def test_isoflop_recovers_the_laws_exponent_and_reports_the_headline():
    out = fit_isoflop(_wsd_isoflop_records(), bootstrap=20, approach3_bootstrap=0)
    head = out["headline"]
    assert {"a", "low", "high", "level", "n_budgets", "decades", "count", "tuned", "approach"} <= set(head)
    assert (head["count"], head["tuned"], head["level"], head["n_budgets"]) == ("total", True, 0.95, 5)
    assert head["decades"] == pytest.approx(2.0)
    assert head["a"] == pytest.approx(A_TRUE, abs=0.02)
    assert head["low"] <= head["a"] <= head["high"]
    assert head["minimum_inside_every_budget"] and head["lr_bracketed_everywhere"]
    a3 = next(f for f in out["fits"] if f["count"] == "total" and f["tuned"])["approach3"]
    assert a3["a"] == pytest.approx(A_TRUE, rel=0.02)
    # a fixed share of embeddings (20% here) scales N and does not move a
    ne = next(f for f in out["fits"] if f["count"] == "nonembedding" and f["tuned"])["approach2"]
    assert ne["a"] == pytest.approx(head["a"], rel=1e-6)
    assert {(f["count"], f["tuned"]) for f in out["fits"]} == {(c, t) for c in ("total", "nonembedding")
                                                              for t in (True, False)}


def test_seed_noise_is_measured_and_widens_the_interval():
    quiet = fit_isoflop(_wsd_isoflop_records(), bootstrap=30, approach3_bootstrap=0)
    assert quiet["seed_noise"]["sigma"] == 0
    assert quiet["headline"]["seed_interval"][1] - quiet["headline"]["seed_interval"][0] == pytest.approx(0, abs=1e-9)
    noisy_recs = _wsd_isoflop_records(sigma=0.01)
    noise = seed_noise(noisy_recs)
    assert noise["sigma_rel"] == pytest.approx(0.01, rel=0.35)
    assert abs(noise["rho"]) < 0.5  # the synthetic noise is independent between cool-downs
    noisy = fit_isoflop(noisy_recs, bootstrap=40, approach3_bootstrap=0)
    lo, hi = noisy["headline"]["seed_interval"]
    assert hi - lo > 0.01
    assert noisy["headline"]["low"] <= lo and noisy["headline"]["high"] >= hi


def test_counting_reports_both_counts():
    recs = _wsd_isoflop_records()
    recs += [_record("L_N", N=n, N_emb=2e4, L=2 + 20 * n ** -0.3) for n in (1e3, 3e3, 1e4, 3e4, 1e5)]
    out = counting(recs, bootstrap=0)
    assert out["a2_total"] == pytest.approx(A_TRUE, abs=0.02)
    assert out["a2_nonembedding"] == pytest.approx(out["a2_total"], rel=1e-6)
    # a fixed embedding block (2e4) inflates the small models' total count, compressing the
    # range of N: the same loss drop then needs a steeper law
    assert out["alpha_total"] > out["alpha_nonembedding"]
    assert all(f["embedding_share"] == pytest.approx(0.2) for f in out["frontier"])


def test_overtraining_measured_overhead_matches_the_law():
    out = fit_overtraining(_wsd_isoflop_records(), count="total")
    matched = [r for r in out["rows"] if r["overhead"] is not None]
    assert len(matched) >= 3
    assert out["law"]["alpha"] == pytest.approx(LAW.alpha, rel=0.02)
    for r in matched:
        assert r["overhead"] >= 1 and r["size_ratio"] < 1
        # interpolating L linearly in log C between budgets a factor ~3 of compute apart
        # overestimates C a little (L is convex in log C)
        assert r["overhead_predicted"] <= r["overhead"] <= 1.1 * r["overhead_predicted"]
        assert r["break_even_inference_tokens"] >= 0
    with pytest.raises(ValueError, match="count"):
        fit_overtraining(_wsd_isoflop_records(), count="embedding")


def test_schedules_compare_cosine_runs_with_the_matching_cooldowns():
    recs = _wsd_isoflop_records()
    for r in list(recs):
        if r["tags"]["lr_role"] == "centre" and r["train"]["seed"] == 0:
            for c, C in zip(r["result"]["cooldowns"], r["tags"]["budgets"]):
                if C in (3e11, 3e12):
                    recs.append(_record("isoflop_cosine", N=r["result"]["n_params_nonembedding"], N_emb=
                                        r["result"]["n_params_embedding"], tokens=c["tokens"], L=c["val_loss"] + 0.01,
                                        tags={"shape": r["tags"]["shape"], "budget": C}, lr=r["train"]["lr"]))
    out = compare_schedules(recs)
    assert out["n_pairs"] == sum(r["experiment"] == "isoflop_cosine" for r in recs)
    assert out["mean_diff"] == pytest.approx(0.01) and out["max_abs_diff"] == pytest.approx(0.01)
    assert [b["budget"] for b in out["by_budget"]] == [3e11, 3e12]
    for b in out["by_budget"]:  # a constant offset leaves the optimum where it was
        assert b["N_opt_ratio"] == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="isoflop_cosine"):
        compare_schedules(_wsd_isoflop_records())


# --- architecture: LSTM, depth and width --------------------------------------------------------------

def _lstm_records(sep=60, n_ctx=256):
    t = np.arange(1, n_ctx + 1)
    tf = 1.5 + 1.5 / np.sqrt(t)
    ls = np.where(t < sep, tf, 1.5 + 1.5 / np.sqrt(sep) + 0.0 * t)  # the LSTM stops improving at sep
    recs = []
    for arch, curve in (("transformer", tf), ("lstm", ls)):
        recs.append(_record("lstm", N=2.5e4, L=float(curve.mean()), tags={"arch": arch, "pair": 0, "shape": "2x32"},
                            position_loss=curve.tolist()))
    return recs


def test_lstm_separation_and_plateau_positions():
    out = fit_lstm(_lstm_records(sep=60), threshold=0.02, window=1, plateau=0.01)
    pair = out["pairs"][0]
    t = np.arange(1, 257)
    expected = int(np.argmax(1.5 + 1.5 / np.sqrt(60) >= 1.02 * (1.5 + 1.5 / np.sqrt(t)))) + 1
    assert pair["separation_position"] == expected
    assert pair["crossing_position"] == 60 + 1
    assert pair["lstm"]["plateau_position"] <= 60 < pair["transformer"]["plateau_position"]
    assert pair["gap_first"] == 0 and pair["gap_last"] > 0.02
    with pytest.raises(ValueError, match="transformer and an LSTM"):
        fit_lstm(_lstm_records()[:1])


def test_lstm_rate_checks_sit_beside_their_pair_not_as_pairs():
    recs = _lstm_records(sep=60)
    lstm_loss = recs[1]["result"]["final_val_loss"]
    main_lr = recs[0]["train"]["lr"]
    for lr, dL in ((main_lr / 2, 0.05), (main_lr * 2, -0.02), (main_lr * 4, 0.1)):
        # as the cpu preset makes them: final losses only (no loss by position), so they train as a group
        curve = np.array(recs[0]["result"]["position_loss"]) + dL
        recs.append(_record("lstm", N=2.5e4, L=float(curve.mean()), lr=lr,
                            tags={"arch": "transformer", "pair": 0, "shape": "2x32", "check": "lr"}))
        assert "position_loss" not in recs[-1]["result"]
    out = fit_lstm(recs, window=1)
    assert len(out["pairs"]) == 1  # the checks are not a pair of their own, nor replace the pair's transformer
    assert out["pairs"][0]["transformer"]["loss"] == recs[0]["result"]["final_val_loss"]
    (check,) = out["lr_checks"]
    assert check["lr"] == sorted(check["lr"]) and len(check["lr"]) == 4
    assert check["best_lr"] == main_lr * 2 and not check["best_at_edge"]
    assert check["best_loss"] == pytest.approx(recs[0]["result"]["final_val_loss"] - 0.02)
    assert check["lstm_ahead_of_best"] == (lstm_loss < check["best_loss"])
    assert fit_lstm(_lstm_records(sep=60))["lr_checks"] == []


def _aspect_records(c=0.02, best=8.0, alpha=0.1):
    recs = []
    for size in (1.2e4, 5e4):
        for L_, d in ((1, 64), (2, 46), (4, 32), (8, 23), (16, 16)):
            d = int(round(d * math.sqrt(size / 5e4)))
            N = 12 * L_ * d * d
            loss = 30 * N ** -alpha * (1 + c * math.log(d / L_ / best) ** 2)
            recs.append(_record("aspect", N=N, N_emb=384 * d, L=loss, model={"n_layer": L_, "d_model": d},
                                tags={"shape": f"{L_}x{d}", "size": size}))
    return recs


def test_aspect_basin_and_embedding_counting():
    out = fit_aspect(_aspect_records(c=0.02), threshold=0.03)
    for b in out["basins"]:
        inside = [abs(math.log(a / 8.0)) <= math.sqrt(0.03 / 0.02) + 1e-9 for a in b["aspect"]]
        kept = [a for a, e in zip(b["aspect"], b["excess"]) if e <= 0.03 + 1e-12]
        assert kept == [a for a, i in zip(b["aspect"], inside) if i]
        assert b["width"] == pytest.approx(max(kept) / min(kept))
        assert b["worse_beyond_low"] and b["worse_beyond_high"]
    flat = fit_aspect(_aspect_records(c=0.0), threshold=0.03)
    assert all(b["n_in_basin"] == 5 and not b["worse_beyond_low"] for b in flat["basins"])
    # the law holds in non-embedding N: one trend there, a depth-dependent one with embeddings counted
    emb = flat["embedding_counting"]["min_layers_2"]
    assert emb["nonembedding"]["rms_log_residual"] < 1e-3
    assert emb["total"]["depth_spread"] > 10 * emb["nonembedding"]["depth_spread"]
    assert emb["nonembedding"]["alpha"] == pytest.approx(0.1, rel=1e-3)


def test_report_runs_only_what_the_records_hold_and_reports_failures():
    out = report(_wsd_isoflop_records() + _lstm_records() + _aspect_records(), bootstrap=0)
    assert {"isoflop", "counting", "overtraining", "lstm", "aspect"} <= set(out["experiments"])
    assert "headline" in out["experiments"]["isoflop"]
    assert "critical_batch" not in out["experiments"] and "finite_data" not in out["experiments"]
    bad = report(_batch_records(batches=(8, 16)), bootstrap=0)
    assert "error" in bad["experiments"]["critical_batch"]


@given(span=st.one_of(st.floats(-10, 0), st.floats(1.0001, 10), st.just(float("nan"))),
       n_targets=st.integers(-5, 1))
def test_critical_batch_rejects_bad_settings_with_clear_errors(span, n_targets):
    recs = _batch_records(batches=(8, 16, 32))
    with pytest.raises(ValueError, match="span"):
        fit_critical_batch(recs, span=span, bootstrap=0)
    with pytest.raises(ValueError, match="n_targets"):
        fit_critical_batch(recs, n_targets=n_targets, bootstrap=0)


def test_more_budgets_narrow_the_scatter_interval_at_fixed_scatter():
    from scalinglaws.lab.report import _line_interval, _more_budgets

    C = np.logspace(10, 12, 5)
    N = 0.1 * C**0.5 * np.exp(np.array([0.05, -0.04, 0.02, -0.06, 0.03]))
    (lo, hi), se = _line_interval(C, N, 0.95)
    rows = _more_budgets(C, se, 0.95)
    assert {r["n_budgets"] for r in rows} == {6, 7, 8}
    for design in ("same span", "wider span"):
        hw = [r["half_width"] for r in rows if r["design"] == design]
        assert all(a > b for a, b in zip(hw, hw[1:])) and hw[0] < (hi - lo) / 2
    for n in (6, 7, 8):
        same, wide = (next(r for r in rows if r["n_budgets"] == n and r["design"] == d)
                      for d in ("same span", "wider span"))
        assert same["decades"] == pytest.approx(2.0) and wide["decades"] == pytest.approx(0.5 * (n - 1))
        assert wide["half_width"] < same["half_width"]
