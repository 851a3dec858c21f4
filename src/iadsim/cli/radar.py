"""``iadsim radar``: detection range and Pd against range for a catalog radar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli._common import JsonOption, console, get_catalog, in_range, input_files, km, print_json
from iadsim.errors import InputError
from iadsim.limits import K_RANGE, PD_RANGE


def radar(
    radar_id: Annotated[str, typer.Argument(metavar="RADAR", help="Catalog radar id, e.g. 91n6e.")],
    target: Annotated[str | None, typer.Option(help="Catalog target id (its RCS and Swerling case).")] = None,
    rcs: Annotated[
        float | None, typer.Option("--rcs", help="Target RCS in m² instead of a catalog target.")
    ] = None,
    swerling: Annotated[
        int | None, typer.Option(help="Swerling case 0-4 (default: the target's, else 1).")
    ] = None,
    altitude: Annotated[
        list[float] | None,
        typer.Option("--altitude", "-a", help="Target altitude, m above the smooth earth."),
    ] = None,
    pd: Annotated[float, typer.Option(help="Single-look detection probability defining the range.")] = 0.5,
    mast: Annotated[float | None, typer.Option(help="Antenna height, m (default: the catalog's).")] = None,
    k: Annotated[float, typer.Option(help="Effective earth radius factor.")] = 4 / 3,
    png: Annotated[
        Path | None, typer.Option(help="Write the vertical coverage (Blake chart) to this PNG.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Detection range of RADAR against a target at one or more altitudes, and Pd against range.

    Ranges are over a smooth k-factor earth: the smaller of the free-space range (calibrated radar
    equation) and the radar horizon. Terrain comes in with `iadsim coverage`.
    """
    import numpy as np

    from iadsim import physics
    from iadsim.sensors import RadarModel

    cat = get_catalog()
    entry = cat.radar(radar_id)
    if (target is None) == (rcs is None):
        raise InputError("give exactly one of --target ID and --rcs M2")
    if target is not None:
        tgt = cat.target(target)
        rcs_m2, label = tgt.rcs_m2.value, f"{tgt.name} ({tgt.rcs_m2.value:g} m²)"
        sw = int(tgt.swerling.value) if swerling is None else swerling
    else:
        assert rcs is not None
        in_range("--rcs", rcs, 0, 1e6, low_open=True)
        rcs_m2, label, sw = rcs, f"RCS {rcs:g} m²", 1 if swerling is None else swerling
    if sw not in physics.detection.SWERLING_CASES:
        raise InputError(f"--swerling: must be 0, 1, 2, 3 or 4, got {sw}")
    in_range("--pd", pd, *PD_RANGE)
    in_range("--k", k, *K_RANGE)
    in_range("--mast", mast, 0, 200)
    alts = np.asarray(altitude or [50.0, 1000.0, 10000.0], dtype=float)
    for a in alts.tolist():
        in_range("--altitude", a, 0, 100_000)
    model = RadarModel.from_catalog(entry, mast)
    rows = model.detection_ranges(target or f"rcs-{rcs_m2:g}", rcs_m2, sw, alts.tolist(), pd, k)
    free = rows[0].free_space_m
    ranges = np.linspace(0.0, 1.25 * free, 26)[1:]
    pd_free = model.detection_probability(ranges, rcs_m2, sw)
    pd_alt = {
        row.altitude_m: np.where(ranges <= min(row.horizon_m, row.instrumented_m), pd_free, 0.0)
        .round(6)
        .tolist()
        for row in rows
    }
    if png is not None:
        from iadsim.report.plots import blake_chart

        cov = physics.vertical_coverage(
            free, model.mast_height_m, model.min_elevation_rad, model.max_elevation_rad, k
        )
        from iadsim._atomic import atomic_path, inputs

        with inputs(input_files()), atomic_path(png) as tmp:
            blake_chart(
                tmp,
                f"{entry.name}: vertical coverage against {label}, Pd {pd:g}",
                [(f"Pd {pd:g}, Pfa {model.pfa:g}, Swerling {sw}", cov)],
                model.mast_height_m,
                k,
            )
    if json_:
        print_json(
            {
                "radar": entry.id,
                "target": target,
                "rcs_m2": rcs_m2,
                "swerling": sw,
                "pd": pd,
                "pfa": model.pfa,
                "mast_height_m": model.mast_height_m,
                "k": k,
                "ranges": [row.as_dict() for row in rows],
                "pd_vs_range": {
                    "range_m": ranges.tolist(),
                    "pd_free_space": pd_free.round(6).tolist(),
                    "pd_by_altitude_m": pd_alt,
                },
                "png": str(png) if png else None,
            }
        )
        return
    console.print(
        f"[bold]{entry.name}[/] against {label}, Swerling {sw}: Pd {pd:g}, Pfa {model.pfa:g}, "
        f"antenna {model.mast_height_m:g} m, k = {k:.4g}"
    )
    table = Table()
    for col in (
        "altitude (m)",
        "free space (km)",
        "horizon (km)",
        "instrumented (km)",
        "detection (km)",
        "limited by",
    ):
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(
            f"{row.altitude_m:g}",
            km(row.free_space_m),
            km(row.horizon_m),
            km(row.instrumented_m),
            km(row.detection_m),
            row.limited_by,
        )
    console.print(table)
    pd_table = Table(title="single-look Pd against slant range (0 beyond the horizon or instrumented range)")
    pd_table.add_column("range (km)", justify="right")
    pd_table.add_column("free space", justify="right")
    for a in alts:
        pd_table.add_column(f"{a:g} m", justify="right")
    for i in range(0, len(ranges), 2):
        pd_table.add_row(
            km(ranges[i]), f"{pd_free[i]:.3f}", *(f"{pd_alt[row.altitude_m][i]:.3f}" for row in rows)
        )
    console.print(pd_table)
    if png is not None:
        console.print(f"Blake chart written to {png}")
