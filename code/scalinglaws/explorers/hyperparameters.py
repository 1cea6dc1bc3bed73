"""Explorer of the hyperparameters chapter: loss against learning rate per width, under SP and μP (cached runs)."""

from __future__ import annotations

import numpy as np

from scalinglaws.explorers.framework import Control, Explorer, Frame, Number, Series, fmt_human
from scalinglaws.explorers.registry import register
from scalinglaws.fitting.lr_transfer import fit_lr_transfer
from scalinglaws.lab.records import load_results, results_path


def lr_sweep_table(records: list[dict], parametrization: str, step: int | None = None) -> dict:
    """The ``mup`` runs of one parametrisation as arrays (width, lr, loss), the loss read at ``step``
    (default: the end of each run). At the μP base width the standard runs stand for μP too."""
    recs = [r for r in records if r["experiment"] == "mup"]
    base = {r["model"].get("base_width") for r in recs if r["model"].get("parametrization") == "mup"} - {None}
    rows = []
    for r in recs:
        par = r["model"].get("parametrization", "standard")
        if par == parametrization or (parametrization == "mup" and r["model"]["d_model"] in base):
            curve = r["result"]["curve"]
            point = curve[-1] if step is None else next(p for p in curve if p["step"] == step)
            rows.append((r["model"]["d_model"], r["train"]["lr"], point["val_loss"]))
    if not rows:
        raise ValueError(f"records: no mup-experiment runs under the {parametrization!r} parametrisation")
    width, lr, loss = (np.array(c, float) for c in zip(*sorted(rows)))
    return {"width": width, "lr": lr, "loss": loss}


def lr_sweep_frame(parametrization="standard", step=512) -> Frame:
    """Loss against peak learning rate, one curve per width, at evaluation ``step`` of the cached ``beyond`` runs."""
    t = lr_sweep_table(load_results(results_path("beyond")), parametrization, step)
    fit = fit_lr_transfer(t["width"], t["lr"], t["loss"])
    series = [Series(f"d_model = {int(w)}", t["lr"][t["width"] == w], t["loss"][t["width"] == w])
              for w in fit.widths]
    series.append(Series("best rate of each width", fit.lr_opt, fit.loss_opt, kind="points"))
    numbers = [Number(f"lr_{int(w)}", f"best rate, d_model {int(w)}", lr, fmt_human(3))
               for w, lr in zip(fit.widths, fit.lr_opt)]
    numbers.append(Number("drift", "drift (widest / narrowest)", fit.drift, "{:.2f}"))
    return Frame(tuple(series), tuple(numbers))


@register("hyperparameters-lr-sweep")
def _lr_sweep() -> Explorer:
    return Explorer(
        "hyperparameters-lr-sweep", lr_sweep_frame,
        [
            Control("parametrization", "parametrisation", ("standard", "mup"), "standard", "{}"),
            Control("step", "evaluated after step", (128, 256, 384, 512), 512, "{:d}"),
        ],
        title="Loss against learning rate for four widths (cached beyond preset)",
        xlabel="peak learning rate η", ylabel="validation loss (nats/byte)", ylog=False,
    )
