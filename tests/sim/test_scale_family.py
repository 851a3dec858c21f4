"""The generated scenario family of ``benchmarks/engine_scale.py``: its members are valid scenarios (read
back through the scenario loader and its checks against the catalog), place the batteries and threats
they name inside the embedded terrain, and run."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pyproj import Geod

from iadsim.catalog import default_catalog
from iadsim.scenario import load_scenario
from iadsim.sim.engine import run
from iadsim.sim.world import build_world

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "engine_scale.py"


@pytest.fixture(scope="module")
def family() -> ModuleType:
    """The benchmark script, imported as a module (a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("engine_scale", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("batteries", "threats"), [(1, 30), (3, 100)])
def test_member_validates_builds_and_runs(
    family: ModuleType, tmp_path: Path, batteries: int, threats: int
) -> None:
    cat = default_catalog()
    path = family.write_scale_scenario(batteries, threats, tmp_path)
    sc = load_scenario(path, cat)  # every check of the format and against the catalog
    regiments = math.ceil(batteries / 2)
    assert len(sc.units) == regiments
    assert sum(len(u.battalions) for u in sc.units) == batteries
    assert sum(r.count for r in sc.raids) == threats
    cruise = sum(r.count for r in sc.raids if r.target == "subsonic-cruise-missile")
    assert cruise == round(threats * family.CRUISE_SHARE)
    assert {r.target for r in sc.raids} - {"subsonic-cruise-missile"} <= {a[0] for a in family.AIRCRAFT}
    # every point inside the embedded GLOBE tile (0-50 N, 0-90 E); batteries within 200 km of Ankara
    points = [u.position for u in sc.units] + [b.position for u in sc.units for b in u.battalions]
    points += [w.position for r in sc.raids for w in r.route]
    assert all(0 < lat < 50 and 0 < lon < 90 for lat, lon in points)
    geod = Geod(ellps="WGS84")
    lat0, lon0 = family.CENTRE
    for u in sc.units:
        for b in u.battalions:
            assert geod.inv(lon0, lat0, b.position[1], b.position[0])[2] < 200e3

    world = build_world(sc, cat)
    assert len(world.units) == regiments
    assert len(world.battalions) == batteries
    assert len(world.radars) == 2 * regiments + batteries  # 91N6E and 96L6E a regiment, a 92N6E a battery
    assert world.threats.count == threats
    res = run(world, np.random.SeedSequence(1, spawn_key=(0, 0, 0)), record_events=False)
    assert res.threats == threats
    assert res.killed + res.leaked <= threats
    assert res.detected > 0 and res.interceptors_launched > 0


def test_smaller_members_stand_where_the_larger_do(family: ModuleType) -> None:
    small = family.scale_scenario_dict(3, 30)
    large = family.scale_scenario_dict(20, 1000)
    for u_small, u_large in zip(small["units"], large["units"], strict=False):
        assert u_small["position"] == u_large["position"]
        for b_small, b_large in zip(u_small["battalions"], u_large["battalions"], strict=False):
            assert b_small["position"] == b_large["position"]
    with pytest.raises(ValueError, match="batteries"):
        family.scale_scenario_dict(21, 30)
