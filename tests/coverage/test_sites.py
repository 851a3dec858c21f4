"""Many radar sites on one grid (:mod:`iadsim.coverage.sites`) and ``iadsim coverage sites``.

References from outside the code under test: the smooth-earth radar horizon (closed form), the existing
single-site path (floor on the whole grid, :func:`detection_coverage`), and :func:`area_km2`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer

from iadsim.catalog import default_catalog
from iadsim.coverage.areas import area_km2
from iadsim.coverage.floor import radar_floor
from iadsim.coverage.maps import detection_coverage
from iadsim.coverage.sites import (
    RadarSite,
    sites_coverage,
    sites_visibility,
    visibility_count,
)
from iadsim.sensors import Environment, RadarModel, SurfaceModel
from iadsim.terrain import open_terrain
from iadsim.terrain.grid import WGS84, Grid, local_crs, local_grid_spec
from iadsim.workflows.coverage_study import _on_grid

K = 4 / 3
#: Mean earth radius (m) of the 4/3-earth rule.
EARTH_M = 6_371_000.0


def _flat_grid(radius_m: float, cell_m: float) -> Grid:
    transform, shape = local_grid_spec(radius_m, cell_m)
    return Grid(np.zeros(shape, np.float32), transform, local_crs(39.0, 33.0), "flat test grid")


def test_visibility_count_on_a_smooth_earth_matches_the_radar_horizon() -> None:
    """On a flat grid (a smooth 4/3 earth), a target at height h is seen from an antenna at height a out
    to d = sqrt(2 k R a) + sqrt(2 k R h) (e.g. Skolnik, Introduction to Radar Systems, 3rd ed., §8.2):
    the count of two sites is, cell by cell, the number of sites within their horizon distance, but for
    cells within one cell of a horizon."""
    cell = 2000.0
    grid = _flat_grid(130e3, cell)
    sites = [(-40e3, 0.0), (40e3, 6e3)]
    a, h = 30.0, 100.0
    count = visibility_count(grid, sites, a, h, K, 150e3)
    horizon = math.sqrt(2 * K * EARTH_M * a) + math.sqrt(2 * K * EARTH_M * h)  # 63.8 km
    xs, ys = grid.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    expected = np.zeros(grid.shape, np.int64)
    boundary = np.zeros(grid.shape, bool)
    for x, y in sites:
        d = np.hypot(gx - x, gy - y)
        expected += d <= horizon
        boundary |= np.abs(d - horizon) <= cell
    values = np.asarray(count.values)
    assert values.dtype == np.uint8
    assert np.array_equal(values[~boundary], expected[~boundary])
    assert np.all(np.abs(values[boundary].astype(int) - expected[boundary]) <= 1)
    assert values.max() == 2  # the two horizons overlap between the sites
    # the same count through the WGS84 entry point on the same grid
    to_ll = Transformer.from_crs(grid.crs, WGS84, always_xy=True)
    radar = RadarModel.from_catalog(default_catalog().radar("96l6e"), a)
    placed = []
    for x, y in sites:
        lon, lat = to_ll.transform(x, y)
        placed.append(RadarSite(float(lat), float(lon), radar))
    via_sites = sites_visibility(placed, h, max_range_m=150e3, k=K, grid=grid)
    assert np.array_equal(np.asarray(via_sites.count.values), values)


@pytest.fixture(scope="module")
def ankara_grid() -> Grid:
    """GLOBE terrain around Ankara, 2.5 km cells (coarse, for speed)."""
    return open_terrain("globe").local_grid(40.0, 33.0, 260e3, 2500.0)


def _farmland(k: float) -> Environment:
    cat = default_catalog()
    return Environment(k=k, surface=SurfaceModel.from_catalog(cat.surface("farmland")))


def test_union_count_is_the_sum_of_single_site_coverages(ankara_grid: Grid) -> None:
    """The count on the common grid equals, cell by cell, the sum of each site's detection coverage
    computed alone on the whole grid by the coverage study's path (floor placed on the grid)."""
    cat = default_catalog()
    tgt = cat.target("f-16c")
    sites = [
        RadarSite(40.076, 32.566, "96l6e", name="murted"),
        RadarSite(39.6, 33.6, "96l6e", mast_m=10.0, name="south-east"),
        RadarSite(40.3, 33.5, "91n6e", name="north-east"),
    ]
    env = _farmland(K)

    def rcs(m: RadarModel) -> float:
        return float(tgt.rcs(m.band, "nose")[1].value)

    sw = int(tgt.swerling.value)
    result = sites_coverage(sites, rcs, sw, 1000.0, "agl", max_range_m=150e3, k=K, env=env, grid=ankara_grid)
    to_grid = Transformer.from_crs(WGS84, ankara_grid.crs, always_xy=True)
    expected = np.zeros(ankara_grid.shape, np.int64)
    for s, stats in zip(sites, result.sites, strict=True):
        model = RadarModel.from_catalog(cat.radar(str(s.radar)), s.mast_m)
        x, y = to_grid.transform(s.lon, s.lat)
        floor = _on_grid(radar_floor(ankara_grid, x, y, model.mast_height_m, K, stats.range_m), ankara_grid)
        mask = detection_coverage(floor, model, rcs(model), sw, 1000.0, "agl", 0.5, 0.0, env)
        expected += np.asarray(mask.values)
        # per-site area: the true area of that site's own mask
        assert stats.area_km2 == pytest.approx(area_km2(mask), rel=1e-9)
        assert stats.area_km2 > 1000
        assert stats.mast_m == model.mast_height_m
    values = np.asarray(result.count.values)
    assert np.array_equal(values, expected)
    assert values.max() >= 2  # the sites overlap
    # overlap areas: >= 1 is the union; non-increasing in k; they add up to the sites' areas
    union = result.count.with_values(values > 0)
    assert result.overlap_km2[0] == pytest.approx(area_km2(union), rel=1e-9)
    assert result.union_km2 == result.overlap_km2[0]
    assert all(a >= b for a, b in zip(result.overlap_km2, result.overlap_km2[1:], strict=False))
    assert len(result.overlap_km2) == len(sites)
    for k_sites, area in enumerate(result.overlap_km2, start=1):
        assert area == pytest.approx(area_km2(result.count.with_values(values >= k_sites)), rel=1e-9)
    assert sum(result.overlap_km2) == pytest.approx(sum(s.area_km2 for s in result.sites), rel=1e-9)
    assert result.overlap_km2[0] <= sum(s.area_km2 for s in result.sites)


