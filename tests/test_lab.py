"""Tests of the training lab (scalinglaws.lab): model counts, data, trainer, resumable sweeps, CLI."""

from __future__ import annotations

import hashlib
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, strategies as st  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from scalinglaws import compute  # noqa: E402
from scalinglaws.cli import main as cli_main  # noqa: E402
from scalinglaws.lab import data as labdata  # noqa: E402
from scalinglaws.lab import model as labmodel  # noqa: E402
from scalinglaws.lab.config import GPTConfig, TrainConfig  # noqa: E402
from scalinglaws.lab.model import GPT  # noqa: E402
from scalinglaws.lab.presets import get_preset  # noqa: E402
from scalinglaws.lab.report import report  # noqa: E402
from scalinglaws.lab.records import Preset, RunSpec, append_record, load_results  # noqa: E402
from scalinglaws.lab.sweep import run_sweep  # noqa: E402
from scalinglaws.lab.train import lr_at, train  # noqa: E402

SHAPES = [dict(n_layer=1, d_model=16, n_head=1, n_ctx=32),
          dict(n_layer=2, d_model=48, n_head=3, n_ctx=64),
          dict(n_layer=3, d_model=32, n_head=2, n_ctx=16, d_attn=64, d_ff=96)]


# --- model: parameter and FLOP counts against the live model -------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_parameter_counts_equal_compute_module(shape):
    cfg = GPTConfig(**shape)
    model = GPT(cfg)
    assert model.n_params(embedding=False) == compute.params_nonembedding(
        cfg.n_layer, cfg.d_model, cfg.d_attn, cfg.d_ff)
    assert model.n_params() == compute.params_total(cfg.n_layer, cfg.d_model, cfg.n_vocab, cfg.n_ctx,
                                                    cfg.d_attn, cfg.d_ff, tied_embeddings=True)


def _math_attention(q, k, v, is_causal=True):
    T = q.size(-2)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    return att.masked_fill(~mask, float("-inf")).softmax(-1) @ v


@pytest.mark.parametrize("shape", SHAPES)
def test_flop_counts_equal_compute_module(shape, monkeypatch):
    """Counted matmul FLOPs = Kaplan's forward count + the masked half of attention it leaves out; backward = 2x."""
    cfg = GPTConfig(**shape)
    model = GPT(cfg)
    monkeypatch.setattr(labmodel.F, "scaled_dot_product_attention", _math_attention)
    B, T = 2, cfg.n_ctx
    x = torch.randint(0, 256, (B, T))
    with FlopCounterMode(display=False) as fwd:
        _, loss = model(x, x)
    with FlopCounterMode(display=False) as bwd:
        loss.backward()
    per_token = fwd.get_total_flops() / (B * T)
    kaplan = compute.flops_per_token_forward(cfg.n_layer, cfg.d_model, cfg.n_ctx, cfg.d_attn, cfg.d_ff, cfg.n_vocab)
    # the dense T x T attention products cost 4 n_layer n_ctx d_attn per token; Kaplan counts half (causal)
    assert per_token == kaplan + 2 * cfg.n_layer * cfg.n_ctx * cfg.d_attn
    assert bwd.get_total_flops() == 2 * fwd.get_total_flops()
    assert cfg.flops_per_token == 3 * kaplan


def test_presets_stay_within_four_epochs_of_the_default_corpus():
    from scalinglaws.lab.presets import MAX_EPOCHS, TRAIN_BYTES

    assert TRAIN_BYTES == labdata.get_split().train.numel()
    for name in ("cpu", "gpu"):
        preset = get_preset(name)
        for r in preset.runs:
            tokens = r.train.steps(r.model.n_ctx) * r.train.batch_size * r.model.n_ctx
            if r.experiment == "finite_data":  # repeats on purpose, on U bytes
                assert r.train.data_limit is None or tokens / r.train.data_limit >= 1
            else:
                assert tokens <= MAX_EPOCHS * TRAIN_BYTES, (name, r.tags)
        assert len({r.key for r in preset.runs}) == len(preset.runs)  # no duplicated run


def test_config_rejects_bad_input():
    with pytest.raises(ValueError, match="n_head"):
        GPTConfig(d_model=64, n_head=3)
    with pytest.raises(ValueError, match="d_model"):
        GPTConfig(d_model=0)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=-1.0)
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="linear")
    with pytest.raises(ValueError, match="n_ctx"):
        GPT(GPTConfig(n_ctx=8))(torch.zeros(1, 9, dtype=torch.long))


