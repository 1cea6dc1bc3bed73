# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps10_abilities

# %% [markdown]
# # Problem set 10: from loss to abilities
#
# Companion to the chapter *From loss to abilities*. Losses are in nats/token
# (nats/byte for the lab's models), errors and accuracies are fractions,
# compute is in FLOPs. The data sets ship with the library and are read with
# their checksums verified (`scalinglaws.datasets`).
#
# **Learning goals.** After this set you can
# - compute what exact match of a long answer needs from each token, and explain why it can look like an ability that emerges;
# - fit Gadre et al.'s law of downstream error against loss and predict a held-out model;
# - fit a benchmark's accuracy as a sigmoid in log compute, within a family and across families;
# - measure how the loss on another text follows the training loss.
#
# **Expected time:** about 75 minutes.
#
# **How this set is graded.** Answer in the cells marked `...`. Autograded
# questions are checked by hidden tests when you submit; written questions are
# read by a person. `grader.check("q1")` runs the public tests: **public tests
# check only the form of your answer (a number, a shape, a range); hidden tests
# check the value.** If a cell raises an error, grading goes on: only the tests
# that need the failed answer lose their points. To submit, run the export cell
# at the end and upload the zip it writes.

# %%
import numpy as np
from scalinglaws import abilities as ab
from scalinglaws.datasets import RUAN_BENCHMARKS, load_gadre2024, load_ruan2024
from scalinglaws.fitting.downstream import fit_loss_to_error, fit_sigmoid_accuracy
from scalinglaws.lab.records import load_results, results_path

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** A model gets each token of an answer
# right with probability $p = 0.8$, independently. Store the probability that
# it reproduces a 10-token answer exactly in `em_q1`, and the per-token accuracy
# it would need for that probability to reach one half in `p_q1`. Explain in
# Q1w what this means for abilities scored by exact match.

# %% [raw]
# # BEGIN SOLUTION

# %%
em_q1 = 0.8**10  # SOLUTION
p_q1 = 0.5 ** (1 / 10)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < em_q1 < 1 and 0.5 < p_q1 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(em_q1 - ab.exact_match_if_independent(0.8, 10)) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(p_q1 - ab.accuracy_for_exact_match(0.5, 10)) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q1w
# manual: true
# points: 3

# %% [markdown]
# **Q1w (written explanation, 3 points).** Suppose the per-token accuracy $p$
# of a family of models rises smoothly with scale. Using Q1's formula, explain
# why the exact-match score of 10-token answers can look like an ability that
# is absent in small models and appears suddenly in large ones. Then name two
# ways of measuring that would show the smooth trend, and say whether measured
# exact match should sit above or below $p^\ell$ for real text, and why.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# With independent tokens exact match is $p^{10}$: it stays near zero until $p$
# is close to one (0.11 at $p = 0.8$) and then rises steeply, reaching one half
# only at $p \approx 0.93$. A steady rise in $p$ crosses that narrow window
# quickly, so on a linear axis the score hugs zero and then turns up: it looks
# emergent although nothing sudden happened to the models. A per-token metric
# (accuracy or log-loss) shows the smooth trend; so does exact match itself on
# a logarithmic axis, measured on enough prompts to resolve small
# probabilities (with $n$ prompts, a rate below $1/n$ reads as zero). Measured
# exact match sits above $p^\ell$: right tokens come in runs (the rest of a
# common word or a name is easy once it has started), so the events "token $i$
# is right" are positively correlated.
# *Grading: 1 point for $p^{10}$ staying near zero then rising steeply (with
# Q1's numbers); 1 point for two remedies (per-token metric; log axis with
# enough samples); 1 point for "above", with positive correlation between
# tokens as the reason.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (fit and predict, core, 3 points).** Take Gadre et al.'s RedPajama runs
# (`dataset == "rpj"`) that the authors used for their error law
# (`in_paper_error_fit`), and fit the 17-task average top-1 error
# (`err_avg_subset`) against the C4 loss (`loss_c4_val`) with
# `fit_loss_to_error`. Store the fit in `fit_q2`. Then predict the error of the
# held-out 6.9B model (`model == "open_lm_7b"`) from its true loss, store the
# prediction in `pred_q2` and its relative error (prediction / truth - 1) in
# `rel_q2`.

# %%
gadre = load_gadre2024()

# %% [raw]
# # BEGIN SOLUTION

