"""The defended footprint of a battery against a ballistic missile: the ground points around the battery
where a missile launched from a launch area and aimed at that point can be intercepted by the battery.

This is the classic open "defended footprint" analysis of terminal ballistic-missile defence (e.g. D. A.
Wilkening, "A simple model for calculating ballistic missile defense effectiveness", *Science & Global
Security* 8 (1999) 183-215): for each impact point, the re-entry vehicle (RV) must be detected and its track
confirmed early enough that, after the battery's reaction, an interceptor can reach a point of the RV's
descent that lies in the missile's envelope. Kinematics only: no seeker, guidance or countermeasure.

Frame. A local azimuthal-equidistant plane centred on the battery's site (x east, y north, metres;
:func:`iadsim.terrain.grid.local_crs`): distances and azimuths from the battery are the geodesic ones. The
ground track from a launch point ``L`` to an impact point ``I`` is the straight line between them in that
plane, of length ``R = |L - I|``; the RV at a ground distance ``d`` back from the impact is at ``I + d u``,
``u = (L - I) / R``. The straight line stands for the geodesic: :func:`track_error_m` measures the
difference over a footprint's grid (the command reports it). For a grid 120 km either side of a site and a
launch area of 50 km radius 300 km away, the lengths differ by under 40 m and the midpoints of the paths by
under 50 m, a small part of a 1.2 km cell; 1,000 km away (a grid 150 km either side), by under 200 m and
500 m (at any latitude and bearing; tested).

Trajectory. The minimum-energy trajectory of the range ``R`` with the threat's burn time
(:func:`iadsim.physics.ballistic.ballistic_trajectory`; with a burn time of 0, BMW's
``gamma* = (pi - Psi) / 4``, ``Q* = 2 sin(Psi/2) / (1 + sin(Psi/2))``, ``Psi = R / R_earth``). Positions are
sampled every ``dt`` (:data:`TIME_STEP_S`) back from the impact, ``t_k = T_f - k dt`` with ``T_f`` the time
of flight. The speed is the boost's ``v_b t / t_b``, then the conic's vis-viva ``v = sqrt(mu (2/r - 1/a))``
(no drag: a real RV arrives slower, so the speed limit of a missile is tested conservatively). The RV's RCS
is the class's nose-on RCS in the radar's band throughout the flight (no separate booster). Flat terrain at
sea level: the height above ground is the height above sea level.

Speed: :func:`trajectory_table` computes the trajectories of a grid of ranges (:data:`TABLE_SPACING_M`
apart) once, sampled every ``dt`` after launch and every ``dt`` before impact; a pair's trajectory is the
cubic Lagrange interpolation across the four nearest ranges (within a metre of the exact trajectory at a
spacing of 10 km; tested), by time before impact for its second half and by time after launch (linear
between samples) for its first half. The numba kernel (:mod:`._footprint`) runs over the impact points in
threads; :func:`reference_pair` computes one pair straight from :class:`~iadsim.physics.BallisticTrajectory`
and the physics functions, the reference the kernel is tested against.

Detection (the battery's engagement radar alone: acquisition radars that might cue it are left out). The
radar at the battery, its antenna ``h_r`` (its mast) above the ground, sees the RV at ground range ``g`` and
height ``h`` (:func:`radar_sees`) where, over the smooth earth of effective radius ``k R`` (``k = 4/3``):

- the slant range ``r = sqrt(a^2 + b^2 - 2 a b cos(g / kR))``, ``a = kR + h_r``, ``b = kR + h``, is at most
  the detection range ``min(R_fs, R_instr)``: ``R_fs`` the free-space range at which the calibrated radar
  equation gives the single-look Pd ``pd`` against the RV's RCS and Swerling case
  (:meth:`iadsim.sensors.RadarModel.free_space_range_m`; free space, as a target high above the ground is
  out of the surface's lobing and clutter), ``R_instr`` the instrumented range;
- the RV is above the radar's horizon: ``h >= kR / cos(g / kR - g_h / kR) - kR`` beyond
  ``g_h = kR arccos(kR / (kR + h_r))``;
- its elevation ``sin(el) = (b^2 - a^2 - r^2) / (2 r a)`` lies within the radar's limits;
- a sector radar sees it within half its sector of the direction it faces (the deployment's facing; the
  command faces it at the launch area's centre).

A track is confirmed by the engine's rule, 2 detections in 3 scans (:data:`CONFIRM_HITS`), taken with
every look inside the detection range detecting (Pd = 1 there) and the first look at the moment the RV comes
into view (the best scan phase): confirmation one scan period later, ``ceil(T_scan / dt)`` samples of
uninterrupted view after the first. The battery can launch from the confirmation time plus its command
post's processing delay plus its reaction time (the engine's ``t >= confirmed + processing + reaction``).

Intercept. At a sample ``t_i`` of the RV's descent (after apogee), with ground range ``g`` from the battery
and height ``h``, a missile type of the battery can intercept if: the point lies in its ballistic-missile
envelope (:func:`iadsim.interceptors.in_envelope`, ``g`` in ``[min_range, max_range]``, ``h`` in
``[min_altitude, max_altitude]``), the radar sees the RV there, its speed is at most the missile's maximum
target speed, and the missile's time of flight over the straight distance ``sqrt(g^2 + h^2)`` (the engine's
local frame; :meth:`iadsim.physics.BoostCoast.time_to_distance_s`, within its maximum flight time) is at most
``t_i - t_launch``. Fire control is otherwise idealised: a perfect track (no aim-point margin), any
missile type at once (no launcher readiness, channels or magazine). The pair's *intercept window* is the
time over which an intercept is possible, ``dt`` times the number of such samples; the impact point is
defended against that launch point when it is positive.

A launch point *threatens* an impact point when their range lies in ``[MIN_RANGE_M, max_range]`` of the
class. A cell's *defended share* is the fraction of the launch points that threaten it from which it is
defended; a cell is *defended* when it is threatened and defended against every launch point that
threatens it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod, Transformer

from iadsim import physics
from iadsim.catalog import Figure, Target
from iadsim.deployment import Deployment
from iadsim.errors import InputError
from iadsim.interceptors import EnvelopeLimits, FigureReader, InterceptorModel, in_envelope
from iadsim.limits import check_memory
from iadsim.physics.ballistic import BallisticTrajectory, ballistic_trajectory, minimum_energy_trajectories
from iadsim.sensors import RadarModel
from iadsim.terrain.grid import WGS84, Grid, local_crs

FloatArray = NDArray[np.float64]
#: Called with (impact points done, impact points in all) as the threads finish their shares.
ProgressFn = Callable[[int, int], None]

#: Time between the samples of a trajectory, s.
TIME_STEP_S = 0.5
#: Largest spacing of the ranges of a :func:`trajectory_table`, m (cubic interpolation within a metre).
TABLE_SPACING_M = 10_000.0
#: Shortest range of a threatening pair, m: below it a ballistic trajectory is not the threat this analysis
#: is about (and the table's trajectories would be a few seconds long).
MIN_RANGE_M = 10_000.0
#: Detections of the engine's tracker that confirm a track (2 of 3 scans: ``iadsim.sim.engine.make_tracker``).
CONFIRM_HITS = 2
#: The effective earth radius factor of the radar's line of sight.
K_FACTOR = physics.STANDARD_K
#: The kernel skips samples where the RV is out of the radar's range by more than it can close: it bounds the
#: slant range's rate by this many times the fastest speed of the table (the interpolation's weights can
#: exceed 1 in sum of magnitudes, and the slant range over the effective earth grows a little faster than
#: the ground distance).
JUMP_MARGIN = 2.0
#: Impact points per task given to a thread.
_CHUNK = 512


def _catalog_value(_path: str, fig: Figure) -> float:
    return fig.value


# --------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Threat:
    """A ballistic missile class as the footprint sees it.

    Attributes:
        id: Catalog id.
        name: Catalog name.
        max_range_m: Maximum range, m.
        burn_time_s: Boost (burn) time, s.
        rcs_m2: RCS the engagement radar sees nose-on in its band, m².
        swerling: Swerling case of the RCS.
    """

    id: str
    name: str
    max_range_m: float
    burn_time_s: float
    rcs_m2: float
    swerling: int

    @classmethod
    def from_catalog(cls, target: Target, band: str, read: FigureReader = _catalog_value) -> Threat:
        """The class of a catalog target, its figures read through ``read`` (the catalog's values by
        default); ``band`` is the engagement radar's. :class:`InputError` for a class without ballistic
        figures."""
        if not target.ballistic or target.max_range_m is None or target.burn_time_s is None:
            raise InputError(
                f"{target.id} is not a ballistic missile class (it gives no maximum range and burn time)"
            )
        path, fig = target.rcs(band, "nose")
        return cls(
            id=target.id,
            name=target.name,
            max_range_m=read("max_range_m", target.max_range_m),
            burn_time_s=read("burn_time_s", target.burn_time_s),
            rcs_m2=read(path, fig),
            swerling=int(read("swerling", target.swerling)),
        )


@dataclass(frozen=True)
class Battery:
    """A battery at the origin of the local frame: its engagement radar and the missile types it fires at
    ballistic missiles.

    Attributes:
        radar: The engagement radar (antenna at its mast height above the ground).
        scan_period_s: The radar's scan period, s.
        delay_s: From a confirmed track to the earliest launch: the command post's processing delay plus the
            battery's reaction time, s.
        missiles: Missile types with a ballistic-missile envelope.
        facing_rad: Direction a sector radar faces, radians clockwise from north (in the local frame, which
            keeps the azimuths from its centre).
    """

    radar: RadarModel
    scan_period_s: float
    delay_s: float
    missiles: tuple[InterceptorModel, ...]
    facing_rad: float = 0.0

    def __post_init__(self) -> None:
        if not self.missiles:
            raise InputError("the battery has no missile with a ballistic-missile envelope")
        if not (self.scan_period_s > 0 and self.delay_s >= 0):
            raise InputError(
                f"a scan period must be positive and a delay not negative, got {self.scan_period_s} s and "
                f"{self.delay_s} s"
            )

    @classmethod
    def from_deployment(cls, deployment: Deployment, index: int = 0) -> Battery:
        """Battalion ``index`` of a deployment made for ballistic missiles
        (``deploy(..., target_classes=("ballistic-missile",))``)."""
        bn = deployment.battalions[index]
        if bn.radar < 0:
            raise InputError(f"battalion {bn.name} has no engagement radar")
        placement = deployment.radars[bn.radar]
        unit = deployment.units[bn.unit]
        missiles = tuple(m for m in bn.missiles if m.envelopes.get("ballistic-missile") is not None)
        if not missiles:
            raise InputError(
                f"none of the missiles of {bn.name} ({', '.join(m.id for m in bn.missiles)}) has a "
                "ballistic-missile envelope"
            )
        return cls(
            radar=placement.model,
            scan_period_s=placement.scan_period_s,
            delay_s=unit.processing_delay_s + bn.reaction_time_s,
            missiles=missiles,
            facing_rad=math.radians(placement.facing_deg),
        )

    @property
    def envelopes(self) -> list[EnvelopeLimits]:
        """The missiles' ballistic-missile envelopes, in their order."""
        out = []
        for m in self.missiles:
            env = m.envelopes.get("ballistic-missile")
            assert env is not None
            out.append(env)
        return out

    @property
    def confirm_samples(self) -> int:
        """Samples of :data:`TIME_STEP_S` from the first look to the confirming one:
        ``ceil((CONFIRM_HITS - 1) T_scan / dt)``."""
        return confirm_samples(self.scan_period_s)


