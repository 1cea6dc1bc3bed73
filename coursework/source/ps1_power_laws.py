# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps1_power_laws

# %% [markdown]
# # Problem set 1: power laws
#
# Companion to the chapter *Power laws*.
#
# **Learning goals.** After this set you can
# - read the local log-log slope of a law with a floor, and say why it is smaller than the exponent;
# - derive that slope in closed form and check it against a finite difference;
# - fit $y = E + A x^{-\alpha}$ with a robust loss and judge the fit against the truth;
# - turn "error falls as $n^{-1/2}$" into how much more data a tenfold gain costs.
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
from scalinglaws import powerlaw
from scalinglaws import fitting

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** A loss curve follows $L(x) = E + A x^{-\alpha}$
# with $A = 12$, $\alpha = 0.3$ and $E = 1.7$. What is the *local* log-log
# slope $s(x) = -\,d\log L/d\log x$ at $x = 10^4$? Store it in `s_q1`.
# `powerlaw.local_exponent` computes it: use it (this question is about finding
# your way in the library) or a finite difference.

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
# **Q2 (coding, core, 3 points).** Derive a closed form of the local slope
# $s(x)$ of $L = E + A x^{-\alpha}$ in terms of $\alpha$, $E$ and $L(x)$ only,
# and implement it as `my_local_slope(x, A, alpha, E)` **without** calling
# `powerlaw.local_exponent` (a function that reaches it scores 0). Write the
# derivation in Q2w below.

# %% [raw]
# # BEGIN SOLUTION

# %%
def my_local_slope(x, A, alpha, E):
    # BEGIN SOLUTION
    L = E + A * np.asarray(x, float) ** (-alpha)
    return alpha * (L - E) / L
    # END SOLUTION

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
from ps_grading import forbid_in_function
forbid_in_function(my_local_slope, ["local_exponent"])
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
from ps_grading import forbid_in_function
forbid_in_function(my_local_slope, ["local_exponent"])
# limits: no floor gives the full exponent
assert abs(float(my_local_slope(1e3, 5.0, 0.4, 0.0)) - 0.4) < 1e-12

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
# **Q2w (written derivation, 2 points).** Derive your closed form for $s(x)$
# in a few lines, and say what it does when $L \gg E$ and when $L \to E$.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# $d\log L/d\log x = (x/L)\,dL/dx = (x/L)(-\alpha A x^{-\alpha-1}) = -\alpha (L - E)/L$,
# so $s(x) = \alpha\,(L - E)/L$: the full $\alpha$ while $L \gg E$, falling
# to 0 as the reducible part $L - E$ vanishes. *Grading: 1 point for the
# chain rule on $\log L$, 1 point for both limits.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, core, 3 points).** The cell below simulates twelve noisy
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
# **Q4 (numeric, warm-up, 2 points).** The expected squared error of a sample mean is
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
