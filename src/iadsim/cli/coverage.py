"""``iadsim coverage floor`` and ``iadsim coverage map``."""

from __future__ import annotations

import contextvars
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from iadsim.cli._common import JsonOption, console, in_range, input_files, print_json
from iadsim.errors import InputError
from iadsim.limits import K_RANGE, PD_RANGE

if TYPE_CHECKING:
    from rich.table import Table

    from iadsim.workflows.coverage_study import CoverageResult

app = typer.Typer(
    help="Terrain-aware radar coverage: radar floor, detection and engagement maps.", no_args_is_help=True
)

SiteCrs = Literal["wgs84", "dem"]


def parse_pair(text: str, option: str) -> tuple[float, float]:
    """Two comma-separated numbers, e.g. ``40.076,32.566``."""
    parts = text.replace(" ", "").split(",")
    try:
        a, b = (float(x) for x in parts)  # (anything but two numbers is a ValueError)
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError
        return a, b
    except ValueError:
        raise InputError(f"{option}: expected two numbers separated by a comma, got {text!r}") from None


@app.command("floor")
def floor(
    site: Annotated[
        str, typer.Option(help="Antenna position: LAT,LON (wgs84) or X,Y in the DEM's CRS (dem).")
    ],
    out: Annotated[
        Path, typer.Option(help="GeoTIFF to write: floor in metres above ground, NaN out of range.")
    ],
    dem: Annotated[
        str,
        typer.Option(
            help="Terrain: a GeoTIFF path, or globe (embedded default), copernicus-90, copernicus-30, flat."
        ),
    ] = "globe",
    mast: Annotated[float, typer.Option(help="Antenna height above the ground, m.")] = 30.0,
    site_crs: Annotated[SiteCrs, typer.Option(help="How --site is given.")] = "wgs84",
    k: Annotated[float, typer.Option(help="Effective earth radius factor (4/3 standard atmosphere).")] = 4
    / 3,
    max_range_km: Annotated[float, typer.Option(help="Maximum range, km.")] = 400.0,
    cell_m: Annotated[
        float | None,
        typer.Option(help="Cell size of the local grid for non-GeoTIFF terrain, m (default: its own)."),
    ] = None,
    compress: Annotated[
        Literal["zstd", "deflate", "none"],
        typer.Option(help="GeoTIFF compression of the output (deflate for readers older than GDAL 2.3)."),
    ] = "zstd",
    json_: JsonOption = False,
) -> None:
    """The radar floor: lowest height above ground at which a target is in line of sight of the antenna.

    On a projected GeoTIFF the floor is computed on the file's own cells; on other terrain on a local
    azimuthal-equidistant grid centred on the site. Exact earth curvature and refraction for the k-factor.
    """
    from iadsim._atomic import check_not_input, inputs
    from iadsim.cli import _startup

    # the garbage collector off while the command runs, the survivors frozen at exit (see _startup)
    _startup.freeze_at_exit()

    in_range("--mast", mast, 0, 200)
    in_range("--k", k, *K_RANGE)
    in_range("--max-range-km", max_range_km, 0, 2000, low_open=True)
    in_range("--cell-m", cell_m, 1, 100_000)
    if out.is_dir():
        raise InputError(f"--out: {out} is a folder; give the name of the GeoTIFF to write")
    with _startup.collector_off(), inputs(input_files(dem)):
        check_not_input(out)
        _floor(site, out, dem, mast, site_crs, k, max_range_km, cell_m, compress, json_)