def test_amsl_and_free_space_and_bad_sites(ankara_grid: Grid) -> None:
    """Above sea level and in free space the same identity holds; bad sites are refused with a clear
    message."""
    cat = default_catalog()
    model = RadarModel.from_catalog(cat.radar("96l6e"))
    sites = [RadarSite(40.076, 32.566, model), RadarSite(39.9, 33.3, model)]
    result = sites_coverage(sites, 1.0, 1, 3000.0, "amsl", max_range_m=120e3, grid=ankara_grid)
    to_grid = Transformer.from_crs(WGS84, ankara_grid.crs, always_xy=True)
    expected = np.zeros(ankara_grid.shape, np.int64)
    for s, stats in zip(sites, result.sites, strict=True):
        x, y = to_grid.transform(s.lon, s.lat)
        floor = _on_grid(radar_floor(ankara_grid, x, y, model.mast_height_m, K, stats.range_m), ankara_grid)
        expected += np.asarray(detection_coverage(floor, model, 1.0, 1, 3000.0, "amsl").values)
    assert np.array_equal(np.asarray(result.count.values), expected)
    with pytest.raises(Exception, match="not a latitude, longitude"):
        sites_coverage([RadarSite(100.0, 0.0)], 1.0, 1, 100.0, grid=ankara_grid)
    with pytest.raises(Exception, match="unknown radar id"):
        sites_coverage([RadarSite(40.0, 33.0, "nope")], 1.0, 1, 100.0, grid=ankara_grid)
    with pytest.raises(Exception, match="outside the grid"):
        sites_coverage([RadarSite(45.0, 20.0)], 1.0, 1, 100.0, grid=ankara_grid)


def test_cli_writes_the_count_geotiff(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "union.tif"
    csv = tmp_path / "sites.csv"
    csv.write_text("lat,lon,radar,mast_m,name\n40.0,33.5,96l6e,30,east\n", encoding="utf-8")
    args = ["coverage", "sites", "--site", "40.0,32.5", "--sites", str(csv), "--terrain", "flat"]
    args += ["--mode", "visibility", "--altitude", "100", "--cell-m", "2000", "--range-km", "80"]
    result = cli(*args, "--mast", "30", "--out", str(out), "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert [s["name"] for s in summary["sites"]] == ["site-1", "east"]
    with rasterio.open(out) as f:
        values = f.read(1)
        crs = CRS.from_wkt(f.crs.to_wkt())
        transform = f.transform
    # the grid's CRS: azimuthal equidistant centred on the mean of the sites
    assert crs.equals(local_crs(40.0, 33.0))
    assert not crs.equals(local_crs(40.0, 33.1))
    assert transform.a == 2000.0
    assert list(values.shape) == summary["shape"]
    # the counts: two sites 85 km apart on a flat earth, each seeing out to its radar horizon (63.8 km)
    assert values.max() == 2 and values.min() == 0
    grid = Grid(values, transform, crs)
    assert summary["overlap_km2"][">=1"] == pytest.approx(area_km2(grid.with_values(values > 0)), rel=1e-9)
    assert summary["overlap_km2"][">=2"] == pytest.approx(area_km2(grid.with_values(values > 1)), rel=1e-9)
    horizon = math.sqrt(2 * K * EARTH_M * 30) + math.sqrt(2 * K * EARTH_M * 100)
    for s in summary["sites"]:
        assert s["area_km2"] == pytest.approx(math.pi * (horizon / 1e3) ** 2, rel=0.05)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--site", "100,0"], "--site: '100,0' is not a LAT,LON position"),
        (["--site", "40,33", "--radar", "nope"], "unknown radar id 'nope'"),
        (["--site", "40,33", "--cell-m", "0"], "--cell-m: must lie in"),
        (["--site", "40,33", "--target", "f-16c", "--rcs", "1"], "either --target or --rcs"),
        (["--site", "40,33", "--mode", "visibility", "--amsl"], "--amsl"),
        ([], "at least one --site"),
    ],
)
def test_cli_bad_input(cli, tmp_path: Path, extra: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("coverage", "sites", "--terrain", "flat", "--out", str(tmp_path / "x.tif"), *extra)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "x.tif").exists()


def test_cli_bad_sites_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "sites.csv"
    csv.write_text("lat,lon\n40.0,abc\n", encoding="utf-8")
    result = cli("coverage", "sites", "--sites", str(csv), "--out", str(tmp_path / "x.tif"))
    assert result.code == 2
    assert "line 2: lon must be a number" in result.err
