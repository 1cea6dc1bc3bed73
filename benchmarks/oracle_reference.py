"""How the project's reference design scores across seeds: is one student's law harder than another's?

    python benchmarks/oracle_reference.py            # seeds 0..19
    python benchmarks/oracle_reference.py 0 100      # seeds 0..99

Each student of the training-oracle project (``coursework/source/ps11_oracle.py``)
gets their own hidden law. This runs the reference solution's code (its Q1 and
Q2 solution cells, as written in the source) against the oracle of each seed,
in memory, and prints the prediction's score out of 10 (``oracle.grade_prediction``),
the size error (decades) and the loss error (nats/token), then how many seeds
reach each of the project's thresholds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from scalinglaws import chinchilla, fitting, oracle

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "coursework" / "source" / "ps11_oracle.py"
#: The scores at which the project awards a point each (see the source's Q2).
THRESHOLDS = (1, 2, 3, 4, 5)


def reference_code() -> str:
    """The set-up helpers and the Q1 and Q2 solution code of the project, as one script."""
    cells = re.split(r"^# %%.*$", SOURCE.read_text(), flags=re.M)
    setup = next(c for c in cells if "def parabola_min" in c)
    helpers = setup[setup.index("def parabola_min"):]
    solutions = [c for c in cells if "# BEGIN SOLUTION" in c and "oracle.train" in c]
    body = "\n".join(ln.replace("  # SOLUTION", "") for c in solutions for ln in c.splitlines()
                     if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln)
    return helpers + "\n" + body


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    lo, hi = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (0, 20)
    if not 0 <= lo < hi:
        print("usage: oracle_reference.py [FIRST_SEED END_SEED]", file=sys.stderr)
        return 2
    code = compile(reference_code(), str(SOURCE), "exec")
    print(f"{'seed':>6}{'score':>8}{'N error (dex)':>15}{'loss error (nats)':>19}")
    scores = []
    for seed in range(lo, hi):
        ns = {"np": np, "ch": chinchilla, "fitting": fitting, "orc": oracle,
              "oracle": oracle.TrainingOracle(seed, ledger=None), "TARGET": oracle.DEFAULT_TARGET_FLOPS}
        try:
            exec(code, ns)
            g = oracle.grade_prediction(ns["N_pred"], ns["L_pred"], seed=seed)
            scores.append(g.score)
            print(f"{seed:>6}{g.score:>8.2f}{g.N_error_dex:>15.3f}{g.loss_error:>19.3f}", flush=True)
        except ValueError as exc:  # the design fails on this law (e.g. a run it cannot afford)
            scores.append(0.0)
            print(f"{seed:>6}{'failed':>8}  {exc}", flush=True)
    s = np.array(scores)
    print(f"{len(s)} seeds; mean score {s.mean():.2f}, lowest {s.min():.2f}")
    for t in THRESHOLDS:
        print(f"  score >= {t:g}: {(s >= t).sum()} of {len(s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
