"""The world of one scenario, built once and shared by every run of it: terrain on a local grid, the
scenario's deployment (:mod:`iadsim.deployment`) placed on it with each radar's floor, and every threat's
route.

Frame: an azimuthal-equidistant plane centred on the scenario (``x`` east, ``y`` north, metres) with heights
above sea level (``z``). Radar visibility and detection use the k-factor earth through each radar's floor
and :mod:`iadsim.physics`; tracking works in this plane.

A world knows which catalog figures it used (:attr:`World.figures`) and makes a copy of itself with other
values for some of them (:meth:`World.with_figures`, a draw of the disputed figures): the copy shares the
terrain, the routes, and every radar floor and timeline whose inputs the new values leave alone.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod, Transformer

from iadsim import physics
from iadsim.catalog import Catalog
from iadsim.coverage.floor import radar_floor
from iadsim.deployment import (
    BattalionPlacement,
    Deployment,
    FigureUse,
    RadarPlacement,
    UnitPlacement,
    deploy,
)
from iadsim.interceptors import InterceptorModel
from iadsim.scenario import BallisticFlight, Scenario
from iadsim.sensors import RadarModel
from iadsim.sim import _kernels
from iadsim.sim.plan import DemandError as DemandError  # (planning lives in iadsim.sim.plan)
from iadsim.sim.plan import WorldPlan as WorldPlan
from iadsim.sim.plan import blamed_on, check_demand, plan_of
from iadsim.sim.plan import plan_world as plan_world
from iadsim.sim.sensing import Coverage, Look, ScanCoverage
from iadsim.sim.threats import Threats
from iadsim.sim.timeline import Timeline
from iadsim.terrain import Terrain, open_terrain
from iadsim.terrain.grid import WGS84, Grid, local_azimuth_rad, sample_bilinear

FloatArray = NDArray[np.float64]
_GEOD = Geod(ellps="WGS84")
#: Spacing of the points that trace a great-circle leg in the local plane, m.
ROUTE_STEP_M = 2_000.0
#: A track counts a missed scan only where the scanning radar's single-look Pd on it is at least this: a
#: radar that would see the target in at least four looks out of five and did not is evidence of a lost
#: track; where it would not (far out, low, small RCS), silence says nothing (see :class:`ScanCoverage`).
MISS_PD = 0.8


@dataclass
class RadarSite:
    """A radar of the deployment on the world grid: its placement, position in the plane, antenna height
    above sea level, where it sees (:class:`Coverage`) and what its scans could detect
    (:class:`ScanCoverage`)."""

    placement: RadarPlacement
    x_m: float
    y_m: float
    antenna_amsl_m: float
    coverage: Coverage
    scan: ScanCoverage
    look: Look

    @property
    def label(self) -> str:
        """e.g. ``regiment-1/bn-1 92n6e``."""
        return self.placement.label

    @property
    def radar_id(self) -> str:
        """Catalog id."""
        return self.placement.radar_id

    @property
    def unit(self) -> int:
        """Index of its unit."""
        return self.placement.unit

    @property
    def model(self) -> RadarModel:
        """The calibrated radar."""
        return self.placement.model

    @property
    def scan_period_s(self) -> float:
        """Time between scans, s."""
        return self.placement.scan_period_s

    @property
    def targets_engaged(self) -> int:
        """Fire channels (0 for a radar that guides no missiles)."""
        return self.placement.targets_engaged

    @property
    def missiles_guided(self) -> int:
        """Missiles it can guide at once."""
        return self.placement.missiles_guided

    @property
    def sigmas(self) -> FloatArray:
        """Measurement noise: range (m), azimuth and elevation (rad)."""
        p = self.placement
        return np.array([p.sigma_range_m, p.sigma_azimuth_rad, p.sigma_elevation_rad])


@dataclass
class Battalion:
    """A fire unit of the deployment on the world grid: launch point and ground height (m)."""

    placement: BattalionPlacement
    x_m: float
    y_m: float
    ground_m: float
    radar: int

    @property
    def name(self) -> str:
        """Battalion name."""
        return self.placement.name

    @property
    def unit(self) -> int:
        """Index of its unit."""
        return self.placement.unit

    @property
    def missiles(self) -> tuple[InterceptorModel, ...]:
        """Missile types, in the order of :attr:`rounds`' columns."""
        return self.placement.missiles

    @property
    def rounds(self) -> NDArray[np.int64]:
        """``(launchers, missile types)`` rounds ready to fire at the start."""
        return self.placement.rounds

    @property
    def reserve(self) -> NDArray[np.int64]:
        """``(missile types,)`` rounds on transloaders."""
        return self.placement.reserve

    @property
    def reload_s(self) -> float:
        """Time to reload a launcher, s."""
        return self.placement.reload_s

    @property
    def launch_interval_s(self) -> float:
        """Least time between two launches, s."""
        return self.placement.launch_interval_s

    @property
    def reaction_time_s(self) -> float:
        """Time from a confirmed track to the first launch at it, s."""
        return self.placement.reaction_time_s


