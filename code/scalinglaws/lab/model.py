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

Parametrisation (``GPTConfig.parametrization``): the standard one draws every
weight with standard deviation 0.02 (GPT-2) whatever the width, and trains
all of them at one learning rate. Under μP (Yang et al. 2022, Tensor
Programs V) the hidden matrices (attention and MLP) start with variance
proportional to 1/fan_in and take Adam steps proportional to 1/fan_in, and
the output logits are multiplied by base_width/d_model; the tied embedding,
an input layer, keeps its scale and learning rate. :func:`lr_multipliers`
gives each parameter's learning-rate factor; both trainers apply it.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from scalinglaws.hyperparameters import mup_output_multiplier, mup_scaling
from scalinglaws.lab.config import GPTConfig, LSTMConfig

__all__ = ["GPTConfig", "GPT", "StackedGPT", "LSTMConfig", "LSTM", "build_model", "lr_multipliers", "output_multiplier",
           "param_groups"]


def _is_hidden(name: str) -> bool:
    """Hidden matrices (fan_in and fan_out both grow with the width): everything in the blocks."""
    return name.startswith("blocks.")


def _mup(cfg: GPTConfig, layer: str):
    return mup_scaling(layer, cfg.d_model, cfg.d_model / cfg.width_mult, optimizer="adam")


def lr_multipliers(cfg: GPTConfig, names) -> list[float]:
    """Each named parameter's learning-rate factor: 1 under the standard parametrisation; under μP
    ``base_width / d_model`` for hidden matrices and 1 for the (tied) embeddings (Tensor Programs V, Table 3)."""
    if getattr(cfg, "parametrization", "standard") == "standard":  # an LSTMConfig has only the standard one
        return [1.0 for _ in names]
    hidden, embedding = _mup(cfg, "hidden").lr, _mup(cfg, "input").lr
    return [hidden if _is_hidden(n) else embedding for n in names]


def param_groups(model: "GPT") -> list[dict]:
    """Optimiser parameter groups of ``model``, one per learning-rate factor (:func:`lr_multipliers`), in the
    model's parameter order: ``{"params": [...], "lr_scale": factor}``; a single group under the standard
    parametrisation."""
    names, params = zip(*model.named_parameters())
    groups: dict = {}
    for p, m in zip(params, lr_multipliers(model.cfg, names)):
        groups.setdefault(m, []).append(p)
    return [{"params": ps, "lr_scale": m} for m, ps in groups.items()]


def output_multiplier(cfg: GPTConfig) -> float:
    """Factor on the output logits: 1 under the standard parametrisation, ``base_width / d_model`` under μP
    (the multiplier form of the output layer's 1/fan_in rule, Tensor Programs V, Table 8)."""
    if cfg.parametrization == "standard":
        return 1.0
    return mup_output_multiplier(cfg.d_model, cfg.d_model / cfg.width_mult)


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
        if cfg.parametrization == "mup":  # hidden variance ~ 1/fan_in, equal to the above at the base width
            scale = math.sqrt(_mup(cfg, "hidden").init_var)
            with torch.no_grad():
                for name, p in self.named_parameters():
                    if _is_hidden(name):
                        p.mul_(scale)
        self.out_mult = output_multiplier(cfg)

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
        if self.out_mult != 1.0:  # muP's output multiplier
            x = x * self.out_mult
        logits = x @ self.wte.weight.t()  # (B, T, n_vocab), tied weights
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))  # nats/token
        return logits, loss


class _StackedOutputLoss(torch.autograd.Function):
    """Per-member mean cross-entropy of the tied output layer, ``logits = x W^T``, without storing the logits.

    ``x`` (K, R, C), ``W`` (K, V, C), ``targets`` (K, R) -> (K, R) nats. The
    logits of a tiny model are far wider than the model (256 bytes against a
    d_model of 16-64), and for K members at once they no longer fit in the
    core's cache: stored and read back by separate softmax, loss and gradient
    passes they took over half of a step. Here they are made ``rows`` rows at
    a time, used while still in cache, and made again in the backward pass
    (one extra ``x W^T`` product, cheaper than the memory traffic it saves).
    """

    @staticmethod
    def forward(ctx, x, W, targets, rows):
        out = torch.empty(targets.shape, dtype=torch.float32, device=x.device)
        dtype = x.dtype
        for r in range(0, x.shape[1], rows):
            logits = torch.bmm(x[:, r:r + rows], W.mT)  # (K, rows, V); bf16 under autocast
            dtype = logits.dtype
            logp = torch.log_softmax(logits.float(), -1)
            out[:, r:r + rows] = -logp.gather(-1, targets[:, r:r + rows, None]).squeeze(-1)
        ctx.save_for_backward(x, W, targets)
        ctx.rows, ctx.dtype = rows, dtype
        return out

    @staticmethod
    def backward(ctx, grad):
        x, W, targets = ctx.saved_tensors
        rows, dtype = ctx.rows, ctx.dtype  # the backward pass runs outside autocast: products as forward made them
        Wd = W.to(dtype)
        grad_x = torch.empty(x.shape, dtype=torch.float32, device=x.device)
        grad_W = torch.zeros(W.shape, dtype=torch.float32, device=W.device)
        for r in range(0, x.shape[1], rows):
            xr, tr = x[:, r:r + rows].to(dtype), targets[:, r:r + rows, None]
            p = torch.softmax(torch.bmm(xr, Wd.mT).float(), -1)  # d loss / d logits = softmax - one-hot
            p.scatter_add_(-1, tr, torch.full(tr.shape, -1.0, device=p.device))
            p.mul_(grad[:, r:r + rows, None])
            p = p.to(dtype)
            grad_x[:, r:r + rows] = torch.bmm(p, Wd)
            if dtype == torch.float32:
                grad_W.baddbmm_(p.mT, xr)
            else:
                grad_W.add_(torch.bmm(p.mT, xr))
        return grad_x.to(x.dtype), grad_W.to(W.dtype), None, None


