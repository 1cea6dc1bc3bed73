"""Explorer of the power-laws chapter: fit a small sweep with and without the floor E, extrapolate far."""

from __future__ import annotations

import numpy as np

from scalinglaws._validation import as_float_array, check_scalar
from scalinglaws._format import percent
from scalinglaws.explorers.framework import Control, Explorer, Frame, Note, Number, Series
from scalinglaws.explorers.registry import register, thin
from scalinglaws.fitting.powerlaw import fit_power_law


def explore_fit(alpha: float = 0.3, E: float = 1.7, noise: float = 0.01, n_points: int = 12, seed: int = 0,
                x_range: tuple[float, float] = (1e17, 1e20), extrapolate_to: float = 1e24,
                reducible_at_min: float = 2.0) -> dict:
    """Simulate a small-scale sweep, fit it with and without ``E``, extrapolate.

    The true law is ``y = E + A x^-alpha`` with ``A`` chosen so that the
    reducible part equals ``reducible_at_min`` at ``x_range[0]``. ``n_points``
    values of ``x`` are log-spaced over ``x_range`` and each ``y`` gets
    multiplicative log-normal noise of standard deviation ``noise`` (in log
    units). Both fits are evaluated at ``extrapolate_to``.

    Returns a dict with the data (``x``, ``y``), the truth (``A``, ``alpha``,
    ``E``, ``y_true_far``), the two :class:`PowerLawFit` (``fit_offset``,
    ``fit_no_offset``), their predictions at ``extrapolate_to``
    (``pred_far_offset``, ``pred_far_no_offset``), the relative errors of
    those predictions (``rel_error_offset``, ``rel_error_no_offset``) and a
    plotting grid (``x_grid``, ``y_true_grid``, ``y_grid_offset``,
    ``y_grid_no_offset``) spanning ``x_range[0]`` to ``extrapolate_to``.
    """
    alpha = check_scalar("alpha", alpha, low=0.0, low_inclusive=False)
    E = check_scalar("E", E, low=0.0)
    noise = check_scalar("noise", noise, low=0.0)
    n_points = check_scalar("n_points", n_points, low=3, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    lo_hi = as_float_array("x_range", x_range, positive=True)
    if lo_hi.shape != (2,) or not lo_hi[0] < lo_hi[1]:
        raise ValueError(f"x_range must be (low, high) with 0 < low < high, got {x_range!r}")
    x_far = check_scalar("extrapolate_to", extrapolate_to, low=0.0, low_inclusive=False)
    reducible_at_min = check_scalar("reducible_at_min", reducible_at_min, low=0.0, low_inclusive=False)

    A = reducible_at_min * lo_hi[0] ** alpha
    rng = np.random.default_rng(seed)
    x = np.geomspace(lo_hi[0], lo_hi[1], n_points)
    y = (E + A * x ** (-alpha)) * np.exp(noise * rng.standard_normal(n_points))
    fit_off = fit_power_law(x, y, offset=True)
    fit_no = fit_power_law(x, y, offset=False)
    y_far = E + A * x_far ** (-alpha)
    pred_off, pred_no = fit_off.predict(x_far), fit_no.predict(x_far)
    x_grid = np.geomspace(lo_hi[0], max(x_far, lo_hi[1]), 200)
    return {
        "x": x, "y": y, "A": float(A), "alpha": alpha, "E": E, "noise": noise, "x_far": x_far,
        "y_true_far": float(y_far),
        "fit_offset": fit_off, "fit_no_offset": fit_no,
        "pred_far_offset": float(pred_off), "pred_far_no_offset": float(pred_no),
        "rel_error_offset": float(pred_off / y_far - 1.0),
        "rel_error_no_offset": float(pred_no / y_far - 1.0),
        "x_grid": x_grid, "y_true_grid": E + A * x_grid ** (-alpha),
        "y_grid_offset": fit_off.predict(x_grid), "y_grid_no_offset": fit_no.predict(x_grid),
    }


def fit_frame(alpha=0.3, E=1.7, noise=0.01, n_points=12) -> Frame:
    """Fits with and without the irreducible loss E, and their extrapolation (:func:`explore_fit`)."""
    out = explore_fit(alpha=alpha, E=E, noise=noise, n_points=n_points)
    grid = out["x_grid"]
    return Frame(
        (
            Series("simulated runs", out["x"], out["y"], kind="points"),
            Series("true law", *thin(grid, out["y_true_grid"], 40)),
            Series("fit with E", *thin(grid, out["y_grid_offset"], 40), dashed=True),
            Series("fit without E", *thin(grid, out["y_grid_no_offset"], 40), dashed=True),
        ),
        (
            Number("alpha_offset", "fitted α (with E)", out["fit_offset"].alpha, "{:.3f}"),
            Number("alpha_no_offset", "fitted α (no E)", out["fit_no_offset"].alpha, "{:.3f}"),
            Number("err_offset", "error at 10²⁴, with E", out["rel_error_offset"], _signed_percent),
            Number("err_no_offset", "error at 10²⁴, no E", out["rel_error_no_offset"], _signed_percent),
        ),
        (Note("last run", out["x"][-1], out["y"][-1]),),
    )


def _signed_percent(x: float) -> str:
    return percent(x, 2, sign=True)


@register("power-law-fit")
def _power_law() -> Explorer:
    return Explorer(
        "power-law-fit", fit_frame,
        [
            Control("alpha", "exponent α", tuple(round(0.1 + 0.05 * k, 2) for k in range(11)), 0.3),
            Control("E", "offset E", (0.0, 0.5, 1.7, 3.0), 1.7),
            Control("noise", "noise (log units)", (0.0, 0.01, 0.05), 0.01),
            Control("n_points", "number of runs", (6, 12, 24), 12, "{:d}"),
        ],
        title="Fit small runs (10¹⁷ to 10²⁰), extrapolate to 10²⁴",
        xlabel="compute x", ylabel="loss y",
    )
