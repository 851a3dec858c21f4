"""The one interface every terrain source offers, and the generic methods built on a source's native grid."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

from iadsim._paths import cache_root as cache_root  # (the terrain caches live under it)
from iadsim.errors import IadsimError
from iadsim.limits import check_memory
from iadsim.terrain.grid import WGS84, Grid, local_crs, local_grid_spec

if TYPE_CHECKING:  # (rasterio is imported where a grid is warped: a command that warps none starts sooner)
    import rasterio.crs

#: Memory of a resampled terrain grid per cell, bytes (the float64 heights and the resampling's buffers).
GRID_BYTES_PER_CELL = 24

#: Metres per degree of latitude on a sphere of the mean earth radius (6 371 008.8 m); used only to
#: express nominal resolutions and margins in metres.
M_PER_DEG = math.pi / 180.0 * 6_371_008.8

Bounds = tuple[float, float, float, float]


class TerrainError(IadsimError):
    """A DEM cannot be read, does not cover a position, or cannot be downloaded (exit code 2)."""


class OutsideCoverageError(TerrainError):
    """The source has no data at all over the requested area."""


def format_position(lat: float, lon: float) -> str:
    """A WGS84 position in degrees as text, e.g. ``40.0760 N 32.5660 E``."""
    return f"{abs(lat):.4f} {'N' if lat >= 0 else 'S'} {abs(lon):.4f} {'E' if lon >= 0 else 'W'}"


def to_rasterio_crs(crs: CRS) -> rasterio.crs.CRS:
    """The same CRS as rasterio wants it."""
    import rasterio.crs

    return rasterio.crs.CRS.from_wkt(crs.to_wkt())


def check_bounds(bounds_wgs84: Bounds) -> Bounds:
    """Validate (west, south, east, north) in degrees; returns them as floats."""
    west, south, east, north = (float(v) for v in bounds_wgs84)
    if not all(math.isfinite(v) for v in (west, south, east, north)) or west > east or south > north:
        raise TerrainError(f"invalid bounds (west, south, east, north) = {bounds_wgs84} degrees")
    return west, south, east, north


def bilinear(grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bilinear interpolation of ``grid`` (values at cell centres) at points (x, y) in the grid's CRS.

    Points inside the grid but beyond the outermost cell centres take the edge value along that axis;
    points outside the grid, or next to a NaN cell with a non-zero weight, give NaN.
    """
    values = grid.values
    rows, cols = grid.shape
    t = grid.transform
    fc = (x - t.c) / t.a - 0.5
    fr = (y - t.f) / t.e - 0.5
    with np.errstate(invalid="ignore"):
        inside = (fc >= -0.5) & (fc <= cols - 0.5) & (fr >= -0.5) & (fr <= rows - 0.5)
    fc = np.clip(np.nan_to_num(fc), 0.0, cols - 1.0)
    fr = np.clip(np.nan_to_num(fr), 0.0, rows - 1.0)
    c0 = np.minimum(np.floor(fc).astype(np.intp), max(cols - 2, 0))
    r0 = np.minimum(np.floor(fr).astype(np.intp), max(rows - 2, 0))
    c1 = np.minimum(c0 + 1, cols - 1)
    r1 = np.minimum(r0 + 1, rows - 1)
    tc, tr = fc - c0, fr - r0
    out = np.zeros(np.shape(x), dtype=np.float64)
    for rr, cc, w in (
        (r0, c0, (1 - tr) * (1 - tc)),
        (r0, c1, (1 - tr) * tc),
        (r1, c0, tr * (1 - tc)),
        (r1, c1, tr * tc),
    ):
        out += np.where(w > 0, w * values[rr, cc].astype(np.float64), 0.0)
    out[~inside] = np.nan
    return out