class StackedGPT(nn.Module):
    """K models of one shape trained as one: every parameter of every member in one ``(K, P)`` tensor.

    Member ``k`` is exactly a :class:`GPT`: ``flat[k]`` is the concatenation
    of that GPT's parameters in ``named_parameters`` order (:meth:`from_models`
    stacks K of them, :meth:`member_state` unstacks one). The forward pass runs
    all K at once with batched matrix products (``torch.bmm`` over the leading
    K dimension) and returns one loss per member, so ``losses.sum().backward()``
    gives each member exactly the gradient of its own loss.

    Why one flat tensor: the optimiser step, gradient clipping (one norm per
    member: a row norm) and dropping a finished member (a row slice) become
    a handful of whole-tensor operations whatever the depth, instead of one
    small kernel per parameter per member. The model's weights are views of
    it, so nothing is copied in the forward pass.

    Why ``bmm`` rather than ``torch.func.vmap`` over :class:`GPT`: measured on
    one CPU thread, the hand-batched forward/backward ran faster at every
    shape of the lab's ladder (``benchmarks/lab_throughput.py``), and the two
    give the same numbers to rounding.
    """

    def __init__(self, cfg: GPTConfig, k: int):
        super().__init__()
        if not isinstance(cfg, GPTConfig):
            raise ValueError(f"cfg must be a GPTConfig, got {type(cfg).__name__}")
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        self.cfg = cfg
        with torch.device("meta"):  # names and shapes only: no memory, no random numbers drawn
            template = GPT(cfg)
        self.names = [n for n, _ in template.named_parameters()]
        self.shapes = [tuple(p.shape) for _, p in template.named_parameters()]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.flat = nn.Parameter(torch.zeros(k, sum(self.sizes)))
        self.out_mult = output_multiplier(cfg)

    def lr_scale(self) -> torch.Tensor | None:
        """The learning-rate factor of every entry of a member's flat parameters (P,), or None when all are 1."""
        mults = lr_multipliers(self.cfg, self.names)
        if all(m == 1.0 for m in mults):
            return None
        return torch.cat([torch.full((n,), m) for n, m in zip(self.sizes, mults)]).to(self.flat.device)

    @property
    def k(self) -> int:
        return self.flat.shape[0]

    @classmethod
    def from_models(cls, models) -> "StackedGPT":
        """Stack K :class:`GPT` models of one shape (their current weights)."""
        models = list(models)
        if not models or not all(isinstance(m, GPT) for m in models):
            raise ValueError("models must be a non-empty sequence of GPT")
        cfg = models[0].cfg
        if any(m.cfg != cfg for m in models):
            raise ValueError("models must all have the same GPTConfig")
        out = cls(cfg, len(models)).to(models[0].wte.weight.device)
        with torch.no_grad():
            out.flat.copy_(torch.stack([torch.cat([p.reshape(-1) for p in m.parameters()]) for m in models]))
        return out

    def weights(self, flat: torch.Tensor | None = None) -> dict:
        """Each parameter as a ``(K, *shape)`` view of ``flat`` (default: this model's)."""
        flat = self.flat if flat is None else flat
        parts = flat.split(self.sizes, dim=1)
        return {n: t.view(flat.shape[0], *s) for n, t, s in zip(self.names, parts, self.shapes)}

    def member_state(self, i: int) -> dict:
        """Member ``i`` as a :class:`GPT` ``state_dict`` (copies)."""
        return {n: w[i].detach().clone() for n, w in self.weights().items()}

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, flat: torch.Tensor | None = None):
        """``idx``: (K, B, T) byte ids. Returns (logits (K, B, T, n_vocab), None) without targets and
        (None, losses (K,)) with them: the training path never stores the logits (see
        :class:`_StackedOutputLoss`).

        ``flat`` (default: this model's) lets a caller run a subset of the
        members, e.g. ``flat[rows]`` for evaluation.
        """
        cfg = self.cfg
        W = self.weights(flat)
        K, B, T = idx.shape
        if K != W["wte.weight"].shape[0]:
            raise ValueError(f"idx has {K} members, the weights {W['wte.weight'].shape[0]}")
        if T > cfg.n_ctx:
            raise ValueError(f"sequence length {T} exceeds n_ctx={cfg.n_ctx}")
        C, V, H, A = cfg.d_model, cfg.n_vocab, cfg.n_head, cfg.d_attn
        hs = A // H
        # token embedding: member k looks up row k V + byte in the (K V, C) table of all members
        offset = (torch.arange(K, device=idx.device) * V).view(K, 1, 1)
        x = F.embedding(idx + offset, W["wte.weight"].reshape(K * V, C))  # (K, B, T, C)
        x = (x + W["wpe.weight"][:, None, :T]).reshape(K, B * T, C)
        for i in range(cfg.n_layer):
            p = f"blocks.{i}."
            q, k, v = torch.bmm(F.layer_norm(x, (C,)), W[p + "attn.qkv.weight"].mT).split(A, dim=2)
            q = q.reshape(K * B, T, H, hs).transpose(1, 2)  # (K B, H, T, hs)
            k = k.reshape(K * B, T, H, hs).transpose(1, 2)
            v = v.reshape(K * B, T, H, hs).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(K, B * T, A)
            x = x + torch.bmm(y, W[p + "attn.proj.weight"].mT)
            h = F.relu(torch.bmm(F.layer_norm(x, (C,)), W[p + "mlp.fc.weight"].mT))  # (K, B T, d_ff)
            x = x + torch.bmm(h, W[p + "mlp.proj.weight"].mT)
        x = F.layer_norm(x, (C,))
        if self.out_mult != 1.0:  # muP's output multiplier
            x = x * self.out_mult
        if targets is None:
            return torch.bmm(x, W["wte.weight"].mT).view(K, B, T, V), None  # tied weights
        # 256 rows of logits per member at a time: K x 256 x 256 floats stay in a core's L2 cache
        losses = _StackedOutputLoss.apply(x, W["wte.weight"], targets.reshape(K, B * T), 256).mean(1)
        return None, losses  # nats/byte per member

    def keep_rows(self, rows: torch.Tensor) -> None:
        """Keep only these members (a finished run leaves the group); ``rows`` indexes the members.

        A row may appear twice: that forks the member (a copy continues from
        the same weights), e.g. a warmup-stable-decay run branching a cool-down
        while its stable phase goes on; fork the optimiser state alike
        (:meth:`~scalinglaws.lab.train.StackedAdamW.keep_rows`).
        """
        self.flat = nn.Parameter(self.flat.detach()[rows])


