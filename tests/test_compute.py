"""Parameter and FLOP counts: Kaplan's Eqs. 2.1-2.2, Chinchilla's Appendix F, and a live count."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglaws import compute
from scalinglaws.constants import CHINCHILLA_TABLE_A4, PF_DAY_FLOPS

layers = st.integers(min_value=1, max_value=96)
widths = st.integers(min_value=1, max_value=16384)


@given(layers, widths)
def test_nonembedding_params_are_12_n_layer_d_squared(n_layer, d_model):
    assert compute.params_nonembedding(n_layer, d_model) == 12 * n_layer * d_model**2


def test_nonembedding_params_general_form():
    # Eq. 2.1: 2 d_model n_layer (2 d_attn + d_ff).
    assert compute.params_nonembedding(4, 64, d_attn=32, d_ff=100) == 2 * 64 * 4 * (2 * 32 + 100)


def test_embedding_and_total():
    assert compute.params_embedding(50257, 768, 1024) == (50257 + 1024) * 768
    tied = compute.params_total(12, 768, 50257, 1024)
    untied = compute.params_total(12, 768, 50257, 1024, tied_embeddings=False)
    assert untied - tied == 50257 * 768


@given(layers, st.integers(min_value=8, max_value=8192), st.integers(min_value=0, max_value=8192))
def test_forward_flops_are_2N_plus_context_term(n_layer, d_model, n_ctx):
    N = compute.params_nonembedding(n_layer, d_model)
    fwd = compute.flops_per_token_forward(n_layer, d_model, n_ctx)
    assert fwd == 2 * N + 2 * n_layer * n_ctx * d_model
    assert compute.flops_per_token_training(n_layer, d_model, n_ctx) == 3 * fwd
    # The context term's share is r/(1+r) with r = n_ctx/(12 d_model).
    assert compute.attention_flops_share(d_model, n_ctx) == pytest.approx((fwd - 2 * N) / fwd)


def test_logits_term_adds_2_d_model_n_vocab():
    a = compute.flops_per_token_forward(2, 64, 128)
    b = compute.flops_per_token_forward(2, 64, 128, n_vocab=1000)
    assert b - a == 2 * 64 * 1000


def test_context_term_negligible_when_d_model_much_larger_than_nctx_over_12():
    # Kaplan Section 2.1: drop the context term when d_model >> n_ctx/12.
    assert compute.attention_flops_share(12288, 2048) < 0.02  # GPT-3 175B
    assert compute.attention_flops_share(64, 1024) > 0.5  # a tiny model at long context
    assert compute.attention_flops_share(1024, 12 * 1024) == pytest.approx(0.5)


def test_training_flops_and_pf_days():
    assert compute.training_flops(1e9, 2e10) == pytest.approx(1.2e20)
    assert compute.flops_to_pf_days(PF_DAY_FLOPS) == pytest.approx(1.0)
    assert compute.pf_days_to_flops(2.0) == pytest.approx(1.728e20)
    assert compute.tokens_per_param(1.4e12, 70e9) == pytest.approx(20.0)
    np.testing.assert_allclose(compute.flops_to_pf_days(compute.pf_days_to_flops([1e-3, 5.0])), [1e-3, 5.0])


def _label_to_params(label: str) -> float:
    return float(label[:-1]) * {"M": 1e6, "B": 1e9}[label[-1]]


def test_chinchilla_table_a4_ratios_without_embeddings():
    # Ratio (Appendix F count, backward = 2 forward) / (6 N D) for the nominal N of each row.
    # Five of six rows match within +-0.01; the 1.1B row (printed 1.04) gives 1.085 with
    # N = 1.1e9 and would need N ~ 1.14e9: the label is rounded (see constants notes).
    T = CHINCHILLA_TABLE_A4
    misses = []
    for label, n_layer, d_model, ffw, heads, kv, printed in T["rows"]:
        flops = 3 * compute.chinchilla_forward_flops_per_sequence(
            n_layer, d_model, ffw, heads, kv, T["seq_len"], T["vocab"], include_embeddings=False)
        ratio = flops / (6 * _label_to_params(label) * T["seq_len"])
        if abs(ratio - printed) > 0.01:
            misses.append((label, round(ratio, 3)))
    assert [m[0] for m in misses] == ["1.1B"]
    assert misses[0][1] == pytest.approx(1.085, abs=0.002)


def test_chinchilla_formula_with_embeddings_is_far_above_table_a4():
    T = CHINCHILLA_TABLE_A4
    label, n_layer, d_model, ffw, heads, kv, printed = T["rows"][0]
    flops = 3 * compute.chinchilla_forward_flops_per_sequence(n_layer, d_model, ffw, heads, kv, T["seq_len"], T["vocab"])
    assert flops / (6 * _label_to_params(label) * T["seq_len"]) == pytest.approx(1.60, abs=0.01)


def test_live_count_matches_by_hand_on_small_configs():
    """Build a tiny GPT block by block in PyTorch, count weights and matmul FLOPs, compare."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    for n_layer, d, n_ctx, vocab in [(2, 32, 16, 50), (3, 48, 40, 97)]:
        emb = torch.nn.Embedding(vocab, d)
        pos = torch.nn.Embedding(n_ctx, d)
        blocks = []
        for _ in range(n_layer):
            blocks.append(torch.nn.ModuleDict({
                "qkv": torch.nn.Linear(d, 3 * d, bias=False),
                "proj": torch.nn.Linear(d, d, bias=False),
                "fc": torch.nn.Linear(d, 4 * d, bias=False),
                "out": torch.nn.Linear(4 * d, d, bias=False),
            }))
        n_block = sum(p.numel() for b in blocks for p in b.parameters())
        assert n_block == compute.params_nonembedding(n_layer, d)
        assert emb.weight.numel() + pos.weight.numel() == compute.params_embedding(vocab, d, n_ctx)

        idx = torch.randint(0, vocab, (1, n_ctx))
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            x = emb(idx) + pos(torch.arange(n_ctx))
            for b in blocks:
                q, k, v = b["qkv"](x).split(d, dim=-1)  # (1, n_ctx, d) each, one head
                att = torch.softmax(q @ k.transpose(-2, -1) / d**0.5, dim=-1)  # (1, n_ctx, n_ctx)
                x = x + b["proj"](att @ v)
                x = x + b["out"](torch.relu(b["fc"](x)))
        live = counter.get_total_flops()
        # Dense attention scores and att@v cost 4 n_layer n_ctx^2 d; Kaplan counts half of it
        # (2 n_layer n_ctx d per token), which is what a causal kernel skipping the masked half costs.
        kaplan_seq = n_ctx * compute.flops_per_token_forward(n_layer, d, n_ctx)
        assert live - kaplan_seq == 2 * n_layer * n_ctx**2 * d
        # Chinchilla's Appendix F count is the live count plus the softmax (3 H seq^2 per layer).
        chin = compute.chinchilla_forward_flops_per_sequence(n_layer, d, 4 * d, 1, d, n_ctx, vocab,
                                                             include_embeddings=False)
        assert chin - live == 3 * n_layer * n_ctx**2


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: compute.params_nonembedding(0, 64), "n_layer"),
        (lambda: compute.params_nonembedding(2, 64.5), "d_model"),
        (lambda: compute.params_embedding(-3, 64), "n_vocab"),
        (lambda: compute.flops_per_token_forward(2, 64, -1), "n_ctx"),
        (lambda: compute.training_flops(-1, 10), "N"),
        (lambda: compute.flops_to_pf_days(float("nan")), "flops"),
        (lambda: compute.attention_flops_share(0, 1024), "d_model"),
        (lambda: compute.chinchilla_forward_flops_per_sequence(2, 64, 256, 0, 64, 128, 1000), "n_heads"),
        (lambda: compute.tokens_per_param(10, "x"), "N"),
    ],
)
def test_bad_input_raises_valueerror_naming_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.one_of(st.integers(max_value=0), st.floats(min_value=1.01, max_value=1e3).filter(lambda x: x != int(x))))
def test_any_bad_layer_count_is_rejected(bad):
    with pytest.raises(ValueError, match="n_layer"):
        compute.params_nonembedding(bad, 64)
