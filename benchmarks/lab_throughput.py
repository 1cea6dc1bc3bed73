"""Training throughput and model-FLOP utilisation (MFU) of the lab's models, one at a time or K at once.

For each model shape of the lab's ladder, times full training steps
(forward, backward, gradient clipping, AdamW) on random bytes, with the
trainer's own step functions (``scalinglaws.lab.train.training_step`` and, for
K models trained together, ``stacked_training_step``), and prints tokens/s
and MFU = tokens/s x (training FLOPs per token) / peak, where the peak is the
best matrix-multiply rate measured in the same run, on the same device, in
the same precision, just before each model (so that load from other
processes hits both alike).

Clock: on a CPU, the process's CPU time (``time.process_time``), not the
wall clock: on a shared machine the time slices other processes take on the
pinned core would otherwise count against the model. On CUDA, the wall clock
with the device synchronised.

Why a hand-batched model and not ``torch.func.vmap``: ``--vmap`` also times
``vmap`` of the plain model over the same stacked weights; on one CPU thread
it ran at 0.77-0.92x of sequential training at every shape of the ladder,
against 0.90-1.15x for the stacked model (it has no batching rule for the CPU
attention kernel and loops over the members there).

What batching can win on a CPU is the fixed cost of a step (Python, dispatch,
the optimiser's and clipping's small operations): about 1.8 ms at 1x16, 2.4 ms
at 2x32 and 2.8 ms at 3x80 on the book's machine, that is 29%, 16% and 5% of a
step of 16 x 128 tokens, so at most 1.4x, 1.2x and 1.05x there; more with
shorter steps (8 x 64 tokens: 1.8x at 1x16). The per-token work (the byte
vocabulary's output layer and softmax, attention, layer norms) is the same
either way. ``--compile`` (``torch.compile``) made 8 stacked 1x16 models
another 14% faster but took 45 s to compile per shape and process (sequential:
0.7x after 130 s), so the lab does not compile on a CPU.

``--batched K`` times sequential training (one model per step) and batched
training (K models per step, as ``lab run`` groups runs) in alternation,
``--rounds`` times each, and keeps the best window of each, so that both see
the same load; with ``--json`` it prints one JSON object per shape::

    {"shape": "2x32", "tokens_per_s_sequential": ..., "tokens_per_s_batched": ..., "ratio": ...,
     "mfu_sequential": ..., "mfu_batched": ..., "peak_flops": ..., ...}

Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/lab_throughput.py [--threads 1] [--core 0] [--seconds 3]
    OMP_WAIT_POLICY=PASSIVE python benchmarks/lab_throughput.py --batched 8 --json
    python benchmarks/lab_throughput.py --device cuda --precision bf16 --batched 32 --n-ctx 256 --batch 64 --json

The lab's sweeps run two pinned 1-thread workers, so ``--threads 1 --core 0``
(the default) is the figure that matters for them on a CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import time
import warnings

import torch

from scalinglaws.lab.model import GPT, StackedGPT
from scalinglaws.lab.presets import ladder_config
from scalinglaws.lab.train import (StackedAdamW, _autocast, pick_device, resolve_precision, stacked_training_step,
                                   training_step, tune_allocator)

CPU_SHAPES = ((1, 16), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128))


def clock_for(device: torch.device):
    """Seconds since an arbitrary origin: CPU time of this process on a CPU, synchronised wall time on CUDA."""
    if device.type == "cuda":
        def now():
            torch.cuda.synchronize(device)
            return time.perf_counter()
        return now
    return time.process_time


def peak_matmul_flops(device: torch.device, precision: str, n: int | None = None, repeats: int = 5,
                      inner: int = 8) -> float:
    """Best matrix-multiply rate (FLOP/s) over ``repeats`` timings of ``inner`` n x n products.

    fp32 on a CPU; on CUDA fp32 inputs with TF32 allowed (as the trainer sets
    it) or bf16 inputs for ``precision="bf16"``.
    """
    n = n or (8192 if device.type == "cuda" else 1024)
    dtype = torch.bfloat16 if precision == "bf16" and device.type == "cuda" else torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    now = clock_for(device)
    for _ in range(3):
        a @ b
    best = 0.0
    for _ in range(repeats):
        t = now()
        for _ in range(inner):
            a @ b
        best = max(best, 2 * n**3 * inner / (now() - t))
    return best


def sequential_stepper(cfg, batch_size: int, device, precision: str, compile: bool = False):
    """A training step of one model (the trainer's ``training_step``); returns (step, tokens per call)."""
    torch.manual_seed(0)
    model = GPT(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=device.type in ("cpu", "cuda"))
    forward = torch.compile(model) if compile else model
    x = torch.randint(0, 256, (batch_size, cfg.n_ctx), device=device)
    y = torch.randint(0, 256, (batch_size, cfg.n_ctx), device=device)
    amp = _autocast(device, precision)
    return (lambda: training_step(model, forward, opt, x, y, amp, 1.0)), batch_size * cfg.n_ctx


def stacked_stepper(cfg, batch_size: int, k: int, device, precision: str, compile: bool = False):
    """A training step of ``k`` models at once (the trainer's ``stacked_training_step``)."""
    torch.manual_seed(0)
    model = StackedGPT.from_models([GPT(cfg) for _ in range(k)]).to(device)
    opt = StackedAdamW(model)
    forward = torch.compile(model) if compile else model
    x = torch.randint(0, 256, (k, batch_size, cfg.n_ctx), device=device)
    y = torch.randint(0, 256, (k, batch_size, cfg.n_ctx), device=device)
    lr = torch.full((k,), 1e-3, dtype=torch.float64, device=device)
    wd = torch.full((k,), 0.1, device=device)
    clip = torch.ones(k, device=device)
    amp = _autocast(device, precision)
    return (lambda: stacked_training_step(model, forward, opt, x, y, amp, lr, wd, clip)), k * batch_size * cfg.n_ctx


def vmap_stepper(cfg, batch_size: int, k: int, device, precision: str):
    """The alternative to :class:`StackedGPT`: ``torch.func.vmap`` of the plain :class:`GPT` over stacked weights.

    Same flat parameters and optimiser as the stacked step, so only the
    forward/backward differ (``--vmap``; measured slower, see the module docstring).
    """
    from torch.func import functional_call

    torch.manual_seed(0)
    model = StackedGPT.from_models([GPT(cfg) for _ in range(k)]).to(device)
    template = GPT(cfg).to(device)
    opt = StackedAdamW(model)
    x = torch.randint(0, 256, (k, batch_size, cfg.n_ctx), device=device)
    y = torch.randint(0, 256, (k, batch_size, cfg.n_ctx), device=device)
    lr = torch.full((k,), 1e-3, dtype=torch.float64, device=device)
    wd = torch.full((k,), 0.1, device=device)
    clip = torch.ones(k, device=device)

    def member_loss(row, xi, yi):
        params = {n: t.view(s) for n, t, s in zip(model.names, row.split(model.sizes), model.shapes)}
        return functional_call(template, params, (xi, yi))[1]

    losses_of = torch.vmap(member_loss)

    class Vmapped:  # what stacked_training_step calls: forward(x, y) -> (None, losses)
        def __call__(self, xs, ys):
            return None, losses_of(model.flat, xs, ys)

    amp = _autocast(device, precision)
    return (lambda: stacked_training_step(model, Vmapped(), opt, x, y, amp, lr, wd, clip)), k * batch_size * cfg.n_ctx


def rate(step, tokens: int, seconds: float, now) -> float:
    """Tokens per second of ``step`` (``tokens`` per call): the best of 3 windows of ``seconds / 3``."""
    best = 0.0
    for _ in range(3):
        n, t0 = 0, now()
        while True:
            step()
            n += 1
            elapsed = now() - t0
            if elapsed >= seconds / 3:
                break
        best = max(best, n * tokens / elapsed)
    return best


def warm(step, calls: int = 3) -> float:
    """Run a few steps (compilation, allocator, caches); returns their wall time."""
    t = time.perf_counter()
    for _ in range(calls):
        step()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--core", type=int, default=0, help="pin to this core (-1: no pinning; CPU only)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per model, batch size and mode")
    parser.add_argument("--batched", type=int, default=0, metavar="K",
                        help="also time K models trained at once, alternating with one at a time")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of sequential and batched timings")
    parser.add_argument("--batch", type=int, nargs="+", default=None,
                        help="sequences per step (default: 16 and 64; 16 with --batched)")
    parser.add_argument("--n-ctx", type=int, default=128)
    parser.add_argument("--shapes", nargs="+", default=None, help="n_layer x d_model, e.g. 1x16 2x32 (default: "
                        "the cpu ladder)")
    parser.add_argument("--head-size", type=int, default=None, help="default: the presets' (32; 64 on a GPU)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                        help="auto: bf16 autocast on CUDA, fp32 elsewhere")
    parser.add_argument("--compile", action="store_true", help="torch.compile the models (both modes)")
    parser.add_argument("--vmap", action="store_true",
                        help="with --batched: also time torch.func.vmap over the plain model")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.add_argument("--out", help="also write the rows as JSON Lines to this file (e.g. data/lab/throughput.jsonl)")
    args = parser.parse_args()
    device = pick_device(args.device)
    precision = resolve_precision(args.precision, device)
    if device.type == "cpu":
        if args.core >= 0 and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.core})
        torch.set_num_threads(args.threads)
        tune_allocator()  # as train() does on a CPU
    else:
        torch.backends.cuda.matmul.allow_tf32 = True  # as the trainer sets it
        torch.backends.cudnn.allow_tf32 = True
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes] if args.shapes else CPU_SHAPES
    batches = args.batch or ([16] if args.batched else [16, 64])
    head_size = args.head_size or (64 if device.type == "cuda" else 32)
    now = clock_for(device)
    info = {"device": str(device), "precision": precision, "threads": args.threads if device.type == "cpu" else None,
            "clock": "process_cpu_time" if device.type == "cpu" else "wall_synchronised", "compiled": args.compile,
            "torch": torch.__version__, "machine": platform.machine(),
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None}
    rows = []
    if not args.json:
        print(f"torch {torch.__version__}, {device}, {precision}, {args.threads} thread(s), n_ctx {args.n_ctx}, "
              f"clock: {info['clock']}")
        if args.batched:
            print(f"{'shape':>6} {'N':>10} {'batch':>5} {'seq tok/s':>11} {'K=' + str(args.batched) + ' tok/s':>12} "
                  f"{'ratio':>6} {'MFU seq':>8} {'MFU K':>6} {'peak GFLOP/s':>12}")
        else:
            print(f"{'shape':>6} {'N':>10} {'batch':>5} {'tokens/s':>10} {'GFLOP/s':>8} {'peak':>7} {'MFU':>6}")
    for L, d in shapes:
        cfg = ladder_config(L, d, n_ctx=args.n_ctx, head_size=head_size)
        fpt = cfg.flops_per_token
        for batch in batches:
            row = {"shape": f"{L}x{d}", "d_model": d, "N": cfg.n_params_nonembedding, "batch": batch,
                   "n_ctx": args.n_ctx}
            seq, seq_tokens = sequential_stepper(cfg, batch, device, precision, args.compile)
            row["warmup_s_sequential"] = warm(seq)
            if args.batched:
                stk, stk_tokens = stacked_stepper(cfg, batch, args.batched, device, precision, args.compile)
                row["warmup_s_batched"] = warm(stk)
                vm = vmap_stepper(cfg, batch, args.batched, device, precision)[0] if args.vmap else None
                if vm is not None:
                    with warnings.catch_warnings():  # "no batching rule for ... attention": the point measured
                        warnings.simplefilter("ignore")
                        warm(vm)
                peak, tps_seq, tps_stk, tps_vm = 0.0, 0.0, 0.0, 0.0
                for _ in range(args.rounds):  # alternate, so that both modes see the same load
                    peak = max(peak, peak_matmul_flops(device, precision))
                    tps_seq = max(tps_seq, rate(seq, seq_tokens, args.seconds, now))
                    tps_stk = max(tps_stk, rate(stk, stk_tokens, args.seconds, now))
                    if vm is not None:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            tps_vm = max(tps_vm, rate(vm, stk_tokens, args.seconds, now))
                if vm is not None:
                    row.update({"tokens_per_s_vmap": tps_vm, "ratio_vmap": tps_vm / tps_seq})
                row.update({"K": args.batched, "tokens_per_s_sequential": tps_seq, "tokens_per_s_batched": tps_stk,
                            "ratio": tps_stk / tps_seq, "mfu_sequential": tps_seq * fpt / peak,
                            "mfu_batched": tps_stk * fpt / peak, "peak_flops": peak})
                del stk
            else:
                peak = peak_matmul_flops(device, precision)
                tps = rate(seq, seq_tokens, args.seconds, now)
                row.update({"tokens_per_s": tps, "gflops": tps * fpt / 1e9, "peak_gflops": peak / 1e9,
                            "mfu": tps * fpt / peak})
            del seq
            row.update(info)
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
            elif args.batched:
                print(f"{row['shape']:>6} {row['N']:>10,} {batch:>5} {row['tokens_per_s_sequential']:>11,.0f} "
                      f"{row['tokens_per_s_batched']:>12,.0f} {row['ratio']:>6.2f} {row['mfu_sequential']:>8.1%} "
                      f"{row['mfu_batched']:>6.1%} {row['peak_flops'] / 1e9:>12.1f}"
                      + (f"   vmap {row['ratio_vmap']:.2f}x" if args.vmap else ""), flush=True)
            else:
                print(f"{row['shape']:>6} {row['N']:>10,} {batch:>5} {row['tokens_per_s']:>10,.0f} {row['gflops']:>8.1f} "
                      f"{row['peak_gflops']:>7.1f} {row['mfu']:>6.1%}", flush=True)
            if device.type == "cuda":
                torch.cuda.empty_cache()

    if args.out:
        with open(args.out, "w") as fh:
            for row in rows:
                row["measured_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                fh.write(json.dumps(row, sort_keys=True) + "\n")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
