"""The book's explorers show what the chapter modules compute, and say it plainly."""

import math
import re

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
    ex = explorers.get("chinchilla-budget")
    assert ex.frame(C=5.76e23).number("N_chinchilla").text == "40.4 B params"
    assert ex.controls[0].text(5.76e23) == "5.76 × 10²³"
    assert [n.text for n in ex.frame(C=5.76e23).notes] == ["Gopher's budget"]


# -- readouts: exact, ordered, human ------------------------------------------

_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
_SUFFIX = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def parse_reading(text: str) -> float | None:
    """The number a reader reads in ``text`` ("5.76 × 10²³", "10⁹", "25 B", "524,288", "40%"); None if it is not one."""
    text = text.strip()
    m = re.fullmatch(r"(-?[\d.]+) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)|10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if m:
        mantissa = float(m.group(1)) if m.group(1) else 1.0
        return mantissa * 10.0 ** int((m.group(2) or m.group(3)).translate(_SUPERSCRIPT))
    m = re.fullmatch(r"(-?[\d.,]+)( [KMBT])?(%)?", text)
    if m:
        value = float(m.group(1).replace(",", "")) * (_SUFFIX[m.group(2).strip()] if m.group(2) else 1)
        return value / 100 if m.group(3) else value
    return None


def test_parse_reading():
    assert parse_reading("5.76 × 10²³") == 5.76e23
    assert parse_reading("10⁻³") == 1e-3
    assert parse_reading("25 B") == 25e9
    assert parse_reading("524,288") == 524288
    assert parse_reading("40%") == 0.4
    assert parse_reading("1 of 5 (highest)") is None


def _numeric(control):
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in control.values)


@pytest.mark.parametrize("name", explorers.names())
def test_sliders_are_ordered_and_show_the_exact_value(name):
    """A slider's values increase (no default appended after the largest) and each reads as the value computed."""
    for control in explorers.get(name).controls:
        texts = [control.text(v) for v in control.values]
        assert len(set(texts)) == len(texts), f"{name}.{control.name}: two positions read the same: {texts}"
        if control.widget != "slider" or not _numeric(control):
            continue
        assert list(control.values) == sorted(control.values), f"{name}.{control.name} is not in order"
        for value, text in zip(control.values, texts):
            read = parse_reading(text)
            if read is not None:  # a text such as "10^2.9 ≈ 794" names the setting its own way
                assert read == pytest.approx(value, rel=1e-12), f"{name}.{control.name}: {value!r} reads {text!r}"


@pytest.mark.parametrize("name", explorers.names())
def test_yes_no_and_named_choices_are_switches_and_radio_buttons(name):
    for control in explorers.get(name).controls:
        if set(control.values) == {True, False}:
            assert control.widget == "switch", (name, control.name)
        elif any(isinstance(v, str) for v in control.values):
            assert control.widget == "radio", (name, control.name)
        else:
            assert control.widget == "slider", (name, control.name)


# A readout that rounds a real value away ("0.0", "±0.0%", "0.000") or prints e-notation.
UNHELPFUL = re.compile(r"^[+-]?0\.0+%?( |$)|\de[+-]\d")


@pytest.mark.parametrize("name", explorers.names())
def test_readouts_never_round_a_value_to_nothing(name):
    ex = explorers.get(name)
    settings = [ex.defaults, {c.name: c.values[0] for c in ex.controls}, {c.name: c.values[-1] for c in ex.controls}]
    for setting in settings:
        for number in ex.frame(**setting).numbers:
            assert not UNHELPFUL.search(number.text), f"{name} {setting}: {number.key} reads {number.text!r}"
            if number.value != 0 and parse_reading(number.text.rsplit(" ", 1)[0]) == 0:
                raise AssertionError(f"{name} {setting}: {number.key} = {number.value!r} reads {number.text!r}")


def test_named_values_read_as_a_reader_knows_them():
    assert explorers.get("inference-aware").controls[1].text(280e9) == "280 B"  # Gopher, not 3e+11
    u = explorers.get("data-constrained").controls[1]
    assert u.text(25e9) == "25 B"  # not 2e+10
    assert explorers.get("critical-batch").controls[1].text(2.0**19) == "524,288"


def test_lab_offset_reads_as_fitted_or_not_fitted():
    ex = explorers.get("lab-l-n")
    assert ex.controls[1].widget == "switch"
    off = ex.frame(offset=False).number("E")
    assert off.text == "not fitted (0)"
    # Every fitted setting reads as a number, or says that the fit put E at its lower bound (0),
    # rather than "0.000"; which one depends on the cached runs, so both readings are checked.
    readings = [ex.frame(**dict(s, offset=True)).number("E")
                for s in ({c.name: v} for c in ex.controls if c.name != "offset" for v in c.values)]
    for e in readings:
        assert e.text == ("0 (at its lower bound)" if e.value < 5e-4 else f"{e.value:.3f}"), (e.value, e.text)
    assert all(e.value >= 0 for e in readings)


def test_power_law_alpha_grid_is_fine():
    alpha = explorers.get("power-law-fit").controls[0]
    assert len(alpha.values) >= 10 and max(np.diff(alpha.values)) <= 0.05 + 1e-12
    frame = explorers.power_laws.fit_frame(alpha=0.35, E=1.7, noise=0.0, n_points=12)
    assert frame.number("alpha_offset").value == pytest.approx(0.35, abs=1e-3)


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
