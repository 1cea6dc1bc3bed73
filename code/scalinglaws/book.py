"""What the chapters share: numbers glued into the prose, and one plot style.

Every number in a chapter's prose is computed by a code cell and *glued*
(MyST-NB's ``glue``) into the text, never typed. This module holds the few
helpers every chapter needs, so none defines its own:

* :func:`glue`: MyST-NB's ``glue`` with NumPy scalars turned into Python
  numbers, so ``{glue:text}`name:.3g``` can format them;
* :func:`sci` / :func:`glue_sci`: a number in scientific notation as MyST math
  (``$5.8 \\times 10^{23}$``), for ``{glue:md}`name:myst```; :func:`sci_text`
  writes it in plain Unicode (``5.8 × 10²³``) for tables and alt text, and
  :func:`sci_label` as mathtext (``$5.8 \\times 10^{23}$``) for figure text;
* :func:`use_style`: the book's matplotlib style (SVG figures, one panel each,
  legible on a phone), and :func:`plain_axis`: plain tick labels (2, 3, 4) on a
  logarithmic axis that spans less than a decade.

Needs the ``book`` extra (MyST-NB); the library itself never imports it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import Formatter
from myst_nb import glue as _myst_glue

from scalinglaws._format import _mantissa_exponent, sci_text
from scalinglaws._validation import check_in

__all__ = ["glue", "glue_sci", "sci", "sci_text", "sci_label", "use_style", "plain_axis", "STYLE", "FIGURE_WIDTH_IN", "PHONE_FIGURE_PX"]

#: Width (in) of a figure's drawing, and the width (CSS px) a figure is shown at on a 390 px
#: phone: the article's 358 px less the figure's padding (side-by-side figures are stacked there).
FIGURE_WIDTH_IN = 4.5
PHONE_FIGURE_PX = 342

#: The book's matplotlib settings, phone first: one panel per figure, about 4.5 x 3.2 in, with
#: text at 13 pt. A figure is shown at its drawn width or less (never stretched): on a phone
#: 13 pt text is 13 pt x 342/324 ≈ 13.7 px, and the smallest text, the exponents of 10ⁿ tick
#: labels and sub/superscripts (mathtext draws them at 70%), is 9.6 px. On a desktop the same
#: figure is shown at its own width (432 px). Light grids, no top/right spines, no legend frame.
STYLE = {
    "figure.figsize": (FIGURE_WIDTH_IN, 3.2),
    "figure.dpi": 110,
    "font.size": 13,
    "axes.labelsize": 13,
    "axes.titlesize": 13,
    "figure.titlesize": 13,
    "legend.fontsize": 13,
    "legend.title_fontsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.handlelength": 1.6,
    "legend.handletextpad": 0.5,
    "legend.borderaxespad": 0.3,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    # Vector output: glyphs as paths (the page looks the same whatever fonts the reader has;
    # "none" would leave text to the browser's fonts and break the layout), and ids from a
    # fixed salt so that an unchanged figure is byte-identical from build to build.
    "svg.fonttype": "path",
    "svg.hashsalt": "scalinglaws",
    # A thin margin around the drawing: the width it takes is width the text scales down with.
    "savefig.pad_inches": 0.05,
}

#: What the notebook's inline backend does with a figure: SVG, without the creation date (so
#: the file, named by its hash, only changes when the figure does).
INLINE_FORMAT = ("svg", {"metadata": {"Date": None}})


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


def sci_label(x, digits: int = 2) -> str:
    """``x`` in scientific notation as matplotlib mathtext, for figure text: ``sci_label(3e8, 1)`` is ``$3 \\times 10^{8}$``.

    Like :func:`sci_text`, a mantissa of exactly 1 is dropped (``$10^{6}$``) and exponent 0 gives
    the plain mantissa. In a figure, mathtext exponents are drawn at 70% of the text size, while
    Unicode superscripts (``10⁶``) are about 60% and too small to read on a phone.
    """
    mantissa, exponent = _mantissa_exponent(x, digits)
    if exponent == 0:
        return mantissa
    power = f"10^{{{exponent}}}"
    return f"${power}$" if float(mantissa) == 1 else f"${mantissa} \\times {power}$"


def glue_sci(name: str, x, digits: int = 2) -> None:
    """Glue ``x`` in scientific notation as MyST math; the prose writes ``{glue:md}`name:myst```."""
    glue(name, Markdown(sci(float(x), digits)), display=False)


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib, and show figures as SVG (call once at the top of a page).

    In a notebook (an IPython kernel), figures are shown as SVG, per :data:`INLINE_FORMAT`;
    outside IPython only the settings change.
    """
    plt.rcParams.update(STYLE)
    from IPython import get_ipython

    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        fmt, kwargs = INLINE_FORMAT
        set_matplotlib_formats(fmt, **kwargs)


