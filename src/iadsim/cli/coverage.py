"""``iadsim coverage floor``, ``iadsim coverage map``, ``iadsim coverage sites`` and ``iadsim coverage
footprint``."""

from __future__ import annotations

import contextvars
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from iadsim.cli._common import JsonOption, SurfaceOption, console, in_range, input_files, print_json
from iadsim.errors import InputError
from iadsim.limits import K_RANGE, PD_RANGE

if TYPE_CHECKING:
    from rich.table import Table

    from iadsim.catalog.models import Target
    from iadsim.coverage.sites import RadarSite, SitesCoverage
    from iadsim.workflows.coverage_study import CoverageResult
    from iadsim.workflows.footprint import FootprintResult, FootprintStudy

app = typer.Typer(
    help="Terrain-aware radar coverage: radar floor, detection and engagement maps, many sites, defended "
    "footprints against ballistic missiles.",
    no_args_is_help=True,
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
    from iadsim.catalog import ASPECTS, FREE_SPACE_SURFACE

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


SitesMode = Literal["detection", "visibility"]


@app.command("sites")
def sites(
    site: Annotated[list[str] | None, typer.Option(help="LAT,LON of a radar site (repeatable).")] = None,
    sites_file: Annotated[
        Path | None,
        typer.Option(
            "--sites", help="CSV of sites: columns lat,lon and optionally radar, mast_m, facing_deg, name."
        ),
    ] = None,
    radar: Annotated[str, typer.Option(help="Catalog radar at sites that name none.")] = "96l6e",
    mast: Annotated[
        float | None,
        typer.Option(
            help="Antenna height above the ground at sites that give none, m (default: the radar's)."
        ),
    ] = None,
    facing: Annotated[
        float | None, typer.Option(help="Azimuth sector radars face, degrees from north (0-360).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Catalog target id (default f-16c unless --rcs).")
    ] = None,
    rcs: Annotated[
        float | None, typer.Option(help="Target radar cross-section, m² (instead of --target).")
    ] = None,
    swerling: Annotated[int | None, typer.Option(help="Swerling case with --rcs (0-4; default 1).")] = None,
    aspect: Annotated[
        str, typer.Option(help="Aspect the target shows the radars: nose, beam or tail.")
    ] = "nose",
    altitude: Annotated[float, typer.Option("--altitude", "-a", help="Target altitude, m.")] = 50.0,
    agl: Annotated[
        bool, typer.Option("--agl/--amsl", help="Altitude above ground (default) or sea level.")
    ] = True,
    cell_m: Annotated[float, typer.Option(help="Cell size of the common grid, m.")] = 250.0,
    range_km: Annotated[
        float | None, typer.Option(help="Maximum range, km (default: each radar's instrumented range).")
    ] = None,
    mode: Annotated[
        SitesMode,
        typer.Option(help="detection: radar equation within line of sight; visibility: line of sight only."),
    ] = "detection",
    pd: Annotated[float, typer.Option(help="Single-look detection probability defining coverage.")] = 0.5,
    k: Annotated[float, typer.Option(help="Effective earth radius factor.")] = 4 / 3,
    surface: SurfaceOption = "farmland",
    terrain: Annotated[
        str, typer.Option(help="globe, flat, copernicus-90, copernicus-30 or a GeoTIFF.")
    ] = "globe",
    out: Annotated[Path, typer.Option(help="GeoTIFF to write: how many sites cover each cell.")] = Path(
        "sites-count.tif"
    ),
    png: Annotated[Path | None, typer.Option(help="Also draw a PNG map of the coverage.")] = None,
    geojson: Annotated[Path | None, typer.Option(help="Also write the coverage as GeoJSON polygons.")] = None,
    json_: JsonOption = False,
) -> None:
    """Coverage of many radar sites on one grid: how many sites see each cell, per-site areas, overlap.

    detection: a target of --target (or --rcs) at --altitude is detected with single-look Pd >= --pd
    (line of sight over the terrain, elevation limits, sector, instrumented range, the radar equation
    over --surface). visibility: line of sight alone, a target --altitude above the ground (as
    gdal_viewshed's cumulative mode). Writes the count as a GeoTIFF; prints per-site and overlap areas.
    """
    from iadsim._atomic import check_not_input, inputs
    from iadsim.catalog import ASPECTS, FREE_SPACE_SURFACE
    from iadsim.cli._common import get_catalog
    from iadsim.coverage.sites import RadarSite
    from iadsim.scenario import MAX_ALTITUDE_M

    in_range("--altitude", altitude, 0, MAX_ALTITUDE_M)
    in_range("--cell-m", cell_m, 10, 100_000)
    in_range("--range-km", range_km, 0, 2000, low_open=True)
    in_range("--pd", pd, *PD_RANGE)
    in_range("--k", k, *K_RANGE)
    in_range("--mast", mast, 0, 200)
    in_range("--rcs", rcs, 0, 1e6, low_open=True)
    in_range("--swerling", swerling, 0, 4)
    if facing is not None and not 0 <= facing < 360:
        raise InputError(f"--facing: an azimuth in degrees lies in [0, 360), got {facing}")
    if aspect not in ASPECTS:
        raise InputError(f"--aspect: must be one of {', '.join(ASPECTS)}, got {aspect!r}")
    if target is not None and rcs is not None:
        raise InputError("give either --target or --rcs, not both")
    if swerling is not None and rcs is None:
        raise InputError("--swerling goes with --rcs (a catalog target has its own)")
    if mode == "visibility" and not agl:
        raise InputError("--amsl: visibility mode counts a target at a height above the ground; use --agl")
    if out.is_dir():
        raise InputError(f"--out: {out} is a folder; give the name of the GeoTIFF to write")
    cat = get_catalog()
    cat.radar(radar)
    entries: list[RadarSite] = []
    for i, text in enumerate(site or []):
        lat, lon = parse_pair(text, "--site")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"--site: {text!r} is not a LAT,LON position in degrees")
        entries.append(RadarSite(lat, lon, radar, mast, facing, f"site-{i + 1}"))
    if sites_file is not None:
        entries += read_sites_csv(sites_file, radar, mast, facing, first=len(entries) + 1)
    if not entries:
        raise InputError("give at least one --site LAT,LON or a --sites file")
    for e in entries:
        cat.radar(str(e.radar))
    if surface != FREE_SPACE_SURFACE:
        cat.surface(surface)
    tgt = None
    if rcs is None:
        tgt = cat.target(target or "f-16c")
    with inputs(input_files(terrain, sites_file)):
        for path, option in ((out, "--out"), (png, "--png"), (geojson, "--geojson")):
            if path is not None:
                check_not_input(path, option)
        _sites(entries, tgt, rcs, swerling, aspect, altitude, agl, cell_m, range_km, mode, pd, k, surface,
               terrain, out, png, geojson, json_)  # fmt: skip


