"""Warmup-stable-decay branching, the LSTM baseline and the loss by context position (scalinglaws.lab)."""

from __future__ import annotations

import json
import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

from scalinglaws import compute  # noqa: E402
from scalinglaws.lab.config import GPTConfig, LSTMConfig, TrainConfig, model_config_from_dict  # noqa: E402
from scalinglaws.lab.model import LSTM, build_model  # noqa: E402
from scalinglaws.lab.presets import get_preset, lr_for_width  # noqa: E402
from scalinglaws.lab.records import RESULTS_DIR, Preset, RunSpec, group_seconds, load_results, plan_groups  # noqa: E402
from scalinglaws.lab.train import lr_at, train, train_group  # noqa: E402

TINY = GPTConfig(n_layer=1, d_model=16, n_head=1, n_ctx=32)
STEP = 4 * 32  # tokens per step at batch 4
WSD = dict(batch_size=4, lr=1e-2, schedule="wsd", warmup_steps=5, decay_frac=0.2, min_lr_frac=0.0, n_evals=2,
           eval_tokens=2048)


# --- configuration ------------------------------------------------------------------------------------

def test_cooldowns_are_validated():
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(tokens=100 * STEP, cooldowns=(10 * STEP,), warmup_steps=5)
    with pytest.raises(ValueError, match="warmup_steps"):
        TrainConfig(tokens=100 * STEP, cooldowns=(10 * STEP,), schedule="wsd")
    for bad in ((50 * STEP, 20 * STEP), (100 * STEP,), (0,), "1000"):
        with pytest.raises(ValueError, match="cooldowns"):
            TrainConfig(tokens=100 * STEP, cooldowns=bad, schedule="wsd", warmup_steps=5)
    with pytest.raises(ValueError, match="warmup_steps"):
        TrainConfig(warmup_steps=-1)


def test_new_settings_keep_the_keys_of_runs_made_before_them():
    """Records cached before warmup_steps, cooldowns, position_loss and LSTMs existed keep their keys."""
    spec = RunSpec("L_N", GPTConfig(), TrainConfig())
    d = spec.to_dict()
    assert not {"warmup_steps", "cooldowns", "position_loss"} & set(d["train"]) and "arch" not in d["model"]
    wsd = RunSpec("isoflop", GPTConfig(), TrainConfig(tokens=100 * STEP, cooldowns=[10 * STEP], schedule="wsd",
                                                      warmup_steps=5))
    again = RunSpec.from_dict(json.loads(json.dumps(wsd.to_dict())))
    assert again == wsd and again.key == wsd.key and again.train.cooldowns == (10 * STEP,)
    lstm = RunSpec("lstm", LSTMConfig(n_layer=2, d_model=8), TrainConfig(position_loss=True))
    assert RunSpec.from_dict(lstm.to_dict()).model == lstm.model and lstm.group_key is None
    with pytest.raises(ValueError, match="arch"):
        model_config_from_dict({"arch": "rnn"})


@given(step=st.integers(0, 399), warmup=st.integers(0, 50), lengths=st.lists(st.integers(60, 400), min_size=2,
                                                                           max_size=4, unique=True))
def test_wsd_lengths_share_their_schedule_until_the_shorter_decays(step, warmup, lengths):
    """With an absolute warm-up, WSD runs of any length have the same rate up to the earlier decay start."""
    cfg = TrainConfig(lr=1e-2, schedule="wsd", warmup_steps=warmup, decay_frac=0.2, min_lr_frac=0.0)
    n1, n2 = sorted(lengths)[:2]
    if step < cfg.decay_start(n1):
        assert lr_at(step, n1, cfg) == lr_at(step, n2, cfg)
    assert 0 <= lr_at(min(step, n1 - 1), n1, cfg) <= 1e-2
    assert lr_at(n1 - 1, n1, cfg) == pytest.approx(0.0, abs=1e-12) or warmup >= cfg.decay_start(n1)


# --- branching --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_branches_equal_straight_runs_and_leave_the_main_run_alone():
    """A cool-down branched at step f of a run equals a separate WSD run of the branch's length (the same
    warm-up, stable phase and data order, then its own decay): bit for bit on one CPU thread. The main run's
    losses do not depend on its branches."""
    long = TrainConfig(tokens=100 * STEP, cooldowns=(30 * STEP, 60 * STEP), **WSD)
    out = train(TINY, long, device="cpu", threads=1, progress=False)
    assert [c["steps"] for c in out["cooldowns"]] == [30, 60, 100]
    assert out["compute_spent"] == pytest.approx(out["flops_per_token"] * STEP * (100 + 6 + 12))
    for c in out["cooldowns"]:
        alone = train_group(TINY, [TrainConfig(tokens=c["tokens"], **WSD)], device="cpu", threads=1,
                            progress=False)[0]
        assert c["val_loss"] == alone["final_val_loss"]
        assert c["fork_step"] == long.decay_start(c["steps"])
        stable = {p["step"]: p["val_loss"] for p in alone["curve"]}[c["fork_step"]]
        assert c["stable_val_loss"] == stable  # the loss the branch started its cool-down from
    plain = train_group(TINY, [TrainConfig(tokens=100 * STEP, **WSD)], device="cpu", threads=1, progress=False)[0]
    mine = {p["step"]: p["val_loss"] for p in out["curve"]}
    assert all(mine[p["step"]] == p["val_loss"] for p in plain["curve"])
    assert out["final_val_loss"] == plain["final_val_loss"]


