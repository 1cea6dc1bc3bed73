"""Training throughput and model-FLOP utilisation (MFU) of the lab's models on this machine.

For each model shape of the lab's ladder, times full training steps
(forward, backward, gradient clipping, fused AdamW) on random bytes and
prints tokens/s and MFU = tokens/s x (training FLOPs per token) / peak, where
the peak is the best fp32 matrix-multiply rate measured in the same run, with
the same threads, just before each model (so that load from other processes
hits both alike).

Usage::

    OMP_WAIT_POLICY=PASSIVE python benchmarks/lab_throughput.py [--threads 1] [--core 0] [--seconds 3]

The lab's sweeps run two pinned 1-thread workers, so ``--threads 1 --core 0``
(the default) is the figure that matters for them.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from scalinglaws.lab.model import GPT
from scalinglaws.lab.presets import ladder_config
from scalinglaws.lab.train import tune_allocator


def peak_matmul_flops(n: int = 1024, repeats: int = 5, inner: int = 8) -> float:
    """Best fp32 matmul rate (FLOP/s) over ``repeats`` timings of ``inner`` n x n products."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            a @ b
        best = max(best, 2 * n**3 * inner / (time.perf_counter() - t))
    return best


def step_rate(cfg, batch_size: int, seconds: float) -> float:
    """Training tokens per second of ``cfg`` at ``batch_size`` sequences per step (best of 3 windows)."""
    torch.manual_seed(0)
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
    x = torch.randint(0, 256, (batch_size, cfg.n_ctx))
    y = torch.randint(0, 256, (batch_size, cfg.n_ctx))

    def step():
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    for _ in range(3):
        step()
    best = 0.0
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 3:
            step()
            n += 1
        best = max(best, n * batch_size * cfg.n_ctx / (time.perf_counter() - t0))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--core", type=int, default=0, help="pin to this core (-1: no pinning)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per model and batch size")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.add_argument("--out", help="also write the rows as JSON Lines to this file (e.g. data/lab/throughput.jsonl)")
    args = parser.parse_args()
    if args.core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    torch.set_num_threads(args.threads)
    tune_allocator()  # as train() does on a CPU
    shapes = [(1, 16), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128)]
    rows = []
    if not args.json:
        print(f"torch {torch.__version__}, {args.threads} thread(s), fp32, n_ctx 128")
        print(f"{'shape':>6} {'N':>8} {'batch':>5} {'tokens/s':>10} {'GFLOP/s':>8} {'peak':>7} {'MFU':>6}")
    for L, d in shapes:
        cfg = ladder_config(L, d, n_ctx=128)
        for batch in (16, 64):
            peak = peak_matmul_flops()
            tps = step_rate(cfg, batch, args.seconds)
            achieved = tps * cfg.flops_per_token
            row = {"shape": f"{L}x{d}", "d_model": d, "N": cfg.n_params_nonembedding, "batch": batch,
                   "tokens_per_s": tps, "gflops": achieved / 1e9, "peak_gflops": peak / 1e9,
                   "mfu": achieved / peak, "threads": args.threads}
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{row['shape']:>6} {row['N']:>8,} {batch:>5} {tps:>10,.0f} {row['gflops']:>8.1f} "
                      f"{row['peak_gflops']:>7.1f} {row['mfu']:>6.1%}", flush=True)

    if args.out:
        import platform

        with open(args.out, "w") as fh:
            for row in rows:
                row.update({"torch": torch.__version__, "machine": platform.machine(),
                            "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                fh.write(json.dumps(row, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
