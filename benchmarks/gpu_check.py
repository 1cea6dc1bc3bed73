"""One run that says what the lab does on a GPU: smoke, throughput and MFU, batching, and the gpu preset's time.

Run through ``benchmarks/gpu_check.sh OUTDIR`` (which also bounds its time).
Sections, each written to ``OUTDIR/gpu_check.json`` as soon as it is done (a
failing section records its error and the others still run):

``environment``   torch, CUDA, the device's name.
``smoke``         ``lab run smoke`` on the device (wall time, runs), ``lab report smoke``,
                  ``lab verify smoke`` on the device (bit for bit: is training deterministic there?).
``throughput``    tokens/s and MFU per shape in fp32 and bf16, one model at a time and K at once,
                  against the matrix-multiply peak measured in the same run and precision
                  (``benchmarks/lab_throughput.py``); eager against ``torch.compile`` on one shape.
``step_overhead`` the fixed cost of a training step (tiny models of 1 and 4 layers): what sets
                  the pace of the smallest models.
``preset_slice``  a few whole groups of the ``gpu`` preset trained as ``lab run`` trains them;
                  their wall time against the projection, and the full preset's projected time
                  from the measured rates (``Preset.projected_seconds``), corrected by the slice.

``--device cpu --tiny`` runs every section at toy sizes on a CPU, so that the
script is debugged before GPU minutes are spent (a test does it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pathlib
import platform
import subprocess
import sys
import time
import traceback

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import lab_throughput as lt  # noqa: E402

from scalinglaws.lab.presets import GPU_ASSUMED, get_preset, ladder_config  # noqa: E402
from scalinglaws.lab.records import Preset, load_results, plan_groups  # noqa: E402
from scalinglaws.lab.sweep import DEFAULT_GROUP, run_sweep  # noqa: E402
from scalinglaws.lab.train import pick_device, resolve_precision  # noqa: E402

#: (shapes, n_ctx, batch, K, seconds per timing) of the throughput table; "tiny" is for a CPU check.
SIZES = {"full": {"shapes": ("1x16", "2x48", "4x128", "6x192", "8x256"), "n_ctx": 256, "batch": 64, "K": 8,
                  "seconds": 1.0, "rounds": 2, "compile_shape": "4x128", "slice_s": 90.0},
         "tiny": {"shapes": ("1x16", "2x32"), "n_ctx": 64, "batch": 8, "K": 4, "seconds": 0.2, "rounds": 1,
                  "compile_shape": None, "slice_s": 3.0}}


class Report:
    """The JSON file, rewritten after every section."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.data = {"started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sections": {}}

    @contextlib.contextmanager
    def section(self, name: str):
        out: dict = {}
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            yield out
            out["ok"] = True
        except Exception as exc:  # noqa: BLE001 - one section's failure must not lose the others
            out.update({"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
        out["seconds"] = time.perf_counter() - t0
        self.data["sections"][name] = out
        self.path.write_text(json.dumps(self.data, indent=2, default=str) + "\n")


def cli(*args, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scalinglaws", *args], capture_output=True, text=True,
                          timeout=timeout)


def step_seconds(step, calls: int, now) -> float:
    """Best time per call of ``step`` over three windows of ``calls`` calls."""
    step()
    best = float("inf")
    for _ in range(3):
        t = now()
        for _ in range(calls):
            step()
        best = min(best, (now() - t) / calls)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=pathlib.Path)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--tiny", action="store_true", help="toy sizes (to check the script on a CPU)")
    args = parser.parse_args()
    device = pick_device(args.device)
    size = SIZES["tiny" if args.tiny else "full"]
    args.outdir.mkdir(parents=True, exist_ok=True)
    rep = Report(args.outdir / "gpu_check.json")
    now = lt.clock_for(device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    with rep.section("environment") as out:
        out.update({"device": str(device), "torch": torch.__version__, "python": platform.python_version(),
                    "platform": platform.platform(terse=True), "tiny": args.tiny,
                    "cuda": torch.version.cuda if device.type == "cuda" else None,
                    "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                    "default_precision": resolve_precision("auto", device),
                    "default_group": DEFAULT_GROUP.get(device.type)})

    smoke = args.outdir / "smoke.jsonl"
    with rep.section("smoke") as out:
        limit = ["--limit", "4"] if args.tiny else []
        t = time.perf_counter()
        run = cli("lab", "run", "smoke", "--device", device.type, "--out", str(smoke), *limit, timeout=900)
        out.update({"run_wall_s": time.perf_counter() - t, "run_rc": run.returncode, "run_stdout": run.stdout[-2000:],
                    "run_stderr": run.stderr[-2000:]})
        if run.returncode:
            raise RuntimeError(f"lab run smoke failed: {run.stderr.strip().splitlines()[-1:]}")
        records = load_results(smoke)
        out["runs"] = len(records)
        out["group_sizes"] = sorted(r["provenance"].get("group_size", 1) for r in records)
        out["precision"] = sorted({r["provenance"].get("precision", "fp32") for r in records})
        out["worker_seconds"] = sum(r["provenance"]["wall_s"] for r in records)
        rpt = cli("lab", "report", "smoke", "--results", str(smoke), "--bootstrap", "20", timeout=600)
        out["report_rc"] = rpt.returncode
        if rpt.returncode == 0:
            out["report_L_N_alpha"] = json.loads(rpt.stdout)["experiments"].get("L_N", {}).get(
                "pure_power_law", {}).get("alpha")
        ver = cli("lab", "verify", "smoke", "--results", str(smoke), "--runs", "2", "--device", device.type,
                  timeout=600)
        out["verify_rc"] = ver.returncode
        if ver.stdout.strip():
            verified = json.loads(ver.stdout)
            out["verify"] = {k: verified.get(k) for k in ("all_identical", "all_verified", "note")}
            out["verify"]["checks"] = [{k: c[k] for k in ("key", "mode", "identical", "max_abs_diff", "group_size")}
                                       for c in verified["checked"]]

    table = []
    with rep.section("throughput") as out:
        for precision in ("fp32", "bf16") if device.type == "cuda" else ("fp32",):
            for shape in size["shapes"]:
                L, d = (int(v) for v in shape.split("x"))
                cfg = ladder_config(L, d, n_ctx=size["n_ctx"], head_size=64 if device.type == "cuda" else 32)
                seq, seq_tokens = lt.sequential_stepper(cfg, size["batch"], device, precision)
                stk, stk_tokens = lt.stacked_stepper(cfg, size["batch"], size["K"], device, precision)
                lt.warm(seq)
                lt.warm(stk)
                peak, tps_seq, tps_stk = 0.0, 0.0, 0.0
                for _ in range(size["rounds"]):
                    peak = max(peak, lt.peak_matmul_flops(device, precision, n=256 if args.tiny else None))
                    tps_seq = max(tps_seq, lt.rate(seq, seq_tokens, size["seconds"], now))
                    tps_stk = max(tps_stk, lt.rate(stk, stk_tokens, size["seconds"], now))
                fpt = cfg.flops_per_token
                row = {"shape": shape, "N": cfg.n_params_nonembedding, "precision": precision, "K": size["K"],
                       "batch": size["batch"], "n_ctx": size["n_ctx"], "tokens_per_s_sequential": tps_seq,
                       "tokens_per_s_batched": tps_stk, "ratio": tps_stk / tps_seq,
                       "mfu_sequential": tps_seq * fpt / peak, "mfu_batched": tps_stk * fpt / peak,
                       "peak_flops": peak, "flops_per_s_sequential": tps_seq * fpt,
                       "flops_per_s_batched": tps_stk * fpt}
                table.append(row)
                print(f"   {precision} {shape:>6} seq {tps_seq:>12,.0f} tok/s ({row['mfu_sequential']:.1%})  "
                      f"K={size['K']} {tps_stk:>12,.0f} tok/s ({row['mfu_batched']:.1%})  "
                      f"peak {peak / 1e12:.1f} TFLOP/s", flush=True)
                del seq, stk
                if device.type == "cuda":
                    torch.cuda.empty_cache()
        out["table"] = table
        if size["compile_shape"]:
            L, d = (int(v) for v in size["compile_shape"].split("x"))
            cfg = ladder_config(L, d, n_ctx=size["n_ctx"], head_size=64)
            comp = {}
            for compiled in (False, True):
                step, tokens = lt.stacked_stepper(cfg, size["batch"], size["K"], device, "bf16", compile=compiled)
                comp["warmup_s_compiled" if compiled else "warmup_s_eager"] = lt.warm(step)
                comp["tokens_per_s_compiled" if compiled else "tokens_per_s_eager"] = lt.rate(
                    step, tokens, size["seconds"], now)
            comp["speedup"] = comp["tokens_per_s_compiled"] / comp["tokens_per_s_eager"]
            comp["shape"] = size["compile_shape"]
            out["compile"] = comp
            print(f"   torch.compile on {size['compile_shape']} (bf16, K={size['K']}): {comp['speedup']:.2f}x, "
                  f"compiling took {comp['warmup_s_compiled']:.0f} s", flush=True)

    measured = {}
    with rep.section("step_overhead") as out:
        precision = resolve_precision("auto", device)
        times = {}
        for L in (1, 4):
            cfg = ladder_config(L, 16, n_ctx=size["n_ctx"], head_size=64 if device.type == "cuda" else 32)
            step, _ = lt.sequential_stepper(cfg, 1, device, precision)
            times[L] = step_seconds(step, 20, now)
        b = max(0.0, (times[4] - times[1]) / 3)
        a = max(0.0, times[1] - b)
        measured["step_overhead_s"] = (a, b)
        out.update({"step_s_1_layer": times[1], "step_s_4_layers": times[4], "a_s": a, "b_s_per_layer": b})

    with rep.section("preset_slice") as out:
        rates = [r["flops_per_s_sequential"] for r in table if r["precision"] == resolve_precision("auto", device)]
        flops_per_s = max(rates) if rates else GPU_ASSUMED["flops_per_s"]
        overhead = measured.get("step_overhead_s", GPU_ASSUMED["step_overhead_s"])
        max_group = DEFAULT_GROUP.get(device.type, 8)
        full = get_preset("smoke" if args.tiny else "gpu")
        groups = plan_groups(full.runs, max_group)

        def seconds(runs):
            return Preset("slice", tuple(runs), max_group=max_group).projected_seconds(flops_per_s, overhead,
                                                                                       max_group)

        groups.sort(key=seconds)  # the cheapest whole groups first, until the slice's time is spent
        chosen, projected_slice = [], 0.0
        for g in groups:
            if chosen and projected_slice + seconds(g) > size["slice_s"]:
                break
            chosen.append(g)
            projected_slice += seconds(g)
        runs = [s for g in chosen for s in g]
        # the biggest group that fits too, so that the slice covers both ends of the ladder
        big = max((g for g in groups if g not in chosen and seconds(g) <= size["slice_s"]),
                  key=lambda g: g[0].model.n_params_nonembedding, default=None)
        if big is not None:
            runs += big
            projected_slice += seconds(big)
        t = time.perf_counter()
        run_sweep(Preset("gpu-slice", tuple(runs), max_group=max_group), args.outdir / "gpu_slice.jsonl",
                  device=device.type, workers=1, max_group=max_group, progress=False)
        wall = time.perf_counter() - t
        projected_full = full.projected_seconds(flops_per_s, overhead, max_group)
        factor = wall / projected_slice if projected_slice > 0 else float("nan")
        out.update({"preset": full.name, "slice_runs": len(runs), "slice_groups": len(chosen) + (big is not None),
                    "slice_flops": sum(s.cost_flops for s in runs), "slice_wall_s": wall,
                    "slice_projected_s": projected_slice, "correction": factor,
                    "flops_per_s_used": flops_per_s, "step_overhead_s_used": overhead, "max_group": max_group,
                    "full_runs": len(full.runs), "full_flops": full.total_flops,
                    "full_projected_s": projected_full, "full_projected_corrected_s": projected_full * factor,
                    "full_projected_with_assumptions_s": full.projected_seconds(
                        GPU_ASSUMED["flops_per_s"], GPU_ASSUMED["step_overhead_s"], GPU_ASSUMED["max_group"])})
        print(f"   slice: {len(runs)} runs in {wall:.1f} s (projected {projected_slice:.1f} s); "
              f"full {full.name} preset projected {projected_full * factor / 60:.1f} min", flush=True)

    rep.data["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rep.data["all_ok"] = all(s["ok"] for s in rep.data["sections"].values())
    rep.path.write_text(json.dumps(rep.data, indent=2, default=str) + "\n")
    print(f"wrote {rep.path} (all sections ok: {rep.data['all_ok']})")
    return 0 if rep.data["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
