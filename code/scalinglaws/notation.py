"""How the book writes numbers in prose: scientific notation as MyST math.

Glued numbers formatted with Python's ``g`` or ``e`` specs read like code
("2e+08"); :func:`sci` gives ``$2 \\times 10^{8}$``, which the chapters glue as
Markdown (``glue(name, Markdown(sci(x)), display=False)`` and
``{glue:md}`name:myst```).
"""

from __future__ import annotations

from scalinglaws._validation import check_scalar

__all__ = ["sci"]


def sci(x, digits: int = 2) -> str:
    """``x`` with ``digits`` significant digits as MyST inline math, e.g. ``sci(8.8e13)`` is ``$8.8 \\times 10^{13}$``.

    Numbers whose exponent is 0 are written without the power of ten
    (``sci(3.14159, 3)`` is ``$3.14$``). ``x`` must be finite.
    """
    x = check_scalar("x", x)
    digits = check_scalar("digits", digits, low=1, high=17, integer=True)
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    exponent = int(exponent)
    return f"${mantissa}$" if exponent == 0 else f"${mantissa} \\times 10^{{{exponent}}}$"
