# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps8_fitting_real_runs

# %% [markdown]
# # Problem set 8: fitting scaling laws to real runs
#
# Companion to the chapter *Fitting scaling laws to real runs*. The published runs
# ship with the library: `datasets.load_porian2024()` (IsoFLOP points of 15
# settings, with the authors' own fits in `authors_fit`),
# `datasets.load_gadre2024()` (104 over-training runs; C4 validation loss in
# `loss_c4_val`) and `datasets.load_muennighoff2023()`. $N$ is parameters, $D$
# tokens, $C$ FLOPs, losses in nats/token; $a$ is the exponent of
# $N_\mathrm{opt} \propto C^a$.
#
# **Learning goals.** After this set you can
# - apply Approach 2 to published IsoFLOP runs and check the exponent against the authors' own fit;
# - recognise a budget whose minimum lies at the edge of its sweep, and say why it must be left out;
# - choose between two forms of a law by how well each predicts larger runs held out of the fit;
# - tell a bootstrap from refits on subsamples, and derive how much narrower the subsamples' spread is.
#
# **Expected time:** about 90 minutes.
#
# **How this set is graded.** Answer in the cells marked `...`. Autograded
# questions are checked by hidden tests when you submit; written questions are
# read by a person. `grader.check("q1")` runs the public tests: **public tests
# check only the form of your answer (a number, a shape, a range); hidden tests
# check the value.** A question that says "without reading" the authors' fit
# gives no points if your notebook reads it. If a cell raises an error, grading
# goes on: only the tests that need the failed answer lose their points. To
# submit, run the export cell at the end and upload the zip it writes.

# %%
import numpy as np
from scalinglaws import datasets, fitting
from scalinglaws.fitting import forms, resampling

porian = datasets.load_porian2024()
gadre = datasets.load_gadre2024()

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (coding, warm-up, 3 points).** The fifth setting, `porian.settings[4]`, is
# Porian et al.'s tuned setup on RefinedWeb. Get its runs with `porian.runs(...)`
# (arrays N, C, loss), apply Approach 2 with interpolated minima
# (`fitting.fit_isoflop`; calling it is the point), and store the exponent in
# `a_q1` and the number of budgets whose minimum was located in `used_q1`,
# **without** reading the authors' results (`porian.authors_fit` or
# `porian.meta`; a notebook that reads them scores 0 on this question).

# %% [raw]
# # BEGIN SOLUTION

# %%
fit_q1 = fitting.fit_isoflop(*porian.runs(porian.settings[4]))  # SOLUTION
a_q1 = fit_q1.a  # SOLUTION
used_q1 = sum(b.used for b in fit_q1.budgets)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0.3 < a_q1 < 0.9 and 2 <= used_q1 <= 12

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("authors_fit", "meta")
assert abs(a_q1 - porian.authors_fit[porian.settings[4]]["a"]) < 0.02

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("authors_fit", "meta")
assert used_q1 == sum(o["used"] for o in porian.authors_fit[porian.settings[4]]["optima"])

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (coding, core, 2 points).** In the second setting, `porian.settings[1]`
# (counting the last layer's FLOPs), Approach 2 leaves one budget out. Store its
# compute (FLOPs) in `C_out_q2`, **without** reading the authors' results
# (`porian.authors_fit` or `porian.meta`; a notebook that reads them scores 0 on
# this question). Explain in Q2w why reading a minimum off that budget would
# bias the exponent.

# %% [raw]
# # BEGIN SOLUTION