class LSTM(nn.Module):
    """An LSTM language model over bytes, the recurrent baseline of Kaplan et al. (2020, Fig. 7).

    Token embedding, ``n_layer`` stacked ``nn.LSTM`` layers of width
    ``d_model`` without biases (so the non-embedding count is exactly
    ``compute.params_lstm``: 8 n_layer d_model^2), a non-parametric layer norm
    and the output layer tied to the embedding, as in :class:`GPT`. There is
    no position embedding: the recurrence carries the order. Each window of
    ``n_ctx`` bytes starts from a zero state, as a transformer's context
    starts empty, so the loss at position t measures what t bytes of context
    are worth to each architecture. The LSTM weights keep PyTorch's
    initialisation (uniform in +-1/sqrt(d_model)); the embedding gets GPT's.
    """

    def __init__(self, cfg: LSTMConfig):
        super().__init__()
        if not isinstance(cfg, LSTMConfig):
            raise ValueError(f"cfg must be an LSTMConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.n_vocab, cfg.d_model)
        self.rnn = nn.LSTM(cfg.d_model, cfg.d_model, num_layers=cfg.n_layer, bias=False, batch_first=True)
        nn.init.normal_(self.wte.weight, mean=0.0, std=0.02)

    def n_params(self, embedding: bool = True) -> int:
        """Parameters of the live model (optionally without the embedding)."""
        n = sum(p.numel() for p in self.parameters())
        return n if embedding else n - self.wte.weight.numel()

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        B, T = idx.shape  # (B, T) byte ids
        if T > self.cfg.n_ctx:
            raise ValueError(f"sequence length {T} exceeds n_ctx={self.cfg.n_ctx}")
        h, _ = self.rnn(self.wte(idx))  # (B, T, C), zero initial state
        logits = F.layer_norm(h, (self.cfg.d_model,)) @ self.wte.weight.t()  # (B, T, n_vocab), tied
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss


def build_model(cfg) -> nn.Module:
    """The model a config describes: :class:`GPT` for a :class:`GPTConfig`, :class:`LSTM` for an
    :class:`LSTMConfig`."""
    if isinstance(cfg, GPTConfig):
        return GPT(cfg)
    if isinstance(cfg, LSTMConfig):
        return LSTM(cfg)
    raise ValueError(f"cfg must be a GPTConfig or LSTMConfig, got {type(cfg).__name__}")
