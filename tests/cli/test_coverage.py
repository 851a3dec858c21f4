"""``iadsim coverage floor`` and ``iadsim coverage map`` end to end, including bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from iadsim import physics
from iadsim.coverage.areas import ring_area_km2


def _dem(path: Path, crs: str | None = "EPSG:32636", values: np.ndarray | None = None) -> Path:
    z = np.zeros((201, 201), np.float32) if values is None else values
    kwargs = {"crs": crs} if crs else {}
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=z.shape[0],
        width=z.shape[1],
        count=1,
        dtype="float32",
        transform=from_origin(400_000, 4_450_000, 500, 500),
        **kwargs,
    ) as f:
        f.write(z, 1)
    return path


def test_floor_on_a_projected_dem(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dem = _dem(tmp_path / "flat.tif")
    out = tmp_path / "floor.tif"
    result = cli(
        "coverage",
        "floor",
        "--dem",
        str(dem),
        "--site",
        "450250,4399750",
        "--site-crs",
        "dem",
        "--mast",
        "30",
        "--max-range-km",
        "40",
        "--out",
        str(out),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    with rasterio.open(out) as f:
        floor = f.read(1)
        assert f.crs.to_epsg() == 32636
        assert f.tags()["k_factor"] == "1.33333"
        transform = f.transform
    assert summary["cells_in_range"] == int(np.isfinite(floor).sum())
    # on flat ground the floor is the smooth-earth closed form: check the cell 40 cells east of the antenna
    col, row = ~transform @ (450250 + 40 * 500, 4399750)
    value = floor[int(row), int(col)]
    assert value == pytest.approx(float(physics.horizon_height_m(20_000, 30.0)), abs=0.05)


def test_floor_replaces_an_existing_output(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the old file is moved aside while the new one is written, then deleted: nothing else is left behind
    dem = _dem(tmp_path / "flat.tif")
    out = tmp_path / "floor.tif"
    out.write_bytes(b"not a GeoTIFF")
    args = ["--dem", str(dem), "--site", "450250,4399750", "--site-crs", "dem", "--max-range-km", "20"]
    result = cli("coverage", "floor", *args, "--compress", "none", "--out", str(out), "--json")
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat.tif", "floor.tif"]
    with rasterio.open(out) as f:
        floor = f.read(1)
    assert json.loads(result.out)["cells_in_range"] == int(np.isfinite(floor).sum())


def test_a_failed_write_keeps_the_previous_output(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from iadsim.coverage import raster

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(raster, "write_geotiff", full_disk)
    dem = _dem(tmp_path / "flat.tif")
    out = tmp_path / "floor.tif"
    out.write_bytes(b"the previous floor")
    args = ["--dem", str(dem), "--site", "450250,4399750", "--site-crs", "dem", "--max-range-km", "20"]
    result = cli("coverage", "floor", *args, "--out", str(out))
    assert result.code == 2 and "No space left on device" in result.err and "Traceback" not in result.err
    assert out.read_bytes() == b"the previous floor"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat.tif", "floor.tif"]


def test_floor_on_the_embedded_terrain(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "floor.tif"
    result = cli(
        "coverage",
        "floor",
        "--site",
        "40.076,32.566",
        "--mast",
        "25",
        "--max-range-km",
        "60",
        "--out",
        str(out),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert "GLOBE" in summary["terrain"]
    assert 0 < summary["visible_at_ground_fraction_sampled"] < 1
    with rasterio.open(out) as f:
        assert "aeqd" in f.crs.to_proj4()


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        ("projected", ["--site", "10,10", "--site-crs", "dem"], "lies outside the DEM"),
        ("projected", ["--site", "45.0,33.0"], "outside"),
        ("nocrs", ["--site", "450250,4399750", "--site-crs", "dem"], "DEM without CRS"),
        (
            "projected",
            ["--site", "450250,4399750", "--site-crs", "dem", "--mast", "-5"],
            "--mast: must lie in [0, 200]",
        ),
        ("garbage", ["--site", "450250,4399750", "--site-crs", "dem"], "cannot read the DEM"),
        ("missing", ["--site", "450250,4399750", "--site-crs", "dem"], "DEM file not found"),
        ("projected", ["--site", "450250"], "--site: expected two numbers"),
        (
            "projected",
            ["--site", "450250,4399750", "--site-crs", "dem", "--max-range-km", "0"],
            "--max-range-km: must lie in (0, 2000], got 0",
        ),
        (
            "projected",
            ["--site", "450250,4399750", "--site-crs", "dem", "--max-range-km", "inf"],
            "--max-range-km: must lie in (0, 2000], got inf",
        ),
        ("projected", ["--site", "450250,nan", "--site-crs", "dem"], "--site: expected two numbers"),
    ],
)
def test_floor_bad_input_exits_2(
    cli_process, tmp_path: Path, make: str, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    dem = tmp_path / "dem.tif"
    if make == "projected":
        _dem(dem)
    elif make == "nocrs":
        _dem(dem, crs=None)
    elif make == "garbage":
        dem.write_text("this is not a raster")
    out = tmp_path / "floor.tif"
    out.write_bytes(b"previous result")
    result = cli_process("coverage", "floor", "--dem", str(dem), *args, "--out", str(out))
    assert result.code == 2, result.err
    assert message in result.err
    assert "Traceback" not in result.err
    assert out.read_bytes() == b"previous result"  # nothing already stored is lost


def test_coverage_map_of_a_sector_radar_needs_its_facing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["coverage", "map", "--site", "40.0,33.0", "--system", "patriot", "--terrain", "flat"]
    result = cli(*args, "--out", str(tmp_path / "cov"))
    assert result.code == 2 and "--facing" in result.err and "an-mpq-65" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "cov").exists()
    result = cli(*args, "--facing", "400", "--out", str(tmp_path / "cov"))
    assert result.code == 2 and "--facing" in result.err and "400" in result.err


def test_coverage_map_on_flat_terrain(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cov"
    result = cli(
        "coverage",
        "map",
        "--site",
        "40.0,33.0",
        "--system",
        "s-400",
        "--facing",
        "0",
        "--target",
        "f-16c",
        "--altitude",
        "3000",
        "--terrain",
        "flat",
        "--cell-m",
        "4000",
        "--out",
        str(out),
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    rows = {r["kind"]: r for r in data["rows"]}
    # the ring's area on the grid against the geodesic circle (cells of 4 km: 1% tolerance)
    assert rows["detection"]["ring_area_km2"] == pytest.approx(ring_area_km2(400e3), rel=0.01)
    assert 0 < rows["engagement"]["area_km2"] <= rows["detection"]["area_km2"]
    for name in (
        "coverage.geojson",
        "coverage.kml",
        "detection-f-16c.png",
        "engagement-f-16c.png",
        "ring-vs-real.json",
        "detection-f-16c-3000-m-agl.tif",
        "floor-s-400-1-91n6e.tif",
    ):
        assert (out / name).stat().st_size > 0, name
    geo = json.loads((out / "coverage.geojson").read_text())
    kinds = {f["properties"]["kind"] for f in geo["features"]}
    assert {"detection", "engagement", "site", "ring"} <= kinds


def test_coverage_map_bad_input(cli) -> None:  # type: ignore[no-untyped-def]
    assert "give a scenario file or name" in cli("coverage", "map").err
    result = cli("coverage", "map", "--site", "40,33", "--facing", "0", "--target", "f-99")
    assert result.code == 2 and "unknown target id 'f-99'" in result.err
    result = cli("coverage", "map", "no-such-scenario")
    assert result.code == 2 and "unknown scenario 'no-such-scenario'" in result.err
