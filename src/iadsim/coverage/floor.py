"""The radar floor: the lowest height above the terrain at which a target is in line of sight.

For an antenna at a site, every cell of a planar grid within a maximum range gets the minimum height above
ground at which a target there is visible over the terrain and the curve of a k-factor earth (4/3 by
default). Line of sight follows the straight line in the grid from the antenna's cell to the cell's
centre, sampled where it crosses each grid line of the major axis, with the terrain interpolated linearly
along that grid line (the rule of Franklin and Ray's R3 algorithm); curvature and refraction are exact on
the effective earth (:mod:`iadsim.coverage._kernels`). The kernel computes this for all cells at once in
O(n) by sweeping rays to every cell of the outer ring and interpolating between the two rays that bracket
each cell (R2 with interpolation); :func:`reference_floor` computes the R3 definition directly, cell by
cell, to check it.

References: W. R. Franklin and C. Ray, "Higher isn't necessarily better: visibility algorithms and
experiments", 6th Int. Symp. on Spatial Data Handling (1994); GDAL ``gdal_viewshed -om GROUND``.
"""

from __future__ import annotations

import math
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from pyproj import Transformer

from iadsim import physics
from iadsim.errors import InputError
from iadsim.limits import check_memory
from iadsim.terrain import GeoTiffTerrain, Terrain
from iadsim.terrain.grid import WGS84, Grid, metres_per_unit

FloatArray = NDArray[np.float64]

#: Largest central angle the kernels' series serve, rad (2,500 km on a 4/3 earth; see ``_kernels``).
MAX_CENTRAL_ANGLE = 0.3
#: Integer nodata values below this (m) can never block a line of sight and are left in place for speed.
LOWEST_NODATA_M = -1000.0
#: Highest antenna above the ground, m.
MAX_MAST_M = 200.0
#: Memory of a radar floor per cell, bytes: the terrain window (as read, up to float64), the float32
#: floor, and the sweeps' lines.
FLOOR_BYTES_PER_CELL = 20


@dataclass(frozen=True)
class Floor:
    """A radar floor and how it was computed.

    ``agl`` holds metres above the terrain (NaN out of range or without terrain data); ``dem`` the terrain
    window it was computed on, on the same grid, in the DEM's own data type (``dem_nodata`` marks missing
    cells of an integer DEM); :attr:`terrain` the same heights as floats with NaN where missing;
    ``antenna_amsl_m`` the antenna height above sea level.
    """

    agl: Grid
    dem: Grid
    row: int
    col: int
    antenna_amsl_m: float
    mast_m: float
    k: float
    max_range_m: float
    dem_nodata: float | None = None

    @property
    def terrain(self) -> Grid:
        """Terrain heights (m above sea level) on the floor's grid: floats, NaN where missing.

        Converted from an integer DEM on first use only (the command line, which writes the floor alone,
        never pays for it)."""
        if np.issubdtype(self.dem.values.dtype, np.floating):
            return self.dem
        cached: Grid | None = self.__dict__.get("_terrain")
        if cached is None:
            cached = self.dem.with_values(_as_float(self.dem.values, self.dem_nodata))
            object.__setattr__(self, "_terrain", cached)
        return cached

    @property
    def amsl(self) -> Grid:
        """The floor in metres above sea level."""
        values = self.agl.values.astype(np.float64) + self.terrain.values
        return self.agl.with_values(values.astype(np.float32))

    def window_on(self, grid: Grid) -> tuple[slice, slice]:
        """Where this floor lies on ``grid``, the grid it was computed on a window of (rows, columns)."""
        col0, row0 = ~grid.transform @ (self.agl.transform.c, self.agl.transform.f)
        r0, c0 = int(round(row0)), int(round(col0))
        rows, cols = self.agl.shape
        return slice(r0, r0 + rows), slice(c0, c0 + cols)


