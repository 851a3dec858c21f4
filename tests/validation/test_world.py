"""Where things are: route legs between waypoints of different altitude references, each unit's own
system's figures for a radar that two systems share, and one description of a deployment for the engine
and the coverage maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from iadsim.catalog import default_catalog, load_catalog
from iadsim.deployment import deploy
from iadsim.scenario import resolve_scenario
from iadsim.sim.engine import run
from iadsim.sim.world import build_world
from iadsim.workflows.coverage_study import radar_sites
from tests.validation._cases import events, point, radial, scenario


def _plateau(path: Path, height_m: float) -> Path:
    """A DEM at ``height_m`` everywhere around the site (0.01 degrees)."""
    z = np.full((320, 400), height_m, np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=320,
        width=400,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(31.0, 41.6, 0.01, 0.01),
    ) as f:
        f.write(z, 1)
    return path


def test_a_leg_from_above_ground_to_above_sea_level(vcat, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Over a plateau 1,000 m high, a leg from 50 m above ground (A, 100 km north) to 5,000 m above sea level
    # (B, 20 km north), flown at 300 m/s: both ends in one reference, A at 1,050 m above sea level, and the
    # height interpolated along the leg, z(f) = (1 - f) 1050 + f 5000 with f = 300 t / 80 km. (Read as
    # above ground all along, the leg would end 1,000 m too high, at 6,000 m.)
    raid = {
        "name": "descent",
        "target": "val-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [
            {"position": point(0.0, 100.0), "altitude": {"agl": 50}},
            {"position": point(0.0, 20.0), "altitude": {"amsl": 5000}},
        ],
    }
    dem = _plateau(tmp_path / "plateau.tif", 1000.0)
    world = build_world(scenario([raid], terrain=str(dem), duration_s=300), vcat, cell_m=1000.0)
    tl = world.timeline
    for step in (0, 60, 133, 200, 266):
        f = min(300.0 * step / 80e3, 1.0)
        assert tl.positions(step)[0, 2] == pytest.approx((1 - f) * 1050.0 + f * 5000.0, abs=1.0), step
    # a leg above ground at both ends follows the terrain: 1,000 m + the interpolated height above it
    raid["route"] = [{**w, "altitude": {"agl": a}} for w, a in zip(raid["route"], (50, 2050), strict=True)]  # type: ignore[index]
    world = build_world(scenario([raid], terrain=str(dem), duration_s=300), vcat, cell_m=1000.0)
    z = world.timeline.positions(133)[0, 2]
    assert z == pytest.approx(1000.0 + 50.0 + 2000.0 * 300.0 * 133 / 80e3, abs=1.0)


SHARED = """
radars:
  - id: shared-radar
    name: A radar two systems use, without fire-channel figures of its own
    role: engagement
    band: X
    reference_range_km: {value: 200, confidence: low, note: test value}
    reference_rcs_m2: {value: 1, confidence: low, note: test value}
    reference_pd: {value: 0.5, confidence: low, note: test value}
    reference_pfa: {value: 1.0e-6, confidence: low, note: test value}
    reference_swerling: {value: 1, confidence: low, note: test value}
    scan_period_s: {value: 2, confidence: low, note: test value}
    min_elevation_deg: {value: -1, confidence: low, note: test value}
    max_elevation_deg: {value: 80, confidence: low, note: test value}
systems:
"""
SYSTEM = """
  - id: {id}
    name: {id}
    battalion_radars: [shared-radar]
    launcher: val-launcher
    missiles: [val-constant]
    loadout:
      val-constant: {{value: 4, confidence: low, note: test value}}
    battalions_per_regiment: {{value: 1, confidence: low, note: test value}}
    launchers_per_battalion: {{value: 1, confidence: low, note: test value}}
    advertised_range_km: {{value: 60, confidence: low, note: test value}}
    reaction_time_s: {{value: 10, confidence: low, note: test value}}
    min_launch_interval_s: {{value: 1, confidence: low, note: test value}}
    targets_engaged: {{value: {channels}, confidence: low, note: test value}}
    missiles_guided: {{value: {guided}, confidence: low, note: test value}}
