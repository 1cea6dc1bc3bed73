# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps_oracle
# init_cell: true
# check_all_cell: true
# export_cell: false
# run_tests: false
# generate: true
# tests:
#   files: false

# %% [markdown]
# # Assignment: spend a compute budget, fit a law, predict the big model
#
# You have a "training API" (`scalinglaws.oracle.TrainingOracle`) and a budget
# of $10^{19}$ FLOPs. Each call `oracle.train(N, D, lr, batch_size)` trains a
# model of `N` parameters on `D` tokens at peak learning rate `lr` with
# `batch_size` tokens per step, returns its final loss (nats/token), and costs
# $6ND$ FLOPs. Too high a learning rate diverges (the loss is `nan`, and the
# run is still charged). The ledger file `oracle_ledger.json` records every
# run: restarting the kernel does not refund anything, and re-running a cell
# replays the recorded runs for free. Your goal: predict the compute-optimal
# model size and its loss at $10^{23}$ FLOPs, ten thousand times your budget.
#
# Set `SEED` to the number your instructor gave you (answers differ between
# seeds). This is an honour-system exam: do not read the hidden law.

# %%
import numpy as np
from scalinglaws import chinchilla as ch
from scalinglaws import fitting
from scalinglaws import oracle as orc

SEED = 0
oracle = orc.TrainingOracle(SEED, budget_flops=orc.DEFAULT_BUDGET_FLOPS, ledger="oracle_ledger.json")
TARGET = orc.DEFAULT_TARGET_FLOPS  # 1e23 FLOPs


def parabola_min(x, y):
    """Minimiser of a parabola in log x through the finite points (the best point if it opens downward)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(y)
    c2, c1, _ = np.polyfit(np.log(x[ok]), y[ok], 2)
    return float(np.exp(-c1 / (2 * c2))) if c2 > 0 else float(x[ok][np.argmin(y[ok])])


# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (2 points).** Sweep the learning rate of a $10^7$-parameter model
# trained on $2\times10^8$ tokens (batch $2^{17}$ tokens) and store your
# estimate of its best learning rate in `lr_small`. Then do the same for a
# $10^8$-parameter model on $4\times10^8$ tokens (`lr_large`). Mind the cost.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
lr_grid = np.logspace(-4, -1.5, 9)
loss_small = [oracle.train(1e7, 2e8, lr, 2**17).loss for lr in lr_grid]
loss_large = [oracle.train(1e8, 4e8, lr, 2**17).loss for lr in lr_grid]
# END SOLUTION
lr_small = parabola_min(lr_grid, loss_small)  # SOLUTION
lr_large = parabola_min(lr_grid, loss_large)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e-5 < lr_small < 1 and 1e-5 < lr_large < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_law = orc.draw_law(SEED)
assert 1 / 1.5 < lr_small / _law.lr_opt(1e7) < 1.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert 1 / 1.5 < lr_large / orc.draw_law(SEED).lr_opt(1e8) < 1.5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (6 points).** Run IsoFLOP profiles (or any design you like) within the
# remaining budget, at the learning rate your Q1 results suggest for each size
# and a batch size you have tuned. Fit a law (e.g. `fitting.fit_parametric` or
# `fitting.fit_isoflop`) and predict the compute-optimal number of parameters
# `N_pred` and its loss `L_pred` at `TARGET` FLOPs. The grader scores the
# prediction with `orc.grade_prediction` (out of 10: size within a factor
# 10^0.1 and loss within 0.02 nats/token earn all of it, and credit falls
# linearly to none at a factor 10^0.5 or 0.15 nats). This question gives one
# point for each of the scores 2, 3.5, 5, 6.5 and 8 that your prediction
# reaches, and one point for an intact ledger with at least ten runs.
# Extrapolating four orders of magnitude is hard: a score of 8 is full marks.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
p_lr = np.log(lr_small / lr_large) / np.log(10)
lr_rule = lambda N: lr_large * (N / 1e8) ** (-p_lr)
b_grid = 2.0 ** np.arange(14, 22)
b_best = {}
for C in (1e16, 1e17):
    N = (C / 120) ** 0.5
    D = C / (6 * N)
    ok = b_grid[b_grid <= D]
    b_best[C] = parabola_min(ok, [oracle.train(N, D, lr_rule(N), b).loss for b in ok])
q = np.log(b_best[1e17] / b_best[1e16]) / np.log(10)
batch_rule = lambda C: b_best[1e16] * (C / 1e16) ** q
Ns, Ds, Ls = [], [], []
for C in (1e16, 3e16, 1e17, 3e17, 1e18):
    for N in (C / 120) ** 0.5 * np.logspace(-0.75, 0.75, 7):
        D = C / (6 * N)
        if oracle.cost(N, D) > oracle.remaining:
            break
        r = oracle.train(N, D, lr_rule(N), batch_rule(C))
        if not r.diverged:
            Ns.append(N), Ds.append(D), Ls.append(r.loss)
fit = fitting.fit_parametric(np.array(Ns), np.array(Ds), np.array(Ls))
prediction = ch.compute_optimal(TARGET, fit.law)
# END SOLUTION
N_pred = prediction.N_opt  # SOLUTION
L_pred = prediction.loss  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e8 < N_pred < 1e13 and 1 < L_pred < 5 and oracle.spent <= oracle.budget_flops

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_v = orc.verify_ledger("oracle_ledger.json", SEED, budget_flops=orc.DEFAULT_BUDGET_FLOPS)
assert _v["ok"] and _v["n_runs"] >= 10

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert orc.grade_prediction(N_pred, L_pred, seed=SEED, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 2

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert orc.grade_prediction(N_pred, L_pred, seed=SEED, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 3.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert orc.grade_prediction(N_pred, L_pred, seed=SEED, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert orc.grade_prediction(N_pred, L_pred, seed=SEED, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 6.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert orc.grade_prediction(N_pred, L_pred, seed=SEED, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 8

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
