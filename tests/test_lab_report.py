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
    counting, fit_critical_batch, fit_finite_data, fit_isoflop_runs, fit_learning_curves, fit_overtraining,
    report, steps_to_loss, tuned_isoflop_records,
)


def _record(experiment, *, N=1000, N_emb=500, tokens=1e6, L=2.0, curve=None, tags=None, lr=3e-3, batch=16,
            n_ctx=128, fpt=None, steps=100):
    fpt = 6 * N if fpt is None else fpt
    curve = curve or [{"step": steps, "val_loss": L}]
    return {"experiment": experiment, "tags": dict(tags or {}), "model": {"n_ctx": n_ctx},
            "train": {"lr": lr, "batch_size": batch},
            "result": {"n_params_nonembedding": N, "n_params_embedding": N_emb, "tokens": tokens,
                       "flops": fpt * tokens, "final_val_loss": curve[-1]["val_loss"], "curve": curve,
                       "flops_per_token": fpt, "steps": steps}}


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


# --- IsoFLOP: tuning, counting, overtraining --------------------------------------------------------

LAW = ParametricLoss(E=1.0, A=30.0, B=60.0, alpha=0.4, beta=0.35, source="test")


def _isoflop_records(law=LAW, detune=None):
    """IsoFLOP runs whose losses follow ``law`` exactly (counting total parameters, C = 6 N D)."""
    recs = []
    sizes = np.geomspace(1e3, 1e6, 16)
    for C in (1e11, 3e11, 1e12, 3e12, 1e13):
        N_opt = (law.alpha * law.A / (law.beta * law.B)) ** (1 / (law.alpha + law.beta)) * \
            (C / 6) ** (law.beta / (law.alpha + law.beta))
        for N in sizes[(sizes > N_opt / 8) & (sizes < N_opt * 8)]:
            D = C / (6 * N)
            L = law.E + law.A / N ** law.alpha + law.B / D ** law.beta
            tags = {"budget": C, "shape": f"n{N:.0f}"}
            recs.append(_record("isoflop", N=N * 0.8, N_emb=N * 0.2, tokens=D, L=L, tags=tags, fpt=6 * N))
            if detune:
                recs.append(_record("isoflop_lr", N=N * 0.8, N_emb=N * 0.2, tokens=D, L=L + detune, lr=1e-2,
                                    tags={**tags, "lr": 1e-2}, fpt=6 * N))
    return recs


def test_tuned_records_keep_each_groups_lowest_loss():
    recs = _isoflop_records(detune=0.1)
    tuned = tuned_isoflop_records(recs)
    assert len(tuned) == sum(r["experiment"] == "isoflop" for r in recs)
    assert all(r["experiment"] == "isoflop" and r["train"]["lr"] == 3e-3 for r in tuned)
    better = _isoflop_records(detune=-0.1)
    assert all(r["train"]["lr"] == 1e-2 for r in tuned_isoflop_records(better))


def test_isoflop_fit_recovers_the_laws_exponent_with_total_parameters():
    a_true = LAW.beta / (LAW.alpha + LAW.beta)
    out = fit_isoflop_runs(_isoflop_records(), bootstrap=0, count="total")
    assert out["approach3"]["a"] == pytest.approx(a_true, rel=0.02)
    assert out["approach2"]["a"] == pytest.approx(a_true, rel=0.05)
    tuned = fit_isoflop_runs(_isoflop_records(detune=0.05), bootstrap=0, count="total", tuned=True)
    assert tuned["approach3"]["a"] == pytest.approx(out["approach3"]["a"], rel=1e-6)


def test_counting_reports_both_counts():
    recs = _isoflop_records()
    recs += [_record("L_N", N=n, N_emb=2e4, L=2 + 20 * n ** -0.3) for n in (1e3, 3e3, 1e4, 3e4, 1e5)]
    out = counting(recs, bootstrap=0)
    assert out["a_total"] == pytest.approx(LAW.beta / (LAW.alpha + LAW.beta), rel=0.02)
    # a fixed share of embeddings (20% here) scales N and does not move a
    assert out["a_nonembedding"] == pytest.approx(out["a_total"], rel=0.02)
    # a fixed embedding block (2e4) inflates the small models' total count, compressing the
    # range of N: the same loss drop then needs a steeper law
    assert out["alpha_total"] > out["alpha_nonembedding"]


def test_overtraining_measured_overhead_matches_the_law():
    out = fit_overtraining(_isoflop_records(), count="total")
    matched = [r for r in out["rows"] if r["overhead"] is not None]
    assert len(matched) >= 3
    assert out["law"]["alpha"] == pytest.approx(LAW.alpha, rel=0.02)
    for r in matched:
        assert r["overhead"] >= 1 and r["size_ratio"] < 1
        # interpolating L linearly in log C between runs a factor ~3 of compute apart
        # overestimates C a little (L is convex in log C)
        assert r["overhead_predicted"] <= r["overhead"] <= 1.1 * r["overhead_predicted"]
        assert r["break_even_inference_tokens"] >= 0
    with pytest.raises(ValueError, match="count"):
        fit_overtraining(_isoflop_records(), count="embedding")


def test_report_runs_only_what_the_records_hold_and_reports_failures():
    out = report(_isoflop_records(detune=0.05), bootstrap=0)
    assert {"isoflop", "isoflop_total_params", "isoflop_tuned", "counting", "overtraining"} <= set(out["experiments"])
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
