"""Tests of scalinglaws.abilities (loss to downstream metrics) and fitting.downstream, on the shipped data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from scalinglaws import abilities as ab
from scalinglaws.datasets import RUAN_BENCHMARKS, load_gadre2024, load_ruan2024, read_verified
from scalinglaws.fitting.downstream import fit_loss_to_error, fit_sigmoid_accuracy


# --- laws ------------------------------------------------------------------------------------------

@given(st.floats(0.5, 10), st.floats(0.6, 1.0), st.floats(0.1, 5), st.floats(0.1, 3))
def test_loss_for_error_inverts_error_from_loss(L, epsilon, kappa, gamma):
    err = ab.error_from_loss(L, epsilon, kappa, gamma)
    if err <= 0:  # below zero error the form has left the range it describes
        return
    assert ab.loss_for_error(err, epsilon, kappa, gamma) == pytest.approx(L, rel=1e-9)


def test_error_falls_as_loss_falls_and_tends_to_epsilon():
    L = np.linspace(1, 8, 50)
    err = ab.error_from_loss(L, 0.85, 2.2, 0.7)
    assert np.all(np.diff(err) > 0)  # higher loss, higher error
    assert ab.error_from_loss(100.0, 0.85, 2.2, 0.7) == pytest.approx(0.85)


@given(st.floats(0.01, 0.99), st.floats(0.0, 0.5), st.floats(0.2, 5), st.floats(18, 26))
def test_compute_for_accuracy_inverts_sigmoid(share, chance, slope, midpoint):
    ceiling = chance + 0.5
    acc = chance + share * (ceiling - chance)
    C = ab.compute_for_accuracy(acc, chance, ceiling, slope, midpoint)
    assert ab.sigmoid_accuracy(C, chance, ceiling, slope, midpoint) == pytest.approx(acc, rel=1e-9)


def test_sigmoid_is_half_way_at_the_midpoint():
    assert ab.sigmoid_accuracy(1e22, 0.25, 0.75, 2.0, 22.0) == pytest.approx(0.5)


@given(st.floats(0.01, 0.99), st.integers(1, 64))
def test_exact_match_and_its_inverse(p, length):
    em = ab.exact_match_if_independent(p, length)
    assert em == pytest.approx(p**length)
    if 0 < em < 1:
        assert ab.accuracy_for_exact_match(em, length) == pytest.approx(p, rel=1e-9)


def test_longer_answers_turn_a_smooth_accuracy_into_a_sharp_exact_match():
    """Schaeffer et al.: the same accuracy gain moves the exact match of long answers over a narrower range."""
    p = np.linspace(0.5, 0.95, 200)
    # the accuracy at which exact match crosses 10% and 50%: the window narrows as the length grows
    widths = [ab.accuracy_for_exact_match(0.5, n) - ab.accuracy_for_exact_match(0.1, n) for n in (1, 4, 16, 64)]
    assert all(a > b for a, b in zip(widths, widths[1:]))
    assert ab.exact_match_if_independent(p, 32)[0] < 1e-9


def test_transfer_loss_is_linear():
    assert ab.transfer_loss(2.0, 0.5) == pytest.approx(2.5)
    assert ab.transfer_loss(2.0, 0.5, 1.2) == pytest.approx(2.9)


@pytest.mark.parametrize("call", [
    lambda: ab.error_from_loss(-1.0, 0.8, 1.0, 1.0),
    lambda: ab.error_from_loss(2.0, 0.8, -1.0, 1.0),
    lambda: ab.loss_for_error(0.9, 0.8, 1.0, 1.0),
    lambda: ab.sigmoid_accuracy(1e20, 0.5, 0.4, 1.0, 20.0),
    lambda: ab.compute_for_accuracy(0.2, 0.25, 0.9, 1.0, 22.0),
    lambda: ab.exact_match_if_independent(1.5, 3),
    lambda: ab.accuracy_for_exact_match(1.0, 3),
    lambda: ab.transfer_loss(float("nan"), 0.3),
])
def test_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()


# --- data ------------------------------------------------------------------------------------------

def test_ruan_table_loads_with_its_checksum():
    frame = load_ruan2024()
    _, meta = read_verified("ruan2024.csv")
    assert len(frame) == meta["rows"] == 148
    assert set(RUAN_BENCHMARKS) <= set(frame.columns)
    known = load_ruan2024(with_compute=True)
    assert len(known) == 123 and known["C"].notna().all()
    # C is the authors' 6 N D
    assert np.allclose(known["C"], 6 * known["N"] * known["D"], rtol=1e-2)


def test_ruan_loader_refuses_an_edited_copy(tmp_path):
    src, _ = read_verified("ruan2024.csv")
    _, meta = read_verified("ruan2024.csv")
    (tmp_path / "ruan2024.csv").write_bytes(src.replace(b"Llama-2", b"Llama-3", 1))
    (tmp_path / "ruan2024.json").write_text(__import__("json").dumps(meta))
    with pytest.raises(ValueError, match="SHA-256"):
        load_ruan2024(tmp_path / "ruan2024.csv")


# --- fits --------------------------------------------------------------------------------------------

def _gadre(dataset, flag):
    g = load_gadre2024()
    return g[(g["dataset"] == dataset) & g[flag]]


def test_gadre_loss_to_error_fit_on_their_six_runs():
    """RedPajama, 17-task average top-1 error, fitted on the six runs Gadre et al. fit (in_paper_error_fit)."""
    fit = fit_loss_to_error(_gadre("rpj", "in_paper_error_fit")["loss_c4_val"],
                            _gadre("rpj", "in_paper_error_fit")["err_avg_subset"])
    assert (fit.kappa, fit.gamma, fit.epsilon) == pytest.approx((2.2065, 0.7150, 0.8566), abs=2e-3)
    held = _gadre("rpj", "held_out")
    rel = np.abs(fit.predict(held["loss_c4_val"].to_numpy()) - held["err_avg_subset"]) / held["err_avg_subset"]
    # the true losses of the 1.4B and 6.9B runs, plugged in, predict their errors within a few per cent
    assert rel.max() < 0.03


def test_loss_to_error_fit_recovers_a_known_law():
    rng = np.random.default_rng(0)
    L = np.linspace(2.3, 4.5, 30)
    err = ab.error_from_loss(L, 0.8, 3.0, 0.9) + rng.normal(0, 1e-3, L.size)
    fit = fit_loss_to_error(L, err, bootstrap=200, seed=1)
    assert (fit.epsilon, fit.kappa, fit.gamma) == pytest.approx((0.8, 3.0, 0.9), rel=0.1)
    lo, hi = fit.intervals["gamma"]
    assert lo < 0.9 < hi
    assert fit.bootstrap_failed + fit.bootstrap_params.shape[0] == 200


def test_sigmoid_fit_within_a_family_is_tight_and_across_families_scattered():
    ruan = load_ruan2024(with_compute=True)
    pythia = ruan[ruan["family"] == "Pythia"]
    within = fit_sigmoid_accuracy(pythia["C"], pythia["hellaswag"], RUAN_BENCHMARKS["hellaswag"])
    across = fit_sigmoid_accuracy(ruan["C"], ruan["hellaswag"], RUAN_BENCHMARKS["hellaswag"])
    assert within.rmse < 0.02 and within.r2 > 0.99
    assert across.rmse > 5 * within.rmse  # one compute axis leaves the families scattered
    assert 21 < within.midpoint < 21.5


def test_sigmoid_fit_recovers_a_known_curve_and_its_interval_covers_it():
    rng = np.random.default_rng(3)
    C = np.geomspace(1e19, 1e24, 40)
    acc = ab.sigmoid_accuracy(C, 0.25, 0.8, 1.5, 21.5) + rng.normal(0, 0.01, C.size)
    fit = fit_sigmoid_accuracy(C, acc, 0.25, bootstrap=200, seed=2)
    assert fit.midpoint == pytest.approx(21.5, abs=0.1)
    lo, hi = fit.intervals["midpoint"]
    assert lo < 21.5 < hi


@pytest.mark.parametrize("call", [
    lambda: fit_loss_to_error([2.0, 3.0], [0.5, 0.6]),
    lambda: fit_loss_to_error([2.0, 3.0, 4.0, 5.0], [0.5, 0.6, 0.7]),
    lambda: fit_loss_to_error([2.0, -3.0, 4.0, 5.0], [0.5, 0.6, 0.7, 0.8]),
    lambda: fit_sigmoid_accuracy([1e20, 1e21, 1e22, 1e23], [0.3, 0.4, 1.5, 0.6], 0.25),
    lambda: fit_sigmoid_accuracy([1e20, 1e21, 1e22], [0.3, 0.4, 0.5], 0.25),
    lambda: fit_sigmoid_accuracy([1e20, 1e21, 1e22, 1e23], [0.3, 0.4, 0.5, 0.6], 1.0),
])
def test_fit_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()
