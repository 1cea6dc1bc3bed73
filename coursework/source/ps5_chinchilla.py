# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps5_chinchilla

# %% [markdown]
# # Problem set 5: compute-optimal training (Chinchilla)
#
# Companion to the chapter *Chinchilla*. The parametric law is
# $L(N, D) = E + A/N^\alpha + B/D^\beta$ with $C = 6ND$ FLOPs. Coefficients live
# in `scalinglaws.constants` (`EPOCH_2024` is Besiroglu et al.'s refit).
#
# **Learning goals.** After this set you can
# - minimise the parametric law at fixed compute by hand and evaluate the optimum;
# - derive how the optimal loss falls with compute;
# - run Approach 2 (IsoFLOP parabolas, then a power law through their minima) on simulated runs.
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
#
# **This set never needs** `ch.compute_optimal`, `ch.optimal_allocation`,
# `ch.explore_budget`, `ch.frontier_exponents` or `reconcile.loss_compute_exponent`,
# which compute Q1's and Q2's answers directly: a notebook that calls any of
# them scores 0 on Q1 and Q2.

# %%
import numpy as np
from scalinglaws import chinchilla as ch
from scalinglaws import fitting
from scalinglaws.constants import CHINCHILLA, EPOCH_2024, GOPHER_BUDGET_FLOPS

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, core, 3 points).** Minimise $L(N, C/(6N))$ over $N$ by hand (set
# the derivative to zero) and evaluate your closed form with `EPOCH_2024` at
# Gopher's budget `GOPHER_BUDGET_FLOPS`, **without** calling
# `ch.compute_optimal` (or the other functions listed above). Store the
# optimal parameters, tokens and tokens per parameter in `N_opt`, `D_opt`,
# `tpp`. Write the derivation in Q1w.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
p = EPOCH_2024
G = (p.alpha * p.A / (p.beta * p.B)) ** (1 / (p.alpha + p.beta))
# END SOLUTION
N_opt = G * (GOPHER_BUDGET_FLOPS / 6) ** (p.beta / (p.alpha + p.beta))  # SOLUTION
D_opt = GOPHER_BUDGET_FLOPS / (6 * N_opt)  # SOLUTION
tpp = D_opt / N_opt  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e9 < N_opt < 1e12 and 1e10 < D_opt < 1e14, "sizes in parameters and tokens"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_optimal", "optimal_allocation", "explore_budget", "frontier_exponents", "loss_compute_exponent")
_opt = ch.compute_optimal(GOPHER_BUDGET_FLOPS, EPOCH_2024)
assert abs(N_opt / _opt.N_opt - 1) < 1e-6 and abs(D_opt / _opt.D_opt - 1) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_optimal", "optimal_allocation", "explore_budget", "frontier_exponents", "loss_compute_exponent")
assert abs(tpp / ch.compute_optimal(GOPHER_BUDGET_FLOPS, EPOCH_2024).tokens_per_param - 1) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q1w
# manual: true
# points: 2

# %% [markdown]
# **Q1w (written derivation, 2 points).** Derive $N_\mathrm{opt}(C)$: write
# the loss along the budget, set its derivative to zero and solve.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# With $D = C/(6N)$, $L = E + AN^{-\alpha} + B(6N/C)^{\beta}$ and
# $dL/dN = -\alpha AN^{-\alpha-1} + \beta B (6/C)^{\beta} N^{\beta-1} = 0$, so
# $N^{\alpha+\beta} = (\alpha A/(\beta B))(C/6)^{\beta}$:
# $N_\mathrm{opt} = G\,(C/6)^{\beta/(\alpha+\beta)}$ with
# $G = (\alpha A/(\beta B))^{1/(\alpha+\beta)}$, and $D_\mathrm{opt} = C/(6N_\mathrm{opt})$.
# *Grading: 1 point for the first-order condition, 1 point for solving it.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, core, 3 points).** Show that on the compute-optimal path
# $L_\mathrm{opt}(C) - E \propto C^{-\gamma}$ and give $\gamma$ in terms of
# $\alpha$ and $\beta$. Store $\gamma$ for `EPOCH_2024` in `gamma` (without
# the functions listed above). Write the derivation in Q2w.

# %% [raw]
# # BEGIN SOLUTION

# %%
gamma = EPOCH_2024.alpha * EPOCH_2024.beta / (EPOCH_2024.alpha + EPOCH_2024.beta)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < gamma < min(EPOCH_2024.alpha, EPOCH_2024.beta)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
from ps_grading import forbid
forbid("compute_optimal", "optimal_allocation", "explore_budget", "frontier_exponents", "loss_compute_exponent")
# the slope of log(L_opt - E) against log C, measured on the library's frontier
_C = np.logspace(20, 26, 7)
_slope = np.polyfit(np.log(_C), np.log(ch.compute_optimal(_C, EPOCH_2024).loss - EPOCH_2024.E), 1)[0]
assert abs(gamma + _slope) < 1e-9

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
# **Q2w (written derivation, 2 points).** Show that $L_\mathrm{opt}(C) - E \propto C^{-\gamma}$
# and derive $\gamma$.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# With $N_\mathrm{opt} = G (C/6)^{\beta/(\alpha+\beta)}$ the parameter term is
# $A N_\mathrm{opt}^{-\alpha} \propto C^{-\alpha\beta/(\alpha+\beta)}$, and the
# first-order condition makes the data term a fixed multiple ($\alpha/\beta$)
# of it, so $\gamma = \alpha\beta/(\alpha+\beta)$.
# *Grading: 1 point for the parameter term's exponent, 1 point for the data
# term being a fixed multiple of it.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, core, 4 points).** The cell below simulates IsoFLOP runs from the
# Chinchilla law (nine budgets from $6\times10^{18}$ to $3\times10^{21}$
# FLOPs, nine sizes each, 0.5% noise). Apply Approach 2: fit a parabola in
# $\log N$ at each budget, then a power law $N_\mathrm{opt} \propto C^a$ to the
# minima. You may use `fitting.fit_isoflop(..., method="parabola")`. Store the exponent in `a_hat`, and the
# predicted compute-optimal size at $10^{24}$ FLOPs in `N_at_1e24` (the fit's
# `predict`).

# %%
runs = fitting.synthetic_isoflop(CHINCHILLA, noise=0.005, seed=3)

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
fit_q3 = fitting.fit_isoflop(runs.N, runs.C, runs.loss, runs.budget, method="parabola")
# END SOLUTION
a_hat = fit_q3.a  # SOLUTION
N_at_1e24 = fit_q3.predict(1e24)[0]  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < a_hat < 1 and N_at_1e24 > 1e9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_ref = fitting.fit_isoflop(runs.N, runs.C, runs.loss, runs.budget, method="parabola")
assert abs(a_hat - _ref.a) < 0.01

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
# within 25% of the size the true law recommends
assert abs(N_at_1e24 / ch.compute_optimal(1e24, CHINCHILLA).N_opt - 1) < 0.25

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
