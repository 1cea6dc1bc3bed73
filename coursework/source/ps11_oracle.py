# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps11_oracle
# export_cell:
#   files:
#   - oracle_ledger.json

# %% [markdown]
# # Problem set 11 (project): spend a compute budget, fit a law, predict the big model
#
# Companion to the chapters *Chinchilla* and *The training lab*. You have a
# "training API" (`scalinglaws.oracle.TrainingOracle`) and a budget of
# $10^{19}$ FLOPs. Each call `oracle.train(N, D, lr, batch_size)` trains a
# model of `N` parameters on `D` tokens at peak learning rate `lr` with
# `batch_size` tokens per step, returns its final loss (nats/token), and costs
# $6ND$ FLOPs. Too high a learning rate diverges (the loss is `nan`, and the
# run is still charged). The ledger file `oracle_ledger.json` records every
# run: restarting the kernel does not refund anything, and re-running a cell
# replays the recorded runs for free. Your goal: predict the compute-optimal
# model size and its loss at $10^{23}$ FLOPs, ten thousand times your budget.
#
# **Learning goals.** After this project you can
# - plan a scaling study under a fixed compute budget (what to tune first, where to spend);
# - tune the learning rate and batch size before fitting a law, and see what skipping it costs;
# - fit a parametric law to noisy runs and extrapolate four orders of magnitude;
# - say how far to trust that extrapolation, in writing.
#
# **Expected time:** about 4 hours.
#
# **Your seed.** Type your Gradescope email address into `STUDENT_ID` below:
# your seed, and so your hidden law, follows from it and the course key, and
# the grader checks both (a notebook run with another seed scores 0).
#
# **How this project is graded.** The autograder re-runs your notebook from
# the ledger you submit: every run must replay from it, so restart the kernel
# and run all cells before exporting; a notebook that needs a run the ledger
# lacks loses the ledger point. `grader.check("q1")` runs the public tests:
# **public tests check only the form of your answer; hidden tests check the
# value.** The hidden law is off limits: a notebook whose code calls
# `draw_law`, `true_answer`, `grade_prediction`, `verify_ledger`, reads the
# oracle's private attributes, or builds a second `TrainingOracle` scores 0 on
# every autograded question. If a cell raises an error, grading goes on: only
# the tests that need the failed answer lose their points. To submit, run the
# export cell at the end and upload the zip it writes: it holds your notebook
# and your ledger.

# %%
import numpy as np
from scalinglaws import chinchilla as ch
from scalinglaws import fitting
from scalinglaws import oracle as orc

# your Gradescope email address, as a string, e.g. STUDENT_ID = "your.name@university.edu"
STUDENT_ID = "ada.lovelace@example.edu"  # SOLUTION
COURSE_KEY = "{{COURSE_KEY}}"  # set by your instructor: do not change it
SEED = orc.student_seed(COURSE_KEY, STUDENT_ID)
oracle = orc.TrainingOracle(SEED, budget_flops=orc.DEFAULT_BUDGET_FLOPS, ledger="oracle_ledger.json")
TARGET = orc.DEFAULT_TARGET_FLOPS  # 1e23 FLOPs


def parabola_min(x, y):
    """Minimiser of a parabola in log x through the finite points, kept within the points' range.

    The best point when the parabola opens downward; a vertex outside the
    measured range is clipped to it (a parabola says nothing beyond its data).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(y)
    c2, c1, _ = np.polyfit(np.log(x[ok]), y[ok], 2)
    if c2 <= 0:
        return float(x[ok][np.argmin(y[ok])])
    return float(np.clip(np.exp(-c1 / (2 * c2)), x[ok].min(), x[ok].max()))


# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, core, 2 points).** Sweep the learning rate of a $10^7$-parameter model
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
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert 1 / 1.5 < lr_small / orc.draw_law(_seed).lr_opt(1e7) < 1.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert 1 / 1.5 < lr_large / orc.draw_law(_seed).lr_opt(1e8) < 1.5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (project, challenge, 6 points).** Run IsoFLOP profiles (or any design you like) within the
# remaining budget, at the learning rate your Q1 results suggest for each size
# and a batch size you have tuned. Fit a law (e.g. `fitting.fit_parametric` or
# `fitting.fit_isoflop`) and predict the compute-optimal number of parameters
# `N_pred` and its loss `L_pred` at `TARGET` FLOPs. The grader scores the
# prediction with `orc.grade_prediction` (out of 10: size within a factor
# 10^0.1 and loss within 0.02 nats/token earn all of it, and credit falls
# linearly to none at a factor 10^0.5 or 0.15 nats). This question gives one
# point for each of the scores 1, 2, 3, 4 and 5 that your prediction
# reaches, and one point for an intact ledger: the one you submit, holding at
# least ten runs, from which re-running your notebook replays every run.
# Extrapolating four orders of magnitude is hard, and some students' laws are harder than
# others': a score of 5 is full marks (the reference design reaches it on 95% of laws).

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
from ps_grading import ledger_problems
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
_problems = ledger_problems(globals(), _seed)
assert not _problems, _problems

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert orc.grade_prediction(N_pred, L_pred, seed=_seed, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert orc.grade_prediction(N_pred, L_pred, seed=_seed, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 2

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert orc.grade_prediction(N_pred, L_pred, seed=_seed, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert orc.grade_prediction(N_pred, L_pred, seed=_seed, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 4

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import oracle_seed
_seed = oracle_seed(globals())
assert orc.grade_prediction(N_pred, L_pred, seed=_seed, target_flops=orc.DEFAULT_TARGET_FLOPS).score >= 5

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# manual: true
# points: 4

# %% [markdown]
# **Q3 (written report, 4 points).** In at most a page: how you spent the
# budget (how many runs, at which sizes and budgets, and why there), how you
# chose learning rates and batch sizes, which law you fitted and why, and how
# far you trust your prediction: what in your data would move it most, and by
# roughly how much.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# *A model answer.* About a tenth of the budget went to tuning: two learning-rate
# sweeps (nine rates at $10^7$ and $10^8$ parameters) give a power law for the
# best rate in $N$, and batch sweeps at two budgets give one for the best batch
# in $C$. The rest went to five IsoFLOP profiles of seven sizes each, from
# $10^{16}$ to $10^{18}$ FLOPs, centred on twenty tokens per parameter and
# stopped when the budget ran out, every run at its tuned rate and batch.
# Diverged runs were dropped. I fitted the parametric law $E + A/N^\alpha + B/D^\beta$
# (Huber loss, several starts) rather than Approach 2 because it uses every run,
# not only the minima, and gives the loss as well as the size. The prediction
# rests on $\alpha$ and $\beta$ measured over two decades of compute and
# extrapolated four more: a change of 0.02 in either exponent moves the
# optimal size by a factor of about two at $10^{23}$ FLOPs, and $E$ and the
# exponents trade off against each other, so the loss is the less certain of
# the two numbers. *Grading: 1 point each for a budget plan with reasons,
# tuning before fitting, a justified choice of law, and an honest statement of
# uncertainty tied to the data.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
