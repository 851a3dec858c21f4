"""The engine's tracker: the reference :class:`~iadsim.sim.tracking.Tracker` as the engine configures it
(:class:`~iadsim.sim.tracking.TrackerParams`: nearly constant velocity, standard Kalman update, GNN with
Mahalanobis-distance cost, M-of-N confirmation, deletion after consecutive misses, misses counted only where
the radar could have detected the track), one compiled kernel per scan on track arrays kept between scans.

The engine steps a tracker once per radar scan, a thousand times or more per run, on a few tens of tracks:
the reference tracker spends a fraction of a millisecond a scan in the fixed cost of its numpy calls, this
one a few microseconds. Both have the same ``step`` signature and result
(:class:`~iadsim.sim.tracking.TrackerStepResult`); tests hold them to each other scan by scan (same
associations and track events, states within round-off).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.errors import InputError
from iadsim.sim.sensing import Coverage, ScanCoverage
from iadsim.sim.tracking import _kernels
from iadsim.sim.tracking.associator import gate_d2
from iadsim.sim.tracking.types import (
    TRACKSET_DTYPES,
    Detectability,
    FloatArray,
    IntArray,
    TrackerParams,
    TrackerStepResult,
    TrackSet,
    TrackStatus,
    check_scan,
)

#: The kernel, called with the track arrays spread from a dict (which numba's typing stub does not follow).
_TRACKER_STEP: Any = _kernels.tracker_step
_ALL_FINITE: Any = _kernels.all_finite

#: Shape of one track's row in the arrays that are not one number per track.
_ROW_SHAPES = {"state": (6,), "cov": (6, 6)}

#: Stands in for the coverage arguments of the kernel when a scan has none (the kernel does not read it).
_NO_COVERAGE = ScanCoverage(
    Coverage(
        np.zeros((1, 1), np.float32),
        np.zeros((1, 1), np.float32),
        np.array([0.0, 1.0, 0.0, -1.0, 0.0, 0.0]),
        np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, math.pi]),
    ),
    np.zeros(5),
    np.zeros((5, 2)),
)


class CompiledTracker:
    """Multi-target tracker of one command post, stepped once per scan (see the module's docstring).

    Args:
        params: The tracker's parameters.
    """

    def __init__(self, params: TrackerParams) -> None:
        self.params = params
        g = gate_d2(params.gate_probability)
        #: The kernel's parameters, in its order.
        self._kernel_params = np.array(
            [
                params.q_m2ps3,
                g,
                math.sqrt(g),
                params.m_hits,
                params.n_scans,
                params.velocity_std_mps**2,
                params.max_misses,
                params.max_position_variance_m2,
                params.ballistic_energy_jpkg,
                params.ballistic_q_m2ps3,
            ],
            dtype=np.float64,
        )
        self._n = 0
        self._next_id = 0
        self._time_s: float | None = None
        self._alloc(16)

    def _alloc(self, cap: int) -> None:
        """(Re)allocate the track arrays (the fields of a :class:`~iadsim.sim.tracking.TrackSet`, in its
        order, which is the kernel's) with room for ``cap`` tracks, keeping the current ones."""
        old = getattr(self, "_arrays", None)
        arrays: dict[str, NDArray[Any]] = {}
        for name, dtype in TRACKSET_DTYPES:
            a = np.zeros((cap, *_ROW_SHAPES.get(name, ())), dtype)
            if old is not None:
                a[: self._n] = old[name][: self._n]
            arrays[name] = a
        self._arrays = arrays
        self._track_arrays = tuple(arrays.values())
        self._cap = cap

    @property
    def tracks(self) -> TrackSet:
        """The current tracks (read-only views of the tracker's arrays, valid until its next step)."""
        return TrackSet(**{name: a[: self._n] for name, a in self._arrays.items()})

    @property
    def confirmed_tracks(self) -> TrackSet:
        """The current confirmed tracks (copies)."""
        sel = self._arrays["status"][: self._n] == TrackStatus.CONFIRMED
        return TrackSet(**{name: a[: self._n][sel] for name, a in self._arrays.items()})

    def confirmed(self) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Ids ``(k,)``, states ``(k, 6)`` (m, m/s), covariances ``(k, 6, 6)`` and times ``(k,)`` (s) of the
        confirmed tracks (copies): what the engine's fire control reads of :attr:`confirmed_tracks`, without
        building a :class:`~iadsim.sim.tracking.TrackSet`."""
        a, n = self._arrays, self._n
        sel = np.flatnonzero(a["status"][:n] == TrackStatus.CONFIRMED)
        return a["ids"][sel], a["state"][sel], a["cov"][sel], a["time_s"][sel]

    @property
    def time_s(self) -> float | None:
        """Time of the latest step, s (``None`` before the first)."""
        return self._time_s

    def __len__(self) -> int:
        return self._n

    def add_tracks(
        self,
        state: ArrayLike,
        cov: ArrayLike,
        time_s: float,
        status: TrackStatus = TrackStatus.CONFIRMED,
        sensor_ids: ArrayLike = -1,
    ) -> IntArray:
        """Add tracks with known ``state`` ``(k, 6)`` (m, m/s) and ``cov`` ``(k, 6, 6)`` at ``time_s`` (s);
        their ids (as :meth:`iadsim.sim.tracking.Tracker.add_tracks`)."""
        x = np.array(state, dtype=np.float64, ndmin=2)
        p = np.array(cov, dtype=np.float64, ndmin=3)
        if x.shape[1:] != (6,) or p.shape != (x.shape[0], 6, 6):
            raise InputError(f"state must be (k, 6) and cov (k, 6, 6), got {x.shape} and {p.shape}")
        if self._time_s is not None and time_s < self._time_s:
            raise InputError(f"tracks at {time_s} s are older than the tracker's time {self._time_s} s")
        ids = np.arange(self._next_id, self._next_id + x.shape[0], dtype=np.int64)
        new = TrackSet.new(ids, x, p, time_s, status=status, sensor_id=sensor_ids)
        if self._n + len(new) > self._cap:
            self._alloc(max(2 * self._cap, self._n + len(new)))
        for name, a in self._arrays.items():
            a[self._n : self._n + len(new)] = getattr(new, name)
        self._n += len(new)
        self._next_id += len(new)
        return ids

    def step(
        self,
        time_s: float,
        positions_m: ArrayLike,
        covariances_m2: ArrayLike,
        *,
        sensor_ids: ArrayLike | None = None,
        rcs_m2: ArrayLike | None = None,
        coverage: Detectability | None = None,
    ) -> TrackerStepResult:
        """Process one scan of detections: the arguments and result of
        :meth:`iadsim.sim.tracking.Tracker.step` (``time_s`` in s, ``positions_m`` ``(m, 3)`` in m,
        ``covariances_m2`` ``(m, 3, 3)`` in m^2, ``sensor_ids`` one integer or ``(m,)``, ``rcs_m2`` ``(m,)``
        in m²), but for ``coverage``, which must be a :class:`~iadsim.sim.sensing.ScanCoverage` (or
        ``None``): the kernel evaluates it inline, for each track without a detection."""
        t, z, r, sid, rcs = check_scan(
            self._time_s, time_s, positions_m, covariances_m2, sensor_ids, rcs_m2, _ALL_FINITE
        )
        if coverage is not None and not isinstance(coverage, ScanCoverage):
            raise InputError(
                f"CompiledTracker needs a ScanCoverage as coverage, got {type(coverage).__name__}"
            )
        m, n = z.shape[0], self._n
        if n + m > self._cap:
            self._alloc(max(2 * self._cap, n + m))
        # The kernel's outputs, made read-only once written: detections' tracks (m), updated, missed (up
        # to n each), confirmed (up to n + m, the new tracks included when M = 1) and deleted ids (up to n).
        out = np.empty(2 * m + 4 * n, np.int64)
        b1, b2, b3, b4 = m, m + n, m + 2 * n, 2 * m + 3 * n
        c = coverage or _NO_COVERAGE
        g = c.geometry
        first_new = self._next_id
        self._n, self._next_id, n_upd, n_miss, n_conf, n_del = _TRACKER_STEP(
            t,
            z,
            r,
            sid,
            n,
            self._next_id,
            *self._track_arrays,
            rcs,
            self._kernel_params,
            coverage is not None,
            g.floor_agl_m,
            g.terrain_m,
            g.grid,
            g.radar,
            c.detect,
            c.tables,
            out,
        )
        self._time_s = t
        out.setflags(write=False)
        new_ids = np.arange(first_new, self._next_id, dtype=np.int64)
        new_ids.setflags(write=False)
        return TrackerStepResult(
            time_s=t,
            detection_track_ids=out[:b1],
            updated_ids=out[b1 : b1 + n_upd],
            missed_ids=out[b2 : b2 + n_miss],
            new_ids=new_ids,
            confirmed_ids=out[b3 : b3 + n_conf],
            deleted_ids=out[b4 : b4 + n_del],
        )

    def drop(self, track_id: int) -> bool:
        """Delete a track now (e.g. a kill assessed); whether it was there."""
        rows = np.flatnonzero(self._arrays["ids"][: self._n] == track_id)
        if rows.size == 0:
            return False
        keep = np.ones(self._n, bool)
        keep[rows] = False
        for a in self._arrays.values():
            a[: self._n - rows.size] = a[: self._n][keep]
        self._n -= rows.size
        return True