class _PlainLogLabels(Formatter):
    """Plain numbers (0.5, 2, 3) on a logarithmic axis.

    On the minor ticks, a label is drawn only where it does not crowd the
    labels already there: the decades first (the major ticks), then 2, 5 and
    3 times a power of ten, then the others, each only if it keeps a label's
    height (a vertical axis) or width (a horizontal one) from its neighbours
    at the size the axis is drawn. With the book's large text this keeps
    0.5 and 1 on an axis from 0.4 to 3, not 0.5, 0.6, ..., 0.9 on top of
    each other.
    """

    _PREFERENCE = (1, 2, 5, 3, 4, 6, 8, 7, 9)

    def __init__(self, minor: bool):
        self.minor = minor

    def __call__(self, x, pos=None):
        return f"{x:g}"

    def format_ticks(self, values):
        labels = [self(v) for v in values]
        axis = self.axis
        lo, hi = sorted(axis.get_view_interval())
        if not self.minor or len(values) == 0 or lo <= 0 or hi <= lo:
            return labels
        vertical = axis.axis_name == "y"
        box = axis.axes.bbox
        pt_per_decade = (box.height if vertical else box.width) * 72 / axis.get_figure(root=True).dpi / np.log10(hi / lo)
        size = FontProperties(size=plt.rcParams[f"{axis.axis_name}tick.labelsize"]).get_size_in_points()

        def apart(a, b):  # are the labels of values a and b far enough apart?
            gap = abs(np.log10(a) - np.log10(b)) * pt_per_decade
            need = 1.2 * size if vertical else 0.3 * size * (len(self(a)) + len(self(b))) + 0.6 * size
            return gap >= need

        kept = [t for t in axis.get_majorticklocs() if lo <= t <= hi]

        def rank(i):
            mantissa = round(values[i] / 10 ** np.floor(np.log10(values[i]) + 1e-9))
            return self._PREFERENCE.index(mantissa) if mantissa in self._PREFERENCE else len(self._PREFERENCE)

        shown = set()
        for i in sorted(range(len(values)), key=rank):
            v = values[i]
            if lo <= v <= hi and all(apart(v, k) for k in kept):
                kept.append(v)
                shown.add(i)
        return [label if i in shown else "" for i, label in enumerate(labels)]


def plain_axis(ax, axis: str = "y") -> None:
    """Label a logarithmic ``axis`` ("x", "y" or "both") of ``ax`` with plain numbers (2, 3, 4), not 2 × 10⁰.

    For log axes that span less than a decade or two (losses, mostly), where
    matplotlib would otherwise print one labelled tick or none. Minor ticks
    are labelled only where the labels do not crowd each other.
    """
    check_in("axis", axis, ("x", "y", "both"))
    for which in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if which == "x" else ax.yaxis
        target.set_major_formatter(_PlainLogLabels(minor=False))
        target.set_minor_formatter(_PlainLogLabels(minor=True))
