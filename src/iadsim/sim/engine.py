"""The time-stepped engine: threats fly, radars scan, command posts track, battalions fire, interceptors
resolve. Arrays over threats; one :class:`numpy.random.Generator` per run, seeded from a ``SeedSequence``.

Each step of ``step_s`` seconds:

1. threats move along their routes (great-circle legs, altitude above ground or sea level);
2. every radar whose scan is due looks at every threat in flight: in line of sight when its height is above
   the radar's floor at its cell, inside the elevation limits, the instrumented range and (for a sector
   radar) its azimuth sector, detected with the single-look Pd of the calibrated radar equation for its RCS
   and Swerling case; measurements carry the radar's range, azimuth and elevation noise (false alarms
   optional);
3. each unit's command post updates its tracker with its radars' detections; a track counts a missed scan
   only where the scanning radar could have detected it (:data:`iadsim.sim.world.MISS_PD`);
4. interceptors whose time of flight has elapsed resolve against where the target really is: a kill is
   drawn with the catalog Pk when the battalion's engagement radar still holds the target, the target lies
   within the missile's remaining reach of the aim point and inside its envelope; otherwise a miss, logged
   with its reason;
5. each command post evaluates threats (time to reach a defended asset) and assigns confirmed tracks to
   battalions that have a free fire channel, a ready launcher with a missile whose envelope for the
   target's class contains the predicted intercept point (time of flight along the missile's boost-coast
   profile, within its maximum flight time) and whose engagement radar will still hold the target then, and
   whose reaction time and launch interval have elapsed; a
   target already under fire from the unit (by any of its tracks) is not fired at again until that
   engagement resolves.

Speed: what does not depend on the run (threat positions at every step, and whether each radar's geometry
lets it see each threat, with the slant range) comes from the world's :class:`~iadsim.sim.timeline.Timeline`,
computed once for all runs of a world. :func:`run` runs the steps compiled, one call per block of the
timeline (:mod:`iadsim.sim._loop`, which calls the kernels of :mod:`iadsim.sim._kernels` and the command
posts' tracker of :mod:`iadsim.sim.tracking._kernels`); :class:`_Run` is the same engine in Python, the
reference that tests hold the compiled loop to, event for event. One run of ``ankara-s400`` takes about
ten milliseconds.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iadsim._paths import cache_root
from iadsim.interceptors import InterceptorModel, in_envelope
from iadsim.physics.kinematics import INTERCEPT_SAMPLES
from iadsim.sim import _kernels, _loop
from iadsim.sim.plan import BLOCK_STEPS
from iadsim.sim.sensing import Coverage, ScanCoverage, pd_tables
from iadsim.sim.timeline import Timeline
from iadsim.sim.tracking import CompiledTracker, TrackerParams, velocity_std_for
from iadsim.sim.tracking.compiled import _ROW_SHAPES
from iadsim.sim.tracking.types import TRACKSET_DTYPES
from iadsim.sim.world import Battalion, RadarSite, World

FloatArray = NDArray[np.float64]

#: Acceleration noise of the trackers' nearly-constant-velocity model, m^2/s^3 (about 2 m/s^2 sustained
#: over 2.5 s: straight legs with gentle turns).
TRACKER_Q_M2PS3 = 10.0
#: Tracks whose specific energy ``v^2 / 2 + g z`` exceeds this, J/kg, are ballistic targets: more than any
#: aircraft or cruise missile of the catalog has (the fastest, an Su-35 at its 694 m/s top speed, at 20 km:
#: 437 kJ/kg), less than a ballistic missile has from burnout on (``v_b^2 / 2 ~ g R / 2``, 490 kJ/kg for a
#: 100 km minimum-energy flight, 1.4 MJ/kg for 300 km) ...
BALLISTIC_TRACK_ENERGY_JPKG = 450e3
#: ... predicted with this acceleration noise, m^2/s^3: gravity, about 10 m/s^2, that a constant-velocity
#: model does not know, sustained over a 10 s revisit (``q ~ a^2 T``, BLK ch. 6).
BALLISTIC_TRACKER_Q_M2PS3 = 1_000.0
#: Fastest target the trackers initiate on, m/s: every target class in the catalog (ballistic missiles up
#: to the 4.8 km/s the S-400's missiles are credited against) has its second detection inside the gate.
MAX_TARGET_SPEED_MPS = 5_000.0
#: Fire control launches only where the missile keeps this many times the aim point's uncertainty
#: (``sqrt(trace)`` of the covariance of the predicted intercept point, from the track) in reserve: in reach
#: beyond the aim point and inside the envelope's ground-range limits, so that a target flying as its track
#: predicts is within the missile's reach when it arrives (for a 3-D Gaussian error, 2 x sqrt(trace) is
#: exceeded less than 1 % of the time).
AIM_MARGIN_SIGMAS = 2.0
#: A track whose position uncertainty grows beyond this (standard deviation per axis, m) is deleted: it
#: no longer tells where the target is (a track coasting where no radar can confirm or deny it).
MAX_TRACK_POSITION_STD_M = 20_000.0


def make_tracker() -> CompiledTracker:
    """A command post's tracker as the engine configures it: 2-of-3 confirmation, deletion after five
    counted misses, an initial velocity spread that holds targets up to :data:`MAX_TARGET_SPEED_MPS`, the
    acceleration noise of ballistic targets for tracks above :data:`BALLISTIC_TRACK_ENERGY_JPKG`."""
    return CompiledTracker(
        TrackerParams(
            TRACKER_Q_M2PS3,
            m_hits=2,
            n_scans=3,
            velocity_std_mps=velocity_std_for(MAX_TARGET_SPEED_MPS),
            max_misses=5,
            max_position_variance_m2=3 * MAX_TRACK_POSITION_STD_M**2,
            ballistic_energy_jpkg=BALLISTIC_TRACK_ENERGY_JPKG,
            ballistic_q_m2ps3=BALLISTIC_TRACKER_Q_M2PS3,
        )
    )


#: The integer outcome fields of a run (``iadsim run --json`` and every stored replication).
COUNT_FIELDS = ("threats", "detected", "engaged", "killed", "leaked", "interceptors_launched", "intercepts")


@dataclass(frozen=True)
class Event:
    """One thing that happened: time (s), kind, and who was involved (-1 / "" when not applicable)."""

    t_s: float
    kind: str
    threat: int = -1
    track: int = -1
    unit: str = ""
    battalion: str = ""
    missile: str = ""
    detail: str = ""


@dataclass
class Engagement:
    """Interceptors in the air against one target (as the fire unit knows it from its track): aimed at
    ``aim_m`` (the predicted intercept point, local frame), flying ``intercept_s - launch_s`` seconds."""

    threat: int
    track: int
    unit: int
    battalion: int
    radar: int
    missile: InterceptorModel
    count: int
    launch_s: float
    intercept_s: float
    aim_m: FloatArray


@dataclass
class RunResult:
    """Outcome of one run: counts, per-threat outcomes and the events log."""

    scenario: str
    seed: int
    threats: int
    detected: int
    engaged: int
    killed: int
    leaked: int
    interceptors_launched: int
    intercepts: int
    interceptors_by_type: dict[str, int]
    first_detection_s: dict[str, float]
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The outcome fields of ``iadsim run --json``."""
        keys = (*COUNT_FIELDS, "interceptors_by_type", "first_detection_s")
        return {"scenario": self.scenario, "seed": self.seed, **{k: getattr(self, k) for k in keys}}

    def events_as_dicts(self) -> list[dict[str, Any]]:
        """The events log as plain dictionaries."""
        return [asdict(e) for e in self.events]


