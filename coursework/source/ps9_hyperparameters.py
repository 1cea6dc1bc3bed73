# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps9_hyperparameters
# init_cell: true
# check_all_cell: true
# export_cell: false
# run_tests: false
# generate: true
# tests:
#   files: false

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
# - derive from one hidden unit how far an Adam step moves an activation, and
#   what learning rate keeps that move fixed as the model widens;
# - locate the best learning rate of a sweep between grid points;
# - count the steps a warmup-stable-decay schedule saves.
#
# **Expected time:** about 60 minutes.
#
# **How this set is graded.** Answer in the cells marked `...`. Every
# question is checked by hidden tests when you submit. `grader.check("q1")`
# runs the public tests: **public tests check only the form of your answer (a
# number, a shape, a range); hidden tests check the value.** If a cell raises
# an error, grading goes on: only the tests that need the failed answer lose
# their points.

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
# **Q2 (derivation, checked numerically, 3 points).** A hidden unit sums
# $d_\mathrm{model}$ inputs; one Adam step moves each weight by about $\eta$, in
# a direction correlated with its input, so the unit moves by about
# $\eta\, d_\mathrm{model}$. A model of width 256 trains best at $\eta = 2\times
# 10^{-3}$. (a) Under the standard parametrisation, what single learning rate
# would make a hidden unit of a 2,048-wide model move as far per step? Store it
# in `lr_sp_q2`. (b) Under μP with base width 256, the 2,048-wide model keeps
# $\eta = 2\times10^{-3}$: store the learning rate its hidden matrices actually
# use in `lr_hidden_q2` and the factor on its logits in `logit_mult_q2`
# (`hp.mup_scaling`, `hp.mup_output_multiplier`).

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
# name: q3

# %% [markdown]
# **Q3 (the lab's sweep, 3 points).** The cached `beyond` runs of the experiment
# `"mup"` trained widths 32 to 256 at peak learning rates a factor of two apart.
# Take the **standard-parametrisation** runs of width 32 (`r["model"]["d_model"]`,
# `r["model"].get("parametrization", "standard")`, `r["train"]["lr"]`,
# `r["result"]["final_val_loss"]`). Without calling the library's locator, find
# the best learning rate as the vertex of the parabola in $\ln\eta$ through the
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
from scalinglaws.lab.report import fit_mup as _fit_mup
_sp = _fit_mup(load_results(results_path("beyond")))["standard"]
assert abs(lr_q3 / _sp["lr_opt"][0] - 1) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
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
# **Q4 (numeric, 2 points).** A study needs one model at each of 2,000, 4,000
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
