# %% [raw]
# # ASSIGNMENT CONFIG
# name: ps7_overtraining

# %% [markdown]
# # Problem set 7: overtraining and inference-aware scaling
#
# Companion to the chapter *Overtraining and inference*. $N$ counts all
# parameters, data is in tokens, losses in nats/token; training costs
# $6ND_\mathrm{tr}$ FLOPs and serving $D_\mathrm{inf}$ tokens costs
# $2ND_\mathrm{inf}$. The loss law is Hoffmann et al.'s unrounded Approach-3 fit
# `scalinglaws.constants.CHINCHILLA`, $L = E + A/N^\alpha + B/D^\beta$: use its
# fields, never retype them.
#
# **Learning goals.** After this set you can
# - say when a model's inference compute overtakes its training compute;
# - derive what training a smaller model to the same loss costs, and the smallest model that can;
# - invert the law for the data a given model needs to reach a loss;
# - find the model size that minimises lifetime compute for a serving demand.
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
from scalinglaws import overtraining as ot
from scalinglaws.constants import CHINCHILLA as law

models = {m.name: m for m in ot.real_model_ratios()}
D_tr_llama = models["Llama 3 8B"].tokens  # Llama 3 8B's training tokens

# %% [raw]
# # BEGIN QUESTION
# name: q1

# %% [markdown]
# **Q1 (numeric, warm-up, 2 points).** Llama 3 8B was trained on `D_tr_llama` tokens.
# How many tokens must it serve before inference has cost as many FLOPs as its
# training (store in `D_break_q1`)? What fraction of its lifetime compute is
# inference once it has served $10^{14}$ tokens (store in `share_q1`, a fraction)?
# Count by hand, **without** calling `ot.inference_share` (a notebook that calls
# it scores 0 on this question).

# %% [raw]
# # BEGIN SOLUTION

# %%
D_break_q1 = 3 * D_tr_llama  # SOLUTION
share_q1 = 2 * 1e14 / (6 * D_tr_llama + 2 * 1e14)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert D_break_q1 > 0 and 0 < share_q1 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("inference_share")
assert abs(ot.inference_share(D_tr_llama, D_break_q1) - 0.5) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("inference_share")
assert abs(share_q1 - ot.inference_share(D_tr_llama, 1e14)) < 1e-9

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2

# %% [markdown]
# **Q2 (numeric, core, 3 points).** At the compute-optimal
# point $(N_\mathrm{opt}, D_\mathrm{opt})$ the parameter term carries the share
# $s^* = \beta/(\alpha+\beta)$ of the reducible loss $L - E$. Show that a
# model of $kN_\mathrm{opt}$ parameters trained to the same loss
# needs $C(k)/C_\mathrm{opt} = k\bigl((1 - s^*)/(1 - s^* k^{-\alpha})\bigr)^{1/\beta}$
# times the compute, whatever the loss, and that no model smaller than
# $k_\mathrm{min} N_\mathrm{opt}$ reaches that loss. Evaluate $C(k)/C_\mathrm{opt}$
# at $k = 1/2$ (store in `cost_half_q2`) and $k_\mathrm{min}$ (store in
# `k_min_q2`) for `law`, **without** calling `ot.overtraining_penalty`,
# `ot.overtraining_tokens_ratio`, `ot.size_ratio_for_penalty` or
# `ot.min_size_ratio` (a notebook that calls them scores 0 on this question).
# Write the derivation in Q2w.

# %% [raw]
# # BEGIN SOLUTION

# %%
s_star = law.beta / (law.alpha + law.beta)  # SOLUTION
cost_half_q2 = 0.5 * ((1 - s_star) / (1 - s_star * 0.5 ** (-law.alpha))) ** (1 / law.beta)  # SOLUTION
k_min_q2 = s_star ** (1 / law.alpha)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert cost_half_q2 > 1 and 0 < k_min_q2 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid
forbid("overtraining_penalty", "min_size_ratio", "size_ratio_for_penalty", "overtraining_tokens_ratio")
assert abs(cost_half_q2 - (1 + ot.overtraining_penalty(0.5, law))) < 1e-9

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid
forbid("overtraining_penalty", "min_size_ratio", "size_ratio_for_penalty", "overtraining_tokens_ratio")
assert abs(k_min_q2 - ot.min_size_ratio(law)) < 1e-12

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
# **Q2w (written derivation, 2 points).** Derive $C(k)/C_\mathrm{opt}$ and
# $k_\mathrm{min}$, and say why the loss drops out.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# With $N = kN_\mathrm{opt}$ the parameter term is $k^{-\alpha}s^*(L - E)$, so the
# data term must carry $(1 - s^* k^{-\alpha})(L - E)$; dividing by its value
# $(1 - s^*)(L - E)$ at the optimum gives $(D/D_\mathrm{opt})^{-\beta}$, and $L$ cancels.
# Multiplying by $k$ gives the compute ratio. The data term must stay positive,
# $s^* k^{-\alpha} < 1$, i.e. $k > (s^*)^{1/\alpha}$.
# *Grading: 1 point for the data ratio with $L$ cancelling, 1 point for $k_\mathrm{min}$.*

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3

