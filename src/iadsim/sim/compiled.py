"""The engine's tracker: :class:`~iadsim.sim.tracking.Tracker` as the engine configures it (nearly constant
velocity, standard Kalman update, GNN with Mahalanobis-distance cost, M-of-N confirmation, deletion after
consecutive misses, misses counted only where the radar could have detected the track), one compiled kernel
per scan on track arrays kept between scans.

The engine steps a tracker once per radar scan, a thousand times or more per run, on a few tens of tracks:
:class:`~iadsim.sim.tracking.Tracker` spends about 0.1 ms a scan in the fixed cost of its numpy calls,
this one a few microseconds. Tests hold it to :class:`~iadsim.sim.tracking.Tracker` scan by scan
(same associations and track events, states within round-off).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iadsim import physics
from iadsim.sim import _kernels
from iadsim.sim.tracking import _TRACKSET_DTYPES, TrackSet, gate_d2

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class ScanResult:
    """What one scan did: the track id of each detection, and the ids confirmed and deleted."""

    detection_track_ids: IntArray
    confirmed_ids: IntArray
    deleted_ids: IntArray


@functools.cache
def pd_tables(pfa: float) -> tuple[FloatArray, FloatArray]:
    """Single-look Pd against SNR from -30 to 80 dB every 0.01 dB for Swerling cases 0 to 4, stacked
    ``(5, n)``, with the SNR grid (dB), for interpolation in the time loop (linear interpolation is within
    1e-5 of :func:`iadsim.physics.detection_probability`)."""
    grid = np.arange(-30.0, 80.0 + 1e-9, 0.01)
    return grid, np.stack([physics.detection_probability(grid, pfa, 1, sw) for sw in range(5)])


@dataclass(frozen=True, eq=False)
class Coverage:
    """Where a radar can see: its floor over a window of a north-up grid, its position and limits.

    ``floor_agl_m`` covers the window that starts at grid cell ``(grid[4], grid[5])`` (row, column) of
    ``terrain_m``; ``grid`` is ``(c, a, f, e, r0, c0)`` of the grid's affine transform and that cell;
    ``radar`` is ``(x, y, antenna height above sea level, effective earth radius, instrumented range,
    minimum elevation, maximum elevation, facing azimuth, half the azimuth sector)`` (m, rad). Compared by
    identity: the engine keeps what it computes with one (:class:`iadsim.sim.timeline.Timeline`) by it.
    """

    floor_agl_m: NDArray[np.float32]
    terrain_m: NDArray[np.float32]
    grid: FloatArray
    radar: FloatArray

    def visible(self, p: FloatArray) -> tuple[NDArray[np.bool_], FloatArray]:
        """Whether the radar sees points ``p`` ``(n, 3)`` (m), and the slant range (m) to each."""
        p = np.ascontiguousarray(p, dtype=np.float64)
        ok = np.empty(p.shape[0], np.bool_)
        slant = np.empty(p.shape[0])
        _kernels.visible(
            p[:, 0], p[:, 1], p[:, 2], self.floor_agl_m, self.terrain_m, self.grid, self.radar, ok, slant
        )
        return ok, slant


@dataclass(frozen=True, eq=False)
class ScanCoverage:
    """What one radar's scan could have detected, for counting a track's missed scans: where it sees
    (:class:`Coverage`) and its calibrated radar equation. A track counts a miss only where it is visible
    and, when its RCS is known, where the single-look Pd (the radar's reference Swerling case) at its
    predicted position is at least ``miss_pd``.

    ``detect`` is ``(SNR of 1 m² at 1 m in dB, miss_pd, Swerling row of tables, first SNR of the table in
    dB, its step in dB)``; ``tables`` are :func:`pd_tables` of the radar's false-alarm probability.
    """

    geometry: Coverage
    detect: FloatArray
    tables: FloatArray

    @classmethod
    def of(
        cls, geometry: Coverage, snr_1m2_at_1m_db: float, pfa: float, swerling: int, miss_pd: float
    ) -> ScanCoverage:
        """From the radar equation's constant (:attr:`iadsim.sensors.RadarModel.snr_1m2_at_1m_db`)."""
        grid, tables = pd_tables(pfa)
        detect = np.array([snr_1m2_at_1m_db, miss_pd, swerling, grid[0], grid[1] - grid[0]], dtype=np.float64)
        return cls(geometry, detect, tables)

    def detectable(self, p: FloatArray, rcs_m2: FloatArray) -> NDArray[np.bool_]:
        """Whether the scan could have detected targets at points ``p`` ``(n, 3)`` with RCS ``(n,)`` (m²)."""
        g = self.geometry
        p = np.ascontiguousarray(p, dtype=np.float64)
        out = np.empty(p.shape[0], np.bool_)
        _kernels.detectable(
            p[:, 0],
            p[:, 1],
            p[:, 2],
            np.ascontiguousarray(rcs_m2, dtype=np.float64),
            g.floor_agl_m,
            g.terrain_m,
            g.grid,
            g.radar,
            self.detect,
            self.tables,
            out,
        )
        return out


#: The kernel, called with the track arrays spread from a dict (which numba's typing stub does not follow).
_TRACKER_STEP: Any = _kernels.tracker_step

#: Shape of one track's row in the arrays that are not one number per track.
_ROW_SHAPES = {"state": (6,), "cov": (6, 6)}

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
        q_m2ps3: Acceleration noise power spectral density per axis, m^2/s^3 (``Predictor``).
        gate_probability: Probability that a track's own detection lies in its gate (``GNNAssociator``).
        m_hits, n_scans: M-of-N confirmation (``MOfNInitiator``).
        velocity_std_mps: Initial velocity standard deviation per axis, m/s.
        max_misses: Consecutive counted misses that delete a track (``MissDeleter``).
        max_position_variance_m2: Trace of the position covariance that deletes a track, m^2.
    """

    def __init__(
        self,
        q_m2ps3: float,
        gate_probability: float = 0.999,
        m_hits: int = 2,
        n_scans: int = 3,
        velocity_std_mps: float = 300.0,
        max_misses: int = 3,
        max_position_variance_m2: float = math.inf,
    ) -> None:
        g = gate_d2(gate_probability)
        self.params = np.array(
            [
                q_m2ps3,
                g,
                math.sqrt(g),
                m_hits,
                n_scans,
                velocity_std_mps**2,
                max_misses,
                max_position_variance_m2,
            ],
            dtype=np.float64,
        )
        self.n = 0
        self.next_id = 0
        self._alloc(16)

    def _alloc(self, cap: int) -> None:
        """(Re)allocate the track arrays (the fields of a :class:`~iadsim.sim.tracking.TrackSet`, in its
        order, which is the kernel's) with room for ``cap`` tracks, keeping the current ones."""
        old = getattr(self, "_arrays", None)
        arrays: dict[str, NDArray[Any]] = {}
        for name, dtype in _TRACKSET_DTYPES:
            a = np.zeros((cap, *_ROW_SHAPES.get(name, ())), dtype)
            if old is not None:
                a[: self.n] = old[name][: self.n]
            arrays[name] = a
        self._arrays = arrays
        self.cap = cap
        #: the kernel's outputs (detections' tracks, confirmed, deleted: at most 4 cap ids in all)
        self._out = np.empty(4 * cap, np.int64)
        self._no_rcs = np.full(cap, math.nan)

    @property
    def tracks(self) -> TrackSet:
        """The current tracks (read-only views of the tracker's arrays, valid until its next step)."""
        return TrackSet._trusted(**{name: a[: self.n] for name, a in self._arrays.items()})

    def __len__(self) -> int:
        return self.n

    def step(
        self,
        time_s: float,
        positions_m: FloatArray,
        covariances_m2: FloatArray,
        sensor_id: int,
        coverage: ScanCoverage | None = None,
        rcs_m2: FloatArray | None = None,
    ) -> ScanResult:
        """One scan at ``time_s`` (s): detections ``(m, 3)`` (m) with covariances ``(m, 3, 3)`` (m^2) and
        RCS ``(m,)`` (m², NaN or ``None``: unknown) from sensor ``sensor_id``; misses count only where
        ``coverage`` (if given) could have detected the predicted track (:class:`ScanCoverage`). The
        result's arrays are views of the tracker's buffers, valid until its next step."""
        m = positions_m.shape[0]
        if self.n + m > self.cap:
            self._alloc(max(2 * self.cap, self.n + m))
        out = self._out
        det_track, confirmed, deleted = out[:m], out[m : m + self.n + m], out[2 * m + self.n :]
        c = coverage or _NO_COVERAGE
        g = c.geometry
        rcs = self._no_rcs[:m] if rcs_m2 is None else rcs_m2
        self.n, self.next_id, n_conf, n_del = _TRACKER_STEP(
            float(time_s),
            positions_m,
            covariances_m2,
            int(sensor_id),
            self.n,
            self.next_id,
            *self._arrays.values(),
            rcs,
            self.params,
            coverage is not None,
            g.floor_agl_m,
            g.terrain_m,
            g.grid,
            g.radar,
            c.detect,
            c.tables,
            det_track,
            confirmed,
            deleted,
        )
        return ScanResult(det_track, confirmed[:n_conf], deleted[:n_del])

    def drop(self, track_id: int) -> bool:
        """Delete a track now (a kill assessed); whether it was there."""
        rows = np.flatnonzero(self._arrays["ids"][: self.n] == track_id)
        if rows.size == 0:
            return False
        keep = np.ones(self.n, bool)
        keep[rows] = False
        for a in self._arrays.values():
            a[: self.n - rows.size] = a[: self.n][keep]
        self.n -= rows.size
        return True

    def confirmed(self) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Ids ``(k,)``, states ``(k, 6)`` (m, m/s), covariances ``(k, 6, 6)`` and times ``(k,)`` (s) of the
        confirmed tracks (copies)."""
        a = self._arrays
        sel = np.flatnonzero(a["status"][: self.n] == 1)
        return a["ids"][sel], a["state"][sel], a["cov"][sel], a["time_s"][sel]
