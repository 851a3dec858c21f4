"""Charts drawn with matplotlib, as PNG files.

Figures are made with :class:`matplotlib.figure.Figure` on an Agg canvas, not through ``pyplot``: no
backend is chosen and no global figure state is kept, so importing or using this module changes nothing
for the rest of the process (a caller's interactive backend included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from iadsim import physics
from iadsim.sensors import DetectionRange


def _figure(**kwargs: Any) -> Figure:
    """A figure on its own Agg canvas (``figsize`` in inches, ``dpi`` dots per inch)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def blake_chart(
    path: Path,
    title: str,
    curves: Sequence[tuple[str, physics.VerticalCoverage]],
    radar_height_m: float,
    k: float = physics.STANDARD_K,
    max_range_km: float | None = None,
    max_height_km: float | None = None,
) -> Path:
    """Vertical coverage over a k-factor earth: height above the smooth earth against ground range.

    Curved lines are constant heights drawn as the k-earth bends them below a flat chord; the dashed line is
    the radar horizon (grazing ray). Each curve is a :class:`~iadsim.physics.VerticalCoverage` boundary.
    """
    re = physics.effective_earth_radius_m(k)
    fig = _figure(figsize=(10, 5.5), dpi=110)
    ax = fig.subplots()
    r_max = max_range_km or 1.05 * max(float(np.max(c.ground_range_m)) for _, c in curves) / 1e3
    h_max = max_height_km or 1.15 * max(float(np.max(c.height_m)) for _, c in curves) / 1e3
    g = np.linspace(0, r_max * 1e3, 400)
    grazing = physics.horizon_height_m(g, radar_height_m, k)
    for label, cov in curves:
        ax.fill(cov.ground_range_m / 1e3, cov.height_m / 1e3, alpha=0.25)
        ax.plot(cov.ground_range_m / 1e3, cov.height_m / 1e3, lw=1.5, label=label)
    ax.plot(
        g / 1e3,
        grazing / 1e3,
        "k--",
        lw=1,
        label=f"radar horizon (k = {k:.3g}, antenna {radar_height_m:g} m)",
    )
    for el_deg in (0.5, 1, 2, 5, 10, 20, 45):
        el = np.radians(el_deg)
        rr = np.linspace(0, 2 * r_max * 1e3, 200)
        hh = physics.target_height_m(rr, el, radar_height_m, k)
        gg = physics.ground_range_m(rr, hh, radar_height_m, k)
        inside = (gg / 1e3 <= r_max) & (hh / 1e3 <= h_max)
        ax.plot(gg[inside] / 1e3, hh[inside] / 1e3, color="0.8", lw=0.6, zorder=0)
        if inside.any():
            i = np.flatnonzero(inside)[-1]
            ax.annotate(f"{el_deg:g}°", (gg[i] / 1e3, hh[i] / 1e3), fontsize=7, color="0.5")
    ax.set_xlim(0, r_max)
    ax.set_ylim(0, h_max)
    ax.set_xlabel("ground range (km)")
    ax.set_ylabel("height above sea level (km)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.text(
        0.01,
        0.01,
        f"effective earth radius {re / 1e3:.0f} km; free-space curves: flat elevation pattern, no multipath; "
        "grey lines: elevation angles",
        fontsize=7,
        color="0.4",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    return path


def detection_range_chart(
    path: Path, rows: Sequence[DetectionRange], title: str, ring_km: float | None
) -> Path:
    """Horizontal bars of detection range per target and altitude, one panel per radar, with the ring."""
    radars = list(dict.fromkeys(r.radar for r in rows))
    targets = list(dict.fromkeys(r.target for r in rows))
    alts = sorted({r.altitude_m for r in rows})
    fig = _figure(figsize=(5.2 * len(radars), 0.42 * len(targets) + 2.2), dpi=110)
    axes = fig.subplots(1, len(radars), sharey=True, squeeze=False)
    height = 0.8 / len(alts)
    colors = matplotlib.colormaps["viridis"](np.linspace(0.15, 0.85, len(alts)))
    for ax, radar in zip(axes[0], radars, strict=True):
        sub = {(r.target, r.altitude_m): r for r in rows if r.radar == radar}
        for a, (alt, color) in enumerate(zip(alts, colors, strict=True)):
            y = np.arange(len(targets)) + (a - (len(alts) - 1) / 2) * height
            det = [sub[(t, alt)].detection_m / 1e3 for t in targets]
            free = [sub[(t, alt)].free_space_m / 1e3 for t in targets]
            ax.barh(y, det, height=height, color=color, label=f"{alt:g} m")
            ax.scatter(free, y, marker="|", color=color, s=40, zorder=3)
        if ring_km:
            ax.axvline(ring_km, color="crimson", ls="--", lw=1.2, label=f"{ring_km:g} km ring")
        ax.set_title(radar)
        ax.set_xlabel("detection range (km)")
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(np.arange(len(targets)), targets)
    axes[0][0].invert_yaxis()
    handles, labels = axes[0][-1].get_legend_handles_labels()
    fig.legend(handles, labels, title="target altitude", fontsize=8, loc="lower center", ncol=len(labels))
    fig.suptitle(
        title + "\nbars: min(free-space range, radar horizon, instrumented range); ticks: free-space range",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    fig.savefig(path)
    return path


def saturation_chart(path: Path, rows: Sequence[Any], title: str) -> Path:
    """Leak fraction (mean and 95% interval) and probability that anything leaks, against raid size, one
    line per defence."""
    fig = _figure(figsize=(11, 4.5), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    for defence in dict.fromkeys(r.defence for r in rows):
        sub = sorted((r for r in rows if r.defence == defence), key=lambda r: r.raid_size)
        x = [r.raid_size for r in sub]
        ax1.plot(x, [r.leak_fraction for r in sub], marker="o", label=defence)
        ax1.fill_between(
            x, [r.leak_fraction_low for r in sub], [r.leak_fraction_high for r in sub], alpha=0.2
        )
        ax2.plot(x, [r.any_leak for r in sub], marker="o", label=defence)
        ax2.fill_between(x, [r.any_leak_low for r in sub], [r.any_leak_high for r in sub], alpha=0.2)
    for ax, label in ((ax1, "fraction of the raid that leaks"), (ax2, "probability that at least one leaks")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(
            sorted({r.raid_size for r in rows}), [str(v) for v in sorted({r.raid_size for r in rows})]
        )
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("cruise missiles in the raid")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title + "\nshaded: 95% intervals", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return path


def grouped_bars(
    path: Path,
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    xlabel: str,
    note: str = "",
) -> Path:
    """Horizontal bars, one group per category (top to bottom) and one bar per series within it."""
    n, m = len(categories), len(series)
    fig = _figure(figsize=(10, 1.2 + 0.32 * n * m + 0.25 * n), dpi=110)
    ax = fig.subplots()
    height = 0.8 / max(m, 1)
    y = np.arange(n)[::-1].astype(float)
    for j, (label, values) in enumerate(series.items()):
        pos = y + 0.4 - height * (j + 0.5)
        bars = ax.barh(pos, np.asarray(values, dtype=float), height=height, label=label)
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
    ax.set_yticks(y, list(categories))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=10)
    if note:
        fig.text(0.01, 0.005, note, fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03 if note else 0, 1, 1))
    fig.savefig(path)
    return path


def footprint_comparison_chart(
    path: Path,
    title: str,
    panels: Sequence[tuple[str, np.ndarray, float, float | None]],
    levels: Sequence[float] = (0.5, 0.9),
) -> Path:
    """Defended footprints side by side, one panel per battery: the share of the draws in which each cell is
    defended (``(rows, cols)`` grid, north up, centred on the battery, cells of ``cell_m`` metres; NaN where
    no launch point reaches), its contours at ``levels``, the battery at the centre, and an arrow toward the
    launch area's azimuth (degrees from north; ``None``: none). Each panel: ``(title, share, cell_m,
    azimuth)``; axes in km east and north of the battery, the same for all panels."""
    fig = _figure(figsize=(4.6 * len(panels) + 1.2, 5.4), dpi=110)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    reach = max(0.5 * share.shape[1] * cell / 1e3 for _, share, cell, _ in panels)
    image = None
    for ax, (label, share, cell, azimuth) in zip(axes, panels, strict=True):
        half_x, half_y = 0.5 * share.shape[1] * cell / 1e3, 0.5 * share.shape[0] * cell / 1e3
        extent = (-half_x, half_x, -half_y, half_y)
        image = ax.imshow(share, extent=extent, origin="upper", cmap="YlGnBu", vmin=0.0, vmax=1.0)
        if np.nanmax(share, initial=0.0) > 0:
            x = np.linspace(-half_x, half_x, share.shape[1])
            y = np.linspace(half_y, -half_y, share.shape[0])
            found = ax.contour(x, y, np.nan_to_num(share), levels=list(levels), colors=["#444", "#c0392b"])
            ax.clabel(found, fmt={lv: f"{lv:.0%}" for lv in levels}, fontsize=7)
        ax.plot(0, 0, marker="^", color="black", markersize=7)
        if azimuth is not None:
            a = np.radians(azimuth)
            ax.annotate(
                "",
                xy=(0.97 * reach * np.sin(a), 0.97 * reach * np.cos(a)),
                xytext=(0.72 * reach * np.sin(a), 0.72 * reach * np.cos(a)),
                arrowprops={"arrowstyle": "->", "color": "#555"},
            )
            ax.text(
                0.84 * reach * np.sin(a),
                0.84 * reach * np.cos(a) + 0.05 * reach,
                "launch area",
                fontsize=7,
                color="#555",
                ha="center",
            )
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        ax.set_aspect("equal")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("km east of the battery")
        ax.grid(alpha=0.25)
    axes[0].set_ylabel("km north of the battery")
    if image is not None:
        fig.colorbar(
            image, ax=list(axes), shrink=0.8, label="share of the draws in which the point is defended"
        )
    fig.suptitle(title, fontsize=10)
    fig.savefig(path)
    return path
