"""The kernel-free explorer machinery: frames are the library's, nothing else."""

import json
import re

import numpy as np
import pytest

from scalinglaws.explorers.framework import MAX_FRAMES, Control, Explorer, Frame, Note, Number, Series, fmt_human


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


def unpack(payload: dict, position: int) -> dict:
    """Frame ``position`` of a payload with its strings and arrays looked up (what explorer.js does)."""
    f = payload["frames"][position]
    strings, arrays = payload["strings"], payload["arrays"]
    return {
        "series": [{"label": strings[s[0]], "style": s[1], "x": arrays[s[2]], "y": arrays[s[3]]} for s in f["s"]],
        "numbers": [{"key": strings[n[0]], "label": strings[n[1]], "text": n[2]} for n in f["n"]],
        "notes": [{"text": strings[a[0]], "x": a[1], "y": a[2]} for a in f.get("a", [])],
    }


def test_payload_has_one_frame_per_setting_computed_by_the_function():
    ex = _explorer()
    payload = ex.payload()
    assert len(payload["frames"]) == 3 * 2
    for position, (i, j) in enumerate(ex.all_indices()):
        frame = unpack(payload, position)
        expected = _line(ex.controls[0].values[i], ex.controls[1].values[j])
        assert frame["numbers"][0]["text"] == expected.number("y100").text
        # Four significant digits: a relative error of at most 5 in 10⁴.
        np.testing.assert_allclose(frame["series"][0]["y"], expected.series[0].y, rtol=5e-4)
        np.testing.assert_allclose(frame["series"][0]["x"], expected.series[0].x)


def test_payload_stores_a_shared_grid_once_and_rounds_to_four_digits():
    ex = _explorer()
    payload = ex.payload()
    x_refs = {f["s"][0][2] for f in payload["frames"]}
    assert len(x_refs) == 1, "the x grid every frame shares is stored once"
    assert payload["strings"].count("law") == 1
    ex2 = Explorer("t", lambda a: Frame((Series("s", [1, 2], [a * 1.23456789, 2]),)),
                   [Control("a", "a", (1, 2), 1)], title="t", xlabel="x", ylabel="y")
    assert unpack(ex2.payload(), 0)["series"][0]["y"][0] == 1.235


def test_payload_styles_and_notes():
    def compute(a):
        return Frame((Series("line", [1, 2], [1, 2]), Series("dash", [1, 2], [2, 3], dashed=True),
                      Series("dots", [1], [a], kind="points")), notes=(Note("here", 1.0, a),))
    ex = Explorer("t", compute, [Control("a", "a", (1.5, 2.5), 1.5)], title="t", xlabel="x", ylabel="y")
    frame = unpack(ex.payload(), 1)
    assert [s["style"] for s in frame["series"]] == [0, 1, 2]
    assert frame["notes"] == [{"text": "here", "x": 1.0, "y": 2.5}]


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
    assert unpack(json.loads(body), 0)["series"][0]["label"] == "</script>"


def test_non_finite_values_become_null_not_nan():
    ex = Explorer("t", lambda a: Frame((Series("s", [1, 2], [np.nan, np.inf]),)),
                  [Control("a", "a", (1, 2), 1)], title="t", xlabel="x", ylabel="y")
    assert unpack(ex.payload(), 0)["series"][0]["y"] == [None, None]


@pytest.mark.parametrize(
    ("values", "widget"),
    [((1, 2, 3), "slider"), ((True, False), "switch"), (("a", "b"), "radio"), ((0.5, 1.5), "slider")],
)
def test_control_widget_follows_its_values(values, widget):
    assert Control("c", "c", values, values[0]).widget == widget


def test_control_texts_are_exact_by_default():
    c = Control("U", "unique data U (tokens)", (1e9, 2.5e10, 5.76e23, 0.35, 3), 2.5e10)
    assert [c.text(v) for v in c.values] == ["10⁹", "2.5 × 10¹⁰", "5.76 × 10²³", "0.35", "3"]
    assert Control("b", "b", (True, False), True).text(True) == "on"
    assert Control("n", "n", (2.5e10, 7e9), 7e9, fmt_human(None, "count")).text(2.5e10) == "25 B"
    assert Control("m", "m", ("a", "b"), "a", {"a": "first", "b": "second"}).text("b") == "second"


def test_control_keys_are_short_exact_and_url_safe():
    c = Control("C", "C", (5.76e23, 2.5e10, 0.3, 1e-5, 12, True, "total"), 12)
    assert [c.key(v) for v in c.values] == ["5.76e23", "2.5e10", "0.3", "1e-5", "12", "yes", "total"]
    for v in (5.76e23, 2.5e10, 0.3, 1e-5):
        assert float(c.key(v)) == v


def test_number_text_with_a_callable_format_and_a_unit():
    n = Number("N", "optimal N", 4.04e10, fmt_human(3, "count"), "params")
    assert n.text == "40.4 B params"
    assert Number("C", "C", 5.76e23, fmt_human(3), "FLOPs").text == "5.76 × 10²³ FLOPs"
    assert Number("x", "x", 0.5).text == "0.5"  # the old default still applies


@pytest.mark.parametrize(
    "make",
    [
        lambda: Control("not an identifier", "x", (1, 2), 1),
        lambda: Control("a", "a", (1,), 1),
        lambda: Control("a", "a", (1, 2), 3),
        lambda: Control("a", "a", (1, 2), 1, kind="dial"),
        lambda: Control("a", "a", (1, 2), 1, kind="switch"),
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


def test_widget_has_a_checkbox_for_a_switch_and_buttons_for_a_choice():
    widgets = pytest.importorskip("ipywidgets")
    ex = Explorer("t", lambda fit, kind: Frame((Series("s", [1, 2], [1, 2]),)),
                  [Control("fit", "fit", (True, False), True), Control("kind", "kind", ("a", "b"), "b")],
                  title="t", xlabel="x", ylabel="y")
    box = ex.widget()
    assert isinstance(box.children[0], widgets.Checkbox) and box.children[0].value is True
    assert isinstance(box.children[1], widgets.ToggleButtons) and box.children[1].value == "b"


def test_vendored_uplot_matches_its_record():
    """The plotting library in the site is the npm release its SOURCE.json names, byte for byte."""
    import hashlib
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "_ext" / "static" / "uplot"
    record = json.loads((folder / "SOURCE.json").read_text(encoding="utf-8"))
    assert record["version"] in (folder / "uPlot.iife.min.js").read_text(encoding="utf-8")[:80]
    assert set(record["sha256"]) == {p.name for p in folder.iterdir()} - {"SOURCE.json"}
    for name, digest in record["sha256"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
