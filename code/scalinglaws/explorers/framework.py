"""The explorer framework: figures a reader can move with sliders, with or without a kernel.

One plain function computes what an explorer shows at a setting of its
controls: a :class:`Frame` of curves and numbers. Three views use it:

* :meth:`Explorer.figure`: a static matplotlib figure (the default settings
  are what a reader sees with no JavaScript and no kernel);
* :meth:`Explorer.widget`: live ipywidgets sliders, in Jupyter or Binder;
* :meth:`Explorer.html`: a kernel-free version for the static site. Every
  combination of control values is computed here, in Python, by the same
  function, and embedded as JSON; a small script (``_static/explorer.js``)
  draws the selected frame as SVG. No numbers are recomputed in JavaScript,
  so the page can only show what the library computes.

The controls take a few discrete values each, so the number of precomputed
frames is the product of their lengths; :class:`Explorer` refuses more than
``MAX_FRAMES`` to keep pages small. The book's explorers, one module of
frames per chapter, are registered in :mod:`scalinglaws.explorers`.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["Control", "Series", "Number", "Frame", "Explorer", "MAX_FRAMES"]

#: Upper limit on precomputed frames per explorer (page size stays well under a few MB).
MAX_FRAMES = 600


@dataclass(frozen=True)
class Control:
    """A slider: the callback argument ``name`` takes one of ``values``."""

    name: str
    label: str
    values: tuple
    default: Any
    fmt: str = "{:g}"

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"Control name must be a Python identifier, got {self.name!r}")
        if len(self.values) < 2:
            raise ValueError(f"Control {self.name!r} needs at least two values")
        object.__setattr__(self, "values", tuple(self.values))
        if self.default not in self.values:
            raise ValueError(f"Control {self.name!r}: default {self.default!r} is not one of its values")

    def text(self, value) -> str:
        return self.fmt.format(value)


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
    """A labelled number shown beside the figure; ``text`` is how it is printed."""

    key: str
    label: str
    value: float
    fmt: str = "{:.3g}"

    @property
    def text(self) -> str:
        return self.fmt.format(self.value)


@dataclass(frozen=True)
class Frame:
    """Everything an explorer shows at one setting of its controls."""

    series: tuple[Series, ...]
    numbers: tuple[Number, ...] = field(default_factory=tuple)

    def number(self, key: str) -> Number:
        for n in self.numbers:
            if n.key == key:
                return n
        raise KeyError(key)


def _round(v: float, digits: int = 5) -> float | None:
    """Round to ``digits`` significant digits for the page (None for non-finite)."""
    v = float(v)
    if not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


class Explorer:
    """A figure with sliders; see the module docstring.

    Parameters
    ----------
    name : a page-unique identifier (letters, digits, dashes).
    compute : callable(**settings) -> Frame, a plain tested function.
    controls : the sliders, in display order.
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
        """The control values at slider positions ``indices``."""
        return {c.name: c.values[i] for c, i in zip(self.controls, indices)}

    def frame(self, **settings) -> Frame:
        """The frame at ``settings`` (missing controls take their defaults)."""
        unknown = set(settings) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)} for explorer {self.name!r}")
        return self.compute(**{**self.defaults, **settings})

    # -- kernel-free HTML --------------------------------------------------------
    def payload(self) -> dict:
        """Every frame, keyed by slider indices joined with '-', as plain JSON data."""
        frames = {}
        for idx in itertools.product(*(range(len(c.values)) for c in self.controls)):
            fr = self.frame(**self.settings(idx))
            frames["-".join(map(str, idx))] = {
                "series": [
                    {"label": s.label, "kind": s.kind, "dashed": s.dashed,
                     "x": [_round(v) for v in s.x], "y": [_round(v) for v in s.y]}
                    for s in fr.series
                ],
                "numbers": [{"key": n.key, "label": n.label, "text": n.text} for n in fr.numbers],
            }
        return {
            "name": self.name,
            "title": self.title,
            "xlabel": self.xlabel,
            "ylabel": self.ylabel,
            "xlog": self.xlog,
            "ylog": self.ylog,
            "controls": [
                {"name": c.name, "label": c.label, "texts": [c.text(v) for v in c.values],
                 "default": c.values.index(c.default)}
                for c in self.controls
            ],
            "frames": frames,
        }

    def html(self) -> str:
        """The explorer as HTML for a static page (drawn by ``_static/explorer.js``)."""
        data = json.dumps(self.payload(), separators=(",", ":"), allow_nan=False)
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
        """Draw ``frame`` on a matplotlib axes (used by the static figure and the widget)."""
        for s in frame.series:
            if s.kind == "points":
                ax.plot(s.x, s.y, "o", ms=4, label=s.label)
            else:
                ax.plot(s.x, s.y, "--" if s.dashed else "-", label=s.label)
        ax.set_xscale("log" if self.xlog else "linear")
        ax.set_yscale("log" if self.ylog else "linear")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ax.set_title(self.title)
        ax.legend(fontsize="small")
        if frame.numbers:
            text = "\n".join(f"{n.label}: {n.text}" for n in frame.numbers)
            ax.text(1.02, 1.0, text, transform=ax.transAxes, va="top", fontsize="small", family="monospace")

    def figure(self, **settings):
        """A matplotlib figure of the frame at ``settings`` (defaults if none given)."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
        self.draw(ax, self.frame(**settings))
        return fig

    def widget(self):
        """Live ipywidgets sliders over the same controls (needs a kernel)."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt
        from IPython.display import display

        sliders = {
            c.name: widgets.SelectionSlider(
                options=[(c.text(v), v) for v in c.values], value=c.default, description=c.label,
                style={"description_width": "initial"}, continuous_update=False,
            )
            for c in self.controls
        }

        def show(**settings):
            fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
            self.draw(ax, self.frame(**settings))
            plt.show()

        out = widgets.interactive_output(show, sliders)
        box = widgets.VBox([*sliders.values(), out])
        display(box)
        return box