@pytest.mark.slow
def test_branching_runs_train_together_with_others():
    """In a group, each member's branches follow its own rate, seed and data; results match lone training."""
    cfgs = [TrainConfig(tokens=60 * STEP, cooldowns=(20 * STEP,), **{**WSD, "lr": 5e-3}),
            TrainConfig(tokens=40 * STEP, cooldowns=(10 * STEP, 25 * STEP), **{**WSD, "seed": 3}),
            TrainConfig(tokens=30 * STEP, **{**WSD, "schedule": "cosine"})]
    group = train_group(TINY, cfgs, device="cpu", threads=1, progress=False)
    for cfg, got in zip(cfgs, group):
        alone = train(TINY, cfg, device="cpu", threads=1, progress=False)
        assert got["final_val_loss"] == pytest.approx(alone["final_val_loss"], abs=2e-5)
        for a, b in zip(got.get("cooldowns", []), alone.get("cooldowns", [])):
            assert a["val_loss"] == pytest.approx(b["val_loss"], abs=2e-5)
    assert "cooldowns" not in group[2]
    with pytest.raises(ValueError, match="cooldowns"):
        train_group(TINY, [TrainConfig(tokens=40 * STEP, cooldowns=(40 * STEP - 1,), **WSD)], device="cpu")


def test_projection_counts_the_branches():
    """A branch adds rows to the stacked model while it cools down: its steps cost arithmetic, not overhead."""
    wsd = {k: v for k, v in WSD.items() if k not in ("n_evals", "eval_tokens")}
    plain = RunSpec("x", TINY, TrainConfig(tokens=100 * STEP, n_evals=1, eval_tokens=1024, **wsd))
    branched = RunSpec("x", TINY, TrainConfig(tokens=100 * STEP, cooldowns=(50 * STEP,), n_evals=1, eval_tokens=1024,
                                              **wsd))
    per_row = STEP * TINY.flops_per_token / 1e10
    per_eval = 1024 * TINY.flops_per_token / 3 / 1e10
    t0 = group_seconds([plain], 1e10, (1e-3, 0.0), overlap=False)
    t1 = group_seconds([branched], 1e10, (1e-3, 0.0), overlap=False)
    # evaluations: n_evals, plus (WSD) the stable point before each cool-down and each cool-down's end
    assert t0 == pytest.approx(100 * (1e-3 + per_row) + 3 * per_eval)
    # the branch forks at step 40 (its decay start) and rides along for 10 steps
    assert t1 == pytest.approx(100 * 1e-3 + 110 * per_row + 5 * per_eval)
    assert branched.cost_steps == 110 and branched.cost_flops == pytest.approx(110 * STEP * TINY.flops_per_token)
    p = Preset("two", (plain, branched))
    assert p.projected_seconds(1e10, (1e-3, 0.0), overlap=False) == pytest.approx(t0 + t1)
    assert p.projected_seconds(1e10, (1e-3, 0.0), overlap=False, workers=2) == pytest.approx(t1)
    with pytest.raises(ValueError, match="workers"):
        p.projected_seconds(1e10, workers=0)


# --- presets ----------------------------------------------------------------------------------------

def test_isoflop_design_brackets_rates_and_branches_every_budget():
    cpu = get_preset("cpu")
    iso = [r for r in cpu.runs if r.experiment == "isoflop"]
    shapes = {r.tags["shape"] for r in iso}
    for shape in shapes:
        runs = [r for r in iso if r.tags["shape"] == shape]
        roles = sorted(r.tags["lr_role"] for r in runs)
        assert roles.count("centre") == 2 and {"low", "high"} <= set(roles)
        lrs = sorted({r.train.lr for r in runs if r.tags["lr_role"] != "reference"})
        assert lrs[1] / lrs[0] == pytest.approx(2) and lrs[2] / lrs[1] == pytest.approx(2)
        assert any(r.train.lr == 5e-3 for r in runs)  # the untuned sweep's one rate
        for r in runs:
            assert len(r.tags["budgets"]) == len(r.train.cooldowns) + 1
            # each cool-down ends at that budget's token count (to a step)
            for C, D in zip(r.tags["budgets"], list(r.train.cooldowns) + [r.train.tokens]):
                assert abs(C / r.model.flops_per_token - D) <= r.train.batch_size * r.model.n_ctx
            assert r.train.warmup_steps < r.train.decay_start(r.train.cooldown_steps(r.model.n_ctx)[0])
    budgets = sorted({C for r in iso for C in r.tags["budgets"]})
    assert len(budgets) >= 5 and budgets[-1] / budgets[0] >= 100
    for C in budgets:
        assert sum(C in r.tags["budgets"] and r.tags["lr_role"] == "low" for r in iso) >= 7
    assert lr_for_width(16) == 1e-2 and lr_for_width(32) == 5e-3


