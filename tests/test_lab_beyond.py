"""The beyond preset's experiments end to end at toy size (sweep, records, report, CLI), and its cached records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglaws.cli import main as cli_main
from scalinglaws.lab.presets import emergence_runs, get_preset, mup_runs, wsd_runs
from scalinglaws.lab.records import Preset, load_results, results_path
from scalinglaws.lab.report import fit_emergence, fit_mup, fit_schedules, report

torch = pytest.importorskip("torch")

from scalinglaws.lab.sweep import run_sweep  # noqa: E402


def _toy() -> Preset:
    runs = (mup_runs(widths=(16, 32), lrs=(2e-3, 4e-3, 8e-3), n_layer=1, n_ctx=32, batch_size=4, steps=6,
                     eval_tokens=2048)
            + emergence_runs(shapes=((1, 8), (1, 16)), tokens=8 * 48 * 6, n_ctx=48, batch_size=8, n_evals=2,
                             eval_tokens=2048)
            + wsd_runs(shape=(1, 16), steps=(16, 32), warmup=4, n_ctx=32, batch_size=4, eval_every=8,
                       eval_tokens=2048))
    return Preset("toy", tuple(runs), "toy", workers=1)


@pytest.fixture(scope="module")
def toy_records(tmp_path_factory):
    path = tmp_path_factory.mktemp("beyond") / "toy.jsonl"
    return run_sweep(_toy(), path, workers=1, device="cpu", progress=False)


@pytest.mark.slow
def test_toy_sweep_records_every_run_with_its_metrics(toy_records):
    assert len(toy_records) == len(_toy().runs)
    emergence = [r for r in toy_records if r["experiment"] == "emergence"]
    for r in emergence:
        assert len(r["result"]["downstream"]["exact_match"]) == 32
        assert all("ood_loss" in p for p in r["result"]["curve"])
    assert all("downstream" not in r["result"] for r in toy_records if r["experiment"] != "emergence")


@pytest.mark.slow
def test_toy_report_carries_mup_emergence_and_schedules(toy_records):
    out = report(toy_records, bootstrap=0)["experiments"]
    mup = out["mup"]
    assert mup["base_width"] == 32
    for par in ("standard", "mup"):
        assert mup[par]["widths"] == [16.0, 32.0]
        assert len(mup[par]["lr_opt"]) == 2
    # the base width's standard runs stand in the muP row: the same best rate
    assert mup["mup"]["lr_opt"][1] == mup["standard"]["lr_opt"][1]
    em = out["emergence"]
    assert em["k"] == list(range(1, 33))
    for run in em["runs"]:
        assert np.all(np.diff(run["exact_match"]) <= 0)  # matching more bytes is never easier
    assert "slope" in em["transfer"]
    sched = out["schedules"]
    # the short WSD run is a branch of the long one: identical until its cool-down
    assert sched["shared"]["16"]["max_abs_diff"] == pytest.approx(0.0, abs=1e-5)
    assert sched["cost"]["wsd_steps"] < sched["cost"]["cosine_steps"]


def test_fits_refuse_records_without_their_experiment():
    for fit in (fit_mup, fit_emergence, fit_schedules):
        with pytest.raises(ValueError, match="records"):
            fit([])


def _cached():
    path = results_path("beyond")
    if not path.exists():
        pytest.skip("no cached beyond records")
    return load_results(path)


def test_cached_beyond_records_cover_the_preset_and_carry_provenance():
    records = _cached()
    keys = {r["key"] for r in records}
    assert {s.key for s in get_preset("beyond").runs} <= keys
    for r in records:
        assert r["provenance"]["git_commit"] and r["provenance"]["wall_s"] > 0


def test_cached_beyond_report_shows_mup_holding_the_best_rate_and_sp_drifting():
    out = report(_cached(), bootstrap=0)["experiments"]
    mup = out["mup"]
    assert not any(mup["mup"]["at_edge"]) and not any(mup["standard"]["at_edge"])
    assert abs(np.log2(mup["mup"]["drift"])) < abs(np.log2(mup["standard"]["drift"]))
    em = out["emergence"]["runs"]
    acc = [r["accuracy"] for r in em]
    assert acc[-1] > acc[0]


@pytest.mark.slow
def test_cli_report_of_the_beyond_preset_has_mup_and_emergence(capsys):
    _cached()
    assert cli_main(["lab", "report", "beyond", "--bootstrap", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"mup", "emergence", "schedules"} <= set(out["experiments"])
    assert len(out["experiments"]["emergence"]["runs"][0]["exact_match"]) == 32


def test_lr_sweep_explorer_shows_the_report_s_best_rates():
    _cached()
    from scalinglaws.explorers.hyperparameters import lr_sweep_frame

    out = fit_mup(_cached())
    for par in ("standard", "mup"):
        frame = lr_sweep_frame(parametrization=par, step=get_preset("beyond").runs[0].train.steps(64))
        assert frame.number("drift").value == pytest.approx(out[par]["drift"])
        best = next(s for s in frame.series if s.kind == "points")
        assert list(best.x) == pytest.approx(out[par]["lr_opt"])


def test_emergence_explorer_at_length_one_predicts_accuracy_itself():
    _cached()
    from scalinglaws.explorers.abilities import emergence_frame

    frame = emergence_frame(length=1)
    acc, _, independent = frame.series
    assert list(independent.y) == pytest.approx(list(acc.y))  # p ** 1 = p
    long = emergence_frame(length=32)
    assert all(a >= b for a, b in zip(frame.series[1].y, long.series[1].y))  # 32 bytes are never easier than 1
