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
from iadsim.sim.tracking import MissDeleter, MOfNInitiator, Predictor, Tracker
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


def _measure(
    rng: np.random.Generator, radar_xyz: FloatArray, xyz: FloatArray, sigmas: tuple[float, float, float]
) -> tuple[FloatArray, FloatArray]:
    """Noisy positions and converted-measurement covariances of targets seen from a radar (local frame).

    Range, azimuth (from north) and elevation of each target get Gaussian noise of the radar's sigmas; the
    noisy polar measurement is converted back to Cartesian, with covariance J diag(s^2) J^T at the measured
    point (Bar-Shalom, Li and Kirubarajan 2001, sec. 10.4, the standard converted measurement).
    """
    d = xyz - radar_xyz
    ground = np.hypot(d[:, 0], d[:, 1])
    r = np.hypot(ground, d[:, 2]) + rng.normal(0.0, sigmas[0], len(d))
    az = np.arctan2(d[:, 0], d[:, 1]) + rng.normal(0.0, sigmas[1], len(d))
    el = np.arctan2(d[:, 2], ground) + rng.normal(0.0, sigmas[2], len(d))
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    pos = radar_xyz + np.stack([r * ce * sa, r * ce * ca, r * se], axis=1)
    jac = np.zeros((len(d), 3, 3))
    jac[:, 0, 0], jac[:, 0, 1], jac[:, 0, 2] = ce * sa, r * ce * ca, -r * se * sa
    jac[:, 1, 0], jac[:, 1, 1], jac[:, 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
    jac[:, 2, 0], jac[:, 2, 2] = se, r * ce
    s2 = np.diag(np.square(sigmas))
    cov = jac @ s2 @ np.transpose(jac, (0, 2, 1))
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
        self.length = th.length_m()
        self.pos = np.zeros((n, 3))
        self.vel = np.zeros((n, 3))
        self.dead = np.zeros(n, dtype=bool)
        self.arrived = np.zeros(n, dtype=bool)
        self.killed_s = np.full(n, np.nan)
        self.leaked_s = np.full(n, np.nan)
        self.first_detected_s = np.full(n, np.nan)
        self.shots = np.zeros(n, dtype=np.int64)
        self.last_seen = np.full((len(world.radars), n), -np.inf)
        self.next_scan = self.rng.uniform(0.0, [r.scan_period_s for r in world.radars])
        self.events: list[Event] = []
        self.trackers = [
            Tracker(
                Predictor(TRACKER_Q_M2PS3),
                initiator=MOfNInitiator(m_hits=2, n_scans=3, velocity_std_mps=400.0),
                deleter=MissDeleter(max_misses=5),
            )
            for _ in world.units
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
        self.launched_by_type: dict[str, int] = {}
        self.intercepts = 0

    def log(self, t: float, kind: str, **kw: Any) -> None:
        if self.record:
            self.events.append(Event(round(t, 3), kind, **kw))

    # ------------------------------------------------------------------------------------------ motion
    def move(self, t: float) -> NDArray[np.bool_]:
        w, th = self.w, self.w.threats
        started = t >= th.launch_s
        s = np.clip(th.speed_mps * (t - th.launch_s), 0.0, self.length)
        for r in range(len(th.route_s)):
            idx = np.flatnonzero((th.raid == r) & started & ~self.dead & ~self.arrived)
            if idx.size == 0:
                continue
            rs = th.route_s[r]
            si = s[idx]
            x = np.interp(si, rs, th.route_x[r])
            y = np.interp(si, rs, th.route_y[r])
            alt = np.interp(si, rs, th.route_alt[r])
            agl = th.route_agl[r][np.clip(np.searchsorted(rs, si, side="right") - 1, 0, len(rs) - 1)]
            z = np.where(agl, w.ground_m(x, y) + alt, alt)
            new = np.stack([x, y, z], axis=1)
            self.vel[idx] = (new - self.pos[idx]) / max(self.w.scenario.step_s, 1e-9)
            first = t - th.launch_s[idx] < self.w.scenario.step_s
            self.vel[idx[first]] = 0.0
            self.pos[idx] = new
        arriving = started & ~self.dead & ~self.arrived & (s >= self.length)
        for i in np.flatnonzero(arriving):
            self.arrived[i] = True
            self.leaked_s[i] = t
            self.log(t, "leak", threat=int(i), detail=th.target_id[i])
        return started & ~self.dead & ~self.arrived

    # ----------------------------------------------------------------------------------------- sensing
    def scan(self, t: float, ri: int, flying: NDArray[np.bool_]) -> None:
        w = self.w
        radar = w.radars[ri]
        idx = np.flatnonzero(flying)
        k = w.scenario.coverage.k
        det_idx = np.zeros(0, dtype=np.int64)
        if idx.size:
            p = self.pos[idx]
            rows, cols, on_grid = w.cells(p[:, 0], p[:, 1])
            floor_amsl = radar.floor_agl_m[rows, cols] + w.terrain.values[rows, cols]
            with np.errstate(invalid="ignore"):
                visible = on_grid & (p[:, 2] >= floor_amsl)
            ground = np.hypot(p[:, 0] - radar.x_m, p[:, 1] - radar.y_m)
            slant = physics.slant_range_from_ground_m(ground, p[:, 2], radar.antenna_amsl_m, k)
            el = physics.elevation_angle_rad(np.maximum(slant, 1.0), p[:, 2], radar.antenna_amsl_m, k)
            m = radar.model
            ok = (
                visible
                & (slant <= m.instrumented_range_m)
                & (el >= m.min_elevation_rad)
                & (el <= m.max_elevation_rad)
            )
            pd = np.zeros(idx.size)
            th = w.threats
            for sw in np.unique(th.swerling[idx]):
                sel = ok & (th.swerling[idx] == sw)
                if sel.any():
                    snr = m.snr_db(slant[sel], th.rcs_m2[idx][sel])
                    grid, table = _pd_table(m.pfa, int(sw))
                    pd[sel] = np.interp(snr, grid, table)
            hit = self.rng.random(idx.size) < pd
            det_idx = idx[hit]
        truth = det_idx
        radar_xyz = np.array([radar.x_m, radar.y_m, radar.antenna_amsl_m])
        sigmas = (radar.sigma_range_m, radar.sigma_azimuth_rad, radar.sigma_elevation_rad)
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
        for i in det_idx:
            if self.last_seen[ri, i] == -np.inf:
                self.log(t, "detection", threat=int(i), unit=w.units[radar.unit].name, detail=radar.label)
            if np.isnan(self.first_detected_s[i]):
                self.first_detected_s[i] = t
        self.last_seen[ri, det_idx] = t
        if len(xyz):
            meas, cov = _measure(self.rng, radar_xyz, xyz, sigmas)
        else:
            meas, cov = np.zeros((0, 3)), np.zeros((0, 3, 3))
        self.update_tracks(t, ri, meas, cov, truth)

    def covers(self, ri: int, p: FloatArray) -> NDArray[np.bool_]:
        """Whether radar ``ri`` could see points ``p`` (n, 3): line of sight, range and elevation limits."""
        w, radar = self.w, self.w.radars[ri]
        rows, cols, on_grid = w.cells(p[:, 0], p[:, 1])
        floor_amsl = radar.floor_agl_m[rows, cols] + w.terrain.values[rows, cols]
        ground = np.hypot(p[:, 0] - radar.x_m, p[:, 1] - radar.y_m)
        k = w.scenario.coverage.k
        slant = physics.slant_range_from_ground_m(ground, p[:, 2], radar.antenna_amsl_m, k)
        el = physics.elevation_angle_rad(np.maximum(slant, 1.0), p[:, 2], radar.antenna_amsl_m, k)
        m = radar.model
        with np.errstate(invalid="ignore"):
            return np.asarray(
                on_grid
                & (p[:, 2] >= floor_amsl)
                & (slant <= m.instrumented_range_m)
                & (el >= m.min_elevation_rad)
                & (el <= m.max_elevation_rad)
            )

    def update_tracks(
        self, t: float, ri: int, meas: FloatArray, cov: FloatArray, truth: NDArray[np.int64]
    ) -> None:
        ui = self.w.radars[ri].unit
        result = self.trackers[ui].step(
            t, meas, cov, np.full(len(meas), ri), covered=lambda p: self.covers(ri, p)
        )
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
                self.killed_s[e.threat] = t
                self.log(t, "kill", threat=e.threat, track=e.track, battalion=bn.name, missile=e.missile.id)
                self.track_done[e.unit].add(e.track)
            sls = w.scenario.doctrine.shoot_look_shoot
            self.track_busy_until[e.unit][e.track] = t + (
                w.scenario.doctrine.kill_assessment_s if sls else 0.0
            )
        self.engagements = keep

    # ----------------------------------------------------------------------------------- fire control
    def time_to_go(self, p: FloatArray, v: FloatArray, ui: int) -> float:
        w = self.w
        if len(w.assets_xy_m) == 0:
            u = w.battalions[w.units[ui].battalions[0]] if w.units[ui].battalions else None
            targets = np.array([[u.x_m, u.y_m]]) if u else np.zeros((1, 2))
            radii = np.zeros(1)
        else:
            targets, radii = w.assets_xy_m, w.assets_radius_m
        d = np.hypot(targets[:, 0] - p[0], targets[:, 1] - p[1]) - radii
        speed = max(float(np.hypot(v[0], v[1])), 1.0)
        return float(np.min(np.maximum(d, 0.0)) / speed)

    def fire_control(self, t: float) -> None:
        w = self.w
        doctrine = w.scenario.doctrine
        for ui, unit in enumerate(w.units):
            confirmed = self.trackers[ui].confirmed_tracks
            if len(confirmed) == 0:
                continue
            candidates = []
            # tracks are as of their latest update: bring them to now along their velocity
            ages = t - confirmed.time_s
            states = confirmed.state.copy()
            states[:, :3] += confirmed.state[:, 3:] * ages[:, None]
            for tid, x in zip(confirmed.ids, states, strict=True):
                tid = int(tid)
                since = self.track_confirmed_s[ui].get(tid)
                if since is None or tid in self.track_done[ui]:
                    continue
                if t < since + unit.processing_delay_s or self.track_busy_until[ui].get(tid, -1.0) > t:
                    continue
                if any(e.track == tid and e.unit == ui for e in self.engagements):
                    continue
                candidates.append((self.time_to_go(x[:3], x[3:], ui), tid, x))
            for _, tid, x in sorted(candidates, key=lambda c: c[0]):
                self.assign(t, ui, tid, x, doctrine.salvo)

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
            choice = self.choose_missile(t, bi, bn, p, v)
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
        self, t: float, bi: int, bn: Battalion, p: FloatArray, v: FloatArray
    ) -> tuple[int, float] | None:
        """The shortest-range missile type with a round ready whose envelope holds the predicted intercept
        point (keeping long-range rounds for long-range threats), and its time of flight."""
        b = np.array([bn.x_m, bn.y_m, bn.ground_m])
        ready = self.bn_ready[bi] <= t
        order = sorted(range(len(bn.missiles)), key=lambda j: bn.missiles[j].max_range_m.value)
        speed = float(np.linalg.norm(v))
        for j in order:
            m = bn.missiles[j]
            if not np.any(ready & (self.bn_rounds[bi][:, j] > 0)):
                continue
            if m.max_target_speed_mps is not None and speed > m.max_target_speed_mps.value:
                continue
            tof = _intercept_time(p, v, b, m.average_speed_mps.value)
            if not math.isfinite(tof):
                continue
            pip = p + v * tof
            ground = math.hypot(pip[0] - b[0], pip[1] - b[1])
            agl = pip[2] - float(self.w.ground_m(np.array([pip[0]]), np.array([pip[1]]))[0])
            if (
                m.min_range_m.value <= ground <= m.max_range_m.value
                and agl >= m.min_altitude_m.value
                and (pip[2] <= m.max_altitude_m.value)
            ):
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
        n_steps = int(math.floor(sc.duration_s / sc.step_s + 1e-9))
        for step in range(n_steps + 1):
            t = step * sc.step_s
            flying = self.move(t)
            for ri, radar in enumerate(w.radars):
                while self.next_scan[ri] <= t + 1e-9:
                    self.scan(t, ri, flying)
                    self.next_scan[ri] += radar.scan_period_s
            self.resolve(t)
            self.fire_control(t)
            if not flying.any() and not self.engagements and np.all(t >= w.threats.launch_s):
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


def run(world: World, seed: int | np.random.SeedSequence, record_events: bool = True) -> RunResult:
    """One run of a world with a seed (an integer, or a ``SeedSequence`` for replications of a study):
    same seed, same events."""
    return _Run(world, seed, record_events).run()
