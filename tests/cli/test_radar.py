"""``iadsim radar`` and ``iadsim demo`` end to end."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from iadsim import physics
from iadsim.catalog import default_catalog


def test_radar_json_is_consistent_with_physics(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "radar", "91n6e", "--target", "f-16c", "-a", "50", "-a", "10000", "--surface", "none", "--aspect",
        "nose", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    cat = default_catalog()
    radar, target = cat.radar("91n6e"), cat.target("f-16c")
    assert data["rcs_m2"] == target.rcs_m2.value
    low, high = data["ranges"]
    assert low["horizon_m"] == pytest.approx(float(physics.radar_horizon_m(data["mast_height_m"], 50.0)))
    for row in (low, high):
        assert row["detection_m"] == min(row["free_space_m"], row["horizon_m"], row["instrumented_m"])
    assert low["limited_by"] == "horizon"
    # at the free-space range the single-look Pd is the requested one
    model_pd = physics.detection_probability(
        physics.calibrated_snr_db(
            low["free_space_m"],
            target.rcs_m2.value,
            radar.reference_range_m.value,
            radar.reference_rcs_m2.value,
            physics.required_snr_db(
                radar.reference_pd.value, radar.reference_pfa.value, 1, int(radar.reference_swerling.value)
            ),
        ),
        radar.reference_pfa.value,
        1,
        int(target.swerling.value),
    )
    assert float(model_pd) == pytest.approx(0.5, abs=1e-6)
    curve = data["pd_vs_range"]
    assert all(a >= b for a, b in zip(curve["pd_free_space"], curve["pd_free_space"][1:], strict=False))
    beyond = [
        p
        for r, p in zip(curve["range_m"], curve["pd_by_altitude_m"]["50.0"], strict=True)
        if r > low["horizon_m"]
    ]
    assert beyond and all(p == 0 for p in beyond)


def test_radar_range_scales_with_rcs(cli) -> None:  # type: ignore[no-untyped-def]
    one = json.loads(cli("radar", "92n6e", "--rcs", "1", "--json").out)["ranges"][0]["free_space_m"]
    tiny = json.loads(cli("radar", "92n6e", "--rcs", "0.0001", "--json").out)["ranges"][0]["free_space_m"]
    assert tiny / one == pytest.approx(0.1, rel=1e-6)


def test_radar_png(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "blake.png"
    result = cli("radar", "96l6e", "--target", "subsonic-cruise-missile", "--png", str(png))
    assert result.code == 0, result.err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Blake chart written" in result.out and "farmland" in result.out


def test_radar_over_a_surface_by_aspect_and_band(cli) -> None:  # type: ignore[no-untyped-def]
    # The F-35A seen by the 91N6E (S-band) from each aspect, 100 m and 10 km above farmland: each row is
    # the model's detection range over the surface for the RCS the catalog gives for S-band and that aspect.
    from iadsim.sensors import Environment, RadarModel, SurfaceModel

    result = cli("radar", "91n6e", "--target", "f-35a", "-a", "100", "-a", "10000", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    cat = default_catalog()
    f35 = cat.target("f-35a")
    model = RadarModel.from_catalog(cat.radar("91n6e"))
    env = Environment(surface=SurfaceModel.from_catalog(cat.surface("farmland")))
    assert data["environment"] == "farmland (multipath and clutter)" and data["band"] == "S"
    assert [(r["aspect"], r["altitude_m"]) for r in data["ranges"]] == [
        (a, h) for a in ("nose", "beam", "tail") for h in (100.0, 10000.0)
    ]
    for row in data["ranges"]:
        rcs = f35.rcs_by_band["S"][row["aspect"]].value
        assert row["rcs_m2"] == rcs
        assert row["detection_m"] == pytest.approx(
            model.detection_range_m(rcs, 1, 0.5, row["altitude_m"], env)
        )
    low = data["ranges"][0]
    assert low["detection_m"] < low["horizon_m"] and low["limited_by"] == "surface"
    bands = {b["band"]: b for b in data["by_band"]}
    assert set(bands) == {"VHF", "L", "S", "X"}
    # free-space range scales as RCS^(1/4): VHF against X-band, nose-on
    ratio = (f35.rcs_by_band["VHF"]["nose"].value / f35.rcs_by_band["X"]["nose"].value) ** 0.25
    assert bands["VHF"]["free_space_m"]["nose"] / bands["X"]["free_space_m"]["nose"] == pytest.approx(ratio)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["radar", "no-such-radar", "--rcs", "1"], "unknown radar id 'no-such-radar'"),
        (["radar", "91n6e"], "give exactly one of --target ID and --rcs M2"),
        (["radar", "91n6e", "--rcs", "-1"], "--rcs: must lie in (0, 1e+06], got -1"),
        (["radar", "91n6e", "--rcs", "inf"], "--rcs: must lie in (0, 1e+06], got inf"),
        (["radar", "91n6e", "--rcs", "1", "--pd", "1.5"], "--pd: must lie in [0.01, 0.999], got 1.5"),
        (["radar", "91n6e", "--rcs", "1", "--mast", "-3"], "--mast: must lie in [0, 200], got -3"),
        (["radar", "91n6e", "--rcs", "1", "-a", "-50"], "--altitude: must lie in [0, 100000], got -50"),
        (["radar", "91n6e", "--rcs", "1", "-a", "nan"], "--altitude: must lie in [0, 100000], got nan"),
        (["radar", "91n6e", "--rcs", "1", "--k", "inf"], "--k: must lie in [0.5, 100], got inf"),
        (["radar", "91n6e", "--target", "f-16", "--json"], "did you mean"),
        (["radar", "91n6e", "--rcs", "1", "--surface", "marsh"], "unknown surface id 'marsh'"),
        (["radar", "91n6e", "--rcs", "1", "--aspect", "side"], "--aspect: must be one of nose, beam, tail"),
    ],
)
def test_radar_bad_input(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.code == 2
    assert message in result.err


@pytest.mark.slow
def test_demo_writes_table_and_charts(cli_process, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "demo"
    result = cli_process("demo", "--out", str(out), "--mc-runs", "2")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    for name in ("detection-ranges.csv", "detection-ranges.png", "assumptions.csv", "blake-91n6e.png"):
        assert (out / name).stat().st_size > 0
    with (out / "detection-ranges.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    cat = default_catalog()
    radars = {*cat.system("s-400").regiment_radars, *cat.system("s-400").battalion_radars}
    assert {r["radar"] for r in rows} == radars
    assert {r["target"] for r in rows} == set(cat.targets)
    assert {float(r["altitude_m"]) for r in rows} == {50.0, 1000.0, 10000.0}
    for r in rows:
        limits = (float(r["free_space_m"]), float(r["horizon_m"]), float(r["instrumented_m"]))
        assert float(r["detection_m"]) == min(limits)
        assert float(r["ring_m"]) == 400e3
    # a cruise missile at 50 m is horizon-limited far inside the ring
    low = [r for r in rows if r["target"] == "subsonic-cruise-missile" and float(r["altitude_m"]) == 50.0]
    assert all(r["limited_by"] == "horizon" and float(r["detection_m"]) < 100e3 for r in low)
    assert "400.0 km" in result.out
    # the coverage study over the embedded terrain at Mürted
    cov = out / "coverage"
    for name in (
        "detection-f-16c.png",
        "engagement-f-16c.png",
        "detection-f-35a.png",
        "detection-subsonic-cruise-missile.png",
        "floor-regiment-1-91n6e.png",
        "coverage.geojson",
        "coverage.kml",
        "ring-vs-real.json",
    ):
        assert (cov / name).stat().st_size > 0, name
    table = json.loads((cov / "ring-vs-real.json").read_text())
    cases = {(r["target"], r["altitude"], r["kind"]) for r in table["rows"]}
    assert ("f-16c", "50 m AGL", "detection") in cases and ("f-35a", "10000 m AGL", "engagement") in cases
    low = next(r for r in table["rows"] if r["target"] == "f-16c" and r["altitude"] == "50 m AGL")
    high = next(r for r in table["rows"] if r["target"] == "f-16c" and r["altitude"] == "10000 m AGL")
    assert 0 < low["area_km2"] < high["area_km2"] < high["ring_area_km2"]
    assert "ring vs real" in result.out
    # the saturation study: both defences at every raid size, from the stored replications
    with (out / "saturation.csv").open() as fh:
        sat = list(csv.DictReader(fh))
    assert {(r["defence"], int(r["raid_size"])) for r in sat} == {
        (d, n) for d in ("1 battalion", "2 battalions") for n in (8, 16, 32, 64)
    }
    assert all(int(r["replications"]) == 2 for r in sat)
    assert (out / "saturation.png").read_bytes()[:4] == b"\x89PNG"
    # the ballistic study: one battery of each system, the areas of its own footprint study, the figure
    with (out / "ballistic.csv").open() as fh:
        bmd = list(csv.DictReader(fh))
    assert [r["system"] for r in bmd] == ["s-400", "patriot", "samp-t"]
    for r in bmd:
        own = json.loads((out / "ballistic" / r["system"] / "footprint.json").read_text())
        assert float(r["defended_km2"]) == pytest.approx(own["defended_km2"]) and own["defended_km2"] > 0
        assert float(r["defended_50_km2"]) == pytest.approx(own["draws_km2"]["50%"])
        assert float(r["defended_90_km2"]) == pytest.approx(own["draws_km2"]["90%"])
        assert float(r["defended_90_km2"]) <= float(r["defended_50_km2"])
        assert own["threat"] == r["threat"] == "srbm-300" and own["uncertainty"] == int(r["draws"]) == 10
    assert (out / "ballistic.png").read_bytes()[:4] == b"\x89PNG"
    assert "Defended footprint against srbm-300" in result.out
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("summary", "coverage", "monte-carlo", "assumptions", "manifest"):
        assert f"id='{section}'" in html or f'id="{section}"' in html, section
    assert "report.html" in result.out
    # the time of each step, after the work: one row per step and their sum
    times = result.out[result.out.index("Time per step") :]
    for step in ("detection ranges", "coverage over terrain", "saturation study", "report", "whole demo"):
        assert re.search(rf"{step}\s+│\s+\d+\.\d\s", times), step
