"""Train one lab model: AdamW, warmup then cosine (or WSD) decay, periodic validation.

The loop is flat and visible (nanoGPT style). Everything that decides the
numbers is in two frozen dataclasses, :class:`~scalinglaws.lab.model.GPTConfig`
and :class:`TrainConfig`, so a run is fully described by them plus the seed:
on a CPU with a fixed thread count the same configs give the same losses
bit for bit.

FLOPs accounting: C = (training FLOPs per token) x (tokens seen), with the
per-token count from :func:`scalinglaws.compute.flops_per_token_training`
(6N plus attention and output-layer terms).
"""

from __future__ import annotations

import math
import os
import sys
import time

import torch

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab import data as labdata
from scalinglaws.lab.config import GPTConfig, TrainConfig
from scalinglaws.lab.model import GPT

__all__ = ["pick_device", "configure_threads", "tune_allocator", "lr_at", "train", "evaluate"]

def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple MPS, else CPU."""
    check_in("device", device, {"auto", "cpu", "cuda", "mps"})
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    return torch.device(device)


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads (default: all cores this process may use). Returns the count."""
    if threads is None:
        try:
            threads = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS
            threads = os.cpu_count() or 1
    threads = check_scalar("threads", threads, low=1, integer=True)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def tune_allocator() -> bool:
    """Ask glibc's malloc to keep freed activation buffers instead of returning them to the OS.

    Every training step allocates and frees the same few-megabyte activation
    tensors; by default glibc serves them with fresh ``mmap`` calls and trims
    the heap, so each step pays page faults again. Raising the mmap and trim
    thresholds made a 3x80 CPU step about 4% faster in ``benchmarks/``. Only
    memory placement changes, never a result. Returns False where there is no
    glibc (macOS, Windows, musl) and nothing was changed.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # from glibc's malloc.h
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
                    and libc.mallopt(M_TOP_PAD, 64 << 20))
    except (OSError, AttributeError):
        return False


def lr_at(step: int, n_steps: int, cfg: TrainConfig) -> float:
    """Learning rate at ``step`` (0-based): linear warmup, then cosine / WSD / constant."""
    warmup = int(cfg.warmup_frac * n_steps)
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    if cfg.schedule == "constant":
        return cfg.lr
    floor = cfg.min_lr_frac * cfg.lr
    if cfg.schedule == "cosine":
        progress = (step - warmup) / max(1, n_steps - warmup)
        return floor + 0.5 * (cfg.lr - floor) * (1 + math.cos(math.pi * progress))
    decay_start = n_steps - int(cfg.decay_frac * n_steps)  # WSD
    if step < decay_start:
        return cfg.lr
    return cfg.lr + (floor - cfg.lr) * (step - decay_start + 1) / max(1, n_steps - decay_start)


@torch.no_grad()
def evaluate(model: GPT, tokens: torch.Tensor, n_tokens: int, device: torch.device) -> float:
    """Mean next-byte cross-entropy (nats/byte) over fixed validation windows."""
    model.eval()
    total, count = 0.0, 0
    for x, y in labdata.validation_batches(tokens, model.cfg.n_ctx, n_tokens):
        _, loss = model(x.to(device), y.to(device))
        total += loss.item() * y.numel()
        count += y.numel()
    model.train()
    return total / count


def _grad_sqnorm(model: GPT) -> float:
    return float(sum((p.grad.double() ** 2).sum() for p in model.parameters() if p.grad is not None))


def _noise_scale(model: GPT, split, cfg: TrainConfig, gen: torch.Generator, device, pairs: int = 4) -> dict:
    """Two-batch estimate of |G|^2, tr(Sigma) and B_simple (McCandlish et al. 2018, App. A) at the current weights.

    Batches of ``batch_size // 8`` and ``2 batch_size`` sequences; the two unbiased
    estimates are averaged over ``pairs`` independent pairs *before* taking
    their ratio (a ratio of noisy means, not a mean of noisy ratios, as
    McCandlish et al. advise). Units: sequences of ``n_ctx`` tokens.
    """
    from scalinglaws.batch_size import two_batch_estimates

    b_small = max(1, cfg.batch_size // 8)
    b_big = cfg.batch_size * 2
    g2, tr = 0.0, 0.0
    for _ in range(pairs):
        sq = {}
        for b in (b_small, b_big):
            x, y = labdata.sample_batch(split.train, b, model.cfg.n_ctx, gen, cfg.data_limit)
            model.zero_grad(set_to_none=True)
            _, loss = model(x.to(device), y.to(device))
            loss.backward()
            sq[b] = _grad_sqnorm(model)
        est = two_batch_estimates(sq[b_small], sq[b_big], b_small, b_big)
        g2 += float(est.grad_sqnorm) / pairs
        tr += float(est.trace_sigma) / pairs
    model.zero_grad(set_to_none=True)
    return {"grad_sqnorm": g2, "trace_sigma": tr, "b_simple": tr / g2 if g2 > 0 else None,
            "b_small": b_small, "b_big": b_big, "pairs": pairs}


def train(model_cfg: GPTConfig, cfg: TrainConfig, *, device: str = "auto", threads: int | None = None,
          progress: bool | None = None) -> dict:
    """Train one model; return a JSON-able dict of results.

    Keys: ``final_val_loss`` (nats/byte), ``curve`` (list of evaluation
    points: step, tokens, flops, lr, train_loss, val_loss), ``flops`` (total
    training FLOPs), ``tokens``, ``steps``, ``n_params_nonembedding``,
    ``n_params_embedding``, ``flops_per_token``, plus ``timing`` (wall time,
    tokens/s, device, threads) kept apart because it varies run to run.
    ``progress=None`` shows a tqdm bar only on an interactive terminal.
    """
    if not isinstance(model_cfg, GPTConfig):
        raise ValueError(f"model_cfg must be a GPTConfig, got {type(model_cfg).__name__}")
    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    dev = pick_device(device)
    n_threads = configure_threads(threads) if dev.type == "cpu" else torch.get_num_threads()
    if dev.type == "cpu":
        tune_allocator()
    split = labdata.get_split(cfg.corpus)

    torch.manual_seed(cfg.seed)
    model = GPT(model_cfg).to(dev)
    gen = torch.Generator().manual_seed(cfg.seed + 1)  # data order, independent of the init
    noise_gen = torch.Generator().manual_seed(cfg.seed + 2)
    decay = [p for p in model.parameters() if p.dim() >= 2]  # all weights are matrices
    opt_kwargs = dict(lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    if dev.type in ("cpu", "cuda"):
        opt_kwargs["fused"] = True
    opt = torch.optim.AdamW([{"params": decay}], **opt_kwargs)

    n_steps = cfg.steps(model_cfg.n_ctx)
    tokens_per_step = cfg.batch_size * model_cfg.n_ctx
    fpt = model_cfg.flops_per_token
    eval_at = sorted({max(0, round(n_steps * (i + 1) / cfg.n_evals) - 1) for i in range(cfg.n_evals)})
    curve = []
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm.auto import tqdm

    bar = tqdm(total=n_steps, disable=not progress, desc=f"N={model_cfg.n_params_nonembedding:,}", leave=False)
    t0 = time.perf_counter()
    running, n_running = 0.0, 0
    for step in range(n_steps):
        lr = lr_at(step, n_steps, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = labdata.sample_batch(split.train, cfg.batch_size, model_cfg.n_ctx, gen, cfg.data_limit)
        _, loss = model(x.to(dev), y.to(dev))  # loss: mean nats/byte over (B, T)
        loss.backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        running += loss.item()
        n_running += 1
        bar.update(1)
        if step in eval_at:
            val = evaluate(model, split.val, cfg.eval_tokens, dev)
            point = {"step": step + 1, "tokens": (step + 1) * tokens_per_step,
                     "flops": float(fpt) * (step + 1) * tokens_per_step, "lr": lr,
                     "train_loss": running / n_running, "val_loss": val}
            if cfg.noise_scale:
                point["noise"] = _noise_scale(model, split, cfg, noise_gen, dev)
            curve.append(point)
            running, n_running = 0.0, 0
            bar.set_postfix(val=f"{val:.3f}")
    bar.close()
    wall = time.perf_counter() - t0
    tokens = n_steps * tokens_per_step
    if not math.isfinite(curve[-1]["val_loss"]):
        raise ValueError(f"training diverged (val loss {curve[-1]['val_loss']}); lower lr={cfg.lr}")
    return {
        "final_val_loss": curve[-1]["val_loss"],
        "curve": curve,
        "flops": float(fpt) * tokens,
        "tokens": tokens,
        "steps": n_steps,
        "n_params_nonembedding": model_cfg.n_params_nonembedding,
        "n_params_embedding": model_cfg.n_params_embedding,
        "flops_per_token": fpt,
        "timing": {"wall_s": wall, "tokens_per_s": tokens / wall, "device": str(dev), "threads": n_threads},
    }
