# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps4_early_stopping

# %% [markdown]
# # Problem set 4: early stopping, overfitting and repeated data
#
# Companion to the chapter *Early stopping and data limits*. $N$ counts
# non-embedding parameters in the Kaplan questions (Q1, Q2) and all parameters
# in the Muennighoff questions (Q3, Q4); data is in tokens, losses in
# nats/token. The published constants (`KAPLAN_LND`, `KAPLAN_LNS`,
# `MUENNIGHOFF_2023`) are in `scalinglaws.constants`: use them, never retype them.
#
# **Learning goals.** After this set you can
# - invert Kaplan's $L(N, D)$ for the data that keeps overfitting below a threshold;
# - derive where compute-efficient training stops and how its step count grows with size;
# - solve Muennighoff et al.'s repeated-data law for the epochs that exhaust most of its value;
# - implement that law yourself, vectorised.
#
# **Expected time:** about 90 minutes.
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
from scalinglaws import early_stopping as es
from scalinglaws import kaplan
from scalinglaws.constants import KAPLAN_LNS as LNS
from scalinglaws.constants import MUENNIGHOFF_2023 as MU

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 3 points).** A team trains a model with $N = 10^{10}$
# non-embedding parameters. Using Kaplan et al.'s $L(N, D)$ (Eq. 4.1), how many
# tokens keep the overfitting penalty $L(N, D)/L(N, \infty) - 1$ at 2%
# (exact inversion; store in `D_q1`)? Store the ratio of that count to the
# printed rule $5\times10^3 N^{0.74}$ in `rule_ratio_q1`, and the penalty if
# they train on $10^{11}$ tokens in `pen_q1` (a fraction, not a percentage).
# `kaplan.tokens_for_penalty`, `kaplan.overfitting_penalty` and
# `es.kaplan_data_bound` do the work: the question is reading the law.

# %% [raw]
# # BEGIN SOLUTION

# %%
D_q1 = kaplan.tokens_for_penalty(1e10, 0.02)  # SOLUTION
rule_ratio_q1 = D_q1 / es.kaplan_data_bound(1e10)  # SOLUTION
pen_q1 = kaplan.overfitting_penalty(1e10, 1e11)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e9 < D_q1 < 1e14 and 0 < rule_ratio_q1 < 10 and 0 < pen_q1 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(kaplan.overfitting_penalty(1e10, D_q1) - 0.02) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(rule_ratio_q1 - es.explore_stopping(1e10, 1e11).tokens_needed / es.kaplan_data_bound(1e10)) < 1e-5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(pen_q1 - es.explore_stopping(1e10, 1e11).penalty) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, core, 3 points).** From
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S}$ and compute $C \propto NS$,
# show that the cheapest way to reach a loss stops at
# $L = f\, L(N, \infty)$ and that the steps there grow as $S \propto N^{p}$.
# Store the factor $f$ in `f_q2` and the exponent $p$ in `p_q2`, computed from
# `LNS`, and the ratio of the stopping steps of a $10^{10}$- and a
# $10^{8}$-parameter model in `S_ratio_q2`, **without** calling
# `es.compute_efficient_stop` or Kaplan's `efficient_stopping_*` functions (a
# notebook that calls them scores 0 on this question). Write the derivation in Q2w.

# %% [raw]
# # BEGIN SOLUTION

