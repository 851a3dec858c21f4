"""Initiate: tentative tracks from detections left over, confirmed (or failed) by an M-of-N rule.

References: Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, Wiley, 2001 (BLK), ch. 5 (initialisation of state estimators); S. Blackman, R. Popoli,
*Design and Analysis of Modern Tracking Systems*, Artech House, 1999 (B&P): M-of-N track confirmation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from iadsim.errors import InputError
from iadsim.sim.tracking.associator import gate_d2
from iadsim.sim.tracking.types import POS, VEL, BoolArray, FloatArray, IntArray, TrackSet, TrackStatus


def velocity_std_for(max_speed_mps: float, gate_probability: float = 0.999) -> float:
    """Initial velocity spread (m/s per axis) with which the second detection of a target as fast as
    ``max_speed_mps`` lies on the edge of the gate: ``max_speed / sqrt(G)``, ``G`` the gate of
    ``gate_probability`` (:func:`~iadsim.sim.tracking.gate_d2`); slower targets fall inside it."""
    return float(max_speed_mps / math.sqrt(gate_d2(gate_probability)))


@dataclass(frozen=True)
class MOfNInitiator:
    """Tentative tracks from unassociated detections; confirmation after ``m_hits`` hits in ``n_scans`` scans.

    One-point initialisation (BLK ch. 5, initialisation of state estimators): the position is the detection
    with its covariance ``R``, the velocity zero with variance ``velocity_std_mps^2`` per axis (uncorrelated).
    The next detection of a target of speed ``v`` then has ``d2`` of about ``(v / velocity_std_mps)^2``, so it
    falls in a 99.9 % gate (``sqrt(G) = 4.03``) up to about 4 x ``velocity_std_mps``, 1,200 m/s by default;
    :func:`velocity_std_for` gives the spread that holds targets up to a given speed. With a spread much wider
    than the velocity error of two detections, the update with the second detection is two-point
    differencing (BLK ch. 5): velocity ``(z2 - z1) / dt``. (Chosen over a separate two-point initiator
    because it needs no second role and uses the same Kalman update.)

    M-of-N logic (B&P, track confirmation): a tentative track is confirmed as soon as ``m_hits`` of its last
    ``n_scans`` counted scans (the first detection included) were hits; it fails, and is deleted, as soon as
    that can no longer happen within its first ``n_scans`` scans.

    Attributes:
        m_hits: Hits needed (``M``).
        n_scans: Window of scans (``N``, at most 63).
        velocity_std_mps: Per-axis standard deviation of the initial velocity, m/s.
    """

    m_hits: int = 2
    n_scans: int = 3
    velocity_std_mps: float = 300.0

    def __post_init__(self) -> None:
        if not 1 <= self.m_hits <= self.n_scans <= 63:
            raise InputError(f"need 1 <= m_hits <= n_scans <= 63, got M={self.m_hits}, N={self.n_scans}")
        if not (np.isfinite(self.velocity_std_mps) and self.velocity_std_mps > 0):
            raise InputError(f"velocity_std_mps must be finite and > 0, got {self.velocity_std_mps}")

    def initiate(
        self,
        ids: IntArray,
        time_s: float,
        positions_m: FloatArray,
        covariances_m2: FloatArray,
        sensor_ids: IntArray,
        rcs_m2: ArrayLike = math.nan,
    ) -> TrackSet:
        """New tentative tracks (confirmed at once if ``m_hits == 1``), one per detection: positions
        ``(k, 3)`` (m) with covariances ``(k, 3, 3)`` (m^2), at ``time_s`` (s)."""
        k = positions_m.shape[0]
        state = np.zeros((k, 6))
        state[:, POS] = positions_m
        cov = np.zeros((k, 6, 6))
        cov[:, POS, POS] = covariances_m2
        cov[:, VEL, VEL] = self.velocity_std_mps**2 * np.eye(3)
        status = TrackStatus.CONFIRMED if self.m_hits == 1 else TrackStatus.TENTATIVE
        return TrackSet.new(ids, state, cov, time_s, status=status, sensor_id=sensor_ids, rcs_m2=rcs_m2)

    def window_hits(self, tracks: TrackSet) -> IntArray:
        """Hits in each track's last ``n_scans`` counted scans (bits 0 to ``n_scans - 1`` of its history)."""
        hits = np.zeros(len(tracks), np.int64)
        for bit in range(self.n_scans):
            hits += ((tracks.history >> np.uint64(bit)) & np.uint64(1)).astype(np.int64)
        return hits

    def confirms(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that the M-of-N rule confirms now."""
        return (tracks.status == TrackStatus.TENTATIVE) & (self.window_hits(tracks) >= self.m_hits)

    def fails(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that can no longer reach ``m_hits`` hits within their first ``n_scans`` scans."""
        remaining = np.maximum(self.n_scans - tracks.scans, 0)
        return (tracks.status == TrackStatus.TENTATIVE) & (self.window_hits(tracks) + remaining < self.m_hits)