def confirm_samples(scan_period_s: float, time_step_s: float = TIME_STEP_S) -> int:
    """``ceil((CONFIRM_HITS - 1) T_scan / dt)`` (to within 1e-9 of a whole number)."""
    return int(math.ceil((CONFIRM_HITS - 1) * scan_period_s / time_step_s - 1e-9))


def detection_range_m(threat: Threat, battery: Battery, pd: float) -> float:
    """The engagement radar's detection range against the RV (m): the smaller of the free-space range at a
    single-look ``pd`` and the instrumented range."""
    radar = battery.radar
    free = float(radar.free_space_range_m(threat.rcs_m2, pd, threat.swerling))
    return min(free, float(radar.instrumented_range_m))


def half_width_for(envelopes: Iterable[EnvelopeLimits]) -> float:
    """A grid half-width (m) that holds every impact point the envelopes can defend:
    ``max(max_range + 2 max_altitude)``. The RV reaches the top of an envelope at most ``2 max_altitude``
    (a descent no flatter than 26.6 degrees; a minimum-energy descent is near 45) before its impact."""
    widths = [e.max_range_m + 2.0 * e.max_altitude_m for e in envelopes]
    if not widths:
        raise InputError("no ballistic-missile envelope to size the grid on")
    return float(max(widths))