class _Shared:
    """What the worlds of one scenario (a world and its copies with other figures) share: radar floors by
    (position, antenna height, range), coverages and looks by their inputs, timelines by the threats'
    speeds."""

    def __init__(self) -> None:
        self.floors: dict[tuple[float, ...], tuple[NDArray[np.float32], int, int, float]] = {}
        self.coverages: dict[tuple[float, ...], Coverage] = {}
        self.looks: dict[tuple[object, ...], Look] = {}
        self.timelines: dict[bytes, Timeline] = {}
        self.points: dict[tuple[float, float], tuple[float, float]] = {}
        self.lock = threading.RLock()

    def for_other_threats(self) -> _Shared:
        """What a world on the same grid with other threats shares with these worlds: the floors,
        coverages, looks and points (they depend on the radars and the grid only), not the timelines."""
        other = copy.copy(self)
        other.timelines = {}
        return other

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()


@dataclass
class World:
    """Everything a run needs that does not change between runs."""

    scenario: Scenario
    catalog: Catalog
    terrain: Grid
    terrain_identity: str
    deployment: Deployment
    radars: list[RadarSite]
    units: list[UnitPlacement]
    battalions: list[Battalion]
    threats: Threats
    assets_xy_m: FloatArray  # (n, 2)
    assets_radius_m: FloatArray
    _shared: _Shared = field(default_factory=_Shared, repr=False, compare=False)
    #: The grid's centre, radius and cell (:class:`~iadsim.sim.plan.WorldPlan`) and terrain: worlds with the
    #: same one can share their terrain and radar geometry (:func:`build_world`'s ``like``).
    grid_key: tuple[object, ...] = field(default=(), repr=False, compare=False)

    @property
    def figures(self) -> dict[str, FigureUse]:
        """The catalog figures this world used, by ``entity.field`` name, with the values it used."""
        return self.deployment.figures

    @property
    def timeline(self) -> Timeline:
        """Threat positions at every time step, and radar geometry as runs reach them (shared by the worlds
        whose threats fly at the same speeds)."""
        key = self.threats.speed_mps.tobytes()
        with self._shared.lock:
            tl = self._shared.timelines.get(key)
            if tl is None:
                sc = self.scenario
                tl = self._shared.timelines[key] = Timeline(
                    self.threats, self.terrain, sc.step_s, sc.duration_s
                )
            return tl

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) in the local plane of a WGS84 position in degrees."""
        x, y = Transformer.from_crs(WGS84, self.terrain.crs, always_xy=True).transform(lon, lat)
        return float(x), float(y)

    def ground_m(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Terrain height (m above sea level) at points of the plane, bilinear; 0 off the grid."""
        return sample_bilinear(self.terrain, x, y)

    def ground_at(self, x: float, y: float) -> float:
        """:meth:`ground_m` at one point (:func:`iadsim.sim._kernels.ground_at`, the engine's)."""
        return float(_kernels.ground_at(x, y, self.terrain.values, self.ground_transform))

    @functools.cached_property
    def ground_transform(self) -> FloatArray:
        """``(c, a, f, e)`` of the terrain grid's transform, as :func:`iadsim.sim._kernels.ground_at` takes
        it."""
        t = self.terrain.transform
        return np.array([t.c, t.a, t.f, t.e], dtype=np.float64)

    def with_figures(self, values: Mapping[str, float]) -> World:
        """A copy of the world with other values for some of the catalog figures it used (by name, as
        :attr:`figures`); floors and timelines are shared where their inputs do not change."""
        if not values:
            return self
        w = copy.copy(self)
        w._place(deploy(self.scenario, self.catalog, values))
        return w

    # ------------------------------------------------------------------------------------------ building
    def _place(self, dep: Deployment) -> None:
        """Put a deployment on the world's grid (radars with their floors, battalions); type the threats."""
        self.deployment = dep
        self.radars = [self._site(p) for p in dep.radars]
        self.units = list(dep.units)
        self.battalions = []
        for b in dep.battalions:
            x, y = self._local(b.lat, b.lon)
            ground = float(sample_bilinear(self.terrain, np.array([x]), np.array([y]))[0])
            self.battalions.append(Battalion(b, x, y, ground, b.radar))
        self.threats = self.threats.with_types(self.scenario, dep.threat_types)

    def _local(self, lat: float, lon: float) -> tuple[float, float]:
        """:meth:`to_local`, kept for the worlds that share this one's grid."""
        key = (lat, lon)
        xy = self._shared.points.get(key)
        if xy is None:
            xy = self._shared.points[key] = self.to_local(lat, lon)
        return xy

    def _site(self, p: RadarPlacement) -> RadarSite:
        """A radar placement on the grid, its floor and coverage made once per inputs."""
        grid, shared = self.terrain, self._shared
        x, y = self._local(p.lat, p.lon)
        model = p.model
        half_width = grid.cell_size_m[0] * (grid.shape[0] // 2)
        reach = min(p.floor_range_m, half_width)
        k = self.scenario.coverage.k
        fkey = (x, y, model.mast_height_m, reach, k)
        with shared.lock:
            floor = shared.floors.get(fkey)
            if floor is None:
                f = radar_floor(grid, x, y, model.mast_height_m, k, reach)
                rows, cols = f.window_on(grid)
                window = np.ascontiguousarray(f.agl.values, dtype=np.float32)
                floor = shared.floors[fkey] = (window, rows.start, cols.start, f.antenna_amsl_m)
        window, r0, c0, antenna = floor
        facing = 0.0
        if model.sector_rad < 2 * np.pi:
            facing = local_azimuth_rad(grid.crs, p.lat, p.lon, p.facing_deg)
        ckey = (
            *fkey,
            model.instrumented_range_m,
            model.min_elevation_rad,
            model.max_elevation_rad,
            facing,
            model.sector_rad,
        )
        with shared.lock:
            cov = shared.coverages.get(ckey)
            if cov is None:
                t = grid.transform
                cov = shared.coverages[ckey] = Coverage(
                    floor_agl_m=window,
                    terrain_m=np.asarray(grid.values, dtype=np.float32),
                    grid=np.array([t.c, t.a, t.f, t.e, r0, c0], dtype=np.float64),
                    radar=np.array(
                        [
                            x,
                            y,
                            antenna,
                            physics.effective_earth_radius_m(k),
                            model.instrumented_range_m,
                            model.min_elevation_rad,
                            model.max_elevation_rad,
                            facing,
                            model.sector_rad / 2,
                        ],
                        dtype=np.float64,
                    ),
                )
        scan = ScanCoverage.of(cov, model.snr_1m2_at_1m_db, model.pfa, model.reference_swerling, MISS_PD)
        env = self.deployment.environment
        lkey = (cov, model, env)  # (the coverage fixes the position and the antenna)
        with shared.lock:
            look = shared.looks.get(lkey)
            if look is None:
                look = shared.looks[lkey] = Look(
                    model, env, x, y, antenna, antenna - model.mast_height_m, cov
                )
        return RadarSite(p, x, y, antenna, cov, scan, look)


def _route(
    world_to: Transformer, grid: Grid, route: list[tuple[float, float, float, bool]]
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], FloatArray]:
    """Great-circle legs between waypoints (lat, lon, altitude, agl) traced every ROUTE_STEP_M in the plane;
    returns x, y, altitude, whether it is above ground, and the cumulative distance of each point.

    Along a leg the altitude is interpolated linearly between its ends in one reference: above ground when
    both ends are (the route follows the terrain), above sea level when both are, and above sea level when
    they differ (the AGL end converted with the terrain height under it).
    """
    xs, ys, alts, agls = [], [], [], []

    def amsl(lat: float, lon: float, alt: float, agl: bool) -> float:
        if not agl:
            return alt
        x, y = world_to.transform(lon, lat)
        return alt + float(sample_bilinear(grid, np.array([x]), np.array([y]))[0])

    for (lat1, lon1, a1, agl1), (lat2, lon2, a2, agl2) in zip(route, route[1:], strict=False):
        if agl1 != agl2:
            a1, a2, agl1 = amsl(lat1, lon1, a1, agl1), amsl(lat2, lon2, a2, agl2), False
        dist = _GEOD.inv(lon1, lat1, lon2, lat2)[2]
        n = max(int(np.ceil(dist / ROUTE_STEP_M)), 1)
        inner = _GEOD.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else []
        lons = [lon1, *(p[0] for p in inner)]
        lats = [lat1, *(p[1] for p in inner)]
        x, y = world_to.transform(lons, lats)
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
        alts.append(np.linspace(a1, a2, n, endpoint=False))
        agls.append(np.full(n, agl1))
    lat, lon, alt, agl = route[-1]
    if len(route) > 1 and route[-2][3] != agl:  # the last leg is flown above sea level
        alt, agl = amsl(lat, lon, alt, agl), False
    x, y = world_to.transform(lon, lat)
    xs.append(np.array([x]))
    ys.append(np.array([y]))
    alts.append(np.array([alt]))
    agls.append(np.array([agl]))
    rx, ry = np.concatenate(xs), np.concatenate(ys)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx), np.diff(ry)))])
    return rx, ry, np.concatenate(alts), np.concatenate(agls).astype(bool), s