def _checked(
    dem: Grid, x: float, y: float, mast_m: float, k: float, max_range_m: float, nodata: float | None = None
) -> tuple[int, int, float]:
    if dem.is_geographic:
        raise InputError(
            "the radar floor needs a projected grid in metres; resample geographic terrain first"
        )
    if not 0 <= mast_m <= MAX_MAST_M:
        raise InputError(f"mast height must lie in [0, {MAX_MAST_M:g}] m, got {mast_m} m")
    if not 0 < k < math.inf:
        raise InputError(f"k-factor must be positive and finite, got {k}")
    if not 0 < max_range_m < math.inf:
        raise InputError(f"maximum range must be positive and finite, got {max_range_m} m")
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError(f"the site ({x}, {y}) must be finite")
    row, col = dem.index_of(x, y)
    rows, cols = dem.shape
    if not (0 <= row < rows and 0 <= col < cols):
        left, bottom, right, top = dem.bounds
        raise InputError(
            f"the site ({x:.1f}, {y:.1f}) lies outside the terrain grid "
            f"[{left:.1f}, {right:.1f}] x [{bottom:.1f}, {top:.1f}] ({dem.crs.name})"
        )
    ground = float(dem.values[row, col])
    if not np.isfinite(ground) or (nodata is not None and ground == nodata):
        raise InputError(
            f"the terrain has no data at the site ({x:.1f}, {y:.1f}) ({dem.source or 'terrain'}): a void "
            "in the DEM; move the site or fill the void"
        )
    return row, col, ground


def radar_floor(
    dem: Grid,
    x: float,
    y: float,
    mast_m: float,
    k: float = physics.STANDARD_K,
    max_range_m: float = 400e3,
    nodata: float | None = None,
) -> Floor:
    """Radar floor of an antenna ``mast_m`` above the ground at (x, y) in the grid's CRS (any linear unit:
    cell sizes are converted to metres by the CRS's own factor).

    The antenna stands at the centre of the cell containing (x, y), ``mast_m`` above that cell's terrain.
    ``nodata`` marks missing terrain in integer grids (float grids use NaN). The result covers the window
    of the terrain grid within ``max_range_m`` of the antenna (clipped to the grid), on the same cells.
    """
    row, col, ground = _checked(dem, x, y, mast_m, k, max_range_m, nodata)
    sx, sy = dem.cell_size_m
    rows, cols = dem.shape
    r_lo, r_hi = (
        max(0, row - int(np.ceil(max_range_m / sy))),
        min(rows, row + int(np.ceil(max_range_m / sy)) + 1),
    )
    c_lo, c_hi = (
        max(0, col - int(np.ceil(max_range_m / sx))),
        min(cols, col + int(np.ceil(max_range_m / sx)) + 1),
    )
    check_memory(
        f"a radar floor over {r_hi - r_lo:,} x {c_hi - c_lo:,} cells",
        (r_hi - r_lo) * (c_hi - c_lo) * FLOOR_BYTES_PER_CELL,
    )
    z = dem.values[r_lo:r_hi, c_lo:c_hi]
    if nodata is not None and nodata > LOWEST_NODATA_M:
        z = _as_float(z, nodata)  # a nodata value that could pass for terrain would block lines of sight
        nodata = None
    if min(z.shape) < 2:
        raise InputError(
            f"the terrain window around the site is too small ({z.shape[0]} x {z.shape[1]} cells)"
        )
    window = Grid(z, dem.transform @ Affine.translation(c_lo, r_lo), dem.crs, dem.source)
    nd = float("nan") if nodata is None else float(nodata)
    h0 = ground + mast_m
    re = physics.effective_earth_radius_m(k)
    if max_range_m / re > MAX_CENTRAL_ANGLE:
        raise InputError(
            f"maximum range {max_range_m / 1e3:.0f} km is beyond what the floor supports for k = {k:.4g} "
            f"({MAX_CENTRAL_ANGLE * re / 1e3:.0f} km)"
        )
    out = _sweep_all(z, nd, row - r_lo, col - c_lo, h0, re, float(max_range_m), sx, sy)
    return Floor(
        agl=window.with_values(out, source=f"radar floor over {dem.source}".strip()),
        dem=window,
        row=row - r_lo,
        col=col - c_lo,
        antenna_amsl_m=h0,
        mast_m=mast_m,
        k=k,
        max_range_m=max_range_m,
        dem_nodata=nodata,
    )