# %% [markdown]
# **Q3 (coding, core, 3 points).** Write `tokens_to_reach(N, loss_target)`: the
# training tokens that bring a model of `N` parameters to `loss_target` under
# `law` (closed form from $L(N, D) = $ `loss_target`), vectorised over NumPy
# arrays of `N`, **without** calling `ot.iso_loss_tokens` or
# `ot.chinchilla_point_for_loss` (a function that reaches them scores 0).
# Raise `ValueError` if some `N` is too small to ever reach the target.

# %% [raw]
# # BEGIN SOLUTION

# %%
def tokens_to_reach(N, loss_target):
    # BEGIN SOLUTION
    gap = loss_target - law.E - law.A / np.asarray(N, dtype=float) ** law.alpha
    if np.any(gap <= 0):
        raise ValueError("N is too small to reach loss_target")
    return (law.B / gap) ** (1 / law.beta)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert np.shape(tokens_to_reach(np.array([1e10, 1e11]), 2.0)) == (2,)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
from ps_grading import forbid_in_function
forbid_in_function(tokens_to_reach, ["iso_loss_tokens", "chinchilla_point_for_loss"])
_N = np.array([8e9, 7e10, 4e11])
assert np.allclose(tokens_to_reach(_N, 1.95), ot.iso_loss_tokens(_N, 1.95, law), rtol=1e-9)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
from ps_grading import forbid_in_function
forbid_in_function(tokens_to_reach, ["iso_loss_tokens", "chinchilla_point_for_loss"])
_N0, _D0 = ot.chinchilla_point_for_loss(2.1, law)
assert abs(float(tokens_to_reach(_N0, 2.1)) / _D0 - 1) < 1e-9
try:
    tokens_to_reach(0.5 * ot.min_params_for_loss(2.1, law), 2.1)
    _raised = False
except ValueError:
    _raised = True
assert _raised

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4

# %% [markdown]
# **Q4 (numeric, core, 2 points).** Take the loss of a Chinchilla-optimal
# 70-billion-parameter model, `ell = ot.chinchilla_quality_loss(70e9, law)`, and a
# lifetime demand of $D_\mathrm{inf} = 2\times10^{13}$ served tokens. Find the
# model size that reaches `ell` with the least lifetime compute
# $6ND_\mathrm{tr} + 2ND_\mathrm{inf}$ (store in `N_q4`), and the fraction of
# lifetime compute it saves against the 70B Chinchilla model serving the same
# tokens (store in `savings_q4`). A root finder on the first-order condition,
# or `ot.inference_optimal`, will do: this question is about setting the
# comparison up, so the library's optimiser is allowed.

# %%
ell = ot.chinchilla_quality_loss(70e9, law)
D_inf_q4 = 2e13

# %% [raw]
# # BEGIN SOLUTION

# %%
opt_q4 = ot.inference_optimal(ell, D_inf_q4, law)  # SOLUTION
N_q4 = opt_q4.N  # SOLUTION
N70, D70 = ot.chinchilla_point_for_loss(ell, law)  # SOLUTION
savings_q4 = 1 - opt_q4.total_flops / ot.total_flops(N70, D70, D_inf_q4)  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
assert 1e9 < N_q4 < 1e12 and 0 <= savings_q4 < 1

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
assert abs(N_q4 / ot.inference_optimal(ell, D_inf_q4, law).N - 1) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
_o = ot.inference_optimal(ell, D_inf_q4, law)
_c70 = ot.total_flops(*ot.chinchilla_point_for_loss(ell, law), D_inf_q4)
assert abs(savings_q4 - (1 - _o.total_flops / _c70)) < 1e-3

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
