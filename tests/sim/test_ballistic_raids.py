"""Ballistic raids in the engine: the flight the timeline gives each threat, and re-entry vehicles of 2 to
3.4 km/s detected, tracked, engaged and resolved with nothing impossible in the event log.

The scenario (built in code, flat terrain): one S-400 battalion with 48N6E3 missiles beside a base, three
``srbm-500`` launched 400 km away (minimum energy, about 1.9 km/s at the ground) and two ``mrbm-1000``
launched 1,060 km away (about 3.1 km/s).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod, Transformer

from iadsim.catalog import Catalog, default_catalog
from iadsim.physics.ballistic import ballistic_trajectory
from iadsim.scenario import Scenario
from iadsim.sim import engine
from iadsim.sim.world import World, build_world
from iadsim.terrain.grid import WGS84

BASE = (37.0, 35.43)
BATTALION = (37.02, 35.40)
SRBM_LAUNCH = (35.5, 39.5)
MRBM_LAUNCH = (35.0, 47.0)
MRBM_IMPACT = (37.0, 35.45)


def _scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "version": 1,
            "name": "bmd-fast",
            "terrain": "flat",
            "duration_s": 900,
            "defended_assets": [{"name": "base", "position": BASE, "radius_km": 5}],
            "units": [
                {
                    "name": "regiment-1",
                    "system": "s-400",
                    "position": BATTALION,
                    "facing_deg": 110,
                    "battalions": [
                        {
                            "name": "bn-1",
                            "position": BATTALION,
                            "facing_deg": 110,
                            "launchers": 8,
                            "missiles": {"48n6e3": 32},
                        }
                    ],
                }
            ],
            "doctrine": {"salvo": 2, "shoot_look_shoot": True},
            "raids": [
                {
                    "name": "srbm",
                    "target": "srbm-500",
                    "count": 3,
                    "interval_s": 30,
                    "trajectory": "ballistic",
                    "launch": SRBM_LAUNCH,
                    "impact": "base",
                },
                {
                    "name": "mrbm",
                    "target": "mrbm-1000",
                    "count": 2,
                    "interval_s": 40,
                    "trajectory": "ballistic",
                    "launch": MRBM_LAUNCH,
                    "impact": MRBM_IMPACT,
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="module")
def world(cat: Catalog) -> World:
    return build_world(_scenario(), cat, cell_m=1000.0)


def test_the_timeline_flies_each_threat_on_its_trajectory(world: World, cat: Catalog) -> None:
    # The trajectory is recomputed here from the geodesic's length and the class's burn time
    # (ballistic_trajectory), and each point laid along the geodesic with pyproj's Geod.fwd; the engine's
    # positions, traced every second and linear between, may depart from it by the chord's sag,
    # g dt^2 / 8 = 1.2 m (10 m of slack for the boost's 26 m/s^2 and the interpolation of the clock).
    geod = Geod(ellps="WGS84")
    to_local = Transformer.from_crs(WGS84, world.terrain.crs, always_xy=True)
    tl = world.timeline
    for raid, (launch, impact), first in (
        ("srbm-500", (SRBM_LAUNCH, BASE), 0),
        ("mrbm-1000", (MRBM_LAUNCH, MRBM_IMPACT), 3),
    ):
        az, _, distance = geod.inv(launch[1], launch[0], impact[1], impact[0])
        target = cat.targets[raid]
        assert target.burn_time_s is not None
        trajectory = ballistic_trajectory(distance, target.burn_time_s.value)
        tof = trajectory.time_of_flight_s
        launch_s = float(world.threats.launch_s[first])
        # it falls at the first step at or after launch + time of flight
        assert tl.arrival_step[first] == math.ceil(launch_s + tof - 1e-9)
        for t in np.linspace(launch_s + 1.0, launch_s + tof - 1.0, 7).round():
            ground, height = trajectory.position(t - launch_s)
            lon, lat, _ = geod.fwd(launch[1], launch[0], az, float(ground))
            x, y = to_local.transform(lon, lat)
            got = tl.positions(int(t))[first]
            assert math.dist(got, (x, y, float(height))) < 10.0, (raid, t, got, (x, y, height))


def _speed(world: World, threat: int, t: float) -> float:
    tl = world.timeline
    return float(np.linalg.norm(tl.position_at(threat, t + 0.5) - tl.position_at(threat, t - 0.5)))


def test_reentry_vehicles_are_detected_tracked_engaged_and_resolved(world: World, cat: Catalog) -> None:
    # Every threat is detected, tracked and fired at, and every engagement is resolved (kill or miss) before
    # it falls; the intercepts meet re-entry vehicles of 1.9 to 3.4 km/s (the MRBM's over 3 km/s: its
    # minimum-energy flight of 1,060 km falls at vis-viva sqrt(mu (2 / R - 1 / a)) = 3.1 km/s).
    distance = Geod(ellps="WGS84").inv(MRBM_LAUNCH[1], MRBM_LAUNCH[0], MRBM_IMPACT[1], MRBM_IMPACT[0])[2]
    burn = cat.targets["mrbm-1000"].burn_time_s
    assert burn is not None and ballistic_trajectory(distance, burn.value).impact_speed_mps > 3000.0
    for seed in range(3):
        result = engine.run(world, seed)
        assert result.detected == result.engaged == result.threats == 5
        assert result.killed + result.leaked == 5 and result.killed >= 3
        for threat in range(5):
            kinds = {e.kind for e in result.events if e.threat == threat}
            assert {"detection", "track_start", "assignment", "launch", "intercept"} <= kinds, (threat, kinds)
        speeds = [_speed(world, e.threat, e.t_s) for e in result.events if e.kind == "intercept"]
        assert min(speeds) > 1500.0 and max(speeds) < 5000.0
        assert max(speeds) > 3000.0, speeds


def test_the_event_log_shows_nothing_impossible(world: World, cat: Catalog) -> None:
    # No launch at a threat before its first detection; no kill outside the 48N6E3's ballistic-missile
    # envelope (ground range from the battalion within [min, max] range, height above the flat ground within
    # [min, max] altitude), checked on the threat's true position at the kill; no event of a threat after it
    # is killed or falls.
    env = cat.missiles["48n6e3"].envelopes["ballistic-missile"]
    bx, by = world.battalions[0].x_m, world.battalions[0].y_m
    for seed in range(3):
        result = engine.run(world, seed)
        first_seen: dict[int, float] = {}
        ended: dict[int, float] = {}
        for e in result.events:
            if e.threat < 0:
                continue
            assert e.threat not in ended, ("event after the end", e)
            if e.kind == "detection":
                first_seen.setdefault(e.threat, e.t_s)
            if e.kind in ("assignment", "launch"):
                assert e.threat in first_seen and first_seen[e.threat] <= e.t_s, e
            if e.kind == "kill":
                x, y, z = world.timeline.position_at(e.threat, e.t_s)
                ground = math.hypot(x - bx, y - by)
                assert env.min_range_m.value <= ground <= env.max_range_m.value, (e, ground)
                assert env.min_altitude_m.value <= z <= env.max_altitude_m.value, (e, z)
            if e.kind in ("kill", "leak"):
                ended[e.threat] = e.t_s
