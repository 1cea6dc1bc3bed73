"""Tests of the ``fit`` and ``optimal`` sub-commands (scalinglaws.cli.fit, scalinglaws.cli.optimal), through cli.main and a subprocess."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# --- forms, predictions, hold-out -------------------------------------------------------------------------


def _csv(path, header, rows):
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n")
    return path


@pytest.fixture(scope="module")
def gadre_csv(tmp_path_factory):
    g = datasets.load_gadre2024()
    g = g[g["dataset"] == "rpj"]
    folder = tmp_path_factory.mktemp("gadre")
    runs = _csv(folder / "runs.csv", ["params", "tokens", "c4"], g[["N", "D", "loss_c4_val"]].to_numpy())
    small = g[~g["held_out"]]
    train = _csv(folder / "train.csv", ["params", "tokens", "c4"], small[["N", "D", "loss_c4_val"]].to_numpy())
    big = g[g["held_out"]]
    targets = _csv(folder / "targets.csv", ["params", "tokens"], big[["N", "D"]].to_numpy())
    return runs, train, targets, big["loss_c4_val"].to_numpy()


GADRE_COLS = ["--n-col", "params", "--d-col", "tokens", "--loss-col", "c4"]


def test_predict_gives_one_row_per_target_in_order_with_intervals(main, capsys, gadre_csv):
    _, train, targets, truth = gadre_csv
    assert main(["fit", str(train), "--form", "gadre", *GADRE_COLS, "--predict", str(targets),
                 "--bootstrap", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    preds = out["predictions"]
    target_rows = np.loadtxt(targets, delimiter=",", skiprows=1)
    assert [(p["N"], p["D"]) for p in preds] == [tuple(r) for r in target_rows]
    for p, y in zip(preds, truth):
        assert set(p) == {"N", "D", "loss", "low", "high"} and p["low"] < p["loss"] < p["high"]
        assert abs(p["loss"] - y) / y < 0.03
    assert out["level"] == 0.9 and out["bootstrap"] == 60


def test_holdout_ranks_the_forms_by_their_error_on_the_largest_runs(main, capsys, gadre_csv):
    runs, *_ = gadre_csv
    assert main(["fit", str(runs), "--form", "chinchilla,gadre", *GADRE_COLS, "--holdout-above", "1e9",
                 "--bootstrap", "20"]) == 0
    out = json.loads(capsys.readouterr().out)["holdout"]
    assert out["test_runs"] == 3 and out["train_runs"] == 32 and out["best"] == "gadre"
    scored = [f for f in out["forms"] if "error" not in f]
    assert [f["form"] for f in scored] == ["gadre", "chinchilla"]
    assert scored[0]["mean_abs_error"] < scored[1]["mean_abs_error"] and len(scored[0]["errors"]) == 3
    assert 0 <= scored[0]["covered"] <= 1


def test_holdout_of_the_largest_size_tries_every_form_the_columns_allow(main, capsys, gadre_csv):
    runs, *_ = gadre_csv
    assert main(["fit", str(runs), "--form", "all", *GADRE_COLS, "--holdout", "--bootstrap", "0"]) == 0
    out = json.loads(capsys.readouterr().out)["holdout"]
    names = {f["form"] for f in out["forms"]}
    assert names == {"chinchilla", "kaplan", "gadre", "data-constrained", "powerlaw"}
    skipped = [f for f in out["forms"] if "error" in f]
    assert [f["form"] for f in skipped] == ["data-constrained"] and "'U'" in skipped[0]["error"]


def test_isoflop_form_reports_exponents_intervals_and_budgets(main, capsys, tmp_path):
    porian = datasets.load_porian2024()
    setting = porian.settings[1]
    N, C, L = porian.runs(setting)
    path = _csv(tmp_path / "iso.csv", ["N", "C", "loss"], np.column_stack([N, C, L]))
    assert main(["fit", str(path), "--form", "isoflop", "--flops-col", "C"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exponents"]["a"] == pytest.approx(porian.authors_fit[setting]["a"], abs=0.02)
    assert out["exponents"]["a"] + out["exponents"]["b"] == pytest.approx(1.0)
    lo, hi = out["intervals"]["a"]
    assert lo < out["exponents"]["a"] < hi and out["interval_method"] == "t"
    assert out["budgets"]["excluded"] and all(b["reason"] for b in out["budgets"]["excluded"])


def test_isoflop_predicts_the_optimum_at_new_budgets(main, capsys, tmp_path):
    runs = fitting.synthetic_isoflop(noise=0.0)
    path = _csv(tmp_path / "iso.csv", ["N", "C", "loss"], np.column_stack([runs.N, runs.C, runs.loss]))
    targets = _csv(tmp_path / "budgets.csv", ["C"], [[1e22], [1e23]])
    assert main(["fit", str(path), "--form", "isoflop", "--flops-col", "C", "--predict", str(targets)]) == 0
    preds = json.loads(capsys.readouterr().out)["predictions"]
    assert [p["C"] for p in preds] == [1e22, 1e23]
    for p in preds:
        assert p["N_low"] <= p["N_opt"] <= p["N_high"] and p["D_opt"] == pytest.approx(p["C"] / (6 * p["N_opt"]))


def test_data_constrained_form_reads_unique_tokens(main, capsys, tmp_path):
    m = datasets.load_muennighoff2023()
    path = _csv(tmp_path / "dc.csv", ["N", "D", "U", "loss"], m[["N", "D", "U", "loss"]].to_numpy())
    assert main(["fit", str(path), "--form", "data-constrained", "--bootstrap", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["coefficients"]["R_D_star"] == pytest.approx(15.39, rel=0.02)
    assert out["free"] == ["R_D_star", "R_N_star"]


# --- bad input: exit 2, one line that says what and where, never a traceback or NaN -----------------------


BAD_FILES = {
    "identical": ("N,D,loss\n" + "1e8,2e9,3.1\n" * 8, [], "identical"),
    "constant": ("N,D,loss\n" + "".join(f"{10 ** (7 + i / 3):.3g},{10 ** (9 + i / 4):.3g},3.0\n" for i in range(8)),
                 [], "constant"),
    "header_only": ("N,D,loss\n", [], "no rows"),
    "empty": ("", [], "empty"),
    "text": ("N,D,loss\n1e8,2e9,3.1\n2e8,4e9,abc\n", [], "line 3"),
    "missing": ("N,D\n1e8,2e9\n", [], "column 'loss'"),
    "zero": ("N,D,loss\n1e8,0,3.1\n", [], "line 2"),
    "negative": ("N,D,loss\n-1e8,2e9,3.1\n", [], "positive"),
    "ragged": ("N,D,loss\n1e8,2e9,3.1\n2e8,4e9\n", [], "line 3"),
    "few_sizes": ("N,C,loss\n" + "".join(f"{n},{c},{3 + abs(n / 1e8 - 2) / 10}\n" for c, sizes in
                                         ((1e19, (1e8, 3e8)), (1e20, (3e8, 9e8)), (1e21, (1e8, 9e8)))
                                         for n in sizes), ["--form", "isoflop", "--flops-col", "C"],
                  "only 2 distinct model sizes"),
    "one_budget_readable": ("N,C,loss\n" + "".join(f"{n},1e19,{3 + np.log(n / 2e8) ** 2 / 10:.6f}\n" for n in (1e8, 2e8, 4e8))
                            + "".join(f"{n},1e20,{3 - n / 1e9:.6f}\n" for n in (1e8, 2e8, 4e8, 8e8)),
                            ["--form", "isoflop", "--flops-col", "C"], "located at 1 of 2 budgets"),
    "bad_level": ("N,D,loss\n1e8,2e9,3.1\n", ["--level", "1.5"], "--level"),
    "bad_form_list": ("N,D,loss\n1e8,2e9,3.1\n", ["--form", "gadre,kaplan"], "--holdout"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_malformed_csv_exits_2_with_one_line(main, capsys, tmp_path, case):
    text, extra, message = BAD_FILES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    assert main(["fit", str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err, captured.err
    assert "Traceback" not in captured.err and "nan" not in captured.err.lower().replace("nans", "")


def test_binary_file_says_it_is_not_utf8_and_where(main, capsys, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(b"N,D,loss\n1e8,2e9,3.1\n\xff\xfe\x00binary")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "line 3" in err and err.count("\n") == 1


def test_a_bad_target_file_names_itself(main, capsys, tmp_path, synthetic_csv):
    targets = tmp_path / "targets.csv"
    targets.write_text("N,D\n1e9,oops\n")
    assert main(["fit", str(synthetic_csv), "--predict", str(targets), "--bootstrap", "2"]) == 2
    err = capsys.readouterr().err
    assert "targets.csv" in err and "column 'D', line 2" in err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
                                         st.sampled_from(["", "0", "-1", "1e8", "3.0"])), min_size=3, max_size=3),
                      min_size=0, max_size=8),
       form=st.sampled_from(["chinchilla", "kaplan", "gadre", "powerlaw", "isoflop"]))
def test_any_csv_either_fits_or_exits_2_with_one_line(tmp_path_factory, cells, form):
    path = tmp_path_factory.mktemp("fuzz") / "runs.csv"
    body = "\n".join(",".join(str(c).replace(",", ";").replace("\n", " ").replace("\r", " ") for c in row)
                     for row in cells)
    path.write_text("N,D,loss\n" + body + "\n", encoding="utf-8")
    args = ["fit", str(path), "--form", form, "--bootstrap", "3"] + (["--flops-col", "D"] if form == "isoflop" else [])
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(args)
    if status == 0:
        json.loads(out.getvalue())  # strict JSON: a NaN would have been refused
    else:
        assert status == 2 and err.getvalue().count("\n") == 1 and out.getvalue() == ""