# --------------------------------------------------------------------------------------------- trajectories


def trajectory_speed_mps(
    trajectory: BallisticTrajectory, time_s: ArrayLike, height_m: ArrayLike
) -> FloatArray:
    """Speed (m/s) at times after launch where the trajectory is at ``height_m``: ``v_b t / t_b`` in the
    boost, the conic's vis-viva speed at ``R + h`` after it."""
    t = np.asarray(time_s, dtype=np.float64)
    h = np.asarray(height_m, dtype=np.float64)
    tb = trajectory.burn_time_s
    coast = trajectory.free_flight.speed_mps(trajectory.radius_m + h)
    if tb <= 0:
        return np.asarray(coast)
    return np.asarray(np.where(t < tb, trajectory.burnout_speed_mps * np.maximum(t, 0.0) / tb, coast))


@dataclass(frozen=True)
class TrajectoryTable:
    """Minimum-energy trajectories of a grid of ranges ``r0 + n dr`` (rows), sampled every ``dt`` (columns).

    ``up_range_m``, ``up_height_m``: ground range from the launch point and height ``k dt`` after launch
    (the impact point's after impact). ``down_distance_m``, ``down_height_m``, ``down_speed_mps``: ground
    distance back from the impact point, height and speed ``k dt`` before impact (the launch point's, and 0
    m/s, before launch). ``flight_s``: time of flight; ``apogee_to_impact_s``: from apogee to impact.
    """

    burn_time_s: float
    r0_m: float
    dr_m: float
    dt_s: float
    up_range_m: FloatArray
    up_height_m: FloatArray
    down_distance_m: FloatArray
    down_height_m: FloatArray
    down_speed_mps: FloatArray
    flight_s: FloatArray
    apogee_to_impact_s: FloatArray

    @property
    def ranges_m(self) -> FloatArray:
        """The rows' ranges, m."""
        return np.asarray(self.r0_m + self.dr_m * np.arange(self.flight_s.size), dtype=np.float64)

    def covers(self, low_m: float, high_m: float) -> bool:
        """Whether the table's ranges span ``[low_m, high_m]``."""
        top = self.r0_m + self.dr_m * (self.flight_s.size - 1)
        return bool(self.r0_m <= low_m * (1 + 1e-12) and high_m <= top * (1 + 1e-12))