@given(step=st.integers(0, 999), n_steps=st.integers(1, 1000), schedule=st.sampled_from(["cosine", "wsd", "constant"]))
def test_learning_rate_stays_between_floor_and_peak(step, n_steps, schedule):
    cfg = TrainConfig(lr=1e-3, schedule=schedule, min_lr_frac=0.1, warmup_frac=0.05)
    step = min(step, n_steps - 1)
    lr = lr_at(step, n_steps, cfg)
    assert 0 < lr <= 1e-3 * (1 + 1e-12)
    if step >= int(0.05 * n_steps):  # after warmup nothing drops below the floor
        assert lr >= 1e-4 * (1 - 1e-12)


# --- data -------------------------------------------------------------------------------------------

def test_default_corpus_has_recorded_checksum_and_size():
    data, prov = labdata.load_corpus()
    assert len(data) == labdata.CORPUS_BYTES == prov["bytes"]
    assert hashlib.sha256(data).hexdigest() == labdata.CORPUS_SHA256
    assert data.count(b"\n# ") + data.startswith(b"# ") >= labdata.CORPUS_FILES == 38  # a title per play
    assert "public domain" in prov["text_licence"]
    assert labdata.corpus_path().name == "shakespeare.txt.xz"


def test_corpus_checksum_is_enforced(monkeypatch):
    monkeypatch.setattr(labdata, "CORPUS_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="checksum"):
        labdata.load_corpus()


def test_split_is_fixed_disjoint_and_complete(tmp_path):
    text = bytes(range(256)) * 1000  # 256,000 bytes: 8 chunks, the 8th... only chunk 9 goes to val
    path = tmp_path / "t.txt"
    path.write_bytes(text * 2)
    data, prov = labdata.load_corpus(path)
    assert prov["sha256"] == hashlib.sha256(text * 2).hexdigest()
    split = labdata.split_corpus(data)
    assert split.train.numel() + split.val.numel() == len(data)
    assert split.val.numel() == labdata.CHUNK_BYTES  # chunk index 9 of 16
    with pytest.raises(ValueError, match="corpus"):
        labdata.load_corpus(tmp_path / "missing.txt")


# --- trainer ----------------------------------------------------------------------------------------

def _tiny_run(seed):
    return train(GPTConfig(n_layer=1, d_model=16, n_head=1, n_ctx=32),
                 TrainConfig(tokens=8192, batch_size=8, n_evals=2, eval_tokens=2048, seed=seed),
                 device="cpu", threads=1, progress=False)


@pytest.mark.slow
def test_same_seed_gives_same_cpu_losses():
    a, b, c = _tiny_run(0), _tiny_run(0), _tiny_run(1)
    assert [p["val_loss"] for p in a["curve"]] == [p["val_loss"] for p in b["curve"]]
    assert [p["train_loss"] for p in a["curve"]] == [p["train_loss"] for p in b["curve"]]
    assert a["curve"][-1]["val_loss"] != c["curve"][-1]["val_loss"]
    # training helps: below the uniform-byte loss ln 256 = 5.55 nats
    assert a["final_val_loss"] < math.log(256)
    assert a["flops"] == a["flops_per_token"] * a["tokens"]


# --- sweeps -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    path = tmp_path_factory.mktemp("lab") / "smoke.jsonl"
    records = run_sweep(get_preset("smoke"), path, progress=False)
    return path, records


@pytest.mark.slow
def test_smoke_sweep_end_to_end(smoke):
    path, records = smoke
    preset = get_preset("smoke")
    assert [r["key"] for r in records] == [s.key for s in preset.runs]
    for r in records:
        assert set(r["provenance"]) >= {"git_commit", "torch", "device", "seed", "wall_s", "precision", "trainer",
                                        "group_size", "batched_with"}
        assert len(r["provenance"]["batched_with"]) == r["provenance"]["group_size"] - 1
        assert r["result"]["final_val_loss"] < math.log(256)
    out = report(records, bootstrap=20)
    ln = out["experiments"]["L_N"]
    assert ln["n_runs"] == 4 and math.isfinite(ln["pure_power_law"]["alpha"])
    # runs of one shape trained together (the sweep's default on a CPU), the noise-scale, loss-by-position
    # and LSTM runs alone
    assert max(r["provenance"]["group_size"] for r in records) > 1
    assert all(r["provenance"]["group_size"] == 1 for r in records if r["experiment"] in ("batch", "lstm"))
    # every experiment of the preset reaches its analysis, without error
    assert set(out["experiments"]) == {"L_N", "learning_curves", "isoflop", "wsd_vs_cosine", "critical_batch",
                                       "finite_data", "counting", "overtraining", "lstm", "aspect"}
    assert not [k for k, v in out["experiments"].items() if "error" in v]
    # WSD runs end a cool-down at every budget they belong to
    for r in records:
        if r["experiment"] == "isoflop":
            assert len(r["result"]["cooldowns"]) == len(r["tags"]["budgets"])
        if r["experiment"] == "lstm":
            assert len(r["result"]["position_loss"]) == r["model"]["n_ctx"]
    noise = [p["noise"] for r in records if r["experiment"] == "batch" for p in r["result"]["curve"]]
    assert noise and all(n["pairs"] == 4 for n in noise)
    # a second call finds everything done and trains nothing: the results file is untouched
    before = path.read_bytes()
    again = run_sweep(preset, path, progress=False)
    assert again == records and path.read_bytes() == before


@pytest.mark.slow
def test_killed_sweep_resumes_without_loss(smoke, tmp_path):
    """SIGKILL a batched sweep mid-run, leave a torn line, restart: nothing finished is lost; results equal.

    The restart groups the missing runs afresh; a run's numbers do not depend on its group's other members.
    """
    _, reference = smoke
    path = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "scalinglaws", "lab", "run", "smoke", "--out", str(path),
                             "--group", "8"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and (not path.exists() or path.read_bytes().count(b"\n") < 2):
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = path.read_bytes()
    finished = load_results(path)
    assert 2 <= len(finished) < len(reference)
    with open(path, "ab") as fh:  # a crash in the middle of writing a record
        fh.write(b'{"key": "torn')
    assert len(load_results(path)) == len(finished)
    records = run_sweep(get_preset("smoke"), path, progress=False)
    assert path.read_bytes().startswith(before)  # earlier records untouched
    assert len(records) == len(reference)
    for got, want in zip(records, reference):
        assert got["key"] == want["key"]
        assert got["result"] == want["result"]


@pytest.mark.slow
def test_loader_rejects_tampered_results(smoke, tmp_path):
    path, _ = smoke
    lines = path.read_text().splitlines()
    rec = json.loads(lines[0])
    rec["result"]["final_val_loss"] -= 0.1
    lines[0] = json.dumps(rec, sort_keys=True)
    bad = tmp_path / "tampered.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="checksum"):
        load_results(bad)


def test_append_record_adds_checksum(tmp_path):
    path = tmp_path / "r.jsonl"
    rec = append_record(path, {"key": "k", "result": {"x": 1.5}})
    assert load_results(path) == [rec]


@pytest.mark.slow
def test_submitit_local_executor(tmp_path):
    pytest.importorskip("submitit")
    spec = RunSpec("L_N", GPTConfig(n_layer=1, d_model=8, n_head=1, n_ctx=16),
                   TrainConfig(tokens=2048, batch_size=4, n_evals=1, eval_tokens=512))
    preset = Preset("tiny", (spec,), workers=1)
    path = tmp_path / "tiny.jsonl"
    records = run_sweep(preset, path, backend="submitit", progress=False,
                        executor_kwargs={"cluster": "local", "folder": str(tmp_path / "jobs"),
                                         "parameters": {"timeout_min": 5}})
    assert len(records) == 1 and records[0]["key"] == spec.key
    direct = run_sweep(preset, tmp_path / "direct.jsonl", workers=1, progress=False)
    assert records[0]["result"]["final_val_loss"] == pytest.approx(direct[0]["result"]["final_val_loss"], rel=1e-4)


# --- command line -----------------------------------------------------------------------------------

def test_cli_bad_input_exits_2(tmp_path, capsys):
    assert cli_main(["lab", "run", "no-such-preset"]) == 2
    assert "preset" in capsys.readouterr().err
    assert cli_main(["lab", "report", "smoke", "--results", str(tmp_path / "missing.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_verify_retrains_cached_runs_bit_for_bit(smoke, tmp_path, capsys):
    from scalinglaws.lab.sweep import verify_records

    path, records = smoke
    checks = verify_records(records, runs=2, seed=1)
    assert len(checks) == 2 and all(c["identical"] and c["max_abs_diff"] == 0 for c in checks)
    # a record whose loss was changed (and re-checksummed) is caught by the comparison
    forged = json.loads(json.dumps(records[0]))
    forged["result"]["curve"][-1]["val_loss"] += 1e-3
    assert not verify_records([forged], runs=1)[0]["identical"]
    assert cli_main(["lab", "verify", "smoke", "--results", str(path), "--runs", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["all_identical"] is True
    with pytest.raises(ValueError, match="runs"):
        verify_records(records, runs=0)


@pytest.mark.slow
def test_cli_report_prints_json(smoke, capsys):
    path, _ = smoke
    assert cli_main(["lab", "report", "smoke", "--results", str(path), "--bootstrap", "10"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["preset"] == "smoke" and out["missing_runs"] == 0
    assert "alpha" in out["experiments"]["L_N"]["with_E"]


def test_explore_l_n_recovers_a_known_power_law():
    """On synthetic records L = 1.5 + 40 N^-0.35 the explorer returns alpha = 0.35, E = 1.5."""
    from scalinglaws.lab.report import explore_l_n

    recs = [{"experiment": "L_N", "tags": {}, "result": {"n_params_nonembedding": n, "n_params_embedding": 100,
                                                        "tokens": 1e6, "flops": 1.0,
                                                        "final_val_loss": 1.5 + 40 * n ** -0.35}}
            for n in (1e3, 3e3, 1e4, 3e4, 1e5, 3e5)]
    out = explore_l_n(recs)
    assert out["alpha"] == pytest.approx(0.35, rel=1e-3) and out["E"] == pytest.approx(1.5, rel=1e-3)
    assert out["r2"] > 0.999 and len(out["N_grid"]) == 100
    assert explore_l_n(recs, N_min=2e3)["N"].size == 5
    with pytest.raises(ValueError, match="N_min, N_max"):
        explore_l_n(recs, N_min=5e4)
    with pytest.raises(ValueError, match="N_max"):
        explore_l_n(recs, N_min=1e4, N_max=1e3)
    with pytest.raises(ValueError, match="count"):
        explore_l_n(recs, count="embedding")


@pytest.mark.slow
def test_noise_scale_measurement_records_two_batch_estimates():
    out = train(GPTConfig(n_layer=1, d_model=16, n_head=1, n_ctx=32),
                TrainConfig(tokens=4096, batch_size=8, n_evals=2, eval_tokens=1024, noise_scale=True),
                device="cpu", threads=1, progress=False)
    for point in out["curve"]:
        noise = point["noise"]
        assert set(noise) == {"grad_sqnorm", "trace_sigma", "b_simple", "b_small", "b_big", "pairs"}
        assert (noise["b_small"], noise["b_big"], noise["pairs"]) == (1, 16, 4)
        assert all(math.isfinite(v) for v in noise.values() if v is not None)


@pytest.mark.slow
def test_cached_cpu_runs_reproduce_bit_for_bit():
    """The two cheapest cached cpu runs, retrained now (allocator tuning and all), give the same losses.

    Only meaningful where the cache was made: same torch build and platform (elsewhere the
    cross-platform check in test_lab_wsd_lstm.py compares them within a tolerance).
    """
    import platform

    from scalinglaws.lab.records import RESULTS_DIR
    from scalinglaws.lab.sweep import verify_records

    keys = {s.key for s in get_preset("cpu").runs}
    records = [r for r in load_results(RESULTS_DIR / "cpu.jsonl") if r["key"] in keys]
    prov = records[0]["provenance"]
    if (prov["torch"], prov["platform"]) != (torch.__version__, platform.platform(terse=True)):
        pytest.skip("the cached cpu results were made with another torch build or platform")
    checks = verify_records(records, runs=2, cheapest=True)
    assert all(c["identical"] and c["mode"] == "bitwise" for c in checks), checks


def test_a_copy_without_git_records_the_commit_it_was_told(tmp_path):
    """A tree copied without .git (as to a GPU machine) records SCALINGLAWS_COMMIT, marked as told."""
    import shutil

    root = pathlib.Path(__file__).resolve().parents[1]
    shutil.copytree(root / "code" / "scalinglaws", tmp_path / "code" / "scalinglaws",
                    ignore=shutil.ignore_patterns("__pycache__"))
    probe = "from scalinglaws.lab.records import git_commit; print(git_commit())"
    env = {k: v for k, v in os.environ.items() if k != "SCALINGLAWS_COMMIT"}
    env["PYTHONPATH"] = str(tmp_path / "code")
    told = subprocess.run([sys.executable, "-c", probe], env=env | {"SCALINGLAWS_COMMIT": "abc123"},
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    assert told.stdout.strip() == "abc123+told"
    silent = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True,
                            cwd=tmp_path)
    assert silent.stdout.strip() == "unknown"


def test_isoflop_edge_rates_extend_only_the_named_shapes():
    from scalinglaws.lab.presets import isoflop_runs

    budgets = {2e9: [(2, 4), (2, 6)], 6e9: [(2, 6), (2, 8)]}
    base = isoflop_runs(budgets, n_ctx=64, batch_size=4, reference_lr=1e-2)
    more = isoflop_runs(budgets, n_ctx=64, batch_size=4, reference_lr=1e-2,
                        edge_rates={"2x6": (0.16, 0.04)})  # 0.04 is already 2x6's high rate: not repeated
    added = [r for r in more if r.key not in {b.key for b in base}]
    assert [(r.tags["shape"], r.tags["lr_role"], r.train.lr) for r in added] == [("2x6", "edge", 0.16)]
    with pytest.raises(ValueError, match="edge_rates"):
        isoflop_runs(budgets, n_ctx=64, batch_size=4, reference_lr=1e-2, edge_rates={"3x6": (0.1,)})
