"""Areas against pyproj.Geod (Karney's geodesic areas), the WGS84 surface area and the borders dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point

from iadsim.coverage.areas import (
    SEA,
    area_by_country,
    area_km2,
    authalic_radius_m,
    cell_areas_km2,
    country_borders,
    country_index,
    ring_area_km2,
)
from iadsim.terrain.grid import WGS84, Grid, local_crs, local_grid_spec

GEOD = Geod(ellps="WGS84")
WGS84_SURFACE_KM2 = 510_065_621.724  # surface area of the WGS84 ellipsoid (NIMA TR8350.2, table 3.5)


def geod_cell_area_km2(grid: Grid, row: int, col: int, n: int = 200) -> float:
    """Area of one cell by pyproj.Geod: its outline, straight in the grid's CRS, densified to n points a
    side and transformed to lon/lat (so geodesic edges between points follow the true cell edges)."""
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    cols = np.concatenate([col + t, np.full(n, col + 1.0), col + 1.0 - t, np.full(n, float(col))])
    rows = np.concatenate([np.full(n, float(row)), row + t, np.full(n, row + 1.0), row + 1.0 - t])
    x = grid.transform.c + cols * grid.transform.a  # north-up grids
    y = grid.transform.f + rows * grid.transform.e
    lon, lat = Transformer.from_crs(grid.crs, WGS84, always_xy=True).transform(x, y)
    area, _ = GEOD.polygon_area_perimeter(lon, lat)
    return abs(area) / 1e6


# --------------------------------------------------------------------------------------------- borders


def test_country_borders_read_without_shx() -> None:
    countries = country_borders()
    assert len(countries) == 246  # World Borders 0.3 has 246 countries and territories
    by_iso = {c.iso3: c for c in countries}
    assert by_iso["TUR"].name == "Turkey" and by_iso["GRC"].name == "Greece"
    assert by_iso["ALA"].name == "Åland Islands"  # Latin-1 .dbf decoded
    assert all(c.geometry.is_valid and not c.geometry.is_empty for c in countries)
    assert by_iso["TUR"].geometry.contains(Point(32.86, 39.93))  # Ankara (lon, lat)
    assert by_iso["GRC"].geometry.contains(Point(23.73, 37.98))  # Athens
    assert by_iso["CYP"].geometry.contains(Point(33.38, 35.17))  # Nicosia
    west, south, east, north = by_iso["TUR"].geometry.bounds
    # Turkey's extreme points: 25°40' E (Gökçeada), 35°49' N, 44°48' E, 42°06' N; generalised borders.
    assert (west, south, east, north) == pytest.approx((25.67, 35.82, 44.8, 42.1), abs=0.1)
    assert country_borders()[0] is countries[0]  # parsed once per process


# --------------------------------------------------------------------------------------------- cell areas


def test_geographic_cells_add_up_to_the_ellipsoid() -> None:
    globe = Grid(np.zeros((180, 360)), Affine(1.0, 0, -180.0, 0, -1.0, 90.0), WGS84)
    areas = cell_areas_km2(globe)
    assert areas.sum() == pytest.approx(WGS84_SURFACE_KM2, rel=1e-9)
    assert np.all(areas[:, 0:1] == areas)  # equal along each row
    assert areas[89, 0] == pytest.approx(areas[90, 0], rel=1e-12)  # symmetric about the equator


@pytest.mark.parametrize(("lat", "cell_deg"), [(0.5, 1.0), (40.0, 1 / 120), (75.0, 0.25)])
def test_geographic_cells_match_geod(lat: float, cell_deg: float) -> None:
    # Geod on the cell outline densified along the parallels; rel 1e-8: the geodesic chords between 200
    # points a side sag from the parallel by far less than that.
    grid = Grid(np.zeros((3, 3)), Affine(cell_deg, 0, 30.0, 0, -cell_deg, lat + cell_deg), WGS84)
    assert cell_areas_km2(grid)[1, 1] == pytest.approx(geod_cell_area_km2(grid, 1, 1), rel=1e-8)


@pytest.mark.parametrize(
    ("grid", "rel"),
    [
        # UTM 36N, 1 km cells, 300 x 300 km within the zone.
        (Grid(np.zeros((300, 300)), Affine(1000.0, 0, 300e3, 0, -1000.0, 4.6e6), CRS.from_epsg(32636)), 1e-6),
        # UTM 36N, 10 km cells reaching 700 km west of the central meridian (scale 1.006): the scale factor
        # changes by ~1e-5 across such a cell, which the centre value does not follow.
        (Grid(np.zeros((300, 300)), Affine(10e3, 0, -200e3, 0, -10e3, 4.6e6), CRS.from_epsg(32636)), 3e-5),
        # Local azimuthal-equidistant grid around Ankara, 5 km cells out to 1000 km (401 x 401 cells,
        # interpolated from the 65 x 65 samples of the scale factor).
        (Grid(np.zeros((401, 401)), *local_grid_spec(1000e3, 5000.0)[:1], local_crs(39.93, 32.86)), 1e-5),
    ],
)
def test_projected_cells_match_geod(grid: Grid, rel: float) -> None:
    areas = cell_areas_km2(grid)
    rows, cols = grid.shape
    rng = np.random.default_rng(7)
    picks = [(0, 0), (rows - 1, cols - 1), (0, cols - 1), (rows // 2, cols // 2)]
    picks += [(int(r), int(c)) for r, c in rng.integers(0, min(rows, cols), (12, 2))]
    for r, c in picks:
        assert areas[r, c] == pytest.approx(geod_cell_area_km2(grid, r, c), rel=rel), (r, c)


def test_area_of_a_mask_is_the_sum_of_its_cells() -> None:
    transform, shape = local_grid_spec(100e3, 1000.0)
    values = np.zeros(shape, np.float32)
    values[:50, :40] = 3.0
    values[60:, :] = np.nan  # NaN is not covered
    mask = Grid(values, transform, local_crs(40.0, 33.0))
    assert area_km2(mask) == pytest.approx(float(cell_areas_km2(mask)[:50, :40].sum()), rel=1e-12)
    assert area_km2(mask) == pytest.approx(2000.0, rel=2e-4)  # aeqd scale at <= 140 km: 1 + d²/6R² < 1.0001


# --------------------------------------------------------------------------------------------- countries


def test_a_box_inside_turkey_is_turkey() -> None:
    # 100 x 100 km around Kırşehir (central Anatolia, > 150 km from any border or coast).
    transform, shape = local_grid_spec(50e3, 500.0)
    mask = Grid(np.ones(shape, np.uint8), transform, local_crs(39.15, 34.16))
    areas = area_by_country(mask)
    assert list(areas) == ["Turkey", SEA]
    assert areas[SEA] == 0.0
    assert areas["Turkey"] == pytest.approx(area_km2(mask), rel=1e-12)


def test_areas_by_country_add_up_and_match_the_border_polygon() -> None:
    # A geographic grid over Cyprus and the sea around it, 1/120 degree cells, all covered.
    cell = 1 / 120
    grid = Grid(np.ones((180, 336), np.uint8), Affine(cell, 0, 32.0, 0, -cell, 35.9), WGS84)
    areas = area_by_country(grid)
    assert set(areas) == {"Cyprus", SEA}  # 34.4-35.9 N, 32.0-34.8 E: Turkey's coast is north of 36.0 N
    assert sum(areas.values()) == pytest.approx(area_km2(grid), rel=1e-12)
    cyprus = next(c for c in country_borders() if c.iso3 == "CYP").geometry
    geod_km2 = abs(GEOD.geometry_area_perimeter(cyprus)[0]) / 1e6
    # Cells count by their centre: the error is ~ perimeter x cell / (a few); 1 % for 0.7-0.9 km cells.
    assert areas["Cyprus"] == pytest.approx(geod_km2, rel=0.01)


def test_country_index_is_cached_per_grid() -> None:
    transform, shape = local_grid_spec(300e3, 5000.0)
    crs = local_crs(39.93, 32.86)
    a = country_index(Grid(np.zeros(shape, np.uint8), transform, crs))
    b = country_index(Grid(np.ones(shape, np.float32), transform, crs))
    assert a[0] is b[0] and not a[0].flags.writeable
    index, names = a
    ankara = (shape[0] // 2, shape[1] // 2)  # local_grid_spec puts the centre in the middle cell
    assert names[index[ankara] - 1] == "Turkey"


# --------------------------------------------------------------------------------------------- rings


def test_authalic_radius() -> None:
    assert authalic_radius_m() == pytest.approx(6_371_007.181, abs=0.01)  # Moritz 1980 (GRS80/WGS84)


@pytest.mark.parametrize("lat", [0.0, 39.93, 70.0])
@pytest.mark.parametrize(("radius_m", "rel"), [(50e3, 1e-6), (400e3, 1e-5), (2000e3, 1e-4)])
def test_ring_area_matches_geod(lat: float, radius_m: float, rel: float) -> None:
    # Geod polygon of 7200 geodesic-circle points (inscribed polygon: relative deficit ~ 2π²/(3 n²)
    # = 1.3e-7). The cap on the authalic sphere differs from the ellipsoidal circle by the curvature term
    # (see ring_area_km2), the tolerance per radius.
    az = np.linspace(0.0, 360.0, 7200, endpoint=False)
    lon, lat_, _ = GEOD.fwd(np.full(az.shape, 30.0), np.full(az.shape, lat), az, np.full(az.shape, radius_m))
    geod_km2 = abs(GEOD.polygon_area_perimeter(lon, lat_)[0]) / 1e6
    assert ring_area_km2(radius_m) == pytest.approx(geod_km2, rel=rel)


def test_ring_area_small_and_invalid() -> None:
    assert ring_area_km2(1000.0) == pytest.approx(math.pi, rel=1e-8)
    assert ring_area_km2(0.0) == 0.0
    with pytest.raises(ValueError):
        ring_area_km2(-1.0)


def test_cell_areas_are_cached_per_grid_and_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A study measures many masks on one grid: the areas are computed once per grid (shape, transform,
    CRS), whatever the values; only the latest large grid is kept."""
    from iadsim.coverage import areas as mod

    crs = local_crs(39.9, 32.8)
    a = Grid(np.zeros((40, 30), np.uint8), Affine(1000, 0, -15e3, 0, -1000, 20e3), crs)
    b = Grid(np.ones((40, 30), np.float32), a.transform, crs)  # same grid, other values
    first = cell_areas_km2(a)
    assert cell_areas_km2(b) is first and not first.flags.writeable
    monkeypatch.setattr(mod, "LARGE_AREA_CELLS", 100)  # every grid here is "large" now
    big1 = cell_areas_km2(a)
    assert cell_areas_km2(a) is big1
    np.testing.assert_array_equal(big1, first)
    c = Grid(a.values, Affine(1000, 0, -14e3, 0, -1000, 20e3), crs)
    cell_areas_km2(c)
    assert cell_areas_km2(a) is not big1  # the one large entry now holds c's
