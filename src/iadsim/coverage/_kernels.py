"""Numba kernels of the radar floor. Arrays and floats in, arrays out; no I/O, no validation.

Geometry: a k-factor earth of effective radius ``re``; a terrain point at ground distance ``d`` (central
angle ``p = d / re``) and height ``z`` above sea level is seen from an antenna at height ``h0`` under the
elevation angle ``e`` with (plane geometry of the triangle earth centre - antenna - point)::

    tan e = ((re + z) cos p - (re + h0)) / ((re + z) sin p)
          = ((z - h0) - (re + z)(1 - cos p)) / ((re + z) sin p)

and the lowest height visible at angle ``p`` below a ray of elevation ``e`` (``T = tan e``) is::

    H = (re + h0) / (cos p - T sin p) - re = (h0 + re (1 - cos p) + re T sin p) / (cos p - T sin p)

Both are written in the second form, free of cancellation; ``1 - cos p`` and ``sin p`` come from their
Taylor series (exact to 1e-16 for p < 0.3, i.e. ground distances below 2,500 km on a 4/3 earth).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Largest central angle the series below serve (2,500 km on a 4/3 earth); the caller checks it.
MAX_CENTRAL_ANGLE = 0.3
#: Elevation tangent of a ray with no terrain sample yet: any real sample exceeds it.
_NO_SAMPLE = -1e30


@njit(cache=True, inline="always", fastmath={"contract", "arcp", "reassoc"})
def _omc_sin(p: float) -> tuple[float, float]:
    """(1 - cos p, sin p) by their Taylor series, exact to 1e-16 for 0 <= p <= 0.3 rad."""
    p2 = p * p
    omc = p2 * (0.5 - p2 * (1.0 / 24.0 - p2 * (1.0 / 720.0 - p2 * (1.0 / 40320.0 - p2 / 3628800.0))))
    sin = p * (1.0 - p2 * (1.0 / 6.0 - p2 * (1.0 / 120.0 - p2 * (1.0 / 5040.0 - p2 / 362880.0))))
    return omc, sin


@njit(cache=True, nogil=True, fastmath={"contract", "arcp", "reassoc"})
def sweep(
    z: np.ndarray,
    nodata: float,
    out: np.ndarray,
    r0: int,
    c0: int,
    h0: float,
    re: float,
    max_range: float,
    s_major: float,
    s_minor: float,
    sign: int,
    strict: bool,
) -> None:
    """Sweep one half-plane of a row-major grid, row by row away from the antenna cell (r0, c0).

    Cells at row offset ``sign * k > 0`` and column offset ``|m| <= k`` (``< k`` if ``strict``) belong to
    this sweep. Rays leave the antenna towards every column offset at the last row ``K``; the running
    maximum elevation tangent of each ray over rows ``1..k-1`` is interpolated linearly between the two
    rays that bracket a cell's own line. Rows are read and written contiguously; the inner loops have no
    branches. Missing terrain: NaN samples never raise a ray's maximum and make the cell NaN; an integer
    ``nodata`` value is low enough (the caller checks) never to raise it, and marks the cell NaN.
    """
    rows, cols = z.shape
    k_grid = (rows - 1 - r0) if sign > 0 else r0
    k_range = int(math.ceil(max_range / s_major)) + 1
    big_k = min(k_grid, k_range)
    if big_k < 1:
        return
    n_rays = 2 * big_k + 1
    h = np.full(n_rays, _NO_SAMPLE)
    u = np.empty(n_rays)
    step = np.empty(n_rays)
    for i in range(n_rays):
        u[i] = -1.0 + i / big_k
        step[i] = math.sqrt(s_major * s_major + (u[i] * s_minor) ** 2)
    inv_re = 1.0 / re
    check_nodata = not math.isnan(nodata)
    last_col = cols - 1.0
    for k in range(1, big_k + 1):
        a = r0 + sign * k
        zrow = z[a]
        orow = out[a]
        inv_k = 1.0 / k
        dk2 = (k * s_major) ** 2
        # cells at row offset k within range, from the rays' maxima over rows 1..k-1
        if dk2 <= max_range * max_range:
            m_hi = k - 1 if strict else k
            m_range = int(math.sqrt(max_range * max_range - dk2) / s_minor)
            m_hi = min(m_hi, m_range, cols - 1 - c0)
            m_lo = max(-(k - 1 if strict else k), -m_range, -c0)
            for m in range(m_lo, m_hi + 1):
                zc = zrow[c0 + m]
                d = math.sqrt(dk2 + (m * s_minor) ** 2)
                f = (m * inv_k + 1.0) * big_k
                i = min(int(f), n_rays - 2)
                w = f - i
                t = (1.0 - w) * h[i] + w * h[i + 1]
                omc, sn = _omc_sin(d * inv_re)
                lowest = (h0 + re * omc + re * t * sn) / ((1.0 - omc) - t * sn)
                floor = lowest - zc
                floor = floor if floor > 0.0 else (0.0 if floor <= 0.0 else floor)  # keeps NaN
                if check_nodata and zc == nodata:
                    floor = np.nan
                orow[c0 + m] = floor
        # every ray still within range samples row k, for the cells further out; rays are symmetric in u,
        # so those form the central index range [i_lo, n_rays - 1 - i_lo]
        reach = (max_range + s_major) * inv_k
        if reach <= s_major:
            continue
        u_max = math.sqrt(reach * reach - s_major * s_major) / s_minor
        i_lo = 0 if u_max >= 1.0 else int(math.ceil((1.0 - u_max) * big_k))
        for i in range(i_lo, n_rays - i_lo):
            d = k * step[i]
            mf = min(max(u[i] * k + c0, 0.0), last_col)
            j = min(int(mf), cols - 2)
            w = mf - j
            zs = (1.0 - w) * zrow[j] + w * zrow[j + 1]
            omc, sn = _omc_sin(d * inv_re)
            t = ((zs - h0) - (re + zs) * omc) / ((re + zs) * sn)
            h[i] = t if t > h[i] else h[i]


@njit(cache=True, nogil=True)
def transpose(a: np.ndarray, out: np.ndarray, i0: int, i1: int) -> None:
    """Write rows ``i0..i1`` of ``a`` as columns of ``out`` (its transpose), by 64 x 64 blocks."""
    cols = a.shape[1]
    for b0 in range(i0, i1, 64):
        b1 = min(b0 + 64, i1)
        for j0 in range(0, cols, 64):
            j1 = min(j0 + 64, cols)
            for i in range(b0, b1):
                for j in range(j0, j1):
                    out[j, i] = a[i, j]


@njit(cache=True, nogil=True)
def fill_nan(a: np.ndarray, i0: int, i1: int) -> None:
    """Set rows ``i0..i1`` of ``a`` to NaN."""
    for i in range(i0, i1):
        a[i, :] = np.nan


@njit(cache=True, nogil=True)
def merge_transposed(
    out: np.ndarray,
    out_t: np.ndarray,
    r0: int,
    c0: int,
    sx: float,
    sy: float,
    max_range: float,
    i0: int,
    i1: int,
) -> None:
    """Copy into rows ``i0..i1`` of ``out`` the east and west sweeps' cells from ``out_t`` (their transposed
    layout): those with ``|dc| >= |dr|`` from the antenna cell (r0, c0), within ``max_range``."""
    cols = out.shape[1]
    r2 = max_range * max_range
    for b0 in range(i0, i1, 64):
        b1 = min(b0 + 64, i1)
        for j0 in range(0, cols, 64):
            j1 = min(j0 + 64, cols)
            for i in range(b0, b1):
                dr = abs(i - r0)
                for j in range(j0, j1):
                    dc = abs(j - c0)
                    if dc >= dr and dc > 0 and (dc * sx) ** 2 + (dr * sy) ** 2 <= r2:
                        out[i, j] = out_t[j, i]
