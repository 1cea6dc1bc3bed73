# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps3_critical_batch_size

# %% [markdown]
# # Problem set 3: the critical batch size
#
# Companion to the chapter *The critical batch size*. Batch sizes and data are
# in **tokens**, steps in optimizer updates, losses in nats/token. Kaplan et
# al.'s constants ($B_*$, $\alpha_B$, the $L(N, S)$ fit) are in
# `scalinglaws.constants`: use them through `scalinglaws.batch_size`, never
# retype them.
#
# **Learning goals.** After this set you can
# - say how fast the critical batch grows as the loss falls;
# - derive the smallest batch that meets a deadline on steps, and what it costs in data;
# - estimate the gradient noise scale from two batch sizes;
# - combine Kaplan's $L(N, S)$ fit with the critical batch into the fewest steps and tokens.
#
# **Expected time:** about 75 minutes.
#
# **How this set is graded.** Answer in the cells marked `...`. Autograded
# questions are checked by hidden tests when you submit; written questions are
# read by a person. `grader.check("q1")` runs the public tests: **public tests
# check only the form of your answer (a number, a shape, a range); hidden tests
# check the value.** A question that says "without calling" a function gives no
# points if your notebook calls it. If a cell raises an error, grading goes on:
# only the tests that need the failed answer lose their points. To submit, run
# the export cell at the end and upload the zip it writes.

# %%
import numpy as np
from scalinglaws import batch_size as bs
from scalinglaws.constants import KAPLAN_TABLE5 as T5

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** With Kaplan's $B_\mathrm{crit}(L) = B_*/L^{1/\alpha_B}$,
# a run's loss falls from 3.0 to 2.4 nats/token. By what factor does the
# critical batch grow (store it in `ratio_q1`), and how many doublings of the
# batch is that (store in `doublings_q1`)? `bs.critical_batch` evaluates the
# law; use it or the constants.

# %% [raw]
# # BEGIN SOLUTION

# %%
ratio_q1 = (3.0 / 2.4) ** (1 / T5.alpha_B)  # SOLUTION
doublings_q1 = np.log2(ratio_q1)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1 < ratio_q1 < 100 and 0 < doublings_q1 < 10

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(ratio_q1 / (bs.critical_batch(2.4) / bs.critical_batch(3.0)) - 1) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(doublings_q1 - np.log(bs.critical_batch(2.4) / bs.critical_batch(3.0)) / np.log(2)) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, core, 3 points).** Runs that reach a fixed loss with batch
# $B$ need $S = S_\mathrm{min}(1 + B_\mathrm{crit}/B)$ steps and $D = BS$
# tokens. A deadline allows at most `S_budget` $= 1.25$ times the minimal
# number of steps. Derive the smallest batch, as a multiple
# $x = B/B_\mathrm{crit}$, that meets the deadline (store $x$ in `x_q2`), the
# data it costs relative to the minimum, $D/D_\mathrm{min}$ (store in `d_q2`),
# and relative to training at $B = B_\mathrm{crit}$ (store in `c_rel_q2`; at
# fixed model size compute is proportional to data). Evaluate your closed forms
# **without** calling `bs.steps_ratio` or `bs.data_ratio` (a notebook that
# calls them scores 0 on this question). Write the derivation in Q2w.

# %%
S_budget = 1.25

# %% [raw]
# # BEGIN SOLUTION

# %%
x_q2 = 1 / (S_budget - 1)  # SOLUTION
d_q2 = 1 + x_q2  # SOLUTION
c_rel_q2 = d_q2 / (1 + 1)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert x_q2 > 0 and d_q2 > 1 and c_rel_q2 > 0

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("steps_ratio", "data_ratio")
assert abs(float(bs.steps_ratio(x_q2)) - S_budget) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("steps_ratio", "data_ratio")
assert abs(d_q2 - float(bs.data_ratio(x_q2))) < 1e-9 and abs(float(bs.steps_ratio(x_q2)) - S_budget) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("steps_ratio", "data_ratio")
assert abs(c_rel_q2 - float(bs.data_ratio(x_q2) / bs.data_ratio(1.0))) < 1e-9 and abs(float(bs.steps_ratio(x_q2)) - S_budget) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2w
# manual: true
# points: 2