#: Longest time between the points a ballistic flight is traced at, s (linear between them: the chord of
#: the trajectory's arc departs from it by ``g dt^2 / 8``, about 1.2 m at 1 s).
BALLISTIC_STEP_S = 1.0


def _ballistic_route(
    world_to: Transformer, terrain: Terrain, flight: BallisticFlight
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], FloatArray, FloatArray]:
    """A ballistic flight traced every :data:`BALLISTIC_STEP_S` or less in the plane: x, y, height above sea
    level, above ground (all ``False``), the cumulative distance of each point and the time after launch at
    which the flight passes it (its clock).

    The trajectory's heights are above the earth's surface at sea level; the flight is lifted by the ground
    heights of its launch and impact points, blended linearly along its ground range, so that it leaves
    and meets the ground (0 where the terrain has no data)."""
    trajectory = flight.trajectory
    tof = trajectory.time_of_flight_s
    n = max(int(np.ceil(tof / BALLISTIC_STEP_S)), 64) + 1
    t = np.linspace(0.0, tof, n)
    lat, lon, height = flight.track(t)
    ground, _ = trajectory.position(t)
    ends = np.nan_to_num(
        terrain.elevation_m(
            np.array([flight.launch[0], flight.impact[0]]), np.array([flight.launch[1], flight.impact[1]])
        )
    )
    share = np.clip(np.nan_to_num(ground) / trajectory.range_m, 0.0, 1.0)
    height = np.maximum(height, 0.0) + ends[0] + (ends[1] - ends[0]) * share
    x, y = world_to.transform(lon, lat)
    rx, ry = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    step = np.sqrt(np.diff(rx) ** 2 + np.diff(ry) ** 2 + np.diff(height) ** 2)
    s = np.concatenate([[0.0], np.cumsum(step)])
    return rx, ry, height, np.zeros(n, dtype=bool), s, t


