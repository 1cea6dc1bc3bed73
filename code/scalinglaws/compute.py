"""Counting parameters and FLOPs of a GPT-style decoder-only transformer.

Two bookkeeping conventions appear in the literature and in this book:

* Kaplan et al. (2020, Section 2.1, Table 1): N counts **non-embedding**
  parameters, N = 2 d_model n_layer (2 d_attn + d_ff) = 12 n_layer d_model^2
  when d_attn = d_model and d_ff = 4 d_model; the forward pass costs
  2N + 2 n_layer n_ctx d_attn FLOPs per token, training about 6N per token.
* Hoffmann et al. (2022, Appendix F): every matrix multiply counted,
  embeddings and output logits included, backward = 2 x forward.

Units: parameters (count), FLOPs, tokens; 1 PF-day = 8.64e19 FLOPs.
"""

from __future__ import annotations

from scalinglaws._validation import as_float_array, check_scalar, scalar_or_array
from scalinglaws.constants import PF_DAY_FLOPS

__all__ = [
    "params_nonembedding",
    "params_embedding",
    "params_total",
    "flops_per_token_forward",
    "flops_per_token_training",
    "params_lstm",
    "flops_per_token_training_lstm",
    "chinchilla_forward_flops_per_sequence",
    "attention_flops_share",
    "training_flops",
    "flops_to_pf_days",
    "pf_days_to_flops",
    "tokens_per_param",
]


def _positive_int(name, value) -> int:
    return check_scalar(name, value, low=1, integer=True)


_scalar = scalar_or_array


def params_nonembedding(n_layer, d_model, d_attn=None, d_ff=None) -> int:
    """Non-embedding parameters 2 d_model n_layer (2 d_attn + d_ff) (Kaplan Eq. 2.1).

    ``d_attn`` defaults to ``d_model`` and ``d_ff`` to ``4 * d_model``, which
    gives the familiar 12 n_layer d_model^2. Biases and layer norms (O(n_layer
    d_model)) are left out, as in the paper.
    """
    n_layer = _positive_int("n_layer", n_layer)
    d_model = _positive_int("d_model", d_model)
    d_attn = d_model if d_attn is None else _positive_int("d_attn", d_attn)
    d_ff = 4 * d_model if d_ff is None else _positive_int("d_ff", d_ff)
    return 2 * d_model * n_layer * (2 * d_attn + d_ff)


def params_embedding(n_vocab, d_model, n_ctx=0) -> int:
    """Embedding parameters: token embedding (n_vocab d_model) plus learned positions (n_ctx d_model).

    Pass ``n_ctx=0`` for models without learned position embeddings (rotary,
    ALiBi). With tied input/output embeddings this is also the unembedding.
    """
    n_vocab = _positive_int("n_vocab", n_vocab)
    d_model = _positive_int("d_model", d_model)
    n_ctx = check_scalar("n_ctx", n_ctx, low=0, integer=True)
    return (n_vocab + n_ctx) * d_model


def params_total(n_layer, d_model, n_vocab, n_ctx=0, d_attn=None, d_ff=None, tied_embeddings=True) -> int:
    """Non-embedding plus embedding parameters; adds a separate unembedding when ``tied_embeddings=False``."""
    total = params_nonembedding(n_layer, d_model, d_attn, d_ff) + params_embedding(n_vocab, d_model, n_ctx)
    if not tied_embeddings:
        total += _positive_int("n_vocab", n_vocab) * _positive_int("d_model", d_model)
    return total


def flops_per_token_forward(n_layer, d_model, n_ctx, d_attn=None, d_ff=None, n_vocab=None) -> int:
    """Forward FLOPs per token, Kaplan et al. Eq. 2.2: 2N + 2 n_layer n_ctx d_attn.

    If ``n_vocab`` is given, the de-embedding (output logits) 2 d_model n_vocab
    of Table 1 is added too — the "last-layer FLOPs" that Porian et al. (2024)
    showed Kaplan's count leaves out.
    """
    N = params_nonembedding(n_layer, d_model, d_attn, d_ff)
    d_attn = d_model if d_attn is None else d_attn
    n_ctx = check_scalar("n_ctx", n_ctx, low=0, integer=True)
    flops = 2 * N + 2 * n_layer * n_ctx * d_attn
    if n_vocab is not None:
        flops += 2 * d_model * _positive_int("n_vocab", n_vocab)
    return flops


def flops_per_token_training(n_layer, d_model, n_ctx, d_attn=None, d_ff=None, n_vocab=None) -> int:
    """Training FLOPs per token: 3 x forward (backward costs twice the forward pass)."""
    return 3 * flops_per_token_forward(n_layer, d_model, n_ctx, d_attn, d_ff, n_vocab)