def trajectory_table(
    burn_time_s: float,
    min_range_m: float,
    max_range_m: float,
    time_step_s: float = TIME_STEP_S,
    spacing_m: float = TABLE_SPACING_M,
) -> TrajectoryTable:
    """The trajectories of ranges from ``min_range_m`` to ``max_range_m`` at most ``spacing_m`` apart (at
    least four, spanning at least 3 km), solved together
    (:func:`~iadsim.physics.ballistic.minimum_energy_trajectories`)."""
    lo, hi = float(min_range_m), float(max_range_m)
    if not (0 < lo <= hi and spacing_m > 0 and time_step_s > 0):
        raise ValueError(f"ranges {lo}..{hi} m, spacing {spacing_m} m, step {time_step_s} s")
    if hi - lo < 3000.0:
        mid = 0.5 * (lo + hi)
        lo, hi = max(mid - 1500.0, 1000.0), max(mid - 1500.0, 1000.0) + 3000.0
    rows = max(4, math.ceil((hi - lo) / spacing_m) + 1)
    ranges = np.linspace(lo, hi, rows)
    trajectories = minimum_energy_trajectories(ranges, burn_time_s)
    flight = np.array([tr.time_of_flight_s for tr in trajectories])
    cols = int(math.ceil(flight.max() / time_step_s)) + 2
    steps = np.arange(cols) * time_step_s
    up_range = np.empty((rows, cols))
    up_height = np.empty((rows, cols))
    down_dist = np.empty((rows, cols))
    down_height = np.empty((rows, cols))
    down_speed = np.empty((rows, cols))
    for n, tr in enumerate(trajectories):
        tf, r = tr.time_of_flight_s, float(ranges[n])
        g, h = tr.position(np.minimum(steps, tf))
        up_range[n], up_height[n] = g, h
        t = tf - steps
        before = t < 0
        g, h = tr.position(np.maximum(t, 0.0))
        down_dist[n] = np.where(before, r, r - g)
        down_height[n] = np.where(before, 0.0, h)
        down_speed[n] = np.where(before, 0.0, trajectory_speed_mps(tr, np.maximum(t, 0.0), h))
    return TrajectoryTable(
        burn_time_s=float(burn_time_s),
        r0_m=lo,
        dr_m=float(ranges[1] - ranges[0]),
        dt_s=float(time_step_s),
        up_range_m=up_range,
        up_height_m=up_height,
        down_distance_m=down_dist,
        down_height_m=down_height,
        down_speed_mps=down_speed,
        flight_s=flight,
        apogee_to_impact_s=np.array([tr.time_of_flight_s - tr.apogee_time_s for tr in trajectories]),
    )


# --------------------------------------------------------------------------------------------- the radar


