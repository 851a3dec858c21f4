"""``iadsim radar``: detection range and Pd against range for a catalog radar; ``iadsim validate-radar``:
the radar model against published range-vs-altitude tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from iadsim._atomic import inputs
from iadsim.cli._common import (
    JsonOption,
    SurfaceOption,
    console,
    get_catalog,
    in_range,
    input_files,
    km,
    print_json,
)
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
        Path | None,
        typer.Option(
            help="Write the vertical coverage (Blake chart, with lobing over a surface) to this PNG."
        ),
    ] = None,
    surface: SurfaceOption = "farmland",
    multipath: Annotated[
        bool,
        typer.Option("--multipath/--no-multipath", help="Model the surface's reflection and diffraction."),
    ] = True,
    clutter: Annotated[
        bool, typer.Option("--clutter/--no-clutter", help="Model the surface's clutter.")
    ] = True,
    aspect: Annotated[
        str | None,
        typer.Option(help="Aspect of the target: nose, beam or tail (default: all three for a --target)."),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Detection range of RADAR against a target at one or more altitudes, and Pd against range.

    Ranges are over a smooth k-factor earth: the free-space range (calibrated radar equation), the radar
    horizon and the instrumented range, and over the --surface the outer edge of detection with its
    multipath (lobing, the loss near grazing, diffraction) and clutter. A --target is seen with the RCS it
    shows in the radar's band from each aspect. Terrain comes in with `iadsim coverage`.
    """
    import numpy as np

    from iadsim import physics
    from iadsim.catalog import ASPECTS, BANDS
    from iadsim.sensors import Environment, RadarModel

    cat = get_catalog()
    entry = cat.radar(radar_id)
    if (target is None) == (rcs is None):
        raise InputError("give exactly one of --target ID and --rcs M2")
    if aspect is not None and aspect not in ASPECTS:
        raise InputError(f"--aspect: must be one of {', '.join(ASPECTS)}, got {aspect!r}")
    in_range("--k", k, *K_RANGE)
    env = Environment.of(cat, surface, k, multipath, clutter)
    tgt = cat.target(target) if target is not None else None
    aspects = [aspect] if aspect is not None else (list(ASPECTS) if tgt and tgt.rcs_by_band else ["nose"])
    if tgt is not None:
        rcs_m2 = tgt.rcs(entry.radar_band, aspects[0])[1].value
        label = f"{tgt.name} ({rcs_m2:g} m² {entry.radar_band}-band {aspects[0]}-on)"
        sw = int(tgt.swerling.value) if swerling is None else swerling
    else:
        assert rcs is not None
        in_range("--rcs", rcs, 0, 1e6, low_open=True)
        rcs_m2, label, sw = rcs, f"RCS {rcs:g} m²", 1 if swerling is None else swerling
    if sw not in physics.detection.SWERLING_CASES:
        raise InputError(f"--swerling: must be 0, 1, 2, 3 or 4, got {sw}")
    in_range("--pd", pd, *PD_RANGE)
    in_range("--mast", mast, 0, 200)
    alts = np.asarray(altitude or [50.0, 1000.0, 10000.0], dtype=float)
    for a in alts.tolist():
        in_range("--altitude", a, 0, 100_000)
    model = RadarModel.from_catalog(entry, mast)
    rows = []
    for asp in aspects:
        seen = tgt.rcs(model.band, asp)[1].value if tgt is not None else rcs_m2
        rows += model.detection_ranges(
            target or f"rcs-{rcs_m2:g}", seen, sw, alts.tolist(), pd, k, env=env, aspect=asp
        )
    by_band: list[dict[str, Any]] = []
    if tgt is not None and tgt.rcs_by_band:
        for band in BANDS:
            if band not in tgt.rcs_by_band:
                continue
            seen_rcs = {a: tgt.rcs(band, a)[1].value for a in ASPECTS}
            by_band.append(
                {
                    "band": band,
                    "rcs_m2": seen_rcs,
                    "free_space_m": {
                        a: float(model.free_space_range_m(v, pd, sw)) for a, v in seen_rcs.items()
                    },
                }
            )
    first = [row for row in rows if row.aspect == aspects[0]]
    rcs_m2 = first[0].rcs_m2
    free = first[0].free_space_m
    ranges = np.linspace(0.0, 1.25 * free, 26)[1:]
    pd_free = model.detection_probability(ranges, rcs_m2, sw)
    pd_alt = {}
    for row in first:  # over the surface: the SNR less what the surface takes at each range
        ground = physics.ground_range_m(ranges, row.altitude_m, model.mast_height_m, env.k)
        loss = model.environment_loss_db(ground, row.altitude_m, env)
        pd_here = physics.detection_probability(model.snr_db(ranges, rcs_m2) - loss, model.pfa, 1, sw)
        in_sight = ranges <= min(row.horizon_m, row.instrumented_m)
        pd_alt[row.altitude_m] = np.where(in_sight, pd_here, 0.0).round(6).tolist()
    if png is not None:
        from iadsim.report.plots import blake_chart

        curves = [
            (
                f"free space: Pd {pd:g}, Pfa {model.pfa:g}, Swerling {sw}",
                physics.vertical_coverage(
                    free, model.mast_height_m, model.min_elevation_rad, model.max_elevation_rad, k
                ),
            )
        ]
        if not env.free_space:
            curves.append((f"over {env.describe()}", model.vertical_coverage(rows[0].rcs_m2, sw, pd, env)))
        from iadsim._atomic import atomic_path

        with inputs(input_files()), atomic_path(png) as tmp:
            blake_chart(
                tmp,
                f"{entry.name}:\nvertical coverage against {label}, Pd {pd:g}",
                curves,
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
                "band": model.band,
                "frequency_hz": model.frequency_hz,
                "environment": env.describe(),
                "ranges": [row.as_dict() for row in rows],
                "by_band": by_band,
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
        f"[bold]{entry.name}[/] ({model.band}-band, {model.frequency_hz / 1e9:.3g} GHz) against {label}, "
        f"Swerling {sw}: Pd {pd:g}, Pfa {model.pfa:g}, antenna {model.mast_height_m:g} m, k = {k:.4g}; "
        f"surface: {env.describe()}"
    )
    table = Table()
    for col in (
        "aspect",
        "RCS (m²)",
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
            row.aspect,
            f"{row.rcs_m2:g}",
            f"{row.altitude_m:g}",
            km(row.free_space_m),
            km(row.horizon_m),
            km(row.instrumented_m),
            km(row.detection_m),
            row.limited_by,
        )
    console.print(table)
    if by_band:
        band_table = Table(
            title=f"{tgt.name if tgt else ''} by band: RCS and the free-space range it gives against "
            f"this radar's sensitivity (the radar itself works in {model.band}-band)"
        )
        band_table.add_column("band")
        for a in ASPECTS:
            band_table.add_column(f"{a} RCS (m²)", justify="right")
            band_table.add_column(f"{a} (km)", justify="right")
        for b in by_band:
            cells = []
            for a in ASPECTS:
                cells += [f"{b['rcs_m2'][a]:g}", km(b["free_space_m"][a])]
            band_table.add_row(str(b["band"]), *cells)
        console.print(band_table)
    pd_table = Table(
        title=f"single-look Pd against slant range, {aspects[0]}-on, over {env.describe()} "
        "(0 beyond the horizon or instrumented range)"
    )
    pd_table.add_column("range (km)", justify="right")
    pd_table.add_column("free space", justify="right")
    for a in alts:
        pd_table.add_column(f"{a:g} m", justify="right")
    for i in range(0, len(ranges), 2):
        pd_table.add_row(
            km(ranges[i]), f"{pd_free[i]:.3f}", *(f"{pd_alt[row.altitude_m][i]:.3f}" for row in first)
        )
    console.print(pd_table)
    if png is not None:
        console.print(f"Blake chart written to {png}")


