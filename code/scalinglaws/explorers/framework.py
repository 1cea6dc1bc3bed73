"""The explorer framework: figures a reader can move with sliders, with or without a kernel.

One plain function computes what an explorer shows at a setting of its
controls: a :class:`Frame` of curves and numbers. Three views use it:

* :meth:`Explorer.figure`: a static matplotlib figure (the default settings
  are what a reader sees with no JavaScript and no kernel);
* :meth:`Explorer.widget`: live ipywidgets sliders, in Jupyter or Binder;
* :meth:`Explorer.html`: a kernel-free version for the static site. Every
  combination of control values is computed here, in Python, by the same
  function, and embedded as JSON; a small script (``_ext/static/explorer.js``)
  draws the selected frame with uPlot. No numbers are recomputed in JavaScript,
  so the page can only show what the library computes.

The controls take a few discrete values each, so the number of precomputed
frames is the product of their lengths; :class:`Explorer` refuses more than
``MAX_FRAMES`` to keep pages small. The page carries each distinct array and
string once (a grid shared by every frame is stored once), rounded to
``DIGITS`` significant digits. A control whose values are True/False is a
switch, one with text values a set of radio buttons, any other a slider; a
number is shown as its :class:`Number` formats it (``human`` writes
``5.76 × 10²³`` and ``40.4 B``). The book's explorers, one module of frames
per chapter, are registered in :mod:`scalinglaws.explorers`.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from scalinglaws._format import human, shortest_digits

__all__ = ["Control", "Series", "Number", "Note", "Frame", "Explorer", "MAX_FRAMES", "DIGITS", "fmt_human"]

#: Upper limit on precomputed frames per explorer (page size stays well under a few MB).
MAX_FRAMES = 600
#: Significant digits of the curves' coordinates on the page (far finer than a pixel).
DIGITS = 4

CONTROL_KINDS = ("auto", "slider", "switch", "radio")


def fmt_human(digits: int | None = 3, style: str = "sci") -> Callable[[float], str]:
    """A formatter for :class:`Number` or :class:`Control`: ``fmt_human(3, "count")(4.04e10)`` is ``40.4 B``.

    See :func:`scalinglaws._format.human`; ``digits=None`` writes each value exactly.
    """
    def fmt(value) -> str:
        return human(value, digits, style)

    fmt.__name__ = f"human_{style}_{digits}"
    return fmt


def _format(fmt, value) -> str:
    if callable(fmt):
        return fmt(value)
    if isinstance(fmt, Mapping):
        return fmt[value]
    return fmt.format(value)


@dataclass(frozen=True)
class Control:
    """A control: the callback argument ``name`` takes one of ``values``.

    ``fmt`` writes a value for the reader: a ``str.format`` pattern, a
    callable, or a mapping value -> text. By default numbers are written
    exactly (``2.5 × 10¹⁰``, never a rounded ``2e+10``), True/False as on/off
    and text as it is. A unit belongs at the end of ``label``, in parentheses
    ("compute C (FLOPs)"): the page reads it out after the value.

    ``kind`` is how the page shows it: "slider" (ordered values), "switch"
    (True/False) or "radio" (a few named choices); "auto" picks a switch for
    True/False, radio buttons for text values and a slider otherwise.
    """

    name: str
    label: str
    values: tuple
    default: Any
    fmt: str | Callable[[Any], str] | Mapping | None = None
    kind: str = "auto"

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"Control name must be a Python identifier, got {self.name!r}")
        if len(self.values) < 2:
            raise ValueError(f"Control {self.name!r} needs at least two values")
        object.__setattr__(self, "values", tuple(self.values))
        if self.default not in self.values:
            raise ValueError(f"Control {self.name!r}: default {self.default!r} is not one of its values")
        if self.kind not in CONTROL_KINDS:
            raise ValueError(f"Control {self.name!r}: kind must be one of {CONTROL_KINDS}, got {self.kind!r}")
        if self.kind == "switch" and set(self.values) != {True, False}:
            raise ValueError(f"Control {self.name!r}: a switch takes the values (True, False), got {self.values!r}")

    @property
    def widget(self) -> str:
        """How the page shows this control: "slider", "switch" or "radio"."""
        if self.kind != "auto":
            return self.kind
        if all(isinstance(v, bool) for v in self.values) and set(self.values) == {True, False}:
            return "switch"
        if any(isinstance(v, str) for v in self.values):
            return "radio"
        return "slider"

    def text(self, value) -> str:
        """``value`` written for the reader."""
        if self.fmt is not None:
            return _format(self.fmt, value)
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, (int, float)):
            return human(value, None)
        return str(value)

    def key(self, value) -> str:
        """``value`` as it appears in a page's address (``?chinchilla-budget=C:5.76e23``): short, exact, URL-safe."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            text = f"{value:.{shortest_digits(value)}g}"
            return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
        return str(value)