# %%
rpj = gadre[gadre["dataset"] == "rpj"]  # SOLUTION
rows = rpj[rpj["in_paper_error_fit"]]  # SOLUTION
fit_q2 = fit_loss_to_error(rows["loss_c4_val"], rows["err_avg_subset"])  # SOLUTION
big = rpj[rpj["model"] == "open_lm_7b"].iloc[0]  # SOLUTION
pred_q2 = fit_q2.predict(big["loss_c4_val"])  # SOLUTION
rel_q2 = pred_q2 / big["err_avg_subset"] - 1  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < pred_q2 < 1 and abs(rel_q2) < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(fit_q2.gamma - 0.715) < 0.01 and abs(fit_q2.epsilon - 0.857) < 0.01

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_g = load_gadre2024()
_r = _g[(_g["dataset"] == "rpj") & _g["in_paper_error_fit"]]
_f = fit_loss_to_error(_r["loss_c4_val"], _r["err_avg_subset"])
_b = _g[(_g["dataset"] == "rpj") & (_g["model"] == "open_lm_7b")].iloc[0]
assert abs(pred_q2 - _f.predict(_b["loss_c4_val"])) < 1e-6 and abs(rel_q2 - (pred_q2 / _b["err_avg_subset"] - 1)) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (one family against all, core, 3 points).** From Ruan et al.'s table of
# public models with known compute (`load_ruan2024(with_compute=True)`), fit a
# sigmoid in log compute to the HellaSwag accuracy (`"hellaswag"`, chance
# `RUAN_BENCHMARKS["hellaswag"]`) of the OPT family only (`family == "OPT"`), and
# to every model. Store the OPT fit's midpoint ($\log_{10}$ of the compute at
# which the accuracy is half way up; `.midpoint`) in `mid_q3`, and the ratio of
# the two fits' root-mean-square residuals (all models over OPT; `.rmse`) in
# `ratio_q3`.

# %%
ruan = load_ruan2024(with_compute=True)

# %% [raw]
# # BEGIN SOLUTION

# %%
opt = ruan[ruan["family"] == "OPT"]  # SOLUTION
f_opt = fit_sigmoid_accuracy(opt["C"], opt["hellaswag"], RUAN_BENCHMARKS["hellaswag"])  # SOLUTION
f_all = fit_sigmoid_accuracy(ruan["C"], ruan["hellaswag"], RUAN_BENCHMARKS["hellaswag"])  # SOLUTION
mid_q3 = f_opt.midpoint  # SOLUTION
ratio_q3 = f_all.rmse / f_opt.rmse  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 15 < mid_q3 < 30 and ratio_q3 > 0

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_o = load_ruan2024(with_compute=True)
_o = _o[_o["family"] == "OPT"]
assert abs(mid_q3 - fit_sigmoid_accuracy(_o["C"], _o["hellaswag"], 0.25).midpoint) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
_a = load_ruan2024(with_compute=True)
_o = _a[_a["family"] == "OPT"]
_ratio = fit_sigmoid_accuracy(_a["C"], _a["hellaswag"], 0.25).rmse / fit_sigmoid_accuracy(_o["C"], _o["hellaswag"], 0.25).rmse
assert abs(ratio_q3 / _ratio - 1) < 1e-3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (the lab's runs, core, 2 points).** The cached `beyond` runs of the
# experiment `"emergence"` were evaluated at every checkpoint on held-out
# Shakespeare (`p["val_loss"]` for each point `p` of `r["result"]["curve"]`) and
# on *The Adventures of Sherlock Holmes* (`p["ood_loss"]`). Fit a straight line
# `ood_loss = offset + slope * val_loss` by least squares over every checkpoint
# of every run (`np.polyfit`) and store `slope_q4` and `offset_q4`.

# %%
emergence = [r for r in load_results(results_path("beyond")) if r["experiment"] == "emergence"]

# %% [raw]
# # BEGIN SOLUTION

# %%
pts = np.array([(p["val_loss"], p["ood_loss"]) for r in emergence for p in r["result"]["curve"]])  # SOLUTION
slope_q4, offset_q4 = np.polyfit(pts[:, 0], pts[:, 1], 1)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < slope_q4 < 5 and -10 < offset_q4 < 10

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from scalinglaws.lab.report import fit_emergence as _fe
_t = _fe(load_results(results_path("beyond")))["transfer"]
assert abs(slope_q4 - _t["slope"]) < 1e-6 and abs(offset_q4 - _t["offset"]) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
