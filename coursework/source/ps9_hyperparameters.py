# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps9_hyperparameters

# %% [markdown]
# # Problem set 9: hyperparameters across scale
#
# Companion to the chapter *Hyperparameters across scale*. Compute is in FLOPs,
# batch sizes in tokens, learning rates are AdamW peak rates. Published
# constants (DeepSeek's laws, μP's rules) are in `scalinglaws.constants` and
# are used through `scalinglaws.hyperparameters`: never retype them.
#
# **Learning goals.** After this set you can
# - read a starting learning rate and batch size off DeepSeek's compute laws;
# - derive from one hidden unit how far an Adam step moves an activation, and what learning rate keeps that move fixed as the model widens;
# - locate the best learning rate of a sweep between grid points;
# - count the steps a warmup-stable-decay schedule saves.
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
from scalinglaws import hyperparameters as hp
from scalinglaws.lab.records import load_results, results_path

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** DeepSeek LLM fitted the near-optimal
# batch $B_\mathrm{opt}$ (tokens) and peak learning rate $\eta_\mathrm{opt}$ as
# power laws of the non-embedding compute $C$. For $C = 10^{21}$ FLOPs, store the
# batch in `B_q1` and the learning rate in `lr_q1`. By what factor does the batch
# grow when the compute grows a hundredfold? Store it in `growth_q1`.

# %% [raw]
# # BEGIN SOLUTION

# %%
B_q1 = hp.deepseek_optimal_batch(1e21)  # SOLUTION
lr_q1 = hp.deepseek_optimal_lr(1e21)  # SOLUTION
growth_q1 = hp.deepseek_optimal_batch(1e23) / hp.deepseek_optimal_batch(1e21)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e5 < B_q1 < 1e8 and 1e-5 < lr_q1 < 1e-2 and 1 < growth_q1 < 100

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(B_q1 / hp.deepseek_optimal_batch(1e21) - 1) < 1e-6 and abs(lr_q1 / hp.deepseek_optimal_lr(1e21) - 1) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(growth_q1 - 100 ** 0.3271) < 1e-3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, core, 3 points).** A hidden unit sums
# $d_\mathrm{model}$ inputs; one Adam step moves each weight by about $\eta$, in
# a direction correlated with its input, so the unit moves by about
# $\eta\, d_\mathrm{model}$. A model of width 256 trains best at $\eta = 2\times
# 10^{-3}$. (a) Under the standard parametrisation, what single learning rate
# would make a hidden unit of a 2,048-wide model move as far per step? Store it
# in `lr_sp_q2`. (b) Under μP with base width 256, the 2,048-wide model keeps
# $\eta = 2\times10^{-3}$: store the learning rate its hidden matrices actually
# use in `lr_hidden_q2` and the factor on its logits in `logit_mult_q2`
# (`hp.mup_scaling`, `hp.mup_output_multiplier`). Write the derivation behind
# (a) and (b) in Q2w.

# %% [raw]
# # BEGIN SOLUTION

# %%
lr_sp_q2 = 2e-3 * 256 / 2048  # SOLUTION
lr_hidden_q2 = 2e-3 * hp.mup_scaling("hidden", 2048, 256).lr  # SOLUTION
logit_mult_q2 = hp.mup_output_multiplier(2048, 256)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < lr_sp_q2 < 2e-3 and 0 < lr_hidden_q2 < 2e-3 and 0 < logit_mult_q2 <= 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(lr_sp_q2 - 2.5e-4) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(lr_hidden_q2 - 2.5e-4) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(logit_mult_q2 - 0.125) < 1e-12

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2w
# manual: true
# points: 3