"""


def test_each_unit_gets_its_own_systems_figures_for_a_shared_radar(tmp_path: Path) -> None:
    # Two systems list the same engagement radar, which gives no fire-channel figures: each unit's radar
    # takes its own system's (3 / 6 and 7 / 14), not those of the first system that lists the radar.
    text = (
        SHARED
        + SYSTEM.format(id="sys-a", channels=3, guided=6)
        + SYSTEM.format(id="sys-b", channels=7, guided=14)
    )
    extra = tmp_path / "shared.yaml"
    extra.write_text(text, encoding="utf-8")
    cat = load_catalog([Path(__file__).parent / "validation-catalog.yaml", extra])
    sc = scenario([radial("in", 0.0, 50.0, 0.0, {"amsl": 10000}, 300.0)], system="sys-a", duration_s=10)
    units = [
        u.model_copy(update={"system": s, "name": s})
        for s, u in zip(("sys-a", "sys-b"), sc.units * 2, strict=True)
    ]
    world = build_world(sc.model_copy(update={"units": tuple(units)}), cat, cell_m=2000.0)
    assert [(r.radar_id, r.targets_engaged, r.missiles_guided) for r in world.radars] == [
        ("shared-radar", 3, 6),
        ("shared-radar", 7, 14),
    ]


def test_engine_and_coverage_maps_share_one_deployment() -> None:
    # The same radars at the same places with the same antenna heights and sectors, and the same missiles
    # guided by each radar: in the engine's world and in the coverage study.
    cat = default_catalog()
    sc = resolve_scenario("ankara-s400-2bn", cat)
    dep = deploy(sc, cat)
    sites = radar_sites(sc, dep)
    world = build_world(sc, cat)
    assert [s.label for s in sites] == [r.label for r in world.radars]
    for site, radar in zip(sites, world.radars, strict=True):
        assert (site.lat, site.lon) == (radar.placement.lat, radar.placement.lon)
        assert site.mast_m == radar.model.mast_height_m
    guided = {s.label: set(s.missiles) for s in sites}
    for bn in world.battalions:
        assert guided[world.radars[bn.radar].label] == {m.id for m in bn.missiles} == {"48n6e3", "9m96e2"}
    assert [s.sector_deg for s in sites] == [360.0, 360.0, 90.0, 90.0]
    assert [s.facing_deg for s in sites] == [None, None, 335.0, 335.0]


def test_the_catalogs_srbm_is_engaged() -> None:
    # The catalog's SRBM (2 km/s, 0.05 m2) flies in at 20 km toward an S-400 battalion whose 92N6E faces
    # it: the 92N6E (Pd 0.5 on 4 m2 at 250 km: on 0.05 m2 at 250 (0.05 / 4)^(1/4) = 84 km) picks it up
    # some 80 km out, the track is confirmed a second later, and within the battalion's 12 s of reaction
    # (the target closes 24 km) its intercept point is inside the 48N6E3's 60 km envelope against ballistic
    # missiles: every run launches.
    cat = default_catalog()
    sc = resolve_scenario("ankara-s400", cat)
    unit = sc.units[0].model_copy(
        update={
            "position": (40.0, 33.0),
            "battalions": (
                sc.units[0].battalions[0].model_copy(update={"position": (40.0, 33.0), "facing_deg": 0.0}),
            ),
        }
    )
    raid = radial("srbm", 0.0, 300.0, 0.0, {"amsl": 20000}, 2000.0, target="srbm")
    sc = sc.model_copy(
        update={"units": (unit,), "raids": (sc.raids[0].model_validate(raid),), "terrain": "flat"}
    )
    world = build_world(sc, cat, cell_m=2000.0)
    for seed in range(10):
        result = run(world, seed)
        assert events(result, "launch"), seed
