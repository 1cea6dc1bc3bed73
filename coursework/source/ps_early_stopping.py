# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps_early_stopping
# init_cell: true
# check_all_cell: true
# export_cell: false
# run_tests: false
# generate: true
# tests:
#   files: false

# %% [markdown]
# # Problem set: early stopping, overfitting and repeated data
#
# Companion to the chapter *Early stopping and data limits*. $N$ counts
# non-embedding parameters in the Kaplan questions (Q1, Q2) and all parameters
# in the Muennighoff questions (Q3, Q4); data is in tokens, losses in
# nats/token. The published constants (`KAPLAN_LND`, `KAPLAN_LNS`,
# `MUENNIGHOFF_2023`) are in `scalinglaws.constants`: use them, never retype them.

# %%
import numpy as np
from scalinglaws import data_constrained as dc
from scalinglaws import early_stopping as es
from scalinglaws import kaplan
from scalinglaws.constants import KAPLAN_LNS as LNS
from scalinglaws.constants import MUENNIGHOFF_2023 as MU

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, 3 points).** A team trains a model with $N = 10^{10}$
# non-embedding parameters. Using Kaplan et al.'s $L(N, D)$ (Eq. 4.1), how many
# tokens keep the overfitting penalty $L(N, D)/L(N, \infty) - 1$ at 2%
# (exact inversion; store in `D_q1`)? Store the ratio of that count to the
# printed rule $5\times10^3 N^{0.74}$ in `rule_ratio_q1`, and the penalty if
# they train on $10^{11}$ tokens in `pen_q1` (a fraction, not a percentage).

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
# **Q2 (derivation, checked numerically, 3 points).** From
# $L(N, S) = (N_c/N)^{\alpha_N} + (S_c/S)^{\alpha_S}$ and compute $C \propto NS$,
# show (markdown cell) that the cheapest way to reach a loss stops at
# $L = f\, L(N, \infty)$ and that the steps there grow as $S \propto N^{p}$.
# Store the factor $f$ in `f_q2` and the exponent $p$ in `p_q2`, computed from
# `LNS`, and the ratio of the stopping steps of a $10^{10}$- and a
# $10^{8}$-parameter model in `S_ratio_q2`.

# %% [raw]
# # BEGIN SOLUTION

# %%
f_q2 = 1 + LNS.alpha_N / LNS.alpha_S  # SOLUTION
p_q2 = LNS.alpha_N / LNS.alpha_S  # SOLUTION
S_ratio_q2 = (1e10 / 1e8) ** p_q2  # SOLUTION

# %% [markdown]
# With $L_N = (N_c/N)^{\alpha_N}$, $N \propto L_N^{-1/\alpha_N}$ and
# $S = S_c (L - L_N)^{-1/\alpha_S}$, so $\ln(NS) = \mathrm{const} - \ln L_N/\alpha_N - \ln(L - L_N)/\alpha_S$.
# Setting its derivative in $L_N$ to zero gives $\alpha_S(L - L_N) = \alpha_N L_N$,
# so the stopping loss is $(1 + \alpha_N/\alpha_S) L_N$. There
# $(S_c/S)^{\alpha_S} = (\alpha_N/\alpha_S) L_N \propto N^{-\alpha_N}$, hence $S \propto N^{\alpha_N/\alpha_S}$.

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
_stop = es.compute_efficient_stop(1e9)
assert abs(f_q2 - _stop.loss / _stop.converged_loss) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_s = es.compute_efficient_stop(np.array([1e8, 1e12])).steps
assert abs(p_q2 - np.log(_s[1] / _s[0]) / np.log(1e4)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(S_ratio_q2 / (es.compute_efficient_stop(1e10).steps / es.compute_efficient_stop(1e8).steps) - 1) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (derivation, checked numerically, 2 points).** Muennighoff et al.'s
# effective data after $R_D$ repeated epochs of $U_D$ unique tokens is
# $D' = U_D + U_D R_D^*(1 - e^{-R_D/R_D^*})$, with $R_D^*$ = `MU.R_D_star`.
# It never exceeds $U_D(1 + R_D^*)$. Solve by hand for the number of **epochs**
# ($1 + R_D$) after which the data is worth 90% of that ceiling, evaluate
# your closed form and store it in `epochs_q3`.

# %% [raw]
# # BEGIN SOLUTION

# %%
epochs_q3 = 1 + MU.R_D_star * np.log(MU.R_D_star / (0.1 * (1 + MU.R_D_star)))  # SOLUTION

# %% [markdown]
# Setting $1 + R^*(1 - e^{-R_D/R^*}) = 0.9(1 + R^*)$ gives
# $e^{-R_D/R^*} = 0.1(1 + R^*)/R^*$, so $R_D = R^* \ln\bigl(R^*/[0.1(1 + R^*)]\bigr)$
# and the epoch count is one more than that.

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
assert abs(dc.effective_data(1.0, epochs_q3 - 1) / (1 + MU.R_D_star) - 0.9) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (coding, 2 points).** Write `fresh_equivalent(U, epochs)`: the
# effective number of tokens $D'$ of `epochs` passes ($\ge 1$, possibly
# fractional) over `U` unique tokens, vectorised over NumPy arrays, using only
# NumPy and `MU.R_D_star` (no call to `scalinglaws.data_constrained`).

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
_U, _ep = np.array([1e9, 25e9, 3e11]), np.array([1.0, 4.0, 40.0])
assert np.allclose(fresh_equivalent(_U, _ep), dc.effective_data(_U, _ep - 1), rtol=1e-9)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_ep = np.array([1.0, 2.5, 16.0, 1e4])
assert np.allclose(fresh_equivalent(7.0, _ep) / (7.0 * _ep), dc.repetition_value(_ep), rtol=1e-9)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
