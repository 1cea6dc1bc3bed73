"""``python -m scalinglaws optimal --compute C --law chinchilla|chinchilla-rounded|epoch|kaplan``.

The compute-optimal N, D, tokens per parameter and predicted loss for a
training budget of C FLOPs, as JSON.
"""

from __future__ import annotations

import json

from scalinglaws import chinchilla
from scalinglaws._validation import check_in, check_scalar, parse_number

__all__ = ["register", "run_optimal"]


def run_optimal(compute, law: str = "epoch") -> dict:
    """What ``optimal`` prints: the compute-optimal allocation of ``compute`` FLOPs under ``law``."""
    check_in("law", law, chinchilla.LAW_NAMES)
    C = check_scalar("compute", compute, low=0.0, low_inclusive=False)
    opt = chinchilla.optimal_allocation(C, law)
    out = {
        "law": law,
        "compute_flops": C,
        "N_opt": opt.N_opt,
        "D_opt": opt.D_opt,
        "tokens_per_param": opt.tokens_per_param,
        "loss": opt.loss,
    }
    if law == "kaplan":
        out["note"] = ("Kaplan et al. Table 6 frontier with C_min in PF-days: N_opt counts non-embedding "
                       "parameters; loss is L(C_min) of Eq. 1.3")
    return out


def _optimal_command(args) -> int:
    print(json.dumps(run_optimal(parse_number(args.compute, "--compute (FLOPs)", positive=True), args.law), indent=2))
    return 0


def register(subparsers) -> None:
    """Add the ``optimal`` sub-command to an argparse ``subparsers`` object."""
    q = subparsers.add_parser("optimal", help="compute-optimal N, D, tokens/param and loss for a FLOP budget",
                              description="Compute-optimal model size and data for a training budget in FLOPs.")
    q.add_argument("--compute", required=True, help="training budget C in FLOPs, e.g. 5.76e23")
    q.add_argument("--law", default="epoch",
                   help="one of: " + ", ".join(chinchilla.LAW_NAMES) + " (default epoch: Besiroglu et al. 2024)")
    q.set_defaults(func=_optimal_command)
