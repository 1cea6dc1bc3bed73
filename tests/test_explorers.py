"""The book's explorers show what the chapter modules compute."""

import math

import numpy as np
import pytest

from scalinglaws import chinchilla, explorers, kaplan, overtraining, reconcile
from scalinglaws.constants import CHINCHILLA


@pytest.mark.parametrize("name", explorers.names())
def test_every_explorer_builds_and_its_default_frame_is_finite(name):
    ex = explorers.get(name)
    frame = ex.frame()
    assert frame.series, name
    for number in frame.numbers:
        assert math.isfinite(number.value), (name, number.key)
    # The first and last settings of every control compute too.
    for idx in (0, -1):
        ex.frame(**{c.name: c.values[idx] for c in ex.controls})


def test_unknown_explorer_is_a_value_error():
    with pytest.raises(ValueError, match="name must be one of"):
        explorers.get("no-such-explorer")


@pytest.mark.parametrize("C", [1e20, 5.76e23, 1e26])
def test_chinchilla_budget_numbers_are_the_closed_form_optimum(C):
    frame = explorers.chinchilla.budget_frame(C)
    assert frame.number("N_chinchilla").value == pytest.approx(chinchilla.compute_optimal(C, CHINCHILLA).N_opt)


def test_gopher_budget_shows_forty_billion_parameters():
    assert explorers.get("chinchilla-budget").frame(C=5.76e23).number("N_chinchilla").text == "4.04e+10"


@pytest.mark.parametrize("settings", [dict(n_layer=12, d_model=768, n_ctx=1024), dict(n_layer=96, d_model=12288, n_ctx=256)])
def test_kaplan_config_numbers_match_the_calculator(settings):
    frame = explorers.kaplan.config_frame(**settings)
    s = kaplan.explore_config(**settings)
    assert frame.number("params_nonembedding").value == 12 * settings["n_layer"] * settings["d_model"] ** 2
    assert frame.number("loss_N").value == pytest.approx(s.loss_N)


def test_reconcile_explorer_reproduces_kaplan_like_exponent():
    frame = explorers.reconciling.counting_frame()
    assert frame.number("exponent").value == pytest.approx(reconcile.explore_counting().exponent)
    assert 0.73 < frame.number("exponent").value < 0.80


def test_inference_explorer_saves_compute_when_inference_dominates():
    small, large = explorers.overtraining.inference_frame(D_inf=1e9), explorers.overtraining.inference_frame(D_inf=1e16)
    assert large.number("savings").value > small.number("savings").value >= 0
    r = overtraining.explore_inference(1e16, reference_params=30e9)
    assert large.number("N").value == pytest.approx(r.N)


def test_power_law_explorer_shows_the_bias_of_dropping_E():
    frame = explorers.power_laws.fit_frame(alpha=0.3, E=1.7, noise=0.0, n_points=12)
    assert frame.number("alpha_offset").value == pytest.approx(0.3, abs=1e-4)
    assert frame.number("alpha_no_offset").value < 0.3
    assert frame.number("err_no_offset").value < frame.number("err_offset").value


def test_critical_batch_explorer_at_b_crit_doubles_steps_and_data():
    ex = explorers.get("critical-batch")
    frame = ex.frame()
    b_crit = frame.number("B_crit").value
    at = explorers.critical_batch_size.tradeoff_frame(target_loss=3.0, batch_tokens=b_crit)
    assert at.number("steps_ratio").value == pytest.approx(2.0)
    assert at.number("data_ratio").value == pytest.approx(2.0)
    assert np.isfinite(b_crit)


def test_lab_critical_batch_grows_as_the_target_loss_falls():
    """McCandlish et al. (2018), Kaplan et al. (2020): the critical batch grows as training reaches lower loss."""
    ex = explorers.get("lab-critical-batch")
    frames = [ex.frame(target=k, span=0.4) for k in range(5)]
    targets = [f.number("target").value for f in frames]
    b_crit = [f.number("B_crit").value for f in frames]
    assert targets == sorted(targets, reverse=True)  # target 0 is the highest loss
    assert b_crit[-1] > 2 * b_crit[0]




def test_porian_explorer_reads_the_authors_exponent_and_the_parabola_misses_it():
    ex = explorers.get("fitting-porian")
    first = ex.frame()
    assert first.number("a").value == pytest.approx(first.number("a_authors").value, abs=0.02)
    assert first.number("a_low").value < first.number("a").value < first.number("a_high").value
    last_layer = ex.controls[0].values[1]  # RefinedWeb, counting the last layer: asymmetric profiles
    parabola = ex.frame(setting=last_layer, minimum="parabola")
    assert abs(parabola.number("a").value - parabola.number("a_authors").value) > 0.05
    assert abs(ex.frame(setting=last_layer).number("a").value - parabola.number("a_authors").value) < 0.02
