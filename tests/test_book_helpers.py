"""scalinglaws.book: numbers in prose as MyST math or Unicode, and the axis helper."""

import math
import re

import pytest
from hypothesis import given, strategies as st

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from scalinglaws.book import plain_axis, sci, sci_text  # noqa: E402


def test_examples():
    assert sci(8.8e13) == "$8.8 \\times 10^{13}$"
    assert sci(2e8, 1) == "$2 \\times 10^{8}$"
    assert sci(4.25e-4, 3) == "$4.25 \\times 10^{-4}$"
    assert sci(3.14159, 3) == "$3.14$"


@given(st.floats(min_value=1e-300, max_value=1e300, allow_nan=False) | st.floats(min_value=-1e300, max_value=-1e-300),
       st.integers(1, 6))
def test_the_text_reads_back_as_the_number_rounded(x, digits):
    text = sci(x, digits)
    m = re.fullmatch(r"\$(-?[0-9.]+)(?: \\times 10\^\{(-?\d+)\})?\$", text)
    assert m, text
    value = float(m.group(1)) * 10.0 ** int(m.group(2) or 0)
    assert value == pytest.approx(x, rel=10.0 ** (1 - digits))


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1e3", None, True])
def test_bad_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="x"):
        sci(bad)


def test_bad_digits_are_refused():
    with pytest.raises(ValueError, match="digits"):
        sci(1.0, 0)


def test_unicode_examples():
    assert sci_text(5.76e23) == "5.8 × 10²³"
    assert sci_text(1e6, 1) == "10⁶"
    assert sci_text(4.25e-4, 3) == "4.25 × 10⁻⁴"
    assert sci_text(3.14159, 3) == "3.14"


@given(st.floats(min_value=1e-300, max_value=1e300, allow_nan=False), st.integers(1, 6))
def test_unicode_reads_back_as_the_number_rounded(x, digits):
    digits_map = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    text = sci_text(x, digits)
    m = re.fullmatch(r"(?:([0-9.]+)(?: × )?)?(?:10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text)
    assert m and (m.group(1) or m.group(2)), text
    value = float(m.group(1) or 1) * 10.0 ** int((m.group(2) or "⁰").translate(digits_map))
    assert value == pytest.approx(x, rel=10.0 ** (1 - digits))


def test_plain_axis_labels_a_narrow_log_axis_with_plain_numbers():
    fig, ax = plt.subplots()
    ax.semilogy([1, 2], [2.1, 3.9])
    plain_axis(ax, "y")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels(minor=True) + ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert "3" in labels and not any("$" in s for s in labels)  # no mathtext 3 × 10⁰
    with pytest.raises(ValueError, match="axis"):
        plain_axis(ax, "z")


def test_use_style_draws_phone_sized_svg_figures_with_legible_text():
    """In a notebook, use_style() makes figures SVG (glyphs as paths, stable bytes), 4.5 in wide, with
    text, down to the exponents of 10ⁿ ticks and subscripts, of at least 9 px at a phone's width."""
    from IPython.core.interactiveshell import InteractiveShell

    from conftest import smallest_text_pt
    from scalinglaws.book import FIGURE_WIDTH_IN, PHONE_FIGURE_PX, use_style

    shell = InteractiveShell.instance()
    saved = dict(plt.rcParams)
    try:
        use_style()
        assert tuple(plt.rcParams["figure.figsize"]) == (FIGURE_WIDTH_IN, 3.2)
        assert plt.rcParams["svg.fonttype"] == "path" and plt.rcParams["svg.hashsalt"]

        def draw():
            fig, ax = plt.subplots(layout="constrained")
            ax.loglog([1e17, 1e24], [3.2, 2.1], label=r"fit, $\hat\alpha_N$")
            ax.set(xlabel="compute $C$ (FLOPs)", ylabel="loss $L$ (nats/token)")
            ax.legend()
            data, _ = shell.display_formatter.format(fig)
            plt.close(fig)
            return data

        data = draw()
        assert "image/svg+xml" in data and "image/png" not in data
        svg = data["image/svg+xml"]
        assert "<text" not in svg  # glyphs are paths, not the reader's fonts
        width_pt = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg).group(1))
        assert width_pt <= 72 * FIGURE_WIDTH_IN + 10
        # Shown at the narrowest width a figure gets on a phone (never wider than drawn).
        px = smallest_text_pt(svg) * min(PHONE_FIGURE_PX, width_pt * 4 / 3) / width_pt
        assert px >= 9, f"smallest text {px:.1f} px on a phone"
        assert draw()["image/svg+xml"] == svg  # no date, fixed ids: the same figure, the same file
    finally:
        plt.rcParams.update(saved)
        shell.display_formatter.formatters["image/svg+xml"].pop(matplotlib.figure.Figure, None)


def test_plain_axis_leaves_out_minor_labels_that_would_overlap():
    from scalinglaws.book import STYLE

    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(layout="constrained")
        ax.semilogy([1, 2], [0.45, 3.3])
        plain_axis(ax, "y")
        fig.canvas.draw()
        shown = sorted((t for t in ax.get_yticklabels(minor=True) + ax.get_yticklabels() if t.get_text()),
                       key=lambda t: t.get_window_extent().y0)
        boxes = [t.get_window_extent() for t in shown]
        plt.close(fig)
    texts = [t.get_text() for t in shown]
    assert {"0.5", "1", "2", "3"} <= set(texts), texts
    assert all(b.y0 >= a.y1 for a, b in zip(boxes, boxes[1:])), f"overlapping labels: {texts}"


def test_smallest_text_counts_coloured_text_and_unicode_superscripts(tmp_path):
    """The site test's measure of figure text sees coloured annotations and "10⁶"-style superscripts."""
    from conftest import smallest_text_pt

    def smallest(draw):
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        ax.plot([1, 2], [1, 2])
        ax.tick_params(labelsize=13)
        ax.set_xlabel("x", fontsize=13)
        draw(ax)
        fig.savefig(tmp_path / "f.svg")
        plt.close(fig)
        return smallest_text_pt((tmp_path / "f.svg").read_text())

    assert smallest(lambda ax: None) == pytest.approx(13)
    assert smallest(lambda ax: ax.text(1, 1, "note", color="crimson", fontsize=8)) == pytest.approx(8)
    assert smallest(lambda ax: ax.text(1, 1, "N = 10⁶", fontsize=13)) == pytest.approx(0.6 * 13)
    assert smallest(lambda ax: ax.text(1, 1, r"$N = 10^{6}$", fontsize=13)) == pytest.approx(0.7 * 13)
