"""Associate: gating on the Mahalanobis distance and global nearest neighbour assignment.

References: Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, Wiley, 2001 (BLK), ch. 5 (the innovation and its chi-square distance); S. Blackman,
R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999 (B&P): gating and global
nearest neighbour assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import gammaincinv

from iadsim.errors import InputError
from iadsim.sim.tracking.types import POS, FloatArray, IntArray
from iadsim.sim.tracking.updater import innovations, mahalanobis_d2


def gate_d2(probability: float) -> float:
    """Gate on ``d2 = nu^T S^-1 nu`` that holds a track's own detection (3 coordinates) with ``probability``:
    the chi-square quantile with 3 degrees of freedom, ``2 P^-1(3/2, p)`` with ``P`` the regularised lower
    incomplete gamma function (as ``scipy.stats.chi2.ppf(p, 3)`` evaluates it)."""
    return 2.0 * float(gammaincinv(1.5, probability))


@dataclass(frozen=True, eq=False)
class Association:
    """Track-detection pairs chosen by an associator (indices into its inputs).

    Attributes:
        track_index: ``(k,)`` row of the track in each pair.
        detection_index: ``(k,)`` row of the detection in each pair.
        d2: ``(k,)`` squared Mahalanobis distance of each pair (dimensionless).
        n_tracks: Number of tracks given to the associator.
        n_detections: Number of detections given to it.
    """

    track_index: IntArray
    detection_index: IntArray
    d2: FloatArray
    n_tracks: int
    n_detections: int

    def track_of_detection(self) -> IntArray:
        """``(n_detections,)`` track row of each detection, ``-1`` if unassociated."""
        out = np.full(self.n_detections, -1, dtype=np.int64)
        out[self.detection_index] = self.track_index
        return out

    def detection_of_track(self) -> IntArray:
        """``(n_tracks,)`` detection row of each track, ``-1`` if it got none."""
        out = np.full(self.n_tracks, -1, dtype=np.int64)
        out[self.track_index] = self.detection_index
        return out


def candidate_pairs(
    track_pos: FloatArray, radius_m: FloatArray, det_pos: FloatArray
) -> tuple[IntArray, IntArray]:
    """Pairs (track row, detection row) closer than the track's ``radius_m`` (m) in each coordinate, sorted
    by track row (sort and sweep).

    Detections are sorted along the coordinate in which they spread most; each track takes the slice within
    its radius along it (two binary searches), and the other two coordinates are then checked. Cost
    ``O((n + m) log m + pairs)``, where testing every track against every detection costs ``O(n m)``.
    """
    axis = int(np.ptp(det_pos, axis=0).argmax())
    order = det_pos[:, axis].argsort(kind="stable")
    key = det_pos[order, axis]
    lo = key.searchsorted(track_pos[:, axis] - radius_m, side="left")
    hi = key.searchsorted(track_pos[:, axis] + radius_m, side="right")
    # Track i takes the detections at places lo[i], ..., hi[i] - 1 of the sorted order.
    counts = hi - lo
    ti = np.repeat(np.arange(track_pos.shape[0], dtype=np.int64), counts)
    place = np.arange(counts.sum(), dtype=np.int64) - np.repeat(counts.cumsum() - counts - lo, counts)
    dj = order[place].astype(np.int64)
    close = np.all(np.abs(det_pos[dj] - track_pos[ti]) <= radius_m[ti, None], axis=1)
    return ti[close], dj[close]


@dataclass(frozen=True)
class GNNAssociator:
    """Global nearest neighbour: the one-to-one assignment of minimum total distance within the gates.

    A pair is admissible when its squared Mahalanobis distance ``d2 = nu^T S^-1 nu`` is below the gate
    ``G = chi2.ppf(gate_probability, 3)``: the track's own detection, whose ``d2`` is chi-square with 3
    degrees of freedom, falls inside with that probability (BLK ch. 5; B&P on gating). The assignment
    minimises the total cost; a track left without a detection costs the gate (``sqrt(G)``, or ``G`` for
    ``cost="squared"``), the non-assignment cost of B&P's GNN. This is exactly Stone Soup's
    ``GNNWith2DAssignment`` over a ``DistanceHypothesiser(measure=Mahalanobis(), missed_distance=sqrt(G))``
    for ``cost="distance"`` (the default).

    Gating looks only at the pairs inside a box around each gate (the gate ellipsoid lies in the ball of
    radius ``sqrt(G * trace(S))``), found by a sort and sweep (:func:`candidate_pairs`), so that no
    track-by-detection matrix is built; the assignment (``scipy.optimize.linear_sum_assignment``) is over
    the tracks and detections with at least one admissible pair, each track with its own non-assignment
    column.

    Attributes:
        gate_probability: Probability that a track's own detection lies inside its gate.
        cost: ``"distance"`` (Mahalanobis distance ``d``, as Stone Soup) or ``"squared"`` (``d2``).
    """

    gate_probability: float = 0.999
    cost: Literal["distance", "squared"] = "distance"
    gate_d2: float = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.gate_probability < 1.0:
            raise InputError(
                f"gate_probability must lie strictly between 0 and 1, got {self.gate_probability}"
            )
        if self.cost not in ("distance", "squared"):
            raise InputError(f"cost must be 'distance' or 'squared', got {self.cost!r}")
        object.__setattr__(self, "gate_d2", gate_d2(self.gate_probability))

    def gated_pairs(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """All (track row, detection row, ``d2``) with ``d2`` inside the gate, sorted by track row.

        ``state`` ``(n, 6)`` and ``cov`` ``(n, 6, 6)`` are the predicted tracks, ``positions_m`` ``(m, 3)``
        (m) and ``covariances_m2`` ``(m, 3, 3)`` (m^2) the detections and their ``R``.
        """
        if state.shape[0] == 0 or positions_m.shape[0] == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        # Inside the gate, |nu|^2 <= d2 * lambda_max(S) <= G * (trace(H P H^T) + max trace(R)).
        tr_p = np.einsum("kii->k", cov[:, POS, POS])
        tr_r = float(np.einsum("kii->k", covariances_m2).max())
        radius = np.sqrt(self.gate_d2 * (tr_p + tr_r))
        ti, dj = candidate_pairs(state[:, POS], radius, positions_m)
        nu, s = innovations(state[ti], cov[ti], positions_m[dj], covariances_m2[dj])
        d2 = mahalanobis_d2(nu, s)
        inside = d2 < self.gate_d2
        return ti[inside], dj[inside], d2[inside]

    def associate(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> Association:
        """Assign detections to predicted tracks (arguments as :meth:`gated_pairs`); the chosen pairs,
        sorted by track row."""
        n, m = state.shape[0], positions_m.shape[0]
        ti, dj, d2 = self.gated_pairs(state, cov, positions_m, covariances_m2)
        if ti.size == 0:
            return Association(ti, dj, d2, n, m)
        # Rows: the tracks with an admissible pair; columns: their detections, then one miss column each.
        tracks, t_local = np.unique(ti, return_inverse=True)
        dets, d_local = np.unique(dj, return_inverse=True)
        nt, nd = tracks.size, dets.size
        cost = np.full((nt, nd + nt), np.inf)
        cost[t_local, d_local] = np.sqrt(d2) if self.cost == "distance" else d2
        cost[np.arange(nt), nd + np.arange(nt)] = (
            math.sqrt(self.gate_d2) if self.cost == "distance" else self.gate_d2
        )
        rows, cols = linear_sum_assignment(cost)
        chosen = cols < nd
        pair = np.full((nt, nd), -1, np.int64)
        pair[t_local, d_local] = np.arange(ti.size)
        sel = np.sort(pair[rows[chosen], cols[chosen]])  # (pairs are sorted by track row)
        return Association(ti[sel], dj[sel], d2[sel], n, m)
