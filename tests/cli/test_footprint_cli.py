"""``iadsim coverage footprint`` end to end on a small grid: the files and their contents, the uncertainty
draws, and the messages for bad input."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from shapely.geometry import shape

from iadsim.catalog import default_catalog
from iadsim.coverage.areas import cell_areas_km2
from iadsim.coverage.raster import read_geotiff
from iadsim.sensors import RadarModel
from iadsim.workflows import footprint as wf

#: A ballistic class for these tests (the catalog's own may change): 300 km, a 20 s boost whose claims
#: run from 15 to 25 s, a 0.05 m² re-entry vehicle.
CATALOG = """\
targets:
  - id: test-srbm
    name: Test SRBM (300 km)
    target_class: ballistic-missile
    rcs_m2: {value: 0.05, confidence: low, range: [0.02, 0.1], note: test value}
    swerling: {value: 3, confidence: low, note: test value}
    speed_mps: {value: 2000, confidence: low, note: test value}
    altitude_m: {value: 20000, confidence: low, note: test value}
    min_altitude_m: {value: 0, confidence: low, note: test value}
    max_altitude_m: {value: 80000, confidence: low, note: test value}
    max_range_km: {value: 300, confidence: low, note: test value}
    burn_time_s: {value: 20, confidence: low, range: [15, 25], note: test value}
    burnout_speed_mps: {value: 1700, confidence: low, note: test value}
    apogee_km: {value: 80, confidence: low, note: test value}
    reentry_speed_mps: {value: 1700, confidence: low, note: test value}
