"""Tests of hyperparameters across scale: the μP and schedule helpers, the learning-rate locator, and μP and the
downstream evaluations in the lab's live model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from scalinglaws import hyperparameters as hp
from scalinglaws.fitting.lr_transfer import best_learning_rate, fit_lr_transfer
from scalinglaws.lab.config import GPTConfig, TrainConfig
from scalinglaws.lab.presets import get_preset
from scalinglaws.lab.records import RunSpec, load_results, results_path


# --- library -----------------------------------------------------------------------------------------

def test_mup_output_multiplier_is_the_inverse_width_ratio():
    assert hp.mup_output_multiplier(256, 32) == pytest.approx(0.125)
    assert hp.mup_output_multiplier(32, 32) == 1.0
    with pytest.raises(ValueError, match="width"):
        hp.mup_output_multiplier(0, 32)


def test_update_growth_is_linear_in_width_under_sp_and_flat_under_mup():
    w = np.array([32, 64, 128, 256])
    assert np.allclose(hp.update_growth(w, 32), [1, 2, 4, 8])
    assert np.allclose(hp.update_growth(w, 32, parametrization="mup"), 1)
    with pytest.raises(ValueError, match="parametrization"):
        hp.update_growth(w, 32, parametrization="ntk")


def test_schedule_family_cost():
    cost = hp.schedule_family_cost([256, 512, 1024], decay_frac=0.2)
    assert cost.cosine_steps == 1792
    assert cost.wsd_steps == pytest.approx(1024 + 0.2 * 768)
    assert cost.saving == pytest.approx(1 - cost.wsd_steps / 1792)
    assert hp.schedule_family_cost([1000]).saving == 0.0
    with pytest.raises(ValueError, match="decay_frac"):
        hp.schedule_family_cost([100, 200], decay_frac=1.5)


@given(st.lists(st.integers(10, 10_000), min_size=1, max_size=8), st.floats(0, 1))
def test_wsd_family_never_costs_more_than_cosine(lengths, frac):
    cost = hp.schedule_family_cost(lengths, frac)
    assert cost.wsd_steps <= cost.cosine_steps + 1e-9
    assert cost.wsd_steps >= max(lengths) - 1e-9


@given(st.floats(-10, -3), st.floats(0.05, 2.0))
def test_best_learning_rate_finds_the_vertex_of_a_parabola(log_opt, curvature):
    lr = 2.0 ** np.arange(-12, 0)
    x = np.log(lr)
    loss = 2.0 + curvature * (x - np.log(2.0**log_opt)) ** 2
    best, _, edge = best_learning_rate(lr, loss)
    assert not edge
    assert np.log2(best) == pytest.approx(log_opt, abs=1e-6)


def test_best_learning_rate_flags_an_unbracketed_minimum():
    lr = [1e-3, 2e-3, 4e-3]
    assert best_learning_rate(lr, [3.0, 2.9, 2.8]) == (4e-3, 2.8, True)
    with pytest.raises(ValueError, match="lr"):
        best_learning_rate([1e-3, 1e-3, 2e-3], [3, 2, 3])
    with pytest.raises(ValueError, match="loss"):
        best_learning_rate([1e-3, 2e-3, 4e-3], [3, np.nan, 3])


def test_fit_lr_transfer_measures_drift_and_exponent():
    widths = np.repeat([32, 64, 128, 256], 9)
    lr = np.tile(2.0 ** np.arange(-12, -3), 4)
    opt = 2.0**-6 * (widths / 32.0) ** -1.0  # optimum falls as 1/width
    loss = 2 + 0.1 * (np.log(lr) - np.log(opt)) ** 2
    fit = fit_lr_transfer(widths, lr, loss)
    assert fit.drift == pytest.approx(1 / 8, rel=1e-6)
    assert fit.exponent == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="width"):
        fit_lr_transfer([32, 32, 32], [1e-3, 2e-3, 4e-3], [3, 2, 3])


# --- the lab model ------------------------------------------------------------------------------------

def test_parametrization_is_validated_and_keeps_old_run_keys():
    with pytest.raises(ValueError, match="parametrization"):
        GPTConfig(parametrization="ntk")
    with pytest.raises(ValueError, match="base_width"):
        GPTConfig(base_width=32)
    with pytest.raises(ValueError, match="base_width"):
        GPTConfig(parametrization="mup", base_width=0)
    assert "parametrization" not in GPTConfig().to_dict()
    assert "downstream" not in TrainConfig().to_dict()
    assert GPTConfig(d_model=64, parametrization="mup", base_width=32).width_mult == 2.0
    spec = RunSpec("x", GPTConfig(d_model=64, parametrization="mup", base_width=32), TrainConfig(downstream=True))
    assert RunSpec.from_dict(spec.to_dict()) == spec


def test_cached_cpu_records_keep_their_keys():
    """Adding the parametrisation and downstream options left every existing run's key unchanged: each cached
    record, read back as a run specification, still hashes to the key it was stored under."""
    for r in load_results(results_path("cpu")):
        assert RunSpec.from_dict(r).key == r["key"]


def test_beyond_preset_lists_each_run_once_and_shares_the_base_width():
    runs = get_preset("beyond").runs
    assert len({s.key for s in runs}) == len(runs)
    mup = [s for s in runs if s.experiment == "mup"]
    assert {s.model.parametrization for s in mup} == {"standard", "mup"}
    assert {s.model.base_width for s in mup if s.model.parametrization == "mup"} == {256}
    assert not any(s.model.d_model == 256 for s in mup if s.model.parametrization == "mup")  # the same model as SP
    assert len({(s.model.n_layer, s.train.tokens, s.train.batch_size) for s in mup}) == 1  # only width and lr vary
    assert all(s.train.downstream for s in runs if s.experiment == "emergence")


torch = pytest.importorskip("torch")

from scalinglaws.lab import evaluation  # noqa: E402
from scalinglaws.lab.model import GPT, StackedGPT, lr_multipliers  # noqa: E402
from scalinglaws.lab.train import train, train_group  # noqa: E402


def test_mup_at_its_base_width_is_the_standard_model_exactly():
    sp = GPTConfig(n_layer=1, d_model=32, n_head=1, n_ctx=32)
    mup = GPTConfig(n_layer=1, d_model=32, n_head=1, n_ctx=32, parametrization="mup", base_width=32)
    cfg = TrainConfig(tokens=8 * 32 * 6, batch_size=8, lr=1e-2, n_evals=2, eval_tokens=2048)
    a, b = train(sp, cfg, threads=1, progress=False), train(mup, cfg, threads=1, progress=False)
    assert [p["val_loss"] for p in a["curve"]] == [p["val_loss"] for p in b["curve"]]


def test_mup_scales_hidden_init_learning_rates_and_logits():
    cfg = GPTConfig(n_layer=2, d_model=128, n_head=4, n_ctx=16, parametrization="mup", base_width=32)
    torch.manual_seed(0)
    sp = GPT(GPTConfig(n_layer=2, d_model=128, n_head=4, n_ctx=16))
    torch.manual_seed(0)
    mup = GPT(cfg)
    for (name, p), (_, q) in zip(sp.named_parameters(), mup.named_parameters()):
        ratio = float(q.detach().std() / p.detach().std())
        assert ratio == pytest.approx(0.5 if name.startswith("blocks.") else 1.0, rel=1e-5)  # sqrt(32/128)
    names = [n for n, _ in mup.named_parameters()]
    mults = dict(zip(names, lr_multipliers(cfg, names)))
    assert mults["wte.weight"] == 1.0 and mults["blocks.0.mlp.fc.weight"] == 0.25
    assert mup.out_mult == 0.25
    stacked = StackedGPT.from_models([mup])
    scale = stacked.lr_scale()
    assert scale.shape == (stacked.flat.shape[1],) and set(scale.unique().tolist()) == {0.25, 1.0}


def test_grouped_and_lone_mup_training_agree():
    cfg = GPTConfig(n_layer=1, d_model=64, n_head=2, n_ctx=48, parametrization="mup", base_width=32)
    runs = [TrainConfig(tokens=8 * 48 * 8, batch_size=8, lr=lr, n_evals=2, eval_tokens=2048, downstream=True)
            for lr in (3e-3, 1e-2)]
    with pytest.raises(ValueError, match="n_ctx"):
        train(GPTConfig(n_layer=1, d_model=16, n_head=1, n_ctx=32), runs[0], threads=1, progress=False)
    group = train_group(cfg, runs, threads=1, progress=False)
    for run, res in zip(runs, group):
        alone = train(cfg, run, threads=1, progress=False)
        assert [p["val_loss"] for p in res["curve"]] == pytest.approx([p["val_loss"] for p in alone["curve"]],
                                                                      abs=1e-4)
        assert res["curve"][-1]["ood_loss"] == pytest.approx(alone["curve"][-1]["ood_loss"], abs=1e-4)
        assert res["downstream"]["exact_match"] == pytest.approx(alone["downstream"]["exact_match"], abs=2e-3)


def test_mup_keeps_the_update_of_hidden_activations_of_order_one_as_width_grows():
    """μP's defining property (Yang et al. 2022), measured on the live model: a few Adam steps move each hidden
    coordinate by about as much at width 256 as at width 32; with one learning rate for all widths the move
    grows with the width."""
    widths = [32, 64, 128, 256]
    sp = evaluation.activation_updates(widths, parametrization="standard", lr=1e-2, steps=3)
    mup = evaluation.activation_updates(widths, parametrization="mup", lr=1e-2, steps=3)
    assert sp["hidden"][0] == pytest.approx(mup["hidden"][0])  # the same model at the base width
    mup_ratio = mup["hidden"][-1] / mup["hidden"][0]
    sp_ratio = sp["hidden"][-1] / sp["hidden"][0]
    assert 0.5 < mup_ratio < 2.0
    assert sp_ratio > 4.0
    assert 0.5 < mup["logits"][-1] / mup["logits"][0] < 2.0


def test_teacher_forced_exact_match_equals_greedy_generation():
    """Exact match read off one forward pass is what step-by-step greedy decoding gives."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(n_layer=1, d_model=32, n_head=1, n_ctx=24)).double().eval()
    text = evaluation.load_ood_text()[:5000]
    k_max, n_ctx, n_windows = 6, 24, 40
    out = evaluation.continuation_metrics(lambda x: model(x)[0], text, n_ctx, k_max=k_max, n_windows=n_windows)
    starts = torch.linspace(0, text.numel() - n_ctx - 1, n_windows).long()
    matches = np.zeros(k_max)
    with torch.no_grad():
        for s in starts.tolist():
            window = text[s:s + n_ctx + 1].long()
            context = window[:n_ctx + 1 - k_max].clone()  # the prompt
            truth = window[n_ctx + 1 - k_max:]
            generated = []
            for _ in range(k_max):
                logits, _ = model(context[None, -n_ctx:])
                nxt = int(logits[0, -1].argmax())
                generated.append(nxt)
                context = torch.cat([context, torch.tensor([nxt])])
            ok = np.cumprod([g == int(t) for g, t in zip(generated, truth)])
            matches += ok
    assert out["exact_match"] == pytest.approx((matches / n_windows).tolist())
    assert out["exact_match"][0] >= out["exact_match"][-1]


def test_continuation_metrics_bad_input():
    text = evaluation.load_ood_text()[:1000]
    with pytest.raises(ValueError, match="k_max"):
        evaluation.continuation_metrics(lambda x: x, text, 16, k_max=16)
    with pytest.raises(ValueError, match="tokens"):
        evaluation.continuation_metrics(lambda x: x, text[:10], 16, k_max=4)


def test_ood_text_has_its_recorded_checksum_and_size():
    text = evaluation.load_ood_text()
    assert text.numel() == evaluation.OOD_BYTES
    import hashlib
    assert hashlib.sha256(bytes(text.numpy())).hexdigest() == evaluation.OOD_SHA256
