# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps2_kaplan

# %% [markdown]
# # Problem set 2: Kaplan et al. (2020)
#
# Companion to the chapter *Kaplan et al. (2020)*. Kaplan's $N$ counts
# **non-embedding** parameters and his compute is in PF-days
# ($1\ \mathrm{PF\text{-}day} = 8.64\times10^{19}$ FLOPs). The published
# constants are in `scalinglaws.constants.KAPLAN_TABLE5`: use them, never
# retype them.
#
# **Learning goals.** After this set you can
# - count a transformer's non-embedding parameters from its shape;
# - read a loss change off Kaplan's $L(N)$ law;
# - derive why the compute-efficient exponent combines $\alpha_N$, $\alpha_B$, $\alpha_S$ harmonically;
# - convert training compute between FLOPs and PF-days in vectorised code.
#
# **Expected time:** about 60 minutes.
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
from scalinglaws import compute, kaplan
from scalinglaws.constants import KAPLAN_TABLE5 as T5

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** GPT-2 small has 12 layers and $d_\mathrm{model} = 768$
# (with $d_\mathrm{attn} = d_\mathrm{model}$, $d_\mathrm{ff} = 4 d_\mathrm{model}$).
# Count its non-embedding parameters $N = 12\, n_\mathrm{layer} d_\mathrm{model}^2$
# by hand and store the count in `N_gpt2_small`, **without** calling
# `compute.params_nonembedding` or `compute.params_total` (a notebook that
# calls them scores 0 on this question).

# %% [raw]
# # BEGIN SOLUTION

# %%
N_gpt2_small = 12 * 12 * 768**2  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e7 < N_gpt2_small < 1e9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("params_nonembedding", "params_total")
assert N_gpt2_small == compute.params_nonembedding(12, 768)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, warm-up, 2 points).** With Kaplan's $L(N) = (N_c/N)^{\alpha_N}$
# (Eq. 1.1), by how many nats/token does the converged loss fall when $N$
# grows tenfold from $10^8$ to $10^9$? Store the (positive) drop in `drop_q2`.
# `kaplan.loss_N` evaluates the law; use it or the constants.

# %% [raw]
# # BEGIN SOLUTION

# %%
drop_q2 = (T5.N_c / 1e8) ** T5.alpha_N - (T5.N_c / 1e9) ** T5.alpha_N  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < drop_q2 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
assert abs(drop_q2 - (kaplan.loss_N(1e8) - kaplan.loss_N(1e9))) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (numeric, core, 3 points).** Kaplan's Eq. 1.8 combines three
# exponents into the compute-efficient one,
# $\alpha_C^\mathrm{min} = 1/(1/\alpha_S + 1/\alpha_B + 1/\alpha_N)$. Compute
# it from Table 5's $\alpha_N$, $\alpha_B$, $\alpha_S$ (store in
# `alpha_C_min`), and the exponent $p_N$ of the efficient model size
# $N \propto C_\mathrm{min}^{p_N}$, $p_N = \alpha_C^\mathrm{min}/\alpha_N$
# (store in `p_N`), **without** calling `kaplan.alpha_C_min` or
# `kaplan.frontier_exponents` (a notebook that calls them scores 0 on this
# question). Explain the formula in Q3w.

# %% [raw]
# # BEGIN SOLUTION

# %%
alpha_C_min = 1 / (1 / T5.alpha_S + 1 / T5.alpha_B + 1 / T5.alpha_N)  # SOLUTION
p_N = alpha_C_min / T5.alpha_N  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < alpha_C_min < T5.alpha_N and 0 < p_N < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("alpha_C_min", "frontier_exponents")
assert abs(alpha_C_min - kaplan.alpha_C_min()) < 1e-12

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("alpha_C_min", "frontier_exponents")
assert abs(p_N - kaplan.frontier_exponents()["p_N"]) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3w
# manual: true
# points: 2

# %% [markdown]
# **Q3w (written derivation, 2 points).** Explain in a few lines why the
# combination is harmonic. Hint: write $N$, $B$, $S$ as powers of
# $C_\mathrm{min} \propto NBS$ and ask the loss to fall at the same rate in
# each resource.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Writing $N \propto C^{p_N}$, $B \propto C^{p_B}$, $S \propto C^{p_S}$ with
# $C = 6NBS$ forces $p_N + p_B + p_S = 1$; the loss falls at the same rate in
# each resource, $\alpha_N p_N = \alpha_B p_B = \alpha_S p_S = \alpha_C^\mathrm{min}$,
# so $\sum \alpha_C^\mathrm{min}/\alpha_X = 1$: a harmonic combination.
# *Grading: 1 point for the exponents summing to one, 1 point for the equal rates.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (coding, core, 3 points).** Write `train_pf_days(N, D)`: the training
# compute $C = 6ND$ of a model with $N$ parameters trained on $D$ tokens, in
# **PF-days**, vectorised over NumPy arrays. Use `scalinglaws.compute` for the
# unit conversion.

# %% [raw]
# # BEGIN SOLUTION

# %%
def train_pf_days(N, D):
    return compute.flops_to_pf_days(compute.training_flops(N, D))  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(train_pf_days(np.array([1e8, 1e9]), np.array([1e9, 1e10]))) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from scalinglaws.constants import PF_DAY_FLOPS
_N, _D = np.array([1.5e9, 7e10]), np.array([3e11, 1.4e12])
assert np.allclose(train_pf_days(_N, _D), 6 * _N * _D / PF_DAY_FLOPS, rtol=1e-12)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
# one PF-day is 1e15 FLOP/s for a day
assert abs(float(train_pf_days(1e15 * 86400 / 6, 1.0)) - 1.0) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
