"""A small decoder-only transformer (GPT) for the training lab.

One readable module in the style of nanoGPT (Karpathy): each block as a
small ``nn.Module``, then the model; the validated shape it is built from,
:class:`~scalinglaws.lab.config.GPTConfig`, lives in :mod:`scalinglaws.lab.config`. Tensor
shapes are given in comments: B batch, T time (context), C = d_model,
H heads, hs = head size.

Design choices, made so that the parameter count is *exactly* the one
:mod:`scalinglaws.compute` gives (a test checks it against the live model):

* no bias vectors in any linear layer;
* layer norms without learnable gain or bias (non-parametric, as in OLMo 1),
  so they add no parameters;
* learned position embeddings (n_ctx x d_model) and token embeddings tied to
  the output layer (n_vocab x d_model), so the embedding parameters are
  ``params_embedding(n_vocab, d_model, n_ctx)``;
* everything else is the non-embedding count
  ``params_nonembedding(n_layer, d_model, d_attn, d_ff) = 2 n_layer d_model (2 d_attn + d_ff)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from scalinglaws.lab.config import GPTConfig

__all__ = ["GPTConfig", "GPT"]


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.d_attn = cfg.d_attn
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_attn, bias=False)  # 3 d_model d_attn params
        self.proj = nn.Linear(cfg.d_attn, cfg.d_model, bias=False)  # d_attn d_model params

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(self.d_attn, dim=2)  # 3 x (B, T, d_attn)
        hs = self.d_attn // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, H, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, hs)
        y = y.transpose(1, 2).reshape(B, T, self.d_attn)  # (B, T, d_attn)
        return self.proj(y)  # (B, T, C)


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.fc = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.proj = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ReLU, not GPT-2's tanh-GELU: on one CPU thread the GELU's forward and backward took
        # 19% of a 3x80 training step (6.5x a ReLU's time), so ReLU buys model FLOPs (benchmarks/)
        return self.proj(F.relu(self.fc(x)))  # (B, T, d_ff) -> (B, T, C)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.attn = CausalSelfAttention(cfg)
        self.mlp = MLP(cfg)
        self.d_model = cfg.d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(F.layer_norm(x, (self.d_model,)))  # non-parametric layer norm
        x = x + self.mlp(F.layer_norm(x, (self.d_model,)))
        return x


class GPT(nn.Module):
    """Decoder-only transformer over a byte vocabulary; ``forward`` returns (logits, loss)."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        if not isinstance(cfg, GPTConfig):
            raise ValueError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.n_vocab, cfg.d_model)  # tied with the output layer
        self.wpe = nn.Embedding(cfg.n_ctx, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.apply(self._init_weights)
        # GPT-2: scale the residual projections by 1/sqrt(2 n_layer)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def n_params(self, embedding: bool = True) -> int:
        """Parameters of the live model (optionally without the embeddings)."""
        n = sum(p.numel() for p in self.parameters())
        if not embedding:
            n -= self.wte.weight.numel() + self.wpe.weight.numel()
        return n

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        B, T = idx.shape  # (B, T) byte ids
        if T > self.cfg.n_ctx:
            raise ValueError(f"sequence length {T} exceeds n_ctx={self.cfg.n_ctx}")
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        x = F.layer_norm(x, (self.cfg.d_model,))
        logits = x @ self.wte.weight.t()  # (B, T, n_vocab), tied weights
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))  # nats/token
        return logits, loss