def _floor(
    site: str,
    out: Path,
    dem: str,
    mast: float,
    site_crs: SiteCrs,
    k: float,
    max_range_km: float,
    cell_m: float | None,
    compress: Literal["zstd", "deflate", "none"],
    json_: bool,
) -> None:
    """The body of :func:`floor`."""
    from iadsim.cli import _startup

    _startup.import_numpy_for_one_pass()
    import numpy as np

    from iadsim.coverage.floor import count_finite, geotiff_floor, site_floor

    _startup.preload_kernels()  # numba starts while the terrain is opened and read
    from iadsim.coverage.raster import write_geotiff
    from iadsim.terrain import GeoTiffTerrain, open_terrain

    a, b = parse_pair(site, "--site")
    terrain = open_terrain(dem)
    max_range_m = max_range_km * 1e3
    if site_crs == "dem":
        if not isinstance(terrain, GeoTiffTerrain):
            raise InputError("--site-crs dem needs --dem to be a GeoTIFF file")
        result = geotiff_floor(terrain, a, b, mast, k, max_range_m)
    else:
        if not (-90 <= a <= 90 and -180 <= b <= 180):
            raise InputError(f"--site: {site!r} is not a LAT,LON position in degrees")
        if isinstance(terrain, GeoTiffTerrain) and terrain.crs.is_geographic:
            result = geotiff_floor(terrain, b, a, mast, k, max_range_m)
        else:
            result = site_floor(terrain, a, b, mast, k, max_range_m, cell_m)
    tags = {
        "units": "m above ground",
        "terrain": terrain.identity,
        "k_factor": f"{k:.6g}",
        "mast_m": f"{mast:g}",
        "antenna_amsl_m": f"{result.antenna_amsl_m:.2f}",
        "max_range_m": f"{max_range_m:g}",
    }
    # An existing output is moved aside while the new one is written, and deleted once it is complete (or
    # put back if the write fails), rather than replaced by renaming the new file over it: on ext4 that makes
    # the kernel flush the new file to disk at once (auto_da_alloc), 0.13 s at 100 m. The new file is still
    # written under a temporary name and renamed when complete.
    old = _move_aside(out)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # GDAL writes without the GIL; summarise meanwhile
            written = pool.submit(
                contextvars.copy_context().run,  # (the writer checks it is not writing over an input)
                write_geotiff,
                result.agl,
                out,
                description="radar floor (m above ground)",
                tags=tags,
                compress=None if compress == "none" else compress,
            )
            values = result.agl.values
            in_range = count_finite(values)
            # fraction seen at ground level and median floor from a regular 1-in-25 sample: exact ones cost
            # as much as the floor itself on large grids
            sample = values[::5, ::5]
            finite = sample[np.isfinite(sample)]
            at_ground = float(np.mean(finite == 0)) if finite.size else 0.0
            median = float(np.median(finite)) if finite.size else float("nan")
            written.result()
    except BaseException:
        if old is not None and not out.exists():
            old.rename(out)  # the previous output stays as it was
        raise
    if old is not None:
        old.unlink(missing_ok=True)
    rows, cols = result.agl.shape
    if json_:
        print_json(
            {
                "out": str(out),
                "terrain": terrain.identity,
                "crs": result.agl.crs.to_string(),
                "shape": [rows, cols],
                "cell_size_m": list(result.agl.cell_size_m),
                "antenna_amsl_m": result.antenna_amsl_m,
                "cells_in_range": in_range,
                "visible_at_ground_fraction_sampled": at_ground,
                "median_floor_m_sampled": median,
            }
        )
        return
    console.print(f"radar floor written to [bold]{out}[/] ({rows} x {cols} cells, {result.agl.crs.name})")
    console.print(f"terrain: {terrain.identity}; antenna {result.antenna_amsl_m:.0f} m above sea level")
    console.print(
        f"cells in range: {in_range:,}; visible at ground level: {100 * at_ground:.1f}%; "
        f"median floor {median:.0f} m"
    )


def _move_aside(path: Path) -> Path | None:
    """Rename an existing file at ``path`` to a hidden name beside it; returns that name (None if there is
    none, or it cannot be renamed: the write then replaces it, or reports why it cannot)."""
    if not path.is_file():
        return None
    aside = path.with_name(f".{path.name}.{os.getpid()}.old")
    try:
        path.rename(aside)
    except OSError:
        return None
    return aside


