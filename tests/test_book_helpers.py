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
