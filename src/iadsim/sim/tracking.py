"""Multi-target tracking for one fusion node: Kalman filter, GNN association, M-of-N initiation, deletion.

The tracker of a command post fusing its radars (or of one radar) in a local Cartesian frame: east, north,
up, metres. The engine converts each radar's range/azimuth/elevation plots to Cartesian positions with a
converted-measurement covariance before calling :meth:`Tracker.step`.

Roles in the manner of Stone Soup, one verb each: :class:`Predictor` (predict), :class:`Updater` (update),
:class:`GNNAssociator` (associate), :class:`MOfNInitiator` (initiate, confirm), :class:`MissDeleter` (delete),
glued together by :class:`Tracker`. Every role works on arrays over all tracks at once (a :class:`TrackSet`
is a structure of arrays), never on one Python object per track; nothing inside is random.

State per track ``[x, y, z, vx, vy, vz]`` (m, m/s) with its 6 x 6 covariance (m^2, m^2/s, m^2/s^2).
Stone Soup orders the same state ``[x, vx, y, vy, z, vz]``; :data:`STONESOUP_ORDER` maps ours to its.

References:

- Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*,
  Wiley, 2001 (BLK): the Kalman filter, its consistency (NEES, normalised innovation) and its initialisation
  (ch. 5); the continuous white-noise-acceleration ("nearly constant velocity") model (ch. 6).
- S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999 (B&P):
  gating, global nearest neighbour assignment, M-of-N track confirmation and track deletion.

Chapter-level citations only: the formulas are the standard ones, and the test suite checks them against
Stone Soup (the project's correctness reference) rather than against printed equation numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import chi2

from iadsim.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Our state index of each entry of Stone Soup's ``[x, vx, y, vy, z, vz]``: ``ours[STONESOUP_ORDER]`` is its.
STONESOUP_ORDER: tuple[int, ...] = (0, 3, 1, 4, 2, 5)

_POS = slice(0, 3)
_VEL = slice(3, 6)
_EYE3 = np.eye(3)
_EYE6 = np.eye(6)


_A = TypeVar("_A", bound=NDArray[Any])


class TrackStatus(IntEnum):
    """Status of a track (stored as ``int8`` in :attr:`TrackSet.status`)."""

    TENTATIVE = 0
    CONFIRMED = 1


def _readonly(a: _A) -> _A:
    """A read-only view (the caller's array and its flags are left alone)."""
    v = a.view()
    v.flags.writeable = False
    return v


def _popcount(bits: NDArray[np.uint64]) -> IntArray:
    """Number of set bits of each element."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(bits).astype(np.int64)
    count = np.zeros(bits.shape, dtype=np.int64)  # numpy 1.x
    for bit in range(64):
        count += ((bits >> np.uint64(bit)) & np.uint64(1)).astype(np.int64)
    return count


@dataclass(frozen=True, eq=False)
class TrackSet:
    """Tracks as a structure of arrays (``n`` tracks, one row each); a value, never modified in place.

    Attributes:
        ids: Track identities, unique within a tracker (``int64``).
        state: ``(n, 6)`` state ``[x, y, z, vx, vy, vz]`` in m and m/s (east, north, up).
        cov: ``(n, 6, 6)`` state covariance in m^2, m^2/s and m^2/s^2.
        time_s: Time of ``state`` for each track, s.
        status: :class:`TrackStatus` values (``int8``).
        hits: Detections associated with the track since it started (the first one included).
        misses: Consecutive scans without a detection (0 after a hit).
        scans: Scans counted since the track started, the first one included (scans in which the track was
            outside the sensor's coverage, see :meth:`Tracker.step`, are not counted).
        history: Hit history of the counted scans as bits, bit 0 the latest scan (``uint64``), for M-of-N.
        created_s: Time of the detection that started the track, s.
        updated_s: Time of the latest associated detection, s.
        sensor_id: Sensor of the latest associated detection (``-1`` if unknown).
    """

    ids: IntArray
    state: FloatArray
    cov: FloatArray
    time_s: FloatArray
    status: NDArray[np.int8]
    hits: IntArray
    misses: IntArray
    scans: IntArray
    history: NDArray[np.uint64]
    created_s: FloatArray
    updated_s: FloatArray
    sensor_id: IntArray

    def __post_init__(self) -> None:
        n = np.shape(self.ids)[0] if np.ndim(self.ids) == 1 else -1
        dtypes = {
            "ids": np.int64,
            "state": np.float64,
            "cov": np.float64,
            "time_s": np.float64,
            "status": np.int8,
            "hits": np.int64,
            "misses": np.int64,
            "scans": np.int64,
            "history": np.uint64,
            "created_s": np.float64,
            "updated_s": np.float64,
            "sensor_id": np.int64,
        }
        shapes = {"state": (n, 6), "cov": (n, 6, 6)}
        for f in fields(self):
            a = np.asarray(getattr(self, f.name), dtype=dtypes[f.name])
            expected = shapes.get(f.name, (n,))
            if n < 0 or a.shape != expected:
                raise InputError(f"TrackSet.{f.name} must have shape {expected}, got {a.shape}")
            object.__setattr__(self, f.name, _readonly(a))

    @classmethod
    def empty(cls) -> TrackSet:
        """A set with no tracks."""
        return cls.new(np.empty(0, np.int64), np.empty((0, 6)), np.empty((0, 6, 6)), 0.0)

    @classmethod
    def new(
        cls,
        ids: ArrayLike,
        state: ArrayLike,
        cov: ArrayLike,
        time_s: ArrayLike,
        status: TrackStatus = TrackStatus.CONFIRMED,
        sensor_id: ArrayLike = -1,
    ) -> TrackSet:
        """Tracks that start now, at ``time_s``: one hit, one scan, history ``1``."""
        ids_a = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        n = ids_a.shape[0]
        t = np.broadcast_to(np.asarray(time_s, dtype=np.float64), (n,))
        return cls(
            ids=ids_a,
            state=np.asarray(state, dtype=np.float64).reshape(n, 6),
            cov=np.asarray(cov, dtype=np.float64).reshape(n, 6, 6),
            time_s=t,
            status=np.full(n, int(status), dtype=np.int8),
            hits=np.ones(n, np.int64),
            misses=np.zeros(n, np.int64),
            scans=np.ones(n, np.int64),
            history=np.ones(n, np.uint64),
            created_s=t,
            updated_s=t,
            sensor_id=np.broadcast_to(np.asarray(sensor_id, dtype=np.int64), (n,)),
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def position_m(self) -> FloatArray:
        """``(n, 3)`` positions (east, north, up), m."""
        return self.state[:, _POS]

    @property
    def velocity_mps(self) -> FloatArray:
        """``(n, 3)`` velocities, m/s."""
        return self.state[:, _VEL]

    @property
    def confirmed(self) -> BoolArray:
        """Mask of confirmed tracks."""
        return self.status == TrackStatus.CONFIRMED

    def select(self, index: ArrayLike) -> TrackSet:
        """The tracks at ``index`` (integer indices or a boolean mask), in that order."""
        idx = np.asarray(index)
        return TrackSet(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def concat(self, other: TrackSet) -> TrackSet:
        """These tracks followed by ``other``'s."""
        return TrackSet(
            **{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)}
        )

    def index_of(self, ids: ArrayLike) -> IntArray:
        """Row of each id in ``ids`` (``-1`` where the id is not in the set)."""
        ids_a = np.asarray(ids, dtype=np.int64)
        order = np.argsort(self.ids, kind="stable")
        pos = np.searchsorted(self.ids, ids_a, sorter=order).clip(0, max(len(self) - 1, 0))
        rows = order[pos] if len(self) else np.zeros_like(ids_a)
        found = (self.ids[rows] == ids_a) if len(self) else np.zeros(ids_a.shape, bool)
        return np.where(found, rows, -1).astype(np.int64)


# --------------------------------------------------------------------------------------------------- predict


@dataclass(frozen=True)
class Predictor:
    """Nearly-constant-velocity (continuous white-noise acceleration) prediction of all tracks.

    Per axis, state ``[p, v]``: ``F = [[1, dt], [0, 1]]`` and ``Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]``
    (BLK ch. 6, continuous white-noise acceleration), the same for the three independent axes. Identical to
    Stone Soup's ``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)``, state order mapped.
    Prediction: ``x' = F x``, ``P' = F P F^T + Q`` (BLK ch. 5), evaluated by 3 x 3 blocks.

    Attributes:
        noise_diff_coeff_m2ps3: ``q``, the power spectral density of the acceleration noise per axis,
            m^2/s^3 (Stone Soup's ``noise_diff_coeff``). About ``a^2 * T`` for accelerations of size ``a``
            (m/s^2) that last about ``T`` seconds (BLK ch. 6).
    """

    noise_diff_coeff_m2ps3: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.noise_diff_coeff_m2ps3) and self.noise_diff_coeff_m2ps3 >= 0):
            raise InputError(
                f"noise_diff_coeff_m2ps3 must be finite and >= 0, got {self.noise_diff_coeff_m2ps3}"
            )

    def matrices(self, dt_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Transition ``F`` and process noise ``Q``, each ``(k, 6, 6)``, for each interval in ``dt_s``."""
        dt = np.atleast_1d(np.asarray(dt_s, dtype=np.float64))
        k = dt.shape[0]
        f = np.broadcast_to(_EYE6, (k, 6, 6)).copy()
        f[:, _POS, _VEL] = dt[:, None, None] * _EYE3
        q = self.noise_diff_coeff_m2ps3
        blocks = q * np.stack([dt**3 / 3.0, dt**2 / 2.0, dt**2 / 2.0, dt], axis=-1).reshape(k, 2, 2)
        qm = np.kron(blocks, _EYE3).astype(np.float64)
        return f, qm

    def predict_arrays(
        self, state: FloatArray, cov: FloatArray, dt_s: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Predicted ``(state (n, 6), cov (n, 6, 6))`` after ``dt_s`` (scalar or ``(n,)``, >= 0) seconds."""
        n = state.shape[0]
        dt = np.broadcast_to(np.asarray(dt_s, dtype=np.float64), (n,))
        if np.any(dt < 0) or not np.all(np.isfinite(dt)):
            raise InputError("cannot predict backwards in time (or over a non-finite interval)")
        d = dt[:, None, None]
        q = self.noise_diff_coeff_m2ps3
        x = state.copy()
        x[:, _POS] += dt[:, None] * state[:, _VEL]
        a = cov[:, _POS, _POS]
        b = cov[:, _POS, _VEL]
        bt = cov[:, _VEL, _POS]
        c = cov[:, _VEL, _VEL]
        p = np.empty_like(cov)
        bdc = b + d * c
        p[:, _POS, _POS] = a + d * bt + d * bdc + (q * d**3 / 3.0) * _EYE3
        p[:, _POS, _VEL] = bdc + (q * d**2 / 2.0) * _EYE3
        p[:, _VEL, _POS] = bt + d * c + (q * d**2 / 2.0) * _EYE3
        p[:, _VEL, _VEL] = c + (q * d) * _EYE3
        return x, p

    def predict(self, tracks: TrackSet, time_s: float) -> TrackSet:
        """All tracks predicted to ``time_s`` (s, not earlier than any track's time)."""
        x, p = self.predict_arrays(tracks.state, tracks.cov, time_s - tracks.time_s)
        return replace(tracks, state=x, cov=p, time_s=np.full(len(tracks), float(time_s)))


# ---------------------------------------------------------------------------------------------------- update


def _inv3_sym(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of symmetric 3 x 3 matrices ``(k, 3, 3)`` by the adjugate (Cramer's rule)."""
    a, b, c = s[:, 0, 0], s[:, 0, 1], s[:, 0, 2]
    d, e, f = s[:, 1, 1], s[:, 1, 2], s[:, 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = a * c00 + b * c01 + c * c02
    inv = np.stack([c00, c01, c02, c01, c11, c12, c02, c12, c22], axis=-1).reshape(-1, 3, 3)
    return inv / det[:, None, None], det


def innovations(
    state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Innovation ``nu = z - H x`` ``(k, 3)`` and its covariance ``S = H P H^T + R`` ``(k, 3, 3)``.

    ``H = [I 0]`` picks the position (BLK ch. 5); row ``i`` of every argument is one pair.
    """
    nu = positions_m - state[:, _POS]
    s = cov[:, _POS, _POS] + covariances_m2
    return nu, s


def mahalanobis_d2(nu: FloatArray, s: FloatArray) -> FloatArray:
    """Squared Mahalanobis distance ``nu^T S^-1 nu`` of innovations ``(k, 3)`` with covariances ``(k, 3, 3)``.

    For a consistent filter it is chi-square distributed with 3 degrees of freedom (BLK ch. 5).
    """
    inv, _ = _inv3_sym(s)
    return np.einsum("ki,kij,kj->k", nu, inv, nu)


@dataclass(frozen=True)
class Updater:
    """Kalman update of associated track-detection pairs, all at once.

    With ``H = [I 0]`` and ``S = H P H^T + R``: gain ``K = P H^T S^-1``, ``x+ = x + K (z - H x)``
    (BLK ch. 5). Covariance in the standard form ``P+ = P - K S K^T``,
    as Stone Soup's ``KalmanUpdater`` by default, or in the Joseph form
    ``P+ = (I - K H) P (I - K H)^T + K R K^T`` (BLK ch. 5), as with its ``use_joseph_cov=True``.
    The result is made exactly symmetric, ``(P+ + P+^T) / 2``, so that round-off does not accumulate over
    many scans (a change at the level of machine precision).

    Attributes:
        joseph: Use the Joseph form (numerically safer with a badly conditioned ``S``; costs more).
    """

    joseph: bool = False

    def update_arrays(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Updated ``(state (k, 6), cov (k, 6, 6))``; row ``i`` pairs ``state[i]`` with detection ``i``.

        ``positions_m`` is ``(k, 3)`` (m) and ``covariances_m2`` the detections' ``R``, ``(k, 3, 3)`` (m^2).
        """
        nu, s = innovations(state, cov, positions_m, covariances_m2)
        s_inv, _ = _inv3_sym(s)
        pht = cov[:, :, _POS]  # P H^T, (k, 6, 3)
        gain = pht @ s_inv  # (k, 6, 3)
        x = state + np.einsum("kij,kj->ki", gain, nu)
        if self.joseph:
            i_kh = np.broadcast_to(_EYE6, cov.shape).copy()
            i_kh[:, :, _POS] -= gain
            p = i_kh @ cov @ i_kh.transpose(0, 2, 1) + gain @ covariances_m2 @ gain.transpose(0, 2, 1)
        else:
            p = cov - gain @ s @ gain.transpose(0, 2, 1)
        p = 0.5 * (p + p.transpose(0, 2, 1))
        return x, p


# ------------------------------------------------------------------------------------------------- associate


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


def _candidate_pairs(
    track_pos: FloatArray, radius_m: FloatArray, det_pos: FloatArray
) -> tuple[IntArray, IntArray]:
    """Pairs (track, detection) closer than the track's ``radius_m`` in each coordinate (sort and sweep).

    Detections are sorted along the coordinate in which they spread most; each track takes the slice within
    its radius along it, and the other two coordinates are then checked. Cost ``O((n + m) log m + pairs)``.
    """
    axis = int(np.argmax(np.ptp(det_pos, axis=0)))
    order = np.argsort(det_pos[:, axis], kind="stable")
    key = det_pos[order, axis]
    lo = np.searchsorted(key, track_pos[:, axis] - radius_m, side="left")
    hi = np.searchsorted(key, track_pos[:, axis] + radius_m, side="right")
    counts = hi - lo
    total = int(counts.sum())
    ti = np.repeat(np.arange(track_pos.shape[0], dtype=np.int64), counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    dj = order[np.arange(total, dtype=np.int64) + starts]
    close = np.all(np.abs(det_pos[dj] - track_pos[ti]) <= radius_m[ti, None], axis=1)
    return ti[close], dj[close].astype(np.int64)


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

    Speed: candidate pairs come from a sort-and-sweep on a box around each gate (the gate ellipsoid lies in
    the ball of radius ``sqrt(G * trace(S))``), so no track-detection matrix is built; the gated pairs split
    into independent clusters (connected components), single pairs are assigned directly and only clusters
    with conflicts go to ``scipy.optimize.linear_sum_assignment``. The optimum of the whole problem is the
    union of the clusters' optima.

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
        object.__setattr__(self, "gate_d2", float(chi2.ppf(self.gate_probability, 3)))

    def gated_pairs(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """All (track row, detection row, ``d2``) with ``d2`` inside the gate."""
        n, m = state.shape[0], positions_m.shape[0]
        if n == 0 or m == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        # |nu|^2 <= d2 * lambda_max(S) <= G * (trace(HPH^T) + max trace(R)) inside the gate.
        tr_p = np.einsum("kii->k", cov[:, _POS, _POS])
        tr_r = float(np.einsum("kii->k", covariances_m2).max())
        radius = np.sqrt(self.gate_d2 * (tr_p + tr_r))
        ti, dj = _candidate_pairs(state[:, _POS], radius, positions_m)
        nu, s = innovations(state[ti], cov[ti], positions_m[dj], covariances_m2[dj])
        d2 = mahalanobis_d2(nu, s)
        inside = d2 < self.gate_d2
        return ti[inside], dj[inside], d2[inside]

    def associate(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> Association:
        """Assign detections to predicted tracks; the chosen pairs, sorted by track row.

        ``state`` ``(n, 6)`` and ``cov`` ``(n, 6, 6)`` are the predicted tracks, ``positions_m`` ``(m, 3)``
        (m) and ``covariances_m2`` ``(m, 3, 3)`` (m^2) the detections and their ``R``.
        """
        n, m = state.shape[0], positions_m.shape[0]
        ti, dj, d2 = self.gated_pairs(state, cov, positions_m, covariances_m2)
        if ti.size == 0:
            return Association(ti, dj, d2, n, m)
        cost = np.sqrt(d2) if self.cost == "distance" else d2
        miss = float(np.sqrt(self.gate_d2)) if self.cost == "distance" else self.gate_d2
        graph = coo_matrix((np.ones(ti.size), (ti, n + dj)), shape=(n + m, n + m))
        _, labels = connected_components(graph, directed=False)
        lab = labels[ti]
        pairs_per_cluster = np.bincount(lab)
        single = pairs_per_cluster[lab] == 1
        keep = [np.flatnonzero(single)]
        multi = np.flatnonzero(~single)
        if multi.size:
            multi = multi[np.argsort(lab[multi], kind="stable")]
            bounds = np.flatnonzero(np.diff(lab[multi])) + 1
            for group in np.split(multi, bounds):
                tracks, t_local = np.unique(ti[group], return_inverse=True)
                dets, d_local = np.unique(dj[group], return_inverse=True)
                nt, nd = tracks.size, dets.size
                matrix = np.full((nt, nd + nt), np.inf)
                matrix[t_local, d_local] = cost[group]
                matrix[np.arange(nt), nd + np.arange(nt)] = miss
                rows, cols = linear_sum_assignment(matrix)
                chosen = cols < nd
                lookup = np.full((nt, nd), -1, dtype=np.int64)
                lookup[t_local, d_local] = group
                keep.append(lookup[rows[chosen], cols[chosen]])
        sel = np.concatenate(keep)
        sel = sel[np.argsort(ti[sel], kind="stable")]
        return Association(ti[sel], dj[sel], d2[sel], n, m)


# ------------------------------------------------------------------------------------- initiate and delete


@dataclass(frozen=True)
class MOfNInitiator:
    """Tentative tracks from unassociated detections; confirmation after ``m_hits`` hits in ``n_scans`` scans.

    One-point initialisation (BLK ch. 5, initialisation of state estimators): the position is the detection
    with its covariance ``R``, the velocity zero with variance ``velocity_std_mps^2`` per axis (uncorrelated).
    The next detection of a target of speed ``v`` then has ``d2`` of about ``(v / velocity_std_mps)^2``, so it
    falls in a 99.9 % gate (``sqrt(G) = 4.03``) up to about 4 x ``velocity_std_mps``, 1,200 m/s by default.
    (Chosen over two-point differencing because it needs no second role and uses the same Kalman update.)

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
    ) -> TrackSet:
        """New tentative tracks (confirmed at once if ``m_hits == 1``), one per detection."""
        k = positions_m.shape[0]
        state = np.zeros((k, 6))
        state[:, _POS] = positions_m
        cov = np.zeros((k, 6, 6))
        cov[:, _POS, _POS] = covariances_m2
        cov[:, _VEL, _VEL] = self.velocity_std_mps**2 * _EYE3
        status = TrackStatus.CONFIRMED if self.m_hits == 1 else TrackStatus.TENTATIVE
        return TrackSet.new(ids, state, cov, time_s, status=status, sensor_id=sensor_ids)

    def window_hits(self, tracks: TrackSet) -> IntArray:
        """Hits in each track's last ``n_scans`` counted scans."""
        return _popcount(tracks.history & np.uint64((1 << self.n_scans) - 1))

    def confirms(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that the M-of-N rule confirms now."""
        return (tracks.status == TrackStatus.TENTATIVE) & (self.window_hits(tracks) >= self.m_hits)

    def fails(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that can no longer reach ``m_hits`` hits within their first ``n_scans`` scans."""
        remaining = np.maximum(self.n_scans - tracks.scans, 0)
        return (tracks.status == TrackStatus.TENTATIVE) & (self.window_hits(tracks) + remaining < self.m_hits)


@dataclass(frozen=True)
class MissDeleter:
    """Deletion after ``max_misses`` consecutive misses, or when the position uncertainty explodes.

    (B&P, track deletion: a count of missed scans, or a covariance too large for the track to be useful.)
    Misses are counted by :meth:`Tracker.step` only for tracks the scan covered.

    Attributes:
        max_misses: Consecutive missed scans that delete a track (``K``).
        max_position_variance_m2: Delete when ``trace`` of the position covariance exceeds this, m^2
            (``inf``: never); a track with a non-finite covariance is always deleted.
    """

    max_misses: int = 3
    max_position_variance_m2: float = float("inf")

    def __post_init__(self) -> None:
        if self.max_misses < 1:
            raise InputError(f"max_misses must be >= 1, got {self.max_misses}")
        if not self.max_position_variance_m2 > 0:
            raise InputError(f"max_position_variance_m2 must be > 0, got {self.max_position_variance_m2}")

    def deletes(self, tracks: TrackSet) -> BoolArray:
        """Mask of tracks to delete."""
        trace = np.einsum("kii->k", tracks.cov[:, _POS, _POS])
        return (
            (tracks.misses >= self.max_misses)
            | ~(trace <= self.max_position_variance_m2)
            | ~np.isfinite(trace)
        )


# ---------------------------------------------------------------------------------------------------- track


@dataclass(frozen=True, eq=False)
class TrackerStepResult:
    """What one :meth:`Tracker.step` did (arrays of track ids unless said otherwise).

    Attributes:
        time_s: Time of the scan, s.
        detection_track_ids: ``(m,)`` for each detection, the track it updated or the track it started
            (``-1``: neither, only when the tracker has no initiator).
        updated_ids: Tracks updated by a detection.
        missed_ids: Tracks counted as missed in this scan (covered but without a detection).
        new_ids: Tracks started.
        confirmed_ids: Tracks confirmed in this step (new ones included when ``m_hits == 1``).
        deleted_ids: Tracks deleted in this step (miss count, covariance, failed M-of-N).
    """

    time_s: float
    detection_track_ids: IntArray
    updated_ids: IntArray
    missed_ids: IntArray
    new_ids: IntArray
    confirmed_ids: IntArray
    deleted_ids: IntArray


def _check_detections(
    positions_m: ArrayLike, covariances_m2: ArrayLike, sensor_ids: ArrayLike | None
) -> tuple[FloatArray, FloatArray, IntArray]:
    z = np.asarray(positions_m, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 3:
        raise InputError(f"positions_m must have shape (m, 3), got {z.shape}")
    m = z.shape[0]
    r = np.asarray(covariances_m2, dtype=np.float64)
    if r.shape != (m, 3, 3):
        raise InputError(f"covariances_m2 must have shape ({m}, 3, 3), got {r.shape}")
    if not (np.all(np.isfinite(z)) and np.all(np.isfinite(r))):
        raise InputError("detections must have finite positions and covariances")
    s = np.full(m, -1, np.int64) if sensor_ids is None else np.asarray(sensor_ids, dtype=np.int64)
    if s.shape != (m,):
        raise InputError(f"sensor_ids must have shape ({m},), got {s.shape}")
    return z, r, s


@dataclass(eq=False)
class Tracker:
    """Multi-target tracker of one fusion node: predict, associate, update, confirm, delete, initiate.

    Each :meth:`step` is one scan (of one sensor, or of several merged): all tracks are predicted to its
    time; confirmed tracks are associated first, tentative tracks then with the detections left (so that a
    tentative track, whose large covariance makes every detection look close, cannot take a confirmed track's
    detection); associated pairs are updated; hit and miss counts move on; the initiator confirms or fails
    tentative tracks and the deleter removes the lost ones; detections left over start tentative tracks.
    Scans must come in time order; several at the same time (``dt = 0``, e.g. one per radar) are fine.
    Missed tracks keep their prediction (as Stone Soup's trackers append the prediction on a miss).

    Attributes:
        predictor: Motion model.
        updater: Kalman update.
        associator: Data association (gate and assignment).
        initiator: Starts and confirms tracks; ``None``: detections left over are dropped and tracks only
            come from :meth:`add_tracks`.
        deleter: Deletes lost tracks.
        first_id: Id of the first track.
    """

    predictor: Predictor
    updater: Updater = field(default_factory=Updater)
    associator: GNNAssociator = field(default_factory=GNNAssociator)
    initiator: MOfNInitiator | None = field(default_factory=MOfNInitiator)
    deleter: MissDeleter = field(default_factory=MissDeleter)
    first_id: int = 0
    _tracks: TrackSet = field(init=False, repr=False)
    _next_id: int = field(init=False, repr=False)
    _time_s: float | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._tracks = TrackSet.empty()
        self._next_id = int(self.first_id)

    @property
    def tracks(self) -> TrackSet:
        """Current tracks (tentative and confirmed), at the time of the latest step."""
        return self._tracks

    @property
    def confirmed_tracks(self) -> TrackSet:
        """Current confirmed tracks."""
        return self._tracks.select(self._tracks.confirmed)

    @property
    def time_s(self) -> float | None:
        """Time of the latest step (``None`` before the first)."""
        return self._time_s

    def _new_ids(self, k: int) -> IntArray:
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        return ids

    def add_tracks(
        self,
        state: ArrayLike,
        cov: ArrayLike,
        time_s: float,
        status: TrackStatus = TrackStatus.CONFIRMED,
        sensor_ids: ArrayLike = -1,
    ) -> IntArray:
        """Add tracks with known ``state`` ``(k, 6)`` and ``cov`` ``(k, 6, 6)`` at ``time_s``; their ids."""
        x = np.array(state, dtype=np.float64, ndmin=2)
        p = np.array(cov, dtype=np.float64, ndmin=3)
        if x.shape[1:] != (6,) or p.shape != (x.shape[0], 6, 6):
            raise InputError(f"state must be (k, 6) and cov (k, 6, 6), got {x.shape} and {p.shape}")
        if self._time_s is not None and time_s < self._time_s:
            raise InputError(f"tracks at {time_s} s are older than the tracker's time {self._time_s} s")
        ids = self._new_ids(x.shape[0])
        self._tracks = self._tracks.concat(
            TrackSet.new(ids, x, p, time_s, status=status, sensor_id=sensor_ids)
        )
        return ids

    def step(
        self,
        time_s: float,
        positions_m: ArrayLike,
        covariances_m2: ArrayLike,
        sensor_ids: ArrayLike | None = None,
        covered: Callable[[FloatArray], ArrayLike] | None = None,
    ) -> TrackerStepResult:
        """Process one scan of detections at ``time_s`` (s, not before the previous scan).

        Args:
            time_s: Time of the scan, s.
            positions_m: ``(m, 3)`` detected positions (east, north, up), m.
            covariances_m2: ``(m, 3, 3)`` their measurement covariances ``R``, m^2.
            sensor_ids: ``(m,)`` integer id of the sensor of each detection (kept on the track it updates).
            covered: Function of the tracks' predicted positions ``(n, 3)`` returning a boolean ``(n,)``:
                whether the scan could see each track. Tracks it could not see and that got no detection
                are neither missed nor counted in the M-of-N window (default: every track is covered).

        Returns:
            The detections' tracks and the ids of tracks updated, missed, started, confirmed and deleted.
        """
        t = float(time_s)
        if not np.isfinite(t):
            raise InputError(f"time_s must be finite, got {time_s}")
        if self._time_s is not None and t < self._time_s:
            raise InputError(f"scan at {t} s is earlier than the previous scan at {self._time_s} s")
        z, r, sid = _check_detections(positions_m, covariances_m2, sensor_ids)
        m = z.shape[0]

        tracks = self.predictor.predict(self._tracks, t)
        n = len(tracks)
        cover = np.ones(n, bool) if covered is None else np.asarray(covered(tracks.position_m), dtype=bool)
        if cover.shape != (n,):
            raise InputError(f"covered must return shape ({n},), got {cover.shape}")

        # Associate: confirmed tracks first, tentative tracks with the detections left.
        det_of_track = np.full(n, -1, np.int64)
        free = np.ones(m, bool)
        conf = tracks.confirmed
        for mask in (conf, ~conf):
            rows = np.flatnonzero(mask)
            cols = np.flatnonzero(free)
            if rows.size == 0 or cols.size == 0:
                continue
            a = self.associator.associate(tracks.state[rows], tracks.cov[rows], z[cols], r[cols])
            det_of_track[rows[a.track_index]] = cols[a.detection_index]
            free[cols[a.detection_index]] = False

        # Update and bookkeeping.
        hit = det_of_track >= 0
        hit_rows = np.flatnonzero(hit)
        hit_dets = det_of_track[hit_rows]
        state = tracks.state.copy()
        cov = tracks.cov.copy()
        if hit_rows.size:
            state[hit_rows], cov[hit_rows] = self.updater.update_arrays(
                tracks.state[hit_rows], tracks.cov[hit_rows], z[hit_dets], r[hit_dets]
            )
        counted = hit | cover
        missed = cover & ~hit
        one = np.uint64(1)
        history = np.where(counted, (tracks.history << one) | hit.astype(np.uint64), tracks.history)
        updated_s = tracks.updated_s.copy()
        updated_s[hit_rows] = t
        sensor = tracks.sensor_id.copy()
        sensor[hit_rows] = sid[hit_dets]
        tracks = replace(
            tracks,
            state=state,
            cov=cov,
            hits=tracks.hits + hit,
            misses=np.where(hit, 0, tracks.misses + missed),
            scans=tracks.scans + counted,
            history=history,
            updated_s=updated_s,
            sensor_id=sensor,
        )
        detection_track = np.full(m, -1, np.int64)
        detection_track[hit_dets] = tracks.ids[hit_rows]
        updated_ids = tracks.ids[hit_rows]

        # Confirm, fail, delete.
        confirmed_now = np.zeros(n, bool)
        failed = np.zeros(n, bool)
        if self.initiator is not None:
            confirmed_now = self.initiator.confirms(tracks)
            failed = self.initiator.fails(tracks) & ~confirmed_now
            status = np.where(confirmed_now, np.int8(TrackStatus.CONFIRMED), tracks.status)
            tracks = replace(tracks, status=status)
        delete = failed | self.deleter.deletes(tracks)
        confirmed_ids = tracks.ids[confirmed_now & ~delete]
        deleted_ids = tracks.ids[delete]
        result_missed = tracks.ids[missed]
        tracks = tracks.select(~delete)

        # Initiate from the detections left.
        new_ids = np.empty(0, np.int64)
        if self.initiator is not None and np.any(free):
            cols = np.flatnonzero(free)
            new_ids = self._new_ids(cols.size)
            born = self.initiator.initiate(new_ids, t, z[cols], r[cols], sid[cols])
            tracks = tracks.concat(born)
            detection_track[cols] = new_ids
            if self.initiator.m_hits == 1:
                confirmed_ids = np.concatenate([confirmed_ids, new_ids])

        self._tracks = tracks
        self._time_s = t
        return TrackerStepResult(
            time_s=t,
            detection_track_ids=_readonly(detection_track),
            updated_ids=_readonly(updated_ids),
            missed_ids=_readonly(result_missed),
            new_ids=_readonly(new_ids),
            confirmed_ids=_readonly(confirmed_ids),
            deleted_ids=_readonly(deleted_ids),
        )