def read_sites_csv(
    path: Path, radar: str, mast: float | None, facing: float | None, first: int = 1
) -> list[RadarSite]:
    """Sites from a CSV file with a header: ``lat``, ``lon`` (degrees) and optionally ``radar`` (catalog
    id), ``mast_m`` (m), ``facing_deg`` (degrees from north) and ``name``; empty cells take the command's
    defaults. Sites without a name are numbered from ``first``."""
    import csv

    from iadsim.coverage.sites import RadarSite

    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except UnicodeDecodeError:
        raise InputError(f"--sites: {path} is not a UTF-8 text file") from None
    if not rows:
        raise InputError(f"--sites: {path} has no sites (a header line lat,lon and one line per site)")
    fields = {name.strip().lower() for name in rows[0] if name is not None}
    if not {"lat", "lon"} <= fields:
        raise InputError(f"--sites: {path} needs columns lat and lon, found {', '.join(sorted(fields))}")
    out: list[RadarSite] = []
    for n, raw in enumerate(rows, start=2):  # (line 1 is the header)
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"--sites: {path}, line {n}"

        def number(key: str, row: dict[str, str] = row, where: str = where) -> float | None:
            text = row.get(key, "")
            if not text:
                return None
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"{where}: {key} must be a number, got {text!r}") from None
            if not math.isfinite(value):
                raise InputError(f"{where}: {key} must be finite, got {text!r}")
            return value

        lat, lon = number("lat"), number("lon")
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(
                f"{where}: ({row.get('lat')!r}, {row.get('lon')!r}) is not a lat, lon in degrees"
            )
        mast_m = number("mast_m")
        if mast_m is not None and not 0 <= mast_m <= 200:
            raise InputError(f"{where}: mast_m must lie in [0, 200] m, got {mast_m:g}")
        facing_deg = number("facing_deg")
        if facing_deg is not None and not 0 <= facing_deg < 360:
            raise InputError(f"{where}: facing_deg must lie in [0, 360), got {facing_deg:g}")
        out.append(
            RadarSite(
                lat,
                lon,
                row.get("radar") or radar,
                mast if mast_m is None else mast_m,
                facing if facing_deg is None else facing_deg,
                row.get("name") or f"site-{first + len(out)}",
            )
        )
    return out


