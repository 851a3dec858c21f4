"""The world of one scenario, built once and shared by every run of it: terrain on a local grid, each
radar's floor over it, the units, battalions and launchers, and every threat's route.

Frame: an azimuthal-equidistant plane centred on the scenario (``x`` east, ``y`` north, metres) with heights
above sea level (``z``). Radar visibility and detection use the k-factor earth through each radar's floor
and :mod:`iadsim.physics`; tracking works in this plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod, Transformer

from iadsim.catalog import Catalog, Missile, System, Target
from iadsim.coverage.floor import radar_floor
from iadsim.errors import InputError
from iadsim.scenario import Battalion as BattalionSpec
from iadsim.scenario import Scenario
from iadsim.sensors import RadarModel
from iadsim.sim.timeline import Timeline
from iadsim.terrain import Terrain, open_terrain
from iadsim.terrain.grid import WGS84, Grid

FloatArray = NDArray[np.float64]
_GEOD = Geod(ellps="WGS84")
#: Spacing of the points that trace a great-circle leg in the local plane, m.
ROUTE_STEP_M = 2_000.0
#: Default measurement noise where the catalog gives none: range (m), azimuth and elevation (degrees).
DEFAULT_SIGMAS = (100.0, 0.2, 0.3)


@dataclass
class RadarSite:
    """A radar in the world: where it is, what it is, and its floor on the world grid."""

    label: str
    radar_id: str
    unit: int
    battalion: int | None
    x_m: float
    y_m: float
    antenna_amsl_m: float
    model: RadarModel
    scan_period_s: float
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    floor_agl_m: NDArray[np.float32]
    targets_engaged: int
    missiles_guided: int


@dataclass
class Battalion:
    """A fire unit: engagement radar, missiles (catalog order), launchers with their rounds."""

    name: str
    unit: int
    x_m: float
    y_m: float
    ground_m: float
    radar: int
    missiles: list[Missile]
    rounds: NDArray[np.int64]  # (launchers, missile types) ready to fire
    reserve: NDArray[np.int64]  # (missile types) on transloaders
    reload_s: float
    launch_interval_s: float
    reaction_time_s: float


@dataclass
class Unit:
    """A regiment (or battery): its command post fuses the detections of all its radars."""

    name: str
    system: str
    radars: list[int]
    battalions: list[int]
    processing_delay_s: float


@dataclass
class Threats:
    """Every threat of every raid, as arrays; routes are polylines in the local plane."""

    target_id: list[str]
    raid: NDArray[np.int64]
    rcs_m2: FloatArray
    swerling: NDArray[np.int64]
    speed_mps: FloatArray
    launch_s: FloatArray
    target_class: list[str]
    route_x: list[FloatArray] = field(default_factory=list)
    route_y: list[FloatArray] = field(default_factory=list)
    route_alt: list[FloatArray] = field(default_factory=list)
    route_agl: list[NDArray[np.bool_]] = field(default_factory=list)
    route_s: list[FloatArray] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of threats."""
        return len(self.target_id)

    def length_m(self) -> FloatArray:
        """Route length of each threat, m."""
        return np.array([self.route_s[r][-1] for r in self.raid])