def site_floor(
    terrain: Terrain,
    lat: float,
    lon: float,
    mast_m: float,
    k: float = physics.STANDARD_K,
    max_range_m: float = 400e3,
    cell_m: float | None = None,
) -> Floor:
    """Radar floor of a site given in WGS84 degrees, on the grid that suits the terrain source.

    A projected GeoTIFF is used on its own grid (only the window within range is read); any other source
    (the embedded GLOBE tile, Copernicus tiles, a geographic GeoTIFF, flat) is resampled bilinearly onto a
    square azimuthal-equidistant grid centred on the site, of ``cell_m`` metres (default: half the
    source's resolution, so that lines of sight sample the interpolated terrain between the source's
    points too), where distances and bearings from the site are exact.
    """
    if isinstance(terrain, GeoTiffTerrain) and not terrain.crs.is_geographic:
        x, y = Transformer.from_crs(WGS84, terrain.crs, always_xy=True).transform(lon, lat)
        return geotiff_floor(terrain, float(x), float(y), mast_m, k, max_range_m)
    cell = float(cell_m) if cell_m is not None else float(terrain.resolution_m) / 2
    if not cell > 0:
        raise InputError(f"cell size must be positive, got {cell} m")
    if not max_range_m > 0:
        raise InputError(f"maximum range must be positive, got {max_range_m} m")
    grid = terrain.local_grid(lat, lon, max_range_m + cell, cell)
    return radar_floor(grid, 0.0, 0.0, mast_m, k, max_range_m)


def geotiff_floor(
    terrain: GeoTiffTerrain,
    x: float,
    y: float,
    mast_m: float,
    k: float = physics.STANDARD_K,
    max_range_m: float = 400e3,
) -> Floor:
    """Radar floor on a GeoTIFF's own grid, the site (x, y) given in the file's CRS.

    Projected files: the window within ``max_range_m`` is read in its own data type and swept directly.
    Geographic files: the floor is computed on a local azimuthal-equidistant grid of half the file's
    resolution (:func:`site_floor`) and each cell of the file's window takes the value of the local cell
    containing its centre.
    """
    if not max_range_m > 0:
        raise InputError(f"maximum range must be positive, got {max_range_m} m")
    if not terrain.crs.is_geographic:
        unit = metres_per_unit(terrain.crs)
        sx, sy = float(terrain.transform.a) * unit, float(-terrain.transform.e) * unit
        col, row = ~terrain.transform @ (x, y)
        r, c = int(np.floor(row)), int(np.floor(col))
        if not (0 <= r < terrain.shape[0] and 0 <= c < terrain.shape[1]):
            raise InputError(f"the site ({x:.1f}, {y:.1f}) lies outside the DEM {terrain.path}")
        # exactly the window radar_floor sweeps, so that it needs no contiguous copy
        if not max_range_m < math.inf:
            raise InputError(f"maximum range must be finite, got {max_range_m} m")
        nr, nc = int(np.ceil(max_range_m / sy)), int(np.ceil(max_range_m / sx))
        # the window within range, clipped to the file
        rows = min(r + nr + 1, terrain.shape[0]) - max(r - nr, 0)
        cols = min(c + nc + 1, terrain.shape[1]) - max(c - nc, 0)
        check_memory(
            f"a radar floor over {rows:,} x {cols:,} cells of {terrain.path.name}",
            rows * cols * FLOOR_BYTES_PER_CELL,
        )
        window, nodata = terrain.read_window(r - nr, c - nc, 2 * nr + 1, 2 * nc + 1)
        return radar_floor(window, x, y, mast_m, k, max_range_m, nodata=nodata)
    lon, lat = x, y
    if not terrain.covers(lat, lon):
        raise InputError(f"the site ({lat:.5f} N, {lon:.5f} E) lies outside the DEM {terrain.path}")
    local = site_floor(terrain, lat, lon, mast_m, k, max_range_m)
    reach = (max_range_m + 2 * terrain.resolution_m) / 111_000.0
    own = terrain.native(
        (
            lon - reach / max(np.cos(np.radians(lat)), 0.05),
            lat - reach,
            lon + reach / max(np.cos(np.radians(lat)), 0.05),
            lat + reach,
        )
    )
    xs, ys = own.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    lx, ly = Transformer.from_crs(own.crs, local.agl.crs, always_xy=True).transform(gx, gy)
    cols, rows = ~local.agl.transform @ (lx, ly)
    ri, ci = np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)
    inside = (ri >= 0) & (ri < local.agl.shape[0]) & (ci >= 0) & (ci < local.agl.shape[1])
    values = np.full(own.shape, np.nan, dtype=np.float32)
    values[inside] = local.agl.values[ri[inside], ci[inside]]
    row, col = own.index_of(x, y)
    return Floor(
        agl=own.with_values(values, source=f"radar floor over {terrain.identity}"),
        dem=own,
        row=row,
        col=col,
        antenna_amsl_m=local.antenna_amsl_m,
        mast_m=mast_m,
        k=k,
        max_range_m=max_range_m,
    )


