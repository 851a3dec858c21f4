"""The time-stepped engine: threats fly, radars scan, command posts track, battalions fire, interceptors
resolve. Arrays over threats; one :class:`numpy.random.Generator` per run, seeded from a ``SeedSequence``.

Each step of ``step_s`` seconds:

1. threats move along their routes (great-circle legs, altitude above ground or sea level);
2. every radar whose scan is due looks at every threat in flight: in line of sight when its height is above
   the radar's floor at its cell, inside the elevation limits and the instrumented range, detected with the
   single-look Pd of the calibrated radar equation for its RCS and Swerling case; measurements carry the
   radar's range, azimuth and elevation noise (false alarms optional);
3. each unit's command post updates its tracker with its radars' detections;
4. interceptors whose time of flight has elapsed resolve: a kill is drawn with the catalog Pk when the
   battalion's engagement radar still holds the target;
5. each command post evaluates threats (time to reach a defended asset) and assigns confirmed tracks to
   battalions that have a free fire channel, a ready launcher with a missile whose envelope contains the
   predicted intercept point, and whose reaction time and launch interval have elapsed.

Speed: what does not depend on the run (threat positions at every step, and whether each radar's geometry
lets it see each threat, with the slant range) comes from the world's :class:`~iadsim.sim.timeline.Timeline`,
computed once for all runs of a world; the per-scan work (detection draws, converted measurements, the
command posts' tracker) runs in numba kernels (:mod:`iadsim.sim._kernels`) held by tests to their numpy
references. One run of ``ankara-s400`` takes a few hundredths of a second.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iadsim import physics
from iadsim.catalog import Missile
from iadsim.sim import _kernels
from iadsim.sim.compiled import CompiledTracker, Coverage
from iadsim.sim.world import Battalion, World

FloatArray = NDArray[np.float64]

#: Acceleration noise of the trackers' nearly-constant-velocity model, m^2/s^3 (about 2 m/s^2 sustained
#: over 2.5 s: straight legs with gentle turns).
TRACKER_Q_M2PS3 = 10.0


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
    """Interceptors in the air against one track."""

    threat: int
    track: int
    unit: int
    battalion: int
    radar: int
    missile: Missile
    count: int
    launch_s: float
    intercept_s: float


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


@functools.cache
def _pd_tables(pfa: float) -> tuple[FloatArray, FloatArray]:
    """:func:`_pd_table` for Swerling cases 0 to 4, stacked ``(5, n)``, with the SNR grid."""
    grid = _pd_table(pfa, 0)[0]
    return grid, np.stack([_pd_table(pfa, sw)[1] for sw in range(5)])


@functools.cache
def _pd_table(pfa: float, swerling: int) -> tuple[FloatArray, FloatArray]:
    """Single-look Pd against SNR from -30 to 80 dB every 0.01 dB, for interpolation in the time loop
    (linear interpolation is within 1e-5 of :func:`iadsim.physics.detection_probability`)."""
    grid = np.arange(-30.0, 80.0 + 1e-9, 0.01)
    return grid, physics.detection_probability(grid, pfa, 1, swerling)


def _intercept_time(p: FloatArray, v: FloatArray, b: FloatArray, speed: float) -> float:
    """Smallest T > 0 with |p + v T - b| = speed * T (constant-velocity target, straight interceptor at
    constant average speed from b); NaN if the interceptor cannot catch the target."""
    d = p - b
    a = float(v @ v) - speed * speed
    bq = 2.0 * float(d @ v)
    c = float(d @ d)
    if abs(a) < 1e-9:
        return -c / bq if bq < 0 else math.nan
    disc = bq * bq - 4 * a * c
    if disc < 0:
        return math.nan
    roots = sorted(((-bq - math.sqrt(disc)) / (2 * a), (-bq + math.sqrt(disc)) / (2 * a)))
    positive = [r for r in roots if r > 0]
    return positive[0] if positive else math.nan


_NO_MEAS = np.zeros((0, 3))
_NO_COV = np.zeros((0, 3, 3))


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
    """State of one run over a shared :class:`World`."""

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
        self.trackers = [
            CompiledTracker(TRACKER_Q_M2PS3, m_hits=2, n_scans=3, velocity_std_mps=400.0, max_misses=5)
            for _ in world.units
        ]
        self.coverage = [self.tl.coverage(ri) for ri in range(len(world.radars))]
        self.radar_xyz = [np.array([r.x_m, r.y_m, r.antenna_amsl_m]) for r in world.radars]
        self.sigmas = [
            np.array([r.sigma_range_m, r.sigma_azimuth_rad, r.sigma_elevation_rad]) for r in world.radars
        ]
        self.track_threat: list[dict[int, int]] = [{} for _ in world.units]
        self.track_confirmed_s: list[dict[int, float]] = [{} for _ in world.units]
        self.track_busy_until: list[dict[int, float]] = [{} for _ in world.units]
        self.track_done: list[set[int]] = [set() for _ in world.units]
        self.engagements: list[Engagement] = []
        self.channels = np.zeros(len(world.radars), dtype=np.int64)
        self.guided = np.zeros(len(world.radars), dtype=np.int64)
        self.bn_rounds = [b.rounds.copy() for b in world.battalions]
        self.bn_capacity = [b.rounds.copy() for b in world.battalions]
        self.bn_reserve = [b.reserve.copy() for b in world.battalions]
        self.bn_ready = [np.zeros(len(b.rounds)) for b in world.battalions]
        self.bn_last_launch = np.full(len(world.battalions), -np.inf)
        #: missile types of each battalion, shortest maximum range first
        self.missile_order = [
            [j for _, j in sorted((m.max_range_m.value, j) for j, m in enumerate(b.missiles))]
            for b in world.battalions
        ]
        #: single-look SNR (dB) of each threat at 1 m from each radar: the radar equation scales it by R^-4
        self.snr_1m = [r.model.snr_db(1.0, th.rcs_m2) for r in world.radars]
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
        return self.flying

    # ----------------------------------------------------------------------------------------- sensing
    def scan(self, t: float, step: int, ri: int, flying: NDArray[np.bool_]) -> None:
        w = self.w
        radar = w.radars[ri]
        ok, slant = self.tl.geometry(ri, step)
        cand = np.flatnonzero(flying & ok)
        det_idx = cand
        if cand.size:
            grid, tables = _pd_tables(radar.model.pfa)
            hit = np.empty(cand.size, np.bool_)
            u = self.rng.random(cand.size)
            _kernels.detect(
                cand, self.snr_1m[ri], slant, self.swerling, grid[0], grid[1] - grid[0], tables, u, hit
            )
            det_idx = cand[hit]
        truth = det_idx
        xyz = self.pos[det_idx]
        lam = w.scenario.options.false_alarms_per_scan
        if lam > 0:
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
        if det_idx.size:
            for i in det_idx:
                if self.last_seen[ri, i] == -np.inf:
                    self.log(t, "detection", threat=int(i), unit=w.units[radar.unit].name, detail=radar.label)
                if np.isnan(self.first_detected_s[i]):
                    self.first_detected_s[i] = t
            self.last_seen[ri, det_idx] = t
        if len(xyz):
            meas, cov = _measure(self.rng, self.radar_xyz[ri], xyz, self.sigmas[ri])
        elif len(self.trackers[radar.unit]) == 0:
            return  # nothing seen and nothing tracked: the tracker has nothing to do
        else:
            meas, cov = _NO_MEAS, _NO_COV
        self.update_tracks(t, ri, meas, cov, truth)

    def update_tracks(
        self, t: float, ri: int, meas: FloatArray, cov: FloatArray, truth: NDArray[np.int64]
    ) -> None:
        ui = self.w.radars[ri].unit
        result = self.trackers[ui].step(t, meas, cov, ri, self.coverage[ri])
        mapping = self.track_threat[ui]
        for det, tid in enumerate(result.detection_track_ids):
            if tid >= 0:
                mapping[int(tid)] = int(truth[det])
        unit = self.w.units[ui].name
        for tid in result.confirmed_ids:
            self.track_confirmed_s[ui][int(tid)] = t
            self.log(t, "track_start", threat=mapping.get(int(tid), -1), track=int(tid), unit=unit)
        for tid in result.deleted_ids:
            if int(tid) in self.track_confirmed_s[ui]:
                self.log(t, "track_lost", threat=mapping.get(int(tid), -1), track=int(tid), unit=unit)
            self.track_confirmed_s[ui].pop(int(tid), None)

    # ----------------------------------------------------------------------------------- interceptors
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
            target_ok = e.threat >= 0 and not self.dead[e.threat] and not self.arrived[e.threat]
            held = target_ok and self.last_seen[e.radar, e.threat] >= t - w.scenario.options.hold_s
            pk = 0.0
            if held:
                fig = e.missile.pk.get(w.threats.target_class[e.threat])  # type: ignore[call-overload]
                pk = fig.value if fig is not None else 0.0
            killed = False
            for _ in range(e.count):
                self.intercepts += 1
                hit = held and not killed and self.rng.random() < pk
                reason = (
                    "kill"
                    if hit
                    else ("no target" if not target_ok else ("not held" if not held else "miss"))
                )
                self.log(
                    t,
                    "intercept",
                    threat=e.threat,
                    track=e.track,
                    unit=w.units[e.unit].name,
                    battalion=bn.name,
                    missile=e.missile.id,
                    detail=reason,
                )
                killed = killed or hit
            if killed:
                self.dead[e.threat] = True
                self.flying[e.threat] = False
                self.killed_s[e.threat] = t
                self.log(t, "kill", threat=e.threat, track=e.track, battalion=bn.name, missile=e.missile.id)
                self.track_done[e.unit].add(e.track)
            sls = w.scenario.doctrine.shoot_look_shoot
            self.track_busy_until[e.unit][e.track] = t + (
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
        """Whether battalion ``bi`` has a free fire channel, a missile to guide and its launch interval
        behind it (the checks of :meth:`assign` that do not depend on the track)."""
        bn = self.w.battalions[bi]
        radar = self.w.radars[bn.radar]
        return bool(
            self.channels[bn.radar] < radar.targets_engaged
            and self.guided[bn.radar] + 1 <= radar.missiles_guided
            and t >= self.bn_last_launch[bi] + bn.launch_interval_s
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
            ids, states, times = self.trackers[ui].confirmed()
            if len(ids) == 0:
                continue
            engaged = {e.track for e in self.engagements if e.unit == ui}
            confirmed_s, busy, done = (
                self.track_confirmed_s[ui],
                self.track_busy_until[ui],
                self.track_done[ui],
            )
            threat_of = self.track_threat[ui]
            rows = []
            for row, tid in enumerate(ids.tolist()):
                since = confirmed_s.get(tid)
                if since is None or tid in done or tid in engaged:
                    continue
                if t < since + unit.processing_delay_s or busy.get(tid, -1.0) > t:
                    continue
                threat = threat_of.get(tid, -1)
                if threat < 0 or all(self.last_seen[r, threat] < hold for r in radars):
                    continue  # no battalion that can fire holds it
                rows.append(row)
            if not rows:
                continue
            # tracks are as of their latest update: bring them to now along their velocity
            x = states[rows]
            x[:, :3] += x[:, 3:] * (t - times[rows])[:, None]
            ttg = self.time_to_go(x, ui)
            for k in np.argsort(ttg, kind="stable"):
                self.assign(t, ui, int(ids[rows[k]]), x[k], doctrine.salvo)

    def assign(self, t: float, ui: int, tid: int, x: FloatArray, salvo: int) -> None:
        w = self.w
        threat = self.track_threat[ui].get(tid, -1)
        p, v = x[:3], x[3:]
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
            choice = self.choose_missile(t, bi, bn, p, v, threat)
            if choice is None:
                continue
            mi, tof = choice
            missile = bn.missiles[mi]
            n = min(salvo, radar.missiles_guided - int(self.guided[bn.radar]))
            fired = self.take_rounds(t, bi, mi, n)
            if fired == 0:
                continue
            self.channels[bn.radar] += 1
            self.guided[bn.radar] += fired
            self.bn_last_launch[bi] = t
            self.engagements.append(Engagement(threat, tid, ui, bi, bn.radar, missile, fired, t, t + tof))
            self.launched_by_type[missile.id] = self.launched_by_type.get(missile.id, 0) + fired
            if threat >= 0:
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
            return

    def choose_missile(
        self, t: float, bi: int, bn: Battalion, p: FloatArray, v: FloatArray, threat: int
    ) -> tuple[int, float] | None:
        """The shortest-range missile type with a round ready whose envelope holds the predicted intercept
        point (keeping long-range rounds for long-range threats), and its time of flight."""
        b = np.array([bn.x_m, bn.y_m, bn.ground_m])
        ready = self.bn_ready[bi] <= t
        speed = math.sqrt(float(v @ v))
        cls = self.w.threats.target_class[threat] if threat >= 0 else "fighter"
        for j in self.missile_order[bi]:
            m = bn.missiles[j]
            env = m.envelope(cls)
            if env is None:
                continue
            if not np.any(ready & (self.bn_rounds[bi][:, j] > 0)):
                continue
            if m.max_target_speed_mps is not None and speed > m.max_target_speed_mps.value:
                continue
            tof = _intercept_time(p, v, b, m.average_speed_mps.value)
            if not math.isfinite(tof):
                continue
            pip = p + v * tof
            ground = math.hypot(pip[0] - b[0], pip[1] - b[1])
            in_range = env.min_range_m.value <= ground <= env.max_range_m.value
            if not (in_range and pip[2] <= env.max_altitude_m.value):
                continue
            if pip[2] - self.w.ground_at(float(pip[0]), float(pip[1])) >= env.min_altitude_m.value:
                return j, tof
        return None

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
        th = self.w.threats
        outcomes = []
        for i in range(th.count):
            outcome = "killed" if self.dead[i] else ("leaked" if self.arrived[i] else "survived")
            outcomes.append(
                {
                    "threat": i,
                    "target": th.target_id[i],
                    "raid": self.w.scenario.raids[int(th.raid[i])].name,
                    "outcome": outcome,
                    "first_detection_s": _num(self.first_detected_s[i]),
                    "killed_s": _num(self.killed_s[i]),
                    "leaked_s": _num(self.leaked_s[i]),
                    "shots": int(self.shots[i]),
                }
            )
        first: dict[str, float] = {}
        for i in range(th.count):
            ft = self.first_detected_s[i]
            if not np.isnan(ft):
                first[th.target_id[i]] = min(first.get(th.target_id[i], math.inf), float(ft))
        return RunResult(
            scenario=self.w.scenario.name,
            seed=self.seed,
            threats=th.count,
            detected=int(np.sum(~np.isnan(self.first_detected_s))),
            engaged=int(np.sum(self.shots > 0)),
            killed=int(self.dead.sum()),
            leaked=int(self.arrived.sum()),
            interceptors_launched=int(sum(self.launched_by_type.values())),
            intercepts=self.intercepts,
            interceptors_by_type=dict(sorted(self.launched_by_type.items())),
            first_detection_s=first,
            outcomes=outcomes,
            events=self.events,
        )


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def warm_up() -> None:
    """Load (or compile) the engine's numba kernels by calling each on a few values."""
    rng = np.random.default_rng(0)
    z, r = _measure(
        rng, np.zeros(3), np.array([[1e4, 2e4, 3e3], [1.2e4, 2e4, 3e3]]), np.array([50.0, 1e-3, 1e-3])
    )
    flat = np.zeros((2, 2), np.float32)
    coverage = Coverage(
        flat, flat, np.array([0.0, 1e5, 0.0, -1e5]), np.array([0, 0, 10, 8.5e6, 1e6, -0.1, 1.5])
    )
    coverage.visible(z)
    tracker = CompiledTracker(TRACKER_Q_M2PS3)
    for t in (0.0, 1.0, 2.0):
        tracker.step(t, z, r, 0, coverage)
    grid, tables = _pd_tables(1e-6)
    cand = np.arange(2)
    hit = np.empty(2, bool)
    _kernels.detect(
        cand,
        np.full(2, 200.0),
        np.full(2, 1e5),
        cand,
        grid[0],
        grid[1] - grid[0],
        tables,
        np.full(2, 0.5),
        hit,
    )


def run(world: World, seed: int | np.random.SeedSequence, record_events: bool = True) -> RunResult:
    """One run of a world with a seed (an integer, or a ``SeedSequence`` for replications of a study):
    same seed, same events."""
    return _Run(world, seed, record_events).run()
