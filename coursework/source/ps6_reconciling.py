# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps6_reconciling

# %% [markdown]
# # Problem set 6: reconciling Kaplan and Chinchilla
#
# Companion to the chapter *Reconciling Kaplan and Chinchilla*. $N_{\setminus E}$
# counts non-embedding parameters, $N_T = N_{\setminus E} + \omega N_{\setminus E}^{1/3}$
# all of them (Pearce & Song), compute is in FLOPs and losses in nats/token. The
# laws (`CHINCHILLA_ROUNDED`, `EPOCH_2024`), Kaplan's setup (`KAPLAN_SETUP`) and
# Pearce & Song's simulation settings (`PEARCE_SONG_SIMULATION`) are in
# `scalinglaws.constants`: use them, never retype them.
#
# **Learning goals.** After this set you can
# - state the two limits of the non-embedding frontier's local exponent;
# - reproduce the exponent Kaplan would have measured over his model sizes, and explain why it is steeper;
# - count the output layer's share of training compute that $6N_{\setminus E}D$ leaves out;
# - differentiate a frontier numerically and check it against its closed form.
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
from scalinglaws import reconcile as rc
from scalinglaws.constants import (CHINCHILLA_ROUNDED, EPOCH_2024, KAPLAN_SETUP, PEARCE_SONG_OMEGA,
                                   PEARCE_SONG_SIMULATION)

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** The local exponent $g = d\log N^*_{\setminus E}/d\log C_{\setminus E}$
# of the non-embedding frontier tends to $\beta/(\alpha/3 + \beta)$ for small
# models and to $\beta/(\alpha + \beta)$ for large ones. Evaluate both limits
# with Chinchilla's rounded coefficients `CHINCHILLA_ROUNDED` (store in
# `g_small_q1` and `g_large_q1`), **without** calling `rc.local_exponent_limits`,
# `rc.local_exponent_peak` or `rc.local_exponent` (a notebook that calls them
# scores 0 on this question).

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
from ps_grading import forbid
forbid("local_exponent_limits", "local_exponent", "local_exponent_peak")
assert abs(g_small_q1 - rc.local_exponent_limits(CHINCHILLA_ROUNDED)[0]) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("local_exponent_limits", "local_exponent", "local_exponent_peak")
assert abs(g_large_q1 - rc.local_exponent_limits(CHINCHILLA_ROUNDED)[1]) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (coding, core, 3 points).** What would Kaplan have measured? His models
# spanned the non-embedding sizes `10**PEARCE_SONG_SIMULATION["log10_n_nonembedding_range"]`.
# `rc.frontier_compute_nonembedding(x, law, omega)` gives the non-embedding
# compute $C_{\setminus E}$ at which $N^*_{\setminus E} = x$ is optimal. Take 50
# log-spaced sizes over Kaplan's range, fit $\ln x = a \ln C_{\setminus E} + b$
# by least squares (`np.polyfit`) with `EPOCH_2024` and `PEARCE_SONG_OMEGA`,
# and store the slope in `a_kaplan_q2`. Do the same for 50 log-spaced sizes
# from $10^9$ to $10^{12}$ and store that slope in `a_large_q2`. Explain the
# difference in Q2w.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
def frontier_slope(log10_lo, log10_hi):
    x = np.logspace(log10_lo, log10_hi, 50)
    C = rc.frontier_compute_nonembedding(x, EPOCH_2024, PEARCE_SONG_OMEGA)
    return np.polyfit(np.log(C), np.log(x), 1)[0]


# END SOLUTION
a_kaplan_q2 = frontier_slope(*PEARCE_SONG_SIMULATION["log10_n_nonembedding_range"])  # SOLUTION
a_large_q2 = frontier_slope(9, 12)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < a_large_q2 < 1 and 0 < a_kaplan_q2 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_x = np.logspace(*PEARCE_SONG_SIMULATION["log10_n_nonembedding_range"], 50)
_C = rc.frontier_compute_nonembedding(_x, EPOCH_2024, PEARCE_SONG_OMEGA)
assert abs(a_kaplan_q2 - np.polyfit(np.log(_C), np.log(_x), 1)[0]) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_x = np.logspace(9, 12, 50)
_C = rc.frontier_compute_nonembedding(_x, EPOCH_2024, PEARCE_SONG_OMEGA)
assert abs(a_large_q2 - np.polyfit(np.log(_C), np.log(_x), 1)[0]) < 1e-6

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
# **Q2w (written, 2 points).** In three or four sentences: why is
# `a_kaplan_q2` larger than `a_large_q2`, and which one should a lab planning
# a $10^{24}$-FLOP run trust? Refer to the two limits of Q1.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Over Kaplan's range the embedding parameters $\omega N_{\setminus E}^{1/3}$ are a
# large part of $N_T$, which is what the loss depends on; as $N_{\setminus E}$
# grows that share shrinks, so the non-embedding count grows faster than the
# total along the frontier, and the fitted slope sits between the limits of Q1,
# near the peak of $g$, above Chinchilla's $\beta/(\alpha+\beta)$. For large
# models the embedding share is negligible, $N_{\setminus E} \approx N_T$, and
# the slope falls to $\beta/(\alpha+\beta)$: that is the one to extrapolate
# with. *Grading: 1 point for the embedding share shrinking with size, 1 point
# for choosing the large-model slope and why.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (numeric, core, 2 points).** A Kaplan-style model has $n_\mathrm{layer} = 12$,
# $d_\mathrm{model} = 768$ and Kaplan's vocabulary `KAPLAN_SETUP["n_vocab"]`. Its
# output layer costs $2 d_\mathrm{model} n_\mathrm{vocab}$ forward FLOPs per
# token, the rest $2 N_{\setminus E}$ (ignore the attention-context term). What
# fraction of its training FLOPs does the output layer take (store in
# `share_q3`), and by what factor does $6N_{\setminus E}D$ understate its
# compute (store in `factor_q3`)? Count by hand, **without** calling
# `rc.last_layer_flops_share` or `rc.last_layer_share_by_size` (a notebook that
# calls them scores 0 on this question).

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
from ps_grading import forbid
forbid("last_layer_flops_share", "last_layer_share_by_size")
assert abs(share_q3 - rc.last_layer_flops_share(12, 768)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("last_layer_flops_share", "last_layer_share_by_size")
assert abs(factor_q3 * (1 - rc.last_layer_flops_share(12, 768)) - 1) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (coding, core, 3 points).** `rc.frontier_compute_nonembedding(x, law, omega)`
# gives the non-embedding compute at which $N^*_{\setminus E} = x$ is optimal.
# Write `numeric_g(x, law=EPOCH_2024, omega=PEARCE_SONG_OMEGA)` that returns
# the local exponent $g = d\log x/d\log C_{\setminus E}$ by a central finite
# difference in $\log x$, vectorised over NumPy arrays of `x` (relative error
# below $10^{-5}$), **without** calling `rc.local_exponent` (a function that
# reaches it scores 0).

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
from ps_grading import forbid_in_function
forbid_in_function(numeric_g, ["local_exponent"])
_x = np.geomspace(1e4, 1e11, 8)
assert np.allclose(numeric_g(_x), rc.local_exponent(_x), rtol=1e-5)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid_in_function
forbid_in_function(numeric_g, ["local_exponent"])
_x = np.array([1e5, 1e8])
assert np.allclose(numeric_g(_x, CHINCHILLA_ROUNDED, 1e4), rc.local_exponent(_x, CHINCHILLA_ROUNDED, 1e4), rtol=1e-5)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