def warm_kernels() -> ModuleType:
    """Load the compiled kernels and start numba's type system through one of them (its cache on disk, no
    compilation after the first run); returns the kernels' module.

    Numba costs about 0.3 s in a new process (its import, then its type system on the first call of any
    compiled function), nearly all of it Python that holds the GIL; the command line runs this in a thread
    while it reads the terrain (:mod:`iadsim.cli._startup`). :func:`radar_floor` needs no call to this."""
    from iadsim.coverage import _kernels as _k

    _k.count_finite(np.empty((1, 1), np.float32), 0, 1)
    return _k


def count_finite(values: NDArray[np.floating]) -> int:
    """Number of finite cells of a 2-D float array (the cells of a floor within range).

    One thread, without the GIL and without a temporary mask: the command line runs it beside the GeoTIFF
    write, which has the other core."""
    from iadsim.coverage import _kernels as _k

    return int(_k.count_finite(np.ascontiguousarray(values), 0, values.shape[0]))


def _sweep_all(
    z: NDArray[Any],
    nodata: float,
    r0: int,
    c0: int,
    h0: float,
    re: float,
    max_range: float,
    sx: float,
    sy: float,
) -> NDArray[np.float32]:
    """Run the four half-plane sweeps of :mod:`._kernels` on two threads (they release the GIL).

    North and south sweep along the rows, east and west along the columns (by blocks of columns copied
    into lines); together they write every cell of the result once, NaN beyond ``max_range``. Threads
    rather than numba's parallel runtime, which costs half a second to start in every new process.
    """
    z = np.ascontiguousarray(z)  # the kernels are compiled for (and vectorised on) C-contiguous rows
    rows, cols = z.shape
    out = _prefaulted(z.shape, np.dtype(np.float32))  # before the kernels, which numba may still be loading
    from iadsim.coverage import _kernels as _k

    tasks = [  # east, west, south, north: (sign, along the columns, spacing along the sweep, across it)
        (1, True, sx, sy),
        (-1, True, sx, sy),
        (1, False, sy, sx),
        (-1, False, sy, sx),
    ]
    # costliest half-planes first, so that both workers finish together: a sweep's cost grows with the
    # square of its extent, and is 1.7 times higher along the columns (block copies; measured)
    extent = [cols - 1 - c0, c0, rows - 1 - r0, r0]

    def cost(i: int) -> float:
        reach = float(min(extent[i], max_range / tasks[i][2]))
        return reach**2 * (_COLUMN_SWEEP_COST if tasks[i][1] else 1.0)

    order = sorted(range(4), key=lambda i: -cost(i))
    workers = min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [
            pool.submit(_k.sweep, z, nodata, out, r0, c0, h0, re, max_range, s1, s2, sign, along_cols)
            for sign, along_cols, s1, s2 in (tasks[i] for i in order)
        ]
        for job in jobs:
            job.result()
    # the antenna's row beyond range (the sweeps of the columns write only cells within range)
    r2 = max_range * max_range
    kr = int(max_range / sx) + 1
    while kr >= 0 and (kr * sx) ** 2 > r2:
        kr -= 1
    out[r0, c0 + kr + 1 :] = np.nan
    out[r0, : max(c0 - kr, 0)] = np.nan
    out[r0, c0] = 0.0
    return out


