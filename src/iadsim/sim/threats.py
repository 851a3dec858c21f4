"""The threats of a scenario as arrays: target, raid, RCS, Swerling case, speed, launch time, and the
route each raid flies in the world's local plane."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.deployment import ThreatType
from iadsim.scenario import Scenario

FloatArray = NDArray[np.float64]


@dataclass
class Threats:
    """Every threat of every raid, as arrays; routes are polylines in the local plane (one per raid), with
    the altitude of each point above ground (``route_agl``) or above sea level."""

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
    #: per raid: the time after launch (s) at which a raid flown on a clock (a ballistic one) passes each
    #: route point, or ``None`` for a raid flown at its threats' constant speeds
    route_t: list[FloatArray | None] = field(default_factory=list)
    #: per radar band: ``(n, 3)`` RCS (m²) of each threat nose-on, beam-on and tail-on
    rcs_by_band: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Number of threats."""
        return len(self.target_id)

    def length_m(self) -> FloatArray:
        """Route length of each threat, m."""
        return np.array([self.route_s[r][-1] for r in self.raid])

    def flown_m(self, elapsed_s: ArrayLike, which: ArrayLike | None = None) -> FloatArray:
        """Distance (m) along its route each threat has flown ``elapsed_s`` after its launch: ``speed *
        elapsed`` for a raid at constant speed, the route's clock (linear between its points) for one flown
        on a clock; 0 before launch, the route's length after its end. The last axis of ``elapsed_s``
        runs over the threats (all, or those indexed by ``which``)."""
        idx = np.arange(self.count) if which is None else np.asarray(which, dtype=np.int64)
        out = np.clip(self.speed_mps[idx] * np.asarray(elapsed_s, dtype=float), 0.0, self.length_m()[idx])
        elapsed = np.broadcast_to(np.asarray(elapsed_s, dtype=float), out.shape)
        raid = self.raid[idx]
        for r, clock in enumerate(self.route_t):
            if clock is None:
                continue
            cols = np.flatnonzero(raid == r)
            if cols.size:
                out[..., cols] = np.interp(elapsed[..., cols], clock, self.route_s[r])
        return np.asarray(out)

    def clock_speeds(self) -> FloatArray:
        """Each threat's speed (m/s) with that of raids flown on a clock set to their route's length over
        its flight time (so that ``length / speed`` is the flight time)."""
        speed = np.array(self.speed_mps, dtype=float)
        for r, clock in enumerate(self.route_t):
            if clock is not None:
                speed[self.raid == r] = self.route_s[r][-1] / clock[-1]
        return speed

    def with_types(self, scenario: Scenario, types: Mapping[str, ThreatType]) -> Threats:
        """A copy with the RCS (nominal, and by band and aspect), Swerling case and speed of each threat from
        ``types`` (a raid's own speed first); the routes are shared."""
        t = copy.copy(self)
        raid_speed = [r.speed_mps for r in scenario.raids]
        t.rcs_m2 = np.array([types[tid].rcs_m2 for tid in self.target_id], dtype=float)
        t.swerling = np.array([types[tid].swerling for tid in self.target_id], dtype=np.int64)
        bands = {band for tt in types.values() for band in tt.rcs_by_band}
        t.rcs_by_band = {
            band: np.array([types[tid].rcs_by_band[band] for tid in self.target_id], dtype=float).reshape(
                -1, 3
            )
            for band in sorted(bands)
        }
        t.speed_mps = np.array(
            [raid_speed[r] or types[tid].speed_mps for r, tid in zip(self.raid, self.target_id, strict=True)],
            dtype=float,
        )
        t.speed_mps = t.clock_speeds()
        return t