class Terrain(ABC):
    """A source of terrain heights (metres above mean sea level).

    Sources implement :meth:`native` (their own grid over a window) and :meth:`covers`, and set
    :attr:`identity` and :attr:`resolution_m`; sampling and resampling are generic.
    """

    #: Human-readable source and resolution; goes into outputs and run manifests.
    identity: str
    #: Nominal north-south cell size in metres, used to choose local grids.
    resolution_m: float
    #: Points spread over more than this many degrees are sampled in blocks of this size, so that a few
    #: distant points never read one huge window.
    block_deg: float = 1.0

    @abstractmethod
    def native(self, bounds_wgs84: Bounds) -> Grid:
        """The source's own grid over a window covering ``(west, south, east, north)`` in degrees (with at
        least one extra cell on each side where the source has one), float32 metres, NaN where there is
        no data. :class:`OutsideCoverageError` when nothing of the source covers the bounds."""

    @abstractmethod
    def covers(self, lat: float, lon: float) -> bool:
        """True when the source has data at the WGS84 position (degrees)."""

    def not_covered_message(self, lat: float, lon: float) -> str:
        """Why a position cannot be used (for :class:`TerrainError`)."""
        return f"the position {format_position(lat, lon)} is outside the DEM {self.identity}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.identity}>"

    def elevation_m(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
        """Height above sea level in metres at WGS84 positions (degrees), bilinear between the source's
        cell centres; NaN outside coverage. ``lat`` and ``lon`` broadcast together."""
        lat_a, lon_a = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        out = np.full(lat_a.shape, np.nan)
        ok = np.isfinite(lat_a) & np.isfinite(lon_a) & (np.abs(lat_a) <= 90.0)
        if not ok.any():
            return out
        la, lo = lat_a[ok], lon_a[ok]
        result = np.full(la.shape, np.nan)
        span = max(float(la.max() - la.min()), float(lo.max() - lo.min()))
        if span <= self.block_deg:
            result[:] = self._sample(la, lo)
        else:
            ky = np.floor(la / self.block_deg).astype(np.int64)
            kx = np.floor(lo / self.block_deg).astype(np.int64)
            key = (ky - ky.min()) * (int(kx.max() - kx.min()) + 1) + (kx - kx.min())
            order = np.argsort(key, kind="stable")
            starts = np.flatnonzero(np.diff(key[order])) + 1
            for idx in np.split(order, starts):
                result[idx] = self._sample(la[idx], lo[idx])
        out[ok] = result
        return out

    def _sampling_grid(self, bounds_wgs84: Bounds) -> Grid:
        """A grid to sample points within the bounds from (values at cell centres); the native window
        unless a source has something cheaper. :class:`OutsideCoverageError` where there is no data."""
        return self.native(bounds_wgs84)

    def _sample(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Bilinear heights at points that lie close together."""
        try:
            grid = self._sampling_grid(
                (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
            )
        except OutsideCoverageError:
            return np.full(lat.shape, np.nan)
        if grid.crs == WGS84:
            x, y = lon, lat
        else:
            x, y = Transformer.from_crs(WGS84, grid.crs, always_xy=True).transform(lon, lat)
        return bilinear(grid, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def resample(self, transform: Affine, shape: tuple[int, int], crs: CRS) -> Grid:
        """Heights (float32 metres, NaN without data) on any north-up target grid: ``transform`` maps
        (col, row) to CRS coordinates of cell corners, ``shape`` is (rows, cols). Bilinear (GDAL warp)
        from the native window that covers the target with a margin of a few source cells; where the
        target cells are coarser than the source GDAL widens the kernel, averaging. GDAL's approximate
        transformer places sample points within 1/8 of a source cell. All NaN if the source has no data
        anywhere on the target."""
        from rasterio.enums import Resampling
        from rasterio.warp import reproject, transform_bounds

        crs = CRS.from_user_input(crs)
        rows, cols = int(shape[0]), int(shape[1])
        target = Grid(np.empty((rows, cols), dtype=np.float32), transform, crs, self.identity)
        west, south, east, north = transform_bounds(
            to_rasterio_crs(crs), "EPSG:4326", *target.bounds, densify_pts=51
        )
        margin = 3.0 * self.resolution_m / M_PER_DEG
        coslat = max(math.cos(math.radians(min(89.0, max(abs(south), abs(north)) + margin))), 0.01)
        bounds = (
            max(west - margin / coslat, -180.0),
            max(south - margin, -90.0),
            min(east + margin / coslat, 180.0),
            min(north + margin, 90.0),
        )
        values = np.full((rows, cols), np.nan, dtype=np.float32)
        try:
            source = self.native(bounds)
        except OutsideCoverageError:
            return target.with_values(values)
        reproject(
            source=np.ascontiguousarray(source.values, dtype=np.float32),
            destination=values,
            src_transform=source.transform,
            src_crs=to_rasterio_crs(source.crs),
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=to_rasterio_crs(crs),
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
        return target.with_values(values)

    def local_grid(self, lat: float, lon: float, radius_m: float, cell_m: float | None = None) -> Grid:
        """Heights on a square grid in :func:`local_crs` (lat, lon) (azimuthal equidistant, metres) reaching
        ``radius_m`` from the centre, cells of ``cell_m`` metres (default: the source's resolution).
        :class:`TerrainError` when the source does not cover the centre."""
        if not self.covers(lat, lon):
            raise TerrainError(self.not_covered_message(lat, lon))
        cell = float(cell_m) if cell_m is not None else float(self.resolution_m)
        if not (cell > 0 and radius_m > 0 and math.isfinite(cell) and math.isfinite(radius_m)):
            raise TerrainError(f"radius ({radius_m} m) and cell size ({cell} m) must be positive and finite")
        n = 2 * math.ceil(radius_m / cell) + 1
        check_memory(f"a terrain grid of {n:,} x {n:,} cells of {cell:g} m", n * n * GRID_BYTES_PER_CELL)
        transform, shape = local_grid_spec(radius_m, cell)
        return self.resample(transform, shape, local_crs(lat, lon))