@dataclass
class World:
    """Everything a run needs that does not change between runs."""

    scenario: Scenario
    catalog: Catalog
    terrain: Grid
    terrain_identity: str
    radars: list[RadarSite]
    units: list[Unit]
    battalions: list[Battalion]
    threats: Threats
    assets_xy_m: FloatArray  # (n, 2)
    assets_radius_m: FloatArray
    targets: dict[str, Target]
    _timeline: Timeline | None = field(default=None, repr=False, compare=False)

    @property
    def timeline(self) -> Timeline:
        """Threat positions and radar geometry at every time step, computed as runs reach them and kept."""
        if self._timeline is None:
            self._timeline = Timeline(self)
        return self._timeline

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) in the local plane of a WGS84 position in degrees."""
        x, y = Transformer.from_crs(WGS84, self.terrain.crs, always_xy=True).transform(lon, lat)
        return float(x), float(y)

    def ground_m(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Terrain height (m above sea level) at points of the plane, bilinear; 0 off the grid."""
        return sample_bilinear(self.terrain, x, y)

    def ground_at(self, x: float, y: float) -> float:
        """:meth:`ground_m` at one point (the same arithmetic, in Python floats)."""
        g = self.terrain
        t = g.transform
        col = (x - t.c) / t.a - 0.5
        row = (y - t.f) / t.e - 0.5
        rows, cols = g.shape
        if not (-0.5 <= col <= cols - 0.5 and -0.5 <= row <= rows - 0.5):
            return 0.0
        c0 = min(max(math.floor(col), 0), cols - 2)
        r0 = min(max(math.floor(row), 0), rows - 2)
        wc = min(max(col - c0, 0.0), 1.0)
        wr = min(max(row - r0, 0.0), 1.0)
        v = g.values
        return (
            float(v[r0, c0]) * (1 - wr) * (1 - wc)
            + float(v[r0, c0 + 1]) * (1 - wr) * wc
            + float(v[r0 + 1, c0]) * wr * (1 - wc)
            + float(v[r0 + 1, c0 + 1]) * wr * wc
        )


def sample_bilinear(grid: Grid, x: FloatArray, y: FloatArray) -> FloatArray:
    """Bilinear interpolation of a grid's values at points in its CRS (cell centres as nodes); 0 outside.
    The grid must hold no NaN."""
    t = grid.transform  # north-up: no rotation terms
    col = (np.asarray(x, dtype=float) - t.c) / t.a - 0.5
    row = (np.asarray(y, dtype=float) - t.f) / t.e - 0.5
    rows, cols = grid.shape
    c0 = np.minimum(np.maximum(np.floor(col).astype(np.int64), 0), cols - 2)
    r0 = np.minimum(np.maximum(np.floor(row).astype(np.int64), 0), rows - 2)
    wc = np.minimum(np.maximum(col - c0, 0.0), 1.0)
    wr = np.minimum(np.maximum(row - r0, 0.0), 1.0)
    v = grid.values  # no copy: callers pass grids without NaN (build_world fills them with 0)
    out = (
        v[r0, c0] * (1 - wr) * (1 - wc)
        + v[r0, c0 + 1] * (1 - wr) * wc
        + v[r0 + 1, c0] * wr * (1 - wc)
        + v[r0 + 1, c0 + 1] * wr * wc
    )
    inside = (col >= -0.5) & (col <= cols - 0.5) & (row >= -0.5) & (row <= rows - 0.5)
    return np.where(inside, out, 0.0)


def _route(
    world_to: Transformer, route: list[tuple[float, float, float, bool]]
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_], FloatArray]:
    """Great-circle legs between waypoints (lat, lon, altitude, agl) traced every ROUTE_STEP_M in the plane;
    altitude interpolated linearly along each leg; returns x, y, alt, agl, cumulative distance."""
    xs, ys, alts, agls = [], [], [], []
    for (lat1, lon1, a1, agl1), (lat2, lon2, a2, _agl2) in zip(route, route[1:], strict=False):
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
    x, y = world_to.transform(lon, lat)
    xs.append(np.array([x]))
    ys.append(np.array([y]))
    alts.append(np.array([alt]))
    agls.append(np.array([agl]))
    rx, ry = np.concatenate(xs), np.concatenate(ys)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx), np.diff(ry)))])
    return rx, ry, np.concatenate(alts), np.concatenate(agls).astype(bool), s


