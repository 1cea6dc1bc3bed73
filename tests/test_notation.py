"""scalinglaws.notation: numbers in prose as MyST math."""

import math
import re

import pytest
from hypothesis import given, strategies as st

from scalinglaws.notation import sci


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