def validate_radar(
    tables: Annotated[
        list[Path], typer.Argument(metavar="TABLE.yaml...", help="Published range-vs-altitude tables.")
    ],
    multipath: Annotated[
        bool,
        typer.Option("--multipath/--no-multipath", help="Model the surface's reflection and diffraction."),
    ] = True,
    clutter: Annotated[
        bool, typer.Option("--clutter/--no-clutter", help="Model the surface's clutter.")
    ] = True,
    json_: JsonOption = False,
) -> None:
    """Check the radar model against published range-vs-altitude tables (brochures quoted in open sources).

    Each table's radar is calibrated on one of its points, then predicts the others twice: in free space up
    to the smooth earth's horizon, and over the table's surface with multipath, diffraction and clutter.
    The errors are printed by regime (free space, interference, intermediate, diffraction) and for the
    low-altitude points (1,000 m and below).
    """
    from iadsim.sensors import Environment
    from iadsim.workflows.radar_validation import (
        LOW_ALTITUDE_M,
        REGIMES,
        mean_abs,
        read_table,
        validate_table,
    )

    cat = get_catalog()
    with inputs(input_files(*tables)):
        results = [
            validate_table(read_table(p), cat, Environment(multipath=multipath, clutter=clutter), str(p))
            for p in tables
        ]
    predicted = [p for r in results for p in r.points if not p.calibration]
    low = [p for r in results for p in r.low_altitude()]
    summary: dict[str, dict[str, float | int]] = {}
    for regime in REGIMES:
        pts = [p for p in predicted if p.regime == regime]
        if pts:
            summary[regime] = {
                "points": len(pts),
                "free_space": mean_abs([p.free_space_error for p in pts]),
                "surface": mean_abs([p.surface_error for p in pts]),
            }
    summary["low altitude"] = {
        "points": len(low),
        "free_space": mean_abs([p.free_space_error for p in low]),
        "surface": mean_abs([p.surface_error for p in low]),
    }
    if json_:
        print_json({"tables": [r.as_dict() for r in results], "mean_abs_error": summary})
        return
    for r in results:
        table = Table(title=f"{r.radar} over {r.surface}\n{r.source}", title_justify="left")
        for col in (
            "altitude (m)",
            "RCS (m²)",
            "published (km)",
            "free space (km)",
            "error",
            "surface (km)",
            "error",
            "regime",
        ):
            table.add_column(col, justify="right")
        for p in r.points:
            mark = " (calibration)" if p.calibration else ""
            table.add_row(
                f"{p.altitude_m:g}",
                f"{p.rcs_m2:g}",
                km(p.published_m),
                km(p.free_space_m),
                f"{100 * p.free_space_error:+.0f}%",
                km(p.surface_m),
                f"{100 * p.surface_error:+.0f}%",
                p.regime + mark,
            )
        console.print(table)
    out = Table(title="mean absolute error of the predicted points")
    for col in ("points", "n", "free space model", "over the surface"):
        out.add_column(col, justify="right")
    for name, s in summary.items():
        label = f"{name} (≤ {LOW_ALTITUDE_M:g} m)" if name == "low altitude" else name
        out.add_row(label, str(s["points"]), f"{100 * s['free_space']:.0f}%", f"{100 * s['surface']:.0f}%")
    console.print(out)