# %% [markdown]
# **Q2w (written derivation, 3 points).** Derive how far one Adam step moves a
# hidden unit $h = \sum_j W_j x_j$ of a model of width $d_\mathrm{model}$, and
# why the steps of its $d_\mathrm{model}$ weights add up rather than cancel.
# Use it to justify (a), and say why lowering the single learning rate of the
# standard parametrisation does not fix the problem for every layer. Then
# explain how μP's two factors in (b) keep every layer's move the same at any
# width.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Adam moves each weight by about $\eta$ whatever the size of its gradient, and
# in the direction of the gradient, $\partial L / \partial W_j \propto x_j$. So
# $\Delta W_j x_j \approx \eta |x_j|$ has the same sign for every input and
# $\Delta h \approx \eta \sum_j |x_j| \propto \eta\, d_\mathrm{model}$: the
# coherent sum grows with the width. Keeping $\eta\, d_\mathrm{model}$ fixed
# from width 256 to 2,048 needs $\eta \times 256/2048$, which is (a). One rate
# for every layer cannot do it for all of them: the input embedding looks up
# one row per token, its fan-in does not grow with the width, so a smaller rate
# slows it; the best single rate is a compromise that drifts with the width.
# μP scales only the hidden matrices' rate by $d_0/d_\mathrm{model}$, which
# cancels the factor $d_\mathrm{model}$ in $\Delta h$, and keeps the
# embedding's rate. The output layer also sums $d_\mathrm{model}$ coherent
# terms, but it is tied to the embedding, whose rate must not change, so μP
# multiplies the logits by $d_0/d_\mathrm{model}$ instead ($1/8$ here).
# *Grading: 1 point for $\Delta h \propto \eta\, d_\mathrm{model}$ with the
# reason the terms add coherently (Adam's step size, gradient $\propto x_j$);
# 1 point for (a) and why one rate is a compromise (the embedding's fan-in
# does not grow); 1 point for μP's hidden rate and the logit multiplier in
# place of a smaller output rate.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (the lab's sweep, core, 3 points).** The cached `beyond` runs of the experiment
# `"mup"` trained widths 32 to 256 at peak learning rates a factor of two apart.
# Take the **standard-parametrisation** runs of width 32 (`r["model"]["d_model"]`,
# `r["model"].get("parametrization", "standard")`, `r["train"]["lr"]`,
# `r["result"]["final_val_loss"]`). Without calling the library's locator
# (`fit_mup`; a notebook that calls it scores 0 on this question), find the
# best learning rate as the vertex of the parabola in $\ln\eta$ through the
# lowest loss and its two neighbours (`np.polyfit`), and store it in `lr_q3`.
# Do the same for width 256 and store the ratio (width 256 over width 32) in
# `drift_q3`.

# %%
records = [r for r in load_results(results_path("beyond")) if r["experiment"] == "mup"]

# %% [raw]
# # BEGIN SOLUTION

# %%
def best_rate(width):  # SOLUTION
    rows = sorted((r["train"]["lr"], r["result"]["final_val_loss"]) for r in records  # SOLUTION
                  if r["model"]["d_model"] == width and r["model"].get("parametrization", "standard") == "standard")  # SOLUTION
    lr, loss = np.array(rows).T  # SOLUTION
    i = int(np.argmin(loss))  # SOLUTION
    c2, c1, _ = np.polyfit(np.log(lr[i - 1:i + 2]), loss[i - 1:i + 2], 2)  # SOLUTION
    return float(np.exp(-c1 / (2 * c2)))  # SOLUTION


lr_q3 = best_rate(32)  # SOLUTION
drift_q3 = best_rate(256) / lr_q3  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e-5 < lr_q3 < 1e-1 and 0 < drift_q3 < 10

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("fit_mup")
from scalinglaws.lab.report import fit_mup as _fit_mup
_sp = _fit_mup(load_results(results_path("beyond")))["standard"]
assert abs(lr_q3 / _sp["lr_opt"][0] - 1) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("fit_mup")
from scalinglaws.lab.report import fit_mup as _fit_mup
assert abs(drift_q3 / _fit_mup(load_results(results_path("beyond")))["standard"]["drift"] - 1) < 1e-3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (numeric, warm-up, 2 points).** A study needs one model at each of 2,000, 4,000
# and 8,000 steps. Cosine runs need one run per length. A warmup-stable-decay
# run of 8,000 steps can be branched, with a cool-down of 10% of each shorter
# length. Store the steps of the cosine family in `cosine_q4` and of the WSD
# run with its branches in `wsd_q4`, computed by hand (then check them with
# `hp.schedule_family_cost`).

# %% [raw]
# # BEGIN SOLUTION

# %%
cosine_q4 = 2000 + 4000 + 8000  # SOLUTION
wsd_q4 = 8000 + 0.1 * (2000 + 4000)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 0 < wsd_q4 <= cosine_q4

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(cosine_q4 - 14000) < 1e-6

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(wsd_q4 - hp.schedule_family_cost([2000, 4000, 8000], 0.1).wsd_steps) < 1e-6

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