def _radar_site(
    catalog: Catalog,
    system: System,
    grid: Grid,
    k: float,
    rid: str,
    xy: tuple[float, float],
    mast: float | None,
    unit: int,
    battalion: int | None,
    label: str,
) -> RadarSite:
    """A radar of a unit at a point of the plane, with its floor over the whole world grid."""
    entry = catalog.radar(rid)
    system = catalog.systems[
        next(s for s, v in catalog.systems.items() if rid in (*v.regiment_radars, *v.battalion_radars))
    ]
    model = RadarModel.from_catalog(entry, mast)
    x, y = xy
    half_width = grid.cell_size[0] * (grid.shape[0] // 2)
    floor = radar_floor(grid, x, y, model.mast_height_m, k, min(model.instrumented_range_m, half_width))
    full = np.full(grid.shape, np.nan, dtype=np.float32)
    col0, row0 = ~grid.transform @ (floor.agl.transform.c, floor.agl.transform.f)
    r0, c0 = int(round(row0)), int(round(col0))
    full[r0 : r0 + floor.agl.shape[0], c0 : c0 + floor.agl.shape[1]] = floor.agl.values
    sr, sa, se = DEFAULT_SIGMAS
    return RadarSite(
        label=label,
        radar_id=rid,
        unit=unit,
        battalion=battalion,
        x_m=x,
        y_m=y,
        antenna_amsl_m=floor.antenna_amsl_m,
        model=model,
        scan_period_s=entry.scan_period_s.value if entry.scan_period_s else 10.0,
        sigma_range_m=entry.range_sigma_m.value if entry.range_sigma_m else sr,
        sigma_azimuth_rad=float(np.radians(entry.azimuth_sigma_deg.value if entry.azimuth_sigma_deg else sa)),
        sigma_elevation_rad=float(
            np.radians(entry.elevation_sigma_deg.value if entry.elevation_sigma_deg else se)
        ),
        floor_agl_m=full,
        targets_engaged=int((entry.targets_engaged or system.targets_engaged).value),
        missiles_guided=int((entry.missiles_guided or system.missiles_guided).value),
    )


def build_world(
    scenario: Scenario, catalog: Catalog, terrain: Terrain | None = None, cell_m: float | None = None
) -> World:
    """Build the world of a scenario: local grid, floors of every radar, battalions, threats.

    The grid is centred on the mean position of the units and covers every unit, asset and route point plus
    the longest radar range in use (capped at 600 km); cells of half the terrain's resolution (at least
    250 m) unless ``cell_m`` is given.
    """
    terrain = terrain or open_terrain(scenario.terrain)
    lats = [u.position[0] for u in scenario.units]
    lons = [u.position[1] for u in scenario.units]
    lat0, lon0 = float(np.mean(lats)), float(np.mean(lons))
    points = [u.position for u in scenario.units]
    points += [b.position for u in scenario.units for b in u.battalions]
    points += [a.position for a in scenario.defended_assets]
    points += [w.position for r in scenario.raids for w in r.route]
    extent = max(_GEOD.inv(lon0, lat0, p[1], p[0])[2] for p in points)
    reach = 0.0
    for u in scenario.units:
        system = catalog.system(u.system)
        for rid in (*system.regiment_radars, *system.battalion_radars):
            m = RadarModel.from_catalog(catalog.radar(rid), u.mast_m)
            reach = max(reach, min(m.instrumented_range_m, 600e3))
    cell = float(cell_m or max(terrain.resolution_m / 2, 250.0))
    grid = terrain.local_grid(lat0, lon0, max(extent, reach) + 2 * cell, cell)
    grid = grid.with_values(np.nan_to_num(np.asarray(grid.values, dtype=np.float32)))
    to_local = Transformer.from_crs(WGS84, grid.crs, always_xy=True)

    def local(lat: float, lon: float) -> tuple[float, float]:
        x, y = to_local.transform(lon, lat)
        return float(x), float(y)

    k_factor = scenario.coverage.k
    radars: list[RadarSite] = []
    units: list[Unit] = []
    battalions: list[Battalion] = []
    for ui, u in enumerate(scenario.units):
        system = catalog.system(u.system)
        cp = catalog.command_posts.get(system.command_post or "")
        unit = Unit(u.name, u.system, [], [], cp.processing_delay_s.value if cp else 0.0)
        units.append(unit)

        for rid in system.regiment_radars:
            radars.append(
                _radar_site(
                    catalog,
                    system,
                    grid,
                    k_factor,
                    rid,
                    local(*u.position),
                    u.mast_m,
                    ui,
                    None,
                    f"{u.name} {rid}",
                )
            )
            unit.radars.append(len(radars) - 1)
        bns: list[BattalionSpec | None] = list(u.battalions) or [None]
        for bn in bns:
            name = bn.name if bn else u.name
            lat, lon = bn.position if bn else u.position
            mast = bn.mast_m if bn and bn.mast_m is not None else u.mast_m
            launcher = catalog.launchers[system.launcher]
            n_launchers = (bn.launchers if bn and bn.launchers else None) or int(
                system.launchers_per_battalion.value
            )
            loadout = (bn.missiles if bn and bn.missiles is not None else None) or {
                m: int(f.value) for m, f in system.loadout.items()
            }
            mids = [m for m in system.missiles if m in loadout or (bn and bn.reserve and m in bn.reserve)]
            if not mids:
                raise InputError(f"battalion {name} of {u.name} has no missiles")
            rounds = np.zeros((n_launchers, len(mids)), dtype=np.int64)
            for j, mid in enumerate(mids):  # spread each type over the launchers, round robin
                for n in range(loadout.get(mid, 0)):
                    rounds[n % n_launchers, j] += 1
            reserve = np.array([(bn.reserve or {}).get(m, 0) if bn else 0 for m in mids], dtype=np.int64)
            bi = len(battalions)
            ri = -1
            for rid in system.battalion_radars:
                radars.append(
                    _radar_site(
                        catalog,
                        system,
                        grid,
                        k_factor,
                        rid,
                        local(lat, lon),
                        mast,
                        ui,
                        bi,
                        f"{u.name}/{name} {rid}",
                    )
                )
                ri = len(radars) - 1
                unit.radars.append(ri)
            x, y = local(lat, lon)
            battalions.append(
                Battalion(
                    name=name,
                    unit=ui,
                    x_m=x,
                    y_m=y,
                    ground_m=float(sample_bilinear(grid, np.array([x]), np.array([y]))[0]),
                    radar=ri,
                    missiles=[catalog.missile(m) for m in mids],
                    rounds=rounds,
                    reserve=reserve,
                    reload_s=launcher.reload_time_s.value,
                    launch_interval_s=system.min_launch_interval_s.value,
                    reaction_time_s=system.reaction_time_s.value,
                )
            )
            unit.battalions.append(bi)

    targets = {r.target: catalog.target(r.target) for r in scenario.raids}
    threats = Threats(
        [], np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), []
    )
    raid_idx, rcs, sw, speed, launch = [], [], [], [], []
    for ri, raid in enumerate(scenario.raids):
        tgt = targets[raid.target]
        route = [
            (w.position[0], w.position[1], w.altitude.metres, w.altitude.reference == "agl")
            for w in raid.route
        ]
        rx, ry, ra, rg, rs = _route(to_local, route)
        threats.route_x.append(rx)
        threats.route_y.append(ry)
        threats.route_alt.append(ra)
        threats.route_agl.append(rg)
        threats.route_s.append(rs)
        for k in range(raid.count):
            threats.target_id.append(raid.target)
            threats.target_class.append(tgt.target_class)
            raid_idx.append(ri)
            rcs.append(tgt.rcs_m2.value)
            sw.append(int(tgt.swerling.value))
            speed.append(raid.speed_mps or tgt.speed_mps.value)
            launch.append(raid.start_s + k * raid.interval_s)
    threats.raid = np.array(raid_idx, dtype=np.int64)
    threats.rcs_m2 = np.array(rcs, dtype=float)
    threats.swerling = np.array(sw, dtype=np.int64)
    threats.speed_mps = np.array(speed, dtype=float)
    threats.launch_s = np.array(launch, dtype=float)
    assets = np.array([local(*a.position) for a in scenario.defended_assets], dtype=float).reshape(-1, 2)
    radius = np.array([a.radius_km * 1e3 for a in scenario.defended_assets], dtype=float)
    return World(
        scenario, catalog, grid, terrain.identity, radars, units, battalions, threats, assets, radius, targets
    )
