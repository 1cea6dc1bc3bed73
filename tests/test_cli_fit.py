"""Tests of the ``fit`` and ``optimal`` sub-commands (scalinglaws.cli.fit, scalinglaws.cli.optimal), through cli.main and a subprocess."""

import json
import subprocess
import sys

import numpy as np
import pytest

from scalinglaws import chinchilla as ch
from scalinglaws import cli
from scalinglaws import datasets, fitting
from scalinglaws.cli.fit import read_runs, run_fit
from scalinglaws.cli.optimal import run_optimal
from scalinglaws.fitting import fit_kaplan_nd
from scalinglaws.constants import GOPHER_BUDGET_FLOPS, KAPLAN_LND

EPOCH_CSV = str(datasets.data_file(datasets.EPOCH_DATA))
EPOCH_COLS = ["--n-col", "Model Size", "--flops-col", "Training FLOP"]

@pytest.fixture
def main():
    return cli.main


def _subprocess(args):
    cmd = [sys.executable, "-m", "scalinglaws", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def synthetic_csv(tmp_path):
    runs = fitting.synthetic_isoflop(noise=0.0)
    path = tmp_path / "runs.csv"
    lines = ["N,D,loss"] + [f"{float(n)!r},{float(d)!r},{float(l)!r}" for n, d, l in zip(runs.N, runs.D, runs.loss)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_optimal_gopher_budget_json(main, capsys):
    assert main(["optimal", "--compute", "5.76e23", "--law", "chinchilla"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["N_opt"] / 1e9, 1) == 40.4
    assert round(out["tokens_per_param"], 1) == 58.9
    assert out["D_opt"] == pytest.approx(5.76e23 / (6 * out["N_opt"]))
    assert set(out) >= {"N_opt", "D_opt", "tokens_per_param", "loss", "law", "compute_flops"}


@pytest.mark.parametrize("law", ["chinchilla", "chinchilla-rounded", "epoch", "kaplan"])
def test_optimal_every_law(law):
    out = run_optimal(GOPHER_BUDGET_FLOPS, law)
    assert out["N_opt"] > 0 and out["D_opt"] > 0 and out["loss"] > 1.0
    assert out["tokens_per_param"] == pytest.approx(out["D_opt"] / out["N_opt"])
    if law == "chinchilla-rounded":
        assert round(out["N_opt"] / 1e9, 1) == 32.2


def test_fit_chinchilla_on_epoch_data_json(main, capsys):
    assert main(["fit", EPOCH_CSV, "--form", "chinchilla", *EPOCH_COLS]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_points"] == 245
    assert set(out["coefficients"]) == {"E", "A", "B", "alpha", "beta"}
    assert out["exponents"]["a"] + out["exponents"]["b"] == pytest.approx(1.0)


def test_fit_recovers_synthetic_law_with_bootstrap(synthetic_csv):
    out = run_fit(synthetic_csv, "chinchilla", bootstrap=3, seed=1)
    assert out["coefficients"]["alpha"] == pytest.approx(ch.CHINCHILLA.alpha, rel=1e-3)
    assert out["bootstrap"] == 3 and set(out["intervals"]) >= {"alpha", "beta", "a", "b"}
    assert out["n_points"] == 81


def test_fit_kaplan_recovers_its_own_law():
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(6, 10, 60)
    D = 10 ** rng.uniform(8, 11, 60)
    p = KAPLAN_LND
    L = ((p.N_c / N) ** (p.alpha_N / p.alpha_D) + p.D_c / D) ** p.alpha_D
    f = fit_kaplan_nd(N, D, L)
    assert f.alpha_N == pytest.approx(p.alpha_N, rel=1e-3)
    assert f.alpha_D == pytest.approx(p.alpha_D, rel=1e-3)
    assert f.N_c == pytest.approx(p.N_c, rel=1e-2)
    assert f.predict(1e9, 1e10) == pytest.approx(((p.N_c / 1e9) ** (p.alpha_N / p.alpha_D) + p.D_c / 1e10) ** p.alpha_D, rel=1e-4)
    # exponents implied at fixed C = 6ND: a = alpha_D / (alpha_N + alpha_D)
    assert f.a == pytest.approx(p.alpha_D / (p.alpha_N + p.alpha_D), rel=1e-3)


def test_fit_kaplan_and_powerlaw_via_main(main, capsys, synthetic_csv):
    assert main(["fit", str(synthetic_csv), "--form", "kaplan", "--bootstrap", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_points"] == 81 and set(out["coefficients"]) == {"N_c", "D_c", "alpha_N", "alpha_D"}
    assert main(["fit", str(synthetic_csv), "--form", "powerlaw"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_points"] == 81 and "alpha" in out["exponents"]


def _write(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["fit", "/no/such/file.csv"], "no such file"),
        (["fit", "{dir}/cols.csv"], "column 'loss'"),
        (["fit", "{dir}/text.csv"], "not a number"),
        (["fit", "{dir}/neg.csv"], "positive"),
        (["fit", "{dir}/few.csv"], "at least 6 rows"),
        (["fit", "{dir}/few.csv", "--form", "kaplan"], "at least 5 rows"),
        (["fit", "{dir}/few.csv", "--form", "spline"], "form"),
        (["fit", "{dir}/few.csv", "--bootstrap", "-3"], "--bootstrap"),
        (["optimal", "--compute", "1e23", "--law", "gpt4"], "law"),
        (["optimal", "--compute", "-5"], "--compute"),
        (["optimal", "--compute", "lots"], "--compute"),
    ],
)
def test_bad_input_one_line_exit_2(main, capsys, tmp_path, args, message):
    _write(tmp_path, "N,D\n1e8,1e9\n", "cols.csv")
    _write(tmp_path, "N,D,loss\n1e8,1e9,abc\n", "text.csv")
    _write(tmp_path, "N,D,loss\n1e8,-1e9,3.0\n", "neg.csv")
    _write(tmp_path, "N,D,loss\n1e8,1e9,3.0\n2e8,1e9,2.9\n", "few.csv")
    args = [a.format(dir=tmp_path) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_subprocess_success_and_failure(tmp_path):
    ok = _subprocess(["optimal", "--compute", "5.76e23", "--law", "epoch"])
    assert ok.returncode == 0, ok.stderr
    assert 18 < json.loads(ok.stdout)["tokens_per_param"] < 22
    bad = _subprocess(["fit", str(tmp_path / "missing.csv")])
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "no such file" in bad.stderr and bad.stdout == ""


def test_read_runs_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_runs(tmp_path / "x.csv", ["N"])
    path = _write(tmp_path, "N,loss\n1e8,inf\n")
    with pytest.raises(ValueError, match="positive finite"):
        read_runs(path, ["N", "loss"])
    with pytest.raises(ValueError, match="at least 5"):
        fit_kaplan_nd([1e8] * 4, [1e9] * 4, [3.0] * 4)
