"""Many radar sites at once: the union of their coverage on one common grid, as a count per cell.

:func:`sites_coverage` places N radar sites on one local azimuthal-equidistant grid (the rectangle that
holds every site and the reach of its radar), computes each site's radar floor on its own window of that
grid (:func:`iadsim.coverage.floor.radar_floor`) and its detection coverage there
(:func:`iadsim.coverage.maps.detection_coverage`, unchanged), and adds each window's mask into one count
grid: how many sites detect a target in each cell. Memory: the terrain grid, the count grid and one site's
window at a time; never a full-grid array per site.

:func:`visibility_count` is the plain multi-observer count without a radar equation, as GDAL's cumulative
viewshed (``gdal_viewshed -om ACCUM``): per cell, how many sites have a target at a given height above the
ground in line of sight.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from iadsim import physics
from iadsim.coverage.areas import cell_areas_km2
from iadsim.coverage.floor import MAX_CENTRAL_ANGLE, Floor, radar_floor, warm_kernels
from iadsim.coverage.maps import AltitudeReference, detection_coverage
from iadsim.errors import InputError
from iadsim.limits import check_memory
from iadsim.sensors import FREE_SPACE, Environment, RadarModel
from iadsim.terrain.grid import WGS84, Grid, local_azimuth_rad, local_crs

if TYPE_CHECKING:
    from iadsim.catalog import Catalog
    from iadsim.terrain import Terrain

#: Default cell of the common grid, m.
DEFAULT_CELL_M = 250.0
#: Longest range a site's floor is swept to when its radar has no instrumented range, m.
MAX_REACH_M = 1000e3
#: Memory of the common grid per cell, bytes: the terrain (float32), the count, the cell areas (float64)
#: and their resampling.
SITES_GRID_BYTES_PER_CELL = 24


@dataclass(frozen=True)
class RadarSite:
    """One radar site: WGS84 position (degrees), the radar (a catalog id or a :class:`RadarModel`), an
    antenna height above the ground overriding the radar's (m), the direction a sector radar faces
    (degrees clockwise from true north) and a name for tables (default ``site-<n>``)."""

    lat: float
    lon: float
    radar: str | RadarModel = "96l6e"
    mast_m: float | None = None
    facing_deg: float | None = None
    name: str = ""


@dataclass(frozen=True)
class SiteStats:
    """What one site contributed: its name, position (degrees), radar, antenna height (m), the range its
    floor was swept to (m), the area it detects (km², true ellipsoidal) and the seconds it took (floor
    and detection)."""

    name: str
    lat: float
    lon: float
    radar_id: str
    mast_m: float
    range_m: float
    area_km2: float
    seconds: float


@dataclass(frozen=True)
class SitesCoverage:
    """The union of the sites' coverage on one grid.

    ``count``: how many sites detect the target in each cell (uint8, uint16 from 256 sites on; 0: none);
    ``sites``: per-site statistics in the order given; ``overlap_km2[k - 1]``: area (km²) seen by at least
    ``k`` sites, for k = 1 .. number of sites (``overlap_km2[0]`` is the union's area); ``grid_seconds``:
    building the terrain grid; ``seconds``: the whole computation; ``notes``: what was assumed (for
    tables); ``elevation``: the terrain grid it was computed on (m above sea level, for maps).
    """

    count: Grid
    sites: list[SiteStats]
    overlap_km2: list[float]
    grid_seconds: float
    seconds: float
    notes: dict[str, str] = field(default_factory=dict)
    elevation: Grid | None = None

    @property
    def union_km2(self) -> float:
        """Area seen by at least one site, km²."""
        return self.overlap_km2[0] if self.overlap_km2 else 0.0

    def as_dict(self) -> dict[str, object]:
        """Everything but the grid, for JSON."""
        rows, cols = self.count.shape
        sx, sy = self.count.cell_size_m
        return {
            "shape": [rows, cols],
            "cell_size_m": [sx, sy],
            "crs": self.count.crs.to_string(),
            "sites": [asdict(s) for s in self.sites],
            "overlap_km2": {f">={k}": a for k, a in enumerate(self.overlap_km2, start=1)},
            "union_km2": self.union_km2,
            "grid_seconds": self.grid_seconds,
            "seconds": self.seconds,
            **self.notes,
        }


def common_grid_spec(
    points: Sequence[tuple[float, float]], reach_m: Sequence[float], cell_m: float
) -> tuple[Affine, tuple[int, int], CRS]:
    """Transform, shape (rows, cols) and CRS of the grid of :func:`common_grid`: a local
    azimuthal-equidistant rectangle of ``cell_m`` metres centred on the mean of ``points`` ((lat, lon)
    degrees), holding every point and ``reach_m[i]`` metres around it (plus two cells); the bounding
    rectangle rather than a square, so a country's worth of sites costs what it spans. The centre of the CRS
    is the centre of a cell, as in :meth:`iadsim.terrain.Terrain.local_grid`."""
    if not points:
        raise InputError("a grid of sites needs at least one site")
    if not (cell_m > 0 and math.isfinite(cell_m)):
        raise InputError(f"cell size must be positive and finite, got {cell_m} m")
    lat0 = float(np.mean([p[0] for p in points]))
    lon0 = float(np.mean([p[1] for p in points]))
    crs = local_crs(lat0, lon0)
    xs, ys = Transformer.from_crs(WGS84, crs, always_xy=True).transform(
        [p[1] for p in points], [p[0] for p in points]
    )
    reach = np.asarray(reach_m, dtype=np.float64) + 2 * cell_m
    # cell edges at (i + 1/2) * cell_m: the CRS's centre is a cell centre
    c_lo = math.floor(float(np.min(np.asarray(xs) - reach)) / cell_m - 0.5)
    c_hi = math.ceil(float(np.max(np.asarray(xs) + reach)) / cell_m - 0.5)
    r_lo = math.floor(float(np.min(np.asarray(ys) - reach)) / cell_m - 0.5)
    r_hi = math.ceil(float(np.max(np.asarray(ys) + reach)) / cell_m - 0.5)
    rows, cols = r_hi - r_lo, c_hi - c_lo
    check_memory(
        f"a grid of {rows:,} x {cols:,} cells of {cell_m:g} m for {len(points)} sites",
        rows * cols * SITES_GRID_BYTES_PER_CELL,
    )
    transform = Affine(cell_m, 0.0, (c_lo + 0.5) * cell_m, 0.0, -cell_m, (r_hi + 0.5) * cell_m)
    return transform, (rows, cols), crs


def common_grid(
    terrain: Terrain, points: Sequence[tuple[float, float]], reach_m: Sequence[float], cell_m: float
) -> Grid:
    """Terrain heights (float32 m above sea level, NaN without data) on the grid of
    :func:`common_grid_spec`: every point ((lat, lon) degrees) and ``reach_m[i]`` metres around it."""
    _covers(terrain, points)
    return terrain.resample(*common_grid_spec(points, reach_m, cell_m))


def _covers(terrain: Terrain, points: Sequence[tuple[float, float]]) -> None:
    for lat, lon in points:
        if not terrain.covers(lat, lon):
            from iadsim.terrain import TerrainError

            raise TerrainError(terrain.not_covered_message(lat, lon))


def _count_dtype(n: int) -> np.dtype[np.unsignedinteger]:
    return np.dtype(np.uint8) if n <= np.iinfo(np.uint8).max else np.dtype(np.uint16)


def _check_site(lat: float, lon: float, name: str) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"site {name}: ({lat}, {lon}) is not a latitude, longitude in degrees")


def overlap_areas_km2(count: Grid, n_sites: int) -> list[float]:
    """Area (km², true ellipsoidal) of the cells of ``count`` covered by at least k sites, k = 1 ..
    ``n_sites``: non-increasing, the first the union's area."""
    areas = cell_areas_km2(count).ravel()
    values = np.asarray(count.values).ravel()
    covered = np.flatnonzero(values)  # (a weighted count over every cell costs 25 times more)
    by_count = np.bincount(values[covered], weights=areas[covered], minlength=n_sites + 1)
    at_least = np.cumsum(by_count[::-1])[::-1]  # at_least[k] = area with count >= k
    return [float(a) for a in at_least[1 : n_sites + 1]]


def _models(sites: Sequence[RadarSite], catalog: Catalog | None) -> list[tuple[RadarModel, str]]:
    """Each site's radar model (with its mast override) and name."""
    out: list[tuple[RadarModel, str]] = []
    for i, s in enumerate(sites):
        name = s.name or f"site-{i + 1}"
        _check_site(s.lat, s.lon, name)
        if s.mast_m is not None and not 0 <= s.mast_m <= 200:
            raise InputError(f"site {name}: antenna height must lie in [0, 200] m, got {s.mast_m} m")
        if isinstance(s.radar, RadarModel):
            model = s.radar
            if s.mast_m is not None:
                model = replace(model, mast_height_m=float(s.mast_m))
        else:
            if catalog is None:
                from iadsim.catalog import default_catalog

                catalog = default_catalog()
            model = RadarModel.from_catalog(catalog.radar(s.radar), s.mast_m)
        if model.sector_rad < 2 * np.pi and s.facing_deg is None:
            raise InputError(
                f"site {name}: the {model.id} covers an azimuth sector; give the direction it faces"
            )
        if s.facing_deg is not None and not 0 <= s.facing_deg < 360:
            raise InputError(f"site {name}: facing must lie in [0, 360) degrees, got {s.facing_deg}")
        out.append((model, name))
    return out


def detection_reach_m(
    radar: RadarModel, rcs_m2: float, swerling: int, pd: float, env: Environment, max_range_m: float | None
) -> float:
    """How far (m) a site's floor must reach for :func:`detection_coverage` to find every detected cell:
    its instrumented range, the free-space detection range (twice it over a surface, whose lobing adds at
    most 12 dB: :mod:`.maps`), ``max_range_m`` and :data:`MAX_REACH_M`, whichever is shortest."""
    free = float(radar.free_space_range_m(rcs_m2, pd, swerling))
    reach = min(free if env.free_space else 2.0 * free, radar.instrumented_range_m, MAX_REACH_M)
    if max_range_m is not None:
        reach = min(reach, max_range_m)
    return float(reach)


def _grid_for(
    sites: Sequence[RadarSite],
    reach: Sequence[float],
    terrain: Terrain | None,
    cell_m: float,
    grid: Grid | None,
) -> tuple[Grid, float]:
    """The sites' common grid (``grid`` itself if given) and the seconds it took."""
    t = time.perf_counter()
    if grid is None:
        from iadsim.terrain import open_terrain

        terrain = terrain or open_terrain("globe")
        points = [(s.lat, s.lon) for s in sites]
        _covers(terrain, points)
        spec = common_grid_spec(points, reach, cell_m)
        # the cell areas (BLAS) and the kernels' loading (numba) beside the terrain's resampling (GDAL)
        with ThreadPoolExecutor(max_workers=2) as pool:
            shaped = Grid(np.broadcast_to(np.uint8(0), spec[1]), spec[0], spec[2])
            areas_job = pool.submit(cell_areas_km2, shaped)
            kernels_job = pool.submit(warm_kernels)
            grid = terrain.resample(*spec)
            areas_job.result()
            kernels_job.result()
    if grid.is_geographic:
        raise InputError("the sites' grid must be projected (metres); resample geographic terrain first")
    return grid, time.perf_counter() - t


def _count_sites(
    sites: Sequence[RadarSite],
    models: Sequence[tuple[RadarModel, str]],
    reach: Sequence[float],
    grid: Grid,
    k: float,
    seen: Callable[[int, Floor], NDArray[np.bool_]],
    progress: Callable[[SiteStats], None] | None,
    source: str,
) -> tuple[Grid, list[SiteStats], list[float]]:
    """The count of sites seeing each cell of ``grid``, per-site statistics and the overlap areas: site
    ``i``'s floor swept to ``reach[i]`` metres, and the cells of its window ``seen(i, floor)`` says.
    Two sites at a time: the floors' kernels and numpy's large array operations release the GIL."""
    to_grid = Transformer.from_crs(WGS84, grid.crs, always_xy=True)
    xy = [to_grid.transform(s.lon, s.lat) for s in sites]
    for s, (_, name), (x, y) in zip(sites, models, xy, strict=True):
        if not grid.contains(float(x), float(y)):
            raise InputError(f"site {name} ({s.lat:.5f}, {s.lon:.5f}) lies outside the grid")
    count = np.zeros(grid.shape, dtype=_count_dtype(len(sites)))
    areas = cell_areas_km2(grid)

    def one(i: int) -> tuple[tuple[slice, slice], NDArray[np.bool_], float]:
        t = time.perf_counter()
        x, y = xy[i]
        floor = radar_floor(grid, float(x), float(y), models[i][0].mast_height_m, k, reach[i])
        return floor.window_on(grid), seen(i, floor), time.perf_counter() - t

    stats: list[SiteStats] = []
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for i, ((rows, cols), mask, seconds) in enumerate(pool.map(one, range(len(sites)))):
            window = count[rows, cols]
            window += mask  # (in place: a view of the count grid)
            s, (model, name) = sites[i], models[i]
            area = float(np.sum(areas[rows, cols], where=mask))
            stats.append(
                SiteStats(name, s.lat, s.lon, model.id, model.mast_height_m, reach[i], area, seconds)
            )
            if progress is not None:
                progress(stats[-1])
    result = grid.with_values(count, source=source)
    return result, stats, overlap_areas_km2(result, len(sites))


def _visible(floor: Floor, target_height_m: float) -> NDArray[np.bool_]:
    """The cells of a floor's window where a target ``target_height_m`` above the ground is in line of
    sight (NaN, out of range: not)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(floor.agl.values) <= target_height_m


def sites_coverage(
    sites: Sequence[RadarSite],
    rcs_m2: float | Callable[[RadarModel], float],
    swerling: int,
    altitude_m: float,
    reference: AltitudeReference = "agl",
    terrain: Terrain | None = None,
    cell_m: float = DEFAULT_CELL_M,
    max_range_m: float | None = None,
    pd: float = 0.5,
    k: float = physics.STANDARD_K,
    env: Environment = FREE_SPACE,
    catalog: Catalog | None = None,
    grid: Grid | None = None,
    progress: Callable[[SiteStats], None] | None = None,
) -> SitesCoverage:
    """Detection coverage of many radar sites on one grid: the count of sites detecting each cell.

    A target of ``rcs_m2`` (m²; or a function giving the RCS each radar sees, e.g. per band) and Swerling
    case ``swerling`` flies at ``altitude_m`` metres above the ground (``reference="agl"``) or above sea
    level (``"amsl"``). A cell counts for a site where :func:`iadsim.coverage.maps.detection_coverage`
    finds it detected with single-look Pd >= ``pd`` (line of sight over the terrain and a ``k``-factor
    earth, elevation limits, azimuth sector, instrumented range, the radar equation less what the surface
    of ``env`` takes). ``env`` defaults to free space (that function's default: nothing but range and the
    line of sight); a scenario's default is farmland, which the command line uses
    (``iadsim coverage sites --surface``).

    The grid: ``grid`` if given (projected, metres; the sites must lie on it), else the terrain (default:
    the embedded GLOBE tile) resampled onto a local azimuthal-equidistant rectangle of ``cell_m`` metres
    holding every site and its reach (:func:`common_grid`). Each site's floor is swept to the shortest of
    its radar's instrumented range, its detection range for this target (:func:`detection_reach_m`) and
    ``max_range_m`` (m): beyond it no cell is detected. ``progress`` is called after each site.
    """
    t_all = time.perf_counter()
    if not sites:
        raise InputError("give at least one radar site")
    if not 0 < pd < 1:
        raise InputError(f"detection probability must lie in (0, 1), got {pd}")
    if max_range_m is not None and not 0 < max_range_m < math.inf:
        raise InputError(f"maximum range must be positive and finite, got {max_range_m} m")
    if env.k != k:
        env = replace(env, k=k)  # the surface's lobing on the same earth as the floors
    models = _models(sites, catalog)
    rcs = [float(rcs_m2(m) if callable(rcs_m2) else rcs_m2) for m, _ in models]
    for (_, name), r in zip(models, rcs, strict=True):
        if not (r > 0 and math.isfinite(r)):
            raise InputError(f"site {name}: target RCS must be positive and finite, got {r} m²")
    reach = [
        detection_reach_m(m, r, swerling, pd, env, max_range_m) for (m, _), r in zip(models, rcs, strict=True)
    ]
    re = physics.effective_earth_radius_m(k)
    reach = [min(r, 0.999 * MAX_CENTRAL_ANGLE * re) for r in reach]
    grid, grid_seconds = _grid_for(sites, reach, terrain, cell_m, grid)

    def detected(i: int, floor: Floor) -> NDArray[np.bool_]:
        s, model = sites[i], models[i][0]
        facing = local_azimuth_rad(grid.crs, s.lat, s.lon, s.facing_deg) if s.facing_deg is not None else 0.0
        mask = detection_coverage(floor, model, rcs[i], swerling, altitude_m, reference, pd, facing, env)
        return np.asarray(mask.values)

    source = f"detection count of {len(sites)} radar sites"
    result, stats, overlap = _count_sites(sites, models, reach, grid, k, detected, progress, source)
    notes = {
        "mode": "detection",
        "environment": env.describe(),
        "altitude": f"{altitude_m:g} m {reference.upper()}",
    }
    return SitesCoverage(result, stats, overlap, grid_seconds, time.perf_counter() - t_all, notes, grid)


def visibility_count(
    grid: Grid,
    sites_xy: Sequence[tuple[float, float]],
    mast_m: float | Sequence[float],
    target_height_m: float,
    k: float = physics.STANDARD_K,
    max_range_m: float = 400e3,
) -> Grid:
    """How many of the sites see each cell: a target ``target_height_m`` metres above the ground there is
    in line of sight of an antenna ``mast_m`` metres above the ground at the site (one height, or one per
    site), over the terrain and a ``k``-factor earth, within ``max_range_m`` metres. No radar equation:
    GDAL's cumulative viewshed (``gdal_viewshed -om ACCUM``) on iadsim's floor
    (:func:`iadsim.coverage.floor.radar_floor`). Sites (x, y) are in the grid's CRS. Returns a uint8
    (uint16 from 256 sites on) count grid on ``grid``'s cells."""
    if not sites_xy:
        raise InputError("give at least one site")
    if not (target_height_m >= 0 and math.isfinite(target_height_m)):
        raise InputError(f"target height must be non-negative and finite, got {target_height_m} m")
    masts = [float(mast_m)] * len(sites_xy) if isinstance(mast_m, int | float) else [float(m) for m in mast_m]
    if len(masts) != len(sites_xy):
        raise InputError(f"give one antenna height or one per site ({len(sites_xy)}), got {len(masts)}")
    count = np.zeros(grid.shape, dtype=_count_dtype(len(sites_xy)))
    for (x, y), mast in zip(sites_xy, masts, strict=True):
        floor = radar_floor(grid, float(x), float(y), mast, k, max_range_m)
        window = count[floor.window_on(grid)]
        window += _visible(floor, target_height_m)  # (in place: a view of the count grid)
    return grid.with_values(count, source=f"visibility count of {len(sites_xy)} sites")


def sites_visibility(
    sites: Sequence[RadarSite],
    target_height_m: float,
    terrain: Terrain | None = None,
    cell_m: float = DEFAULT_CELL_M,
    max_range_m: float | None = None,
    k: float = physics.STANDARD_K,
    catalog: Catalog | None = None,
    grid: Grid | None = None,
    progress: Callable[[SiteStats], None] | None = None,
) -> SitesCoverage:
    """:func:`visibility_count` of sites given in WGS84 degrees, with per-site statistics and overlap
    areas as :func:`sites_coverage` gives them: per cell, how many sites have a target ``target_height_m``
    metres above the ground in line of sight (no radar equation). Each site's antenna stands at its radar's
    height (or its override); it sees out to ``max_range_m`` metres (default: its radar's instrumented
    range, at most :data:`MAX_REACH_M`). Grid as in :func:`sites_coverage`."""
    t_all = time.perf_counter()
    if not sites:
        raise InputError("give at least one radar site")
    if not (target_height_m >= 0 and math.isfinite(target_height_m)):
        raise InputError(f"target height must be non-negative and finite, got {target_height_m} m")
    if max_range_m is not None and not 0 < max_range_m < math.inf:
        raise InputError(f"maximum range must be positive and finite, got {max_range_m} m")
    models = _models(sites, catalog)
    re = physics.effective_earth_radius_m(k)
    reach = [
        min(m.instrumented_range_m, MAX_REACH_M, max_range_m or math.inf, 0.999 * MAX_CENTRAL_ANGLE * re)
        for m, _ in models
    ]
    grid, grid_seconds = _grid_for(sites, reach, terrain, cell_m, grid)
    result, stats, overlap = _count_sites(
        sites,
        models,
        reach,
        grid,
        k,
        lambda _i, floor: _visible(floor, target_height_m),
        progress,
        f"visibility count of {len(sites)} radar sites",
    )
    notes = {"altitude": f"{target_height_m:g} m AGL", "mode": "visibility"}
    return SitesCoverage(result, stats, overlap, grid_seconds, time.perf_counter() - t_all, notes, grid)