@dataclass(frozen=True)
class Series:
    """One curve (``kind="line"``) or set of markers (``kind="points"``)."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    kind: str = "line"
    dashed: bool = False

    def __post_init__(self):
        if self.kind not in ("line", "points"):
            raise ValueError(f"Series kind must be 'line' or 'points', got {self.kind!r}")
        if len(self.x) != len(self.y):
            raise ValueError(f"Series {self.label!r}: x and y differ in length ({len(self.x)} vs {len(self.y)})")


@dataclass(frozen=True)
class Number:
    """A labelled number shown beside the figure; ``text`` is how it is printed.

    ``fmt`` is a ``str.format`` pattern or a callable (e.g. :func:`fmt_human`);
    ``unit``, if given, follows the number ("40.4 B params").
    """

    key: str
    label: str
    value: float
    fmt: str | Callable[[float], str] = "{:.3g}"
    unit: str = ""

    @property
    def text(self) -> str:
        text = _format(self.fmt, self.value)
        return f"{text} {self.unit}" if self.unit else text


@dataclass(frozen=True)
class Note:
    """A short text written on the figure next to the data point (``x``, ``y``), e.g. "S_stop"."""

    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Frame:
    """Everything an explorer shows at one setting of its controls."""

    series: tuple[Series, ...]
    numbers: tuple[Number, ...] = field(default_factory=tuple)
    notes: tuple[Note, ...] = field(default_factory=tuple)

    def number(self, key: str) -> Number:
        for n in self.numbers:
            if n.key == key:
                return n
        raise KeyError(key)


def _round(v: float, digits: int = DIGITS) -> float | None:
    """Round to ``digits`` significant digits for the page (None for non-finite)."""
    v = float(v)
    if not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


class Explorer:
    """A figure with controls; see the module docstring.

    Parameters
    ----------
    name : a page-unique identifier (letters, digits, dashes).
    compute : callable(**settings) -> Frame, a plain tested function.
    controls : the controls, in display order.
    title, xlabel, ylabel : figure text.
    xlog, ylog : log axes.
    """

    def __init__(self, name: str, compute: Callable[..., Frame], controls: Sequence[Control], *,
                 title: str, xlabel: str, ylabel: str, xlog: bool = True, ylog: bool = True):
        if not name.replace("-", "").isalnum():
            raise ValueError(f"Explorer name must be letters, digits and dashes, got {name!r}")
        self.name = name
        self.compute = compute
        self.controls = tuple(controls)
        if not self.controls:
            raise ValueError("an Explorer needs at least one control")
        n_frames = math.prod(len(c.values) for c in self.controls)
        if n_frames > MAX_FRAMES:
            raise ValueError(f"Explorer {name!r} would precompute {n_frames} frames (limit {MAX_FRAMES})")
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlog, self.ylog = xlog, ylog

    # -- settings --------------------------------------------------------------
    @property
    def defaults(self) -> dict:
        return {c.name: c.default for c in self.controls}

    def settings(self, indices: Sequence[int]) -> dict:
        """The control values at positions ``indices``."""
        return {c.name: c.values[i] for c, i in zip(self.controls, indices)}

    def frame(self, **settings) -> Frame:
        """The frame at ``settings`` (missing controls take their defaults)."""
        unknown = set(settings) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)} for explorer {self.name!r}")
        return self.compute(**{**self.defaults, **settings})

    def all_indices(self):
        """Every setting's control positions, in the order of the page's frames (the last control fastest)."""
        return itertools.product(*(range(len(c.values)) for c in self.controls))

    # -- kernel-free HTML --------------------------------------------------------
    def payload(self) -> dict:
        """Every frame as plain JSON data, each distinct string and array stored once.

        ``frames`` lists one entry per setting in :meth:`all_indices` order:
        ``s``, the series, each ``[label, style, x, y]`` (style 0 a line, 1 a
        dashed line, 2 points; label an index into ``strings``; x and y
        indices into ``arrays``, whose values are rounded to ``DIGITS``
        significant digits, None where not finite); ``n``, the numbers, each
        ``[key, label, text]`` (key and label indices into ``strings``, text as
        :attr:`Number.text` prints it); ``a``, if any, the notes, each
        ``[text, x, y]``.
        """
        strings: dict[str, int] = {}
        arrays: dict[tuple, int] = {}

        def string(text: str) -> int:
            return strings.setdefault(text, len(strings))

        def array(values) -> int:
            return arrays.setdefault(tuple(_round(v) for v in values), len(arrays))

        frames = []
        for idx in self.all_indices():
            fr = self.frame(**self.settings(idx))
            entry = {
                "s": [[string(s.label), 2 if s.kind == "points" else int(s.dashed), array(s.x), array(s.y)]
                      for s in fr.series],
                "n": [[string(n.key), string(n.label), n.text] for n in fr.numbers],
            }
            if fr.notes:
                entry["a"] = [[string(a.text), _round(a.x), _round(a.y)] for a in fr.notes]
            frames.append(entry)
        return {
            "name": self.name,
            "title": self.title,
            "xlabel": self.xlabel,
            "ylabel": self.ylabel,
            "xlog": self.xlog,
            "ylog": self.ylog,
            "controls": [
                {"name": c.name, "label": c.label, "widget": c.widget, "texts": [c.text(v) for v in c.values],
                 "keys": [c.key(v) for v in c.values], "default": c.values.index(c.default)}
                for c in self.controls
            ],
            "strings": list(strings),
            "arrays": [list(a) for a in arrays],
            "frames": frames,
        }

    def html(self) -> str:
        """The explorer as HTML for a static page (drawn by ``explorer.js``, see ``_ext/book_site.py``)."""
        data = json.dumps(self.payload(), separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        # "</" inside a <script> element would end it early.
        data = data.replace("</", "<\\/")
        return (
            f'<div class="sl-explorer" id="explorer-{html.escape(self.name)}">'
            f'<script type="application/json" class="sl-explorer-data">{data}</script>'
            "<noscript>This explorer needs JavaScript; the figure above shows its default settings.</noscript>"
            "</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    # -- static figure and live widget --------------------------------------------
    def draw(self, ax, frame: Frame) -> None:
        """Draw ``frame`` on a matplotlib axes (used by the static figure and the widget).

        The legend goes below the axes and the numbers to their right, so
        neither covers a curve; notes are written beside their points.
        """
        for s in frame.series:
            if s.kind == "points":
                ax.plot(s.x, s.y, "o", ms=5, label=s.label, zorder=3)
            else:
                ax.plot(s.x, s.y, "--" if s.dashed else "-", label=s.label)
        for note in frame.notes:
            ax.annotate(note.text, (note.x, note.y), xytext=(5, 5), textcoords="offset points", fontsize="small")
        ax.set_xscale("log" if self.xlog else "linear")
        ax.set_yscale("log" if self.ylog else "linear")
        from matplotlib.ticker import FormatStrFormatter

        for log, axis, (low, high) in ((self.xlog, ax.xaxis, ax.get_xlim()), (self.ylog, ax.yaxis, ax.get_ylim())):
            if log and 0 < low and high < 30 * low:
                # A log axis spanning under 1.5 decades reads 2, 3, 4 (as on the page), not 2 × 10⁰.
                axis.set_major_formatter(FormatStrFormatter("%g"))
                axis.set_minor_formatter(FormatStrFormatter("%g"))
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ax.set_title(self.title)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=2, frameon=False)
        if frame.numbers:
            text = "\n".join(f"{n.label}: {n.text}" for n in frame.numbers)
            ax.text(1.02, 1.0, text, transform=ax.transAxes, va="top", fontsize="small")

    def figure(self, **settings):
        """A matplotlib figure of the frame at ``settings`` (defaults if none given)."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8.5, 4.6), layout="constrained")
        self.draw(ax, self.frame(**settings))
        return fig

    def widget(self):
        """Live ipywidgets controls over the same settings (needs a kernel)."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt
        from IPython.display import display

        def make(c: Control):
            options = [(c.text(v), v) for v in c.values]
            common = dict(description=c.label, style={"description_width": "initial"})
            if c.widget == "switch":
                return widgets.Checkbox(value=bool(c.default), **common)
            if c.widget == "radio":
                return widgets.ToggleButtons(options=options, value=c.default, **common)
            return widgets.SelectionSlider(options=options, value=c.default, continuous_update=False, **common)

        controls = {c.name: make(c) for c in self.controls}

        def show(**settings):
            fig, ax = plt.subplots(figsize=(8.5, 4.6), layout="constrained")
            self.draw(ax, self.frame(**settings))
            plt.show()

        out = widgets.interactive_output(show, controls)
        box = widgets.VBox([*controls.values(), out])
        display(box)
        return box
