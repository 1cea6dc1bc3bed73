"""The kernel-free explorer machinery: frames are the library's, nothing else."""

import json
import re

import numpy as np
import pytest

from scalinglaws.explorers.framework import MAX_FRAMES, Control, Explorer, Frame, Number, Series


def _line(slope, offset):
    x = np.array([1.0, 10.0, 100.0])
    y = offset + x**-slope
    return Frame((Series("law", x, y),), (Number("y100", "y(100)", y[-1]),))


def _explorer():
    return Explorer(
        "toy", _line,
        [Control("slope", "slope", (0.1, 0.5, 1.0), 0.5), Control("offset", "offset", (0.0, 1.0), 0.0)],
        title="toy", xlabel="x", ylabel="y",
    )


def test_payload_has_one_frame_per_setting_computed_by_the_function():
    ex = _explorer()
    payload = ex.payload()
    assert len(payload["frames"]) == 3 * 2
    for key, frame in payload["frames"].items():
        i, j = map(int, key.split("-"))
        expected = _line(ex.controls[0].values[i], ex.controls[1].values[j])
        assert frame["numbers"][0]["text"] == expected.number("y100").text
        np.testing.assert_allclose(frame["series"][0]["y"], expected.series[0].y, rtol=1e-4)


def test_defaults_and_settings():
    ex = _explorer()
    assert ex.defaults == {"slope": 0.5, "offset": 0.0}
    assert ex.settings([2, 1]) == {"slope": 1.0, "offset": 1.0}
    assert ex.frame().number("y100").value == pytest.approx(100**-0.5)


def test_html_embeds_valid_json_that_cannot_close_its_script_early():
    ex = Explorer("t", lambda a: Frame((Series("</script>", [1, 2], [1, 2]),)),
                  [Control("a", "a", (1, 2), 1)], title="t", xlabel="x", ylabel="y")
    html = ex.html()
    body = re.search(r'<script type="application/json" class="sl-explorer-data">(.*?)</script>', html, re.S).group(1)
    assert "</script>" not in body
    assert json.loads(body)["frames"]["0"]["series"][0]["label"] == "</script>"


def test_non_finite_values_become_null_not_nan():
    ex = Explorer("t", lambda a: Frame((Series("s", [1, 2], [np.nan, np.inf]),)),
                  [Control("a", "a", (1, 2), 1)], title="t", xlabel="x", ylabel="y")
    assert ex.payload()["frames"]["0"]["series"][0]["y"] == [None, None]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Control("not an identifier", "x", (1, 2), 1),
        lambda: Control("a", "a", (1,), 1),
        lambda: Control("a", "a", (1, 2), 3),
        lambda: Series("s", [1, 2], [1]),
        lambda: Series("s", [1], [1], kind="bars"),
        lambda: Explorer("bad name!", _line, [Control("slope", "s", (1, 2), 1)], title="", xlabel="", ylabel=""),
        lambda: Explorer("big", _line, [Control("slope", "s", tuple(range(MAX_FRAMES + 1)), 0)],
                         title="", xlabel="", ylabel=""),
    ],
)
def test_bad_definitions_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_unknown_control_is_rejected():
    with pytest.raises(ValueError, match="unknown control"):
        _explorer().frame(gradient=1.0)


def test_widget_builds_live_sliders_over_the_same_controls():
    widgets = pytest.importorskip("ipywidgets")
    box = _explorer().widget()
    sliders = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    assert [s.description for s in sliders] == ["slope", "offset"]
    assert sliders[0].value == 0.5