def test_every_preset_has_every_experiment():
    for name in ("smoke", "cpu", "gpu"):
        exps = {r.experiment for r in get_preset(name).runs}
        assert exps == {"L_N", "isoflop", "isoflop_cosine", "batch", "finite_data", "lstm", "aspect"}, name


def test_cpu_preset_is_projected_to_fit_its_budget():
    from scalinglaws.lab.presets import cpu_projected_seconds

    assert cpu_projected_seconds(get_preset("cpu")) < 20 * 60
    assert cpu_projected_seconds(get_preset("smoke")) < 2 * 60


# --- the LSTM and the loss by position ----------------------------------------------------------------

@pytest.mark.parametrize("n_layer,d_model", [(1, 8), (2, 24), (3, 5)])
def test_lstm_parameter_count_equals_compute_module(n_layer, d_model):
    cfg = LSTMConfig(n_layer=n_layer, d_model=d_model, n_ctx=16)
    model = build_model(cfg)
    assert isinstance(model, LSTM)
    assert model.n_params(embedding=False) == compute.params_lstm(n_layer, d_model) == cfg.n_params_nonembedding
    assert model.n_params() == cfg.n_params_total == cfg.n_params_nonembedding + 256 * d_model
    assert cfg.flops_per_token == 3 * (2 * cfg.n_params_nonembedding + 2 * d_model * 256)
    with pytest.raises(ValueError, match="n_ctx"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match="n_layer"):
        LSTMConfig(n_layer=0)
    with pytest.raises(ValueError, match="d_model"):
        compute.params_lstm(1, 0)


@pytest.mark.slow
@pytest.mark.parametrize("cfg", [LSTMConfig(n_layer=1, d_model=16, n_ctx=32), TINY])
def test_position_loss_averages_to_the_validation_loss(cfg):
    out = train(cfg, TrainConfig(tokens=40 * STEP, batch_size=4, n_evals=1, eval_tokens=2048, position_loss=True),
                device="cpu", threads=1, progress=False)
    pos = out["position_loss"]
    assert len(pos) == cfg.n_ctx
    assert sum(pos) / len(pos) == pytest.approx(out["final_val_loss"], rel=1e-5)
    assert out["final_val_loss"] < math.log(256)


# --- reproducibility across machines ------------------------------------------------------------------

@pytest.mark.slow
def test_cached_cpu_runs_reproduce_within_the_platform_tolerance():
    """The cheapest cached cpu runs, retrained here: bit for bit on the platform that made them, else within
    ``TOLERANCE["platform"]`` nats/byte. This runs everywhere (CI included); a failure names the run that
    moved and by how much."""
    from scalinglaws.lab.sweep import TOLERANCE, verify_records

    cpu = get_preset("cpu")
    keys = {s.key for s in cpu.runs}
    records = [r for r in load_results(RESULTS_DIR / "cpu.jsonl") if r["key"] in keys]
    checks = verify_records(records, runs=3, cheapest=True)
    for c in checks:
        assert c["verified"], (f"run {c['key']} ({c['experiment']}, {c['tags']}) moved by {c['max_abs_diff']:.2e} "
                               f"nats/byte, {c['mode']} check (tolerance {c['tolerance']}); {c.get('note', '')}")
        assert c["max_abs_diff"] <= TOLERANCE["platform"]


def test_groups_keep_branching_runs_with_their_shape():
    cpu = get_preset("cpu")
    groups = plan_groups([r for r in cpu.runs if r.experiment.startswith("isoflop")], 8)
    for g in groups:
        assert len({r.model for r in g}) == 1 and len(g) <= 8


@settings(max_examples=20, deadline=None)
@given(width=st.integers(1, 4096))
def test_lr_for_width_is_a_lattice_rate_near_the_rule(width):
    from scalinglaws.lab.presets import LR_LATTICE

    lr = lr_for_width(width)
    assert lr in LR_LATTICE
    if 0.16 / width >= LR_LATTICE[0] * math.sqrt(2) and 0.16 / width <= LR_LATTICE[-1] / math.sqrt(2):
        assert abs(math.log2(lr * width / 0.16)) <= 0.5 + 1e-9