def params_lstm(n_layer, d_model) -> int:
    """Non-embedding parameters of a stack of ``n_layer`` LSTM layers of width ``d_model`` without biases.

    Each layer has four gates, each with an input and a recurrent weight
    matrix of ``d_model x d_model``: 8 d_model^2 per layer (Hochreiter &
    Schmidhuber 1997; the LSTMs Kaplan et al. 2020, Fig. 7, compare with
    transformers at equal non-embedding N).
    """
    return 8 * _positive_int("n_layer", n_layer) * _positive_int("d_model", d_model) ** 2


def flops_per_token_training_lstm(n_layer, d_model, n_vocab=None) -> int:
    """Training FLOPs per token of an LSTM language model: 3 x (2N + 2 d_model n_vocab).

    The forward pass multiplies every weight once per token (2N, the gate
    products) and, if ``n_vocab`` is given, computes the output logits; the
    element-wise gate arithmetic (O(d_model) per token) is left out, as the
    layer norms are for the transformer.
    """
    flops = 2 * params_lstm(n_layer, d_model)
    if n_vocab is not None:
        flops += 2 * _positive_int("d_model", d_model) * _positive_int("n_vocab", n_vocab)
    return 3 * flops


def chinchilla_forward_flops_per_sequence(n_layer, d_model, d_ff, n_heads, d_head, seq_len, n_vocab,
                                          include_embeddings=True) -> int:
    """Forward FLOPs for one sequence, counted as in Hoffmann et al. (2022), Appendix F.

    A multiply-accumulate is 2 FLOPs. Terms: embeddings 2 seq vocab d_model;
    per layer, QKV projections 2*3 seq d_model (k H), key@query logits
    2 seq^2 (k H), softmax 3 H seq^2, softmax@value 2 seq^2 (k H), output
    projection 2 seq (k H) d_model, dense block 4 seq d_model d_ff; final logits
    2 seq d_model vocab. ``include_embeddings=False`` drops the embedding and
    logit terms (which is what reproduces the paper's Table A4 ratios).
    """
    L = _positive_int("n_layer", n_layer)
    d = _positive_int("d_model", d_model)
    ff = _positive_int("d_ff", d_ff)
    H = _positive_int("n_heads", n_heads)
    k = _positive_int("d_head", d_head)
    s = _positive_int("seq_len", seq_len)
    V = _positive_int("n_vocab", n_vocab)
    kH = k * H
    attention = 2 * 3 * s * d * kH + 2 * s * s * kH + 3 * H * s * s + 2 * s * s * kH + 2 * s * kH * d
    dense = 2 * s * (d * ff + d * ff)
    total = L * (attention + dense)
    if include_embeddings:
        total += 2 * s * V * d + 2 * s * d * V
    return total


def attention_flops_share(d_model, n_ctx):
    """Share of Kaplan's forward FLOPs spent on the context term, for d_attn = d_ff/4 = d_model.

    The ratio of the context term to 2N is 2 n_layer n_ctx d / (24 n_layer d^2)
    = n_ctx / (12 d_model), so the share is r / (1 + r) with r = n_ctx/(12 d_model):
    negligible when d_model >> n_ctx/12 (Kaplan et al. Section 2.1). Vectorised.
    """
    d_model = as_float_array("d_model", d_model, positive=True)
    n_ctx = as_float_array("n_ctx", n_ctx, nonnegative=True)
    r = n_ctx / (12.0 * d_model)
    return _scalar(r / (1.0 + r))


def training_flops(N, D):
    """Training compute C = 6 N D FLOPs (2 forward + 4 backward FLOPs per parameter per token)."""
    N = as_float_array("N", N, positive=True)
    D = as_float_array("D", D, positive=True)
    return _scalar(6.0 * N * D)


def flops_to_pf_days(flops):
    """Convert FLOPs to PF-days (1 PF-day = 1e15 FLOP/s x 86,400 s = 8.64e19 FLOPs)."""
    return _scalar(as_float_array("flops", flops, nonnegative=True) / PF_DAY_FLOPS)


def pf_days_to_flops(pf_days):
    """Convert PF-days to FLOPs."""
    return _scalar(as_float_array("pf_days", pf_days, nonnegative=True) * PF_DAY_FLOPS)


def tokens_per_param(D, N):
    """Training tokens per parameter D / N (Chinchilla-optimal is about 20)."""
    D = as_float_array("D", D, positive=True)
    N = as_float_array("N", N, positive=True)
    return _scalar(D / N)
