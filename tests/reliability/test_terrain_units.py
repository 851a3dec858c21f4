"""DEMs whose numbers are not what they seem: units other than the metre, truncated files, voids at the site.

Reference: the same terrain written once in metres (EPSG:32636, heights in metres) and once in US survey
feet (the same Transverse Mercator with ``+units=us-ft``, coordinates and heights divided by
0.3048006096 m/ftUS = 1200/3937 m): the floor, in metres above the ground, must be the same on both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.transform import from_origin

from iadsim.coverage.floor import geotiff_floor
from iadsim.errors import InputError
from iadsim.terrain import GeoTiffTerrain, TerrainError

US_FT = 1200.0 / 3937.0  # metres per US survey foot (definition, NIST Handbook 44)
UTM36 = CRS.from_epsg(32636)
UTM36_FT = CRS.from_proj4("+proj=utm +zone=36 +datum=WGS84 +units=us-ft +no_defs")
ORIGIN = (480_000.0, 4_380_000.0)  # upper-left corner, metres
CELL = 100.0
N = 400


def _terrain() -> np.ndarray:
    """A ridge 20 km east of the site and rolling ground: heights in metres."""
    y, x = np.mgrid[0:N, 0:N] * CELL
    ridge = 900.0 * np.exp(-(((x - 30_000.0) / 1_500.0) ** 2))
    roll = 60.0 * np.sin(x / 3_000.0) * np.cos(y / 4_000.0)
    return (300.0 + ridge + roll).astype(np.float32)


def _write(
    path: Path,
    z: np.ndarray,
    crs: CRS | str,
    unit: float,
    band_unit: str | None = None,
    **profile: object,
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=N,
        height=N,
        count=1,
        dtype=z.dtype,
        crs=crs if isinstance(crs, str) else crs.to_wkt(),
        transform=from_origin(ORIGIN[0] / unit, ORIGIN[1] / unit, CELL / unit, CELL / unit),
        **profile,
    ) as ds:
        ds.write(z, 1)
        if band_unit is not None:
            ds.set_band_unit(1, band_unit)
    return path


SITE_M = (ORIGIN[0] + 10_000.0 + CELL / 2, ORIGIN[1] - 20_000.0 - CELL / 2)


@pytest.mark.parametrize("band_unit", ["US survey foot", "ftUS", "us-ft"])
def test_a_dem_in_us_feet_gives_the_floor_of_the_same_dem_in_metres(tmp_path: Path, band_unit: str) -> None:
    z = _terrain()
    metres = GeoTiffTerrain(_write(tmp_path / "m.tif", z, UTM36, 1.0))
    feet = GeoTiffTerrain(_write(tmp_path / "ft.tif", z / np.float32(US_FT), UTM36_FT, US_FT, band_unit))
    assert feet.z_to_m == pytest.approx(US_FT, rel=1e-12)
    assert feet.resolution_m == pytest.approx(CELL, rel=1e-9)
    a = geotiff_floor(metres, *SITE_M, mast_m=30.0, max_range_m=15_000.0)
    b = geotiff_floor(feet, SITE_M[0] / US_FT, SITE_M[1] / US_FT, mast_m=30.0, max_range_m=15_000.0)
    assert a.antenna_amsl_m == pytest.approx(b.antenna_amsl_m, abs=1e-3)
    assert a.agl.shape == b.agl.shape
    # same cells in range (to within the float rounding of a range test on the edge) and the same floor
    both = np.isfinite(a.agl.values) & np.isfinite(b.agl.values)
    assert both.sum() > 0.99 * np.isfinite(a.agl.values).sum() > 50_000
    np.testing.assert_allclose(b.agl.values[both], a.agl.values[both], atol=0.05)
    assert np.nanmax(a.agl.values) > 100.0  # the ridge hides ground behind it: a floor worth comparing


def test_a_compound_crs_gives_the_vertical_unit(tmp_path: Path) -> None:
    z = _terrain()
    # NAVD88 height (ftUS), EPSG:6360, on the metre grid: heights in feet, distances in metres
    path = _write(tmp_path / "c.tif", z / np.float32(US_FT), "EPSG:32636+6360", 1.0)
    dem = GeoTiffTerrain(path)
    assert dem.z_to_m == pytest.approx(US_FT, rel=1e-12)
    assert not dem.crs.is_compound
    grid = dem.read()
    np.testing.assert_allclose(grid.values, z, rtol=1e-6)
    ref = geotiff_floor(GeoTiffTerrain(_write(tmp_path / "m.tif", z, UTM36, 1.0)), *SITE_M, 30.0)
    got = geotiff_floor(dem, *SITE_M, 30.0)
    assert got.antenna_amsl_m == pytest.approx(ref.antenna_amsl_m, abs=1e-3)


def test_a_feet_grid_without_a_height_unit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "ft.tif", _terrain(), UTM36_FT, US_FT)
    with pytest.raises(TerrainError, match=r"ft\.tif: its heights declare no unit .* US survey foot"):
        GeoTiffTerrain(path)


def test_an_unknown_height_unit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.tif", _terrain(), UTM36, 1.0, band_unit="cubits")
    with pytest.raises(TerrainError, match=r"u\.tif: band 1 declares the height unit 'cubits'"):
        GeoTiffTerrain(path)


def test_a_truncated_uncompressed_dem_is_an_error_not_zeros(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.tif", _terrain(), UTM36, 1.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    dem = GeoTiffTerrain(path)
    with pytest.raises(
        TerrainError, match=r"t\.tif: block \(\d+, 0\) ends at byte .* \(a truncated file\?\)"
    ):
        geotiff_floor(dem, *SITE_M, 30.0, max_range_m=15_000.0)
    # the first half of the file is intact and still readable
    window, _ = dem.read_window(0, 0, 10, 10)
    np.testing.assert_allclose(window.values, _terrain()[:10, :10])


def test_a_truncated_compressed_dem_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "t.tif",
        _terrain(),
        UTM36,
        1.0,
        tiled=True,
        blockxsize=128,
        blockysize=128,
        compress="deflate",
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    dem = GeoTiffTerrain(path)
    with pytest.raises(TerrainError, match=r"cannot read the DEM .*t\.tif: a block of band 1 is unreadable"):
        dem.read()
    with pytest.raises(TerrainError, match="unreadable"):
        geotiff_floor(dem, *SITE_M, 30.0, max_range_m=15_000.0)


def test_nodata_at_the_site_is_an_error(tmp_path: Path) -> None:
    z = _terrain()
    z[190:210, 90:110] = -9999.0
    path = _write(tmp_path / "v.tif", z, UTM36, 1.0, nodata=-9999.0)
    with pytest.raises(InputError, match="no data at the site"):
        geotiff_floor(GeoTiffTerrain(path), *SITE_M, 30.0, max_range_m=15_000.0)


def test_a_floor_beyond_the_memory_limit_is_refused_before_reading(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a 10 m DEM swept 400 km out: the window within range is clipped to the file (400 x 400 cells), and
    # at 20 bytes a cell (coverage.floor.FLOOR_BYTES_PER_CELL) needs 3,200,000 bytes, 3.05 MiB, over 1 MiB
    path = _write(tmp_path / "d10.tif", _terrain(), UTM36, 10.0)  # cells of 100 m / 10 = 10 m
    x, y = ORIGIN[0] / 10 + 2_000.0, ORIGIN[1] / 10 - 2_000.0
    args = ["coverage", "floor", "--dem", str(path), "--site", f"{x},{y}", "--site-crs", "dem"]
    args += ["--max-range-km", "400", "--out", str(tmp_path / "f.tif")]
    refused = cli("--max-memory-gb", str(2**20 / 2**30), *args)
    assert refused.code == 2
    assert "a radar floor over 400 x 400 cells of d10.tif would need about 3 MB of memory" in refused.err
    assert "more than the 1 MB allowed (iadsim --max-memory-gb raises the limit)" in refused.err
    assert not (tmp_path / "f.tif").exists()
    assert cli(*args).code == 0
