"""No terrain: height 0 m everywhere, so only the curve of a (k-factor) smooth earth limits sight."""

from __future__ import annotations

import math

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS

from iadsim.terrain.base import M_PER_DEG, Bounds, Terrain, check_bounds
from iadsim.terrain.grid import WGS84, Grid

CELLS_PER_DEG = 120  # 30 arc-second cells, like GLOBE


class FlatTerrain(Terrain):
    """Zero elevation everywhere (a smooth earth at sea level)."""

    identity = "flat (smooth earth, 0 m)"
    resolution_m = M_PER_DEG / CELLS_PER_DEG

    def covers(self, lat: float, lon: float) -> bool:
        return -90.0 <= lat <= 90.0

    def native(self, bounds_wgs84: Bounds) -> Grid:
        """Zeros on the 30 arc-second lattice of whole-degree multiples, one extra cell on each side."""
        west, south, east, north = check_bounds(bounds_wgs84)
        n = CELLS_PER_DEG
        col0, col1 = math.floor(west * n) - 1, math.ceil(east * n) + 1
        row0, row1 = math.floor(-north * n) - 1, math.ceil(-south * n) + 1  # rows counted southward from 0 N
        values = np.zeros((row1 - row0, col1 - col0), dtype=np.float32)
        return Grid(values, Affine(1.0 / n, 0.0, col0 / n, 0.0, -1.0 / n, -row0 / n), WGS84, self.identity)

    def elevation_m(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
        lat_a, lon_a = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        ok = np.isfinite(lat_a) & np.isfinite(lon_a) & (np.abs(lat_a) <= 90.0)
        return np.where(ok, 0.0, np.nan)

    def resample(self, transform: Affine, shape: tuple[int, int], crs: CRS) -> Grid:
        values = np.zeros((int(shape[0]), int(shape[1])), dtype=np.float32)
        return Grid(values, transform, CRS.from_user_input(crs), self.identity)
