"""Tests of scalinglaws.data_constrained: Muennighoff et al. 2023 and Goyal et al. 2024."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglaws import chinchilla
from scalinglaws import data_constrained as dc
from scalinglaws import explorers
from scalinglaws.constants import DATABLATIONS_README
from scalinglaws.constants import MUENNIGHOFF_2023 as M

unique = st.floats(min_value=1e6, max_value=1e13)
repeats = st.floats(min_value=0.0, max_value=1e3)
params = st.floats(min_value=1e6, max_value=1e12)


# --- published values (huggingface/datablations README; the paper) ----------------


def test_four_epochs_worth_373_unique_epochs():
    # 4 epochs = 3 repetitions: D' = 3.73 U_D (paper: "up to ~4 epochs almost as good as new data").
    assert dc.effective_data(1.0, 3.0) == pytest.approx(3.73, abs=0.005)
    assert dc.repetition_value(4) == pytest.approx(0.93, abs=0.005)


def test_effective_data_ceiling_is_1_plus_R_D_star():
    assert 1 + M.R_D_star == pytest.approx(16.39, abs=0.005)
    assert dc.effective_data(1.0, 1e6) == pytest.approx(1 + M.R_D_star, rel=1e-9)


def test_paper_rounded_decay_constants():
    assert round(M.R_D_star, 1) == 15.4 and round(M.R_N_star, 1) == 5.3


def test_readme_figure1_examples():
    # README "Parametric Fit": scaling_law(6.34e9, 242e9, 25e9) and (8.67e9, 178e9, 25e9).
    assert dc.loss(6.34e9, 242e9, 25e9) == pytest.approx(2.2256440889984477, abs=1e-12)
    assert dc.loss(8.67e9, 178e9, 25e9) == pytest.approx(2.2269634075087867, abs=1e-12)
    assert dc.loss(6.34e9, 242e9, 25e9) < dc.loss(8.67e9, 178e9, 25e9)  # "This one is better"


def test_readme_constants_are_the_printed_examples():
    # The chapter quotes DATABLATIONS_README; it must hold the README's inputs and grid-search result.
    (Na, Da, Ua), (Nb, Db, Ub) = DATABLATIONS_README["examples"]
    assert (Na, Da, Ua, Nb, Db, Ub) == (6.34e9, 242e9, 25e9, 8.67e9, 178e9, 25e9)
    g = DATABLATIONS_README["grid_search"]
    a = dc.optimal_allocation(6 * Nb * Db, Ub)
    assert a.D == pytest.approx(g["tokens"], rel=0.005)
    assert a.epochs == pytest.approx(g["epochs"], abs=0.05)
    assert a.N == pytest.approx(g["params"], rel=0.01)


def test_allocation_at_1e22_flops_and_25B_unique():
    a = dc.optimal_allocation(1e22, 25e9)
    assert a.D == pytest.approx(237e9, rel=0.005)
    assert a.N == pytest.approx(7.0e9, rel=0.01)
    assert a.epochs == pytest.approx(9.5, abs=0.05)
    assert a.loss > a.loss_unlimited


def test_allocation_readme_grid_example():
    # README grid around (8.67e9, 178e9): "227B tokens, 9.1 epochs, 6.8B parameters".
    a = dc.optimal_allocation(6 * 8.67e9 * 178e9, 25e9)
    assert a.D / 1e9 == pytest.approx(227, abs=1)
    assert a.epochs == pytest.approx(9.1, abs=0.05)
    assert a.N / 1e9 == pytest.approx(6.8, abs=0.05)


def test_optimal_params_for_data_inverts_chinchilla_frontier():
    free = chinchilla.compute_optimal(1e21, dc.unconstrained_law())
    assert dc.optimal_params_for_data(free.D_opt) == pytest.approx(free.N_opt, rel=1e-9)


# --- limits -------------------------------------------------------------------------


@given(unique)
def test_no_repetition_gives_unique(U):
    assert dc.effective_data(U, 0.0) == pytest.approx(U)
    assert dc.effective_params(U, 0.0) == pytest.approx(U)


@given(unique, repeats)
def test_effective_data_bounds(U, R):
    Dp = dc.effective_data(U, R)
    assert U * (1 - 1e-12) <= Dp <= min(U * (1 + R), U * (1 + M.R_D_star)) * (1 + 1e-12)


@given(unique, repeats, st.floats(min_value=1e-3, max_value=10))
def test_effective_data_monotone(U, R, dR):
    assert dc.effective_data(U, R + dR) >= dc.effective_data(U, R)


def test_small_repetition_is_as_good_as_fresh():
    # d D'/d R_D = U_D at R_D = 0: the first repetitions are worth almost fresh data.
    eps = 1e-6
    assert (dc.effective_data(1.0, eps) - 1.0) / eps == pytest.approx(1.0, rel=1e-5)


@given(params, st.floats(min_value=1e8, max_value=1e12))
def test_unlimited_unique_data_gives_chinchilla_form(N, D):
    # U >= D: no repetition, and if N <= N_opt(D) no excess parameters either.
    if N <= dc.optimal_params_for_data(D):
        assert dc.loss(N, D, D) == pytest.approx(chinchilla.loss(N, D, dc.unconstrained_law()), rel=1e-12)
    assert dc.loss(N, D, 10 * D) == pytest.approx(dc.loss(N, D, D), rel=1e-12)


@given(params, st.floats(min_value=1e8, max_value=1e12), st.floats(min_value=1.0, max_value=100.0))
def test_repetition_never_helps(N, D, epochs):
    assert dc.loss(N, D, D / epochs) >= dc.loss(N, D, D) - 1e-12


@given(st.floats(min_value=1e19, max_value=1e24), st.floats(min_value=1e9, max_value=1e13))
def test_allocation_no_better_than_unlimited_and_beats_neighbours(C, U):
    a = dc.optimal_allocation(C, U)
    assert a.loss >= a.loss_unlimited - 1e-9
    for s in (0.9, 1.1):
        assert a.loss <= dc.loss(a.N * s, C / (6 * a.N * s), U) + 1e-9


def test_plenty_of_data_recovers_unconstrained_optimum():
    a = dc.optimal_allocation(1e21, 1e15)
    assert a.N == pytest.approx(a.N_unlimited, rel=1e-3)
    assert a.loss == pytest.approx(a.loss_unlimited, rel=1e-9)


def test_repetition_value_vanishes():
    v = dc.repetition_value(np.array([1.0, 4.0, 16.0, 64.0, 1e4]))
    assert v[0] == 1.0 and np.all(np.diff(v) < 0) and v[-1] < 0.002


# --- explorer ---------------------------------------------------------------------


def test_explorer_defaults():
    r = dc.explore_allocation()
    assert r.allocation.N == pytest.approx(7.0e9, rel=0.01)
    assert np.all(r.loss_constrained >= r.loss_unlimited - 1e-12)
    assert r.loss_constrained.min() == pytest.approx(r.allocation.loss, abs=2e-4)
    assert 0 < r.compute_equivalent < 1e22
    eq = chinchilla.compute_optimal(r.compute_equivalent, dc.unconstrained_law())
    assert eq.loss == pytest.approx(r.allocation.loss, rel=1e-9)


# --- Goyal et al. 2024 --------------------------------------------------------------

POOLS = dict(bucket_size=12.8e6, b_buckets=[-0.16, -0.125, -0.10, -0.085], tau=6.0, a=0.025, d=0.1)


def test_single_epoch_is_plain_power_law():
    n = np.array([1e6, 5e6, 1e7])
    y = dc.filtering_loss(n, 1e7, [-0.1], [5.0], a=0.025, d=0.1)
    assert y == pytest.approx((0.025 * n / 1e5) ** -0.1 + 0.1)


def test_repetition_with_infinite_half_life_continues_power_law_ratio():
    # tau -> large: b_k = b, so y(2P)/y(P) = 2^b.
    P = 1e7
    y1 = dc.filtering_loss(P, P, [-0.1], [1e12], a=0.025, d=0.1)
    y2 = dc.filtering_loss(2 * P, P, [-0.1], [1e12], a=0.025, d=0.1)
    assert y2 / y1 == pytest.approx(2**-0.1, rel=1e-9)


@given(st.floats(min_value=1e6, max_value=1e9), st.floats(min_value=1.0, max_value=3.0))
def test_filtering_loss_decreases_with_samples(n, s):
    y = dc.filtering_loss([n, n * s], 1e7, [-0.12, -0.09], [4.0, 4.0], a=0.025, d=0.1)
    assert y[1] <= y[0] + 1e-12


def test_aggressive_filtering_wins_small_compute_loose_wins_large():
    n = np.array([32e6, 640e6, 2e9])
    losses, best = dc.best_filtering_pool(n, **POOLS)
    assert losses.shape == (4, 3)
    assert best[0] == 1 and best[-1] > 1
    assert np.all(np.diff(best) >= 0)


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: dc.effective_data(-1, 1), "U_D"),
        (lambda: dc.effective_data(1, -1), "R_D"),
        (lambda: dc.effective_params(1e9, float("nan")), "R_N"),
        (lambda: dc.optimal_params_for_data(0), "U_D"),
        (lambda: dc.loss(0, 1e9, 1e9), "N"),
        (lambda: dc.loss(1e9, "x", 1e9), "D"),
        (lambda: dc.loss(1e9, 1e9, -1), "U"),
        (lambda: dc.loss(1e9, 1e9, 1e9, law="C4"), "law"),
        (lambda: dc.repetition_value(0.5), "epochs"),
        (lambda: dc.optimal_allocation(-1e22, 25e9), "C"),
        (lambda: dc.optimal_allocation(1e22, 0), "U"),
        (lambda: dc.optimal_allocation(1e22, 25e9, n_grid=2), "n_grid"),
        (lambda: dc.explore_allocation(n_points=1), "n_points"),
        (lambda: dc.filtering_loss(1e6, 1e6, [0.1], [1.0], a=1, d=0), "b"),
        (lambda: dc.filtering_loss(1e6, 1e6, [-0.1], [1.0, 2.0], a=1, d=0), "tau"),
        (lambda: dc.filtering_loss(1e6, 0, [-0.1], [1.0], a=1, d=0), "pool_size"),
        (lambda: dc.filtering_loss(1e6, 1e6, [-0.1], [1.0], a=-1, d=0), "a"),
        (lambda: dc.filtering_loss(-1, 1e6, [-0.1], [1.0], a=1, d=0), "n_samples"),
        (lambda: dc.top_k_pools(1e6, [-0.1], tau=0), "tau"),
    ],
)
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf)))
def test_bad_unique_tokens_rejected(U):
    with pytest.raises(ValueError, match="U"):
        dc.loss(1e9, 1e10, U)


def test_explorer_frame_matches_allocation():
    fr = explorers.early_stopping.data_constrained_frame(C=1e22, U=25e9)
    a = dc.optimal_allocation(1e22, 25e9)
    assert fr.number("N").value == pytest.approx(a.N)
    assert fr.number("epochs").value == pytest.approx(a.epochs)
    assert 0 < fr.number("c_eq").value < 1
