# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps_reconciling
# init_cell: true
# check_all_cell: true
# export_cell: false
# run_tests: false
# generate: true
# tests:
#   files: false

# %% [markdown]
# # Problem set: reconciling Kaplan and Chinchilla
#
# Companion to the chapter *Reconciling Kaplan and Chinchilla*. $N_{\setminus E}$
# counts non-embedding parameters, $N_T = N_{\setminus E} + \omega N_{\setminus E}^{1/3}$
# all of them (Pearce & Song), compute is in FLOPs and losses in nats/token. The
# laws (`CHINCHILLA_ROUNDED`, `EPOCH_2024`) and Kaplan's setup (`KAPLAN_SETUP`)
# are in `scalinglaws.constants`: use them, never retype them.

# %%
import numpy as np
from scalinglaws import chinchilla
from scalinglaws import reconcile as rc
from scalinglaws.constants import CHINCHILLA_ROUNDED, EPOCH_2024, KAPLAN_SETUP, PEARCE_SONG_OMEGA

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, 2 points).** The local exponent $g = d\log N^*_{\setminus E}/d\log C_{\setminus E}$
# of the non-embedding frontier tends to $\beta/(\alpha/3 + \beta)$ for small
# models and to $\beta/(\alpha + \beta)$ for large ones. Evaluate both limits
# with Chinchilla's rounded coefficients `CHINCHILLA_ROUNDED` (store in
# `g_small_q1` and `g_large_q1`).

# %% [raw]
# # BEGIN SOLUTION

# %%
g_small_q1 = CHINCHILLA_ROUNDED.beta / (CHINCHILLA_ROUNDED.alpha / 3 + CHINCHILLA_ROUNDED.beta)  # SOLUTION
g_large_q1 = CHINCHILLA_ROUNDED.beta / (CHINCHILLA_ROUNDED.alpha + CHINCHILLA_ROUNDED.beta)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < g_large_q1 < g_small_q1 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(g_small_q1 - rc.local_exponent_limits(CHINCHILLA_ROUNDED)[0]) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(g_large_q1 - rc.local_exponent_limits(CHINCHILLA_ROUNDED)[1]) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (derivation, checked numerically, 3 points).** From $L = E + AN^{-\alpha} + BD^{-\beta}$
# and $C = 6ND$, derive (markdown cell) that on the compute-optimal frontier
# $L^*(C) - E \propto C^{-\gamma}$ and that the ratio of the two loss terms
# $AN^{-\alpha}/(BD^{-\beta})$ is a constant. For Epoch's law `EPOCH_2024`, store
# $\gamma$ in `gamma_q2` and the term ratio in `term_ratio_q2`. Then check your
# $\gamma$ numerically: with `chinchilla.compute_optimal` at $10^{21}$ and
# $10^{25}$ FLOPs, store the log-log slope of $L^* - E$ against $C$ in
# `slope_q2` (it should be $-\gamma$).

# %% [raw]
# # BEGIN SOLUTION

# %%
gamma_q2 = EPOCH_2024.alpha * EPOCH_2024.beta / (EPOCH_2024.alpha + EPOCH_2024.beta)  # SOLUTION
term_ratio_q2 = EPOCH_2024.beta / EPOCH_2024.alpha  # SOLUTION
_co = chinchilla.compute_optimal(np.array([1e21, 1e25]), EPOCH_2024)  # SOLUTION
slope_q2 = np.log((_co.loss[1] - EPOCH_2024.E) / (_co.loss[0] - EPOCH_2024.E)) / np.log(1e4)  # SOLUTION

# %% [markdown]
# With $D = C/(6N)$, $dL/dN = 0$ gives $\alpha AN^{-\alpha} = \beta B(6N/C)^{\beta} = \beta BD^{-\beta}$,
# so the term ratio is $\beta/\alpha$ and $N^{\alpha+\beta} \propto C^{\beta}$:
# $N_\mathrm{opt} \propto C^{\beta/(\alpha+\beta)}$, $D_\mathrm{opt} \propto C^{\alpha/(\alpha+\beta)}$,
# and both terms fall as $C^{-\alpha\beta/(\alpha+\beta)}$, so $\gamma = \alpha\beta/(\alpha+\beta)$.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < gamma_q2 < 1 and term_ratio_q2 > 0 and slope_q2 < 0

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(gamma_q2 - rc.loss_compute_exponent(EPOCH_2024)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_c = chinchilla.compute_optimal(3e23, EPOCH_2024)
assert abs(term_ratio_q2 - (EPOCH_2024.A / _c.N_opt**EPOCH_2024.alpha) / (EPOCH_2024.B / _c.D_opt**EPOCH_2024.beta)) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(slope_q2 + rc.loss_compute_exponent(EPOCH_2024)) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (numeric, 2 points).** A Kaplan-style model has $n_\mathrm{layer} = 12$,
# $d_\mathrm{model} = 768$ and Kaplan's vocabulary `KAPLAN_SETUP["n_vocab"]`. Its
# output layer costs $2 d_\mathrm{model} n_\mathrm{vocab}$ forward FLOPs per
# token, the rest $2 N_{\setminus E}$ (ignore the attention-context term). What
# fraction of its training FLOPs does the output layer take (store in
# `share_q3`), and by what factor does $6N_{\setminus E}D$ understate its
# compute (store in `factor_q3`)?

# %% [raw]
# # BEGIN SOLUTION

# %%
_V, _N = KAPLAN_SETUP["n_vocab"], 12 * 12 * 768**2  # SOLUTION
share_q3 = 2 * 768 * _V / (2 * _N + 2 * 768 * _V)  # SOLUTION
factor_q3 = 1 / (1 - share_q3)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < share_q3 < 1 and factor_q3 > 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(share_q3 - rc.last_layer_flops_share(12, 768)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(factor_q3 * (1 - rc.last_layer_flops_share(12, 768)) - 1) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (coding, 3 points).** `rc.frontier_compute_nonembedding(x, law, omega)`
# gives the non-embedding compute at which $N^*_{\setminus E} = x$ is optimal.
# Write `numeric_g(x, law=EPOCH_2024, omega=PEARCE_SONG_OMEGA)` that returns
# the local exponent $g = d\log x/d\log C_{\setminus E}$ by a central finite
# difference in $\log x$, vectorised over NumPy arrays of `x` (relative error
# below $10^{-5}$). Do not call `rc.local_exponent`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def numeric_g(x, law=EPOCH_2024, omega=PEARCE_SONG_OMEGA):
    # BEGIN SOLUTION
    x, h = np.asarray(x, dtype=float), 1e-4
    up = np.log(rc.frontier_compute_nonembedding(x * np.exp(h), law, omega))
    down = np.log(rc.frontier_compute_nonembedding(x * np.exp(-h), law, omega))
    return 2 * h / (up - down)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(numeric_g(np.array([1e6, 1e9]))) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_x = np.geomspace(1e4, 1e11, 8)
assert np.allclose(numeric_g(_x), rc.local_exponent(_x), rtol=1e-5)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_x = np.array([1e5, 1e8])
assert np.allclose(numeric_g(_x, CHINCHILLA_ROUNDED, 1e4), rc.local_exponent(_x, CHINCHILLA_ROUNDED, 1e4), rtol=1e-5)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