def radar_sees(
    battery: Battery,
    detection_m: float,
    east_m: ArrayLike,
    north_m: ArrayLike,
    height_m: ArrayLike,
    k: float = K_FACTOR,
) -> NDArray[np.bool_]:
    """Whether the battery's radar (at the origin) sees points ``east_m, north_m`` (local frame) at
    ``height_m`` above the smooth earth: slant range at most ``detection_m``, above the radar's horizon,
    within its elevation limits and its sector (the physics functions; see the module docstring)."""
    radar = battery.radar
    east, north, h = np.broadcast_arrays(
        np.asarray(east_m, dtype=np.float64),
        np.asarray(north_m, dtype=np.float64),
        np.asarray(height_m, dtype=np.float64),
    )
    g = np.hypot(east, north)
    hr = radar.mast_height_m
    slant = physics.slant_range_from_ground_m(g, h, hr, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        el = physics.elevation_angle_rad(slant, h, hr, k)
    floor = physics.horizon_height_m(g, hr, k)
    sector = physics.in_azimuth_sector(east, north, battery.facing_rad, radar.sector_rad)
    ok = (
        (slant <= detection_m)
        & (slant > 0)
        & (h >= floor)
        & (el >= radar.min_elevation_rad)
        & (el <= radar.max_elevation_rad)
        & sector
    )
    return np.asarray(ok)


# --------------------------------------------------------------------------------------------- one pair


@dataclass(frozen=True)
class PairTimeline:
    """One launch point against one impact point (times in s after launch; NaN where there is none).

    Attributes:
        threatened: Whether the range lies in ``[MIN_RANGE_M, max_range]``.
        range_m: Ground range (in the local plane).
        time_of_flight_s: The RV's time of flight.
        confirmed_s: When the track is confirmed.
        launch_s: Earliest launch: confirmation plus the battery's delay.
        first_intercept_s: First time an intercept is possible.
        last_intercept_s: Last time an intercept is possible.
        window_s: Intercept window: ``dt`` times the samples at which an intercept is possible.
    """

    threatened: bool
    range_m: float
    time_of_flight_s: float = math.nan
    confirmed_s: float = math.nan
    launch_s: float = math.nan
    first_intercept_s: float = math.nan
    last_intercept_s: float = math.nan
    window_s: float = math.nan

    @property
    def defended(self) -> bool:
        """Whether an intercept is possible."""
        return bool(self.window_s > 0)


def _intercept_slack(
    battery: Battery, t: FloatArray, g: FloatArray, h: FloatArray, v: FloatArray
) -> FloatArray:
    """``t - tof`` of the quickest missile type that can meet the RV at each sample (NaN where none can):
    envelope (:func:`in_envelope`, flat terrain at sea level), target speed, time of flight over
    ``sqrt(g^2 + h^2)`` within the maximum flight time."""
    best = np.full(t.shape, np.inf)
    reach = np.hypot(g, h)
    for m, env in zip(battery.missiles, battery.envelopes, strict=True):
        ok = in_envelope(env, g, h, h) & (v <= m.max_target_speed_mps)
        tof = m.profile.time_to_distance_s(reach)
        best = np.where(ok & np.isfinite(tof), np.minimum(best, tof), best)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.where(np.isfinite(best), t - best, np.nan))


def reference_pair(
    impact_xy: tuple[float, float],
    launch_xy: tuple[float, float],
    threat: Threat,
    battery: Battery,
    pd: float,
    time_step_s: float = TIME_STEP_S,
) -> PairTimeline:
    """One pair computed straight from its own trajectory (:func:`ballistic_trajectory`, positions by
    :meth:`~iadsim.physics.BallisticTrajectory.position`), the radar by :func:`radar_sees`: the reference of
    the kernel. About 40 ms a pair."""
    (ix, iy), (lx, ly) = impact_xy, launch_xy
    rng = math.hypot(lx - ix, ly - iy)
    if not MIN_RANGE_M <= rng <= threat.max_range_m:
        return PairTimeline(False, rng)
    tr = ballistic_trajectory(rng, threat.burn_time_s)
    tf = tr.time_of_flight_s
    dt = time_step_s
    k = np.arange(int(tf / dt) + 1)
    t = tf - k * dt
    g_launch, h = tr.position(t)
    d = rng - g_launch
    ux, uy = (lx - ix) / rng, (ly - iy) / rng
    east, north = ix + ux * d, iy + uy * d
    g = np.hypot(east, north)
    seen = radar_sees(battery, detection_range_m(threat, battery, pd), east, north, h)
    # the samples of the descent where a missile can meet the RV, and the latest launch that does
    descent = k * dt <= tf - tr.apogee_time_s
    slack = _intercept_slack(battery, np.asarray(t, np.float64), g, h, trajectory_speed_mps(tr, t, h))
    slack = np.where(descent & seen, slack, np.nan)
    # the first confirmed track: CONFIRM_HITS looks over uninterrupted view, from launch on
    need = battery.confirm_samples
    confirmed = math.nan
    start = -1
    for kk in range(k.size - 1, -1, -1):
        if seen[kk]:
            start = kk if start < 0 else start
            if start - kk >= need:
                confirmed = float(t[kk])
                break
        else:
            start = -1
    launch = confirmed + battery.delay_s
    with np.errstate(invalid="ignore"):
        ok = slack >= launch
    times = t[ok]
    return PairTimeline(
        threatened=True,
        range_m=rng,
        time_of_flight_s=tf,
        confirmed_s=confirmed,
        launch_s=launch,
        first_intercept_s=float(times.min()) if times.size else math.nan,
        last_intercept_s=float(times.max()) if times.size else math.nan,
        window_s=float(times.size * dt),
    )


def reference_windows(
    impacts_xy: ArrayLike,
    launches_xy: ArrayLike,
    threat: Threat,
    battery: Battery,
    pd: float,
    time_step_s: float = TIME_STEP_S,
) -> NDArray[np.float32]:
    """:func:`pair_windows` pair by pair with :func:`reference_pair` (slow: for tests and benchmarks)."""
    impacts = np.asarray(impacts_xy, dtype=np.float64).reshape(-1, 2)
    launches = np.asarray(launches_xy, dtype=np.float64).reshape(-1, 2)
    out = np.empty((impacts.shape[0], launches.shape[0]), dtype=np.float32)
    for i, (ix, iy) in enumerate(impacts):
        for j, (lx, ly) in enumerate(launches):
            p = reference_pair((ix, iy), (lx, ly), threat, battery, pd, time_step_s)
            out[i, j] = p.window_s if p.threatened else np.nan
    return out


