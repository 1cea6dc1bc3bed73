"""What the chapters share: numbers glued into the prose, and one plot style.

Every number in a chapter's prose is computed by a code cell and *glued*
(MyST-NB's ``glue``) into the text, never typed. This module holds the few
helpers every chapter needs, so none defines its own:

* :func:`glue`: MyST-NB's ``glue`` with NumPy scalars turned into Python
  numbers, so ``{glue:text}`name:.3g``` can format them;
* :func:`sci` / :func:`glue_sci`: a number in scientific notation as MyST math
  (``$5.8 \\times 10^{23}$``), for ``{glue:md}`name:myst```; :func:`sci_text`
  writes it in plain Unicode (``5.8 × 10²³``) for tables, legends and labels;
* :func:`use_style`: the book's matplotlib style (legible at page width and on
  a phone), and :func:`plain_axis`: plain tick labels (2, 3, 4) on a
  logarithmic axis that spans less than a decade.

Needs the ``book`` extra (MyST-NB); the library itself never imports it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown
from matplotlib.ticker import FormatStrFormatter
from myst_nb import glue as _myst_glue

from scalinglaws._format import _mantissa_exponent, sci_text
from scalinglaws._validation import check_in

__all__ = ["glue", "glue_sci", "sci", "sci_text", "use_style", "plain_axis", "STYLE"]

#: The book's matplotlib settings: text at least 9 pt at the figure's printed size, light grids, no top/right spines.
STYLE = {
    "figure.dpi": 110,
    "font.size": 10,
    "axes.labelsize": 10,
    "axes.titlesize": 10.5,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def glue(name: str, value, display: bool = False) -> None:
    """``myst_nb.glue`` with NumPy scalars turned into Python numbers (format specs then apply)."""
    _myst_glue(name, value.item() if isinstance(value, np.generic) else value, display=display)


def sci(x, digits: int = 2) -> str:
    """``x`` with ``digits`` significant digits as MyST inline math, e.g. ``sci(8.8e13)`` is ``$8.8 \\times 10^{13}$``.

    Numbers whose exponent is 0 are written without the power of ten
    (``sci(3.14159, 3)`` is ``$3.14$``). ``x`` must be finite.
    """
    mantissa, exponent = _mantissa_exponent(x, digits)
    return f"${mantissa}$" if exponent == 0 else f"${mantissa} \\times 10^{{{exponent}}}$"


def glue_sci(name: str, x, digits: int = 2) -> None:
    """Glue ``x`` in scientific notation as MyST math; the prose writes ``{glue:md}`name:myst```."""
    glue(name, Markdown(sci(float(x), digits)), display=False)


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib (call once at the top of a chapter)."""
    plt.rcParams.update(STYLE)


def plain_axis(ax, axis: str = "y") -> None:
    """Label a logarithmic ``axis`` ("x", "y" or "both") of ``ax`` with plain numbers (2, 3, 4), not 2 × 10⁰.

    For log axes that span less than a decade (losses, mostly), where
    matplotlib would otherwise print one labelled tick or none.
    """
    check_in("axis", axis, ("x", "y", "both"))
    for which in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if which == "x" else ax.yaxis
        target.set_major_formatter(FormatStrFormatter("%g"))
        target.set_minor_formatter(FormatStrFormatter("%g"))
