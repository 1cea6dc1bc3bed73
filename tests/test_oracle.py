"""Tests of scalinglaws.oracle: the training API, its budget and ledger, the hidden laws and the grader."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglaws import chinchilla as ch
from scalinglaws import fitting
from scalinglaws import oracle as o


def test_same_seed_same_law_and_same_results(tmp_path):
    assert o.draw_law(3) == o.draw_law(3)
    a = o.TrainingOracle(3, ledger=tmp_path / "a.json")
    b = o.TrainingOracle(3, ledger=None)
    configs = [(1e7, 2e8, 1e-3, 2**16), (3e7, 5e8, 3e-3, 2**17), (1e7, 2e8, 1e-3, 2**16)]
    ra = [a.train(*c) for c in configs]
    rb = [b.train(*configs[i]) for i in (1, 0, 2)]
    # order-independent: the k-th repeat of a configuration gets the same noise whatever the order
    assert [r.loss for r in ra] == [rb[1].loss, rb[0].loss, rb[2].loss]
    assert ra[0].loss != ra[2].loss  # a repeat is a new data-order seed


def test_different_seeds_give_different_laws_and_answers():
    laws = [o.draw_law(s) for s in range(20)]
    alphas = {round(law.alpha, 6) for law in laws}
    answers = {round(math.log10(o.true_answer(s)[0]), 3) for s in range(20)}
    assert len(alphas) == 20 and len(answers) == 20


def test_hidden_laws_lie_in_their_ranges_and_are_realistic():
    for s in range(30):
        law = o.draw_law(s)
        for key, (lo, hi, _) in o.LAW_RANGES.items():
            assert lo <= getattr(law, key) <= hi, key
        tpp = ch.compute_optimal(o.DEFAULT_TARGET_FLOPS, law.parametric).tokens_per_param
        assert o.TOKENS_PER_PARAM_RANGE[0] <= tpp <= o.TOKENS_PER_PARAM_RANGE[1]


def test_noise_free_loss_is_the_chinchilla_law_at_optimal_hyperparameters():
    law = o.draw_law(1)
    N, D = 5e7, 1e9
    expected = ch.loss(N, D, law.parametric)
    assert law.expected_loss(N, D, law.lr_opt(N), law.batch_opt(N, D)) == pytest.approx(expected, rel=1e-12)
    # off-optimum hyperparameters cost loss, on both sides
    for f in (0.3, 2.0):
        assert law.expected_loss(N, D, f * law.lr_opt(N), law.batch_opt(N, D)) > expected
        assert law.expected_loss(N, D, law.lr_opt(N), f * law.batch_opt(N, D)) > expected


def test_too_high_learning_rate_diverges_and_is_charged():
    orc = o.TrainingOracle(2, ledger=None)
    law = o.draw_law(2)
    N, D = 2e7, 4e8
    r = orc.train(N, D, 1.01 * law.lr_max(N), 2**16)
    assert r.diverged and math.isnan(r.loss)
    assert orc.spent == pytest.approx(6 * N * D)
    ok = orc.train(N, D, 0.99 * law.lr_max(N), 2**16)
    assert not ok.diverged and math.isfinite(ok.loss)
    # the optimal learning rate falls with model size
    assert law.lr_opt(1e9) < law.lr_opt(1e7)


def test_refuses_to_exceed_the_budget(tmp_path):
    orc = o.TrainingOracle(0, budget_flops=1e17, ledger=tmp_path / "l.json")
    orc.train(1e7, 1e9, 1e-3, 2**16)  # 6e16 FLOPs
    with pytest.raises(o.BudgetExceededError, match="refused"):
        orc.train(1e7, 1e9, 1e-3, 2**16)  # would make 1.2e17
    assert orc.spent == pytest.approx(6e16) and len(orc.runs) == 1
    orc.train(1e7, 6.6e8, 1e-3, 2**16)  # 3.96e16: fits
    assert orc.remaining < 1e16


def test_ledger_survives_a_restart_and_cannot_be_reopened_with_more_budget(tmp_path):
    path = tmp_path / "ledger.json"
    orc = o.TrainingOracle(5, budget_flops=1e17, ledger=path)
    first = orc.train(1e7, 1e9, 1e-3, 2**16)
    again = o.TrainingOracle(5, budget_flops=1e17, ledger=path)  # "restart the kernel"
    assert again.spent == pytest.approx(6e16) and again.runs == [first]
    # re-running the notebook replays the recorded run, free; a second run of it is new and too costly
    assert again.train(1e7, 1e9, 1e-3, 2**16) == first and again.spent == pytest.approx(6e16)
    with pytest.raises(o.BudgetExceededError):
        again.train(1e7, 1e9, 1e-3, 2**16)
    with pytest.raises(o.BudgetExceededError):
        again.train(1e7, 1e9, 1e-3, 2**16, replay=False)
    with pytest.raises(ValueError, match="budget_flops"):
        o.TrainingOracle(5, budget_flops=1e20, ledger=path)
    with pytest.raises(ValueError, match="seed"):
        o.TrainingOracle(6, budget_flops=1e17, ledger=path)


def test_oracle_counts_the_runs_it_loaded_and_the_runs_it_made(tmp_path):
    # what a grader re-running a notebook checks: every run came from the submitted ledger
    path = tmp_path / "ledger.json"
    first = o.TrainingOracle(5, budget_flops=1e18, ledger=path)
    assert (first.loaded_runs, first.new_runs) == (0, 0)
    first.train(1e7, 1e9, 1e-3, 2**16)
    first.train(1e7, 2e9, 1e-3, 2**16)
    assert (first.loaded_runs, first.new_runs) == (0, 2)
    regrade = o.TrainingOracle(5, budget_flops=1e18, ledger=path)
    regrade.train(1e7, 1e9, 1e-3, 2**16)
    regrade.train(1e7, 2e9, 1e-3, 2**16)
    assert (regrade.loaded_runs, regrade.new_runs) == (2, 0)  # both replayed
    regrade.train(1e7, 3e9, 1e-3, 2**16)
    assert (regrade.loaded_runs, regrade.new_runs) == (2, 1)
    memory = o.TrainingOracle(5, budget_flops=1e18, ledger=None)
    memory.train(1e7, 1e9, 1e-3, 2**16)
    assert (memory.loaded_runs, memory.new_runs) == (0, 1)


def test_verify_ledger_detects_edits(tmp_path):
    path = tmp_path / "ledger.json"
    orc = o.TrainingOracle(4, budget_flops=1e18, ledger=path)
    law = o.draw_law(4)
    orc.train(1e7, 2e8, 2e-3, 2**16)
    orc.train(1e7, 2e8, 1.5 * law.lr_max(1e7), 2**16)  # diverges
    report = o.verify_ledger(path, 4, budget_flops=1e18)
    assert report["ok"] and report["n_runs"] == 2
    data = json.loads(path.read_text())
    data["runs"][0]["loss"] *= 0.9
    path.write_text(json.dumps(data))
    bad = o.verify_ledger(path, 4, budget_flops=1e18)
    assert not bad["ok"] and any("reproduce" in p for p in bad["problems"])


def test_grader_full_marks_for_the_truth_less_for_wrong_answers():
    N, L = o.true_answer(7)
    best = o.grade_prediction(N, L, seed=7)
    assert best.score == best.max_score == sum(o.POINTS.values())
    assert best.N_error_dex == 0 and best.loss_error == 0
    half_wrong = o.grade_prediction(N * 10, L, seed=7)  # a decade off: no size points
    assert half_wrong.score == pytest.approx(o.POINTS["loss"])
    somewhat = o.grade_prediction(N * 10**0.3, L + 0.08, seed=7)
    # linear partial credit: 0.3 dex is half-way from 0.1 to 0.5; 0.08 nats is 7/13 of the way to 0.15
    assert somewhat.score == pytest.approx(5 * 0.5 + 5 * (0.15 - 0.08) / 0.13)
    assert o.grade_prediction(N * 100, L + 1.0, seed=7).score == 0
    # a different seed's answer is wrong for this seed
    N3, L3 = o.true_answer(3)
    assert o.grade_prediction(N3, L3, seed=7).score < best.max_score


def test_true_answer_is_chinchilla_compute_optimal_of_the_hidden_law():
    law = o.draw_law(11)
    opt = ch.compute_optimal(1e24, law.parametric)
    assert o.true_answer(11, target_flops=1e24) == pytest.approx((opt.N_opt, opt.loss))
    assert o.true_answer(law=law, target_flops=1e24) == o.true_answer(11, target_flops=1e24)


def test_a_sound_workflow_scores_well():
    """LR sweep, IsoFLOP runs within the default budget, Approach 3 fit: most of the marks."""
    seed = 6
    orc = o.TrainingOracle(seed, ledger=None)
    law = o.draw_law(seed)
    Ns, Ds, Ls = [], [], []
    for C in (1e16, 1e17, 1e18):
        for N in (C / 120) ** 0.5 * np.logspace(-0.6, 0.6, 7):
            D = C / (6 * N)
            r = orc.train(N, D, law.lr_opt(N), law.batch_opt(N, D))  # an oracle-tuned student
            Ns.append(N), Ds.append(D), Ls.append(r.loss)
    assert orc.spent <= o.DEFAULT_BUDGET_FLOPS
    fit = fitting.fit_parametric(np.array(Ns), np.array(Ds), np.array(Ls))
    opt = ch.compute_optimal(o.DEFAULT_TARGET_FLOPS, fit.law)
    assert o.grade_prediction(opt.N_opt, opt.loss, seed=seed).score >= 8


def test_student_seeds_differ_and_repeat():
    assert o.student_seed("s3cret", "alice") == o.student_seed("s3cret", "alice")
    assert o.student_seed("s3cret", "alice") != o.student_seed("s3cret", "bob")
    assert o.student_seed("other", "alice") != o.student_seed("s3cret", "alice")


@pytest.mark.parametrize("kwargs, name", [
    ({"N": -1.0}, "N"), ({"N": float("nan")}, "N"), ({"D": 0.0}, "D"), ({"lr": 0.0}, "lr"),
    ({"lr": 2.0}, "lr"), ({"batch_size": 0.5}, "batch_size"), ({"batch_size": 1e10}, "batch_size"),
    ({"N": "big"}, "N"), ({"D": True}, "D"),
])
def test_bad_run_configuration_raises_naming_the_argument(kwargs, name):
    orc = o.TrainingOracle(0, ledger=None)
    cfg = {"N": 1e7, "D": 2e8, "lr": 1e-3, "batch_size": 2**16} | kwargs
    with pytest.raises(ValueError, match=name):
        orc.train(**cfg)
    assert orc.spent == 0


def test_bad_arguments_elsewhere_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="seed"):
        o.TrainingOracle(-1, ledger=None)
    with pytest.raises(ValueError, match="seed"):
        o.draw_law(1.5)
    with pytest.raises(ValueError, match="budget_flops"):
        o.TrainingOracle(0, budget_flops=0, ledger=None)
    with pytest.raises(ValueError, match="ledger"):
        o.TrainingOracle(0, ledger=42)
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(ValueError, match="ledger"):
        o.TrainingOracle(0, ledger=bad)
    with pytest.raises(ValueError, match="N_opt"):
        o.grade_prediction(-5, 2.0, seed=0)
    with pytest.raises(ValueError, match="loss"):
        o.grade_prediction(1e10, float("inf"), seed=0)
    with pytest.raises(ValueError, match="seed"):
        o.grade_prediction(1e10, 2.0)
    with pytest.raises(ValueError, match="ranges"):
        o.draw_law(0, ranges={"gamma": (0, 1, "linear")})
    with pytest.raises(ValueError, match="ranges"):
        o.draw_law(0, ranges={"alpha": (0.5, 0.4, "linear")})
    with pytest.raises(ValueError, match="course_secret"):
        o.student_seed("", "x")
    with pytest.raises(ValueError, match="path"):
        o.verify_ledger(tmp_path / "missing.json", 0)


def test_instructor_ranges_change_the_law():
    narrow = o.draw_law(0, ranges={"alpha": (0.30, 0.30, "linear"), "beta": (0.30, 0.30, "linear")})
    assert narrow.alpha == narrow.beta == 0.30
    orc = o.TrainingOracle(0, ledger=None, law=narrow)
    assert orc.train(1e7, 2e8, narrow.lr_opt(1e7), 2**16).loss > narrow.E
    with pytest.raises(ValueError, match="law"):
        o.TrainingOracle(1, ledger=None, law=narrow)


@given(N=st.floats(1e5, 1e13), D=st.floats(1e6, 1e15), lr=st.floats(1e-6, 1.0), logb=st.floats(0, 20))
def test_property_any_valid_run_is_finite_above_E_or_flagged(N, D, lr, logb):
    b = min(2.0**logb, D)
    law = o.draw_law(9)
    r = o._simulate(law, N, D, lr, b, 0)
    assert r.flops == pytest.approx(6 * N * D)
    if r.diverged:
        assert math.isnan(r.loss) and lr > law.lr_max(N)
    else:
        assert math.isfinite(r.loss) and r.loss > law.E * math.exp(-6 * law.sigma)
