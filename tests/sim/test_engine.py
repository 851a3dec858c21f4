"""The engine against analytic cases: binomial kill statistics, fire-channel timelines, terrain masking,
missile envelopes, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from iadsim.catalog import default_catalog, load_catalog
from iadsim.scenario import Scenario, resolve_scenario
from iadsim.sim.engine import run
from iadsim.sim.world import build_world
from tests.helpers import DATA, analytic_scenario, inbound, point


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog([DATA / "test-catalog.yaml"])


def _leak_fraction(catalog, scenario: Scenario, runs: int) -> float:  # type: ignore[no-untyped-def]
    world = build_world(scenario, catalog, cell_m=2000.0)
    leaks = 0
    for seed in range(runs):
        r = run(world, seed, record_events=False)
        assert r.detected == 1 and r.engaged == 1
        leaks += r.leaked
    return leaks / runs


def test_one_shot_leaks_with_frequency_one_minus_pk(catalog) -> None:  # type: ignore[no-untyped-def]
    # One missile of Pk 0.7 against a target the radar always sees: leak probability 0.3. Over 250 runs the
    # leak fraction lies within 4 binomial standard deviations (sqrt(0.3 * 0.7 / 250) = 0.029).
    frac = _leak_fraction(catalog, analytic_scenario([inbound("r", 0.0, 70.0)], missiles=1), 250)
    assert abs(frac - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 250)


def test_shoot_look_shoot_two_shots_leak_with_one_minus_pk_squared(catalog) -> None:  # type: ignore[no-untyped-def]
    # Two missiles, shoot-look-shoot: the second is fired only if the first missed: leak (1 - 0.7)^2 = 0.09.
    frac = _leak_fraction(catalog, analytic_scenario([inbound("r", 0.0, 70.0)], missiles=2), 250)
    assert abs(frac - 0.09) < 4 * math.sqrt(0.09 * 0.91 / 250)


def test_excess_targets_wait_for_the_fire_channel(catalog) -> None:  # type: ignore[no-untyped-def]
    # One fire channel, three targets inbound from three bearings at 50 km (already inside the 60 km
    # envelope), closing at 300 m/s; the missile flies 1000 m/s. Hand timeline: each engagement holds the
    # channel from launch until its intercept, T = D / (1000 + 300) after a launch at distance D; the next
    # launch comes at the first step (1 s) after that, when D has shrunk by 300 m/s.
    raids = [inbound(f"r{i}", b, 50.0) for i, b in enumerate((0.0, 120.0, 240.0))]
    scenario = analytic_scenario(raids, missiles=6).model_copy(
        update={"doctrine": analytic_scenario([]).doctrine}
    )
    world = build_world(scenario, catalog, cell_m=2000.0)
    r = run(world, 3)
    launches = [e for e in r.events if e.kind == "launch"]
    intercepts = [e for e in r.events if e.kind == "intercept"]
    assert len({e.threat for e in launches}) == 3
    first = launches[0].t_s
    d = 50e3 - 300 * first  # distance of every target at the first launch
    expected = [first]
    for _ in range(2):
        tof = d / 1300.0
        expected.append(math.ceil(expected[-1] + tof))
        d -= 300 * (expected[-1] - expected[-2])
    launch_times = [e.t_s for e in launches[:3]]
    assert launch_times == pytest.approx(expected, abs=1.0)
    # never two engagements at once: each launch comes at or after the previous intercept
    intercept_times = [e.t_s for e in intercepts]
    for n in range(2):
        assert launch_times[n + 1] >= intercept_times[n] >= launch_times[n]


def test_a_target_below_the_radar_floor_is_never_detected(catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A 3000 m wall 30-40 km north of the radar (10 m mast); a target at 500 m above sea level flies east-west
    # 60 km north of it: the wall hides it (its floor there is kilometres high), so it is never detected.
    lat = np.arange(41.5, 38.5, -0.01)
    lon = np.arange(31.5, 34.5, 0.01)
    z = np.zeros((lat.size, lon.size), np.float32)
    z[(lat > 40.27) & (lat < 40.36), :] = 3000.0
    dem = tmp_path / "wall.tif"
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        height=z.shape[0],
        width=z.shape[1],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(31.5, 41.505, 0.01, 0.01),
    ) as f:
        f.write(z, 1)
    raid = {
        "name": "hidden",
        "target": "test-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [
            {"position": [40.54, 32.2], "altitude": {"amsl": 500}},
            {"position": [40.54, 33.8], "altitude": {"amsl": 500}},
        ],
    }
    world = build_world(analytic_scenario([raid], terrain=str(dem)), catalog, cell_m=1000.0)
    for seed in range(5):
        r = run(world, seed)
        assert r.detected == 0 and r.engaged == 0
        assert not [e for e in r.events if e.kind == "detection"]
    # the same flight at 12 km is seen over the wall
    raid["route"] = [{**w, "altitude": {"amsl": 12000}} for w in raid["route"]]  # type: ignore[index]
    assert (
        run(build_world(analytic_scenario([raid], terrain=str(dem)), catalog, cell_m=1000.0), 0).detected == 1
    )


def test_a_target_outside_the_envelope_is_never_engaged(catalog) -> None:  # type: ignore[no-untyped-def]
    # Seen all the way (instrumented range 300 km) but flying a chord whose closest point is
    # 150 km * cos(60 degrees) = 75 km from the site: never within the missile's 60 km.
    raid = {
        "name": "far",
        "target": "test-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [
            {"position": point(300.0, 150.0), "altitude": {"amsl": 8000}},
            {"position": point(60.0, 150.0), "altitude": {"amsl": 8000}},
        ],
    }
    world = build_world(analytic_scenario([raid], missiles=4), catalog, cell_m=2000.0)
    for seed in range(3):
        r = run(world, seed)
        assert r.detected == 1
        assert r.engaged == 0 and r.interceptors_launched == 0
    # and one above the missile's ceiling (30 km) over the site is never engaged either
    high = inbound("high", 0.0, 70.0, alt={"amsl": 35000})
    r = run(build_world(analytic_scenario([high], missiles=4), catalog, cell_m=2000.0), 0)
    assert r.detected == 1 and r.engaged == 0


def test_same_seed_same_events_different_seeds_different_draws() -> None:
    cat = default_catalog()
    world = build_world(resolve_scenario("ankara-s400", cat), cat)
    a, b, c = run(world, 11), run(world, 11), run(world, 12)
    assert a.events == b.events and a.summary() == b.summary()
    assert a.events != c.events
    assert a.threats == 29 and a.detected > 0 and a.interceptors_launched > 0