# --------------------------------------------------------------------------------------------- all pairs


def range_span_m(
    impacts_xy: ArrayLike, launches_xy: ArrayLike, max_range_m: float
) -> tuple[float, float] | None:
    """Shortest and longest range (m) of the pairs within ``[MIN_RANGE_M, max_range_m]``; None if none is."""
    impacts = np.asarray(impacts_xy, dtype=np.float64).reshape(-1, 2)
    launches = np.asarray(launches_xy, dtype=np.float64).reshape(-1, 2)
    lo, hi = np.inf, -np.inf
    for lx, ly in launches:
        r = np.hypot(impacts[:, 0] - lx, impacts[:, 1] - ly)
        r = r[(r >= MIN_RANGE_M) & (r <= max_range_m)]
        if r.size:
            lo, hi = min(lo, float(r.min())), max(hi, float(r.max()))
    return (lo, hi) if lo <= hi else None


def pair_windows(
    impacts_xy: ArrayLike,
    launches_xy: ArrayLike,
    threat: Threat,
    battery: Battery,
    pd: float,
    table: TrajectoryTable | None = None,
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> NDArray[np.float32]:
    """The intercept window (s) of every pair of impact point (rows) and launch point (columns), both
    ``(n, 2)`` in the local frame (m, the battery at the origin): NaN where the launch point does not
    threaten the impact point, 0 where the battery cannot intercept (see the module docstring).

    ``table`` must be the threat's (its burn time) and span the pairs' ranges; without it, one is computed.
    Runs the kernel on ``workers`` threads (default: two, or one on a single core).
    """
    impacts = np.ascontiguousarray(np.asarray(impacts_xy, dtype=np.float64).reshape(-1, 2))
    launches = np.ascontiguousarray(np.asarray(launches_xy, dtype=np.float64).reshape(-1, 2))
    n, m = impacts.shape[0], launches.shape[0]
    check_memory(f"a footprint of {n:,} impact points and {m:,} launch points", 4.0 * n * m)
    out = np.full((n, m), np.nan, dtype=np.float32)
    r_det = detection_range_m(threat, battery, pd)
    span = range_span_m(impacts, launches, threat.max_range_m)
    if span is None or n == 0:
        if progress is not None:
            progress(n, n)
        return out
    if table is None:
        table = trajectory_table(threat.burn_time_s, *span, time_step_s=TIME_STEP_S)
    if table.burn_time_s != threat.burn_time_s or not table.covers(*span):
        raise ValueError(
            f"the trajectory table (burn time {table.burn_time_s:g} s, ranges {table.r0_m:.0f} m up) does "
            f"not serve {threat.id} over {span[0]:.0f}-{span[1]:.0f} m"
        )
    from iadsim.coverage import _footprint

    kernel: Any = _footprint.pair_windows  # (numba's dispatcher, typed as a plain callable)
    radar = battery.radar
    env = np.array(
        [[e.min_range_m, e.max_range_m, e.min_altitude_m, e.max_altitude_m] for e in battery.envelopes]
    )
    target_speed = np.array([mm.max_target_speed_mps for mm in battery.missiles], dtype=np.float64)
    profile = np.array(
        [
            [p.max_speed_mps, p.burn_time_s, p.drag_time_s, p.max_flight_time_s]
            for p in (mm.profile for mm in battery.missiles)
        ],
        dtype=np.float64,
    )
    half = 0.5 * radar.sector_rad
    cos_half = math.cos(half) if radar.sector_rad < 2 * math.pi else -2.0
    el_lo = max(radar.min_elevation_rad, -math.pi / 2)
    el_hi = min(radar.max_elevation_rad, math.pi / 2)
    jump = JUMP_MARGIN * float(np.max(table.down_speed_mps))
    args: tuple[Any, ...] = (
        np.ascontiguousarray(impacts[:, 0]),
        np.ascontiguousarray(impacts[:, 1]),
        np.ascontiguousarray(launches[:, 0]),
        np.ascontiguousarray(launches[:, 1]),
        table.r0_m,
        table.dr_m,
        table.up_range_m,
        table.up_height_m,
        table.down_distance_m,
        table.down_height_m,
        table.down_speed_mps,
        table.flight_s,
        table.apogee_to_impact_s,
        table.dt_s,
        MIN_RANGE_M,
        threat.max_range_m,
        radar.mast_height_m,
        physics.effective_earth_radius_m(K_FACTOR),
        r_det,
        math.sin(el_lo),
        math.sin(el_hi),
        math.sin(battery.facing_rad),
        math.cos(battery.facing_rad),
        cos_half,
        confirm_samples(battery.scan_period_s, table.dt_s),
        battery.delay_s,
        jump,
        env,
        target_speed,
        profile,
    )
    chunks = [(a, min(a + _CHUNK, n)) for a in range(0, n, _CHUNK)]
    threads = workers if workers is not None else min(2, os.cpu_count() or 1)
    done = 0

    def run(a: int, b: int) -> None:
        kernel(*args, a, b, out)

    if threads <= 1:
        for a, b in chunks:
            run(a, b)
            done += b - a
            if progress is not None:
                progress(done, n)
        return out
    with ThreadPoolExecutor(max_workers=threads) as pool:
        jobs = [pool.submit(run, a, b) for a, b in chunks]
        for (a, b), job in zip(chunks, jobs, strict=True):
            job.result()
            done += b - a
            if progress is not None:
                progress(done, n)
    return out


# --------------------------------------------------------------------------------------------- the grid


def sunflower(n: int) -> FloatArray:
    """``n`` points spread evenly over the unit disc, ``(n, 2)``: Vogel's sunflower, point ``i`` at radius
    ``sqrt((i + 1/2) / n)`` and angle ``i pi (3 - sqrt 5)`` (the golden angle); one point: the centre."""
    if n < 1:
        raise InputError(f"the number of launch points must be at least 1, got {n}")
    if n == 1:
        return np.zeros((1, 2))
    i = np.arange(n, dtype=np.float64)
    r = np.sqrt((i + 0.5) / n)
    a = i * math.pi * (3.0 - math.sqrt(5.0))
    return np.column_stack([r * np.sin(a), r * np.cos(a)])


@dataclass(frozen=True)
class FootprintGeometry:
    """Where a footprint is computed: a square grid of ``cells x cells`` impact points centred on the
    battery's site (local azimuthal-equidistant CRS), and launch points spread over a launch area.

    Attributes:
        site: (lat, lon) of the battery, degrees.
        grid: The impact grid (values: zeros), ``2 half_width_m`` on a side.
        half_width_m: Half the side of the grid, m.
        launch_centre: (lat, lon) of the launch area's centre, degrees.
        launch_radius_m: Radius of the launch area (geodesic), m.
        launch_lat, launch_lon: The launch points, degrees.
        launch_xy: The launch points in the grid's CRS, ``(n, 2)`` m.
    """

    site: tuple[float, float]
    grid: Grid
    half_width_m: float
    launch_centre: tuple[float, float]
    launch_radius_m: float
    launch_lat: FloatArray
    launch_lon: FloatArray
    launch_xy: FloatArray

    @property
    def impacts_xy(self) -> FloatArray:
        """Centres of the grid's cells, row by row, ``(rows * cols, 2)`` m."""
        x, y = self.grid.cell_centres()
        xx, yy = np.meshgrid(x, y)
        return np.column_stack([xx.ravel(), yy.ravel()])

    @property
    def facing_deg(self) -> float:
        """Azimuth (degrees from north, WGS84 geodesic) from the site to the launch area's centre."""
        (lat, lon), (lat2, lon2) = self.site, self.launch_centre
        az = float(_GEOD.inv(lon, lat, lon2, lat2)[0])
        return az % 360.0


_GEOD = Geod(ellps="WGS84")


def footprint_geometry(
    site: tuple[float, float],
    launch_centre: tuple[float, float],
    launch_radius_m: float,
    launch_points: int = 50,
    cells: int = 200,
    half_width_m: float = 120_000.0,
) -> FootprintGeometry:
    """The grid around ``site`` (lat, lon degrees) and ``launch_points`` points over the geodesic disc of
    ``launch_radius_m`` around ``launch_centre`` (:func:`sunflower`, laid out in an azimuthal-equidistant
    plane centred on the launch area, so each point's distance from the centre is geodesic)."""
    if not (cells >= 1 and half_width_m > 0 and launch_radius_m >= 0):
        raise InputError(
            f"a footprint needs at least one cell, a positive half-width and a launch radius >= 0, got "
            f"{cells} cells, {half_width_m:g} m, {launch_radius_m:g} m"
        )
    lat, lon = site
    crs = local_crs(lat, lon)
    cell = 2.0 * half_width_m / cells
    transform = Affine(cell, 0.0, -half_width_m, 0.0, -cell, half_width_m)
    grid = Grid(np.zeros((cells, cells), dtype=np.uint8), transform, crs, "footprint impact grid")
    disc = sunflower(launch_points) * launch_radius_m
    clat, clon = launch_centre
    to_wgs = Transformer.from_crs(local_crs(clat, clon), WGS84, always_xy=True)
    plon, plat = to_wgs.transform(disc[:, 0], disc[:, 1])
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(plon, plat)
    return FootprintGeometry(
        site=(float(lat), float(lon)),
        grid=grid,
        half_width_m=float(half_width_m),
        launch_centre=(float(clat), float(clon)),
        launch_radius_m=float(launch_radius_m),
        launch_lat=np.asarray(plat, dtype=np.float64),
        launch_lon=np.asarray(plon, dtype=np.float64),
        launch_xy=np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]),
    )