# %%
f_q2 = 1 + LNS.alpha_N / LNS.alpha_S  # SOLUTION
p_q2 = LNS.alpha_N / LNS.alpha_S  # SOLUTION
S_ratio_q2 = (1e10 / 1e8) ** p_q2  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert f_q2 > 1 and 0 < p_q2 < 1 and S_ratio_q2 > 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_efficient_stop", "efficient_stopping_ratio", "efficient_stopping_loss")
_stop = es.compute_efficient_stop(1e9)
assert abs(f_q2 - _stop.loss / _stop.converged_loss) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_efficient_stop", "efficient_stopping_ratio", "efficient_stopping_loss")
_s = es.compute_efficient_stop(np.array([1e8, 1e12])).steps
assert abs(p_q2 - np.log(_s[1] / _s[0]) / np.log(1e4)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_efficient_stop", "efficient_stopping_ratio", "efficient_stopping_loss")
assert abs(S_ratio_q2 / (es.compute_efficient_stop(1e10).steps / es.compute_efficient_stop(1e8).steps) - 1) < 1e-9

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
# **Q2w (written derivation, 2 points).** Show where the cheapest path to a
# loss stops, $L = f\,L(N, \infty)$, and why the steps there grow as
# $S \propto N^{p}$.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# With $L_N = (N_c/N)^{\alpha_N}$, $N \propto L_N^{-1/\alpha_N}$ and
# $S = S_c (L - L_N)^{-1/\alpha_S}$, so $\ln(NS) = \mathrm{const} - \ln L_N/\alpha_N - \ln(L - L_N)/\alpha_S$.
# Setting its derivative in $L_N$ to zero gives $\alpha_S(L - L_N) = \alpha_N L_N$,
# so the stopping loss is $(1 + \alpha_N/\alpha_S) L_N$. There
# $(S_c/S)^{\alpha_S} = (\alpha_N/\alpha_S) L_N \propto N^{-\alpha_N}$, hence $S \propto N^{\alpha_N/\alpha_S}$.
# *Grading: 1 point for minimising $NS$ at fixed $L$, 1 point for the step exponent.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (numeric, core, 2 points).** Muennighoff et al.'s
# effective data after $R_D$ repeated epochs of $U_D$ unique tokens is
# $D' = U_D + U_D R_D^*(1 - e^{-R_D/R_D^*})$, with $R_D^*$ = `MU.R_D_star`.
# It never exceeds $U_D(1 + R_D^*)$. Solve by hand for the number of **epochs**
# ($1 + R_D$) after which the data is worth 90% of that ceiling, evaluate
# your closed form and store it in `epochs_q3`, **without** calling
# `scalinglaws.data_constrained` (a notebook that calls `effective_data` or
# `repetition_value` scores 0 on this question). Write the steps in Q3w.

# %% [raw]
# # BEGIN SOLUTION

# %%
epochs_q3 = 1 + MU.R_D_star * np.log(MU.R_D_star / (0.1 * (1 + MU.R_D_star)))  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1 < epochs_q3 < 1000

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("effective_data", "repetition_value", "effective_params")
from scalinglaws import data_constrained as _dc
assert abs(_dc.effective_data(1.0, epochs_q3 - 1) / (1 + MU.R_D_star) - 0.9) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3w
# manual: true
# points: 1

# %% [markdown]
# **Q3w (written derivation, 1 point).** Show the steps from
# "$D'$ is 90% of its ceiling" to your closed form for the epoch count.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Setting $1 + R^*(1 - e^{-R_D/R^*}) = 0.9(1 + R^*)$ gives
# $e^{-R_D/R^*} = 0.1(1 + R^*)/R^*$, so $R_D = R^* \ln\bigl(R^*/[0.1(1 + R^*)]\bigr)$
# and the epoch count is one more than that. *Grading: all or nothing; the
# usual slip is reporting $R_D$ instead of $1 + R_D$.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (coding, core, 2 points).** Write `fresh_equivalent(U, epochs)`: the
# effective number of tokens $D'$ of `epochs` passes ($\ge 1$, possibly
# fractional) over `U` unique tokens, vectorised over NumPy arrays, using only
# NumPy and `MU.R_D_star`, **without** calling `scalinglaws.data_constrained`
# (a function that reaches it scores 0).

# %% [raw]
# # BEGIN SOLUTION

# %%
def fresh_equivalent(U, epochs):
    U, R = np.asarray(U, dtype=float), np.asarray(epochs, dtype=float) - 1  # SOLUTION
    return U * (1 + MU.R_D_star * (1 - np.exp(-R / MU.R_D_star)))  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(fresh_equivalent(np.array([1e9, 2e9]), np.array([1.0, 4.0]))) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid_in_function
forbid_in_function(fresh_equivalent, modules=["scalinglaws.data_constrained"])
from scalinglaws import data_constrained as _dc
_U, _ep = np.array([1e9, 25e9, 3e11]), np.array([1.0, 4.0, 40.0])
assert np.allclose(fresh_equivalent(_U, _ep), _dc.effective_data(_U, _ep - 1), rtol=1e-9)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid_in_function
forbid_in_function(fresh_equivalent, modules=["scalinglaws.data_constrained"])
from scalinglaws import data_constrained as _dc
_ep = np.array([1.0, 2.5, 16.0, 1e4])
assert np.allclose(fresh_equivalent(7.0, _ep) / (7.0 * _ep), _dc.repetition_value(_ep), rtol=1e-9)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
