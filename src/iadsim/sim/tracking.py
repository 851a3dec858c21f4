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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from typing import Any, Literal, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaincinv

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


# As numpy scalars: comparing an array with an IntEnum member costs several times more.
_TENTATIVE = np.int8(TrackStatus.TENTATIVE)
_CONFIRMED = np.int8(TrackStatus.CONFIRMED)
_ONE_U64 = np.uint64(1)


def _readonly(a: _A) -> _A:
    """A read-only view (the caller's array and its flags are left alone)."""
    v = a.view()
    v.setflags(write=False)
    return v


def _frozen(a: _A) -> _A:
    """``a`` itself if it is read-only already, else a read-only view of it."""
    return _readonly(a) if a.flags.writeable else a


def _popcount(bits: NDArray[np.uint64]) -> IntArray:
    """Number of set bits of each element."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(bits).astype(np.int64)
    count = np.zeros(bits.shape, dtype=np.int64)  # numpy 1.x
    for bit in range(64):
        count += ((bits >> np.uint64(bit)) & np.uint64(1)).astype(np.int64)
    return count


#: The fields of a :class:`TrackSet` and their dtypes, in order.
_TRACKSET_DTYPES: tuple[tuple[str, type[np.generic]], ...] = (
    ("ids", np.int64),
    ("state", np.float64),
    ("cov", np.float64),
    ("time_s", np.float64),
    ("status", np.int8),
    ("hits", np.int64),
    ("misses", np.int64),
    ("scans", np.int64),
    ("history", np.uint64),
    ("created_s", np.float64),
    ("updated_s", np.float64),
    ("sensor_id", np.int64),
    ("rcs_m2", np.float64),
)


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
        rcs_m2: Radar cross-section of the target as its detections give it, m² (NaN: unknown, as for a
            track started on a false alarm); it decides where a missed scan counts (:meth:`Tracker.step`).
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
    rcs_m2: FloatArray

    def __post_init__(self) -> None:
        n = np.shape(self.ids)[0] if np.ndim(self.ids) == 1 else -1
        shapes = {"state": (n, 6), "cov": (n, 6, 6)}
        for name, dtype in _TRACKSET_DTYPES:
            a = np.asarray(getattr(self, name), dtype=dtype)
            expected = shapes.get(name, (n,))
            if n < 0 or a.shape != expected:
                raise InputError(f"TrackSet.{name} must have shape {expected}, got {a.shape}")
            object.__setattr__(self, name, _readonly(a))

    @classmethod
    def _trusted(cls, **arrays: NDArray[Any]) -> TrackSet:
        """A set from all twelve arrays, already of the right dtypes and shapes: no checks, no copies.

        For arrays this module made itself; writeable ones are wrapped in read-only views.
        """
        tracks = object.__new__(cls)
        attrs = tracks.__dict__
        for name, a in arrays.items():
            attrs[name] = _frozen(a)
        return tracks

    def _with(self, **changes: NDArray[Any]) -> TrackSet:
        """A copy with some arrays replaced (the others shared), without checks: see :meth:`_trusted`."""
        tracks = object.__new__(TrackSet)
        attrs = tracks.__dict__
        attrs.update(self.__dict__)
        for name, a in changes.items():
            if a.flags.writeable:
                a = a.view()
                a.setflags(write=False)
            attrs[name] = a
        return tracks

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
        rcs_m2: ArrayLike = math.nan,
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
            rcs_m2=np.broadcast_to(np.asarray(rcs_m2, dtype=np.float64), (n,)),
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
        return self.status == _CONFIRMED

    def select(self, index: ArrayLike) -> TrackSet:
        """The tracks at ``index`` (integer indices or a boolean mask), in that order."""
        idx = np.asarray(index)
        if idx.ndim == 1:  # the result is a valid set: no need to check it
            return TrackSet._trusted(**{name: getattr(self, name)[idx] for name, _ in _TRACKSET_DTYPES})
        return TrackSet(**{name: getattr(self, name)[idx] for name, _ in _TRACKSET_DTYPES})

    def concat(self, other: TrackSet) -> TrackSet:
        """These tracks followed by ``other``'s."""
        make = TrackSet._trusted if isinstance(other, TrackSet) else TrackSet
        return make(
            **{
                name: np.concatenate([getattr(self, name), getattr(other, name)])
                for name, _ in _TRACKSET_DTYPES
            }
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


def _process_noise(q: float, d: FloatArray) -> FloatArray:
    """``Q`` ``(k, 6, 6)`` for intervals ``d`` ``(k, 1, 1)``: ``q dt^3/3``, ``q dt^2/2``, ``q dt`` blocks."""
    qm = np.empty((d.shape[0], 6, 6))
    qm[:, _POS, _POS] = (q * d**3 / 3.0) * _EYE3
    q2 = (q * d**2 / 2.0) * _EYE3
    qm[:, _POS, _VEL] = q2
    qm[:, _VEL, _POS] = q2
    qm[:, _VEL, _VEL] = (q * d) * _EYE3
    return qm


@lru_cache(maxsize=64)
def _process_noise_one(q: float, dt_s: float) -> FloatArray:
    """``Q`` for one interval as a read-only column ``(36, 1)``, the bits :func:`_process_noise` gives.

    (Evaluated as a one-element array, not in Python floats, whose ``**`` may round differently.)
    """
    return _readonly(_process_noise(q, np.full((1, 1, 1), dt_s)).reshape(36, 1))


@dataclass(frozen=True)
class Predictor:
    """Nearly-constant-velocity (continuous white-noise acceleration) prediction of all tracks.

    Per axis, state ``[p, v]``: ``F = [[1, dt], [0, 1]]`` and ``Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]``
    (BLK ch. 6, continuous white-noise acceleration), the same for the three independent axes. Identical to
    Stone Soup's ``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)``, state order mapped.
    Prediction: ``x' = F x``, ``P' = F P F^T + Q`` (BLK ch. 5), evaluated by 3 x 3 blocks (see
    :meth:`predict_arrays`).

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
        """Predicted ``(state (n, 6), cov (n, 6, 6))`` after ``dt_s`` (scalar or ``(n,)``, >= 0) seconds.

        With blocks ``P = [[A, B], [B', C]]`` (position, velocity) and ``d = dt``:
        ``F P F^T = [[A + d B' + d (B + d C), B + d C], [B' + d C, C]]``, evaluated as a row operation
        (position rows += ``d`` x velocity rows) then a column operation, on a copy of ``P`` laid out entry
        by track (``(36, n)``, so that each operation runs over contiguous memory). A scalar ``dt_s`` (one
        interval for all tracks) is the same arithmetic with ``Q`` computed once.
        """
        n = state.shape[0]
        dt = np.asarray(dt_s, dtype=np.float64)
        q = self.noise_diff_coeff_m2ps3
        d: float | FloatArray  # the interval of each track, along the last axis
        if dt.ndim == 0:
            d = float(dt)
            if not (d >= 0.0 and math.isfinite(d)):
                raise InputError("cannot predict backwards in time (or over a non-finite interval)")
            if math.copysign(1.0, d) > 0 and math.copysign(1.0, q) > 0:  # (cache keys: -0.0 == 0.0)
                qm = _process_noise_one(float(q), d)
            else:
                qm = _process_noise(q, dt.reshape(1, 1, 1)).reshape(36, 1)
            dx: float | FloatArray = d
        else:
            d = np.broadcast_to(dt, (n,))
            if np.any(d < 0) or not np.all(np.isfinite(d)):
                raise InputError("cannot predict backwards in time (or over a non-finite interval)")
            qm = _process_noise(q, d[:, None, None]).reshape(n, 36).T
            dx = d[:, None]
        x = state.copy()
        x[:, _POS] += dx * state[:, _VEL]
        pt = cov.reshape(n, 36).T.copy()  # entry (i, j) of every track in row 6 i + j
        pt[:18] += d * pt[18:]  # position rows
        by_column = pt.reshape(6, 2, 3, n)
        by_column[:, 0] += d * by_column[:, 1]  # position columns
        pt += qm
        return x, pt.T.copy().reshape(n, 6, 6)

    def predict(self, tracks: TrackSet, time_s: float) -> TrackSet:
        """All tracks predicted to ``time_s`` (s, not earlier than any track's time)."""
        x, p = self.predict_arrays(tracks.state, tracks.cov, time_s - tracks.time_s)
        return tracks._with(state=x, cov=p, time_s=np.full(len(tracks), float(time_s)))


# ---------------------------------------------------------------------------------------------------- update


# With the upper triangle of a symmetric S (flat indices) a = 0, b = 1, c = 2, d = 4, e = 5, f = 8, the
# cofactors [c00, c01, c02, c11, c12, c22] = [d f - e e, c e - b f, b e - c d, a f - c c, b c - a e,
# a d - b b] are L1 * R1 - L2 * R2 with L1, R1, L2, R2 the first four groups of six entries below; the last
# three are a, b, c (for the determinant). The adjugate is cofactors[_ADJ].
_COFACTOR_OPERANDS = np.array(
    [4, 2, 1, 0, 1, 0]  # L1
    + [8, 5, 5, 8, 2, 4]  # R1
    + [5, 1, 2, 2, 0, 1]  # L2
    + [5, 8, 4, 2, 5, 1]  # R2
    + [0, 1, 2]  # a, b, c
)
_ADJ = np.array([0, 1, 2, 1, 3, 4, 2, 4, 5])


def _inv3_sym(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of symmetric 3 x 3 matrices ``(k, 3, 3)`` by the adjugate (Cramer's rule).

    ``c00 = d f - e e``, ... and ``det = (a c00 + b c01) + c c02`` for ``S = [[a, b, c], [b, d, e],
    [c, e, f]]``; the operands are gathered once, entry by matrix (``(27, k)``), so that each operation runs
    over contiguous memory. The inverse is C-contiguous.
    """
    k = s.shape[0]
    g = s.reshape(k, 9).T[_COFACTOR_OPERANDS]
    cof = g[0:6] * g[6:12] - g[12:18] * g[18:24]
    det = (g[24:27] * cof[0:3]).sum(axis=0)  # (row by row, in order)
    inv = np.empty((k, 9))
    np.divide(cof[_ADJ].T, det[:, None], out=inv)
    return inv.reshape(k, 3, 3), det


def innovations(
    state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Innovation ``nu = z - H x`` ``(k, 3)`` and its covariance ``S = H P H^T + R`` ``(k, 3, 3)``.

    ``H = [I 0]`` picks the position (BLK ch. 5); row ``i`` of every argument is one pair.
    """
    nu = positions_m - state[:, _POS]
    s = cov[:, _POS, _POS] + covariances_m2
    return nu, s


class _Innovations(NamedTuple):
    """Innovations of track-detection pairs: ``nu`` ``(k, 3)``, ``S`` and ``S^-1`` ``(k, 3, 3)``."""

    nu: FloatArray
    s: FloatArray
    s_inv: FloatArray

    def take(self, index: IntArray) -> _Innovations:
        """The pairs at ``index``."""
        return _Innovations(self.nu[index], self.s[index], self.s_inv[index])


_EMPTY_IDS: IntArray = _readonly(np.empty(0, np.int64))
_EMPTY_F: FloatArray = _readonly(np.empty(0))
_EMPTY_3x3: FloatArray = _readonly(np.empty((0, 3, 3)))
_NO_PAIRS = (
    _EMPTY_IDS,
    _EMPTY_IDS,
    _EMPTY_F,
    _Innovations(_readonly(np.empty((0, 3))), _EMPTY_3x3, _EMPTY_3x3),
    None,
)


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
        return self._update(state, cov, _Innovations(nu, s, s_inv), covariances_m2)

    def _update(
        self, state: FloatArray, cov: FloatArray, innov: _Innovations, covariances_m2: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`update_arrays` with the pairs' innovations already known (the gate computed them)."""
        nu, s, s_inv = innov
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


#: Up to this many track-detection combinations, :func:`_candidate_pairs` tests the slice on all at once.
_ALL_PAIRS_MAX = 4096


def _candidate_pairs(
    track_pos: FloatArray, radius_m: FloatArray, det_pos: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs (track, detection) closer than the track's ``radius_m`` in each coordinate (sort and sweep).

    Detections are sorted along the coordinate in which they spread most; each track takes the slice within
    its radius along it, and the other two coordinates are then checked. Cost ``O((n + m) log m + pairs)``.
    Pairs come sorted by track, then by the detection's place in that order. For few tracks and detections
    the slice (``key >= x - radius`` and ``key <= x + radius``) is tested on all combinations at once,
    which gives the same pairs in the same order with fewer operations.

    Returns the track rows, the detection rows and the differences ``det_pos - track_pos`` of the pairs.
    """
    n, m = track_pos.shape[0], det_pos.shape[0]
    if m == 1:
        axis, order = 0, np.zeros(1, np.int64)
    else:
        axis = int((det_pos.max(axis=0) - det_pos.min(axis=0)).argmax())
        order = det_pos[:, axis].argsort(kind="stable")
    key = det_pos[order, axis]
    centre = track_pos[:, axis]
    if n * m <= _ALL_PAIRS_MAX:
        in_slice = (key >= (centre - radius_m)[:, None]) & (key <= (centre + radius_m)[:, None])
        ti, place = in_slice.nonzero()
        dj = order[place]
    else:
        lo = key.searchsorted(centre - radius_m, side="left")
        hi = key.searchsorted(centre + radius_m, side="right")
        counts = hi - lo
        total = int(counts.sum())
        ti = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.repeat(lo - (counts.cumsum() - counts), counts)
        dj = order[np.arange(total, dtype=np.int64) + starts]
    diff = det_pos[dj] - track_pos[ti]
    close = np.logical_and.reduce(np.abs(diff) <= radius_m[ti][:, None], axis=1)
    if np.count_nonzero(close) == close.size:
        return ti, dj.astype(np.int64, copy=False), diff
    return ti[close], dj[close].astype(np.int64, copy=False), diff[close]


#: Up to this many pairs in conflict, clusters come from a union-find in Python (cheaper than building a
#: sparse graph for scipy's connected components when there are few).
_UNION_FIND_MAX_PAIRS = 256


def _clusters(ti: IntArray, dj: IntArray, n: int, m: int) -> list[IntArray]:
    """The connected components of the bipartite graph of pairs ``(ti, dj)``, as lists of pair indices.

    Each component's pair indices are in increasing order; the components come in no particular order.
    """
    if ti.size <= _UNION_FIND_MAX_PAIRS:
        parent: dict[int, int] = {}

        def root(node: int) -> int:
            while (up := parent.get(node, node)) != node:
                grand = parent.get(up, up)
                parent[node] = grand  # path halving
                node = grand
            return node

        tracks = ti.tolist()
        for t, d in zip(tracks, (dj + n).tolist(), strict=True):
            rt, rd = root(t), root(d)
            if rt != rd:
                parent[rt] = rd
        labels = np.array([root(t) for t in tracks], dtype=np.int64)
    else:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix((np.ones(ti.size), (ti, n + dj)), shape=(n + m, n + m))
        labels = connected_components(graph, directed=False)[1][ti]
    order = labels.argsort(kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, bounds)


def gate_d2(probability: float) -> float:
    """Gate on ``d2 = nu^T S^-1 nu`` that holds a track's own detection (3 coordinates) with ``probability``:
    the chi-square quantile with 3 degrees of freedom, ``2 P^-1(3/2, p)`` with ``P`` the regularised lower
    incomplete gamma function (as ``scipy.stats.chi2.ppf(p, 3)`` evaluates it)."""
    return 2.0 * float(gammaincinv(1.5, probability))


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
    the ball of radius ``sqrt(G * trace(S))``), so no track-detection matrix is built (but for a boolean one
    when there are few tracks and detections); the gated pairs split into independent clusters (connected
    components), single pairs are assigned directly and only clusters with conflicts go to
    ``scipy.optimize.linear_sum_assignment``. The optimum of the whole problem is the union of the clusters'
    optima. Without any conflict, the usual case, the gated pairs are the answer; the pairs in conflict are
    clustered by a union-find, or by scipy's connected components when there are many.

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
        """All (track row, detection row, ``d2``) with ``d2`` inside the gate, sorted by track row."""
        ti, dj, d2, _, _ = self._gate(state, cov, positions_m, covariances_m2)
        return ti, dj, d2

    def _gate(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray, _Innovations, IntArray | None]:
        """:meth:`gated_pairs`, and the innovations of the candidate pairs with the row of each gated pair
        among them (``None``: every candidate is inside the gate, in the same order)."""
        n, m = state.shape[0], positions_m.shape[0]
        if n == 0 or m == 0:
            return _NO_PAIRS
        # |nu|^2 <= d2 * lambda_max(S) <= G * (trace(HPH^T) + max trace(R)) inside the gate.
        tr_p = np.einsum("kii->k", cov[:, _POS, _POS])
        tr_r = float(np.maximum.reduce(np.einsum("kii->k", covariances_m2)))
        radius = np.sqrt(self.gate_d2 * (tr_p + tr_r))
        ti, dj, nu = _candidate_pairs(state[:, _POS], radius, positions_m)
        if ti.size == 0:
            return _NO_PAIRS
        s = cov[ti, _POS, _POS] + covariances_m2[dj]  # innovations(): nu = z - H x, S = H P H^T + R
        s_inv, _ = _inv3_sym(s)
        d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)  # mahalanobis_d2(nu, s), keeping S^-1
        innov = _Innovations(nu, s, s_inv)
        inside = d2 < self.gate_d2
        if np.count_nonzero(inside) == inside.size:
            return ti, dj, d2, innov, None
        rows = inside.nonzero()[0]
        return ti[rows], dj[rows], d2[rows], innov, rows

    def associate(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> Association:
        """Assign detections to predicted tracks; the chosen pairs, sorted by track row.

        ``state`` ``(n, 6)`` and ``cov`` ``(n, 6, 6)`` are the predicted tracks, ``positions_m`` ``(m, 3)``
        (m) and ``covariances_m2`` ``(m, 3, 3)`` (m^2) the detections and their ``R``.
        """
        return self._associate(state, cov, positions_m, covariances_m2)[0]

    def _associate(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[Association, _Innovations | None, IntArray | None]:
        """:meth:`associate`, and what the gate computed on the way: the innovations of the candidate pairs
        and the row of each chosen pair among them (``None``: all of them, in order). No innovations when a
        subclass has its own :meth:`gated_pairs`."""
        n, m = state.shape[0], positions_m.shape[0]
        innov: _Innovations | None = None
        gated: IntArray | None = None
        if type(self).gated_pairs is GNNAssociator.gated_pairs:
            ti, dj, d2, innov, gated = self._gate(state, cov, positions_m, covariances_m2)
        else:
            ti, dj, d2 = self.gated_pairs(state, cov, positions_m, covariances_m2)
            by_track = np.argsort(ti, kind="stable")  # (as ours are)
            ti, dj, d2 = ti[by_track], dj[by_track], d2[by_track]
        k = ti.size
        if k <= 1 or (k <= 64 and len(set(dj.tolist())) == k and len(set(ti.tolist())) == k):
            # No conflict: the gated pairs (sorted by track row).
            return Association(ti, dj, d2, n, m), innov, gated
        pairs_of_track = np.bincount(ti, minlength=n)
        pairs_of_detection = np.bincount(dj, minlength=m)
        if pairs_of_track.max() == 1 and pairs_of_detection.max() == 1:
            return Association(ti, dj, d2, n, m), innov, gated
        cost = np.sqrt(d2) if self.cost == "distance" else d2
        miss = float(np.sqrt(self.gate_d2)) if self.cost == "distance" else self.gate_d2
        # A pair is a cluster of its own when neither its track nor its detection is in another pair.
        single = (pairs_of_track[ti] == 1) & (pairs_of_detection[dj] == 1)
        keep = [np.flatnonzero(single)]
        multi = np.flatnonzero(~single)
        if multi.size:
            for cluster in _clusters(ti[multi], dj[multi], n, m):
                group = multi[cluster]
                tracks, t_local = np.unique(ti[group], return_inverse=True)
                dets, d_local = np.unique(dj[group], return_inverse=True)
                nt, nd = tracks.size, dets.size
                matrix = np.full((nt, nd + nt), np.inf)
                matrix[t_local, d_local] = cost[group]
                matrix[np.arange(nt), nd + np.arange(nt)] = miss
                from scipy.optimize import linear_sum_assignment

                rows, cols = linear_sum_assignment(matrix)
                chosen = cols < nd
                lookup = np.full((nt, nd), -1, dtype=np.int64)
                lookup[t_local, d_local] = group
                keep.append(lookup[rows[chosen], cols[chosen]])
        sel = np.concatenate(keep)
        sel = sel[np.argsort(ti[sel], kind="stable")]
        return Association(ti[sel], dj[sel], d2[sel], n, m), innov, sel if gated is None else gated[sel]


# ------------------------------------------------------------------------------------- initiate and delete


def velocity_std_for(max_speed_mps: float, gate_probability: float = 0.999) -> float:
    """Initial velocity spread (m/s per axis) with which the second detection of a target as fast as
    ``max_speed_mps`` lies on the edge of the gate: ``max_speed / sqrt(G)``, ``G`` the gate of
    ``gate_probability`` (:func:`gate_d2`); slower targets fall inside it."""
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
        """New tentative tracks (confirmed at once if ``m_hits == 1``), one per detection."""
        k = positions_m.shape[0]
        state = np.zeros((k, 6))
        state[:, _POS] = positions_m
        cov = np.zeros((k, 6, 6))
        cov[:, _POS, _POS] = covariances_m2
        cov[:, _VEL, _VEL] = self.velocity_std_mps**2 * _EYE3
        status = TrackStatus.CONFIRMED if self.m_hits == 1 else TrackStatus.TENTATIVE
        return TrackSet.new(ids, state, cov, time_s, status=status, sensor_id=sensor_ids, rcs_m2=rcs_m2)

    def window_hits(self, tracks: TrackSet) -> IntArray:
        """Hits in each track's last ``n_scans`` counted scans."""
        return _popcount(tracks.history & np.uint64((1 << self.n_scans) - 1))

    def confirms(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that the M-of-N rule confirms now."""
        return (tracks.status == _TENTATIVE) & (self.window_hits(tracks) >= self.m_hits)

    def fails(self, tracks: TrackSet) -> BoolArray:
        """Tentative tracks that can no longer reach ``m_hits`` hits within their first ``n_scans`` scans."""
        remaining = np.maximum(self.n_scans - tracks.scans, 0)
        return (tracks.status == _TENTATIVE) & (self.window_hits(tracks) + remaining < self.m_hits)


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
        lost = tracks.misses >= self.max_misses
        lost |= ~np.isfinite(trace)
        if self.max_position_variance_m2 != math.inf:  # (with inf, ~(trace <= inf) is a NaN: lost already)
            lost |= ~(trace <= self.max_position_variance_m2)
        return lost


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
    positions_m: ArrayLike, covariances_m2: ArrayLike, sensor_ids: ArrayLike | None, rcs_m2: ArrayLike | None
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    z = np.asarray(positions_m, dtype=np.float64, order="C")
    if z.ndim != 2 or z.shape[1] != 3:
        raise InputError(f"positions_m must have shape (m, 3), got {z.shape}")
    m = z.shape[0]
    r = np.asarray(covariances_m2, dtype=np.float64, order="C")
    if r.shape != (m, 3, 3):
        raise InputError(f"covariances_m2 must have shape ({m}, 3, 3), got {r.shape}")
    # (A finite sum is a quick proof; only when it is not, e.g. by overflow, is each entry checked.)
    finite_sum = float(np.add.reduce(z, axis=None)) + float(np.add.reduce(r, axis=None))
    if not math.isfinite(finite_sum) and not (np.isfinite(z).all() and np.isfinite(r).all()):
        raise InputError("detections must have finite positions and covariances")
    s = np.full(m, -1, np.int64) if sensor_ids is None else np.asarray(sensor_ids, dtype=np.int64)
    if s.shape != (m,):
        raise InputError(f"sensor_ids must have shape ({m},), got {s.shape}")
    a = np.full(m, math.nan) if rcs_m2 is None else np.asarray(rcs_m2, dtype=np.float64)
    if a.shape != (m,):
        raise InputError(f"rcs_m2 must have shape ({m},), got {a.shape}")
    return z, r, s, a


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

    Speed: a step with a few tens of tracks and detections costs about 0.1 ms, nearly all of it the fixed
    cost of numpy calls on small arrays, so the step keeps their number low: the tracks are predicted with
    one ``Q`` when they share a time (always, after the first step), the update reuses the innovations and
    ``S^-1`` that the gate computed, a :class:`TrackSet` is built without its checks from arrays the
    tracker made itself, and what cannot change is skipped (no tentative track: nothing to confirm; every
    track updated: no coverage needed). The results are the same, bit for bit, as without these shortcuts.
    The engine steps :class:`iadsim.sim.compiled.CompiledTracker`, this tracker in the engine's
    configuration compiled into one numba kernel per scan (a few microseconds), held to this one by tests.

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
    #: Time of every current track (``None`` when they differ, which only :meth:`add_tracks` can cause).
    _tracks_time_s: float | None = field(init=False, repr=False, default=None)
    #: ``(tracks, their confirmed tracks)`` from the latest :attr:`confirmed_tracks`.
    _confirmed: tuple[TrackSet, TrackSet] | None = field(init=False, repr=False, default=None)

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
        tracks = self._tracks
        if self._confirmed is None or self._confirmed[0] is not tracks:
            mask = tracks.confirmed
            self._confirmed = (tracks, tracks if mask.all() else tracks.select(mask))
        return self._confirmed[1]

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
        had_tracks = len(self._tracks) > 0
        self._tracks = self._tracks.concat(
            TrackSet.new(ids, x, p, time_s, status=status, sensor_id=sensor_ids)
        )
        t = float(time_s) if np.ndim(time_s) == 0 else None
        if had_tracks and t != self._tracks_time_s:
            t = None
        self._tracks_time_s = t
        return ids

    def _associate(
        self, x: FloatArray, p: FloatArray, z: FloatArray, r: FloatArray, conf: BoolArray, n_conf: int
    ) -> tuple[IntArray, IntArray, _Innovations | None]:
        """Confirmed tracks first, then tentative tracks with the detections left.

        Returns the track rows (ascending) and detection rows of the pairs, and their innovations when the
        associator's gate computed them (so the update need not compute them again).
        """
        n, m = x.shape[0], z.shape[0]
        passes: list[IntArray | None] = []  # track rows of each pass (None: all)
        if n_conf:
            passes.append(None if n_conf == n else conf.nonzero()[0])
        if n_conf < n:
            passes.append(None if n_conf == 0 else (~conf).nonzero()[0])
        ours = type(self.associator).associate is GNNAssociator.associate
        found: list[tuple[IntArray, IntArray, _Innovations | None]] = []
        for rows in passes:
            cols = None  # detection rows given (None: all)
            if found:
                if found[0][1].size == m:
                    break
                free = np.ones(m, bool)
                free[found[0][1]] = False
                cols = free.nonzero()[0]
            args = (
                x if rows is None else x[rows],
                p if rows is None else p[rows],
                z if cols is None else z[cols],
                r if cols is None else r[cols],
            )
            innov: _Innovations | None = None
            if ours:
                a, innov, index = self.associator._associate(*args)
                if innov is not None and index is not None:
                    innov = innov.take(index)
            else:
                a = self.associator.associate(*args)
            if a.track_index.size:
                dets = a.detection_index if cols is None else cols[a.detection_index]
                found.append((a.track_index if rows is None else rows[a.track_index], dets, innov))
        if len(found) < 2:  # (an associator gives its pairs sorted by track row)
            return found[0] if found else (_EMPTY_IDS, _EMPTY_IDS, None)
        (rows1, dets1, innov1), (rows2, dets2, innov2) = found
        rows_all = np.concatenate([rows1, rows2])
        by_row = rows_all.argsort(kind="stable")
        merged = None
        if innov1 is not None and innov2 is not None:
            merged = _Innovations(
                *(np.concatenate([a, b])[by_row] for a, b in zip(innov1, innov2, strict=True))
            )
        return rows_all[by_row], np.concatenate([dets1, dets2])[by_row], merged

    def _update(
        self,
        x: FloatArray,
        p: FloatArray,
        z: FloatArray,
        r: FloatArray,
        dets: IntArray,
        innov: _Innovations | None,
    ) -> tuple[FloatArray, FloatArray]:
        """Tracks ``x``, ``p`` updated with detections ``dets``; with the innovations when they are known."""
        if innov is not None and type(self.updater).update_arrays is Updater.update_arrays:
            return self.updater._update(x, p, innov, r[dets])
        return self.updater.update_arrays(x, p, z[dets], r[dets])

    def step(
        self,
        time_s: float,
        positions_m: ArrayLike,
        covariances_m2: ArrayLike,
        sensor_ids: ArrayLike | None = None,
        covered: Callable[[FloatArray, FloatArray], ArrayLike] | None = None,
        rcs_m2: ArrayLike | None = None,
    ) -> TrackerStepResult:
        """Process one scan of detections at ``time_s`` (s, not before the previous scan).

        Args:
            time_s: Time of the scan, s.
            positions_m: ``(m, 3)`` detected positions (east, north, up), m.
            covariances_m2: ``(m, 3, 3)`` their measurement covariances ``R``, m^2.
            sensor_ids: ``(m,)`` integer id of the sensor of each detection (kept on the track it updates).
            covered: Function of the tracks' predicted positions ``(n, 3)`` and RCS ``(n,)`` (m², NaN when
                unknown) returning a boolean ``(n,)``: whether the scan could have detected each track.
                Tracks it could not and that got no detection are neither missed nor counted in the M-of-N
                window (default: every track is covered). Its answer only matters for tracks without a
                detection, so it is called only when there is such a track (after the association, with
                all ``n`` tracks).
            rcs_m2: ``(m,)`` RCS of the target of each detection as the sensor gives it (m², NaN: unknown);
                a track keeps its latest finite value.

        Returns:
            The detections' tracks and the ids of tracks updated, missed, started, confirmed and deleted.
        """
        t = float(time_s)
        if not math.isfinite(t):
            raise InputError(f"time_s must be finite, got {time_s}")
        if self._time_s is not None and t < self._time_s:
            raise InputError(f"scan at {t} s is earlier than the previous scan at {self._time_s} s")
        z, r, sid, rcs = _check_detections(positions_m, covariances_m2, sensor_ids, rcs_m2)
        m = z.shape[0]
        tracks = self._tracks
        n = tracks.ids.shape[0]
        detection_track = np.empty(m, np.int64)
        detection_track.fill(-1)
        hit_dets = _EMPTY_IDS
        updated_ids = missed_ids = confirmed_ids = deleted_ids = _EMPTY_IDS

        if n:
            # Predict: one interval for all tracks when they share a time.
            dt = t - (tracks.time_s if self._tracks_time_s is None else self._tracks_time_s)
            x, p = self.predictor.predict_arrays(tracks.state, tracks.cov, dt)
            conf = tracks.status == _CONFIRMED
            n_conf = int(np.count_nonzero(conf))

            # Associate: confirmed tracks first, tentative tracks with the detections left.
            hit_rows, hit_dets, innov = self._associate(x, p, z, r, conf, n_conf)
            k = hit_rows.size

            # Update and bookkeeping.
            now_s = np.empty(n)
            now_s.fill(t)
            if k == n:  # every track updated (and counted)
                state, cov = self._update(x, p, z, r, hit_dets, innov)
                updated_ids = tracks.ids
                detection_track[hit_dets] = updated_ids
                changes: dict[str, NDArray[Any]] = {
                    "hits": tracks.hits + 1,
                    "misses": np.zeros(n, np.int64),
                    "scans": tracks.scans + 1,
                    "history": (tracks.history << _ONE_U64) | _ONE_U64,
                    "updated_s": now_s,
                    "sensor_id": sid[hit_dets],
                    "rcs_m2": np.where(np.isnan(rcs[hit_dets]), tracks.rcs_m2, rcs[hit_dets]),
                }
            else:
                hit = np.zeros(n, bool)
                hit[hit_rows] = True
                cover = None  # (None: every track covered)
                if covered is not None:
                    cover = np.asarray(covered(_readonly(x[:, _POS]), tracks.rcs_m2), dtype=bool)
                    if cover.shape != (n,):
                        raise InputError(f"covered must return shape ({n},), got {cover.shape}")
                state, cov = x, p
                changes = {}
                if k:
                    xu, pu = self._update(x[hit_rows], p[hit_rows], z, r, hit_dets, innov)
                    state = x.copy()  # (the positions given to ``covered`` stay as they were)
                    state[hit_rows] = xu
                    cov = p.copy()
                    cov[hit_rows] = pu
                    updated_s = tracks.updated_s.copy()
                    updated_s[hit_rows] = t
                    sensor = tracks.sensor_id.copy()
                    sensor[hit_rows] = sid[hit_dets]
                    track_rcs = tracks.rcs_m2.copy()
                    track_rcs[hit_rows] = np.where(
                        np.isnan(rcs[hit_dets]), track_rcs[hit_rows], rcs[hit_dets]
                    )
                    updated_ids = tracks.ids[hit_rows]
                    detection_track[hit_dets] = updated_ids
                    changes = {
                        "hits": tracks.hits + hit,
                        "updated_s": updated_s,
                        "sensor_id": sensor,
                        "rcs_m2": track_rcs,
                    }
                shifted = (tracks.history << _ONE_U64) | hit.astype(np.uint64)
                if cover is None:
                    missed = ~hit
                    changes["scans"] = tracks.scans + 1
                    changes["history"] = shifted
                else:
                    counted = hit | cover
                    missed = cover & ~hit
                    changes["scans"] = tracks.scans + counted
                    changes["history"] = np.where(counted, shifted, tracks.history)
                changes["misses"] = np.where(hit, 0, tracks.misses + missed)
                missed_ids = tracks.ids[missed]
            tracks = tracks._with(state=state, cov=cov, time_s=now_s, **changes)

            # Confirm, fail (only tentative tracks can), delete.
            confirmed_now = failed = None
            if self.initiator is not None and n_conf < n:
                confirmed_now = self.initiator.confirms(tracks)
                failed = self.initiator.fails(tracks) & ~confirmed_now
                status = np.where(confirmed_now, _CONFIRMED, tracks.status)
                tracks = tracks._with(status=status)
            delete = self.deleter.deletes(tracks)
            if failed is not None:
                delete = delete | failed
            if confirmed_now is not None:
                confirmed_ids = tracks.ids[confirmed_now & ~delete]
            if np.count_nonzero(delete):
                deleted_ids = tracks.ids[delete]
                tracks = tracks.select(~delete)

        # Initiate from the detections left.
        new_ids = _EMPTY_IDS
        if self.initiator is not None and hit_dets.size < m:
            free = np.ones(m, bool)
            free[hit_dets] = False
            cols = free.nonzero()[0]
            new_ids = self._new_ids(cols.size)
            born = self.initiator.initiate(new_ids, t, z[cols], r[cols], sid[cols], rcs[cols])
            tracks = tracks.concat(born) if len(tracks) else born
            detection_track[cols] = new_ids
            if self.initiator.m_hits == 1:
                confirmed_ids = np.concatenate([confirmed_ids, new_ids])

        self._tracks = tracks
        self._tracks_time_s = self._time_s = t
        return TrackerStepResult(
            time_s=t,
            detection_track_ids=_readonly(detection_track),
            updated_ids=_frozen(updated_ids),
            missed_ids=_frozen(missed_ids),
            new_ids=_frozen(new_ids),
            confirmed_ids=_frozen(confirmed_ids),
            deleted_ids=_frozen(deleted_ids),
        )