@app.command("map")
def map_(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Scenario file or built-in name; without it, describe sites with flags."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for GeoTIFF, GeoJSON, KML, PNG and the area table.")
    ] = Path("iadsim-coverage"),
    system: Annotated[
        str, typer.Option(help="Catalog system at each --site (without a scenario).")
    ] = "s-400",
    site: Annotated[
        list[str] | None, typer.Option(help="LAT,LON of a unit of --system (repeatable).")
    ] = None,
    facing: Annotated[
        float | None,
        typer.Option(help="Azimuth the sector radars of --system face, degrees from north (0-360)."),
    ] = None,
    target: Annotated[list[str] | None, typer.Option(help="Catalog target id (repeatable).")] = None,
    altitude: Annotated[
        list[float] | None, typer.Option("--altitude", "-a", help="Target altitude, m.")
    ] = None,
    amsl: Annotated[bool, typer.Option(help="Altitudes above sea level instead of above ground.")] = False,
    terrain: Annotated[
        str | None, typer.Option(help="globe, flat, copernicus-90, copernicus-30 or a GeoTIFF.")
    ] = None,
    cell_m: Annotated[float | None, typer.Option(help="Cell size of the study grid, m.")] = None,
    pd: Annotated[
        float | None, typer.Option(help="Single-look detection probability defining coverage.")
    ] = None,
    k: Annotated[float | None, typer.Option(help="Effective earth radius factor.")] = None,
    surface: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="Surface under the signal (catalog surface id, or 'none' for free space); default: the "
            "scenario's, else farmland.",
        ),
    ] = None,
    aspect: Annotated[
        str, typer.Option(help="Aspect the targets show the radars: nose (heading for them), beam or tail.")
    ] = "nose",
    json_: JsonOption = False,
) -> None:
    """Detection and engagement coverage of catalog systems against catalog targets at given altitudes.

    Writes floors and coverage as GeoTIFF, polygons as GeoJSON and KML, PNG maps, and prints the ring vs
    real table: the advertised ring's area against the area actually covered, per target and altitude.
    Detection is over the --surface (multipath, diffraction, clutter), each radar seeing the RCS the target
    shows in its band from the --aspect.
    """
    from iadsim._atomic import inputs
    from iadsim.cli._common import get_catalog
    from iadsim.scenario import MAX_ALTITUDE_M, Altitude, CoverageSpec, Scenario, Unit, resolve_scenario
    from iadsim.terrain import open_terrain
    from iadsim.workflows.coverage_study import run_coverage

    cat = get_catalog()
    if scenario is not None:
        if site:
            raise InputError("give either a scenario or --site, not both")
        sc = resolve_scenario(scenario, cat)
    else:
        if not site:
            raise InputError("give a scenario file or name, or at least one --site LAT,LON")
        chosen = cat.system(system)
        sectors = [r for r in (*chosen.regiment_radars, *chosen.battalion_radars) if cat.radar(r).sector_scan]
        if sectors and facing is None:
            raise InputError(
                f"--facing: the {', '.join(sectors)} of {system} cover(s) an azimuth sector; give the "
                "direction it faces in degrees from north, e.g. --facing 90"
            )
        if facing is not None and not 0 <= facing < 360:
            raise InputError(f"--facing: an azimuth in degrees lies in [0, 360), got {facing}")
        units = []
        for i, text in enumerate(site):
            lat, lon = parse_pair(text, "--site")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputError(f"--site: {text!r} is not a LAT,LON position in degrees")
            units.append(
                Unit(name=f"{system}-{i + 1}", system=system, position=(lat, lon), facing_deg=facing)
            )
        sc = Scenario(version=1, name=f"{system} coverage", units=tuple(units))
    in_range("--pd", pd, *PD_RANGE)
    in_range("--k", k, *K_RANGE)
    in_range("--cell-m", cell_m, 10, 100_000)
    updates: dict[str, object] = {}
    if pd is not None:
        updates["pd"] = pd
    if k is not None:
        updates["k"] = k
    if cell_m is not None:
        updates["cell_m"] = cell_m
    if updates:
        sc = sc.model_copy(update={"coverage": CoverageSpec(**{**sc.coverage.model_dump(), **updates})})
    from iadsim.catalog import ASPECTS
    from iadsim.scenario import FREE_SPACE_SURFACE

    if aspect not in ASPECTS:
        raise InputError(f"--aspect: must be one of {', '.join(ASPECTS)}, got {aspect!r}")
    if surface is not None:
        if surface != FREE_SPACE_SURFACE:
            cat.surface(surface)
        sc = sc.model_copy(update={"environment": sc.environment.model_copy(update={"surface": surface})})
    alts = None
    if altitude:
        for a in altitude:
            in_range("--altitude", a, 0, MAX_ALTITUDE_M)
        alts = [Altitude(**{"amsl" if amsl else "agl": a}) for a in altitude]
    if target:
        for t in target:
            cat.target(t)
    if scenario is None and not target:
        target = ["f-16c", "f-35a", "subsonic-cruise-missile"]
    if scenario is None and not altitude:
        alts = [Altitude(agl=50), Altitude(agl=1000), Altitude(agl=10000)]
    ter = open_terrain(terrain or sc.terrain)
    with (
        inputs(input_files(sc.source, terrain or sc.terrain)),
        console.status("computing coverage...") as status,
    ):
        result = run_coverage(
            sc, cat, out, target, alts, ter, progress=lambda m: status.update(m), aspect=aspect
        )
    if json_:
        print_json(result.as_dict())
        return
    console.print(ring_table(result))
    console.print(f"{len(result.files)} files written to {out}")


def ring_table(result: CoverageResult) -> Table:
    """The ring vs real table of a coverage study, for the terminal."""
    from rich.table import Table

    ring = result.rows[0].ring_area_km2 if result.rows else float("nan")
    table = Table(
        title=f"{result.name}: ring vs real (advertised ring {ring:,.0f} km²; {result.terrain}; "
        f"{result.grid_cell_m:g} m cells)"
    )
    table.add_column("target", no_wrap=True)
    table.add_column("altitude", no_wrap=True)
    table.add_column("coverage", no_wrap=True)
    table.add_column("km²", justify="right", no_wrap=True)
    table.add_column("% of ring", justify="right", no_wrap=True)
    table.add_column("largest shares (km²)")
    for row in result.rows:
        shares = sorted(row.by_country_km2.items(), key=lambda kv: -kv[1])[:3]
        table.add_row(
            row.target,
            row.altitude,
            row.kind,
            f"{row.area_km2:,.0f}",
            f"{row.percent_of_ring:.1f}%",
            ", ".join(f"{c} {a:,.0f}" for c, a in shares if a > 0),
        )
    return table
