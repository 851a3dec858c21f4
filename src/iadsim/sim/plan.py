"""What a scenario's world will take, known before it is built: its grid, the memory of its floors and
threats, and the steps and scans of a run, checked against the limits (:mod:`iadsim.limits`).

Apart from :mod:`iadsim.sim.world` so that ``iadsim validate`` checks a scenario without importing the
engine and its compiled kernels (numba and SciPy: a second at every start).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from iadsim.catalog import Catalog
from iadsim.coverage.floor import FLOOR_BYTES_PER_CELL
from iadsim.deployment import Deployment, deploy
from iadsim.errors import IadsimError, InputError
from iadsim.limits import check_memory, check_steps
from iadsim.scenario import BallisticFlight, Scenario, ScenarioError
from iadsim.terrain import Terrain, TerrainError, open_terrain
from iadsim.terrain.base import GRID_BYTES_PER_CELL

_GEOD = Geod(ellps="WGS84")
#: Steps a timeline computes together (a block of 256 one-second steps for 30 threats and 3 radars is about
#: 200 kB); a run keeps one block beyond its steps.
BLOCK_STEPS = 256


@dataclass(frozen=True)
class WorldPlan:
    """What a world will take, known before it is built: its grid (centre in degrees, radius and cell in
    m), the radars' floor windows (cells), the steps a run may take and the threats."""

    lat: float
    lon: float
    radius_m: float
    cell_m: float
    floor_cells: tuple[float, ...]
    steps: int
    scans: float
    threats: int
    widest: str = ""  # the scenario field of the point farthest from the grid's centre

    def grid_bytes(self) -> float:
        """Memory of the resampled terrain."""
        return self.grid_cells * (GRID_BYTES_PER_CELL + 4)

    @property
    def grid_cells(self) -> float:
        """Cells of the square grid."""
        return float(2 * math.ceil(self.radius_m / self.cell_m) + 1) ** 2

    def memory_bytes(self) -> float:
        """Memory of the world and of a run over it: the resampled terrain, the floors, the positions and
        radar geometry of every threat at every step (kept for the runs of a study)."""
        per_step = self.threats * (24 + 9 * len(self.floor_cells))
        return (
            self.grid_bytes()
            + sum(self.floor_cells) * FLOOR_BYTES_PER_CELL
            + (self.steps + BLOCK_STEPS) * per_step
        )


def plan_of(
    scenario: Scenario,
    dep: Deployment,
    terrain: Terrain,
    flights: Mapping[int, BallisticFlight],
    cell_m: float | None = None,
) -> WorldPlan:
    """The grid a scenario's world needs (see :func:`build_world`), and its steps and scans; ``flights``:
    the ballistic raids' flights (:meth:`iadsim.scenario.Scenario.flights`)."""
    lat0 = float(np.mean([u.position[0] for u in scenario.units]))
    lon0 = float(np.mean([u.position[1] for u in scenario.units]))
    points = {f"units.{i}.position": u.position for i, u in enumerate(scenario.units)}
    points |= {
        f"units.{i}.battalions.{j}.position": b.position
        for i, u in enumerate(scenario.units)
        for j, b in enumerate(u.battalions)
    }
    points |= {f"defended_assets.{i}.position": a.position for i, a in enumerate(scenario.defended_assets)}
    points |= {
        f"raids.{i}.route.{j}.position": w.position
        for i, r in enumerate(scenario.raids)
        for j, w in enumerate(r.route)
    }
    # a ballistic raid's grid needs only where it falls: it flies above the terrain, and a radar sees it only
    # over its floor, which the grid covers to the radar's range
    points |= {f"raids.{i}.impact": f.impact for i, f in flights.items()}
    distance = {name: _GEOD.inv(lon0, lat0, p[1], p[0])[2] for name, p in points.items()}
    widest = max(distance, key=distance.__getitem__)
    extent = distance[widest]
    reach = max([0.0, *(min(r.floor_range_m, 600e3) for r in dep.radars)])
    cell = float(cell_m or max(terrain.resolution_m / 2, 250.0))
    radius = max(extent, reach) + 2 * cell
    floors = tuple(float(2 * math.ceil(min(r.floor_range_m, radius) / cell) + 1) ** 2 for r in dep.radars)
    # a run ends with the last threat's arrival (or the scenario's end)
    end_s = 0.0
    for i, raid in enumerate(scenario.raids):
        if i in flights:
            flight_s = flights[i].trajectory.time_of_flight_s
        else:
            length = sum(
                _GEOD.inv(a.position[1], a.position[0], b.position[1], b.position[0])[2]
                for a, b in zip(raid.route, raid.route[1:], strict=False)
            )
            flight_s = length / (raid.speed_mps or dep.threat_types[raid.target].speed_mps)
        end_s = max(end_s, raid.start_s + (raid.count - 1) * raid.interval_s + flight_s)
    steps = int(min(end_s, scenario.duration_s) / scenario.step_s) + 1
    scans = sum(min(end_s, scenario.duration_s) / r.scan_period_s for r in dep.radars)
    threats = sum(r.count for r in scenario.raids)
    return WorldPlan(lat0, lon0, radius, cell, floors, steps, scans, threats, widest)


class DemandError(InputError):
    """A world beyond the limits; ``field`` is the scenario field that makes it so."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_demand(plan: WorldPlan) -> None:
    """Refuse (:class:`InputError`) a world that would take more memory, or runs more steps, than the
    limits (:mod:`iadsim.limits`)."""
    n = 2 * math.ceil(plan.radius_m / plan.cell_m) + 1
    # the grid is blamed on the point farthest from the units, the rest on the scenario's steps
    memory_field = plan.widest if plan.grid_bytes() > plan.memory_bytes() / 2 else "step_s"
    try:
        check_memory(
            f"the scenario's world ({n:,} x {n:,} cells of {plan.cell_m:g} m to reach every unit and route "
            f"point, {plan.threats:,} threats over {plan.steps:,} steps)",
            plan.memory_bytes(),
        )
    except InputError as exc:
        raise DemandError(str(exc), memory_field) from None
    try:
        check_steps("the scenario", plan.steps + plan.scans)
    except InputError as exc:
        raise DemandError(str(exc), "step_s") from None


def plan_world(scenario: Scenario, catalog: Catalog, terrain: Terrain | None = None) -> WorldPlan:
    """What :func:`build_world` would take for a scenario, checked against the limits without building it
    (``iadsim validate``)."""
    with blamed_on(scenario):
        terrain = terrain or open_terrain(scenario.terrain)
        plan = plan_of(scenario, deploy(scenario, catalog), terrain, scenario.flights(catalog))
        check_demand(plan)
    return plan


@contextmanager
def blamed_on(scenario: Scenario) -> Iterator[None]:
    """Errors found while building a scenario's world name its file (and the line of its terrain)."""
    try:
        yield
    except TerrainError as exc:
        where = scenario.where("terrain")
        raise ScenarioError(f"{where}: terrain: {exc}" if where else str(exc)) from None
    except DemandError as exc:
        where = scenario.where(exc.field)
        raise InputError(f"{where}: {exc.field}: {exc}" if where else str(exc)) from None
    except IadsimError as exc:
        where = scenario.where()
        raise type(exc)(f"{where}: {exc}" if where else str(exc)) from None