def build_world(
    scenario: Scenario,
    catalog: Catalog,
    terrain: Terrain | None = None,
    cell_m: float | None = None,
    like: World | None = None,
) -> World:
    """Build the world of a scenario: local grid, its deployment with the floor of every radar, threats.

    The grid is centred on the mean position of the units and covers every unit, asset and route point plus
    the longest radar range in use (capped at 600 km); cells of half the terrain's resolution (at least
    250 m) unless ``cell_m`` is given. ``like``: a world (of another point of a study, say) whose grid and
    terrain this one's are found to be: the terrain grid, floors, coverages and looks are then shared with
    it rather than computed again (they depend only on the grid and the radars, which they are keyed by).
    """
    with blamed_on(scenario):
        dep = deploy(scenario, catalog)
        flights = scenario.flights(catalog)
        terrain = terrain or open_terrain(scenario.terrain)
        plan = plan_of(scenario, dep, terrain, flights, cell_m)
        check_demand(plan)
        grid_key = (plan.lat, plan.lon, plan.radius_m, plan.cell_m, terrain.identity)
        if like is not None and like.grid_key == grid_key:
            grid, shared = like.terrain, like._shared.for_other_threats()
        else:
            grid = terrain.local_grid(plan.lat, plan.lon, plan.radius_m, plan.cell_m)
            grid = grid.with_values(np.nan_to_num(np.asarray(grid.values, dtype=np.float32)))
            shared = _Shared()
    to_local = Transformer.from_crs(WGS84, grid.crs, always_xy=True)

    threats = Threats(
        [], np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), []
    )
    raid_idx, launch = [], []
    for ri, raid in enumerate(scenario.raids):
        cls = dep.threat_types[raid.target].target_class
        clock: FloatArray | None = None
        if ri in flights:
            rx, ry, ra, rg, rs, clock = _ballistic_route(to_local, terrain, flights[ri])
        else:
            route = [
                (w.position[0], w.position[1], w.altitude.metres, w.altitude.reference == "agl")
                for w in raid.route
            ]
            rx, ry, ra, rg, rs = _route(to_local, grid, route)
        threats.route_t.append(clock)
        threats.route_x.append(rx)
        threats.route_y.append(ry)
        threats.route_alt.append(ra)
        threats.route_agl.append(rg)
        threats.route_s.append(rs)
        for k in range(raid.count):
            threats.target_id.append(raid.target)
            threats.target_class.append(cls)
            raid_idx.append(ri)
            launch.append(raid.start_s + k * raid.interval_s)
    threats.raid = np.array(raid_idx, dtype=np.int64)
    threats.launch_s = np.array(launch, dtype=float)

    def local(lat: float, lon: float) -> tuple[float, float]:
        x, y = to_local.transform(lon, lat)
        return float(x), float(y)

    assets = np.array([local(*a.position) for a in scenario.defended_assets], dtype=float).reshape(-1, 2)
    radius = np.array([a.radius_km * 1e3 for a in scenario.defended_assets], dtype=float)
    world = World(
        scenario, catalog, grid, terrain.identity, dep, [], [], [], threats, assets, radius, shared, grid_key
    )
    world._place(dep)
    return world
