"""What a radar can see and what its scan could detect, as the engine's kernels use it: the radar floor over
a window of the terrain grid (:class:`Coverage`), and with the radar equation, whether a scan could have
detected a target (:class:`ScanCoverage`, which the trackers ask before counting a missed scan).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from iadsim import physics
from iadsim.sensors import Environment, RadarModel, aspect_index
from iadsim.sim import _kernels

FloatArray = NDArray[np.float64]


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
class Look:
    """What a radar's SNR at a target owes to the surface under the signal and to the target's aspect.

    The radar at ``(x_m, y_m)`` on the grid, its antenna ``antenna_amsl_m`` and the ground under it
    ``ground_amsl_m`` above sea level; ``coverage`` is where it sees (the loss is needed only there).
    Compared by identity, as :class:`Coverage` (the worlds of a study share one per inputs).
    """

    model: RadarModel
    env: Environment
    x_m: float
    y_m: float
    antenna_amsl_m: float
    ground_amsl_m: float
    coverage: Coverage

    def loss_db(self, positions_m: FloatArray, ground_amsl_m: FloatArray) -> FloatArray:
        """What the surface takes from the free-space SNR (dB) at targets at ``positions_m`` ``(n, 3)``
        over ground at ``ground_amsl_m`` ``(n,)``: :meth:`iadsim.sensors.RadarModel.terrain_loss_db`, the
        ground range being the distance in the grid's plane."""
        p = np.asarray(positions_m, dtype=np.float64)
        ground = np.hypot(p[:, 0] - self.x_m, p[:, 1] - self.y_m)
        loss = self.model.terrain_loss_db(
            ground, self.antenna_amsl_m, self.ground_amsl_m, p[:, 2], ground_amsl_m, self.env
        )
        return np.asarray(loss, dtype=np.float64)

    def aspects(self, positions_m: FloatArray, headings: FloatArray) -> NDArray[np.int8]:
        """Aspect index of targets at ``positions_m`` flying along ``headings`` (both ``(n, 3)``;
        :func:`iadsim.sensors.aspect_index`)."""
        to_radar = np.array([self.x_m, self.y_m, self.antenna_amsl_m]) - np.asarray(positions_m)
        return aspect_index(headings, to_radar)

    def at(
        self, positions_m: FloatArray, headings: FloatArray, ground_amsl_m: FloatArray
    ) -> tuple[FloatArray, NDArray[np.int8]]:
        """:meth:`loss_db` and :meth:`aspects` together."""
        return self.loss_db(positions_m, ground_amsl_m), self.aspects(positions_m, headings)


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

    def detectable(self, positions_m: FloatArray, rcs_m2: FloatArray) -> NDArray[np.bool_]:
        """Whether the scan could have detected targets at points ``positions_m`` ``(n, 3)`` (m) with RCS
        ``rcs_m2`` ``(n,)`` (m²)."""
        g = self.geometry
        p = np.ascontiguousarray(positions_m, dtype=np.float64)
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