def _sites(
    entries: list[RadarSite],
    tgt: Target | None,
    rcs: float | None,
    swerling: int | None,
    aspect: str,
    altitude: float,
    agl: bool,
    cell_m: float,
    range_km: float | None,
    mode: SitesMode,
    pd: float,
    k: float,
    surface: str,
    terrain_spec: str,
    out: Path,
    png: Path | None,
    geojson: Path | None,
    json_: bool,
) -> None:
    """The body of :func:`sites`."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from iadsim.cli._common import err_console, get_catalog
    from iadsim.coverage.raster import write_geotiff
    from iadsim.coverage.sites import SiteStats, sites_coverage, sites_visibility
    from iadsim.sensors import Environment, RadarModel
    from iadsim.terrain import open_terrain

    started = time.perf_counter()
    cat = get_catalog()
    ter = open_terrain(terrain_spec)
    max_range_m = range_km * 1e3 if range_km is not None else None
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=json_) as bar:
        task = bar.add_task("terrain grid", total=len(entries))

        def progress(done: SiteStats) -> None:
            bar.update(task, advance=1, description=f"{mode}: {done.name}")

        if mode == "visibility":
            result = sites_visibility(entries, altitude, ter, cell_m, max_range_m, k, cat, progress=progress)
            what = f"line of sight to a target {altitude:g} m above the ground"
        else:
            env = Environment.of(cat, surface, k)
            if tgt is not None:
                chosen = tgt

                def rcs_of(model: RadarModel) -> float:
                    return float(chosen.rcs(model.band, aspect)[1].value)

                sw = int(tgt.swerling.value)
                what = f"{tgt.name} ({aspect}-on)"
            else:
                assert rcs is not None
                sw = 1 if swerling is None else swerling
                what = f"RCS {rcs:g} m², Swerling {sw}"
            result = sites_coverage(
                entries,
                rcs_of if tgt is not None else float(rcs or 0.0),
                sw,
                altitude,
                "agl" if agl else "amsl",
                ter,
                cell_m,
                max_range_m,
                pd,
                k,
                env,
                cat,
                progress=progress,
            )
            what += (
                f" at {altitude:g} m {'AGL' if agl else 'AMSL'}, single-look Pd >= {pd:g}, {env.describe()}"
            )
    tags = {
        "units": "number of sites",
        "terrain": ter.identity,
        "k_factor": f"{k:.6g}",
        "mode": mode,
        "what": what,
        "sites": "; ".join(
            f"{s.name} {s.lat:.5f} {s.lon:.5f} {s.radar_id} {s.mast_m:g} m" for s in result.sites
        ),
    }
    write_geotiff(result.count, out, nodata=None, description=f"sites covering each cell: {what}", tags=tags)
    files = [out]
    if geojson is not None or png is not None:
        files += _sites_extras(result, what, ter.identity, cell_m, png, geojson)
    total = time.perf_counter() - started
    if json_:
        extra = {"what": what, "terrain": ter.identity, "files": [str(f) for f in files]}
        print_json({**result.as_dict(), **extra, "command_seconds": total})
        return
    from rich.table import Table

    table = Table(title=f"{len(result.sites)} sites: {what}")
    for col in ("site", "position", "radar", "mast m", "range km", "seconds", "km²"):
        table.add_column(
            col, justify="left" if col in ("site", "position", "radar") else "right", no_wrap=True
        )
    for s in result.sites:
        table.add_row(
            s.name,
            f"{s.lat:.4f}, {s.lon:.4f}",
            s.radar_id,
            f"{s.mast_m:g}",
            f"{s.range_m / 1e3:,.0f}",
            f"{s.seconds:.2f}",
            f"{s.area_km2:,.0f}",
        )
    console.print(table)
    overlap = Table(title="overlap")
    overlap.add_column("seen by", no_wrap=True)
    overlap.add_column("km²", justify="right", no_wrap=True)
    for n, area in enumerate(result.overlap_km2, start=1):
        if n > 1 and area == 0:
            break
        overlap.add_row(f">= {n} site{'s' if n > 1 else ''}", f"{area:,.0f}")
    console.print(overlap)
    rows, cols = result.count.shape
    console.print(
        f"{rows:,} x {cols:,} cells of {cell_m:g} m on {ter.identity}; "
        f"terrain grid {result.grid_seconds:.2f} s, coverage {result.seconds:.2f} s, command {total:.2f} s"
    )
    console.print(f"written: {', '.join(str(f) for f in files)}")


def _sites_extras(
    result: SitesCoverage, what: str, terrain_id: str, cell_m: float, png: Path | None, geojson: Path | None
) -> list[Path]:
    """The GeoJSON polygons (cells seen by at least 1 and at least 2 sites, and the sites) and the PNG map
    of a :class:`iadsim.coverage.sites.SitesCoverage`."""
    import numpy as np

    from iadsim.coverage.export import mask_to_polygons, write_geojson
    from iadsim.report.maps import MapLayer, MapSite, coverage_map

    count = np.asarray(result.count.values)
    levels = [n for n in (1, 2) if n <= len(result.sites) and result.overlap_km2[n - 1] > 0]
    colours = {1: "#1f77b4", 2: "#d62728"}
    masks = {n: result.count.with_values(count >= n) for n in levels}
    files: list[Path] = []
    if geojson is not None:
        from shapely.geometry import Point

        from iadsim.coverage.export import Feature

        features: list[Feature] = [
            (
                mask_to_polygons(masks[n], simplify_m=cell_m / 2),
                {
                    "kind": "coverage",
                    "min_sites": n,
                    "area_km2": round(result.overlap_km2[n - 1], 1),
                    "name": f"seen by >= {n} site(s): {what}",
                    "color": colours[n],
                },
            )  # fmt: skip
            for n in levels
        ]
        features += [
            (
                Point(s.lon, s.lat),
                {"kind": "site", "name": s.name, "radar": s.radar_id, "area_km2": round(s.area_km2, 1)},
            )
            for s in result.sites
        ]
        files.append(write_geojson(features, geojson))
    if png is not None:
        assert result.elevation is not None
        layers = [
            MapLayer(
                masks[n],
                f"seen by ≥ {n} site{'s' if n > 1 else ''}: {result.overlap_km2[n - 1]:,.0f} km²",
                colours[n],
            )
            for n in levels
        ]
        files.append(
            coverage_map(
                png,
                result.elevation,
                layers,
                [MapSite(s.name, s.lat, s.lon) for s in result.sites],
                title=f"{len(result.sites)} radar sites: {what}",
                subtitle=f"{terrain_id}; {cell_m:g} m cells",
            )
        )
    return files


def parse_launch_area(text: str) -> tuple[float, float, float]:
    """``LAT,LON,RADIUS_KM`` of a launch area: degrees and km (radius 0 to 2,000 km)."""
    parts = text.replace(" ", "").split(",")
    try:
        lat, lon, radius = (float(x) for x in parts)  # (anything but three numbers is a ValueError)
        if not all(math.isfinite(v) for v in (lat, lon, radius)):
            raise ValueError
    except ValueError:
        raise InputError(
            f"--launch-area: expected LAT,LON,RADIUS_KM (three numbers separated by commas), got {text!r}"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"--launch-area: {text!r} does not start with a LAT,LON position in degrees")
    if not 0 <= radius <= 2000:
        raise InputError(f"--launch-area: the radius must lie in [0, 2000] km, got {radius:g}")
    return lat, lon, radius


@app.command("footprint")
def footprint(
    site: Annotated[str, typer.Option(help="LAT,LON of the battery (degrees).")],
    launch_area: Annotated[
        str, typer.Option(help="LAT,LON,RADIUS_KM: the centre (degrees) and radius (km) of the launch area.")
    ],
    system: Annotated[str, typer.Option(help="Catalog system of the battery.")] = "s-400",
    threat: Annotated[str, typer.Option(help="Catalog ballistic missile class.")] = "srbm-300",
    launch_points: Annotated[int, typer.Option(help="Launch points spread over the launch area.")] = 50,
    cells: Annotated[int, typer.Option(help="Cells along each side of the impact grid.")] = 200,
    half_width_km: Annotated[
        float | None,
        typer.Option(
            help="Half the side of the impact grid, km (default: the longest ballistic envelope range plus "
            "twice its ceiling, at the high end of the claims)."
        ),
    ] = None,
    pd: Annotated[
        float, typer.Option(help="Single-look detection probability that sets the radar's range.")
    ] = 0.5,
    uncertainty: Annotated[
        int, typer.Option(help="Draws of the disputed catalog figures (0: the catalog values only).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
    out: Annotated[
        Path, typer.Option(help="Folder for the GeoTIFFs, GeoJSON, PNG map, CSV and JSON.")
    ] = Path("iadsim-footprint"),
    json_: JsonOption = False,
) -> None:
    """Defended footprint of a battery against a ballistic missile: the ground points around --site where
    a missile launched from --launch-area and aimed at that point can be intercepted.

    For each impact point and launch point: the minimum-energy trajectory, the first confirmed track of the
    battery's engagement radar (free-space detection at --pd, horizon, elevation limits, sector facing the
    launch area), its reaction, and whether one of its missiles can reach a point of the descent inside its
    ballistic-missile envelope in time. Kinematics on flat terrain. Writes the defended share as GeoTIFF,
    the defended area as GeoJSON and on a PNG map, and the area per country (CSV).
    """
    from iadsim._atomic import inputs
    from iadsim.cli._common import get_catalog
    from iadsim.limits import MAX_SEED
    from iadsim.workflows.footprint import LaunchArea, plan_footprint

    lat, lon = parse_pair(site, "--site")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"--site: {site!r} is not a LAT,LON position in degrees")
    a_lat, a_lon, radius_km = parse_launch_area(launch_area)
    in_range("--launch-points", launch_points, 1, 10_000)
    in_range("--cells", cells, 1, 4000)
    in_range("--half-width-km", half_width_km, 0, 2000, low_open=True)
    in_range("--pd", pd, *PD_RANGE)
    in_range("--uncertainty", uncertainty, 0, 10_000)
    in_range("--seed", seed, 0, MAX_SEED)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} is a file; give the folder to write to")
    half_width_m = None if half_width_km is None else half_width_km * 1e3
    area = LaunchArea(a_lat, a_lon, radius_km * 1e3)
    cat = get_catalog()
    study = plan_footprint(
        cat, system, (lat, lon), threat, area, launch_points, cells, half_width_m, pd, uncertainty, seed
    )
    with inputs(input_files()):
        _footprint(study, out, json_)


def _footprint(study: FootprintStudy, out: Path, json_: bool) -> None:
    """The body of :func:`footprint`: the study under a progress bar, then the table or the JSON."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from iadsim.cli._common import err_console
    from iadsim.workflows.footprint import run_study

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("deployment", total=1)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=max(total, 1))

        result = run_study(study, out, progress)
    if json_:
        print_json(result.as_dict())
        return
    console.print(footprint_table(result))
    console.print(
        f"{result.system_name} at {result.site[0]:.4f}, {result.site[1]:.4f} ({', '.join(result.missiles)}; "
        f"{result.delay_s:g} s from track to launch; radar range {result.detection_m / 1e3:,.1f} km against "
        f"the RV at Pd {result.pd:g}); {result.launch_points} launch points within "
        f"{result.launch_area.radius_m / 1e3:g} km of {result.launch_area.lat:.4f}, "
        f"{result.launch_area.lon:.4f}; {result.cells} × {result.cells} cells of {result.cell_m:,.0f} m"
    )
    if result.reaches_edge:
        console.print(
            "[bold yellow]warning:[/] the defended area reaches the edge of the grid: widen --half-width-km"
        )
    console.print(f"{len(result.files)} files written to {out} in {result.seconds:.1f} s")


def footprint_table(result: FootprintResult) -> Table:
    """The defended area per country, for the terminal."""
    from rich.table import Table

    title = (
        f"Defended footprint of {result.system_name} against {result.threat_name}: "
        f"{result.defended_km2:,.0f} km² defended against every launch point"
    )
    table = Table(title=title)
    table.add_column("country", no_wrap=True)
    table.add_column("defended km²", justify="right", no_wrap=True)
    keys = list(result.draws_km2)
    for key in keys:
        table.add_column(f"≥ {key} of {result.uncertainty} draws km²", justify="right", no_wrap=True)
    columns = [result.by_country_km2, *(result.draws_by_country_km2[k] for k in keys)]
    for name in dict.fromkeys(n for c in columns for n in c):
        values = [c.get(name, 0.0) for c in columns]
        if any(v > 0 for v in values):
            table.add_row(name, *(f"{v:,.0f}" for v in values))
    totals = [result.defended_km2, *(result.draws_km2[k] for k in keys)]
    table.add_row("total", *(f"{v:,.0f}" for v in totals), style="bold")
    return table
