# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps_power_laws
# init_cell: true
# check_all_cell: true
# export_cell: false
# run_tests: false
# generate: true
# tests:
#   files: false

# %% [markdown]
# # Problem set 1: power laws
#
# Companion to the chapter *Power laws*. Answer in the cells marked `...`;
# run `grader.check("qN")` to run the public tests (they check the form of an
# answer, not its value: the hidden tests decide the marks). Use
# `scalinglaws` freely unless a question says otherwise.

# %%
import numpy as np
from scalinglaws import powerlaw
from scalinglaws import fitting

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, 2 points).** A loss curve follows $L(x) = E + A x^{-\alpha}$
# with $A = 12$, $\alpha = 0.3$ and $E = 1.7$. What is the *local* log-log
# slope $s(x) = -\,d\log L/d\log x$ at $x = 10^4$? Store it in `s_q1`.

# %% [raw]
# # BEGIN SOLUTION

# %%
s_q1 = powerlaw.local_exponent(1e4, 12.0, 0.3, 1.7)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert isinstance(float(s_q1), float) and 0 < s_q1 < 0.3, "the local slope lies between 0 and alpha"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_h = 1e-4
_L = lambda x: 1.7 + 12.0 * x ** -0.3
assert abs(s_q1 - (-(np.log(_L(1e4 * np.exp(_h))) - np.log(_L(1e4 * np.exp(-_h)))) / (2 * _h))) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (derivation, checked numerically, 3 points).** Derive a closed form of
# the local slope $s(x)$ of $L = E + A x^{-\alpha}$ in terms of $\alpha$, $E$
# and $L(x)$ only, and implement it as `my_local_slope(x, A, alpha, E)`
# **without** calling `powerlaw.local_exponent`. Write the derivation in the
# markdown cell below the code.

# %% [raw]
# # BEGIN SOLUTION

# %%
def my_local_slope(x, A, alpha, E):
    # BEGIN SOLUTION
    L = E + A * np.asarray(x, float) ** (-alpha)
    return alpha * (L - E) / L
    # END SOLUTION

# %% [markdown]
# $d\log L/d\log x = (x/L)\,dL/dx = (x/L)(-\alpha A x^{-\alpha-1}) = -\alpha (L - E)/L$,
# so $s(x) = \alpha\,(L - E)/L$: the full $\alpha$ while $L \gg E$, falling
# to 0 as the reducible part $L - E$ vanishes.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(my_local_slope(np.array([1.0, 10.0]), 1.0, 0.5, 0.0)) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
# against a central finite difference of log L in log x, at many parameter settings
_rng = np.random.default_rng(0)
for _ in range(20):
    _A, _a, _E = _rng.uniform(1, 100), _rng.uniform(0.05, 1.0), _rng.uniform(0, 3)
    _x = 10 ** _rng.uniform(0, 8)
    _f = lambda lx: np.log(_E + _A * np.exp(lx) ** -_a)
    _fd = -(_f(np.log(_x) + 1e-5) - _f(np.log(_x) - 1e-5)) / 2e-5
    assert abs(float(my_local_slope(_x, _A, _a, _E)) - _fd) < 1e-6 * max(1, _fd)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
# limits: no floor gives the full exponent
assert abs(float(my_local_slope(1e3, 5.0, 0.4, 0.0)) - 0.4) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, 3 points).** The cell below simulates twelve noisy
# measurements of a law with a floor. Fit $y = E + A x^{-\alpha}$ with
# `fitting.fit_power_law` (Huber loss on log residuals, `loss="huber"`) and
# store the fitted exponent and floor in `alpha_hat` and `E_hat`.

# %%
rng = np.random.default_rng(2024)
x_data = np.logspace(1, 6, 12)
y_data = (1.8 + 40.0 * x_data ** -0.35) * np.exp(0.01 * rng.standard_normal(12))

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
fit_q3 = fitting.fit_power_law(x_data, y_data, offset=True, loss="huber")
# END SOLUTION
alpha_hat = fit_q3.alpha  # SOLUTION
E_hat = fit_q3.E  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < alpha_hat < 2 and 0 <= E_hat < y_data.min()

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_ref = fitting.fit_power_law(x_data, y_data, offset=True, loss="huber")
assert abs(alpha_hat - _ref.alpha) < 1e-3 and abs(E_hat - _ref.E) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(alpha_hat - 0.35) < 0.1 and abs(E_hat - 1.8) < 0.2  # close to the truth used to simulate

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (numeric, 2 points).** The expected squared error of a sample mean is
# $\sigma^2/n$ (`powerlaw.mean_estimation_error`). By what factor must the
# number of samples $n$ grow to cut the *root*-mean-squared error tenfold?
# Store it in `n_factor`.

# %% [raw]
# # BEGIN SOLUTION

# %%
n_factor = 100  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert float(n_factor) > 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_rmse = lambda n: np.sqrt(powerlaw.mean_estimation_error(n, 1.0))
assert abs(_rmse(1000.0) / _rmse(1000.0 * n_factor) - 10) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