def track_error_m(geometry: FootprintGeometry, samples: int = 5) -> tuple[float, float]:
    """How far the straight tracks of the local plane are from the WGS84 geodesics, over ``samples x
    samples`` impact points spread over the grid (its corners included) and every launch point: the largest
    difference of length (m) and the largest distance (m) between the midpoint of the straight track and the
    midpoint of the geodesic (mapped into the plane)."""
    left, bottom, right, top = geometry.grid.bounds
    xs, ys = np.meshgrid(np.linspace(left, right, samples), np.linspace(bottom, top, samples))
    n = geometry.launch_xy.shape[0]
    ix, iy = np.tile(xs.ravel(), n), np.tile(ys.ravel(), n)
    lx = np.repeat(geometry.launch_xy[:, 0], xs.size)
    ly = np.repeat(geometry.launch_xy[:, 1], xs.size)
    crs = geometry.grid.crs
    to_wgs = Transformer.from_crs(crs, WGS84, always_xy=True)
    ilon, ilat = to_wgs.transform(ix, iy)
    llon, llat = to_wgs.transform(lx, ly)
    az, _, length = _GEOD.inv(llon, llat, ilon, ilat)
    plane = np.hypot(ix - lx, iy - ly)
    mlon, mlat, _ = _GEOD.fwd(llon, llat, az, np.asarray(length) / 2.0)
    mx, my = Transformer.from_crs(WGS84, crs, always_xy=True).transform(mlon, mlat)
    offset = np.hypot(np.asarray(mx) - (ix + lx) / 2.0, np.asarray(my) - (iy + ly) / 2.0)
    return float(np.max(np.abs(plane - np.asarray(length)))), float(np.max(offset))