# %% [markdown]
# **Q2w (written derivation, 2 points).** Derive $x$, $D/D_\mathrm{min}$ and
# the ratio to training at $B_\mathrm{crit}$, and say why the smallest batch
# that meets the deadline is also the cheapest one that does.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Steps fall as the batch grows, $S/S_\mathrm{min} = 1 + 1/x$, so the deadline
# $1 + 1/x \le S_\mathrm{budget}$ holds for $x \ge 1/(S_\mathrm{budget} - 1)$.
# Data grows with the batch, $D/D_\mathrm{min} = BS/(B_\mathrm{crit}S_\mathrm{min}) = x(1 + 1/x) = 1 + x$,
# so the smallest allowed batch is also the cheapest; at the critical batch
# $D = 2D_\mathrm{min}$, hence the ratio $(1 + x)/2$.
# *Grading: 1 point for the deadline inequality, 1 point for $D/D_\mathrm{min} = 1 + x$
# and why it makes the smallest batch the cheapest.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, core, 3 points).** The mean gradient over $B$ independent examples
# satisfies $\mathbb E|G_B|^2 = |G|^2 + \mathrm{tr}(\Sigma)/B$. Write
# `noise_scale(g_small_sqnorm, g_big_sqnorm, b_small, b_big)` that returns the
# estimate of the simple noise scale $B_\mathrm{simple} = \mathrm{tr}(\Sigma)/|G|^2$
# from the squared norms of two batch gradients of sizes `b_small < b_big`,
# vectorised over NumPy arrays. You may use `bs.two_batch_estimates` (it
# returns both estimates; the question is what to do with them).

# %% [raw]
# # BEGIN SOLUTION

# %%
def noise_scale(g_small_sqnorm, g_big_sqnorm, b_small, b_big):
    est = bs.two_batch_estimates(g_small_sqnorm, g_big_sqnorm, b_small, b_big)  # SOLUTION
    return est.trace_sigma / est.grad_sqnorm  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(noise_scale(np.array([3.0, 4.0]), np.array([1.0, 2.0]), 8.0, 64.0)) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
# exact expectations: |G|^2 = 2, tr(Sigma) = 600, so B_simple = 300
_G2, _tr = np.array([2.0, 0.5]), np.array([600.0, 600.0])
assert np.allclose(noise_scale(_G2 + _tr / 64, _G2 + _tr / 1024, 64.0, 1024.0), _tr / _G2, rtol=1e-9)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_rng = np.random.default_rng(8)
_gs, _gb = _rng.uniform(5, 10, 6), _rng.uniform(1, 4, 6)
_e = bs.two_batch_estimates(_gs, _gb, 32.0, 512.0)
assert np.allclose(noise_scale(_gs, _gb, 32.0, 512.0), bs.b_simple(_e.trace_sigma, _e.grad_sqnorm), rtol=1e-9)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (numeric, warm-up, 2 points).** Kaplan's fit $L(N, S_\mathrm{min}) = (N_c/N)^{\alpha_N} + (S_c/S_\mathrm{min})^{\alpha_S}$
# (`scalinglaws.constants.KAPLAN_LNS`) gives the fewest steps a model needs to
# reach a loss. For $N = 10^9$ non-embedding parameters and a target of 2.6
# nats/token, compute $S_\mathrm{min}$ (store in `S_min_q4`) and the fewest
# tokens $D_\mathrm{min} = S_\mathrm{min} B_\mathrm{crit}(L)$ (store in `D_min_q4`).
# `bs.kaplan_min_steps` and `bs.critical_batch` do the arithmetic: the
# question is which loss goes where.

# %% [raw]
# # BEGIN SOLUTION

# %%
S_min_q4 = bs.kaplan_min_steps(1e9, 2.6)  # SOLUTION
D_min_q4 = S_min_q4 * bs.critical_batch(2.6)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1 < S_min_q4 < 1e9 and D_min_q4 > S_min_q4

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(S_min_q4 / bs.explore_tradeoff(2.6, 1.0, 1e9).S_min - 1) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(D_min_q4 / bs.explore_tradeoff(2.6, 1.0, 1e9).D_min - 1) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