#: Cost of a sweep along the columns relative to one along the rows of the same extent (measured).
_COLUMN_SWEEP_COST = 1.7
#: Arrays from this size on are mapped with all their pages at once (:func:`_prefaulted`).
_PREFAULT_BYTES = 1 << 26


def _prefaulted(shape: tuple[int, ...], dtype: np.dtype[Any]) -> NDArray[Any]:
    """An uninitialised C-contiguous array whose memory the kernel maps in one call (``MAP_POPULATE``).

    Every page of a fresh array costs a page fault on its first write; mapped at once, they cost less
    (0.06 s against 0.09 s for 244 MB), in one system call that releases the GIL, so that it overlaps
    whatever holds the GIL meanwhile (numba still starting, in the command line). Small arrays, and
    systems without ``MAP_POPULATE``, get ``np.empty``.
    """
    nbytes = int(np.prod(shape)) * dtype.itemsize
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if nbytes < _PREFAULT_BYTES or not populate:
        return np.empty(shape, dtype)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    return np.frombuffer(buffer, dtype).reshape(shape)


def _as_float(z: NDArray[np.generic], nodata: float | None) -> NDArray[np.float32]:
    out = z.astype(np.float32)
    if nodata is not None:
        out[z == nodata] = np.nan
    return out


def reference_floor(
    dem: Grid,
    row: int,
    col: int,
    antenna_amsl_m: float,
    cells: NDArray[np.integer],
    k: float = physics.STANDARD_K,
) -> FloatArray:
    """The R3 line-of-sight floor (m above terrain) of chosen cells, computed one cell at a time.

    For each target cell (rows ``cells[:, 0]``, columns ``cells[:, 1]``), walk the straight line from the
    antenna cell's centre to the target cell's centre; at every grid line of the major axis strictly
    between them, interpolate the terrain linearly along that grid line, and take the largest elevation
    angle; the floor is the height of that ray over the target above its terrain, or 0. Slow (numpy per
    cell) and independent of the kernel: a reference for tests and benchmarks.
    """
    re = physics.effective_earth_radius_m(k)
    z = np.asarray(dem.values, dtype=np.float64)
    sx, sy = dem.cell_size_m
    rows, cols = z.shape
    out = np.empty(len(cells))
    for n, (tr, tc) in enumerate(np.asarray(cells)):
        dr, dc = int(tr) - row, int(tc) - col
        zt = z[tr, tc]
        if dr == 0 and dc == 0:
            out[n] = 0.0
            continue
        if abs(dc) >= abs(dr):  # walk along columns
            steps = np.arange(1, abs(dc))
            c = col + np.sign(dc) * steps
            rf = row + dr * steps / abs(dc)
            r_lo = np.clip(np.floor(rf).astype(int), 0, rows - 2)
            w = rf - r_lo
            zs = (1 - w) * z[r_lo, c] + w * z[r_lo + 1, c]
            d = np.hypot(steps * sx, (rf - row) * sy)
        else:  # walk along rows
            steps = np.arange(1, abs(dr))
            r = row + np.sign(dr) * steps
            cf = col + dc * steps / abs(dr)
            c_lo = np.clip(np.floor(cf).astype(int), 0, cols - 2)
            w = cf - c_lo
            zs = (1 - w) * z[r, c_lo] + w * z[r, c_lo + 1]
            d = np.hypot(steps * sy, (cf - col) * sx)
        dt = float(np.hypot(dc * sx, dr * sy))
        ok = np.isfinite(zs)
        if not ok.any():
            out[n] = 0.0
            continue
        p = d[ok] / re
        tan_e = ((re + zs[ok]) * np.cos(p) - (re + antenna_amsl_m)) / ((re + zs[ok]) * np.sin(p))
        t = float(np.max(tan_e))
        pt = dt / re
        lowest = (re + antenna_amsl_m) / (np.cos(pt) - t * np.sin(pt)) - re
        out[n] = max(0.0, lowest - zt)
    return out