# %%
C_out_q2 = fitting.fit_isoflop(*porian.runs(porian.settings[1])).excluded[0].C  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e15 < C_out_q2 < 1e20

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("authors_fit", "meta")
_skipped = [o["C"] for o in porian.authors_fit[porian.settings[1]]["optima"] if not o["used"]]
assert len(_skipped) == 1 and abs(C_out_q2 / _skipped[0] - 1) < 1e-9

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
# **Q2w (written explanation, 2 points).** Where does the interpolated minimum of
# that budget sit, and which way would reading a minimum off it move the
# exponent $a$? Why must it be left out rather than kept?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# The interpolated loss is lowest at the smallest model trained at that budget, so
# the true minimum lies below the sweep. A number read there is where the sweep
# stops, larger than the true optimum: it would raise the smallest budget's point,
# flatten the line through the minima and lower the exponent, by an amount set by
# the choice of sizes, not by the runs.
# *Grading: 1 point for the minimum at the edge (below the sweep), 1 point for the
# direction (the smallest budget's $N_\mathrm{opt}$ too large, $a$ too small) and why.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, core, 3 points).** Take Gadre et al.'s RedPajama runs
# (`gadre["dataset"] == "rpj"`). Fit the Chinchilla form and Gadre et al.'s
# shared-exponent form to the runs below $10^9$ parameters and predict the loss
# (`loss_c4_val`) of the runs above. `forms.holdout(names, data, test)` does this:
# `data` is a dict with keys `"N"`, `"D"`, `"loss"`, `test` a boolean array of the
# held-out runs; calling it is the point. Store the mean absolute relative errors
# in `mae_chinchilla_q3` and `mae_gadre_q3`, and the name of the better form in
# `best_q3`.

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
_rpj = gadre[gadre["dataset"] == "rpj"]
_data = {"N": _rpj["N"].to_numpy(), "D": _rpj["D"].to_numpy(), "loss": _rpj["loss_c4_val"].to_numpy()}
_scores = {s["form"]: s for s in forms.holdout(["chinchilla", "gadre"], _data, _data["N"] > 1e9)}
# END SOLUTION
mae_chinchilla_q3 = _scores["chinchilla"]["mean_abs_error"]  # SOLUTION
mae_gadre_q3 = _scores["gadre"]["mean_abs_error"]  # SOLUTION
best_q3 = min(_scores, key=lambda k: _scores[k]["mean_abs_error"])  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < mae_gadre_q3 < 0.2 and 0 < mae_chinchilla_q3 < 0.2 and best_q3 in ("chinchilla", "gadre")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from scalinglaws.fitting import published as _published
_ref = _published.gadre_holdout("chinchilla", bootstrap=0)
_ref_g = _published.gadre_holdout("gadre", bootstrap=0)
assert abs(mae_chinchilla_q3 - _ref[_ref["dataset"] == "rpj"]["error"].abs().mean()) < 1e-4
assert abs(mae_gadre_q3 - _ref_g[_ref_g["dataset"] == "rpj"]["error"].abs().mean()) < 1e-4

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert best_q3 == "gadre"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (numeric, challenge, 2 points).** Hoffmann et al. built their Approach 1
# interval by refitting on random 80% subsets of the runs. For the mean of the
# 200 numbers `x` below, compute with `resampling.bootstrap` (i) 2,000 bootstrap
# resamples and (ii) 2,000 random 80% subsets without replacement, not rescaled
# (`replace=False, fraction=0.8`). Store the ratio of the subsets' standard
# deviation to the bootstrap's in `ratio_q4`, and the ratio theory predicts in
# `theory_q4`. Write the derivation of that ratio in Q4w.

# %%
x = np.random.default_rng(1).normal(10.0, 2.0, 200)

# %% [raw]
# # BEGIN SOLUTION

# %%
# BEGIN SOLUTION
_mean = lambda idx: [x[idx].mean()]  # noqa: E731
_boot = resampling.bootstrap(_mean, x.size, ["mean"], resamples=2000, seed=0)
_sub = resampling.bootstrap(_mean, x.size, ["mean"], resamples=2000, seed=0, replace=False, fraction=0.8)
# END SOLUTION
ratio_q4 = _sub.draws.std() / _boot.draws.std()  # SOLUTION
theory_q4 = np.sqrt(1 / 160 - 1 / 200) / np.sqrt(1 / 200)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < ratio_q4 < 1.5 and 0 < theory_q4 < 1.5

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(theory_q4 - 0.5) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(ratio_q4 - 0.5) < 0.06

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4w
# manual: true
# points: 2

# %% [markdown]
# **Q4w (written derivation, 2 points).** Derive the ratio of Q4 for the mean of
# $n$ numbers and subsets of $m$ of them, and say what it means for an "80%
# interval" built from such subsets.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# A bootstrap mean of $n$ draws with replacement has variance $\sigma^2/n$ (with
# $\sigma^2$ the sample's variance). The mean of $m$ draws without replacement has
# variance $\frac{\sigma^2}{m}\cdot\frac{n-m}{n-1} \approx \sigma^2\left(\frac1m - \frac1n\right)$,
# the finite-population correction. The ratio of standard deviations is
# $\sqrt{(1/m - 1/n)/(1/n)} = \sqrt{n/m - 1}$, which is $\sqrt{0.25} = 0.5$ for
# $m = 0.8n$. Subsamples spread half as much as the sampling variation they are
# meant to measure, so an interval read off them is about half as wide as it
# should be and covers the truth far less often than its nominal level.
# *Grading: 1 point for the two variances (finite-population correction), 1 point
# for the ratio and what it does to the interval.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
