"""The tracker's values: tracks (:class:`TrackSet`), what one scan did (:class:`TrackerStepResult`), the
parameters of the engine's tracker (:class:`TrackerParams`) and what a scan could have detected
(:class:`Detectability`), shared by the reference :class:`~iadsim.sim.tracking.Tracker` and the
:class:`~iadsim.sim.tracking.CompiledTracker`.

State per track ``[x, y, z, vx, vy, vz]`` (m, m/s; east, north, up in the fusion node's local Cartesian
frame) with its 6 x 6 covariance (m^2, m^2/s, m^2/s^2). Stone Soup orders the same state
``[x, vx, y, vy, z, vz]``; :data:`STONESOUP_ORDER` maps ours to its.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Our state index of each entry of Stone Soup's ``[x, vx, y, vy, z, vz]``: ``ours[STONESOUP_ORDER]`` is its.
STONESOUP_ORDER: tuple[int, ...] = (0, 3, 1, 4, 2, 5)

#: Position and velocity entries of a state.
POS = slice(0, 3)
#: Standard gravity, m/s^2 (CGPM 1901), in the specific energy ``v^2 / 2 + g z`` of a track.
STANDARD_GRAVITY_MPS2 = 9.80665
VEL = slice(3, 6)

_A = TypeVar("_A", bound=NDArray[Any])


def readonly(a: _A) -> _A:
    """A read-only view of ``a`` (the caller's array and its flags are left alone)."""
    v = a.view()
    v.setflags(write=False)
    return v


class TrackStatus(IntEnum):
    """Status of a track (stored as ``int8`` in :attr:`TrackSet.status`)."""

    TENTATIVE = 0
    CONFIRMED = 1


#: The fields of a :class:`TrackSet` and their dtypes, in order (the compiled kernel's order too).
TRACKSET_DTYPES: tuple[tuple[str, type[np.generic]], ...] = (
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
        misses: Consecutive counted scans without a detection (0 after a hit).
        scans: Scans counted since the track started, the first one included (scans whose coverage says
            the track could not have been detected are not counted, see
            :meth:`iadsim.sim.tracking.Tracker.step`).
        history: Hit history of the counted scans as bits, bit 0 the latest scan (``uint64``), for M-of-N.
        created_s: Time of the detection that started the track, s.
        updated_s: Time of the latest associated detection, s.
        sensor_id: Sensor of the latest associated detection (``-1`` if unknown).
        rcs_m2: Radar cross-section of the target as its detections give it, m² (NaN: unknown, as for a
            track started on a false alarm); it decides where a missed scan counts.
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
        for name, dtype in TRACKSET_DTYPES:
            a = np.asarray(getattr(self, name), dtype=dtype)
            expected = shapes.get(name, (n,))
            if n < 0 or a.shape != expected:
                raise InputError(f"TrackSet.{name} must have shape {expected}, got {a.shape}")
            object.__setattr__(self, name, readonly(a))

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
        """Tracks that start now, at ``time_s`` (s): one hit, one scan, history ``1``."""
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
        return self.state[:, POS]

    @property
    def velocity_mps(self) -> FloatArray:
        """``(n, 3)`` velocities, m/s."""
        return self.state[:, VEL]

    @property
    def confirmed(self) -> BoolArray:
        """Mask of confirmed tracks."""
        return self.status == TrackStatus.CONFIRMED

    def replace(self, **changes: ArrayLike) -> TrackSet:
        """A copy with some arrays replaced (checked as the constructor checks them)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def select(self, index: ArrayLike) -> TrackSet:
        """The tracks at ``index`` (integer indices or a boolean mask), in that order."""
        idx = np.asarray(index)
        return TrackSet(**{name: getattr(self, name)[idx] for name, _ in TRACKSET_DTYPES})

    def concat(self, other: TrackSet) -> TrackSet:
        """These tracks followed by ``other``'s."""
        return TrackSet(
            **{
                name: np.concatenate([getattr(self, name), getattr(other, name)])
                for name, _ in TRACKSET_DTYPES
            }
        )

    def index_of(self, ids: ArrayLike) -> IntArray:
        """Row of each id in ``ids`` (``-1`` where the id is not in the set)."""
        ids_a = np.asarray(ids, dtype=np.int64)
        if len(self) == 0:
            return np.full(ids_a.shape, -1, np.int64)
        order = np.argsort(self.ids, kind="stable")
        rows = order[np.searchsorted(self.ids, ids_a, sorter=order).clip(0, len(self) - 1)]
        return np.where(self.ids[rows] == ids_a, rows, -1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class TrackerStepResult:
    """What one scan (``step``) did, the same for both trackers (arrays of track ids unless said otherwise,
    read-only, in the order of the tracks' rows; new tracks in the order of their detections).

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


class Detectability(Protocol):
    """What one scan could have detected, for counting a track's missed scans (e.g.
    :class:`iadsim.sim.sensing.ScanCoverage`)."""

    def detectable(self, positions_m: FloatArray, rcs_m2: FloatArray) -> BoolArray:
        """Whether the scan could have detected targets at ``positions_m`` ``(n, 3)`` (east, north, up, m)
        with RCS ``rcs_m2`` ``(n,)`` (m², NaN: unknown): a boolean ``(n,)``."""
        ...


@dataclass(frozen=True)
class TrackerParams:
    """The tracker as the engine configures it, for either tracker (:meth:`Tracker.from_params
    <iadsim.sim.tracking.Tracker.from_params>`, :class:`~iadsim.sim.tracking.CompiledTracker`): nearly
    constant velocity, standard-form Kalman update, GNN with the Mahalanobis-distance cost, M-of-N
    confirmation, deletion after consecutive counted misses or a too large position covariance.

    Attributes:
        q_m2ps3: Acceleration noise power spectral density per axis, m^2/s^3 (``Predictor``).
        gate_probability: Probability that a track's own detection lies in its gate (``GNNAssociator``).
        m_hits: Hits needed for confirmation (``MOfNInitiator``'s ``M``).
        n_scans: Window of counted scans for confirmation (``N``, at most 63).
        velocity_std_mps: Initial velocity standard deviation per axis, m/s.
        max_misses: Consecutive counted misses that delete a track (``MissDeleter``).
        max_position_variance_m2: Trace of the position covariance that deletes a track, m^2 (``inf``:
            never).
        ballistic_energy_jpkg: Tracks whose specific energy ``v^2 / 2 + g z`` exceeds this (J/kg) are
            predicted with ``ballistic_q_m2ps3`` instead of ``q_m2ps3`` (``Predictor``; ``inf``: never).
        ballistic_q_m2ps3: Acceleration noise of those tracks, m^2/s^3.
    """

    q_m2ps3: float
    gate_probability: float = 0.999
    m_hits: int = 2
    n_scans: int = 3
    velocity_std_mps: float = 300.0
    max_misses: int = 3
    max_position_variance_m2: float = math.inf
    ballistic_energy_jpkg: float = math.inf
    ballistic_q_m2ps3: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.q_m2ps3) and self.q_m2ps3 >= 0):
            raise InputError(f"q_m2ps3 must be finite and >= 0, got {self.q_m2ps3}")
        if not (math.isfinite(self.ballistic_q_m2ps3) and self.ballistic_q_m2ps3 >= 0):
            raise InputError(f"ballistic_q_m2ps3 must be finite and >= 0, got {self.ballistic_q_m2ps3}")
        if not self.ballistic_energy_jpkg > 0:
            raise InputError(f"ballistic_energy_jpkg must be > 0, got {self.ballistic_energy_jpkg}")
        if not 0.0 < self.gate_probability < 1.0:
            raise InputError(
                f"gate_probability must lie strictly between 0 and 1, got {self.gate_probability}"
            )
        if not 1 <= self.m_hits <= self.n_scans <= 63:
            raise InputError(f"need 1 <= m_hits <= n_scans <= 63, got M={self.m_hits}, N={self.n_scans}")
        if not (math.isfinite(self.velocity_std_mps) and self.velocity_std_mps > 0):
            raise InputError(f"velocity_std_mps must be finite and > 0, got {self.velocity_std_mps}")
        if self.max_misses < 1:
            raise InputError(f"max_misses must be >= 1, got {self.max_misses}")
        if not self.max_position_variance_m2 > 0:
            raise InputError(f"max_position_variance_m2 must be > 0, got {self.max_position_variance_m2}")


def check_scan(
    tracker_time_s: float | None,
    time_s: float,
    positions_m: ArrayLike,
    covariances_m2: ArrayLike,
    sensor_ids: ArrayLike | None,
    rcs_m2: ArrayLike | None,
    all_finite: Callable[[FloatArray, FloatArray], bool] | None = None,
) -> tuple[float, FloatArray, FloatArray, IntArray, FloatArray]:
    """The arguments of a ``step`` checked and as arrays: ``(time_s, z (m, 3), R (m, 3, 3), sensor ids
    (m,), RCS (m,))``; ``InputError`` when a shape is wrong, a position or covariance not finite (as
    ``all_finite(z, R)`` says, numpy's ``isfinite`` by default), or the scan earlier than the tracker's
    latest (``tracker_time_s``, s; ``None`` before the first)."""
    t = float(time_s)
    if not math.isfinite(t):
        raise InputError(f"time_s must be finite, got {time_s}")
    if tracker_time_s is not None and t < tracker_time_s:
        raise InputError(f"scan at {t} s is earlier than the previous scan at {tracker_time_s} s")
    z = np.ascontiguousarray(positions_m, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 3:
        raise InputError(f"positions_m must have shape (m, 3), got {z.shape}")
    m = z.shape[0]
    r = np.ascontiguousarray(covariances_m2, dtype=np.float64)
    if r.shape != (m, 3, 3):
        raise InputError(f"covariances_m2 must have shape ({m}, 3, 3), got {r.shape}")
    if not (np.isfinite(z).all() and np.isfinite(r).all() if all_finite is None else all_finite(z, r)):
        raise InputError("detections must have finite positions and covariances")
    s = np.asarray(-1 if sensor_ids is None else sensor_ids, dtype=np.int64)
    if s.ndim == 0:
        one = s
        s = np.empty(m, np.int64)
        s.fill(one)
    if s.shape != (m,):
        raise InputError(f"sensor_ids must be one integer or have shape ({m},), got {s.shape}")
    a = np.full(m, math.nan) if rcs_m2 is None else np.ascontiguousarray(rcs_m2, dtype=np.float64)
    if a.shape != (m,):
        raise InputError(f"rcs_m2 must have shape ({m},), got {a.shape}")
    return t, z, r, s, a