@dataclass(frozen=True)
class Footprint:
    """A computed footprint: the windows of every (impact cell, launch point) pair and what follows.

    Attributes:
        geometry: Where it was computed.
        windows: Intercept window (s) per cell (row-major, rows of :attr:`geometry`'s grid) and launch point:
            NaN not threatened, 0 not defended (:func:`pair_windows`).
        detection_m: The radar's detection range against the RV used, m.
    """

    geometry: FootprintGeometry
    windows: NDArray[np.float32]
    detection_m: float

    @property
    def threatened(self) -> NDArray[np.int32]:
        """Launch points that threaten each cell (rows, cols)."""
        return np.asarray(np.sum(~np.isnan(self.windows), axis=1).reshape(self.geometry.grid.shape), np.int32)

    @property
    def defended_count(self) -> NDArray[np.int32]:
        """Launch points from which each cell is defended (rows, cols)."""
        with np.errstate(invalid="ignore"):
            hits = self.windows > 0
        return np.asarray(np.sum(hits, axis=1).reshape(self.geometry.grid.shape), np.int32)

    @property
    def share(self) -> Grid:
        """Defended share: defended / threatening launch points (float32, NaN where none threatens)."""
        n = self.threatened
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n > 0, self.defended_count / np.maximum(n, 1), np.nan).astype(np.float32)
        return self.geometry.grid.with_values(share, source="defended share of the threatening launch points")

    @property
    def defended(self) -> Grid:
        """Cells threatened and defended against every launch point that threatens them (bool)."""
        n = self.threatened
        return self.geometry.grid.with_values((n > 0) & (self.defended_count == n), source="defended")

    @property
    def window(self) -> Grid:
        """Shortest intercept window (s) over the launch points that threaten each cell (float32; 0 where one
        of them is not defended, NaN where none threatens)."""
        w = self.windows
        n = self.threatened.ravel()
        low = np.where(n > 0, np.nanmin(np.where(np.isnan(w), np.inf, w), axis=1), np.nan)
        return self.geometry.grid.with_values(
            low.reshape(self.geometry.grid.shape).astype(np.float32), source="shortest intercept window (s)"
        )


def compute_footprint(
    geometry: FootprintGeometry,
    threat: Threat,
    battery: Battery,
    pd: float,
    table: TrajectoryTable | None = None,
    progress: ProgressFn | None = None,
) -> Footprint:
    """The footprint of ``battery`` (at the grid's centre) against ``threat`` from the geometry's launch
    points (:func:`pair_windows`)."""
    windows = pair_windows(
        geometry.impacts_xy, geometry.launch_xy, threat, battery, pd, table, progress=progress
    )
    return Footprint(geometry, windows, detection_range_m(threat, battery, pd))