"""

SITE = "39.9,32.8"
LAUNCH = "39.9,29.9,30"  # centre about 247 km west of the site


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "srbm.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    return path


def test_footprint_writes_its_files(cli, catalog: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fp"
    args = ["--site", SITE, "--threat", "test-srbm", "--launch-area", LAUNCH, "--launch-points", "5"]
    result = cli(
        "--catalog",
        str(catalog),
        "coverage",
        "footprint",
        *args,
        "--cells",
        "30",
        "--out",
        str(out),
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    names = {Path(f).name for f in summary["files"]}
    assert names == {
        wf.DEFENDED_TIF,
        wf.WINDOW_TIF,
        wf.FOOTPRINT_GEOJSON,
        wf.FOOTPRINT_PNG,
        wf.AREAS_CSV,
        wf.FOOTPRINT_JSON,
    }
    assert all((out / n).stat().st_size > 0 for n in names)
    # the default half-width: the 48N6E3's 60 km at 30 km high at the top of its claims, 60 + 2 x 30 km
    assert summary["half_width_m"] == 120e3 and summary["cell_m"] == pytest.approx(8000.0)
    with rasterio.open(out / wf.DEFENDED_TIF) as f:
        share = f.read(1)
        assert f.shape == (30, 30)
        assert math.isnan(f.nodata)
        crs = CRS.from_wkt(f.crs.to_wkt())
        assert crs.coordinate_operation is not None
        assert crs.coordinate_operation.method_name == "Azimuthal Equidistant"
        assert f.transform.a == pytest.approx(8000.0)
    finite = share[np.isfinite(share)]
    assert finite.size > 0 and np.all((finite >= 0) & (finite <= 1)) and np.any(finite == 1)
    # the area defended against every launch point: the cells whose share is 1, at their true areas
    grid = read_geotiff(out / wf.DEFENDED_TIF)
    expected = float(np.sum(cell_areas_km2(grid)[share == 1]))
    assert summary["defended_km2"] == pytest.approx(expected, rel=1e-9)
    assert summary["defended_km2"] == pytest.approx(np.sum(share == 1) * 64.0, rel=1e-3)  # (8 km cells)
    assert sum(summary["by_country_km2"].values()) == pytest.approx(summary["defended_km2"])
    assert not summary["reaches_edge"]
    # the battery as modelled: the 92N6E's detection range against the 0.05 m² Swerling 3 RV at Pd 0.5 (the
    # calibrated radar equation's fourth-root scaling from its 250 km against 4 m² at Pd 0.5, Swerling 1:
    # the radar model's own function), the 55K6E's 2 s and the S-400's 10 s
    radar = RadarModel.from_catalog(default_catalog().radar("92n6e"))
    assert summary["detection_m"] == pytest.approx(float(radar.free_space_range_m(0.05, 0.5, 3)))
    assert summary["delay_s"] == 12.0 and summary["figures"]["s-400.reaction_time_s"] == 10.0
    assert summary["figures"]["test-srbm.burn_time_s"] == 20.0
    with rasterio.open(out / wf.WINDOW_TIF) as f:
        window = f.read(1)
    assert np.all(window[share == 1] > 0) and np.all(window[share < 1] == 0)
    # GeoJSON: a FeatureCollection with the defended polygon (valid, WGS84 around the site), the site and the
    # launch area
    collection = json.loads((out / wf.FOOTPRINT_GEOJSON).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    kinds = {f["properties"]["kind"]: f for f in collection["features"]}
    assert set(kinds) == {"defended", "site", "launch-area", "launch-points"}
    poly = shape(kinds["defended"]["geometry"])
    assert poly.is_valid and not poly.is_empty
    lon, lat = poly.centroid.x, poly.centroid.y
    assert abs(lat - 39.9) < 0.6 and abs(lon - 32.8) < 0.8
    assert kinds["defended"]["properties"]["area_km2"] == pytest.approx(summary["defended_km2"], abs=0.1)
    assert len(shape(kinds["launch-points"]["geometry"]).geoms) == 5
    # the CSV: the same areas per country
    with (out / wf.AREAS_CSV).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["country"]: float(r["defended_km2"]) for r in rows} == pytest.approx(
        summary["by_country_km2"], abs=0.05
    )
    assert (
        json.loads((out / wf.FOOTPRINT_JSON).read_text(encoding="utf-8"))["defended_km2"]
        == summary["defended_km2"]
    )
    # the table for the terminal, from the same study
    again = cli("--catalog", str(catalog), "coverage", "footprint", *args, "--cells", "30", "--out", str(out))
    assert again.code == 0, again.err
    assert "Defended footprint" in again.out and "Turkey" in again.out


@pytest.mark.slow
def test_footprint_with_uncertainty_draws(cli, catalog: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = [
        "--site",
        SITE,
        "--threat",
        "test-srbm",
        "--launch-area",
        LAUNCH,
        "--launch-points",
        "4",
        "--cells",
        "24",
    ]
    # the same study twice, the second time with the table for the terminal: the same draws from the same seed
    args = ["--catalog", str(catalog), "coverage", "footprint", *base, "--uncertainty", "4", "--seed", "3"]
    result = cli(*args, "--out", str(tmp_path / "a"), "--json")
    assert result.code == 0, result.err
    summary, out = json.loads(result.out), tmp_path / "a"
    again = cli(*args, "--out", str(tmp_path / "b"))
    assert again.code == 0, again.err
    assert "Defended footprint" in again.out and "Turkey" in again.out and "≥ 90% of 4 draws" in again.out
    other = json.loads((tmp_path / "b" / wf.FOOTPRINT_JSON).read_text(encoding="utf-8"))
    assert summary["draws_km2"] == other["draws_km2"]  # the same seed, the same draws
    assert set(summary["draws_km2"]) == {"50%", "90%"}
    assert summary["draws_km2"]["90%"] <= summary["draws_km2"]["50%"]
    drawn = {d["name"] for d in summary["drawn"]}
    assert "test-srbm.burn_time_s" in drawn and "92n6e.reference_range_m" in drawn
    assert not any(
        n.startswith("5p85se2") for n in drawn
    )  # (the launchers' reload time changes nothing here)
    with rasterio.open(out / wf.DRAWS_TIF) as f:
        share = f.read(1)
    finite = share[np.isfinite(share)]
    assert np.all(np.isin(np.round(finite * 4), [0, 1, 2, 3, 4]))  # shares of four draws
    grid = read_geotiff(out / wf.DRAWS_TIF)
    with np.errstate(invalid="ignore"):
        expected = float(np.sum(cell_areas_km2(grid)[share >= 0.5]))
    assert summary["draws_km2"]["50%"] == pytest.approx(expected, rel=1e-9)
    kinds = [
        f["properties"]["kind"] for f in json.loads((out / wf.FOOTPRINT_GEOJSON).read_text())["features"]
    ]
    assert kinds.count("defended-draws") == 2
    with (out / wf.AREAS_CSV).open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["country", "defended_km2", "defended_50pct_of_draws_km2", "defended_90pct_of_draws_km2"]


@pytest.mark.slow
def test_a_footprint_at_the_grid_edge_is_flagged(cli, catalog: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a grid 15 km either side of the battery: the defended area (tens of km across) runs off it
    args = ["--site", SITE, "--threat", "test-srbm", "--launch-area", LAUNCH, "--launch-points", "3"]
    args += ["--cells", "10", "--half-width-km", "15", "--out", str(tmp_path / "o")]
    result = cli("--catalog", str(catalog), "coverage", "footprint", *args)
    assert result.code == 0, result.err
    assert "reaches the edge of the grid" in result.out
    assert (
        json.loads((tmp_path / "o" / wf.FOOTPRINT_JSON).read_text(encoding="utf-8"))["reaches_edge"] is True
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--threat", "f-16c"], ["--threat", "f-16c", "not a ballistic missile class"]),
        (
            ["--threat", "test-srbm", "--system", "hisar-o"],
            ["--system", "hisar-o", "ballistic-missile envelope"],
        ),
        (["--threat", "test-srbm", "--launch-area", "10,80,10"], ["--launch-area", "within reach"]),
        (["--threat", "test-srbm", "--site", "95,30"], ["--site", "'95,30'"]),
        (["--threat", "test-srbm", "--site", "39.9"], ["--site", "two numbers"]),
        (["--threat", "test-srbm", "--launch-area", "39,29"], ["--launch-area", "'39,29'"]),
        (["--threat", "test-srbm", "--launch-area", "39,29,-5"], ["--launch-area", "radius", "-5"]),
        (["--threat", "test-srbm", "--cells", "0"], ["--cells", "0"]),
        (["--threat", "test-srbm", "--pd", "1.5"], ["--pd", "1.5"]),
        (["--threat", "no-such-missile"], ["no-such-missile"]),
    ],
)
def test_bad_input_is_a_message(
    cli, catalog: Path, tmp_path: Path, args: list[str], words: list[str]
) -> None:  # type: ignore[no-untyped-def]
    given = dict(zip(args[::2], args[1::2], strict=True))
    base = {"--site": SITE, "--launch-area": LAUNCH, "--cells": "10", "--launch-points": "3", **given}
    flat = [x for kv in base.items() for x in kv]
    result = cli("--catalog", str(catalog), "coverage", "footprint", *flat, "--out", str(tmp_path / "o"))
    assert result.code == 2, result
    assert result.err.startswith("error: ") and "Traceback" not in result.err
    for w in words:
        assert w in result.err, (w, result.err)
    assert not (tmp_path / "o").exists()  # refused before anything is written


def test_out_must_be_a_folder(cli, catalog: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "file.txt"
    path.write_text("x")
    result = cli(
        "--catalog",
        str(catalog),
        "coverage",
        "footprint",
        "--site",
        SITE,
        "--launch-area",
        LAUNCH,
        "--threat",
        "test-srbm",
        "--out",
        str(path),
    )
    assert result.code == 2 and "--out" in result.err and path.read_text() == "x"