_NO_MEAS = np.zeros((0, 3))
_NO_COV = np.zeros((0, 3, 3))
_NO_RCS = np.zeros(0)


def _measure(
    rng: np.random.Generator, radar_xyz: FloatArray, xyz: FloatArray, sigmas: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Noisy positions and converted-measurement covariances of targets seen from a radar (local frame).

    Range, azimuth (from north) and elevation of each target get Gaussian noise of the radar's sigmas; the
    noisy polar measurement is converted back to Cartesian, with covariance J diag(s^2) J^T at the measured
    point (Bar-Shalom, Li and Kirubarajan 2001, sec. 10.4, the standard converted measurement).
    """
    m = xyz.shape[0]
    noise = rng.standard_normal((3, m))
    pos = np.empty((m, 3))
    cov = np.empty((m, 3, 3))
    _kernels.convert_measurements(radar_xyz, np.ascontiguousarray(xyz), noise, sigmas, pos, cov)
    return pos, cov


class _Run:
    """State of one run over a shared :class:`World`: the engine in Python, step by step (the reference of
    the compiled loop that :func:`run` runs, :mod:`iadsim.sim._loop`)."""

    def __init__(self, world: World, seed: int | np.random.SeedSequence, record_events: bool) -> None:
        self.w = world
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.seed = int(seq.entropy) if isinstance(seq.entropy, int) else 0
        self.rng = np.random.default_rng(seq)
        self.record = record_events
        th = world.threats
        n = th.count
        self.tl = world.timeline
        self.swerling = np.ascontiguousarray(th.swerling, dtype=np.int64)
        self.flying = np.zeros(n, dtype=bool)
        self.pos = np.zeros((n, 3))
        self.dead = np.zeros(n, dtype=bool)
        self.arrived = np.zeros(n, dtype=bool)
        self.killed_s = np.full(n, np.nan)
        self.leaked_s = np.full(n, np.nan)
        self.first_detected_s = np.full(n, np.nan)
        self.shots = np.zeros(n, dtype=np.int64)
        self.last_seen = np.full((len(world.radars), n), -np.inf)
        self.next_scan = self.rng.uniform(0.0, [r.scan_period_s for r in world.radars]).tolist()
        self.events: list[Event] = []
        self.trackers = [make_tracker() for _ in world.units]
        self.coverage: list[Coverage] = [r.coverage for r in world.radars]
        self.scans: list[ScanCoverage] = [r.scan for r in world.radars]
        self.unit_of = [r.unit for r in world.radars]
        self._slant = np.empty(1)
        self.tables = [pd_tables(r.model.pfa) for r in world.radars]
        self.radar_xyz = [np.array([r.x_m, r.y_m, r.antenna_amsl_m]) for r in world.radars]
        self.sigmas = [r.sigmas for r in world.radars]
        self.track_threat: list[dict[int, int]] = [{} for _ in world.units]
        self.track_confirmed_s: list[dict[int, float]] = [{} for _ in world.units]
        #: per unit: until when each threat waits for a kill assessment, and the threats it killed
        self.threat_busy_until: list[dict[int, float]] = [{} for _ in world.units]
        self.engagements: list[Engagement] = []
        self.channels = np.zeros(len(world.radars), dtype=np.int64)
        self.guided = np.zeros(len(world.radars), dtype=np.int64)
        self.bn_rounds = [b.rounds.copy() for b in world.battalions]
        self.bn_capacity = [b.rounds.copy() for b in world.battalions]
        self.bn_reserve = [b.reserve.copy() for b in world.battalions]
        self.bn_ready = [np.zeros(len(b.rounds)) for b in world.battalions]
        self.bn_last_launch = np.full(len(world.battalions), -np.inf)
        self.bn_xyz = [np.array([b.x_m, b.y_m, b.ground_m]) for b in world.battalions]
        #: missile types of each battalion, shortest maximum range first
        self.missile_order = [
            [j for _, j in sorted((m.max_range_m, j) for j, m in enumerate(b.missiles))]
            for b in world.battalions
        ]
        #: per radar: the RCS (m²) of each threat nose-on, beam-on and tail-on ``(n, 3)`` in its band, and
        #: the single-look SNR (dB) that gives at 1 m in free space (the radar equation scales it by R^-4)
        self.rcs_seen = [th.rcs_by_band.get(r.model.band, np.zeros((th.count, 3))) for r in world.radars]
        self.snr_1m = [
            np.ascontiguousarray(r.model.snr_db(1.0, rcs))
            for r, rcs in zip(world.radars, self.rcs_seen, strict=True)
        ]
        self.looks = [r.look for r in world.radars]
        self.launched_by_type: dict[str, int] = {}
        self.intercepts = 0

    def log(self, t: float, kind: str, **kw: Any) -> None:
        if self.record:
            self.events.append(Event(round(t, 3), kind, **kw))

    # ------------------------------------------------------------------------------------------ motion
    def move(self, step: int, t: float) -> NDArray[np.bool_]:
        """Threats at ``step``: positions from the world's timeline; those launched now start flying, those
        reaching the end of their route leak. Returns the mask of threats in flight (kept up to date by
        kills)."""
        tl = self.tl
        self.pos = tl.positions(step)
        starting = tl.starts.get(step)
        if starting is not None:
            self.flying[starting] = True
        arriving = tl.arrivals.get(step)
        if arriving is not None:
            for i in arriving.tolist():
                if not self.dead[i]:
                    self.arrived[i] = True
                    self.flying[i] = False
                    self.leaked_s[i] = t
                    self.log(t, "leak", threat=i, detail=self.w.threats.target_id[i])
                    self.end_tracks(i)  # (it has reached its aim point: its impact is seen)
        return self.flying

    def end_tracks(self, threat: int) -> None:
        """Delete every track on a target that is gone (killed, or arrived at its aim point): the command
        posts see it end, so its tracks neither coast on nor take other targets' detections."""
        for ui, tracker in enumerate(self.trackers):
            for tid, i in self.track_threat[ui].items():
                if i == threat and tracker.drop(tid):
                    self.track_confirmed_s[ui].pop(tid, None)

    # ----------------------------------------------------------------------------------------- sensing
    def scan(self, t: float, step: int, ri: int, flying: NDArray[np.bool_]) -> None:
        w = self.w
        ok, slant = self.tl.geometry(self.coverage[ri], step)
        cand = np.flatnonzero(flying & ok)
        det_idx = cand
        rcs = _NO_RCS
        if cand.size:
            grid, tables = self.tables[ri]
            loss, aspect = self.tl.signal(self.looks[ri], step)
            hit = np.empty(cand.size, np.bool_)
            u = self.rng.random(cand.size)
            _kernels.detect(
                cand,
                self.snr_1m[ri],
                aspect,
                loss,
                slant,
                self.swerling,
                grid[0],
                grid[1] - grid[0],
                tables,
                u,
                hit,
            )
            det_idx = cand[hit]
            rcs = self.rcs_seen[ri][det_idx, aspect[det_idx]]
        truth = det_idx
        xyz = self.pos[det_idx]
        lam = w.scenario.options.false_alarms_per_scan
        if lam > 0:
            radar = w.radars[ri]
            n_fa = int(self.rng.poisson(lam))
            if n_fa:
                rr = radar.model.instrumented_range_m * np.sqrt(self.rng.random(n_fa))
                az = self.rng.uniform(0, 2 * np.pi, n_fa)
                fa = np.stack(
                    [
                        radar.x_m + rr * np.sin(az),
                        radar.y_m + rr * np.cos(az),
                        self.rng.uniform(0, 15e3, n_fa),
                    ],
                    axis=1,
                )
                xyz = np.vstack([xyz, fa])
                truth = np.concatenate([truth, np.full(n_fa, -1)])
                rcs = np.concatenate([rcs, np.full(n_fa, np.nan)])  # (a false alarm has no target)
        if det_idx.size:
            if self.record:
                radar = w.radars[ri]
                for i in det_idx[self.last_seen[ri, det_idx] == -np.inf].tolist():
                    self.log(t, "detection", threat=i, unit=w.units[radar.unit].name, detail=radar.label)
            first = self.first_detected_s[det_idx]
            self.first_detected_s[det_idx] = np.where(np.isnan(first), t, first)
            self.last_seen[ri, det_idx] = t
        if len(xyz):
            meas, cov = _measure(self.rng, self.radar_xyz[ri], xyz, self.sigmas[ri])
        elif len(self.trackers[self.unit_of[ri]]) == 0:
            return  # nothing seen and nothing tracked: the tracker has nothing to do
        else:
            meas, cov = _NO_MEAS, _NO_COV
        self.update_tracks(t, ri, meas, cov, truth, rcs)

    def update_tracks(
        self, t: float, ri: int, meas: FloatArray, cov: FloatArray, truth: NDArray[np.int64], rcs: FloatArray
    ) -> None:
        """One scan of radar ``ri`` into its unit's tracker. Each detection carries the RCS of what
        returned it (the target's, as its echo gives it; NaN for a false alarm), so that the tracker counts
        a missed scan only where the radar could have detected the track."""
        ui = self.unit_of[ri]
        result = self.trackers[ui].step(t, meas, cov, sensor_ids=ri, rcs_m2=rcs, coverage=self.scans[ri])
        mapping = self.track_threat[ui]
        if len(truth):  # (every detection updates or starts a track)
            mapping.update(zip(result.detection_track_ids.tolist(), truth.tolist(), strict=True))
        if not (result.confirmed_ids.size or result.deleted_ids.size):
            return
        unit = self.w.units[ui].name
        for tid in result.confirmed_ids:
            self.track_confirmed_s[ui][int(tid)] = t
            self.log(t, "track_start", threat=mapping.get(int(tid), -1), track=int(tid), unit=unit)
        for tid in result.deleted_ids:
            if int(tid) in self.track_confirmed_s[ui]:
                self.log(t, "track_lost", threat=mapping.get(int(tid), -1), track=int(tid), unit=unit)
            self.track_confirmed_s[ui].pop(int(tid), None)

    # ----------------------------------------------------------------------------------- interceptors
    def miss_reason(self, e: Engagement, t: float) -> str:
        """Why the interceptors of ``e`` cannot kill at ``t`` ("" if they can): the target is gone, the
        engagement radar no longer holds it, it is beyond the missile's remaining reach of the aim point, or
        outside the envelope."""
        w = self.w
        i = e.threat
        if i < 0 or self.dead[i] or self.arrived[i]:
            return "no target"
        if self.last_seen[e.radar, i] < t - w.scenario.options.hold_s:
            return "not held"
        true = self.tl.position_at(i, e.intercept_s)
        miss = float(np.linalg.norm(true - e.aim_m))
        reach = float(e.missile.profile.reach_after_m(e.intercept_s - e.launch_s))
        if miss > reach:
            return _beyond_reach(miss, reach)
        b = self.bn_xyz[e.battalion]
        env = e.missile.envelope(w.threats.target_class[i])
        ground = math.hypot(true[0] - b[0], true[1] - b[1])
        height = float(true[2])
        if env is None or not in_envelope(
            env, ground, height - w.ground_at(float(true[0]), float(true[1])), height
        ):
            return _outside_envelope(ground, height)
        return ""

    def resolve(self, t: float) -> None:
        w = self.w
        keep = []
        for e in self.engagements:
            if e.intercept_s > t:
                keep.append(e)
                continue
            self.channels[e.radar] -= 1
            self.guided[e.radar] -= e.count
            bn = w.battalions[e.battalion]
            reason = self.miss_reason(e, t)
            pk = e.missile.pk.get(w.threats.target_class[e.threat], 0.0) if not reason else 0.0
            killed = False
            for _ in range(e.count):
                self.intercepts += 1
                hit = not reason and not killed and self.rng.random() < pk
                self.log(
                    t,
                    "intercept",
                    threat=e.threat,
                    track=e.track,
                    unit=w.units[e.unit].name,
                    battalion=bn.name,
                    missile=e.missile.id,
                    detail="kill" if hit else (reason or "miss"),
                )
                killed = killed or hit
            if killed:
                self.dead[e.threat] = True
                self.flying[e.threat] = False
                self.killed_s[e.threat] = t
                self.log(t, "kill", threat=e.threat, track=e.track, battalion=bn.name, missile=e.missile.id)
                self.end_tracks(e.threat)  # (the kill assessed)
            sls = w.scenario.doctrine.shoot_look_shoot
            self.threat_busy_until[e.unit][e.threat] = t + (
                w.scenario.doctrine.kill_assessment_s if sls else 0.0
            )
        self.engagements = keep

    # ----------------------------------------------------------------------------------- fire control
    def time_to_go(self, states: FloatArray, ui: int) -> FloatArray:
        """Time (s) for tracks ``(k, 6)`` to reach the nearest defended asset's edge at their ground speed
        (at least 1 m/s); without assets, the unit's first battalion."""
        w = self.w
        if len(w.assets_xy_m) == 0:
            u = w.battalions[w.units[ui].battalions[0]] if w.units[ui].battalions else None
            targets = np.array([[u.x_m, u.y_m]]) if u else np.zeros((1, 2))
            radii = np.zeros(1)
        else:
            targets, radii = w.assets_xy_m, w.assets_radius_m
        d = (
            np.hypot(targets[None, :, 0] - states[:, None, 0], targets[None, :, 1] - states[:, None, 1])
            - radii
        )
        speed = np.maximum(np.hypot(states[:, 3], states[:, 4]), 1.0)
        return np.asarray(np.min(np.maximum(d, 0.0), axis=1) / speed)

    def can_fire(self, t: float, bi: int) -> bool:
        """Whether battalion ``bi`` has a free fire channel, a missile to guide, its launch interval
        behind it and a ready launcher with a round on it (the checks of :meth:`assign` and
        :meth:`choose_missile` that do not depend on the track)."""
        bn = self.w.battalions[bi]
        radar = self.w.radars[bn.radar]
        return bool(
            self.channels[bn.radar] < radar.targets_engaged
            and self.guided[bn.radar] + 1 <= radar.missiles_guided
            and t >= self.bn_last_launch[bi] + bn.launch_interval_s
            and self.bn_rounds[bi][self.bn_ready[bi] <= t].any()
        )

    def fire_control(self, t: float) -> None:
        w = self.w
        doctrine = w.scenario.doctrine
        hold = t - w.scenario.options.hold_s
        for ui, unit in enumerate(w.units):
            if len(self.trackers[ui]) == 0:
                continue
            radars = [w.battalions[bi].radar for bi in unit.battalions if self.can_fire(t, bi)]
            if not radars:
                continue  # no battalion can fire: nothing to assign this step
            engaged = {e.threat for e in self.engagements if e.unit == ui}
            busy, threat_of = self.threat_busy_until[ui], self.track_threat[ui]
            held = np.any(self.last_seen[radars] >= hold, axis=0).tolist()  # by a battalion that can fire
            eligible = set()
            for tid, since in self.track_confirmed_s[ui].items():
                if t < since + unit.processing_delay_s:
                    continue
                threat = threat_of.get(tid, -1)
                if threat < 0 or self.dead[threat] or threat in engaged or busy.get(threat, -1.0) > t:
                    continue  # (the fire unit knows its target from the track's history)
                if not held[threat]:
                    continue  # no battalion that can fire holds it
                eligible.add(tid)
            if not eligible:
                continue
            ids, states, covs, times = self.trackers[ui].confirmed()
            rows = [row for row, tid in enumerate(ids.tolist()) if tid in eligible]
            # tracks are as of their latest update: bring them to now along their velocity
            x = states[rows]
            age = t - times[rows]
            x[:, :3] += x[:, 3:] * age[:, None]
            ttg = self.time_to_go(x, ui)
            for k in np.argsort(ttg, kind="stable"):
                tid = int(ids[rows[k]])
                threat = threat_of[tid]
                if threat not in engaged and self.assign(
                    t, ui, tid, x[k], covs[rows[k]], float(age[k]), doctrine.salvo
                ):
                    engaged.add(threat)
                    if not any(self.can_fire(t, bi) for bi in unit.battalions):
                        break  # (the tracks left would find no battalion to fire: nothing changes)

    def assign(
        self, t: float, ui: int, tid: int, x: FloatArray, cov: FloatArray, age: float, salvo: int
    ) -> bool:
        """Fire at track ``tid`` (state ``x`` brought to now, covariance ``cov`` as of ``age`` seconds ago)
        from the first of the unit's battalions that can; whether one did."""
        w = self.w
        threat = self.track_threat[ui].get(tid, -1)
        p, v = x[:3], x[3:]
        traces: tuple[float, float, float, float] | None = None  # (for the first battalion that gets there)
        for bi in w.units[ui].battalions:
            bn = w.battalions[bi]
            radar = w.radars[bn.radar]
            if self.channels[bn.radar] >= radar.targets_engaged:
                continue
            if self.guided[bn.radar] + 1 > radar.missiles_guided:
                continue
            confirmed = self.track_confirmed_s[ui][tid]
            if t < confirmed + w.units[ui].processing_delay_s + bn.reaction_time_s:
                continue
            if t < self.bn_last_launch[bi] + bn.launch_interval_s:
                continue
            if threat < 0 or self.last_seen[bn.radar, threat] < t - w.scenario.options.hold_s:
                continue  # the engagement radar does not hold it
            seen = float(self.last_seen[bn.radar, threat])
            if traces is None:
                # traces of the position, position-velocity and velocity blocks: the aim point p + v T has an
                # uncertainty of trace P_pp + 2 T trace P_pv + T^2 trace P_vv (T counted from the track's
                # time)
                traces = (
                    float(np.trace(cov[:3, :3])),
                    float(np.trace(cov[:3, 3:])),
                    float(np.trace(cov[3:, 3:])),
                    age,
                )
            choice = self.choose_missile(t, bi, bn, p, v, w.threats.target_class[threat], traces, seen)
            if choice is None:
                continue
            mi, tof, aim = choice
            missile = bn.missiles[mi]
            n = min(salvo, radar.missiles_guided - int(self.guided[bn.radar]))
            fired = self.take_rounds(t, bi, mi, n)
            if fired == 0:
                continue
            self.channels[bn.radar] += 1
            self.guided[bn.radar] += fired
            self.bn_last_launch[bi] = t
            self.engagements.append(
                Engagement(threat, tid, ui, bi, bn.radar, missile, fired, t, t + tof, aim)
            )
            self.launched_by_type[missile.id] = self.launched_by_type.get(missile.id, 0) + fired
            self.shots[threat] += fired
            self.log(
                t,
                "assignment",
                threat=threat,
                track=tid,
                unit=w.units[ui].name,
                battalion=bn.name,
                missile=missile.id,
                detail=f"intercept at {t + tof:.1f} s",
            )
            self.log(
                t,
                "launch",
                threat=threat,
                track=tid,
                unit=w.units[ui].name,
                battalion=bn.name,
                missile=missile.id,
                detail=f"{fired} missile(s)",
            )
            return True
        return False

    def choose_missile(
        self,
        t: float,
        bi: int,
        bn: Battalion,
        p: FloatArray,
        v: FloatArray,
        target_class: str,
        traces: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
        seen_s: float = math.inf,
    ) -> tuple[int, float, FloatArray] | None:
        """The shortest-range missile type with a round ready whose envelope for the target's class holds
        the predicted intercept point, and with which the battalion's engagement radar (that last saw the
        target at ``seen_s``) still holds the target at the intercept (:meth:`sees`), keeping long-range
        rounds for long-range threats: its index, time of flight along its profile and the aim point.

        The aim point must leave :data:`AIM_MARGIN_SIGMAS` times its uncertainty (from ``traces`` of the
        track's covariance: position, position-velocity, velocity, and the track's age in s) in reach and
        inside the envelope's ground-range limits."""
        pp, pv, vv, age = traces
        hold = self.w.scenario.options.hold_s
        b = self.bn_xyz[bi]
        ready = self.bn_ready[bi] <= t
        loaded = np.any((self.bn_rounds[bi] > 0) & ready[:, None], axis=0).tolist()  # by missile type
        speed = math.sqrt(float(v @ v))
        for j in self.missile_order[bi]:
            m = bn.missiles[j]
            env = m.envelope(target_class)
            if env is None or speed > m.max_target_speed_mps:
                continue
            if not loaded[j]:
                continue
            f = m.profile
            tof = _kernels.intercept_time(
                p, v, b, f.max_speed_mps, f.burn_time_s, f.drag_time_s, f.max_flight_time_s, INTERCEPT_SAMPLES
            )
            if not math.isfinite(tof):
                continue
            aim = p + v * tof
            ahead = tof + age
            margin = AIM_MARGIN_SIGMAS * math.sqrt(max(pp + 2.0 * ahead * pv + ahead * ahead * vv, 0.0))
            if float(f.reach_after_m(tof)) < margin:
                continue
            ground = math.hypot(aim[0] - b[0], aim[1] - b[1])
            agl = aim[2] - self.w.ground_at(float(aim[0]), float(aim[1]))
            if in_envelope(env, ground, agl, aim[2], margin) and (
                t + tof - hold <= seen_s
                or self.sees(bn.radar, p + v * max(tof - hold, 0.0))
                or self.sees(bn.radar, aim)
            ):
                return j, tof, aim
        return None

    def sees(self, ri: int, position: FloatArray) -> bool:
        """Whether radar ``ri`` sees a point (floor, range, elevation, sector).

        The engagement radar holds a target at the intercept if it saw it within ``hold_s`` before
        (:meth:`miss_reason`); fire control fires only if it already did (``seen_s``), or if it will see the
        track's prediction ``hold_s`` before the intercept (or at launch, for a shorter flight) or at the aim
        point."""
        ok = np.empty(1, np.bool_)
        g = self.coverage[ri]
        x = position
        _kernels.visible(x[0:1], x[1:2], x[2:3], g.floor_agl_m, g.terrain_m, g.grid, g.radar, ok, self._slant)
        return bool(ok[0])

    def take_rounds(self, t: float, bi: int, mi: int, n: int) -> int:
        """Fire up to ``n`` rounds of type ``mi`` from ready launchers; returns how many left the rails."""
        bn = self.w.battalions[bi]
        rounds, ready = self.bn_rounds[bi], self.bn_ready[bi]
        fired = 0
        for li in range(len(rounds)):
            while fired < n and rounds[li, mi] > 0 and ready[li] <= t:
                rounds[li, mi] -= 1
                fired += 1
            if fired and rounds[li].sum() == 0 and self.bn_reserve[bi].sum() > 0:
                # reload from the transloader: back to this launcher's initial load, as the reserve allows
                need = np.minimum(self.bn_capacity[bi][li], self.bn_reserve[bi])
                self.bn_reserve[bi] -= need
                rounds[li] += need
                ready[li] = t + bn.reload_s
            if fired == n:
                break
        return fired

    # --------------------------------------------------------------------------------------------- run
    def run(self) -> RunResult:
        w = self.w
        sc = w.scenario
        last_launch = int(self.tl.start_step.max()) if w.threats.count else 0
        periods = [radar.scan_period_s for radar in w.radars]
        next_scan = self.next_scan
        for step in range(self.tl.n_steps + 1):
            t = step * sc.step_s
            flying = self.move(step, t)
            any_flying = bool(flying.any())  # (before this step's kills)
            for ri, period in enumerate(periods):
                while next_scan[ri] <= t + 1e-9:
                    self.scan(t, step, ri, flying)
                    next_scan[ri] += period
            if self.engagements:
                self.resolve(t)
            self.fire_control(t)
            if step >= last_launch and not self.engagements and not any_flying:
                break
        return self.result()

    def result(self) -> RunResult:
        return _result(
            self.w,
            self.seed,
            self.dead,
            self.arrived,
            self.killed_s,
            self.leaked_s,
            self.first_detected_s,
            self.shots,
            dict(sorted(self.launched_by_type.items())),
            self.intercepts,
            self.events,
        )


def _beyond_reach(miss_m: float, reach_m: float) -> str:
    """Why an interceptor missed: the target was farther from the aim point than the missile could still
    fly."""
    return f"beyond reach: {miss_m / 1e3:.1f} km from the aim point, reach {reach_m / 1e3:.1f} km"


def _outside_envelope(ground_m: float, height_m: float) -> str:
    """Why an interceptor missed: the target was outside its envelope where it met it."""
    return f"outside envelope: {ground_m / 1e3:.1f} km, {height_m / 1e3:.1f} km high"


def _result(
    w: World,
    seed: int,
    dead: NDArray[np.bool_],
    arrived: NDArray[np.bool_],
    killed_s: FloatArray,
    leaked_s: FloatArray,
    first_detected_s: FloatArray,
    shots: NDArray[np.int64],
    launched_by_type: dict[str, int],
    intercepts: int,
    events: list[Event],
) -> RunResult:
    """A run's result from its final state."""
    th = w.threats
    outcomes = []
    for i in range(th.count):
        outcome = "killed" if dead[i] else ("leaked" if arrived[i] else "survived")
        outcomes.append(
            {
                "threat": i,
                "target": th.target_id[i],
                "raid": w.scenario.raids[int(th.raid[i])].name,
                "outcome": outcome,
                "first_detection_s": _num(first_detected_s[i]),
                "killed_s": _num(killed_s[i]),
                "leaked_s": _num(leaked_s[i]),
                "shots": int(shots[i]),
            }
        )
    first: dict[str, float] = {}
    for i in range(th.count):
        ft = first_detected_s[i]
        if not np.isnan(ft):
            first[th.target_id[i]] = min(first.get(th.target_id[i], math.inf), float(ft))
    return RunResult(
        scenario=w.scenario.name,
        seed=seed,
        threats=th.count,
        detected=int(np.sum(~np.isnan(first_detected_s))),
        engaged=int(np.sum(shots > 0)),
        killed=int(dead.sum()),
        leaked=int(arrived.sum()),
        interceptors_launched=int(sum(launched_by_type.values())),
        intercepts=intercepts,
        interceptors_by_type=dict(sorted(launched_by_type.items())),
        first_detection_s=first,
        outcomes=outcomes,
        events=events,
    )


def _events(w: World, a: _Arrays, ev_i: NDArray[np.int64], ev_f: FloatArray) -> list[Event]:
    """The compiled loop's event rows (:mod:`iadsim.sim._loop`) as :class:`Event` s."""
    units = [u.name for u in w.units]
    bns = [b.name for b in w.battalions]
    ids = [m.id for m in a.missiles]
    out: list[Event] = []
    for (kind, threat, track, unit, bn, missile, radar, code), (t, x, y) in zip(
        ev_i.tolist(), ev_f.tolist(), strict=True
    ):
        t = round(t, 3)
        name = _loop.EVENT_KINDS[kind]
        if kind == _loop.LEAK:
            e = Event(t, name, threat=threat, detail=w.threats.target_id[threat])
        elif kind == _loop.DETECTION:
            e = Event(t, name, threat=threat, unit=units[unit], detail=w.radars[radar].label)
        elif kind in (_loop.TRACK_START, _loop.TRACK_LOST):
            e = Event(t, name, threat=threat, track=track, unit=units[unit])
        elif kind == _loop.KILL:
            e = Event(t, name, threat=threat, track=track, battalion=bns[bn], missile=ids[missile])
        else:
            if kind == _loop.ASSIGNMENT:
                detail = f"intercept at {x:.1f} s"
            elif kind == _loop.LAUNCH:
                detail = f"{code} missile(s)"
            elif code == _loop.O_BEYOND_REACH:
                detail = _beyond_reach(x, y)
            elif code == _loop.O_OUTSIDE:
                detail = _outside_envelope(x, y)
            else:
                detail = _loop.OUTCOMES[code]
            e = Event(t, name, threat, track, units[unit], bns[bn], ids[missile], detail)
        out.append(e)
    return out


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@contextmanager
def _one_compiler() -> Iterator[None]:
    """Hold a lock shared by this user's processes (a file in :func:`iadsim._paths.cache_root`) while the
    kernels load: where none is compiled yet (a new install), the first process compiles them and writes
    numba's cache while the others wait, then read it, instead of every worker of a study compiling them at
    once (the loop takes about half a minute, once). Where the platform has no ``fcntl`` (Windows) or the
    folder cannot be written, each process loads its kernels by itself."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        root = cache_root()
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / "kernels.lock", "a+b")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def warm_up() -> None:
    """Load (or compile) the engine's numba kernels by calling each on a few values, and import what the
    first step imports (the surface's propagation factor and SciPy's special functions behind it); one
    process at a time (:func:`_one_compiler`)."""
    with _one_compiler():
        _warm_up()


def _warm_up() -> None:
    from iadsim.physics import multipath

    multipath.propagation_factor(10.0, 100.0, 1e4, 3e9)
    rng = np.random.default_rng(0)
    z, r = _measure(
        rng, np.zeros(3), np.array([[1e4, 2e4, 3e3], [1.2e4, 2e4, 3e3]]), np.array([50.0, 1e-3, 1e-3])
    )
    flat = np.zeros((2, 2), np.float32)
    coverage = Coverage(
        flat,
        flat,
        np.array([0.0, 1e5, 0.0, -1e5, 0.0, 0.0]),
        np.array([0, 0, 10, 8.5e6, 1e6, -0.1, 1.5, 0.0, math.pi]),
    )
    coverage.visible(z)
    scan = ScanCoverage.of(coverage, 200.0, 1e-6, 1, 0.5)
    tracker = make_tracker()
    for t in (0.0, 1.0, 2.0):
        tracker.step(t, z, r, sensor_ids=0, rcs_m2=np.ones(2), coverage=scan)
    grid, tables = pd_tables(1e-6)
    cand = np.arange(2)
    hit = np.empty(2, bool)
    _kernels.detect(
        cand,
        np.full((2, 3), 200.0),
        np.zeros(2, np.int8),
        np.zeros(2),
        np.full(2, 1e5),
        cand,
        grid[0],
        grid[1] - grid[0],
        tables,
        np.full(2, 0.5),
        hit,
    )
    _kernels.intercept_time(z[0], np.zeros(3), np.zeros(3), 1000.0, 5.0, 100.0, 60.0, INTERCEPT_SAMPLES)
    _loop.run_block(rng, 0, 0, 0, *_idle_arguments())


def _idle_arguments() -> list[Any]:
    """Arguments of :func:`iadsim.sim._loop.run_block` after ``(rng, s0, s1, b0)`` for a world with nothing
    in it, of the types a real world gives (so that loading the compiled loop with them serves every run)."""
    f8, i8 = np.float64, np.int64

    def z(*shape: int, dtype: Any = f8) -> NDArray[Any]:
        return np.zeros(shape, dtype)

    def lst(dtype: Any) -> Any:
        return _typed([], dtype)

    static = [
        *(z(0, dtype=i8), z(0, dtype=i8), z(0, dtype=np.intp), z(0, dtype=i8), z(0, dtype=np.intp)),
        z(0, dtype=i8),
        *(z(0), z(0, dtype=i8), z(0, 3), z(0, 3), z(0, 0, 3), z(0, 0, 3), z(0, 5, 1), z(2)),
        *(z(0, dtype=i8), z(0, dtype=i8), z(0, 3), lst(np.float32), lst(np.float32), z(0, 6), z(0, 9)),
        *(lst(np.float32), lst(np.float32), z(0, 6), z(0, 9), z(0, 5), z(0, 5, 1)),
        *(z(0), z(1, dtype=i8), z(0, dtype=i8), z(0, 2), z(0, dtype=i8), z(0, 3), z(0), z(0), z(0)),
        *(z(0, dtype=i8), z(0, 1, dtype=i8), z(0, 1, dtype=i8), z(0, 1, 1, dtype=i8)),
        *(z(0, 6), z(0, 0, 4), z(0, 0, dtype=np.bool_), z(0, 0)),
        *(z(0, 2), z(0), z(2, 2, dtype=np.float32), z(4), make_tracker()._kernel_params),
    ]
    block = [z(0, 3), z(1, 0, 3), z(0, 3), lst(np.bool_), lst(f8), lst(f8), lst(np.int8)]
    state = [
        *(z(5, dtype=i8), z(0, dtype=np.bool_), z(0, dtype=np.bool_), z(0, dtype=np.bool_)),
        *(z(0), z(0), z(0), z(0, dtype=i8), z(0, 0), z(0), z(0, 0), z(0, dtype=i8), z(0, dtype=i8)),
        *(z(0, 1, 1, dtype=i8), z(0, 1, dtype=i8), z(0, 1), z(0), z(0, dtype=i8), z(0, dtype=i8)),
        z(0, dtype=i8),
    ]
    tracks = tuple(z(0, 1, *_ROW_SHAPES.get(name, ()), dtype=dtype) for name, dtype in TRACKSET_DTYPES)
    grown = [tracks, z(0, 1, dtype=i8), z(0, 1), z(1, 8, dtype=i8), z(1, 3), z(1, 7, dtype=i8), z(1, 5)]
    return [np.zeros(10), *static, *block, *state, *grown]


def run(
    world: World,
    seed: int | np.random.SeedSequence,
    record_events: bool = True,
    should_stop: Callable[[float], bool] | None = None,
) -> RunResult:
    """One run of a world with a seed (an integer, or a ``SeedSequence`` for replications of a study):
    same seed, same events.

    The steps run compiled (:mod:`iadsim.sim._loop`), with the events of the reference :class:`_Run`.
    ``should_stop`` (when given) is called with the time (s) before each step; when it returns True the
    run stops there and raises :class:`RunStopped`."""
    return _compiled_run(world, seed, record_events, should_stop)


class RunStopped(Exception):
    """A run stopped before its end because its caller asked (:func:`run`'s ``should_stop``)."""


@dataclass(eq=False)
class _Arrays:
    """What the compiled loop needs of a world, as arrays (built once per world, :func:`_arrays_of`), and the
    timeline's blocks as it reaches them. It refers to the world only weakly (it is kept for as long as the
    world lives, in :data:`_ARRAYS`)."""

    world: weakref.ref[World]
    timeline: Timeline
    radars: list[RadarSite]
    static: tuple[Any, ...]
    missiles: list[InterceptorModel]
    periods: list[float]
    #: ``(battalions, launchers, missile types)`` rounds on each launcher at the start (its full load)
    capacity: NDArray[np.int64]
    #: ``(battalions, missile types)`` rounds on the transloaders at the start
    reserve: NDArray[np.int64]
    blocks: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def block(self, b: int) -> tuple[Any, ...]:
        """Positions (the block's, with the step before and the step after) and, per radar, what it
        sees, the slant range, the surface's loss and the aspect, for the steps of block ``b``."""
        found = self.blocks.get(b)
        if found is not None:
            return found
        tl = self.timeline
        s0 = b * BLOCK_STEPS
        pos = tl.block_positions(b)
        prev = tl.positions(s0 - 1) if s0 > 0 else pos[0]
        nxt = tl.positions(s0 + BLOCK_STEPS)
        geometry = [tl.block_geometry(r.coverage, b) for r in self.radars]
        signal = [tl.block_signal(r.look, b) for r in self.radars]
        out = (
            prev,
            pos,
            nxt,
            _typed([g[0] for g in geometry], np.bool_),
            _typed([g[1] for g in geometry], np.float64),
            _typed([g[0] for g in signal], np.float64),
            _typed([g[1] for g in signal], np.int8),
        )
        with _ARRAYS_LOCK:
            self.blocks[b] = out
        return out


_ARRAYS: dict[int, _Arrays] = {}
_ARRAYS_LOCK = threading.Lock()


def _typed(arrays: list[NDArray[Any]], dtype: Any) -> Any:
    """A numba typed list of 2-D arrays of ``dtype`` (an empty one of that type when there are none)."""
    if not arrays:
        return _loop.list_of(np.zeros((1, 1), dtype), False)
    out = _loop.list_of(arrays[0], True)
    for a in arrays[1:]:
        _loop.push(out, a)
    return out


def _arrays_of(world: World) -> _Arrays:
    """The compiled loop's arrays of ``world`` (kept while the world lives)."""
    found = _ARRAYS.get(id(world))
    if found is not None and found.world() is world:
        return found
    w = world
    th = w.threats
    n = th.count
    tl = w.timeline
    classes = sorted(set(th.target_class))
    tclass = np.array([classes.index(c) for c in th.target_class], dtype=np.int64)
    radars = w.radars
    nr = len(radars)
    tables = [pd_tables(r.model.pfa) for r in radars]
    grid0 = tables[0][0] if tables else pd_tables(1e-6)[0]
    rcs_seen = [th.rcs_by_band.get(r.model.band, np.zeros((n, 3))) for r in radars]
    snr_1m = [
        np.asarray(r.model.snr_db(1.0, rcs), dtype=np.float64)
        for r, rcs in zip(radars, rcs_seen, strict=True)
    ]
    # missile types: each model once (by identity), with each battalion's types in its rounds' order
    missiles: list[InterceptorModel] = []
    index: dict[int, int] = {}
    for bn in w.battalions:
        for m in bn.missiles:
            if id(m) not in index:
                index[id(m)] = len(missiles)
                missiles.append(m)
    nk, nc = len(missiles), len(classes)
    profiles = np.zeros((nk, 6))
    envelopes = np.zeros((nk, nc, 4))
    has_env = np.zeros((nk, nc), dtype=np.bool_)
    pk = np.zeros((nk, nc))
    for k, m in enumerate(missiles):
        f = m.profile
        profiles[k] = (
            f.max_speed_mps,
            f.burn_time_s,
            f.drag_time_s,
            f.max_flight_time_s,
            f.max_distance_m,
            m.max_target_speed_mps,
        )
        for c, name in enumerate(classes):
            env = m.envelope(name)
            if env is not None:
                has_env[k, c] = True
                envelopes[k, c] = (env.min_range_m, env.max_range_m, env.min_altitude_m, env.max_altitude_m)
            pk[k, c] = m.pk.get(name, 0.0)
    nb = len(w.battalions)
    max_l = max((len(b.rounds) for b in w.battalions), default=1)
    max_t = max((len(b.missiles) for b in w.battalions), default=1)
    capacity = np.zeros((nb, max_l, max_t), dtype=np.int64)
    reserve = np.zeros((nb, max_t), dtype=np.int64)
    bn_missile = np.full((nb, max_t), -1, dtype=np.int64)
    bn_order = np.full((nb, max_t), -1, dtype=np.int64)
    for bi, bn in enumerate(w.battalions):
        r = np.asarray(bn.rounds, dtype=np.int64)
        capacity[bi, : r.shape[0], : r.shape[1]] = r
        reserve[bi, : len(bn.reserve)] = bn.reserve
        bn_missile[bi, : len(bn.missiles)] = [index[id(m)] for m in bn.missiles]
        order = [j for _, j in sorted((m.max_range_m, j) for j, m in enumerate(bn.missiles))]
        bn_order[bi, : len(order)] = order
    ptr = np.zeros(len(w.units) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(u.battalions) for u in w.units])
    unit_bn = np.array([bi for u in w.units for bi in u.battalions], dtype=np.int64)
    unit_target = np.zeros((len(w.units), 2))
    for ui, u in enumerate(w.units):
        if u.battalions:
            first = w.battalions[u.battalions[0]]
            unit_target[ui] = (first.x_m, first.y_m)
    det_tables = np.stack([t[1] for t in tables]) if nr else np.zeros((0, 5, len(grid0)))
    scan_tables = np.stack([r.scan.tables for r in radars]) if nr else det_tables
    static = (
        # threats
        np.ascontiguousarray(th.swerling, dtype=np.int64),
        tclass,
        np.argsort(tl.start_step, kind="stable"),
        np.ascontiguousarray(tl.start_step, dtype=np.int64),
        np.argsort(tl.arrival_step, kind="stable"),
        np.ascontiguousarray(tl.arrival_step, dtype=np.int64),
        # radars
        np.array([r.scan_period_s for r in radars], dtype=np.float64),
        np.array([r.unit for r in radars], dtype=np.int64),
        np.array([[r.x_m, r.y_m, r.antenna_amsl_m] for r in radars], dtype=np.float64).reshape(nr, 3),
        np.array([r.sigmas for r in radars], dtype=np.float64).reshape(nr, 3),
        np.array(snr_1m, dtype=np.float64).reshape(nr, n, 3),
        np.array(rcs_seen, dtype=np.float64).reshape(nr, n, 3),
        np.ascontiguousarray(det_tables),
        np.array([grid0[0], grid0[1] - grid0[0]]),
        np.array([r.targets_engaged for r in radars], dtype=np.int64),
        np.array([r.missiles_guided for r in radars], dtype=np.int64),
        np.array([[r.x_m, r.y_m, r.model.instrumented_range_m] for r in radars], dtype=np.float64).reshape(
            nr, 3
        ),
        _typed([r.coverage.floor_agl_m for r in radars], np.float32),
        _typed([r.coverage.terrain_m for r in radars], np.float32),
        np.array([r.coverage.grid for r in radars], dtype=np.float64).reshape(nr, 6),
        np.array([r.coverage.radar for r in radars], dtype=np.float64).reshape(nr, 9),
        _typed([r.scan.geometry.floor_agl_m for r in radars], np.float32),
        _typed([r.scan.geometry.terrain_m for r in radars], np.float32),
        np.array([r.scan.geometry.grid for r in radars], dtype=np.float64).reshape(nr, 6),
        np.array([r.scan.geometry.radar for r in radars], dtype=np.float64).reshape(nr, 9),
        np.array([r.scan.detect for r in radars], dtype=np.float64).reshape(nr, 5),
        np.ascontiguousarray(scan_tables),
        # units and battalions
        np.array([u.processing_delay_s for u in w.units], dtype=np.float64),
        ptr,
        unit_bn,
        unit_target,
        np.array([b.radar for b in w.battalions], dtype=np.int64),
        np.array([[b.x_m, b.y_m, b.ground_m] for b in w.battalions], dtype=np.float64).reshape(nb, 3),
        np.array([b.reaction_time_s for b in w.battalions], dtype=np.float64),
        np.array([b.launch_interval_s for b in w.battalions], dtype=np.float64),
        np.array([b.reload_s for b in w.battalions], dtype=np.float64),
        np.array([len(b.rounds) for b in w.battalions], dtype=np.int64),
        bn_missile,
        bn_order,
        capacity,
        # missiles
        profiles,
        envelopes,
        has_env,
        pk,
        # assets and terrain
        np.asarray(w.assets_xy_m, dtype=np.float64).reshape(-1, 2),
        np.asarray(w.assets_radius_m, dtype=np.float64).reshape(-1),
        np.ascontiguousarray(w.terrain.values),
        w.ground_transform,
        make_tracker()._kernel_params,
    )
    periods = [r.scan_period_s for r in radars]
    arrays = _Arrays(weakref.ref(w), tl, list(radars), static, missiles, periods, capacity, reserve)
    with _ARRAYS_LOCK:
        _ARRAYS[id(world)] = arrays
    weakref.finalize(world, _ARRAYS.pop, id(world), None)
    return arrays


def _compiled_run(
    world: World,
    seed: int | np.random.SeedSequence,
    record_events: bool,
    should_stop: Callable[[float], bool] | None,
) -> RunResult:
    """:func:`run`."""
    w = world
    a = _arrays_of(w)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(seq)
    next_scan = np.asarray(rng.uniform(0.0, a.periods), dtype=np.float64).reshape(len(w.radars))
    th = w.threats
    n, nr, nu, nb = th.count, len(w.radars), len(w.units), len(w.battalions)
    sc = w.scenario
    tl = w.timeline
    cfg = np.array(
        [
            sc.step_s,
            sc.options.hold_s,
            sc.options.false_alarms_per_scan,
            sc.doctrine.salvo,
            float(sc.doctrine.shoot_look_shoot),
            sc.doctrine.kill_assessment_s,
            int(tl.start_step.max()) if n else 0,
            float(record_events),
            AIM_MARGIN_SIGMAS,
            INTERCEPT_SAMPLES,
        ]
    )
    cap = 16
    tracks = tuple(np.zeros((nu, cap, *_ROW_SHAPES.get(name, ())), dtype) for name, dtype in TRACKSET_DTYPES)
    state = [
        np.zeros(5, dtype=np.int64),  # events, engagements, interceptors resolved, arrival and start pointers
        np.zeros(n, dtype=np.bool_),  # flying
        np.zeros(n, dtype=np.bool_),  # dead
        np.zeros(n, dtype=np.bool_),  # arrived
        np.full(n, np.nan),  # killed_s
        np.full(n, np.nan),  # leaked_s
        np.full(n, np.nan),  # first detected
        np.zeros(n, dtype=np.int64),  # shots
        np.full((nr, n), -np.inf),  # last seen
        next_scan,
        np.full((nu, n), -1.0),  # busy until
        np.zeros(nr, dtype=np.int64),  # channels
        np.zeros(nr, dtype=np.int64),  # guided
        a.capacity.copy(),  # rounds
        a.reserve.copy(),
        np.zeros(a.capacity.shape[:2]),  # ready
        np.full(nb, -np.inf),  # last launch
        np.zeros(len(a.missiles), dtype=np.int64),  # launched per type
        np.zeros(nu, dtype=np.int64),  # tracks per unit
        np.zeros(nu, dtype=np.int64),  # next track id per unit
    ]
    grown: tuple[Any, ...] = (
        tracks,
        np.full((nu, 64), -1, dtype=np.int64),  # threat of each track id
        np.full((nu, 64), np.nan),  # when each track id was confirmed
        np.zeros((256 if record_events else 1, 8), dtype=np.int64),
        np.zeros((256 if record_events else 1, 3)),
        np.zeros((16, 7), dtype=np.int64),
        np.zeros((16, 5)),
    )
    last = tl.n_steps
    step = 0
    while step <= last:
        b = step // BLOCK_STEPS
        end = min((b + 1) * BLOCK_STEPS, last + 1)
        if should_stop is not None:
            if should_stop(step * sc.step_s):
                raise RunStopped(f"stopped at t = {step * sc.step_s:g} s")
            end = step + 1
        block = a.block(b)
        ended, *rest = _loop.run_block(
            rng, step, end, b * BLOCK_STEPS, cfg, *a.static, *block[:3], *block[3:], *state, *grown
        )
        grown = tuple(rest)
        if ended:
            break
        step = end
    ints, flying, dead, arrived, killed_s, leaked_s, first, shots = state[:8]
    ev_i, ev_f = grown[3], grown[4]
    events = _events(w, a, ev_i[: ints[0]], ev_f[: ints[0]]) if record_events else []
    launched: dict[str, int] = {}
    for m, k in zip(a.missiles, state[17].tolist(), strict=True):
        if k:
            launched[m.id] = launched.get(m.id, 0) + k
    return _result(
        w,
        int(seq.entropy) if isinstance(seq.entropy, int) else 0,
        dead,
        arrived,
        killed_s,
        leaked_s,
        first,
        shots,
        launched,
        int(ints[2]),
        events,
    )
